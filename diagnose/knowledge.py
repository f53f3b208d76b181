"""Load the knowledge base: YAML files → checked, typed objects.

Every file is parsed safely (see :mod:`yamlsafe`), checked against the JSON Schema of its
kind (``knowledge/schemas``), then cross-referenced. Every problem becomes a
:class:`Finding` with file, line and column; a knowledge base with any error never reaches
the engine. A clean load is cached on disk, keyed by the files' content.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import math
import operator
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

import msgspec

from . import __version__
from .errors import KnowledgeBaseError, printable
from .vocabulary import Fact, Text, ValueProblem, coerce
from .yamlsafe import Mapping, YamlError, load_yaml, mark_of

KNOWLEDGE_FILE_LIMIT = 1_000_000
LETTER_DIR = Path("knowledge") / "letters"  # Jinja letter templates: part of the knowledge, not YAML
LINT_FILE = "lint.yaml"  # knowledge/lint.yaml holds the linter's suppressions, not knowledge
CACHE_KEEP = 8  # knowledge caches kept on disk (the most recently used)
FIELD_MARK_DEPTH = 3  # how deep Where records the marks of fields (e.g. when.0.symptom)
CORE_FACTS = ("platform", "fulfilment")
LIST_KINDS = ("facts", "symptoms", "platforms", "causes", "remedies", "sources", "guidance", "messages")
_SINGULAR = {"facts": "fact", "symptoms": "symptom", "platforms": "platform", "causes": "cause",
             "remedies": "remedy", "sources": "source", "messages": "message", "rules": "rule"}
NUMERIC_OPS = ("above", "at_least", "below", "at_most")
_COMPARE = {
    "is": operator.eq, "is_not": operator.ne, "above": operator.gt, "at_least": operator.ge,
    "below": operator.lt, "at_most": operator.le, "in": lambda value, choices: value in choices,
    "known": lambda value, _: True,
}
OPERATORS = ("is", "is_not", "in", "known") + NUMERIC_OPS


class Finding(msgspec.Struct, frozen=True):
    """One problem in the knowledge base, printed as ``path:line:col: [level] message (check)``."""

    path: str
    line: Optional[int]
    column: Optional[int]
    level: str
    message: str
    check: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}:{self.column or 1}: [{self.level}] {self.message} ({self.check})"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line or 1, "column": self.column or 1,
                "level": self.level, "message": self.message, "check": self.check}


class Where(msgspec.Struct, frozen=True):
    """Where an object was defined, for messages and ``kb show``, with the marks of its fields."""

    path: str
    line: Optional[int]
    column: Optional[int]
    # The marks of the item's fields, kept flat: thousands of them make up half the cached
    # knowledge, and one tuple per item unpickles five times faster than two per field.
    field_names: Tuple[str, ...] = ()  # "sources.1", "when.0.symptom", ... (interned: shared by all items)
    field_marks: Tuple[int, ...] = ()  # line, column of the first field, then of the second...

    @classmethod
    def of(cls, path: str, line: Optional[int], column: Optional[int],
           marks: Iterable[Tuple[str, Tuple[int, int]]]) -> "Where":
        """A Where from ``(dotted field, (line, column))`` pairs."""
        pairs = list(marks)
        return cls(path, line, column, tuple(sys.intern(name) for name, _ in pairs),
                   tuple(number for _, mark in pairs for number in mark))

    def at(self, key: str) -> Tuple[Optional[int], Optional[int]]:
        """(line, column) of a dotted field such as ``sources.1`` or ``when.0.symptom``; the
        nearest enclosing field that has a mark, or the item itself."""
        while key:
            if key in self.field_names:
                index = 2 * self.field_names.index(key)
                return self.field_marks[index], self.field_marks[index + 1]
            key = key.rpartition(".")[0]
        return (self.line, self.column)


class Symptom(msgspec.Struct, frozen=True):
    id: str
    title: Text
    description: Optional[Text]
    where: Where


class Threshold(msgspec.Struct, frozen=True):
    id: str
    platform: str
    metric: str
    symptom: str
    must_be: str
    target: float
    warn_within: Optional[float]
    window: Text
    scope: str
    effective: str
    certainty: float
    sources: Tuple[str, ...]
    note: Optional[Text]
    where: Where

    def is_met(self, value: float) -> bool:
        """True when ``value`` meets the platform's target."""
        return {"below": value < self.target, "at_most": value <= self.target,
                "at_least": value >= self.target, "above": value > self.target}[self.must_be]

    @property
    def breach_operator(self) -> str:
        """The rule operator that is true exactly when the target is missed."""
        return {"below": "at_least", "at_most": "above", "at_least": "below", "above": "at_most"}[self.must_be]


