"""Forward chaining on durable-rules. The only module that imports durable-rules.

One :class:`Engine` per loaded knowledge base (a registered ruleset can never change, so a
new knowledge base means new rulesets). The engine talks to durable-rules' C extension
directly: its Python ``Host`` writes JSON with ``json.dumps``, whose floats the C parser
misreads (see :func:`engine_json`). Each diagnosis is one session (``sid``): the seller's
facts are asserted in one batch, rules fire and assert derived symptoms back, and every
firing is recorded with the facts that satisfied it. The engine runs the actions itself,
one at a time in the calling thread. Afterwards every fact the diagnosis asserted is
retracted and the emptied session is kept for the next one (creating a session costs more
than a diagnosis); if anything is left, it is deleted, and a diagnosis interrupted by any
exception (Ctrl-C included) has its session deleted before the next one starts. An exception
in an action or an error code from the engine becomes an :class:`InferenceError`: never a
partial diagnosis; the rulesets it happened in are then created afresh, since the C core's
state after a failure is not to be trusted.
"""
from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import msgspec

from .compiler import (ABSENCE_PREFIX, HANG_AT, PLATFORM_FACT, SYMPTOM_PREFIX, WARM_UP, CompiledPlatform, Condition,
                       absence_key, compile_platform, engine_facts, fact_name, property_value_counts, symptom_key)
from .errors import InferenceError, KnowledgeBaseError
from .operators import TABLE
from .knowledge import KnowledgeBase
from .vocabulary import MAX_MAGNITUDE, Fact, ValueProblem, coerce, fold


LIVE_SID = "live"  # the one session each ruleset keeps (see Engine._clear_session)


class Firing(msgspec.Struct, frozen=True):
    """One rule firing: the rule and the facts and symptoms that satisfied it."""

    rule: str
    facts: Tuple[Tuple[str, Any], ...]
    symptoms: Tuple[str, ...]


_ABSENT = object()


class _Check(NamedTuple):
    """The seller-fact conditions of one rule (of one alternative, in a ``when_any`` rule) as
    ``(fact name, test, value, negated)``, and the engine facts its patterns bind when they all
    hold: ``(fact name, condition)``, or ``(absence marker id, None)`` for a negated condition."""

    tests: Tuple[Tuple[str, Callable[[Any, Any], bool], Any, bool], ...]
    binds: Tuple[Tuple[str, Optional[Condition]], ...]

    @classmethod
    def of(cls, conditions: List[Condition]) -> "_Check":
        return cls(tuple((c.name, TABLE[c.op].test, c.value, c.negated) for c in conditions),
                   tuple((absence_key(c), None) if c.negated else (c.name, c) for c in conditions))

    def holds(self, values: Dict[str, Any]) -> bool:
        """Whether every condition holds for ``values`` (a negated one: its positive form does not),
        as :meth:`Condition.matches` decides; a value of another kind than the rule compares it
        with counts as a match (the core decides)."""
        for name, test, target, negated in self.tests:
            value = values.get(name, _ABSENT)
            if value is _ABSENT:
                if not negated:
                    return False
                continue
            try:
                found = any(test(one, target) for one in value) if type(value) is tuple else test(value, target)
            except TypeError:
                found = True
            if found == negated:
                return False
        return True


def _fact_condition_groups(compiled: CompiledPlatform) -> List[List[Condition]]:
    """The seller-fact conditions that must hold together for a rule to fire: a ``when`` rule's
    (those its platform settles left out), or each of a ``when_any`` rule's on its own."""
    groups = []
    for rule_id, rule in compiled.rules.items():
        settled = compiled.settled.get(rule_id, ())
        facts = [condition for index, condition in enumerate(rule.conditions)
                 if condition.kind == "fact" and index not in settled]
        if rule.match == "all" and facts:
            groups.append(facts)
        elif rule.match != "all":
            groups += [[one] for one in facts]
    return groups


def _index_key(condition: Condition) -> Any:
    """Where a check needing ``condition`` is filed: under the fact and its value for ``is``, else the fact."""
    return (condition.name, condition.value) if condition.op == "is" else condition.name


