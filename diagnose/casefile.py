"""Case files: the facts gathered about one seller, written so that nothing is ever half-saved.

A case file is a plain facts file (see :mod:`diagnose.facts`): fact id → value, in the order the
answers were given, plus the reserved ``unknown:`` list. ``diagnose run CASE.yaml`` reads it
as is. :func:`save_case` replaces the file atomically (temporary file in the same folder,
fsync, rename), so a crash or ``kill -9`` leaves either the old or the new file, never a
mixture.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, Tuple

import yaml

import msgspec

from .facts import UNKNOWN_KEY, read_facts_file, validate_facts
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
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (not possible on every system: then it is skipped)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_case(path: str, kb: KnowledgeBase) -> Case:
    """Read and validate a case file; raise :class:`~diagnose.errors.InputError` naming file and line."""
    raw = read_facts_file(path)
    if not raw:  # every answer was undone: start afresh
        return Case({}, ())
    seller = validate_facts(raw, kb, path)
    given = {key: seller.values[key] for key in raw if key != UNKNOWN_KEY}
    unknown = tuple(dict.fromkeys(name for name in raw.get(UNKNOWN_KEY, []) if name in seller.unknown))
    return Case(given, unknown)
