"""Every rule's inline examples and every scenario in tests/scenarios, as pytest cases."""
import pytest

from conftest import ROOT, SCENARIOS
from diagnose.api import get_diagnoser
from diagnose.cases import run_rule_examples, run_scenario, scenario_files

_DIAGNOSER = get_diagnoser(ROOT)
_RULE_RESULTS = list(run_rule_examples(_DIAGNOSER))


@pytest.mark.parametrize("result", _RULE_RESULTS, ids=[r.name for r in _RULE_RESULTS])
def test_rule_example(result):
    assert not result.failed, f"{result.where}: {result.detail}"


def test_every_rule_has_firing_and_silent_examples(kb):
    for rule in kb.rules.values():
        assert rule.examples["fires"] and rule.examples["silent"], rule.id


@pytest.mark.parametrize("path", scenario_files(SCENARIOS), ids=lambda p: p.stem)
def test_scenario(path):
    result = run_scenario(_DIAGNOSER, path)
    assert not result.failed, f"{result.where}: {result.detail}"
