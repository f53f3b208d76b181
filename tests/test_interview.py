"""`diagnose interview` through Click's CliRunner with scripted answers."""
import re

import pytest
import yaml
from click.testing import CliRunner

from diagnose.cli import cli

# Answers for a seller whose cancellations come from stock-outs; each question is answered from
# this table (a missing fact is skipped), so the script does not depend on the question order.
STOCKOUT = {"platform": "amazon", "notice_reason": "3", "out_of_stock_often": "yes", "fulfilment": "seller"}


def invoke(args, lines):
    return CliRunner().invoke(cli, ["interview", *map(str, args)], input="".join(f"{line}\n" for line in lines))


def questions(output):
    """The question texts shown, in order."""
    return re.findall(r"^(?:Q\d+\.|问题 \d+：) ?(.*)$", output, flags=re.M)


class Oracle:
    """Answers each question from a table (fact id → input, or a list of inputs tried in turn;
    "skip" for facts not in it) by replaying the interview with one more input each time, so the
    test does not depend on the order the strategy picks."""

    def __init__(self, kb, tmp_path, answers, lang="en"):
        self.kb, self.answers, self.lang = kb, answers, lang
        self.path = tmp_path / "case.yaml"
        self.args = ["--save", self.path, "--lang", lang]

    def run(self):
        lines, given = [], {}
        for _ in range(60):
            self.path.unlink(missing_ok=True)
            result = invoke(self.args, lines)
            if result.exit_code == 0:
                return result
            fact = self._fact(questions(result.output)[-1])
            inputs = self.answers.get(fact, "skip")
            inputs = inputs if isinstance(inputs, list) else [inputs]
            lines.append(inputs[min(given.get(fact, 0), len(inputs) - 1)])
            given[fact] = given.get(fact, 0) + 1
        raise AssertionError("the interview did not end:\n" + result.output)

    def _fact(self, text):
        return next(f.id for f in self.kb.facts.values() if f.question[self.lang] == text)


def test_full_interview_ends_with_the_run_output(kb, tmp_path):
    oracle = Oracle(kb, tmp_path, STOCKOUT)
    result = oracle.run()
    assert result.exit_code == 0, result.output
    assert "No remaining question can change the top three causes." in result.output
    saved = yaml.safe_load(oracle.path.read_text())
    assert saved["platform"] == "amazon" and saved["notice_reason"] == "cancel_rate"
    assert saved["out_of_stock_often"] is True
    assert saved["unknown"], "skipped questions go to the unknown list"
    run = CliRunner().invoke(cli, ["run", str(oracle.path)])
    assert run.exit_code == 0
    body = result.output.split("No remaining question can change the top three causes. The diagnosis:\n", 1)[1]
    assert body.startswith(run.output)
    assert body[len(run.output):].startswith(f"The case is saved in {oracle.path}")
    first = questions(result.output)
    assert first[0] == kb.facts["platform"].question["en"]
    assert first[1] == kb.facts["notice_reason"].question["en"]
    assert len(first) < len(kb.facts)


def test_why_names_real_rules_and_what_is_known(kb, tmp_path):
    result = invoke(["--save", tmp_path / "c.yaml"], ["why", "amazon", "cancel_rate", "why"])
    assert "Every rule and every target depends on the marketplace" in result.output
    why = result.output.split("Why ask about", 1)[1]
    rules = re.findall(r"rule (\S+) \(\d+%\)", why)
    assert rules and all(rule in kb.rules for rule in rules)
    assert "cancel.chronic_stockout" in rules
    assert "✓ symptom: Cancellation rate over the platform's target [cancel_rate_high]" in why
    assert "? out_of_stock_often is yes" in why
    assert "Listed items are often out of stock [chronic_stockout]: now 0%, could end between 0% and 94%" in why


def test_help_shows_help_text_units_and_accepted_values(kb, tmp_path):
    result = invoke(["--save", tmp_path / "c.yaml", "--platform", "amazon"], ["other", "help"])
    assert kb.facts["fulfilment"].help["en"] in result.output
    assert "Accepted answers: one of the listed options" in result.output
    result = invoke(["--save", tmp_path / "d.yaml", "--platform", "amazon"], ["cancel_rate", "help"])
    assert kb.facts["out_of_stock_often"].help["en"] in result.output
    assert "Accepted answers: yes or no" in result.output


@pytest.mark.parametrize("raw", ["3.1%", "0.031", "3.1 %"])
def test_rates_as_percent_or_fraction(kb, tmp_path, raw):
    oracle = Oracle(kb, tmp_path, {"platform": "amazon", "notice_reason": "other", "fulfilment": "seller",
                                   "cancel_rate": raw})
    result = oracle.run()
    assert yaml.safe_load(oracle.path.read_text())["cancel_rate"] == 0.031, result.output


def test_bad_answers_are_asked_again_with_the_reason(tmp_path):
    path = tmp_path / "c.yaml"
    result = invoke(["--save", path], ["mars", "0", "amazon", "11", "", "cancel_rate", "maybe", "yes"])
    out = result.output
    assert "That answer does not fit: expected one of amazon, ebay, walmart, wish, got 'mars'" in out
    assert "got '0'" in out and "got '11'" in out and "no value given" in out
    assert "That answer does not fit: expected yes or no, got 'maybe'" in out
    assert yaml.safe_load(path.read_text())["out_of_stock_often"] is True


