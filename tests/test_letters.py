"""Letters and messages: every cause answered, placeholders and the missing-facts list,
platform routes that refuse a letter, message conditions, and the knowledge check."""
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from diagnose.api import Diagnoser
from diagnose.errors import InputError, KnowledgeBaseError
from diagnose.knowledge import check_knowledge, knowledge_files, load_knowledge
from diagnose.letters import draft_letter, draft_message

TODAY = dt.date(2026, 10, 20)
FULL = {"store_name": "Harbor Lane Home", "seller_name": "Mei Chen", "seller_id": "A2HLH7EXAMPLE",
        "suspension_date": "2026-10-02", "order_ids": "113-4417820-1193057",
        "supplier_name": "Ningbo Brightway Housewares Co."}
STOCKOUT = {"platform": "amazon", "notice_reason": "cancel_rate", "fulfilment": "seller",
            "orders_7d": 412, "cancelled_orders_7d": 19, "out_of_stock_often": True}


def letter(diagnoser, facts, **options):
    return draft_letter(diagnoser.kb, diagnoser.run(facts), today=TODAY, **options)


def immediate(diagnoser, facts):
    """Every immediate remedy of the causes the letter answers."""
    return tuple(r.id for c in diagnoser.run(facts).causes for r in c.remedies if r.kind == "immediate")


def message(diagnoser, facts, kind, **options):
    return draft_message(diagnoser.kb, diagnoser.run(facts), kind, today=TODAY, **options)


def test_every_cause_above_the_cut_off_has_all_three_parts(diagnoser):
    facts = {"platform": "amazon", "cancel_rate": "3.4%", "out_of_stock_often": True,
             "late_shipment_rate": "5.9%", "handling_time_too_short": True,
             "order_defect_rate": "1.35%", "slow_replies": True}
    diagnosis = diagnoser.run(facts)
    text = draft_letter(diagnoser.kb, diagnosis, today=TODAY).text
    assert len(diagnosis.causes) == 3
    for number, cause in enumerate(diagnosis.causes, 1):
        assert f"{number}. {cause.title['en']}" in text
        assert text.count(f"For root cause {number} ({cause.title['en']}):") == 2  # actions and prevention
        for remedy in cause.remedies:
            first_words = " ".join((remedy.letter or remedy.text)["en"].split()[:4])
            # a measure that needs facts the case does not give is not promised
            assert (first_words in text) == diagnoser.kb.remedies[remedy.id].fit.confirmed(diagnosis.facts)


def test_causes_below_the_cut_off_are_left_out_and_named(diagnoser):
    facts = dict(STOCKOUT, late_shipment_rate="6%", handling_time_too_short=True)
    draft = letter(diagnoser, facts, min_certainty=0.85)
    assert "Handling time set shorter" not in draft.text
    assert any("Left out" in note and "Handling time set shorter than the team needs (80%)" in note
               for note in draft.notes)


def test_no_cause_above_the_cut_off_is_refused(diagnoser):
    with pytest.raises(InputError, match="certainty cut-off"):
        letter(diagnoser, {"platform": "amazon", "cancel_rate": "1%"})


def test_the_letter_quotes_the_sellers_own_figures(diagnoser):
    text = letter(diagnoser, STOCKOUT).text
    assert "Pre-fulfilment cancellation rate: 4.61% (19 of 412 orders; window: 7 days); target: below 2.5%." in text


def test_missing_facts_become_placeholders_listed_with_their_questions(diagnoser, kb):
    draft = letter(diagnoser, STOCKOUT)
    for name, placeholder in [("store_name", "[STORE NAME]"), ("suspension_date", "[SUSPENSION DATE]"),
                              ("order_ids", "[ORDER IDS]"), ("supplier_name", "[SUPPLIER NAME]")]:
        assert placeholder in draft.text
        listed = next(m for m in draft.missing if m.fact == name)
        assert listed.placeholder == placeholder
        assert listed.question == kb.facts[name].question["en"]
    # listed in the order they appear, each once
    positions = [draft.text.index(m.placeholder) for m in draft.missing]
    assert positions == sorted(positions) and len({m.fact for m in draft.missing}) == len(draft.missing)


