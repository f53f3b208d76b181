"""Knowledge tests: every rule's inline examples and the scenarios in tests/scenarios.

A rule example is a seller's facts under ``examples.fires`` (the rule must fire),
``examples.silent`` (it must not) or ``examples.todo`` (a known gap: reported, not failed).
A scenario file holds ``facts`` and ``expect``: causes that must be in the top three
(``top3``), optionally the one ranked first (``first``), remedy ids that must appear among the
top three causes' remedies (``remedies``), causes that must not be reported (``absent``), and
symptoms the rules must or must not derive (``symptoms``, ``no_symptoms``);
``knowledge/schemas/scenario.schema.json`` defines the shape.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import msgspec

from .api import Diagnoser
from .engine import Engine
from .errors import DiagnoseError, KnowledgeBaseError
from .facts import FactsError, validate_facts
from .knowledge import Finding, KnowledgeBase, Rule, display_path, schema_finding, schema_validator
from .yamlsafe import Mapping, load_yaml, mark_of


class CaseResult(msgspec.Struct, frozen=True):
    """The outcome of one example or scenario."""

    name: str  # e.g. "rule cancel.chronic_stockout fires[0]" or "scenario g10-…"
    status: str  # "pass" | "fail" | "todo" | "todo-fixed"
    detail: str
    where: str  # path:line

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def _facts_of(kb: KnowledgeBase, rule: Rule, case: Dict[str, Any]) -> Dict[str, Any]:
    """The example's facts, with the rule's first platform (or the knowledge's first) when it names
    none; line marks kept."""
    facts = Mapping(case)
    if isinstance(case, Mapping):
        facts.line, facts.column, facts.key_marks = case.line, case.column, case.key_marks
    if "platform" not in facts:
        facts["platform"] = rule.platforms[0] if rule.platforms else next(iter(kb.platforms))
    return facts


def check_examples(kb: KnowledgeBase) -> List[Finding]:
    """A finding for every value in a rule example that does not fit the vocabulary."""
    findings = []
    for rule in kb.rules.values():
        if rule.generated_from:
            continue
        for kind in ("fires", "silent", "todo"):
            for index, case in enumerate(rule.examples.get(kind, ())):
                try:
                    validate_facts(_facts_of(kb, rule, case), kb, rule.where.path)
                except FactsError as exc:
                    for error in exc.errors:
                        where = error.location
                        findings.append(Finding(
                            rule.where.path, where.line or getattr(case, "line", None), where.column, "error",
                            f"rule '{rule.id}' examples.{kind}[{index}]: {where.field}: {error.message}",
                            "example-value"))
    return findings


def check_engine(kb: KnowledgeBase) -> List[Finding]:
    """A finding for every platform whose ruleset the rule engine refuses or would hang creating
    (its own limits), found by preparing each ruleset as ``diagnose run`` would."""
    engine = Engine(kb)
    findings = []
    for platform in sorted(kb.platforms):
        where = kb.platforms[platform].where
        try:
            engine.prepare(platform)
        except KnowledgeBaseError as exc:
            findings.append(Finding(where.path, where.line, where.column, "error",
                                    f"{exc.message} ('diagnose run' fails the same way)", "engine-limit"))
    return findings


def run_rule_examples(diagnoser: Diagnoser, rule_ids: Optional[List[str]] = None) -> Iterator[CaseResult]:
    """Check every rule's fires / silent / todo examples against full inference runs."""
    for rule in diagnoser.kb.rules.values():
        if rule_ids and rule.id not in rule_ids:
            continue
        for kind in ("fires", "silent", "todo"):
            cases = rule.examples.get(kind, ())
            for index, case in enumerate(cases):
                line = getattr(case, "line", None)
                where = f"{rule.where.path}:{line or rule.where.line}"
                name = f"rule {rule.id} {kind}[{index}]"
                try:
                    fired_rules = diagnoser.run_facts(_facts_of(diagnoser.kb, rule, case), where)
                except DiagnoseError as exc:
                    yield CaseResult(name, "fail", f"the example itself is invalid: {exc}", where)
                    continue
                fired = rule.id in fired_rules
                if kind == "fires":
                    yield CaseResult(name, "pass" if fired else "fail", "" if fired else
                                     "expected the rule to fire; it did not (rules that fired: "
                                     f"{', '.join(sorted(fired_rules)) or 'none'})", where)
                elif kind == "silent":
                    yield CaseResult(name, "fail" if fired else "pass",
                                     "expected the rule to stay silent; it fired" if fired else "", where)
                else:
                    yield CaseResult(name, "todo-fixed" if fired else "todo",
                                     "now fires: move it to 'fires'" if fired else "known gap", where)


def check_scenario_letters(diagnoser: Diagnoser, paths: List[Path]) -> List[Finding]:
    """Render the English letter of every scenario (all immediate actions confirmed) and report
    each sentence or document the scenario's facts contradict, and each bullet said twice."""
    from .letters import audit, draft_letter

    findings = []
    for path in paths:
        try:
            document = load_yaml(str(path))
            if _scenario_shape(str(path), document):
                continue  # reported by 'diagnose kb test'
            diagnosis = diagnoser.run(document["facts"], str(path))
            done = tuple(r.id for c in diagnosis.causes for r in c.remedies if r.kind == "immediate")
            draft = draft_letter(diagnoser.kb, diagnosis, done=done, source=str(path))
        except DiagnoseError:
            continue  # no letter for this case (refused, or below the cut-off): nothing to check
        for where, message in audit(diagnoser.kb, diagnosis, draft, done):
            findings.append(Finding(where.path, where.line, where.column, "error",
                                    f"scenario {path.stem}: {message}", "letter-contradiction"))
    return findings


def scenario_files(folder: Path) -> List[Path]:
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def run_scenario(diagnoser: Diagnoser, path: Path) -> CaseResult:
    """Check one scenario file: its expected top causes and remedies."""
    name = f"scenario {path.stem}"
    shown = display_path(path)
    try:
        document = load_yaml(str(path))
        problems = _scenario_shape(shown, document)
        if problems:
            return CaseResult(name, "fail", "; ".join(p.message for p in problems), f"{shown}:{problems[0].line or 1}")
        diagnosis = diagnoser.run(document["facts"], str(path))
    except DiagnoseError as exc:
        return CaseResult(name, "fail", str(exc), shown)
    expect = document["expect"]
    where = f"{shown}:{mark_of(document, 'expect')[0]}"
    top = [c.id for c in diagnosis.causes[:3]]
    failures = []
    for cause in expect.get("top3", []):
        if cause not in top:
            failures.append(f"expected '{cause}' in the top 3")
    first = expect.get("first")
    if first and (not top or top[0] != first):
        failures.append(f"expected '{first}' first")
    remedies = {r.id for c in diagnosis.causes[:3] for r in c.remedies}
    for remedy in expect.get("remedies", []):
        if remedy not in remedies:
            failures.append(f"expected remedy '{remedy}' among the top causes' remedies")
    reported = {c.id for c in diagnosis.causes}
    for cause in expect.get("absent", []):
        if cause in reported:
            failures.append(f"expected '{cause}' not to be reported")
    derived = {s.id for s in diagnosis.symptoms}
    failures += [f"expected symptom '{s}'" for s in expect.get("symptoms", []) if s not in derived]
    failures += [f"expected no symptom '{s}'" for s in expect.get("no_symptoms", []) if s in derived]
    if failures:
        shown = ", ".join(f"{c.id} ({c.certainty:.2f})" for c in diagnosis.causes[:3]) or "none"
        return CaseResult(name, "fail", "; ".join(failures) + f"; actual top 3: {shown}", where)
    return CaseResult(name, "pass", "", where)


def _scenario_shape(shown: str, document: Any) -> List[Finding]:
    """Where the scenario departs from its JSON Schema, each finding at the offending field."""
    errors = sorted(schema_validator("scenario").iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [schema_finding(shown, document, error) for error in errors]