class _Feed(msgspec.Struct, frozen=True):
    """What a ruleset is fed, prepared once: each tested fact's JSON up to its value, each absence
    marker's JSON whole, and each rule's seller-fact conditions, indexed by one fact they need.

    The seller's facts never change during a session, so whether a rule's conditions on them hold
    is known before the session starts; only its symptom conditions wait for other firings. A fact
    (or absence marker) that no rule with all its fact conditions met would bind changes no firing,
    while the C core would still store it and run it through its network, so it is not asserted:
    on the benchmark's shops that leaves about a fifth of the facts, and 60% at 70 facts.
    """

    fact_prefixes: Dict[str, str]
    absences: Dict[str, str]  # marker id -> its JSON
    checks_by_key: Dict[Any, Tuple[_Check, ...]]  # by a fact a check needs known, or (fact, value) it needs
    always_checked: Tuple[_Check, ...]  # checks needing no fact known (negated conditions only)
    concludes: Dict[str, Optional[str]]  # rule id -> the JSON of the symptom fact its firing asserts, if any
    settled_facts: Dict[str, Dict[str, dict]]  # rule id -> its settled conditions' aliases, as bound facts

    @classmethod
    def of(cls, compiled: CompiledPlatform) -> "_Feed":
        head = '{"sid":' + _encode_plain(LIVE_SID) + ',"id":'
        groups = _fact_condition_groups(compiled)
        tested = Counter(_index_key(condition) for conditions in groups for condition in conditions
                         if not condition.negated)
        by_key: Dict[Any, List[_Check]] = {}
        always: List[_Check] = []
        for conditions in groups:  # indexed by the fact (or fact and value) fewest checks need, tested first
            key = min((c for c in conditions if not c.negated), key=lambda c: tested[_index_key(c)], default=None)
            if key is None:
                always.append(_Check.of(conditions))
            else:
                by_key.setdefault(_index_key(key), []).append(_Check.of([key, *(c for c in conditions if c is not key)]))
        def marker(key: str) -> str:
            return f'{head}{_encode_plain(key)},{_encode_plain(key)}:true}}'

        symptoms = {name: marker(symptom_key(name)) for name in compiled.tested_symptoms}
        return cls({name: f'{head}{_encode_plain(name)},{_encode_plain(name)}:' for name in compiled.tested_facts},
                   {key: marker(key) for key in compiled.absences},
                   {key: tuple(checks) for key, checks in by_key.items()}, tuple(always),
                   {rule_id: symptoms.get(rule.conclusion[1]) if rule.conclusion[0] == "symptom" else None
                    for rule_id, rule in compiled.rules.items()},
                   {rule_id: {f"p{index}": {"id": name} for index in settled
                              for name in [compiled.rules[rule_id].conditions[index].name]}
                    for rule_id, settled in compiled.settled.items()})

    def wanted(self, values: Dict[str, Any]) -> Dict[str, List[Condition]]:
        """The engine facts worth asserting for ``values``: each fact name (with the conditions
        that would bind it) and each absence marker id (with none), in no particular order."""
        found: Dict[str, List[Condition]] = {}
        for check in self._candidates(values):
            if check.holds(values):
                for bound, condition in check.binds:
                    found.setdefault(bound, []).append(condition)
        return found

    def _candidates(self, values: Dict[str, Any]) -> Iterator[_Check]:
        """The checks filed under a fact ``values`` gives or one of its values, and those needing none."""
        checks = self.checks_by_key
        for name, value in values.items():
            yield from checks.get(name, ())
            for one in value if type(value) is tuple else (value,):
                yield from checks.get((name, one), ())
        yield from self.always_checked


class _Session(msgspec.Struct):
    feed: _Feed
    values: Dict[str, Any]  # the typed facts, as given (the engine sees them through engine_json())
    firings: List[Firing] = msgspec.field(default_factory=list)
    asserted_symptoms: set = msgspec.field(default_factory=set)  # their JSON
    failure: Optional[Tuple[str, BaseException]] = None


def _durable() -> Any:
    """durable-rules' C extension (imported when the first engine is made)."""
    import durable_rules_engine

    return durable_rules_engine


def engine_number(number: float) -> str:
    """A float as JSON durable-rules' C parser reads as that very float.

    Its parser (``getNumber`` in ``json.c``) takes an exponent only after a decimal point:
    ``5e-324``, as Python writes it, is read as the integer 5 followed by garbage (a crash).
    ``repr`` gives the shortest text that reads back exactly; a bare mantissa gains ``.0``
    (``5.0e-324``), which the parser's ``atof`` reads as the same float.
    """
    text = repr(number)
    mantissa, exponent, power = text.partition("e")
    if exponent and "." not in mantissa:
        return f"{mantissa}.0e{power}"
    return text


