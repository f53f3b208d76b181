"""`diagnose interview` through Click's CliRunner with scripted answers.

The dialog tests run on a small fixed knowledge base (tests/fixtures/kb_interview), whose questions
come in a known order, so they assert exact prompts: after the platform and the notice (cancellation
rate), the interview asks for the rate the notice names, then whether items are often out of stock,
then "anything else?". A few tests run on the shipped knowledge and check properties only.
"""
import json
import re

import pytest
import yaml
from click.testing import CliRunner

from diagnose.api import get_diagnoser
from diagnose.cli import cli

# Answers for a seller whose cancellations come from stock-outs; each question is answered from
# this table (a missing fact is skipped), so the script does not depend on the question order.
STOCKOUT = {"platform": "amazon", "notice_reason": "3", "out_of_stock_often": "yes", "fulfilment": "seller",
            "actions": "1"}

OUT_OF_STOCK = "Are listed items often out of stock?"
RATE = "What is the cancellation rate?"


@pytest.fixture(scope="session")
def small(small_kb):
    """A diagnoser on the interview fixture knowledge base."""
    return get_diagnoser(small_kb)


def invoke(args, lines):
    return CliRunner().invoke(cli, ["interview", *map(str, args)], input="".join(f"{line}\n" for line in lines))


def questions(output):
    """The question texts shown, in order."""
    return re.findall(r"^(?:Q\d+\.|问题 \d+：) ?(.*)$", output, flags=re.M)


class Oracle:
    """Answers each question from a table (fact id → input; "skip" for facts not in it) by replaying
    the interview with one more input each time, so the test does not depend on the order the
    strategy picks."""

    def __init__(self, kb, tmp_path, answers):
        self.kb, self.answers = kb, answers
        self.path = tmp_path / "case.yaml"

    def run(self):
        lines = []
        for _ in range(80):
            self.path.unlink(missing_ok=True)
            result = invoke(["--save", self.path], lines)
            if result.exit_code == 0:
                return result
            fact = self._fact(questions(result.output)[-1])
            lines.append(self.answers.get(fact, "skip"))
        raise AssertionError("the interview did not end:\n" + result.output)

    def _fact(self, text):
        if text == self.kb.message("interview.anything_else", "en"):
            return "anything_else"
        if text == self.kb.message("interview.actions", "en"):
            return "actions"
        if text == self.kb.message("interview.metrics", "en"):
            return "metrics"
        return next(f.id for f in self.kb.facts.values() if f.question["en"] == text)


@pytest.mark.slow
def test_full_interview_ends_with_the_run_output(kb, tmp_path):
    oracle = Oracle(kb, tmp_path, STOCKOUT)
    result = oracle.run()
    assert result.exit_code == 0, result.output
    assert "No remaining question can change the top three causes." in result.output
    saved = yaml.safe_load(oracle.path.read_text())
    assert saved["platform"] == "amazon" and saved["notice_reason"] == "cancel_rate"
    assert saved["out_of_stock_often"] is True
    assert saved["unknown"], "skipped questions go to the unknown list"
    assert questions(result.output)[-1] == kb.message("interview.actions", "en")
    offered = re.findall(r"^  1\. (.*)$", result.output.split(kb.message("interview.actions", "en"))[1], flags=re.M)[0]
    diagnosis = json.loads(CliRunner().invoke(cli, ["run", str(oracle.path), "--format", "json"]).stdout)
    immediate = [r["id"] for c in diagnosis["causes"][:3] for r in c["remedies"] if r["text"] == offered]
    assert saved["actions_done"] == immediate[:1] and immediate
    run = CliRunner().invoke(cli, ["run", str(oracle.path)])
    assert run.exit_code == 0
    body = result.output.split("No remaining question can change the top three causes. The diagnosis:\n", 1)[1]
    assert body.startswith(run.output)
    assert body[len(run.output):].startswith(f"The case is saved in {oracle.path}")
    first = questions(result.output)
    assert first[0] == kb.facts["platform"].question["en"]
    assert first[1] == kb.facts["notice_reason"].question["en"]
    assert len(first) < len(kb.facts)
    letter = CliRunner().invoke(cli, ["letter", str(oracle.path)])  # the saved case drafts a letter
    assert letter.exit_code == 0, letter.output
    assert "Listed items are often out of stock" in letter.stdout


