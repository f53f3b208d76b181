"""The reference evaluator as a differential oracle: the engine must reach exactly its firings."""
import random

import pytest
from msgspec.structs import replace

from conftest import EXAMPLES, SCENARIOS
from diagnose.engine import Engine, Firing
from diagnose.facts import read_facts_file, validate_facts
from diagnose.knowledge import NUMERIC_OPS, Condition, Rule
from diagnose.reference import ReferenceEvaluator, same_firings
from diagnose.yamlsafe import load_yaml


@pytest.fixture(scope="module")
def reference(kb):
    return ReferenceEvaluator(kb)


def agree(engine, reference, platform, facts):
    difference = same_firings(reference.kb, engine.infer(platform, facts), reference.infer(platform, facts))
    assert difference is None, f"{platform} {facts}: {difference}"


def test_rule_examples_scenarios_and_examples_agree(diagnoser, reference):
    kb = diagnoser.kb
    cases = [dict(case, platform=case.get("platform", rule.platforms[0] if rule.platforms else "amazon"))
             for rule in kb.rules.values() for kind in ("fires", "silent", "todo")
             for case in rule.examples.get(kind, ())]
    cases += [dict(load_yaml(str(path))["facts"]) for path in sorted(SCENARIOS.glob("*.yaml"))]
    cases += [dict(read_facts_file(str(path))) for path in sorted(EXAMPLES.iterdir())]
    assert len(cases) > 20
    for case in cases:
        seller = validate_facts(case, kb)
        agree(diagnoser.engine, reference, seller.platform, seller.values)


def test_the_oracle_sees_a_wrong_firing(diagnoser, reference):
    facts = {"platform": "amazon", "cancel_rate": 0.04, "out_of_stock_often": True}
    right = reference.infer("amazon", facts)
    assert same_firings(reference.kb, diagnoser.engine.infer("amazon", facts), right) is None
    wrong = right[:-1] + [Firing(right[-1].rule, (), right[-1].symptoms)]
    assert "reference only" in same_firings(reference.kb, wrong, right)
    assert "reference only" in same_firings(reference.kb, right[:-1], right)


# ---------------------------------------------------------------------------------------------
# Generated cases: random facts around every threshold, on the shipped knowledge


def interesting_values(kb):
    """For each fact, values worth trying: every value rules and thresholds compare it with,
    a step either side, and a few ordinary ones."""
    values = {fact_id: set() for fact_id in kb.facts}
    for rule in kb.rules.values():
        for condition in rule.conditions:
            if condition.kind != "fact" or condition.op == "known":
                continue
            compared = condition.value if condition.op == "in" else (condition.value,)
            for value in compared:
                values[condition.name].add(value)
                if isinstance(value, float) and kb.facts[condition.name].type == "rate":
                    values[condition.name].update(v for v in (value - 0.001, value + 0.001) if 0 <= v <= 1)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    values[condition.name].update((value - 1, value + 1))
    for fact in kb.facts.values():
        if fact.type == "bool":
            values[fact.id].update((True, False))
        elif fact.type == "choice":
            values[fact.id].update(fact.choice_values)
        elif fact.type == "rate":
            values[fact.id].update((0.0, 0.005, 0.03, 0.2, 1.0))
        elif fact.type in ("count", "number"):
            values[fact.id].update((0, 3, 250))
    return {name: sorted(found, key=repr) for name, found in values.items() if found}


def random_facts(rnd, kb, values, platform):
    chosen = rnd.sample(sorted(values), k=rnd.randint(1, min(10, len(values))))
    facts = {name: rnd.choice(values[name]) for name in chosen}
    facts["platform"] = platform
    return facts


@pytest.mark.slow
def test_thousands_of_generated_cases_agree(diagnoser, reference):
    kb = diagnoser.kb
    rnd = random.Random(20261122)
    values = interesting_values(kb)
    platforms = sorted(kb.platforms)
    fired = 0
    for _ in range(3000):
        facts = random_facts(rnd, kb, values, rnd.choice(platforms))
        agree(diagnoser.engine, reference, facts["platform"], facts)
        fired += bool(reference.infer(facts["platform"], facts))
    assert fired > 500  # the cases exercise the rules, not just silence (779 of 3,000 fire today)


# ---------------------------------------------------------------------------------------------
# Generated rules: when_any, negations and symptom chains the shipped rules may not use yet


def random_condition(rnd, kb, values, symptoms):
    if rnd.random() < 0.35:
        return Condition("symptom", rnd.choice(symptoms))
    name = rnd.choice(sorted(n for n in values if n != "platform"))
    fact = kb.facts[name]
    if fact.type in ("rate", "number", "count"):
        op = rnd.choice(("above", "at_least", "below", "at_most", "known"))
    elif fact.type == "choice":
        op = rnd.choice(("is", "is_not", "in", "known"))
    else:
        op = rnd.choice(("is", "is_not", "known"))
    if op == "known":
        value = None
    elif op == "in":
        value = tuple(rnd.sample(values[name], k=min(2, len(values[name]))))
    else:
        value = rnd.choice(values[name])
    return Condition("fact", name, op, value, negated=rnd.random() < 0.2)


def random_rules(rnd, kb, values, count):
    """Random rules: any number of negated fact conditions (``is_not`` too: the engine evaluates
    them when the session starts), and half the rules with a comparison compare the same fact a
    second time (a band: the compiler makes one pattern of both). No rule tests a symptom's
    absence: durable-rules fires such a rule before a later firing derives the symptom, the
    reference (stratified) does not; the linter keeps such rules out of the knowledge."""
    symptoms = sorted(kb.symptoms)
    causes = sorted(kb.causes)
    rules = {}
    for index in range(count):
        conditions = [random_condition(rnd, kb, values, symptoms) for _ in range(rnd.randint(1, 4))]
        compared = [c for c in conditions if c.op in NUMERIC_OPS and not c.negated]
        if compared and rnd.random() < 0.5:
            name = compared[0].name
            conditions.insert(rnd.randint(0, len(conditions)),
                              Condition("fact", name, rnd.choice(NUMERIC_OPS), rnd.choice(values[name])))
        if all(c.negated for c in conditions):
            conditions[0] = replace(conditions[0], negated=False)
        match = "any" if rnd.random() < 0.25 else "all"
        if match == "any":  # an alternative that is a negation is never written in when_any
            conditions = [replace(c, negated=False) for c in conditions]
        conclusion = ("symptom", rnd.choice(symptoms)) if rnd.random() < 0.5 else ("cause", rnd.choice(causes))
        rule_id = f"gen.r{index}"
        platforms = () if rnd.random() < 0.7 else (rnd.choice(sorted(kb.platforms)),)
        rules[rule_id] = Rule(rule_id, {"en": rule_id}, tuple(conditions), match, conclusion, 0.7, platforms,
                              ("s-method",), (), "stable", {}, kb.rules[next(iter(kb.rules))].where)
    return rules


@pytest.mark.parametrize("seed", range(8))
def test_generated_rule_sets_agree(kb, seed):
    rnd = random.Random(seed)
    values = interesting_values(kb)
    rules = dict(kb.rules)
    rules.update(random_rules(rnd, kb, values, 40))
    generated = replace(kb, rules=rules, version=f"generated-{seed}")
    engine, reference = Engine(generated), ReferenceEvaluator(generated)
    fired = 0
    for _ in range(150):
        facts = random_facts(rnd, generated, values, rnd.choice(sorted(kb.platforms)))
        agree(engine, reference, facts["platform"], facts)
        fired += len(reference.infer(facts["platform"], facts))
    assert fired > 100
