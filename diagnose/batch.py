"""Screen many shops: stream rows in, diagnose each, stream one result per shop out.

Input is CSV or JSON Lines of seller facts (see :mod:`diagnose.rows`), or JSON Lines of the
marketplaces' own reports (see :mod:`diagnose.importers`). Rows are read lazily and results
written as they come, so memory does not grow with the input.

A row that cannot be diagnosed becomes a rejection naming the file, row and field; the rest of
the batch goes on. With several workers, the parent reads the file's lines (and checks a CSV
header) but not its rows: the raw lines go to a process pool in chunks, and each worker reads
them into rows as one worker does in process (see :class:`LineReader`); results come back in
input order. The parent builds the :class:`~diagnose.api.Diagnoser` and every platform's
ruleset before starting the workers, which inherit them where processes fork (Linux); elsewhere
each worker builds its own once. Outcomes come back as MessagePack.
"""
from __future__ import annotations

import collections
import csv
import gc
import io
import itertools
import json
import os
import signal
import sys
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import msgspec

from .consistency import uncomputed_warnings, warning_text
from .errors import DiagnoseError, InputError, Location, Said
from .facts import FactsError, validate_facts
from .importers import ImportMapping, apply_verdicts, load_mapping, load_screening, report_line
from .knowledge import KnowledgeBase
from .rows import Row, csv_lines, csv_row, detect_format, jsonl_row, read_lines
from .telling import tell

if TYPE_CHECKING:
    from .ranking import Diagnosis


class Outcome(msgspec.Struct, frozen=True):
    """One shop's result: its output line, or the problems that rejected it."""

    number: int
    shop: Optional[str]
    line: Optional[str]
    problems: Tuple[str, ...] = ()
    exit_code: int = 0
    at_risk: bool = False
    missed: bool = False
    notes: Tuple[str, ...] = ()


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
                f"{self.at_risk} shop(s) at risk (a metric within its warning margin, or the marketplace says so), "
                f"{self.missed} missing a target")

    def said(self) -> Said:
        """The summary with the message catalogue's entry saying it in other languages."""
        return Said(str(self), code="batch.summary", values={"diagnosed": self.diagnosed, "rejected": self.rejected,
                                                             "at_risk": self.at_risk, "missed": self.missed})


# ---------------------------------------------------------------------------------------------
# Reading


Line = Tuple[int, str, bool]  # (line number, text, too long), as rows.read_lines gives them


class LineReader(msgspec.Struct, frozen=True):
    """What reads a raw line of the input into rows, in the parent or in a worker: the file, and a
    CSV file's column names or a report's import mapping and variant (neither: JSON Lines of facts)."""

    path: str
    names: Optional[Tuple[str, ...]] = None
    mapping: Optional[ImportMapping] = None
    variant: Optional[str] = None

    def rows(self, number: int, text: str, too_long: bool = False) -> Iterable[Row]:
        """The rows of one line: none for a blank line, several for a report of several shops."""
        if self.mapping is not None:
            return report_line(self.path, self.mapping, number, text, too_long, self.variant)
        row = (jsonl_row(self.path, number, text, too_long) if self.names is None
               else csv_row(self.path, self.names, number, text, too_long))
        return () if row is None else (row,)


def open_input(path: str, kb: KnowledgeBase, source: str = "facts",
               variant: Optional[str] = None) -> Tuple[LineReader, Iterator[Line]]:
    """The :class:`LineReader` reading ``path`` and its lines, read lazily; a file that cannot be
    read, a bad CSV header or a broken import mapping raises here, before any row is read."""
    if source != "facts":  # a marketplace's report format, one report per line
        mapping = load_mapping(source, kb)
        return LineReader(path, mapping=mapping, variant=variant), read_lines(path)
    if detect_format(path) == "csv":
        names, lines = csv_lines(path, kb)
        return LineReader(path, names), lines
    return LineReader(path), read_lines(path)


def read_rows(path: str, kb: KnowledgeBase, source: str = "facts", variant: Optional[str] = None) -> Iterator[Row]:
    """The shops in ``path``, one :class:`Row` at a time; a bad header raises InputError."""
    reader, lines = open_input(path, kb, source, variant)
    return (row for line in lines for row in reader.rows(*line))


# ---------------------------------------------------------------------------------------------
# Diagnosing


