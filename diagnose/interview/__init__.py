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

**Focus.** A rule that could still fire counts (in ``high`` and ``low``) only when something
points to it: a positive condition that already holds, the engine firing it now, or, while the
case shows no symptom, any symptom condition and the *framing* rules (rules on facts only that
read a symptom off the notice or a metric, and rules on those facts alone). Practices that count
whatever the notice says are thereby left to the closing "anything else?".

**Candidate causes** are those some rule in focus could still conclude (``high > 0``). A cause
is **contested** when its interval lets it take the first place (while none is reported), leave
the top 3, or overtake a cause in it: a top cause whose ``low`` is under the reporting threshold,
two top causes whose intervals let the lower overtake the higher, a cause outside the top 3 whose
``high`` could overtake one in it.

A question's **value** is, for each contested cause its fact can reach through the rules,
how far the answer could lower ``high`` plus how far it could raise ``low``, trying every
answer that makes a difference to the rules (each choice, yes and no, a value on and on
either side of every threshold a rule tests, and "unknown"); the sum is weighted by the
fact's ``priority`` (``× (1 + priority/100)``). Questions come in this order: the platform; the
metric behind a symptom the notice shows, while none of its figures is given (the letter needs
the number); the question of highest value, if it reaches the margin (``interview.margin`` in
knowledge/interview.yaml, with the top's size ``interview.top``; ties go to the vocabulary's
order), except that the first time this is a metric while the case shows no symptom, one
checklist asks instead which of the platform's metrics (the choices of ``over_target`` its
rules judge) the performance page shows over target: a ticked one is stated over target and its
figure is asked next, the others' figures stay unknown; then, once, "anything else?": a yes/no on every yes/no practice that could still change
the top 3 out of focus (a yes lists them to tick, a no records them as unknown). (For speed, a
fact's effect on a cause is kept until an answer reaches that cause; facts are tried in order of
an upper bound of their value, stopping when no bound can beat the best found; each hypothetical
answer is evaluated on top of the "unknown" one, re-evaluating only the rules whose conditions it
meets; and after an answer, the intervals it cannot reach are carried over.) When a rate
computed from counts is skipped, its counts are asked instead (denominator first) once a symptom
the case shows points to it. The
interview **stops** when none of these is left.
"""
from __future__ import annotations

from .dialog import Dialog
from .explain import Explainer, how, text
from .graph import Bounds, Focus, Interval, Reach, RuleGraph, contested_causes, rule_graph
from .session import ANYTHING_ELSE, METRICS, Question, Session

__all__ = ["ANYTHING_ELSE", "Bounds", "Dialog", "Explainer", "Focus", "Interval", "METRICS", "Question", "Reach", "RuleGraph", "Session",
           "contested_causes", "how", "rule_graph", "text"]
