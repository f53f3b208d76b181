"""Never an empty answer (issue 21): with no cause at the reporting threshold, `diagnose run` lists
the candidates left and the questions the interview would ask next, in every format."""
import json

import pytest
import yaml
from click.testing import CliRunner

from conftest import SCENARIOS
from diagnose.cases import scenario_files
from diagnose.cli import cli
from diagnose.yamlsafe import load_yaml

BARE = "platform: amazon\nfulfilment: platform\nlate_shipment_rate: 9%\n"


def run(tmp_path, text, *args):
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["run", str(path), *args])


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_candidates_and_deciding_questions_in_text_formats(tmp_path, fmt):
    result = run(tmp_path, BARE, "--format", fmt)
    assert result.exit_code == 0
    out = result.output
    assert "No root cause reached the reporting threshold." in out
    assert "Still possible, and the questions that would decide between them:" in out
    assert out.count(": certainty now ") == 3
    assert "- Ask: What reason does the platform's notice give? (notice_reason)" in out


def test_candidates_and_deciding_questions_in_json(tmp_path):
    data = json.loads(run(tmp_path, BARE, "--format", "json", "--lang", "zh").stdout)
    assert data["causes"] == [] and len(data["undecided"]["candidates"]) == 3
    assert all(0 <= c["certainty"] < c["could_reach"] <= 1 for c in data["undecided"]["candidates"])
    assert data["undecided"]["questions"][0] == {"fact": "notice_reason", "question": "平台通知里给出的原因是什么？"}
    assert len(data["undecided"]["questions"]) <= 3
    reported = json.loads(run(tmp_path, BARE + "notice_reason: late_shipment\nhandling_time_too_short: yes\n",
                              "--format", "json").stdout)
    assert reported["causes"] and reported["undecided"] is None


def test_no_scenario_gets_an_empty_answer(tmp_path):
    for path in scenario_files(SCENARIOS):
        facts = {k: list(v) if isinstance(v, list) else v for k, v in load_yaml(str(path))["facts"].items()}
        data = json.loads(run(tmp_path, yaml.safe_dump(facts), "--format", "json").stdout)
        assert data["causes"] or (data["undecided"]["candidates"] and data["undecided"]["questions"]), path.name
