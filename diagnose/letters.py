"""Plan-of-Action letters and buyer messages, drafted from a diagnosis and the seller's facts.

The words live in the knowledge base: Jinja2 templates in ``knowledge/letters/`` (one per
platform or message and language) and the ``letter`` sentences of causes and remedies, which
are small templates themselves. This module builds their context and renders them in a
sandbox with strict undefined names. A fact the text needs but the case lacks becomes a
visible placeholder (``[STORE NAME]``) and is reported with the question to ask.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import msgspec

from .errors import InputError, KnowledgeBaseError, Location
from .knowledge import LETTER_DIR, Finding, KnowledgeBase, Where, suggest
from .knowledge.templates import MESSAGES, environment
from .vocabulary import Text, format_value, say

if TYPE_CHECKING:  # type names only: ranking would bring the engine along
    from .ranking import Diagnosis, RankedCause

# Where each message makes sense: A-to-z claims and these feedback rules are Amazon's; eBay has no appeal.
MESSAGE_PLATFORMS = {"feedback-removal": ("amazon",), "atoz-withdrawal": ("amazon",),
                     "follow-up": ("amazon", "walmart", "wish")}
MIN_LETTER_CERTAINTY = 0.5
FOLLOW_UP_AFTER_DAYS = 10  # G03: follow up after about ten days of silence
WISH_DISPUTE_DAYS = 90  # domain reference §6: Wish takes infraction disputes within 90 days
EBAY_REVIEW_DAY = 20  # eBay evaluates seller performance on the 20th of each month
INVOICE_MAX_AGE_DAYS = {"amazon": 365, "walmart": 61}  # Amazon: last 365 days; Walmart: two months


class Missing(msgspec.Struct, frozen=True):
    """A fact the draft needed but the case lacks: its placeholder and the question to ask."""

    fact: str
    placeholder: str
    question: str


class Draft(msgspec.Struct, frozen=True):
    """A rendered letter or message, the facts it lacks, and notes for the consultant."""

    text: str
    missing: Tuple[Missing, ...]
    notes: Tuple[str, ...]


class Metric(msgspec.Struct, frozen=True):
    """A metric of the seller's as a letter states it: value, counts, window and target."""

    fact: str
    label: str
    value: str
    window: str
    numerator: Optional[int]
    denominator: Optional[int]
    must_be: Optional[str] = None  # below / at_most / at_least / above the platform's target, if it has one
    target: Optional[str] = None


class LetterCause(msgspec.Struct, frozen=True):
    """One root cause with its sentences, the seller's own figures and the documents to attach."""

    id: str
    title: str
    family: str
    certainty: int
    finding: str
    signs: Tuple[Metric, ...]
    actions: Tuple[str, ...]
    preventions: Tuple[str, ...]
    documents: Tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Rendering


def draft_letter(kb: KnowledgeBase, diagnosis: Diagnosis, lang: str = "en", markdown: bool = False,
                 min_certainty: float = MIN_LETTER_CERTAINTY, today: Optional[_dt.date] = None,
                 source: str = "<facts>") -> Draft:
    """The Plan-of-Action letter for the diagnosis: every cause at or above ``min_certainty``.

    ``source`` names the facts' origin in error messages; ``today`` fixes the date for tests.
    """
    today = today or _dt.date.today()
    values, platform = diagnosis.facts, diagnosis.platform
    _refuse_closed_routes(values, platform, today, source)
    chosen = [c for c in diagnosis.causes if c.certainty >= min_certainty]
    if not chosen:
        raise InputError(f"no root cause reached the letter's certainty cut-off ({_percent(min_certainty)}); "
                         "give more facts (see 'diagnose run --explain') or lower --min-certainty")
    renderer = _Renderer(kb, diagnosis, lang, markdown, today)
    causes = [renderer.cause(cause) for cause in chosen]
    shown = {sign.fact for cause in causes for sign in cause.signs}
    figures = [renderer.figure(name) for name, fact in kb.facts.items()
               if fact.type == "rate" and name in values and name not in shown]
    text = renderer.render(f"{platform}.{lang}.txt.j2", causes=causes, figures=figures,
                           families=sorted({c.family for c in causes}),
                           documents=list(dict.fromkeys(d for c in causes for d in c.documents)))
    notes = []
    left_out = [c for c in diagnosis.causes if c.certainty < min_certainty]
    if left_out:
        notes.append(kb.message("letter.left_out", lang, cutoff=_percent(min_certainty), causes="; ".join(
            f"{say(c.title, lang)} ({_percent(c.certainty)})" for c in left_out)))
    notes += _invoice_notes(kb, values, platform, lang, today)
    if renderer.context["dispute_deadline"]:
        notes.append(kb.message("letter.dispute_deadline", lang, date=renderer.context["dispute_deadline"]))
    notes += [kb.message("letter.suggest_message", lang, kind=kind)
              for kind in MESSAGES if _message_called_for(kind, values, platform, today)]
    notes.append(kb.message("letter.review_version", lang))
    return Draft(text, renderer.missing_list(text), tuple(notes))


