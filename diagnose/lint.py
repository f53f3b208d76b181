"""Semantic checks on a loaded knowledge base: ``diagnose kb lint``.

Validation (:func:`knowledge.check_knowledge`) makes sure every file is well formed and every
id resolves. The linter looks at what the knowledge *means*: rules that can never fire,
vocabulary nothing uses, causes without a full Plan of Action, untranslated text, cycles, and
the durable-rules engine limits (durable-rules-notes §2.8), warned about well before they bite.

Each check is a small class with an id, a level, a one-line summary and a passing and a
failing example (files to add to a knowledge base; the test suite runs them). Findings can be
suppressed one by one in ``knowledge/lint.yaml``, each with a reason::

    suppress:
      - {check: unused-fact, id: seller_since, reason: "asked by the interview only"}
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import msgspec

from .compiler import expression
from .knowledge import (CORE_FACTS, LINT_FILE, Condition, Finding, KnowledgeBase, Rule, Where, display_path,
                        knowledge_files, schema_finding, schema_validator, suggest)
from .letters import letter_facts
from .vocabulary import Fact, ValueProblem, coerce
from .yamlsafe import YamlError, load_yaml, mark_of

MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ABSENT = object()  # a fact the seller did not give
_K = "# yaml-language-server: $schema=schemas/knowledge.schema.json\n"  # examples' schema lines
_R = "# yaml-language-server: $schema=../knowledge/schemas/rules.schema.json\n"


class LintFinding(msgspec.Struct, frozen=True):
    """A finding and the id a suppression names to silence it (a rule, fact, cause... id)."""

    subject: str
    finding: Finding


class LintContext:
    """The knowledge base under lint and what several checks derive from it."""

    def __init__(self, kb: KnowledgeBase, root: Path):
        self.kb = kb
        self.root = root

    @cached_property
    def running_rules(self) -> List[Rule]:
        """Rules the engine runs (deprecated ones are kept for the record only)."""
        return [rule for rule in self.kb.rules.values() if rule.status != "deprecated"]

    @cached_property
    def derived_on(self) -> Dict[str, set]:
        """Symptom → the platforms on which some running rule derives it."""
        derived: Dict[str, set] = defaultdict(set)
        for rule in self.running_rules:
            kind, target = rule.conclusion
            if kind == "symptom":
                derived[target] |= set(self.platforms_of(rule))
        return derived

    def platforms_of(self, rule: Rule) -> Tuple[str, ...]:
        return rule.platforms or tuple(sorted(self.kb.platforms))


class Check:
    """One lint check. Subclasses set the class attributes and implement :meth:`run`."""

    id = ""
    level = "warning"
    summary = ""
    suppress_by = ""  # what the suppression's ``id`` names
    passing: Dict[str, str] = {}  # files added to a valid knowledge base: no finding
    failing: Dict[str, str] = {}  # ...and files that make this check report
    examples_run = True  # False when the examples are abridged (the engine limits)

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        raise NotImplementedError

    def found(self, subject: str, where: Where, key: str, message: str) -> LintFinding:
        line, column = where.at(key)
        return LintFinding(subject, Finding(where.path, line, column, self.level, message, self.id))


# ---------------------------------------------------------------------------------------------
# Rules that can never fire


def _holds(condition: Condition, value: Any) -> bool:
    """Whether a seller fact with ``value`` (or _ABSENT) matches the positive form of ``condition``."""
    if value is _ABSENT:
        return False
    return condition.kind == "symptom" or condition.matches({condition.name: value})


def _candidates(fact: Optional[Fact], conditions: List[Condition]) -> List[Any]:
    """Values worth trying for a fact: absent, and every value at or next to a tested one."""
    if fact is None:  # a symptom: present or not
        return [_ABSENT, True]
    if fact.type == "bool":
        raw = [True, False]
    elif fact.type == "choice":
        raw = list(fact.choice_values)
    elif fact.type in ("number", "rate", "count"):
        bounds = [c.value for c in conditions if c.op in ("above", "at_least", "below", "at_most", "is", "is_not")]
        bounds += [v for c in conditions if c.op == "in" for v in c.value]
        steps = [1 if fact.type == "count" else max(1e-9, abs(b) * 1e-9) for b in bounds]
        raw = [b + d for b, step in zip(bounds, steps) for d in (-step, 0, step)] + [0, 1]
    else:  # text and dates: only 'known' can test them
        raw = ["x" if fact.type == "text" else "2000-01-01"]
    values = [_ABSENT]
    for value in raw:
        try:
            values.append(coerce(fact, value))
        except ValueProblem:
            continue
    return values


def _satisfiable(fact: Optional[Fact], conditions: List[Condition]) -> bool:
    return any(all(_holds(c, v) != c.negated for c in conditions) for v in _candidates(fact, conditions))


def _rule_conditions(rule: Rule) -> List[Tuple[str, Condition]]:
    """(field key, condition), with the rule's ``platforms`` as one more condition on 'platform'."""
    key = "when" if rule.match == "all" else "when_any"
    pairs = [(f"{key}.{index}", c) for index, c in enumerate(rule.conditions)]
    if rule.platforms:
        pairs.append(("platforms", Condition("fact", "platform", "in", tuple(rule.platforms))))
    return pairs


