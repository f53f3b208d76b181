"""`diagnose kb lint`: every check on a small knowledge base, with exact text and location."""
import json

import pytest

from conftest import ROOT
from diagnose.lint import CHECKS, CHECK_IDS
from kb_fixture import invoke, make_kb

RUNNABLE = [check for check in CHECKS if check.examples_run]
K = "# yaml-language-server: $schema=schemas/knowledge.schema.json\n"
R = "# yaml-language-server: $schema=../knowledge/schemas/rules.schema.json\n"


def lint(root, *extra):
    return invoke("kb", "lint", "--kb", root, *extra)


def test_minimal_knowledge_base_is_clean(kb_dir):
    result = lint(kb_dir(), "--strict")
    assert (result.exit_code, result.output) == (0, "0 error(s), 0 warning(s)\n")


def test_shipped_knowledge_has_no_lint_errors():
    result = invoke("kb", "lint", "--kb", ROOT, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["errors"] == 0


@pytest.mark.parametrize("check", RUNNABLE, ids=lambda c: c.id)
def test_failing_example_reports_and_passing_example_does_not(kb_dir, tmp_path, check):
    failing = lint(kb_dir(files=check.failing), "--format", "json")
    assert check.id in {f["check"] for f in json.loads(failing.output)["findings"]}
    passing_base = tmp_path / "passing"
    passing_base.mkdir()
    passing = lint(make_kb(passing_base, files=check.passing), "--format", "json")
    assert check.id not in {f["check"] for f in json.loads(passing.output)["findings"]}


# The exact output of each check on its failing example (other checks' findings included).
EXPECTED = {
    "contradictory-conditions": [
        "rules/example.yaml:7:9: [error] rule 'cancel.never' can never fire: fact 'platform' cannot meet "
        "platform is \"amazon\"; platforms [ebay] (contradictory-conditions)",
        "rules/example.yaml:8:9: [error] rule 'cancel.never' can never fire: fact 'cancel_rate' cannot meet "
        "cancel_rate above 0.05; cancel_rate below 0.03 (contradictory-conditions)",
        "2 error(s), 0 warning(s)"],
    "underived-symptom": [
        "rules/example.yaml:6:9: [error] rule 'refunds.stockout' tests symptom 'refund_rate_high', "
        "which is not derived by any rule or threshold (underived-symptom)",
        "1 error(s), 0 warning(s)"],
    "negated-derived-symptom": [
        "rules/example.yaml:7:9: [error] rule 'stockout.without_cancellations' requires symptom 'cancel_rate_high' "
        "to be absent, but rules derive it: the rule may fire before it is derived (negated-derived-symptom)",
        "1 error(s), 0 warning(s)"],
    "derivation-cycle": [
        "rules/example.yaml:6:5: [error] symptoms derive each other in a cycle: cancel_rate_high ⇒ stock_trouble "
        "⇒ cancel_rate_high (rules cycle.one, cycle.two) (derivation-cycle)",
        "1 error(s), 0 warning(s)"],
    "shadowed-rule": [
        "rules/rules.yaml:3:5: [error] rule 'cancel.stockout' repeats rule 'cancel.stockout_copy' "
        "(rules/example.yaml:3): same conditions, platforms and conclusion (shadowed-rule)",
        "1 error(s), 0 warning(s)"],
    "unused-fact": [
        "knowledge/example.yaml:3:5: [warning] fact 'shop_age_years' is used by no rule, threshold, computed rate, deadline or letter "
        "(unused-fact)",
        "0 error(s), 1 warning(s)"],
    "single-symptom-reach": [
        "rules/rules.yaml:7:9: [warning] fact 'out_of_stock_often' reaches cause 'chronic_stockout' only through "
        "symptom 'cancel_rate_high'; the cause also explains late_shipment_high (single-symptom-reach)",
        "0 error(s), 1 warning(s)"],
    "unconcluded-cause": [
        "knowledge/example.yaml:3:5: [warning] cause 'slow_supplier' is concluded by no rule (unconcluded-cause)",
        "0 error(s), 1 warning(s)"],
    "cause-remedies": [
        "knowledge/example.yaml:3:5: [warning] cause 'stock_counted_wrong' is concluded by no rule (unconcluded-cause)",
        "knowledge/example.yaml:7:5: [error] cause 'stock_counted_wrong' has no preventive remedy (cause-remedies)",
        "1 error(s), 1 warning(s)"],
    "remedy-letter": [
        "knowledge/knowledge.yaml:13:5: [error] remedy 'restock_now' reaches the letters (amazon, ebay) through "
        "cause 'chronic_stockout' but has no letter wording: add letter: {en, zh} (remedy-letter)",
        "1 error(s), 0 warning(s)"],
    "remedy-plan": [
        "knowledge/knowledge.yaml:16:5: [error] remedy 'restock_now' has letter wording but no plan: a case that "
        "plans it by a date would show its advice; add plan: {en, zh} (remedy-plan)",
        "1 error(s), 0 warning(s)"],
    "unused-remedy": [
        "knowledge/example.yaml:3:5: [warning] remedy 'call_support' is listed by no cause (unused-remedy)",
        "0 error(s), 1 warning(s)"],
    "unused-source": [
        "knowledge/example.yaml:3:5: [warning] source 'src-b' is cited by nothing (unused-source)",
        "0 error(s), 1 warning(s)"],
    "translation": [
        "knowledge/example.yaml:4:5: [warning] 'slow_replies' title: the English and Chinese texts are the same "
        "(translation)",
        "0 error(s), 1 warning(s)"],
    "glossary": [
        "knowledge/example.yaml:10:5: [warning] 'handling_time_short' title: the Chinese text has the English word "
        "'Central' (not a glossary term) (glossary)",
        "knowledge/example.yaml:10:5: [warning] 'handling_time_short' title: the Chinese text has the English word "
        "'Seller' (not a glossary term) (glossary)",
        "knowledge/example.yaml:10:5: [warning] 'handling_time_short' title: the Chinese text says '备货时间' for "
        "handling time: the glossary's term is '处理时间' (handling_time) (glossary)",
        "0 error(s), 3 warning(s)"],
    "fact-terms": [
        "knowledge/example.yaml:8:5: [warning] fact 'slow_replies' has no short Chinese name: give it "
        "`term: {zh: ...}` or name it in a glossary term's `facts` (fact-terms)",
        "knowledge/example.yaml:8:5: [warning] fact 'slow_replies' is used by no rule, threshold, computed rate, "
        "deadline or letter (unused-fact)",
        "knowledge/example.yaml:12:5: [warning] fact 'orders_7d' is used by no rule, threshold, computed rate, "
        "deadline or letter (unused-fact)",
        "knowledge/example.yaml:16:5: [warning] fact 'orders_7d': its term '最近 7 天有多少订单？' reads as a sentence, "
        "not a name (at most 18 characters, no sentence punctuation) (fact-terms)",
        "0 error(s), 4 warning(s)"],
    "schema-modeline": [
        "knowledge/example.yaml:1:1: [warning] no schema line; add "
        "'# yaml-language-server: $schema=schemas/knowledge.schema.json' as the first line (schema-modeline)",
        "0 error(s), 1 warning(s)"],
}


def test_every_runnable_check_has_an_exact_expectation():
    assert sorted(EXPECTED) == sorted(check.id for check in RUNNABLE)


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_exact_findings_of_each_failing_example(kb_dir, check_id):
    result = lint(kb_dir(files=CHECK_IDS[check_id].failing))
    assert result.output.splitlines() == EXPECTED[check_id]
    errors = any("[error]" in line for line in EXPECTED[check_id])
    assert result.exit_code == (1 if errors else 0)


@pytest.mark.parametrize("text,expected", [
    ('title: {en: "Buyer messages wait too long", zh: " "}', "the Chinese text is blank"),
    ('title: {en: "Buyer messages wait too long", zh: "Buyer messages wait"}', "the Chinese text has no Chinese characters"),
])
def test_translation_variants(kb_dir, text, expected):
    extra = K + "symptoms:\n  - id: slow_replies\n    " + text + "\n"
    result = lint(kb_dir(files={"knowledge/example.yaml": extra}))
    assert result.output.splitlines()[0] == (
        f"knowledge/example.yaml:4:5: [warning] 'slow_replies' title: {expected} (translation)")


def test_names_may_be_the_same_in_both_languages(kb_dir):
    # the fixture's eBay platform is named {en: eBay, zh: eBay}: a name, not a phrase
    assert lint(kb_dir(), "--strict").exit_code == 0


@pytest.mark.parametrize("edit,expected", [
    (("rules/rules.yaml", "../knowledge/schemas/rules.schema.json", "../knowledge/schemas/knowledge.schema.json"),
     "rules/rules.yaml:1:1: [warning] the schema line names '../knowledge/schemas/knowledge.schema.json'; a rules "
     "file needs rules.schema.json ('../knowledge/schemas/rules.schema.json') (schema-modeline)"),
    (("knowledge/facts.yaml", "$schema=schemas/knowledge", "$schema=schema/knowledge"),
     "knowledge/facts.yaml:1:1: [warning] the schema line names 'schema/knowledge.schema.json', which does not "
     "exist; use 'schemas/knowledge.schema.json' (schema-modeline)"),
])
def test_schema_line_must_name_the_right_existing_schema(kb_dir, edit, expected):
    result = lint(kb_dir(edits=[edit]))
    assert result.output.splitlines() == [expected, "0 error(s), 1 warning(s)"]


def test_contradiction_with_an_unknown_test_and_a_negated_symptom(kb_dir):
    rule = R + """rules:
  - id: odd.rule
    title: {en: "Odd rule", zh: "奇怪的规则"}
    when:
      - {symptom: cancel_rate_high}
      - {not: {symptom: cancel_rate_high}}
      - {fact: cancel_rate, known: true}
      - {not: {fact: cancel_rate, known: true}}
    then: {cause: chronic_stockout}
    sources: [src-a]
    examples:
      fires: [{platform: amazon, cancel_rate: 4%}]
      silent: [{platform: amazon, cancel_rate: 1%}]
"""
    result = lint(kb_dir(files={"rules/example.yaml": rule}))
    assert result.output.splitlines() == [
        "rules/example.yaml:6:9: [error] rule 'odd.rule' can never fire: symptom 'cancel_rate_high' cannot meet "
        "symptom cancel_rate_high; not (symptom cancel_rate_high) (contradictory-conditions)",
        "rules/example.yaml:7:9: [error] rule 'odd.rule' requires symptom 'cancel_rate_high' to be absent, but rules "
        "derive it: the rule may fire before it is derived (negated-derived-symptom)",
        "rules/example.yaml:8:9: [error] rule 'odd.rule' can never fire: fact 'cancel_rate' cannot meet "
        "cancel_rate is known; not (cancel_rate is known) (contradictory-conditions)",
        "3 error(s), 0 warning(s)"]


def test_value_outside_the_facts_range_can_never_hold(kb_dir):
    edit = ("rules/rules.yaml", "{fact: out_of_stock_often, is: true}", "{fact: cancel_rate, below: 0}")
    result = lint(kb_dir(edits=[edit]))
    assert ("rules/rules.yaml:7:9: [error] rule 'cancel.stockout' can never fire: fact 'cancel_rate' cannot meet "
            "cancel_rate below 0.0 (contradictory-conditions)") in result.output.splitlines()


def test_symptom_derived_only_on_other_platforms(kb_dir):
    edit = ("rules/rules.yaml", "    when:\n", "    platforms: [ebay]\n    when:\n")
    result = lint(kb_dir(edits=[edit]))
    assert result.output.splitlines()[0] == (
        "rules/rules.yaml:7:9: [error] rule 'cancel.stockout' tests symptom 'cancel_rate_high', which is not "
        "derived only on amazon, which the rule does not apply to (underived-symptom)")


# --- the durable-rules limits: real knowledge bases just past the warning level ---------------

def _rules(count, condition, then="{symptom: cancel_rate_high}"):
    body = "".join(f"""  - id: gen.r{i}
    title: {{en: "Generated rule {i}", zh: "生成的规则 {i}"}}
    when: [{condition(i)}]
    then: {then}
    sources: [src-a]
    examples: {{fires: [{{platform: amazon}}], silent: [{{platform: amazon}}]}}
""" for i in range(count))
    return R + "rules:\n" + body


@pytest.mark.parametrize("count,warned", [(32, True), (30, False)])
def test_engine_fact_conditions(kb_dir, count, warned):
    # the threshold rule's 'cancel_rate at least 2.5%' makes one more condition a 40% rate meets
    rules = _rules(count, lambda i: f"{{fact: cancel_rate, above: {i + 1}%}}")
    lines = lint(kb_dir(files={"rules/generated.yaml": rules})).output.splitlines()
    expected = ("knowledge/facts.yaml:19:5: [warning] amazon: one value of fact 'cancel_rate' satisfies 33 distinct "
                "rule conditions (durable-rules fails past 64) (engine-fact-conditions)")
    assert (expected in lines) is warned
    assert any("engine-fact-conditions" in line for line in lines) is warned


def test_engine_identical_conditions(kb_dir):
    rules = _rules(127, lambda i: "{fact: out_of_stock_often, is: true}")
    lines = lint(kb_dir(files={"rules/generated.yaml": rules})).output.splitlines()
    assert ("knowledge/platforms.yaml:3:5: [warning] amazon: 128 rule conditions are identical "
            '({"$and": [{"$ex": {"out_of_stock_often": 1}}, {"out_of_stock_often": true}]}); durable-rules hangs past 255 '
            "(engine-identical-conditions)") in lines
    assert ("knowledge/platforms.yaml:14:5: [warning] ebay: 128 rule conditions are identical "
            '({"$and": [{"$ex": {"out_of_stock_often": 1}}, {"out_of_stock_often": true}]}); durable-rules hangs past 255 '
            "(engine-identical-conditions)") in lines


def test_engine_property_values(kb_dir):
    facts = K + "facts:\n" + "".join(
        f"  - {{id: signal_{i}, type: bool, question: {{en: 'Signal {i}?', zh: '信号 {i}？'}}, "
        f"help: {{en: 'Signal {i}.', zh: '信号 {i}。'}}}}\n" for i in range(252))
    rules = _rules(252, lambda i: f"{{fact: signal_{i}, is: true}}")
    lines = lint(kb_dir(files={"knowledge/signals.yaml": facts, "rules/generated.yaml": rules})).output.splitlines()
    # 252 signals + platform, fulfilment, cancel_rate, out_of_stock_often, the symptom and the absence
    # marker of the negated "fulfilment is platform": 258 names on amazon
    assert ("knowledge/platforms.yaml:3:5: [warning] amazon: the ruleset tests 258 different names of facts, "
            "symptoms and negated fact conditions; durable-rules hangs at 512 (engine-property-values)") in lines
    assert not any("ebay: the ruleset tests" in line for line in lines)  # 253 on ebay: no threshold rule


REMEDY_LETTER = CHECK_IDS["remedy-letter"]
_RESTOCK_LETTER = '    letter: {en: "We restocked every item that had run short.", zh: "我们已为所有缺货商品补货。"}\n'
_RESTOCK_PLAN = '    plan: {en: "we will restock every item that has run short", zh: "我们将为所有缺货商品补货"}\n'


@pytest.mark.parametrize("platforms,reported", [
    ("[ebay]", "(ebay)"),  # a platform that takes letters: reported for it alone
    ("[amazon, ebay]", "(amazon, ebay)"),
])
def test_remedy_letter_names_the_platforms_it_reaches(kb_dir, platforms, reported):
    knowledge = REMEDY_LETTER.failing["knowledge/knowledge.yaml"].replace(
        "  - id: restock_now\n", f"  - id: restock_now\n    platforms: {platforms}\n")
    lines = lint(kb_dir(files={**REMEDY_LETTER.failing, "knowledge/knowledge.yaml": knowledge})).output.splitlines()
    assert [line for line in lines if "(remedy-letter)" in line] == [
        f"knowledge/knowledge.yaml:13:5: [error] remedy 'restock_now' reaches the letters {reported} through cause "
        "'chronic_stockout' but has no letter wording: add letter: {en, zh} (remedy-letter)"]


def test_remedy_letter_needs_a_platform_that_takes_letters(kb_dir):
    knowledge = REMEDY_LETTER.failing["knowledge/knowledge.yaml"]
    without_templates = lint(kb_dir(files={"knowledge/knowledge.yaml": knowledge}), "--format", "json")
    assert "remedy-letter" not in {f["check"] for f in json.loads(without_templates.output)["findings"]}


def test_remedy_letter_skips_a_remedy_no_cause_lists(kb_dir):
    knowledge = REMEDY_LETTER.failing["knowledge/knowledge.yaml"]
    unlisted = knowledge.replace("remedies: [restock_now, daily_stock_check]", "remedies: [daily_stock_check, restock_soon]")
    unlisted = unlisted.replace("  - id: daily_stock_check\n", "  - id: restock_soon\n    kind: immediate\n"
                                "    text: {en: \"Restock soon.\", zh: \"尽快补货。\"}\n" + _RESTOCK_LETTER
                                + _RESTOCK_PLAN + "    sources: [src-a]\n  - id: daily_stock_check\n")
    found = json.loads(lint(kb_dir(files={**REMEDY_LETTER.failing, "knowledge/knowledge.yaml": unlisted}),
                            "--format", "json").output)["findings"]
    assert [f["check"] for f in found] == ["unused-remedy"]  # listed by no cause: no letter states it



REMEDY_PLAN = CHECK_IDS["remedy-plan"]


def _planned(plan, remedy="restock_now"):
    """The remedy-plan passing example with ``plan`` in place of restock_now's, on ``remedy``."""
    knowledge = REMEDY_PLAN.passing["knowledge/knowledge.yaml"].replace(_RESTOCK_PLAN, "")
    anchor = f"  - id: {remedy}\n"
    head, _, tail = knowledge.partition(anchor)
    sources = tail.index("    sources:")
    return {**REMEDY_PLAN.passing, "knowledge/knowledge.yaml": head + anchor + tail[:sources] + plan + tail[sources:]}


@pytest.mark.parametrize("plan,message", [
    ('    plan: {en: "We will restock every item that has run short", zh: "我们将为所有缺货商品补货"}\n',
     "12: [error] remedy 'restock_now' plan (en) starts with a capital letter: it follows \"By <date>,\" in the letter "
     "(\"we will ...\")"),
    ('    plan: {en: "we will restock every item that has run short.", zh: "我们将为所有缺货商品补货"}\n',
     "12: [error] remedy 'restock_now' plan (en) ends with '.': the letter ends the sentence itself"),
    ('    plan: {en: "we will restock every item that has run short", zh: "我们将为所有缺货商品补货。"}\n',
     "65: [error] remedy 'restock_now' plan (zh) ends with '。': the letter ends the sentence itself"),
    ("    plan: {en: \"{% if platform == 'ebay' %}On eBay we will restock{% else %}we will restock{% endif %}\", "
     "zh: \"我们将补货\"}\n",
     "12: [error] remedy 'restock_now' plan (en) starts with a capital letter: it follows \"By <date>,\" in the letter "
     "(\"we will ...\")"),
])
def test_remedy_plan_wording_follows_the_date_phrase(kb_dir, plan, message):
    lines = lint(kb_dir(files=_planned(plan))).output.splitlines()
    assert lines == [f"knowledge/knowledge.yaml:17:{message} (remedy-plan)", "1 error(s), 0 warning(s)"]


def test_remedy_plan_reads_past_template_tags(kb_dir):
    plan = ("    plan: {en: \"{% set what = 'every item' %}we will restock {{ what }}{% if platform == 'ebay' %} on eBay"
            "{% endif %}\", zh: \"我们将补货\"}\n")
    assert lint(kb_dir(files=_planned(plan)), "--strict").output == "0 error(s), 0 warning(s)\n"


def test_remedy_plan_asks_a_preventive_remedy_only_when_a_case_can_plan_it(kb_dir):
    files = REMEDY_PLAN.passing  # daily_stock_check: preventive, with letter wording, needs nothing: not asked
    knowledge = files["knowledge/knowledge.yaml"].replace(
        "  - id: daily_stock_check\n    kind: preventive\n",
        "  - id: daily_stock_check\n    kind: preventive\n    needs: [{fact: out_of_stock_often, is: true}]\n")
    found = json.loads(lint(kb_dir(files={**files, "knowledge/knowledge.yaml": knowledge}), "--format", "json").output)
    assert [(f["check"], f["message"].split(":")[0]) for f in found["findings"] if f["check"] == "remedy-plan"] == [
        ("remedy-plan", "remedy 'daily_stock_check' has letter wording but no plan")]


# --- suppressions, --strict, --list, --explain -----------------------------------------------

UNUSED_FACT = {"knowledge/example.yaml": CHECK_IDS["unused-fact"].failing["knowledge/example.yaml"]}


def _with_lint_file(text):
    return dict(UNUSED_FACT, **{"knowledge/lint.yaml": "# yaml-language-server: $schema=schemas/lint.schema.json\n"
                                                       + text})


def test_warnings_fail_only_with_strict(kb_dir):
    root = kb_dir(files=UNUSED_FACT)
    assert lint(root).exit_code == 0
    assert lint(root, "--strict").exit_code == 1


def test_suppression_with_a_reason_silences_one_finding(kb_dir):
    root = kb_dir(files=_with_lint_file(
        'suppress:\n  - {check: unused-fact, id: shop_age_years, reason: "asked by the interview only"}\n'))
    result = lint(root, "--strict")
    assert (result.exit_code, result.output) == (0, "0 error(s), 0 warning(s)\n")


def test_lint_file_is_not_knowledge(kb_dir):
    root = kb_dir(files=_with_lint_file(
        'suppress:\n  - {check: unused-fact, id: shop_age_years, reason: "asked by the interview only"}\n'))
    assert invoke("kb", "validate", "--kb", root).exit_code == 0


@pytest.mark.parametrize("text,expected", [
    ('suppress:\n  - {check: unused-fact, id: shop_age_years}\n',
     "knowledge/lint.yaml:3:5: [error] suppress.0: 'reason' is required (schema)"),
    ('suppress:\n  - {check: unused-fact, id: shop_age_years, reason: " "}\n',
     "knowledge/lint.yaml:3:46: [error] suppress.0.reason: ' ' does not match '\\\\S' (schema)"),
    ('suppress:\n  - {check: unused-facts, id: shop_age_years, reason: "interview only"}\n',
     "knowledge/lint.yaml:3:6: [error] suppress.0: unknown check 'unused-facts'; did you mean 'unused-fact'? "
     "(suppression)"),
])
def test_bad_suppressions_are_errors(kb_dir, text, expected):
    result = lint(kb_dir(files=_with_lint_file(text)))
    assert result.exit_code == 1
    assert expected in result.output.splitlines()


def test_suppression_that_matches_nothing_is_reported(kb_dir):
    root = kb_dir(files={"knowledge/lint.yaml": "# yaml-language-server: $schema=schemas/lint.schema.json\n"
                         'suppress:\n  - {check: unused-fact, id: gone_fact, reason: "was asked once"}\n'})
    assert lint(root).output.splitlines() == [
        "knowledge/lint.yaml:3:1: [warning] the suppression of unused-fact for 'gone_fact' matches no finding "
        "(unused-suppression)",
        "0 error(s), 1 warning(s)"]


def test_list_shows_every_check():
    lines = invoke("kb", "lint", "--list").output.splitlines()
    assert [line.split()[0] for line in lines] == [check.id for check in CHECKS]
    assert lines[0].split()[1] == "error"


def test_explain_shows_the_examples():
    result = invoke("kb", "lint", "--explain", "cause-remedies")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:3] == [
        "cause-remedies (error)",
        "A cause without both an immediate and a preventive remedy: a Plan of Action needs both.",
        'Suppress with: {check: cause-remedies, id: <the cause id>, reason: "..."} in knowledge/lint.yaml']
    assert "FAIL: knowledge/example.yaml" in lines and "PASS: knowledge/example.yaml" in lines
    assert "    remedies: [restock_now]" in lines