class Platform(msgspec.Struct, frozen=True):
    id: str
    name: Text
    appeal: Optional[Text]
    thresholds: Tuple[Threshold, ...]
    where: Where


class Remedy(msgspec.Struct, frozen=True):
    id: str
    kind: str
    text: Text
    letter: Optional[Text]
    sources: Tuple[str, ...]
    where: Where


class Cause(msgspec.Struct, frozen=True):
    id: str
    family: str
    title: Text
    explanation: Text
    remedies: Tuple[str, ...]
    evidence: Tuple[Text, ...]
    guidance: Tuple[str, ...]
    sources: Tuple[str, ...]
    where: Where
    letter: Optional[Text] = None  # the root cause as a Plan-of-Action sentence


class Source(msgspec.Struct, frozen=True):
    id: str
    title: str
    kind: str
    url: str
    file: str
    author: str
    date: str
    where: Where


class Guidance(msgspec.Struct, frozen=True):
    id: str
    text: Text
    families: Tuple[str, ...]
    symptoms: Tuple[str, ...]
    sources: Tuple[str, ...]
    where: Where


class Message(msgspec.Struct, frozen=True):
    """Interface text (prompts, headings) kept in the knowledge base, in both languages."""

    id: str
    text: Text
    where: Where


class Condition(msgspec.Struct, frozen=True):
    """``fact <op> value``, or the presence of a symptom; ``negated`` for ``not:``."""

    kind: str  # "fact" | "symptom"
    name: str
    op: str = "present"
    value: Any = None
    negated: bool = False

    def matches(self, facts: Dict[str, Any], symptoms: FrozenSet[str] = frozenset()) -> bool:
        """Whether the positive form of this condition holds for ``facts`` and ``symptoms``."""
        if self.kind == "symptom":
            return self.name in symptoms
        if self.name not in facts:
            return False
        return _COMPARE[self.op](facts[self.name], self.value)

    def positive(self) -> "Condition":
        """This condition without its ``not``."""
        return Condition(self.kind, self.name, self.op, self.value)

    def describe(self) -> str:
        if self.kind == "symptom":
            text = f"symptom {self.name}"
        elif self.op == "known":
            text = f"{self.name} is known"
        else:
            shown = list(self.value) if isinstance(self.value, tuple) else self.value
            text = f"{self.name} {self.op.replace('_', ' ')} {json.dumps(shown, ensure_ascii=False)}"
        return f"not ({text})" if self.negated else text


class Rule(msgspec.Struct, frozen=True):
    id: str
    title: Text
    conditions: Tuple[Condition, ...]
    match: str  # "all" | "any"
    conclusion: Tuple[str, str]  # ("symptom" | "cause", id)
    certainty: float
    platforms: Tuple[str, ...]
    sources: Tuple[str, ...]
    guidance: Tuple[str, ...]
    status: str
    examples: Dict[str, Tuple[Any, ...]]
    where: Where
    generated_from: Optional[str] = None  # threshold id for rules made from platforms.yaml

    def applies_to(self, platform: str) -> bool:
        return not self.platforms or platform in self.platforms


class KnowledgeBase(msgspec.Struct):
    """Everything the engine and the renderers know, checked and cross-referenced."""

    root: str
    version: str
    facts: Dict[str, Fact]
    symptoms: Dict[str, Symptom]
    platforms: Dict[str, Platform]
    causes: Dict[str, Cause]
    remedies: Dict[str, Remedy]
    sources: Dict[str, Source]
    guidance: Dict[str, Guidance]
    rules: Dict[str, Rule]
    messages: Dict[str, Message] = msgspec.field(default_factory=dict)
    files: Tuple[str, ...] = ()
    warnings: List[Finding] = msgspec.field(default_factory=list)

    def message(self, message_id: str, lang: str, **values) -> str:
        """Interface text ``message_id`` in ``lang`` with ``{name}`` placeholders filled in."""
        text = self.messages[message_id].text
        return (text.get(lang) or text["en"]).format(**values)

    def thresholds(self, platform: str) -> Tuple[Threshold, ...]:
        return self.platforms[platform].thresholds if platform in self.platforms else ()

    def rules_for(self, platform: str) -> List[Rule]:
        return [rule for rule in self.rules.values() if rule.applies_to(platform) and rule.status != "deprecated"]


# ---------------------------------------------------------------------------------------------
# Locating the knowledge base


def default_root() -> Path:
    """The knowledge shipped in the wheel, or the checkout this package runs from."""
    packaged = Path(__file__).resolve().parent / "_kb"
    if (packaged / "knowledge").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


