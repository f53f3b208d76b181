"""diagnose.compiler on its own: conditions and rules as durable-rules definitions."""
import pytest

from diagnose.compiler import (ABSENCE_PREFIX, SINK_RULE, WARM_UP, absence_key, compile_platform, compile_rule, engine_facts,
                               expression, fact_name, settled_conditions, symptom_key)
from diagnose.errors import InferenceError
from diagnose.knowledge import Condition, Rule, Where


def make_rule(*conditions, match="all", platforms=("amazon",)):
    return Rule(id="r", title={"en": "r", "zh": "r"}, conditions=tuple(conditions), match=match,
                conclusion=("cause", "c"), certainty=0.8, platforms=platforms, sources=(), guidance=(),
                status="stable", examples={}, where=Where("rules.yaml", 1, 1))


def fact(name, op, value=None, negated=False):
    return Condition("fact", name, op, value, negated)


@pytest.mark.parametrize("condition,expected", [
    (Condition("symptom", "cancel_rate_high"), {"s.cancel_rate_high": True}),
    (fact("tracking", "known"), {"$ex": {"tracking": 1}}),
    (fact("platform", "is", "amazon"), {"$and": [{"$ex": {"platform": 1}}, {"platform": "amazon"}]}),
    (fact("platform", "in", ("ebay", "wish")),
     {"$and": [{"$ex": {"platform": 1}}, {"$or": [{"platform": "ebay"}, {"platform": "wish"}]}]}),
    (fact("cancel_rate", "at_most", 0.02), {"$and": [{"$ex": {"cancel_rate": 1}}, {"$lte": {"cancel_rate": 0.02}}]}),
])
def test_expression(condition, expected):
    assert expression(condition) == expected


def test_conditions_on_one_fact_make_one_pattern_in_a_when_rule():
    rule = make_rule(fact("cancel_rate", "above", 0.01), Condition("symptom", "s1"), fact("cancel_rate", "below", 0.05))
    assert compile_rule(rule) == {"all": [
        {"p0": {"$and": [{"$ex": {"cancel_rate": 1}}, {"$gt": {"cancel_rate": 0.01}}, {"$lt": {"cancel_rate": 0.05}}]}},
        {"p1": {symptom_key("s1"): True}}]}


def test_negations_go_last_and_a_negated_fact_is_an_absence_marker():
    absent = fact("fulfilment", "is", "platform", negated=True)
    rule = make_rule(Condition("symptom", "s2", negated=True), absent, Condition("symptom", "s1"))
    compiled = compile_rule(rule)
    assert compiled["all"] == [{"p1": {absence_key(absent): True}}, {"p2": {"s.s1": True}},
                               {"p0$not": {"s.s2": True}}]
    assert absence_key(absent) == ABSENCE_PREFIX + 'fulfilment is "platform"'


def test_in_an_any_rule_each_listed_value_is_its_own_alternative():
    rule = make_rule(fact("platform", "in", ("ebay", "wish")), Condition("symptom", "s1"), match="any")
    assert compile_rule(rule) == {"any": [
        {"p0": {"$and": [{"$ex": {"platform": 1}}, {"platform": "ebay"}]}},
        {"p0_1": {"$and": [{"$ex": {"platform": 1}}, {"platform": "wish"}]}},
        {"p1": {"s.s1": True}}]}


def test_a_platform_gets_its_rules_and_knows_what_to_assert(minimal_kb):
    compiled = compile_platform(minimal_kb, "amazon")
    assert set(compiled.rules) == {"cancel.stockout", "threshold.amazon.cancel_rate"}
    assert set(compiled.ruleset) == set(compiled.rules) | {SINK_RULE, WARM_UP}
    assert compiled.tested_facts == {"platform", "cancel_rate", "fulfilment", "out_of_stock_often"}
    assert compiled.tested_symptoms == {"cancel_rate_high"}
    assert list(compiled.absences.values()) == [fact("fulfilment", "is", "platform")]
    assert set(compile_platform(minimal_kb, "ebay").rules) == {"cancel.stockout"}


def test_a_fact_holding_several_choices_enters_as_one_engine_fact_per_choice():
    assert engine_facts("platform", "amazon") == [{"id": "platform", "platform": "amazon"}]
    assert engine_facts("notice_reason", ("refund_rate", "late_shipment")) == [
        {"id": "notice_reason#1", "notice_reason": "refund_rate"},
        {"id": "notice_reason#2", "notice_reason": "late_shipment"}]
    assert [fact_name(one["id"]) for one in engine_facts("notice_reason", ("refund_rate",))] == ["notice_reason"]


def test_a_when_rules_platform_test_its_ruleset_meets_makes_no_pattern():
    rule = make_rule(fact("platform", "is", "amazon"), fact("cancel_rate", "above", 0.025))
    assert settled_conditions(rule, "amazon") == (0,)
    assert compile_rule(rule, (0,)) == {"all": [{"p1": {"$and": [{"$ex": {"cancel_rate": 1}}, {"$gt": {"cancel_rate": 0.025}}]}}]}
    assert settled_conditions(make_rule(fact("platform", "in", ("amazon", "ebay")), Condition("symptom", "s1")),
                              "ebay") == (0,)


@pytest.mark.parametrize("rule", [
    make_rule(fact("platform", "is", "ebay"), fact("cancel_rate", "above", 0.025)),  # not met: never fires
    make_rule(fact("platform", "is", "amazon", negated=True), fact("cancel_rate", "above", 0.025)),
    make_rule(fact("platform", "is", "amazon"), Condition("symptom", "s1", negated=True)),  # nothing else to match
    make_rule(fact("platform", "is", "amazon"), Condition("symptom", "s1"), match="any"),
])
def test_other_platform_tests_stay_patterns(rule):
    assert settled_conditions(rule, "amazon") == ()


def test_a_settled_platform_test_still_shows_in_the_firing_and_other_platforms_facts_are_refused(diagnoser):
    compiled = diagnoser.engine.compiled.get("amazon") or compile_platform(diagnoser.kb, "amazon")
    assert compiled.settled["threshold.amazon.cancel_rate"] == (0,)
    fired = diagnoser.engine.infer("amazon", {"platform": "amazon", "cancel_rate": 0.04})
    assert fired[0].facts == (("platform", "amazon"), ("cancel_rate", 0.04))
    with pytest.raises(InferenceError, match="facts are for platform 'ebay'"):
        diagnoser.engine.infer("amazon", {"platform": "ebay", "cancel_rate": 0.04})
