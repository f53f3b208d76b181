"""The rules a platform's thresholds generate: one per threshold that derives its symptom when the
figure misses the target, and one per metric the case can state only as "over target" (the fact
``over_target``) for the figure that counts first; with boundary examples for both."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import msgspec

from ..operators import TABLE, holds
from ..vocabulary import Fact, Text, format_value
from .model import MARKETPLACE, Condition, Message, Platform, Rule, Term, Threshold

OVER_TARGET = "over_target"  # the fact naming a metric known only to miss its target
OVER_TARGET_TITLE = "rule.over_target"  # the message that titles its rules
THRESHOLD_TITLE = "rule.threshold"  # the message that titles a threshold's own rule


class RuleContext(msgspec.Struct, frozen=True):
    """What the generated rules' titles and examples read: the vocabulary, glossary and messages."""

    facts: Dict[str, Fact]
    glossary: Dict[str, Term]
    messages: Dict[str, Message]


def threshold_rules(platform: Platform, context: RuleContext) -> Iterator[Rule]:
    """Every rule ``platform``'s thresholds generate (none without the message titling them:
    the loader reports that)."""
    if THRESHOLD_TITLE not in context.messages:
        return
    listed = context.facts.get(OVER_TARGET) if OVER_TARGET_TITLE in context.messages else None
    flagged = _first_to_count(platform.thresholds, listed)
    for threshold in platform.thresholds:
        yield _rule(platform, threshold, context)
        if threshold.id in flagged:
            yield _over_target_rule(platform, threshold, context)


def regional(thresholds: List[Threshold]) -> Tuple[Threshold, ...]:
    """The thresholds, each default one told which marketplaces a sibling (same metric and
    symptom) covers, so that exactly one figure applies to any marketplace."""
    covered: Dict[Tuple[str, str], set] = {}
    for threshold in thresholds:
        covered.setdefault((threshold.metric, threshold.symptom), set()).update(threshold.marketplaces)
    return tuple(threshold if threshold.marketplaces else msgspec.structs.replace(
        threshold, elsewhere=tuple(sorted(covered[(threshold.metric, threshold.symptom)])))
        for threshold in thresholds)


def _first_to_count(thresholds: Iterable[Threshold], over_target: Optional[Fact]) -> set:
    """Per metric and marketplace, the threshold a figure misses first (Wish's 5% before its 8%,
    Amazon's rating of 200 before 100): "over target" means that one is missed."""
    if over_target is None:
        return set()
    first: Dict[Tuple[str, tuple], Threshold] = {}
    for threshold in thresholds:
        if threshold.metric not in over_target.choice_values:
            continue
        key = (threshold.metric, threshold.marketplaces)
        if key not in first or _looser(threshold) < _looser(first[key]):
            first[key] = threshold
    return {t.id for t in first.values()}


def _looser(threshold: Threshold) -> float:
    """Smaller for the target a figure misses first: the lower limit of a rate that must stay
    below it, the higher one of a rate that must stay above it."""
    return threshold.target if threshold.must_be in ("below", "at_most") else -threshold.target


def _names(threshold: Threshold, context: RuleContext) -> Dict[str, str]:
    """The metric's name in each language: its glossary term, else the fact's own term, else its id."""
    term = next((t.text for t in context.glossary.values() if threshold.metric in t.facts), None)
    fact = context.facts.get(threshold.metric)
    own = fact.term if fact is not None and fact.term else {}
    return {lang: term[lang] if term else own.get(lang) or threshold.metric for lang in ("en", "zh")}


def _where(platform: Platform, threshold: Threshold, context: RuleContext) -> Text:
    """The platform's name, with the marketplaces of a regional figure."""
    if not threshold.marketplaces:
        return dict(platform.name)
    market = context.facts[MARKETPLACE]
    labels = {lang: [market.choice_label(m, lang) for m in threshold.marketplaces] for lang in ("en", "zh")}
    return {"en": f"{platform.name['en']} ({', '.join(labels['en'])})",
            "zh": f"{platform.name['zh']}（{'、'.join(labels['zh'])}）"}


def _scope(platform: Platform, threshold: Threshold) -> List[Condition]:
    found = [Condition("fact", "platform", "is", platform.id)]
    if threshold.scope == "seller_fulfilled":
        found.append(Condition("fact", "fulfilment", "is", "platform", negated=True))
    return found