def test_given_facts_leave_no_placeholder(diagnoser):
    draft = letter(diagnoser, dict(STOCKOUT, **FULL), done=immediate(diagnoser, STOCKOUT))
    assert draft.missing == () and draft.ready
    assert not re.search(r"\[[A-Z ]+\]", draft.text)
    assert "Ningbo Brightway Housewares Co." in draft.text and "113-4417820-1193057" in draft.text


def test_the_chinese_version_is_marked_for_review_and_questions_are_in_chinese(diagnoser, kb):
    draft = letter(diagnoser, STOCKOUT, lang="zh")
    assert draft.text.startswith("【中文审阅稿，请勿发送】")
    assert "英文版" in draft.text.splitlines()[0]
    assert next(m for m in draft.missing if m.fact == "store_name").question == kb.facts["store_name"].question["zh"]
    english = letter(diagnoser, dict(STOCKOUT, **FULL), done=immediate(diagnoser, STOCKOUT))
    assert "This is the text to send." in english.notes


def test_same_cause_different_figures_give_different_letters(diagnoser):
    one = letter(diagnoser, STOCKOUT).text
    other = letter(diagnoser, dict(STOCKOUT, orders_7d=380, cancelled_orders_7d=23)).text
    assert one != other


def test_amazon_letters_avoid_emotive_language(diagnoser):
    text = letter(diagnoser, dict(STOCKOUT, **FULL)).text.lower()
    for word in ("sorry", "apolog", "sincere", "regret", "beg", "forgive", "chance"):
        assert word not in text


def test_each_platform_addresses_its_own_route(diagnoser):
    facts = {"notice_reason": "listing_mismatch", "listing_details_wrong": True}
    assert "To: Amazon Seller Performance" in letter(diagnoser, dict(facts, platform="amazon")).text
    walmart = letter(diagnoser, dict(facts, platform="walmart", invoice_date="2026-10-01")).text
    assert "Business plan of action" in walmart and "no more than two months old" in walmart
    wish = letter(diagnoser, dict(facts, platform="wish", infraction_date="2026-09-01")).text
    assert "Infraction [INFRACTION ID] of 2026-09-01: review request with evidence" in wish
    ebay = letter(diagnoser, dict(facts, platform="ebay")).text
    assert "To: eBay Customer Service (appeal of the account suspension)" in ebay
    ebay = letter(diagnoser, {"platform": "ebay", "late_shipment_rate": "9%", "handling_time_too_short": True}).text
    assert "Next eBay seller performance evaluation: 2026-11-20" in ebay


@pytest.mark.parametrize("today,review", [(dt.date(2026, 10, 19), "2026-10-20"),
                                          (dt.date(2026, 12, 20), "2027-01-20")])
def test_ebay_review_date_is_the_next_20th(diagnoser, today, review):
    facts = {"platform": "ebay", "late_shipment_rate": "9%", "handling_time_too_short": True}
    text = draft_letter(diagnoser.kb, diagnoser.run(facts), today=today).text
    assert f"evaluation: {review}" in text


def test_walmart_terminated_accounts_get_no_letter(diagnoser):
    facts = {"platform": "walmart", "notice_reason": "listing_mismatch", "listing_details_wrong": True,
             "account_terminated": True}
    with pytest.raises(InputError, match="terminated") as info:
        letter(diagnoser, facts, source="case.yaml")
    assert str(info.value).startswith("case.yaml: account_terminated:")


def test_wish_disputes_close_after_90_days(diagnoser):
    facts = {"platform": "wish", "notice_reason": "listing_mismatch", "listing_details_wrong": True}
    with pytest.raises(InputError, match="closed on 2026-10-19"):
        letter(diagnoser, dict(facts, infraction_date="2026-07-21"))
    draft = letter(diagnoser, dict(facts, infraction_date="2026-07-22"))
    assert any("2026-10-20" in note for note in draft.notes)


