"""The guided interview: ask only what can still change the diagnosis, one question at a time.

Strategy
--------
After every answer the engine re-runs on all answers so far (a diagnosis takes about a
millisecond; there is no truth maintenance, so "back" simply replays the shorter history).
Next to the engine's ranking, the interview keeps for every cause an interval
``[low, high]``: the certainty it will have whatever the open questions' answers turn out to
be (``low``), and the most it could still reach (``high``). Both come from the platform's rules
seen as a graph fact → rule → symptom → rule → cause:

* a condition on an answered fact holds or fails; on a fact that is unknown (skipped) a
  positive condition fails and a negated one holds, as in the engine; on an open fact it is
  undecided;
* a rule is *certain* when every condition holds, *possible* while none fails, *ruled out*
  otherwise; a symptom or cause is present when a rule concluding it is;
* ``high`` combines (MYCIN, as in :mod:`diagnose.ranking`) every certain rule and every
  possible rule with a positive certainty, at the strongest premise; ``low`` combines the
  certain rules and every possible rule with a negative certainty, at the weakest premise.
  Answers only narrow the interval.

**Candidate causes** are those some rule could still conclude (``high > 0``). A cause is
**contested** when its interval lets it enter, leave or move within the top 3: a top cause
whose ``low`` is under the reporting threshold, two top causes whose intervals let the lower
overtake the higher, or a cause outside the top 3 whose ``high`` could overtake the third
(or, with fewer than three reported, reach the reporting threshold).

A question's **value** is, for each contested cause its fact can reach through the rules,
how far the answer could lower ``high`` plus how far it could raise ``low``, trying every
answer that makes a difference to the rules (each choice, yes and no, a value on and on
either side of every threshold a rule tests, and "unknown"); the sum is weighted by the
fact's ``priority`` (``× (1 + priority/100)``), so the platform's notice and the metrics come
before situational questions of equal value. The platform is always asked first. The
question with the highest value is asked; ties go to the vocabulary's order. (For speed, a
fact's effect on a cause is kept until an answer reaches that cause; facts are tried in order of
an upper bound of their value, stopping when no bound can beat the best found; each hypothetical
answer is evaluated on top of the "unknown" one, re-evaluating only the rules whose conditions it
meets; and after an answer, the intervals it cannot reach are carried over.) When a rate
computed from counts is skipped, its counts are asked instead (denominator first). The
interview **stops** when no cause is contested or no open question has any value: then no
answer can change the top 3.
"""
from __future__ import annotations

import operator
from functools import reduce
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import msgspec

from .api import Diagnoser
from .errors import KnowledgeBaseError
from .facts import UNKNOWN_KEY, FactsError, validate_facts
from .knowledge import Condition, KnowledgeBase, Rule
from .ranking import FAMILY_ORDER, MIN_CERTAINTY, Diagnosis, combine
from .render import percent
from .vocabulary import Fact, ValueProblem, coerce, format_value, say

CERTAIN, POSSIBLE, RULED_OUT = "certain", "possible", "ruled_out"
TOP = 3
Node = Tuple[str, str]  # ("symptom" | "cause", id)
Answer = Tuple[str, Any]  # (fact id, typed value); the value None means "unknown"
_MISSING = object()


# ---------------------------------------------------------------------------------------------
# The rule graph and certainty intervals


_TESTS: Dict[str, Callable[[Any, Any], bool]] = {
    "known": lambda value, target: True, "is": operator.eq, "is_not": operator.ne,
    "in": lambda value, target: value in target, "above": operator.gt, "at_least": operator.ge,
    "below": operator.lt, "at_most": operator.le}


def _holds(condition: Condition, value: Any) -> bool:
    """Whether a fact condition's positive form holds for ``value`` (the engine's operators)."""
    return _TESTS[condition.op](value, condition.value)


class Reach(NamedTuple):
    """What an answer can change: symptoms and causes (``nodes``) and the ids of the rules to re-evaluate."""

    nodes: FrozenSet[Node]
    rules: FrozenSet[str]


NOTHING = Reach(frozenset(), frozenset())


