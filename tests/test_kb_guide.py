"""docs/knowledge.md, followed to the letter: its files go into a copy of the shipped knowledge,
its commands run against that copy, and the new cause comes out of `diagnose run --kb`."""
import json
import re
import shlex
import shutil

import pytest

from conftest import ROOT
from kb_fixture import invoke

pytestmark = pytest.mark.slow  # see pyproject.toml: `pytest -m "not slow"` leaves these out

GUIDE = (ROOT / "docs" / "knowledge.md").read_text(encoding="utf-8")
FILES = re.findall(r"```yaml file=(\S+)\n(.*?)```", GUIDE, re.S)
COMMANDS = [shlex.split(line[2:]) for line in re.findall(r"^\$ diagnose .*$", GUIDE, re.M)]
RUN = next(command for command in COMMANDS if command[1] == "run")


@pytest.fixture
def copy(tmp_path, monkeypatch):
    root = tmp_path / "kb"
    for folder in ("knowledge", "rules", "tests/scenarios"):
        shutil.copytree(ROOT / folder, root / folder)
    monkeypatch.chdir(root)
    return root


def follow_guide(root):
    for path, text in FILES:
        with open(root / path, "a", encoding="utf-8") as handle:
            handle.write(text)


def run_json():
    result = invoke(*RUN[1:], "--format", "json")
    assert result.exit_code == 0, result.output
    return {cause["id"]: cause for cause in json.loads(result.output)["causes"]}


def test_the_guide_has_files_and_commands():
    assert sorted({path for path, _ in FILES}) == [
        "knowledge/warehouse-move.yaml", "rules/performance/warehouse-move.yaml", "tests/scenarios/warehouse-move.yaml"]
    assert [command[1:3] for command in COMMANDS[:6]] == [
        ["kb", "validate"], ["kb", "lint"], ["kb", "test"], ["kb", "test"], ["kb", "show"], ["kb", "graph"]]


def test_every_command_of_the_guide_succeeds_on_the_new_cause(copy):
    before = invoke(*RUN[1:])
    assert before.exit_code == 2  # the fact does not exist yet
    assert "warehouse_moved_days_ago: unknown fact" in before.output
    follow_guide(copy)
    outputs = {}
    for command in COMMANDS:
        result = invoke(*command[1:])
        assert result.exit_code == 0, f"{shlex.join(command)}\n{result.output}"
        outputs[" ".join(command[1:3])] = result.output
    assert "warehouse" not in outputs["kb lint"]  # the new knowledge is lint-clean
    assert "late.warehouse_move (rules/performance/warehouse-move.yaml:" in outputs["kb show"]
    assert "s_recent_warehouse_move --> c_warehouse_move_disruption" in outputs["kb graph"]
    selected = invoke("kb", "test", "--kb", ".", "warehouse.recent_move", "late.warehouse_move")
    assert selected.output == "5 passed, 0 failed, 0 todo, 0 todo now passing\n"
    cause = run_json()["warehouse_move_disruption"]
    assert {r["id"]: r["kind"] for r in cause["remedies"]} == {
        "extend_handling_during_move": "immediate", "plan_warehouse_moves": "preventive"}


def test_an_edited_rule_is_picked_up_at_once(copy):
    follow_guide(copy)
    assert run_json()["warehouse_move_disruption"]["certainty"] == pytest.approx(0.7)
    rules = copy / "rules" / "performance" / "warehouse-move.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("certainty: 0.7", "certainty: 0.9"), encoding="utf-8")
    assert run_json()["warehouse_move_disruption"]["certainty"] == pytest.approx(0.9)
    rules.write_text(rules.read_text(encoding="utf-8").replace("at_most: 30", "at_most: 10"), encoding="utf-8")
    assert "warehouse_move_disruption" not in run_json()  # 12 days ago is no longer recent
