"""The reserved keys of a case file (actions, status, history, version): checked, set aside, kept."""
import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES
from diagnose.casefile import load_case, save_case
from diagnose.cli import cli
from diagnose.errors import InputError
from diagnose.tracking import Diagnosed, Tracking

TRACKED = (EXAMPLES / "cancel-rate-stockouts.yaml").read_text() + """\
actions_done: [replenish_with_supplier]
actions_planned: {plan_peak_capacity: 2026-12-20, add_fulfilment_staff: "2027-01-05"}
case:
  status: appeal_sent
  appeal_sent_on: 2026-11-30
  version: 4
  history:
    - {at: "2026-11-29T10:00:00+00:00", knowledge: abc123, top: chronic_stockout, certainty: 0.82}
"""


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_run_reads_a_tracked_case_like_its_facts(tmp_path):
    tracked = tmp_path / "tracked.yaml"
    tracked.write_text(TRACKED)
    plain = invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--format", "json")
    result = invoke("run", tracked, "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.output == plain.output


def test_load_case_returns_the_tracking(tmp_path, kb):
    path = tmp_path / "c.yaml"
    path.write_text(TRACKED)
    case = load_case(str(path), kb)
    assert "actions_done" not in case.values and "case" not in case.values
    assert case.tracking == Tracking(
        actions_done=("replenish_with_supplier",),
        actions_planned={"plan_peak_capacity": "2026-12-20", "add_fulfilment_staff": "2027-01-05"},
        status="appeal_sent", appeal_sent_on="2026-11-30", version=4,
        history=(Diagnosed("2026-11-29T10:00:00+00:00", "abc123", "chronic_stockout", 0.82),))


def test_save_case_keeps_the_tracking(tmp_path, kb):
    path = tmp_path / "c.yaml"
    path.write_text(TRACKED)
    case = load_case(str(path), kb)
    save_case(str(path), dict(case.values), "header", case.tracking)
    again = load_case(str(path), kb)
    assert again == case
    saved = yaml.safe_load(path.read_text())
    assert saved["case"]["version"] == 4 and saved["actions_planned"]["plan_peak_capacity"] == "2026-12-20"


def test_a_case_with_tracking_and_no_answer_loads_empty(tmp_path, kb):
    path = tmp_path / "c.yaml"
    save_case(str(path), {}, "", Tracking(version=1))
    case = load_case(str(path), kb)
    assert case.values == {} and case.tracking.version == 1


@pytest.mark.parametrize("extra, expected", [
    ("actions_done: [replenish_with_suplier]\n",
     ":9:16: actions_done[0]: unknown remedy 'replenish_with_suplier'; did you mean 'replenish_with_supplier'?"),
    ("actions_done: [replenish_with_supplier, replenish_with_supplier]\n",
     ":9:41: actions_done[1]: 'replenish_with_supplier' is listed twice"),
    ("actions_done: replenish_with_supplier\n", ":9:1: actions_done: expected a list of remedy ids"),
    ("actions_planned: {plan_peak_capacity: soon}\n",
     ":9:19: actions_planned.plan_peak_capacity: expected a date written YYYY-MM-DD, got 'soon'"),
    ("actions_planned: [plan_peak_capacity]\n", ":9:1: actions_planned: expected a mapping of remedy id"),
    ("case: {status: sent}\n", ":9:8: case.status: expected one of draft, appeal_sent, answer_received, "
                               "reinstated, rejected, got 'sent'"),
    ("case: {appeal_sent_on: '30/11/2026'}\n", ":9:8: case.appeal_sent_on: expected a date written YYYY-MM-DD"),
    ("case: {version: 1.5}\n", ":9:8: case.version: expected a whole number, 0 or more, got 1.5"),
    ("case: {colour: red}\n", ":9:8: case.colour: unknown key"),
    ("case:\n  history:\n    - {at: later, knowledge: a, top: b, certainty: 0.5}\n",
     ":11:8: case.history[0].at: expected a timestamp"),
    ("case:\n  history:\n    - {at: '2026-11-29T10:00:00', knowledge: a, top: b, certainty: 2}\n",
     ":11:57: case.history[0].certainty: expected a number from -1 to 1, got 2"),
    ("case:\n  history:\n    - {at: '2026-11-29T10:00:00'}\n",
     ":11:7: case.history[0]: expected a mapping of at, knowledge, top, certainty"),
])
def test_bad_tracking_is_named_by_file_line_and_field(tmp_path, extra, expected):
    path = tmp_path / "c.yaml"
    path.write_text((EXAMPLES / "cancel-rate-stockouts.yaml").read_text() + extra)
    result = invoke("run", path)
    assert result.exit_code == 2
    assert f"Error: {path}{expected}" in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_load_case_refuses_bad_tracking_even_without_answers(tmp_path, kb):
    path = tmp_path / "c.yaml"
    path.write_text("case: {status: lost}\n")
    with pytest.raises(InputError, match=r"c.yaml:1:8: case.status: expected one of"):
        load_case(str(path), kb)


def test_the_terminal_interview_keeps_the_tracking_and_counts_its_saves(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("platform: amazon\nactions_done: [replenish_with_supplier]\ncase: {status: draft, version: 2}\n")
    result = invoke("interview", "--resume", path, input="2\ndone\n")
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load(path.read_text())
    assert saved["notice_reason"] == "late_shipment"
    assert saved["actions_done"] == ["replenish_with_supplier"]
    assert saved["case"]["version"] == 4  # saved once on resuming, once after the answer


def test_the_terminal_interview_writes_no_tracking_to_an_untracked_case(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("platform: amazon\n")
    result = invoke("interview", "--resume", path, input="2\ndone\n")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon", "notice_reason": "late_shipment"}