class RuleGraph:
    """One platform's rules as a graph: which rules test each fact and symptom, and conclude each node."""

    def __init__(self, kb: KnowledgeBase, platform: str):
        self.rules = kb.rules_for(platform)
        self.concluding: Dict[Node, List[Rule]] = {}
        self.testing_fact: Dict[str, List[Rule]] = {}
        self.testing_symptom: Dict[str, List[Rule]] = {}
        # per rule: its fact conditions, and (symptom, negated) for its symptom conditions
        self.parts: Dict[str, Tuple[Tuple[Condition, ...], Tuple[Tuple[str, bool], ...]]] = {}
        for rule in self.rules:
            self.parts[rule.id] = (tuple(c for c in rule.conditions if c.kind == "fact"),
                                   tuple((c.name, c.negated) for c in rule.conditions if c.kind == "symptom"))
            self.concluding.setdefault(rule.conclusion, []).append(rule)
            for condition in rule.conditions:
                table = self.testing_fact if condition.kind == "fact" else self.testing_symptom
                table.setdefault(condition.name, []).append(rule)
        self.causes = sorted(target for kind, target in self.concluding if kind == "cause")
        self.facts = [name for name in kb.facts if name in self.testing_fact]
        self._reach: Dict[Any, Reach] = {}
        self._outcomes: Dict[str, List[Any]] = {}
        self._leverage: Dict[str, Dict[Node, float]] = {}
        for fact in self.facts:  # the static tables, built once so that choosing a question only reads them
            self.leverage(fact)
            for value in self.outcomes(kb.facts[fact]):
                if value is not None:
                    self.answer_reach(fact, value)

    def reach(self, fact: str) -> Reach:
        """What ``fact`` can change: the symptoms and causes downstream of it, and the rules that
        test it or such a symptom."""
        if fact not in self._reach:
            self._reach[fact] = self._spread(self.testing_fact.get(fact, ()))
        return self._reach[fact]

    def answer_reach(self, fact: str, value: Any) -> Reach:
        """What answering ``value`` to ``fact`` can change compared with "unknown" (where every
        condition on ``fact`` fails): what the rules with a condition on it that ``value`` meets reach."""
        key = (fact, value)
        if key not in self._reach:
            self._reach[key] = self._spread([rule for rule in self.testing_fact.get(fact, ()) if any(
                c.name == fact and _holds(c, value) for c in self.parts[rule.id][0])])
        return self._reach[key]

    def _spread(self, rules: Sequence[Rule]) -> Reach:
        nodes: set = set()
        affected = {rule.id for rule in rules}
        frontier = list(rules)
        while frontier:
            node = frontier.pop().conclusion
            if node not in nodes:
                nodes.add(node)
                if node[0] == "symptom":
                    testing = self.testing_symptom.get(node[1], ())
                    frontier.extend(testing)
                    affected.update(rule.id for rule in testing)
        return Reach(frozenset(nodes), frozenset(affected))

    def downstream(self, fact: str) -> FrozenSet[Node]:
        """Every symptom and cause whose certainty can depend on ``fact``."""
        return self.reach(fact).nodes

    def leverage(self, fact: str) -> Dict[Node, float]:
        """For each node downstream of ``fact``: the summed |certainty| of the rules concluding it
        that the fact can affect (removing or adding such a rule moves a MYCIN sum by at most that)."""
        if fact not in self._leverage:
            nodes, affected = self.reach(fact)
            self._leverage[fact] = {
                node: sum(abs(r.certainty) for r in self.concluding.get(node, ()) if r.id in affected)
                for node in nodes}
        return self._leverage[fact]

    def outcomes(self, fact: Fact) -> List[Any]:
        """Answers to ``fact`` covering every way the rules' conditions on it can turn out, one per
        way (``None`` is "unknown"): each choice, yes and no, a value on and on either side of every
        threshold a rule tests."""
        if fact.id in self._outcomes:
            return self._outcomes[fact.id]
        conditions = [c for rule in self.testing_fact.get(fact.id, ()) for c in rule.conditions
                      if c.kind == "fact" and c.name == fact.id]
        if fact.type == "bool":
            values: List[Any] = [True, False]
        elif fact.type == "choice":
            values = list(fact.choice_values)
        elif fact.type in ("rate", "count", "number") and any(c.op != "known" for c in conditions):
            points = sorted({float(v) for c in conditions if c.op != "known"
                             for v in (c.value if isinstance(c.value, tuple) else (c.value,))})
            step = 1e-6 if fact.type == "rate" else 0.5
            values = [points[0] - step, points[-1] + step] + points
            values += [(a + b) / 2 for a, b in zip(points, points[1:])]
        else:
            values = ["<any>"]
        ways: Dict[tuple, Any] = {}
        for value in [None] + sorted(set(values), key=repr):
            way = tuple(False if value is None else _holds(c, value) for c in conditions)
            ways.setdefault(way, value)
        self._outcomes[fact.id] = list(ways.values())
        return self._outcomes[fact.id]


