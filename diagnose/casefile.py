"""Case files: the facts gathered about one seller, written so that nothing is ever half-saved.

A case file is a plain facts file (see :mod:`diagnose.facts`): fact id → value, in the order the
answers were given, plus the reserved ``unknown:`` list and the tracked actions, status and
history of :mod:`diagnose.tracking`. ``diagnose run CASE.yaml`` reads it as is. :func:`save_case`
replaces the file atomically (see :func:`diagnose.fileio.atomic_write`), so a crash, a full disk
or ``kill -9`` leaves either the old or the new file, never a mixture.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import yaml

import msgspec

from .facts import UNKNOWN_KEY, FactsError, read_facts_file, validate_facts
from .fileio import atomic_write
from .knowledge import KnowledgeBase
from .tracking import CASE_KEYS, Tracking, read_tracking


class Case(msgspec.Struct, frozen=True):
    """A validated case file: the given values in file order, the facts listed as unknown, and
    what the consultant tracks."""

    values: Dict[str, Any]
    unknown: Tuple[str, ...]
    tracking: Tracking = Tracking()

    def history(self) -> list:
        """The answers as an interview history: the values in file order, then the unknown facts."""
        return list(self.values.items()) + [(fact, None) for fact in self.unknown]


def save_case(path: str, case: Dict[str, Any], header: str = "", tracking: Optional[Tracking] = None) -> None:
    """Write a facts mapping (in its order), then ``tracking``'s reserved keys if given, to ``path``
    atomically and durably, under a comment header."""
    case = {key: list(value) if isinstance(value, tuple) else value for key, value in case.items()}  # several choices
    if tracking is not None:
        case.update(tracking.to_mapping())
    text = yaml.safe_dump(case, sort_keys=False, allow_unicode=True, default_flow_style=False)
    if header:
        text = "".join(f"# {line}\n" for line in header.splitlines()) + text
    atomic_write(path, text)


def load_case(path: str, kb: KnowledgeBase) -> Case:
    """Read and validate a case file; raise :class:`~diagnose.errors.InputError` naming file and line."""
    raw = read_facts_file(path)
    tracking, problems = read_tracking(raw, kb.remedies, path)
    if all(key in CASE_KEYS for key in raw):  # no answer yet, or every answer undone
        if problems:
            raise FactsError(problems)
        return Case({}, (), tracking)
    seller = validate_facts(raw, kb, path)
    given = {key: seller.values[key] for key in raw if key != UNKNOWN_KEY and key not in CASE_KEYS}
    unknown = tuple(dict.fromkeys(name for name in raw.get(UNKNOWN_KEY, []) if name in seller.unknown))
    return Case(given, unknown, tracking)