def knowledge_files(root: Path) -> Tuple[List[Path], List[Path]]:
    """The knowledge and rule YAML files under ``root``, in a stable order."""
    knowledge_dir, rules_dir = root / "knowledge", root / "rules"
    missing = [str(d) for d in (knowledge_dir, rules_dir) if not d.is_dir()]
    if missing:
        raise KnowledgeBaseError(
            f"{root} is not a knowledge base: missing {' and '.join(missing)} "
            "(--kb expects a folder holding knowledge/ and rules/)")
    knowledge = sorted(p for p in knowledge_dir.rglob("*.yaml")
                       if not {"schemas", "imports"} & set(p.relative_to(knowledge_dir).parts[:-1])
                       and p.relative_to(knowledge_dir).parts != (LINT_FILE,))
    rules = sorted(rules_dir.rglob("*.yaml"))
    return knowledge, rules


def template_files(root: Path) -> List[Path]:
    """The letter templates under ``root``, in a stable order (part of the knowledge's digest)."""
    return sorted((Path(root) / LETTER_DIR).rglob("*.j2"))


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else as given."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


# ---------------------------------------------------------------------------------------------
# Loading


def load_knowledge(root: Optional[os.PathLike] = None, use_cache: bool = True) -> KnowledgeBase:
    """Load, check and return the knowledge base under ``root`` (default: the shipped one).

    Raises :class:`KnowledgeBaseError` carrying every error-level finding. With ``use_cache``, a
    knowledge base this process loaded before is returned while none of its files or folders
    has changed (a stat of each: no hashing), else the on-disk cache keyed by the files'
    content is tried before the files themselves.
    """
    root_path = Path(root) if root is not None else default_root()
    loaded = _LOADED.get(str(root_path)) if use_cache else None
    if loaded is not None and _stat_signature(loaded.watched) == loaded.signature:
        return loaded.kb
    knowledge, rules = knowledge_files(root_path)
    files = knowledge + rules + template_files(root_path)
    watched = files + [Path(folder) for top in (root_path / "knowledge", root_path / "rules")
                       for folder, _, _ in os.walk(top)]
    signature = _stat_signature(watched)  # taken before hashing: a change made meanwhile shows next time
    digest = _digest(files)
    kb = _read_cache(digest) if use_cache else None
    if kb is None:
        kb, findings = check_knowledge(root_path, knowledge, rules, digest)
        errors = [f for f in findings if f.level == "error"]
        if errors:
            raise KnowledgeBaseError(
                f"the knowledge base has {len(errors)} error(s); run 'diagnose kb validate' for all findings",
                findings=errors)
        if use_cache:
            _write_cache(digest, kb)
    if use_cache:
        _LOADED[str(root_path)] = _Loaded(kb, watched, signature)
    return kb


class _Loaded(msgspec.Struct, frozen=True):
    kb: KnowledgeBase
    watched: List[Path]  # its files and every folder (a file added or removed changes a folder)
    signature: tuple


_LOADED: Dict[str, _Loaded] = {}  # this process's loads, by knowledge-base folder


def _stat_signature(paths: List[Path]) -> tuple:
    """What changes when any of ``paths`` is written, replaced, added to or removed."""
    signature = []
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            signature.append(None)
        else:
            signature.append((status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns))
    return tuple(signature)


def check_knowledge(root: Path, knowledge: List[Path], rules: List[Path],
                    digest: str = "") -> Tuple[Optional[KnowledgeBase], List[Finding]]:
    """Parse, schema-check and cross-check every file; return the KB (None if unusable) and findings."""
    builder = _Builder(root, digest or _digest(knowledge + rules))
    for path in knowledge:
        builder.read(path, "knowledge")
    for path in rules:
        builder.read(path, "rules")
    kb, findings = builder.finish()
    from .letters import check_letters  # imported here: letters builds on this module

    letter_findings = check_letters(root, kb)
    if any(f.level == "error" for f in letter_findings):
        kb = None
    return kb, findings + letter_findings


def _digest(paths: List[Path]) -> str:
    hasher = hashlib.sha256(__version__.encode())
    for path in paths:
        hasher.update(str(path).encode("utf-8", "surrogateescape"))
        try:
            if not path.is_file():  # a pipe or device would block or never end: read_text reports it
                raise OSError
            with open(path, "rb") as handle:  # bounded: an oversized file is reported, never cached
                hasher.update(handle.read(KNOWLEDGE_FILE_LIMIT + 1))
        except OSError:
            hasher.update(b"<unreadable>")
    return hasher.hexdigest()