def test_explain_unknown_check_is_bad_usage():
    result = invoke("kb", "lint", "--explain", "unused-facts")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--explain': unknown check 'unused-facts'; did you mean 'unused-fact'?")


def test_lint_of_a_broken_knowledge_base_points_to_validate(kb_dir):
    root = kb_dir(edits=[("rules/rules.yaml", "    sources: [src-a]", "    sources: [src-b]")])
    result = lint(root)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: the knowledge base has 1 error(s); run 'diagnose kb validate' for all findings")


def test_glossary_reads_chinese_letter_templates_by_line_and_column(tmp_path, monkeypatch):
    from diagnose.knowledge import load_knowledge
    from diagnose.lint import CHECK_IDS
    from diagnose.lint.base import LintContext

    letters = tmp_path / "knowledge" / "letters"
    letters.mkdir(parents=True)
    (letters / "note.zh.txt.j2").write_text(
        "{# 模板说明 #}\n收件：{{ platform_name }}\n我们已把备货时间改长，{% if x %}Seller Support{% endif %}。\n",
        encoding="utf-8")
    (letters / "note.en.txt.j2").write_text("Seller Support\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # "Seller" is in a glossary term (卖家绩效团队（Seller Performance）), "Support" is not
    findings = CHECK_IDS["glossary"].run(LintContext(load_knowledge(ROOT), tmp_path))
    assert [str(f.finding) for f in findings] == [
        "knowledge/letters/note.zh.txt.j2:3:5: [warning] the Chinese template says '备货时间' for handling "
        "time: the glossary's term is '处理时间' (handling_time) (glossary)",
        "knowledge/letters/note.zh.txt.j2:3:29: [warning] the Chinese template has the English word "
        "'Support' (not a glossary term) (glossary)"]


def test_a_fact_s_own_term_is_read_by_the_glossary_check(kb_dir):
    glossary = K + "glossary:\n  - id: handling_time\n    term: {en: handling time, zh: 处理时间}\n    avoid: [备货时间]\n"
    root = kb_dir(files={"knowledge/glossary.yaml": glossary}, edits=[
        ("knowledge/facts.yaml", "term: {zh: 经常断货}", "term: {zh: 备货时间太短}")])
    lines = lint(root).output.splitlines()
    assert ("knowledge/facts.yaml:29:5: [warning] 'out_of_stock_often' term: the Chinese text says '备货时间' for "
            "handling time: the glossary's term is '处理时间' (handling_time) (glossary)") in lines, lines