_GRAPHS: Dict[Tuple[str, str, str], RuleGraph] = {}


def rule_graph(kb: KnowledgeBase, platform: str) -> RuleGraph:
    """The (cached) rule graph of one platform in one knowledge base."""
    key = (kb.root, kb.version, platform)
    if key not in _GRAPHS:
        _GRAPHS[key] = RuleGraph(kb, platform)
    return _GRAPHS[key]


class Interval(NamedTuple):
    """What is settled about a symptom or cause: its status and its certainty range."""

    status: str
    low: float
    high: float


_ABSENT = Interval(RULED_OUT, 0.0, 0.0)
_NO_CONTRIBUTION = (RULED_OUT, 0.0, 0.0)


class Bounds:
    """Certainty intervals of every symptom and cause for one state of knowledge, computed lazily.

    A hypothesis (``base`` plus one hypothesised answer) re-evaluates only the nodes and rules
    the answer can ``reach``; everything else is read from the base state.
    """

    def __init__(self, graph: RuleGraph, known: Dict[str, Any], closed: FrozenSet[str],
                 base: Optional["Bounds"] = None, reach: Reach = NOTHING):
        self.graph, self.known, self.closed = graph, known, closed
        self.base, self.changed, self.affected = base, reach.nodes, reach.rules
        self._memo: Dict[Node, Interval] = {}
        self._rules: Dict[str, Tuple[str, float, float]] = {}

    def fact_truth(self, condition: Condition) -> Optional[bool]:
        """True / False once decided, None while the fact is open."""
        if condition.name in self.known:
            truth = _holds(condition, self.known[condition.name])
        elif condition.name in self.closed:
            truth = False
        else:
            return None
        return truth != condition.negated

    def truth(self, condition: Condition) -> Optional[bool]:
        """True / False once decided, None while open; a symptom is decided once certain or ruled out."""
        if condition.kind == "fact":
            return self.fact_truth(condition)
        status = self.node(("symptom", condition.name)).status
        return None if status == POSSIBLE else (status == CERTAIN) != condition.negated

    def node(self, node: Node) -> Interval:
        """The interval of one symptom or cause (ruled out when no rule can conclude it)."""
        if self.base is not None and node not in self.changed:
            return self.base.node(node)
        if node not in self._memo:
            self._memo[node] = _ABSENT  # a derivation cycle cannot raise its own certainty
            self._memo[node] = self._interval(self.graph.concluding.get(node, ()))
        return self._memo[node]

    def carry(self, previous: "Bounds", reach: Reach) -> None:
        """Take over the intervals and rule results of ``previous`` (same rules) that ``reach`` leaves alone."""
        self._memo = {node: interval for node, interval in previous._memo.items() if node not in reach.nodes}
        self._rules = {rule: result for rule, result in previous._rules.items() if rule not in reach.rules}

    def _interval(self, rules: Iterable[Rule]) -> Interval:
        lows, highs, statuses = [], [], set()
        for rule in rules:
            status, low, high = self._rule(rule)
            if status == RULED_OUT:
                continue
            statuses.add(status)
            if status == CERTAIN or high > 0:
                highs.append(high)
            if status == CERTAIN or low < 0:
                lows.append(low)
        if not statuses:
            return _ABSENT
        return Interval(CERTAIN if CERTAIN in statuses else POSSIBLE,
                        round(reduce(combine, lows, 0.0), 3), round(reduce(combine, highs, 0.0), 3))

    def _rule(self, rule: Rule) -> Tuple[str, float, float]:
        """A rule's status and the range of its contribution ``certainty × premise`` (the premise being
        the smallest certainty among its symptoms, as in the engine), memoised."""
        if self.base is not None and rule.id not in self.affected:
            return self.base._rule(rule)
        result = self._rules.get(rule.id)
        if result is None:
            result = self._rules[rule.id] = self._evaluate(rule)
        return result

    def _evaluate(self, rule: Rule) -> Tuple[str, float, float]:
        facts, symptoms = self.graph.parts[rule.id]
        every = rule.match == "all"
        truths = [self.fact_truth(condition) for condition in facts]
        if every and False in truths:  # ruled out whatever its symptoms turn out to be
            return _NO_CONTRIBUTION
        premises = []  # (interval, truth) of each positive symptom condition
        for name, negated in symptoms:
            interval = self.node(("symptom", name))
            truth = None if interval.status == POSSIBLE else (interval.status == CERTAIN) != negated
            if every and truth is False:
                return _NO_CONTRIBUTION
            truths.append(truth)
            if not negated:
                premises.append((interval, truth))
        if every:
            status = CERTAIN if all(truths) else POSSIBLE
            low = min((i.low for i, _ in premises), default=1.0)
            high = min((i.high for i, _ in premises), default=1.0)
        else:  # the smallest certainty among the symptoms of the alternatives that hold
            status = CERTAIN if True in truths else POSSIBLE if None in truths else RULED_OUT
            if status == RULED_OUT:
                return _NO_CONTRIBUTION
            low = min((i.low for i, truth in premises if truth is not False), default=1.0)
            symptoms_only = len(premises) == len(truths)
            high = max((i.high for i, truth in premises if truth is not False), default=0.0) if symptoms_only else 1.0
        products = sorted((rule.certainty * low, rule.certainty * high))
        return (status, products[0], products[1])