def _cache_path(digest: str) -> Path:
    base = os.environ.get("DIAGNOSE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "seller-diagnose")
    return Path(base) / f"kb-{digest[:32]}.pickle"


def _read_cache(digest: str) -> Optional[KnowledgeBase]:
    if os.environ.get("DIAGNOSE_NO_CACHE"):
        return None
    path = _cache_path(digest)
    try:
        with open(path, "rb") as handle:
            kb = _CacheUnpickler(handle).load()
    except Exception:  # a missing, stale or damaged cache is simply rebuilt
        return None
    if not (isinstance(kb, KnowledgeBase) and kb.version == digest[:12]):
        return None
    try:
        os.utime(path)  # recently used: pruning keeps it
    except OSError:
        pass
    return kb


class _CacheUnpickler(pickle.Unpickler):
    """Unpickles knowledge-base classes and nothing else: a planted cache file cannot run code."""

    _FUNCTIONS = {("diagnose.yamlsafe", "_rebuild_mapping"), ("diagnose.yamlsafe", "_rebuild_sequence"),
                  ("datetime", "date"), ("datetime", "datetime")}

    def find_class(self, module, name):
        if (module, name) in self._FUNCTIONS:
            return super().find_class(module, name)
        if module in ("diagnose.knowledge", "diagnose.vocabulary") and name.isidentifier():
            found = super().find_class(module, name)
            if isinstance(found, type) and issubclass(found, msgspec.Struct):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a knowledge base")


def _write_cache(digest: str, kb: KnowledgeBase) -> None:
    if os.environ.get("DIAGNOSE_NO_CACHE"):
        return
    path = _cache_path(digest)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kb-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(kb, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune_cache(path.parent)
    except OSError:
        pass  # a read-only home only costs speed


def _prune_cache(folder: Path) -> None:
    """Keep the CACHE_KEEP most recently used knowledge caches in ``folder``: every edit of a
    knowledge base makes a new one, and nothing else would ever remove the old."""
    by_use = sorted(((entry.stat().st_mtime_ns, entry) for entry in folder.glob("kb-*.pickle")), reverse=True)
    for _, stale in by_use[CACHE_KEEP:]:
        stale.unlink(missing_ok=True)


_SCHEMAS: Dict[str, Any] = {}


def schema_validator(kind: str):
    """The JSON Schema validator for ``knowledge`` or ``rules`` files (from knowledge/schemas)."""
    if kind not in _SCHEMAS:
        import jsonschema  # imported lazily: only needed when the cache misses

        # Always the shipped schemas: they are the program's contract, not editable knowledge.
        schema_path = default_root() / "knowledge" / "schemas" / f"{kind}.schema.json"
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        _SCHEMAS[kind] = jsonschema.Draft202012Validator(schema)
    return _SCHEMAS[kind]


def suggest(name: str, known) -> str:
    """A "did you mean" tail for an unknown name, or an empty string."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Builder:
    """Collects raw items from every file, then builds objects and cross-checks them."""

    def __init__(self, root: Path, digest: str):
        self.root = root
        self.digest = digest
        self.findings: List[Finding] = []
        self.items: Dict[str, List[Tuple[Mapping, str]]] = {kind: [] for kind in LIST_KINDS + ("rules",)}
        self.files: List[str] = []
        self.broken: set = set()  # ids of items dropped for schema errors: no follow-on findings

    # -- helpers --------------------------------------------------------------------------------
    def add(self, path: str, mark: tuple, level: str, message: str, check: str) -> None:
        line, column = mark if mark else (None, None)
        self.findings.append(Finding(path, line, column, level, message, check))

    def where(self, item: Mapping, path: str) -> Where:
        return Where.of(path, getattr(item, "line", None), getattr(item, "column", None),
                        _field_marks(item, "", FIELD_MARK_DEPTH))

    # -- reading --------------------------------------------------------------------------------
    def read(self, path: Path, kind: str) -> None:
        shown = display_path(path)
        self.files.append(shown)
        try:
            document = load_yaml(str(path), KNOWLEDGE_FILE_LIMIT)
        except YamlError as exc:
            loc = exc.location
            self.add(shown, (loc.line, loc.column) if loc else None, "error",
                     exc.message if not (loc and loc.field) else f"{printable(loc.field)}: {exc.message}", "yaml-syntax")
            return
        if document is None:
            self.add(shown, (1, 1), "error", "the file is empty", "schema")
            return
        for container, key in _non_finite(document):
            self.add(shown, mark_of(container, key), "error", f"{key}: not a finite number", "schema")
        errors = sorted(schema_validator(kind).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
        broken_items = set()
        for error in errors:
            self._schema_finding(shown, document, error)
            trail = list(error.absolute_path)
            if len(trail) < 2:
                return  # the file's shape is wrong: none of its items can be trusted
            broken_items.add((trail[0], trail[1]))
        lists = ("rules",) if kind == "rules" else LIST_KINDS
        for list_kind in lists:
            for index, item in enumerate(document.get(list_kind, ())):
                if (list_kind, index) not in broken_items:
                    self.items[list_kind].append((item, shown))
                elif isinstance(item, dict) and isinstance(item.get("id"), str):
                    self.broken.add(item["id"])

    def _schema_finding(self, path: str, document: Any, error) -> None:
        self.findings.append(schema_finding(path, document, error))

    # -- building -------------------------------------------------------------------------------
    def finish(self) -> Tuple[Optional[KnowledgeBase], List[Finding]]:
        had_errors = any(f.level == "error" for f in self.findings)
        facts = self._unique("facts", self._fact)
        sources = self._unique("sources", self._source)
        symptoms = self._unique("symptoms", self._symptom)
        remedies = self._unique("remedies", self._remedy)
        causes = self._unique("causes", self._cause)
        guidance = self._unique("guidance", self._guidance)
        messages = self._unique("messages", lambda item, path: Message(item["id"], dict(item["text"]),
                                                                     self.where(item, path)))
        self.facts, self.sources, self.symptoms = facts, sources, symptoms
        self.remedies, self.causes = remedies, causes
        platforms = self._unique("platforms", self._platform)
        self.platforms = platforms
        rules: Dict[str, Rule] = {}
        for platform in platforms.values():
            for threshold in platform.thresholds:
                rule = self._threshold_rule(platform, threshold)
                if rule is not None:
                    self._put(rules, rule.id, rule, threshold.where, "rule")
        for item, path in self.items["rules"]:
            rule = self._rule(item, path)
            if rule is not None:
                self._put(rules, rule.id, rule, rule.where, "rule")
        self._cross_check(facts, sources, symptoms, remedies, causes, guidance, platforms, rules)
        if had_errors or any(f.level == "error" for f in self.findings):
            return None, self.findings
        kb = KnowledgeBase(
            root=str(self.root), version=self.digest[:12], facts=facts, symptoms=symptoms,
            platforms=platforms, causes=causes, remedies=remedies, sources=sources, guidance=guidance,
            rules=dict(sorted(rules.items())), messages=messages, files=tuple(self.files),
            warnings=[f for f in self.findings if f.level != "error"])
        return kb, self.findings

    def _put(self, table: dict, key: str, value, where: Where, what: str) -> None:
        if key in table:
            first = table[key].where
            self.add(where.path, where.at("id"), "error",
                     f"duplicate {what} id '{key}' (first defined at {first.path}:{first.line})", "duplicate-id")
        else:
            table[key] = value

    def _unique(self, kind: str, build) -> dict:
        table: dict = {}
        for item, path in self.items[kind]:
            obj = build(item, path)
            if obj is not None:
                self._put(table, obj.id, obj, obj.where, _SINGULAR.get(kind, kind))
        return table

    def _fact(self, item: Mapping, path: str) -> Fact:
        computed = item.get("computed_from")
        choices = tuple((c["value"], dict(c["label"])) for c in item.get("choices", ()))
        minimum, maximum = item.get("min"), item.get("max")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add(path, item.mark_of("min"), "error", f"fact '{item['id']}': min is above max", "range")
        return Fact(
            id=item["id"], type=item["type"], question=dict(item["question"]), help=dict(item["help"]),
            unit=item.get("unit", "%" if item["type"] == "rate" else ""), minimum=minimum, maximum=maximum,
            window=_text_or_plain(item.get("window")), choices=choices,
            computed_from=(computed["numerator"], computed["denominator"]) if computed else None,
            priority=item.get("priority", 0), example=item.get("example"),
            where=self.where(item, path))

    def _source(self, item: Mapping, path: str) -> Source:
        return Source(item["id"], item["title"], item["kind"], item.get("url", ""), item.get("file", ""),
                      item.get("author", ""), str(item.get("date", "")), self.where(item, path))

    def _symptom(self, item: Mapping, path: str) -> Symptom:
        description = item.get("description")
        return Symptom(item["id"], dict(item["title"]), dict(description) if description else None,
                       self.where(item, path))

    def _remedy(self, item: Mapping, path: str) -> Remedy:
        letter = item.get("letter")
        return Remedy(item["id"], item["kind"], dict(item["text"]), dict(letter) if letter else None,
                      tuple(item["sources"]), self.where(item, path))

    def _cause(self, item: Mapping, path: str) -> Cause:
        return Cause(item["id"], item["family"], dict(item["title"]), dict(item["explanation"]),
                     tuple(item["remedies"]), tuple(dict(e) for e in item.get("evidence", ())),
                     tuple(item.get("guidance", ())), tuple(item["sources"]), self.where(item, path),
                     dict(item["letter"]) if "letter" in item else None)

    def _guidance(self, item: Mapping, path: str) -> Guidance:
        return Guidance(item["id"], dict(item["text"]), tuple(item.get("families", ())),
                        tuple(item.get("symptoms", ())), tuple(item["sources"]), self.where(item, path))

    def _platform(self, item: Mapping, path: str) -> Platform:
        thresholds = []
        for raw in item["thresholds"]:
            where = self.where(raw, path)
            fact = self.facts.get(raw["metric"])
            if fact is None and raw["metric"] in self.broken:
                continue
            if fact is None:
                self.add(path, raw.mark_of("metric"), "error",
                         f"threshold '{raw['id']}': unknown fact '{raw['metric']}'{suggest(raw['metric'], self.facts)}",
                         "unknown-fact")
                continue
            if fact.type not in ("rate", "number", "count"):
                self.add(path, raw.mark_of("metric"), "error",
                         f"threshold '{raw['id']}': fact '{fact.id}' is a {fact.type}, not a number", "type-mismatch")
                continue
            values = {}
            for key in ("target", "warn_within"):
                if key in raw:
                    try:
                        values[key] = coerce(fact, raw[key])
                    except ValueProblem as exc:
                        self.add(path, raw.mark_of(key), "error", f"threshold '{raw['id']}': {key}: {exc}",
                                 "type-mismatch")
            if "target" not in values:
                continue
            thresholds.append(Threshold(
                id=raw["id"], platform=item["id"], metric=fact.id, symptom=raw["symptom"], must_be=raw["must_be"],
                target=values["target"], warn_within=values.get("warn_within"), window=_text_or_plain(raw["window"]),
                scope=raw.get("scope", "all_orders"), effective=str(raw.get("effective", "")),
                certainty=raw.get("certainty", 1.0), sources=tuple(raw["sources"]),
                note=dict(raw["note"]) if "note" in raw else None, where=where))
        appeal = item.get("appeal")
        return Platform(item["id"], dict(item["name"]), dict(appeal) if appeal else None, tuple(thresholds),
                        self.where(item, path))

    def _threshold_rule(self, platform: Platform, threshold: Threshold) -> Optional[Rule]:
        conditions = [Condition("fact", "platform", "is", platform.id),
                      Condition("fact", threshold.metric, threshold.breach_operator, threshold.target)]
        if threshold.scope == "seller_fulfilled":
            conditions.append(Condition("fact", "fulfilment", "is", "platform", negated=True))
        title = {"en": f"{platform.name['en']}: {threshold.metric} misses the target ({threshold.must_be.replace('_', ' ')} {threshold.target:g})",
                 "zh": f"{platform.name['zh']}：{threshold.metric} 未达标（须{ {'below': '低于', 'at_most': '不高于', 'at_least': '不低于', 'above': '高于'}[threshold.must_be]} {threshold.target:g}）"}
        return Rule(
            id=f"threshold.{threshold.id}", title=title, conditions=tuple(conditions), match="all",
            conclusion=("symptom", threshold.symptom), certainty=threshold.certainty,
            platforms=(platform.id,), sources=threshold.sources, guidance=(), status="stable",
            examples=_threshold_examples(platform.id, threshold, self.facts.get(threshold.metric)),
            where=threshold.where, generated_from=threshold.id)

    def _rule(self, item: Mapping, path: str) -> Optional[Rule]:
        match = "all" if "when" in item else "any"
        raw_conditions = item["when" if match == "all" else "when_any"]
        conditions = []
        for index, raw in enumerate(raw_conditions):
            mark = mark_of(raw_conditions, index)
            condition = self._condition(raw, item["id"], path, mark)
            if condition is not None:
                conditions.append(condition)
        if len(conditions) != len(raw_conditions):
            return None
        if not any(not c.negated for c in conditions):
            self.add(path, item.mark_of("when" if match == "all" else "when_any"), "error",
                     f"rule '{item['id']}' needs at least one condition that is not negated", "no-positive-condition")
            return None
        kind, target = next(iter(item["then"].items()))
        certainty = item.get("certainty", 1.0)
        examples = {key: tuple(item["examples"].get(key, ())) for key in ("fires", "silent", "todo")}
        return Rule(
            id=item["id"], title=dict(item["title"]), conditions=tuple(conditions), match=match,
            conclusion=(kind, target), certainty=float(certainty), platforms=tuple(item.get("platforms", ())),
            sources=tuple(item["sources"]), guidance=tuple(item.get("guidance", ())),
            status=item.get("status", "stable"), examples=examples, where=self.where(item, path))

    def _condition(self, raw: Mapping, rule_id: str, path: str, mark) -> Optional[Condition]:
        negated = "not" in raw
        if negated:
            raw = raw["not"]
        if "symptom" in raw:
            return Condition("symptom", raw["symptom"], negated=negated)
        name = raw["fact"]
        op = next(key for key in raw if key != "fact")
        fact = self.facts.get(name)
        if fact is None:
            if name in self.broken:
                return None
            self.add(path, raw.mark_of("fact"), "error",
                     f"rule '{rule_id}': unknown fact '{name}'{suggest(name, self.facts)}", "unknown-fact")
            return None
        value = raw[op]
        problem = _operator_problem(fact, op)
        if problem:
            self.add(path, raw.mark_of(op), "error", f"rule '{rule_id}': {problem}", "type-mismatch")
            return None
        try:
            if op == "in":
                value = tuple(coerce(fact, v) for v in value)
            elif op != "known":
                value = coerce(fact, value)
        except ValueProblem as exc:
            self.add(path, raw.mark_of(op), "error", f"rule '{rule_id}': {name} {op}: {exc}", "type-mismatch")
            return None
        return Condition("fact", name, op, None if op == "known" else value, negated)

    # -- cross-references -----------------------------------------------------------------------
    def _ref(self, where: Where, key: str, owner: str, what: str, name: str, table: dict, check: str) -> None:
        """A finding at field ``key`` of the item at ``where`` when ``name`` is not in ``table``."""
        if name not in table and name not in self.broken:
            self.add(where.path, where.at(key), "error",
                     f"{owner}: unknown {what} '{name}'{suggest(name, table)}", check)

    def _refs(self, where: Where, key: str, owner: str, what: str, names, table: dict, check: str) -> None:
        for index, name in enumerate(names):
            self._ref(where, f"{key}.{index}", owner, what, name, table, check)

    def _cross_check(self, facts, sources, symptoms, remedies, causes, guidance, platforms, rules) -> None:
        for core in CORE_FACTS:
            if core not in facts and core not in self.broken and self.items["facts"]:
                self.add(display_path(self.root / "knowledge"), (1, 1), "error",
                         f"the vocabulary must define the fact '{core}'", "missing-core-fact")
        if "platform" in facts and set(facts["platform"].choice_values) - self.broken != set(platforms):
            where = facts["platform"].where
            self.add(where.path, where.at("choices"), "error",
                     "the 'platform' fact's choices must be exactly the platforms defined "
                     f"({', '.join(sorted(platforms))})", "platform-choices")
        for fact in facts.values():
            if fact.computed_from:
                for key, part in zip(("numerator", "denominator"), fact.computed_from):
                    self._ref(fact.where, f"computed_from.{key}", f"fact '{fact.id}' computed_from", "fact", part,
                              facts, "unknown-fact")
        for source_owner in list(remedies.values()) + list(causes.values()) + list(guidance.values()):
            self._refs(source_owner.where, "sources", f"'{source_owner.id}'", "source", source_owner.sources,
                       sources, "unknown-source")
        for cause in causes.values():
            self._refs(cause.where, "remedies", f"cause '{cause.id}'", "remedy", cause.remedies, remedies,
                       "unknown-remedy")
        for item in guidance.values():
            self._refs(item.where, "symptoms", f"guidance '{item.id}'", "symptom", item.symptoms, symptoms,
                       "unknown-symptom")
        for platform in platforms.values():
            for threshold in platform.thresholds:
                owner = f"threshold '{threshold.id}'"
                self._ref(threshold.where, "symptom", owner, "symptom", threshold.symptom, symptoms, "unknown-symptom")
                self._refs(threshold.where, "sources", owner, "source", threshold.sources, sources, "unknown-source")
        for rule in rules.values():
            if rule.generated_from:
                continue
            owner = f"rule '{rule.id}'"
            kind, target = rule.conclusion
            self._ref(rule.where, f"then.{kind}", owner, kind, target, symptoms if kind == "symptom" else causes,
                      f"unknown-{kind}")
            conditions_key = "when" if rule.match == "all" else "when_any"
            for index, condition in enumerate(rule.conditions):
                if condition.kind == "symptom":
                    key = f"{conditions_key}.{index}.{'not.' if condition.negated else ''}symptom"
                    self._ref(rule.where, key, owner, "symptom", condition.name, symptoms, "unknown-symptom")
            self._refs(rule.where, "platforms", owner, "platform", rule.platforms, platforms, "unknown-platform")
            self._refs(rule.where, "sources", owner, "source", rule.sources, sources, "unknown-source")


def _text_or_plain(value: Any) -> Optional[Text]:
    """A field given in both languages, or as one plain string shown in every language."""
    if value is None:
        return None
    return {"en": value} if isinstance(value, str) else dict(value)


def _field_marks(node: Any, prefix: str, depth: int):
    """(dotted field, (line, column)) for the fields of a loaded mapping, ``depth`` levels deep."""
    if depth <= 0:
        return
    if isinstance(node, Mapping):
        pairs = [(str(key), node.key_marks.get(key), node[key]) for key in node]
    elif isinstance(node, list) and hasattr(node, "item_marks"):
        pairs = [(str(index), mark, value) for index, (mark, value) in enumerate(zip(node.item_marks, node))]
    else:
        return
    for key, mark, value in pairs:
        if mark:
            yield prefix + key, mark
        yield from _field_marks(value, f"{prefix}{key}.", depth - 1)


def _operator_problem(fact: Fact, op: str) -> str:
    if op in NUMERIC_OPS and fact.type not in ("number", "rate", "count"):
        return f"'{op}' compares numbers, but fact '{fact.id}' is a {fact.type}"
    if op == "in" and fact.type not in ("choice", "number", "count"):
        return f"'in' lists choices, but fact '{fact.id}' is a {fact.type}"
    if op in ("is", "is_not") and fact.type in ("text", "date", "rate"):
        return f"'{op}' cannot test a {fact.type} fact ('{fact.id}'); use known or a comparison"
    return ""


def _threshold_examples(platform: str, threshold: Threshold, fact: Optional[Fact]) -> Dict[str, tuple]:
    """Boundary cases for a threshold rule: on the target line (or just past it) and just inside."""
    step = 0.001 if fact is not None and fact.type == "rate" else 1
    target = threshold.target
    breach = {"below": target, "at_most": target + step, "at_least": target - step, "above": target}[threshold.must_be]
    inside = {"below": target - step, "at_most": target, "at_least": target, "above": target + step}[threshold.must_be]
    base = {"platform": platform}
    if threshold.scope == "seller_fulfilled":
        base["fulfilment"] = "seller"

    def case(value):
        value = round(value, 6)
        return dict(base, **{threshold.metric: int(value) if step == 1 else value})

    silent = [case(inside)]
    if threshold.scope == "seller_fulfilled":
        silent.append(dict(case(breach), fulfilment="platform"))
    return {"fires": (case(breach),), "silent": tuple(silent), "todo": ()}


def schema_finding(path: str, document: Any, error) -> Finding:
    """A JSON Schema error as a finding at the offending field of a loaded document."""
    error = _most_specific(error)
    container, key = document, None
    trail = list(error.absolute_path)
    for step in trail[:-1]:
        container = container[step]
    if trail:
        key = trail[-1]
    line, column = mark_of(container, key) if key is not None else (getattr(document, "line", 1), 1)
    extra = _extra_fields(error)
    if extra and isinstance(error.instance, Mapping):
        line, column = error.instance.mark_of(extra[0])  # the unknown field itself
    field_path = ".".join(str(step) for step in trail) or "(top level)"
    return Finding(path, line, column, "error", f"{field_path}: {_schema_message(error)}", "schema")


def _non_finite(node):
    """(container, key) of every NaN or infinite number in a loaded document (JSON Schema allows them)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, float) and not math.isfinite(value):
            yield node, key
        else:
            yield from _non_finite(value)


def _most_specific(error):
    """For oneOf/anyOf failures, the sub-error that went deepest into the document."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.schema_path)))
    return error


def _extra_fields(error) -> List[str]:
    """The fields an ``additionalProperties`` error complains about, sorted."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    return sorted(set(error.instance) - set(error.schema.get("properties", {})))


def _schema_message(error) -> str:
    if error.validator == "additionalProperties":
        extra = _extra_fields(error)
        allowed = sorted(error.schema.get("properties", {}))
        name = extra[0] if extra else "?"
        return f"unknown field '{name}'{suggest(name, allowed)}"
    if error.validator == "required":
        return error.message.replace(" is a required property", " is required")
    return error.message