def _rule(platform: Platform, threshold: Threshold, context: RuleContext) -> Rule:
    fact = context.facts.get(threshold.metric)
    conditions = _scope(platform, threshold)
    conditions.insert(1, Condition("fact", threshold.metric, threshold.breach_operator, threshold.target))
    names, where = _names(threshold, context), _where(platform, threshold, context)
    targets = {lang: format_value(fact, threshold.target, lang) if fact else f"{threshold.target:g}"
               for lang in ("en", "zh")}
    words = {lang: TABLE[threshold.must_be].words(context.messages, lang) for lang in ("en", "zh")}
    template = context.messages[THRESHOLD_TITLE].text
    title = {lang: template[lang].format(platform=where[lang], metric=names[lang], must_be=words[lang],
                                         target=targets[lang]) for lang in ("en", "zh")}
    return Rule(
        id=f"threshold.{threshold.id}", title=title, conditions=tuple(conditions) + threshold.conditions,
        match="all", conclusion=("symptom", threshold.symptom), certainty=threshold.certainty,
        platforms=(platform.id,), sources=threshold.sources, guidance=(), status="stable",
        examples=_examples(platform.id, threshold, fact, tuple(context.facts[c.name] for c in threshold.unless)),
        where=threshold.where, generated_from=threshold.id)


def _over_target_rule(platform: Platform, threshold: Threshold, context: RuleContext) -> Rule:
    """The rule for a metric stated only as over its target: the same symptom, scope, marketplace
    and minimum counts as the figure's own rule."""
    conditions = _scope(platform, threshold)
    conditions.insert(1, Condition("fact", OVER_TARGET, "is", threshold.metric))
    names, where = _names(threshold, context), _where(platform, threshold, context)
    template = context.messages[OVER_TARGET_TITLE].text
    title = {lang: template[lang].format(platform=where[lang], metric=names[lang]) for lang in ("en", "zh")}
    base: Dict[str, Any] = {"platform": platform.id, OVER_TARGET: threshold.metric}
    if threshold.scope == "seller_fulfilled":
        base["fulfilment"] = "seller"
    if threshold.marketplaces:
        base[MARKETPLACE] = threshold.marketplaces[0]
    other = next(v for v in context.facts[OVER_TARGET].choice_values if v != threshold.metric)
    silent = [dict(base, **{OVER_TARGET: other})]
    if threshold.elsewhere:
        silent.append(dict(base, **{MARKETPLACE: threshold.elsewhere[0]}))
    for condition in threshold.unless:
        other_fact = context.facts[condition.name]
        silent.append(dict(base, **{condition.name: _shown(_boundary(condition.op, condition.value,
                                                                      _step(other_fact))[1], other_fact)}))
    return Rule(
        id=f"threshold.{threshold.id}.over_target", title=title,
        conditions=tuple(conditions) + threshold.conditions, match="all",
        conclusion=("symptom", threshold.symptom), certainty=threshold.certainty, platforms=(platform.id,),
        sources=threshold.sources, guidance=(), status="stable",
        examples={"fires": (base,), "silent": tuple(silent), "todo": ()},
        where=threshold.where, generated_from=threshold.id)
def _examples(platform: str, threshold: Threshold, fact: Optional[Fact],
              unless_facts: Tuple[Fact, ...] = ()) -> Dict[str, tuple]:
    """Boundary cases for a threshold rule: on the target line (or just past it) and just inside;
    for a regional figure, another marketplace; for each ``unless`` fact, both sides of its line."""
    target = threshold.target
    breach, inside = _boundary(threshold.must_be, target, _step(fact))
    base: Dict[str, Any] = {"platform": platform}
    if threshold.scope == "seller_fulfilled":
        base["fulfilment"] = "seller"
    if threshold.marketplaces:
        base[MARKETPLACE] = threshold.marketplaces[0]

    def case(value: float, **more: Any) -> Dict[str, Any]:
        return dict(base, **{threshold.metric: _shown(value, fact)}, **more)

    fires, silent = [case(breach)], [case(inside)]
    if threshold.scope == "seller_fulfilled":
        silent.append(case(breach, fulfilment="platform"))
    if threshold.elsewhere:
        silent.append(case(breach, **{MARKETPLACE: threshold.elsewhere[0]}))
    for condition, other in zip(threshold.unless, unless_facts):
        counted, kept = _boundary(condition.op, condition.value, _step(other))
        fires.append(case(breach, **{condition.name: _shown(counted, other)}))
        silent.append(case(breach, **{condition.name: _shown(kept, other)}))
    return {"fires": tuple(fires), "silent": tuple(silent), "todo": ()}


def _step(fact: Optional[Fact]) -> float:
    return 0.001 if fact is not None and fact.type == "rate" else 1


def _boundary(must_be: str, target: float, step: float) -> Tuple[float, float]:
    """A value that misses ``must_be target`` (on the line or one step past it) and one that meets it."""
    miss = next(v for v in (target, target + step, target - step) if not holds(must_be, v, target))
    meet = next(v for v in (target, target - step, target + step) if holds(must_be, v, target))
    return miss, meet


def _shown(value: float, fact: Optional[Fact]) -> float:
    value = round(value, 6)
    return int(value) if _step(fact) == 1 else value
