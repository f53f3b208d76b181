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
from .ranking import Diagnosis, Evidence, RankedCause
from .vocabulary import format_value, say

LABELS = {
    "en": {"rank": "#", "cause": "Root cause", "certainty": "Certainty", "remedies": "First remedies",
           "now": "Now", "prevent": "Prevent", "metric": "Metric", "value": "Value", "target": "Target",
           "window": "Window", "status": "Status", "report": "report", "no_causes": "No root cause reached the reporting threshold.",
           "symptoms": "Symptoms", "metrics": "Metrics against the platform's targets", "next": "Next steps",
           "why": "Why", "rule": "rule", "computed": "computed", "sources": "Sources", "immediate": "Immediate actions",
           "preventive": "Preventive measures", "diagnosis": "Diagnosis", "evidence": "Evidence to gather",
           "missed": "missed", "at_risk": "at risk", "met": "met", "not_applicable": "not applicable (platform-fulfilled)",
           "facts": "facts", "deadlines": "Deadlines", "date": "Date", "left": "{days} days left",
           "passed": "passed {days} days ago", "deadline": "What it means"},
    "zh": {"rank": "#", "cause": "根本原因", "certainty": "可信度", "remedies": "首要措施",
           "now": "立即", "prevent": "预防", "metric": "指标", "value": "数值", "target": "标准",
           "window": "周期", "status": "状态", "report": "报告", "no_causes": "没有原因达到报告门槛。",
           "symptoms": "症状", "metrics": "指标与平台标准对比", "next": "下一步",
           "why": "推理依据", "rule": "规则", "computed": "计算得出", "sources": "来源", "immediate": "立即措施",
           "preventive": "预防措施", "diagnosis": "诊断", "evidence": "需准备的证据",
           "missed": "未达标", "at_risk": "接近红线", "met": "达标", "not_applicable": "不适用（平台配送）",
           "facts": "事实", "deadlines": "期限", "date": "日期", "left": "还剩 {days} 天", "passed": "已过 {days} 天",
           "deadline": "含义"},
}


def labels(lang: str) -> Dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


def percent(certainty: float) -> str:
    return f"{round(certainty * 100):d}%"


def show_fact(kb: KnowledgeBase, name: str, value: Any, lang: str) -> str:
    fact = kb.facts.get(name)
    return format_value(fact, value, lang) if fact else str(value)


# ---------------------------------------------------------------------------------------------
# JSON


def when(due: DueDate, lang: str) -> str:
    """How far off a deadline is: days left, or days since it passed."""
    return labels(lang)["passed" if due.passed else "left"].format(days=abs(due.days_left))


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
        "sources": diagnosis.sources,
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

    text = labels(lang)
    platform = say(kb.platforms[diagnosis.platform].name, lang)
    out: List[str] = [f"{text['diagnosis']}: {platform} · knowledge {diagnosis.knowledge_version}"]
    if diagnosis.symptoms:
        out.append(f"{text['symptoms']}: " + "; ".join(
            f"{say(s.title, lang)} ({percent(s.certainty)})" for s in diagnosis.symptoms))
    out.append("")
    causes = diagnosis.top(top)
    if causes:
        rows = []
        for cause in causes:  # the first remedy of each kind on its own row: a cell's text is rewrapped
            first, *more = _first_remedies(cause, lang) or [""]
            rows.append([cause.rank, say(cause.title, lang), percent(cause.certainty), first])
            rows += [["", "", "", remedy] for remedy in more]
        out.append(tabulate(rows, headers=[text["rank"], text["cause"], text["certainty"], text["remedies"]],
                            maxcolwidths=[None, 34, None, 60], colalign=("right", "left", "right", "left")))
    else:
        out.append(text["no_causes"])
        if undecided is not None:
            first, *rest = undecided_lines(undecided, kb, lang)
            out += [first] + [f"- {line}" for line in rest]
    if diagnosis.metrics:
        out += ["", text["metrics"] + ":"]
        rows = [[m.fact, show_fact(kb, m.fact, m.value, lang),
                 f"{kb.operator_words(m.must_be, lang)} {show_fact(kb, m.fact, m.target, lang)}", say(m.window, lang),
                 _status_text(m, text, lang, kb)]
                for m in diagnosis.metrics]
        out.append(tabulate(rows, headers=[text["metric"], text["value"], text["target"], text["window"],
                                           text["status"]]))
    if explain and causes:
        out += ["", explanation(diagnosis, kb, lang, top)]
    due = due_dates(kb, diagnosis, today) if today else ()
    if due:
        out += ["", text["deadlines"] + ":"]
        out.append(tabulate([[d.date, when(d, lang), say(d.label, lang)] for d in due],
                            headers=[text["date"], "", text["deadline"]], maxcolwidths=[None, None, 70]))
    if diagnosis.next_steps:
        out += ["", text["next"] + ":"]
        out += [f"- {say(step.text, lang)} ({step.id})" for step in diagnosis.next_steps]
    return "\n".join(out) + "\n"


def _first_remedies(cause: RankedCause, lang: str) -> List[str]:
    """"Now: …" and "Prevent: …": the cause's first immediate and first preventive remedy."""
    text = labels(lang)
    parts = []
    for kind, label in (("immediate", text["now"]), ("preventive", text["prevent"])):
        first = next((r for r in cause.remedies if r.kind == kind), None)
        if first:
            parts.append(f"{label}: {say(first.text, lang)}")
    return parts


