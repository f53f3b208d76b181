"""What each page shows, built from the library's objects: plain values for the templates.

Nothing here writes; nothing here formats HTML (the templates escape every value).
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from ..casefile import Case
from ..consistency import warning_text
from ..errors import InputError
from ..facts import UNKNOWN_KEY
from ..interview import ANYTHING_ELSE, METRICS, Dialog, Question, Session, text
from ..knowledge import OVER_TARGET, KnowledgeBase, Letters
from ..letters import Draft, draft_letter, draft_message, letter_cutoff, messages_for
from ..ranking import Diagnosis, Evidence, RankedCause
from ..render import fact_lead, labels, metric_name, percent, show_fact
from ..tracking import Tracking
from ..typography import bracket
from ..vocabulary import EXPECTING, Fact, ValueProblem, format_value, say

CAUSES_SHOWN = 5
CONFIRM = re.compile(r"\[CONFIRM:[^\]\n]*\]")  # an action the letter asks the seller to confirm


def platform_name(kb: KnowledgeBase, platform: Optional[str], lang: str) -> str:
    return say(kb.platforms[platform].name, lang) if platform in kb.platforms else ""


# ---------------------------------------------------------------------------------------------
# The case list


def case_row(kb: KnowledgeBase, name: str, case: Optional[Case], diagnosis: Optional[Diagnosis], problem: str,
             lang: str, today: _dt.date) -> Dict[str, Any]:
    """One line of the case list."""
    if case is None:
        return {"name": name, "problem": problem, "deadline": None, "search": name.lower()}
    values = case.values
    top = diagnosis.causes[0] if diagnosis and diagnosis.causes else None
    upcoming = deadlines(kb, case, lang)
    row = {
        "name": name, "problem": "", "shop": str(values.get("store_name", "")),
        "platform": platform_name(kb, values.get("platform"), lang),
        "notice": show_fact(kb, "notice_reason", values["notice_reason"], lang) if "notice_reason" in values else "",
        "top": say(top.title, lang) if top else "", "certainty": percent(top.certainty) if top else "",
        "status": case.tracking.status, "deadline": upcoming[0] if upcoming else None,
    }
    row["overdue"] = bool(row["deadline"] and row["deadline"]["date"] < today.isoformat())
    row["search"] = " ".join(str(row[k]) for k in ("name", "shop", "platform", "notice", "top")).lower()
    return row


def deadlines(kb: KnowledgeBase, case: Case, lang: str) -> List[Dict[str, str]]:
    """The dates that apply to a case, earliest first: actions promised and not yet done, the
    follow-up after an appeal, and the date after which the platform takes no appeal (Wish's dispute
    window): the platform's ``letters`` in knowledge/platforms.yaml name their deadlines."""
    tracking, values = case.tracking, case.values
    platform = kb.platforms.get(str(values.get("platform")))
    route = platform.letters if platform else Letters()
    found = []
    for remedy, date in tracking.actions_planned.items():
        if remedy not in tracking.actions_done and remedy in kb.remedies:
            found.append((date, kb.message("web.deadline.action", lang, action=say(kb.remedies[remedy].text, lang))))
    if route.follow_up and tracking.status == "appeal_sent" and tracking.appeal_sent_on:
        days = kb.deadlines[route.follow_up].days
        due = _dt.date.fromisoformat(tracking.appeal_sent_on) + _dt.timedelta(days=days)
        found.append((due.isoformat(), kb.message("web.deadline.follow_up", lang, days=days)))
    closes = route.closes
    closing = kb.deadlines[closes.deadline] if closes else None
    if closes and closing and closing.since in values and tracking.status == "draft":
        due = _dt.date.fromisoformat(values[closing.since]) + _dt.timedelta(days=closing.days)
        found.append((due.isoformat(), kb.message(closes.reminder, lang, days=closing.days)))
    return [{"date": date, "what": what} for date, what in sorted(found)]


# ---------------------------------------------------------------------------------------------
# A case


