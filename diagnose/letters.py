"""Plan-of-Action letters and buyer messages, drafted from a diagnosis and the seller's facts.

The words live in the knowledge base: Jinja2 templates in ``knowledge/letters/`` (one per
platform or message and language) and the ``letter`` sentences of causes and remedies, which
are small templates themselves. This module builds their context and renders them in a
sandbox with strict undefined names. A fact the text needs but the case lacks becomes a
visible placeholder (``[STORE NAME]``) and is reported with the question to ask.

A letter states as done only the immediate remedies the case confirms (``actions_done``); a
planned one (``actions_planned``) reads as the seller's commitment, the remedy's ``plan``
wording after its date; every other one stays a visible ``[CONFIRM: remedy]`` placeholder. A
measure or document shared by several causes is written once. While any placeholder is left,
the draft is not ready to send.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

import msgspec

from .errors import InputError, KnowledgeBaseError, Location
from .knowledge import LETTER_DIR, Cause, Finding, KnowledgeBase, Where, suggest
from .deadlines import DueDate, due_date, due_dates
from .knowledge.templates import MESSAGES, environment
from .typography import bracket, join
from .vocabulary import Text, format_value, say

if TYPE_CHECKING:  # type names only: ranking would bring the engine along; Jinja2 is imported when rendering
    import jinja2

    from .ranking import Diagnosis, RankedCause, RemedyAdvice

# Which messages a platform takes, its deadlines and the cases it refuses are knowledge: each
# platform's `letters` in knowledge/platforms.yaml, naming rules of knowledge/deadlines.yaml.
EMPTY_SECTIONS = {"[ACTION TAKEN]": "letter.no_action", "[PREVENTIVE MEASURE]": "letter.no_measure"}
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
    plan: Optional[str] = None  # the remedy's ``plan``: the seller's commitment, to follow the date


class Metric(msgspec.Struct, frozen=True):
    """A metric of the seller's as a letter states it: value, counts, window and target."""

    fact: str
    label: str
    value: str
    window: Optional[str]  # the platform's own window; None where the platform does not measure it
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


def messages_for(kb: KnowledgeBase, platform: str) -> Tuple[str, ...]:
    """The buyer and follow-up messages that make sense on ``platform``, in the order of ``MESSAGES``."""
    taken = kb.platforms[platform].letters.messages if platform in kb.platforms else ()
    return tuple(kind for kind in MESSAGES if kind in taken)


def letter_cutoff(kb: KnowledgeBase) -> float:
    """The certainty from which a root cause goes into the letter (the knowledge's ``letter.min_certainty``)."""
    return kb.setting("letter.min_certainty")


def draft_letter(kb: KnowledgeBase, diagnosis: Diagnosis, lang: str = "en", markdown: bool = False,
                 min_certainty: Optional[float] = None, today: Optional[_dt.date] = None,
                 source: str = "<facts>", done: Tuple[str, ...] = (),
                 planned: Optional[Mapping[str, str]] = None) -> Draft:
    """The Plan-of-Action letter for the diagnosis: every cause at or above ``min_certainty``
    (default: the knowledge's ``letter.min_certainty``).

    ``done`` lists the remedies the seller confirms are carried out, ``planned`` maps remedies
    to the date they are promised for; ``source`` names the facts' origin in error messages;
    ``today`` fixes the date for tests.
    """
    today = today or _dt.date.today()
    min_certainty = letter_cutoff(kb) if min_certainty is None else min_certainty
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
    if kind not in messages_for(kb, platform):
        platforms = ", ".join(p for p in kb.platforms if kind in kb.platforms[p].letters.messages)
        found = {"kind": kind, "platforms": platforms, "platform": platform}
        raise InputError(kb.message("error.message_platform", "en", **found), Location("--message"),
                         "error.message_platform", found)
    if kind == "feedback-removal" and values.get("feedback_reason", "none") == "none":
        raise InputError("the feedback meets none of the removal criteria; answer it "
                         "publicly instead, and never offer the buyer anything for removing it",
                         Location(source, field="feedback_reason"), "error.feedback_not_removable")
    follow_up = kb.platforms[platform].letters.follow_up  # set whenever the platform takes the message
    if kind == "follow-up" and follow_up and "appeal_date" in values:
        due = due_date(kb.deadlines[follow_up], values, today)
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


