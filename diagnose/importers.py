"""Reports from the marketplaces themselves, read as seller facts.

Which report field feeds which fact is data, in ``knowledge/imports/<name>.yaml`` (described
by ``knowledge/schemas/import.schema.json``); this module only follows it. A report may hold
several shops (Amazon's marketplaces, eBay's programs): each becomes one shop. Besides facts,
an import keeps the report's own verdict on each metric (its status, target and window) and
notes on what it could not use; nothing the report says is dropped without a word.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Never, Optional, Tuple

import msgspec
from msgspec.structs import replace

from .errors import InputError, KnowledgeBaseError, Location, Said
from .knowledge import Finding, KnowledgeBase, schema_validator, suggest
from .reportpaths import ReportError, Resolver, described, parse_path
from .rows import Row, json_line, parse_json
from .yamlsafe import Mapping, YamlError, load_yaml, mark_of, read_text

if TYPE_CHECKING:  # type names only: ranking would bring the engine along
    from .ranking import Diagnosis

IMPORTS = ("amazon-account-health", "ebay-seller-standards", "walmart-performance")
REPORT_LIMIT = 20_000_000
SCREENING = "screening"
THE_REPORT = Said("the report", code="report.the_report")  # what a note names when the report is the shop


class FieldMapping(msgspec.Struct, frozen=True):
    """One fact and how it is read: ``kind`` is from, rate, largest or count_items."""

    fact: str
    kind: str
    paths: Tuple[str, ...] = ()
    pick: str = "first"
    choices: Optional[Dict[str, str]] = None  # report value -> choice (from + map), or choice -> path (largest)
    where: Optional[Dict[str, str]] = None
    verdict: Optional[str] = None
    scale: str = "fraction"  # or "percent": 89 means 89%


class Channel(msgspec.Struct, frozen=True):
    name: str
    among: Tuple[Tuple[str, str], ...]  # (path, choice naming the channel)
    by: str
    fact: Optional[str]


class ImportMapping(msgspec.Struct, frozen=True):
    """How one kind of report becomes facts (see knowledge/schemas/import.schema.json)."""

    name: str
    platform: str
    shop: str
    fields: Tuple[FieldMapping, ...]
    entries: Optional[str] = None
    required: Tuple[str, ...] = ()
    entry_required: Tuple[str, ...] = ()
    aliases: Dict[str, str] = {}
    shop_names: Dict[str, str] = {}
    select: Optional[Dict[str, Any]] = None
    channels: Tuple[Channel, ...] = ()
    verdict: Optional[Dict[str, Any]] = None
    numbers_as_text: bool = False
    ignored: Tuple[str, ...] = ()
    fact_types: Dict[str, str] = {}
    keyed_lists: Dict[str, str] = {}


class Verdict(msgspec.Struct, frozen=True):
    """The report's own judgement of one metric: its word, what that means for us, target, window."""

    status: str
    outcome: Optional[str]  # "missed" | "met" | None when the word says neither (NONE)
    target: Optional[float]
    window: Optional[str]


class ReportShop(msgspec.Struct):
    """One shop read from a report: its id, raw facts, the report's verdicts, and notes; or the
    problem that kept it from being read (the report's other shops are still read)."""

    id: str
    facts: Mapping
    verdicts: Dict[str, Verdict]
    notes: List[Said]
    problem: Optional[ReportError] = None


