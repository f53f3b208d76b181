"""The knowledge base's records: what the loader builds and the engine, ranking and renderers read.

The classes are pickled into the knowledge cache by module path; :mod:`.cache` lets exactly this
module (and :mod:`diagnose.vocabulary`) through when it reads a cache back.
"""
from __future__ import annotations

import difflib
import functools
import json
import sys
from decimal import Decimal
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

import msgspec

from ..errors import KnowledgeBaseError
from ..operators import TABLE, holds
from ..vocabulary import Fact, Text, exact, quote, say


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

    def in_warning_band(self, value: float) -> bool:
        """True when ``value`` meets the target by at most ``warn_within`` (the edge included).

        The edge and the comparison are exact decimals, as the YAML and the seller write them:
        Walmart's 1.5% cancel rate is exactly 0.5% from its 2% target, whatever the floats'
        difference (0.005000000000000001) says.
        """
        if self.warn_within is None or not self.is_met(value):
            return False
        edge = _band_edge(self.must_be, self.target, self.warn_within)
        return exact(value) >= edge if self.must_be in LOWER_IS_BETTER else exact(value) <= edge

    def margin(self, value: float) -> float:
        """How far ``value`` lies from the target, computed in decimal (0.005 for 1.5% against 2%)."""
        return float(abs(exact(value) - exact(self.target)))

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


LOWER_IS_BETTER = ("below", "at_most")  # thresholds met under the target: the warning band lies below it


@functools.lru_cache(maxsize=1024)
def _band_edge(must_be: str, target: float, warn_within: float) -> Decimal:
    """The far edge of a threshold's warning band, in decimal (2% − 0.5% = exactly 1.5%)."""
    if must_be in LOWER_IS_BETTER:
        return exact(target) - exact(warn_within)
    return exact(target) + exact(warn_within)


class Refusal(msgspec.Struct, frozen=True):
    """A case the platform takes no appeal from: the condition, and the message that says so."""

    when: "Condition"
    message: str


class Closing(msgspec.Struct, frozen=True):
    """The deadline after which the platform takes no appeal, and the messages about it."""

    deadline: str
    refusal: str  # refuses a letter once the date has passed
    reminder: str  # the web workspace's line for the date


class PartsRule(msgspec.Struct, frozen=True):
    """A rate the platform wants answered part by part, and the note for a part left unexplained."""

    rate: str
    parts: Tuple[str, ...]
    note: str


class Letters(msgspec.Struct, frozen=True):
    """What a platform's appeal route takes (``letters`` in platforms.yaml): its messages and the
    deadlines and conditions a letter follows."""

    messages: Tuple[str, ...] = ()
    follow_up: Optional[str] = None  # deadline ids
    review: Optional[str] = None
    invoice: Optional[str] = None
    closes: Optional[Closing] = None
    refused: Tuple[Refusal, ...] = ()
    parts: Tuple[PartsRule, ...] = ()


class Platform(msgspec.Struct, frozen=True):
    id: str
    name: Text
    appeal: Optional[Text]
    thresholds: Tuple[Threshold, ...]
    where: Where
    letters: Letters = msgspec.field(default_factory=Letters)


