"""Screen many shops: stream rows in, diagnose each, stream one result per shop out.

Input is CSV (a header row of fact names, an optional ``shop`` column, one shop per row, an
empty cell meaning "not given") or JSON Lines (one object per line, an optional ``"shop"``
key), or JSON Lines of Amazon account-health reports (see :mod:`diagnose.importers`). Rows
are read lazily and results written as they come, so memory does not grow with the input.

A row that cannot be diagnosed becomes a rejection naming the file, row and field; the rest of
the batch goes on. With several workers, rows go to a process pool in chunks; results come
back in input order, and each worker builds its own :class:`~diagnose.api.Diagnoser` once.
"""
from __future__ import annotations

import csv
import io
import json
import re
import threading
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import msgspec

from .errors import DiagnoseError, InputError, Location
from .facts import UNKNOWN_KEY, FactsError, validate_facts
from .knowledge import KnowledgeBase, suggest
from .yamlsafe import Mapping

SHOP_KEY = "shop"
MAX_LINE = 1_000_000
NOT_UTF8 = "\ufffd"  # what undecodable bytes become
NOT_UTF8_MESSAGE = "not valid UTF-8 text"


class Row(msgspec.Struct, frozen=True):
    """One shop to diagnose: its row (line) number, id, raw facts, or why it could not be read."""

    number: int
    shop: Optional[str]
    facts: Optional[Mapping]
    problem: Optional[str] = None


class Outcome(msgspec.Struct, frozen=True):
    """One shop's result: its output line, or the problems that rejected it."""

    number: int
    shop: Optional[str]
    line: Optional[str]
    problems: Tuple[str, ...] = ()
    exit_code: int = 0
    at_risk: bool = False
    missed: bool = False


class Summary(msgspec.Struct):
    """What a batch did, printed at the end."""

    diagnosed: int = 0
    rejected: int = 0
    at_risk: int = 0
    missed: int = 0
    exit_code: int = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.line is None:
            self.rejected += 1
            self.exit_code = max(self.exit_code, outcome.exit_code)
            return
        self.diagnosed += 1
        self.at_risk += outcome.at_risk
        self.missed += outcome.missed

    def __str__(self) -> str:
        return (f"{self.diagnosed} shop(s) diagnosed, {self.rejected} row(s) rejected, "
                f"{self.at_risk} shop(s) at risk (a metric within its warning margin), "
                f"{self.missed} missing a target")


# ---------------------------------------------------------------------------------------------
# Reading


def detect_format(path: str) -> str:
    """``csv`` for a .csv file, else ``jsonl``."""
    return "csv" if path.lower().endswith(".csv") else "jsonl"


def read_rows(path: str, kb: KnowledgeBase, source: str = "facts") -> Iterator[Row]:
    """The shops in ``path``, one :class:`Row` at a time; a bad header raises InputError."""
    if source != "facts":  # a marketplace's report format, one report per line
        from .importers import report_rows

        return report_rows(path, kb, source, _json_lines(path))
    if detect_format(path) == "csv":
        return _csv_rows(path, kb)
    return _jsonl_rows(path)


