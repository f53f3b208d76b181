"""The glossary check: every Chinese text names each concept by its glossary term, in Chinese."""
from __future__ import annotations

import re
from typing import Dict, Iterator, List, Set, Tuple

from ..knowledge import Finding, KnowledgeBase, Term, display_path, template_files
from .base import KB_HEAD, Check, LintContext, LintFinding
from .texts import _texts

# Not prose: template code, {placeholders}, `code`, command-line options, addresses. Each is
# replaced by a space, so the words on either side stay apart and columns stay where they were.
_NOT_PROSE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|\{[A-Za-z_][A-Za-z0-9_.]*\}|`[^`\n]*`"
                        r"|(?<![A-Za-z0-9])--[a-z][a-z-]*(?:\s+(?:[a-z]+|\{[a-z_]+\}))?|https?://\S+"
                        r"|diagnose\s+[a-z]+|\[[A-Z][A-Z0-9 _-]*\]", re.S)  # [STORE NAME]: a placeholder
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['-][A-Za-z0-9]+)*")
_ALTERNATE = re.compile(r"（[^（）]*）$")  # a term's bracketed tail: 订单缺陷率（ODR） may be said 订单缺陷率


def prose(text: str) -> str:
    """``text`` with everything that is not prose blanked out (same length, same line breaks)."""
    return _NOT_PROSE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def allowed_words(kb: KnowledgeBase) -> Set[str]:
    """The English words a Chinese text may hold: those in the glossary's Chinese terms."""
    return {word for term in kb.glossary.values() for word in _WORD.findall(term.text["zh"])}


def other_names(kb: KnowledgeBase, text: str) -> List[Tuple[int, str]]:
    """(offset, problem) for each place ``text`` names a glossary concept by one of its other names:
    a match that runs into a glossary term is that term (亚马逊配送 in 亚马逊配送前取消率), but a
    shorter term inside the match (平台 in 平台配送) does not hide it."""
    names = {n for term in kb.glossary.values() for n in (term.text["zh"], _ALTERNATE.sub("", term.text["zh"]))}
    spans = [(m.start(), m.end()) for name in names for m in re.finditer(re.escape(name), text)]
    return [(match.start(), f"says '{match.group()}' for {_describe(term)}")
            for term in kb.glossary.values() for pattern in term.avoid for match in re.finditer(pattern, text)
            if not any(start < match.end() and match.start() < end and not match.start() <= start < end <= match.end()
                       for start, end in spans)]


def problems(kb: KnowledgeBase, text: str, allowed: Set[str]) -> List[Tuple[int, str]]:
    """(offset, problem) for each other name of a glossary concept and each English word in ``text``."""
    text = prose(text)
    found = other_names(kb, text)
    for match in _WORD.finditer(text):
        if match.group() not in allowed:
            found.append((match.start(), f"has the English word '{match.group()}' (not a glossary term)"))
    return sorted(found)


def _describe(term: Term) -> str:
    return f"{term.text['en']}: the glossary's term is '{term.text['zh']}' ({term.id})"


class GlossaryTerms(Check):
    id = "glossary"
    summary = ("A Chinese text (knowledge, interface message or letter template) that names a glossary concept "
               "by another term, or holds an English word no glossary term contains (knowledge/glossary.yaml). "
               "A knowledge base without a glossary is not checked.")
    suppress_by = "the id of the item holding the text, or the template's path (knowledge/letters/...)"
    _glossary = """\
glossary:
  - id: handling_time
    term: {en: handling time, zh: 处理时间}
    avoid: [备货时间, 备货期]
  - id: ebay
    term: {en: eBay, zh: eBay}
"""
    failing = {"knowledge/example.yaml": KB_HEAD + _glossary + """\
symptoms:
  - id: handling_time_short
    title: {en: "Handling time set too short", zh: "备货时间设得太短，见 Seller Central"}
"""}
    passing = {"knowledge/example.yaml": KB_HEAD + _glossary + """\
symptoms:
  - id: handling_time_short
    title: {en: "Handling time set too short", zh: "处理时间设得太短（eBay 同样），详见 `diagnose run`"}
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        kb = ctx.kb
        if not kb.glossary:
            return
        allowed = allowed_words(kb)
        for owner, where, key, text in _texts(kb):
            if text and text.get("zh"):
                for _, problem in problems(kb, text["zh"], allowed):
                    yield self.found(owner, where, key, f"'{owner}' {key}: the Chinese text {problem}")
        yield from self._fact_terms(kb, allowed)
        yield from self._templates(ctx, allowed)

    def _fact_terms(self, kb: KnowledgeBase, allowed: Set[str]) -> Iterator[LintFinding]:
        for fact in kb.facts.values():
            if fact.term and fact.term.get("zh"):
                for _, problem in problems(kb, fact.term["zh"], allowed):
                    yield self.found(fact.id, fact.where, "term", f"'{fact.id}' term: the Chinese text {problem}")

    def _templates(self, ctx: LintContext, allowed: Set[str]) -> Iterator[LintFinding]:
        for path in template_files(ctx.root):
            if ".zh." not in path.name:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            starts: Dict[int, int] = {}
            offset = 0
            for number, line in enumerate(text.split("\n"), 1):
                starts[number] = offset
                offset += len(line) + 1
            subject = path.relative_to(ctx.root).as_posix()
            for at, problem in problems(ctx.kb, text, allowed):
                line = max(n for n, start in starts.items() if start <= at)
                finding = Finding(display_path(path), line, at - starts[line] + 1, self.level,
                                  f"the Chinese template {problem}", self.id)
                yield LintFinding(subject, finding)


MAX_TERM_CHARS = 18  # a name, not a question: 最近 7 天订单数, 未经卖家解决的纠纷数
_SENTENCE = re.compile(r"[？?。；;，,！!]")


class FactTerms(Check):
    id = "fact-terms"
    summary = ("A fact with no short Chinese name: neither a glossary term names it (`facts:`) nor does it have its "
               f"own `term: {{zh: ...}}`, or that term is a sentence (over {MAX_TERM_CHARS} characters, or punctuated "
               "like one), or both name it. Chinese errors, warnings, explanations and the letter's missing facts "
               "name a fact by its term. A knowledge base without a glossary is not checked.")
    suppress_by = "the fact's id"
    _glossary = """\
glossary:
  - id: handling_time
    term: {en: handling time, zh: 处理时间}
  - id: ebay
    term: {en: eBay, zh: eBay}
"""
    failing = {"knowledge/example.yaml": KB_HEAD + _glossary + """\
facts:
  - id: slow_replies
    type: bool
    question: {en: "Do buyers often wait over a day for a reply?", zh: "买家消息是否经常超过一天才回复？"}
    help: {en: "Yes if replies often take over 24 hours.", zh: "回复常超过 24 小时即选是。"}
  - id: orders_7d
    type: count
    question: {en: "How many orders in the last 7 days?", zh: "最近 7 天有多少订单？"}
    help: {en: "From the orders report.", zh: "以订单报告为准。"}
    term: {zh: "最近 7 天有多少订单？"}
"""}
    passing = {"knowledge/example.yaml": KB_HEAD + _glossary + """\
facts:
  - id: slow_replies
    type: bool
    question: {en: "Do buyers often wait over a day for a reply?", zh: "买家消息是否经常超过一天才回复？"}
    help: {en: "Yes if replies often take over 24 hours.", zh: "回复常超过 24 小时即选是。"}
    term: {zh: 回复买家消息慢}
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        kb = ctx.kb
        if not kb.glossary:
            return
        named = {fact for term in kb.glossary.values() for fact in term.facts}
        for fact in kb.facts.values():
            own = (fact.term or {}).get("zh")
            if fact.id in named and own:
                yield self.found(fact.id, fact.where, "term", f"fact '{fact.id}' has its own term '{own}' and a "
                                 "glossary term: keep one")
            elif fact.id not in named and not own:
                yield self.found(fact.id, fact.where, "id", f"fact '{fact.id}' has no short Chinese name: give it "
                                 "`term: {zh: ...}` or name it in a glossary term's `facts`")
            elif own and (len(own) > MAX_TERM_CHARS or _SENTENCE.search(own)):
                yield self.found(fact.id, fact.where, "term", f"fact '{fact.id}': its term '{own}' reads as a "
                                 f"sentence, not a name (at most {MAX_TERM_CHARS} characters, no sentence punctuation)")
