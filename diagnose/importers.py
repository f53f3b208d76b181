"""Reports from the marketplaces themselves, read as seller facts.

Which report field feeds which fact is data, in ``knowledge/imports/<name>.yaml`` (see the
Amazon account-health mapping for the format); this module only follows it. A report may hold
several marketplaces: each becomes one shop, named by its marketplace id.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import msgspec

from .errors import InputError, KnowledgeBaseError, Location
from .knowledge import Finding, KnowledgeBase, suggest
from .rows import Row
from .yamlsafe import Mapping, YamlError, load_yaml, mark_of

IMPORTS = ("amazon-account-health",)
PICKS = ("first", "max", "min")
REPORT_LIMIT = 20_000_000


class FieldMapping(msgspec.Struct, frozen=True):
    fact: str
    paths: Tuple[str, ...]
    pick: str


class ImportMapping(msgspec.Struct, frozen=True):
    """How one kind of report becomes facts: the platform, where the entries are, each fact's paths."""

    name: str
    platform: str
    entries: str
    marketplace: str
    fields: Tuple[FieldMapping, ...]


def load_mapping(name: str, kb: KnowledgeBase) -> ImportMapping:
    """The mapping ``knowledge/imports/<name>.yaml`` of the knowledge base, checked against its facts."""
    path = Path(kb.root) / "knowledge" / "imports" / f"{name}.yaml"
    shown = str(path)
    try:
        document = load_yaml(shown)
    except YamlError as exc:
        raise KnowledgeBaseError(f"cannot read the import mapping: {exc}") from None
    findings: List[Finding] = []

    def problem(container, key, message):
        line, column = mark_of(container, key)
        findings.append(Finding(shown, line, column, "error", message, "import-mapping"))

    if not isinstance(document, dict) or not isinstance(document.get("facts"), list):
        raise KnowledgeBaseError(f"{shown}: expected a mapping with a 'facts' list")
    for key in ("platform", "entries", "marketplace"):
        if not isinstance(document.get(key), str):
            problem(document, key, f"'{key}' must be text")
    if document.get("platform") not in kb.platforms:
        problem(document, "platform", f"unknown platform '{document.get('platform')}'")
    fields = []
    for item in document["facts"]:
        fact, paths, pick = item.get("fact"), item.get("from"), item.get("pick", "first")
        if fact not in kb.facts:
            problem(item, "fact", f"unknown fact '{fact}'{suggest(str(fact), kb.facts)}")
        elif not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            problem(item, "from", "'from' must list one or more dotted paths")
        elif pick not in PICKS:
            problem(item, "pick", f"'pick' must be one of {', '.join(PICKS)}")
        else:
            fields.append(FieldMapping(fact, tuple(paths), pick))
    if findings:
        raise KnowledgeBaseError(f"the import mapping {shown} has {len(findings)} error(s)", findings=findings)
    return ImportMapping(name, document["platform"], document["entries"], document["marketplace"], tuple(fields))


def facts_from_report(report: Any, mapping: ImportMapping, source: str) -> List[Tuple[str, Dict[str, Any]]]:
    """``(marketplace id, raw facts)`` for each marketplace in ``report``; raise InputError."""
    where = Location(source, getattr(report, "line", None))
    if not isinstance(report, dict) or not isinstance(report.get(mapping.entries), list):
        raise InputError(f"not a {mapping.name} report: expected an object with a '{mapping.entries}' list", where)
    shops = []
    for index, entry in enumerate(report[mapping.entries]):
        label = f"{mapping.entries}[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get(mapping.marketplace), str):
            raise InputError(f"{label}: expected an object with a '{mapping.marketplace}'", where)
        facts = Mapping(platform=mapping.platform)
        facts.line = getattr(entry, "line", None)
        for field in mapping.fields:
            found = []
            for path in field.paths:
                value = _lookup(entry, path)
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise InputError(f"{label}.{path}: expected a number, got {value!r:.40}", where)
                found.append(value)
            if found:
                facts[field.fact] = {"first": found[0], "max": max(found), "min": min(found)}[field.pick]
        shops.append((entry[mapping.marketplace], facts))
    return shops


def read_report(path: str, kb: KnowledgeBase, name: str, marketplace: Optional[str] = None) -> Dict[str, Any]:
    """The raw facts of one marketplace in the report file ``path`` (``--from`` in ``diagnose run``)."""
    try:
        report = load_yaml(path, REPORT_LIMIT)  # JSON is YAML: this keeps line numbers for messages
    except YamlError as exc:
        raise InputError(exc.message, exc.location) from None
    shops = dict(facts_from_report(report, load_mapping(name, kb), path))
    if marketplace is None:
        if len(shops) != 1:
            raise InputError(f"the report holds {len(shops)} marketplaces ({', '.join(shops) or 'none'}): "
                             "choose one with --marketplace", Location(path))
        marketplace = next(iter(shops))
    if marketplace not in shops:
        raise InputError(f"marketplace '{marketplace}' is not in the report ({', '.join(shops)})", Location(path))
    return shops[marketplace]


def report_rows(path: str, kb: KnowledgeBase, name: str,
                lines: Iterable[Tuple[int, Any, Optional[str]]]) -> Iterator[Row]:
    """Batch rows from JSON Lines of reports: one row per marketplace, shop = marketplace id."""
    mapping = load_mapping(name, kb)
    for number, report, problem in lines:
        if problem is None:
            try:
                shops = facts_from_report(report, mapping, path)
            except InputError as exc:
                problem = exc.message
        if problem is not None:
            yield Row(number, None, None, str(InputError(problem, Location(path, number))))
            continue
        for marketplace, facts in shops:
            facts.line = number
            yield Row(number, marketplace, facts)


def _lookup(entry: Dict[str, Any], path: str) -> Any:
    value: Any = entry
    for step in path.split("."):
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    return value