def draft_message(kb: KnowledgeBase, diagnosis: Diagnosis, kind: str, lang: str = "en",
                  markdown: bool = False, today: Optional[_dt.date] = None, source: str = "<facts>") -> Draft:
    """A buyer or follow-up message (``feedback-removal``, ``atoz-withdrawal``, ``follow-up``)."""
    today = today or _dt.date.today()
    values, platform = diagnosis.facts, diagnosis.platform
    if platform not in MESSAGE_PLATFORMS[kind]:
        raise InputError(f"the {kind} message is for {', '.join(MESSAGE_PLATFORMS[kind])}, not {platform}",
                         Location("--message"))
    if kind == "feedback-removal" and values.get("feedback_reason", "none") == "none":
        raise InputError("the feedback meets none of the removal criteria; answer it "
                         "publicly instead, and never offer the buyer anything for removing it",
                         Location(source, field="feedback_reason"))
    if kind == "follow-up" and "appeal_date" in values:
        due = _dt.date.fromisoformat(values["appeal_date"]) + _dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)
        if today < due:
            raise InputError(f"the appeal went in on {values['appeal_date']}; wait for an answer until "
                             f"{due.isoformat()} before following up", Location(source, field="appeal_date"))
    renderer = _Renderer(kb, diagnosis, lang, markdown, today)
    text = renderer.render(f"messages/{kind}.{lang}.txt.j2", causes=[], families=[], documents=[], figures=[])
    notes = [kb.message("letter.review_version", lang)]
    return Draft(text, renderer.missing_list(text), tuple(notes))


class _Renderer:
    """Renders templates and letter sentences for one case, remembering the facts it lacked."""

    def __init__(self, kb: KnowledgeBase, diagnosis: Diagnosis, lang: str, markdown: bool, today: _dt.date):
        self.kb, self.diagnosis, self.lang = kb, diagnosis, lang
        self.env = environment(kb.root)
        self.missing: Dict[str, Missing] = {}
        values = diagnosis.facts
        self.context = {
            "fact": self.fact, "has": lambda name: name in values, "lang": lang, "markdown": markdown,
            "heading": (lambda text: f"## {text}") if markdown else _underlined,
            "platform": diagnosis.platform, "platform_name": say(kb.platforms[diagnosis.platform].name, lang),
            "today": today.isoformat(),
            "review_date": _next_review(today).isoformat(), "dispute_deadline": self._dispute_deadline(),
            "fulfilment": values.get("fulfilment"), "feedback_reason": values.get("feedback_reason"),
        }

    def fact(self, name: str, label: Optional[str] = None) -> str:
        """The fact's value for people, or a placeholder like ``[STORE NAME]`` (remembered as missing)."""
        fact = self.kb.facts.get(name)
        if fact is None:
            raise KnowledgeBaseError(f"a letter asks for the unknown fact '{name}'{suggest(name, self.kb.facts)}")
        if name in self.diagnosis.facts:
            return format_value(fact, self.diagnosis.facts[name], self.lang)
        placeholder = f"[{(label or name).replace('_', ' ').upper()}]"
        self.missing.setdefault(name, Missing(name, placeholder, say(fact.question, self.lang)))
        return placeholder

    def missing_list(self, text: str) -> Tuple[Missing, ...]:
        """The missing facts in the order their placeholders first appear in ``text``."""
        return tuple(sorted(self.missing.values(), key=lambda m: (text.find(m.placeholder), m.fact)))

    def _dispute_deadline(self) -> Optional[str]:
        date = self.diagnosis.facts.get("infraction_date")
        if self.diagnosis.platform != "wish" or date is None:
            return None
        return (_dt.date.fromisoformat(date) + _dt.timedelta(days=WISH_DISPUTE_DAYS)).isoformat()

    def sentence(self, text: Text, where: Where) -> str:
        """A cause's or remedy's letter sentence, itself a small template."""
        return self._run(lambda: self.env.from_string(say(text, self.lang)), where.path,
                         (where.line or 1) - 1).strip()

    def render(self, name: str, **extra) -> str:
        text = self._run(lambda: self.env.get_template(name), str(LETTER_DIR / name), 0, extra)
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        if self.context["markdown"]:  # keep the letter's line breaks: Markdown's hard break is two spaces
            text = re.sub(r"(?m)(\S)\n(?=\S)", "\\1  \n", text)
        return text

    def _run(self, load, path: str, line: int, extra: Optional[dict] = None) -> str:
        import jinja2

        try:
            return load().render(**self.context, **(extra or {}))
        except jinja2.TemplateNotFound as exc:
            raise KnowledgeBaseError(f"{LETTER_DIR / exc.name}: the letter template is missing") from None
        except jinja2.TemplateError as exc:
            raise KnowledgeBaseError("a letter template failed; run 'diagnose kb validate'", findings=[
                Finding(path, line + (getattr(exc, "lineno", None) or 1), 1, "error", str(exc), "letter-template")]) from None

    def cause(self, cause: RankedCause) -> LetterCause:
        known = self.kb.causes[cause.id]
        finding = self.sentence(known.letter or cause.explanation, known.where)
        remedies = {kind: tuple(self.sentence(r.letter or r.text, self.kb.remedies[r.id].where) for r in cause.remedies
                                if r.kind == kind) for kind in ("immediate", "preventive")}
        return LetterCause(cause.id, say(cause.title, self.lang), cause.family, round(cause.certainty * 100),
                           finding, self._signs(cause), remedies["immediate"], remedies["preventive"],
                           tuple(say(e, self.lang) for e in cause.evidence_needed))

    def _signs(self, cause: RankedCause) -> Tuple[Metric, ...]:
        """The seller's missed or at-risk metrics that led to this cause, against their targets."""
        names = _chain_facts(self.diagnosis, cause)
        return tuple(self.figure(m.fact, m.window, m.must_be, m.target) for m in self.diagnosis.metrics
                     if m.fact in names and m.status in ("missed", "at_risk"))

    def figure(self, name: str, window: Optional[Text] = None, must_be: Optional[str] = None,
               target: Optional[float] = None) -> Metric:
        """A rate fact of the seller's, with the counts it was computed from and the target if any."""
        fact, values = self.kb.facts[name], self.diagnosis.facts
        counts = fact.computed_from if name in self.diagnosis.computed else None
        label = f"letter.metric.{name}"
        return Metric(
            fact=name, label=self.kb.message(label, self.lang) if label in self.kb.messages else name.replace("_", " "),
            value=format_value(fact, values[name], self.lang), window=say(window or fact.window, self.lang),
            numerator=values[counts[0]] if counts else None, denominator=values[counts[1]] if counts else None,
            must_be=must_be,
            target=format_value(fact, target, self.lang) if target is not None else None)


