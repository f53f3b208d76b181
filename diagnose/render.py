"""Render a :class:`~diagnose.ranking.Diagnosis` as a table, JSON or Markdown.

Renderers know nothing of durable-rules: they only read the result object. JSON output is
deterministic: the same diagnosis gives byte-identical text.
"""
from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from . import __version__
from .consistency import CaseWarning, warning_text
from .deadlines import DueDate, due_dates
from .knowledge import KnowledgeBase
from .ranking import Diagnosis, Evidence, MetricStatus, RankedCause
from .typography import bracket, colon, join, wrap
from .vocabulary import Fact, format_value, say

MAX_CAUSE_COLUMNS, MAX_REMEDY_COLUMNS = 34, 60  # terminal columns of the table's text cells


def labels(kb: KnowledgeBase, lang: str) -> Dict[str, str]:
    """The output's labels and headers in ``lang``: the catalogue's ``label.*`` messages by name."""
    return {message_id[len("label."):]: say(message.text, lang) for message_id, message in kb.messages.items()
            if message_id.startswith("label.")}


def percent(certainty: float) -> str:
    return f"{round(certainty * 100):d}%"


def listing(lang: str) -> str:
    """What separates names in a list (source ids, rule ids): ``、`` in Chinese, ``, `` in English."""
    return "、" if lang == "zh" else ", "


def metric_name(kb: KnowledgeBase, name: str, lang: str) -> str:
    """What a metrics table calls a metric's fact: its term (every shipped metric has one), else its id."""
    return kb.term_of(name, lang) or name


def show_fact(kb: KnowledgeBase, name: str, value: Any, lang: str) -> str:
    fact = kb.facts.get(name)
    return format_value(fact, value, lang) if fact else str(value)


def describe_range(kb: KnowledgeBase, fact: Fact, lang: str) -> str:
    """What values a fact accepts, in words (``0%–100%（如 3.1% 或 0.031）``): the catalogue's ``range.*``."""
    if fact.type == "choice":
        choices = [value if lang == "en" else say(label, lang) for value, label in fact.choices]
        return kb.message("range.choices", lang, choices=kb.message("range.separator", lang).join(choices))
    if fact.type in ("rate", "bool", "date", "text"):
        return kb.message(f"range.{fact.type}", lang)
    low = "" if fact.minimum is None else format_value(fact, fact.minimum)
    high = "" if fact.maximum is None else format_value(fact, fact.maximum)
    if high:
        return kb.message("range.between", lang, low=low, high=high)
    return kb.message("range.from", lang, low=low) if low else kb.message("range.number", lang)


def _glossary_words(kb: KnowledgeBase) -> List[str]:
    """Chinese terms a wrapped line must not split."""
    return [term.text["zh"] for term in kb.glossary.values()]


# ---------------------------------------------------------------------------------------------
# JSON


def when(due: DueDate, kb: KnowledgeBase, lang: str) -> str:
    """How far off a deadline is: days left, or days since it passed."""
    return labels(kb, lang)["passed" if due.passed else "left"].format(days=abs(due.days_left))


def to_dict(diagnosis: Diagnosis, kb: KnowledgeBase, lang: str = "en", today: Optional[_dt.date] = None,
            warnings: Sequence[CaseWarning] = (), undecided: Optional["Undecided"] = None) -> Dict[str, Any]:
    """The stable, documented JSON structure (see README: "JSON output"); with ``today``, also
    the case's deadlines counted against that date."""
    computed = set(diagnosis.computed)
    data = {
        "tool_version": __version__,
        "knowledge_version": diagnosis.knowledge_version,
        "language": lang,
        "platform": diagnosis.platform,
        "causes": [_cause_dict(cause, lang) for cause in diagnosis.causes],
        "ruled_out": [{"id": cause, "certainty": cf} for cause, cf in diagnosis.ruled_out],
        "symptoms": [{"id": s.id, "title": say(s.title, lang), "certainty": s.certainty,
                      "because": [_evidence_dict(e, lang) for e in s.because]} for s in diagnosis.symptoms],
        "metrics": [{"fact": m.fact, "value": m.value, "threshold": m.threshold, "must_be": m.must_be,
                     "target": m.target, "window": say(m.window, lang), "status": m.status, "margin": m.margin,
                     "sources": list(m.sources), **_reported(m, lang)} for m in diagnosis.metrics],
        "facts": {
            "given": {k: v for k, v in diagnosis.facts.items() if k not in computed},
            "computed": {k: v for k, v in diagnosis.facts.items() if k in computed},
            "unknown": list(diagnosis.unknown),
        },
        "next_steps": [{"id": s.id, "text": say(s.text, lang), "sources": list(s.sources)}
                       for s in diagnosis.next_steps],
        "sources": {source_id: _source_in(info, lang) for source_id, info in diagnosis.sources.items()},
        "warnings": [{"code": w.code, "text": warning_text(kb, w, lang)} for w in warnings],
        "undecided": None if undecided is None else {
            "candidates": [{"id": c, "title": say(kb.causes[c].title, lang), "certainty": now, "could_reach": high}
                           for c, now, high in undecided.candidates],
            "questions": [{"fact": f, "question": say(kb.facts[f].question, lang)} for f in undecided.questions]},
    }
    if today is not None:
        data["today"] = today.isoformat()
        data["deadlines"] = [{"id": d.id, "date": d.date, "days_left": d.days_left, "passed": d.passed,
                              "text": say(d.label, lang), "sources": list(d.sources)}
                             for d in due_dates(kb, diagnosis, today)]
    return data


