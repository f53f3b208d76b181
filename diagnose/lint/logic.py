"""Checks on the logic of the rules: rules that can never fire, symptoms nothing derives or that
are tested absent while derived, derivation cycles and rules that repeat one another.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterator, List, Sequence, Tuple

from ..knowledge import Condition, Rule
from ..operators import condition_key
from .base import KB_HEAD, RULES_HEAD, Check, LintContext, LintFinding, rule_conditions, satisfiable


class ContradictoryConditions(Check):
    id = "contradictory-conditions"
    level = "error"
    summary = "A rule whose conditions on one fact can never all hold, so it never fires."
    suppress_by = "the rule id"
    failing = {"rules/example.yaml": RULES_HEAD + """\
rules:
  - id: cancel.never
    title: {en: "Contradiction", zh: "自相矛盾"}
    platforms: [ebay]
    when:
      - {fact: platform, is: amazon}
      - {fact: cancel_rate, above: 5%}
      - {fact: cancel_rate, below: 3%}
    then: {symptom: cancel_rate_high}
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%}]
      silent: [{platform: amazon, cancel_rate: 1%}]
"""}
    passing = {"rules/example.yaml": RULES_HEAD + """\
rules:
  - id: cancel.band
    title: {en: "Cancellation rate between 3% and 5%", zh: "取消率介于 3% 与 5% 之间"}
    platforms: [amazon]
    when:
      - {fact: platform, is: amazon}
      - {fact: cancel_rate, above: 3%}
      - {fact: cancel_rate, below: 5%}
    then: {symptom: cancel_rate_high}
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%}]
      silent: [{platform: amazon, cancel_rate: 1%}]
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        for rule in ctx.running_rules:
            by_fact: Dict[Tuple[str, str], List[Tuple[str, Condition]]] = defaultdict(list)
            for key, condition in rule_conditions(rule):
                by_fact[(condition.kind, condition.name)].append((key, condition))
            for (kind, name), pairs in by_fact.items():
                fact = ctx.kb.facts.get(name) if kind == "fact" else None
                groups = [pairs] if rule.match == "all" else [[pair] for pair in pairs]
                for group in groups:
                    conditions = [c for _, c in group]
                    if satisfiable(fact, conditions):
                        continue
                    shown = "; ".join(f"platforms [{', '.join(c.value)}]" if key == "platforms" else c.describe()
                                      for key, c in group)
                    yield self.found(rule.id, rule.where, group[0][0],
                                     f"rule '{rule.id}' can never fire: {kind} '{name}' cannot meet {shown}")


class UnderivedSymptom(Check):
    id = "underived-symptom"
    level = "error"
    summary = "A rule tests a symptom that no rule or threshold derives on the rule's platforms."
    suppress_by = "the rule id"
    failing = {"knowledge/example.yaml": KB_HEAD + """\
symptoms:
  - id: refund_rate_high
    title: {en: "Refund rate over the target", zh: "退款率超标"}
""", "rules/example.yaml": RULES_HEAD + """\
rules:
  - id: refunds.stockout
    title: {en: "Refunds come from stock-outs", zh: "退款源于断货"}
    when:
      - {symptom: refund_rate_high}
      - {fact: out_of_stock_often, is: true}
    then: {cause: chronic_stockout}
    sources: [src-a]
    examples:
      fires: [{platform: amazon, out_of_stock_often: yes}]
      silent: [{platform: amazon, out_of_stock_often: no}]
"""}
    passing = {"rules/example.yaml": RULES_HEAD + """\
rules:
  - id: cancel.stockout_seller
    title: {en: "Seller-shipped orders cancelled for a high cancellation rate", zh: "自发货订单取消率高"}
    when:
      - {symptom: cancel_rate_high}
      - {fact: fulfilment, is: seller}
    then: {cause: chronic_stockout}
    certainty: 0.5
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%, fulfilment: seller}]
      silent: [{platform: amazon, cancel_rate: 1%, fulfilment: seller}]
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        for rule in ctx.running_rules:
            key_of = condition_key(rule.match)
            platforms = set(ctx.platforms_of(rule))
            for index, condition in enumerate(rule.conditions):
                if condition.kind != "symptom" or condition.negated:
                    continue
                derived = ctx.derived_on.get(condition.name, set())
                if derived & platforms:
                    continue
                where = (f"only on {', '.join(sorted(derived))}, which the rule does not apply to"
                         if derived else "by any rule or threshold")
                yield self.found(rule.id, rule.where, f"{key_of}.{index}",
                                 f"rule '{rule.id}' tests symptom '{condition.name}', which is not derived {where}")


class NegatedDerivedSymptom(Check):
    id = "negated-derived-symptom"
    level = "error"
    summary = ("A rule requires a symptom to be absent that other rules derive: the engine has no truth "
               "maintenance, so the rule may fire before the symptom is derived. Test the facts instead.")
    suppress_by = "the rule id"
    failing = {"rules/example.yaml": RULES_HEAD + """\
rules:
  - id: stockout.without_cancellations
    title: {en: "Stock-outs without a cancellation problem", zh: "断货但取消率正常"}
    when:
      - {fact: out_of_stock_often, is: true}
      - {not: {symptom: cancel_rate_high}}
    then: {cause: chronic_stockout}
    certainty: 0.3
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 1%, out_of_stock_often: yes}]
      silent: [{platform: amazon, cancel_rate: 4%, out_of_stock_often: yes}]