class Screener:
    """Diagnoses one row and renders its output line; one per process."""

    def __init__(self, kb_root: Optional[Union[str, os.PathLike]], path: str, out_format: str, top: int,
                 lang: str) -> None:
        from .api import get_diagnoser

        self.diagnoser = get_diagnoser(kb_root)
        self.screening = load_screening(self.diagnoser.kb)
        self.path, self.out_format, self.top, self.lang = path, out_format, top, lang

    def __call__(self, row: Row) -> Outcome:
        kb, lang = self.diagnoser.kb, self.lang
        notes = tuple(tell(kb, note, lang) for note in row.notes)
        if row.problem is not None:
            return Outcome(row.number, row.shop, None, (tell(kb, row.problem, lang),), InputError.exit_code,
                           notes=notes)
        shop = row.shop if row.report is not None else None  # which shop of the report line
        here = Location(self.path, row.number)
        try:
            seller = validate_facts(row.facts, kb, self.path)
            diagnosis = self.diagnoser.run(seller)
            if row.verdicts:
                diagnosis = apply_verdicts(diagnosis, row.verdicts, kb, self.screening)
        except FactsError as exc:
            return Outcome(row.number, row.shop, None, tuple(tell(kb, _on_row(e, row.number, shop), lang)
                                                             for e in exc.errors), exc.exit_code, notes=notes)
        except DiagnoseError as exc:
            told = Said(tell(kb, exc, lang), here, shop=shop)  # the error's own words, at the row
            return Outcome(row.number, row.shop, None, (tell(kb, told, lang),), exc.exit_code, notes=notes)
        except Exception as exc:  # a bug must not lose the rest of the batch: report this row
            kind = type(exc).__name__
            told = Said(f"internal error ({kind}: {exc})", here, "batch.internal_error",
                        {"kind": kind, "detail": str(exc)}, shop)
            return Outcome(row.number, row.shop, None, (tell(kb, told, lang),), 1, notes=notes)
        record = shop_record(row, diagnosis, self.top, lang, self.screening["at_risk_symptoms"])
        line = _encode_record(record) if self.out_format == "jsonl" else csv_line(record, self.top, kb)
        notes += tuple(tell(kb, Said(warning_text(kb, warning, lang), here, shop=shop), lang)
                       for warning in uncomputed_warnings(kb, diagnosis, lang))
        return Outcome(row.number, row.shop, line, (), 0, bool(record["at_risk"] or record["flags"]),
                       bool(record["missed"]), notes)


_encode_record = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(record, ensure_ascii=False), made once


def _on_row(error: InputError, number: int, shop: Optional[str]) -> Said:
    """The problem naming the row, also when it is about the row as a whole (no platform)."""
    where = error.location
    if where is not None and where.line is None:
        where = Location(where.path, number, field=where.field)
    return error.said(where, shop)


def shop_record(row: Row, diagnosis: Diagnosis, top: int, lang: str, flagging: Iterable[str] = ()) -> Dict[str, Any]:
    """One shop's result: top causes with certainty and first remedies, missed and at-risk metrics,
    and ``flags``: the symptoms among ``flagging`` (the marketplace's own alarms) it shows."""
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
            entry = {"fact": metric.fact, "value": metric.value, "must_be": metric.must_be,
                     "target": metric.target, "margin": metric.margin}
            if metric.reported is not None:
                entry.update(reported=metric.reported, note=say(metric.note, lang) or None)
            metrics[metric.status].append(entry)
    flags = sorted(s.id for s in diagnosis.symptoms if s.id in set(flagging))
    return {"row": row.number, "shop": row.shop, "platform": diagnosis.platform, "causes": causes,
            "missed": metrics["missed"], "at_risk": metrics["at_risk"], "flags": flags}


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
              "; ".join([_metric_text(kb, m) for m in record["at_risk"]] + record["flags"])]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def _metric_text(kb: KnowledgeBase, metric: Dict[str, Any]) -> str:
    """E.g. ``order_defect_rate 0.8% (below 1%, margin 0.2%)``."""
    from .vocabulary import format_value

    fact = kb.facts[metric["fact"]]
    value, target, margin = (format_value(fact, metric[key]) for key in ("value", "target", "margin"))
    return f"{fact.id} {value} ({kb.operator_words(metric['must_be'], 'en')} {target}, margin {margin})"


