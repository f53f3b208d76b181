"""Forward chaining on durable-rules. The only module that imports ``durable``.

One :class:`Engine` per loaded knowledge base (a registered ruleset can never change, so a
new knowledge base means a new Host). Each diagnosis is one session (``sid``): the seller's
facts are asserted in one batch, rules fire and assert derived symptoms back, and every
firing is recorded with the facts that satisfied it. The session's state is deleted
afterwards. Anything the engine swallows (an exception in an action, an error code in the
session state) becomes an :class:`InferenceError`: never a partial diagnosis.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from .compiler import (SINK_RULE, SYMPTOM_PREFIX, WARMUP_RULE, CompiledPlatform, compile_knowledge, engine_value,
                       symptom_key)
from .errors import InferenceError
from .knowledge import KnowledgeBase
from .vocabulary import ValueProblem, coerce


@dataclass(frozen=True)
class Firing:
    """One rule firing: the rule and the facts and symptoms that satisfied it."""

    rule: str
    facts: Tuple[Tuple[str, Any], ...]
    symptoms: Tuple[str, ...]


@dataclass
class _Session:
    compiled: CompiledPlatform
    values: Dict[str, Any]  # the typed facts, as given (the engine may see engine_value() of them)
    firings: List[Firing] = field(default_factory=list)
    asserted_symptoms: set = field(default_factory=set)
    failure: Optional[Tuple[str, BaseException]] = None


def _host_class():
    from durable import engine as durable_engine

    class QuietHost(durable_engine.Host):
        """A Host that starts no timer threads: we use no timers, and the dispatcher threads
        race with synchronous sessions (error 307, see durable-rules-notes.md)."""

        def __init__(self, actions: Dict[str, Callable]):
            self._our_actions = actions
            super().__init__()

        def _run(self):  # no background dispatch threads
            return None

        def get_action(self, action_name):
            return self._our_actions[action_name]

    return QuietHost, durable_engine


class Engine:
    """Runs diagnoses against one knowledge base. Thread-safe; sessions never share facts."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.compiled = compile_knowledge(kb)
        host_class, self._durable = _host_class()
        actions: Dict[str, Callable] = {SINK_RULE: _sink, WARMUP_RULE: _sink}
        for compiled in self.compiled.values():
            for rule_id in compiled.rules:
                actions.setdefault(rule_id, self._action(rule_id))
        self._host = host_class(actions)
        # set_rulesets deletes "run" from the dicts it is given: hand it copies
        self._host.set_rulesets({c.name: _copy(c.ruleset) for c in self.compiled.values()})
        self._sessions: Dict[str, _Session] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._warm_up()

    def _warm_up(self) -> None:
        """Fire one rule in every ruleset before the first diagnosis.

        durable-rules 2.0.28 crashes the process (SIGSEGV in ``delete_state``) when a session
        of a ruleset in which no rule has ever fired is deleted while it holds a partial match.
        """
        for compiled in self.compiled.values():
            self._host.assert_fact(compiled.name, {"sid": "warmup", "id": WARMUP_RULE})
            self._host.delete_state(compiled.name, "warmup")

    def _action(self, rule_id: str) -> Callable:
        def fire(c):
            session = self._sessions[c.s.sid]
            try:
                matched = dict(c._m) if isinstance(getattr(c, "_m", None), dict) else {}
                facts, symptoms = [], []
                for alias in sorted(matched):
                    fact = matched[alias]
                    if fact["id"].startswith(SYMPTOM_PREFIX):
                        symptoms.append(fact["id"][len(SYMPTOM_PREFIX):])
                    else:
                        facts.append((fact["id"], session.values.get(fact["id"], fact["v"])))
                session.firings.append(Firing(rule_id, tuple(facts), tuple(symptoms)))
                kind, target = session.compiled.rules[rule_id].conclusion
                if kind == "symptom" and target in session.compiled.tested_symptoms \
                        and target not in session.asserted_symptoms:
                    session.asserted_symptoms.add(target)
                    c.assert_fact({"id": symptom_key(target), "v": True})
            except BaseException as exc:  # the engine would swallow it: keep it for the caller
                if session.failure is None:
                    session.failure = (rule_id, exc)
                raise
        return fire

    def _checked(self, name: str, value: Any) -> Any:
        """``value`` if it is exactly what coercion would give for the fact; the C core crashes
        on some values (an infinite float) and compares others wrongly (a string with a number)."""
        try:
            typed = coerce(self.kb.facts[name], value)
        except (KeyError, ValueProblem) as exc:
            raise InferenceError(f"the rule engine rejects the fact {name}={_short(value)}: {exc}") from None
        if typed != value or isinstance(typed, bool) != isinstance(value, bool):
            raise InferenceError(f"the rule engine rejects the fact {name}={_short(value)}: not a typed value")
        return value

    def infer(self, platform: str, facts: Dict[str, Any]) -> List[Firing]:
        """Run one session for ``platform`` on typed ``facts``; return every firing in order."""
        compiled = self.compiled.get(platform)
        if compiled is None:
            raise InferenceError(f"no ruleset for platform '{platform}'")
        with self._lock:
            sid = f"d{next(self._ids)}"
            session = _Session(compiled, facts)
            self._sessions[sid] = session
            batch = [{"sid": sid, "id": name, "v": engine_value(self._checked(name, value))}
                     for name, value in sorted(facts.items()) if name in compiled.tested_facts]
            try:
                if batch:
                    self._host.assert_facts(compiled.name, batch)
                state = self._host.get_state(compiled.name, sid) if batch else {}
            except Exception as exc:
                raise InferenceError(f"the rule engine rejected the facts: {_describe(exc)}") from None
            finally:
                self._sessions.pop(sid, None)
                if batch:
                    try:
                        self._host.delete_state(compiled.name, sid)
                    except Exception:
                        pass  # the session is gone already; nothing is left to clean
            if session.failure is not None:
                rule_id, exc = session.failure
                raise InferenceError(f"rule '{rule_id}' failed inside the engine: {_describe(exc)}", rule_id)
            if state.get("exception"):
                raise InferenceError(f"the rule engine reported an error: {str(state['exception'])[:200]}")
            return session.firings


def _sink(c):  # the sink never runs (its second pattern never matches); the warm-up does nothing
    return None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _short(value: Any) -> str:
    if isinstance(value, int) and abs(value) > 10 ** 15:  # repr() refuses ints of 4,300+ digits
        return "a huge number"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