def test_out_of_range_rate_and_inconsistent_counts(kb, tmp_path):
    oracle = Oracle(kb, tmp_path, {"platform": "amazon", "notice_reason": "other", "fulfilment": "seller",
                                   "cancel_rate": ["150%", "skip"], "orders_7d": "0",
                                   "cancelled_orders_7d": ["5", "0"]})
    result = oracle.run()
    assert result.exit_code == 0, result.output
    assert "a rate cannot exceed 100%" in result.output
    assert "5 cancelled_orders_7d out of 0 orders_7d" in result.output
    saved = yaml.safe_load(oracle.path.read_text())
    assert saved["orders_7d"] == 0 and saved["cancelled_orders_7d"] == 0 and "cancel_rate" in saved["unknown"]


def test_skip_back_status_and_done(kb, tmp_path):
    path = tmp_path / "c.yaml"
    lines = ["skip", "amazon", "cancel_rate", "skip", "back", "status", "yes", "status", "done"]
    result = invoke(["--save", path], lines)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "The marketplace is needed before anything else" in out
    assert 'Undone: the answer to "' + kb.facts["out_of_stock_often"].question["en"] + '"' in out
    assert "So far: 2 answer(s), 0 unknown. Current top causes:\n  none yet" in out
    assert "So far: 3 answer(s), 0 unknown. Current top causes:\n  1. Listed items are often out of stock " \
           "[chronic_stockout]: 85% (could end between 85% and 94%)" in out
    assert "Stopped on request. The diagnosis so far:" in out
    saved = yaml.safe_load(path.read_text())
    assert saved == {"platform": "amazon", "notice_reason": "cancel_rate", "out_of_stock_often": True}
    run = CliRunner().invoke(cli, ["run", str(path)])
    assert run.output in out


def test_back_at_the_start_and_back_over_a_skip(tmp_path):
    path = tmp_path / "c.yaml"
    result = invoke(["--save", path], ["back", "walmart", "other", "skip", "back", "back", "done"])
    assert "There is no answer to undo yet." in result.output
    assert yaml.safe_load(path.read_text()) == {"platform": "walmart"}


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


def test_end_of_input_keeps_answers_and_resume_continues(kb, tmp_path):
    path = tmp_path / "c.yaml"
    first = invoke(["--save", path], ["amazon", "cancel_rate"])
    assert first.exit_code == 1
    assert f"continue with: diagnose interview --resume {path}" in first.output
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon", "notice_reason": "cancel_rate"}
    second = invoke(["--resume", path], ["yes", "status", "done"])
    assert second.exit_code == 0, second.output
    assert f"Continuing {path}: 2 answer(s) already given." in second.output
    assert questions(second.output)[0] == kb.facts["out_of_stock_often"].question["en"]
    assert "1. Listed items are often out of stock [chronic_stockout]: 85%" in second.output
    saved = yaml.safe_load(path.read_text())
    assert list(saved) == ["platform", "notice_reason", "out_of_stock_often"]


def test_resume_keeps_unknowns_and_back_undoes_them(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("platform: amazon\nnotice_reason: cancel_rate\nunknown: [out_of_stock_often]\n")
    result = invoke(["--resume", path], ["back", "no", "done"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(path.read_text())["out_of_stock_often"] is False


def test_resume_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("platform: amazon\ncancel_rate: 150%\n")
    result = invoke(["--resume", bad], [])
    assert result.exit_code == 2
    assert f"{bad}:2:1: cancel_rate: a rate cannot exceed 100%" in result.output
    ebay = tmp_path / "ebay.yaml"
    ebay.write_text("platform: ebay\n")
    result = invoke(["--resume", ebay, "--platform", "amazon"], [])
    assert result.exit_code == 2
    assert "the case file says the platform is ebay, but --platform says amazon" in result.output


def test_chinese_interview(kb, tmp_path):
    path = tmp_path / "c.yaml"
    lines = ["为什么", "亚马逊", "3", "帮助", "状态", "是", "返回", "是", "完成"]
    result = invoke(["--save", path, "--lang", "zh"], lines)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "问题 1：店铺在哪个平台？" in out
    assert "所有规则和指标都取决于平台" in out
    assert kb.facts["out_of_stock_often"].question["zh"] in out
    assert kb.facts["out_of_stock_often"].help["zh"] in out
    assert "可接受的回答：是 或 否" in out
    assert "已撤销对“" in out
    assert "已按要求结束。目前的诊断结果：" in out
    run = CliRunner().invoke(cli, ["run", str(path), "--lang", "zh"])
    assert run.output in out and "根本原因" in run.output
    assert yaml.safe_load(path.read_text()) == {"platform": "amazon", "notice_reason": "cancel_rate",
                                                "out_of_stock_often": True}


def test_english_and_chinese_command_words_work_in_either_language(tmp_path):
    path = tmp_path / "c.yaml"
    result = invoke(["--save", path, "--platform", "amazon"], ["cancel_rate", "不知道", "done"])
    assert result.exit_code == 0
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


def test_why_on_a_count_names_the_rate_it_stands_for(diagnoser):
    history = [("platform", "amazon"), ("notice_reason", "other"), ("fulfilment", "seller"), ("cancel_rate", None),
               ("late_shipment_rate", None), ("orders_30d", None), ("order_defect_rate", None), ("orders_60d", None)]
    said, session = dialog(diagnoser, history, ["why"])
    assert "Q9. " + diagnoser.kb.facts["orders_7d"].question["en"] in said
    assert "(cancel_rate was not known, so it is worked out from counts; orders_7d is one of them.)" in said
    assert "rule threshold.amazon.cancel_rate (100%)" in said


def test_a_knowledge_base_without_interview_messages_is_a_clear_error(diagnoser):
    from dataclasses import replace

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
    with pytest.raises(OSError):
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
            assert "fulfilment" in dialog_.condition(Condition("fact", "fulfilment", op, value, negated))