class ContradictoryConditions(Check):
    id = "contradictory-conditions"
    level = "error"
    summary = "A rule whose conditions on one fact can never all hold, so it never fires."
    suppress_by = "the rule id"
    failing = {"rules/example.yaml": _R + """\
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
    passing = {"rules/example.yaml": _R + """\
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

    def run(self, ctx):
        for rule in ctx.running_rules:
            by_fact: Dict[Tuple[str, str], List[Tuple[str, Condition]]] = defaultdict(list)
            for key, condition in _rule_conditions(rule):
                by_fact[(condition.kind, condition.name)].append((key, condition))
            for (kind, name), pairs in by_fact.items():
                fact = ctx.kb.facts.get(name) if kind == "fact" else None
                groups = [pairs] if rule.match == "all" else [[pair] for pair in pairs]
                for group in groups:
                    conditions = [c for _, c in group]
                    if _satisfiable(fact, conditions):
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
    failing = {"knowledge/example.yaml": _K + """\
symptoms:
  - id: refund_rate_high
    title: {en: "Refund rate over the target", zh: "退款率超标"}
""", "rules/example.yaml": _R + """\
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
    passing = {"rules/example.yaml": _R + """\
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

    def run(self, ctx):
        for rule in ctx.running_rules:
            key_of = "when" if rule.match == "all" else "when_any"
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
    failing = {"rules/example.yaml": _R + """\
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

    def run(self, ctx):
        for rule in ctx.running_rules:
            key_of = "when" if rule.match == "all" else "when_any"
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
    failing = {"knowledge/example.yaml": _K + """\
symptoms:
  - id: stock_trouble
    title: {en: "Stock trouble", zh: "库存问题"}
""", "rules/example.yaml": _R + """\
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

    def run(self, ctx):
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
    def _cycles_from(start: str, edges) -> Iterator[List[Tuple[str, Rule]]]:
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
    failing = {"rules/example.yaml": _R + """\
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

    def run(self, ctx):
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


# ---------------------------------------------------------------------------------------------
# Knowledge nothing uses


class UnusedFact(Check):
    id = "unused-fact"
    summary = "A fact no rule, threshold, computed rate or letter uses: asking for it changes nothing."
    suppress_by = "the fact id"
    failing = {"knowledge/example.yaml": _K + """\
facts:
  - id: shop_age_years
    type: number
    question: {en: "How old is the shop, in years?", zh: "店铺开了几年？"}
    help: {en: "Since the first sale.", zh: "从第一笔销售算起。"}
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"], "rules/example.yaml": _R + """\
rules:
  - id: cancel.new_shop
    title: {en: "New shops cancel more", zh: "新店取消率更高"}
    when:
      - {symptom: cancel_rate_high}
      - {fact: shop_age_years, below: 1}
    then: {cause: chronic_stockout}
    certainty: 0.3
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%, shop_age_years: 0.5}]
      silent: [{platform: amazon, cancel_rate: 4%, shop_age_years: 3}]
"""}

    def run(self, ctx):
        used = {c.name for rule in ctx.kb.rules.values() for c in rule.conditions if c.kind == "fact"}
        used |= {part for fact in ctx.kb.facts.values() for part in fact.computed_from or ()}
        used |= set(CORE_FACTS) | letter_facts(ctx.root, ctx.kb)
        for fact in ctx.kb.facts.values():
            if fact.id not in used:
                yield self.found(fact.id, fact.where, "id",
                                 f"fact '{fact.id}' is used by no rule, threshold, computed rate or letter")


class UnconcludedCause(Check):
    id = "unconcluded-cause"
    summary = "A cause no rule concludes: no diagnosis can ever report it."
    suppress_by = "the cause id"
    failing = {"knowledge/example.yaml": _K + """\
causes:
  - id: slow_supplier
    family: performance
    title: {en: "The supplier ships late", zh: "供应商发货慢"}
    explanation: {en: "Stock arrives after the orders it was meant for.", zh: "货到时订单已超时。"}
    remedies: [restock_now, daily_stock_check]
    sources: [src-a]
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"], "rules/example.yaml": _R + """\
rules:
  - id: cancel.slow_supplier
    title: {en: "Cancellations from a slow supplier", zh: "供应商慢导致取消"}
    when: [{symptom: cancel_rate_high}]
    then: {cause: slow_supplier}
    certainty: 0.3
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%}]
      silent: [{platform: amazon, cancel_rate: 1%}]
