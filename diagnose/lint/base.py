"""What every lint check shares: the finding, the context, the :class:`Check` base class and the
helpers that reason about rule conditions (which values a fact can take, which conditions hold).
"""
from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import msgspec

from ..knowledge import Condition, Finding, KnowledgeBase, Rule, Where
from ..operators import NUMERIC_OPS, condition_key
from ..vocabulary import Fact, ValueProblem, coerce

_ABSENT = object()  # a fact the seller did not give
KB_HEAD = "# yaml-language-server: $schema=schemas/knowledge.schema.json\n"  # examples' schema lines
RULES_HEAD = "# yaml-language-server: $schema=../knowledge/schemas/rules.schema.json\n"


class LintFinding(msgspec.Struct, frozen=True):
    """A finding and the id a suppression names to silence it (a rule, fact, cause... id)."""

    subject: str
    finding: Finding


class LintContext:
    """The knowledge base under lint and what several checks derive from it."""

    def __init__(self, kb: KnowledgeBase, root: Path) -> None:
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
# Conditions: which values of a fact make them hold


def holds(condition: Condition, value: Any) -> bool:
    """Whether a seller fact with ``value`` (or _ABSENT) matches the positive form of ``condition``."""
    if value is _ABSENT:
        return False
    return condition.kind == "symptom" or condition.matches({condition.name: value})


def candidates(fact: Optional[Fact], conditions: List[Condition]) -> List[Any]:
    """Values worth trying for a fact: absent, and every value at or next to a tested one."""
    if fact is None:  # a symptom: present or not
        return [_ABSENT, True]
    if fact.type == "bool":
        raw = [True, False]
    elif fact.type == "choice":
        raw = list(fact.choice_values)
    elif fact.type in ("number", "rate", "count"):
        bounds = [c.value for c in conditions if c.op in NUMERIC_OPS + ("is", "is_not")]
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


def satisfiable(fact: Optional[Fact], conditions: List[Condition]) -> bool:
    """Whether some value of the fact (or its absence) meets every one of ``conditions``."""
    return any(all(holds(c, v) != c.negated for c in conditions) for v in candidates(fact, conditions))


def rule_conditions(rule: Rule) -> List[Tuple[str, Condition]]:
    """(field key, condition), with the rule's ``platforms`` as one more condition on 'platform'."""
    key = condition_key(rule.match)
    pairs = [(f"{key}.{index}", c) for index, c in enumerate(rule.conditions)]
    if rule.platforms:
        pairs.append(("platforms", Condition("fact", "platform", "in", tuple(rule.platforms))))
    return pairs
