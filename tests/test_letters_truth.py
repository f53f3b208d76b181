"""Truthful letters (issue 13) and remedies that fit the case (issue 21): a letter states as done
only confirmed actions, never promises what the case contradicts, lists as attached only the
documents the case shows the seller has, and says each thing once; next steps fit the platform."""
import datetime as dt
import json
import re
import shutil

import pytest
from click.testing import CliRunner
from msgspec.structs import replace

from conftest import EXAMPLES, ROOT
from diagnose.cli import cli
from diagnose.facts import load_facts, read_facts_file
from diagnose.letters import draft_letter, letter_cutoff
from diagnose.ranking import RemedyAdvice
from diagnose.tracking import read_tracking
from diagnose.vocabulary import say

TODAY = dt.date(2026, 10, 20)
CASE_FILES = sorted(EXAMPLES.glob("*.y*ml")) + sorted(EXAMPLES.glob("*.json")) \
    + sorted((ROOT / "tests" / "golden" / "letters").glob("*.yaml"))
LATE = {"platform": "amazon", "late_shipment_rate": "6%", "handling_time_too_short": True}


def immediate(kb, diagnosis):
    return tuple(dict.fromkeys(r.id for c in diagnosis.causes if c.certainty >= letter_cutoff(kb)
                               for r in c.remedies if r.kind == "immediate"))


def bullets(text):
    return [line for line in text.splitlines() if line.lstrip().startswith("- ")]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_every_case_needs_confirmation_until_its_actions_are_done(diagnoser, path):
    diagnosis = diagnoser.run(load_facts(str(path), (), diagnoser.kb))
    if not any(c.certainty >= letter_cutoff(diagnoser.kb) for c in diagnosis.causes):
        pytest.skip("no cause reaches the letter's cut-off")
    unconfirmed = draft_letter(diagnoser.kb, diagnosis, today=TODAY)
    assert "[CONFIRM: " in unconfirmed.text and not unconfirmed.ready
    assert unconfirmed.notes[-1].startswith("Not ready to send:")
    assert "This is the text to send." not in unconfirmed.notes
    confirmed = draft_letter(diagnoser.kb, diagnosis, today=TODAY, done=immediate(diagnoser.kb, diagnosis))
    assert "[CONFIRM" not in confirmed.text and "[ACTION TAKEN]" not in confirmed.text
    for draft in (unconfirmed, confirmed):
        lines = bullets(draft.text)
        assert len(lines) == len(set(lines)), "a bullet appears twice"
        assert not set(draft.checklist) & {line.lstrip()[2:] for line in lines}


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_no_letter_promises_a_measure_or_lists_a_document_the_case_contradicts(diagnoser, path):
    kb = diagnoser.kb
    diagnosis = diagnoser.run(load_facts(str(path), (), kb))
    if not any(c.certainty >= letter_cutoff(diagnoser.kb) for c in diagnosis.causes):
        pytest.skip("no cause reaches the letter's cut-off")
    text = draft_letter(kb, diagnosis, today=TODAY, done=immediate(diagnoser.kb, diagnosis)).text
    for remedy in kb.remedies.values():
        if remedy.fit.conflicts(diagnosis.facts, diagnosis.platform) and remedy.letter:
            assert remedy.letter["en"][:40] not in text, remedy.id
    for cause in kb.causes.values():
        for document, fit in zip(cause.evidence, cause.evidence_fits):
            if fit.conflicts(diagnosis.facts, diagnosis.platform):
                assert f"- {document['en']}" not in text


def test_the_counterfeit_example_neither_attaches_nor_claims_what_the_seller_lacks(diagnoser):
    diagnosis = diagnoser.run(load_facts(str(EXAMPLES / "counterfeit-unauthorised-brand.yaml"), (), diagnoser.kb))
    draft = draft_letter(diagnoser.kb, diagnosis, today=TODAY, done=immediate(diagnoser.kb, diagnosis))
    assert "authorisation or licence from the brand owner" not in draft.text
    assert "within the last 365 days" not in draft.text
    assert any("authorisation or licence from the brand owner" in item for item in draft.checklist)
    assert any("within the last 365 days" in item for item in draft.checklist)
    assert "settled in the buyer's favour" not in draft.text
    assert draft.text.count("We buy only from the brand owner") == 1


