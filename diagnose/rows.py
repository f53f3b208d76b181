"""Batch input rows: CSV (a header row of fact names, an optional ``shop`` column, one shop per
row, an empty cell meaning "not given") and JSON Lines (one object per line, an optional
``"shop"`` key), read lazily one :class:`Row` at a time.

A row that cannot be read becomes a :class:`Row` with a ``problem`` naming the file and line;
only a bad header stops the reading.
"""
from __future__ import annotations

import csv
import json
import re
from typing import Any, Iterator, List, Optional, Tuple

import msgspec

from .errors import InputError, Location
from .facts import UNKNOWN_KEY
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


def detect_format(path: str) -> str:
    """``csv`` for a .csv file, else ``jsonl``."""
    return "csv" if path.lower().endswith(".csv") else "jsonl"


def _open(path: str):
    """The file as text; bytes that are not UTF-8 become U+FFFD, which rejects their row."""
    try:
        return open(path, encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", Location(path)) from None


def csv_rows(path: str, kb: KnowledgeBase) -> Iterator[Row]:
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


def json_lines(path: str) -> Iterator[Tuple[int, Any, Optional[str]]]:
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


def jsonl_rows(path: str) -> Iterator[Row]:
    for number, value, problem in json_lines(path):
        if problem is None and not isinstance(value, dict):
            problem = "expected a JSON object of fact names to values"
        if problem is not None:
            yield Row(number, None, None, str(InputError(problem, Location(path, number))))
            continue
        facts = Mapping(value)
        facts.line = number
        shop = facts.pop(SHOP_KEY, None)
        yield Row(number, None if shop is None else str(shop), facts)
