"""diagnose.ranking on its own: firings to certainties, ranks, metric statuses and next steps."""
import msgspec
import pytest

from diagnose.engine import Firing
from diagnose.facts import SellerFacts
from diagnose.ranking import combine, metric_statuses, rank

THRESHOLD = Firing("threshold.amazon.cancel_rate", (("cancel_rate", 0.04), ("platform", "amazon")), ())
STOCKOUT = Firing("cancel.stockout", (("out_of_stock_often", True),), ("cancel_rate_high",))
SELLER = SellerFacts({"platform": "amazon", "cancel_rate": 0.04, "out_of_stock_often": True, "fulfilment": "seller"})


@pytest.mark.parametrize("a,b,expected", [(0.8, 0.5, 0.9), (-0.5, -0.5, -0.75), (0.6, -0.4, 1 / 3), (0.0, 0.7, 0.7)])
def test_combine(a, b, expected):
    assert combine(a, b) == pytest.approx(expected)
    assert combine(b, a) == pytest.approx(expected)


def test_a_cause_takes_the_rule_s_certainty_times_its_weakest_symptom(minimal_kb):
    diagnosis = rank(minimal_kb, SELLER, [THRESHOLD, STOCKOUT])
    assert [(c.id, c.rank, c.certainty) for c in diagnosis.causes] == [("chronic_stockout", 1, 0.8)]
    assert [(s.id, s.certainty) for s in diagnosis.symptoms] == [("cancel_rate_high", 1.0)]
    assert [r.id for r in diagnosis.causes[0].remedies] == ["restock_now", "daily_stock_check"]  # immediate first
    assert diagnosis.causes[0].because[0].symptoms == ("cancel_rate_high",)
    assert set(diagnosis.sources) == {"src-a"} and diagnosis.knowledge_version == minimal_kb.version


def test_a_rule_firing_twice_counts_once(minimal_kb):
    assert rank(minimal_kb, SELLER, [THRESHOLD, STOCKOUT, STOCKOUT]).causes[0].certainty == 0.8


def test_a_cause_whose_symptom_was_not_derived_is_ruled_out(minimal_kb):
    diagnosis = rank(minimal_kb, SELLER, [STOCKOUT])
    assert diagnosis.causes == () and diagnosis.ruled_out == (("chronic_stockout", 0.0),)
    assert 0.0 < minimal_kb.setting("report.min_certainty")


def test_the_reporting_threshold_is_the_knowledge_s(minimal_kb):
    """report.min_certainty in the knowledge decides what is reported: at 0.9, the 0.8 cause is ruled out."""
    strict = msgspec.structs.replace(minimal_kb, settings=dict(minimal_kb.settings, **{"report.min_certainty": 0.9}))
    diagnosis = rank(strict, SELLER, [THRESHOLD, STOCKOUT])
    assert diagnosis.causes == () and diagnosis.ruled_out == (("chronic_stockout", 0.8),)


@pytest.mark.parametrize("values,status", [
    ({"cancel_rate": 0.04}, "missed"),
    ({"cancel_rate": 0.024}, "at_risk"),
    ({"cancel_rate": 0.01}, "met"),
    ({"cancel_rate": 0.04, "fulfilment": "platform"}, "not_applicable"),
])
def test_metric_status(minimal_kb, values, status):
    kb = msgspec.structs.replace(minimal_kb)
    platform = kb.platforms["amazon"]
    warned = msgspec.structs.replace(platform.thresholds[0], warn_within=0.005)
    kb.platforms = dict(kb.platforms, amazon=msgspec.structs.replace(platform, thresholds=(warned,)))
    (metric,) = metric_statuses(kb, SellerFacts({"platform": "amazon", **values}))
    assert (metric.fact, metric.must_be, metric.target, metric.status) == ("cancel_rate", "below", 0.025, status)
    assert metric.margin == round(abs(values["cancel_rate"] - 0.025), 6)


def test_no_metric_for_a_fact_not_given(minimal_kb):
    assert metric_statuses(minimal_kb, SellerFacts({"platform": "amazon"})) == ()
