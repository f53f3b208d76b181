"""A rate is computed from counts only where the counts span the window the platform judges the
rate over: Walmart's cancel rate is a 30-day figure, the vocabulary's cancellation counts are 7-day
ones, so a Walmart seller's counts give no rate (run, JSON, letter, interview), while Amazon's
7-day cancel rate still comes from them, and a platform without a target on the rate gets the
counts' own window's rate, stated as such."""
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from diagnose.cli import cli
from diagnose.facts import validate_facts
from diagnose.interview import Session
from diagnose.letters import draft_letter
from kb_fixture import INTERVIEW, make_kb, shipped_messages
from web_client import saved, visible

COUNTS = {"orders_7d": 200, "cancelled_orders_7d": 10}  # 5%: over both platforms' targets
WALMART = {"platform": "walmart", "notice_reason": "cancel_rate", "fulfilment": "seller", "out_of_stock_often": True,
           **COUNTS}
TODAY = dt.date(2026, 10, 20)


def run(*args):
    return CliRunner().invoke(cli, ["run", *args])


def fact_options(facts):
    return [item for name, value in facts.items()
            for item in ("--fact", f"{name}={'yes' if value is True else value}")]


@pytest.fixture(scope="module")
def kb(diagnoser):
    return diagnoser.kb


def test_walmart_7_day_counts_give_no_cancel_rate(kb):
    seller = validate_facts(dict(WALMART), kb)
    assert "cancel_rate" not in seller.values and seller.computed == ()
    assert seller.uncomputed == ("cancel_rate",)
    assert seller.values["orders_7d"] == 200 and seller.values["cancelled_orders_7d"] == 10  # the counts stay facts


def test_amazon_7_day_counts_still_give_its_7_day_cancel_rate(kb, diagnoser):
    seller = validate_facts(dict(WALMART, platform="amazon"), kb)
    assert seller.values["cancel_rate"] == 0.05 and seller.computed == ("cancel_rate",) and seller.uncomputed == ()
    (metric,) = [m for m in diagnoser.run(dict(WALMART, platform="amazon")).metrics if m.fact == "cancel_rate"]
    assert (metric.status, metric.window["en"]) == ("missed", "7 days")


def test_the_windows_come_from_the_knowledge(kb):
    """Every pair computed is one where each of the platform's thresholds on the rate has the
    counts' window, and the Walmart and eBay pairs the task names are not computed."""
    pairs = {(p, f.id) for p in kb.platforms for f in kb.facts.values() if kb.rate_from_counts(p, f.id)}
    for platform, rate in pairs:
        windows = {t.window["en"] for t in kb.thresholds(platform) if t.metric == rate}
        assert windows <= {kb.counts_window(rate)["en"]}, (platform, rate, windows)
    assert ("walmart", "cancel_rate") not in pairs and ("ebay", "late_shipment_rate") not in pairs
    assert {("amazon", "cancel_rate"), ("amazon", "order_defect_rate"), ("amazon", "late_shipment_rate"),
            ("ebay", "cancel_rate")} <= pairs
    assert not kb.rate_from_counts("nowhere", "cancel_rate") and not kb.rate_from_counts("amazon", "refund_rate")


def test_run_warns_once_and_judges_no_cancel_rate():
    result = run(*fact_options(WALMART))
    assert result.exit_code == 0, result.output
    warning = ("Warning: cancel_rate was not worked out from cancelled_orders_7d and orders_7d: those counts cover "
               "7 days, while Walmart judges the rate over 30 days; give the rate as Walmart reports it")
    assert result.output.count(warning) == 1, result.output
    assert "5%" not in result.output and "30 days" not in result.output.replace(warning, "")


def test_json_has_the_counts_the_warning_and_no_rate():
    result = run(*fact_options(WALMART), "--format", "json")
    report = json.loads(result.stdout)
    assert report["facts"]["computed"] == {} and "cancel_rate" not in report["facts"]["given"]
    assert report["facts"]["given"]["orders_7d"] == 200
    assert [m for m in report["metrics"] if m["fact"] == "cancel_rate"] == []
    assert [w["code"] for w in report["warnings"]] == ["rate_not_computed"]


def test_the_warning_reads_in_chinese():
    result = run(*fact_options(WALMART), "--lang", "zh", "--format", "json")
    (warning,) = json.loads(result.stdout)["warnings"]
    assert warning["text"] == ("未根据最近 7 天卖家取消订单数和最近 7 天订单数算出配送前取消率：这两个数只涵盖 "  # facts by their terms
                               "7 天，而沃尔玛按 30 天考核该比率；请直接填写沃尔玛后台显示的比率")


def test_a_rate_given_beside_them_is_judged_as_given(diagnoser):
    diagnosis = diagnoser.run(dict(WALMART, cancel_rate="1.5%"))
    (metric,) = [m for m in diagnosis.metrics if m.fact == "cancel_rate"]
    assert (metric.value, metric.status, metric.window["en"]) == (0.015, "at_risk", "30 days")
    assert diagnosis.computed == () and diagnosis.uncomputed == ()  # nothing to warn about


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_walmart_letter_states_no_figure_from_7_day_counts(diagnoser, lang):
    text = draft_letter(diagnoser.kb, diagnoser.run(dict(WALMART)), lang=lang, today=TODAY).text
    assert "5%" not in text and "200" not in text and "30" not in text.split("\n\n")[0]
    given = draft_letter(diagnoser.kb, diagnoser.run(dict(WALMART, cancel_rate="3%")), lang=lang, today=TODAY).text
    assert ("3% (window: 30 days)" if lang == "en" else "3%（考核周期：30 天）") in given
    assert "200" not in given  # the counts are not said to be the 30-day rate's


