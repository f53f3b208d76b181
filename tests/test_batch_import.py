"""Amazon's account-health report (Selling Partner API) read in full, in run and batch."""
import copy
import json
import shutil

import pytest

from conftest import ROOT
from kb_fixture import invoke
from report_fixture import REPORTS, report, run_json
from diagnose.errors import KnowledgeBaseError
from diagnose.importers import load_mapping
from diagnose.yamlsafe import load_yaml

EXAMPLE = ROOT / "tests" / "fixtures" / "amazon-account-health-example.json"
MAPPING = ROOT / "knowledge" / "imports" / "amazon-account-health.yaml"
FROM = ("--from", "amazon-account-health")


# --- the five reports -------------------------------------------------------------------------

FIVE = {  # report: (top causes, symptoms, metrics not met)
    "amazon-healthy": ([], [], {}),
    "amazon-odr-atoz": (["unresolved_buyer_claims"], ["atoz_claims_high", "buyer_complaints_high", "odr_high"],
                        {"order_defect_rate": "missed", "atoz_claim_rate": "missed"}),
    "amazon-late-shipment": ([], ["late_shipment_high"], {"late_shipment_rate": "missed"}),
    "amazon-ip-authenticity-at-risk": (["unverifiable_supply_chain"],
                                       ["account_at_risk", "account_health_warned", "authenticity_complaint",
                                        "ip_complaint"], {}),
    "amazon-policy-warning": (["restricted_without_approval", "unsafe_product"],
                              ["account_warning_active", "listing_policy_flag", "restricted_product_flag",
                               "safety_complaint"], {}),
}


@pytest.mark.parametrize("name", sorted(FIVE))
def test_each_report_gives_the_diagnosis_its_content_calls_for(name):
    causes, symptoms, off_target = FIVE[name]
    diagnosis, notes = run_json(*FROM, REPORTS / f"{name}.json")
    assert [c["id"] for c in diagnosis["causes"]][:3] == causes
    assert [s["id"] for s in diagnosis["symptoms"]] == symptoms
    assert {m["fact"]: m["status"] for m in diagnosis["metrics"] if m["status"] != "met"} == off_target
    assert notes == ""  # schema-valid reports: nothing left unread


def test_the_five_reports_in_batch(tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps(report(name)) + "\n" for name in sorted(FIVE)), encoding="utf-8")
    result = invoke("batch", *FROM, path, "--kb", ROOT)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["row"], r["shop"], r["flags"]) for r in records] == [
        (1, "ATVPDKIKX0DER", []), (2, "ATVPDKIKX0DER", ["account_at_risk", "account_health_warned"]),
        (3, "ATVPDKIKX0DER", []), (4, "ATVPDKIKX0DER", []), (5, "ATVPDKIKX0DER", [])]
    assert [c["id"] for c in records[1]["causes"]] == ["unverifiable_supply_chain"]
    # the AT_RISK account counts as at risk though every metric meets our targets
    assert result.stderr.splitlines()[-1].startswith(
        "Summary: 5 shop(s) diagnosed, 0 row(s) rejected, 1 shop(s) at risk (")
    assert result.stderr.splitlines()[-1].endswith("2 missing a target")


@pytest.mark.parametrize("status,flag", [("AT_RISK", "account_at_risk"), ("DEACTIVATED", "account_deactivated"),
                                         ("SUSPENDED", "account_deactivated")])
def test_an_account_the_marketplace_flags_is_at_risk_in_batch_whatever_the_metrics(tmp_path, status, flag):
    document = report("amazon-healthy")
    document["accountStatuses"][0]["status"] = status
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(document) + "\n", encoding="utf-8")
    result = invoke("batch", *FROM, path, "--kb", ROOT, "--format", "csv")
    assert f",{flag}" in result.stdout.splitlines()[1]
    assert "1 shop(s) at risk" in result.stderr


# --- every field read ---------------------------------------------------------------------------

