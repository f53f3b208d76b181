"""Compile knowledge-base rules into durable-rules JSON rulesets, one per platform.

Seller facts and derived symptoms enter the engine as small facts that hold their value under
their own name, ``{"id": "cancel_rate", "cancel_rate": 0.031}`` (symptoms as
``{"id": "s.<symptom>", "s.<symptom>": true}``), one per observation, so no single fact meets the
engine's 64-condition limit. A fact holding several choices (a notice naming several reasons)
enters as one fact per choice, ``{"id": "notice_reason#2", "notice_reason": …}``, and each acts
on its own: ``id`` is the engine's identity of a fact, and rules never test it.

Why the name is the property: durable-rules files a node's tests in a table by the name of the
property they test, and runs every test filed under a property the fact has. Were the name a
value (``{"f": "cancel_rate"}``), every fact would run the name test of every fact some rule
tests, about two hundred per fact; as the property, a fact meets only its own tests. A fact
pattern therefore starts with the test that the property exists, which rules on one fact share,
and its value tests hang below it (see :func:`_fact_pattern`). A rule's action is its id (the engine records each
firing itself). A never-completing "sink" join makes every fact count as handled.
A "warm-up" rule lets the engine run one action per ruleset before any diagnosis (see
``Engine._warm_up``). Each platform has its own ruleset, so a ``when`` rule's test that the
platform is this one is settled there and compiled into no pattern (see
:func:`settled_conditions`); the engine still records the platform fact in the rule's firings.

A negated fact condition (``not: {fact: …}``) is not a durable-rules ``$not`` pattern: durable-rules
does not withdraw a match when the fact a ``$not`` excludes arrives later in the same batch, so
the result would depend on the order of the facts. The seller's facts never change during a
session, so the engine evaluates each such condition when the session starts and asserts a
marker fact ``{"id": "n:<condition>", "n:<condition>": true}`` when the condition does not hold; the rule matches the
marker. Negated symptoms stay ``$not`` patterns (the linter warns against negating a symptom
another rule derives).
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Dict, FrozenSet, List, Tuple

import msgspec

from .knowledge import Condition, KnowledgeBase, Rule
from .operators import TABLE, holds

SYMPTOM_PREFIX = "s."
ABSENCE_PREFIX = "n:"
SINK_RULE = "__sink__"
WARM_UP = "__warm_up__"  # a rule and a fact: see Engine._warm_up
CHOICE_MARK = "#"  # in an engine fact's id, what separates the fact's name from its choice's number
PLATFORM_FACT = "platform"  # one ruleset per platform: a "when" rule's test of it is settled there


class CompiledPlatform(msgspec.Struct, frozen=True):
    """One platform's ruleset and what the engine must know to feed it."""

    name: str
    ruleset: dict
    rules: Dict[str, Rule]
    tested_facts: FrozenSet[str]  # seller facts some rule tests: only these are asserted
    tested_symptoms: FrozenSet[str]  # symptoms some rule tests: only these are asserted back
    absences: Dict[str, Condition]  # marker id -> the fact condition whose absence it stands for
    settled: Dict[str, Tuple[int, ...]]  # rule id -> its conditions the ruleset's platform meets (not compiled)


def symptom_key(symptom: str) -> str:
    return SYMPTOM_PREFIX + symptom


def _value_tests(condition: Condition) -> List[dict]:
    """The durable-rules tests of a fact condition's value (none for ``known``)."""
    if condition.op == "known":
        return []
    name = condition.name
    if condition.op == "is":
        return [{name: condition.value}]
    if condition.op == "in":
        return [{"$or": [{name: value} for value in condition.value]}]
    return [{TABLE[condition.op].engine: {name: condition.value}}]


def _fact_pattern(name: str, tests: List[dict]) -> dict:
    """A seller fact's pattern: the fact exists, then its value ``tests`` (see the module doc)."""
    present = {"$ex": {name: 1}}
    return {"$and": [present, *tests]} if tests else present


def marker_pattern(key: str) -> dict:
    """The pattern of a symptom or absence-marker fact: its key, as a property that is true."""
    return {key: True}


def engine_facts(name: str, value: Any) -> List[dict]:
    """The engine facts standing for seller fact ``name``: one, or one per choice of a tuple."""
    if isinstance(value, tuple):
        return [{"id": f"{name}{CHOICE_MARK}{number}", name: one} for number, one in enumerate(value, 1)]
    return [{"id": name, name: value}]


def fact_name(engine_id: str) -> str:
    """The seller fact an engine fact's id stands for (``notice_reason#2`` → ``notice_reason``)."""
    return engine_id.partition(CHOICE_MARK)[0]


def expression(condition: Condition) -> dict:
    """The durable-rules expression matching one (positive form of a) condition."""
    if condition.kind == "symptom":
        return marker_pattern(symptom_key(condition.name))
    return _fact_pattern(condition.name, _value_tests(condition))


def absence_key(condition: Condition) -> str:
    """The id of the marker fact asserted when a negated fact condition holds (see module doc)."""
    return ABSENCE_PREFIX + condition.positive().describe()