def test_walmart_flags_invoices_older_than_two_months(diagnoser):
    facts = {"platform": "walmart", "notice_reason": "listing_mismatch", "listing_details_wrong": True}
    recent = letter(diagnoser, dict(facts, invoice_date="2026-09-01")).notes
    assert not any("days old" in n for n in recent)
    assert any(n.startswith("2026-11-01 (12 days left): The latest supplier invoice can be attached") for n in recent)
    assert "no more than two months old (latest: 2026-09-01)" in letter(diagnoser, dict(facts, invoice_date="2026-09-01")).text
    old = letter(diagnoser, dict(facts, invoice_date="2026-07-01"))
    assert any("111 days old" in note and "accepted it only until 2026-09-01" in note for note in old.notes)
    assert "two months old" not in old.text  # an expired invoice is never listed as attached


FEEDBACK = {"platform": "amazon", "order_defect_rate": "1.2%", "slow_replies": True, "order_ids": "112-1"}
INCENTIVES = re.compile(r"\b(coupon|discount|voucher|gift|reward|free|bonus|cashback|in exchange|in return)\b", re.I)


def test_feedback_meeting_amazons_criteria_goes_to_amazon(diagnoser):
    text = message(diagnoser, dict(FEEDBACK, feedback_reason="obscene"), "feedback-removal").text
    assert text.startswith("To: Amazon Seller Support") and "obscene or abusive" in text
    assert not INCENTIVES.search(text)


def test_feedback_left_early_and_resolved_goes_to_the_buyer_without_incentive(diagnoser):
    draft = message(diagnoser, dict(FEEDBACK, feedback_reason="early_resolved"), "feedback-removal")
    assert "[BUYER NAME]" in draft.text and "[REFUND DATE]" in draft.text
    assert "does not depend on it" in draft.text
    assert not INCENTIVES.search(draft.text)


def test_feedback_meeting_no_criterion_gets_no_removal_request(diagnoser):
    for facts in (FEEDBACK, dict(FEEDBACK, feedback_reason="none")):
        with pytest.raises(InputError, match="none of the removal criteria"):
            message(diagnoser, facts, "feedback-removal")


def test_atoz_message_answers_the_claim_with_tracking_and_never_asks_for_a_withdrawal(diagnoser):
    draft = message(diagnoser, FEEDBACK, "atoz-withdrawal")
    assert "[TRACKING NUMBER]" in draft.text and "within 72 hours" in draft.text
    assert "withdraw" not in draft.text.lower() and "[REFUND DATE]" not in draft.text
    assert any("Buy Shipping, do not refund" in note and "30 days" in note for note in draft.notes)
    refunded = message(diagnoser, dict(FEEDBACK, refund_date="2026-10-01"), "atoz-withdrawal").text
    assert "in full on 2026-10-01" in refunded
    assert not INCENTIVES.search(draft.text)
    with pytest.raises(InputError, match="for amazon, not walmart"):
        message(diagnoser, dict(FEEDBACK, platform="walmart"), "atoz-withdrawal")


def test_follow_up_waits_ten_days_after_the_appeal(diagnoser):
    with pytest.raises(InputError, match="until 2026-10-21"):
        message(diagnoser, dict(FEEDBACK, appeal_date="2026-10-11"), "follow-up")
    text = message(diagnoser, dict(FEEDBACK, appeal_date="2026-10-10", suspension_date="2026-10-01"),
                   "follow-up").text
    assert "suspended on 2026-10-01" in text and "appeal on 2026-10-10" in text
    with pytest.raises(InputError, match="not ebay"):
        message(diagnoser, dict(FEEDBACK, platform="ebay"), "follow-up")


def test_the_letter_suggests_the_messages_the_case_calls_for(diagnoser):
    facts = dict(FEEDBACK, notice_reason="order_defect_rate", feedback_reason="product_review",
                 refund_date="2026-10-01", appeal_date="2026-10-01")
    notes = " ".join(letter(diagnoser, facts).notes)
    for kind in ("feedback-removal", "atoz-withdrawal", "follow-up"):
        assert f"--message {kind}" in notes
    assert "--message" not in " ".join(letter(diagnoser, STOCKOUT).notes)