_encode_plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def engine_json(value: Any) -> str:
    """``value`` (dicts, lists, text, numbers, booleans) as JSON for durable-rules' C core;
    floats are written by :func:`engine_number`."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_encode_plain(str(key))}:{engine_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(engine_json(item) for item in value) + "]"
    if isinstance(value, float):
        return engine_number(value)
    return _encode_plain(value)


_SCALARS = {bool: lambda value: "true" if value else "false", int: int.__repr__, float: engine_number,
            str: json.encoder.encode_basestring}  # exactly engine_json's text for these types


def _scalar_json(value: Any) -> str:
    """:func:`engine_json` of one value, without its recursion for the usual scalar types."""
    write = _SCALARS.get(type(value))
    return write(value) if write is not None else engine_json(value)


def _typed_check(fact: Fact) -> Callable[[Any], bool]:
    """A quick test that passes only values :func:`coerce` accepts for ``fact`` unchanged in kind
    (a value already typed by validation); any other value goes through ``coerce`` itself."""
    kind = fact.type
    if kind == "bool":
        return lambda value: type(value) is bool
    if kind == "choice":
        plain = frozenset(value for value in fact.choice_values if fold(value) == value)
        return lambda value: type(value) is str and value in plain
    if kind == "rate":
        return lambda value: type(value) is float and 0.0 <= value <= 1.0
    if kind in ("number", "count"):
        low = fact.minimum if fact.minimum is not None else (0 if kind == "count" else -math.inf)
        high = fact.maximum if fact.maximum is not None else math.inf
        low, high = max(low, -MAX_MAGNITUDE), min(high, MAX_MAGNITUDE)
        if kind == "count":
            return lambda value: type(value) is int and low <= value <= high
        return lambda value: type(value) in (int, float) and low <= value <= high
    return lambda value: False  # text and dates: always coerced


class Engine:
    """Runs diagnoses against one knowledge base. Thread-safe; sessions never share facts."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.compiled: Dict[str, CompiledPlatform] = {}  # by platform, compiled when first used
        self._feeds: Dict[str, _Feed] = {}  # by platform, with its compiled ruleset
        self._quick_checks = {name: _typed_check(fact) for name, fact in kb.facts.items()}
        self._handles: Dict[str, int] = {}  # ruleset name -> its handle in the C core
        self._c = _durable()
        self._session: Optional[_Session] = None  # the one running session (sessions run one at a time)
        self._lock = threading.Lock()
        self._unfinished: Optional[int] = None  # the handle of a session a diagnosis has not cleared

    def _fail(self, message: str, rule_id: Optional[str] = None) -> InferenceError:
        """The error for a failed session; the next session gets freshly created rulesets."""
        self._handles = {}
        self._unfinished = None
        return InferenceError(message, rule_id)

    def _checked(self, name: str, value: Any) -> Any:
        """``value`` if coercion accepts it and would keep its kind (number, yes/no or text): the C
        core crashes on some values (an infinite float) and compares others wrongly (a string
        with a number). A value validation already typed passes a quick test instead."""
        quick = self._quick_checks.get(name)
        if quick is not None and quick(value):
            return value
        try:
            typed = coerce(self.kb.facts[name], value)
        except (KeyError, ValueProblem) as exc:
            raise InferenceError(f"the rule engine rejects the fact {name}={_short(value)}: {exc}") from None
        if isinstance(typed, bool) != isinstance(value, bool) or isinstance(typed, str) != isinstance(value, str):
            raise InferenceError(f"the rule engine rejects the fact {name}={_short(value)}: not a typed value")
        return typed if isinstance(typed, tuple) else value

    def _ruleset(self, platform: str) -> Optional[Tuple[CompiledPlatform, int]]:
        """The platform's ruleset and its handle, compiled and created on first use."""
        compiled = self.compiled.get(platform)
        if compiled is None and platform in self.kb.platforms:
            compiled = self.compiled[platform] = compile_platform(self.kb, platform)
            self._feeds[platform] = _Feed.of(compiled)
        if compiled is None:
            return None
        handle = self._handles.get(compiled.name)
        if handle is None:
            _refuse_what_would_hang(self.kb, platform)
            try:
                handle = self._c.create_ruleset(compiled.name, engine_json(compiled.ruleset))
            except Exception as exc:  # its own limits: a knowledge problem, told with what the code means
                code = re.search(r"error code: (\d+)", str(exc))
                meaning = ENGINE_CODES.get(code.group(1)) if code else None
                raise KnowledgeBaseError(f"the rule engine rejected the rules for {platform}: {_describe(exc)}"
                                         + (f": {meaning}" if meaning else "")) from None
            try:
                self._warm_up(handle)
            except Exception as exc:
                raise InferenceError(f"the rule engine failed its first run for {platform}: {_describe(exc)}") from None
            self._handles[compiled.name] = handle
        return compiled, handle

    def prepare(self, platform: str) -> None:
        """Compile and create the platform's ruleset now; raise :class:`KnowledgeBaseError` if the
        engine refuses it or would hang creating it (its limits: durable-rules-notes §2.8)."""
        with self._lock:
            self._ruleset(platform)

    def _warm_up(self, handle: int) -> None:
        """Run one action in the session diagnoses will reuse, then empty it. durable-rules 2.0.28
        leaves a fresh session slot's action context uninitialised and frees it in
        ``delete_state``: a crash when a session in which no action ran is deleted. Once an
        action has run in the slot, its context is reset, and sessions run one at a time, so
        they always reuse that slot. Creating a session costs more than a diagnosis, so the first
        diagnosis finds this one ready."""
        fact = engine_json({"sid": LIVE_SID, "id": WARM_UP})
        state = _accepted(self._c.assert_facts(handle, "[" + fact + "]"), fact)
        started = self._c.start_action_for_state(handle, state)
        while started:
            started = self._c.complete_and_start_action(handle, state)
        self._clear_session(handle, [fact], set())

    def _run_session(self, handle: int, session: _Session, batch: str) -> None:
        """Assert ``batch`` (JSON) and run every action it leads to, in this thread, one at a time."""
        engine = self._c
        state = _accepted(engine.assert_facts(handle, batch), batch)
        started = engine.start_action_for_state(handle, state)
        pending = _decode(started[1]) if started else None
        while pending:
            rule_id, matched = next(iter(pending.items()))
            try:
                self._fire(rule_id, matched, handle)
            except BaseException as exc:
                engine.abandon_action(handle, state)
                session.failure = (rule_id, exc)
                raise
            following = engine.complete_and_start_action(handle, state)
            pending = _decode(following) if following else None

    def _fire(self, rule_id: str, matched: Any, handle: int) -> None:
        """Record one firing; assert the symptom it concludes if some rule tests it."""
        session = self._session
        facts, symptoms, values, feed = [], [], session.values, session.feed
        bound = matched if isinstance(matched, dict) else {}
        settled = feed.settled_facts.get(rule_id)
        if settled:  # conditions the ruleset's platform meets bind the platform fact, as a pattern would
            bound = {**bound, **settled}
        for alias in sorted(bound):
            fact = bound[alias]
            name = fact["id"]
            if name.startswith(ABSENCE_PREFIX):
                continue  # a negated condition binds no fact
            if name.startswith(SYMPTOM_PREFIX):
                symptoms.append(name[len(SYMPTOM_PREFIX):])
            else:  # the seller's value as given: all of a fact's choices, whichever of them matched
                name = fact_name(name)
                facts.append((name, values[name] if name in values else fact[name]))
        session.firings.append(Firing(rule_id, tuple(facts), tuple(symptoms)))
        symptom = feed.concludes[rule_id]
        if symptom is not None and symptom not in session.asserted_symptoms:
            session.asserted_symptoms.add(symptom)
            _accepted(self._c.assert_fact(handle, symptom), symptom)

    def infer(self, platform: str, facts: Dict[str, Any]) -> List[Firing]:
        """Run one session for ``platform`` on typed ``facts``; return every firing in order."""
        with self._lock:
            if self._unfinished is not None:  # a diagnosis was interrupted (Ctrl-C): delete its session
                self._discard_session(self._unfinished)
                self._unfinished = None
            found = self._ruleset(platform)
            if found is None:
                raise InferenceError(f"no ruleset for platform '{platform}'")
            _, handle = found
            if facts.get(PLATFORM_FACT) != platform:  # the ruleset takes its platform's tests as met
                raise InferenceError(f"the facts are for platform {_short(facts.get(PLATFORM_FACT))}, "
                                     f"not for the ruleset of '{platform}'")
            feed = self._feeds[platform]
            session = _Session(feed, facts)
            self._session = session
            prefixes, checked = feed.fact_prefixes, self._checked
            values = {name: checked(name, value) for name, value in facts.items() if name in prefixes}
            wanted, batch = feed.wanted(values), []
            for name in sorted(wanted):
                value = values.get(name)
                if name not in values:  # an absence marker
                    batch.append(feed.absences[name])
                elif type(value) is tuple:  # several choices: one engine fact each, those a rule binds
                    batch += [engine_json({"sid": LIVE_SID, **one}) for one in engine_facts(name, value)
                              if any(_Check.of([condition]).holds({name: one[name]}) for condition in wanted[name])]
                else:
                    batch.append(prefixes[name] + _scalar_json(value) + "}")
            self._unfinished = handle  # until the session is cleared again; see above
            try:
                if batch:
                    self._run_session(handle, session, "[" + ",".join(batch) + "]")
            except Exception as exc:
                self._discard_session(handle)
                if session.failure is None:
                    raise self._fail(f"the rule engine failed: {_describe(exc)}") from None
            else:
                if batch:
                    self._clear_session(handle, batch, session.asserted_symptoms)
            finally:
                self._session = None
            self._unfinished = None
            if session.failure is not None:
                rule_id, exc = session.failure
                raise self._fail(f"rule '{rule_id}' failed inside the engine: {_describe(exc)}", rule_id)
            return session.firings

    def _clear_session(self, handle: int, batch: List[str], symptoms: set) -> None:
        """Retract everything the diagnosis asserted, so the next one starts from an empty session.

        Creating and deleting a session costs more than the diagnosis itself (durable-rules
        allocates state for every rule of the ruleset), so one session per ruleset is kept and
        emptied. If anything is left afterwards (a fact, a pending action), the session is
        deleted instead: a diagnosis never sees another's facts.
        """
        asserted = batch + sorted(symptoms)
        try:
            state = self._c.retract_facts(handle, "[" + ",".join(asserted) + "]")
            left_over = self._c.start_action_for_state(handle, state[1]) if state and state[0] == 0 else True
            remaining = [f for f in _decode(self._c.get_facts(handle, LIVE_SID)) if "$s" not in f]
            if left_over or remaining:  # "$s" marks the session's own state fact
                self._discard_session(handle)
        except Exception:
            self._discard_session(handle)

    def _discard_session(self, handle: int) -> None:
        try:
            self._c.delete_state(handle, LIVE_SID)
        except Exception:
            pass  # there was no session: nothing is left to clean


