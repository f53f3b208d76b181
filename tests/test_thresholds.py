"""Thresholds beyond a single figure: regional figures (`marketplaces`), minimum counts (`unless`),
and the agreement between a threshold's rule and the metric status the output shows."""
import datetime
import random

import pytest

from diagnose.deadlines import due_dates
from diagnose.facts import SellerFacts
from diagnose.ranking import metric_statuses
from diagnose.reference import ReferenceEvaluator
from kb_fixture import invoke

PLATFORMS = "knowledge/platforms.yaml"


@pytest.fixture(scope="module")
def kb(diagnoser):
    return diagnoser.kb


def statuses(kb, **facts):
    return {m.threshold: m.status for m in metric_statuses(kb, SellerFacts(facts))}


def fired(diagnoser, **facts):
    return {s.id for s in diagnoser.run(facts).symptoms}


@pytest.mark.parametrize("count,status", [(2, "too_few"), (3, "missed"), (None, "missed")])
def test_ebay_cases_closed_rate_counts_only_after_two_cases(diagnoser, kb, count, status):
    facts = {"platform": "ebay", "cases_closed_rate": 0.005}
    if count is not None:
        facts["cases_closed_count"] = count
    assert statuses(kb, **facts)["ebay.cases_closed_rate"] == status
    assert ("cases_closed_high" in fired(diagnoser, **facts)) == (status == "missed")


@pytest.mark.parametrize("buyers,status", [(3, "too_few"), (4, "missed")])
def test_ebay_defect_rate_counts_from_four_buyers(diagnoser, kb, buyers, status):
    facts = {"platform": "ebay", "transaction_defect_rate": 0.03, "defect_buyers": buyers}
    assert statuses(kb, **facts)["ebay.transaction_defect_rate"] == status
    assert ("tdr_high" in fired(diagnoser, **facts)) == (status == "missed")


def test_a_rate_within_target_is_met_whatever_the_count(kb):
    assert statuses(kb, platform="ebay", cases_closed_rate=0.001, cases_closed_count=1) == {
        "ebay.cases_closed_rate": "met"}


@pytest.mark.parametrize("marketplace,threshold,status", [
    (None, "walmart.cancel_rate", "missed"),
    ("us", "walmart.cancel_rate", "missed"),
    ("other", "walmart.cancel_rate", "missed"),
    ("ca", "walmart.cancel_rate_ca", "at_risk"),
])
def test_the_marketplace_selects_one_figure(kb, marketplace, threshold, status):
    facts = {"platform": "walmart", "fulfilment": "seller", "cancel_rate": 0.025}
    if marketplace:
        facts["marketplace"] = marketplace
    assert statuses(kb, **facts) == {threshold: status}


def test_regional_figures_reach_the_symptom_only_in_their_region(diagnoser):
    base = {"platform": "walmart", "fulfilment": "seller", "refund_rate": 0.09}
    assert "refund_rate_high" in fired(diagnoser, **base)
    assert "refund_rate_high" not in fired(diagnoser, **base, marketplace="ca")
    assert "refund_rate_high" in fired(diagnoser, **dict(base, refund_rate=0.13), marketplace="ca")


def test_the_2017_wish_limits_no_longer_apply(diagnoser, kb):
    facts = {"platform": "wish", "valid_tracking_rate": 0.9}
    assert statuses(kb, **facts) == {}
    assert "tracking_low" not in fired(diagnoser, **facts)
    assert "wish_standards_low" in fired(diagnoser, platform="wish", wish_standards_tier="bronze")


def test_wish_refunds_are_judged_on_both_windows_and_at_the_liability_line(kb):
    found = statuses(kb, platform="wish", refund_rate=0.06, refund_rate_63_93d=0.085)
    assert found == {"wish.refund_rate": "missed", "wish.refund_rate_liability": "met",
                     "wish.refund_rate_63_93d": "missed", "wish.refund_rate_63_93d_liability": "missed"}


