"""From rule firings to a ranked diagnosis, with certainty factors in the MYCIN tradition.

* A fact the seller gave is certain (1.0). A rule's conclusion gets
  ``rule certainty × the smallest certainty among the symptoms it used`` (the largest, for
  a ``when_any`` rule).
* Several rules concluding the same thing combine pairwise:
  both positive ``a + b(1 − a)``; both negative ``a + b(1 + a)``;
  mixed ``(a + b) / (1 − min(|a|, |b|))``.
* Causes at or above the knowledge's ``report.min_certainty`` are reported, ordered by
  certainty, then by family in ``report.family_order`` (policy first: it needs documents),
  then by id — deterministic (knowledge/run.yaml).
"""
from __future__ import annotations

from functools import reduce
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

import msgspec

from .engine import Firing
from .facts import SellerFacts
from .knowledge import Fit, KnowledgeBase, Threshold
from .vocabulary import Text



def order_key(kb: KnowledgeBase, cause_id: str, certainty: float) -> Tuple[float, int, str]:
    """Where a cause of this certainty ranks: more certain first, then by family, then by id."""
    return (-certainty, _tables(kb).family_rank[kb.causes[cause_id].family], cause_id)


def combine(a: float, b: float) -> float:
    """MYCIN's parallel combination of two certainty factors in [-1, 1]."""
    if a >= 0 and b >= 0:
        return a + b * (1 - a)
    if a < 0 and b < 0:
        return a + b * (1 + a)
    return (a + b) / (1 - min(abs(a), abs(b)))


class Evidence(msgspec.Struct, frozen=True):
    """One rule's contribution: the rule, its certainty here, and what satisfied it."""

    rule: str
    rule_title: Text
    certainty: float
    facts: Tuple[Tuple[str, Any], ...]
    symptoms: Tuple[str, ...]


class RemedyAdvice(msgspec.Struct, frozen=True):
    id: str
    kind: str
    text: Text
    letter: Optional[Text]
    sources: Tuple[str, ...]


class RankedCause(msgspec.Struct, frozen=True):
    id: str
    rank: int
    certainty: float
    family: str
    title: Text
    explanation: Text
    remedies: Tuple[RemedyAdvice, ...]
    evidence_needed: Tuple[Text, ...]
    because: Tuple[Evidence, ...]
    guidance: Tuple[str, ...]
    sources: Tuple[str, ...]


class DerivedSymptom(msgspec.Struct, frozen=True):
    id: str
    title: Text
    certainty: float
    because: Tuple[Evidence, ...]


class MetricStatus(msgspec.Struct, frozen=True):
    """A metric the seller gave, judged against the platform's threshold."""

    fact: str
    value: float
    threshold: str
    must_be: str
    target: float
    window: Text
    status: str  # "missed" | "at_risk" | "met" | "not_applicable" | "too_few" (missed, too few cases to count)
    margin: float
    sources: Tuple[str, ...]
    reported: Optional[Dict[str, Any]] = None  # the marketplace's own status, target and window
    note: Optional[Text] = None  # why the status is the marketplace's, not our threshold's


class Step(msgspec.Struct, frozen=True):
    id: str
    text: Text
    sources: Tuple[str, ...]


class Diagnosis(msgspec.Struct, frozen=True):
    """Everything one diagnosis concluded; self-contained and picklable."""

    platform: str
    causes: Tuple[RankedCause, ...]
    ruled_out: Tuple[Tuple[str, float], ...]
    symptoms: Tuple[DerivedSymptom, ...]
    metrics: Tuple[MetricStatus, ...]
    next_steps: Tuple[Step, ...]
    facts: Dict[str, Any]
    computed: Tuple[str, ...]
    unknown: Tuple[str, ...]
    knowledge_version: str
    sources: Dict[str, Dict[str, str]] = msgspec.field(default_factory=dict)
    uncomputed: Tuple[str, ...] = ()  # rates whose counts span another window than the platform's

    def top(self, n: int) -> Tuple[RankedCause, ...]:
        return self.causes[:n]


