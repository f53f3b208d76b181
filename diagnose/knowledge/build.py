"""Building the knowledge base from parsed files: objects, threshold rules and cross-references."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple


from ..errors import printable
from ..operators import NUMERIC_OPS, condition_key
from ..vocabulary import Fact, Text, ValueProblem, coerce
from ..fileio import FileProblem, read_regular
from ..yamlsafe import Mapping, YamlError, decode_text, mark_of, parse_yaml
from .cache import CheckCache
from .files import KNOWLEDGE_FILE_LIMIT, display_path, outside
from .model import (MARKETPLACE, Cause, Closing, Condition, Deadline, Finding, Fit, Guidance, KnowledgeBase, Letters,
                    Message, PartsRule, Platform, Refusal, Remedy, Rule, Source, Symptom, Term, Threshold, Where,
                    suggest)
from .schema import _non_finite, schema_finding, schema_validator
from .templates import MESSAGES
from .thresholds import OVER_TARGET, OVER_TARGET_TITLE, THRESHOLD_TITLE, RuleContext, regional, threshold_rules

FIELD_MARK_DEPTH = 3  # how deep Where records the marks of fields (e.g. when.0.symptom)
CORE_FACTS = ("platform", "fulfilment")
LIST_KINDS = ("facts", "symptoms", "platforms", "causes", "remedies", "sources", "guidance", "messages", "deadlines",
              "glossary")
_SINGULAR = {"facts": "fact", "symptoms": "symptom", "platforms": "platform", "causes": "cause",
             "remedies": "remedy", "sources": "source", "messages": "message", "rules": "rule", "deadlines": "deadline",
             "glossary": "glossary term"}


class _Builder:
    """Collects raw items from every file, then builds objects and cross-checks them."""

    def __init__(self, root: Path, digest: str) -> None:
        self.root = root
        self.digest = digest
        self.findings: List[Finding] = []
        self.items: Dict[str, List[Tuple[Mapping, str]]] = {kind: [] for kind in LIST_KINDS + ("rules",)}
        self.files: List[str] = []
        self.broken: set = set()  # ids of items dropped for schema errors: no follow-on findings
        self.settings: Dict[str, Tuple[Any, Where]] = {}  # "interview.margin" -> (value, where its group is set)

    # -- helpers --------------------------------------------------------------------------------
    def add(self, path: str, mark: tuple, level: str, message: str, check: str) -> None:
        line, column = mark if mark else (None, None)
        self.findings.append(Finding(path, line, column, level, message, check))

    def where(self, item: Mapping, path: str) -> Where:
        return Where.of(path, getattr(item, "line", None), getattr(item, "column", None),
                        _field_marks(item, "", FIELD_MARK_DEPTH))

    # -- reading --------------------------------------------------------------------------------
    def read(self, path: Path, kind: str, checks: Optional[CheckCache] = None) -> None:
        """Parse and schema-check one file (or take what ``checks`` holds for its content) and
        collect its items."""
        shown = display_path(path)
        self.files.append(shown)
        if outside(self.root, path):  # never read, never shown: it could be any file of the system
            self.add(shown, (1, 1), "error", "a link to a file outside the knowledge base; not read", "yaml-syntax")
            return
        document, findings, broken_items = _file_record(path, kind, checks)
        for line, column, level, message, check in findings:
            self.findings.append(Finding(shown, line, column, level, message, check))
        if document is None or broken_items is None:
            return  # unreadable, empty, or the file's shape is wrong: none of its items can be trusted
        lists = ("rules",) if kind == "rules" else LIST_KINDS
        if kind == "knowledge":
            self._read_settings(document.get("settings", {}), shown, broken_items)
        for list_kind in lists:
            for index, item in enumerate(document.get(list_kind, ())):
                if (list_kind, index) not in broken_items:
                    self.items[list_kind].append((item, shown))
                elif isinstance(item, dict) and isinstance(item.get("id"), str):
                    self.broken.add(item["id"])

    def _read_settings(self, groups: Mapping, path: str, broken_items: set) -> None:
        """The settings a file sets, by group; a group set in two files is an error."""
        for group, values in groups.items():
            if ("settings", group) in broken_items:
                self.broken.add(f"settings.{group}")  # reported by the schema: not missing as well
                continue
            line, column = groups.mark_of(group)
            where = Where(path, line, column)
            earlier = next((w for name, (_, w) in self.settings.items() if name.startswith(f"{group}.")), None)
            if earlier is not None:
                self.add(path, (where.line, where.column), "error", f"settings: the group '{group}' is set twice "
                         f"(first in {earlier.path}:{earlier.line})", "duplicate-setting")
                continue
            for name, value in values.items():
                self.settings[f"{group}.{name}"] = (value, where)

    # -- building -------------------------------------------------------------------------------
    def finish(self) -> Tuple[Optional[KnowledgeBase], List[Finding]]:
        had_errors = any(f.level == "error" for f in self.findings)
        facts = self._unique("facts", self._fact)
        self.facts = facts  # conditions in remedies, causes and guidance refer to facts
        sources = self._unique("sources", self._source)
        symptoms = self._unique("symptoms", self._symptom)
        remedies = self._unique("remedies", self._remedy)
        causes = self._unique("causes", self._cause)
        guidance = self._unique("guidance", self._guidance)
        messages = self._unique("messages", lambda item, path: Message(item["id"], dict(item["text"]),
                                                                     self.where(item, path)))
        glossary = self._unique("glossary", lambda item, path: Term(
            item["id"], dict(item["term"]), tuple(item.get("avoid", ())), tuple(item.get("facts", ())),
            self.where(item, path)))
        for term in glossary.values():
            self._refs(term.where, "facts", f"glossary term '{term.id}'", "fact", term.facts, facts, "unknown-fact")
            for index, pattern in enumerate(term.avoid):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    self.add(term.where.path, term.where.at(f"avoid.{index}"), "error",
                             f"glossary term '{term.id}': avoid.{index} is not a regular expression ({exc})", "schema")
        self.facts, self.sources, self.symptoms, self.glossary = facts, sources, symptoms, glossary
        self.remedies, self.causes, self.messages = remedies, causes, messages
        deadlines = self._unique("deadlines", self._deadline)
        self.deadlines = deadlines  # platforms' letters name deadlines
        platforms = self._unique("platforms", self._platform)
        self.platforms = platforms
        rules: Dict[str, Rule] = {}
        self._check_threshold_title(platforms)
        self._check_over_target(platforms)
        context = RuleContext(facts, glossary, messages)
        for platform in platforms.values():
            for rule in threshold_rules(platform, context):
                self._put(rules, rule.id, rule, rule.where, "rule")
        for item, path in self.items["rules"]:
            rule = self._rule(item, path)
            if rule is not None:
                self._put(rules, rule.id, rule, rule.where, "rule")
        self._cross_check(facts, sources, symptoms, remedies, causes, guidance, platforms, rules)
        self._check_fits(remedies, causes, guidance, deadlines, platforms, sources)
        self._check_settings()
        if had_errors or any(f.level == "error" for f in self.findings):
            return None, self.findings
        kb = KnowledgeBase(
            root=str(self.root), version=self.digest[:12], facts=facts, symptoms=symptoms,
            platforms=platforms, causes=causes, remedies=remedies, sources=sources, guidance=guidance,
            rules=dict(sorted(rules.items())), messages=messages, deadlines=deadlines, glossary=glossary,
            settings={name: value for name, (value, _) in sorted(self.settings.items())},
            files=tuple(self.files),
            warnings=[f for f in self.findings if f.level != "error"],
            computed_rates=tuple(fact.id for fact in facts.values() if fact.computed_from))
        return kb, self.findings

    def _put(self, table: dict, key: str, value: Any, where: Where, what: str) -> None:
        if key in table:
            first = table[key].where
            self.add(where.path, where.at("id"), "error",
                     f"duplicate {what} id '{key}' (first defined at {first.path}:{first.line})", "duplicate-id")
        else:
            table[key] = value

    def _unique(self, kind: str, build: Callable[[Mapping, str], Any]) -> dict:
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
            multiple=bool(item.get("multiple", False)) and item["type"] == "choice",
            term=dict(item["term"]) if "term" in item else None, where=self.where(item, path))

    def _source(self, item: Mapping, path: str) -> Source:
        title = _text_or_plain(item["title"])
        return Source(item["id"], title["en"], item["kind"], item.get("url", ""), item.get("file", ""),
                      item.get("author", ""), str(item.get("date", "")), self.where(item, path), title.get("zh", ""))

    def _symptom(self, item: Mapping, path: str) -> Symptom:
        description = item.get("description")
        return Symptom(item["id"], dict(item["title"]), dict(description) if description else None,
                       self.where(item, path))

    def _remedy(self, item: Mapping, path: str) -> Remedy:
        letter, plan = item.get("letter"), item.get("plan")
        return Remedy(item["id"], item["kind"], dict(item["text"]), dict(letter) if letter else None,
                      tuple(item["sources"]), self.where(item, path), self._fit(item, f"remedy '{item['id']}'", path),
                      dict(plan) if plan else None)

    def _cause(self, item: Mapping, path: str) -> Cause:
        evidence = item.get("evidence", ())
        texts = tuple(dict(e["text"]) if "text" in e else dict(e) for e in evidence)
        fits = tuple(self._fit(e, f"cause '{item['id']}' evidence {index + 1}", path) for index, e in enumerate(evidence))
        after = tuple(tuple(e.get("after", ())) if "text" in e else () for e in evidence)
        return Cause(item["id"], item["family"], dict(item["title"]), dict(item["explanation"]),
                     tuple(item["remedies"]), texts,
                     tuple(item.get("guidance", ())), tuple(item["sources"]), self.where(item, path),
                     dict(item["letter"]) if "letter" in item else None, fits, after)

    def _guidance(self, item: Mapping, path: str) -> Guidance:
        return Guidance(item["id"], dict(item["text"]), tuple(item.get("families", ())),
                        tuple(item.get("symptoms", ())), tuple(item["sources"]), self.where(item, path),
                        self._fit(item, f"guidance '{item['id']}'", path), tuple(item.get("situations", ())))

    def _deadline(self, item: Mapping, path: str) -> Optional[Deadline]:
        since = item.get("since")
        if since is not None and since not in self.broken:
            fact = self.facts.get(since)
            if fact is None or fact.type != "date":
                what = "an unknown fact" if fact is None else f"a {fact.type} fact"
                self.add(path, item.mark_of("since"), "error",
                         f"deadline '{item['id']}': since names {what} '{since}'{suggest(since, self.facts) if fact is None else ''}; "
                         "it must be a date fact", "unknown-fact" if fact is None else "type-mismatch")
                return None
        return Deadline(item["id"], dict(item["label"]), since, item.get("days", 0), item.get("months", 0),
                        item.get("day_of_month"), tuple(item.get("situations", ())), tuple(item["sources"]),
                        self.where(item, path), self._fit(item, f"deadline '{item['id']}'", path))

    def _fit(self, item: Mapping, owner: str, path: str) -> Fit:
        """The ``platforms``, ``needs`` and ``excludes`` of an item (conditions with an error are left out)."""
        parts = {}
        for key in ("needs", "excludes"):
            raw_conditions = item.get(key, ())
            conditions = (self._condition(raw, owner, path, what="") for raw in raw_conditions)
            parts[key] = tuple(c for c in conditions if c is not None)
        return Fit(tuple(item.get("platforms", ())), parts["needs"], parts["excludes"])

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
            owner = f"threshold '{raw['id']}'"
            unless = tuple(self._condition(c, owner, path, what="") for c in raw.get("unless", ()))
            marketplaces = self._marketplaces(raw, owner, path)
            if "target" not in values or None in unless or marketplaces is None:
                continue
            if any(c.op not in NUMERIC_OPS for c in unless):
                self.add(path, raw.mark_of("unless"), "error",
                         f"{owner}: unless compares a count or a number (above, at_least, below, at_most)",
                         "type-mismatch")
                continue
            thresholds.append(Threshold(
                id=raw["id"], platform=item["id"], metric=fact.id, symptom=raw["symptom"], must_be=raw["must_be"],
                target=values["target"], warn_within=values.get("warn_within"), window=_text_or_plain(raw["window"]),
                scope=raw.get("scope", "all_orders"), effective=str(raw.get("effective", "")),
                certainty=raw.get("certainty", 1.0), sources=tuple(raw["sources"]),
                note=dict(raw["note"]) if "note" in raw else None, where=where, unless=unless,
                marketplaces=marketplaces))
        appeal = item.get("appeal")
        return Platform(item["id"], dict(item["name"]), dict(appeal) if appeal else None,
                        regional(thresholds), self.where(item, path), self._letters(item, path))

    def _letters(self, item: Mapping, path: str) -> Letters:
        """A platform's ``letters``, with every message kind, deadline, message and fact it names checked."""
        raw, where, owner = item.get("letters", {}), self.where(item, path), f"platform '{item['id']}' letters"
        for index, kind in enumerate(raw.get("messages", ())):
            if kind not in MESSAGES:
                self.add(path, where.at(f"letters.messages.{index}"), "error",
                         f"{owner}: unknown message kind '{kind}' (one of {', '.join(MESSAGES)})", "unknown-message")
        if "follow-up" in raw.get("messages", ()) and "follow_up" not in raw:
            self.add(path, where.at("letters.messages"), "error",
                     f"{owner}: the follow-up message needs follow_up, the deadline it waits for", "schema")
        closes, refused, parts = raw.get("closes"), raw.get("refused", ()), raw.get("parts", ())
        deadlines = [(f"letters.{key}", raw[key]) for key in ("follow_up", "review", "invoice") if key in raw]
        deadlines += [("letters.closes.deadline", closes["deadline"])] if closes else []
        for key, name in deadlines:
            self._ref(where, key, owner, "deadline", name, self.deadlines, "unknown-deadline")
        messages = [("letters.closes", closes[key]) for key in ("refusal", "reminder")] if closes else []
        messages += [(f"letters.refused.{i}", r["message"]) for i, r in enumerate(refused)]
        messages += [(f"letters.parts.{i}", p["note"]) for i, p in enumerate(parts)]
        for key, name in messages:
            self._ref(where, key, owner, "message", name, self.messages, "unknown-message")
        for index, rule in enumerate(parts):
            self._refs(where, f"letters.parts.{index}", owner, "fact", [rule["rate"], *rule["parts"]], self.facts,
                       "unknown-fact")
        conditions = [self._condition(r["when"], owner, path, what="") for r in refused]
        return Letters(
            messages=tuple(raw.get("messages", ())), follow_up=raw.get("follow_up"), review=raw.get("review"),
            invoice=raw.get("invoice"),
            closes=Closing(closes["deadline"], closes["refusal"], closes["reminder"]) if closes else None,
            refused=tuple(Refusal(c, r["message"]) for c, r in zip(conditions, refused) if c is not None),
            parts=tuple(PartsRule(p["rate"], tuple(p["parts"]), p["note"]) for p in parts))

    def _check_threshold_title(self, platforms: Dict[str, Platform]) -> None:
        """Thresholds need the message titling the rules they generate."""
        if THRESHOLD_TITLE in self.messages:
            return
        for platform in platforms.values():
            if platform.thresholds:
                where = platform.thresholds[0].where
                self.add(where.path, where.at("id"), "error", f"platform '{platform.id}': its thresholds need the "
                         f"message '{THRESHOLD_TITLE}' to title their rules", "unknown-message")

    def _check_over_target(self, platforms: Dict[str, Platform]) -> None:
        """Each choice of the fact ``over_target`` must be a metric some threshold judges."""
        fact = self.facts.get(OVER_TARGET)
        if fact is None:
            return
        if OVER_TARGET_TITLE not in self.messages:
            self.add(fact.where.path, fact.where.at("id"), "error",
                     f"fact '{OVER_TARGET}' needs the message '{OVER_TARGET_TITLE}' to title its rules", "unknown-message")
        judged = {t.metric for platform in platforms.values() for t in platform.thresholds}
        for value in fact.choice_values:
            if value not in judged:
                self.add(fact.where.path, fact.where.at("choices"), "error",
                         f"fact '{OVER_TARGET}': choice '{value}' is no metric a threshold judges"
                         f"{suggest(value, judged)}", "unknown-fact")

    def _marketplaces(self, raw: Mapping, owner: str, path: str) -> Optional[Tuple[str, ...]]:
        """A threshold's ``marketplaces``, each checked against the fact ``marketplace`` (None: an error)."""
        names = raw.get("marketplaces", ())
        if not names:
            return ()
        fact = self.facts.get(MARKETPLACE)
        if fact is None:
            self.add(path, raw.mark_of("marketplaces"), "error",
                     f"{owner}: marketplaces needs the fact '{MARKETPLACE}' in the vocabulary", "unknown-fact")
            return None
        try:
            return tuple(coerce(fact, name) for name in names)
        except ValueProblem as exc:
            self.add(path, raw.mark_of("marketplaces"), "error", f"{owner}: marketplaces: {exc}", "type-mismatch")
            return None

    def _rule(self, item: Mapping, path: str) -> Optional[Rule]:
        match = "all" if "when" in item else "any"
        raw_conditions = item[condition_key(match)]
        conditions = []
        for raw in raw_conditions:
            condition = self._condition(raw, item["id"], path)
            if condition is not None:
                conditions.append(condition)
        if len(conditions) != len(raw_conditions):
            return None
        if not any(not c.negated for c in conditions):
            self.add(path, item.mark_of(condition_key(match)), "error",
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

    def _condition(self, raw: Mapping, rule_id: str, path: str, what: str = "rule ") -> Optional[Condition]:
        """A rule's condition (or, with ``what=""``, another item's: ``rule_id`` then names the owner)."""
        owner = f"{what}'{rule_id}'" if what else rule_id
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
                     f"{owner}: unknown fact '{name}'{suggest(name, self.facts)}", "unknown-fact")
            return None
        value = raw[op]
        problem = _operator_problem(fact, op)
        if problem:
            self.add(path, raw.mark_of(op), "error", f"{owner}: {problem}", "type-mismatch")
            return None
        try:
            if op == "in":
                value = tuple(coerce(fact, v) for v in value)
            elif op != "known":
                value = coerce(fact, value)
        except ValueProblem as exc:
            self.add(path, raw.mark_of(op), "error", f"{owner}: {name} {op}: {exc}", "type-mismatch")
            return None
        return Condition("fact", name, op, None if op == "known" else value, negated)

    def _check_fits(self, remedies: Dict[str, Remedy], causes: Dict[str, Cause], guidance: Dict[str, Guidance],
                    deadlines: Dict[str, Deadline], platforms: Dict[str, Platform], sources: Dict[str, Source]) -> None:
        for owner, where, prefix, fit in _fit_owners(remedies, causes, guidance, deadlines):
            self._refs(where, f"{prefix}platforms", owner, "platform", fit.platforms, platforms, "unknown-platform")
        for deadline in deadlines.values():
            self._refs(deadline.where, "sources", f"deadline '{deadline.id}'", "source", deadline.sources, sources,
                       "unknown-source")
            if (deadline.since is None) == (deadline.day_of_month is None):
                self.add(deadline.where.path, deadline.where.at("id"), "error",
                         f"deadline '{deadline.id}' needs either since (a date fact) or day_of_month", "deadline-kind")

    def _check_settings(self) -> None:
        """Every setting the schema defines must be set in some file (the program reads each one)."""
        groups = schema_validator("knowledge").schema["$defs"]["settings"]["properties"]
        for group, schema in groups.items():
            for name in schema["properties"]:
                if f"{group}.{name}" not in self.settings and f"settings.{group}" not in self.broken \
                        and self.items["facts"]:
                    self.add(display_path(self.root / "knowledge"), (1, 1), "error",
                             f"the knowledge base must set '{name}' in the settings group '{group}'", "missing-setting")

    # -- cross-references -----------------------------------------------------------------------
    def _ref(self, where: Where, key: str, owner: str, what: str, name: str, table: dict, check: str) -> None:
        """A finding at field ``key`` of the item at ``where`` when ``name`` is not in ``table``."""
        if name not in table and name not in self.broken:
            self.add(where.path, where.at(key), "error",
                     f"{owner}: unknown {what} '{name}'{suggest(name, table)}", check)

    def _refs(self, where: Where, key: str, owner: str, what: str, names: Iterable[str], table: dict,
              check: str) -> None:
        for index, name in enumerate(names):
            self._ref(where, f"{key}.{index}", owner, what, name, table, check)

    def _cross_check(self, facts: Dict[str, Fact], sources: Dict[str, Source], symptoms: Dict[str, Symptom],
                     remedies: Dict[str, Remedy], causes: Dict[str, Cause], guidance: Dict[str, Guidance],
                     platforms: Dict[str, Platform], rules: Dict[str, Rule]) -> None:
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
                windows = {(facts[part].window or {}).get("en") for part in fact.computed_from if part in facts}
                if len(windows) > 1:  # a rate from counts over two windows is nobody's rate
                    self.add(fact.where.path, fact.where.at("computed_from"), "error",
                             f"fact '{fact.id}' computed_from: its numerator and denominator do not declare "
                             "the same window; a rate is computed only from counts over one period", "counts-window")
        for source_owner in list(remedies.values()) + list(causes.values()) + list(guidance.values()):
            self._refs(source_owner.where, "sources", f"'{source_owner.id}'", "source", source_owner.sources,
                       sources, "unknown-source")
        for cause in causes.values():
            self._refs(cause.where, "remedies", f"cause '{cause.id}'", "remedy", cause.remedies, remedies,
                       "unknown-remedy")
            for index, after in enumerate(cause.evidence_after):
                for position, name in enumerate(after):
                    remedy = remedies.get(name)  # an unknown one is reported as such above
                    if name not in cause.remedies or (remedy is not None and remedy.kind != "immediate"):
                        self.add(cause.where.path, cause.where.at(f"evidence.{index}.after.{position}"), "error",
                                 f"cause '{cause.id}' evidence {index + 1}: after names '{name}', which is not one "
                                 "of the cause's immediate remedies", "unknown-remedy")
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
            conditions_key = condition_key(rule.match)
            for index, condition in enumerate(rule.conditions):
                if condition.kind == "symptom":
                    key = f"{conditions_key}.{index}.{'not.' if condition.negated else ''}symptom"
                    self._ref(rule.where, key, owner, "symptom", condition.name, symptoms, "unknown-symptom")
            self._refs(rule.where, "platforms", owner, "platform", rule.platforms, platforms, "unknown-platform")
            self._refs(rule.where, "sources", owner, "source", rule.sources, sources, "unknown-source")
        certain: Dict[tuple, Dict[float, Rule]] = {}  # conclusion -> {+1.0 or -1.0: a rule concluding it so}
        for rule in rules.values():
            if abs(rule.certainty) == 1.0:
                certain.setdefault(rule.conclusion, {}).setdefault(rule.certainty, rule)
        for (kind, target), by_sign in sorted(certain.items()):
            if len(by_sign) == 2:  # MYCIN's combination of +1 and -1 divides by zero: it has no value
                rule = by_sign[-1.0]
                self.add(rule.where.path, rule.where.at("certainty"), "error",
                         f"rule '{rule.id}' is certain against the {kind} '{target}' (-1.0) while rule "
                         f"'{by_sign[1.0].id}' is certain of it (1.0): certainty factors cannot combine the two; "
                         "make one of them less than certain", "certainty-conflict")