def _document_in_hand(cause: Cause, index: int, values: Mapping[str, Any], platform: Optional[str],
                      done: Iterable[str]) -> bool:
    """Whether the case shows the seller has the cause's ``index``-th document: its facts hold,
    and the actions it is the result of (``after``) are confirmed done."""
    fit = cause.evidence_fits[index] if index < len(cause.evidence_fits) else None
    if fit is not None and (fit.conflicts(values, platform) or not fit.confirmed(values)):
        return False
    after = cause.evidence_after[index] if index < len(cause.evidence_after) else ()
    return set(after) <= set(done)


def audit(kb: KnowledgeBase, diagnosis: Diagnosis, draft: Draft, done: Iterable[str] = ()) -> List[Tuple[Where, str]]:
    """What an English letter says that the case contradicts: a remedy's sentence or a document
    whose declared facts the case rules out or whose action (``done``) is not confirmed, and any
    bullet written twice. Each problem comes with where the offending item is defined (for
    ``diagnose kb validate``)."""
    values, platform = diagnosis.facts, diagnosis.platform
    problems = []
    renderer = _Renderer(kb, diagnosis, "en", False, _dt.date.today())
    for remedy in kb.remedies.values():
        conflicts = remedy.fit.conflicts(values, platform)
        said = [renderer.sentence(wording, remedy.where) for wording in (remedy.letter, remedy.plan) if wording]
        if conflicts and any(sentence in draft.text for sentence in said):
            problems.append((remedy.where, f"the letter states remedy '{remedy.id}' although the case contradicts it "
                                           f"({'; '.join(conflicts)})"))
    lines = [line.strip() for line in draft.text.splitlines()]
    for cause in kb.causes.values():
        for index, document in enumerate(cause.evidence):
            if f"- {document['en']}" in lines and not _document_in_hand(cause, index, values, platform, done):
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
                                placeholders=("、" if lang == "zh" else ", ").join(m.placeholder for m in missing)))
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
                 done: Tuple[str, ...] = (), planned: Optional[Mapping[str, str]] = None) -> None:
        self.kb, self.diagnosis, self.lang = kb, diagnosis, lang
        self.done, self.planned = frozenset(done), dict(planned or {})
        self.env = environment(kb.root)
        self.missing: Dict[str, Missing] = {}
        self.remedies_used: set = set()
        self.obtain: Dict[str, None] = {}  # documents to obtain, in order, each once
        values, route = diagnosis.facts, kb.platforms[diagnosis.platform].letters
        self.context = {
            "fact": self.fact, "has": lambda name: name in values, "value": values.get,
            "lang": lang, "markdown": markdown,
            "heading": (lambda text: f"## {text}") if markdown else _underlined,
            "platform": diagnosis.platform, "platform_name": say(kb.platforms[diagnosis.platform].name, lang),
            "today": today.isoformat(),
            "review_date": _rule_date(kb, route.review, values, today),
            "dispute_deadline": _rule_date(kb, route.closes.deadline, values, today) if route.closes else None,
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
        known = self.kb.remedies[remedy.id]
        text = self.sentence(remedy.letter or remedy.text, known.where)
        if remedy.id in self.done:
            return Line(remedy.id, text, "done")
        if remedy.id in self.planned:
            plan = self.sentence(known.plan or remedy.text, known.where)
            return Line(remedy.id, text, "planned", date=self.planned[remedy.id], plan=plan)
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
            shown = say(text, self.lang)
            if not _document_in_hand(known, index, values, self.diagnosis.platform, self.done):
                self.obtain.setdefault(shown, None)
            else:
                attached.append(shown)
        return tuple(attached)

    def sentence(self, text: Text, where: Where) -> str:
        """A cause's or remedy's letter sentence, itself a small template."""
        return self._run(lambda: self.env.from_string(say(text, self.lang)), where.path,
                         (where.line or 1) - 1).strip()

    def render(self, name: str, **extra: Any) -> str:
        """Template ``name`` rendered with the case's context and ``extra`` (blank runs closed up)."""
        text = self._run(lambda: self.env.get_template(name), str(LETTER_DIR / name), 0, extra)
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        if self.context["markdown"]:  # keep the letter's line breaks: Markdown's hard break is two spaces
            text = re.sub(r"(?m)(\S)\n(?=\S)", "\\1  \n", text)
        return text

    def _run(self, load: Callable[[], jinja2.Template], path: str, line: int, extra: Optional[dict] = None) -> str:
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
        """A rate fact of the seller's, with the counts it was computed from, and the window and
        target of the platform's threshold on it (none claimed where the platform has none). A
        rate computed from counts states the counts' window, the one it was measured over (the
        platform's own, as it is computed only then, or the counts' where the platform sets none)."""
        fact, values = self.kb.facts[name], self.diagnosis.facts
        counts = fact.computed_from if name in self.diagnosis.computed else None
        if counts:
            window = self.kb.counts_window(name)
        elif window is None:
            window = next((m.window for m in self.diagnosis.metrics if m.fact == name), None)
        labels = [f"letter.metric.{name}.{self.diagnosis.platform}", f"letter.metric.{name}"]  # the platform's own term first
        label = next((label for label in labels if label in self.kb.messages), None)
        return Metric(
            fact=name, label=self.kb.message(label, self.lang) if label else name.replace("_", " "),
            value=format_value(fact, values[name], self.lang), window=say(window, self.lang) if window else None,
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


def _rule_date(kb: KnowledgeBase, rule: Optional[str], values: Dict[str, Any], today: _dt.date) -> Optional[str]:
    """The date the deadline rule ``rule`` gives for the case, if there is the rule and the case has its start."""
    if rule is None or rule not in kb.deadlines:
        return None
    date = due_date(kb.deadlines[rule], values, today)
    return date.isoformat() if date else None


def _refuse_closed_routes(kb: KnowledgeBase, values: Dict[str, Any], platform: str, today: _dt.date,
                          source: str) -> None:
    """Refuse a letter the platform would not accept at all: a case it refuses (``letters.refused``),
    or one whose appeal window (``letters.closes``) has passed."""
    route = kb.platforms[platform].letters
    for refusal in route.refused:
        if refusal.when.matches(values):
            raise InputError(kb.message(refusal.message, "en"), Location(source, field=refusal.when.name),
                             refusal.message)
    closes = route.closes
    closed = _rule_date(kb, closes.deadline, values, today) if closes else None
    if closes and closed and today.isoformat() > closed:
        rule = kb.deadlines[closes.deadline]
        found = {"days": rule.days, "closed": closed}
        raise InputError(kb.message(closes.refusal, "en", **found), Location(source, field=rule.since),
                         closes.refusal, found)


def _message_called_for(kb: KnowledgeBase, kind: str, values: Dict[str, Any], platform: str, today: _dt.date) -> bool:
    """Whether the case calls for message ``kind`` besides the letter."""
    if kind not in messages_for(kb, platform):
        return False
    if kind == "feedback-removal":
        return values.get("feedback_reason", "none") != "none"
    if kind == "atoz-withdrawal":
        return "refund_date" in values or values.get("atoz_claim_rate", 0) > 0
    due = _rule_date(kb, kb.platforms[platform].letters.follow_up, values, today)
    return due is not None and today.isoformat() >= due


def _unanswered_parts(kb: KnowledgeBase, diagnosis: Diagnosis, chosen: List[RankedCause], lang: str) -> List[str]:
    """A note for each part above zero of a rate the platform wants answered part by part (such as
    Amazon's order defect rate) that no chosen cause explains."""
    explained = set().union(*(_chain_facts(diagnosis, cause) for cause in chosen))
    values = diagnosis.facts
    return [kb.message(rule.note, lang, part=kb.message(f"letter.metric.{part}", lang),
                       value=format_value(kb.facts[part], values[part], lang))
            for rule in kb.platforms[diagnosis.platform].letters.parts if rule.rate in values
            for part in rule.parts if values.get(part, 0) > 0 and part not in explained]


def _invoice_notes(kb: KnowledgeBase, values: Dict[str, Any], platform: str, lang: str, today: _dt.date) -> List[str]:
    """A note when the latest invoice is older than the platform accepts (knowledge/deadlines.yaml)."""
    rule = kb.platforms[platform].letters.invoice
    deadline = kb.deadlines.get(rule) if rule else None
    if deadline is None or deadline.since is None or deadline.fit.conflicts(values, platform):
        return []
    until = _rule_date(kb, rule, values, today)
    if not until or until >= today.isoformat():
        return []
    days = (today - _dt.date.fromisoformat(values[deadline.since])).days
    return [kb.message("letter.invoice_old", lang, date=values[deadline.since], days=days,
                       platform=say(kb.platforms[platform].name, lang), until=until)]


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
