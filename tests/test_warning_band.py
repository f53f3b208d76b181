"""The early-warning band's edge is exact (issue 15): a value exactly ``warn_within`` from the
target is "at risk" on every threshold of the shipped knowledge, one display step (0.01% for a
rate) further is "met", whatever the floats' subtraction says.

The expected edge is computed here from the YAML's own text in decimal, independently of the
loader, and every value goes through the library as a seller would give it.
"""
from decimal import Decimal

import pytest
import yaml

from conftest import ROOT

STEP = {"rate": Decimal("0.0001"), "number": Decimal("0.01"), "count": Decimal(1)}  # one display step


def _decimal(text: str) -> Decimal:
    text = text.strip()
    return Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)


def _shipped_thresholds():
    """Every threshold of the shipped knowledge, its numbers as the YAML's text (BaseLoader: strings)."""
    found = []
    for path in sorted((ROOT / "knowledge").glob("*.yaml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
        for platform in document.get("platforms", []) if isinstance(document, dict) else []:
            found += [dict(raw, platform=platform["id"]) for raw in platform.get("thresholds", [])]
    return found


THRESHOLDS = _shipped_thresholds()
BANDED = [t for t in THRESHOLDS if "warn_within" in t]


def _given(kind: str, value: Decimal) -> str:
    """``value`` as a seller writes it: a rate as a percentage, a number as it is."""
    return f"{(value * 100).normalize():f}%" if kind == "rate" else f"{value.normalize():f}"


def _metric(diagnoser, threshold, value):
    facts = {"platform": threshold["platform"], threshold["metric"]: value}
    if threshold.get("scope") == "seller_fulfilled":
        facts["fulfilment"] = "seller"
    if threshold.get("marketplaces"):  # a regional figure: the case names its region
        facts["marketplace"] = threshold["marketplaces"][0]
    diagnosis = diagnoser.run(facts)
    (metric,) = [m for m in diagnosis.metrics if m.threshold == threshold["id"]]
    return metric


def _edge(threshold) -> Decimal:
    target, within = _decimal(threshold["target"]), _decimal(threshold["warn_within"])
    return target - within if threshold["must_be"] in ("below", "at_most") else target + within


def test_the_knowledge_has_warning_bands_on_every_platform():
    assert {t["platform"] for t in BANDED} == {t["platform"] for t in THRESHOLDS} >= {"amazon", "ebay", "walmart"}


@pytest.mark.parametrize("threshold", BANDED, ids=[t["id"] for t in BANDED])
def test_exactly_at_the_band_edge_is_at_risk(diagnoser, threshold):
    kind = diagnoser.kb.facts[threshold["metric"]].type
    edge, step = _edge(threshold), STEP[kind]
    outside = edge - step if threshold["must_be"] in ("below", "at_most") else edge + step
    for value, status in ((edge, "at_risk"), (outside, "met")):
        metric = _metric(diagnoser, threshold, _given(kind, value))
        assert metric.status == status, f"{threshold['id']}: {_given(kind, value)} gave {metric.status}"
        assert Decimal(repr(metric.margin)) == abs(value - _decimal(threshold["target"]))
    if kind == "rate":  # the same edge written as a fraction
        assert _metric(diagnoser, threshold, f"{edge.normalize():f}").status == "at_risk"


@pytest.mark.parametrize("threshold", THRESHOLDS, ids=[t["id"] for t in THRESHOLDS])
def test_on_the_target_itself(diagnoser, threshold):
    """On the target line a strict target (below, above) is missed; an inclusive one is met, and
    then inside its warning band if it has one."""
    kind = diagnoser.kb.facts[threshold["metric"]].type
    metric = _metric(diagnoser, threshold, _given(kind, _decimal(threshold["target"])))
    if threshold["must_be"] in ("below", "above"):
        assert metric.status == "missed"
    else:
        assert metric.status == ("at_risk" if "warn_within" in threshold else "met")


def test_a_rate_computed_from_counts_meets_the_same_edge(diagnoser):
    """Every banded rate the counts can give: 1.5 cancelled per 100 orders is exactly 1.5%. Counts
    over another window than the threshold's give no rate, so they are not judged against it."""
    checked = 0
    for threshold in BANDED:
        computed_from = diagnoser.kb.facts[threshold["metric"]].computed_from
        if not computed_from:
            continue
        numerator, denominator = computed_from
        facts = {"platform": threshold["platform"], "fulfilment": "seller",
                 numerator: int(_edge(threshold) * 10_000), denominator: 10_000}
        if threshold.get("marketplaces"):
            facts["marketplace"] = threshold["marketplaces"][0]
        diagnosis = diagnoser.run(facts)
        metrics = [m for m in diagnosis.metrics if m.threshold == threshold["id"]]
        if not diagnoser.kb.rate_from_counts(threshold["platform"], threshold["metric"]):
            assert metrics == [] and diagnosis.uncomputed == (threshold["metric"],), threshold["id"]
            continue
        (metric,) = metrics
        assert metric.status == "at_risk", threshold["id"]
        checked += 1
    assert checked >= 3