def load_mapping(name: str, kb: KnowledgeBase) -> ImportMapping:
    """The mapping ``knowledge/imports/<name>.yaml``, checked against its schema and the facts."""
    path = Path(kb.root) / "knowledge" / "imports" / f"{name}.yaml"
    shown = str(path)
    try:
        document = load_yaml(shown)
    except YamlError as exc:
        raise KnowledgeBaseError(f"cannot read the import mapping: {exc}") from None
    findings: List[Finding] = []

    def problem(container: Any, key: Any, message: str) -> None:
        line, column = mark_of(container, key)
        findings.append(Finding(shown, line, column, "error", message, "import-mapping"))

    for error in sorted(schema_validator("import").iter_errors(document), key=lambda e: list(e.absolute_path)):
        container, key = _container_of(document, list(error.absolute_path))
        where = ".".join(str(step) for step in error.absolute_path) or "the mapping"
        problem(container, key, f"{where}: {error.message}")
    if findings:
        raise KnowledgeBaseError(f"the import mapping {shown} has {len(findings)} error(s)", findings=findings)
    if document["platform"] not in kb.platforms:
        problem(document, "platform", f"unknown platform '{document['platform']}'")
    fields = []
    for item in document["facts"]:
        fact = kb.facts.get(item["fact"])
        if fact is None:
            problem(item, "fact", f"unknown fact '{item['fact']}'{suggest(item['fact'], kb.facts)}")
            continue
        for path in _paths_of(item):
            try:
                parse_path(path)
            except ReportError as exc:
                problem(item, "fact", f"{fact.id}: {exc.message}")
        if "map" in item or "largest" in item:
            wanted = set(item.get("map", {}).values()) | set(item.get("largest", {}))
            bad = sorted(wanted - set(fact.choice_values if fact.type == "choice" else ()))
            if bad:
                problem(item, "fact", f"{fact.id} has no choice {', '.join(bad)}")
        fields.append(_field(item))
    for channel in document.get("channels", []):
        if channel.get("fact") and channel["fact"] not in kb.facts:
            problem(channel, "fact", f"unknown fact '{channel['fact']}'")
    if findings:
        raise KnowledgeBaseError(f"the import mapping {shown} has {len(findings)} error(s)", findings=findings)
    return ImportMapping(
        name, document["platform"], document["shop"], tuple(fields), document.get("entries"),
        tuple(document.get("required", ())), tuple(document.get("entry_required", ())),
        dict(document.get("aliases", {})), dict(document.get("shop_names", {})), document.get("select"),
        tuple(Channel(c["name"], tuple(c["among"].items()), c["by"], c.get("fact"))
              for c in document.get("channels", [])),
        document.get("verdict"), bool(document.get("numbers_as_text", False)),
        tuple(item["field"] for item in document["ignored"]),
        {f.fact: kb.facts[f.fact].type for f in fields} | {c["fact"]: "choice" for c in document.get("channels", [])
                                                          if c.get("fact")},
        dict(document.get("keyed_lists", {})))


def check_imports(kb: KnowledgeBase) -> List[Finding]:
    """The problems of every import mapping (and screening.yaml) the knowledge base holds, for
    ``diagnose kb validate``; a knowledge base without them has nothing to check."""
    findings: List[Finding] = []
    folder = Path(kb.root) / "knowledge" / "imports"
    checks = [(name, lambda name=name: load_mapping(name, kb)) for name in IMPORTS]
    for name, check in checks + [(SCREENING, lambda: load_screening(kb))]:
        path = folder / f"{name}.yaml"
        if not path.is_file():
            continue
        try:
            check()
        except KnowledgeBaseError as exc:
            findings += exc.findings or [Finding(str(path), None, None, "error", exc.message, "import-mapping")]
    return findings


def _field(item: Dict[str, Any]) -> FieldMapping:
    if "rate" in item:
        return FieldMapping(item["fact"], "rate", (item["rate"]["count"], item["rate"]["total"]))
    if "largest" in item:
        return FieldMapping(item["fact"], "largest", tuple(item["largest"].values()),
                            choices=dict(item["largest"]))
    if "count_items" in item:
        return FieldMapping(item["fact"], "count_items", (item["count_items"]["list"],),
                            where=dict(item["count_items"]["where"]))
    return FieldMapping(item["fact"], "from", tuple(item["from"]), item.get("pick", "first"),
                        dict(item["map"]) if "map" in item else None, verdict=item.get("verdict"),
                        scale=item.get("scale", "fraction"))


def _paths_of(item: Dict[str, Any]) -> List[str]:
    paths = list(item.get("from", ())) + list(item.get("largest", {}).values())
    if "rate" in item:
        paths += [item["rate"]["count"], item["rate"]["total"]]
    if "count_items" in item:
        paths.append(item["count_items"]["list"])
    return paths + ([item["verdict"]] if "verdict" in item else [])


