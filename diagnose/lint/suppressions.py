"""Suppressions: findings left out on purpose, one by one, in ``knowledge/lint.yaml``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import msgspec

from ..knowledge import LINT_FILE, Finding, display_path, schema_finding, schema_validator, suggest
from ..yamlsafe import YamlError, load_yaml, mark_of
from .registry import CHECK_IDS

UNUSED_SUPPRESSION = "unused-suppression"
SUPPRESSION = "suppression"


class Suppression(msgspec.Struct, frozen=True):
    check: str
    id: str
    reason: str
    line: int


def read_suppressions(root: Path) -> Tuple[List[Suppression], List[Finding]]:
    """The suppressions in ``knowledge/lint.yaml`` (none if absent) and the problems in that file."""
    path = root / "knowledge" / LINT_FILE
    if not path.is_file():
        return [], []
    shown = display_path(path)
    try:
        document = load_yaml(str(path))
    except YamlError as exc:
        loc = exc.location
        return [], [Finding(shown, loc.line if loc else 1, loc.column if loc else 1, "error", exc.message,
                            "yaml-syntax")]
    errors = list(schema_validator("lint").iter_errors(document))
    if errors:
        return [], [schema_finding(shown, document, error) for error in errors]
    suppressions, findings = [], []
    for index, item in enumerate(document.get("suppress", ())):
        line, column = mark_of(item, "check")
        if item["check"] not in CHECK_IDS:
            findings.append(Finding(shown, line, column, "error",
                                    f"suppress.{index}: unknown check '{item['check']}'{suggest(item['check'], CHECK_IDS)}",
                                    SUPPRESSION))
            continue
        suppressions.append(Suppression(item["check"], item["id"], item["reason"], mark_of(document["suppress"], index)[0]))
    return suppressions, findings

