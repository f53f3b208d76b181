"""diagnose batch under hostile rows and faults: every bad row is its own rejection, reads are
bounded, only regular files are opened, write failures and signals end with a summary."""
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import ROOT
from diagnose import rows
from diagnose.cli import cli

GOOD = {"platform": "amazon", "cancel_rate": "4.6%", "out_of_stock_often": "yes"}


def run_batch(tmp_path, name, text, *options):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(source), "--kb", str(ROOT), *options])
    return result, source


def rejected(result):
    return [line for line in result.stderr.splitlines() if line.startswith("Rejected:")]


def jsonl(*lines):
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)


# --- rows go through the facts loader ----------------------------------------------------------

@pytest.mark.parametrize("out_format", ["jsonl", "csv"])
def test_hostile_json_lines_rows_are_rejected_one_by_one(tmp_path, out_format):
    deep = "[" * 3000 + "]" * 3000
    text = jsonl(GOOD, '{"platform": "amazon", "cancel_rate": "1%", "cancel_rate": "9%"}', deep,
                 '{"platform": "amazon", "shop": "\\ud800"}', '{"platform": "amazon", "store_name": "a\\u0000b"}',
                 GOOD)
    result, source = run_batch(tmp_path, "shops.jsonl", text, "--format", out_format)
    lines = rejected(result)
    # the deep row: our depth limit or libyaml's stops it, whichever comes first (the contract is
    # the row named and refused, not the parser's wording)
    assert lines[1].startswith(f"Rejected: {source}:3: not valid JSON: ")
    assert lines[:1] + lines[2:] == [
        f"Rejected: {source}:2: cancel_rate: not valid JSON: duplicate key (first given on line 1)",
        f"Rejected: {source}:4: not valid JSON: found invalid Unicode character escape code",
        f"Rejected: {source}:5: not valid JSON: a string holds a control character or an invalid code point"]
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("Summary: 2 shop(s) diagnosed, 4 row(s) rejected")
    assert result.exit_code == 2


def test_a_huge_integer_in_a_json_lines_row_is_refused_in_our_words(tmp_path):
    """Issue 15: a 5,000-digit number once gave Python's int-conversion text (set_int_max_str_digits)."""
    result, source = run_batch(tmp_path, "shops.jsonl", jsonl(GOOD, '{"platform": "amazon", "orders_7d": %s}' % ("9" * 5000)))
    assert rejected(result) == [f"Rejected: {source}:2: not valid JSON: an integer of 5,000 digits; at most 100 are accepted"]
    assert "set_int_max_str_digits" not in result.output


def test_a_json_lines_row_points_at_its_own_line(tmp_path):
    result, source = run_batch(tmp_path, "shops.jsonl", jsonl(GOOD, GOOD, {"platform": "amazon", "cancel_rate": "x"}))
    assert rejected(result) == [f"Rejected: {source}:3:24: cancel_rate: expected a number, got 'x'"]


def test_a_row_without_a_platform_is_rejected_with_its_row_number(tmp_path):
    result, source = run_batch(tmp_path, "shops.csv", "shop,platform,cancel_rate\na,amazon,1%\nb,,3%\n")
    assert rejected(result) == [
        f"Rejected: {source}:3: platform: the platform is required (amazon, ebay, walmart or wish)"]
    result, source = run_batch(tmp_path, "shops.jsonl", jsonl(GOOD, {"cancel_rate": "3%"}))
    assert rejected(result) == [
        f"Rejected: {source}:2: platform: the platform is required (amazon, ebay, walmart or wish)"]


def test_an_unterminated_quote_is_its_own_rows_problem(tmp_path):
    lines = ["shop,platform,cancel_rate"] + [f"s{n},amazon,1%" for n in range(2, 301)]
    lines[100] = 's101,amazon,"4%'  # line 101
    result, source = run_batch(tmp_path, "shops.csv", "\n".join(lines) + "\n")
    assert rejected(result) == [f"Rejected: {source}:101: a quoted cell is not closed on its line"]
    assert result.stderr.splitlines()[-1].startswith("Summary: 298 shop(s) diagnosed, 1 row(s) rejected")


def test_a_csv_may_start_with_blank_lines(tmp_path):
    result, source = run_batch(tmp_path, "shops.csv", "\n\nshop,platform,cancel_rate\na,amazon,1%\n")
    assert result.exit_code == 0 and json.loads(result.stdout)["row"] == 4


# --- bounded reads, regular files only ---------------------------------------------------------

class CountingText(io.StringIO):
    """A text file that remembers the longest piece handed out by one read."""

    longest = 0

    def readline(self, size=-1):
        text = super().readline(size)
        self.longest = max(self.longest, len(text))
        return text


def test_an_overlong_line_is_skipped_in_bounded_pieces(monkeypatch):
    monkeypatch.setattr(rows, "MAX_LINE", 1000)
    handle = CountingText("a\n" + "x" * 25_000 + "\nb\n")
    assert list(rows._lines(handle)) == [(1, "a\n", False), (2, "", True), (3, "b\n", False)]
    assert handle.longest <= 1001