_worker: Optional[Tuple[Screener, LineReader]] = None  # each pool process's own, set once by _start_worker
_prepared: Optional[Tuple[tuple, Screener]] = None  # the parent's Screener and its arguments, for forked workers
_outcomes = msgspec.msgpack.Decoder(List[Outcome])


def _start_worker(arguments: tuple, reader: LineReader) -> None:
    """Build this worker's Screener; ``reader`` reads the lines it is sent into rows. Signals are
    the parent's to handle: the worker leaves the terminal's process group, so Ctrl-C or a signal
    to the group reaches only the parent, which lets the chunks under way finish, drops the rest
    and writes its summary."""
    global _worker
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if _prepared is not None and _prepared[0] == arguments:  # forked from the parent that built it
        _worker = _prepared[1], reader
    else:
        _worker = Screener(*arguments), reader


def _screen_lines(screener: Screener, reader: LineReader, lines: Iterable[Line]) -> Iterator[Outcome]:
    """The outcomes of the rows ``reader`` reads from ``lines``: what a worker does, and one worker in process."""
    for line in lines:
        for row in reader.rows(*line):
            yield screener(row)


def _screen_chunk(lines: List[Line]) -> bytes:
    return msgspec.msgpack.encode(list(_screen_lines(*_worker, lines)))


def _prepare(arguments: tuple) -> Tuple[tuple, Screener]:
    """A Screener with every platform's ruleset built in this (the parent) process, once for all
    the workers it forks."""
    screener = Screener(*arguments)
    for platform in screener.diagnoser.kb.platforms:
        try:
            screener.diagnoser.engine.prepare(platform)
        except DiagnoseError:
            pass  # each row on that platform reports it, as with one worker
    return arguments, screener


class WorkerLost(DiagnoseError):
    """A worker process ended without finishing its rows (killed, or crashed)."""


def screen(lines: Iterable[Line], reader: LineReader, kb_root: Optional[Union[str, os.PathLike]], out_format: str = "jsonl",
           top: int = 3, lang: str = "en", workers: int = 1, chunk: int = 64) -> Iterator[Outcome]:
    """Diagnose every row ``reader`` reads from ``lines`` (see :func:`open_input`); outcomes come
    in input order whatever the number of workers.

    With several workers, the workers read the lines into rows; at most a few chunks of lines per
    worker are in flight, so memory stays flat; a worker that dies raises :class:`WorkerLost`
    instead of leaving the batch waiting for it.
    """
    arguments = (kb_root, reader.path, out_format, top, lang)
    if workers <= 1:
        yield from _screen_lines(Screener(*arguments), reader, lines)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _prepared
    chunks = _chunks(lines, chunk)
    _prepared = _prepare(arguments)  # until the workers have started (they start with the pool)
    gc.freeze()  # what exists now, the knowledge above all: forked workers neither scan nor copy it for gc
    executor = ProcessPoolExecutor(workers, mp_context=_fork_context(), initializer=_start_worker,
                                   initargs=(arguments, reader))
    done = 0
    try:
        pending = collections.deque(executor.submit(_screen_chunk, part)
                                    for part in itertools.islice(chunks, workers * 4))
        while pending:
            outcomes = _outcomes.decode(pending.popleft().result())
            done += len(outcomes)
            yield from outcomes
            pending.extend(executor.submit(_screen_chunk, part) for part in itertools.islice(chunks, 1))
    except BrokenProcessPool:  # a dead worker breaks the pool: waiting on a chunk or submitting one says so
        raise WorkerLost(f"a worker process ended before finishing its rows; the {done:,} shop(s) "
                         "before them were screened, the rest were not", code="batch.worker_lost",
                         values={"done": f"{done:,}"}) from None
    finally:  # also when the reader stops early (a closed pipe, a signal): drop what has not started
        _prepared = None
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _fork_context() -> Any:
    """Forked workers on Linux, which inherit the parent's built diagnoser (Python 3.14 made
    ``forkserver`` the default there, whose workers would each load the knowledge again); the
    platform's default elsewhere (macOS and Windows do not fork safely), whose workers build their own."""
    import multiprocessing

    return multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None


def _chunks(lines: Iterable[Line], size: int) -> Iterator[List[Line]]:
    iterator = iter(lines)
    while True:
        part = list(itertools.islice(iterator, size))
        if not part:
            return
        yield part