@pytest.mark.parametrize("lang,line", [
    ("en", "- By 2026-10-30, we will set the handling time of each product to the number of days our warehouse "
           "really needs, measured from our own dispatch records."),
    ("zh", "- 2026-10-30 前，我们将按自己的发货记录，把每个商品的处理时间改为仓库实际需要的天数。"),
])
def test_planned_actions_read_as_the_seller_s_commitment_with_its_date(diagnoser, lang, line):
    kb, diagnosis = diagnoser.kb, diagnoser.run(LATE)
    draft = draft_letter(kb, diagnosis, lang, today=TODAY, planned={"lengthen_handling_time": "2026-10-30"})
    assert draft.text.splitlines().count(line) == 1
    remedy = kb.remedies["lengthen_handling_time"]
    for wording in (remedy.text, remedy.letter):  # neither the advice nor the done sentence
        assert say(wording, lang).rstrip("。.") not in draft.text
    assert "[CONFIRM: lengthen_handling_time]" not in draft.text
    late = draft_letter(diagnoser.kb, diagnosis, today=TODAY, planned={"lengthen_handling_time": "2026-10-01"})
    assert any("planned for 2026-10-01, which has passed" in note for note in late.notes)


@pytest.mark.parametrize("case", ["amazon-combined", "ebay-listing-mismatch", "walmart-listing-mismatch",
                                  "wish-late-handling"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_corrective_action_planned_reads_as_a_commitment(diagnoser, case, lang):
    """Every immediate remedy of the case's platform, planned by a date in one letter: its plan
    wording, rendered and following the date phrase once, never the advice given to the seller."""
    kb = diagnoser.kb
    diagnosis = diagnoser.run(load_facts(str(ROOT / "tests" / "golden" / "letters" / f"{case}.yaml"), (), kb))
    platform = diagnosis.platform
    remedies = tuple(RemedyAdvice(r.id, r.kind, r.text, r.letter, r.sources) for r in kb.remedies.values()
                     if r.kind == "immediate" and platform in (r.fit.platforms or (platform,)))
    diagnosis = replace(diagnosis, causes=(replace(diagnosis.causes[0], remedies=remedies),))
    planned = {remedy.id: "2026-12-15" for remedy in remedies}
    text = draft_letter(kb, diagnosis, lang, today=TODAY, planned=planned).text
    dated = [line for line in bullets(text) if "2026-12-15" in line]
    assert len(dated) == len(planned) > 60
    shape = r"- By 2026-12-15, we will [^A-Z{][^{}]*[^.{}]\." if lang == "en" else r"- 2026-12-15 前，[^{}]*[^。{}]。"
    assert [line for line in dated if not re.fullmatch(shape, line)] == []
    assert [r.id for r in remedies if say(r.text, lang) in text] == []


def test_measures_that_need_unconfirmed_facts_are_not_promised(diagnoser):
    forwarder = "moving to a more dependable carrier arrangement"
    assert forwarder not in draft_letter(diagnoser.kb, diagnoser.run(LATE), today=TODAY).text
    denied = diagnoser.run(dict(LATE, unreliable_carrier=False))
    assert forwarder not in draft_letter(diagnoser.kb, denied, today=TODAY).text
    assert "stable_forwarder" not in {r.id for c in denied.causes for r in c.remedies}
    confirmed = diagnoser.run(dict(LATE, unreliable_carrier=True))
    assert forwarder in draft_letter(diagnoser.kb, confirmed, today=TODAY).text


@pytest.mark.parametrize("facts,remedy", [
    ({"platform": "ebay", "late_shipment_rate": "9%", "handling_time_too_short": True,
      "unreliable_carrier": True}, "move_to_fba"),
    ({"platform": "ebay", "late_shipment_rate": "9%", "unreliable_carrier": True}, "use_fba_or_overseas_warehouse"),
    ({"platform": "amazon", "notice_reason": "counterfeit", "sourcing": "authorised_distributor",
      "brand_authorised": False}, "remove_unauthorised_brand_listings"),
    ({"platform": "amazon", "notice_reason": "counterfeit", "brand_authorised": False,
      "has_supplier_invoices": False}, "appeal_with_compliance_evidence"),
])
def test_remedies_the_case_contradicts_are_never_advised(diagnoser, facts, remedy):
    assert diagnoser.kb.remedies[remedy].fit.conflicts(facts, facts["platform"])
    diagnosis = diagnoser.run(facts)
    assert remedy not in {r.id for c in diagnosis.causes for r in c.remedies}


@pytest.mark.parametrize("platform", ["ebay", "walmart", "wish"])
def test_amazon_next_steps_stay_on_amazon(diagnoser, platform):
    steps = {s.id for s in diagnoser.run({"platform": platform, "notice_reason": "listing_mismatch",
                                          "listing_details_wrong": True}).next_steps}
    assert "G02" not in steps and "G05" not in steps
    assert ("G03" in steps) == (platform != "ebay") and ("N01" in steps) == (platform == "ebay")
    assert "N02" not in steps
    amazon = {s.id for s in diagnoser.run(dict(LATE)).next_steps}
    assert {"G01", "G02", "G03", "G04", "N02"} <= amazon and "N01" not in amazon


@pytest.mark.parametrize("platform", ["amazon", "ebay", "walmart", "wish"])
def test_the_follow_up_step_names_amazon_s_appeal_page_only_to_amazon_sellers(diagnoser, platform):
    diagnosis = diagnoser.run({"platform": platform, "notice_reason": "listing_mismatch", "listing_details_wrong": True})
    for lang in ("en", "zh"):
        words = " ".join(say(step.text, lang) for step in diagnosis.next_steps)
        named = ("View appeal" in words) if lang == "en" else ("查看申诉" in words)
        assert named == (platform == "amazon"), (lang, words)
        assert ("Amazon" in words or "亚马逊" in words) == (platform == "amazon"), (lang, words)


@pytest.mark.parametrize("platform", ["amazon", "ebay", "walmart", "wish"])
def test_the_warning_remedy_names_amazon_s_steps_only_to_amazon_sellers(diagnoser, platform):
    diagnosis = diagnoser.run({"platform": platform, "notice_reason": "fair_pricing", "earlier_warnings_ignored": True})
    cause = next(c for c in diagnosis.causes if c.id == "platform_warnings_ignored")
    remedies = {r.id for r in cause.remedies}
    assert ("answer_amazon_warning_by_appeal_or_quiz" in remedies) == (platform == "amazon")
    assert ("answer_at_risk_warning_in_time" in remedies) == (platform != "amazon")
    done = immediate(diagnoser.kb, diagnosis)
    for lang, amazon, quiz in (("en", "Amazon", "72 hours"), ("zh", "亚马逊", "72 小时")):
        advice = " ".join(say(r.text, lang) for r in cause.remedies)
        assert (amazon in advice) == (quiz in advice) == (platform == "amazon"), (lang, advice)
        letter = draft_letter(diagnoser.kb, diagnosis, lang=lang, today=TODAY, done=done).text
        assert (quiz in letter) == (platform == "amazon"), (lang, letter)
        assert platform == "amazon" or amazon not in letter, (lang, letter)


def test_a_healthy_shop_gets_no_plan_of_action_advice(diagnoser):
    healthy = diagnoser.run({"platform": "amazon", "order_defect_rate": "0.4%", "late_shipment_rate": "1%"})
    assert not healthy.causes and not {s.id for s in healthy.next_steps} & {"G01", "G02", "G03", "G04"}
    missed = diagnoser.run({"platform": "amazon", "order_defect_rate": "1.4%"})
    assert "G01" in {s.id for s in missed.next_steps}


def test_the_cli_reads_confirmed_actions_from_the_case_file_and_lists_documents_to_obtain(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text((EXAMPLES / "counterfeit-unauthorised-brand.yaml").read_text(encoding="utf-8")
                    + "actions_done: [remove_unauthorised_brand_listings]\n", encoding="utf-8")
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, ["letter", str(case), "--today", "2026-10-20"])
    assert result.exit_code == 0, result.stderr
    assert "- We removed every listing of the brand" in result.stdout
    assert "[CONFIRM: audit_all_listings]" in result.stdout
    assert "- [ ] A letter of authorisation or licence from the brand owner" in result.stderr
    tracking = read_tracking(read_facts_file(str(case)), {"remove_unauthorised_brand_listings"}, str(case))[0]
    assert tracking.actions_done == ("remove_unauthorised_brand_listings",)
    documents = result.stdout.split("Documents attached", 1)[1]
    assert "- The list of the brand's listings removed" in documents  # the removal is confirmed done
    bad = runner.invoke(cli, ["letter", str(case), "--today", "2026-02-30"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr
    assert re.search(r"Not ready to send: \d+ left to fill in or confirm", result.stderr)


def test_a_document_that_results_from_an_action_is_attached_only_once_the_action_is_done(diagnoser):
    """A list of removed listings exists only after the removal: until the seller confirms it,
    the document is one to obtain, not one the letter says is attached."""
    diagnosis = diagnoser.run(load_facts(str(EXAMPLES / "counterfeit-unauthorised-brand.yaml"), (), diagnoser.kb))
    removed = "The list of the brand's listings removed"
    pending = draft_letter(diagnoser.kb, diagnosis, today=TODAY)
    assert f"- {removed}" not in pending.text.split("Documents attached", 1)[1]
    assert removed in pending.checklist
    done = draft_letter(diagnoser.kb, diagnosis, today=TODAY, done=("remove_unauthorised_brand_listings",))
    assert f"- {removed}" in done.text.split("Documents attached", 1)[1] and removed not in done.checklist


def test_validate_refuses_a_document_after_a_remedy_the_cause_does_not_have(kb_copy):
    causes = kb_copy / "knowledge" / "policy" / "causes.yaml"
    text = causes.read_text(encoding="utf-8")
    causes.write_text(text.replace("after: [remove_unauthorised_brand_listings]", "after: [check_brand_before_listing]"),
                      encoding="utf-8")
    result = validate(kb_copy)
    assert result.exit_code == 1
    assert re.search(r"knowledge/policy/causes\.yaml:\d+:\d+: \[error\] cause 'unauthorised_brand' evidence 3: after "
                     r"names 'check_brand_before_listing', which is not one of the cause's immediate remedies", result.stdout)


# --- diagnose kb validate renders every scenario's letter -----------------------------------------


@pytest.fixture
def kb_copy(tmp_path):
    for part in ("knowledge", "rules"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def write_scenario(root, facts):
    folder = root / "tests" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "brand.yaml").write_text(json.dumps({"title": "t", "facts": facts,
                                                   "expect": {"top3": ["unauthorised_brand"]}}), encoding="utf-8")


def validate(root):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["kb", "validate", "--kb", str(root)])


BRAND = {"platform": "amazon", "notice_reason": "counterfeit", "sourcing": "wholesaler", "brand_authorised": False,
         "has_supplier_invoices": True, "invoices_within_365_days": False}


def test_validate_renders_each_scenarios_letter_and_reports_what_its_facts_contradict(kb_copy):
    write_scenario(kb_copy, BRAND)
    assert validate(kb_copy).exit_code == 0
    template = kb_copy / "knowledge" / "letters" / "amazon.en.txt.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{% block platform_documents %}\n", "{% block platform_documents %}\n"
                                     "- A letter of authorisation or licence from the brand owner for the products concerned\n"
                                     "- A letter of authorisation or licence from the brand owner for the products concerned\n"),
                        encoding="utf-8")
    result = validate(kb_copy)
    assert result.exit_code == 1
    assert "knowledge/policy/causes.yaml:" in result.stdout
    assert "scenario brand: the letter lists cause 'unauthorised_brand' evidence 1 as attached although the case " \
           "does not show the seller has it (letter-contradiction)" in result.stdout
    assert "knowledge/letters/amazon.en.txt.j2:1:1: [error] scenario brand: the letter says twice: A letter of " \
           "authorisation" in result.stdout


def test_validate_reports_a_remedy_sentence_the_scenario_contradicts(kb_copy):
    folder = kb_copy / "tests" / "scenarios"
    folder.mkdir(parents=True)
    facts = {"platform": "amazon", "late_shipment_rate": "6%", "handling_time_too_short": True,
             "unreliable_carrier": False}
    (folder / "late.yaml").write_text(json.dumps({"facts": facts, "expect": {"top3": ["handling_time_too_short"]}}),
                                      encoding="utf-8")
    template = kb_copy / "knowledge" / "letters" / "amazon.en.txt.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block closing %}\n", "{% block closing %}\nOur best-selling products are moving to a more dependable "
        "carrier arrangement, or to the marketplace's own fulfilment service where it is offered.\n"), encoding="utf-8")
    result = validate(kb_copy)
    assert result.exit_code == 1
    assert "knowledge/remedies.yaml:" in result.stdout and "scenario late: the letter states remedy " \
        "'stable_forwarder' although the case contradicts it (needs unreliable_carrier is true)" in result.stdout