def explanation(diagnosis: Diagnosis, kb: KnowledgeBase, lang: str = "en", top: int = 5) -> str:
    """The chain facts → symptoms → cause for each reported cause, with rule ids and sources."""
    text = labels(lang)
    symptoms = {s.id: s for s in diagnosis.symptoms}
    computed = set(diagnosis.computed)
    lines = [f"{text['why']}:"]

    def facts_line(evidence: Evidence) -> str:
        shown = []
        for name, value in evidence.facts:
            mark = f" ({text['computed']})" if name in computed else ""
            shown.append(f"{name} = {show_fact(kb, name, value, lang)}{mark}")
        return ", ".join(shown)

    def walk(evidence: Evidence, depth: int, seen: frozenset) -> None:
        pad = "   " * depth
        lines.append(f"{pad}└ {text['rule']} {evidence.rule} ({percent(evidence.certainty)}): {say(evidence.rule_title, lang)}")
        if evidence.facts:
            lines.append(f"{pad}   {text['facts']}: {facts_line(evidence)}")
        for symptom_id in evidence.symptoms:
            symptom = symptoms.get(symptom_id)
            if symptom is None or symptom_id in seen:
                continue
            lines.append(f"{pad}   ⇐ {say(symptom.title, lang)} [{symptom_id}] ({percent(symptom.certainty)})")
            for inner in symptom.because:
                walk(inner, depth + 2, seen | {symptom_id})

    for cause in diagnosis.top(top):
        lines.append(f"{cause.rank}. {say(cause.title, lang)} [{cause.id}] — {percent(cause.certainty)}")
        for evidence in cause.because:
            walk(evidence, 1, frozenset())
        lines.append(f"   {text['sources']}: " + ", ".join(_source_label(diagnosis, s) for s in cause.sources))
    return "\n".join(lines)


def _source_label(diagnosis: Diagnosis, source_id: str) -> str:
    info = diagnosis.sources.get(source_id, {})
    where = info.get("url") or info.get("file") or ""
    return f"{source_id} <{where}>" if where else source_id


# ---------------------------------------------------------------------------------------------
# Markdown


def to_markdown(diagnosis: Diagnosis, kb: KnowledgeBase, lang: str = "en", top: int = 5, explain: bool = False,
                today: Optional[_dt.date] = None, undecided: Optional["Undecided"] = None) -> str:
    text = labels(lang)
    platform = say(kb.platforms[diagnosis.platform].name, lang)
    out = [f"# {text['diagnosis']}: {platform}", "", f"Knowledge version `{diagnosis.knowledge_version}`.", ""]
    if diagnosis.symptoms:
        out += [f"**{text['symptoms']}:** " + "; ".join(
            f"{say(s.title, lang)} ({percent(s.certainty)})" for s in diagnosis.symptoms), ""]
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
                out += [f"- {say(r.text, lang)} ({', '.join(r.sources)})" for r in items]
                out.append("")
        if cause.evidence_needed:
            out += [f"**{text['evidence']}**", ""] + [f"- {say(e, lang)}" for e in cause.evidence_needed] + [""]
    if diagnosis.metrics:
        out += [f"## {text['metrics']}", "", f"| {text['metric']} | {text['value']} | {text['target']} | {text['window']} | {text['status']} |",
                "|---|---|---|---|---|"]
        out += [f"| {m.fact} | {show_fact(kb, m.fact, m.value, lang)} | {kb.operator_words(m.must_be, lang)} {show_fact(kb, m.fact, m.target, lang)} "
                f"| {say(m.window, lang)} | {_status_text(m, text, lang, kb)} |" for m in diagnosis.metrics]
        out.append("")
    if explain and diagnosis.causes:
        out += [f"## {text['why']}", "", "```", explanation(diagnosis, kb, lang, top), "```", ""]
    due = due_dates(kb, diagnosis, today) if today else ()
    if due:
        out += [f"## {text['deadlines']}", "", f"| {text['date']} | | {text['deadline']} |", "|---|---|---|"]
        out += [f"| {d.date} | {when(d, lang)} | {say(d.label, lang)} |" for d in due] + [""]
    if diagnosis.next_steps:
        out += [f"## {text['next']}", ""] + [f"- {say(s.text, lang)} ({s.id})" for s in diagnosis.next_steps] + [""]
    if diagnosis.sources:
        out += [f"## {text['sources']}", ""]
        for source_id, info in diagnosis.sources.items():
            where = info.get("url") or info.get("file", "")
            link = f"[{info['title']}]({where})" if where.startswith("http") else f"{info['title']} ({where})"
            out.append(f"- `{source_id}`: {link}")
        out.append("")
    return "\n".join(out)


def _reported(metric, lang: str) -> Dict[str, Any]:
    """The marketplace's own verdict on a metric, for JSON, when its report gave one."""
    if metric.reported is None:
        return {}
    return {"reported": dict(metric.reported), "note": say(metric.note, lang) or None}


def _status_text(metric, text: Dict[str, str], lang: str, kb) -> str:
    """Our status word, with the marketplace's own verdict beside it (and why it wins, if they differ)."""
    if metric.note:
        return f"{text[metric.status]} ({say(metric.note, lang)})"
    if metric.reported:
        target = metric.reported.get("target")
        shown = f", {show_fact(kb, metric.fact, target, lang)}" if target is not None else ""
        return f"{text[metric.status]} ({text['report']}: {metric.reported['status']}{shown})"
    return text[metric.status]