def test_account_health_assurance_gives_the_72_hour_date(diagnoser):
    facts = {"platform": "amazon", "notice_reason": "late_shipment", "fulfilment": "seller",
             "late_shipment_rate": 0.06, "suspension_date": "2026-11-02"}
    today = datetime.date(2026, 11, 3)
    plain = {d.id: d.date for d in due_dates(diagnoser.kb, diagnoser.run(facts), today)}
    covered = {d.id: d.date for d in due_dates(
        diagnoser.kb, diagnoser.run(dict(facts, account_health_assurance=True)), today)}
    assert "amazon_aha_contact" not in plain
    assert covered["amazon_aha_contact"] == "2026-11-05"


def test_threshold_rules_and_metric_statuses_agree_on_random_cases(kb):
    """A threshold's rule fires exactly when the output shows its metric as missed."""
    reference = ReferenceEvaluator(kb)
    rnd = random.Random(21)
    for _ in range(3000):
        platform = rnd.choice(sorted(kb.platforms))
        threshold = rnd.choice(kb.thresholds(platform))
        facts = {"platform": platform,
                 threshold.metric: round(max(0.0, threshold.target + rnd.choice((-1, 0, 1)) * 0.01), 6)}
        if rnd.random() < 0.5:
            facts["marketplace"] = rnd.choice(kb.facts["marketplace"].choice_values)
        if rnd.random() < 0.3:
            facts["fulfilment"] = rnd.choice(("seller", "platform", "mixed"))
        for condition in threshold.unless:
            if rnd.random() < 0.7:
                facts[condition.name] = int(condition.value) + rnd.choice((-1, 0, 1, 2))
        rules = {f.rule for f in reference.infer(platform, facts)}
        shown = {m.threshold: m.status for m in metric_statuses(kb, SellerFacts(facts))}
        assert (f"threshold.{threshold.id}" in rules) == (shown.get(threshold.id) == "missed"), (threshold.id, facts)


def test_exactly_one_regional_figure_applies_to_any_marketplace(kb):
    for platform in kb.platforms.values():
        regional = {(t.metric, t.symptom) for t in platform.thresholds if t.marketplaces}
        for marketplace in (None, *kb.facts["marketplace"].choice_values):
            facts = {"marketplace": marketplace} if marketplace else {}
            for group in regional:
                chosen = [t.id for t in platform.thresholds
                          if (t.metric, t.symptom) == group and t.for_marketplace(facts)]
                assert len(chosen) == 1, (platform.id, marketplace, group, chosen)


@pytest.mark.parametrize("addition,message", [
    ("        unless:\n          - {fact: out_of_stock_often, is: true}\n",
     "threshold 'amazon.cancel_rate': unless compares a count or a number (above, at_least, below, at_most)"),
    ("        marketplaces: [us]\n",
     "threshold 'amazon.cancel_rate': marketplaces needs the fact 'marketplace' in the vocabulary"),
])
def test_a_bad_unless_or_marketplace_is_one_clear_finding(kb_dir, addition, message):
    root = kb_dir(edits=[(PLATFORMS, "        scope: seller_fulfilled\n",
                          "        scope: seller_fulfilled\n" + addition)])
    result = invoke("kb", "validate", "--kb", root)
    assert result.exit_code != 0 and message in result.output, result.output


# ---------------------------------------------------------------------------------------------
# A metric known only to be over its target (the fact over_target)


def test_a_metric_stated_over_target_reaches_its_symptom(diagnoser):
    assert "cases_closed_high" in fired(diagnoser, platform="ebay", over_target="cases_closed_rate")
    assert "cases_closed_high" not in fired(diagnoser, platform="ebay", over_target="cases_closed_rate",
                                            cases_closed_count=2)
    assert "tracking_low" not in fired(diagnoser, platform="amazon", over_target="valid_tracking_rate",
                                       fulfilment="platform")


