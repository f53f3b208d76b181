"""The reserved keys a case file may carry beside the seller's facts: what the consultant tracks.

.. code-block:: yaml

    actions_done: [remedy id, ...]          # remedies the seller confirms are done
    actions_planned: {remedy id: YYYY-MM-DD} # remedies promised by a date
    case:
      status: draft | appeal_sent | answer_received | reinstated | rejected
      appeal_sent_on: YYYY-MM-DD
      history: [{at: ISO timestamp, knowledge: version, top: cause id, certainty: 0.82}, ...]
      version: 3                             # raised by every save of the web workspace

The facts loader checks them (remedy ids against the knowledge, dates as dates) and otherwise
ignores them: ``diagnose run`` reads a tracked case file like any facts file.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Collection, Dict, List, Optional, Tuple

import msgspec

from .errors import InputError, Location
from .knowledge import suggest
from .yamlsafe import mark_of

CASE_KEYS = ("actions_done", "actions_planned", "case")
STATUSES = ("draft", "appeal_sent", "answer_received", "reinstated", "rejected")
CASE_FIELDS = ("status", "appeal_sent_on", "history", "version")
HISTORY_FIELDS = ("at", "knowledge", "top", "certainty")
MAX_HISTORY = 500  # a bound on the work a hostile file causes; far more diagnoses than a case sees


class Diagnosed(msgspec.Struct, frozen=True):
    """One diagnosis in a case's history: when, on which knowledge, the top cause and its certainty."""

    at: str
    knowledge: str
    top: Optional[str]
    certainty: float


class Tracking(msgspec.Struct, frozen=True):
    """A case's tracked state: confirmed and planned actions, status, history and save counter."""

    actions_done: Tuple[str, ...] = ()
    actions_planned: Dict[str, str] = msgspec.field(default_factory=dict)
    status: str = "draft"
    appeal_sent_on: Optional[str] = None
    history: Tuple[Diagnosed, ...] = ()
    version: int = 0

    def to_mapping(self) -> Dict[str, Any]:
        """The reserved keys as a case file holds them (empty parts left out)."""
        mapping: Dict[str, Any] = {}
        if self.actions_done:
            mapping["actions_done"] = list(self.actions_done)
        if self.actions_planned:
            mapping["actions_planned"] = dict(sorted(self.actions_planned.items()))
        case: Dict[str, Any] = {"status": self.status}
        if self.appeal_sent_on:
            case["appeal_sent_on"] = self.appeal_sent_on
        if self.history:
            case["history"] = [msgspec.structs.asdict(entry) for entry in self.history]
        case["version"] = self.version
        mapping["case"] = case
        return mapping


def read_tracking(raw: Dict[str, Any], remedies: Collection[str], source: str) -> Tuple[Tracking, List[InputError]]:
    """The reserved keys of a loaded facts file as :class:`Tracking`, and one error per problem
    (naming the file, line and field); the parts with problems keep their defaults."""
    problems: List[InputError] = []

    def problem(container: Any, key: Any, field: str, message: str) -> None:
        problems.append(InputError(message, Location(source, *mark_of(container, key), field=field)))

    done: List[str] = []
    listed = raw.get("actions_done", [])
    if not isinstance(listed, list):
        problem(raw, "actions_done", "actions_done", "expected a list of remedy ids")
        listed = []
    for index, remedy in enumerate(listed):
        if _remedy_problem(remedy, remedies, listed, index, lambda m: problem(listed, index, f"actions_done[{index}]", m)):  # noqa: B023 (called at once)
            done.append(remedy)
    planned: Dict[str, str] = {}
    promised = raw.get("actions_planned", {})
    if not isinstance(promised, dict):
        problem(raw, "actions_planned", "actions_planned", "expected a mapping of remedy id to a date (YYYY-MM-DD)")
        promised = {}
    for remedy, when in promised.items():
        field = f"actions_planned.{remedy}"
        if _remedy_problem(remedy, remedies, [], 0, lambda m: problem(promised, remedy, field, m)):  # noqa: B023 (called at once)
            date = as_date(when)
            if date is None:
                problem(promised, remedy, field, f"expected a date written YYYY-MM-DD, got {when!r}")
            else:
                planned[remedy] = date
    fields = _case_fields(raw, problem)
    return Tracking(tuple(done), planned, **fields), problems