def test_every_mapped_field_reaches_its_fact(write):
    document = report("amazon-healthy")
    entry = document["performanceMetrics"][0]
    for number, section in enumerate(["receivedIntellectualPropertyComplaints", "suspectedIntellectualPropertyViolations",
                                      "productAuthenticityCustomerComplaints", "productConditionCustomerComplaints",
                                      "productSafetyCustomerComplaints", "foodAndProductSafetyIssues",
                                      "restrictedProductPolicyViolations", "listingPolicyViolations",
                                      "otherPolicyViolations", "documentRequests"], 1):
        entry[section]["defectsCount"] = number
    entry["warningStates"] = [{"warningType": "spammingSellerMessaging", "status": "BAD"},
                              {"warningType": "other", "status": "GOOD"}]
    entry["accountHealthRating"]["ahrStatus"] = "WARNED"
    document["accountStatuses"][0]["status"] = "AT_RISK"
    diagnosis, _ = run_json(*FROM, write(document))
    given = diagnosis["facts"]["given"]
    assert given == {
        "platform": "amazon", "order_defect_rate": 0.0021, "odr_channel": "seller",
        "atoz_claim_rate": round(2 / 2406, 10), "chargeback_rate": 0.0, "negative_feedback_rate": round(3 / 2406, 10),
        "odr_main_component": "negative_feedback", "late_shipment_rate": 0.0102, "cancel_rate": 0.0033,
        "valid_tracking_rate": 0.9898, "on_time_delivery_rate": 0.97, "account_status": "at_risk",
        "ahr_status": "warned", "ip_complaints_received": 1, "ip_violations_suspected": 2,
        "authenticity_complaints": 3, "condition_complaints": 4, "safety_complaints": 5 + 6,
        "restricted_product_violations": 7, "listing_policy_violations": 8, "other_policy_violations": 9,
        "document_requests": 10, "account_warnings": 1}


def test_the_odr_parts_come_from_the_worse_channel_which_is_kept(write):
    diagnosis, _ = run_json(*FROM, REPORTS / "amazon-odr-atoz.json")
    given = diagnosis["facts"]["given"]
    assert (given["odr_channel"], given["order_defect_rate"], given["odr_main_component"]) == (
        "seller", 0.0187, "atoz_claims")
    assert given["atoz_claim_rate"] == round(45 / 2406, 10)
    document = report("amazon-healthy")
    document["performanceMetrics"][0]["orderDefectRate"]["afn"].update(rate=0.013, orderCount=1000)
    document["performanceMetrics"][0]["orderDefectRate"]["afn"]["chargebacks"]["count"] = 13
    given = run_json(*FROM, write(document))[0]["facts"]["given"]
    assert (given["odr_channel"], given["order_defect_rate"], given["chargeback_rate"]) == ("platform", 0.013, 0.013)


def test_the_reports_own_verdict_is_shown_and_wins_where_it_differs(write):
    document = report("amazon-healthy")
    entry = document["performanceMetrics"][0]
    entry["onTimeDeliveryRate"].update(rate=0.93, status="BAD", targetValue=0.95)
    entry["lateShipmentRate"].update(rate=0.045, status="GOOD", targetValue=0.05)
    diagnosis, _ = run_json(*FROM, write(document))
    metrics = {m["fact"]: m for m in diagnosis["metrics"]}
    on_time = metrics["on_time_delivery_rate"]
    assert (on_time["status"], on_time["window"]) == ("missed", "2026-10-01 – 2026-10-30")
    assert on_time["reported"] == {"status": "BAD", "target": 0.95, "window": "2026-10-01 – 2026-10-30"}
    assert on_time["note"] == "Amazon rates this BAD against its own target of 95%; our threshold alone would say at risk"
    late = metrics["late_shipment_rate"]
    assert late["status"] == "met" and late["note"].endswith("our threshold alone would say missed")
    cancel = metrics["cancel_rate"]
    assert (cancel["status"], cancel["note"], cancel["reported"]["status"]) == ("met", None, "GOOD")
    table = invoke("run", *FROM, write(document), "--kb", ROOT, "--lang", "zh").stdout
    assert "亚马逊按其自身目标 95% 将此项评为 BAD" in table and "2026-10-24 – 2026-10-30" in table


def test_the_published_example_is_read_with_its_known_deviations_noted():
    diagnosis, notes = run_json(*FROM, EXAMPLE)
    assert diagnosis["facts"]["given"]["cancel_rate"] == 0.005  # spelled prefulfillmentCancelRate
    assert diagnosis["facts"]["given"]["account_status"] == "at_risk"
    assert notes == (f"Note: {EXAMPLE}: performanceMetrics[0] lacks restrictedProductPolicyViolations, "
                     "suspectedIntellectualPropertyViolations, which the report's format includes; nothing was read "
                     "from them\n")


# --- every field knowingly ignored --------------------------------------------------------------

def test_ignored_fields_are_listed_with_a_reason_and_read_by_nothing():
    mapping = load_yaml(str(MAPPING))
    assert {item["field"]: bool(item["why"].strip()) for item in mapping["ignored"]} == {
        "invoiceDefectRate": True, "unitOnTimeDeliveryRate": True}
    used = json.dumps(mapping["facts"]) + json.dumps(mapping["channels"])
    assert not any(item["field"] in used for item in mapping["ignored"])