def test_why_on_the_shipped_knowledge_names_real_rules(kb, tmp_path):
    result = invoke(["--save", tmp_path / "c.yaml"], ["why", "amazon", "cancel_rate", "skip", "skip", "why", "why"])
    assert "Every rule and every target depends on the marketplace" in result.output
    why = result.output.split("WHY: ", 1)[1]
    rules = re.findall(r"^rule (\S+) \(\d+%\)", why, flags=re.M)
    assert rules and all(rule in kb.rules for rule in rules)
    causes = re.findall(r"^WHY \(the goal\): .* \[(\S+)\] may still", why, flags=re.M)
    assert causes and all(cause in kb.causes for cause in causes)


def kb_message(message_id, lang="en"):
    from diagnose.knowledge import load_knowledge

    return load_knowledge().message(message_id, lang)


def small_invoke(small_kb, args, lines):
    return invoke(["--kb", small_kb, *args], lines)


def test_why_shows_the_rule_then_climbs_one_level_each_time(small_kb, tmp_path):
    result = small_invoke(small_kb, ["--save", tmp_path / "c.yaml"], ["why", "amazon", "1", "why", "4%", "why", "why",
                                                                      "why", "done"])
    assert questions(result.output)[:4] == ["Which marketplace?", "What does the notice name?", RATE, OUT_OF_STOCK]
    assert "Every rule and every target depends on the marketplace" in result.output
    figure, rule, goal, end = re.findall(r"^((?:WHY|That is the interview).*?)\n> ", result.output, flags=re.M | re.S)
    assert figure.startswith('WHY: the notice names this metric, so "What is the cancellation rate?" is asked')
    assert rule == """WHY: "Are listed items often out of stock?" decides a condition of this rule:
rule cancel.stockout (80%): Cancellations come from stock-outs
  ✓ symptom: Cancellation rate over the target [cancel_rate_high]
  ? "Are listed items often out of stock?" is yes
If every condition holds, it concludes cause: Listed items are often out of stock [chronic_stockout] with certainty 80%.
(✓ holds  ✗ does not hold  ? not known yet; type why again to go one step up)"""
    assert goal == """WHY (the goal): Listed items are often out of stock [chronic_stockout] may still enter or move in the top three: \
now 0%, could end between 0% and 80%.
The top three now: none yet."""
    assert end.startswith("That is the interview's goal: the top three causes")


def test_why_never_runs_past_15_lines(kb):
    """At every question of every scenario's oracle interview, why and each level above it."""
    from diagnose.api import get_diagnoser
    from diagnose.cases import scenario_files
    from diagnose.interview import Explainer, Session
    from diagnose.yamlsafe import load_yaml
    from conftest import SCENARIOS

    diagnoser = get_diagnoser()
    longest = 0
    for path in scenario_files(SCENARIOS):
        facts = dict(load_yaml(str(path))["facts"])
        session = Session(diagnoser)
        while (question := session.next_question()) is not None:
            for lang in ("en", "zh"):
                for level in range(4):
                    longest = max(longest, len(Explainer(session, lang).why(question, level).splitlines()))
            if question.kind == "anything_else":
                session.answer_anything_else([], question.deferred)
            elif question.kind == "metrics":
                session.answer_metrics([], question.deferred)
            elif question.fact.id in facts:
                session.answer(question.fact.id, facts[question.fact.id])
            else:
                session.skip(question.fact.id)
    assert 3 <= longest <= 15