def _container_of(document: Any, path: List[Any]) -> Tuple[Any, Any]:
    """The loaded container holding the last step of ``path``, for its line number."""
    container = document
    for step in path[:-1]:
        try:
            container = container[step]
        except (KeyError, IndexError, TypeError):
            break
    return container, (path[-1] if path else None)


# ---------------------------------------------------------------------------------------------
# Reading a report


def shops_from_report(report: Any, mapping: ImportMapping, source: str,
                      variant: Optional[str] = None) -> List[ReportShop]:
    """The shops in ``report``; a report of the wrong shape raises InputError naming the path."""
    where = Location(source, getattr(report, "line", None))
    if not isinstance(report, dict):
        raise InputError(f"not a {mapping.name} report: expected a JSON object", where, "report.not_object",
                         {"name": mapping.name})
    missing = ", ".join(key for key in mapping.required if key not in report)
    top_notes = [Said(f"the report lacks {missing}, which the report's format includes", code="report.lacks",
                      values={"fields": missing})] if missing else []
    if mapping.entries is None:
        entries: List[Tuple[str, Any]] = [("", report)]
    else:
        listed = report.get(mapping.entries)
        if not isinstance(listed, list):
            raise InputError(f"not a {mapping.name} report: expected an object with a '{mapping.entries}' list",
                             where, "report.no_list", {"name": mapping.name, "list": mapping.entries})
        entries = [(f"{mapping.entries}[{index}]", entry) for index, entry in enumerate(listed)]
    select = mapping.select
    wanted = None
    if select is None and variant is not None:
        raise InputError(f"--cycle does not apply to a {mapping.name} report", code="report.no_cycle",
                         values={"name": mapping.name})
    if select is not None:
        wanted = (variant or select["default"]).upper()
        if wanted not in select["allowed"]:
            allowed = ", ".join(select["allowed"])
            raise InputError(f"'{variant}' is not one of {allowed}", code="report.bad_cycle",
                             values={"cycle": variant, "allowed": allowed})
    shops: List[ReportShop] = []
    seen: Dict[str, str] = {}
    for label, entry in entries:
        if not isinstance(entry, dict):
            got = described(entry)
            raise InputError(f"{label}: expected an object, got {got}", where, "report.entry_not_object",
                             {"label": label, "got": got})
        resolver = Resolver(report, entry, label, mapping.aliases, mapping.numbers_as_text, source)
        if wanted is not None and resolver.text(select["path"]) != wanted:
            continue
        shop_id = resolver.shop_id = _shop_id(resolver, mapping, label)
        if shop_id in seen:
            raise InputError(f"{label}: '{shop_id}' appears twice (first in {seen[shop_id]})", where,
                             "report.shop_twice", {"label": label, "shop": shop_id, "first": seen[shop_id]})
        seen[shop_id] = label
        try:
            shops.append(_read_shop(resolver, mapping, shop_id, list(top_notes)))
        except ReportError as exc:
            exc.located(resolver)
            shops.append(ReportShop(shop_id, Mapping(), {}, [], exc))
    if not shops:
        if wanted:
            raise InputError(f"the {mapping.name} report holds no shop for the {wanted} cycle", where,
                             "report.no_shop_in_cycle", {"name": mapping.name, "cycle": wanted})
        raise InputError(f"the {mapping.name} report holds no shop", where, "report.no_shop", {"name": mapping.name})
    return shops


def _shop_id(resolver: Resolver, mapping: ImportMapping, label: str) -> str:
    if mapping.shop.startswith('"'):
        return mapping.shop.strip('"')
    value = resolver.text(mapping.shop)
    if value is None:
        raise ReportError(f"{label}: expected '{mapping.shop}' naming the shop", None, "report.no_shop_id",
                          {"label": label, "path": mapping.shop}).located(resolver)
    return mapping.shop_names.get(value, value)