def _chain_facts(diagnosis: Diagnosis, cause: RankedCause) -> set:
    """Every fact name in the chain of rules that concluded ``cause``."""
    symptoms = {s.id: s for s in diagnosis.symptoms}
    names, seen, todo = set(), set(), list(cause.because)
    while todo:
        evidence = todo.pop()
        names.update(name for name, _ in evidence.facts)
        for symptom in evidence.symptoms:
            if symptom in symptoms and symptom not in seen:
                seen.add(symptom)
                todo.extend(symptoms[symptom].because)
    return names


def _refuse_closed_routes(values: Dict[str, Any], platform: str, today: _dt.date, source: str) -> None:
    """Refuse a letter the platform would not accept at all."""
    if platform == "walmart" and values.get("account_terminated"):
        raise InputError("Walmart does not take appeals from terminated accounts; no letter was drafted",
                         Location(source, field="account_terminated"))
    if platform == "wish" and "infraction_date" in values:
        closed = _dt.date.fromisoformat(values["infraction_date"]) + _dt.timedelta(days=WISH_DISPUTE_DAYS)
        if today > closed:
            raise InputError(f"Wish takes disputes within {WISH_DISPUTE_DAYS} days of the infraction; "
                             f"this one closed on {closed.isoformat()}", Location(source, field="infraction_date"))


def _message_called_for(kind: str, values: Dict[str, Any], platform: str, today: _dt.date) -> bool:
    if platform not in MESSAGE_PLATFORMS[kind]:
        return False
    if kind == "feedback-removal":
        return values.get("feedback_reason", "none") != "none"
    if kind == "atoz-withdrawal":
        return "refund_date" in values
    return "appeal_date" in values and (
        today - _dt.date.fromisoformat(values["appeal_date"])).days >= FOLLOW_UP_AFTER_DAYS


def _invoice_notes(kb: KnowledgeBase, values: Dict[str, Any], platform: str, lang: str, today: _dt.date) -> List[str]:
    limit = INVOICE_MAX_AGE_DAYS.get(platform)
    if limit is None or "invoice_date" not in values:
        return []
    days = (today - _dt.date.fromisoformat(values["invoice_date"])).days
    if days <= limit:
        return []
    return [kb.message("letter.invoice_old", lang, date=values["invoice_date"], days=days,
                       platform=say(kb.platforms[platform].name, lang), limit=limit)]


def _next_review(today: _dt.date) -> _dt.date:
    """eBay's next monthly evaluation day after ``today``."""
    if today.day < EBAY_REVIEW_DAY:
        return today.replace(day=EBAY_REVIEW_DAY)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return _dt.date(year, month, EBAY_REVIEW_DAY)


def _underlined(text: str) -> str:
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return f"{text}\n{'-' * width}"


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"