def _file_record(path: Path, kind: str, checks: Optional[CheckCache]) -> tuple:
    """(document or None, findings as (line, column, level, message, check), the (list, index) of
    items with schema errors, or None when no item can be trusted) for one file: from ``checks``
    when it holds a record for this very content, else checked now (and stored there)."""
    try:
        data = read_regular(path, KNOWLEDGE_FILE_LIMIT)
    except FileProblem as exc:
        return None, (_yaml_problem(YamlError(exc.message, exc.location)),), None
    key = CheckCache.key(kind, data) if checks is not None else ""
    record = checks.get(key) if checks is not None else None
    if _is_file_record(record):
        return record
    record = _check_file(data, str(path), kind)
    if checks is not None:
        checks.put(key, record)
    return record


def _is_file_record(record: Any) -> bool:
    """Whether a cached record has the shape :func:`_check_file` gives (else it is checked again)."""
    return (isinstance(record, tuple) and len(record) == 3 and (record[0] is None or isinstance(record[0], Mapping))
            and isinstance(record[1], tuple) and all(isinstance(f, tuple) and len(f) == 5 for f in record[1])
            and (record[2] is None or (isinstance(record[2], frozenset)
                                       and all(isinstance(i, tuple) and len(i) == 2 for i in record[2]))))