def settled_conditions(rule: Rule, platform: str) -> Tuple[int, ...]:
    """The indexes of a ``when`` rule's conditions on the platform fact that ``platform`` meets: in
    that platform's own ruleset they always hold, so they need no pattern (the seller's platform
    fact would otherwise join a partial match in every such rule). Empty when nothing else of the
    rule would make a pattern."""
    if rule.match != "all":
        return ()
    settled = tuple(index for index, condition in enumerate(rule.conditions)
                    if condition.kind == "fact" and condition.name == PLATFORM_FACT and not condition.negated
                    and holds(condition.op, platform, condition.value))
    rest = [c for index, c in enumerate(rule.conditions) if index not in settled and (c.kind == "fact" or not c.negated)]
    return settled if rest else ()


def compile_rule(rule: Rule, settled: Tuple[int, ...] = ()) -> dict:
    """One rule as a durable-rules definition; patterns are named p0, p1, … after their
    conditions, leaving out the ``settled`` ones (see :func:`settled_conditions`).

    durable-rules binds every pattern of a rule to a different fact, so in a ``when`` rule the
    conditions on one fact (a band: ``above: 1%`` and ``below: 5%``) make one pattern, named
    after the first of them; a symptom tested twice, likewise.
    """
    patterns, negations = [], []
    bound: Dict[Tuple[str, str], List[dict]] = {}  # (kind, name) -> value tests, for "all" rules
    kept = [(index, condition) for index, condition in enumerate(rule.conditions) if index not in settled]
    if rule.match == "all":
        for _, condition in kept:
            if not condition.negated:
                tests = bound.setdefault((condition.kind, condition.name), [])
                if condition.kind == "fact":
                    tests += _value_tests(condition)
    for index, condition in kept:
        if condition.negated and condition.kind == "fact":
            patterns.append({f"p{index}": marker_pattern(absence_key(condition))})
        elif condition.negated:
            negations.append({f"p{index}$not": expression(condition)})
        elif rule.match == "any" and condition.op == "in":
            # in an "any" rule, durable-rules never fires an alternative holding "$or" unless it
            # comes first: one alternative per listed value instead
            for number, value in enumerate(condition.value):
                alias = f"p{index}" if number == 0 else f"p{index}_{number}"
                patterns.append({alias: expression(Condition("fact", condition.name, "is", value))})
        elif rule.match == "any":
            patterns.append({f"p{index}": expression(condition)})
        elif (condition.kind, condition.name) not in bound:
            continue  # a later condition on a fact or symptom: already in the first one's pattern
        else:  # the first condition on its fact or symptom: the pattern of them all
            tests = bound.pop((condition.kind, condition.name))
            pattern = _fact_pattern(condition.name, tests) if condition.kind == "fact" else expression(condition)
            patterns.append({f"p{index}": pattern})
    # durable-rules mishandles a negation placed before a positive pattern (the differential
    # test against diagnose.reference finds lost and spurious firings): negations go last
    return {rule.match: patterns + negations}


def compile_platform(kb: KnowledgeBase, platform: str) -> CompiledPlatform:
    """The ruleset for one platform: its threshold rules plus every rule that applies to it."""
    rules = {rule.id: rule for rule in kb.rules_for(platform)}
    settled = {rule_id: found for rule_id, rule in rules.items() if (found := settled_conditions(rule, platform))}
    ruleset = {rule_id: compile_rule(rule, settled.get(rule_id, ())) for rule_id, rule in rules.items()}
    ruleset[SINK_RULE] = {"all": [{"m": {"$ex": {"id": 1}}}, {"n": {"id": "__never__"}}]}
    ruleset[WARM_UP] = {"all": [{"m": {"id": WARM_UP}}]}
    conditions: List[Condition] = [c for rule in rules.values() for c in rule.conditions]
    return CompiledPlatform(
        name=f"diagnose_{platform}",
        ruleset=ruleset,
        rules=rules,
        tested_facts=frozenset(c.name for c in conditions if c.kind == "fact"),
        tested_symptoms=frozenset(c.name for c in conditions if c.kind == "symptom"),
        absences={absence_key(c): c.positive() for c in conditions if c.kind == "fact" and c.negated},
        settled=settled,
    )


HANG_AT = 512  # durable-rules never returns from creating a ruleset whose node files this many tests


def property_value_counts(kb: KnowledgeBase, platform: str) -> List[Tuple[str, int]]:
    """How many tests a platform's ruleset files in one table of durable-rules: the first node's
    holds a test of each fact, symptom and negated fact condition the rules name, and each fact's
    existence test holds a test of each of its values. durable-rules hangs creating (or running)
    a ruleset once a table holds 512."""
    names, values = set(), defaultdict(set)
    for rule in kb.rules_for(platform):
        for condition in rule.conditions:
            names.add((condition.kind, condition.name))
            if condition.kind == "fact" and condition.negated:
                names.add(("absence", absence_key(condition)))
            if condition.op == "is":
                values[condition.name].add(json.dumps(condition.value))
            elif condition.op == "in":
                values[condition.name] |= {json.dumps(v) for v in condition.value}
    counts = [("names of facts, symptoms and negated fact conditions", len(names))]
    return counts + [(f"values of fact '{name}'", len(tested)) for name, tested in sorted(values.items())]