def _source_in(info: Dict[str, str], lang: str) -> Dict[str, str]:
    """A source's record with its title in ``lang`` (a Chinese post keeps its Chinese title)."""
    shown = {key: value for key, value in info.items() if key != "title_zh"}
    if lang == "zh" and info.get("title_zh"):
        shown["title"] = info["title_zh"]
    return shown


def _cause_dict(cause: RankedCause, lang: str) -> Dict[str, Any]:
    return {
        "id": cause.id,
        "rank": cause.rank,
        "title": say(cause.title, lang),
        "certainty": cause.certainty,
        "family": cause.family,
        "explanation": say(cause.explanation, lang),
        "remedies": [{"id": r.id, "kind": r.kind, "text": say(r.text, lang), "sources": list(r.sources)}
                     for r in cause.remedies],
        "evidence_needed": [say(e, lang) for e in cause.evidence_needed],
        "because": [_evidence_dict(e, lang) for e in cause.because],
        "guidance": list(cause.guidance),
        "sources": list(cause.sources),
    }


def _evidence_dict(evidence: Evidence, lang: str) -> Dict[str, Any]:
    return {"rule": evidence.rule, "title": say(evidence.rule_title, lang), "certainty": evidence.certainty,
            "facts": dict(evidence.facts), "symptoms": list(evidence.symptoms)}


def to_json(diagnosis: Diagnosis, kb: KnowledgeBase, lang: str = "en", today: Optional[_dt.date] = None,
            warnings: Sequence[CaseWarning] = (), undecided: Optional["Undecided"] = None) -> str:
    return json.dumps(to_dict(diagnosis, kb, lang, today, warnings, undecided), ensure_ascii=False, indent=2) + "\n"


class Undecided(NamedTuple):
    """When no cause is reported: the candidates left (id, certainty now, the most it could reach)
    and the facts the interview would ask next to decide between them."""

    candidates: Sequence[Tuple[str, float, float]]
    questions: Sequence[str]


def undecided_lines(undecided: Undecided, kb: KnowledgeBase, lang: str) -> List[str]:
    """A heading, then one line per candidate and per question."""
    lines = [kb.message("run.undecided", lang)]
    lines += [kb.message("run.candidate", lang, title=say(kb.causes[c].title, lang), id=c, certainty=percent(now),
                         high=percent(high)) for c, now, high in undecided.candidates]
    lines += [kb.message("run.question", lang, question=say(kb.facts[f].question, lang), fact=f)
              for f in undecided.questions]
    if not undecided.candidates and not undecided.questions:
        lines.append(kb.message("run.nothing_open", lang))
    return lines


# ---------------------------------------------------------------------------------------------
# Table