def _key(kb: KnowledgeBase, cause: str, certainty: float) -> tuple:
    """The ranking order of :mod:`diagnose.ranking`: certainty, then policy first, then id."""
    return (-certainty, FAMILY_ORDER[kb.causes[cause].family], cause)


def contested_causes(kb: KnowledgeBase, graph: RuleGraph, bounds: Bounds, ranked: Sequence[str]) -> FrozenSet[str]:
    """Causes whose interval lets them enter, leave or move within the top 3."""
    top = list(ranked[:TOP])
    contested = set()

    def could_beat(rising: str, falling: str) -> bool:
        return _key(kb, rising, bounds.node(("cause", rising)).high) < \
            _key(kb, falling, bounds.node(("cause", falling)).low)

    for index, cause in enumerate(top):
        if bounds.node(("cause", cause)).low < MIN_CERTAINTY:
            contested.add(cause)
        for lower in top[index + 1:]:
            if could_beat(lower, cause):
                contested |= {cause, lower}
    for cause in graph.causes:
        if cause in top or bounds.node(("cause", cause)).high < MIN_CERTAINTY:
            continue
        beaten = [above for above in top if could_beat(cause, above)]
        if beaten or len(top) < TOP:
            contested |= {cause, *beaten}
    return frozenset(contested)


# ---------------------------------------------------------------------------------------------
# The session


class Question(msgspec.Struct, frozen=True):
    """The next question: the fact asked, and the fact whose rules it serves (they differ for counts)."""

    fact: Fact
    tests: str
    value: float