@pytest.mark.parametrize("name", ["shops.jsonl", "shops.csv"])
def test_an_overlong_line_is_one_rejection(tmp_path, name):
    header = "platform,cancel_rate\n" if name.endswith("csv") else ""
    good = "amazon,1%\n" if name.endswith("csv") else jsonl(GOOD)
    text = header + good + "x" * (rows.MAX_LINE + 10) + "\n" + good
    result, source = run_batch(tmp_path, name, text)
    start = 3 if header else 2
    assert rejected(result) == [f"Rejected: {source}:{start}: the line is longer than 1,000,000 characters"]
    assert "2 shop(s) diagnosed, 1 row(s) rejected" in result.stderr


def test_devices_and_pipes_are_refused_without_opening_them(tmp_path):
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    for path in (zero, fifo):
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "diagnose", "batch", str(path), "--kb", str(ROOT)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert result.stderr == f"Error: {path}: not a regular file (a device, pipe or socket): give a CSV or " \
                                "JSON Lines file\n"
        assert time.monotonic() - started < 30


# --- write failures -------------------------------------------------------------------------

def many_shops(path, count):
    path.write_text(jsonl(*[dict(GOOD, shop=f"s{n}") for n in range(count)]), encoding="utf-8")
    return path


def batch_process(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "diagnose", "batch", *map(str, args), "--kb", str(ROOT)],
                          text=True, timeout=120, **kwargs)


def test_a_full_disk_is_one_line_and_a_summary(tmp_path):
    source = many_shops(tmp_path / "shops.jsonl", 40)
    result = batch_process(source, "-o", "/dev/full", capture_output=True)
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert lines[0].startswith("Error: cannot write the results to /dev/full: No space left on device")
    assert lines[1].startswith("Summary: ") and len(lines) == 2


def test_standard_output_on_a_full_disk_is_one_line_and_a_summary(tmp_path):
    source = many_shops(tmp_path / "shops.jsonl", 40)
    with open("/dev/full", "w") as full:
        result = batch_process(source, stdout=full, stderr=subprocess.PIPE)
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert lines[0].startswith("Error: cannot write the results to standard output: No space left on device")
    assert lines[1].startswith("Summary: ") and len(lines) == 2


def test_an_output_folder_that_cannot_exist_is_one_line(tmp_path):
    source = many_shops(tmp_path / "shops.jsonl", 2)
    (tmp_path / "file").write_text("")
    result = batch_process(source, "-o", tmp_path / "file" / "out.jsonl", capture_output=True)
    assert result.returncode == 2
    assert result.stderr == f"Error: {tmp_path / 'file' / 'out.jsonl'}: cannot write the results: Not a directory\n"


def test_an_unwritable_output_folder_is_one_line_before_any_row(tmp_path, unwritable_folder):
    source = many_shops(tmp_path / "shops.jsonl", 2)
    for name in ("out.jsonl", "out.csv"):
        result = batch_process(source, "-o", unwritable_folder / name, capture_output=True)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith(f"Error: {unwritable_folder / name}: cannot write the results: ")
        assert len(result.stderr.splitlines()) == 1, result.stderr
    assert list(unwritable_folder.iterdir()) == []


# --- signals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("signum,to_group", [(signal.SIGINT, True), (signal.SIGTERM, False),
                                             (signal.SIGHUP, False), (signal.SIGTERM, True)])
def test_a_signal_during_a_two_worker_batch_ends_with_a_summary(tmp_path, signum, to_group):
    source = many_shops(tmp_path / "shops.jsonl", 30_000)
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "diagnose", "batch", str(source), "--workers", "2",
                                "-o", str(out), "--kb", str(ROOT)], stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while (not out.exists() or out.stat().st_size < 20_000) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert process.poll() is None, "the batch ended before the signal"
        if to_group:  # Ctrl-C reaches every process of the terminal's group
            os.killpg(process.pid, signum)
        else:
            os.kill(process.pid, signum)
        stderr = process.communicate(timeout=60)[1]
    finally:  # a hung batch must not outlive the test
        if process.poll() is None:
            process.kill()
            process.communicate()
    name = signal.Signals(signum).name
    assert process.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    lines = stderr.splitlines()
    assert lines[-2] == f"Stopped by {name}: the results written so far are complete lines"
    assert lines[-1].startswith("Summary: ")
    written = out.read_text().splitlines()
    assert written and all(json.loads(line)["shop"] for line in written)  # whole lines only


@pytest.mark.parametrize("lang, error, summary", [
    ("en", "Error: a worker process ended before finishing its rows; the ", "Summary: "),
    ("zh", "错误：有一个工作进程没处理完分到的行就退出了；在这些行之前的 ", "汇总：已诊断 ")])
def test_a_worker_that_dies_ends_the_batch_with_a_message_and_a_summary(tmp_path, lang, error, summary):
    source = many_shops(tmp_path / "shops.jsonl", 30_000)
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "diagnose", "batch", str(source), "--workers", "2",
                                "-o", str(out), "--kb", str(ROOT), "--lang", lang], stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.monotonic() + 90
        while (not out.exists() or out.stat().st_size < 20_000) and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert workers, "no worker processes"
        os.kill(int(workers[0]), signal.SIGKILL)  # as a crash would
        stderr = process.communicate(timeout=60)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    lines = stderr.splitlines()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert lines[-2].startswith(error)
    assert lines[-1].startswith(summary)
    screened = int(lines[-2][len(error):].split(" ")[0].replace(",", ""))
    assert len(out.read_text().splitlines()) == screened  # every shop the message counts was written
