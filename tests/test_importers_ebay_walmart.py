"""eBay's seller standards profile and Walmart's performance summaries read as seller facts."""
import json

import pytest

from conftest import ROOT
from kb_fixture import invoke
from report_fixture import REPORTS, report, run_json
from diagnose.importers import IMPORTS, load_mapping
from diagnose.yamlsafe import load_yaml

EBAY = ("--from", "ebay-seller-standards")
WALMART = ("--from", "walmart-performance")


def test_every_mapping_loads_against_the_schema_and_the_vocabulary(kb):
    for name in IMPORTS:
        mapping = load_mapping(name, kb)
        assert mapping.fields and mapping.platform in kb.platforms


# --- eBay ---------------------------------------------------------------------------------

def test_ebay_current_cycle_by_default():
    diagnosis, notes = run_json(*EBAY, REPORTS / "ebay-seller-standards.json")
    assert diagnosis["facts"]["given"] == {
        "platform": "ebay", "seller_level": "below_standard", "transaction_defect_rate": round(35 / 1450, 10),
        "cases_closed_rate": round(3 / 1450, 10), "late_shipment_rate": round(45 / 1450, 10)}
    assert [s["id"] for s in diagnosis["symptoms"]] == ["below_standard", "tdr_high"]
    metrics = {m["fact"]: m for m in diagnosis["metrics"]}
    assert {fact: m["status"] for fact, m in metrics.items()} == {
        "late_shipment_rate": "met", "transaction_defect_rate": "missed", "cases_closed_rate": "missed"}
    assert metrics["cases_closed_rate"]["reported"] == {"status": "BELOW_STANDARD", "target": 0.003,
                                                        "window": "2026-08-01 – 2026-10-31"}
    assert metrics["cases_closed_rate"]["note"].endswith("our threshold alone would say at risk")
    assert notes == ""


def test_ebay_projected_cycle_on_request():
    diagnosis, _ = run_json(*EBAY, REPORTS / "ebay-seller-standards.json", "--cycle", "projected")
    assert diagnosis["facts"]["given"]["seller_level"] == "above_standard"
    assert diagnosis["facts"]["given"]["transaction_defect_rate"] == round(17 / 1416, 10)
    result = invoke("run", *EBAY, REPORTS / "ebay-seller-standards.json", "--cycle", "last-year", "--kb", ROOT)
    assert result.exit_code == 2 and "'last-year' is not one of CURRENT, PROJECTED" in result.stderr
    result = invoke("run", "--from", "amazon-account-health", REPORTS / "amazon-healthy.json", "--cycle", "projected",
                    "--kb", ROOT)
    assert result.exit_code == 2 and "--cycle does not apply to a amazon-account-health report" in result.stderr


def test_ebay_programs_are_marketplaces(write):
    document = report("ebay-seller-standards")
    uk = json.loads(json.dumps(document["standardsProfiles"][0]))
    uk.update(program="PROGRAM_UK", standardsLevel="TOP_RATED")
    document["standardsProfiles"].append(uk)
    path = write(document)
    result = invoke("run", *EBAY, path, "--kb", ROOT)
    assert result.exit_code == 2 and "the report holds 2 marketplaces (EBAY_US, EBAY_GB)" in result.stderr
    diagnosis, _ = run_json(*EBAY, path, "--marketplace", "EBAY_GB")
    assert diagnosis["facts"]["given"]["seller_level"] == "top_rated"


def test_ebay_rate_from_the_percentage_when_counts_are_missing(write):
    document = report("ebay-seller-standards")
    value = document["standardsProfiles"][0]["metrics"][1]["value"]
    del value["numerator"], value["denominator"]
    diagnosis, notes = run_json(*EBAY, write(document))
    assert diagnosis["facts"]["given"]["transaction_defect_rate"] == 0.0241
    assert notes == ""  # the counts are optional: the percentage stands in for them


@pytest.mark.parametrize("change,message", [
    (lambda p: p["metrics"][1]["value"].update(numerator="many"),
     "standardsProfiles[0].metrics[metricKey=DEFECTIVE_TRANSACTION_RATE].value.numerator: expected a count"),
    (lambda p: p["metrics"][3]["value"].update(value="7%", numerator=None),
     "value.numerator: expected a value, got null"),
    (lambda p: p.update(metrics={"metricKey": "SHIPPING_MISS_RATE"}), "standardsProfiles[0].metrics: expected a list"),
    (lambda p: p["cycle"].update(cycleType="LAST"), "the ebay-seller-standards report holds no shop for the CURRENT cycle"),
])
def test_a_malformed_ebay_profile_is_refused(write, change, message):
    document = report("ebay-seller-standards")
    change(document["standardsProfiles"][0])
    result = invoke("run", *EBAY, write(document), "--kb", ROOT)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_ebay_fields_read_or_knowingly_ignored():
    mapping = load_yaml(str(ROOT / "knowledge" / "imports" / "ebay-seller-standards.yaml"))
    ignored = {item["field"] for item in mapping["ignored"] if item["why"].strip()}
    assert ignored == {"defaultProgram", "evaluationReason", "metrics[metricKey=MIN_TXN_COUNT]",
                       "metrics[metricKey=MIN_GMV]", "metrics[metricKey=MIN_DAYS_ON_SITE]"}
    profile = report("ebay-seller-standards")["standardsProfiles"][0]
    assert set(profile) == set(mapping["entry_required"]) | {field for field in ignored if "[" not in field}


