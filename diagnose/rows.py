"""Batch input rows: CSV (a header row of fact names, an optional ``shop`` column, one shop per
row, an empty cell meaning "not given") and JSON Lines (one object per line, an optional
``"shop"`` key), read lazily one :class:`Row` at a time.

A row that cannot be read becomes a :class:`Row` with a ``problem`` naming the file and line;
only a bad header stops the reading.
"""
from __future__ import annotations

import csv
import json
import os
import re
import stat
from typing import Any, Dict, Iterator, List, Optional, TextIO, Tuple

import msgspec
from msgspec.structs import replace

from .errors import InputError, Location, Said
from .facts import UNKNOWN_KEY
from .knowledge import KnowledgeBase, suggest
from .yamlsafe import MAX_DEPTH, Mapping, YamlError, parse_yaml

SHOP_KEY = "shop"
MAX_LINE = 1_000_000
MAX_SHOP = 200
REPLACED = "\ufffd"  # what undecodable bytes become
NOT_UTF8 = Said("not valid UTF-8 text", code="error.row_not_utf8")


class Row(msgspec.Struct, frozen=True):
    """One shop to diagnose: its row (line) number, id, raw facts, or why it could not be read.

    A row read from a marketplace's report also carries the report's own verdicts on its
    metrics (see :mod:`diagnose.importers`) and notes on what the report held that was not used.
    """

    number: int
    shop: Optional[str]
    facts: Optional[Mapping]
    problem: Optional[Said] = None
    verdicts: Optional[Dict[str, Any]] = None
    notes: Tuple[Said, ...] = ()
    report: Optional[str] = None  # the kind of report the row was read from, if any


def detect_format(path: str) -> str:
    """``csv`` for a .csv file, else ``jsonl``."""
    return "csv" if path.lower().endswith(".csv") else "jsonl"


def _open(path: str) -> TextIO:
    """The file as text; bytes that are not UTF-8 become U+FFFD, which rejects their row.

    Only a regular file is opened: a device (``/dev/zero``), a pipe or a socket would hang the
    batch or feed it without end.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError("not a regular file (a device, pipe or socket): give a CSV or JSON Lines file",
                             Location(path), "error.batch_not_regular")
        handle = open(path, encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", Location(path), "error.batch_cannot_read",
                         {"reason": exc.strerror}) from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced between the check and the open
        handle.close()
        raise InputError("not a regular file (a device, pipe or socket)", Location(path), "error.batch_replaced")
    return handle


def _lines(handle: TextIO) -> Iterator[Tuple[int, str, bool]]:
    """(line number, text, too long) for each line; a line over MAX_LINE characters is skipped
    in bounded chunks, never held whole in memory."""
    number = 0
    while True:
        text = handle.readline(MAX_LINE + 1)
        if not text:
            return
        number += 1
        if len(text) > MAX_LINE and not text.endswith("\n"):
            while text and not text.endswith("\n"):
                text = handle.readline(MAX_LINE)
            yield number, "", True
            continue
        yield number, text, False


def _too_long(location: Optional[Location] = None) -> Said:
    return Said(f"the line is longer than {MAX_LINE:,} characters", location, "error.line_too_long",
                {"limit": f"{MAX_LINE:,}"})


def read_lines(path: str) -> Iterator[Tuple[int, str, bool]]:
    """(line number, text, too long) for each line of ``path``, which is opened now (a file that
    cannot be read raises InputError here) and closed when the lines run out."""
    handle = _open(path)

    def lines() -> Iterator[Tuple[int, str, bool]]:
        with handle:
            yield from _lines(handle)

    return lines()


def csv_lines(path: str, kb: KnowledgeBase) -> Tuple[Tuple[str, ...], Iterator[Tuple[int, str, bool]]]:
    """A CSV file's column names, from its header, and its lines after the header (see
    :func:`csv_row`); a bad header raises InputError."""
    lines = read_lines(path)
    try:
        return tuple(_header(path, lines, kb)), lines
    except InputError:
        lines.close()
        raise


def csv_rows(path: str, kb: KnowledgeBase) -> Iterator[Row]:
    """The shops of a CSV file, read lazily."""
    names, lines = csv_lines(path, kb)
    return (row for line in lines if (row := csv_row(path, names, *line)) is not None)


def csv_row(path: str, names: Tuple[str, ...], number: int, text: str, too_long: bool = False) -> Optional[Row]:
    """One line of a CSV file under the header ``names``: its shop, or None for a blank line. Each
    row is one line: a quote left open is that row's problem, so it cannot swallow the rows after it."""
    if too_long:
        return Row(number, None, None, _too_long(Location(path, number)))
    if not text.strip():
        return None
    try:
        cells = next(csv.reader([text], strict=True))
    except csv.Error as exc:
        where = Location(path, number)
        return Row(number, None, None, Said("a quoted cell is not closed on its line", where, "error.csv_open_quote")
                   if "end of data" in str(exc)
                   else Said(f"unreadable row: {exc}", where, "error.csv_row", {"problem": str(exc)}))
    if not any(cell.strip() for cell in cells):  # a row of empty cells is a blank line
        return None
    return _csv_row(path, number, names, cells)