def test_how_explains_a_cause_at_any_prompt_and_in_run(kb, tmp_path):
    path = tmp_path / "c.yaml"
    result = invoke(["--save", path], ["amazon", "cancel_rate", "4%", "yes", "how", "how 2", "how chronic_stockout",
                                       "how nonsense", "done"])
    out = result.output
    heading = "HOW: Listed items are often out of stock [chronic_stockout] is cause 1 with certainty"
    assert out.count(heading) == 2
    assert "- rule cancel.chronic_stockout (85%)" in out and "because Do listed items often turn out to be out of stock when an order arrives? yes" in out
    assert "There is no cause nonsense; type how with a cause id or its rank" in out
    run = CliRunner().invoke(cli, ["run", str(path), "--explain", "chronic_stockout"])
    assert run.exit_code == 0 and run.output.startswith(heading) and len(run.output.splitlines()) <= 15
    bad = CliRunner().invoke(cli, ["run", str(path), "--explain", "nonsense"])
    assert bad.exit_code == 2 and "--explain: unknown cause 'nonsense'" in bad.output


def test_help_shows_help_text_units_and_accepted_values(small_kb, tmp_path):
    result = small_invoke(small_kb, ["--save", tmp_path / "c.yaml", "--platform", "amazon"], ["help", "1", "4%", "help"])
    assert "About this question (notice_reason):\nPick the reason given in the notice.\n" \
           "Accepted answers: one of the listed options" in result.output
    assert "  4. something else (other)" in result.output
    assert "About this question (out_of_stock_often):\nYes if orders arrive for items not in stock.\n" \
           "Accepted answers: yes or no" in result.output


def test_help_on_a_count_shows_its_unit_and_example(small):
    said, _ = dialog(small, [("platform", "amazon"), ("notice_reason", "cancel_rate"), ("cancel_rate", None),
                             ("orders_7d", 40)], ["help"])
    assert "Q5. How many of them were cancelled?" in said
    assert "About this question (cancelled_orders_7d):\nThe numerator of the cancellation rate.\n" \
           "Accepted answers: a whole number, 0 or more.\nUnit: orders.\nExample: 3" in said


# After the platform and notice "other": who ships, the late shipment rate, then the cancellation rate.
OTHER = ["amazon", "4", "seller", "skip"]


@pytest.mark.parametrize("raw", ["3.1%", "0.031", "3.1 %"])
def test_rates_as_percent_or_fraction(small_kb, tmp_path, raw):
    path = tmp_path / "c.yaml"
    result = small_invoke(small_kb, ["--save", path], [*OTHER, raw, "done"])
    assert "Q5. What is the cancellation rate?" in result.output
    assert yaml.safe_load(path.read_text())["cancel_rate"] == 0.031, result.output


def test_bad_answers_are_asked_again_with_the_reason(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    result = small_invoke(small_kb, ["--save", path], ["mars", "0", "amazon", "5", "", "1", "4%", "maybe", "yes", "done"])
    out = result.output
    assert ("That answer does not fit: got 'mars'; expected one of the listed options: its number, its name or "
            "its value. Try again") in out
    assert "got '0'" in out and "got '5'" in out and "no value given" in out
    assert "That answer does not fit: got 'maybe'; expected yes or no (y / n). Try again" in out
    assert questions(out)[:4] == ["Which marketplace?", "What does the notice name?", RATE, OUT_OF_STOCK]
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon", "notice_reason": "cancel_rate",
                                                "cancel_rate": 0.04, "out_of_stock_often": True}


def test_a_chinese_interview_gives_the_reason_in_chinese(small_kb, tmp_path):
    result = small_invoke(small_kb, ["--save", tmp_path / "c.yaml", "--lang", "zh"],
                          ["火星", "亚马逊", "1", "4%", "也许", "是", "完成"])
    assert "这个回答不符合要求：收到的是 '火星'，应为列出的选项之一：可输入编号、名称或取值。" in result.output
    refusal = "这个回答不符合要求：收到的是 '也许'，应为是 或 否（也可输入 `yes` / `no`）。请重新回答，或输入 帮助 或 跳过。"
    assert refusal in result.output
    assert refusal.count("应为") == 1  # what is expected is said once