def test_over_target_means_the_first_target_the_metric_misses(diagnoser, kb):
    assert "ahr_at_risk" in fired(diagnoser, platform="amazon", over_target="account_health_rating")
    assert "ahr_unhealthy" not in fired(diagnoser, platform="amazon", over_target="account_health_rating")
    flagged = {r.generated_from for r in kb.rules.values() if r.id.endswith(".over_target")}
    assert {"wish.refund_rate", "wish.refund_rate_63_93d"} <= flagged
    assert not {"wish.refund_rate_liability", "amazon.account_health_rating_unhealthy"} & flagged
    ca = diagnoser.run({"platform": "walmart", "marketplace": "ca", "over_target": "refund_rate"})
    (symptom,) = [s for s in ca.symptoms if s.id == "refund_rate_high"]
    assert [e.rule for e in symptom.because] == ["threshold.walmart.refund_rate_ca.over_target"]


def test_the_interview_takes_over_target_as_an_answer_and_never_asks_it(diagnoser):
    from diagnose.interview import Session
    session = Session(diagnoser, [("platform", "ebay")])
    assert session.answer("cases_closed_rate", "over target") == "cases_closed_rate"
    assert session.values["over_target"] == "cases_closed_rate"
    assert "cases_closed_high" in {s.id for s in session.diagnosis.symptoms}
    asked = []
    while (question := session.next_question()) is not None and question.fact is not None:
        asked.append(question.fact.id)
        session.skip(question.fact.id)
    assert not {"over_target", "cases_closed_rate"} & set(asked)


def test_an_over_target_choice_no_threshold_judges_is_one_finding(kb_dir):
    fact = ("facts:\n  - id: over_target\n    type: choice\n    choices:\n"
            "      - {value: cancel_rate, label: {en: cancellation rate, zh: 取消率}}\n"
            "      - {value: cancel_rat, label: {en: typo, zh: 错字}}\n"
            "    question: {en: Which?, zh: 哪项？}\n    help: {en: Which metric., zh: 哪项指标。}\n")
    root = kb_dir(files={"knowledge/over.yaml": fact})
    result = invoke("kb", "validate", "--kb", root)
    assert result.exit_code != 0
    assert ("fact 'over_target': choice 'cancel_rat' is no metric a threshold judges; "
            "did you mean 'cancel_rate'?") in result.output, result.output
    assert "fact 'over_target' needs the message 'rule.over_target' to title its rules" in result.output


def test_thresholds_without_the_message_titling_their_rules_are_one_finding(kb_dir):
    root = kb_dir()
    (root / "knowledge" / "messages.yaml").unlink()
    result = invoke("kb", "validate", "--kb", root)
    assert result.exit_code != 0
    assert ("platforms.yaml:6:" in result.output and "platform 'amazon': its thresholds need the message "
            "'rule.threshold' to title their rules (unknown-message)") in result.output, result.output


def test_a_threshold_rule_s_title_is_the_catalogue_s_message(kb_dir):
    from diagnose.knowledge import load_knowledge
    root = kb_dir(edits=[("knowledge/messages.yaml", "须{must_be} {target}", "应当{must_be}{target}")])
    title = load_knowledge(root).rules["threshold.amazon.cancel_rate"].title
    assert title == {"en": "Amazon: cancel_rate misses the target (below 2.5%)", "zh": "亚马逊：取消率未达标（应当below2.5%）"}


def test_a_generated_rule_s_chinese_title_names_the_metric_by_its_term():
    import re

    from diagnose.knowledge import load_knowledge
    titles = [rule.title["zh"] for rule in load_knowledge().rules.values() if rule.generated_from]
    assert "沃尔玛：退货率未达标（须不高于 6%）" in titles
    assert [title for title in titles if re.search(r"[a-z]_[a-z]", title)] == []


def test_every_judged_metric_has_a_name_in_both_languages(kb):
    """Tables, rule titles and explanations name a metric by its term, never by its fact id."""
    metrics = {threshold.metric for platform in kb.platforms.values() for threshold in platform.thresholds}
    for lang in ("en", "zh"):
        assert sorted(metric for metric in metrics if not kb.term_of(metric, lang)) == [], lang