@pytest.mark.parametrize("platform,window", [("amazon", "7 days"), ("ebay", "7 days")])
def test_a_computed_figure_states_its_counts_window(diagnoser, platform, window):
    """Amazon judges the 7-day rate; eBay has no target on it, so the rate is the counts' own."""
    facts = dict(WALMART, platform=platform, notice_reason="cancel_rate" if platform == "amazon" else "other")
    diagnosis = diagnoser.run(facts)
    assert diagnosis.computed == ("cancel_rate",)
    if diagnosis.causes:
        text = draft_letter(diagnoser.kb, diagnosis, today=TODAY).text
        assert f"5% (10 of 200 orders; window: {window})" in text


def test_the_interview_asks_walmart_for_the_rate_itself(diagnoser):
    session = Session(diagnoser, [("platform", "walmart"), ("notice_reason", ("cancel_rate",)), ("fulfilment", "seller")])
    assert session.next_question().fact.id == "cancel_rate"
    session.skip("cancel_rate")  # the counts cannot give Walmart's rate: they are not asked instead
    assert "cancel_rate" in session.closed
    assert session.next_question().fact.id not in ("orders_7d", "cancelled_orders_7d")
    assert "orders_7d" not in session.relevant_facts()
    counted = Session(diagnoser, [("platform", "walmart"), ("notice_reason", ("cancel_rate",)), *COUNTS.items()])
    question = counted.next_question()  # counts already given: the rate is still asked, as the figure
    assert (question.fact.id, question.kind) == ("cancel_rate", "figure")
    assert counted.diagnosis.uncomputed == ("cancel_rate",)


def test_the_interview_still_asks_amazon_for_the_counts(diagnoser):
    session = Session(diagnoser, [("platform", "amazon"), ("notice_reason", ("cancel_rate",)), ("fulfilment", "seller")])
    session.skip("cancel_rate")
    assert session.next_question().fact.id == "orders_7d"
    session.answer("orders_7d", "200")
    assert session.next_question().fact.id == "cancelled_orders_7d"


def test_the_question_help_states_the_platforms_window(diagnoser):
    from diagnose.interview import Dialog

    said = []
    session = Session(diagnoser, [("platform", "walmart"), ("notice_reason", ("cancel_rate",)), ("fulfilment", "seller")])
    feed = iter(["help"])

    def ask(prompt):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    with pytest.raises(EOFError):
        Dialog(session, "en", ask, said.append, lambda: None).run()
    shown = "\n".join(said)
    assert "About this question (cancel_rate)" in shown, shown
    assert "Period measured: 30 days." in shown and "Period measured: 7 days." not in shown


def test_the_web_interview_asks_walmart_for_the_rate(client, workspace):
    client.post("/cases", {"name": "shop", "platform": "walmart"})
    answers = {"notice_reason": "cancel_rate", "fulfilment": "seller"}
    asked = []
    for _ in range(40):
        fact = client.question("shop")
        if fact is None or fact == "cancel_rate":
            break
        asked.append(fact)
        client.answer("shop", fact, answers.get(fact), skip=fact not in answers)
    assert fact == "cancel_rate" and not {"orders_7d", "cancelled_orders_7d"} & set(asked)
    page = client.get("/case/shop").get_data(as_text=True)
    assert "Period measured: 30 days." in page and "Period measured: 7 days." not in page
    client.answer("shop", "cancel_rate", skip=True)
    assert client.question("shop") not in ("orders_7d", "cancelled_orders_7d")
    assert "cancel_rate" in saved(workspace, "shop")["unknown"]


def test_the_loader_refuses_counts_over_two_windows(private_cache, tmp_path):
    root = make_kb(tmp_path, files=shipped_messages("interview.yaml", "messages.yaml", "run.yaml", "warnings.yaml"),
                   source=INTERVIEW, edits=[
                       ("knowledge/facts.yaml", "  - id: orders_7d\n    type: count\n",
                        "  - id: orders_7d\n    type: count\n    window: 7 days\n"),
                       ("knowledge/facts.yaml", "  - id: cancelled_orders_7d\n    type: count\n",
                        "  - id: cancelled_orders_7d\n    type: count\n    window: 30 days\n")])
    result = CliRunner().invoke(cli, ["kb", "validate", "--kb", str(root)])
    assert result.exit_code == 1, result.output
    assert "fact 'cancel_rate' computed_from: its numerator and denominator do not declare the same window" \
        in result.output


def test_batch_notes_each_row_whose_counts_give_no_rate(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shops.csv").write_text("shop,platform,orders_7d,cancelled_orders_7d\n"
                                        "w,walmart,200,10\na,amazon,200,10\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", "shops.csv", "-o", "out.jsonl"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("Note: ")]
    assert notes == ["Note: shops.csv:2: cancel_rate was not worked out from cancelled_orders_7d and orders_7d: "
                     "those counts cover 7 days, while Walmart judges the rate over 30 days; give the rate as "
                     "Walmart reports it"]
    walmart, amazon = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert walmart["missed"] == [] and [m["fact"] for m in amazon["missed"]] == ["cancel_rate"]


def test_the_web_case_page_shows_the_warning_once(client, workspace):
    (workspace / "shop.yaml").write_text("platform: walmart\nnotice_reason: cancel_rate\norders_7d: 200\n"
                                         "cancelled_orders_7d: 10\n", encoding="utf-8")
    page = visible(client.get("/case/shop").get_data(as_text=True))
    assert page.count("Warning: cancel_rate was not worked out from cancelled_orders_7d and orders_7d: those "
                      "counts cover 7 days, while Walmart judges the rate over 30 days") == 1, page
    assert client.question("shop") == "cancel_rate"  # the interview asks for the rate itself
