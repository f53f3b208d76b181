"""diagnose batch: CSV and JSON Lines input, bad rows, worker counts, early warning, summary."""
import csv
import io
import json
import random
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT
from diagnose.cli import cli

CSV_SHOPS = """shop,platform,cancel_rate,out_of_stock_often,order_defect_rate,unknown
s1,amazon,4.6%,yes,,
s2,amazon,,,0.8%,slow_replies
s3,amazon,150%,yes,,
,,,,,
s4,walmart,2.4%,yes,,
s5,wish,1%,no,x,
"""


def run_batch(tmp_path, name, text, *options):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(source), "--kb", str(ROOT), *options])
    return result, source


def records(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_csv_input_gives_one_result_per_good_row(tmp_path):
    result, source = run_batch(tmp_path, "shops.csv", CSV_SHOPS)
    out = records(result)
    assert [(r["row"], r["shop"]) for r in out] == [(2, "s1"), (3, "s2"), (6, "s4")]
    first = out[0]
    assert first["causes"][0]["id"] == "chronic_stockout" and first["causes"][0]["certainty"] == 0.85
    assert [r["kind"] for r in first["causes"][0]["remedies"]] == ["immediate", "preventive"]
    assert first["missed"] == [{"fact": "cancel_rate", "value": 0.046, "must_be": "below", "target": 0.025,
                                "margin": 0.021}]
    # early warning: 0.8% meets Amazon's 1% target by less than its 0.25% warning margin
    assert out[1]["at_risk"] == [{"fact": "order_defect_rate", "value": 0.008, "must_be": "below",
                                  "target": 0.01, "margin": 0.002}]
    assert out[1]["causes"] == []


def test_bad_rows_are_reported_with_row_and_field_and_skipped(tmp_path):
    result, source = run_batch(tmp_path, "shops.csv", CSV_SHOPS)
    rejected = [line for line in result.stderr.splitlines() if line.startswith("Rejected:")]
    assert rejected == [f"Rejected: {source}:4:3: cancel_rate: a rate cannot exceed 100%, got '150%'",
                        f"Rejected: {source}:7:5: order_defect_rate: expected a number, got 'x'"]
    assert result.stderr.splitlines()[-1] == (
        "Summary: 3 shop(s) diagnosed, 2 row(s) rejected, 1 shop(s) at risk (a metric within its "
        "warning margin, or the marketplace says so), 2 missing a target")
    assert result.exit_code == 2


def test_jsonl_input_and_its_bad_lines(tmp_path):
    lines = [json.dumps({"shop": "a", "platform": "amazon", "cancel_rate": "4%", "out_of_stock_often": True}),
             "",
             "{not json",
             json.dumps(["a list"]),
             json.dumps({"shop": 7, "platform": "ebay", "cancel_rat": "1%"}),
             json.dumps({"platform": "walmart", "cancel_rate": 0.01})]
    result, source = run_batch(tmp_path, "shops.jsonl", "\n".join(lines) + "\n")
    assert [(r["row"], r["shop"], r["platform"]) for r in records(result)] == [(1, "a", "amazon"),
                                                                               (6, None, "walmart")]
    rejected = [line for line in result.stderr.splitlines() if line.startswith("Rejected:")]
    assert rejected[0].startswith(f"Rejected: {source}:3: not valid JSON")
    assert rejected[1] == f"Rejected: {source}:4: expected a JSON object of fact names to values"
    assert rejected[2] == (f"Rejected: {source}:5:33: cancel_rat: unknown fact; did you mean 'cancel_rate'? "
                           "(see 'diagnose facts')")
    assert result.exit_code == 2


def test_a_clean_batch_exits_zero_and_writes_the_output_file(tmp_path):
    out = tmp_path / "out.csv"
    result, _ = run_batch(tmp_path, "shops.csv", "platform,cancel_rate\namazon,2.2%\nebay,1%\n",
                          "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["row"] for row in table] == ["2", "3"]
    assert table[0]["at_risk"] == "cancel_rate 2.2% (below 2.5%, margin 0.3%)"
    assert table[0]["cause_1"] == "" and table[1]["at_risk"] == ""
    assert "0 row(s) rejected, 1 shop(s) at risk" in result.stderr


@pytest.mark.parametrize("header,message", [
    ("platform,cancel_rat\n", "1:2: cancel_rat: not a fact; did you mean 'cancel_rate'?"),
    ("platform,platform\n", "1:2: platform: the column appears twice"),
    ("", "1: the file is empty"),
])
def test_a_bad_header_stops_before_any_row(tmp_path, header, message):
    result, source = run_batch(tmp_path, "shops.csv", header + ("amazon,1%\n" if header else ""))
    assert result.exit_code == 2
    assert f"{source}:{message}" in result.stderr
    assert result.stdout == ""


def test_a_row_longer_than_the_header_is_rejected(tmp_path):
    result, source = run_batch(tmp_path, "shops.csv", "platform,cancel_rate\namazon,1%,extra\nebay,1%\n")
    assert f"Rejected: {source}:2: 3 cells but the header names 2 columns" in result.stderr
    assert [r["row"] for r in records(result)] == [3]


def generated_shops(count, seed=7):
    rnd = random.Random(seed)
    rows = ["shop,platform,cancel_rate,late_shipment_rate,order_defect_rate,out_of_stock_often,slow_replies"]
    for index in range(count):
        cells = [f"shop{index}", rnd.choice(["amazon", "ebay", "walmart", "wish"]),
                 f"{rnd.uniform(0, 6):.2f}%", f"{rnd.uniform(0, 9):.2f}%", f"{rnd.uniform(0, 2):.2f}%",
                 rnd.choice(["yes", "no", ""]), rnd.choice(["yes", "no", ""])]
        if index % 97 == 5:
            cells[2] = "lots"  # a bad row now and then
        rows.append(",".join(cells))
    return "\n".join(rows) + "\n"


def as_json_lines(text):
    """The shops of a CSV text as JSON Lines, the empty cells left out."""
    return "".join(json.dumps({k: v for k, v in row.items() if v}) + "\n" for row in csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("name", ["shops.csv", "shops.jsonl"])
@pytest.mark.parametrize("out_format", ["jsonl", "csv"])
def test_worker_counts_give_identical_output(tmp_path, out_format, name):
    text = generated_shops(400)
    text = text if name.endswith(".csv") else as_json_lines(text)
    outputs = []
    for workers in ("1", "2", "3"):
        result, _ = run_batch(tmp_path, name, text, "--workers", workers, "--format", out_format)
        outputs.append((result.stdout, result.stderr, result.exit_code))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][1].count("Rejected:") == 5
    assert len(outputs[0][0].splitlines()) == 400 - 5 + (out_format == "csv")


def test_the_pool_is_handed_raw_lines_which_the_workers_read_as_one_worker_does(tmp_path, monkeypatch):
    """The parent reads no row: it sends chunks of (line number, text, too long), and the
    LineReader that reads them, once, to the workers."""
    from concurrent.futures import ProcessPoolExecutor

    from diagnose.batch import LineReader, open_input, screen
    from diagnose.knowledge import load_knowledge

    source = tmp_path / "shops.csv"
    lines = generated_shops(150).splitlines(keepends=True)
    lines[10] = 's9,amazon,"4%\n'  # a quote left open, then too many cells, bytes that are not UTF-8, a blank line
    lines[20:23] = ["s19,amazon,1%,1%,1%,yes,no,extra\n", "s20,amazon,\udcff\n", ",,,,,,\n"]
    source.write_bytes("".join(lines).encode("utf-8", "surrogateescape"))
    kb = load_knowledge(ROOT)
    submitted, started = [], []
    submit, init = ProcessPoolExecutor.submit, ProcessPoolExecutor.__init__
    monkeypatch.setattr(ProcessPoolExecutor, "submit",
                        lambda pool, function, *args: submitted.append(args) or submit(pool, function, *args))
    monkeypatch.setattr(ProcessPoolExecutor, "__init__",
                        lambda pool, *args, **options: started.append(options["initargs"]) or init(pool, *args, **options))
    outcomes = {}
    for workers in (1, 2):
        reader, raw = open_input(str(source), kb)
        outcomes[workers] = list(screen(raw, reader, ROOT, workers=workers, chunk=16))
    (arguments, reader), = started
    assert isinstance(reader, LineReader) and reader.names == tuple(lines[0].strip().split(","))
    chunks = [chunk for chunk, in submitted]
    assert all(len(chunk) <= 16 for chunk in chunks)
    assert [line for chunk in chunks for line in chunk] == [
        (number, text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), False)
        for number, text in enumerate(lines[1:], 2)]
    assert outcomes[1] == outcomes[2]
    problems = {outcome.number: outcome.problems for outcome in outcomes[2] if outcome.problems}
    assert problems[11] == (f"{source}:11: a quoted cell is not closed on its line",)
    assert problems[21] == (f"{source}:21: 8 cells but the header names 7 columns",)
    assert problems[22] == (f"{source}:22: not valid UTF-8 text",)
    assert 23 not in {outcome.number for outcome in outcomes[2]}  # a row of empty cells is a blank line


def test_a_bad_header_stops_the_batch_before_any_worker_starts(tmp_path, monkeypatch):
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setattr(ProcessPoolExecutor, "__init__", lambda *args, **options: pytest.fail("a worker started"))
    told = [run_batch(tmp_path, "shops.csv", "platform,cancel_rat\namazon,1%\n", "--workers", workers)[0]
            for workers in ("1", "2")]
    assert told[0].stderr == told[1].stderr and told[0].exit_code == told[1].exit_code == 2
    assert "cancel_rat: not a fact; did you mean 'cancel_rate'?" in told[1].stderr


def test_bytes_that_are_not_utf8_reject_only_their_row(tmp_path):
    source = tmp_path / "shops.csv"
    source.write_bytes(b"platform,cancel_rate\namazon,1%\n\xff\xfe,2%\nebay,1%\n")
    result = CliRunner().invoke(cli, ["batch", str(source), "--kb", str(ROOT)])
    assert f"Rejected: {source}:3: not valid UTF-8 text" in result.stderr
    assert [r["row"] for r in records(result)] == [2, 4]


def test_an_unwritable_output_is_an_input_error(tmp_path):
    result, _ = run_batch(tmp_path, "shops.csv", "platform\namazon\n", "-o", str(tmp_path / "no" / "out.jsonl"))
    assert result.exit_code == 2
    assert "no/out.jsonl: cannot write the results: No such file or directory" in result.stderr


@pytest.mark.parametrize("lang, label, summary", [("en", "Screening shops", "Summary: 49 shop"),
                                                   ("zh", "正在筛查店铺", "汇总：已诊断 49 家店铺")])
def test_a_progress_bar_on_a_terminal(tmp_path, lang, label, summary):
    pexpect = pytest.importorskip("pexpect")
    import sys

    source = tmp_path / "shops.csv"
    source.write_text(generated_shops(50), encoding="utf-8")
    child = pexpect.spawn(sys.executable, ["-m", "diagnose", "batch", str(source), "--kb", str(ROOT), "--lang", lang,
                                           "-o", str(tmp_path / "o.jsonl")], encoding="utf-8", timeout=60, cwd=str(ROOT))
    child.expect(label)
    child.expect(summary)
    child.expect(pexpect.EOF)
    assert (tmp_path / "o.jsonl").read_text().count("\n") == 49


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_reader_that_stops_early_ends_the_batch_quietly(tmp_path, workers):
    import subprocess
    import sys

    source = tmp_path / "shops.csv"
    source.write_text(generated_shops(3000), encoding="utf-8")
    script = "from diagnose.cli import main; main()"
    with subprocess.Popen([sys.executable, "-c", script, "batch", str(source), "--workers", workers,
                           "--kb", str(ROOT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout.readline().startswith(b'{"row": 2')
        child.stdout.close()  # like `| head -1`
        assert child.wait(timeout=60) == 1
        assert b"internal error" not in child.stderr.read()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_workers_are_forked_on_linux_whatever_pythons_default():
    from diagnose.batch import _fork_context

    assert _fork_context().get_start_method() == "fork"  # Python 3.14's default there is forkserver
