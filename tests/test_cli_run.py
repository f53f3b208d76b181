"""`diagnose run` and `diagnose facts` through Click's CliRunner."""
import json

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from kb_fixture import make_kb
from diagnose.cli import cli

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.y*ml")) + sorted(EXAMPLES.glob("*.json"))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_every_example_gives_ranked_causes(path, fmt):
    result = invoke("run", path, "--format", fmt, "--explain")
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.output)
        assert data["causes"] and data["causes"][0]["rank"] == 1
        cause = data["causes"][0]
        assert {"id", "title", "certainty", "rank", "remedies", "because"} <= set(cause)
        assert {r["kind"] for r in cause["remedies"]} == {"immediate", "preventive"}
        assert all(r["sources"] for r in cause["remedies"])
        assert cause["because"][0]["rule"]
    else:
        assert "1" in result.output


def test_json_is_byte_identical_across_runs_and_key_order(tmp_path):
    shuffled = tmp_path / "shuffled.yaml"
    lines = (EXAMPLES / "cancel-rate-stockouts.yaml").read_text().splitlines()
    body = [line for line in lines if line and not line.startswith("#")]
    shuffled.write_text("\n".join(reversed(body)) + "\n")
    first = invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--format", "json").output
    again = invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--format", "json").output
    reordered = invoke("run", shuffled, "--format", "json").output
    assert first == again == reordered