class _Tables(msgspec.Struct, frozen=True):
    """What ranking looks up for every diagnosis, prepared once per knowledge base: each cause's
    remedies as advice (immediate first, the cause's order kept) with the fit each needs, the
    next steps in id order with what each is for, the families' order and the sources' details."""

    family_rank: Dict[str, int]
    remedies: Dict[str, Tuple[Tuple[RemedyAdvice, Optional[Fit]], ...]]  # cause id -> its remedies
    steps: Tuple[Tuple[Step, FrozenSet[str], FrozenSet[str], Tuple[str, ...], Optional[Fit]], ...]
    source_info: Dict[str, Dict[str, str]]

    @classmethod
    def of(cls, kb: KnowledgeBase) -> "_Tables":
        def fit_or_none(fit: Fit) -> Optional[Fit]:  # None: the item suits every case
            return fit if fit.platforms or fit.needs or fit.excludes else None

        remedies = {}
        for cause in kb.causes.values():
            ordered = sorted((kb.remedies[r] for r in cause.remedies), key=lambda r: 0 if r.kind == "immediate" else 1)
            remedies[cause.id] = tuple((RemedyAdvice(r.id, r.kind, r.text, r.letter, r.sources), fit_or_none(r.fit))
                                       for r in ordered)
        steps = tuple((Step(g.id, g.text, g.sources), frozenset(g.families), frozenset(g.symptoms), g.situations,
                       fit_or_none(g.fit)) for g in sorted(kb.guidance.values(), key=lambda g: g.id))
        families = kb.setting("report.family_order")
        return cls({family: index for index, family in enumerate(families)}, remedies, steps,
                   {source_id: _source_info(kb, source_id) for source_id in kb.sources})


_prepared: Optional[Tuple[KnowledgeBase, _Tables]] = None  # the tables of the knowledge base ranked last


def _tables(kb: KnowledgeBase) -> _Tables:
    """The ranking tables of ``kb``, made when a knowledge base is first ranked with (a batch
    ranks with one knowledge base throughout)."""
    global _prepared
    prepared = _prepared
    if prepared is None or prepared[0] is not kb:
        prepared = _prepared = (kb, _Tables.of(kb))
    return prepared[1]


def rank(kb: KnowledgeBase, seller: SellerFacts, firings: List[Firing]) -> Diagnosis:
    """Turn the engine's firings into a ranked, explained :class:`Diagnosis`."""
    tables = _tables(kb)
    rules = kb.rules
    by_conclusion: Dict[Tuple[str, str], List[Firing]] = {}
    for firing in _dedupe(firings):
        by_conclusion.setdefault(rules[firing.rule].conclusion, []).append(firing)

    symptom_cf: Dict[str, float] = {}

    def certainty_of_symptom(symptom: str, visiting: Tuple[str, ...] = ()) -> float:
        if symptom in symptom_cf:
            return symptom_cf[symptom]
        if symptom in visiting:  # a derivation cycle cannot raise its own certainty
            return 0.0
        evidence = [_evidence(kb, f, lambda s: certainty_of_symptom(s, visiting + (symptom,)))
                    for f in by_conclusion.get(("symptom", symptom), [])]
        symptom_cf[symptom] = reduce(combine, (e.certainty for e in evidence), 0.0) if evidence else 0.0
        return symptom_cf[symptom]

    symptoms = []
    for (kind, symptom_id), group in sorted(by_conclusion.items()):
        if kind != "symptom":
            continue
        evidence = tuple(sorted((_evidence(kb, f, certainty_of_symptom) for f in group), key=lambda e: e.rule))
        symptoms.append(DerivedSymptom(symptom_id, kb.symptoms[symptom_id].title,
                                       _round(certainty_of_symptom(symptom_id)), evidence))

    scored = []
    for (kind, cause_id), group in by_conclusion.items():
        if kind != "cause":
            continue
        evidence = tuple(sorted((_evidence(kb, f, certainty_of_symptom) for f in group), key=lambda e: e.rule))
        scored.append((cause_id, _round(reduce(combine, (e.certainty for e in evidence), 0.0)), evidence))
    scored.sort(key=lambda item: order_key(kb, item[0], item[1]))

    causes, ruled_out = [], []
    cutoff = kb.setting("report.min_certainty")
    for cause_id, certainty, evidence in scored:
        if certainty >= cutoff:
            causes.append(_ranked(kb, tables, seller, cause_id, len(causes) + 1, certainty, evidence))
        else:
            ruled_out.append((cause_id, certainty))

    metrics = metric_statuses(kb, seller)
    used = set()
    for cause in causes:
        used.update(cause.sources)
        for remedy in cause.remedies:
            used.update(remedy.sources)
    for symptom in symptoms:
        for because in symptom.because:
            used.update(rules[because.rule].sources)
    return Diagnosis(
        platform=seller.platform,
        causes=tuple(causes),
        ruled_out=tuple(sorted(ruled_out)),
        symptoms=tuple(symptoms),
        metrics=metrics,
        next_steps=_next_steps(tables, seller, causes, symptoms, metrics),
        facts=dict(seller.values),
        computed=seller.computed,
        unknown=seller.unknown,
        knowledge_version=kb.version,
        sources={s: dict(tables.source_info[s]) for s in sorted(used)},
        uncomputed=seller.uncomputed,
    )


