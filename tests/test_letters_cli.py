"""`diagnose letter` on case files, through Click's CliRunner."""
import datetime as dt

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from diagnose.cli import cli

GOLDEN = ROOT / "tests" / "golden" / "letters"


def invoke(*args):
    try:
        runner = CliRunner(mix_stderr=False)  # Click 8.1: keep stderr apart
    except TypeError:
        runner = CliRunner()  # Click 8.2 and later keep it apart always
    return runner.invoke(cli, ["letter"] + [str(a) for a in args])


def test_a_complete_case_file_gives_the_golden_letter_and_no_questions():
    # Amazon letters depend on no date, so the golden file holds for any day the test runs.
    result = invoke(GOLDEN / "amazon-cancel-stockout.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "amazon-cancel-stockout.letter.en.txt").read_text(encoding="utf-8")
    assert "placeholders" not in result.stderr
    assert "This is the text to send." in result.stderr


def test_missing_facts_are_listed_on_stderr_with_their_questions():
    result = invoke(EXAMPLES / "cancel-rate-stockouts.yaml")
    assert result.exit_code == 0
    assert "[STORE NAME]" in result.stdout
    assert "The draft has placeholders for facts the case lacks; ask the seller:" in result.stderr
    assert "[STORE NAME]        What is the store's name as the marketplace shows it?" in result.stderr
    assert "[CONFIRM: replenish_with_supplier]  Has the seller already done this?" in result.stderr
    assert "store_name:" not in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("Not ready to send: 7 left to fill in or confirm ([STORE NAME]")
    assert "This is the text to send." not in result.stderr
    assert "[" not in result.stderr.split("ask the seller:")[0]


def test_store_option_markdown_and_output_file(tmp_path):
    out = tmp_path / "letter.md"
    result = invoke(EXAMPLES / "listing-mismatch.yaml", "--store", "Northgate Pet Goods", "--format", "markdown",
                    "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "From: Northgate Pet Goods" in text and "## Root causes" in text
    assert "store_name" not in result.stderr


def test_markup_in_a_store_name_is_escaped_in_markdown_only():
    store = "<b>Shop</b> *x* [a](http://e) & co"
    markdown = invoke(EXAMPLES / "listing-mismatch.yaml", "--store", store, "--format", "markdown")
    assert markdown.exit_code == 0, markdown.stderr
    assert "From: \\<b\\>Shop\\</b\\> \\*x\\* \\[a\\](http://e) \\& co" in markdown.stdout
    assert "<b>" not in markdown.stdout and "[a](" not in markdown.stdout
    plain = invoke(EXAMPLES / "listing-mismatch.yaml", "--store", store)
    assert f"From: {store}" in plain.stdout


def test_chinese_review_copy_says_which_text_is_sent():
    result = invoke(EXAMPLES / "odr-slow-replies.yaml", "--lang", "zh")
    assert result.exit_code == 0
    assert result.stdout.startswith("【中文审阅稿，请勿发送】")
    assert "发给平台的是英文版" in result.stderr and "店铺在平台上显示的名称是什么？" in result.stderr


@pytest.mark.parametrize("reason,recipient", [("early_resolved", "买家"), ("obscene", "平台")])
def test_chinese_message_footer_names_its_recipient(reason, recipient):
    """A message to a buyer never says the English goes to the platform, and the other way round."""
    facts = ["--fact", "platform=amazon", "--fact", "order_defect_rate=1.4%", "--fact", "slow_replies=yes",
             "--fact", f"feedback_reason={reason}", "--lang", "zh"]
    result = invoke(*facts, "--message", "feedback-removal")
    assert result.exit_code == 0, result.output
    assert f"发给{recipient}的是英文版" in result.stderr
    withdrawal = invoke(*facts, "--message", "atoz-withdrawal")
    assert "发给买家的是英文版" in withdrawal.stderr and "平台" not in withdrawal.stderr.splitlines()[-1]


def test_messages_from_the_command_line(tmp_path):
    appeal = (dt.date.today() - dt.timedelta(days=12)).isoformat()
    result = invoke("--fact", "platform=amazon", "--fact", "order_defect_rate=1.4%", "--fact", "slow_replies=yes",
                    "--fact", f"appeal_date={appeal}", "--message", "follow-up")
    assert result.exit_code == 0, result.stderr
    assert f"appeal on {appeal}" in result.stdout and "[SUSPENSION DATE]" in result.stdout


@pytest.mark.parametrize("args,expected", [
    (["--fact", "platform=amazon", "--fact", "store_nam=X"], "store_nam: unknown fact; did you mean 'store_name'?"),
    (["--fact", "platform=amazon", "--fact", "suspension_date=2999-01-01"], "2999-01-01 is in the future"),
    (["missing-case.yaml"], "missing-case.yaml"),
    ([], "give a facts file"),
    (["--fact", "platform=amazon", "--fact", "cancel_rate=1%"], "certainty cut-off"),
    (["--fact", "platform=wish", "--fact", "slow_replies=yes", "--message", "atoz-withdrawal"], "for amazon, not wish"),
])
def test_bad_input_gives_one_clear_message_and_exit_2(args, expected):
    result = invoke(*args)
    assert result.exit_code == 2, result.stdout
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unwritable_output_file_is_an_input_error(tmp_path):
    result = invoke(EXAMPLES / "cancel-rate-stockouts.yaml", "-o", tmp_path / "no-such-dir" / "letter.txt")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "letter.txt: cannot write the file: No such file or directory" \
        in result.stderr and len(result.stderr.splitlines()) == 1


def test_the_letters_today_is_also_the_date_no_case_date_may_pass(tmp_path):
    """--today moves the "date in the future" check with the deadlines: a notice dated after the
    real today is accepted for a later --today, and refused for an earlier one."""
    ahead = dt.date.today() + dt.timedelta(days=10)
    case = tmp_path / "case.yaml"
    case.write_text("platform: amazon\nlate_shipment_rate: 6%\nhandling_time_too_short: yes\n"
                    f"suspension_date: {ahead.isoformat()}\n", encoding="utf-8")
    later = (ahead + dt.timedelta(days=5)).isoformat()
    accepted = invoke(case, "--today", later)
    assert accepted.exit_code == 0, accepted.stderr
    assert ahead.isoformat() in accepted.stdout
    earlier = invoke(case, "--today", (ahead - dt.timedelta(days=1)).isoformat())
    assert earlier.exit_code == 2 and "suspension_date" in earlier.stderr and "Traceback" not in earlier.stderr