def test_remedies_without_a_letter_sentence_fall_back_to_their_text(diagnoser, kb):
    from msgspec.structs import replace

    diagnosis = diagnoser.run({"platform": "amazon", "late_shipment_rate": "6%", "handling_time_too_short": True})
    causes = tuple(replace(c, remedies=tuple(replace(r, letter=None) for r in c.remedies)) for c in diagnosis.causes)
    text = draft_letter(kb, replace(diagnosis, causes=causes), today=TODAY).text
    for remedy in causes[0].remedies:
        if not kb.remedies[remedy.id].fit.confirmed(diagnosis.facts):
            continue  # not promised at all (see test_measures_that_need_unconfirmed_facts_are_not_promised)
        assert remedy.text["en"] in text
        assert kb.remedies[remedy.id].letter["en"] not in text


# --- the knowledge check ----------------------------------------------------------------------


@pytest.fixture
def kb_copy(tmp_path):
    for part in ("knowledge", "rules"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def findings_of(root: Path):
    knowledge, rules = knowledge_files(root)
    kb, findings = check_knowledge(root, knowledge, rules)
    return kb, [f for f in findings if f.check.startswith("letter")]


def test_the_shipped_letters_pass_the_check():
    assert findings_of(ROOT)[1] == []


def test_a_template_syntax_error_names_file_and_line(kb_copy):
    path = kb_copy / "knowledge" / "letters" / "wish.en.txt.j2"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[6] = "{% if platform %}unclosed"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kb, findings = findings_of(kb_copy)
    assert kb is None
    assert [(Path(f.path).name, f.check) for f in findings] == [("wish.en.txt.j2", "letter-template")]
    assert "template syntax" in findings[0].message and findings[0].line >= 7


def test_unknown_variables_and_facts_are_reported(kb_copy):
    path = kb_copy / "knowledge" / "letters" / "ebay.en.txt.j2"
    path.write_text(path.read_text(encoding="utf-8") + "{{ review_dat }} {{ fact('stor_name') }}\n", encoding="utf-8")
    _, findings = findings_of(kb_copy)
    messages = sorted(f.message for f in findings)
    assert messages == ["unknown fact 'stor_name'; did you mean 'store_name'?",
                        "unknown template variable 'review_dat'; did you mean 'review_date'?"]


@pytest.mark.parametrize("sentence,written,broken", [
    ("letter", "{{ fact('supplier_name') }} for every", "{{ fact('supplier') }} for every"),
    ("plan", "{{ fact('supplier_name') }}{% else %}our supplier", "{{ fact('supplier') }}{% else %}our supplier"),
])
def test_a_bad_remedy_sentence_in_yaml_is_reported_at_its_item(kb_copy, sentence, written, broken):
    path = kb_copy / "knowledge" / "remedies.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(written, broken), encoding="utf-8")
    _, findings = findings_of(kb_copy)
    assert [(Path(f.path).name, f.message) for f in findings] == [
        ("remedies.yaml", f"'replenish_with_supplier' {sentence} (en): unknown fact 'supplier'; did you mean 'supplier_name'?")]


def test_missing_templates_and_incentives_are_reported(kb_copy):
    (kb_copy / "knowledge" / "letters" / "wish.zh.txt.j2").unlink()
    path = kb_copy / "knowledge" / "letters" / "messages" / "feedback-removal.en.txt.j2"
    path.write_text(path.read_text(encoding="utf-8") + "As thanks we will send you a coupon.\n", encoding="utf-8")
    _, findings = findings_of(kb_copy)
    assert {(f.check, f.message.split(":")[0]) for f in findings} == {
        ("letter-template", "the template wish.zh.txt.j2 is missing"), ("letter-incentive", "'coupon'")}


def test_loading_a_knowledge_base_with_a_broken_template_fails(kb_copy):
    (kb_copy / "knowledge" / "letters" / "amazon.en.txt.j2").write_text("{% block x %}", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(kb_copy, use_cache=False)
    assert any(f.check == "letter-template" for f in info.value.findings)


@pytest.mark.slow
def test_editing_a_template_changes_the_knowledge_version(kb_copy):
    before = load_knowledge(kb_copy).version
    path = kb_copy / "knowledge" / "letters" / "ebay.en.txt.j2"
    path.write_text(path.read_text(encoding="utf-8") + "{{ review_dat }}\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        load_knowledge(kb_copy)  # the cached load of the unedited files is not reused
    assert before


def test_a_template_extending_a_missing_one_is_reported(kb_copy):
    path = kb_copy / "knowledge" / "letters" / "wish.en.txt.j2"
    path.write_text(path.read_text(encoding="utf-8").replace('"_letter.en.txt.j2"', '"_letters.en.txt.j2"'),
                    encoding="utf-8")
    _, findings = findings_of(kb_copy)
    assert [f.message for f in findings] == ["extends or includes the missing template '_letters.en.txt.j2'"]


def test_optional_facts_tested_with_has_raise_no_question(diagnoser):
    facts = {"platform": "ebay", "late_shipment_rate": "9%", "handling_time_too_short": True}
    draft = letter(diagnoser, facts)
    assert "seller_id" not in [m.fact for m in draft.missing] and "eBay user ID" not in draft.text
    assert "(eBay user ID ebay_shop)" in letter(diagnoser, dict(facts, seller_id="ebay_shop")).text


def test_an_amazon_odr_letter_breaks_the_rate_into_its_parts_and_flags_unanswered_ones(diagnoser):
    facts = {"platform": "amazon", "notice_reason": "order_defect_rate", "order_defect_rate": "1.6%",
             "slow_replies": True}
    draft = letter(diagnoser, facts)
    assert "negative feedback [NEGATIVE FEEDBACK RATE], A-to-z Guarantee claims [ATOZ CLAIM RATE]" in draft.text
    assert {"negative_feedback_rate", "atoz_claim_rate", "chargeback_rate"} <= {m.fact for m in draft.missing}
    parts = letter(diagnoser, dict(facts, negative_feedback_rate="0.4%", atoz_claim_rate="0", chargeback_rate="0.2%"))
    flagged = [note for note in parts.notes if "Amazon expects every part answered" in note]
    assert len(flagged) == 2 and "chargebacks part of the order defect rate (0.2%)" in flagged[1]
    assert not any("A-to-z claims part" in note for note in flagged)


def test_the_platforms_letter_policy_is_knowledge(kb_copy):
    """Which messages a platform takes and which cases it refuses come from its `letters` in
    platforms.yaml: moved to eBay, Walmart's refusal and messages change platform with it."""
    path = kb_copy / "knowledge" / "platforms.yaml"
    text = path.read_text(encoding="utf-8")
    walmart = ("      messages: [follow-up]\n      follow_up: follow_up\n      invoice: walmart_invoice\n"
               "      refused:\n        - when: {fact: account_terminated, is: yes}\n"
               "          message: error.walmart_terminated\n")
    ebay = "      messages: []  # eBay has no appeal to follow up, and neither buyer message applies\n"
    assert text.count(walmart) == 1 and text.count(ebay) == 1
    text = text.replace(walmart, "      invoice: walmart_invoice\n")
    path.write_text(text.replace(ebay, walmart.replace("      invoice: walmart_invoice\n", "")), encoding="utf-8")
    kb = load_knowledge(kb_copy, use_cache=False)
    assert [p for p in kb.platforms if "follow-up" in kb.platforms[p].letters.messages] == ["amazon", "ebay", "wish"]
    terminated = {"notice_reason": "listing_mismatch", "listing_details_wrong": True, "account_terminated": True}
    diagnoser = Diagnoser(kb)
    assert draft_letter(kb, diagnoser.run(dict(terminated, platform="walmart"))).text.strip()
    with pytest.raises(InputError, match="terminated"):
        draft_letter(kb, diagnoser.run(dict(terminated, platform="ebay")))
    with pytest.raises(InputError, match="the follow-up message is for amazon, ebay, wish, not walmart"):
        draft_message(kb, diagnoser.run({"platform": "walmart"}), "follow-up")