# --- the advice corrections of issue 13, each with its source ------------------------------------


@pytest.mark.parametrize("item,present,absent,sources", [
    ("refund_and_ask_withdrawal", ["within 72 hours", "before a claim is filed", "within 30 days"],
     ["withdraw"], ["amazon-atoz-buy-shipping", "amazon-atoz-open-refund"]),
    ("enable_shipping_automation", ["Standard Shipping orders only"], [], ["amazon-otdr-2024"]),
    ("separate_account_resources", ["Tell the platform plainly", "reads as hiding the link"], [],
     ["amazon-related-accounts-notice"]),
    ("G02", ["17 days or two unsuccessful appeals"], ["One seller was given"], ["amazon-appeal-limits"]),
    ("G03", ["Do not send the same plan again"], ["resubmit", "View appeal", "Amazon"], ["amazon-appeal-limits"]),
    ("N02", ["Account Health, View appeal"], [], ["amazon-reactivate"]),
    ("N01", ["monthly evaluation on the 20th", "removed on request", "appealed with the evidence"], [],
     ["ebay-defect-removal"]),
])
def test_corrected_advice_says_the_right_thing_and_cites_its_source(kb, item, present, absent, sources):
    known = kb.remedies.get(item) or kb.guidance[item]
    for text in present:
        assert text in known.text["en"]
    for text in absent:
        assert text not in known.text["en"]
    assert set(sources) <= set(known.sources)
    assert all(kb.sources[s].url for s in sources)


