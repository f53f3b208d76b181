"""Warnings well before the durable-rules engine limits (durable-rules-notes §2.8), per platform
ruleset.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Dict, Iterator

from ..compiler import HANG_AT, expression, property_value_counts
from ..knowledge import Condition
from .base import RULES_HEAD, Check, LintContext, LintFinding, candidates, holds


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
    failing = {"rules/example.yaml": RULES_HEAD + """\
rules:   # abridged: 32 rules, each with its own lower bound on the same fact
  - {id: cancel.over_1, when: [{fact: cancel_rate, above: 1%}], ...}
  - {id: cancel.over_2, when: [{fact: cancel_rate, above: 2%}], ...}
  # ... up to cancel.over_32: a 40% cancel rate satisfies all 32 conditions
"""}
    passing = {"rules/example.yaml": RULES_HEAD + """\
rules:   # one rule per band: any value satisfies a few conditions only
  - {id: cancel.over_5, when: [{fact: cancel_rate, above: 5%}], ...}
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
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
                worst = max(sum(holds(c, value) for c in distinct) for value in candidates(fact, distinct))
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
    failing = {"rules/example.yaml": RULES_HEAD + """\
rules:   # abridged: 128 rules that all start with the same condition
  - {id: cancel.reason_1, when: [{symptom: cancel_rate_high}, {fact: reason_1, is: true}], ...}
  # ... up to cancel.reason_128
"""}
    passing = {"rules/example.yaml": RULES_HEAD + """\
rules:   # a few rules sharing a condition are fine
  - {id: cancel.reason_1, when: [{symptom: cancel_rate_high}, {fact: reason_1, is: true}], ...}
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        for platform_id, platform in sorted(ctx.kb.platforms.items()):
            shared = Counter(_expression_key(c) for rule in ctx.kb.rules_for(platform_id) for c in rule.conditions)
            for key, count in sorted(shared.items()):
                if self.over(count):
                    yield self.found(platform_id, platform.where, "id",
                                     f"{platform_id}: {count} rule conditions are identical ({key}); "
                                     f"durable-rules hangs past {self.limit}")


class EnginePropertyValues(EngineLimit):
    id = "engine-property-values"
    limit, warn_at = HANG_AT, HANG_AT // 2
    summary = ("A platform's ruleset tests one property for many different values (fact and symptom names, "
               "or one fact's values); durable-rules hangs at 512. Warns from 256.")
    suppress_by = "the platform id"
    failing = {"rules/example.yaml": RULES_HEAD + """\
rules:   # abridged: 256 rules, each testing a different fact
  - {id: signal.1, when: [{fact: signal_1, is: true}], ...}
  # ... up to signal.256
"""}
    passing = {"rules/example.yaml": RULES_HEAD + """\
rules:   # a few dozen facts per platform are fine
  - {id: signal.1, when: [{fact: signal_1, is: true}], ...}
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        for platform_id, platform in sorted(ctx.kb.platforms.items()):
            for what, count in property_value_counts(ctx.kb, platform_id):
                if self.over(count):
                    yield self.found(platform_id, platform.where, "id",
                                     f"{platform_id}: the ruleset tests {count} different {what}; "
                                     f"durable-rules hangs at {self.limit}")