def test_every_section_of_a_report_is_read_or_knowingly_ignored():
    mapping = load_yaml(str(MAPPING))
    ignored = {item["field"] for item in mapping["ignored"]}
    read = {path.lstrip("@").split(".")[0] for item in mapping["facts"]
            for path in item.get("from", []) + list(item.get("rate", {}).values())
            + list(item.get("largest", {}).values()) + [item.get("count_items", {}).get("list", "")]}
    read |= {path.split(".")[0] for channel in mapping["channels"] for path in channel["among"]}
    entry = report("amazon-healthy")["performanceMetrics"][0]
    assert set(entry) - {"marketplaceId"} == (read - {"odr", "", "/accountStatuses[marketplaceId=$shop]"}) | ignored


def test_a_field_nobody_knows_is_named_as_not_read(write):
    document = report("amazon-healthy")
    document["performanceMetrics"][0]["brandNewMetric"] = {"rate": 0.5}
    document["performanceMetrics"][0]["lateShipmentRate"].pop("rate")
    _, notes = run_json(*FROM, write(document))
    assert "performanceMetrics[0]: not read: brandNewMetric (not fields this import knows)" in notes
    assert "missing from the report, so not read: performanceMetrics[0].lateShipmentRate.rate" in notes


def test_a_status_word_the_import_does_not_know_is_named(write):
    document = report("amazon-healthy")
    document["accountStatuses"][0]["status"] = "PENDING_REVIEW"
    diagnosis, notes = run_json(*FROM, write(document))
    assert "account_status" not in diagnosis["facts"]["given"]
    assert "account_status: the report says 'PENDING_REVIEW', which this import does not know" in notes


# --- malformed reports ------------------------------------------------------------------------

def entry_with(change):
    document = report("amazon-healthy")
    change(document["performanceMetrics"][0])
    return document


MALFORMED = {
    "only a marketplace id": ({"accountStatuses": [], "performanceMetrics": [{"marketplaceId": "X"}]},
                              "performanceMetrics[0] (X): nothing in it could be read as a fact"),
    "a section that is a number": (entry_with(lambda e: e.update(lateShipmentRate=0.072)),
                                   "performanceMetrics[0].lateShipmentRate: expected an object, got the number 0.072"),
    "a null rate": (entry_with(lambda e: e["validTrackingRate"].update(rate=None)),
                    "performanceMetrics[0].validTrackingRate.rate: expected a value, got null"),
    "a channel that is a list": (entry_with(lambda e: e["orderDefectRate"].update(mfn=[1])),
                                 "performanceMetrics[0].orderDefectRate.mfn: expected an object, got a list"),
    "a rate above 1": (entry_with(lambda e: e["lateShipmentRate"].update(rate=7.2)),
                       "performanceMetrics[0].lateShipmentRate.rate: 7.2 is not a rate between 0 and 1, as the "
                       "report format states rates"),
    "a text rate": (entry_with(lambda e: e["validTrackingRate"].update(rate="high")),
                    "performanceMetrics[0].validTrackingRate.rate: expected a number, got the text 'high'"),
    "a negative count": (entry_with(lambda e: e["listingPolicyViolations"].update(defectsCount=-1)),
                         "performanceMetrics[0].listingPolicyViolations.defectsCount: expected a count"),
    "more claims than orders": (entry_with(lambda e: e["orderDefectRate"]["mfn"]["claims"].update(count=9999)),
                                "performanceMetrics[0].orderDefectRate.mfn.claims.count: 9999 is more than the "
                                "total 2406"),
    "no list of marketplaces": ({"performanceMetrics": "none"},
                                "not a amazon-account-health report: expected an object with a 'performanceMetrics' list"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_report_is_refused_naming_the_path(write, case):
    document, message = MALFORMED[case]
    result = invoke("run", *FROM, write(document), "--kb", ROOT)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_repeated_marketplace_is_refused(write):
    document = report("amazon-healthy")
    document["performanceMetrics"].append(copy.deepcopy(document["performanceMetrics"][0]))
    result = invoke("run", *FROM, write(document), "--kb", ROOT)
    assert result.exit_code == 2
    assert "performanceMetrics[1]: 'ATVPDKIKX0DER' appears twice (first in performanceMetrics[0])" in result.stderr


@pytest.mark.parametrize("text,message", [
    ('{"performanceMetrics": [}', "not valid JSON: Expecting value"),
    ('{"performanceMetrics": [], "performanceMetrics": []}',
     "performanceMetrics: not valid JSON: duplicate key (first given on line 1)"),
])
def test_invalid_json_is_called_invalid_json(write, text, message):
    result = invoke("run", *FROM, write(text), "--kb", ROOT)
    assert result.exit_code == 2 and message in result.stderr and "YAML" not in result.stderr


def two_marketplaces():
    document = report("amazon-healthy")
    second = copy.deepcopy(document["performanceMetrics"][0])
    second["marketplaceId"] = "A1F83G8C2ARO7P"
    second["lateShipmentRate"]["rate"] = 0.061
    document["performanceMetrics"].append(second)
    document["accountStatuses"].append({"marketplaceId": "A1F83G8C2ARO7P", "status": "NORMAL"})
    return document


def test_a_report_with_several_marketplaces_needs_a_choice(write):
    path = write(two_marketplaces())
    result = invoke("run", *FROM, path, "--kb", ROOT)
    assert result.exit_code == 2
    assert "the report holds 2 marketplaces (ATVPDKIKX0DER, A1F83G8C2ARO7P): choose one with --marketplace" \
        in result.stderr
    chosen, _ = run_json(*FROM, path, "--marketplace", "A1F83G8C2ARO7P")
    assert [s["id"] for s in chosen["symptoms"]] == ["late_shipment_high"]


def test_batch_names_the_bad_marketplace_of_a_line_and_diagnoses_the_other(tmp_path):
    bad = two_marketplaces()
    bad["performanceMetrics"][1]["lateShipmentRate"]["rate"] = "6%"
    lines = [json.dumps(report("amazon-healthy")), json.dumps({"performanceMetrics": "none"}), json.dumps(bad)]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("batch", *FROM, path, "--kb", ROOT)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["row"], r["shop"]) for r in records] == [(1, "ATVPDKIKX0DER"), (3, "ATVPDKIKX0DER")]
    assert f"Rejected: {path}:2: not a amazon-account-health report" in result.stderr
    assert (f"Rejected: {path}:3: performanceMetrics[1].lateShipmentRate.rate: expected a number, got the text "
            "'6%' (in A1F83G8C2ARO7P)") in result.stderr
    assert result.exit_code == 2