def case_view(kb: KnowledgeBase, case: Case, session: Session, lang: str, why: bool) -> Dict[str, Any]:
    """Everything the case page shows: the next question, the answers, the causes, the tracking."""
    dialog = Dialog(session, lang, _unused, _unused, _unused)
    question = session.next_question()
    diagnosis = session.diagnosis
    view = {
        "question": question_view(kb, dialog, question, len(session.history) + 1, why) if question else None,
        "answers": [answer_view(kb, fact_id, value, lang) for fact_id, value in _answers(session.history)],
        "causes": [], "metrics": [], "symptoms": [],
        "platform": platform_name(kb, session.platform, lang), "shop": str(session.values.get("store_name", "")),
        "labels": labels(kb, lang), "tracking": tracking_view(kb, case, lang),
        "unknown": len(session.case().get(UNKNOWN_KEY, ())),
    }
    if diagnosis is not None:
        view["causes"] = [cause_view(kb, diagnosis, cause, session, lang) for cause in diagnosis.top(CAUSES_SHOWN)]
        view["metrics"] = [{"fact": metric_name(kb, m.fact, lang), "value": show_fact(kb, m.fact, m.value, lang),
                            "target": f"{kb.operator_words(m.must_be, lang)} {show_fact(kb, m.fact, m.target, lang)}",
                            "window": say(m.window, lang), "status": m.status, "status_text": labels(kb, lang)[m.status]}
                           for m in diagnosis.metrics]
        view["symptoms"] = [bracket(say(s.title, lang), percent(s.certainty), lang) for s in diagnosis.symptoms]
    view["warnings"] = [kb.message("warning.heading", lang, text=warning_text(kb, w, lang)) for w in dialog.warnings()]
    return view


def _answers(history: List[Tuple[str, Any]]) -> Iterator[Tuple[str, Any]]:
    """The answers to list: a ticked "anything else?" checklist shows as its yes answers."""
    for fact_id, value in history:
        if fact_id == ANYTHING_ELSE:
            yield from ((chosen, True) for chosen in value[0])
        elif fact_id == METRICS:  # the metrics ticked as over target
            yield from ((OVER_TARGET, value[0]),) if value[0] else ()
        elif value == OVER_TARGET:  # a metric answered "over target"
            yield OVER_TARGET, fact_id
        else:
            yield fact_id, value


def _unused(*_args: object) -> None:
    """The dialog's terminal callbacks: the web only borrows its texts."""


def refusal(kb: KnowledgeBase, session: Session, lang: str, problem: ValueProblem, fact_id: str) -> str:
    """Why an answer was refused, worded as the terminal interview words it."""
    if problem.code == "platform_required":
        return text(kb, "platform_required", lang)
    dialog = Dialog(session, lang, _unused, _unused, _unused)
    accepted = _accepted(kb, dialog, kb.facts[fact_id])
    if problem.code in EXPECTING:  # the reason already says what is expected: say it once
        return kb.message("web.case.refused_got", lang, got=problem.values["got"], accepted=accepted)
    return kb.message("web.case.refused", lang, reason=dialog.reason(problem), accepted=accepted)


def question_view(kb: KnowledgeBase, dialog: Dialog, question: Question, number: int, why: bool) -> Dict[str, Any]:
    """The next question: its text, how to answer it, and (when asked for) why it is asked."""
    fact, lang = question.fact, dialog.lang
    if question.kind == ANYTHING_ELSE:  # one step on the web: tick what applies, or none
        return {"fact": ANYTHING_ELSE, "number": number, "text": text(kb, "anything_else_web", lang),
                "type": "checklist", "choices": [(f, say(kb.facts[f].question, lang)) for f in question.deferred],
                "help": [text(kb, "why.anything_else", lang)], "why": dialog.why(question) if why else None,
                "skippable": True}
    if question.kind == METRICS:  # the metrics the performance page shows over target, or none
        return {"fact": METRICS, "number": number, "text": text(kb, METRICS, lang), "type": "checklist",
                "choices": [(m, kb.facts[OVER_TARGET].choice_label(m, lang)) for m in question.deferred],
                "help": [text(kb, "why.metrics", lang)], "why": dialog.why(question) if why else None,
                "skippable": True}
    help_lines = [say(fact.help, lang), text(kb, "help.accepted", lang, accepted=_accepted(kb, dialog, fact))]
    if fact.unit and fact.type != "rate":
        help_lines.append(text(kb, "help.unit", lang, unit=kb.unit_words(fact, lang)))
    window = kb.window_of(dialog.session.platform, fact.id)  # the platform's own, where it sets one
    if window:
        help_lines.append(text(kb, "help.window", lang, window=say(window, lang)))
    if fact.example is not None:
        help_lines.append(text(kb, "help.example", lang, example=fact.example))
    return {"fact": fact.id, "number": number, "text": say(fact.question, lang), "type": fact.type,
            "choices": choices(fact, lang), "multiple": fact.multiple, "help": [line for line in help_lines if line],
            "why": dialog.why(question) if why else None, "skippable": fact.id != "platform"}


