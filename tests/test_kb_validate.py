"""`diagnose kb validate`: every kind of problem, with its exact text and location."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT
from kb_fixture import invoke

RULES, FACTS, KNOWLEDGE, PLATFORMS = "rules/rules.yaml", "knowledge/facts.yaml", "knowledge/knowledge.yaml", \
    "knowledge/platforms.yaml"


def validate(root, *extra):
    return invoke("kb", "validate", "--kb", root, *extra)


def test_minimal_knowledge_base_is_clean(kb_dir):
    result = validate(kb_dir())
    assert (result.exit_code, result.output) == (0, "0 error(s), 0 warning(s) in 5 files\n")


def test_shipped_knowledge_is_clean():
    result = invoke("kb", "validate", "--kb", ROOT)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 error(s), 0 warning(s) in ")


@pytest.mark.parametrize("edits,expected", [
    pytest.param([(RULES, "{fact: out_of_stock_often, is: true}", "{fact: out_of_stok_often, is: true}")],
                 "rules/rules.yaml:7:10: [error] rule 'cancel.stockout': unknown fact 'out_of_stok_often'; "
                 "did you mean 'out_of_stock_often'? (unknown-fact)", id="unknown-fact"),
    pytest.param([(RULES, "then: {cause: chronic_stockout}", "then: {cause: chronic_stockouts}")],
                 "rules/rules.yaml:8:12: [error] rule 'cancel.stockout': unknown cause 'chronic_stockouts'; "
                 "did you mean 'chronic_stockout'? (unknown-cause)", id="unknown-cause"),
    pytest.param([(RULES, "{symptom: cancel_rate_high}", "{symptom: cancel_rate_hihg}")],
                 "rules/rules.yaml:6:10: [error] rule 'cancel.stockout': unknown symptom 'cancel_rate_hihg'; "
                 "did you mean 'cancel_rate_high'? (unknown-symptom)", id="unknown-symptom"),
    pytest.param([(KNOWLEDGE, "[restock_now, daily_stock_check]", "[restock_now, daily_stock_chek]")],
                 "knowledge/knowledge.yaml:10:29: [error] cause 'chronic_stockout': unknown remedy "
                 "'daily_stock_chek'; did you mean 'daily_stock_check'? (unknown-remedy)", id="unknown-remedy"),
    pytest.param([(RULES, "    sources: [src-a]", "    sources: [src-b]")],
                 "rules/rules.yaml:10:15: [error] rule 'cancel.stockout': unknown source 'src-b'; "
                 "did you mean 'src-a'? (unknown-source)", id="unknown-source"),
    pytest.param([(RULES, "{fact: out_of_stock_often, is: true}", "{fact: out_of_stock_often, is: 3}")],
                 "rules/rules.yaml:7:36: [error] rule 'cancel.stockout': out_of_stock_often is: "
                 "expected yes or no, got 3 (type-mismatch)", id="bool-value"),
    pytest.param([(RULES, "{fact: out_of_stock_often, is: true}", "{fact: fulfilment, is: sellr}")],
                 "rules/rules.yaml:7:28: [error] rule 'cancel.stockout': fulfilment is: "
                 "expected one of seller, platform, got 'sellr' (type-mismatch)", id="unknown-choice"),
    pytest.param([(RULES, "{fact: out_of_stock_often, is: true}", "{fact: out_of_stock_often, above: 1}")],
                 "rules/rules.yaml:7:36: [error] rule 'cancel.stockout': 'above' compares numbers, "
                 "but fact 'out_of_stock_often' is a bool (type-mismatch)", id="number-operator-on-bool"),
    pytest.param([(PLATFORMS, "        window: 7 days\n", "")],
                 "knowledge/platforms.yaml:6:9: [error] platforms.0.thresholds.0: 'window' is required (schema)",
                 id="threshold-without-window"),
    pytest.param([(PLATFORMS, "        sources: [src-a]", "        sources: []")],
                 "knowledge/platforms.yaml:13:9: [error] platforms.0.thresholds.0.sources: [] should be non-empty "
                 "(schema)", id="threshold-without-source"),
    pytest.param([(PLATFORMS, "target: 2.5%", "target: high")],
                 "knowledge/platforms.yaml:10:9: [error] threshold 'amazon.cancel_rate': target: "
                 "expected a number, got 'high' (type-mismatch)", id="threshold-target"),
    pytest.param([(PLATFORMS, "target: 2.5%", "target: yes")],
                 "knowledge/platforms.yaml:10:9: [error] platforms.0.thresholds.0.target: "
                 "True is not of type 'number', 'string' (schema)", id="threshold-target-yaml-bool"),
    pytest.param([(RULES, "    certainty: 0.8", "    certanty: 0.8")],
                 "rules/rules.yaml:9:5: [error] rules.0: unknown field 'certanty'; did you mean 'certainty'? (schema)",
                 id="unknown-field"),
    pytest.param([(RULES, "    when:\n", "    when:\n   - x: [\n")],
                 "rules/rules.yaml:6:4: [error] invalid YAML: did not find expected '-' indicator (yaml-syntax)",
                 id="yaml-syntax"),
    pytest.param([(RULES, "fires: [{platform: amazon, cancel_rate: 4%,", "fires: [{platform: amazon, cancel_rate: 150%,")],
                 "rules/rules.yaml:12:34: [error] rule 'cancel.stockout' examples.fires[0]: cancel_rate: "
                 "a rate cannot exceed 100%, got '150%' (example-value)", id="example-value"),
    pytest.param([(FACTS, "    type: bool\n", "    type: boolean\n")],
                 "knowledge/facts.yaml:26:5: [error] facts.3.type: 'boolean' is not one of "
                 "['number', 'rate', 'count', 'bool', 'choice', 'text', 'date'] (schema)",
                 id="broken-fact-no-follow-on-findings"),
    pytest.param([(KNOWLEDGE, "interview: {margin: 2.0, top: 3}", "interview: {margin: 2.0}")],
                 "knowledge:1:1: [error] the knowledge base must set 'top' in the settings group 'interview' "
                 "(missing-setting)", id="missing-setting"),
    pytest.param([(KNOWLEDGE, "letter: {min_certainty: 0.5}", "letter: {min_certainty: 1.5}")],
                 "knowledge/knowledge.yaml:29:12: [error] settings.letter.min_certainty: 1.5 is greater than "
                 "the maximum of 1 (schema)", id="setting-out-of-range"),
    pytest.param([(PLATFORMS, "name: {en: eBay, zh: eBay}\n", "name: {en: eBay, zh: eBay}\n    letters: {review: evaluation}\n")],
                 "knowledge/platforms.yaml:16:15: [error] platform 'ebay' letters: unknown deadline 'evaluation' "
                 "(unknown-deadline)", id="platform-letters-unknown-deadline"),
    pytest.param([(PLATFORMS, "name: {en: eBay, zh: eBay}\n", "name: {en: eBay, zh: eBay}\n    letters: {messages: [follow-up]}\n")],
                 "knowledge/platforms.yaml:16:15: [error] platform 'ebay' letters: the follow-up message needs "
                 "follow_up, the deadline it waits for (schema)", id="platform-letters-follow-up-without-deadline"),
    pytest.param([(PLATFORMS, "name: {en: eBay, zh: eBay}\n", "name: {en: eBay, zh: eBay}\n    letters: {messages: [thanks]}\n")],
                 "knowledge/platforms.yaml:16:26: [error] platform 'ebay' letters: unknown message kind 'thanks' "
                 "(one of feedback-removal, atoz-withdrawal, follow-up) (unknown-message)",
                 id="platform-letters-unknown-message"),
])
def test_each_problem_is_one_exact_finding(kb_dir, edits, expected):
    result = validate(kb_dir(edits=edits))
    assert result.exit_code == 1
    assert result.output.splitlines() == [expected, "1 error(s), 0 warning(s) in 5 files"]


def test_duplicate_id_across_files_names_both(kb_dir):
    extra = ("# yaml-language-server: $schema=schemas/knowledge.schema.json\nremedies:\n"
             "  - id: restock_now\n    kind: immediate\n    text: {en: Restock., zh: 补货。}\n    sources: [src-a]\n")
    result = validate(kb_dir(files={"knowledge/zz-more.yaml": extra}))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "knowledge/zz-more.yaml:3:5: [error] duplicate remedy id 'restock_now' "
        "(first defined at knowledge/knowledge.yaml:13) (duplicate-id)",
        "1 error(s), 0 warning(s) in 6 files"]


def test_every_finding_in_one_run_sorted_by_place(kb_dir):
    root = kb_dir(edits=[
        (RULES, "    sources: [src-a]", "    sources: [src-b]"),
        (RULES, "then: {cause: chronic_stockout}", "then: {cause: chronic_stockouts}"),
        (KNOWLEDGE, "[restock_now, daily_stock_check]", "[restock_now, daily_stock_chek]"),
        (PLATFORMS, "        window: 7 days\n", ""),
    ])
    lines = validate(root).output.splitlines()
    assert [line.split(": [")[0] for line in lines[:-1]] == [
        "knowledge/knowledge.yaml:10:29", "knowledge/platforms.yaml:6:9",
        "rules/rules.yaml:8:12", "rules/rules.yaml:10:15"]
    assert lines[-1] == "4 error(s), 0 warning(s) in 5 files"


def test_json_format(kb_dir):
    root = kb_dir(edits=[(RULES, "    sources: [src-a]", "    sources: [src-b]")])
    result = validate(root, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "errors": 1, "warnings": 0, "files": 5,
        "findings": [{"path": "rules/rules.yaml", "line": 10, "column": 15, "level": "error",
                      "message": "rule 'cancel.stockout': unknown source 'src-b'; did you mean 'src-a'?",
                      "check": "unknown-source"}]}


def test_not_a_knowledge_base_is_bad_usage(tmp_path):
    result = invoke("kb", "validate", "--kb", tmp_path)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: Invalid value for '--kb': {tmp_path} is not a knowledge base: it has no knowledge and no rules folder")


def test_bad_format_is_bad_usage():
    assert invoke("kb", "validate", "--format", "xml").exit_code == 2


def test_fact_without_type_is_one_finding(kb_dir):
    extra = ("# yaml-language-server: $schema=schemas/knowledge.schema.json\nfacts:\n"
             "  - id: shop_age\n    question: {en: \"How old?\", zh: 几年？}\n    help: {en: Years., zh: 年数。}\n")
    result = validate(kb_dir(files={"knowledge/zz-more.yaml": extra}))
    assert result.output.splitlines() == [
        "knowledge/zz-more.yaml:3:5: [error] facts.0: 'type' is required (schema)",
        "1 error(s), 0 warning(s) in 6 files"]


def test_a_file_of_the_wrong_shape_is_one_finding(kb_dir):
    result = validate(kb_dir(files={"rules/more.yaml": "rules: 5\n"}))
    assert result.output.splitlines() == [
        "rules/more.yaml:1:1: [error] rules: 5 is not of type 'array' (schema)",
        "1 error(s), 0 warning(s) in 6 files"]


GENERATED_RULE = ("  - {{id: gen.r{n}, title: {{en: 'Generated {n}', zh: '生成 {n}'}}, when: [{{symptom: cancel_rate_high}}, "
                  "{{fact: out_of_stock_often, is: true}}], then: {{cause: chronic_stockout}}, certainty: 0.5, "
                  "sources: [src-a], examples: {{fires: [{{platform: amazon, cancel_rate: 4%, out_of_stock_often: yes}}], "
                  "silent: [{{platform: amazon, cancel_rate: 1%, out_of_stock_often: yes}}]}}}}\n")
ENGINE_108 = ("[error] the rule engine rejected the rules for {platform}: error: Could not create ruleset, "
              "error code: 108: more rules share one condition than the engine can join, 255 at most in a "
              "platform's ruleset; merge such rules or make their conditions differ ('diagnose run' fails the same "
              "way) (engine-limit)")


def test_a_ruleset_the_engine_refuses_is_found_by_validate_not_at_run_time(kb_dir):
    """Issue 15: 300 rules sharing their conditions (past durable-rules' 255: error 108) are valid
    YAML and schema, so only creating the ruleset finds them; validate does, naming each platform."""
    root = kb_dir(files={"rules/generated.yaml": "rules:\n" + "".join(GENERATED_RULE.format(n=n) for n in range(300))})
    result = validate(root)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"knowledge/platforms.yaml:3:5: {ENGINE_108.format(platform='amazon')}",
                                          f"knowledge/platforms.yaml:14:5: {ENGINE_108.format(platform='ebay')}",
                                          "2 error(s), 0 warning(s) in 6 files"]
    run = invoke("run", "--kb", root, "--fact", "platform=amazon", "--fact", "cancel_rate=5%")
    assert run.exit_code == 1 and "error code: 108: more rules share one condition" in run.output
    assert "Traceback" not in run.output and "internal error" not in run.output


def test_ten_thousand_rules_are_an_engine_limit_finding(minimal_kb):
    """The hostile tester's 10,000 rules, built in memory (10,000 in files take seconds to parse):
    the check `kb validate` runs reports each platform with the engine's error 108."""
    import msgspec

    from diagnose.cases import check_engine

    (rule,) = [r for r in minimal_kb.rules.values() if r.generated_from is None]
    rules = dict(minimal_kb.rules, **{f"gen.r{n}": msgspec.structs.replace(rule, id=f"gen.r{n}") for n in range(10_000)})
    findings = check_engine(msgspec.structs.replace(minimal_kb, rules=rules))
    assert [(f.path.endswith("kb_minimal/knowledge/platforms.yaml"), f.line, f.level, f.check) for f in findings] == [
        (True, 3, "error", "engine-limit"), (True, 14, "error", "engine-limit")]
    assert all("error code: 108: more rules share one condition" in f.message for f in findings)
    assert check_engine(minimal_kb) == []


def test_a_settings_group_is_set_in_one_file_only(kb_dir):
    root = kb_dir(files={"knowledge/more.yaml": "settings:\n  letter: {min_certainty: 0.6}\n"})
    result = validate(root)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == ("knowledge/more.yaml:2:3: [error] settings: the group 'letter' is set "
                                             "twice (first in knowledge/knowledge.yaml:29) (duplicate-setting)")


COUNT_FACT = """\
facts:
  - id: open_cases
    type: count
    question: {en: "How many cases are open?", zh: "有多少未结案件？"}
    help: {en: "As shown in the account.", zh: "以后台显示为准。"}
"""
VALUE_RULE = ("  - {{id: gen.v{n}, title: {{en: 'Open cases {n}', zh: '未结案件 {n}'}}, when: [{{fact: open_cases, is: {n}}}], "
              "then: {{cause: chronic_stockout}}, certainty: 0.5, sources: [src-a], "
              "examples: {{fires: [{{platform: amazon, open_cases: {n}}}], silent: [{{platform: amazon, open_cases: 9999}}]}}}}\n")


def test_a_ruleset_the_engine_would_hang_on_is_a_finding_not_a_hang(kb_dir):
    """513 rules each testing another value of one fact: durable-rules never returns from creating
    that ruleset (durable-rules-notes §2.8), so validate counts the values instead of trying."""
    root = kb_dir(files={"knowledge/open_cases.yaml": COUNT_FACT,
                         "rules/generated.yaml": "rules:\n" + "".join(VALUE_RULE.format(n=n) for n in range(513))})
    done = subprocess.run([sys.executable, "-m", "diagnose", "kb", "validate", "--kb", str(root)], cwd=root,
                          capture_output=True, text=True, timeout=120)  # a hang fails here, not the whole run
    assert done.returncode == 1, done.stderr
    hang = ("[error] the rules for {} test 513 different values of fact 'open_cases'; the rule engine hangs creating a "
            "ruleset that tests 512 or more: split such rules or test ranges instead ('diagnose run' fails the same "
            "way) (engine-limit)")
    assert done.stdout.splitlines() == [f"knowledge/platforms.yaml:3:5: {hang.format('amazon')}",
                                        f"knowledge/platforms.yaml:14:5: {hang.format('ebay')}",
                                        "2 error(s), 0 warning(s) in 7 files"]
    run = subprocess.run([sys.executable, "-m", "diagnose", "run", "--kb", str(root), "--fact", "platform=amazon"],
                         cwd=root, capture_output=True, text=True, timeout=120)  # refused, not hung
    assert run.returncode == 1 and "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert run.stderr.startswith("Error: the rules for amazon test 513 different values of fact 'open_cases'")