@pytest.mark.parametrize("cause,facts", [
    ("malicious_feedback", {"platform": "amazon", "order_defect_rate": "1.5%", "feedback_burst": True}),
    ("removable_feedback", {"platform": "amazon", "order_defect_rate": "1.5%", "feedback_removable": True,
                            "feedback_reason": "product_review"}),
])
def test_a_plan_of_action_never_argues_against_buyers(diagnoser, cause, facts):
    diagnosis = diagnoser.run(facts)
    assert cause in [c.id for c in diagnosis.causes], [c.id for c in diagnosis.causes]
    text = draft_letter(diagnoser.kb, diagnosis, today=TODAY, min_certainty=0.2).text.lower()
    for argument in ("do not reflect", "does not measure", "competitor", "malicious", "such feedback"):
        assert argument not in text
    assert "separate" in text  # the removal request goes apart from the plan


def test_the_follow_up_asks_for_status_and_never_resends(diagnoser):
    facts = {"platform": "amazon", "order_defect_rate": "1.2%", "slow_replies": True,
             "appeal_date": "2026-10-01", "suspension_date": "2026-09-20"}
    from diagnose.letters import draft_message

    text = draft_message(diagnoser.kb, diagnoser.run(facts), "follow-up", today=TODAY).text
    assert "View appeal" in text and "again" not in text and "resubmit" not in text.lower()


