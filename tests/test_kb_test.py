"""`diagnose kb test`: rule examples and scenarios, failures with expected and actual causes."""

from kb_fixture import invoke

RULES = "rules/rules.yaml"
SILENT = "silent: [{platform: amazon, cancel_rate: 1%, out_of_stock_often: yes}]"


def test_all_pass(kb_dir):
    result = invoke("kb", "test", "--kb", kb_dir())
    # cancel.stockout: 1 fires + 1 silent; the threshold rule: 1 fires + 2 silent; 1 scenario
    assert (result.exit_code, result.output) == (0, "6 passed, 0 failed, 0 todo, 0 todo now passing\n")


def test_shipped_knowledge_passes():
    result = invoke("kb", "test")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith(" 0 failed, 0 todo, 0 todo now passing")


def test_failing_example_names_its_line(kb_dir):
    root = kb_dir(edits=[(RULES, SILENT, "silent: [{platform: amazon, cancel_rate: 4%, out_of_stock_often: yes}]")])
    result = invoke("kb", "test", "--kb", root)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "rules/rules.yaml:13: FAIL rule cancel.stockout silent[0]: expected the rule to stay silent; it fired",
        "5 passed, 1 failed, 0 todo, 0 todo now passing"]


def test_example_that_does_not_fire_lists_what_did(kb_dir):
    edit = (RULES, "fires: [{platform: amazon, cancel_rate: 4%, out_of_stock_often: yes}]",
            "fires: [{platform: amazon, cancel_rate: 4%, out_of_stock_often: no}]")
    result = invoke("kb", "test", "--kb", kb_dir(edits=[edit]))
    assert result.output.splitlines()[0] == (
        "rules/rules.yaml:12: FAIL rule cancel.stockout fires[0]: expected the rule to fire; it did not "
        "(rules that fired: threshold.amazon.cancel_rate)")


def test_todo_that_now_fires_is_reported_but_does_not_fail(kb_dir):
    edit = (RULES, SILENT, SILENT + "\n      todo: [{platform: amazon, cancel_rate: 9%, out_of_stock_often: yes}]")
    result = invoke("kb", "test", "--kb", kb_dir(edits=[edit]))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "rules/rules.yaml:14: TODO-FIXED rule cancel.stockout todo[0]: now fires: move it to 'fires'",
        "6 passed, 0 failed, 0 todo, 1 todo now passing"]


def test_failing_scenario_shows_expected_and_actual_top_causes(kb_dir):
    scenario = ("title: No stock-out\nfacts: {platform: amazon, cancel_rate: 3%, out_of_stock_often: yes}\n"
                "expect:\n  absent: [chronic_stockout]\n")
    result = invoke("kb", "test", "--kb", kb_dir(files={"tests/scenarios/wrong.yaml": scenario}))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "tests/scenarios/wrong.yaml:3: FAIL scenario wrong: expected 'chronic_stockout' not to be reported; "
        "actual top 3: chronic_stockout (0.80)",
        "6 passed, 1 failed, 0 todo, 0 todo now passing"]


def test_rule_ids_run_only_those_rules(kb_dir):
    result = invoke("kb", "test", "--kb", kb_dir(), "cancel.stockout")
    assert (result.exit_code, result.output) == (0, "2 passed, 0 failed, 0 todo, 0 todo now passing\n")


def test_scenarios_folder_option(kb_dir, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "one.yaml").write_text("facts: {platform: amazon, cancel_rate: 3%, out_of_stock_often: yes}\n"
                                     "expect: {first: chronic_stockout}\n")
    (folder / "two.yaml").write_text("facts: {platform: amazon, cancel_rate: 3%, out_of_stock_often: yes}\n"
                                     "expect: {top3: [chronic_stockout]}\n")
    result = invoke("kb", "test", "--kb", kb_dir(), "--scenarios", folder)
    assert result.output == "7 passed, 0 failed, 0 todo, 0 todo now passing\n"


def test_unknown_rule_is_bad_usage(kb_dir):
    result = invoke("kb", "test", "--kb", kb_dir(), "cancel.stockot")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for RULE_ID: unknown rule 'cancel.stockot'; did you mean 'cancel.stockout'?")


def test_a_misshapen_scenario_names_its_file_line_and_field(kb_dir):
    scenario = ("title: Wrong shape\nfacts: {platform: amazon, cancel_rate: 3%}\n"
                "expect:\n  top3: [chronic_stockout]\n  fist: chronic_stockout\n")
    result = invoke("kb", "test", "--kb", kb_dir(files={"tests/scenarios/shape.yaml": scenario}))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(
        "tests/scenarios/shape.yaml:5: FAIL scenario shape: expect: unknown field 'fist'")


def test_a_scenario_without_facts_fails_on_its_first_line(kb_dir):
    result = invoke("kb", "test", "--kb", kb_dir(files={"tests/scenarios/bare.yaml": "expect: {first: x}\n"}))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("tests/scenarios/bare.yaml:1: FAIL scenario bare: ")
    assert "facts" in result.output.splitlines()[0]
