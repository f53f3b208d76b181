"""The remedies added for issue 21's leftovers reach the cases they answer, stay out of the cases
that contradict them (another platform, the seller's own brand, orders the platform ships), and
read as Plan-of-Action sentences once the seller confirms them."""
import datetime as dt

import pytest

from diagnose.letters import draft_letter

TODAY = dt.date(2026, 10, 20)
WISH_COURT = {"platform": "wish", "notice_reason": "ip_complaint", "court_order": True}
TRADEMARK = {"platform": "amazon", "notice_reason": "ip_complaint", "ip_complaint_kind": "trademark",
             "sourcing": "wholesaler"}
STOCKOUTS = {"platform": "amazon", "notice_reason": "cancel_rate", "fulfilment": "seller", "cancel_rate": "3.4%",
             "out_of_stock_often": True}
REPEAT = {"platform": "amazon", "notice_reason": "late_shipment", "fulfilment": "seller",
          "late_shipment_rate": "5.2%", "same_issue_appealed_before": True}


def advised(diagnosis):
    return {r.id for c in diagnosis.causes for r in c.remedies}


@pytest.mark.parametrize("facts,remedy,contradiction", [
    (WISH_COURT, "watch_injunction_page", {"platform": "amazon", "notice_reason": "funds_hold"}),
    (WISH_COURT, "watch_injunction_page", {"platform": "walmart"}),
    (TRADEMARK, "drop_infringing_designer", {"sourcing": "own_brand"}),
    (TRADEMARK, "legal_advice_before_branded_goods", {"sourcing": "own_brand"}),
    (STOCKOUTS, "fulfil_from_other_source", {"fulfilment": "platform"}),
])
def test_a_remedy_reaches_its_case_and_never_one_that_contradicts_it(diagnoser, facts, remedy, contradiction):
    assert remedy in advised(diagnoser.run(dict(facts)))
    other = dict(facts, **contradiction)
    assert diagnoser.kb.remedies[remedy].fit.conflicts(other, other["platform"])
    assert remedy not in advised(diagnoser.run(other))


def test_a_court_order_is_answered_in_the_case_not_by_appeal_on_every_platform(diagnoser):
    for platform in ("amazon", "ebay", "walmart", "wish"):
        diagnosis = diagnoser.run({"platform": platform, "notice_reason": "funds_hold", "court_order": True})
        assert diagnosis.causes[0].id == "court_order_lawsuit", platform
        assert {"respond_to_court_case", "ask_owner_to_withdraw_directly"} <= advised(diagnosis)
    denied = diagnoser.run({"platform": "wish", "notice_reason": "ip_complaint", "court_order": False})
    assert "court_order_lawsuit" not in [c.id for c in denied.causes]


@pytest.mark.parametrize("facts,remedy,sentence", [
    (WISH_COURT, "watch_injunction_page", "Merchant Dashboard's injunctions page"),
    (REPEAT, "short_plain_appeal", "This plan keeps to the facts"),
    (TRADEMARK, "drop_infringing_designer", "stopped ordering from it"),
])
def test_a_confirmed_action_reads_as_done_in_the_letter(diagnoser, facts, remedy, sentence):
    diagnosis = diagnoser.run(dict(facts))
    confirmed = draft_letter(diagnoser.kb, diagnosis, today=TODAY, done=[remedy]).text
    assert sentence in confirmed and f"[CONFIRM: {remedy}]" not in confirmed
    pending = draft_letter(diagnoser.kb, diagnosis, today=TODAY).text
    assert f"[CONFIRM: {remedy}]" in pending


def test_filling_orders_from_a_second_supplier_is_a_measure_the_letter_states(diagnoser):
    text = draft_letter(diagnoser.kb, diagnoser.run(dict(STOCKOUTS)), today=TODAY).text
    measures = text.split("Measures that prevent a recurrence")[1]
    assert "filled with the same item from a second authorised supplier" in measures
    assert "[CONFIRM: fulfil_from_other_source]" not in text