def to_table(diagnosis: Diagnosis, kb: KnowledgeBase, lang: str = "en", top: int = 5, explain: bool = False,
             today: Optional[_dt.date] = None, undecided: Optional["Undecided"] = None) -> str:
    from tabulate import tabulate

    text = labels(kb, lang)
    keep = _glossary_words(kb)
    platform = say(kb.platforms[diagnosis.platform].name, lang)
    out: List[str] = [colon(text["diagnosis"], lang) + f"{platform} · " + text["knowledge"].format(
        version=diagnosis.knowledge_version)]
    if diagnosis.symptoms:
        out.append(colon(text["symptoms"], lang) + join(
            (bracket(say(s.title, lang), percent(s.certainty), lang) for s in diagnosis.symptoms), lang))
        out.append(text["symptoms_note"])
    out.append("")
    causes = diagnosis.top(top)
    if causes:
        rows = []
        for cause in causes:  # the first remedy of each kind on its own row, each wrapped on its own
            first, *more = _first_remedies(cause, lang, text) or [""]
            rows.append([cause.rank, "\n".join(wrap(say(cause.title, lang), MAX_CAUSE_COLUMNS, keep)),
                         percent(cause.certainty), "\n".join(wrap(first, MAX_REMEDY_COLUMNS, keep))])
            rows += [["", "", "", "\n".join(wrap(remedy, MAX_REMEDY_COLUMNS, keep))] for remedy in more]
        out.append(tabulate(rows, headers=[text["rank"], text["cause"], text["certainty"], text["remedies"]],
                            colalign=("right", "left", "right", "left")))
    else:
        out.append(text["no_causes"])
        if undecided is not None:
            first, *rest = undecided_lines(undecided, kb, lang)
            out += [first] + [f"- {line}" for line in rest]
    if diagnosis.metrics:
        out += ["", colon(text["metrics"], lang).rstrip()]
        rows = [[metric_name(kb, m.fact, lang), show_fact(kb, m.fact, m.value, lang),
                 f"{kb.operator_words(m.must_be, lang)} {show_fact(kb, m.fact, m.target, lang)}", say(m.window, lang),
                 _status_text(m, text, lang, kb)] for m in diagnosis.metrics]
        out.append(tabulate(rows, headers=[text["metric"], text["value"], text["target"], text["window"],
                                           text["status"]]))
    due = due_dates(kb, diagnosis, today) if today else ()
    if due:
        out += ["", colon(text["deadlines"], lang).rstrip()]
        out.append(tabulate([[d.date, when(d, kb, lang), "\n".join(wrap(say(d.label, lang), 70, keep))] for d in due],
                            headers=[text["date"], "", text["deadline"]]))
    if explain and causes:
        out += ["", explanation(diagnosis, kb, lang, top)]
    if diagnosis.next_steps:
        out += ["", colon(text["next"], lang).rstrip()]
        out += ["- " + bracket(say(step.text, lang), step.id, lang) for step in diagnosis.next_steps]
    return "\n".join(out) + "\n"


def _first_remedies(cause: RankedCause, lang: str, text: Dict[str, str]) -> List[str]:
    """"Now: …" and "Prevent: …": the cause's first immediate and first preventive remedy."""
    parts = []
    for kind, label in (("immediate", text["now"]), ("preventive", text["prevent"])):
        first = next((r for r in cause.remedies if r.kind == kind), None)
        if first:
            parts.append(colon(label, lang) + say(first.text, lang))
    return parts


def explanation(diagnosis: Diagnosis, kb: KnowledgeBase, lang: str = "en", top: int = 5) -> str:
    """The chain facts → symptoms → cause for each reported cause, with rule ids and sources."""
    text = labels(kb, lang)
    symptoms = {s.id: s for s in diagnosis.symptoms}
    computed = set(diagnosis.computed)
    lines = [colon(text["why"], lang).rstrip()]

    def facts_line(evidence: Evidence) -> str:
        shown = []
        for name, value in evidence.facts:
            item = fact_shown(kb, name, value, lang)
            shown.append(bracket(item, text["computed"], lang) if name in computed else item)
        return join(shown, lang)

    def walk(evidence: Evidence, depth: int, seen: frozenset) -> None:
        pad = "   " * depth
        rule = bracket(f"{text['rule']} {evidence.rule}", percent(evidence.certainty), lang)
        lines.append(f"{pad}└ " + colon(rule, lang) + say(evidence.rule_title, lang))
        if evidence.facts:
            lines.append(f"{pad}   " + colon(text["facts"], lang) + facts_line(evidence))
        for symptom_id in evidence.symptoms:
            symptom = symptoms.get(symptom_id)
            if symptom is None or symptom_id in seen:
                continue
            shown = bracket(f"{say(symptom.title, lang)} [{symptom_id}]", percent(symptom.certainty), lang)
            lines.append(f"{pad}   ⇐ {shown}")
            for inner in symptom.because:
                walk(inner, depth + 2, seen | {symptom_id})

    for cause in diagnosis.top(top):
        lines.append(f"{cause.rank}. {say(cause.title, lang)} [{cause.id}] — {percent(cause.certainty)}")
        for evidence in cause.because:
            walk(evidence, 1, frozenset())
        lines.append("   " + colon(text["sources"], lang) + listing(lang).join(_source_label(diagnosis, s)
                                                                   for s in cause.sources))
    return "\n".join(lines)


def fact_shown(kb: KnowledgeBase, name: str, value: Any, lang: str) -> str:
    """A fact and its value: its glossary term and the value (``配送前取消率：4.61%``), or its
    question and the answer (``在售商品是否经常断货？是``, ``Are items often out of stock? yes``)."""
    shown = show_fact(kb, name, value, lang)
    return f"{name} = {shown}" if name not in kb.facts else fact_lead(kb, name, lang) + shown


def fact_lead(kb: KnowledgeBase, name: str, lang: str) -> str:
    """What comes before a known fact's value: its term and a colon, or its question."""
    term = kb.term_of(name, lang)
    if term:
        return colon(term, lang)
    return say(kb.facts[name].question, lang) + ("" if lang == "zh" else " ")