def _read_shop(resolver: Resolver, mapping: ImportMapping, shop_id: str, notes: List[Said]) -> ReportShop:
    label = resolver.label
    facts = Mapping(platform=mapping.platform)
    facts.line = getattr(resolver.entry, "line", None)
    for channel in mapping.channels:
        chosen = resolver.choose_channel(channel.name, channel.among, channel.by)
        if chosen is not None and channel.fact:
            facts[channel.fact] = chosen
    verdicts: Dict[str, Verdict] = {}
    tried: Dict[str, set] = {}  # the missing paths each fact's entries met
    for field in mapping.fields:
        if field.fact in facts:  # an earlier entry for the fact read it: later ones are fallbacks
            continue
        before = set(resolver.partial)
        value = _read_field(resolver, field, mapping.fact_types[field.fact], notes)
        tried.setdefault(field.fact, set()).update(resolver.partial - before)
        if value is not None:
            facts[field.fact] = value
    for fact, missing in tried.items():
        if fact in facts:  # read by a fallback: what the first entries missed does not matter
            resolver.partial -= missing
    for field in mapping.fields:
        if field.verdict and mapping.verdict and field.fact in facts and field.fact not in verdicts:
            verdict = _verdict(resolver, field.verdict, mapping.verdict)
            if verdict is not None:
                verdicts[field.fact] = verdict
    notes += _unread(resolver, mapping)
    if len(facts) == 1 + sum(1 for c in mapping.channels if c.fact in facts):
        where = label or THE_REPORT
        raise ReportError(f"{where} ({shop_id}): nothing in it could be read as a fact", facts.line,
                          "report.nothing_read", {"where": where, "shop": shop_id})
    return ReportShop(shop_id, facts, verdicts, notes)


def _unread(resolver: Resolver, mapping: ImportMapping) -> List[Said]:
    """Notes on what the entry holds, or should hold, that nothing read."""
    notes = []
    known = set(mapping.entry_required) | set(mapping.aliases) | set(mapping.ignored) | resolver.first_steps
    where = resolver.label or THE_REPORT
    present = {mapping.aliases.get(key, key) for key in resolver.entry}
    lacking = ", ".join(key for key in mapping.entry_required if key not in present)
    if lacking:
        notes.append(Said(f"{where} lacks {lacking}, which the report's format includes; nothing was read from them",
                          code="report.entry_lacks", values={"where": where, "fields": lacking}))
    unknown = ", ".join(sorted(key for key in resolver.entry if key not in known | set(mapping.required)))
    if unknown:
        notes.append(Said(f"{where}: not read: {unknown} (not fields this import knows)", code="report.unknown_fields",
                          values={"where": where, "fields": unknown}))
    unpicked = []
    for name, key in mapping.keyed_lists.items():
        items = resolver.entry.get(name)
        for item in items if isinstance(items, list) else []:
            value = item.get(key) if isinstance(item, dict) else None
            if (value is not None and str(value) not in resolver.picked.get(name, set())
                    and f"{name}[{key}={value}]" not in mapping.ignored):
                unpicked.append(f"{name}[{key}={value}]")
    if unpicked:
        items = ", ".join(unpicked)
        notes.append(Said(f"{where}: not read: {items} (not items this import knows)", code="report.unknown_items",
                          values={"where": where, "items": items}))
    if resolver.partial:
        paths = ", ".join(sorted(resolver.partial))
        notes.append(Said(f"missing from the report, so not read: {paths}", code="report.missing_paths",
                          values={"paths": paths}))
    return notes


