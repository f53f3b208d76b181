"""A bounded fuzz run over the batch reader and screener: mutated CSV and JSON Lines files give
rows or per-row rejections, never an exception and never an "internal error"; the rows the batch
reads line by line are those rows.csv_rows and rows.jsonl_rows read."""
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT
from diagnose.batch import Screener, read_rows
from diagnose.errors import InputError
from diagnose.rows import csv_rows, jsonl_rows

CSV_SEED = ["shop,platform,cancel_rate,order_defect_rate,out_of_stock_often,unknown\n",
            "s1,amazon,4.6%,,yes,\n", "s2,ebay,,0.8%,no,slow_replies\n", '"s,3",walmart,"1,5%",,yes,\n']
JSONL_SEED = [json.dumps({"shop": "a", "platform": "amazon", "cancel_rate": "4%", "out_of_stock_often": True}) + "\n",
              json.dumps({"platform": "walmart", "cancel_rate": 0.01, "unknown": ["slow_replies"]}) + "\n"]
PIECES = ['"', '""', ",", "\n", "\r\n", "\ufeff", "\x00", "\ud7ff", "%", "1e308", "-0", "{", "}", "[", "]", ":",
          '"\\ud800"', '"\\u0000"', "null", "true", '{"a": 1, "a": 2}', "[" * 80, "\\", "é", "中", "\t", " "]


@st.composite
def mutated(draw, seed):
    """The seed's lines with pieces inserted, lines deleted or repeated."""
    lines = list(seed)
    for _ in range(draw(st.integers(1, 5))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if action == "insert":
            line = lines[index]
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(PIECES)) + line[at:]
        elif action == "delete" and len(lines) > 1:
            del lines[index]
        else:
            lines.insert(index, lines[index])
    return "".join(lines)


_SCREENERS = {}  # one per output format, built once: a Screener loads the engine


def screen_all(text: str, suffix: str, kb):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"shops{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            rows = list(read_rows(str(path), kb))
        except InputError:  # a bad header stops the run before any row, as documented
            return
        assert rows == list(csv_rows(str(path), kb) if suffix == ".csv" else jsonl_rows(str(path)))
        if suffix not in _SCREENERS:
            _SCREENERS[suffix] = Screener(ROOT, str(path), "csv" if suffix == ".csv" else "jsonl", 3, "en")
        screener = _SCREENERS[suffix]
        screener.path = str(path)
        for row in rows:
            outcome = screener(row)
            assert outcome.line is not None or outcome.problems
            assert not any("internal error" in problem for problem in outcome.problems), outcome.problems
            if outcome.line is not None:
                outcome.line.encode("utf-8")  # writable as it is


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated(CSV_SEED))
def test_mutated_csv_rows_are_rows_or_rejections(kb, text):
    screen_all(text, ".csv", kb)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated(JSONL_SEED))
def test_mutated_json_lines_rows_are_rows_or_rejections(kb, text):
    screen_all(text, ".jsonl", kb)