def _source_label(diagnosis: Diagnosis, source_id: str) -> str:
    info = diagnosis.sources.get(source_id, {})
    where = info.get("url") or info.get("file") or ""
    return f"{source_id} <{where}>" if where else source_id


# ---------------------------------------------------------------------------------------------
# Markdown


def to_markdown(diagnosis: Diagnosis, kb: KnowledgeBase, lang: str = "en", top: int = 5, explain: bool = False,
                today: Optional[_dt.date] = None, undecided: Optional["Undecided"] = None) -> str:
    text = labels(kb, lang)
    platform = say(kb.platforms[diagnosis.platform].name, lang)
    out = ["# " + colon(text["diagnosis"], lang) + platform, "",
           text["knowledge_version"].format(version=diagnosis.knowledge_version), ""]
    if diagnosis.symptoms:
        out += [f"**{colon(text['symptoms'], lang).rstrip()}** " + join(
            (bracket(say(s.title, lang), percent(s.certainty), lang) for s in diagnosis.symptoms), lang),
            "", text["symptoms_note"], ""]
    if not diagnosis.causes:
        out += [text["no_causes"], ""]
        if undecided is not None:
            out += ["**" + undecided_lines(undecided, kb, lang)[0] + "**", ""]
            out += [f"- {line}" for line in undecided_lines(undecided, kb, lang)[1:]] + [""]
    for cause in diagnosis.top(top):
        out += [f"## {cause.rank}. {say(cause.title, lang)} — {percent(cause.certainty)}", "",
                say(cause.explanation, lang), ""]
        for kind in ("immediate", "preventive"):
            items = [r for r in cause.remedies if r.kind == kind]
            if items:
                out += [f"**{text[kind]}**", ""]
                out += ["- " + bracket(say(r.text, lang), listing(lang).join(r.sources), lang) for r in items]
                out.append("")
        if cause.evidence_needed:
            out += [f"**{text['evidence']}**", ""] + [f"- {say(e, lang)}" for e in cause.evidence_needed] + [""]
    if diagnosis.metrics:
        out += [f"## {text['metrics']}", "", f"| {text['metric']} | {text['value']} | {text['target']} | {text['window']} | {text['status']} |",
                "|---|---|---|---|---|"]
        out += [f"| {metric_name(kb, m.fact, lang)} | {show_fact(kb, m.fact, m.value, lang)} "
                f"| {kb.operator_words(m.must_be, lang)} {show_fact(kb, m.fact, m.target, lang)} "
                f"| {say(m.window, lang)} | {_status_text(m, text, lang, kb)} |" for m in diagnosis.metrics]
        out.append("")
    due = due_dates(kb, diagnosis, today) if today else ()
    if due:
        out += [f"## {text['deadlines']}", "", f"| {text['date']} | | {text['deadline']} |", "|---|---|---|"]
        out += [f"| {d.date} | {when(d, kb, lang)} | {say(d.label, lang)} |" for d in due] + [""]
    if explain and diagnosis.causes:
        out += [f"## {text['why']}", "", "```", explanation(diagnosis, kb, lang, top), "```", ""]
    if diagnosis.next_steps:
        out += [f"## {text['next']}", ""]
        out += ["- " + bracket(say(s.text, lang), s.id, lang) for s in diagnosis.next_steps] + [""]
    if diagnosis.sources:
        out += [f"## {text['sources']}", ""]
        for source_id, info in diagnosis.sources.items():
            info = _source_in(info, lang)
            where = info.get("url") or info.get("file", "")
            link = f"[{info['title']}]({where})" if where.startswith("http") else bracket(info["title"], where, lang)
            out.append(f"- `{source_id}`: {link}")
        out.append("")
    return "\n".join(out)


def _reported(metric: MetricStatus, lang: str) -> Dict[str, Any]:
    """The marketplace's own verdict on a metric, for JSON, when its report gave one."""
    if metric.reported is None:
        return {}
    return {"reported": dict(metric.reported), "note": say(metric.note, lang) or None}


def _status_text(metric: MetricStatus, text: Dict[str, str], lang: str, kb: KnowledgeBase) -> str:
    """Our status word, with the marketplace's own verdict beside it (and why it wins, if they differ)."""
    if metric.note:
        return bracket(text[metric.status], say(metric.note, lang), lang)
    if metric.reported:
        target = metric.reported.get("target")
        shown = f", {show_fact(kb, metric.fact, target, lang)}" if target is not None else ""
        return bracket(text[metric.status], colon(text["report"], lang) + f"{metric.reported['status']}{shown}", lang)
    return text[metric.status]
