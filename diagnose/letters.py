"""Plan-of-Action letters and buyer messages, drafted from a diagnosis and the seller's facts.

The words live in the knowledge base: Jinja2 templates in ``knowledge/letters/`` (one per
platform or message and language) and the ``letter`` sentences of causes and remedies, which
are small templates themselves. This module builds their context and renders them in a
sandbox with strict undefined names. A fact the text needs but the case lacks becomes a
visible placeholder (``[STORE NAME]``) and is reported with the question to ask.

A letter states as done only the immediate remedies the case confirms (``actions_done``); a
planned one reads as a commitment with its date (``actions_planned``); every other one stays
a visible ``[CONFIRM: remedy]`` placeholder. A measure or document shared by several causes
is written once. While any placeholder is left, the draft is not ready to send.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

import msgspec

from .errors import InputError, KnowledgeBaseError, Location
from .knowledge import LETTER_DIR, Finding, KnowledgeBase, Where, suggest
from .deadlines import DueDate, due_date, due_dates
from .knowledge.templates import MESSAGES, environment
from .typography import bracket, join
from .vocabulary import Text, format_value, say

if TYPE_CHECKING:  # type names only: ranking would bring the engine along
    from .ranking import Diagnosis, RankedCause, RemedyAdvice

# Where each message makes sense: A-to-z claims and these feedback rules are Amazon's; eBay has no appeal.
MESSAGE_PLATFORMS = {"feedback-removal": ("amazon",), "atoz-withdrawal": ("amazon",),
                     "follow-up": ("amazon", "walmart", "wish")}
MIN_LETTER_CERTAINTY = 0.5
# The platforms' dates are knowledge (knowledge/deadlines.yaml); the letters read these rules:
FOLLOW_UP, WISH_DISPUTE, EBAY_EVALUATION = "follow_up", "wish_dispute", "ebay_evaluation"
INVOICE_RULES = ("amazon_invoice", "walmart_invoice")  # how long the latest invoice counts
EMPTY_SECTIONS = {"[ACTION TAKEN]": "letter.no_action", "[PREVENTIVE MEASURE]": "letter.no_measure"}
ODR_PARTS = ("negative_feedback_rate", "atoz_claim_rate", "chargeback_rate")  # Amazon's order defect rate
# What Markdown or HTML could read as markup in the seller's words: these characters anywhere, and
# a block marker (heading, list, quote) at the start; CommonMark takes each escaped by a backslash
_MARKDOWN_INLINE = re.compile(r"[\\`*_\[\]<>&~|]")
_MARKDOWN_BLOCK = re.compile(r"^(?:[0-9]+(?=[.)])|(?=[#+\-=>]))")


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
    checklist: Tuple[str, ...] = ()  # documents the case does not show the seller has: to obtain, never "attached"

    @property
    def ready(self) -> bool:
        """True when no placeholder is left: the draft can be sent as it is."""
        return not self.missing


class Line(msgspec.Struct, frozen=True):
    """One action or measure as a letter states it.

    ``status``: ``done`` (confirmed), ``planned`` (a commitment by ``date``), ``confirm``
    (not confirmed: shown behind ``placeholder``) or ``measure`` (a preventive measure).
    """

    id: str
    text: str
    status: str
    date: Optional[str] = None
    placeholder: Optional[str] = None
    plan: Optional[str] = None  # the remedy's advice text: what a planned action commits to


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
    actions: Tuple[Line, ...]
    preventions: Tuple[Line, ...]
    documents: Tuple[str, ...]
    actions_also: Tuple[int, ...] = ()  # earlier root causes whose actions also answer this one
    preventions_also: Tuple[int, ...] = ()


# ---------------------------------------------------------------------------------------------
# Rendering


def draft_letter(kb: KnowledgeBase, diagnosis: Diagnosis, lang: str = "en", markdown: bool = False,
                 min_certainty: float = MIN_LETTER_CERTAINTY, today: Optional[_dt.date] = None,
                 source: str = "<facts>", done: Tuple[str, ...] = (),
                 planned: Optional[Mapping[str, str]] = None) -> Draft:
    """The Plan-of-Action letter for the diagnosis: every cause at or above ``min_certainty``.

    ``done`` lists the remedies the seller confirms are carried out, ``planned`` maps remedies
    to the date they are promised for; ``source`` names the facts' origin in error messages;
    ``today`` fixes the date for tests.
    """
    today = today or _dt.date.today()
    values, platform = diagnosis.facts, diagnosis.platform
    _refuse_closed_routes(kb, values, platform, today, source)
    chosen = [c for c in diagnosis.causes if c.certainty >= min_certainty]
    if not chosen:
        raise InputError(f"no root cause reached the letter's certainty cut-off ({_percent(min_certainty)}); "
                         "give more facts (see 'diagnose run --explain') or lower --min-certainty",
                         code="error.letter_cutoff", values={"cutoff": _percent(min_certainty)})
    renderer = _Renderer(kb, diagnosis, lang, markdown, today, done, planned or {})
    causes = _said_once([renderer.cause(cause) for cause in chosen])
    shown = {sign.fact for cause in causes for sign in cause.signs}
    figures = [renderer.figure(name) for name, fact in kb.facts.items()
               if fact.type == "rate" and name in values and name not in shown]
    text = renderer.render(f"{platform}.{lang}.txt.j2", causes=causes, figures=figures,
                           families=sorted({c.family for c in causes}),
                           documents=list(dict.fromkeys(d for c in causes for d in c.documents)))
    notes = []
    left_out = [c for c in diagnosis.causes if c.certainty < min_certainty]
    if left_out:
        notes.append(kb.message("letter.left_out", lang, cutoff=_percent(min_certainty), causes=join(
            (bracket(say(c.title, lang), _percent(c.certainty), lang) for c in left_out), lang)))
    notes += _invoice_notes(kb, values, platform, lang, today)
    notes += [deadline_note(kb, due, lang) for due in due_dates(kb, diagnosis, today)]
    notes += _unanswered_parts(kb, diagnosis, chosen, lang)
    notes += [kb.message("letter.suggest_message", lang, kind=kind)
              for kind in MESSAGES if _message_called_for(kb, kind, values, platform, today)]
    notes += [kb.message("letter.plan_overdue", lang, action=remedy, date=date)
              for remedy, date in sorted((planned or {}).items())
              if remedy not in done and date < today.isoformat() and renderer.used(remedy)]
    for placeholder, message in EMPTY_SECTIONS.items():
        if placeholder in text:  # a cause the case leaves with no action or measure to state
            renderer.missing.setdefault(placeholder, Missing("actions_done", placeholder, kb.message(message, lang)))
    missing = renderer.missing_list(text)
    return Draft(text, missing, tuple(notes) + _readiness(kb, missing, lang), tuple(renderer.obtain))


def draft_message(kb: KnowledgeBase, diagnosis: Diagnosis, kind: str, lang: str = "en",
                  markdown: bool = False, today: Optional[_dt.date] = None, source: str = "<facts>") -> Draft:
    """A buyer or follow-up message (``feedback-removal``, ``atoz-withdrawal``, ``follow-up``)."""
    today = today or _dt.date.today()
    values, platform = diagnosis.facts, diagnosis.platform
    if platform not in MESSAGE_PLATFORMS[kind]:
        raise InputError(f"the {kind} message is for {', '.join(MESSAGE_PLATFORMS[kind])}, not {platform}",
                         Location("--message"), "error.message_platform",
                         {"kind": kind, "platforms": ", ".join(MESSAGE_PLATFORMS[kind]), "platform": platform})
    if kind == "feedback-removal" and values.get("feedback_reason", "none") == "none":
        raise InputError("the feedback meets none of the removal criteria; answer it "
                         "publicly instead, and never offer the buyer anything for removing it",
                         Location(source, field="feedback_reason"), "error.feedback_not_removable")
    if kind == "follow-up" and "appeal_date" in values:
        due = due_date(kb.deadlines[FOLLOW_UP], values, today)
        if today < due:
            raise InputError(f"the appeal went in on {values['appeal_date']}; wait for an answer until "
                             f"{due.isoformat()} before following up", Location(source, field="appeal_date"),
                             "error.follow_up_early", {"appeal": values["appeal_date"], "due": due.isoformat()})
    renderer = _Renderer(kb, diagnosis, lang, markdown, today)
    text = renderer.render(f"messages/{kind}.{lang}.txt.j2", causes=[], families=[], documents=[], figures=[])
    missing = renderer.missing_list(text)
    notes = (kb.message("letter.atoz_advice", lang),) if kind == "atoz-withdrawal" else ()
    to_buyer = kind == "atoz-withdrawal" or (kind == "feedback-removal"
                                             and values.get("feedback_reason") == "early_resolved")
    return Draft(text, missing, notes + _readiness(kb, missing, lang, "buyer" if to_buyer else ""))


def audit(kb: KnowledgeBase, diagnosis: Diagnosis, draft: Draft) -> List[Tuple[Where, str]]:
    """What an English letter says that the case contradicts: a remedy's sentence or a document
    whose declared facts the case rules out, and any bullet written twice. Each problem comes
    with where the offending item is defined (for ``diagnose kb validate``)."""
    values, platform = diagnosis.facts, diagnosis.platform
    problems = []
    renderer = _Renderer(kb, diagnosis, "en", False, _dt.date.today())
    for remedy in kb.remedies.values():
        conflicts = remedy.fit.conflicts(values, platform)
        if conflicts and remedy.letter and renderer.sentence(remedy.letter, remedy.where) in draft.text:
            problems.append((remedy.where, f"the letter states remedy '{remedy.id}' although the case contradicts it "
                                           f"({'; '.join(conflicts)})"))
    lines = [line.strip() for line in draft.text.splitlines()]
    for cause in kb.causes.values():
        for index, (document, fit) in enumerate(zip(cause.evidence, cause.evidence_fits)):
            if f"- {document['en']}" in lines and (fit.conflicts(values, platform) or not fit.confirmed(values)):
                problems.append((cause.where, f"the letter lists cause '{cause.id}' evidence {index + 1} as attached "
                                              "although the case does not show the seller has it"))
    bullets = [line for line in lines if line.startswith("- ")]
    template = Where(str(LETTER_DIR / f"{platform}.en.txt.j2"), 1, 1)
    for bullet in sorted({b for b in bullets if bullets.count(b) > 1}):
        problems.append((template, f"the letter says twice: {bullet[2:62]}…"))
    return problems


def deadline_note(kb: KnowledgeBase, due: DueDate, lang: str) -> str:
    """One deadline for the consultant: its meaning, its date and the days left (or passed)."""
    key = "letter.deadline_passed" if due.passed else "letter.deadline"
    return kb.message(key, lang, label=say(due.label, lang), date=due.date, days=abs(due.days_left))


def _readiness(kb: KnowledgeBase, missing: Tuple[Missing, ...], lang: str, recipient: str = "") -> Tuple[str, ...]:
    """The closing note: not ready while placeholders are left (naming them), else ready; a
    message to a buyer (``recipient``) says so in its Chinese review note."""
    notes = []
    if missing:
        notes.append(kb.message("letter.not_ready", lang, count=len(missing),
                                placeholders=", ".join(m.placeholder for m in missing)))
    if lang != "en" or not missing:
        notes.append(kb.message("letter.review_version" + (f".{recipient}" if recipient else ""), lang))
    return tuple(notes)


def _said_once(causes: List[LetterCause]) -> List[LetterCause]:
    """Each action and measure under the first cause that has it; later causes point back to it."""
    first: Dict[Tuple[str, str], int] = {}
    result = []
    for number, cause in enumerate(causes, 1):
        parts: Dict[str, Any] = {"signs": tuple(m for m in cause.signs
                                                if first.setdefault(("signs", m.fact), number) == number)}
        for section in ("actions", "preventions"):
            own, also = [], set()
            for line in getattr(cause, section):
                earlier = first.setdefault((section, line.id), number)
                if earlier == number:
                    own.append(line)
                else:
                    also.add(earlier)
            parts[section], parts[f"{section}_also"] = tuple(own), tuple(sorted(also))
        result.append(msgspec.structs.replace(cause, **parts))
    return result


class _Renderer:
    """Renders templates and letter sentences for one case, remembering the facts it lacked."""

    def __init__(self, kb: KnowledgeBase, diagnosis: Diagnosis, lang: str, markdown: bool, today: _dt.date,
                 done: Tuple[str, ...] = (), planned: Optional[Mapping[str, str]] = None):
        self.kb, self.diagnosis, self.lang = kb, diagnosis, lang
        self.done, self.planned = frozenset(done), dict(planned or {})
        self.env = environment(kb.root)
        self.missing: Dict[str, Missing] = {}
        self.remedies_used: set = set()
        self.obtain: Dict[str, None] = {}  # documents to obtain, in order, each once
        values = diagnosis.facts
        self.context = {
            "fact": self.fact, "has": lambda name: name in values, "value": values.get,
            "lang": lang, "markdown": markdown,
            "heading": (lambda text: f"## {text}") if markdown else _underlined,
            "platform": diagnosis.platform, "platform_name": say(kb.platforms[diagnosis.platform].name, lang),
            "today": today.isoformat(),
            "review_date": _rule_date(kb, EBAY_EVALUATION, values, today),
            "dispute_deadline": _rule_date(kb, WISH_DISPUTE, values, today) if diagnosis.platform == "wish" else None,
            "fulfilment": values.get("fulfilment"), "feedback_reason": values.get("feedback_reason"),
            "passed": tuple(due.id for due in due_dates(kb, diagnosis, today) if due.passed),  # deadlines gone by
        }

    def fact(self, name: str, label: Optional[str] = None) -> str:
        """The fact's value for people, or a placeholder like ``[STORE NAME]`` (remembered as missing)."""
        fact = self.kb.facts.get(name)
        if fact is None:
            raise KnowledgeBaseError(f"a letter asks for the unknown fact '{name}'{suggest(name, self.kb.facts)}")
        if name in self.diagnosis.facts:
            shown = format_value(fact, self.diagnosis.facts[name], self.lang)
            if self.context["markdown"] and fact.type == "text":  # the seller's words, never markup
                return _markdown_text(shown)
            return shown
        placeholder = f"[{(label or name).replace('_', ' ').upper()}]"
        self.missing.setdefault(name, Missing(name, placeholder, say(fact.question, self.lang)))
        return placeholder

    def missing_list(self, text: str) -> Tuple[Missing, ...]:
        """The missing facts and unconfirmed actions in the order their placeholders first appear
        in ``text`` (placeholders the text no longer shows are left out)."""
        shown = [m for m in self.missing.values() if m.placeholder in text]
        return tuple(sorted(shown, key=lambda m: (text.find(m.placeholder), m.fact)))

    def used(self, remedy: str) -> bool:
        """Whether the letter drew on ``remedy``."""
        return remedy in self.remedies_used

    def action(self, remedy: RemedyAdvice) -> Line:
        """An immediate remedy as done, planned with its date, or to be confirmed."""
        self.remedies_used.add(remedy.id)
        text = self.sentence(remedy.letter or remedy.text, self.kb.remedies[remedy.id].where)
        if remedy.id in self.done:
            return Line(remedy.id, text, "done")
        if remedy.id in self.planned:
            return Line(remedy.id, text, "planned", date=self.planned[remedy.id], plan=say(remedy.text, self.lang))
        placeholder = f"[CONFIRM: {remedy.id}]"
        self.missing.setdefault(placeholder, Missing("actions_done", placeholder, self.kb.message(
            "letter.confirm_action", self.lang, action=say(remedy.text, self.lang), id=remedy.id)))
        return Line(remedy.id, text, "confirm", placeholder=placeholder)

    def measure(self, remedy: RemedyAdvice) -> Optional[Line]:
        """A preventive remedy as the letter states it. One that needs facts the case does not
        confirm is promised only when the seller confirmed or dated it; otherwise it is left out."""
        fit = self.kb.remedies[remedy.id].fit
        if fit.needs and not fit.confirmed(self.diagnosis.facts):
            return self.action(remedy) if remedy.id in self.done or remedy.id in self.planned else None
        self.remedies_used.add(remedy.id)
        return Line(remedy.id, self.sentence(remedy.letter or remedy.text, self.kb.remedies[remedy.id].where), "measure")

    def documents(self, cause_id: str) -> Tuple[str, ...]:
        """The cause's documents the case allows to attach; the others go to the list to obtain."""
        known, values = self.kb.causes[cause_id], self.diagnosis.facts
        attached = []
        for index, text in enumerate(known.evidence):
            fit = known.evidence_fits[index] if index < len(known.evidence_fits) else None
            shown = say(text, self.lang)
            if fit is not None and (fit.conflicts(values, self.diagnosis.platform) or not fit.confirmed(values)):
                self.obtain.setdefault(shown, None)
            else:
                attached.append(shown)
        return tuple(attached)

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
            raise KnowledgeBaseError("a letter template failed while it was rendered", findings=[
                Finding(path, line + (getattr(exc, "lineno", None) or 1), 1, "error", str(exc), "letter-template")]) from None

    def cause(self, cause: RankedCause) -> LetterCause:
        known = self.kb.causes[cause.id]
        finding = self.sentence(known.letter or cause.explanation, known.where)
        actions = tuple(self.action(r) for r in cause.remedies if r.kind == "immediate")
        measures = tuple(line for line in (self.measure(r) for r in cause.remedies if r.kind == "preventive") if line)
        return LetterCause(cause.id, say(cause.title, self.lang), cause.family, round(cause.certainty * 100),
                           finding, self._signs(cause), actions, measures, self.documents(cause.id))

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
        labels = [f"letter.metric.{name}.{self.diagnosis.platform}", f"letter.metric.{name}"]  # the platform's own term first
        label = next((label for label in labels if label in self.kb.messages), None)
        return Metric(
            fact=name, label=self.kb.message(label, self.lang) if label else name.replace("_", " "),
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


def _rule_date(kb: KnowledgeBase, rule: str, values: Dict[str, Any], today: _dt.date) -> Optional[str]:
    """The date the deadline rule ``rule`` gives for the case, if the knowledge has the rule and the case its start."""
    if rule not in kb.deadlines:
        return None
    date = due_date(kb.deadlines[rule], values, today)
    return date.isoformat() if date else None


def _refuse_closed_routes(kb: KnowledgeBase, values: Dict[str, Any], platform: str, today: _dt.date,
                          source: str) -> None:
    """Refuse a letter the platform would not accept at all."""
    if platform == "walmart" and values.get("account_terminated"):
        raise InputError("Walmart does not take appeals from terminated accounts; no letter was drafted",
                         Location(source, field="account_terminated"), "error.walmart_terminated")
    closed = _rule_date(kb, WISH_DISPUTE, values, today) if platform == "wish" else None
    if closed and today.isoformat() > closed:
        rule = kb.deadlines[WISH_DISPUTE]
        raise InputError(f"Wish takes disputes within {rule.days} days of the infraction; "
                         f"this one closed on {closed}", Location(source, field="infraction_date"),
                         "error.wish_dispute_closed", {"days": rule.days, "closed": closed})


def _message_called_for(kb: KnowledgeBase, kind: str, values: Dict[str, Any], platform: str, today: _dt.date) -> bool:
    if platform not in MESSAGE_PLATFORMS[kind]:
        return False
    if kind == "feedback-removal":
        return values.get("feedback_reason", "none") != "none"
    if kind == "atoz-withdrawal":
        return "refund_date" in values or values.get("atoz_claim_rate", 0) > 0
    due = _rule_date(kb, FOLLOW_UP, values, today)
    return due is not None and today.isoformat() >= due


def _unanswered_parts(kb: KnowledgeBase, diagnosis: Diagnosis, chosen, lang: str) -> List[str]:
    """A note for each part of the order defect rate above zero that no chosen cause explains."""
    if "order_defect_rate" not in diagnosis.facts or diagnosis.platform != "amazon":
        return []
    explained = set().union(*(_chain_facts(diagnosis, cause) for cause in chosen))
    return [kb.message("letter.odr_part_unanswered", lang, part=kb.message(f"letter.metric.{part}", lang),
                       value=format_value(kb.facts[part], diagnosis.facts[part], lang))
            for part in ODR_PARTS if diagnosis.facts.get(part, 0) > 0 and part not in explained]


def _invoice_notes(kb: KnowledgeBase, values: Dict[str, Any], platform: str, lang: str, today: _dt.date) -> List[str]:
    """A note when the latest invoice is older than the platform accepts (knowledge/deadlines.yaml)."""
    notes = []
    for rule in INVOICE_RULES:
        deadline = kb.deadlines.get(rule)
        if deadline is None or deadline.fit.conflicts(values, platform):
            continue
        until = _rule_date(kb, rule, values, today)
        if until and until < today.isoformat():
            days = (today - _dt.date.fromisoformat(values["invoice_date"])).days
            notes.append(kb.message("letter.invoice_old", lang, date=values["invoice_date"], days=days,
                                    platform=say(kb.platforms[platform].name, lang), until=until))
    return notes


def _markdown_text(text: str) -> str:
    """``text`` with every character Markdown or HTML could take for markup escaped."""
    text = _MARKDOWN_INLINE.sub(r"\\\g<0>", text)
    block = _MARKDOWN_BLOCK.match(text)  # "# ", "- ", "> ", "1. ": a heading, list or quote
    return f"{text[:block.end()]}\\{text[block.end():]}" if block else text


def _underlined(text: str) -> str:
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return f"{text}\n{'-' * width}"


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"