class Remedy(msgspec.Struct, frozen=True):
    id: str
    kind: str
    text: Text
    letter: Optional[Text]
    sources: Tuple[str, ...]
    where: Where
    fit: "Fit" = msgspec.field(default_factory=lambda: Fit())  # the cases it suits
    plan: Optional[Text] = None  # the seller's dated commitment to it, worded to follow "By <date>,"


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
    evidence_after: Tuple[Tuple[str, ...], ...] = ()  # one per document: the remedies it is the result of


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

    def suits(self, facts: Dict[str, Any], platform: Optional[str]) -> bool:
        """Whether nothing in the case contradicts the item: :meth:`conflicts` finds nothing."""
        if self.platforms and platform is not None and platform not in self.platforms:
            return False
        return (all(c.matches(facts) for c in self.needs if c.name in facts)
                and not any(c.matches(facts) for c in self.excludes))

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
    settings: Dict[str, Any] = msgspec.field(default_factory=dict)  # "interview.margin" -> 2.0
    files: Tuple[str, ...] = ()
    warnings: List[Finding] = msgspec.field(default_factory=list)
    computed_rates: Tuple[str, ...] = ()  # the facts computed from two counts (``computed_from``), in order

    def message(self, message_id: str, lang: str, **values: Any) -> str:
        """Interface text ``message_id`` in ``lang`` with ``{name}`` placeholders filled in."""
        if message_id not in self.messages:
            raise KnowledgeBaseError(f"the knowledge base has no message '{message_id}' "
                                     "(the shipped ones are in knowledge/messages.yaml and interview.yaml)")
        text = self.messages[message_id].text
        return (text.get(lang) or text["en"]).format(**values)

    def setting(self, name: str) -> Any:
        """The value of setting ``name`` (``interview.margin``): the loader makes sure each is set."""
        if name not in self.settings:
            raise KnowledgeBaseError(f"the knowledge base has no setting '{name}'")
        return self.settings[name]

    def term_of(self, fact_id: str, lang: str) -> Optional[str]:
        """The term naming fact ``fact_id`` in ``lang``: its glossary term's, else the fact's own
        ``term`` (a short Chinese name); None if neither says it in ``lang``."""
        for term in self.glossary.values():
            if fact_id in term.facts:
                return say(term.text, lang)
        fact = self.facts.get(fact_id)
        return fact.term.get(lang) if fact is not None and fact.term else None

    def fact_label(self, fact_id: str, lang: str) -> str:
        """What people are shown for fact ``fact_id`` in ``lang``: its term (``配送前取消率``, ``迟发订单数``),
        else its question in quotation marks; the id itself only for a fact the vocabulary lacks."""
        term = self.term_of(fact_id, lang)
        if term:
            return term
        fact = self.facts.get(fact_id)
        return quote(say(fact.question, lang), lang) if fact else fact_id

    def unit_words(self, fact: Fact, lang: str) -> str:
        """Fact ``fact``'s unit in ``lang`` (the catalogue's ``unit.*``; ``%`` and others as they are)."""
        message_id = "unit." + fact.unit.replace(" ", "_")
        return self.message(message_id, lang) if message_id in self.messages else fact.unit

    def operator_words(self, op: str, lang: str) -> str:
        """How the operator ``op`` (``at_most``) reads in ``lang``."""
        return TABLE[op].words(self.messages, lang)

    def thresholds(self, platform: str) -> Tuple[Threshold, ...]:
        return self.platforms[platform].thresholds if platform in self.platforms else ()

    def counts_window(self, rate_id: str) -> Optional[Text]:
        """The window the counts behind computed rate ``rate_id`` span: the one its counts declare
        (the loader makes both agree), else the rate's own window."""
        fact = self.facts[rate_id]
        parts = [self.facts[p].window for p in fact.computed_from or () if p in self.facts]
        return next((window for window in parts if window), fact.window)

    def rate_from_counts(self, platform: Any, rate_id: str) -> bool:
        """Whether ``rate_id`` may be computed from its counts for a seller on ``platform``: every
        threshold the platform sets on it is measured over the counts' window, or it sets none
        (the ratio is then the counts' own window's rate, stated as such); counts without a window
        give no rate a threshold judges. Walmart judges its cancel rate over 30 days, so 7-day
        counts give no rate there; an unknown platform gives none."""
        if not isinstance(platform, str) or platform not in self.platforms or not self.facts[rate_id].computed_from:
            return False
        counted = say(self.counts_window(rate_id), "en")
        judged = [say(t.window, "en") for t in self.thresholds(platform) if t.metric == rate_id]
        return all(window == counted for window in judged) if counted else not judged

    def window_of(self, platform: Any, fact_id: str) -> Optional[Text]:
        """The window a seller on ``platform`` should read fact ``fact_id`` over: the one of the
        platform's thresholds on it when they share one, else the vocabulary's."""
        windows = {say(t.window, "en"): t.window for t in self.thresholds(platform) if t.metric == fact_id} \
            if isinstance(platform, str) else {}
        return next(iter(windows.values())) if len(windows) == 1 else self.facts[fact_id].window

    def rules_for(self, platform: str) -> List[Rule]:
        return [rule for rule in self.rules.values() if rule.applies_to(platform) and rule.status != "deprecated"]


def suggest(name: str, known: Iterable[str], bare: bool = False) -> str:
    """A "did you mean" tail for an unknown name (with ``bare``, only the close name), or ""."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
    if bare or not close:
        return close[0] if close else ""
    return f"; did you mean '{close[0]}'?"