def _header(path: str, lines: Iterator[Tuple[int, str, bool]], kb: KnowledgeBase) -> List[str]:
    """The column names, from the first line that is not blank; raise InputError for a header
    that is missing, unreadable or names no fact."""
    for number, text, too_long in lines:
        if too_long:
            raise InputError(f"the header line is longer than {MAX_LINE:,} characters", Location(path, number),
                             "error.header_too_long", {"limit": f"{MAX_LINE:,}"})
        if text.strip():
            break
    else:
        raise InputError("the file is empty: expected a header row of fact names", Location(path, 1),
                         "error.csv_empty")
    try:
        names = [name.strip() for name in next(csv.reader([text], strict=True))]
    except csv.Error as exc:
        raise InputError(f"unreadable CSV header: {exc}", Location(path, number), "error.csv_header",
                         {"problem": str(exc)}) from None
    if REPLACED in "".join(names):
        raise InputError(NOT_UTF8.message, Location(path, number), NOT_UTF8.code)
    seen = set()
    for column, name in enumerate(names, 1):
        problem = None
        if name in seen:
            problem = Said("the column appears twice", code="error.column_twice")
        elif name not in kb.facts and name not in (SHOP_KEY, UNKNOWN_KEY):
            close = suggest(name, kb.facts, bare=True)
            problem = Said(f"not a fact{suggest(name, kb.facts)} (see 'diagnose facts')",
                           code="error.not_a_fact_close" if close else "error.not_a_fact", values={"close": close})
        seen.add(name)
        if problem is not None and name:
            raise InputError(problem.message, Location(path, number, column, field=name), problem.code, problem.values)
        if problem is not None:  # no name to show: the column's number instead
            raise InputError(f"column {column}: {problem}", Location(path, number, column), "error.unnamed_column",
                             {"column": column, "problem": problem})
    return names


def _csv_row(path: str, number: int, names: Tuple[str, ...], cells: List[str]) -> Row:
    if len(cells) > len(names):
        return Row(number, None, None, Said(f"{len(cells)} cells but the header names {len(names)} columns",
                                            Location(path, number), "error.too_many_cells",
                                            {"cells": len(cells), "columns": len(names)}))
    if any(REPLACED in cell for cell in cells):
        return Row(number, None, None, replace(NOT_UTF8, location=Location(path, number)))
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


def json_line(path: str, number: int, text: str, too_long: bool = False,
              parse: bool = True) -> Optional[Tuple[Any, Optional[Said]]]:
    """One line of a JSON Lines file: (parsed value, problem), or None for a blank line; with
    ``parse`` false, the line's text in place of the value. A problem is at that line."""
    where = Location(path, number)
    if too_long:
        return None, _too_long(where)
    if not text.strip():
        return None
    if REPLACED in text:
        return None, replace(NOT_UTF8, location=where)
    if not parse:
        return text, None
    try:
        return parse_json(text, path, number), None
    except InputError as exc:
        return None, exc.said(where)


def parse_json(text: str, source: str, line: Optional[int] = None) -> Any:
    """One JSON document through the loader every facts file goes through (repeated keys, deep
    nesting and characters a file cannot hold are refused), keeping line marks."""
    try:
        json.loads(text, parse_int=len)  # the syntax only: never int() a 5,000-digit number (the loader refuses it)
    except ValueError as exc:
        where = Location(source, line if line is not None else getattr(exc, "lineno", None),
                         None if line is not None else getattr(exc, "colno", None))
        problem = str(getattr(exc, "msg", exc))
        raise InputError(f"not valid JSON: {problem}", where, "error.json_syntax", {"problem": problem}) from None
    except RecursionError:
        deep = Said(f"nested more than {MAX_DEPTH} levels deep", code="error.yaml_depth", values={"limit": MAX_DEPTH})
        raise InputError(f"not valid JSON: {deep}", Location(source, line), "error.json_invalid",
                         {"problem": deep}) from None
    try:
        return parse_yaml(text, source)  # JSON is YAML: the same loader as for facts files
    except YamlError as exc:
        raise _not_json(exc, source, line) from None


def _not_json(exc: YamlError, source: str, line: Optional[int]) -> InputError:
    """The loader's refusal of a JSON document, as a JSON problem at its place (on a one-line
    document, at the line, the key named in the message)."""
    field = exc.location.field if exc.location else None
    where = exc.location if line is None else Location(source, line)
    if exc.code == "error.yaml_syntax":
        problem = exc.values.get("problem", exc.message.replace("invalid YAML: ", ""))
        code, values = "error.json_syntax", {"problem": problem}
    else:
        problem = Said(exc.message, code=exc.code, values=exc.values)
        code, values = "error.json_invalid", {"problem": problem}
    message = f"not valid JSON: {problem}"
    if field is not None and line is not None:  # a one-line document: name the key in the message
        message, code, values = f"{field}: {message}", code.replace("error.json", "error.json_key"), {
            **values, "field": field}
    return InputError(message, where, code, values)


def jsonl_rows(path: str) -> Iterator[Row]:
    """The shops of a JSON Lines file of facts, one per line, read lazily."""
    return (row for line in read_lines(path) if (row := jsonl_row(path, *line)) is not None)


def jsonl_row(path: str, number: int, text: str, too_long: bool = False) -> Optional[Row]:
    """One line of a JSON Lines file of facts: its shop, or None for a blank line."""
    read = json_line(path, number, text, too_long)
    if read is None:
        return None
    value, problem = read
    if problem is None and not isinstance(value, dict):
        problem = Said("expected a JSON object of fact names to values", Location(path, number),
                       "error.jsonl_not_object")
    if problem is not None:
        return Row(number, None, None, problem)
    facts = value
    facts.line = number  # one line each: a key's place is its column on this line
    facts.key_marks = {key: (number, column) for key, (_, column) in value.key_marks.items()}
    shop = facts.pop(SHOP_KEY, None)
    if shop is not None and (isinstance(shop, (bool, dict, list)) or len(str(shop)) > MAX_SHOP):
        return Row(number, None, None, Said(f"expected a short text naming the shop (at most {MAX_SHOP} characters)",
                                            Location(path, number, field=SHOP_KEY), "error.shop_name",
                                            {"limit": MAX_SHOP}))
    return Row(number, None if shop is None else str(shop), facts)