def _accepted(kb: KnowledgeBase, dialog: Dialog, fact: Fact) -> str:
    """The accepted answers in words: a fact of several choices is answered by ticking boxes."""
    return kb.message("web.case.accept_several", dialog.lang) if fact.multiple else dialog.accepted(fact)


def choices(fact: Fact, lang: str) -> List[Tuple[str, str]]:
    """(value, label) of each answer offered as a button or option; none for typed answers."""
    if fact.type == "choice":
        return [(value, say(label, lang)) for value, label in fact.choices]
    if fact.type == "bool":
        return [("yes", format_value(fact, True, lang)), ("no", format_value(fact, False, lang))]
    return []


def answer_view(kb: KnowledgeBase, fact_id: str, value: Any, lang: str) -> Dict[str, Any]:
    """A given answer, shown and editable in place."""
    fact = kb.facts[fact_id]
    empty: Union[str, List[str]] = [] if fact.multiple else ""
    return {"fact": fact_id, "question": say(fact.question, lang), "type": fact.type,
            "shown": None if value is None else format_value(fact, value, lang),
            "input": empty if value is None else input_value(fact, value), "choices": choices(fact, lang),
            "multiple": fact.multiple, "locked": fact_id == "platform"}


def input_value(fact: Fact, value: Any) -> Union[str, List[str]]:
    """A given value written back as the form sends it: yes or no, a choice by its value (those of a
    fact of several choices as a list), any other as the text the interview accepts."""
    if fact.type == "bool":
        return "yes" if value else "no"
    if fact.type == "choice":
        values = [str(one) for one in (value if isinstance(value, tuple) else (value,))]
        return values if fact.multiple else values[0]
    return format_value(fact, value, "en")


def cause_view(kb: KnowledgeBase, diagnosis: Diagnosis, cause: RankedCause, session: Session,
               lang: str) -> Dict[str, Any]:
    """A ranked cause: certainty, the range it can still end in, remedies and the chain that concluded it."""
    interval = session.bounds.node(("cause", cause.id))
    return {"id": cause.id, "rank": cause.rank, "title": say(cause.title, lang), "certainty": percent(cause.certainty),
            "width": max(0, min(100, round(cause.certainty * 100))), "low": percent(interval.low),
            "high": percent(interval.high), "top": cause.rank <= kb.setting("interview.top"), "explanation": say(cause.explanation, lang),
            "remedies": {kind: [say(r.text, lang) for r in cause.remedies if r.kind == kind]
                         for kind in ("immediate", "preventive")},
            "tree": [evidence_view(kb, diagnosis, e, lang, frozenset()) for e in cause.because]}


def evidence_view(kb: KnowledgeBase, diagnosis: Diagnosis, evidence: Evidence, lang: str,
                  seen: frozenset) -> Dict[str, Any]:
    """One rule of an explanation: the facts it read and the symptoms it used, each with its own rules."""
    symptoms = {s.id: s for s in diagnosis.symptoms}
    computed = set(diagnosis.computed)
    inner = []
    for symptom_id in evidence.symptoms:
        symptom = symptoms.get(symptom_id)
        if symptom is None or symptom_id in seen:
            continue
        inner.append({"id": symptom_id, "title": say(symptom.title, lang), "certainty": percent(symptom.certainty),
                      "because": [evidence_view(kb, diagnosis, e, lang, seen | {symptom_id}) for e in symptom.because]})
    return {"rule": evidence.rule, "title": say(evidence.rule_title, lang), "certainty": percent(evidence.certainty),
            "facts": [{"name": name, "lead": fact_lead(kb, name, lang), "value": show_fact(kb, name, value, lang),
                       "computed": name in computed}
                      for name, value in evidence.facts],
            "symptoms": inner}


