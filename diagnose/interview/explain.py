"""WHY and HOW as MYCIN had them: why a question is asked, one rule at a time, climbing one level
each time; how a conclusion was reached. Every word comes from knowledge/interview.yaml."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

from ..errors import KnowledgeBaseError
from ..knowledge import Condition, KnowledgeBase, Rule
from ..ranking import Diagnosis
from ..render import fact_shown, listing, percent
from ..typography import bracket, join, spaced
from ..vocabulary import format_value, quote, say
from .graph import CERTAIN, POSSIBLE, RULED_OUT, Node
from .session import ANYTHING_ELSE, METRICS, Question, Session

MARKS = {True: "✓", False: "✗", None: "?"}  # in Chinese output "？" for not known yet
MAX_LINES = 12  # a WHY or HOW answer never runs longer (issue 14: at most a dozen lines)


def text(kb: KnowledgeBase, name: str, lang: str, **values: Any) -> str:
    """Interface text ``interview.<name>`` in ``lang``; a clear error when the knowledge base lacks it."""
    message_id = f"interview.{name}"
    if message_id not in kb.messages:
        raise KnowledgeBaseError(f"the knowledge base has no message '{message_id}' (see knowledge/interview.yaml)")
    return kb.message(message_id, lang, **values)


def _fit(lines: List[str], kb: KnowledgeBase, lang: str) -> str:
    """At most MAX_LINES lines; what is cut is counted on the last one."""
    if len(lines) > MAX_LINES:
        cut = len(lines) - MAX_LINES + 1
        lines = lines[:MAX_LINES - 1] + [text(kb, "why.more", lang, count=cut)]
    return "\n".join(lines)


class Explainer:
    """WHY at a question of one session, in one language."""

    def __init__(self, session: Session, lang: str) -> None:
        self.session, self.kb, self.lang = session, session.kb, lang

    def msg(self, name: str, **values: Any) -> str:
        return text(self.kb, name, self.lang, **values)

    def why(self, question: Question, level: int = 0) -> str:
        """Why ``question`` is asked; ``level`` 0 is the rule it decides, each level above climbs
        one step towards the goal (the top three causes)."""
        session = self.session
        if question.kind in (ANYTHING_ELSE, METRICS):
            return self.msg(f"why.{question.kind}")
        if session.platform is None:
            return self.msg("why.platform")
        lines = []
        if question.fact.id != question.tests:
            lines.append(self.msg("why.count", fact=self.kb.fact_label(question.fact.id, self.lang),
                                  rate=self.kb.fact_label(question.tests, self.lang)))
        chain = self.chain(question)
        if question.kind == "figure":
            reason = "why.ticked" if session.ticked(question.tests) else "why.figure"
            lines.append(self.msg(reason, fact=self.fact_name(question.tests)) if level == 0 else self.msg("why.end"))
            return _fit(lines, self.kb, self.lang)
        if not chain:
            lines.append(self.msg("why.none"))
        elif level < len(chain):
            rule = chain[level]
            before = question.tests if level == 0 else None
            lines += self.rule_lines(rule, before, chain[level - 1].conclusion if level else None)
            lines.append(self.msg("why.again"))
        elif level == len(chain):
            cause = chain[-1].conclusion[1]
            interval = session.bounds.node(("cause", cause))
            lines.append(self.msg("why.goal", title=say(self.kb.causes[cause].title, self.lang), id=cause,
                                  certainty=percent(session.current(cause)), low=percent(interval.low),
                                  high=percent(interval.high)))
            top = session.diagnosis.top(3)
            causes = [f"{c.rank}. " + bracket(f"{say(c.title, self.lang)} [{c.id}]", percent(c.certainty), self.lang)
                      for c in top]
            lines.append(self.msg("why.top", causes=join(causes, self.lang) or self.msg("why.top_none")))
        else:
            lines.append(self.msg("why.end"))
        return _fit(lines, self.kb, self.lang)

    def chain(self, question: Question) -> List[Rule]:
        """The rules from the question's fact to the contested cause it can change the most: the
        rule testing the fact first, the rule concluding the cause last (empty when none)."""
        session, fact = self.session, question.tests
        contested = session.contested()
        downstream = session.graph.downstream(fact)
        causes = [c for c in sorted(contested) if ("cause", c) in downstream]
        if not causes:
            return []
        cause = max(causes, key=lambda c: (session._changes.get((fact, ("cause", c)), 0.0), c))
        return self._path(fact, ("cause", cause)) or []

    def _path(self, fact: str, goal: Node) -> Optional[List[Rule]]:
        """A shortest chain of live rules from a rule testing ``fact`` to one concluding ``goal``."""
        graph, bounds = self.session.graph, self.session.bounds
        live = [r for r in graph.testing_fact.get(fact, ()) if bounds._rule(r)[0] != RULED_OUT]
        paths = [[r] for r in sorted(live, key=lambda r: (-abs(r.certainty), r.id))]
        seen = set()
        while paths:
            path = paths.pop(0)
            node = path[-1].conclusion
            if node == goal:
                return path
            if node in seen or node[0] != "symptom":
                continue
            seen.add(node)
            for rule in graph.testing_symptom.get(node[1], ()):
                if bounds._rule(rule)[0] != RULED_OUT:
                    paths.append(path + [rule])
        return None

    def rule_lines(self, rule: Rule, fact: Optional[str], below: Optional[Node]) -> List[str]:
        """One rule: why it is pursued, its conditions marked, and what it would conclude."""
        bounds = self.session.bounds
        if fact is not None:
            lines = [self.msg("why.heading", fact=self.fact_name(fact))]
        else:
            lines = [self.msg("why.up", what=self.node_name(below))]
        lines.append(self.msg("why.rule", id=rule.id, certainty=percent(rule.certainty),
                              title=say(rule.title, self.lang)))
        marks = {**MARKS, None: "？"} if self.lang == "zh" else MARKS
        lines += ["  " + marks[bounds.truth(c)] + " " + self.condition(c) for c in rule.conditions]
        status, _, _ = bounds._rule(rule)
        verdict = {CERTAIN: "why.holds", POSSIBLE: "why.would", RULED_OUT: "why.fails"}[status]
        lines.append(self.msg(verdict, what=self.node_name(rule.conclusion), certainty=percent(rule.certainty)))
        return lines

    def fact_name(self, fact_id: str) -> str:
        """A fact as the question that asks it, in quotation marks."""
        return quote(say(self.kb.facts[fact_id].question, self.lang), self.lang)

    def node_name(self, node: Node) -> str:
        kind, name = node
        table = self.kb.symptoms if kind == "symptom" else self.kb.causes
        return self.msg(f"node.{kind}", title=say(table[name].title, self.lang), id=name)

    def condition(self, condition: Condition) -> str:
        """A rule condition in words, with the answer already given for its fact."""
        session = self.session
        if condition.kind == "symptom":
            text = self.node_name(("symptom", condition.name))
        else:
            fact = self.kb.facts[condition.name]
            shown = condition.value if isinstance(condition.value, tuple) else (condition.value,)
            value = ("、" if self.lang == "zh" else ", ").join(format_value(fact, v, self.lang) for v in shown
                                                              if v is not None)
            text = self.msg(f"cond.{condition.op}", fact=self.kb.fact_label(fact.id, self.lang), value=value)
            gap = "" if self.lang == "zh" else " "
            if fact.id in session.known:
                text += gap + self.msg("cond.answer", value=format_value(fact, session.known[fact.id], self.lang))
            elif fact.id in session.closed:
                text += gap + self.msg("cond.unknown")
        text = self.msg("cond.not", condition=text) if condition.negated else text
        return spaced(text) if self.lang == "zh" else text


def how(kb: KnowledgeBase, diagnosis: Diagnosis, cause_id: str, lang: str) -> str:
    """How a cause was concluded (or why it was not): the rules that fired, with the facts and
    symptoms that satisfied them, and how each symptom was shown; at most a dozen lines."""
    if cause_id not in kb.causes:
        return text(kb, "how.unknown", lang, id=cause_id, causes=listing(lang).join(c.id for c in diagnosis.top(3)) or "-")
    title = say(kb.causes[cause_id].title, lang)
    found = [c for c in diagnosis.causes if c.id == cause_id]
    if not found:
        certainty = dict(diagnosis.ruled_out).get(cause_id)
        name = "how.below" if certainty is not None else "how.not_reached"
        return text(kb, name, lang, title=title, id=cause_id, certainty=percent(certainty or 0.0))
    cause = found[0]
    lines = [text(kb, "how.heading", lang, title=title, id=cause_id, certainty=percent(cause.certainty),
                     rank=cause.rank)]
    symptoms = {s.id: s for s in diagnosis.symptoms}
    for evidence in cause.because:
        lines.append(text(kb, "how.rule", lang, id=evidence.rule, certainty=percent(evidence.certainty),
                             title=say(evidence.rule_title, lang)))
        if evidence.facts:
            lines.append(text(kb, "how.facts", lang, facts=_facts(kb, evidence.facts, lang)))
        for symptom_id in evidence.symptoms:
            symptom = symptoms.get(symptom_id)
            shown = listing(lang).join(e.rule for e in symptom.because) if symptom else "-"
            lines.append(text(kb, "how.symptom", lang, title=say(kb.symptoms[symptom_id].title, lang),
                                 id=symptom_id, certainty=percent(symptom.certainty if symptom else 0.0), rules=shown))
    return _fit(lines, kb, lang)


def _facts(kb: KnowledgeBase, facts: Sequence, lang: str) -> str:
    return join((fact_shown(kb, name, value, lang) for name, value in facts), lang)
