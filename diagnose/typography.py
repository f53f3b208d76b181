"""Punctuation and line breaking that follow the text they attach to: full-width after Chinese,
half-width after Latin, and lines that never split a word or an ASCII token (``FBA``, ``24``),
never start with closing punctuation and never leave a label alone at a line's end.

Chinese text is broken only where the Unicode line-breaking algorithm (UAX #14, through the
``uniseg`` library) allows a break and BudouX's phrase model (``budoux``) ends a phrase;
ASCII-only text with :mod:`textwrap`, which does the same for it and costs nothing to import
(the two libraries are imported only when Chinese text is wrapped).
"""
from __future__ import annotations

import re
import textwrap
from typing import Iterable, List

from wcwidth import wcswidth

# (regular expressions over these ranges take ~10 ms each to compile: a plain test keeps English output fast)
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x3000, 0x303F), (0x201C, 0x201D))
_PAUSE = "，、。；：！？）”"  # a piece ending in one of these (or a space) is a good place for a line to end
FILL = 0.6  # ...when the line is at least this full; below it, break between any two phrases
_PHRASES = None  # BudouX's Simplified Chinese parser, loaded on first use
_PARTICLES = "的了着过"  # a line may end after one of these...
_CONJUNCTIONS = "和或与及并把将被向对从给但而再"  # ...or before one of these
_LABEL = r"^[^\s:：，。；]{1,12}(?:：|: )"  # compiled on first use: Chinese text only


def chinese(char: str) -> bool:
    """Whether ``char`` is a Chinese character or full-width punctuation."""
    return any(low <= ord(char) <= high for low, high in _CJK_RANGES)


def chinese_end(text: str) -> bool:
    """Whether ``text`` ends in a Chinese character or full-width punctuation."""
    shown = text.rstrip()
    return bool(shown) and chinese(shown[-1])


def colon(text: str, lang: str = "en") -> str:
    """``text`` followed by a colon: ``诊断：`` after Chinese or in Chinese output, else ``Diagnosis: ``."""
    return f"{text}：" if lang == "zh" or chinese_end(text) else f"{text}: "


def bracket(text: str, inner: str, lang: str = "en") -> str:
    """``text`` with ``inner`` in brackets after it: ``症状（100%）`` after Chinese or in Chinese
    output, else ``Symptom (100%)``."""
    return f"{text}（{inner}）" if lang == "zh" or chinese_end(text) else f"{text} ({inner})"


def spaced(text: str) -> str:
    """``text`` with a space between a Chinese character and a Latin letter or digit beside it
    (``配送前取消率不低于 2.5%``), as Chinese text sets them."""
    out = []
    for char in text:
        if out and (_han(out[-1]) and char.isascii() and char.isalnum()
                    or _han(char) and out[-1].isascii() and out[-1].isalnum()):
            out.append(" ")
        out.append(char)
    return "".join(out)


def _han(char: str) -> bool:
    return 0x3400 <= ord(char) <= 0x9FFF


def join(items: Iterable[str], lang: str) -> str:
    """Items of a list on one line: ``a；b`` in Chinese, ``a; b`` in English."""
    return ("；" if lang == "zh" else "; ").join(items)


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two)."""
    shown = wcswidth(text)
    return shown if shown >= 0 else len(text)


def wrap(text: str, columns: int, keep: Iterable[str] = ()) -> List[str]:
    """``text`` in lines of at most ``columns`` terminal columns, broken only where allowed and
    never inside one of the words in ``keep`` (the glossary's terms, say).

    A unit wider than a line (a long address) stands alone on its line, unbroken.
    """
    if not any(chinese(char) for char in text):
        return textwrap.wrap(text, columns, break_long_words=False, break_on_hyphens=False) or [""]
    lines: List[str] = []
    line: List[str] = []
    for unit in _units(text, keep):
        if line and width("".join(line + [unit]).rstrip()) > columns:
            # break after the line's last punctuation or space if that fills most of it, else here
            cut = next((i for i in range(len(line), 0, -1) if line[i - 1][-1:] in _PAUSE or line[i - 1][-1:].isspace()
                        and width("".join(line[:i]).rstrip()) >= columns * FILL), len(line))
            lines.append("".join(line[:cut]).rstrip())
            line = [line[cut].lstrip()] + line[cut + 1:] if cut < len(line) else []
        line.append(unit)
    lines.append("".join(line).rstrip())
    return lines


def _bound(text: str, at: int) -> bool:
    """Whether a break at ``at`` would part an ASCII token from the Chinese after it (``24 小时``,
    ``Wish 的``): the line may end before the token, not after it."""
    before = text[at - 2:at - 1] if text[at - 1:at] == " " else text[at - 1:at]
    return bool(before) and before.isascii() and (before.isalnum() or before == "%") and not text[at].isascii()


def _units(text: str, keep: Iterable[str]) -> List[str]:
    """The unbreakable pieces of ``text``: it breaks only where UAX #14 allows (not inside an
    ASCII token, not before closing punctuation) and BudouX's phrase model finds a phrase's end
    (not inside a word), and not between an ASCII token and the Chinese after it; a leading label
    (``立即：``) and the next piece make one."""
    global _PHRASES
    from uniseg.linebreak import line_break_boundaries  # ~100 ms to import both: only for Chinese text
    if _PHRASES is None:
        import budoux

        _PHRASES = budoux.load_default_simplified_chinese_parser()
    label = re.match(_LABEL, text)
    start = len(label.group()) if label else 0
    phrases, at = {}, 0  # phrase end -> (the phrase ending there, the one starting there)
    parsed = _PHRASES.parse(text)
    for phrase, following in zip(parsed, parsed[1:] + [""]):
        at += len(phrase)
        phrases[at] = (phrase, following)
    inside = {at for word in keep for match in re.finditer(re.escape(word), text)
              for at in range(match.start() + 1, match.end())}
    cuts = [b for b in line_break_boundaries(text)
            if b in phrases and start < b < len(text) and b not in inside and not _bound(text, b)
            and _between_words(text, b, *phrases[b])]
    return [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])]


def _between_words(text: str, at: int, before: str, after: str) -> bool:
    """Whether a phrase end BudouX finds at ``at`` also lies between two words. Its model often
    cuts a word into single characters (``买|家``, ``查|看``), so a cut is trusted next to
    punctuation, a space or a Latin letter; between two phrases of two characters or more; after
    a particle (``的``); or before a conjunction or preposition (``和``, ``并``, ``对``)."""
    left, right = text[at - 1], text[at]
    if not (_han(left) and _han(right)):
        return True
    if len([c for c in before if _han(c)]) >= 2 and len([c for c in after if _han(c)]) >= 2:
        return True
    return left in _PARTICLES or right in _CONJUNCTIONS