def test_an_ebay_metric_nobody_reads_is_named(write):
    document = report("ebay-seller-standards")
    document["standardsProfiles"][0]["metrics"].append({"metricKey": "TRACKING_UPLOADED_ON_TIME", "value": 3})
    _, notes = run_json(*EBAY, write(document))
    assert notes.endswith("standardsProfiles[0]: not read: metrics[metricKey=TRACKING_UPLOADED_ON_TIME] (not items "
                          "this import knows)\n")


# --- Walmart ------------------------------------------------------------------------------

def test_walmart_summaries_matched_to_our_windows():
    diagnosis, notes = run_json(*WALMART, REPORTS / "walmart-performance.json")
    assert diagnosis["facts"]["given"] == {"platform": "walmart", "on_time_delivery_rate": 0.86, "cancel_rate": 0.012,
                                           "valid_tracking_rate": 0.994, "negative_feedback_rate": 0.011,
                                           "seller_response_rate": 0.97, "return_rate": 0.045,
                                           "item_not_received_rate": 0.008}
    assert [s["id"] for s in diagnosis["symptoms"]] == ["on_time_delivery_low"]
    assert {m["fact"]: m["status"] for m in diagnosis["metrics"]} == {
        "cancel_rate": "met", "on_time_delivery_rate": "missed", "valid_tracking_rate": "at_risk",
        "negative_feedback_rate": "met", "seller_response_rate": "at_risk",  # 97%: exactly at the 95% + 2% edge
        "return_rate": "met",
        "item_not_received_rate": "met"}
    assert notes == ""


def test_walmart_a_summary_for_another_window_is_not_read_and_said_so(write):
    document = report("walmart-performance")
    document["otd"] = [summary for summary in document["otd"] if summary["payload"]["reportDuration"] == 14]
    del document["vtr"]
    document["shipping"] = []
    diagnosis, notes = run_json(*WALMART, write(document))
    assert "on_time_delivery_rate" not in diagnosis["facts"]["given"]
    assert "the report lacks vtr, which the report's format includes" in notes
    assert "missing from the report, so not read: otd[payload.reportDuration=30]" in notes
    assert "the report: not read: shipping (not fields this import knows)" in notes


@pytest.mark.parametrize("change,message", [
    (lambda d: d["cancellations"][0]["payload"].update(cumulativeRate=120),
     "cancellations[payload.reportDuration=30].payload.cumulativeRate: 1.2 is not a rate between 0 and 1"),
    (lambda d: d.update(otd={"payload": {}}), "otd: expected a list, got an object"),
    (lambda d: d["otd"].append(d["otd"][0]), "otd[payload.reportDuration=30]: 2 items match; expected one"),
    (lambda d: d.clear(), "the report (walmart): nothing in it could be read as a fact"),
])
def test_a_malformed_walmart_document_is_refused(write, change, message):
    document = report("walmart-performance")
    change(document)
    result = invoke("run", *WALMART, write(document), "--kb", ROOT)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_walmart_fields_read_or_knowingly_ignored():
    mapping = load_yaml(str(ROOT / "knowledge" / "imports" / "walmart-performance.yaml"))
    ignored = {item["field"] for item in mapping["ignored"] if item["why"].strip()}
    assert ignored == set()
    read = {step.split("[")[0] for fact in mapping["facts"] for step in fact["from"]}
    assert set(report("walmart-performance")) == set(mapping["entry_required"]) == read


def test_ebay_and_walmart_in_batch(tmp_path):
    for name, source, expected in [("ebay-seller-standards", EBAY, ("EBAY_US", "ebay")),
                                   ("walmart-performance", WALMART, ("walmart", "walmart"))]:
        path = tmp_path / f"{name}.jsonl"
        path.write_text(json.dumps(report(name)) + "\n", encoding="utf-8")
        result = invoke("batch", *source, path, "--kb", ROOT)
        assert result.exit_code == 0, result.stderr
        record = json.loads(result.stdout)
        assert (record["shop"], record["platform"]) == expected and record["missed"]
