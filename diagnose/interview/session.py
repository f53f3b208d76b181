"""The interview's state: the answers in order, the diagnosis and intervals they give, and the next question."""
from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import msgspec

from ..api import Diagnoser
from ..facts import UNKNOWN_KEY, FactsError, validate_facts
from ..knowledge import OVER_TARGET, Rule
from ..operators import holds
from ..ranking import Diagnosis
from ..vocabulary import Fact, ValueProblem, coerce, fold, split_choices
from .graph import RULED_OUT, Bounds, Focus, Node, Reach, contested_causes, rule_graph

Answer = Tuple[str, Any]  # (fact id, typed value); the value None means "unknown"
_MISSING = object()


ANYTHING_ELSE = "anything_else"  # the closing yes/no question's key in the history (not a fact)
METRICS = "metrics"  # the checklist of metrics shown over target: its key in the history (not a fact)


def _several(value: Any) -> Tuple[Any, ...]:
    """The choices of a fact that may hold several: none, one, or a tuple of them."""
    return () if value is None else value if isinstance(value, tuple) else (value,)


class Question(msgspec.Struct, frozen=True):
    """The next question: the fact asked, and the fact whose rules it serves (they differ for counts).

    ``kind`` is "fact", "figure" (the metric behind the notice, asked for its figures),
    "metrics" (the checklist of the platform's metrics the performance page may show over target:
    ``fact`` is None and ``deferred`` lists the metrics), or "anything_else" (the closing yes/no
    on the practices left aside: ``fact`` is None and ``deferred`` lists the facts a "no" closes)."""

    fact: Optional[Fact]
    tests: str
    value: float
    kind: str = "fact"
    deferred: Tuple[str, ...] = ()


def _accepted(rule: Rule, fact: Fact) -> List[str]:
    """The choices of ``fact`` that one of the rule's positive conditions on it names."""
    return [value for c in rule.conditions if c.kind == "fact" and c.name == fact.id and not c.negated
            and c.op in ("is", "in") for value in fact.choice_values if value == c.value or (
                c.op == "in" and value in c.value)]