def _remedy_problem(remedy: Any, remedies: Collection[str], listed: list, index: int,
                    report: Callable[[str], None]) -> bool:
    """True when ``remedy`` names a known remedy not listed before ``index``; else report why not."""
    if not isinstance(remedy, str):
        report(f"expected a remedy id, got {remedy!r}")
    elif remedy not in remedies:
        report(f"unknown remedy {remedy!r}{suggest(remedy, remedies)} (see 'diagnose kb show REMEDY')")
    elif remedy in listed[:index]:
        report(f"{remedy!r} is listed twice")
    else:
        return True
    return False


def _case_fields(raw: Dict[str, Any], problem: Callable[[Any, Any, str, str], None]) -> Dict[str, Any]:
    case = raw.get("case", {})
    fields: Dict[str, Any] = {}
    if not isinstance(case, dict):
        problem(raw, "case", "case", f"expected a mapping with {', '.join(CASE_FIELDS)}")
        return fields
    for key in case:
        if key not in CASE_FIELDS:
            problem(case, key, f"case.{key}", f"unknown key (expected {', '.join(CASE_FIELDS)})")
    if "status" in case:
        if case["status"] in STATUSES:
            fields["status"] = case["status"]
        else:
            problem(case, "status", "case.status", f"expected one of {', '.join(STATUSES)}, got {case['status']!r}")
    if case.get("appeal_sent_on") is not None:
        date = as_date(case["appeal_sent_on"])
        if date is None:
            problem(case, "appeal_sent_on", "case.appeal_sent_on",
                    f"expected a date written YYYY-MM-DD, got {case['appeal_sent_on']!r}")
        fields["appeal_sent_on"] = date
    if "version" in case:
        version = case["version"]
        if isinstance(version, int) and not isinstance(version, bool) and version >= 0:
            fields["version"] = version
        else:
            problem(case, "version", "case.version", f"expected a whole number, 0 or more, got {version!r}")
    if "history" in case:
        fields["history"] = _history(case, problem)
    return fields


def _history(case: Dict[str, Any], problem: Callable[[Any, Any, str, str], None]) -> Tuple[Diagnosed, ...]:
    entries = case["history"]
    if not isinstance(entries, list) or len(entries) > MAX_HISTORY:
        problem(case, "history", "case.history", f"expected a list of at most {MAX_HISTORY} diagnoses")
        return ()
    history = []
    for index, entry in enumerate(entries):
        field = f"case.history[{index}]"
        if not isinstance(entry, dict) or set(entry) != set(HISTORY_FIELDS):
            problem(entries, index, field, f"expected a mapping of {', '.join(HISTORY_FIELDS)}")
            continue
        at = entry["at"]
        if isinstance(at, _dt.datetime):
            at = at.isoformat()
        certainty = entry["certainty"]
        if not isinstance(at, str) or _timestamp(at) is None:
            problem(entry, "at", f"{field}.at", f"expected a timestamp such as 2026-03-01T09:30:00, got {at!r}")
        elif not isinstance(entry["knowledge"], str):
            problem(entry, "knowledge", f"{field}.knowledge", "expected the knowledge version as text")
        elif entry["top"] is not None and not isinstance(entry["top"], str):
            problem(entry, "top", f"{field}.top", "expected a cause id, or null")
        elif isinstance(certainty, bool) or not isinstance(certainty, (int, float)) or not -1 <= certainty <= 1:
            problem(entry, "certainty", f"{field}.certainty", f"expected a number from -1 to 1, got {certainty!r}")
        else:
            history.append(Diagnosed(at, entry["knowledge"], entry["top"], float(certainty)))
    return tuple(history)


def as_date(value: Any) -> Optional[str]:
    """``value`` as an ISO date string if it is a date (a YAML date or text YYYY-MM-DD), else None."""
    if isinstance(value, _dt.datetime):
        return None
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _timestamp(text: str) -> Optional[_dt.datetime]:
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
