"""Coverage of the performance knowledge: every guidance item is encoded and tested."""
import pytest

from conftest import SCENARIOS
from diagnose.yamlsafe import load_yaml

PERFORMANCE_ITEMS = [f"G{n}" for n in list(range(10, 34)) + [60, 61, 62]]
PROCESS_ITEMS = ["G01", "G02", "G03", "G04", "G05"]


@pytest.mark.parametrize("item", PERFORMANCE_ITEMS)
def test_performance_item_has_a_cause_and_a_scenario(kb, item):
    assert any(item in cause.guidance for cause in kb.causes.values()), f"no cause encodes {item}"
    assert any(path.name.startswith(item.lower() + "-") for path in SCENARIOS.glob("*.yaml")), \
        f"no scenario file {item.lower()}-*.yaml"


@pytest.mark.parametrize("item", PROCESS_ITEMS)
def test_process_item_is_a_next_step(kb, item):
    assert item in kb.guidance


def test_performance_causes_have_immediate_and_preventive_remedies(kb):
    for cause in kb.causes.values():
        if cause.family != "performance":
            continue
        kinds = {kb.remedies[remedy].kind for remedy in cause.remedies}
        assert kinds == {"immediate", "preventive"}, cause.id


@pytest.mark.parametrize("platform", ["amazon", "ebay", "walmart", "wish"])
def test_each_platform_has_scenarios(platform):
    platforms = {load_yaml(str(path))["facts"]["platform"] for path in SCENARIOS.glob("*.yaml")}
    assert platform in platforms


def test_odr_guidance_appears_only_with_order_defects(diagnoser):
    with_odr = diagnoser.run({"platform": "amazon", "notice_reason": "order_defect_rate", "slow_replies": True})
    without = diagnoser.run({"platform": "amazon", "notice_reason": "cancel_rate", "out_of_stock_often": True})
    assert "G05" in [step.id for step in with_odr.next_steps]
    assert "G05" not in [step.id for step in without.next_steps]