def _check_file(data: bytes, path: str, kind: str) -> tuple:
    """Parse one file's bytes and check them against the schema of ``kind``: see :func:`_file_record`."""
    try:
        document = parse_yaml(decode_text(data, path), path)
    except YamlError as exc:
        return None, (_yaml_problem(exc),), None
    if document is None:
        return None, ((1, 1, "error", "the file is empty", "schema"),), None
    findings = [(*mark_of(container, key), "error", f"{key}: not a finite number", "schema")
                for container, key in _non_finite(document)]
    errors = sorted(schema_validator(kind).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    broken_items = set()
    for error in errors:
        finding = schema_finding("", document, error)
        findings.append((finding.line, finding.column, finding.level, finding.message, finding.check))
        trail = list(error.absolute_path)
        if len(trail) < 2:
            return None, tuple(findings), None  # the file's shape is wrong
        broken_items.add((trail[0], trail[1]))
    return document, tuple(findings), frozenset(broken_items)


def _yaml_problem(exc: YamlError) -> tuple:
    loc = exc.location
    line, column = (loc.line, loc.column) if loc else (None, None)
    return line, column, "error", exc.message if not (loc and loc.field) else f"{printable(loc.field)}: {exc.message}", \
        "yaml-syntax"


def _fit_owners(remedies: Dict[str, Remedy], causes: Dict[str, Cause], guidance: Dict[str, Guidance],
                deadlines: Dict[str, Deadline]) -> Iterator[Tuple[str, Where, str, Fit]]:
    """(owner label, where, field prefix, fit) of every item that declares when it fits."""
    for remedy in remedies.values():
        yield f"remedy '{remedy.id}'", remedy.where, "", remedy.fit
    for cause in causes.values():
        for index, fit in enumerate(cause.evidence_fits):
            yield f"cause '{cause.id}' evidence {index + 1}", cause.where, f"evidence.{index}.", fit
    for item in guidance.values():
        yield f"guidance '{item.id}'", item.where, "", item.fit
    for deadline in deadlines.values():
        yield f"deadline '{deadline.id}'", deadline.where, "", deadline.fit


def _text_or_plain(value: Any) -> Optional[Text]:
    """A field given in both languages, or as one plain string shown in every language."""
    if value is None:
        return None
    return {"en": value} if isinstance(value, str) else dict(value)


def _field_marks(node: Any, prefix: str, depth: int) -> Iterator[Tuple[str, Tuple[int, int]]]:
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
