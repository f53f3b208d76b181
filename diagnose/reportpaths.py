"""Paths into a marketplace report, and the typed reads an import makes through them.

A path is dotted keys. A step ``name[key=value]`` picks the item of the list ``name`` whose
``key`` (itself dotted) equals ``value``; ``$shop`` stands for the current shop's id. A path
starting with ``/`` starts at the report's top level, one starting with ``@name`` at the object
the channel ``name`` chose, any other at the shop's own entry. A value of the wrong type is a
:class:`ReportError` naming the path; an absent one is ``None``.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Set, Tuple

from .errors import DiagnoseError, Said

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([A-Za-z0-9_.]+)=([^\]]+)\])?$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")


class ReportError(DiagnoseError):
    """A report field of the wrong type or shape; ``line`` is where it stands, when known."""

    def __init__(self, message: str, line: Optional[int] = None, code: Optional[str] = None,
                 values: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message, None, code, values)
        self.line = line

    def located(self, resolver: "Resolver") -> "ReportError":
        if self.line is None:
            self.line = getattr(resolver.entry, "line", None)
        return self


Step = Tuple[str, Optional[str], Optional[str]]  # (name, selector key, selector value)


def parse_path(path: str) -> Tuple[str, List[Step]]:
    """``(start, steps)``: start is "/" (the report), "@name" (a channel) or "" (the entry)."""
    start, rest = "", path
    if path.startswith("/"):
        start, rest = "/", path[1:]
    elif path.startswith("@"):
        start, _, rest = path.partition(".")
    steps: List[Step] = []
    for part in _split(rest) if rest else []:
        match = _STEP.match(part)
        if match is None:
            raise ReportError(f"'{path}' is not a path (at '{part}')")
        steps.append(match.groups())
    if not steps and start != "" and not start.startswith("@"):
        raise ReportError(f"'{path}' names nothing")
    return start, steps


def _split(text: str) -> List[str]:
    """Split on dots outside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "["
        depth -= char == "]"
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