"""}

    def run(self, ctx):
        concluded = {rule.conclusion[1] for rule in ctx.running_rules if rule.conclusion[0] == "cause"}
        for cause in ctx.kb.causes.values():
            if cause.id not in concluded:
                yield self.found(cause.id, cause.where, "id", f"cause '{cause.id}' is concluded by no rule")


class CauseRemedies(Check):
    id = "cause-remedies"
    level = "error"
    summary = "A cause without both an immediate and a preventive remedy: a Plan of Action needs both."
    suppress_by = "the cause id"
    failing = {"knowledge/example.yaml": _K + """\
causes:
  - id: stock_counted_wrong
    family: performance
    title: {en: "Stock is counted wrong", zh: "库存数量不准"}
    explanation: {en: "The shop shows stock the warehouse does not have.", zh: "店铺显示的库存仓库里并没有。"}
    remedies: [restock_now]
    sources: [src-a]
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"].replace(
        "[restock_now]", "[restock_now, daily_stock_check]")}

    def run(self, ctx):
        for cause in ctx.kb.causes.values():
            kinds = {ctx.kb.remedies[r].kind for r in cause.remedies if r in ctx.kb.remedies}
            missing = [kind for kind in ("immediate", "preventive") if kind not in kinds]
            if missing:
                yield self.found(cause.id, cause.where, "remedies",
                                 f"cause '{cause.id}' has no {' and no '.join(missing)} remedy")