def _open(path: str):
    """The file as text; bytes that are not UTF-8 become U+FFFD, which rejects their row."""
    try:
        return open(path, encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", Location(path)) from None


def _csv_rows(path: str, kb: KnowledgeBase) -> Iterator[Row]:
    handle = _open(path)
    reader = csv.reader(handle)
    try:
        names = _header(path, reader, kb)
    except InputError:
        handle.close()
        raise

    def rows() -> Iterator[Row]:
        with handle:
            number = reader.line_num
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield Row(reader.line_num, None, None, str(InputError(f"unreadable row: {exc}",
                                                                             Location(path, reader.line_num))))
                    number = reader.line_num
                    continue
                start, number = number + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                yield _csv_row(path, start, names, cells)

    return rows()


def _header(path: str, reader, kb: KnowledgeBase) -> List[str]:
    """The column names; raise InputError for a header that is missing, unreadable or names no fact."""
    try:
        names = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InputError("the file is empty: expected a header row of fact names", Location(path, 1)) from None
    except csv.Error as exc:
        raise InputError(f"unreadable CSV header: {exc}", Location(path, 1)) from None
    if NOT_UTF8 in "".join(names):
        raise InputError(NOT_UTF8_MESSAGE, Location(path, 1))
    seen = set()
    for column, name in enumerate(names, 1):
        where = Location(path, 1, column, field=name or f"column {column}")
        if name in seen:
            raise InputError("the column appears twice", where)
        seen.add(name)
        if name not in kb.facts and name not in (SHOP_KEY, UNKNOWN_KEY):
            raise InputError(f"not a fact{suggest(name, kb.facts)} (see 'diagnose facts')", where)
    return names


def _csv_row(path: str, number: int, names: List[str], cells: List[str]) -> Row:
    if len(cells) > len(names):
        return Row(number, None, None, str(InputError(
            f"{len(cells)} cells but the header names {len(names)} columns", Location(path, number))))
    if any(NOT_UTF8 in cell for cell in cells):
        return Row(number, None, None, str(InputError(NOT_UTF8_MESSAGE, Location(path, number))))
    facts = Mapping()
    facts.line, facts.column = number, 1
    shop = None
    for column, (name, cell) in enumerate(zip(names, cells), 1):
        cell = cell.strip()
        if not cell:
            continue
        if name == SHOP_KEY:
            shop = cell
        elif name == UNKNOWN_KEY:
            facts[name] = [part.strip() for part in re.split(r"[;,]", cell) if part.strip()]
            facts.key_marks[name] = (number, column)
        else:
            facts[name] = cell
            facts.key_marks[name] = (number, column)
    return Row(number, shop, facts)


def _json_lines(path: str) -> Iterator[Tuple[int, Any, Optional[str]]]:
    """(line number, parsed value, problem) for each non-blank line of a JSON Lines file."""
    handle = _open(path)

    def lines():
        with handle:
            for number, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                if len(text) > MAX_LINE:
                    yield number, None, f"the line is longer than {MAX_LINE:,} characters"
                    continue
                if NOT_UTF8 in text:
                    yield number, None, NOT_UTF8_MESSAGE
                    continue
                try:
                    yield number, json.loads(text), None
                except ValueError as exc:
                    yield number, None, f"not valid JSON: {getattr(exc, 'msg', exc)}"

    return lines()


def _jsonl_rows(path: str) -> Iterator[Row]:
    for number, value, problem in _json_lines(path):
        if problem is None and not isinstance(value, dict):
            problem = "expected a JSON object of fact names to values"
        if problem is not None:
            yield Row(number, None, None, str(InputError(problem, Location(path, number))))
            continue
        facts = Mapping(value)
        facts.line = number
        shop = facts.pop(SHOP_KEY, None)
        yield Row(number, None if shop is None else str(shop), facts)


# ---------------------------------------------------------------------------------------------
# Diagnosing


class Screener:
    """Diagnoses one row and renders its output line; one per process."""

    def __init__(self, kb_root, path: str, out_format: str, top: int, lang: str):
        from .api import get_diagnoser

        self.diagnoser = get_diagnoser(kb_root)
        self.path, self.out_format, self.top, self.lang = path, out_format, top, lang

    def __call__(self, row: Row) -> Outcome:
        if row.problem is not None:
            return Outcome(row.number, row.shop, None, (row.problem,), InputError.exit_code)
        try:
            seller = validate_facts(row.facts, self.diagnoser.kb, self.path)
            diagnosis = self.diagnoser.run(seller)
        except FactsError as exc:
            return Outcome(row.number, row.shop, None, tuple(exc.problems), exc.exit_code)
        except DiagnoseError as exc:
            return Outcome(row.number, row.shop, None, (f"{Location(self.path, row.number)}: {exc}",), exc.exit_code)
        except Exception as exc:  # a bug must not lose the rest of the batch: report this row
            return Outcome(row.number, row.shop, None, (
                f"{Location(self.path, row.number)}: internal error ({type(exc).__name__}: {exc})",), 1)
        record = shop_record(row, diagnosis, self.top, self.lang)
        line = (json.dumps(record, ensure_ascii=False) if self.out_format == "jsonl"
                else csv_line(record, self.top, self.diagnoser.kb))
        return Outcome(row.number, row.shop, line, (), 0, bool(record["at_risk"]), bool(record["missed"]))


def shop_record(row: Row, diagnosis, top: int, lang: str) -> Dict[str, Any]:
    """One shop's result: top causes with certainty and first remedies, missed and at-risk metrics."""
    from .vocabulary import say

    causes = []
    for cause in diagnosis.top(top):
        first = {}
        for remedy in cause.remedies:
            first.setdefault(remedy.kind, remedy)
        causes.append({"id": cause.id, "title": say(cause.title, lang), "certainty": cause.certainty,
                       "remedies": [{"id": r.id, "kind": r.kind, "text": say(r.text, lang)} for r in first.values()]})
    metrics = {"missed": [], "at_risk": []}
    for metric in diagnosis.metrics:
        if metric.status in metrics:
            metrics[metric.status].append({"fact": metric.fact, "value": metric.value, "must_be": metric.must_be,
                                           "target": metric.target, "margin": metric.margin})
    return {"row": row.number, "shop": row.shop, "platform": diagnosis.platform, "causes": causes,
            "missed": metrics["missed"], "at_risk": metrics["at_risk"]}


def csv_header(top: int) -> List[str]:
    """The CSV output's columns for ``top`` causes."""
    columns = ["row", "shop", "platform"]
    for rank in range(1, top + 1):
        columns += [f"cause_{rank}", f"certainty_{rank}", f"remedies_{rank}"]
    return columns + ["missed", "at_risk"]


def csv_line(record: Dict[str, Any], top: int, kb: KnowledgeBase) -> str:
    """One shop's record as a CSV line (without the newline)."""
    cells = [record["row"], record["shop"] or "", record["platform"]]
    for rank in range(top):
        if rank < len(record["causes"]):
            cause = record["causes"][rank]
            cells += [cause["id"], cause["certainty"], " | ".join(r["text"] for r in cause["remedies"])]
        else:
            cells += ["", "", ""]
    cells += ["; ".join(_metric_text(kb, m) for m in record["missed"]),
              "; ".join(_metric_text(kb, m) for m in record["at_risk"])]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def _metric_text(kb: KnowledgeBase, metric: Dict[str, Any]) -> str:
    """E.g. ``order_defect_rate 0.8% (below 1%, margin 0.2%)``."""
    from .vocabulary import format_value

    fact = kb.facts[metric["fact"]]
    value, target, margin = (format_value(fact, metric[key]) for key in ("value", "target", "margin"))
    return f"{fact.id} {value} ({kb.operator_words(metric['must_be'], 'en')} {target}, margin {margin})"


_worker: Optional[Screener] = None  # each pool process's own Screener, built once by _start_worker


def _start_worker(*arguments) -> None:
    global _worker
    _worker = Screener(*arguments)


def _screen_in_worker(row: Row) -> Outcome:
    return _worker(row)


def screen(rows: Iterable[Row], kb_root, path: str, out_format: str = "jsonl", top: int = 3,
           lang: str = "en", workers: int = 1, chunk: int = 64) -> Iterator[Outcome]:
    """Diagnose every row; outcomes come in input order whatever the number of workers."""
    arguments = (kb_root, path, out_format, top, lang)
    if workers <= 1:
        screener = Screener(*arguments)
        for row in rows:
            yield screener(row)
        return
    import multiprocessing

    # Pool.imap reads its whole input ahead of the workers: a semaphore bounds what is in flight
    in_flight = threading.Semaphore(workers * chunk * 4)
    stopped = threading.Event()

    def bounded() -> Iterator[Row]:
        for row in rows:
            in_flight.acquire()
            if stopped.is_set():
                return
            yield row

    pool = multiprocessing.Pool(workers, initializer=_start_worker, initargs=arguments)
    try:
        for outcome in pool.imap(_screen_in_worker, bounded(), chunksize=chunk):
            in_flight.release()
            yield outcome
    finally:  # also when the reader stops early (a closed pipe): unblock the feeder, then stop
        stopped.set()
        in_flight.release()
        pool.terminate()
        pool.join()
