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
import threading
from typing import Any, Dict, List, Optional, Tuple

import msgspec

from .compiler import (ABSENCE_PREFIX, FACT_NAME, SYMPTOM_PREFIX, WARM_UP, CompiledPlatform, compile_platform, engine_facts,
                       symptom_key)
from .errors import InferenceError
from .knowledge import KnowledgeBase
from .vocabulary import ValueProblem, coerce


LIVE_SID = "live"  # the one session each ruleset keeps (see Engine._clear_session)


class Firing(msgspec.Struct, frozen=True):
    """One rule firing: the rule and the facts and symptoms that satisfied it."""

    rule: str
    facts: Tuple[Tuple[str, Any], ...]
    symptoms: Tuple[str, ...]


class _Session(msgspec.Struct):
    compiled: CompiledPlatform
    values: Dict[str, Any]  # the typed facts, as given (the engine sees them through engine_json())
    firings: List[Firing] = msgspec.field(default_factory=list)
    asserted_symptoms: set = msgspec.field(default_factory=set)
    failure: Optional[Tuple[str, BaseException]] = None


def _durable():
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


class Engine:
    """Runs diagnoses against one knowledge base. Thread-safe; sessions never share facts."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.compiled: Dict[str, CompiledPlatform] = {}  # by platform, compiled when first used
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
        with a number)."""
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
        if compiled is None:
            return None
        handle = self._handles.get(compiled.name)
        if handle is None:
            try:
                handle = self._c.create_ruleset(compiled.name, engine_json(compiled.ruleset))
                self._warm_up(handle)
            except Exception as exc:
                raise InferenceError(f"the rule engine rejected the rules for {platform}: {_describe(exc)}") from None
            self._handles[compiled.name] = handle
        return compiled, handle

    def prepare(self, platform: str) -> None:
        """Compile and create the platform's ruleset now; raise :class:`InferenceError` if the
        engine refuses it (e.g. error 108: more rules than its beta network holds)."""
        with self._lock:
            self._ruleset(platform)

    def _warm_up(self, handle: int) -> None:
        """Run one action in a throw-away session. durable-rules 2.0.28 leaves a fresh session
        slot's action context uninitialised and frees it in ``delete_state``: a crash when a
        session in which no action ran is deleted. Once an action has run in the slot, its
        context is reset, and sessions run one at a time, so they always reuse that slot."""
        fact = {"sid": WARM_UP, "id": WARM_UP}
        state = _accepted(self._c.assert_facts(handle, engine_json([fact])), fact)
        started = self._c.start_action_for_state(handle, state)
        while started:
            started = self._c.complete_and_start_action(handle, state)
        self._c.get_state(handle, WARM_UP)
        self._c.delete_state(handle, WARM_UP)

    def _run_session(self, handle: int, sid: str, session: _Session, batch: List[dict]) -> None:
        """Assert ``batch`` and run every action it leads to, in this thread, one at a time."""
        engine = self._c
        state = _accepted(engine.assert_facts(handle, engine_json(batch)), batch)
        started = engine.start_action_for_state(handle, state)
        pending = json.loads(started[1]) if started else None
        while pending:
            rule_id, matched = next(iter(pending.items()))
            try:
                self._fire(sid, rule_id, matched, handle)
            except BaseException as exc:
                engine.abandon_action(handle, state)
                session.failure = (rule_id, exc)
                raise
            following = engine.complete_and_start_action(handle, state)
            pending = json.loads(following) if following else None

    def _fire(self, sid: str, rule_id: str, matched: Any, handle: int) -> None:
        """Record one firing; assert the symptom it concludes if some rule tests it."""
        session = self._session
        facts, symptoms = [], []
        for alias in sorted(matched if isinstance(matched, dict) else ()):
            fact = matched[alias]
            if fact["id"].startswith(ABSENCE_PREFIX):
                continue  # a negated condition binds no fact
            if fact["id"].startswith(SYMPTOM_PREFIX):
                symptoms.append(fact["id"][len(SYMPTOM_PREFIX):])
            else:  # the seller's value as given: all of a fact's choices, whichever of them matched
                facts.append((fact[FACT_NAME], session.values.get(fact[FACT_NAME], fact["v"])))
        session.firings.append(Firing(rule_id, tuple(facts), tuple(symptoms)))
        kind, target = session.compiled.rules[rule_id].conclusion
        if kind == "symptom" and target in session.compiled.tested_symptoms and target not in session.asserted_symptoms:
            session.asserted_symptoms.add(target)
            symptom = {"id": symptom_key(target), "v": True, "sid": sid}
            _accepted(self._c.assert_fact(handle, engine_json(symptom)), symptom)

    def infer(self, platform: str, facts: Dict[str, Any]) -> List[Firing]:
        """Run one session for ``platform`` on typed ``facts``; return every firing in order."""
        with self._lock:
            if self._unfinished is not None:  # a diagnosis was interrupted (Ctrl-C): delete its session
                self._discard_session(self._unfinished)
                self._unfinished = None
            found = self._ruleset(platform)
            if found is None:
                raise InferenceError(f"no ruleset for platform '{platform}'")
            compiled, handle = found
            session = _Session(compiled, facts)
            self._session = session
            batch = [{"sid": LIVE_SID, **fact} for name, value in sorted(facts.items()) if name in compiled.tested_facts
                     for fact in engine_facts(name, self._checked(name, value))]
            batch += [{"sid": LIVE_SID, "id": key, "v": True}
                      for key, condition in sorted(compiled.absences.items()) if not condition.matches(facts)]
            self._unfinished = handle  # until the session is cleared again; see above
            try:
                if batch:
                    self._run_session(handle, LIVE_SID, session, batch)
            except Exception as exc:
                self._discard_session(handle)
                if session.failure is None:
                    raise self._fail(f"the rule engine failed: {_describe(exc)}") from None
            else:
                if batch:
                    self._clear_session(handle, batch, session)
            finally:
                self._session = None
            self._unfinished = None
            if session.failure is not None:
                rule_id, exc = session.failure
                raise self._fail(f"rule '{rule_id}' failed inside the engine: {_describe(exc)}", rule_id)
            return session.firings

    def _clear_session(self, handle: int, batch: List[dict], session: _Session) -> None:
        """Retract everything the diagnosis asserted, so the next one starts from an empty session.

        Creating and deleting a session costs more than the diagnosis itself (durable-rules
        allocates state for every rule of the ruleset), so one session per ruleset is kept and
        emptied. If anything is left afterwards (a fact, a pending action), the session is
        deleted instead: a diagnosis never sees another's facts.
        """
        asserted = batch + [{"sid": LIVE_SID, "id": symptom_key(s), "v": True} for s in sorted(session.asserted_symptoms)]
        try:
            state = self._c.retract_facts(handle, engine_json(asserted))
            left_over = self._c.start_action_for_state(handle, state[1]) if state and state[0] == 0 else True
            remaining = [f for f in json.loads(self._c.get_facts(handle, LIVE_SID)) if "$s" not in f]
            if left_over or remaining:  # "$s" marks the session's own state fact
                self._discard_session(handle)
        except Exception:
            self._discard_session(handle)

    def _discard_session(self, handle: int) -> None:
        try:
            self._c.delete_state(handle, LIVE_SID)
        except Exception:
            pass  # there was no session: nothing is left to clean


def _accepted(result, facts) -> int:
    """The state handle from an assert call; durable-rules' result codes become exceptions."""
    if result[0] == 1:
        raise InferenceError(f"no rule pattern handles {str(facts)[:200]}")
    if result[0] == 2:
        raise InferenceError(f"the engine had already observed {str(facts)[:200]}")
    return 0 if result[0] == 3 else result[1]  # as durable.engine.Ruleset._handle_result


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _short(value: Any) -> str:
    if isinstance(value, int) and abs(value) > 10 ** 15:  # repr() refuses ints of 4,300+ digits
        return "a huge number"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