class Session:
    """An interview's state: the answers in order, and everything derived from them.

    The state is a pure function of the history, so undoing an answer replays the rest.
    """

    def __init__(self, diagnoser: Diagnoser, history: Iterable[Answer] = ()) -> None:
        self.diagnoser = diagnoser
        self.kb = diagnoser.kb
        # A question is worth asking on its own when its answer can move the contested causes'
        # certainty intervals by at least this much in all (weighted by priority, see value_of);
        # below it, the practice waits for the closing "anything else?" (knowledge/interview.yaml).
        self.margin: float = self.kb.setting("interview.margin")
        self.history: List[Answer] = list(history)
        self._changes: Dict[Tuple[str, Node], float] = {}  # (fact, cause) → change, see value_of
        self._seen: Optional[tuple] = None
        self._derive()

    # -- answering ---------------------------------------------------------------------------
    def answer(self, fact_id: str, raw: Any) -> Any:
        """Record an answer; raise :class:`ValueProblem` (nothing recorded) if it does not fit."""
        fact = self.kb.facts[fact_id]
        if self._over_target(fact_id, raw):  # kept under the metric: an edit or "back" treats it as its answer
            self._record((fact_id, OVER_TARGET))
            return fact_id
        if fact.type == "choice" and isinstance(raw, str):  # a choice by its number in the list shown
            parts = split_choices(raw) if fact.multiple else [raw]
            choices = self.choices(fact)
            parts = [choices[int(part) - 1][0] if part.strip().isdigit() and 1 <= int(part) <= len(choices) else part
                     for part in parts]
            raw = parts if fact.multiple else parts[0]
        value = coerce(fact, raw)
        self._record((fact_id, value))
        return value

    def _may_be_over_target(self, fact_id: str) -> bool:
        """Whether ``fact_id`` is a metric that can be answered "over target"."""
        listed = self.kb.facts.get(OVER_TARGET)
        return listed is not None and fact_id in listed.choice_values

    def _over_target(self, fact_id: str, raw: Any) -> bool:
        """Whether ``raw`` answers a metric's question with "over target" (the figure unknown):
        the words of the message ``answer.over_target``, in either language."""
        if not self._may_be_over_target(fact_id) or not isinstance(raw, str):
            return False
        return fold(raw) in {fold(self.kb.message("answer.over_target", lang)) for lang in ("en", "zh")}

    def choices(self, fact: Fact) -> Tuple[Tuple[str, Any], ...]:
        """The choices shown for ``fact``: once the platform is known, those its rules test, and
        those no platform's rules single out (such as "other")."""
        if self.platform is None or fact.id == "platform":
            return fact.choices
        here = {v for rule in self.graph.testing_fact.get(fact.id, ()) for v in _accepted(rule, fact)}
        anywhere = {v for rule in self.kb.rules.values() for v in _accepted(rule, fact)}
        return tuple((value, label) for value, label in fact.choices if value in here or value not in anywhere)

    def skip(self, fact_id: str) -> None:
        """Record that the seller does not know ``fact_id`` (not allowed for the platform)."""
        if fact_id == "platform":
            raise ValueProblem("platform_required", platforms=", ".join(sorted(self.kb.platforms)))
        self._record((fact_id, None))

    def back(self) -> Optional[Answer]:
        """Undo the last answer (replaying the others); return it, or None if there was none."""
        if not self.history:
            return None
        last = self.history.pop()
        self._derive()
        return last

    def _record(self, answer: Answer) -> None:
        self.history.append(answer)
        try:
            self._derive()
        except FactsError as exc:
            self.history.pop()
            self._derive()
            raise ValueProblem("inconsistent", detail="; ".join(p.split(": ", 1)[-1] for p in exc.problems)) from None

    def _derive(self) -> None:
        answers: List[Answer] = []
        for fact, value in self.history:
            if fact == ANYTHING_ELSE:  # (chosen, deferred): the chosen hold, the others are unknown
                chosen, deferred = value
                answers += [(f, True if f in chosen else None) for f in deferred]
            elif fact == METRICS:  # (chosen, listed): the chosen are over target, the others' figures unknown
                chosen, listed = value
                answers += [(OVER_TARGET, tuple(chosen))] if chosen else []
                answers += [(f, None) for f in listed if f not in chosen]
            elif value == OVER_TARGET and self._may_be_over_target(fact):  # over target, the figure unknown
                answers += [(OVER_TARGET, fact), (fact, None)]
            else:
                answers.append((fact, value))
        self.asked_anything_else = any(fact == ANYTHING_ELSE for fact, _ in self.history)
        self.asked_metrics = any(fact == METRICS for fact, _ in self.history)
        latest: Dict[str, Any] = {}  # the last answer to each fact wins (a later edit overrides a checklist)
        for fact, value in answers:
            if fact == OVER_TARGET and value is not None:  # each metric stated over target adds to the others
                value = tuple(dict.fromkeys(_several(latest.get(OVER_TARGET)) + _several(value)))
            latest.pop(fact, None)
            latest[fact] = value
        if latest.get(OVER_TARGET) is not None:  # a figure given replaces its metric's "over target"
            over = tuple(m for m in latest.pop(OVER_TARGET) if latest.get(m) is None)
            if over:
                latest[OVER_TARGET] = over[0] if len(over) == 1 else over
        self.values = {fact: value for fact, value in latest.items() if value is not None}
        self.skipped = [fact for fact, value in latest.items() if value is None]
        self.platform = self.values.get("platform")
        self.diagnosis: Optional[Diagnosis] = None
        self.known: Dict[str, Any] = dict(self.values)
        if self.platform is not None:
            seller = validate_facts(self.case(), self.kb, "answers")
            self.known = seller.values
            self.diagnosis = self.diagnoser.run(seller)
            self.graph = rule_graph(self.kb, self.platform)
            self.closed = frozenset(f for f in self.kb.facts if self._closed(f))
            shown = frozenset(symptom.id for symptom in self.diagnosis.symptoms)
            self.focus = Focus(framing=not shown, symptoms=shown)
            previous = getattr(self, "bounds", None)
            self.bounds = Bounds(self.graph, self.known, self.closed, focus=self.focus)
            self._forget_changes(previous)

    def _forget_changes(self, previous: Optional[Bounds]) -> None:
        """Drop the cached changes the last answer (or undo) can have altered: those of the facts
        whose value or status moved, and those of every cause downstream of such a fact; keep the
        previous intervals of every node no such fact reaches."""
        seen, self._seen = self._seen, (self.platform, self.known, self.closed, self.focus)
        if seen is None or seen[0] != self.platform or seen[3] != self.focus:
            self._changes = {}
            return
        _, known, closed, _ = seen
        moved = {f for f in set(known) | set(self.known) if known.get(f, _MISSING) != self.known.get(f, _MISSING)}
        moved |= closed ^ self.closed
        reaches = [self.graph.reach(f) for f in moved]
        stale = Reach(frozenset().union(*(r.nodes for r in reaches)), frozenset().union(*(r.rules for r in reaches)))
        self.bounds.carry(previous, stale)
        self._changes = {key: change for key, change in self._changes.items()
                         if key[0] not in moved and key[1] not in stale.nodes}

    def _closed(self, fact_id: str) -> bool:
        """A fact that can never get a value: skipped, and (for a rate its counts can give on this
        platform) its counts too, or nothing the case shows points to it yet; a metric answered
        "over target" (one ticked on the checklist stays open for its figure); ``over_target``
        itself, which comes only from such answers."""
        if fact_id in _several(self.known.get(OVER_TARGET)) and not self.ticked(fact_id):
            return True
        if fact_id == OVER_TARGET and fact_id not in self.known:
            return True
        if fact_id in self.known or fact_id not in self.skipped:
            return False
        parts = self._counts_of(fact_id)
        return not parts or any(p in self.skipped for p in parts) or all(p in self.known for p in parts) \
            or not self._shown_points_to(fact_id)

    def ticked(self, metric: str) -> bool:
        """Whether ``metric`` is over target while its figure is neither given nor skipped (ticked on
        the checklist, or so read from a case file): its figure is asked next."""
        return metric in _several(self.known.get(OVER_TARGET)) and metric not in self.skipped

    def _shown_points_to(self, fact_id: str) -> bool:
        """Whether a symptom the case shows is one a rule on ``fact_id`` concludes or asks for."""
        shown = {symptom.id for symptom in self.diagnosis.symptoms}
        return any(rule.conclusion[0] == "symptom" and rule.conclusion[1] in shown
                   or any(name in shown and not negated for name, negated in self.graph.parts[rule.id][1])
                   for rule in self.graph.testing_fact.get(fact_id, ()))

    def _counts_of(self, fact_id: str) -> Tuple[str, ...]:
        """The counts the interview may ask instead of rate ``fact_id``: none unless they span the
        window the platform judges the rate over (their ratio would be another window's rate)."""
        parts = self.kb.facts[fact_id].computed_from
        return tuple(parts) if parts and self.kb.rate_from_counts(self.platform, fact_id) else ()

    def case(self) -> Dict[str, Any]:
        """The answers as a facts mapping (answer order) with the reserved ``unknown`` list."""
        case: Dict[str, Any] = dict(self.values)
        unknown = [f for f in dict.fromkeys(self.skipped) if f not in self.known]
        if unknown:
            case[UNKNOWN_KEY] = unknown
        return case

    # -- choosing ----------------------------------------------------------------------------
    def contested(self, bounds: Optional[Bounds] = None) -> FrozenSet[str]:
        """The causes whose place in the top 3 is open: in focus, the first place is filled and the
        top's order kept; with other ``bounds`` (out of focus), every place is filled."""
        ranked = [c.id for c in self.diagnosis.causes]
        return contested_causes(self.kb, self.graph, bounds or self.bounds, ranked, 1 if bounds is None else None)

    def next_question(self) -> Optional[Question]:
        """The next question, or None when no answer can change the top 3: the platform; the figure
        behind a notice; the open question whose answer can change the focused top 3 the most; at
        the end, "anything else?" when a practice left aside could still change it."""
        if self.platform is None:
            return Question(self.kb.facts["platform"], "platform", float("inf"))
        figure = self._figure()
        if figure is not None:
            return figure
        best = self._best(self.contested(), self.bounds, self._changes)
        if best is not None and self.focus.framing and not self.asked_metrics:
            listed = self.checklist_metrics()
            if best.tests in listed:  # one checklist instead of one metric after another
                return Question(None, METRICS, best.value, METRICS, listed)
        return best or self._anything_else()

    def checklist_metrics(self) -> Tuple[str, ...]:
        """The metrics the checklist lists: those of the fact ``over_target`` still open whose
        "over target" rule on this platform can still hold (scope, marketplace), in its order."""
        listed = self.kb.facts.get(OVER_TARGET)
        if listed is None:
            return ()
        rules = [self.graph.parts[rule.id][0] for rule in self.graph.testing_fact.get(OVER_TARGET, ())]
        return tuple(m for m in listed.choice_values if m not in self.known and m not in self.closed and any(
            any(c.name == OVER_TARGET and not c.negated and holds(c.op, m, c.value) for c in facts)
            and all(self.bounds.fact_truth(c) is not False for c in facts if c.name != OVER_TARGET)
            for facts in rules))

    def answer_metrics(self, chosen: Iterable[str], listed: Iterable[str]) -> None:
        """Answer the checklist: the metrics ``chosen`` among ``listed`` are shown over target (their
        figures are asked next); the others are not, and their figures stay unknown. Asked once."""
        listed, chosen = tuple(listed), set(chosen)
        self._record((METRICS, (tuple(m for m in listed if m in chosen), listed)))

    def answer_anything_else(self, chosen: Iterable[str], deferred: Iterable[str]) -> None:
        """Answer the closing question: the practices ``chosen`` among ``deferred`` hold (yes); the
        others become unknown, except those a rule tests together with a chosen one. Asked once."""
        deferred = tuple(fact for fact in deferred if fact not in self.known)
        chosen = tuple(f for f in chosen if f in deferred)
        self._record((ANYTHING_ELSE, (chosen, chosen + tuple(f for f in deferred
                                                              if f not in chosen and not self._with_ticked(f, chosen)))))

    def deciding(self, count: int = 3) -> Tuple[List[Tuple[str, float, float]], List[Question]]:
        """When no cause is reported: the candidates (id, certainty now, the most it could reach),
        strongest first, and the ``count`` questions of most value between them, the interview's
        own choice (in focus, else among every rule)."""
        for bounds in (self.bounds, Bounds(self.graph, self.known, self.closed)):
            contested = self.contested(bounds if bounds is not self.bounds else None)
            questions = sorted((Question(self._asked_for(f), f, value) for _, f in self._open_facts()
                                if (value := self.value_of(f, contested, bounds, {} if bounds is not self.bounds
                                                           else None)) > 0), key=lambda q: -q.value)
            if questions:
                break
        candidates = sorted(((c, self.current(c), bounds.node(("cause", c)).high) for c in contested),
                            key=lambda item: (-item[2], item[0]))
        return candidates, list({q.fact.id: q for q in questions}.values())[:count]

    def relevant_facts(self) -> List[str]:
        """The facts that matter now, in the vocabulary's order of priority: those the answers
        already given, the rules still in focus, or the figures behind a symptom shown test, and
        the counts behind such a rate (``diagnose facts --platform P --notice N``)."""
        graph, bounds = self.graph, self.bounds
        names = set(self.values)
        for rule in graph.rules:
            framing_figure = rule.id in graph.framing and rule.conclusion[1] in self.focus.symptoms
            if framing_figure or bounds._rule(rule)[0] != RULED_OUT:
                names.update(c.name for c in graph.parts[rule.id][0])
        names.update(part for name in list(names) for part in self._counts_of(name))
        return sorted(names, key=lambda f: (-self.kb.facts[f].priority, list(self.kb.facts).index(f)))

    def _figure(self) -> Optional[Question]:
        """A metric ticked over target on the checklist, while its figure is open; the metric of a
        symptom the notice established, while none of its figures is given: the letter needs the
        number, and a number that meets the target contradicts the notice."""
        for metric in _several(self.known.get(OVER_TARGET)):
            if self.ticked(metric) and metric not in self.closed:
                return Question(self._asked_for(metric), metric, float("inf"), "figure")
        for symptom in self.diagnosis.symptoms:
            metrics = sorted({c.name for rule in self.graph.concluding.get(("symptom", symptom.id), ())
                              if rule.id in self.graph.framing for c in self.graph.parts[rule.id][0]
                              if self.kb.facts[c.name].type in ("rate", "count", "number")},
                             key=lambda f: (-self.kb.facts[f].priority, list(self.kb.facts).index(f)))
            if metrics and not any(f in self.known or f in self.closed for f in metrics):
                return Question(self._asked_for(metrics[0]), metrics[0], float("inf"), "figure")
        return None

    def _open_facts(self) -> List[Tuple[int, str]]:
        return [(index, f) for index, f in enumerate(self.graph.facts) if f not in self.known and f not in self.closed]

    def _best(self, contested: FrozenSet[str], bounds: Bounds, changes: Dict) -> Optional[Question]:
        """The open question whose answer can narrow the contested causes' intervals the most."""
        if not contested:
            return None
        # Branch and bound: facts are tried from the highest upper bound of their value down,
        # and the search stops once no remaining bound can beat the best value found.
        # while the case shows no symptom, only what reads one off the notice or a metric is asked
        framing = bounds.focus is not None and bounds.focus.framing
        open_facts = [(self.bound_of(f, contested, bounds), index, f) for index, f in self._open_facts()
                      if not framing or f in self.graph.framing_facts]
        best: Optional[Question] = None
        best_index = 0
        for bound, index, fact_id in sorted(open_facts, key=lambda item: (-item[0], item[1])):
            if bound <= 0 or (best is not None and bound < best.value):
                break
            if bound < self.margin and not self._pointed(fact_id, bounds):
                continue
            value = self.value_of(fact_id, contested, bounds, changes)
            if (value >= self.margin or value > 0 and self._pointed(fact_id, bounds)) and (best is None or (value, -index) > (best.value, -best_index)):
                best, best_index = Question(self._asked_for(fact_id), fact_id, value), index
        return best

    def _tickable(self, fact_id: str) -> bool:
        """A yes/no practice a rule asks to be true, so that a tick can say so."""
        return self.kb.facts[fact_id].type == "bool" and any(
            c.name == fact_id and c.op == "is" and c.value is True and not c.negated
            for rule in self.graph.testing_fact.get(fact_id, ()) for c in self.graph.parts[rule.id][0])

    def _with_ticked(self, fact_id: str, chosen: Sequence[str]) -> bool:
        """Whether a rule tests the fact together with a ticked practice (then the fact stays open,
        as "vacation mode used" does once a long absence is ticked: it is asked next)."""
        return any(c.name in chosen and not c.negated for rule in self.graph.testing_fact.get(fact_id, ())
                   for c in self.graph.parts[rule.id][0])

    def _pointed(self, fact_id: str, bounds: Bounds) -> bool:
        """Whether an answer already points to the fact: a live rule testing it has a positive
        condition on another fact that holds, such as the notice (asked then whatever its value)."""
        for rule in self.graph.testing_fact.get(fact_id, ()):
            if bounds._rule(rule)[0] == RULED_OUT:
                continue
            if any(c.name != fact_id and not c.negated and bounds.fact_truth(c) for c in self.graph.parts[rule.id][0]):
                return True
        return False

    def _anything_else(self) -> Optional[Question]:
        """The closing yes/no, when a practice (a yes/no fact a rule asks to be true) left out of focus
        could still change the top 3; its ``deferred`` facts are the checklist shown after a yes."""
        if self.asked_anything_else:
            return None
        full = Bounds(self.graph, self.known, self.closed)
        contested = self.contested(full)
        deferred = tuple(f for _, f in self._open_facts() if contested and self._tickable(f)
                         and self.value_of(f, contested, full, {}) > 0)
        return Question(None, ANYTHING_ELSE, 0.0, ANYTHING_ELSE, deferred) if deferred else None

    def _asked_for(self, fact_id: str) -> Fact:
        """The fact itself, or for a skipped computed rate its next count (denominator first)."""
        parts = self._counts_of(fact_id) if fact_id in self.skipped else ()
        if parts:
            numerator, denominator = parts
            return self.kb.facts[denominator if denominator not in self.values else numerator]
        return self.kb.facts[fact_id]

    def _reach(self, fact_id: str, contested: FrozenSet[str]) -> List[Node]:
        downstream = self.graph.downstream(fact_id)
        return [("cause", c) for c in sorted(contested) if ("cause", c) in downstream]

    def _weight(self, fact_id: str) -> float:
        return 1 + self.kb.facts[fact_id].priority / 100

    def bound_of(self, fact_id: str, contested: FrozenSet[str], bounds: Optional[Bounds] = None) -> float:
        """An upper bound of :meth:`value_of`, cheap to compute: an answer only narrows an interval,
        and only by what the rules it affects contribute."""
        bounds = bounds or self.bounds
        leverage = self.graph.leverage(fact_id)
        total = 0.0
        for node in self._reach(fact_id, contested):
            interval = bounds.node(node)
            total += 2 * min(interval.high - interval.low, leverage[node])
        return round(total * self._weight(fact_id), 6)

    def value_of(self, fact_id: str, contested: FrozenSet[str], bounds: Optional[Bounds] = None,
                 changes: Optional[Dict] = None) -> float:
        """How far answering ``fact_id`` could narrow the contested causes' intervals, by priority
        (by default on the session's focused intervals, with its cache of changes)."""
        bounds = bounds or self.bounds
        changes = self._changes if changes is None else changes
        reach = self._reach(fact_id, contested)
        missing = [node for node in reach if (fact_id, node) not in changes]
        if missing:  # a cause's change stays valid until an answer reaches it (see _forget_changes)
            unknown = self.hypothesis(fact_id, None, base=bounds)
            outcomes = [unknown] + [self.hypothesis(fact_id, value, unknown)
                                    for value in self.graph.outcomes(self.kb.facts[fact_id]) if value is not None]
            for node in missing:
                now = bounds.node(node)
                after = [outcome.node(node) for outcome in outcomes]
                changes[(fact_id, node)] = \
                    (now.high - min(a.high for a in after)) + (max(a.low for a in after) - now.low)
        total = sum(changes[(fact_id, node)] for node in reach)
        return round(total * self._weight(fact_id), 6)

    def hypothesis(self, fact_id: str, value: Any, unknown: Optional[Bounds] = None,
                   base: Optional[Bounds] = None) -> Bounds:
        """The intervals if ``fact_id`` were answered ``value`` (None: unknown), on top of ``base``
        (the session's intervals by default). An answer is evaluated on top of the "unknown"
        hypothesis (pass it as ``unknown`` to share it), so that only the rules whose conditions the
        answer meets are re-evaluated."""
        if unknown is None:
            unknown = Bounds(self.graph, self.known, self.closed | {fact_id}, base or self.bounds,
                             self.graph.reach(fact_id))
        if value is None:
            return unknown
        return Bounds(self.graph, dict(self.known, **{fact_id: value}), self.closed, unknown,
                      self.graph.answer_reach(fact_id, value))

    # -- explaining --------------------------------------------------------------------------
    def current(self, cause_id: str) -> float:
        for cause in self.diagnosis.causes:
            if cause.id == cause_id:
                return cause.certainty
        return dict(self.diagnosis.ruled_out).get(cause_id, 0.0)

