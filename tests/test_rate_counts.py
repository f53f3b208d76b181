"""A rate given beside the counts it is computed from must agree with them, beyond rounding
(issue 15): ``orders_7d=100, cancelled_orders_7d=50, cancel_rate=0%`` is refused in one line
naming both facts, for every rate the vocabulary computes from counts."""
from decimal import Decimal

import pytest

from diagnose.facts import FactsError, rate_tolerance, validate_facts
from kb_fixture import invoke


def _computed_rates():
    from diagnose.api import get_diagnoser

    return [f for f in get_diagnoser().kb.facts.values() if f.computed_from]


@pytest.fixture(scope="module")
def kb(diagnoser):
    return diagnoser.kb


@pytest.mark.parametrize("given,tolerance", [
    ("4.6%", "0.0005"), ("0.046", "0.0005"), (0.046, "0.0005"), ("5%", "0.005"), ("0%", "0.005"),
    (0, "0.005"), ("1", "0.005"), ("4.61%", "0.00005"), ("4.6123%", "0.00005"), ("33.33%", "0.00005"),
    ("4.5e-2", "0.0005"), (" 4.60 % ", "0.00005"),
])
def test_the_tolerance_is_half_a_unit_of_the_last_digit_written(given, tolerance):
    """Half a unit of the last digit, at least the marketplaces' display step (±0.005%), at most
    a whole percentage's (±0.5%)."""
    assert rate_tolerance(given) == Decimal(tolerance)


@pytest.mark.parametrize("rate", [f.id for f in _computed_rates()])
def test_every_computed_rate_refuses_counts_that_contradict_it(kb, rate):
    numerator, denominator = kb.facts[rate].computed_from
    facts = {"platform": "amazon", denominator: 100, numerator: 50, rate: "0%"}
    with pytest.raises(FactsError) as caught:
        validate_facts(facts, kb, "case.yaml")
    (error,) = caught.value.errors
    assert (error.location.path, error.location.field) == ("case.yaml", rate)
    assert error.message.startswith(f"{rate} 0% contradicts {numerator} and {denominator} (50 of 100 is 50%")
    assert validate_facts(dict(facts, **{rate: "50%"}), kb).values[rate] == 0.5


@pytest.mark.parametrize("counts,given,agrees", [
    ((46, 1000), "4.6%", True), ((46, 1000), 0.046, True), ((47, 1000), "4.6%", False),
    ((4550, 100_000), "4.6%", True),  # exactly half a unit away: still a rounding of 4.55%
    ((4549, 100_000), "4.6%", False), ((1, 3), "33.33%", True), ((1, 3), "33%", True), ((1, 3), "34%", False),
    ((1, 3), "33.34%", False), ((0, 0), "5%", True), ((50, 100), 0, False), ((4, 1000), "0%", True),
    ((6, 1000), "0%", False),
])
def test_a_rate_agrees_with_its_counts_to_the_digits_written(kb, counts, given, agrees):
    facts = {"platform": "amazon", "cancelled_orders_7d": counts[0], "orders_7d": counts[1], "cancel_rate": given}
    if agrees:
        seller = validate_facts(facts, kb)
        assert "cancel_rate" in seller.values and "cancel_rate" not in seller.computed  # as given
    else:
        with pytest.raises(FactsError, match="cancel_rate .* contradicts cancelled_orders_7d and orders_7d"):
            validate_facts(facts, kb)


def test_a_batch_row_that_contradicts_itself_is_rejected_at_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shops.csv").write_text("platform,orders_7d,cancelled_orders_7d,cancel_rate\n"
                                        "amazon,100,5,5%\namazon,100,50,0%\n", encoding="utf-8")
    result = invoke("batch", "shops.csv", "-o", "out.jsonl")
    assert "Rejected: shops.csv:3:4: cancel_rate: cancel_rate 0% contradicts cancelled_orders_7d and orders_7d " \
           "(50 of 100 is 50%, shops.csv:3)" in result.output, result.output
    assert "1 shop(s) diagnosed, 1 row(s) rejected" in result.output
    assert "Traceback" not in result.output


def test_the_refusal_reads_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "--lang", "zh", "--fact", "platform=amazon", "--fact", "orders_7d=100",
                    "--fact", "cancelled_orders_7d=50", "--fact", "cancel_rate=0%")
    assert result.exit_code == 2
    assert ("配送前取消率：填的是 0%，与最近 7 天卖家取消订单数和最近 7 天订单数不符（100 单中有 50 单，"
            "即 50%，见 --fact）") in result.output, result.output
    assert "cancel_rate" not in result.output and "orders_7d" not in result.output  # facts by their words


def test_a_rate_over_another_window_than_its_counts_is_not_compared_with_them(kb):
    """Walmart measures its cancel rate over 30 days; the counts the vocabulary has are 7-day ones,
    so a Walmart seller giving both is not refused (their rate is kept), while Amazon, whose
    cancel rate is the 7-day ratio, still refuses the contradiction."""
    facts = {"orders_7d": 100, "cancelled_orders_7d": 50, "cancel_rate": "1%"}
    walmart = validate_facts(dict(facts, platform="walmart"), kb, "case.yaml")
    assert walmart.values["cancel_rate"] == 0.01 and "cancel_rate" not in walmart.computed
    assert [w.window for w in kb.platforms["walmart"].thresholds if w.metric == "cancel_rate"] != [
        kb.facts["cancel_rate"].window]
    with pytest.raises(FactsError):
        validate_facts(dict(facts, platform="amazon"), kb, "case.yaml")