def _read_field(resolver: Resolver, field: FieldMapping, fact_type: str, notes: List[Said]) -> Any:
    label = resolver.label
    if field.kind == "rate":
        count, total = (resolver.count(path) for path in field.paths)
        if count is None or total is None:
            return None
        if total == 0:
            if count:
                path = resolver.show(field.paths[0])
                raise ReportError(f"{path}: {count} out of a total of 0", None, "report.total_zero",
                                  {"path": path, "count": count}).located(resolver)
            return None
        if count > total:
            path, of = resolver.show(field.paths[0]), resolver.show(field.paths[1])
            raise ReportError(f"{path}: {count} is more than the total {total} ({of})", None, "report.over_total",
                              {"path": path, "count": count, "total": total, "of": of}).located(resolver)
        return round(count / total, 10)
    if field.kind == "largest":
        counts = [(resolver.count(path), choice) for choice, path in field.choices.items()]
        counts = [(count, choice) for count, choice in counts if count]
        return max(counts, key=lambda item: item[0])[1] if counts else None
    if field.kind == "count_items":
        items = resolver.items(field.paths[0])
        if items is None:
            return None
        return sum(all(item.get(k) == v for k, v in field.where.items()) for item in items if isinstance(item, dict))
    if field.choices is not None:
        found = [value for value in (resolver.text(path) for path in field.paths) if value is not None]
        if not found:
            return None
        if found[0] not in field.choices:
            said, known = f"{found[0]:.40}", ", ".join(field.choices)
            notes.append(Said(f"{label}: {field.fact}: the report says '{said}', which this import does not know "
                              f"({known}); not used", code="report.unknown_word",
                              values={"label": label, "fact": field.fact, "said": said, "known": known}))
            return None
        return field.choices[found[0]]
    scale = 0.01 if field.scale == "percent" else 1
    found = []
    for path in field.paths:
        value = resolver.count(path) if fact_type == "count" else resolver.number(path)
        if value is not None:
            found.append(value * scale if scale != 1 else value)
    if not found:
        return None
    if fact_type == "rate":
        for value, path in zip(found, field.paths):
            if not 0 <= value <= 1:
                shown = resolver.show(path)
                raise ReportError(f"{shown}: {value:g} is not a rate between 0 and 1, as the report format states "
                                  "rates", None, "report.not_rate", {"path": shown, "value": f"{value:g}"}
                                  ).located(resolver)
    return {"first": found[0], "max": max(found), "min": min(found), "sum": sum(found)}[field.pick]


def _verdict(resolver: Resolver, path: str, spec: Dict[str, Any]) -> Optional[Verdict]:
    status = resolver.text(f"{path}.{spec['status']}")
    if status is None:
        return None
    scale = 0.01 if spec.get("scale") == "percent" else 1
    target = resolver.number(f"{path}.{spec['target']}") if "target" in spec else None
    window = None
    if "window" in spec:
        ends = [resolver.text(f"{path}.{end}") for end in spec["window"]]
        if all(ends):
            window = " – ".join(end[:10] for end in ends)
    outcome = "missed" if status in spec["missed"] else "met" if status in spec["met"] else None
    return Verdict(status, outcome, None if target is None else round(target * scale, 10), window)


def read_report(path: str, kb: KnowledgeBase, name: str, marketplace: Optional[str] = None,
                variant: Optional[str] = None) -> ReportShop:
    """The one shop of the report file ``path`` that ``diagnose run --from`` diagnoses."""
    try:
        text = read_text(path, REPORT_LIMIT)
    except YamlError as exc:
        raise InputError(exc.message, exc.location, exc.code, exc.values) from None
    try:
        shops = {shop.id: shop for shop in shops_from_report(parse_json(text, path), load_mapping(name, kb),
                                                             path, variant)}
    except ReportError as exc:
        raise InputError(exc.message, Location(path, exc.line), exc.code, exc.values) from None
    listed = ", ".join(shops)
    if marketplace is None:
        if len(shops) != 1:
            raise InputError(f"the report holds {len(shops)} marketplaces ({listed}): choose one with --marketplace",
                             Location(path), "report.choose_marketplace", {"count": len(shops), "listed": listed})
        marketplace = next(iter(shops))
    if marketplace not in shops:
        raise InputError(f"marketplace '{marketplace}' is not in the report ({listed})", Location(path),
                         "report.no_marketplace", {"marketplace": marketplace, "listed": listed})
    shop = shops[marketplace]
    if shop.problem is not None:
        problem = shop.problem
        raise InputError(problem.message, Location(path, problem.line), problem.code, problem.values)
    return shop


