"""`diagnose facts --platform P --notice N` shows only what matters there; `--template` a starter file."""
import json

import yaml
from click.testing import CliRunner

from diagnose.cli import cli


def facts(*args):
    return CliRunner().invoke(cli, ["facts", *args])


def test_platform_and_notice_show_only_what_matters():
    every = json.loads(facts("--format", "json").stdout)
    late = json.loads(facts("--platform", "amazon", "--notice", "late shipment rate", "--format", "json").stdout)
    ids = [row["id"] for row in late]
    assert len(late) < len(every) / 2
    assert ids[:2] == ["platform", "notice_reason"]
    assert {"late_shipment_rate", "orders_30d", "late_shipments_30d", "handling_time_too_short"} <= set(ids)
    assert "documents_edited" not in ids and "transaction_defect_rate" not in ids
    notice = next(row for row in late if row["id"] == "notice_reason")
    assert "late_shipment" in notice["range"] and "transaction_defect_rate" not in notice["range"]


def test_the_template_is_a_facts_file_with_each_question_as_a_comment(tmp_path):
    result = facts("--platform", "amazon", "--notice", "late_shipment", "--template", "--lang", "zh")
    assert result.exit_code == 0
    text = result.stdout
    assert "# 迟发率是多少？" in text and "# late_shipment_rate:" in text
    assert yaml.safe_load(text) == {"platform": "amazon", "notice_reason": "late_shipment"}
    path = tmp_path / "starter.yaml"
    path.write_text(text.replace("# late_shipment_rate:", "late_shipment_rate: 6%"), encoding="utf-8")
    run = CliRunner().invoke(cli, ["run", str(path), "--format", "json"])
    assert run.exit_code == 0 and json.loads(run.stdout)["metrics"][0]["status"] == "missed"
    bare = facts("--template")
    assert bare.exit_code == 0 and yaml.safe_load(bare.stdout) is None and "# platform:" in bare.stdout


def test_a_notice_needs_the_platform_and_bad_values_are_refused():
    alone = facts("--notice", "late_shipment")
    assert alone.exit_code == 2 and "--notice needs --platform" in alone.output
    bad = facts("--platform", "amazon", "--notice", "weather")
    assert bad.exit_code == 2 and "--notice" in bad.output and "weather" in bad.output