def test_each_problem_message_repeats_the_program_s_english():
    """knowledge/interview.yaml translates diagnose.vocabulary.PROBLEMS: its English must not drift."""
    from diagnose.knowledge import load_knowledge
    from diagnose.vocabulary import PROBLEMS

    messages = load_knowledge().messages
    assert {code: messages[f"interview.problem.{code}"].text["en"] for code in PROBLEMS} == PROBLEMS


def test_out_of_range_rate_and_inconsistent_counts(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    # the notice names the cancellation rate: its counts are asked once the rate is skipped
    result = small_invoke(small_kb, ["--save", path], ["amazon", "1", "150%", "skip", "0", "5", "0", "done"])
    assert result.exit_code == 0, result.output
    assert "a rate cannot exceed 100%" in result.output
    assert "5 cancelled_orders_7d out of 0 orders_7d" in result.output
    assert questions(result.output)[2:5] == ["What is the cancellation rate?", "How many orders in 7 days?",
                                             "How many of them were cancelled?"]
    saved = yaml.safe_load(path.read_text())
    assert saved["orders_7d"] == 0 and saved["cancelled_orders_7d"] == 0 and "cancel_rate" in saved["unknown"]


def test_skip_back_status_and_done(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    lines = ["skip", "amazon", "cancel_rate", "4%", "skip", "back", "status", "yes", "status", "done"]
    result = small_invoke(small_kb, ["--save", path], lines)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "The marketplace is needed before anything else" in out
    assert re.findall(r"^Q\d+\. .*$", out, flags=re.M) == [
        "Q1. Which marketplace?", "Q2. What does the notice name?", f"Q3. {RATE}", f"Q4. {OUT_OF_STOCK}",
        "Q5. " + kb_message("interview.anything_else"), f"Q4. {OUT_OF_STOCK}", "Q5. " + kb_message("interview.anything_else")]
    assert f'Undone: the answer to "{OUT_OF_STOCK}"' in out
    assert "So far: 3 answer(s), 0 unknown. Current top causes:\n  none yet" in out
    assert "So far: 4 answer(s), 0 unknown. Current top causes:\n  1. Listed items are often out of stock " \
           "[chronic_stockout]: 80% (could end between 80% and 92%)" in out
    assert "Stopped on request. The diagnosis so far:" in out
    saved = yaml.safe_load(path.read_text())
    assert saved == {"platform": "amazon", "notice_reason": "cancel_rate", "cancel_rate": 0.04, "out_of_stock_often": True}
    run = CliRunner().invoke(cli, ["run", "--kb", str(small_kb), str(path)])
    assert run.exit_code == 0 and run.output in out


def test_back_at_the_start_and_back_over_a_skip(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    result = small_invoke(small_kb, ["--save", path], ["back", "amazon", "cancel_rate", "4%", "skip", "back", "back",
                                                       "back", "done"])
    assert "There is no answer to undo yet." in result.output
    assert questions(result.output) == ["Which marketplace?", "What does the notice name?", RATE, OUT_OF_STOCK,
                                        kb_message("interview.anything_else"), OUT_OF_STOCK, RATE,
                                        "What does the notice name?"]
    assert f'Undone: the answer to "{OUT_OF_STOCK}"' in result.output
    assert 'Undone: the answer to "What does the notice name?"' in result.output
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon"}


def test_existing_save_file_is_never_overwritten(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("platform: ebay\n")
    result = invoke(["--save", path], ["amazon"])
    assert result.exit_code == 2
    assert "already exists: continue it with --resume" in result.output
    assert path.read_text() == "platform: ebay\n"
    missing = invoke(["--save", tmp_path / "no" / "c.yaml"], ["amazon"])
    assert missing.exit_code == 2 and "folder does not exist" in missing.output


def test_default_save_path_is_announced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke([], ["ebay", "done"])
    assert result.exit_code == 0, result.output
    path = re.search(r"saved at once to (case-\d{8}-\d{6}\.yaml)", result.output).group(1)
    assert yaml.safe_load((tmp_path / path).read_text()) == {"platform": "ebay"}


def test_end_of_input_keeps_answers_and_resume_continues(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    first = small_invoke(small_kb, ["--save", path], ["amazon", "cancel_rate", "4%"])
    assert first.exit_code == 1
    assert f"continue with: diagnose interview --resume {path}" in first.output
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon", "notice_reason": "cancel_rate", "cancel_rate": 0.04}
    second = small_invoke(small_kb, ["--resume", path], ["yes", "status", "done"])
    assert second.exit_code == 0, second.output
    assert f"Continuing {path}: 3 answer(s) already given." in second.output
    assert f"Q4. {OUT_OF_STOCK}" in second.output
    assert "1. Listed items are often out of stock [chronic_stockout]: 80%" in second.output
    saved = yaml.safe_load(path.read_text())
    assert list(saved) == ["platform", "notice_reason", "cancel_rate", "out_of_stock_often"]


def test_resume_keeps_unknowns_and_back_undoes_them(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("platform: amazon\nnotice_reason: cancel_rate\ncancel_rate: 4%\nunknown: [out_of_stock_often]\n")
    result = small_invoke(small_kb, ["--resume", path], ["back", "no", "done"])
    assert result.exit_code == 0, result.output
    assert f'Undone: the answer to "{OUT_OF_STOCK}"' in result.output
    assert f"Q4. {OUT_OF_STOCK}" in result.output
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon", "notice_reason": "cancel_rate",
                                                "cancel_rate": 0.04, "out_of_stock_often": False}


def test_resume_errors(small_kb, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("platform: amazon\ncancel_rate: 150%\n")
    result = small_invoke(small_kb, ["--resume", bad], [])
    assert result.exit_code == 2
    assert f"{bad}:2:1: cancel_rate: a rate cannot exceed 100%" in result.output
    walmart = tmp_path / "walmart.yaml"
    walmart.write_text("platform: walmart\n")
    result = small_invoke(small_kb, ["--resume", walmart, "--platform", "amazon"], [])
    assert result.exit_code == 2
    assert "the case file says the platform is Walmart, but --platform says Amazon" in result.output
    missing = small_invoke(small_kb, ["--resume", tmp_path / "none.yaml", "--lang", "zh"], [])
    assert missing.exit_code == 2 and "none.yaml: 无法读取：文件不存在" in missing.output
    conflict = small_invoke(small_kb, ["--resume", walmart, "--platform", "amazon", "--lang", "zh"], [])
    assert "案例文件中的平台是“沃尔玛”，但 --platform 指定的是“亚马逊”" in conflict.output


def test_chinese_interview(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    lines = ["为什么", "亚马逊", "1", "4%", "帮助", "状态", "是", "返回", "是", "完成"]
    result = small_invoke(small_kb, ["--save", path, "--lang", "zh"], lines)
    assert result.exit_code == 0, result.output
    out = result.output
    anything_else = kb_message("interview.anything_else", "zh")
    assert questions(out) == ["哪个平台？", "通知指出了什么问题？", "取消率是多少？", "在售商品是否经常断货？", anything_else,
                              "在售商品是否经常断货？", anything_else]
    assert "问题 1：哪个平台？" in out and "问题 4：在售商品是否经常断货？" in out
    assert "所有规则和指标都取决于平台" in out
    assert "买家下单时常无货即选是。" in out
    assert "可接受的回答：是 或 否" in out
    assert "已撤销对“在售商品是否经常断货？”" in out
    assert "已按要求结束。目前的诊断结果：" in out
    run = CliRunner().invoke(cli, ["run", "--kb", str(small_kb), str(path), "--lang", "zh"])
    assert run.output in out and "根本原因" in run.output and "在售商品经常断货" in run.output
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon", "notice_reason": "cancel_rate",
                                                "cancel_rate": 0.04, "out_of_stock_often": True}


def test_english_and_chinese_command_words_work_in_either_language(small_kb, tmp_path):
    path = tmp_path / "c.yaml"
    lines = ["cancel_rate", "4%", "不知道", "状态", "done"]
    result = small_invoke(small_kb, ["--save", path, "--platform", "amazon"], lines)
    assert result.exit_code == 0
    assert "So far: 3 answer(s), 1 unknown." in result.output
    assert yaml.safe_load(path.read_text())["unknown"] == ["out_of_stock_often"]


def dialog(diagnoser, history, inputs, lang="en"):
    """Run the dialog on scripted inputs; return everything it said."""
    from diagnose.interview import Dialog, Session

    said, feed = [], iter(inputs)
    session = Session(diagnoser, history)

    def ask(prompt):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    try:
        Dialog(session, lang, ask, said.append, lambda: None).run()
    except EOFError:
        pass
    return "\n".join(said), session


def test_why_on_a_count_names_the_rate_it_stands_for(small):
    history = [("platform", "amazon"), ("notice_reason", "cancel_rate"), ("cancel_rate", None)]
    said, _ = dialog(small, history, ["why"])
    assert "Q4. How many orders in 7 days?" in said
    assert '("What is the cancellation rate?" was not known, so it is worked out from counts; "How many orders in 7 days?" \
is one of them.)' in said


def test_a_knowledge_base_without_interview_messages_is_a_clear_error(diagnoser):
    from msgspec.structs import replace

    from diagnose.errors import KnowledgeBaseError
    from diagnose.interview import Dialog, Session

    bare = replace(diagnoser.kb, messages={})
    session = Session(diagnoser)
    session.kb = bare
    with pytest.raises(KnowledgeBaseError, match="no message 'interview.word.why'"):
        Dialog(session, "en", input, print, lambda: None)


def test_save_case_replaces_the_file_whole_or_not_at_all(tmp_path, monkeypatch, kb):
    from diagnose.casefile import load_case, save_case

    path = tmp_path / "c.yaml"
    save_case(str(path), {"platform": "amazon", "cancel_rate": 0.031, "unknown": ["slow_replies"]}, "a\nb")
    assert path.read_text().startswith("# a\n# b\nplatform: amazon\n")
    case = load_case(str(path), kb)
    assert case.values == {"platform": "amazon", "cancel_rate": 0.031} and case.unknown == ("slow_replies",)

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr("os.fsync", broken_fsync)
    from diagnose.fileio import FileProblem

    with pytest.raises(FileProblem, match="c.yaml: cannot write the file: disk full"):
        save_case(str(path), {"platform": "ebay"})
    assert load_case(str(path), kb).values["platform"] == "amazon"
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_fact_type_and_operator_has_its_words(diagnoser, lang):
    from diagnose.interview import Dialog, Session
    from diagnose.knowledge import OPERATORS, Condition
    from diagnose.vocabulary import TYPES, Fact

    dialog_ = Dialog(Session(diagnoser, [("platform", "amazon")]), lang, input, print, lambda: None)
    spans = [(None, None), (0, None), (None, 10), (0, 10)]
    for kind in TYPES:
        for low, high in spans:
            fact = Fact(f"x_{kind}", kind, {"en": "?", "zh": "?"}, {"en": "", "zh": ""}, minimum=low, maximum=high,
                        choices=(("a", {"en": "A", "zh": "甲"}),) if kind == "choice" else ())
            assert dialog_.accepted(fact)
    for op in OPERATORS:
        value = None if op == "known" else (("seller", "mixed") if op == "in" else "seller")
        for negated in (False, True):
            shown = dialog_.condition(Condition("fact", "fulfilment", op, value, negated))
            assert diagnoser.kb.fact_label("fulfilment", lang) in shown and "fulfilment" not in shown.replace(
                "fulfilment method", "")


def test_several_notice_reasons_by_number_or_value_are_saved_as_a_list(kb, tmp_path):
    path = tmp_path / "c.yaml"
    result = invoke(["--save", path], ["walmart", "refund_rate, 2", "done"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(path.read_text())["notice_reason"] == ["refund_rate", "late_shipment"]
    run = json.loads(CliRunner().invoke(cli, ["run", str(path), "--format", "json"]).stdout)
    assert run["facts"]["given"]["notice_reason"] == ["refund_rate", "late_shipment"]


def test_a_wrong_reason_among_several_is_named_and_asked_again(kb, tmp_path):
    result = invoke(["--save", tmp_path / "c.yaml"], ["walmart", "refund_rate, slow boats", "refund_rate", "done"])
    assert result.exit_code == 0, result.output
    assert "got 'slow boats'" in result.output


def _lines_to_checklist(kb, path, answers):
    """The inputs that bring an interview on the shipped knowledge to the checklist of metrics
    (each question answered from ``answers`` by fact id, else skipped), and its output there."""
    lines, checklist = [], kb.message("interview.metrics", "en")
    for _ in range(20):
        path.unlink(missing_ok=True)
        output = invoke(["--save", path], lines).output
        if questions(output)[-1] == checklist:
            path.unlink()
            return lines, output
        fact = next(f.id for f in kb.facts.values() if f.question["en"] == questions(output)[-1])
        lines.append(answers.get(fact, "skip"))
    raise AssertionError("no checklist of metrics:\n" + output)


def test_one_checklist_of_metrics_while_the_notice_shows_no_symptom(kb, tmp_path):
    path = tmp_path / "case.yaml"
    lines, output = _lines_to_checklist(kb, path, {"platform": "amazon", "notice_reason": "other",
                                                   "fulfilment": "seller"})
    listed = re.findall(r"^  (\d+)\. (.+)$", output.split(kb.message("interview.metrics", "en"))[-1], re.M)
    number = next(n for n, label in listed if label == kb.facts["over_target"].choice_label("cancel_rate", "en"))
    assert len(listed) > 5 and kb.message("interview.metrics_how", "en") in output
    rate = kb.facts["cancel_rate"].question["en"]
    result = invoke(["--save", path], lines + ["why", "help", "99", number, "back", number, "why", "done"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count(kb.message("interview.why.metrics", "en")) == 2
    assert kb.message("interview.checklist_bad", "en", count=len(listed)) in out
    assert f'Undone: the answer to "{kb.message("interview.metrics", "en")}"' in out
    assert questions(out)[len(lines):] == [kb.message("interview.metrics", "en"), rate,
                                           kb.message("interview.metrics", "en"), rate]
    assert "WHY: the performance page shows this metric over target" in out
    saved = yaml.safe_load(path.read_text())
    assert saved["over_target"] == "cancel_rate" and "cancel_rate" not in saved["unknown"]
    assert "late_shipment_rate" in saved["unknown"] and "late_shipment_rate" not in saved
    # resumed from the case file: the ticked metric's figure is asked, and replaces the tick
    result = invoke(["--resume", path], ["4%", "done"])
    assert result.exit_code == 0, result.output
    assert questions(result.output)[0] == rate
    saved = yaml.safe_load(path.read_text())
    assert saved["cancel_rate"] == 0.04 and "over_target" not in saved


def test_none_on_the_checklist_leaves_every_figure_unknown(kb, tmp_path):
    path = tmp_path / "case.yaml"
    lines, output = _lines_to_checklist(kb, path, {"platform": "walmart", "notice_reason": "other"})
    result = invoke(["--save", path], lines + ["none", "done"])
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load(path.read_text())
    assert "over_target" not in saved and {"cancel_rate", "seller_response_rate"} <= set(saved["unknown"])
    assert not {"orders_7d", "cancelled_orders_7d"} & set(saved["unknown"])  # no count asked
