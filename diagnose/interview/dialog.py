"""The interview's dialog: every word shown comes from the knowledge base (knowledge/interview.yaml, facts)."""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

from ..consistency import CaseWarning, case_warnings, warning_text
from ..facts import UNKNOWN_KEY
from ..knowledge import OVER_TARGET, Condition
from ..render import percent
from ..vocabulary import EXPECTING, Fact, ValueProblem, coerce, fold, format_value, say
from .explain import Explainer, how, text
from .session import ANYTHING_ELSE, METRICS, Question, Session


COMMANDS = ("why", "how", "help", "skip", "back", "status", "done", "none")


class Dialog:
    """Runs an interview through ``ask(prompt) -> str`` and ``tell(text)``; ``save()`` after each answer."""

    def __init__(self, session: Session, lang: str, ask: Callable[[str], str], tell: Callable[[str], None],
                 save: Callable[[], None], record_actions: Optional[Callable[[List[str]], None]] = None) -> None:
        self.session, self.kb, self.lang = session, session.kb, lang
        self.ask, self.tell, self.save = ask, tell, save
        self.record_actions = record_actions
        self.words = {word: command for command in COMMANDS for language in ("en", "zh")
                      for word in self._words(command, language)}

    def _words(self, command: str, language: str) -> List[str]:
        return [fold(w) for w in text(self.kb, f"word.{command}", language).split("|")]

    def msg(self, message_id: str, **values: Any) -> str:
        return text(self.kb, message_id, self.lang, **values)

    def run(self) -> str:
        """Ask until the top 3 is settled ("settled") or the consultant types done ("done")."""
        self.tell(self.msg("commands"))
        while True:
            question = self.session.next_question()
            if question is None:
                if self.record_actions is not None and not self._actions():
                    continue  # back from the actions question: the last answer is undone
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
        if question.kind == METRICS:
            return self._metrics(question)
        fact = question.fact
        self.tell("")
        self.tell(self.msg("question", number=len(self.session.history) + 1, text=say(fact.question, self.lang)))
        if fact.type == "choice":
            self.tell(self._choice_list(fact))
        level = 0
        while True:
            raw = self.ask(self.msg("prompt"))
            command, argument = self.command(raw)
            if command == "why":
                self.tell(self.why(question, level))
                level += 1
            elif command == "how":
                self.tell(self.how(argument))
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
                before = self.warnings()
                try:
                    self.session.answer(fact.id, raw)
                except ValueProblem as exc:
                    self.tell(self.refusal(exc, fact))
                    continue
                self.save()
                for warning in self.warnings():
                    if warning not in before:
                        self.tell(self.kb.message("warning.correct", self.lang,
                                                  text=warning_text(self.kb, warning, self.lang)))
                return "answer"

    def _back(self) -> bool:
        """Undo the last answer and say which; False when there is none."""
        undone = self.session.back()
        if undone is None:
            self.tell(self.msg("nothing_to_undo"))
            return False
        self.save()
        asked = self.msg(undone[0]) if undone[0] in (ANYTHING_ELSE, METRICS) else \
            say(self.kb.facts[undone[0]].question, self.lang)
        self.tell(self.msg("undone", text=asked))
        return True

    def _anything_else(self, question: Question) -> str:
        """The closing yes/no on the practices left aside; after a yes, the checklist of them."""
        self.tell("")
        self.tell(self.msg("question", number=len(self.session.history) + 1, text=self.msg("anything_else")))
        yes_no = self.kb.facts[question.deferred[0]]  # every practice on the list is a yes/no fact

        def take(command: str, raw: str) -> Optional[str]:
            try:
                yes = command not in ("skip", "none") and coerce(yes_no, raw)
            except ValueProblem as exc:
                self.tell(self.msg("bad_answer", reason=self.reason(exc), accepted=self.accepted(yes_no)))
                return None
            chosen = self._checklist(question.deferred) if yes else []
            if chosen is None:
                return None
            self.session.answer_anything_else(chosen, question.deferred)
            return "answer"

        return self._prompt_until(take, "why.anything_else")

    def _metrics(self, question: Question) -> str:
        """The checklist of the metrics the performance page may show over target: their numbers,
        or none (their figures then stay unknown)."""
        listed = question.deferred
        self.tell("")
        self.tell(self.msg("question", number=len(self.session.history) + 1, text=self.msg(METRICS)))
        labels = [self.kb.facts[OVER_TARGET].choice_label(m, self.lang) for m in listed]
        self.tell("\n".join(self.msg("checklist_item", number=n, text=label) for n, label in enumerate(labels, 1)))
        self.tell(self.msg("metrics_how"))

        def take(command: str, raw: str) -> Optional[str]:
            chosen = [] if command in ("skip", "none") else self._numbers(raw, listed)
            if chosen is None:
                self.tell(self.msg("checklist_bad", count=len(listed)))
                return None
            self.session.answer_metrics(chosen, listed)
            return "answer"

        return self._prompt_until(take, "why.metrics")

    def _prompt_until(self, take: Callable[[str, str], Optional[str]], why: str) -> str:
        """Prompt until ``take(command, raw)`` takes an answer ("answer", saved at once) or a
        command ends the question ("done", or "back" once an answer was undone); ``why`` and
        ``help`` tell the message ``why``."""
        while True:
            raw = self.ask(self.msg("prompt"))
            command, argument = self.command(raw)
            if command in ("why", "help"):
                self.tell(self.msg(why))
            elif command == "how":
                self.tell(self.how(argument))
            elif command == "status":
                self.tell(self.status())
            elif command == "done":
                return "done"
            elif command == "back":
                if self._back():
                    return "back"
            elif take(command, raw) is not None:
                self.save()
                return "answer"

    def _actions(self) -> bool:
        """Once the diagnosis is settled: which immediate remedies of the top causes the seller has
        already carried out (one question; none allowed), handed to ``record_actions``. False when
        the consultant goes back instead."""
        remedies = {r.id: r.text for cause in self.session.diagnosis.top(self.session.kb.setting("interview.top")) for r in cause.remedies
                    if r.kind == "immediate"} if self.session.diagnosis else {}
        if not remedies:
            return True
        self.tell("")
        self.tell(self.msg("question", number=len(self.session.history) + 1, text=self.msg("actions")))
        chosen = self._checklist(list(remedies), [say(text, self.lang) for text in remedies.values()])
        if chosen is None:
            self._back()
            return False
        self.record_actions(chosen)
        return True

    def _checklist(self, deferred: Sequence[str], labels: Optional[Sequence[str]] = None) -> Optional[List[str]]:
        """The items that apply, picked by number (``labels`` shown, the practices' questions by
        default); None when the consultant goes back."""
        if labels is None:
            self.tell(self.msg("checklist"))
            labels = [say(self.kb.facts[f].question, self.lang) for f in deferred]
        self.tell("\n".join(self.msg("checklist_item", number=n, text=label) for n, label in enumerate(labels, 1)))
        while True:
            raw = self.ask(self.msg("prompt"))
            command = self.words.get(fold(raw))
            if command == "back":
                return None
            if command in ("skip", "none"):
                return []
            chosen = self._numbers(raw, deferred)
            if chosen is not None:
                return chosen
            self.tell(self.msg("checklist_bad", count=len(deferred)))

    @staticmethod
    def _numbers(raw: str, items: Sequence[str]) -> Optional[List[str]]:
        """The items picked by their numbers (separated by commas or spaces); None if any does not fit."""
        numbers = [part for part in fold(raw).replace("，", ",").replace(" ", ",").split(",") if part]
        if numbers and all(n.isdigit() and 1 <= int(n) <= len(items) for n in numbers):
            return [items[int(n) - 1] for n in numbers]
        return None

    # -- texts -------------------------------------------------------------------------------
    def _choice_list(self, fact: Fact) -> str:
        return "\n".join(self.msg("choice", number=n, label=say(label, self.lang), value=value)
                         for n, (value, label) in enumerate(self.session.choices(fact), 1))

    def refusal(self, problem: ValueProblem, fact: Fact) -> str:
        """Why an answer is refused and what would fit, saying what is expected once."""
        if problem.code in EXPECTING:
            return self.msg("bad_answer.got", got=problem.values["got"], accepted=self.accepted(fact))
        return self.msg("bad_answer", reason=self.reason(problem), accepted=self.accepted(fact))

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
            lines.append(self.msg("help.unit", unit=self.kb.unit_words(fact, self.lang)))
        window = self.kb.window_of(self.session.platform, fact.id)  # the platform's own, where it sets one
        if window:
            lines.append(self.msg("help.window", window=say(window, self.lang)))
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
        causes = session.diagnosis.top(session.kb.setting("interview.top")) if session.diagnosis else ()
        if not causes:
            lines.append(self.msg("status.none"))
        for cause in causes:
            interval = session.bounds.node(("cause", cause.id))
            lines.append(self.msg("status.cause", rank=cause.rank, title=say(cause.title, self.lang), id=cause.id,
                                  certainty=percent(cause.certainty), low=percent(interval.low),
                                  high=percent(interval.high)))
        return "\n".join(lines)

    def warnings(self) -> Tuple[CaseWarning, ...]:
        """The contradictions in the answers so far (see :mod:`diagnose.consistency`)."""
        if self.session.diagnosis is None:
            return ()
        return tuple(w for w in case_warnings(self.kb, self.session.diagnosis, self.lang)
                     if f"warning.{w.code}" in self.kb.messages)

    def command(self, raw: str) -> Tuple[Optional[str], str]:
        """The command typed (None for an answer) and what follows it (``how CAUSE``)."""
        typed = fold(raw)
        if typed in self.words:
            return self.words[typed], ""
        first, _, rest = typed.partition(" ")
        if self.words.get(first) == "how":
            return "how", rest.strip()
        return None, ""

    def why(self, question: Question, level: int = 0) -> str:
        """WHY at ``question``: the rule it decides; each ``level`` up, one step towards the goal."""
        return Explainer(self.session, self.lang).why(question, level)

    def how(self, argument: str) -> str:
        """HOW a cause was concluded: ``argument`` is its id or rank (the first cause by default)."""
        session = self.session
        if session.diagnosis is None:
            return self.msg("why.platform")
        causes = session.diagnosis.causes
        if not causes and (not argument or argument.isdigit()):
            return self.msg("how.nothing")
        if argument.isdigit() and 1 <= int(argument) <= len(causes):
            argument = causes[int(argument) - 1].id
        elif not argument:
            argument = causes[0].id if causes else ""
        if not argument:
            return self.msg("how.nothing")
        return how(self.kb, session.diagnosis, argument, self.lang)

    def condition(self, condition: Condition) -> str:
        """A rule condition in words, with the answer already given for its fact."""
        return Explainer(self.session, self.lang).condition(condition)
