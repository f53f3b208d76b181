"""Contradictions inside a case: `diagnose run` warns on stderr and in JSON, in both languages."""
import json

import pytest
from click.testing import CliRunner

from conftest import SCENARIOS
from diagnose.cases import scenario_files
from diagnose.cli import cli
from diagnose.consistency import case_warnings
from diagnose.yamlsafe import load_yaml


def run(tmp_path, text, *args):
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["run", str(path), *args])


def test_a_notice_whose_metric_meets_the_target_is_a_warning(tmp_path):
    result = run(tmp_path, "platform: amazon\nnotice_reason: late_shipment\nlate_shipment_rate: 0.5%\n", "--format", "json")
    assert result.exit_code == 0
    warnings = json.loads(result.stdout)["warnings"]
    assert [w["code"] for w in warnings] == ["metric_meets_target"]
    assert "late_shipment_rate = 0.5% meets the target (4%)" in warnings[0]["text"]
    assert result.stderr == f"Warning: {warnings[0]['text']}\n"


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_seller_fulfilled_metric_blamed_under_platform_fulfilment_is_a_warning(tmp_path, fmt):
    result = run(tmp_path, "platform: amazon\nnotice_reason: late_shipment\nfulfilment: platform\n"
                           "late_shipment_rate: 6%\nhandling_time_too_short: yes\n", "--format", fmt, "--lang", "zh")
    assert result.exit_code == 0
    assert result.stderr.startswith("警告：迟发率只统计卖家自发货的订单，但订单由平台仓配送；归因于“迟发率超过平台标准”的原因"
                                    "（后台处理时间设置过短）")
    assert "handling_time_too_short" not in result.stderr  # the cause by its title, not its id


def test_a_missed_metric_or_a_metric_without_notice_is_no_warning(tmp_path):
    missed = run(tmp_path, "platform: amazon\nnotice_reason: late_shipment\nlate_shipment_rate: 6%\n", "--format", "json")
    assert json.loads(missed.stdout)["warnings"] == [] and missed.stderr == ""
    alone = run(tmp_path, "platform: amazon\nlate_shipment_rate: 0.5%\n", "--format", "json")
    assert json.loads(alone.stdout)["warnings"] == [] and alone.stderr == ""


def test_no_scenario_contradicts_itself(diagnoser):
    for path in scenario_files(SCENARIOS):
        facts = dict(load_yaml(str(path))["facts"])
        assert case_warnings(diagnoser.kb, diagnoser.run(facts)) == (), path.name
