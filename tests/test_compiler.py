"""diagnose.compiler on its own: conditions and rules as durable-rules definitions."""
import pytest

from diagnose.compiler import (ABSENCE_PREFIX, SINK_RULE, WARM_UP, absence_key, compile_platform, compile_rule, engine_facts,
                               expression, settled_conditions, symptom_key)
from diagnose.errors import InferenceError
from diagnose.knowledge import Condition, Rule, Where


def make_rule(*conditions, match="all", platforms=("amazon",)):
    return Rule(id="r", title={"en": "r", "zh": "r"}, conditions=tuple(conditions), match=match,
                conclusion=("cause", "c"), certainty=0.8, platforms=platforms, sources=(), guidance=(),
                status="stable", examples={}, where=Where("rules.yaml", 1, 1))


def fact(name, op, value=None, negated=False):
    return Condition("fact", name, op, value, negated)


@pytest.mark.parametrize("condition,expected", [
    (Condition("symptom", "cancel_rate_high"), {"id": "s.cancel_rate_high"}),
    (fact("tracking", "known"), {"f": "tracking"}),
    (fact("platform", "is", "amazon"), {"$and": [{"f": "platform"}, {"v": "amazon"}]}),
    (fact("platform", "in", ("ebay", "wish")),
     {"$and": [{"f": "platform"}, {"$or": [{"v": "ebay"}, {"v": "wish"}]}]}),
    (fact("cancel_rate", "at_most", 0.02), {"$and": [{"f": "cancel_rate"}, {"$lte": {"v": 0.02}}]}),
])
def test_expression(condition, expected):
    assert expression(condition) == expected


def test_conditions_on_one_fact_make_one_pattern_in_a_when_rule():
    rule = make_rule(fact("cancel_rate", "above", 0.01), Condition("symptom", "s1"), fact("cancel_rate", "below", 0.05))
    assert compile_rule(rule) == {"all": [
        {"p0": {"$and": [{"f": "cancel_rate"}, {"$gt": {"v": 0.01}}, {"$lt": {"v": 0.05}}]}},
        {"p1": {"id": symptom_key("s1")}}]}


def test_negations_go_last_and_a_negated_fact_is_an_absence_marker():
    absent = fact("fulfilment", "is", "platform", negated=True)
    rule = make_rule(Condition("symptom", "s2", negated=True), absent, Condition("symptom", "s1"))
    compiled = compile_rule(rule)
    assert compiled["all"] == [{"p1": {"id": absence_key(absent)}}, {"p2": {"id": "s.s1"}},
                               {"p0$not": {"id": "s.s2"}}]
    assert absence_key(absent) == ABSENCE_PREFIX + 'fulfilment is "platform"'


def test_in_an_any_rule_each_listed_value_is_its_own_alternative():
    rule = make_rule(fact("platform", "in", ("ebay", "wish")), Condition("symptom", "s1"), match="any")
    assert compile_rule(rule) == {"any": [
        {"p0": {"$and": [{"f": "platform"}, {"v": "ebay"}]}}, {"p0_1": {"$and": [{"f": "platform"}, {"v": "wish"}]}},
        {"p1": {"id": "s.s1"}}]}


def test_a_platform_gets_its_rules_and_knows_what_to_assert(minimal_kb):
    compiled = compile_platform(minimal_kb, "amazon")
    assert set(compiled.rules) == {"cancel.stockout", "threshold.amazon.cancel_rate"}
    assert set(compiled.ruleset) == set(compiled.rules) | {SINK_RULE, WARM_UP}
    assert compiled.tested_facts == {"platform", "cancel_rate", "fulfilment", "out_of_stock_often"}
    assert compiled.tested_symptoms == {"cancel_rate_high"}
    assert list(compiled.absences.values()) == [fact("fulfilment", "is", "platform")]
    assert set(compile_platform(minimal_kb, "ebay").rules) == {"cancel.stockout"}


def test_a_fact_holding_several_choices_enters_as_one_engine_fact_per_choice():
    assert engine_facts("platform", "amazon") == [{"id": "platform", "f": "platform", "v": "amazon"}]
    assert engine_facts("notice_reason", ("refund_rate", "late_shipment")) == [
        {"id": "notice_reason#1", "f": "notice_reason", "v": "refund_rate"},
        {"id": "notice_reason#2", "f": "notice_reason", "v": "late_shipment"}]


def test_a_when_rules_platform_test_its_ruleset_meets_makes_no_pattern():
    rule = make_rule(fact("platform", "is", "amazon"), fact("cancel_rate", "above", 0.025))
    assert settled_conditions(rule, "amazon") == (0,)
    assert compile_rule(rule, (0,)) == {"all": [{"p1": {"$and": [{"f": "cancel_rate"}, {"$gt": {"v": 0.025}}]}}]}
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
