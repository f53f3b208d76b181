"""Problems and notes told in the reader's language: the message catalogue's words for an error
(or a :class:`~diagnose.errors.Said`) that names its entry, at the same file, line and field the
English names; the English itself where the catalogue has no entry."""
from __future__ import annotations

from typing import Callable, Union

from .errors import DiagnoseError, Said, printable
from .knowledge import KnowledgeBase
from .typography import bracket, spaced
from .vocabulary import say

Told = Union[DiagnoseError, Said]


def tell(kb: KnowledgeBase, problem: Told, lang: str) -> str:
    """``problem`` as one line in ``lang``, after its location; a fact field shown by its label."""
    if lang == "en":
        return str(problem)
    field = problem.location.field if problem.location else None
    shown = None if field is None else kb.fact_label(field, lang) if field in kb.facts else f"`{printable(field)}`"
    if problem.code not in kb.messages:
        text = problem.located(problem.message, shown)
    else:
        message = kb.message(problem.code, lang, **_values(kb, problem, lang))
        text = problem.located(spaced(message) if lang == "zh" else message, shown)
    shop = getattr(problem, "shop", None)
    return text if shop is None else text + kb.message("batch.in_shop", lang, shop=shop)


def _values(kb: KnowledgeBase, problem: Told, lang: str) -> dict:
    """A problem's values as its message in ``lang`` shows them: facts by their labels, a
    fact's choices by theirs, marketplaces by name, causes by title (with the id --explain takes),
    a problem within the problem in the same language."""
    values = {key: tell(kb, value, lang) if isinstance(value, Said) else value for key, value in problem.values.items()}
    separator = kb.message("range.separator", lang)

    def each(key: str, show: Callable[[str], str]) -> None:  # a value listing ids as "a, b"
        values[key] = separator.join(show(name) for name in str(values[key]).split(", "))

    for key in ("numerator", "denominator"):
        if values.get(key) in kb.facts:
            values[key] = kb.fact_label(values[key], lang)
    for key in ("platform", "platforms"):  # 亚马逊、沃尔玛
        if key in values:
            each(key, lambda p: say(kb.platforms[p].name, lang) if p in kb.platforms else p)
    if "found" in values:
        each("found", lambda c: bracket(say(kb.causes[c].title, lang), f"`{c}`", lang) if c in kb.causes else c)
    fact = kb.facts.get(problem.location.field) if problem.location and problem.location.field else None
    if "choices" in values and fact is not None and fact.choices:
        values["choices"] = separator.join(say(label, lang) for _, label in fact.choices)
    return values