def test_computed_rate_is_reported():
    data = json.loads(invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--format", "json").output)
    assert data["facts"]["computed"] == {"cancel_rate": pytest.approx(19 / 412)}
    assert "cancel_rate" not in data["facts"]["given"]


def test_table_output_exact_header():
    result = invoke("run", EXAMPLES / "listing-mismatch.yaml")
    assert result.output.splitlines()[0].startswith("Diagnosis: Amazon · knowledge ")
    assert "Products do not match their detail" in result.output


def test_chinese_output():
    result = invoke("run", EXAMPLES / "listing-mismatch.yaml", "--lang", "zh")
    assert "商品与详情页描述不符" in result.output
    assert "根本原因" in result.output


def test_metric_windows_are_given_in_the_output_language():
    table = invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--lang", "zh").output
    assert "配送前取消率  4.61%   低于 2.5%  7 天" in table
    data = json.loads(invoke("run", EXAMPLES / "odr-slow-replies.yaml", "--format", "json", "--lang", "zh").output)
    assert data["metrics"][0]["window"] == "60 天"


def causes_table(output, remedies_heading):
    """The lines of the causes table and the column where its remedies start."""
    lines = output.splitlines()
    header = next(index for index, line in enumerate(lines) if remedies_heading in line)
    end = lines.index("", header)
    return lines[header:end], lines[header].index(remedies_heading)


def test_table_gives_now_and_prevent_lines_of_their_own():
    table, column = causes_table(invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml").output, "First remedies")
    cells = [line[column:] for line in table[2:]]
    assert cells[0].startswith("Now: Ask the supplier")
    assert any(cell.startswith("Prevent: Reconcile stock") for cell in cells)


@pytest.mark.parametrize("example", ["cancel-rate-stockouts.yaml", "odr-slow-replies.yaml"])
def test_chinese_table_columns_line_up_on_screen(example):
    """Chinese characters take two terminal columns: the right-aligned certainty ends where its
    heading does, counted in screen columns."""
    from wcwidth import wcswidth

    def screen_end(line, text):
        return wcswidth(line[:line.index(text) + len(text)])

    table, _ = causes_table(invoke("run", EXAMPLES / example, "--lang", "zh").output, "首要措施")
    assert screen_end(table[2], "%") == screen_end(table[0], "可能性")


def test_explain_shows_the_chain():
    result = invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--explain")
    assert "rule cancel.chronic_stockout" in result.output
    assert "rule threshold.amazon.cancel_rate" in result.output
    assert "pre-fulfilment cancellation rate: 4.61% (computed)" in result.output


def test_fact_options_without_a_file():
    result = invoke("run", "--fact", "platform=amazon", "--fact", "cancel_rate=3.1%",
                    "--fact", "out_of_stock_often=是", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["causes"][0]["id"] == "chronic_stockout"


@pytest.mark.parametrize("content,expected", [
    ("platform: amazon\ncancel_rat: 3%\n", "facts.yaml:2:1: cancel_rat: unknown fact; did you mean 'cancel_rate'?"),
    ("platform: amazon\ncancel_rate: 150%\n", "facts.yaml:2:1: cancel_rate: a rate cannot exceed 100%, got '150%'"),
    ("platform: amazon\norders_7d: -3\n", "facts.yaml:2:1: orders_7d: -3 is below the minimum 0"),
    ("platform: amazon\nout_of_stock_often: 12\n", "facts.yaml:2:1: out_of_stock_often: expected yes or no, got 12"),
    ("platform: amazon\ncancel_rate: [1, 2\n", "facts.yaml:3:1: invalid YAML"),
    ("", "facts.yaml:1: the file is empty"),
    ("- a\n- b\n", "facts.yaml:1: expected a mapping of fact names to values, found a list"),
    ("cancel_rate: 3%\n", "facts.yaml: platform: the platform is required"),
    ("platform: amazon\nplatform: ebay\n", "facts.yaml:2:1: platform: duplicate key (first given on line 1)"),
])
def test_bad_input_gives_one_clear_line_and_exit_2(tmp_path, monkeypatch, content, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_text(content)
    result = CliRunner().invoke(cli, ["run", "facts.yaml"])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_missing_file(tmp_path):
    result = invoke("run", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml: cannot read file" in result.stderr


def test_facts_lists_the_vocabulary():
    result = invoke("facts")
    assert result.exit_code == 0
    assert "cancel_rate" in result.output and "rate" in result.output
    data = json.loads(invoke("facts", "--format", "json", "--lang", "zh").output)
    assert data[0]["id"] == "platform" and data[0]["question"] == "店铺在哪个平台？"


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and "seller-diagnose" in result.output


def test_kb_option_points_at_a_working_copy(tmp_path):
    import shutil

    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    rules = tmp_path / "rules" / "performance" / "fulfilment.yaml"
    rules.write_text(rules.read_text().replace("certainty: 0.85", "certainty: 0.55"))
    data = json.loads(invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--format", "json",
                             "--kb", tmp_path).output)
    assert data["causes"][0]["certainty"] == 0.685  # the edited 0.55 with the cancellation notice's prior of 0.3


def test_broken_knowledge_base_never_diagnoses(tmp_path):
    import shutil

    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "rules" / "broken.yaml").write_text("rules:\n  - id: x\n    title: 3\n")
    result = invoke("run", EXAMPLES / "cancel-rate-stockouts.yaml", "--kb", tmp_path)
    assert result.exit_code == 1
    assert "broken.yaml:3:5: [error]" in result.stderr
    assert "Diagnosis" not in result.output


def test_run_imports_only_what_a_diagnosis_needs():
    """The cold-start budget (bench/run.py): a run loads no other command's code, no template
    engine and no schema validator (the knowledge cache spares the validation)."""
    import subprocess
    import sys

    script = ("import sys; from diagnose.cli import main\n"
              "try: main()\n"
              "except SystemExit: pass\n"
              "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    subprocess.run([sys.executable, "-c", script, "run", str(EXAMPLES / "cancel-rate-stockouts.yaml")],
                   check=True, capture_output=True)  # the first run fills the knowledge cache
    done = subprocess.run([sys.executable, "-c", script, "run", str(EXAMPLES / "cancel-rate-stockouts.yaml")],
                          check=True, capture_output=True, text=True)
    loaded = set(done.stderr.split())
    assert "diagnose.cli.run" in loaded and "diagnose.engine" in loaded
    unneeded = {"diagnose.cli.batch", "diagnose.cli.interview", "diagnose.cli.kb", "diagnose.cli.letter",
                "diagnose.letters", "diagnose.interview", "diagnose.batch", "diagnose.lint", "jinja2", "jsonschema",
                "diagnose.cli.serve", "diagnose.web", "flask", "werkzeug"}
    assert loaded & unneeded == set()


def test_a_missing_platform_lists_the_knowledge_s_own_platforms(tmp_path):
    root = make_kb(tmp_path)  # the minimal knowledge base defines amazon and ebay only
    (tmp_path / "facts.yaml").write_text("cancel_rate: 3%\n")
    result = CliRunner().invoke(cli, ["run", "--kb", str(root), str(tmp_path / "facts.yaml")])
    assert result.exit_code == 2
    assert result.output.endswith("platform: the platform is required (amazon or ebay)\n")


def test_the_command_runs_without_the_garbage_collector_and_a_long_command_turns_it_back_on(tmp_path):
    import subprocess
    import sys

    probe = ("import gc, sys\n"
             "import diagnose.cli as cli\n"
             "seen = []\n"
             "real = cli.collect_from_here\n"
             "def watched():\n"
             "    seen.append(gc.isenabled()); real(); seen.append(gc.isenabled())\n"
             "cli.collect_from_here = watched\n"
             "import diagnose.cli.batch as batch\n"
             "batch.collect_from_here = watched\n"
             "sys.argv = ['diagnose'] + sys.argv[1:]\n"
             "import atexit\n"
             "atexit.register(lambda: print('collector', seen, len(seen) and gc.get_freeze_count() > 10000, file=sys.stderr))\n"
             "from diagnose.__main__ import main\n"
             "main()\n")
    shops = tmp_path / "shops.csv"
    shops.write_text("platform,cancel_rate\namazon,4%\n", encoding="utf-8")
    ran = subprocess.run([sys.executable, "-c", probe, "batch", str(shops)], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert "collector [False, True] True" in ran.stderr  # off while loading; on, with the knowledge frozen
    ran = subprocess.run([sys.executable, "-c", probe, "run", str(EXAMPLES / "cancel-rate-stockouts.yaml")],
                         capture_output=True, text=True)
    assert ran.returncode == 0 and "collector [] " in ran.stderr  # a short command never turns it on