class Session:
    """An interview's state: the answers in order, and everything derived from them.

    The state is a pure function of the history, so undoing an answer replays the rest.
    """

    def __init__(self, diagnoser: Diagnoser, history: Iterable[Answer] = ()):
        self.diagnoser = diagnoser
        self.kb = diagnoser.kb
        self.history: List[Answer] = list(history)
        self._changes: Dict[Tuple[str, Node], float] = {}  # (fact, cause) → change, see value_of
        self._seen: Optional[tuple] = None
        self._derive()

    # -- answering ---------------------------------------------------------------------------
    def answer(self, fact_id: str, raw: Any) -> Any:
        """Record an answer; raise :class:`ValueProblem` (nothing recorded) if it does not fit."""
        fact = self.kb.facts[fact_id]
        if fact.type == "choice" and isinstance(raw, str) and raw.strip().isdigit():
            number = int(raw.strip())
            if 1 <= number <= len(fact.choices):
                raw = fact.choices[number - 1][0]
        value = coerce(fact, raw)
        self._record((fact_id, value))
        return value

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
        self.values = {fact: value for fact, value in self.history if value is not None}
        self.skipped = [fact for fact, value in self.history if value is None]
        self.platform = self.values.get("platform")
        self.diagnosis: Optional[Diagnosis] = None
        self.known: Dict[str, Any] = dict(self.values)
        if self.platform is not None:
            seller = validate_facts(self.case(), self.kb, "answers")
            self.known = seller.values
            self.diagnosis = self.diagnoser.run(seller)
            self.graph = rule_graph(self.kb, self.platform)
            self.closed = frozenset(f for f in self.kb.facts if self._closed(f))
            previous, self.bounds = getattr(self, "bounds", None), Bounds(self.graph, self.known, self.closed)
            self._forget_changes(previous)

    def _forget_changes(self, previous: Optional[Bounds]) -> None:
        """Drop the cached changes the last answer (or undo) can have altered: those of the facts
        whose value or status moved, and those of every cause downstream of such a fact; keep the
        previous intervals of every node no such fact reaches."""
        seen, self._seen = self._seen, (self.platform, self.known, self.closed)
        if seen is None or seen[0] != self.platform:
            self._changes = {}
            return
        _, known, closed = seen
        moved = {f for f in set(known) | set(self.known) if known.get(f, _MISSING) != self.known.get(f, _MISSING)}
        moved |= closed ^ self.closed
        reaches = [self.graph.reach(f) for f in moved]
        stale = Reach(frozenset().union(*(r.nodes for r in reaches)), frozenset().union(*(r.rules for r in reaches)))
        self.bounds.carry(previous, stale)
        self._changes = {key: change for key, change in self._changes.items()
                         if key[0] not in moved and key[1] not in stale.nodes}

    def _closed(self, fact_id: str) -> bool:
        """A fact that can never get a value: skipped, and (for a computed rate) its counts too."""
        if fact_id in self.known or fact_id not in self.skipped:
            return False
        parts = self.kb.facts[fact_id].computed_from
        return not parts or any(p in self.skipped for p in parts) or all(p in self.known for p in parts)

    def case(self) -> Dict[str, Any]:
        """The answers as a facts mapping (answer order) with the reserved ``unknown`` list."""
        case: Dict[str, Any] = dict(self.values)
        unknown = [f for f in dict.fromkeys(self.skipped) if f not in self.known]
        if unknown:
            case[UNKNOWN_KEY] = unknown
        return case

    # -- choosing ----------------------------------------------------------------------------
    def contested(self) -> FrozenSet[str]:
        ranked = [c.id for c in self.diagnosis.causes]
        return contested_causes(self.kb, self.graph, self.bounds, ranked)

    def next_question(self) -> Optional[Question]:
        """The open question whose answer can change the top 3 the most, or None when none can."""
        if self.platform is None:
            return Question(self.kb.facts["platform"], "platform", float("inf"))
        contested = self.contested()
        if not contested:
            return None
        # Branch and bound: facts are tried from the highest upper bound of their value down,
        # and the search stops once no remaining bound can beat the best value found.
        open_facts = [(self.bound_of(f, contested), index, f) for index, f in enumerate(self.graph.facts)
                      if f not in self.known and f not in self.closed]
        best: Optional[Question] = None
        best_index = 0
        for bound, index, fact_id in sorted(open_facts, key=lambda item: (-item[0], item[1])):
            if bound <= 0 or (best is not None and bound < best.value):
                break
            value = self.value_of(fact_id, contested)
            if value > 0 and (best is None or (value, -index) > (best.value, -best_index)):
                best, best_index = Question(self._asked_for(fact_id), fact_id, value), index
        return best

    def _asked_for(self, fact_id: str) -> Fact:
        """The fact itself, or for a skipped computed rate its next count (denominator first)."""
        fact = self.kb.facts[fact_id]
        if fact_id in self.skipped and fact.computed_from:
            numerator, denominator = fact.computed_from
            return self.kb.facts[denominator if denominator not in self.values else numerator]
        return fact

    def _reach(self, fact_id: str, contested: FrozenSet[str]) -> List[Node]:
        downstream = self.graph.downstream(fact_id)
        return [("cause", c) for c in sorted(contested) if ("cause", c) in downstream]

    def _weight(self, fact_id: str) -> float:
        return 1 + self.kb.facts[fact_id].priority / 100

    def bound_of(self, fact_id: str, contested: FrozenSet[str]) -> float:
        """An upper bound of :meth:`value_of`, cheap to compute: an answer only narrows an interval,
        and only by what the rules it affects contribute."""
        leverage = self.graph.leverage(fact_id)
        total = 0.0
        for node in self._reach(fact_id, contested):
            interval = self.bounds.node(node)
            total += 2 * min(interval.high - interval.low, leverage[node])
        return round(total * self._weight(fact_id), 6)

    def value_of(self, fact_id: str, contested: FrozenSet[str]) -> float:
        """How far answering ``fact_id`` could narrow the contested causes' intervals, by priority."""
        reach = self._reach(fact_id, contested)
        missing = [node for node in reach if (fact_id, node) not in self._changes]
        if missing:  # a cause's change stays valid until an answer reaches it (see _forget_changes)
            unknown = self.hypothesis(fact_id, None)
            outcomes = [unknown] + [self.hypothesis(fact_id, value, unknown)
                                    for value in self.graph.outcomes(self.kb.facts[fact_id]) if value is not None]
            for node in missing:
                now = self.bounds.node(node)
                after = [outcome.node(node) for outcome in outcomes]
                self._changes[(fact_id, node)] = \
                    (now.high - min(a.high for a in after)) + (max(a.low for a in after) - now.low)
        total = sum(self._changes[(fact_id, node)] for node in reach)
        return round(total * self._weight(fact_id), 6)

    def hypothesis(self, fact_id: str, value: Any, unknown: Optional[Bounds] = None) -> Bounds:
        """The intervals if ``fact_id`` were answered ``value`` (None: unknown). An answer is evaluated
        on top of the "unknown" hypothesis (pass it as ``unknown`` to share it), so that only the rules
        whose conditions the answer meets are re-evaluated."""
        if unknown is None:
            unknown = Bounds(self.graph, self.known, self.closed | {fact_id}, self.bounds, self.graph.reach(fact_id))
        if value is None:
            return unknown
        return Bounds(self.graph, dict(self.known, **{fact_id: value}), self.closed, unknown,
                      self.graph.answer_reach(fact_id, value))

    # -- explaining --------------------------------------------------------------------------
    def reasons(self, fact_id: str) -> List[Tuple[str, Interval, List[Rule]]]:
        """For ``why``: each candidate cause the fact can affect, its interval, and the rules on the way."""
        downstream = self.graph.downstream(fact_id)
        found = []
        for cause in self.graph.causes:
            node = ("cause", cause)
            interval = self.bounds.node(node)
            if node not in downstream or interval.high <= 0:
                continue
            rules = [rule for rule in self.graph.concluding[node] if self.depends(rule, fact_id)]
            found.append((cause, interval, rules))
        return found

    def depends(self, rule: Rule, fact_id: str) -> bool:
        """Whether a rule tests ``fact_id`` directly or through a symptom downstream of it."""
        downstream = self.graph.downstream(fact_id)
        return any((c.kind == "fact" and c.name == fact_id) or
                   (c.kind == "symptom" and ("symptom", c.name) in downstream) for c in rule.conditions)

    def current(self, cause_id: str) -> float:
        for cause in self.diagnosis.causes:
            if cause.id == cause_id:
                return cause.certainty
        return dict(self.diagnosis.ruled_out).get(cause_id, 0.0)


