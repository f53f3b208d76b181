"""The operator table (diagnose.operators): one definition the loader, compiler, thresholds and schemas agree on."""
import json

import pytest

from conftest import ROOT
from diagnose.compiler import expression
from diagnose.knowledge import Condition
from diagnose.operators import NUMERIC_OPS, OPERATORS, TABLE, condition_key, holds


def test_the_rules_schema_allows_exactly_the_table_s_operators():
    schema = json.loads((ROOT / "knowledge" / "schemas" / "rules.schema.json").read_text(encoding="utf-8"))
    allowed = set(schema["$defs"]["fact_condition"]["properties"]) - {"fact"}
    assert allowed == set(OPERATORS)


def test_a_threshold_s_must_be_is_one_of_the_numeric_operators():
    schema = json.loads((ROOT / "knowledge" / "schemas" / "knowledge.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["threshold"]["properties"]["must_be"]["enum"]) == set(NUMERIC_OPS)


@pytest.mark.parametrize("name", NUMERIC_OPS)
@pytest.mark.parametrize("value", [0.5, 1.0, 1.5])
def test_a_numeric_operator_s_opposite_holds_exactly_when_it_does_not(name, value):
    opposite = TABLE[name].opposite
    assert holds(name, value, 1.0) != holds(opposite, value, 1.0)
    assert TABLE[opposite].opposite == name


def test_each_operator_tests_what_its_name_says():
    assert holds("above", 2, 1) and not holds("above", 1, 1)
    assert holds("at_least", 1, 1) and not holds("at_least", 0, 1)
    assert holds("below", 0, 1) and not holds("below", 1, 1)
    assert holds("at_most", 1, 1) and not holds("at_most", 2, 1)
    assert holds("is", "a", "a") and holds("is_not", "a", "b")
    assert holds("in", "b", ("a", "b")) and not holds("in", "c", ("a", "b"))
    assert holds("known", None, None)


@pytest.mark.parametrize("name", [n for n in OPERATORS if TABLE[n].engine])
def test_the_compiler_uses_the_table_s_engine_operator(name):
    assert expression(Condition("fact", "cancel_rate", name, 0.02)) == {
        "$and": [{"$ex": {"cancel_rate": 1}}, {TABLE[name].engine: {"cancel_rate": 0.02}}]}


def test_the_operator_words_come_from_the_knowledge(kb):
    assert kb.operator_words("at_most", "en") == "at most"
    assert kb.operator_words("at_most", "zh") == "不高于"
    assert TABLE["at_least"].words({}, "zh") == "at least"  # no message: the name in words


def test_condition_key():
    assert condition_key("all") == "when"
    assert condition_key("any") == "when_any"
