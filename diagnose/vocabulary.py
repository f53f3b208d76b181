"""The facts vocabulary: what one can know about a seller, and how a raw value becomes a typed one.

The same coercion serves seller facts files, ``--fact`` options, interview answers, CSV cells
and the values written in rules, so ``3.1%`` means the same thing everywhere.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any, Dict, Optional, Tuple

import msgspec

Text = Dict[str, str]  # {"en": ..., "zh": ...}

TYPES = ("number", "rate", "count", "bool", "choice", "text", "date")
_TRUE = {"yes", "y", "true", "1", "on", "是", "是的", "对", "有"}
_FALSE = {"no", "n", "false", "0", "off", "否", "不是", "不", "没有", "无"}
# ASCII digits, optionally grouped in threes by "," or "_" (1,000 / 1_000; never 0,5)
_NUMBER = re.compile(r"^[+-]?(?:(?:[0-9]{1,3}(?:([,_])[0-9]{3})(?:\1[0-9]{3})*|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)"
                     r"(?:[eE][+-]?[0-9]+)?$")
MAX_MAGNITUDE = 10 ** 15  # beyond this a float loses whole numbers, and no seller metric gets near it
MAX_TEXT = 2000
# what a text fact may not hold, wherever it comes from (a file, --fact, an answer, a CSV cell):
# C0 and C1 controls, line and paragraph separators, surrogates
# between the choices of a fact that may hold several: commas and semicolons, ASCII or full-width
_SEPARATORS = re.compile("[,;\uff0c\uff1b\u3001]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def say(text: Optional[Text], lang: str) -> str:
    """The text in ``lang``, falling back to English."""
    if not text:
        return ""
    return text.get(lang) or text.get("en", "")


PROBLEMS = {  # why a value does not fit, in English; messages interview.problem.<code> translate them
    "empty": "no value given",
    "yes_no_for_number": "expected a number, got a yes/no value ({got})",
    "huge": "the number is too large (the limit is 10^15)",
    "not_a_number": "expected a number, got {got}",
    "not_finite": "expected a finite number, got {got}",
    "too_large": "{got} is too large (the limit is 10^15)",
    "not_yes_no": "expected yes or no, got {got}",
    "not_a_choice": "expected one of {choices}, got {got}",
    "too_many_choices": "more than {limit} choices given",
    "not_text": "expected text, got {got}",
    "control_character": "text holds a control character or an invalid code point",
    "text_too_long": "text longer than {limit} characters",
    "not_whole": "expected a whole number, got {got}",
    "below_minimum": "{number} is below the minimum {limit}",
    "above_maximum": "{number} is above the maximum {limit}",
    "not_a_rate": "{got} is not a rate: write a fraction from 0 to 1 (0.031) or a percentage (3.1%)",
    "negative_rate": "a rate cannot be negative, got {got}",
    "rate_over_100": "a rate cannot exceed 100%, got {got}",
    "not_a_date": "expected a date as YYYY-MM-DD, got {got}",
    "future_date": "{date} is in the future",
    "platform_required": "the platform is required ({platforms})",
    "inconsistent": "{detail}",  # a check across answers (see facts.validate_facts)
}


# problems that say what was expected ("expected a number, got 'abc'"): a refusal that also
# lists the accepted values names the answer given instead, so the expectation is said once
EXPECTING = frozenset(code for code, text in PROBLEMS.items() if text.startswith("expected") and "{got}" in text)


class ValueProblem(ValueError):
    """A raw value does not fit its fact; the message says why and what would fit.

    ``code`` (a key of :data:`PROBLEMS`) and ``values`` let an interface say it in another language.
    """

    def __init__(self, code: str, **values: str) -> None:
        super().__init__(PROBLEMS[code].format(**values))
        self.code, self.values = code, values


class Fact(msgspec.Struct, frozen=True):
    """One observable in the vocabulary."""

    id: str
    type: str
    question: Text
    help: Text
    unit: str = ""
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    window: Optional[Text] = None
    choices: Tuple[Tuple[str, Text], ...] = ()
    computed_from: Optional[Tuple[str, str]] = None
    priority: int = 0
    example: Any = None
    multiple: bool = False  # a choice fact that may hold several choices (a tuple of them)
    term: Optional[Text] = None  # its short name ({zh: ...}) where no glossary term names it
    where: Any = None

    @property
    def choice_values(self) -> Tuple[str, ...]:
        return tuple(value for value, _ in self.choices)

    def choice_label(self, value: str, lang: str) -> str:
        for choice, label in self.choices:
            if choice == value:
                return say(label, lang)
        return str(value)



def split_choices(raw: str) -> list:
    """The parts of a text naming several choices (``"refund rate, late_shipment"``), trimmed."""
    return [part.strip() for part in _SEPARATORS.split(raw) if part.strip()]


def fold(text: Any) -> str:
    """Text as typed compared with text as shown: NFKC (full-width brackets and digits become
    plain ones), trimmed and case-folded."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _to_number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueProblem("yes_no_for_number", got=str(raw).lower())
    if _huge(raw):  # not shown: str() refuses huge ints
        raise ValueProblem("huge")
    if isinstance(raw, (int, float)):
        number = float(raw)
    elif isinstance(raw, str) and _NUMBER.match(raw.strip()):
        number = float(raw.strip().replace(",", "").replace("_", ""))
    else:
        raise ValueProblem("not_a_number", got=_show(raw))
    if math.isnan(number) or math.isinf(number):
        raise ValueProblem("not_finite", got=_show(raw))
    if abs(number) > MAX_MAGNITUDE:
        raise ValueProblem("too_large", got=_show(raw))
    return number + 0.0  # -0.0 becomes 0.0