def tracking_view(kb: KnowledgeBase, case: Case, lang: str) -> Dict[str, Any]:
    """Status, deadlines and the history of diagnoses, newest first."""
    tracking: Tracking = case.tracking
    history = [{"at": entry.at.replace("T", " ")[:16], "knowledge": entry.knowledge,
                "top": say(kb.causes[entry.top].title, lang) if entry.top in kb.causes
                else entry.top or kb.message("web.case.history_none", lang),
                "certainty": percent(entry.certainty)} for entry in reversed(tracking.history)]
    for newer, older in zip(history, history[1:]):
        newer["changed_knowledge"] = newer["knowledge"] != older["knowledge"]
    return {"status": tracking.status, "appeal_sent_on": tracking.appeal_sent_on or "", "version": tracking.version,
            "deadlines": deadlines(kb, case, lang), "history": history}


# ---------------------------------------------------------------------------------------------
# The letter


def letter_view(kb: KnowledgeBase, diagnosis: Optional[Diagnosis], case: Case, lang: str, message: Optional[str],
                source: str) -> Dict[str, Any]:
    """The draft (letter or message) in highlighted pieces, what is left to confirm, and whether it is ready."""
    view: Dict[str, Any] = {"message": message, "problem": "", "pieces": [], "missing": [], "notes": [],
                            "actions": [], "left": 0, "ready": False, "messages": []}
    if diagnosis is None:
        view["problem"] = kb.message("web.letter.no_platform", lang)
        return view
    view["messages"] = list(messages_for(kb, diagnosis.platform))
    try:
        draft = make_draft(kb, diagnosis, lang, message, False, source, case.tracking)
    except InputError as exc:
        view["problem"] = exc.message
        return view
    if message is None:
        view["actions"] = letter_actions(kb, diagnosis, case.tracking, lang)
    view["left"] = sum(not action["done"] and not action["planned"] for action in view["actions"])
    view["pieces"] = pieces(draft)
    view["missing"] = [{"fact": m.fact, "placeholder": m.placeholder, "question": m.question,
                        "type": kb.facts[m.fact].type, "choices": choices(kb.facts[m.fact], lang),
                        "multiple": kb.facts[m.fact].multiple}
                       for m in draft.missing if m.fact in kb.facts]  # actions to confirm are listed apart
    obtain = [kb.message("letter.obtain", lang)] + [f"☐ {document}" for document in draft.checklist]
    view["notes"] = (obtain if draft.checklist else []) + list(draft.notes)  # documents never shown as attached
    view["text"] = draft.text
    view["ready"] = not draft.missing and not view["left"] and not CONFIRM.search(draft.text)
    return view


def letter_actions(kb: KnowledgeBase, diagnosis: Diagnosis, tracking: Tracking, lang: str) -> List[Dict[str, Any]]:
    """What the letter needs the seller to confirm: each corrective (immediate) action of the
    causes it covers, once, as done or planned by a date. Preventive measures are stated as they
    are, or left out where their facts are not confirmed, so they are not asked."""
    actions: Dict[str, Dict[str, Any]] = {}
    for cause in diagnosis.causes:
        if cause.certainty < letter_cutoff(kb):
            continue
        for remedy in cause.remedies:
            if remedy.kind == "immediate" and remedy.id not in actions:
                actions[remedy.id] = {"id": remedy.id, "text": say(remedy.text, lang), "cause": say(cause.title, lang),
                                      "done": remedy.id in tracking.actions_done,
                                      "planned": tracking.actions_planned.get(remedy.id, "")}
    return list(actions.values())


def make_draft(kb: KnowledgeBase, diagnosis: Diagnosis, lang: str, message: Optional[str], markdown: bool,
               source: str, tracking: Optional[Tracking] = None) -> Draft:
    """The letter, or the buyer or follow-up message ``message``, as ``diagnose letter`` drafts it
    (stating as done only the actions ``tracking`` confirms)."""
    if message is None:
        tracking = tracking or Tracking()
        return draft_letter(kb, diagnosis, lang, markdown, source=source, done=tracking.actions_done,
                            planned=tracking.actions_planned)
    return draft_message(kb, diagnosis, message, lang, markdown, source=source)


def pieces(draft: Draft) -> List[Tuple[str, bool]]:
    """The draft's text cut into (text, is placeholder) pieces, for highlighting."""
    marks = [re.escape(m.placeholder) for m in draft.missing] + [CONFIRM.pattern]
    found, start = [], 0
    for match in re.finditer("|".join(marks), draft.text):
        if match.start() > start:
            found.append((draft.text[start:match.start()], False))
        found.append((match.group(0), True))
        start = match.end()
    if start < len(draft.text):
        found.append((draft.text[start:], False))
    return found
