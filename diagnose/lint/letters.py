"""Checks on what reaches a Plan-of-Action letter: a remedy a letter states without its own
letter wording falls back to its advice ("Ask the supplier to ..."), an instruction to the
seller where the reviewer expects what the seller did or now does; and a remedy a case plans
by a date needs its plan wording, the seller's commitment that follows the letter's date.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, Tuple

from ..knowledge import LETTER_DIR, KnowledgeBase
from ..knowledge.templates import LANGS, MESSAGES
from .base import KB_HEAD, Check, LintContext, LintFinding

# The example's letter templates: a knowledge base that drafts letters has one per platform of
# the minimal knowledge base (amazon, ebay) and message, in each language
_TEMPLATES = {f"knowledge/letters/{name}.{lang}.txt.j2": "{{ causes|length }}\n"
              for name in ("amazon", "ebay", *(f"messages/{kind}" for kind in MESSAGES)) for lang in LANGS}
_KNOWLEDGE = KB_HEAD + """\
symptoms:
  - id: cancel_rate_high
    title: {en: "Cancellation rate over the target", zh: "取消率超标"}
causes:
  - id: chronic_stockout
    family: performance
    title: {en: "Listed items are often out of stock", zh: "在售商品经常断货"}
    explanation: {en: "Orders arrive for items the seller cannot ship.", zh: "买家下单的商品无货可发。"}
    remedies: [restock_now, daily_stock_check]
    sources: [src-a]
remedies:
  - id: restock_now
    kind: immediate
    text: {en: "Restock the short items now.", zh: "立即为缺货商品补货。"}
    letter: {en: "We restocked every item that had run short.", zh: "我们已为所有缺货商品补货。"}
    sources: [src-a]
  - id: daily_stock_check
    kind: preventive
    text: {en: "Check stock against listings every day.", zh: "每天核对库存与在售商品。"}
    letter: {en: "We now check stock against our listings every day.", zh: "我们现在每天核对库存与在售商品。"}
    sources: [src-a]
sources:
  - id: src-a
    title: "Cancellation rate help page"
    kind: official
    url: https://example.com/cancel-rate
settings:
  report: {min_certainty: 0.2, family_order: [policy, performance]}
  interview: {margin: 2.0, top: 3}
  letter: {min_certainty: 0.5}
"""


def _letter_platforms(kb: KnowledgeBase, root: Path) -> Tuple[str, ...]:
    """The platforms the knowledge base drafts letters for: those with an English letter template."""
    return tuple(p for p in kb.platforms if (root / LETTER_DIR / f"{p}.en.txt.j2").is_file())


class RemedyLetterWording(Check):
    id = "remedy-letter"
    level = "error"
    summary = ("A remedy a letter can state (listed by a cause, for a platform that takes letters) without "
               "letter wording: the letter would show its advice, an instruction to the seller, instead of "
               "what the seller did or now does.")
    suppress_by = "the remedy id"
    failing = {**_TEMPLATES, "knowledge/knowledge.yaml": _KNOWLEDGE.replace(
        '    letter: {en: "We restocked every item that had run short.", zh: "我们已为所有缺货商品补货。"}\n', "")}
    passing = {**_TEMPLATES, "knowledge/knowledge.yaml": _KNOWLEDGE}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        platforms = set(_letter_platforms(ctx.kb, ctx.root))
        listed = {}  # remedy -> the first cause listing it
        for cause in ctx.kb.causes.values():
            for remedy in cause.remedies:
                listed.setdefault(remedy, cause.id)
        for remedy in ctx.kb.remedies.values():
            reach = platforms & set(remedy.fit.platforms or platforms)
            if remedy.id in listed and reach and not remedy.letter:
                yield self.found(remedy.id, remedy.where, "id",
                                 f"remedy '{remedy.id}' reaches the letters ({', '.join(sorted(reach))}) through "
                                 f"cause '{listed[remedy.id]}' but has no letter wording: add letter: {{en, zh}}")


_LEADING_TAGS = re.compile(r"^(\s*\{%.*?%\})+")  # a {% set %} or {% if %} before the words
_TRAILING_TAGS = re.compile(r"(\{%.*?%\}\s*)+$")  # an {% endif %} after them
_STOPS = {"en": ".!?;:", "zh": "。！？；：.!?;:"}


class RemedyPlanWording(Check):
    id = "remedy-plan"
    level = "error"
    summary = ("A remedy a case file can plan by a date (immediate, or preventive with needs) that has letter "
               "wording but no plan wording, or a plan that does not read on from the letter's date phrase "
               "(\"By 2026-12-15, we will ...\"): English starting with a capital letter, or either language "
               "ending with its own full stop, which the letter adds.")
    suppress_by = "the remedy id"
    _PLAN = '    plan: {en: "we will restock every item that has run short", zh: "我们将为所有缺货商品补货"}\n'
    failing = {**_TEMPLATES, "knowledge/knowledge.yaml": _KNOWLEDGE}
    passing = {**_TEMPLATES, "knowledge/knowledge.yaml": _KNOWLEDGE.replace(
        '    sources: [src-a]\n  - id: daily_stock_check\n', _PLAN + '    sources: [src-a]\n  - id: daily_stock_check\n')}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        for remedy in ctx.kb.remedies.values():
            plannable = remedy.kind == "immediate" or bool(remedy.fit.needs)
            if remedy.plan is None:
                if remedy.letter and plannable:
                    yield self.found(remedy.id, remedy.where, "letter",
                                     f"remedy '{remedy.id}' has letter wording but no plan: a case that plans it "
                                     "by a date would show its advice; add plan: {en, zh}")
                continue
            for lang, text in sorted(remedy.plan.items()):
                words = _TRAILING_TAGS.sub("", _LEADING_TAGS.sub("", text)).strip()
                if lang == "en" and words[:1].isupper():
                    yield self.found(remedy.id, remedy.where, f"plan.{lang}",
                                     f"remedy '{remedy.id}' plan ({lang}) starts with a capital letter: it follows "
                                     f"\"By <date>,\" in the letter (\"we will ...\")")
                if lang in _STOPS and words[-1:] and words[-1] in _STOPS[lang]:
                    yield self.found(remedy.id, remedy.where, f"plan.{lang}",
                                     f"remedy '{remedy.id}' plan ({lang}) ends with '{words[-1]}': the letter "
                                     "ends the sentence itself")
