"""Deadlines from the notice, appeal, infraction and invoice dates and the platforms' rules in
knowledge/deadlines.yaml, counted against --today: calendar arithmetic around month ends and
leap days, and what `diagnose run` shows in every format."""
import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import ROOT
from diagnose.cli import cli
from diagnose.deadlines import add_months, due_dates, next_day_of_month
from diagnose.knowledge import check_knowledge, knowledge_files

D = dt.date.fromisoformat


@pytest.mark.parametrize("start,months,expected", [
    ("2024-01-31", 1, "2024-02-29"),  # leap year: the last day of February
    ("2023-01-31", 1, "2023-02-28"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2026-12-31", 2, "2027-02-28"),  # across the year end
    ("2026-10-31", 1, "2026-11-30"),
    ("2026-01-15", 2, "2026-03-15"),
])
def test_months_keep_to_the_calendar(start, months, expected):
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize("today,day,expected", [
    ("2026-10-19", 20, "2026-10-20"),
    ("2026-10-20", 20, "2026-11-20"),  # strictly after today
    ("2026-12-20", 20, "2027-01-20"),
    ("2026-01-31", 20, "2026-02-20"),
    ("2024-02-10", 31, "2024-02-29"),  # a missing 31st is the month's last day
    ("2024-02-29", 31, "2024-03-31"),
    ("2023-02-28", 31, "2023-03-31"),
])
def test_the_next_monthly_day(today, day, expected):
    assert next_day_of_month(D(today), day) == D(expected)


def due(diagnoser, facts, today):
    return {d.id: d for d in due_dates(diagnoser.kb, diagnoser.run(facts), D(today))}


AMAZON = {"platform": "amazon", "cancel_rate": "4%", "out_of_stock_often": True}


@pytest.mark.parametrize("notice,appeal_by", [("2024-02-20", "2024-03-08"), ("2023-02-20", "2023-03-09"),
                                              ("2025-12-20", "2026-01-06")])
def test_amazon_appeal_window_and_funds_hold_count_from_the_notice(diagnoser, notice, appeal_by):
    dates = due(diagnoser, dict(AMAZON, suspension_date=notice), "2027-01-01")
    assert dates["amazon_appeal"].date == appeal_by
    assert dates["amazon_funds"].date == (D(notice) + dt.timedelta(days=90)).isoformat()
    assert "follow_up" not in dates  # no appeal date yet


def test_days_left_and_passed_are_counted_against_today(diagnoser):
    facts = dict(AMAZON, suspension_date="2026-02-10", appeal_date="2026-02-20")
    dates = due(diagnoser, facts, "2026-03-01")
    assert dates["amazon_appeal"].days_left == -2 and dates["amazon_appeal"].passed
    assert dates["follow_up"].date == "2026-03-02" and dates["follow_up"].days_left == 1
    assert [d.id for d in due_dates(diagnoser.kb, diagnoser.run(facts), D("2026-03-01"))] == \
        ["amazon_appeal", "follow_up", "amazon_funds"]  # by date


@pytest.mark.parametrize("infraction,closes", [("2024-01-01", "2024-03-31"), ("2023-01-01", "2023-04-01")])
def test_wish_dispute_window_across_february(diagnoser, infraction, closes):
    facts = {"platform": "wish", "notice_reason": "listing_mismatch", "listing_details_wrong": True,
             "infraction_date": infraction}
    assert due(diagnoser, facts, "2024-01-02")["wish_dispute"].date == closes


@pytest.mark.parametrize("invoice,until", [("2023-12-31", "2024-02-29"), ("2024-12-31", "2025-02-28")])
def test_walmart_invoices_count_for_two_calendar_months(diagnoser, invoice, until):
    facts = {"platform": "walmart", "notice_reason": "listing_mismatch", "listing_details_wrong": True,
             "invoice_date": invoice}
    dates = due(diagnoser, facts, "2025-01-01")
    assert dates["walmart_invoice"].date == until and "amazon_invoice" not in dates


def test_ebay_evaluation_only_for_a_shop_with_a_problem(diagnoser):
    late = {"platform": "ebay", "late_shipment_rate": "9%", "handling_time_too_short": True}
    assert due(diagnoser, late, "2026-12-20")["ebay_evaluation"].date == "2027-01-20"
    assert due(diagnoser, {"platform": "ebay", "late_shipment_rate": "1%"}, "2026-12-20") == {}


def invoke(*args):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, [str(a) for a in args])


def test_run_shows_the_deadlines_in_every_format():
    facts = ["--fact", "platform=amazon", "--fact", "cancel_rate=4%", "--fact", "out_of_stock_often=yes",
             "--fact", "suspension_date=2026-02-10", "--today", "2026-03-01"]
    table = invoke("run", *facts)
    assert table.exit_code == 0, table.stderr
    assert "Deadlines:" in table.stdout and "2026-02-27  passed 2 days ago" in table.stdout
    markdown = invoke("run", *facts, "--format", "markdown").stdout
    assert "## Deadlines" in markdown and "| 2026-05-11 | 71 days left |" in markdown
    data = json.loads(invoke("run", *facts, "--format", "json").stdout)
    assert data["today"] == "2026-03-01"
    assert [(d["id"], d["date"], d["days_left"]) for d in data["deadlines"]] == [
        ("amazon_appeal", "2026-02-27", -2), ("amazon_funds", "2026-05-11", 71)]
    chinese = invoke("run", *facts, "--lang", "zh").stdout
    assert "期限" in chinese and "已过 2 天" in chinese
    bad = invoke("run", *facts[:-2], "--today", "2026-13-01")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_the_letter_lists_the_dates_that_apply(diagnoser):
    from diagnose.letters import draft_letter

    facts = dict(AMAZON, suspension_date="2026-02-10")
    notes = draft_letter(diagnoser.kb, diagnoser.run(facts), today=D("2026-03-01")).notes
    assert any(n.startswith("2026-02-27 (passed 2 days ago): Appeal by this date") for n in notes)


@pytest.fixture
def kb_copy(tmp_path):
    for part in ("knowledge", "rules"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_a_deadline_must_count_from_a_date_fact_or_a_day_of_the_month(kb_copy):
    path = kb_copy / "knowledge" / "deadlines.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("since: suspension_date\n    days: 17", "since: store_name\n    days: 17")
                    .replace("day_of_month: 20", "day_of_month: 20\n    since: appeal_date"), encoding="utf-8")
    _, findings = check_knowledge(kb_copy, *knowledge_files(kb_copy))
    messages = [f"{f.path.split('/')[-1]}:{f.line} {f.message}" for f in findings]
    assert any("deadline 'amazon_appeal': since names a text fact 'store_name'; it must be a date fact" in m
               for m in messages), messages
    assert any("deadline 'ebay_evaluation' needs either since (a date fact) or day_of_month" in m for m in messages)
    assert all(m.startswith("deadlines.yaml:") for m in messages)