def test_the_report_plus_facts_the_report_cannot_give(write):
    document = report("amazon-healthy")
    document["performanceMetrics"][0]["preFulfillmentCancellationRate"]["rate"] = 0.04
    result = invoke("run", *FROM, write(document), "--fact", "out_of_stock_often=yes", "--format", "json",
                    "--kb", ROOT)
    assert [c["id"] for c in json.loads(result.stdout)["causes"]] == ["chronic_stockout"]


# --- the mapping format ------------------------------------------------------------------------

def copied_kb(tmp_path, edit):
    for part in ("knowledge", "rules"):
        shutil.copytree(ROOT / part, tmp_path / part)
    edited = tmp_path / "knowledge" / "imports" / "amazon-account-health.yaml"
    edited.write_text(edit(edited.read_text()), encoding="utf-8")
    from diagnose.knowledge import load_knowledge

    return edited, load_knowledge(tmp_path)


@pytest.mark.parametrize("old,new,message", [
    ("fact: cancel_rate", "fact: cancel_rat", "unknown fact 'cancel_rat'; did you mean 'cancel_rate'?"),
    ("pick: sum", "pick: total", "facts.15.pick: 'total' is not one of"),
    ("map: {GREAT: great, WARNED: warned}", "map: {GREAT: great, WARNED: alarmed}", "ahr_status has no choice alarmed"),
    ("by: rate\n", "by: rate\n    weight: 2\n", "Additional properties are not allowed ('weight' was unexpected)"),
    ("from: [lateShipmentRate.rate]", "from: [lateShipmentRate..rate]", "'lateShipmentRate..rate' is not a path"),
])
def test_a_bad_mapping_is_a_knowledge_error_with_file_and_line(tmp_path, old, new, message):
    edited, kb = copied_kb(tmp_path, lambda text: text.replace(old, new))
    with pytest.raises(KnowledgeBaseError) as info:
        load_mapping("amazon-account-health", kb)
    finding = str(info.value.findings[0])
    assert finding.startswith(f"{edited}:") and message in finding, finding
    assert int(finding.split(":")[1]) > 1  # the line of the bad item, not the top of the file


def test_kb_validate_checks_the_import_mappings(tmp_path):
    edited, _ = copied_kb(tmp_path, lambda text: text.replace("fact: cancel_rate", "fact: cancel_rat"))
    screening = tmp_path / "knowledge" / "imports" / "screening.yaml"
    screening.write_text(screening.read_text().replace("account_deactivated,", "account_gone,"), encoding="utf-8")
    result = invoke("kb", "validate", "--kb", tmp_path)
    assert result.exit_code == 1
    assert f"{edited}:" in result.stdout and "unknown fact 'cancel_rat'" in result.stdout
    assert f"{screening}:8:1: [error] unknown symptom(s) account_gone (import-mapping)" in result.stdout