class UnusedRemedy(Check):
    id = "unused-remedy"
    summary = "A remedy no cause lists: no diagnosis can ever show it."
    suppress_by = "the remedy id"
    failing = {"knowledge/example.yaml": _K + """\
remedies:
  - id: call_support
    kind: immediate
    text: {en: "Call seller support.", zh: "致电卖家支持。"}
    sources: [src-a]
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"] + """\
causes:
  - id: unclear_notice
    family: policy
    title: {en: "The notice is unclear", zh: "通知内容不明确"}
    explanation: {en: "Nobody knows what the platform wants.", zh: "不清楚平台的要求。"}
    remedies: [call_support, daily_stock_check]
    sources: [src-a]
"""}

    def run(self, ctx):
        listed = {remedy for cause in ctx.kb.causes.values() for remedy in cause.remedies}
        for remedy in ctx.kb.remedies.values():
            if remedy.id not in listed:
                yield self.found(remedy.id, remedy.where, "id", f"remedy '{remedy.id}' is listed by no cause")


class UnusedSource(Check):
    id = "unused-source"
    summary = "A source nothing cites (no rule, threshold, cause, remedy or guidance)."
    suppress_by = "the source id"
    failing = {"knowledge/example.yaml": _K + """\
sources:
  - id: src-b
    title: "A page nobody cites"
    kind: official
    url: https://example.com/uncited
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"] + """\
guidance:
  - id: G99
    text: {en: "Read the policy page first.", zh: "先阅读政策页面。"}
    sources: [src-b]
"""}

    def run(self, ctx):
        kb = ctx.kb
        cited = {s for rule in kb.rules.values() for s in rule.sources}
        for table in (kb.causes, kb.remedies, kb.guidance):
            cited |= {s for item in table.values() for s in item.sources}
        for source in kb.sources.values():
            if source.id not in cited:
                yield self.found(source.id, source.where, "id", f"source '{source.id}' is cited by nothing")


# ---------------------------------------------------------------------------------------------
# Text and files


def _texts(kb: KnowledgeBase) -> Iterator[Tuple[str, Where, str, Any]]:
    """(owner id, where, field key, {en, zh}) for every bilingual text in the knowledge base."""
    for fact in kb.facts.values():
        yield fact.id, fact.where, "question", fact.question
        yield fact.id, fact.where, "help", fact.help
        for index, (_, label) in enumerate(fact.choices):
            yield fact.id, fact.where, f"choices.{index}.label", label
    for table, fields in ((kb.symptoms, ("title", "description")), (kb.causes, ("title", "explanation", "letter")),
                          (kb.remedies, ("text", "letter")), (kb.guidance, ("text",)), (kb.messages, ("text",)),
                          (kb.platforms, ("name", "appeal"))):
        for item in table.values():
            for name in fields:
                yield item.id, item.where, name, getattr(item, name)
    for cause in kb.causes.values():
        for index, text in enumerate(cause.evidence):
            yield cause.id, cause.where, f"evidence.{index}", text
    for platform in kb.platforms.values():
        for threshold in platform.thresholds:
            yield threshold.id, threshold.where, "note", threshold.note
    for rule in kb.rules.values():
        if not rule.generated_from:
            yield rule.id, rule.where, "title", rule.title


class Translation(Check):
    id = "translation"
    summary = ("A text whose English or Chinese is blank, the same in both languages (for a phrase, "
               "not a name), or a Chinese version without Chinese characters.")
    suppress_by = "the id of the item holding the text"
    failing = {"knowledge/example.yaml": _K + """\
symptoms:
  - id: slow_replies
    title: {en: "Buyer messages wait too long", zh: "Buyer messages wait too long"}
"""}
    passing = {"knowledge/example.yaml": _K + """\
symptoms:
  - id: slow_replies
    title: {en: "Buyer messages wait too long", zh: "买家消息等待太久"}
"""}

    def run(self, ctx):
        for owner, where, key, text in _texts(ctx.kb):
            if not text:
                continue
            en, zh = text.get("en", "").strip(), text.get("zh", "").strip()
            if not en or not zh:
                problem = f"the {'English' if not en else 'Chinese'} text is blank"
            elif en == zh and " " in en:
                problem = "the English and Chinese texts are the same"
            elif not _CJK.search(zh) and len(en.split()) >= 3:
                problem = "the Chinese text has no Chinese characters"
            else:
                continue
            yield self.found(owner, where, key, f"'{owner}' {key}: {problem}")


def _schema_kind(path: Path, root: Path) -> str:
    if path.parent == root / "knowledge" and path.name == LINT_FILE:
        return "lint"
    return "rules" if (root / "rules") in path.parents else "knowledge"


class SchemaModeline(Check):
    id = "schema-modeline"
    summary = ("A knowledge file without a '# yaml-language-server: $schema=...' line naming its schema, "
               "so editors cannot complete and check it.")
    suppress_by = "the file's path inside the knowledge base, e.g. knowledge/facts.yaml"
    passing = {"knowledge/example.yaml": _K + """\
symptoms:
  - id: slow_replies
    title: {en: "Buyer messages wait too long", zh: "买家消息等待太久"}
"""}
    failing = {"knowledge/example.yaml": passing["knowledge/example.yaml"][len(_K):]}

    def run(self, ctx):
        knowledge, rules = knowledge_files(ctx.root)
        lint_file = ctx.root / "knowledge" / LINT_FILE
        for path in knowledge + rules + ([lint_file] if lint_file.is_file() else []):
            kind = _schema_kind(path, ctx.root)
            expected = f"{kind}.schema.json"
            wanted = os.path.relpath(ctx.root / "knowledge" / "schemas" / expected, path.parent)
            subject = path.relative_to(ctx.root).as_posix()
            shown = display_path(path)
            line, target = _modeline(path)
            if target is None:
                problem = f"no schema line; add '# yaml-language-server: $schema={wanted}' as the first line"
            elif target.rpartition("/")[2] != expected:
                problem = f"the schema line names '{target}'; a {kind} file needs {expected} ('{wanted}')"
            elif not re.match(r"^https?://", target) and not (path.parent / target).is_file():
                problem = f"the schema line names '{target}', which does not exist; use '{wanted}'"
            else:
                continue
            yield LintFinding(subject, Finding(shown, line, 1, self.level, problem, self.id))


def _modeline(path: Path) -> Tuple[int, Optional[str]]:
    """(line, schema target) of a file's yaml-language-server line, or (1, None)."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            match = MODELINE.match(line.strip())
            if match:
                return number, match.group(1)
    return 1, None


# ---------------------------------------------------------------------------------------------
# durable-rules limits (durable-rules-notes §2.8), per platform ruleset


def _expression_key(condition: Condition) -> str:
    return json.dumps(expression(condition), sort_keys=True, ensure_ascii=False)


class EngineLimit(Check):
    """Common ground of the engine-limit checks: a count per platform against a hard limit."""

    limit = 0
    warn_at = 0
    examples_run = False

    def over(self, count: int) -> bool:
        return count >= self.warn_at


class EngineFactConditions(EngineLimit):
    id = "engine-fact-conditions"
    limit, warn_at = 64, 32
    summary = ("One fact value satisfies many distinct rule conditions in a platform's ruleset; durable-rules "
               "fails (error 303) past 64. Warns from 32.")
    suppress_by = "the fact id"
    failing = {"rules/example.yaml": _R + """\
rules:   # abridged: 32 rules, each with its own lower bound on the same fact
  - {id: cancel.over_1, when: [{fact: cancel_rate, above: 1%}], ...}
  - {id: cancel.over_2, when: [{fact: cancel_rate, above: 2%}], ...}
  # ... up to cancel.over_32: a 40% cancel rate satisfies all 32 conditions
"""}
    passing = {"rules/example.yaml": _R + """\
rules:   # one rule per band: any value satisfies a few conditions only
  - {id: cancel.over_5, when: [{fact: cancel_rate, above: 5%}], ...}
"""}

    def run(self, ctx):
        for platform in sorted(ctx.kb.platforms):
            conditions: Dict[str, Dict[str, Condition]] = defaultdict(dict)
            for rule in ctx.kb.rules_for(platform):
                for condition in rule.conditions:
                    conditions[condition.name][_expression_key(condition)] = condition
            for name in sorted(conditions):
                fact = ctx.kb.facts.get(name)
                if fact is None:
                    continue  # a symptom: one condition, {"id": "s.<name>"}
                distinct = list(conditions[name].values())
                worst = max(sum(_holds(c, value) for c in distinct) for value in _candidates(fact, distinct))
                if self.over(worst):
                    yield self.found(name, fact.where, "id",
                                     f"{platform}: one value of fact '{name}' satisfies {worst} distinct rule "
                                     f"conditions (durable-rules fails past {self.limit})")


class EngineIdenticalConditions(EngineLimit):
    id = "engine-identical-conditions"
    limit, warn_at = 255, 128
    summary = ("Many rules in a platform's ruleset share one identical condition; durable-rules hangs at 256. "
               "Warns from 128.")
    suppress_by = "the platform id"
    failing = {"rules/example.yaml": _R + """\
rules:   # abridged: 128 rules that all start with the same condition
  - {id: cancel.reason_1, when: [{symptom: cancel_rate_high}, {fact: reason_1, is: true}], ...}
  # ... up to cancel.reason_128
"""}
    passing = {"rules/example.yaml": _R + """\
rules:   # a few rules sharing a condition are fine
  - {id: cancel.reason_1, when: [{symptom: cancel_rate_high}, {fact: reason_1, is: true}], ...}
"""}

    def run(self, ctx):
        for platform_id, platform in sorted(ctx.kb.platforms.items()):
            shared = Counter(_expression_key(c) for rule in ctx.kb.rules_for(platform_id) for c in rule.conditions)
            for key, count in sorted(shared.items()):
                if self.over(count):
                    yield self.found(platform_id, platform.where, "id",
                                     f"{platform_id}: {count} rule conditions are identical ({key}); "
                                     f"durable-rules hangs past {self.limit}")


class EnginePropertyValues(EngineLimit):
    id = "engine-property-values"
    limit, warn_at = 512, 256
    summary = ("A platform's ruleset tests one property for many different values (fact and symptom names, "
               "or one fact's values); durable-rules hangs at 512. Warns from 256.")
    suppress_by = "the platform id"
    failing = {"rules/example.yaml": _R + """\
rules:   # abridged: 256 rules, each testing a different fact
  - {id: signal.1, when: [{fact: signal_1, is: true}], ...}
  # ... up to signal.256
"""}
    passing = {"rules/example.yaml": _R + """\
rules:   # a few dozen facts per platform are fine
  - {id: signal.1, when: [{fact: signal_1, is: true}], ...}
"""}

    def run(self, ctx):
        for platform_id, platform in sorted(ctx.kb.platforms.items()):
            names, values = set(), defaultdict(set)
            for rule in ctx.kb.rules_for(platform_id):
                for condition in rule.conditions:
                    names.add((condition.kind, condition.name))
                    if condition.op == "is":
                        values[condition.name].add(json.dumps(condition.value))
                    elif condition.op == "in":
                        values[condition.name] |= {json.dumps(v) for v in condition.value}
            counts = [("names of facts and symptoms", len(names))]
            counts += [(f"values of fact '{name}'", len(tested)) for name, tested in sorted(values.items())]
            for what, count in counts:
                if self.over(count):
                    yield self.found(platform_id, platform.where, "id",
                                     f"{platform_id}: the ruleset tests {count} different {what}; "
                                     f"durable-rules hangs at {self.limit}")


CHECKS: Tuple[Check, ...] = (
    ContradictoryConditions(), UnderivedSymptom(), NegatedDerivedSymptom(), DerivationCycle(), ShadowedRule(), UnusedFact(),
    UnconcludedCause(), CauseRemedies(), UnusedRemedy(), UnusedSource(), Translation(), SchemaModeline(),
    EngineFactConditions(), EngineIdenticalConditions(), EnginePropertyValues(),
)
CHECK_IDS = {check.id: check for check in CHECKS}
UNUSED_SUPPRESSION = "unused-suppression"
SUPPRESSION = "suppression"


# ---------------------------------------------------------------------------------------------
# Suppressions and the run


class Suppression(msgspec.Struct, frozen=True):
    check: str
    id: str
    reason: str
    line: int


def read_suppressions(root: Path) -> Tuple[List[Suppression], List[Finding]]:
    """The suppressions in ``knowledge/lint.yaml`` (none if absent) and the problems in that file."""
    path = root / "knowledge" / LINT_FILE
    if not path.is_file():
        return [], []
    shown = display_path(path)
    try:
        document = load_yaml(str(path))
    except YamlError as exc:
        loc = exc.location
        return [], [Finding(shown, loc.line if loc else 1, loc.column if loc else 1, "error", exc.message,
                            "yaml-syntax")]
    errors = list(schema_validator("lint").iter_errors(document))
    if errors:
        return [], [schema_finding(shown, document, error) for error in errors]
    suppressions, findings = [], []
    for index, item in enumerate(document.get("suppress", ())):
        line, column = mark_of(item, "check")
        if item["check"] not in CHECK_IDS:
            findings.append(Finding(shown, line, column, "error",
                                    f"suppress.{index}: unknown check '{item['check']}'{suggest(item['check'], CHECK_IDS)}",
                                    SUPPRESSION))
            continue
        suppressions.append(Suppression(item["check"], item["id"], item["reason"], mark_of(document["suppress"], index)[0]))
    return suppressions, findings


def lint(kb: KnowledgeBase, root: Path) -> List[Finding]:
    """Run every check on a loaded knowledge base; suppressed findings are left out.

    Findings come sorted by file, line and column; a suppression that silenced nothing is
    itself reported, so stale ones get cleaned up.
    """
    ctx = LintContext(kb, root)
    suppressions, findings = read_suppressions(root)
    used = set()
    for check in CHECKS:
        for result in check.run(ctx):
            match = next((s for s in suppressions if s.check == check.id and s.id == result.subject), None)
            if match is None:
                findings.append(result.finding)
            else:
                used.add(match)
    lint_path = display_path(root / "knowledge" / LINT_FILE)
    for suppression in suppressions:
        if suppression not in used:
            findings.append(Finding(lint_path, suppression.line, 1, "warning",
                                    f"the suppression of {suppression.check} for '{suppression.id}' matches no finding",
                                    UNUSED_SUPPRESSION))
    return sorted(set(findings), key=lambda f: (f.path, f.line or 0, f.column or 0, f.check, f.message))