_decode = msgspec.json.Decoder().decode  # what the C core reports: its facts as JSON


def _accepted(result: Any, facts: Any) -> int:
    """The state handle from an assert call; durable-rules' result codes become exceptions."""
    if result[0] == 1:
        raise InferenceError(f"no rule pattern handles {str(facts)[:200]}")
    if result[0] == 2:
        raise InferenceError(f"the engine had already observed {str(facts)[:200]}")
    return 0 if result[0] == 3 else result[1]  # as durable.engine.Ruleset._handle_result


ENGINE_CODES = {  # what durable-rules' error codes at ruleset creation mean (docs: durable-rules-notes §2.8)
    "108": "more rules share one condition than the engine can join, 255 at most in a platform's ruleset; "
           "merge such rules or make their conditions differ",
}


def _refuse_what_would_hang(kb: KnowledgeBase, platform: str) -> None:
    """A :class:`KnowledgeBaseError` instead of a ruleset durable-rules would never finish creating."""
    for what, count in property_value_counts(kb, platform):
        if count >= HANG_AT:
            raise KnowledgeBaseError(f"the rules for {platform} test {count} different {what}; the rule engine "
                                     f"hangs creating a ruleset that tests {HANG_AT} or more: split such rules or "
                                     "test ranges instead")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _short(value: Any) -> str:
    if isinstance(value, int) and abs(value) > 10 ** 15:  # repr() refuses ints of 4,300+ digits
        return "a huge number"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

