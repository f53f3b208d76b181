"""Compile knowledge-base rules into durable-rules JSON rulesets, one per platform.

Seller facts and derived symptoms enter the engine as small facts ``{"id": name, "v": value}``
(symptoms as ``{"id": "s.<symptom>", "v": true}``), one per observation, so no single fact
meets the engine's 64-condition limit. Each rule's ``run`` is its own id; the engine module
turns that into an action. A never-completing "sink" join makes every fact count as handled.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, FrozenSet, List

from .knowledge import Condition, KnowledgeBase, Rule

SYMPTOM_PREFIX = "s."
SINK_RULE = "__sink__"
WARMUP_RULE = "__warmup__"  # fired once per ruleset before any diagnosis (see engine.py)
_COMPARE = {"is_not": "$neq", "above": "$gt", "at_least": "$gte", "below": "$lt", "at_most": "$lte"}


@dataclass(frozen=True)
class CompiledPlatform:
    """One platform's ruleset and what the engine must know to feed it."""

    name: str
    ruleset: dict
    rules: Dict[str, Rule]
    tested_facts: FrozenSet[str]  # seller facts some rule tests: only these are asserted
    tested_symptoms: FrozenSet[str]  # symptoms some rule tests: only these are asserted back


def engine_value(value):
    """``value`` as durable-rules' C core reads it right: its JSON parser takes ``5e-05`` (an
    exponent without a fraction, as Python writes floats below 1e-4) for the integer 5, and then
    crashes. The float one step up is written ``5.000000000000001e-05``, which it reads right."""
    if isinstance(value, float) and "e" in repr(value) and "." not in repr(value):
        return math.nextafter(value, math.inf)
    return value


def symptom_key(symptom: str) -> str:
    return SYMPTOM_PREFIX + symptom


def expression(condition: Condition) -> dict:
    """The durable-rules expression matching one (positive form of a) condition."""
    if condition.kind == "symptom":
        return {"id": symptom_key(condition.name)}
    key = {"id": condition.name}
    if condition.op == "known":
        return key
    if condition.op == "is":
        test = {"v": engine_value(condition.value)}
    elif condition.op == "in":
        test = {"$or": [{"v": engine_value(value)} for value in condition.value]}
    else:
        test = {_COMPARE[condition.op]: {"v": engine_value(condition.value)}}
    return {"$and": [key, test]}


def compile_rule(rule: Rule) -> dict:
    """One rule as a durable-rules definition; patterns are named p0, p1, …"""
    patterns = []
    for index, condition in enumerate(rule.conditions):
        alias = f"p{index}$not" if condition.negated else f"p{index}"
        patterns.append({alias: expression(condition)})
    return {rule.match: patterns, "run": rule.id}


def compile_platform(kb: KnowledgeBase, platform: str) -> CompiledPlatform:
    """The ruleset for one platform: its threshold rules plus every rule that applies to it."""
    rules = {rule.id: rule for rule in kb.rules_for(platform)}
    ruleset = {rule_id: compile_rule(rule) for rule_id, rule in rules.items()}
    ruleset[SINK_RULE] = {"all": [{"m": {"$ex": {"id": 1}}}, {"n": {"id": "__never__"}}], "run": SINK_RULE}
    ruleset[WARMUP_RULE] = {"all": [{"m": {"id": WARMUP_RULE}}], "run": WARMUP_RULE}
    conditions: List[Condition] = [c for rule in rules.values() for c in rule.conditions]
    return CompiledPlatform(
        name=f"diagnose_{platform}",
        ruleset=ruleset,
        rules=rules,
        tested_facts=frozenset(c.name for c in conditions if c.kind == "fact"),
        tested_symptoms=frozenset(c.name for c in conditions if c.kind == "symptom"),
    )


def compile_knowledge(kb: KnowledgeBase) -> Dict[str, CompiledPlatform]:
    """Every platform's compiled ruleset, keyed by platform id."""
    return {platform: compile_platform(kb, platform) for platform in sorted(kb.platforms)}
