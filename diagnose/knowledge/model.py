"""The knowledge base's records: what the loader builds and the engine, ranking and renderers read.

The classes are pickled into the knowledge cache by module path; :mod:`.cache` lets exactly this
module (and :mod:`diagnose.vocabulary`) through when it reads a cache back.
"""
from __future__ import annotations

import difflib
import json
import sys
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

import msgspec

from ..errors import KnowledgeBaseError
from ..operators import TABLE, holds
from ..vocabulary import Fact, Text


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


MARKETPLACE = "marketplace"  # the fact choosing between a platform's regional thresholds


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
    unless: Tuple["Condition", ...] = ()  # facts that keep the target from counting (minimum counts)
    marketplaces: Tuple[str, ...] = ()  # the marketplaces this figure is for; empty: the default
    elsewhere: Tuple[str, ...] = ()  # a default's marketplaces that another threshold of its metric covers

    def is_met(self, value: float) -> bool:
        """True when ``value`` meets the platform's target."""
        return holds(self.must_be, value, self.target)

    @property
    def conditions(self) -> Tuple["Condition", ...]:
        """The conditions beside the metric's own: the marketplace, and the ``unless`` facts negated."""
        return self._marketplace_conditions() + tuple(
            Condition(c.kind, c.name, c.op, c.value, negated=True) for c in self.unless)

    def _marketplace_conditions(self) -> Tuple["Condition", ...]:
        if self.marketplaces:
            return (Condition("fact", MARKETPLACE, "in", self.marketplaces),)
        if self.elsewhere:
            return (Condition("fact", MARKETPLACE, "in", self.elsewhere, negated=True),)
        return ()

    def for_marketplace(self, facts: Dict[str, Any]) -> bool:
        """Whether this figure is the one for the case's marketplace (the default when none is given)."""
        return all(c.matches(facts) != c.negated for c in self._marketplace_conditions())

    def too_few(self, facts: Dict[str, Any]) -> bool:
        """Whether the case's counts stay under the minimum the target needs before it counts."""
        return any(c.matches(facts) for c in self.unless)

    @property
    def breach_operator(self) -> str:
        """The rule operator that is true exactly when the target is missed."""
        return TABLE[self.must_be].opposite


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
    fit: "Fit" = msgspec.field(default_factory=lambda: Fit())  # the cases it suits


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
    evidence_fits: Tuple["Fit", ...] = ()  # one per evidence document: when the seller has it


class Source(msgspec.Struct, frozen=True):
    id: str
    title: str  # English
    kind: str
    url: str
    file: str
    author: str
    date: str
    where: Where
    title_zh: str = ""  # a Chinese source's own title


class Guidance(msgspec.Struct, frozen=True):
    id: str
    text: Text
    families: Tuple[str, ...]
    symptoms: Tuple[str, ...]
    sources: Tuple[str, ...]
    where: Where
    fit: "Fit" = msgspec.field(default_factory=lambda: Fit())
    situations: Tuple[str, ...] = ()  # "problem" (a cause or a missed metric) or "healthy"; empty: always


class Deadline(msgspec.Struct, frozen=True):
    """A date a platform's rules derive from a case: ``days`` or ``months`` after the date fact
    ``since``, or the next ``day_of_month`` after today."""

    id: str
    label: Text
    since: Optional[str]
    days: int
    months: int
    day_of_month: Optional[int]
    situations: Tuple[str, ...]
    sources: Tuple[str, ...]
    where: Where
    fit: "Fit" = msgspec.field(default_factory=lambda: Fit())


class Message(msgspec.Struct, frozen=True):
    """Interface text (prompts, headings) kept in the knowledge base, in both languages."""

    id: str
    text: Text
    where: Where


class Term(msgspec.Struct, frozen=True):
    """A glossary concept: its one term in each language, the other Chinese names to avoid
    (regular expressions) and the facts it names."""

    id: str
    text: Text
    avoid: Tuple[str, ...]
    facts: Tuple[str, ...]
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
        return holds(self.op, facts[self.name], self.value)

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


class Fit(msgspec.Struct, frozen=True):
    """When an item suits a case: the platforms it is for (empty: all), the facts it needs (each
    must hold) and the facts it excludes (none may hold)."""

    platforms: Tuple[str, ...] = ()
    needs: Tuple[Condition, ...] = ()
    excludes: Tuple[Condition, ...] = ()

    def conflicts(self, facts: Dict[str, Any], platform: Optional[str]) -> List[str]:
        """What in the case contradicts the item: the wrong platform, a needed fact known to be
        otherwise, an excluded fact that holds. Facts the case does not give contradict nothing."""
        found = []
        if self.platforms and platform is not None and platform not in self.platforms:
            found.append(f"platform is {platform}, not {' or '.join(self.platforms)}")
        found += [f"needs {c.describe()}" for c in self.needs if c.name in facts and not c.matches(facts)]
        found += [f"excludes {c.describe()}" for c in self.excludes if c.matches(facts)]
        return found

    def confirmed(self, facts: Dict[str, Any]) -> bool:
        """True when every needed fact is given and holds."""
        return all(c.matches(facts) for c in self.needs)


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
    glossary: Dict[str, Term] = msgspec.field(default_factory=dict)
    deadlines: Dict[str, Deadline] = msgspec.field(default_factory=dict)
    files: Tuple[str, ...] = ()
    warnings: List[Finding] = msgspec.field(default_factory=list)

    def message(self, message_id: str, lang: str, **values) -> str:
        """Interface text ``message_id`` in ``lang`` with ``{name}`` placeholders filled in."""
        if message_id not in self.messages:
            raise KnowledgeBaseError(f"the knowledge base has no message '{message_id}' "
                                     "(the shipped ones are in knowledge/messages.yaml and interview.yaml)")
        text = self.messages[message_id].text
        return (text.get(lang) or text["en"]).format(**values)

    def term_of(self, fact_id: str) -> Optional[Text]:
        """The glossary term naming fact ``fact_id``, if the glossary has one."""
        for term in self.glossary.values():
            if fact_id in term.facts:
                return term.text
        return None

    def operator_words(self, op: str, lang: str) -> str:
        """How the operator ``op`` (``at_most``) reads in ``lang``."""
        return TABLE[op].words(self.messages, lang)

    def thresholds(self, platform: str) -> Tuple[Threshold, ...]:
        return self.platforms[platform].thresholds if platform in self.platforms else ()

    def rules_for(self, platform: str) -> List[Rule]:
        return [rule for rule in self.rules.values() if rule.applies_to(platform) and rule.status != "deprecated"]


def suggest(name: str, known: Iterable[str], bare: bool = False) -> str:
    """A "did you mean" tail for an unknown name (with ``bare``, only the close name), or ""."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
    if bare or not close:
        return close[0] if close else ""
    return f"; did you mean '{close[0]}'?"
