"""Checks on how facts reach causes: a situation that reaches its cause through only one of the
symptoms the cause explains, so the same situation behind another notice goes unseen.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterator, List, Set, Tuple

from ..knowledge import Rule
from ..operators import condition_key
from .base import KB_HEAD, RULES_HEAD, Check, LintContext, LintFinding

_LATE = KB_HEAD + """\
symptoms:
  - id: late_shipment_high
    title: {en: "Late shipment rate over target", zh: "迟发率超标"}
facts:
  - id: late_shipment_rate
    type: rate
    question: {en: "What is the late shipment rate?", zh: "迟发率是多少？"}
    help: {en: "Orders confirmed after the ship date, divided by orders.", zh: "超过发货日期才确认发货的订单占比。"}
"""
_LATE_RULES = RULES_HEAD + """\
rules:
  - id: late.over_target
    title: {en: "Late shipment rate over 4%", zh: "迟发率超过 4%"}
    when: [{fact: late_shipment_rate, above: 4%}]
    then: {symptom: late_shipment_high}
    sources: [src-a]
    examples:
      fires: [{platform: amazon, late_shipment_rate: 5%}]
      silent: [{platform: amazon, late_shipment_rate: 1%}]
  - id: late.stockout_prior
    title: {en: "Late shipments alone point to stock-outs", zh: "仅有迟发时指向断货"}
    when: [{symptom: late_shipment_high}]
    then: {cause: chronic_stockout}
    certainty: 0.3
    sources: [src-a]
    examples:
      fires: [{platform: amazon, late_shipment_rate: 5%}]
      silent: [{platform: amazon, late_shipment_rate: 1%}]
"""


class SingleSymptomReach(Check):
    id = "single-symptom-reach"
    summary = ("A yes/no situation fact that reaches a cause through only one of the symptoms the cause "
               "explains: the same situation behind another notice is never connected to its cause.")
    suppress_by = "the rule id"
    failing = {"knowledge/example.yaml": _LATE, "rules/example.yaml": _LATE_RULES}
    passing = {"knowledge/example.yaml": _LATE, "rules/example.yaml": _LATE_RULES + """\
  - id: late.stockout
    title: {en: "Late shipments from stock-outs", zh: "断货导致迟发"}
    when:
      - {symptom: late_shipment_high}
      - {fact: out_of_stock_often, is: true}
    then: {cause: chronic_stockout}
    certainty: 0.6
    sources: [src-a]
    examples:
      fires: [{platform: amazon, late_shipment_rate: 5%, out_of_stock_often: yes}]
      silent: [{platform: amazon, late_shipment_rate: 5%, out_of_stock_often: no}]
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        explained: Dict[str, Set[str]] = defaultdict(set)  # cause -> symptoms some rule takes to it
        reach: Dict[Tuple[str, str], List[Tuple[Rule, int, str]]] = defaultdict(list)  # (fact, cause) -> ways
        for rule in ctx.running_rules:
            kind, cause = rule.conclusion
            if kind != "cause" or rule.certainty <= 0 or rule.match != "all":
                continue
            symptoms = [c.name for c in rule.conditions if c.kind == "symptom" and not c.negated]
            explained[cause] |= set(symptoms)
            for index, condition in enumerate(rule.conditions):
                fact = ctx.kb.facts.get(condition.name) if condition.kind == "fact" else None
                if fact is not None and fact.type == "bool" and not condition.negated and condition.value is True:
                    reach[(condition.name, cause)] += [(rule, index, symptom) for symptom in symptoms]
        for (fact, cause), ways in sorted(reach.items()):
            through = sorted({symptom for _, _, symptom in ways})
            others = sorted(explained[cause] - set(through))
            if len(through) == 1 and others:
                rule, index, _ = ways[0]
                yield self.found(rule.id, rule.where, f"{condition_key(rule.match)}.{index}",
                                 f"fact '{fact}' reaches cause '{cause}' only through symptom '{through[0]}'; "
                                 f"the cause also explains {', '.join(others)}")
