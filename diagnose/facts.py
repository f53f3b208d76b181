"""Seller facts: read them from a file, ``--fact`` options, answers or a CSV row, and validate
them against the vocabulary before the engine sees anything.

A facts file is a YAML or JSON mapping of fact id → value. The reserved key ``unknown`` lists
facts the seller was asked about and could not answer; a case file may also carry the reserved
keys of :mod:`diagnose.tracking` (actions, status, history), which are checked and set aside.
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import msgspec

from .errors import InputError, Location
from .knowledge import KnowledgeBase, suggest
from .tracking import CASE_KEYS, read_tracking
from .vocabulary import ValueProblem, coerce, exact
from .yamlsafe import Mapping, YamlError, load_yaml, mark_of

FACTS_FILE_LIMIT = 32_768  # a seller's facts fill a few kilobytes; the pure-Python parser is slow
MAX_ENTRIES = 1_000  # far more than the vocabulary holds; a bound on the work a hostile file causes
MAX_PROBLEMS_SHOWN = 20
UNKNOWN_KEY = "unknown"
RATE_TIGHTEST = Decimal("0.00005")  # half the 0.01% step to which the marketplaces show rates
RATE_LOOSEST = Decimal("0.005")  # half of a whole percentage


class SellerFacts(msgspec.Struct, frozen=True):
    """Validated facts: typed values, which of them were computed, and which are unknown;
    ``uncomputed`` names the rates whose counts were given over another window than the one the
    platform measures the rate over, so that they were not computed (see :func:`validate_facts`)."""

    values: Dict[str, Any]
    computed: Tuple[str, ...] = ()
    unknown: Tuple[str, ...] = ()
    uncomputed: Tuple[str, ...] = ()

    @property
    def platform(self) -> Optional[str]:
        return self.values.get("platform")


class FactsError(InputError):
    """One or more problems in the seller's facts; ``problems`` holds one line each, ``errors``
    the same problems with their locations."""

    def __init__(self, errors: List[InputError]) -> None:
        self.errors = errors
        self.problems = [str(error) for error in errors]
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        if len(self.problems) > len(shown):
            shown = shown + [f"... and {len(self.problems) - len(shown)} more problems"]
        super().__init__("\n".join(shown))


def read_facts_file(path: str) -> Mapping:
    """Parse a facts file into a mapping (with line marks); raise :class:`InputError`."""
    try:
        document = load_yaml(path, FACTS_FILE_LIMIT)
    except YamlError as exc:
        raise InputError(exc.message, exc.location, exc.code, exc.values) from None
    if document is None:
        raise InputError("the file is empty: expected a mapping of fact names to values", Location(path, 1),
                         "error.empty_file")
    if not isinstance(document, dict):
        kind = "a list" if isinstance(document, list) else f"a single value ({type(document).__name__})"
        raise InputError(f"expected a mapping of fact names to values, found {kind}", Location(path, 1),
                         "error.not_mapping")
    return document


def parse_assignments(assignments: Iterable[str]) -> Dict[str, str]:
    """``["cancel_rate=3.1%", …]`` → ``{"cancel_rate": "3.1%"}``; raise :class:`InputError`."""
    values: Dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--fact expects name=value, got {assignment!r}", code="error.fact_syntax",
                             values={"got": repr(assignment)})
        values[name.strip()] = value.strip()
    return values


def validate_facts(raw: Dict[str, Any], kb: KnowledgeBase, source: str = "<facts>",
                   today: Optional[_dt.date] = None, origins: Optional[Dict[str, str]] = None) -> SellerFacts:
    """Check every raw value against the vocabulary and compute rates from counts.

    A rate is computed from its counts (and a rate given beside them checked against them) only
    where the counts span the window of the platform's thresholds on it, or the platform sets
    none (:meth:`KnowledgeBase.rate_from_counts`); otherwise the counts stay facts and the rate
    is listed in ``uncomputed``. All problems are reported at once, each naming the source, line and field; ``origins``
    names where keys given outside ``source`` came from (e.g. ``--fact``).
    """
    if not isinstance(raw, dict):
        raise InputError(f"expected a mapping of fact names to values, got {type(raw).__name__}",
                         Location(source), "error.not_mapping")
    if len(raw) > MAX_ENTRIES:
        raise InputError(f"{len(raw):,} entries; at most {MAX_ENTRIES:,} are accepted",
                         Location(source, getattr(raw, "line", None)), "error.too_many_entries",
                         {"count": f"{len(raw):,}", "limit": f"{MAX_ENTRIES:,}"})
    problems: List[InputError] = []
    values: Dict[str, Any] = {}

    def problem(key: Any, message: str, code: Optional[str] = None, **values: Any) -> None:
        if origins and key in origins:
            location = Location(origins[key], field=str(key))
        else:
            location = Location(source, *mark_of(raw, key), field=str(key))
        problems.append(InputError(message, location, code, values))

    def counts_at(key: str) -> str:
        if origins and key in origins:
            return origins[key]
        return str(Location(source, mark_of(raw, key)[0]))

    unknown = _unknown_list(raw, kb, problem)
    if any(key in raw for key in CASE_KEYS):
        problems.extend(read_tracking(raw, kb.remedies, source)[1])
    for key, value in raw.items():
        if key == UNKNOWN_KEY or key in CASE_KEYS:
            continue
        fact = kb.facts.get(key) if isinstance(key, str) else None
        if fact is None:
            close = suggest(key, kb.facts, bare=True)
            problem(key, f"unknown fact{suggest(key, kb.facts)} (see 'diagnose facts')",
                    "error.unknown_fact_close" if close else "error.unknown_fact", close=close)
            continue
        try:
            values[key] = coerce(fact, value, today)
        except ValueProblem as exc:
            problem(key, str(exc), f"interview.problem.{exc.code}", **exc.values)
    computed, uncomputed = [], []
    platform = values.get("platform")
    for fact in (kb.facts[name] for name in kb.computed_rates):  # counts must be possible, rate given or not
        numerator, denominator = fact.computed_from
        if numerator in values and denominator in values:
            if values[denominator] == 0:
                if values[numerator]:
                    problem(numerator, f"{values[numerator]} {numerator} out of 0 {denominator}",
                            "error.count_of_zero", count=values[numerator], numerator=numerator,
                            denominator=denominator)
                continue
            if values[numerator] > values[denominator]:
                problem(numerator, f"{numerator} ({values[numerator]}) exceeds {denominator} ({values[denominator]})",
                        "error.count_exceeds", numerator=numerator, count=values[numerator],
                        denominator=denominator, total=values[denominator])
                continue
            if not kb.rate_from_counts(platform, fact.id):
                if fact.id not in values and platform in kb.platforms:
                    uncomputed.append(fact.id)
            elif fact.id not in values:
                values[fact.id] = round(values[numerator] / values[denominator], 10)
                computed.append(fact.id)
            elif fact.id in raw:
                _check_rate_agrees(fact.id, raw[fact.id], values, fact.computed_from, counts_at, problem)
    if "platform" not in values and not any(p.location.field == "platform" for p in problems):
        problems.append(InputError(f"the platform is required ({_one_of(sorted(kb.platforms))})",
                                   Location(source, field="platform"), "error.platform_required"))
    if problems:
        raise FactsError(problems)
    return SellerFacts(dict(sorted(values.items())), tuple(sorted(computed)), unknown, tuple(sorted(uncomputed)))


def rate_tolerance(given: Any) -> Decimal:
    """How far a rate given beside its counts may lie from their ratio and still agree with them.

    Half a unit of the last digit written (``4.6%`` stands for 4.55–4.65%, ``0.046`` the same),
    never tighter than the marketplaces show rates (to 0.01%: ±0.005%), never looser than a
    whole percentage (±0.5%: ``0%`` does not stand for 50%).
    """
    text = given.strip() if isinstance(given, str) else repr(given)
    percent = text.endswith("%")
    try:
        exponent = Decimal(text.rstrip("%").strip().replace(",", "").replace("_", "")).as_tuple().exponent
    except InvalidOperation:
        return RATE_LOOSEST
    if not isinstance(exponent, int):  # not finite: coerce() has refused it already
        return RATE_LOOSEST
    half_unit = Decimal(5).scaleb(exponent - 1 - (2 if percent else 0))
    return min(max(half_unit, RATE_TIGHTEST), RATE_LOOSEST)


def _check_rate_agrees(rate: str, given: Any, values: Dict[str, Any], parts: Tuple[str, str],
                       counts_at: Callable[[str], str], problem: Callable[..., None]) -> None:
    """A problem when the rate given disagrees with the one its counts give, beyond rounding."""
    numerator, denominator = parts
    ratio = Decimal(values[numerator]) / Decimal(values[denominator])
    if abs(ratio - exact(values[rate])) <= rate_tolerance(given):
        return
    shown = {"rate": rate, "given": _percent(exact(values[rate])), "numerator": numerator,
             "denominator": denominator, "count": values[numerator], "total": values[denominator],
             "computed": _percent(ratio), "at": counts_at(numerator)}
    problem(rate, "{rate} {given} contradicts {numerator} and {denominator} ({count} of {total} is {computed}, "
            "{at}): give the counts or the rate, or make them agree".format(**shown),
            "error.rate_contradicts_counts", **shown)


def _percent(rate: Decimal) -> str:
    """``Decimal("0.04615")`` → ``4.615%``: up to four decimals, as many as the value has."""
    return f"{(rate * 100).quantize(Decimal('0.0001')).normalize():f}%"


def _one_of(names: List[str]) -> str:
    """``amazon, ebay or wish``."""
    return " or ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else "none is defined"


def _unknown_list(raw: Dict[str, Any], kb: KnowledgeBase, problem: Callable[..., None]) -> Tuple[str, ...]:
    listed = raw.get(UNKNOWN_KEY, [])
    if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
        problem(UNKNOWN_KEY, "expected a list of fact names", "error.unknown_not_list")
        return ()
    if len(listed) > len(kb.facts):
        problem(UNKNOWN_KEY, f"lists {len(listed):,} names; the vocabulary has {len(kb.facts)} facts",
                "error.unknown_too_long", count=f"{len(listed):,}", facts=len(kb.facts))
        return ()
    for name in listed:
        if name not in kb.facts:
            problem(UNKNOWN_KEY, f"unknown fact {name!r}{suggest(name, kb.facts)}", "error.unknown_listed",
                    name=repr(name))
        elif name in raw:
            problem(name, "given a value and also listed as unknown", "error.known_and_unknown")
    return tuple(sorted({name for name in listed if name in kb.facts}))


def load_facts(path: Optional[str], assignments: Iterable[str], kb: KnowledgeBase,
               overrides: Optional[Dict[str, Any]] = None, imported: Optional[Dict[str, Any]] = None,
               today: Optional[_dt.date] = None) -> SellerFacts:
    """Facts from an optional file, then ``--fact`` assignments and option overrides on top.

    ``imported`` holds facts already read from ``path`` by an importer (a marketplace's report);
    ``today`` is the date no date fact may be later than (default: the real today).
    """
    raw: Dict[str, Any] = imported if imported is not None else read_facts_file(path) if path else Mapping()
    source = path or "--fact"
    extra = parse_assignments(assignments)
    origins = dict.fromkeys(extra, "--fact")
    for name, value in (overrides or {}).items():
        if value is not None:
            extra[name], origins[name] = value, f"--{name}"
    if extra:
        merged = Mapping(raw)
        if isinstance(raw, Mapping):
            merged.line, merged.column, merged.key_marks = raw.line, raw.column, dict(raw.key_marks)
        for key, value in extra.items():
            merged[key] = value
            merged.key_marks.pop(key, None)
        raw = merged
    return validate_facts(raw, kb, source, today=today, origins=origins)