class Resolver:
    """Reads one shop's entry of a report; remembers which top-level fields of the entry it read."""

    def __init__(self, report: Any, entry: Dict[str, Any], label: str, aliases: Dict[str, str],
                 numbers_as_text: bool = False, source: Optional[str] = None) -> None:
        self.report, self.entry, self.label, self.source = report, entry, label, source
        self.numbers_as_text = numbers_as_text
        self.renamed = {schema: found for found, schema in aliases.items()}  # schema name -> spelling used
        self.channels: Dict[str, Tuple[str, Any]] = {}
        self.first_steps: Set[str] = set()
        self.partial: Set[str] = set()  # paths whose section is present but that are missing inside it
        self.picked: Dict[str, Set[str]] = {}  # list of the entry -> key values a path picked from it
        self.shop_id: Optional[str] = None

    # -- the typed reads ------------------------------------------------------------------------
    def text(self, path: str) -> Optional[str]:
        value, shown, line = self._get(path)
        if value is not None and not isinstance(value, str):
            raise _expected(shown, "text", value, line)
        return value

    def number(self, path: str) -> Optional[float]:
        value, shown, line = self._get(path)
        if value is None:
            return None
        if isinstance(value, str) and self.numbers_as_text and _DECIMAL.match(value.strip()):
            return float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _expected(shown, "a number", value, line)
        return value

    def count(self, path: str) -> Optional[int]:
        value, shown, line = self._get(path)
        if value is None:
            return None
        if isinstance(value, str) and self.numbers_as_text and value.strip().isdigit():
            return int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _expected(shown, "a count (a whole number, 0 or more)", value, line)
        return value

    def items(self, path: str) -> Optional[List[Any]]:
        value, shown, line = self._get(path)
        if value is not None and not isinstance(value, list):
            raise _expected(shown, "a list", value, line)
        return value

    def choose_channel(self, name: str, among: Tuple[Tuple[str, str], ...], by: str) -> Optional[str]:
        """Pick, among the channels present, the one whose ``by`` number is largest; keep its object."""
        best = None
        for path, choice in among:
            value, shown, line = self._get(path)
            if value is None:
                continue
            if not isinstance(value, dict):
                raise _expected(shown, "an object", value, line)
            score = self.number(f"{path}.{by}")
            if score is not None and (best is None or score > best[0]):
                best = (score, choice, path, value)
        if best is None:
            return None
        self.channels[name] = (f"{self.label}.{best[2]}", best[3])
        return best[1]

    def show(self, path: str) -> str:
        """``path`` as the report's own path, for messages."""
        if path.startswith("/"):
            return path[1:]
        if path.startswith("@"):
            name, _, rest = path[1:].partition(".")
            start = self.channels[name][0] if name in self.channels else name
            return f"{start}.{rest}" if rest else start
        return f"{self.label}.{path}" if self.label else path

    # -- walking --------------------------------------------------------------------------------
    def _get(self, path: str) -> Tuple[Any, str, Optional[int]]:
        start, steps = parse_path(path)
        if start == "/":
            value, shown = self.report, ""
        elif start.startswith("@"):
            if start[1:] not in self.channels:
                return None, path, None
            shown, value = self.channels[start[1:]]
        else:
            value, shown = self.entry, self.label
            if steps:
                self.first_steps.add(steps[0][0])
        line = getattr(value, "line", None)
        for index, (name, key, wanted) in enumerate(steps):
            if not isinstance(value, dict):
                raise _expected(shown, "an object", value, line)
            if index == 0 and start == "" and name not in value:
                name = self.renamed.get(name, name)
            line = value.mark_of(name)[0] if hasattr(value, "mark_of") else line
            shown = f"{shown}.{name}" if shown else name
            if name not in value:
                if index > 0 and start == "":
                    self.partial.add(shown)
                return None, shown, line
            value = value[name]
            if key is not None:
                if not isinstance(value, list):
                    raise _expected(shown, "a list", value, line)
                wanted = self.shop_id if wanted == "$shop" else wanted
                if start == "" and index == 0:
                    self.picked.setdefault(name, set()).add(str(wanted))
                shown = f"{shown}[{key}={wanted}]"
                value = _select(value, key, wanted, shown, line)
                if value is None:
                    if start == "":
                        self.partial.add(shown)
                    return None, shown, line
        if value is None and steps:
            raise ReportError(f"{shown}: expected a value, got null", line, "report.null_value", {"path": shown})
        return value, shown, line


def _select(items: List[Any], key: str, wanted: Any, shown: str, line: Optional[int]) -> Any:
    """The one item of ``items`` whose dotted ``key`` equals ``wanted``; two are an error."""
    found = []
    for item in items:
        value = item
        for step in key.split("."):
            value = value.get(step) if isinstance(value, dict) else None
        if value == wanted or (value is not None and str(value) == str(wanted)):
            found.append(item)
    if len(found) > 1:
        raise ReportError(f"{shown}: {len(found)} items match; expected one", line, "report.many_match",
                          {"path": shown, "count": len(found)})
    return found[0] if found else None


EXPECTED = {"text": "report.expected_text", "a number": "report.expected_number",
            "a count (a whole number, 0 or more)": "report.expected_count", "a list": "report.expected_list",
            "an object": "report.expected_object"}  # what a path should hold -> its catalogue entry


def _expected(shown: str, wanted: str, value: Any, line: Optional[int]) -> ReportError:
    got = described(value)
    return ReportError(f"{shown}: expected {wanted}, got {got}", line, EXPECTED[wanted], {"path": shown, "got": got})


def described(value: Any) -> Said:
    """A short, safe description of a report value for a message, with the message catalogue's
    entry saying it in other languages."""
    if value is None or isinstance(value, bool):
        return Said(json.dumps(value))  # null, true, false: JSON's own words in every language
    if isinstance(value, list):
        return Said("a list", code="report.a_list")
    if isinstance(value, dict):
        return Said("an object", code="report.an_object")
    if isinstance(value, str):
        return Said(f"the text {value[:40]!r}", code="report.the_text", values={"text": repr(value[:40])})
    return Said(f"the number {value!r:.20}", code="report.the_number", values={"number": f"{value!r:.20}"})
