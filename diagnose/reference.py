"""A plain-Python evaluator of the same rules the engine runs: no durable-rules.

It serves as the differential-test oracle (on every input it must reach exactly the firings
the engine reaches) and as the performance floor the engine is measured against.

Working memory holds the seller's facts and the symptoms derived so far. A ``when`` rule fires
once when all its conditions hold; a ``when_any`` rule fires once for each of its conditions
that holds, as durable-rules does. A concluded symptom joins the memory and the rules testing
it are tried again, until nothing changes (a fixpoint). A rule that tests the *absence* of a
symptom waits until every other rule is done, so it sees the symptoms the others derive.
Firings carry their facts and symptoms in pattern order (``p0``, ``p1``, … sorted as text),
exactly like :class:`diagnose.engine.Firing`.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from .engine import Firing
from .knowledge import Condition, KnowledgeBase, Rule


class _Compiled:
    """One rule prepared for evaluation: its conditions in pattern-alias order."""

    __slots__ = ("rule", "ordered", "bound", "waits")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        # the engine names patterns p0, p1, … and reports them sorted as text (p10 before p2)
        self.ordered: Tuple[Tuple[int, Condition], ...] = tuple(
            sorted(enumerate(rule.conditions), key=lambda item: f"p{item[0]}"))
        # what a "when" rule's firing binds: one pattern per fact or symptom, named after its
        # first condition (see compiler.compile_rule)
        first: Dict[Tuple[str, str], int] = {}
        for index, condition in enumerate(rule.conditions):
            if not condition.negated:
                first.setdefault((condition.kind, condition.name), index)
        self.bound = [c for index, c in self.ordered if not c.negated and first[(c.kind, c.name)] == index]
        self.waits = any(c.negated and c.kind == "symptom" for c in rule.conditions)


class ReferenceEvaluator:
    """Forward chaining to a fixpoint over a knowledge base's rules, per platform."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._rules: Dict[str, List[_Compiled]] = {}
        self._testing: Dict[str, Dict[str, List[_Compiled]]] = {}
        for platform in sorted(kb.platforms):
            compiled = [_Compiled(rule) for rule in kb.rules_for(platform)]
            testing: Dict[str, List[_Compiled]] = {}
            for item in compiled:
                for condition in item.rule.conditions:
                    if condition.kind == "symptom" and not condition.negated:
                        testing.setdefault(condition.name, []).append(item)
            self._rules[platform], self._testing[platform] = compiled, testing

    def infer(self, platform: str, facts: Dict[str, Any]) -> List[Firing]:
        """Every firing for typed ``facts`` on ``platform`` (order: as evaluated)."""
        rules = self._rules.get(platform)
        if rules is None:
            return []
        testing = self._testing[platform]
        symptoms: set = set()
        fired: set = set()
        firings: List[Firing] = []
        ready = deque(item for item in rules if not item.waits)
        waiting = [item for item in rules if item.waits]
        while ready or waiting:
            if not ready:  # only rules testing a symptom's absence are left: try them now
                ready.extend(waiting)
                waiting = []
            item = ready.popleft()
            for firing in _matches(item, facts, frozenset(symptoms)):
                key = (firing.rule, firing.facts, firing.symptoms)
                if key in fired:
                    continue
                fired.add(key)
                firings.append(firing)
                kind, target = item.rule.conclusion
                if kind == "symptom" and target not in symptoms:
                    symptoms.add(target)
                    for dependent in testing.get(target, ()):
                        (waiting if dependent.waits else ready).append(dependent)
        return firings


def _matches(item: _Compiled, facts: Dict[str, Any], symptoms: FrozenSet[str]) -> List[Firing]:
    rule = item.rule
    if rule.match == "all":
        for condition in rule.conditions:
            if condition.matches(facts, symptoms) == condition.negated:
                return []
        return [_firing(rule.id, item.bound, facts)]
    return [_firing(rule.id, [condition], facts) for _, condition in item.ordered
            if not condition.negated and condition.matches(facts, symptoms)]


def _firing(rule_id: str, matched: List[Condition], facts: Dict[str, Any]) -> Firing:
    return Firing(rule_id,
                  tuple((c.name, facts[c.name]) for c in matched if c.kind == "fact"),
                  tuple(c.name for c in matched if c.kind == "symptom"))


def same_firings(kb: KnowledgeBase, engine: List[Firing], reference: List[Firing]) -> Optional[str]:
    """None when both lists hold the same firings (in any order), else what differs.

    A ``when_any`` rule is compared by the union of what its firings matched: durable-rules
    fires it once per alternative and, when a second alternative arrives later, once more
    with both; the ranking merges a rule's firings the same way.
    """
    left, right = _comparable(kb, engine), _comparable(kb, reference)
    if left == right:
        return None
    only_engine = [f for f in left if f not in right]
    only_reference = [f for f in right if f not in left]
    return f"engine only: {only_engine}; reference only: {only_reference}"


def _comparable(kb: KnowledgeBase, firings: List[Firing]) -> List[Tuple[str, tuple, tuple]]:
    merged: Dict[str, Tuple[set, set]] = {}
    exact = []
    for firing in firings:
        if kb.rules[firing.rule].match == "any":
            facts, symptoms = merged.setdefault(firing.rule, (set(), set()))
            facts.update(firing.facts)
            symptoms.update(firing.symptoms)
        else:
            exact.append((firing.rule, firing.facts, firing.symptoms))
    exact += [(rule, tuple(sorted(facts, key=repr)), tuple(sorted(symptoms)))
              for rule, (facts, symptoms) in merged.items()]
    return sorted(exact, key=repr)