def report_line(path: str, mapping: ImportMapping, number: int, text: str, too_long: bool = False,
                variant: Optional[str] = None) -> List[Row]:
    """One line of a JSON Lines file of reports: a row per shop of its report, named by its id
    (none for a blank line), or one row with the problem that kept the line from being read."""
    read = json_line(path, number, text, too_long, parse=False)
    if read is None:
        return []
    text, problem = read
    where = Location(path, number)
    if problem is None:
        try:
            shops = shops_from_report(parse_json(text, path, number), mapping, path, variant)
        except (InputError, ReportError) as exc:
            problem = Said(exc.message, where, exc.code, exc.values)
    if problem is not None:
        return [Row(number, None, None, problem)]
    rows = []
    for shop in shops:
        if shop.problem is not None:
            rows.append(Row(number, shop.id, None, shop.problem.said(where, shop.id), report=mapping.name))
            continue
        shop.facts.line = number
        rows.append(Row(number, shop.id, shop.facts, verdicts=shop.verdicts or None,
                        notes=tuple(replace(note, location=where) for note in shop.notes), report=mapping.name))
    return rows


# ---------------------------------------------------------------------------------------------
# The report's verdicts beside ours


def load_screening(kb: KnowledgeBase) -> Dict[str, Any]:
    """``knowledge/imports/screening.yaml``: at-risk symptoms and the disagreement notes."""
    path = Path(kb.root) / "knowledge" / "imports" / f"{SCREENING}.yaml"
    try:
        document = load_yaml(str(path))
    except YamlError as exc:
        raise KnowledgeBaseError(f"cannot read {path}: {exc}") from None
    def refuse(message: str, mark: Tuple[Optional[int], Optional[int]] = (None, None)) -> Never:
        raise KnowledgeBaseError(f"{path}: {message}", findings=[Finding(str(path), *mark, "error", message,
                                                                           "import-mapping")])

    if not (isinstance(document, dict) and isinstance(document.get("at_risk_symptoms"), list)
            and isinstance(document.get("notes"), dict) and isinstance(document.get("status_words"), dict)):
        refuse("expected 'at_risk_symptoms', 'status_words' and 'notes'")
    unknown = [s for s in document["at_risk_symptoms"] if s not in kb.symptoms]
    if unknown:
        refuse(f"unknown symptom(s) {', '.join(map(str, unknown))}", mark_of(document, "at_risk_symptoms"))
    return document


def apply_verdicts(diagnosis: Diagnosis, verdicts: Dict[str, Verdict], kb: KnowledgeBase,
                   screening: Dict[str, Any]) -> Diagnosis:
    """``diagnosis`` with each metric's window, status and target shown as the report states them.

    Where the report's status disagrees with ours, the report wins and a note says what ours was.
    """
    from .vocabulary import format_value

    platform = kb.platforms[diagnosis.platform].name
    metrics = []
    for metric in diagnosis.metrics:
        verdict = verdicts.get(metric.fact)
        if verdict is None:
            metrics.append(metric)
            continue
        fact = kb.facts[metric.fact]
        target = format_value(fact, verdict.target) if verdict.target is not None else "?"
        reported = {"status": verdict.status, "target": verdict.target, "window": verdict.window}
        status, note = metric.status, None
        disagrees = ((verdict.outcome == "missed" and metric.status != "missed")
                     or (verdict.outcome == "met" and metric.status == "missed"))
        if disagrees and metric.status != "not_applicable":
            status = verdict.outcome
            template = screening["notes"][verdict.outcome]
            note = {lang: text.format(platform=platform.get(lang, platform["en"]), status=verdict.status,
                                      target=target, ours=screening["status_words"][metric.status][lang])
                    for lang, text in template.items()}
        window = {"en": verdict.window, "zh": verdict.window} if verdict.window else metric.window
        metrics.append(replace(metric, status=status, window=window, reported=reported, note=note))
    return replace(diagnosis, metrics=tuple(metrics))