def metric_statuses(kb: KnowledgeBase, seller: SellerFacts) -> Tuple[MetricStatus, ...]:
    """Each given metric against its threshold, with the early-warning 'at_risk' band."""
    statuses = []
    platform_fulfils = seller.values.get("fulfilment") == "platform"
    for threshold in kb.thresholds(seller.platform):
        value = seller.values.get(threshold.metric)
        if value is None or not threshold.for_marketplace(seller.values):
            continue
        statuses.append(_status(threshold, value, platform_fulfils, threshold.too_few(seller.values)))
    return tuple(statuses)


def _status(threshold: Threshold, value: float, platform_fulfils: bool, too_few: bool) -> MetricStatus:
    if threshold.scope == "seller_fulfilled" and platform_fulfils:
        status = "not_applicable"
    elif too_few and not threshold.is_met(value):
        status = "too_few"
    elif not threshold.is_met(value):
        status = "missed"
    elif threshold.in_warning_band(value):
        status = "at_risk"
    else:
        status = "met"
    return MetricStatus(threshold.metric, value, threshold.id, threshold.must_be, threshold.target,
                        threshold.window, status, _round(threshold.margin(value), 6), threshold.sources)


def _dedupe(firings: List[Firing]) -> List[Firing]:
    """A rule counts once per diagnosis (``when_any`` rules may fire once per alternative)."""
    merged: Dict[str, Firing] = {}
    for firing in firings:
        if firing.rule in merged:
            old = merged[firing.rule]
            firing = Firing(firing.rule, tuple(sorted(set(old.facts) | set(firing.facts), key=repr)),
                            tuple(sorted(set(old.symptoms) | set(firing.symptoms))))
        merged[firing.rule] = firing
    return [merged[rule] for rule in sorted(merged)]


def _evidence(kb: KnowledgeBase, firing: Firing, symptom_certainty: Callable[[str], float]) -> Evidence:
    rule = kb.rules[firing.rule]
    certainties = [symptom_certainty(s) for s in firing.symptoms]
    # all-of premises are as strong as the weakest; any-of premises as the strongest (MYCIN)
    premise = (min if rule.match == "all" else max)(certainties, default=1.0)
    return Evidence(firing.rule, rule.title, _round(rule.certainty * premise), firing.facts, firing.symptoms)


def _ranked(kb: KnowledgeBase, tables: _Tables, seller: SellerFacts, cause_id: str, rank_: int, certainty: float,
            evidence: Tuple[Evidence, ...]) -> RankedCause:
    cause = kb.causes[cause_id]
    # a remedy the case contradicts (another platform, a fact it needs known otherwise) is never advised
    values, platform = seller.values, seller.platform
    advice = tuple(remedy for remedy, fit in tables.remedies[cause_id] if fit is None or fit.suits(values, platform))
    return RankedCause(cause_id, rank_, certainty, cause.family, cause.title, cause.explanation, advice,
                       cause.evidence, evidence, cause.guidance, cause.sources)


def situation(causes: Sequence[RankedCause], metrics: Sequence[MetricStatus]) -> str:
    """``problem`` when a cause was found or a metric missed, else ``healthy``."""
    return "problem" if causes or any(m.status == "missed" for m in metrics) else "healthy"


def _next_steps(tables: _Tables, seller: SellerFacts, causes: Sequence[RankedCause],
                symptoms: Sequence[DerivedSymptom], metrics: Sequence[MetricStatus]) -> Tuple[Step, ...]:
    families = {c.family for c in causes}
    present = {s.id for s in symptoms}
    now = situation(causes, metrics)
    values, platform = seller.values, seller.platform
    return tuple(step for step, for_families, for_symptoms, situations, fit in tables.steps
                 if (not for_families or not for_families.isdisjoint(families))
                 and (not for_symptoms or not for_symptoms.isdisjoint(present))
                 and (not situations or now in situations)
                 and (fit is None or fit.suits(values, platform)))


def _source_info(kb: KnowledgeBase, source_id: str) -> Dict[str, str]:
    source = kb.sources[source_id]
    info = {"title": source.title, "kind": source.kind}
    if source.title_zh:
        info["title_zh"] = source.title_zh
    if source.url:
        info["url"] = source.url
    if source.file:
        info["file"] = source.file
    if source.date:
        info["date"] = source.date
    return info


def _round(value: float, digits: int = 3) -> float:
    return round(value + 0.0, digits)
