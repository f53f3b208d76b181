"""`diagnose interview` in a real pseudo-terminal: killed with SIGKILL mid-interview, then resumed."""
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
import yaml


pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.slow  # PTY sessions; `pytest -m "not slow"` leaves them out

DIAGNOSE = shutil.which("diagnose", path=str(Path(sys.executable).parent)) or shutil.which("diagnose")


def spawn(*args, cwd):
    env = dict(os.environ, COLUMNS="120", PYTHONUNBUFFERED="1")
    return pexpect.spawn(DIAGNOSE, ["interview", *map(str, args)], cwd=str(cwd), env=env,
                         encoding="utf-8", timeout=60)


@pytest.mark.skipif(DIAGNOSE is None, reason="the diagnose script is not installed")
def test_sigkill_mid_interview_then_resume(tmp_path, small_kb):
    """On the interview fixture knowledge base (tests/fixtures/kb_interview), whose order is known."""
    case = tmp_path / "case.yaml"
    child = spawn("--save", case, "--kb", small_kb, cwd=tmp_path)
    child.expect_exact("Q1. Which marketplace?")
    child.expect_exact("> ")
    child.sendline("amazon")
    child.expect_exact("Q2. What does the notice name?")
    child.expect_exact("> ")
    child.sendline("1")
    child.expect_exact("Q3. What is the cancellation rate?")
    child.expect_exact("> ")
    child.sendline("4%")
    child.expect_exact("Q4. Are listed items often out of stock?")
    child.expect_exact("> ")
    child.sendline("yes")
    child.expect_exact("Q5. Anything else")
    child.expect_exact("> ")
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    saved = {"platform": "amazon", "notice_reason": "cancel_rate", "cancel_rate": 0.04, "out_of_stock_often": True}
    assert yaml.safe_load(case.read_text()) == saved
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "no temporary file is left behind"

    child = spawn("--resume", case, "--kb", small_kb, cwd=tmp_path)
    child.expect_exact(f"Continuing {case}: 4 answer(s) already given.")
    child.expect_exact("Q5. Anything else")
    child.expect_exact("> ")
    child.sendline("status")
    child.expect_exact("1. Listed items are often out of stock [chronic_stockout]: 80%")
    child.expect_exact("> ")
    child.sendline("done")
    child.expect_exact("Stopped on request. The diagnosis so far:")
    child.expect_exact("Listed items are often out of")
    child.expect_exact(f"The case is saved in {case}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert yaml.safe_load(case.read_text()) == saved


@pytest.mark.skipif(DIAGNOSE is None, reason="the diagnose script is not installed")
def test_ctrl_c_keeps_answers(tmp_path, kb):
    case = tmp_path / "case.yaml"
    child = spawn("--save", case, "--platform", "walmart", cwd=tmp_path)
    child.expect_exact("Q2. " + kb.facts["notice_reason"].question["en"])
    child.expect_exact("> ")
    child.sendline("cancel_rate")
    child.expect_exact("Q3. ")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact(f"continue with: diagnose interview --resume {case}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert yaml.safe_load(case.read_text()) == {"platform": "walmart", "notice_reason": "cancel_rate"}


@pytest.mark.skipif(DIAGNOSE is None, reason="the diagnose script is not installed")
def test_why_why_again_how_and_a_contradiction_corrected(tmp_path, kb):
    """On the shipped knowledge: a late-shipment notice whose rate first meets the target."""
    case = tmp_path / "case.yaml"
    child = spawn("--save", case, "--platform", "amazon", cwd=tmp_path)
    child.expect_exact("Q2. " + kb.facts["notice_reason"].question["en"])
    child.expect_exact("> ")
    child.sendline("late shipment rate")  # a label typed back
    child.expect_exact("Q3. What is the late shipment rate?")
    child.expect_exact("> ")
    child.sendline("why")
    child.expect_exact("WHY: the notice names this metric")
    child.expect_exact("> ")
    child.sendline("0.5%")
    child.expect_exact('Warning: the notice points to "Late shipment rate over the platform\'s target", '
                       "yet late_shipment_rate = 0.5% meets the target (4%)")
    child.expect_exact("Type back to correct the last answer, or go on.")
    child.expect_exact("Q4. ")
    child.expect_exact("> ")
    child.sendline("back")
    child.expect_exact('Undone: the answer to "What is the late shipment rate?"')
    child.expect_exact("Q3. What is the late shipment rate?")
    child.expect_exact("> ")
    child.sendline("6%")
    child.expect_exact("Q4. ")
    child.expect_exact("> ")
    child.sendline("why")
    child.expect_exact("decides a condition of this rule:")
    child.expect_exact("type why again to go one step up)")
    child.expect_exact("> ")
    child.sendline("why")
    child.expect_exact("WHY (the goal): ")
    child.expect_exact("The top three now: 1. Handling time set shorter than the team needs [handling_time_too_short] "
                       "(30%).")  # the notice's prior
    child.expect_exact("> ")
    child.sendline("yes")
    child.expect_exact("Q5. ")
    child.expect_exact("> ")
    child.sendline("how 1")
    child.expect_exact("is cause 1 with certainty")
    child.expect_exact("because ")
    child.expect_exact("> ")
    child.sendline("done")
    child.expect_exact("Stopped on request. The diagnosis so far:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = yaml.safe_load(case.read_text())
    assert saved["late_shipment_rate"] == 0.06 and list(saved)[:3] == ["platform", "notice_reason", "late_shipment_rate"]


@pytest.mark.skipif(DIAGNOSE is None, reason="the diagnose script is not installed")
def test_a_chinese_label_with_full_width_brackets_typed_back(tmp_path, kb):
    """The label is shown as 交易缺陷率（eBay）; typed with plain brackets and lower case it still fits."""
    case = tmp_path / "case.yaml"
    child = spawn("--save", case, "--platform", "ebay", "--lang", "zh", cwd=tmp_path)
    child.expect_exact("交易缺陷率（eBay）")
    child.expect_exact("> ")
    child.sendline("交易缺陷率(ebay)")
    child.expect_exact("问题 3：")
    child.expect_exact("> ")
    child.sendline("完成")
    child.expect_exact("已按要求结束。")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert yaml.safe_load(case.read_text())["notice_reason"] == "transaction_defect_rate"


@pytest.mark.skipif(DIAGNOSE is None, reason="the diagnose script is not installed")
def test_the_checklist_of_metrics_survives_sigkill_and_resume(tmp_path, kb):
    """On the shipped knowledge: a notice that shows no symptom; one metric ticked, then killed."""
    case = tmp_path / "case.yaml"
    checklist = kb.message("interview.metrics", "en")
    child = spawn("--save", case, "--platform", "amazon", cwd=tmp_path)
    child.expect_exact("Q2. " + kb.facts["notice_reason"].question["en"])
    child.expect_exact("> ")
    child.sendline("other")
    for _ in range(6):  # who ships, then whatever the strategy asks before the checklist
        child.expect(r"Q\d+\. ([^\r\n]+)\r\n")
        asked = child.match.group(1)
        child.expect_exact("> ")
        if asked == checklist:
            break
        child.sendline("seller" if asked == kb.facts["fulfilment"].question["en"] else "skip")
    assert asked == checklist
    child.sendline("why")
    child.expect_exact(kb.message("interview.why.metrics", "en")[:60])
    child.expect_exact("> ")
    child.sendline("1")  # the first metric listed: the order defect rate
    child.expect_exact(kb.facts["order_defect_rate"].question["en"])
    child.expect_exact("> ")
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    saved = yaml.safe_load(case.read_text())
    assert saved["over_target"] == "order_defect_rate" and "order_defect_rate" not in saved["unknown"]

    child = spawn("--resume", case, cwd=tmp_path)
    child.expect_exact(kb.facts["order_defect_rate"].question["en"])  # the tick's figure, still to ask
    child.expect_exact("> ")
    child.sendline("1.5%")
    child.expect_exact("> ")
    child.sendline("done")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = yaml.safe_load(case.read_text())
    assert saved["order_defect_rate"] == 0.015 and "over_target" not in saved
