"""Checks on references: facts, causes, remedies and sources that nothing uses, and causes
without a full Plan of Action.
"""
from __future__ import annotations

from typing import Iterator

from ..knowledge import CORE_FACTS
from ..knowledge.templates import letter_facts
from .base import KB_HEAD, RULES_HEAD, Check, LintContext, LintFinding


class UnusedFact(Check):
    id = "unused-fact"
    summary = "A fact no rule, threshold, computed rate, deadline or letter uses: asking for it changes nothing."
    suppress_by = "the fact id"
    failing = {"knowledge/example.yaml": KB_HEAD + """\
facts:
  - id: shop_age_years
    type: number
    question: {en: "How old is the shop, in years?", zh: "店铺开了几年？"}
    help: {en: "Since the first sale.", zh: "从第一笔销售算起。"}
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"], "rules/example.yaml": RULES_HEAD + """\
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

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        used = {c.name for rule in ctx.kb.rules.values() for c in rule.conditions if c.kind == "fact"}
        used |= {part for fact in ctx.kb.facts.values() for part in fact.computed_from or ()}
        used |= set(CORE_FACTS) | letter_facts(ctx.root, ctx.kb)
        used |= {deadline.since for deadline in ctx.kb.deadlines.values() if deadline.since}
        for route in (platform.letters for platform in ctx.kb.platforms.values()):  # what the letters refuse or check
            used |= {refusal.when.name for refusal in route.refused}
            used |= {name for rule in route.parts for name in (rule.rate, *rule.parts)}
        for fact in ctx.kb.facts.values():
            if fact.id not in used:
                yield self.found(fact.id, fact.where, "id",
                                 f"fact '{fact.id}' is used by no rule, threshold, computed rate, deadline or letter")


class UnconcludedCause(Check):
    id = "unconcluded-cause"
    summary = "A cause no rule concludes: no diagnosis can ever report it."
    suppress_by = "the cause id"
    failing = {"knowledge/example.yaml": KB_HEAD + """\
causes:
  - id: slow_supplier
    family: performance
    title: {en: "The supplier ships late", zh: "供应商发货慢"}
    explanation: {en: "Stock arrives after the orders it was meant for.", zh: "货到时订单已超时。"}
    remedies: [restock_now, daily_stock_check]
    sources: [src-a]
"""}
    passing = {"knowledge/example.yaml": failing["knowledge/example.yaml"], "rules/example.yaml": RULES_HEAD + """\
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

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        concluded = {rule.conclusion[1] for rule in ctx.running_rules if rule.conclusion[0] == "cause"}
        for cause in ctx.kb.causes.values():
            if cause.id not in concluded:
                yield self.found(cause.id, cause.where, "id", f"cause '{cause.id}' is concluded by no rule")


class CauseRemedies(Check):
    id = "cause-remedies"
    level = "error"
    summary = "A cause without both an immediate and a preventive remedy: a Plan of Action needs both."
    suppress_by = "the cause id"
    failing = {"knowledge/example.yaml": KB_HEAD + """\
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

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
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
    failing = {"knowledge/example.yaml": KB_HEAD + """\
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

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        listed = {remedy for cause in ctx.kb.causes.values() for remedy in cause.remedies}
        for remedy in ctx.kb.remedies.values():
            if remedy.id not in listed:
                yield self.found(remedy.id, remedy.where, "id", f"remedy '{remedy.id}' is listed by no cause")


class UnusedSource(Check):
    id = "unused-source"
    summary = "A source nothing cites (no rule, threshold, cause, remedy, guidance or deadline)."
    suppress_by = "the source id"
    failing = {"knowledge/example.yaml": KB_HEAD + """\
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

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        kb = ctx.kb
        cited = {s for rule in kb.rules.values() for s in rule.sources}
        for table in (kb.causes, kb.remedies, kb.guidance, kb.deadlines):
            cited |= {s for item in table.values() for s in item.sources}
        for source in kb.sources.values():
            if source.id not in cited:
                yield self.found(source.id, source.where, "id", f"source '{source.id}' is cited by nothing")

