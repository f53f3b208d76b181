"""The interview's dialog: every word shown comes from the knowledge base (knowledge/interview.yaml, facts)."""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence

from ..errors import KnowledgeBaseError
from ..facts import UNKNOWN_KEY
from ..knowledge import Condition, KnowledgeBase, Rule
from ..render import percent
from ..vocabulary import Fact, ValueProblem, coerce, fold, format_value, say
from .graph import TOP
from .session import ANYTHING_ELSE, Question, Session


COMMANDS = ("why", "help", "skip", "back", "status", "done", "none")


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
        return [fold(w) for w in text(self.kb, f"word.{command}", language).split("|")]

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
        if question.kind == ANYTHING_ELSE:
            return self._anything_else(question)
        fact = question.fact
        self.tell("")
        self.tell(self.msg("question", number=len(self.session.history) + 1, text=say(fact.question, self.lang)))
        if fact.type == "choice":
            self.tell(self._choice_list(fact))
        while True:
            raw = self.ask(self.msg("prompt"))
            command = self.words.get(fold(raw))
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
                if self._back():
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

    def _back(self) -> bool:
        """Undo the last answer and say which; False when there is none."""
        undone = self.session.back()
        if undone is None:
            self.tell(self.msg("nothing_to_undo"))
            return False
        self.save()
        asked = self.msg("anything_else") if undone[0] == ANYTHING_ELSE else \
            say(self.kb.facts[undone[0]].question, self.lang)
        self.tell(self.msg("undone", text=asked))
        return True

    def _anything_else(self, question: Question) -> str:
        """The closing yes/no on the practices left aside; after a yes, the checklist of them."""
        self.tell("")
        self.tell(self.msg("question", number=len(self.session.history) + 1, text=self.msg("anything_else")))
        yes_no = self.kb.facts[question.deferred[0]]  # every practice on the list is a yes/no fact
        while True:
            raw = self.ask(self.msg("prompt"))
            command = self.words.get(fold(raw))
            if command in ("why", "help"):
                self.tell(self.msg("why.anything_else"))
            elif command == "status":
                self.tell(self.status())
            elif command == "done":
                return "done"
            elif command == "back":
                if self._back():
                    return "back"
            else:
                try:
                    yes = command not in ("skip", "none") and coerce(yes_no, raw)
                except ValueProblem as exc:
                    self.tell(self.msg("bad_answer", reason=self.reason(exc), accepted=self.accepted(yes_no)))
                    continue
                chosen = self._checklist(question.deferred) if yes else []
                if chosen is None:
                    continue
                self.session.answer_anything_else(chosen, question.deferred)
                self.save()
                return "answer"

    def _checklist(self, deferred: Sequence[str]) -> Optional[List[str]]:
        """The practices that apply, picked by number; None when the consultant goes back."""
        self.tell(self.msg("checklist"))
        self.tell("\n".join(self.msg("checklist_item", number=n, text=say(self.kb.facts[f].question, self.lang))
                             for n, f in enumerate(deferred, 1)))
        while True:
            raw = self.ask(self.msg("prompt"))
            command = self.words.get(fold(raw))
            if command == "back":
                return None
            if command in ("skip", "none"):
                return []
            numbers = [part for part in fold(raw).replace("，", ",").replace(" ", ",").split(",") if part]
            if numbers and all(n.isdigit() and 1 <= int(n) <= len(deferred) for n in numbers):
                return [deferred[int(n) - 1] for n in numbers]
            self.tell(self.msg("checklist_bad", count=len(deferred)))

    # -- texts -------------------------------------------------------------------------------
    def _choice_list(self, fact: Fact) -> str:
        return "\n".join(self.msg("choice", number=n, label=say(label, self.lang), value=value)
                         for n, (value, label) in enumerate(self.session.choices(fact), 1))

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