# ---------------------------------------------------------------------------------------------
# The dialog: every word shown comes from the knowledge base (knowledge/interview.yaml, facts)


COMMANDS = ("why", "help", "skip", "back", "status", "done")


def text(kb: KnowledgeBase, name: str, lang: str, **values) -> str:
    """Interface text ``interview.<name>`` in ``lang``; a clear error when the knowledge base lacks it."""
    message_id = f"interview.{name}"
    if message_id not in kb.messages:
        raise KnowledgeBaseError(f"the knowledge base has no message '{message_id}' (see knowledge/interview.yaml)")
    return kb.message(message_id, lang, **values)
MARKS = {True: "✓", False: "✗", None: "?"}


class Dialog:
    """Runs an interview through ``ask(prompt) -> str`` and ``tell(text)``; ``save()`` after each answer."""

    def __init__(self, session: Session, lang: str, ask: Callable[[str], str], tell: Callable[[str], None],
                 save: Callable[[], None]):
        self.session, self.kb, self.lang = session, session.kb, lang
        self.ask, self.tell, self.save = ask, tell, save
        self.words = {word: command for command in COMMANDS for language in ("en", "zh")
                      for word in self._words(command, language)}

    def _words(self, command: str, language: str) -> List[str]:
        return [w.strip().lower() for w in text(self.kb, f"word.{command}", language).split("|")]

    def msg(self, message_id: str, **values) -> str:
        return text(self.kb, message_id, self.lang, **values)

    def run(self) -> str:
        """Ask until the top 3 is settled ("settled") or the consultant types done ("done")."""
        self.tell(self.msg("commands"))
        while True:
            question = self.session.next_question()
            if question is None:
                self.tell("")
                self.tell(self.msg("settled"))
                return "settled"
            if self._ask(question) == "done":
                self.tell("")
                self.tell(self.msg("stopped"))
                return "done"

    def _ask(self, question: Question) -> str:
        fact = question.fact
        self.tell("")
        self.tell(self.msg("question", number=len(self.session.history) + 1, text=say(fact.question, self.lang)))
        if fact.type == "choice":
            self.tell(self._choice_list(fact))
        while True:
            raw = self.ask(self.msg("prompt"))
            command = self.words.get(raw.strip().lower())
            if command == "why":
                self.tell(self.why(question))
            elif command == "help":
                self.tell(self.help(fact))
            elif command == "status":
                self.tell(self.status())
            elif command == "done":
                if self.session.platform is not None:
                    return "done"
                self.tell(self.msg("platform_required"))
            elif command == "back":
                undone = self.session.back()
                if undone is None:
                    self.tell(self.msg("nothing_to_undo"))
                    continue
                self.save()
                self.tell(self.msg("undone", text=say(self.kb.facts[undone[0]].question, self.lang)))
                return "back"
            elif command == "skip":
                if fact.id == "platform":
                    self.tell(self.msg("platform_required"))
                    continue
                self.session.skip(fact.id)
                self.save()
                return "skip"
            else:
                try:
                    self.session.answer(fact.id, raw)
                except ValueProblem as exc:
                    self.tell(self.msg("bad_answer", reason=self.reason(exc), accepted=self.accepted(fact)))
                    continue
                self.save()
                return "answer"

    # -- texts -------------------------------------------------------------------------------
    def _choice_list(self, fact: Fact) -> str:
        return "\n".join(self.msg("choice", number=n, label=say(label, self.lang), value=value)
                         for n, (value, label) in enumerate(fact.choices, 1))

    def reason(self, problem: ValueProblem) -> str:
        """Why an answer does not fit, in the interview's language (in English where the
        knowledge base has no message ``interview.problem.<code>``)."""
        message_id = f"problem.{problem.code}"
        if f"interview.{message_id}" not in self.kb.messages:
            return str(problem)
        return self.msg(message_id, **problem.values)

    def accepted(self, fact: Fact) -> str:
        """The accepted values of a fact, in words."""
        if fact.type in ("count", "number"):
            low = 0 if fact.type == "count" and fact.minimum is None else fact.minimum
            shown = {"low": "" if low is None else format_value(fact, low, self.lang),
                     "high": "" if fact.maximum is None else format_value(fact, fact.maximum, self.lang)}
            span = "between" if fact.maximum is not None and low is not None else "from" if low is not None \
                else "to" if fact.maximum is not None else "any"
            return self.msg(f"accept.{fact.type}_{span}", **shown)
        return self.msg(f"accept.{fact.type}")

    def help(self, fact: Fact) -> str:
        lines = [self.msg("help.heading", fact=fact.id), say(fact.help, self.lang),
                 self.msg("help.accepted", accepted=self.accepted(fact))]
        if fact.unit and fact.type != "rate":
            lines.append(self.msg("help.unit", unit=fact.unit))
        if fact.window:
            lines.append(self.msg("help.window", window=say(fact.window, self.lang)))
        if fact.example is not None:
            lines.append(self.msg("help.example", example=fact.example))
        if fact.type == "choice":
            lines.append(self._choice_list(fact))
        lines.append(self.msg("help.commands"))
        return "\n".join(lines)

    def status(self) -> str:
        session = self.session
        unknown = len(session.case().get(UNKNOWN_KEY, ()))
        lines = [self.msg("status.heading", answered=len(session.values), unknown=unknown)]
        causes = session.diagnosis.top(TOP) if session.diagnosis else ()
        if not causes:
            lines.append(self.msg("status.none"))
        for cause in causes:
            interval = session.bounds.node(("cause", cause.id))
            lines.append(self.msg("status.cause", rank=cause.rank, title=say(cause.title, self.lang), id=cause.id,
                                  certainty=percent(cause.certainty), low=percent(interval.low),
                                  high=percent(interval.high)))
        return "\n".join(lines)

    def why(self, question: Question) -> str:
        session = self.session
        if session.platform is None:
            return self.msg("why.platform")
        reasons = session.reasons(question.tests)
        lines = [self.msg("why.heading", fact=question.tests)]
        if question.fact.id != question.tests:
            lines.append(self.msg("why.count", fact=question.fact.id, rate=question.tests))
        if not reasons:
            lines.append(self.msg("why.none"))
        contested = session.contested()
        for cause, interval, rules in reasons:
            lines.append(self.msg("why.cause", title=say(self.kb.causes[cause].title, self.lang), id=cause,
                                  certainty=percent(session.current(cause)), low=percent(interval.low),
                                  high=percent(interval.high)))
            if cause in contested:
                lines.append(self.msg("why.contested"))
            for rule in rules:
                self._rule_lines(rule, question.tests, lines, 2, set())
        lines.append(self.msg("why.legend"))
        return "\n".join(lines)

    def _rule_lines(self, rule: Rule, fact_id: str, lines: List[str], depth: int, seen: set) -> None:
        bounds, pad = self.session.bounds, "  " * depth
        lines.append(pad + self.msg("why.rule", id=rule.id, certainty=percent(rule.certainty),
                                    title=say(rule.title, self.lang)))
        for condition in rule.conditions:
            lines.append(pad + "  " + MARKS[bounds.truth(condition)] + " " + self.condition(condition))
            node = ("symptom", condition.name)
            if condition.kind == "symptom" and node not in seen and node in self.session.graph.downstream(fact_id):
                for inner in self.session.graph.concluding.get(node, ()):
                    if self.session.depends(inner, fact_id):
                        self._rule_lines(inner, fact_id, lines, depth + 2, seen | {node})

    def condition(self, condition: Condition) -> str:
        """A rule condition in words, with the answer already given for its fact."""
        if condition.kind == "symptom":
            text = self.msg("cond.symptom", title=say(self.kb.symptoms[condition.name].title, self.lang),
                            id=condition.name)
        else:
            fact = self.kb.facts[condition.name]
            shown = condition.value if isinstance(condition.value, tuple) else (condition.value,)
            value = ", ".join(format_value(fact, v, self.lang) for v in shown if v is not None)
            text = self.msg(f"cond.{condition.op}", fact=fact.id, value=value)
            if fact.id in self.session.known:
                text += " " + self.msg("cond.answer", value=format_value(fact, self.session.known[fact.id], self.lang))
            elif fact.id in self.session.closed:
                text += " " + self.msg("cond.unknown")
        return self.msg("cond.not", condition=text) if condition.negated else text