def _huge(raw: Any) -> bool:
    """An int str() would refuse (4,300+ digits) or no fact could hold."""
    return isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > MAX_MAGNITUDE


def _word(raw: Any) -> str:
    return "" if _huge(raw) else str(raw).strip().lower()


def _show(raw: Any) -> str:
    if _huge(raw):
        return "a number of more than 15 digits"
    text = repr(raw) if isinstance(raw, str) else str(raw)
    if isinstance(raw, (dict, list)):
        text = "a list" if isinstance(raw, list) else "a mapping"
    return text if len(text) <= 40 else text[:37] + "..."


def coerce(fact: Fact, raw: Any, today: Optional[_dt.date] = None) -> Any:
    """Turn a raw value (from YAML, a CLI option, an answer or a CSV cell) into the fact's type.

    Rates become fractions (``"3.1%"`` and ``0.031`` both give 0.031); booleans accept
    yes/no/true/false/是/否; dates must not lie in the future. Raises :class:`ValueProblem`.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueProblem("empty")
    kind = fact.type
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = _word(raw)
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueProblem("not_yes_no", got=_show(raw))
    if kind == "choice" and fact.multiple:
        return _coerce_choices(fact, raw)
    if kind == "choice":
        word = ("" if _huge(raw) else fold(raw)) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        for value, _ in fact.choices:
            if word == value:
                return word
        for value, label in fact.choices:  # accept the label in either language, as shown or typed
            if word is not None and word in (fold(label.get("en", "")), fold(label.get("zh", ""))):
                return value
        raise ValueProblem("not_a_choice", choices=", ".join(fact.choice_values), got=_show(raw))
    if kind == "text":
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            raise ValueProblem("not_text", got=_show(raw))
        if _huge(raw):  # str() refuses ints of 4,300+ digits; no text fact is such a number
            raise ValueProblem("huge")
        text = str(raw).strip()
        if _CONTROL.search(text):
            raise ValueProblem("control_character")
        if len(text) > MAX_TEXT:
            raise ValueProblem("text_too_long", limit=str(MAX_TEXT))
        return text
    if kind == "date":
        return _coerce_date(raw, today or _dt.date.today())
    if kind == "rate":
        return _coerce_rate(raw)
    number = _to_number(raw)
    if kind == "count":
        if not number.is_integer():
            raise ValueProblem("not_whole", got=_show(raw))
        number = int(number)
    low, high = fact.minimum, fact.maximum
    if kind == "count" and low is None:
        low = 0
    if low is not None and number < low:
        raise ValueProblem("below_minimum", number=_plain(number), limit=_plain(low))
    if high is not None and number > high:
        raise ValueProblem("above_maximum", number=_plain(number), limit=_plain(high))
    return number


def _coerce_choices(fact: Fact, raw: Any) -> Any:
    """One or several choices of a ``multiple`` fact: a list, or a text with the choices separated by
    commas or semicolons. One choice stays a plain value; several become a tuple in the order given."""
    if isinstance(raw, (list, tuple)):
        parts = list(raw)
    elif isinstance(raw, str):
        parts = split_choices(raw)
    else:
        parts = [raw]
    if not parts or len(parts) > len(fact.choices):
        raise ValueProblem("too_many_choices" if parts else "empty", limit=str(len(fact.choices)))
    single = Fact(fact.id, fact.type, fact.question, fact.help, choices=fact.choices)
    values = tuple(dict.fromkeys(coerce(single, part) for part in parts))
    return values[0] if len(values) == 1 else values


def _coerce_rate(raw: Any) -> float:
    percent = isinstance(raw, str) and raw.strip().endswith("%")
    number = _to_number(raw.strip()[:-1] if percent else raw)
    if percent:
        number = number / 100
    elif number > 1:
        raise ValueProblem("not_a_rate", got=_show(raw))
    if number < 0:
        raise ValueProblem("negative_rate", got=_show(raw))
    if number > 1:
        raise ValueProblem("rate_over_100", got=_show(raw))
    return round(number, 10)


def exact(value: float) -> Decimal:
    """The decimal a number was read from: its shortest repr (``0.015`` for 1.5%, not 0.01499…)."""
    return Decimal(repr(value))


def _coerce_date(raw: Any, today: _dt.date) -> str:
    if isinstance(raw, _dt.datetime):
        value = raw.date()
    elif isinstance(raw, _dt.date):
        value = raw
    elif isinstance(raw, str):
        try:
            value = _dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise ValueProblem("not_a_date", got=_show(raw)) from None
    else:
        raise ValueProblem("not_a_date", got=_show(raw))
    if value > today:
        raise ValueProblem("future_date", date=value.isoformat())
    return value.isoformat()


def quote(text: str, lang: str = "en") -> str:
    """``text`` in quotation marks: ``“…”`` in Chinese output, ``"…"`` in English."""
    return f"“{text}”" if lang == "zh" else f'"{text}"'


def format_value(fact: Fact, value: Any, lang: str = "en") -> str:
    """Render a typed value for people: rates as percentages, booleans as yes/no."""
    if fact.type == "rate":
        return f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"
    if fact.type == "bool":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if fact.type == "choice" and isinstance(value, tuple):
        return ("、" if lang == "zh" else ", ").join(fact.choice_label(one, lang) for one in value)
    if fact.type == "choice":
        return fact.choice_label(value, lang)
    if isinstance(value, float):
        return _plain(value)
    return str(value)
