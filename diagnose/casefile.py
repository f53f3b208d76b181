"""Case files: the facts gathered about one seller, written so that nothing is ever half-saved.

A case file is a plain facts file (see :mod:`diagnose.facts`): fact id → value, in the order the
answers were given, plus the reserved ``unknown:`` list. ``diagnose run CASE.yaml`` reads it
as is. :func:`save_case` replaces the file atomically (see :func:`diagnose.fileio.atomic_write`),
so a crash, a full disk or ``kill -9`` leaves either the old or the new file, never a mixture.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

import yaml

import msgspec

from .facts import UNKNOWN_KEY, read_facts_file, validate_facts
from .fileio import atomic_write
from .knowledge import KnowledgeBase


class Case(msgspec.Struct, frozen=True):
    """A validated case file: the given values in file order, and the facts listed as unknown."""

    values: Dict[str, Any]
    unknown: Tuple[str, ...]


def save_case(path: str, case: Dict[str, Any], header: str = "") -> None:
    """Write a facts mapping (in its order) to ``path`` atomically and durably, under a comment header."""
    text = yaml.safe_dump(dict(case), sort_keys=False, allow_unicode=True, default_flow_style=False)
    if header:
        text = "".join(f"# {line}\n" for line in header.splitlines()) + text
    atomic_write(path, text)


def load_case(path: str, kb: KnowledgeBase) -> Case:
    """Read and validate a case file; raise :class:`~diagnose.errors.InputError` naming file and line."""
    raw = read_facts_file(path)
    if not raw:  # every answer was undone: start afresh
        return Case({}, ())
    seller = validate_facts(raw, kb, path)
    given = {key: seller.values[key] for key in raw if key != UNKNOWN_KEY}
    unknown = tuple(dict.fromkeys(name for name in raw.get(UNKNOWN_KEY, []) if name in seller.unknown))
    return Case(given, unknown)