"""}
    passing = {"rules/example.yaml": failing["rules/example.yaml"].replace(
        "{not: {symptom: cancel_rate_high}}", "{fact: cancel_rate, below: 2.5%}")}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        for rule in ctx.running_rules:
            key_of = condition_key(rule.match)
            for index, condition in enumerate(rule.conditions):
                if condition.kind == "symptom" and condition.negated and \
                        ctx.derived_on.get(condition.name, set()) & set(ctx.platforms_of(rule)):
                    yield self.found(rule.id, rule.where, f"{key_of}.{index}",
                                     f"rule '{rule.id}' requires symptom '{condition.name}' to be absent, but rules "
                                     "derive it: the rule may fire before it is derived")


class DerivationCycle(Check):
    id = "derivation-cycle"
    level = "error"
    summary = "Symptoms derived from each other in a circle (A ⇒ B ⇒ A): each props up the other's certainty."
    suppress_by = "the first rule id of the cycle"
    failing = {"knowledge/example.yaml": KB_HEAD + """\
symptoms:
  - id: stock_trouble
    title: {en: "Stock trouble", zh: "库存问题"}
""", "rules/example.yaml": RULES_HEAD + """\
rules:
  - id: cycle.one
    title: {en: "Cancellations mean stock trouble", zh: "取消意味着库存问题"}
    when: [{symptom: cancel_rate_high}]
    then: {symptom: stock_trouble}
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%}]
      silent: [{platform: amazon, cancel_rate: 1%}]
  - id: cycle.two
    title: {en: "Stock trouble means cancellations", zh: "库存问题意味着取消"}
    when: [{symptom: stock_trouble}]
    then: {symptom: cancel_rate_high}
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%}]
      silent: [{platform: amazon, cancel_rate: 1%}]
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"],
               "rules/example.yaml": failing["rules/example.yaml"].split("  - id: cycle.two")[0]}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        edges: Dict[str, List[Tuple[str, Rule]]] = defaultdict(list)
        for rule in ctx.running_rules:
            kind, target = rule.conclusion
            if kind == "symptom":
                for condition in rule.conditions:
                    if condition.kind == "symptom" and not condition.negated:
                        edges[condition.name].append((target, rule))
        reported = set()
        for start in sorted(edges):
            for path in self._cycles_from(start, edges):
                symptoms = tuple(sorted(step[0] for step in path))
                if symptoms in reported:
                    continue
                reported.add(symptoms)
                chain = " ⇒ ".join([start] + [target for target, _ in path])
                rules = ", ".join(rule.id for _, rule in path)
                first = path[0][1]
                yield self.found(first.id, first.where, "then",
                                 f"symptoms derive each other in a cycle: {chain} (rules {rules})")

    @staticmethod
    def _cycles_from(start: str, edges: Dict[str, Sequence[Tuple[str, Rule]]]) -> Iterator[List[Tuple[str, Rule]]]:
        """Paths start ⇒ ... ⇒ start (each symptom at most once), shortest first."""
        frontier: List[List[Tuple[str, Rule]]] = [[]]
        while frontier:
            grown = []
            for path in frontier:
                here = path[-1][0] if path else start
                for target, rule in edges.get(here, ()):
                    if target == start:
                        yield path + [(target, rule)]
                    elif target not in {step[0] for step in path}:
                        grown.append(path + [(target, rule)])
            frontier = grown


class ShadowedRule(Check):
    id = "shadowed-rule"
    level = "error"
    summary = "Two rules with the same conditions, platforms and conclusion: the evidence is counted twice."
    suppress_by = "the id of the later rule"
    failing = {"rules/example.yaml": RULES_HEAD + """\
rules:
  - id: cancel.stockout_copy
    title: {en: "Cancellations come from stock-outs (again)", zh: "取消源于断货（重复）"}
    when:
      - {fact: out_of_stock_often, is: true}
      - {symptom: cancel_rate_high}
    then: {cause: chronic_stockout}
    certainty: 0.5
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%, out_of_stock_often: yes}]
      silent: [{platform: amazon, cancel_rate: 1%, out_of_stock_often: yes}]
"""}
    passing = {"rules/example.yaml": failing["rules/example.yaml"].replace(
        "      - {symptom: cancel_rate_high}\n", "      - {symptom: cancel_rate_high}\n      - {fact: fulfilment, is: seller}\n")}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        first: Dict[tuple, Rule] = {}
        for rule in sorted(ctx.running_rules, key=lambda r: (r.where.path, r.where.line or 0, r.id)):
            key = (frozenset(rule.conditions), rule.match if len(rule.conditions) > 1 else "all",
                   frozenset(ctx.platforms_of(rule)), rule.conclusion)
            if key in first:
                other = first[key]
                yield self.found(rule.id, rule.where, "id",
                                 f"rule '{rule.id}' repeats rule '{other.id}' ({other.where.path}:{other.where.line}): "
                                 "same conditions, platforms and conclusion")
            else:
                first[key] = rule

