"""Contradictions inside a case, found after the diagnosis and reported as warnings (issue 14).

Each warning has a ``code`` and the values its text needs; the text itself is the knowledge
base's message ``warning.<code>`` (knowledge/warnings.yaml), in English and Chinese.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import msgspec

from .knowledge import KnowledgeBase
from .ranking import Diagnosis
from .vocabulary import format_value, say


class CaseWarning(msgspec.Struct, frozen=True):
    """One contradiction: what kind (``code``) and the values its message shows."""

    code: str
    values: Dict[str, str]


def case_warnings(kb: KnowledgeBase, diagnosis: Diagnosis, lang: str = "en") -> Tuple[CaseWarning, ...]:
    """The contradictions of a diagnosed case: a metric that meets its target although the notice
    names it, and causes blamed on a metric that does not apply to how the orders are shipped. In
    Chinese the metric is named by its term and the causes by their titles."""
    thresholds = {t.id: t for t in kb.thresholds(diagnosis.platform)}
    symptoms = {s.id: s for s in diagnosis.symptoms}
    missed = {thresholds[m.threshold].symptom for m in diagnosis.metrics if m.status == "missed"}
    found: List[CaseWarning] = []
    separator = "、" if lang == "zh" else ", "
    for metric in diagnosis.metrics:
        threshold = thresholds[metric.threshold]
        symptom = symptoms.get(threshold.symptom)
        if symptom is None:
            continue
        fact = kb.facts[metric.fact]
        values = {"metric": metric.fact if lang == "en" else kb.fact_label(metric.fact, lang),
                  "value": format_value(fact, metric.value, lang),
                  "target": format_value(fact, metric.target, lang), "symptom": say(symptom.title, lang)}
        shown_by = [e.rule for e in symptom.because if kb.rules[e.rule].generated_from is None]
        if metric.status in ("met", "at_risk") and shown_by and threshold.symptom not in missed:
            found.append(CaseWarning("metric_meets_target", dict(values, rules=separator.join(shown_by))))
        blamed = [c.id if lang == "en" else say(c.title, lang) for c in diagnosis.causes
                  if any(threshold.symptom in e.symptoms for e in c.because)]
        if metric.status == "not_applicable" and blamed:
            found.append(CaseWarning("metric_not_applicable", dict(values, causes=separator.join(blamed))))
    found.extend(uncomputed_warnings(kb, diagnosis, lang))
    return tuple(found)


def uncomputed_warnings(kb: KnowledgeBase, diagnosis: Diagnosis, lang: str = "en") -> List[CaseWarning]:
    """One warning per rate not computed because its counts span another window than the one the
    platform judges it over (Walmart's 30-day cancel rate from 7-day counts); ``diagnose batch``
    gives them as notes on the row."""
    found = []
    name = (lambda fact: fact) if lang == "en" else (lambda fact: kb.fact_label(fact, lang))
    for rate in diagnosis.uncomputed:
        numerator, denominator = kb.facts[rate].computed_from or ("", "")
        windows = dict.fromkeys(say(t.window, lang) for t in kb.thresholds(diagnosis.platform) if t.metric == rate)
        found.append(CaseWarning("rate_not_computed", {
            "metric": name(rate), "numerator": name(numerator), "denominator": name(denominator),
            "counted": say(kb.counts_window(rate), lang), "window": ("、" if lang == "zh" else " / ").join(windows),
            "platform": say(kb.platforms[diagnosis.platform].name, lang)}))
    return found


def warning_text(kb: KnowledgeBase, warning: CaseWarning, lang: str) -> str:
    """A warning in words, in ``lang``."""
    return kb.message(f"warning.{warning.code}", lang, **warning.values)