def test_platform_words_wish_review_and_walmart_cancellation_rate(diagnoser):
    wish = {"platform": "wish", "notice_reason": "listing_mismatch", "listing_details_wrong": True,
            "infraction_date": "2026-09-01"}
    assert "We dispute" not in draft_letter(diagnoser.kb, diagnoser.run(wish), today=TODAY).text
    walmart = {"platform": "walmart", "cancel_rate": "3%", "out_of_stock_often": True}
    text = draft_letter(diagnoser.kb, diagnoser.run(walmart), today=TODAY).text
    assert "Cancellation rate: 3%" in text and "pre-fulfilment" not in text.lower()


def test_a_document_after_an_unknown_remedy_is_one_finding_not_a_crash(kb_copy):
    causes = kb_copy / "knowledge" / "policy" / "causes.yaml"
    text = causes.read_text(encoding="utf-8")
    text = text.replace("remedies: [remove_unauthorised_brand_listings, audit_all_listings",
                        "remedies: [ghost_remedy, audit_all_listings")
    causes.write_text(text.replace("after: [remove_unauthorised_brand_listings]", "after: [ghost_remedy]"),
                      encoding="utf-8")
    result = validate(kb_copy)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cause 'unauthorised_brand': unknown remedy 'ghost_remedy'" in result.stdout


def test_a_figure_states_the_platform_s_own_window_or_none(diagnoser):
    """A rate stated in a letter carries the window of the platform's threshold on it; where the
    platform has no threshold on that rate (Amazon's late shipment rate on Walmart), no window is
    claimed, since the fact's own window is another marketplace's."""
    facts = {"platform": "walmart", "notice_reason": "late_shipment", "fulfilment": "seller", "late_shipment_rate": "7.8%",
             "handling_time_too_short": True}
    walmart = draft_letter(diagnoser.kb, diagnoser.run(facts), today=TODAY).text
    assert "- Late shipment rate: 7.8%.\n" in walmart and "window" not in walmart
    amazon = draft_letter(diagnoser.kb, diagnoser.run(dict(facts, platform="amazon")), today=TODAY).text
    window = next(t.window["en"] for t in diagnoser.kb.platforms["amazon"].thresholds if t.metric == "late_shipment_rate")
    assert f"(window: {window})" in amazon
