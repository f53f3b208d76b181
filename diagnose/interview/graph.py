"""The rule graph of a platform and the certainty intervals of its symptoms and causes.

How the intervals are computed and what makes a cause contested: see :mod:`diagnose.interview`.
"""
from __future__ import annotations

from functools import reduce
from typing import Any, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from ..knowledge import Condition, KnowledgeBase, Rule
from ..operators import holds
from ..ranking import combine, order_key
from ..vocabulary import Fact

CERTAIN, POSSIBLE, RULED_OUT = "certain", "possible", "ruled_out"
Node = Tuple[str, str]  # ("symptom" | "cause", id)




def _holds(condition: Condition, value: Any) -> bool:
    """Whether a fact condition's positive form holds for ``value`` (the engine's operators)."""
    return holds(condition.op, value, condition.value)


class Reach(NamedTuple):
    """What an answer can change: symptoms and causes (``nodes``) and the ids of the rules to re-evaluate."""

    nodes: FrozenSet[Node]
    rules: FrozenSet[str]


NOTHING = Reach(frozenset(), frozenset())


class RuleGraph:
    """One platform's rules as a graph: which rules test each fact and symptom, and conclude each node."""

    def __init__(self, kb: KnowledgeBase, platform: str) -> None:
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
        # framing rules read the case off the notice or a metric: rules on facts only that conclude
        # a symptom, and other rules on facts only that test nothing but the facts those rules test
        framing_facts = {c.name for rule in self.rules if rule.conclusion[0] == "symptom"
                         and not self.parts[rule.id][1] for c in self.parts[rule.id][0]}
        self.framing = frozenset(rule.id for rule in self.rules if not self.parts[rule.id][1]
                                 and all(c.name in framing_facts for c in self.parts[rule.id][0]))
        self.framing_facts = frozenset(c.name for rule in self.rules if rule.id in self.framing
                                       for c in self.parts[rule.id][0])
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


class Focus(NamedTuple):
    """Which possible rules count while the interview is focused (see :mod:`diagnose.interview`):
    ``symptoms`` are those the case shows now; ``framing`` holds while it shows none."""

    framing: bool
    symptoms: FrozenSet[str]


class Bounds:
    """Certainty intervals of every symptom and cause for one state of knowledge, computed lazily.

    A hypothesis (``base`` plus one hypothesised answer) re-evaluates only the nodes and rules
    the answer can ``reach``; everything else is read from the base state. With a ``focus``, a
    possible rule outside it counts as ruled out.
    """

    def __init__(self, graph: RuleGraph, known: Dict[str, Any], closed: FrozenSet[str],
                 base: Optional["Bounds"] = None, reach: Reach = NOTHING, focus: Optional[Focus] = None) -> None:
        self.graph, self.known, self.closed = graph, known, closed
        self.focus = base.focus if base is not None else focus
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
        if status == POSSIBLE and self.focus is not None and not self._in_focus(rule, facts, symptoms):
            return _NO_CONTRIBUTION  # nothing points to it yet: left to "anything else?"
        products = sorted((rule.certainty * low, rule.certainty * high))
        return (status, products[0], products[1])

    def _in_focus(self, rule: Rule, facts: Sequence[Condition], symptoms: Sequence[Tuple[str, bool]]) -> bool:
        """Whether something points to a possible rule: a positive condition that holds (a symptom
        the case shows, or any symptom while it shows none), or the engine firing it now."""
        focus = self.focus
        if focus.framing and rule.id in self.graph.framing:
            return True
        if any(not c.negated and self.fact_truth(c) for c in facts):
            return True
        if any(not negated and (name in focus.symptoms or focus.framing) for name, negated in symptoms):
            return True
        fires = [(c.name in self.known and _holds(c, self.known[c.name])) != c.negated for c in facts]
        fires += [(name in focus.symptoms) != negated for name, negated in symptoms]
        return all(fires) if rule.match == "all" else any(fires)


def contested_causes(kb: KnowledgeBase, graph: RuleGraph, bounds: Bounds, ranked: Sequence[str],
                     fill: Optional[int] = None) -> FrozenSet[str]:
    """Causes whose interval lets them enter, leave or move within the top (``interview.top``, 3);
    while fewer than ``fill`` (default: the top's size) causes are reported, every cause that could
    reach the threshold too (the focused interview fills only the first place: further causes
    come from "anything else?")."""
    size, cutoff = kb.setting("interview.top"), kb.setting("report.min_certainty")
    top = list(ranked[:size])
    fill = size if fill is None else fill
    contested = set()

    def could_beat(rising: str, falling: str) -> bool:
        return order_key(kb, rising, bounds.node(("cause", rising)).high) < \
            order_key(kb, falling, bounds.node(("cause", falling)).low)

    for index, cause in enumerate(top):
        if bounds.node(("cause", cause)).low < cutoff:
            contested.add(cause)
        for lower in top[index + 1:]:
            if could_beat(lower, cause):
                contested |= {cause, lower}
    for cause in graph.causes:
        if cause in top or bounds.node(("cause", cause)).high < cutoff:
            continue
        beaten = [above for above in top if could_beat(cause, above)]
        if beaten or len(top) < fill:
            contested |= {cause, *beaten}
    return frozenset(contested)
