"""``diagnose kb``: tools for knowledge editors — validate, lint, test, graph, show.

Exit codes: 0 clean, 1 findings or failed tests, 2 bad usage (unknown ids, a folder that is
not a knowledge base).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Tuple

import click

from .options import kb_option, output_format_option

if TYPE_CHECKING:  # type names only: each command imports what it needs when it runs
    from ..knowledge import Finding
    from ..lint import Check


@click.group()
def kb() -> None:
    """Check, test and explore a knowledge base (knowledge/ and rules/)."""


def _root(kb_root: Optional[str]) -> Path:
    """The knowledge-base folder to work on; a folder without knowledge/ and rules/ is bad usage."""
    from ..knowledge import default_root

    root = Path(kb_root) if kb_root else default_root()
    missing = [name for name in ("knowledge", "rules") if not (root / name).is_dir()]
    if missing:
        raise click.BadParameter(f"{root} is not a knowledge base: it has no {' and no '.join(missing)} folder",
                                 param_hint="'--kb'")
    return root


def _report(findings: List[Finding], output_format: str, failing: bool, files: Optional[int] = None) -> None:
    """Print findings (text or JSON) and a summary; exit 1 when ``failing``."""
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    if output_format == "json":
        data = {"errors": errors, "warnings": warnings, "findings": [f.as_dict() for f in findings]}
        if files is not None:
            data["files"] = files
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
        checked = f" in {files} files" if files is not None else ""
        click.echo(f"{errors} error(s), {warnings} warning(s){checked}")
    if failing:
        click.get_current_context().exit(1)


def _sorted(findings: List[Finding]) -> List[Finding]:
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.column or 0, f.check, f.message))


@kb.command()
@output_format_option("text", "json", default="text")
@kb_option
def validate(output_format: str, kb_root: Optional[str]) -> None:
    """Check YAML syntax, the JSON Schemas, every cross-reference and every example's values,
    and render every scenario's letter: no sentence or document the scenario's facts contradict,
    nothing said twice. The rule engine must accept each platform's ruleset.

    Prints every finding as path:line:col: [level] message (check); exit 1 if there is any.
    """
    from ..api import Diagnoser
    from ..cases import check_engine, check_examples, check_scenario_letters, scenario_files
    from ..knowledge import check_knowledge, knowledge_files

    root = _root(kb_root)
    knowledge, rules = knowledge_files(root)
    loaded, findings = check_knowledge(root, knowledge, rules)
    if loaded is not None:
        from ..importers import check_imports

        findings = findings + check_examples(loaded) + check_imports(loaded) + check_engine(loaded)
        scenarios = scenario_files(root / "tests" / "scenarios")
        if scenarios and not any(f.level == "error" for f in findings):
            findings = findings + check_scenario_letters(Diagnoser(loaded), scenarios)
    findings = _sorted(set(findings))
    _report(findings, output_format, bool(findings), len(knowledge) + len(rules))


@kb.command("lint")
@click.option("--list", "list_checks", is_flag=True, help="List the checks and exit.")
@click.option("--explain", "explain", metavar="CHECK", help="Describe one check with its examples and exit.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@output_format_option("text", "json", default="text")
@kb_option
def lint_command(list_checks: bool, explain: Optional[str], strict: bool, output_format: str,
                 kb_root: Optional[str]) -> None:
    """Semantic checks: rules that never fire, unused knowledge, missing remedies, translations,
    cycles, durable-rules limits. Errors exit 1; warnings only with --strict.

    Suppress one finding in knowledge/lint.yaml:
    suppress: [{check: CHECK, id: ID, reason: "..."}]
    """
    from ..knowledge import load_knowledge, suggest
    from ..lint import CHECK_IDS, CHECKS, lint

    if list_checks:
        width = max(len(check.id) for check in CHECKS)
        for check in CHECKS:
            click.echo(f"{check.id:<{width}}  {check.level:<7}  {check.summary}")
        return
    if explain:
        if explain not in CHECK_IDS:
            raise click.BadParameter(f"unknown check '{explain}'{suggest(explain, CHECK_IDS)}", param_hint="'--explain'")
        _explain(CHECK_IDS[explain])
        return
    root = _root(kb_root)
    findings = lint(load_knowledge(root), root)
    failing = any(f.level == "error" for f in findings) or (strict and bool(findings))
    _report(findings, output_format, failing)


def _explain(check: Check) -> None:
    click.echo(f"{check.id} ({check.level})")
    click.echo(check.summary)
    click.echo(f"Suppress with: {{check: {check.id}, id: <{check.suppress_by}>, reason: \"...\"}} in knowledge/lint.yaml")
    for title, files in (("FAIL", check.failing), ("PASS", check.passing)):
        for path, text in files.items():
            click.echo(f"\n{title}: {path}")
            click.echo(text.rstrip("\n"))


@kb.command("test")
@click.argument("rule_ids", nargs=-1)
@click.option("--scenarios", "scenarios_dir", type=click.Path(file_okay=False, exists=True),
              help="Scenario folder (default: tests/scenarios in the knowledge base, if present).")
@kb_option
def test_command(rule_ids: Tuple[str, ...], scenarios_dir: Optional[str], kb_root: Optional[str]) -> None:
    """Run every rule's examples (fires / silent / todo) and the scenarios.

    With RULE_IDs, only those rules' examples run (no scenarios).
    """
    from ..api import get_diagnoser
    from ..cases import run_rule_examples, run_scenario, scenario_files
    from ..knowledge import suggest

    root = _root(kb_root)
    diagnoser = get_diagnoser(root)
    unknown = [rule for rule in rule_ids if rule not in diagnoser.kb.rules]
    if unknown:
        raise click.BadParameter(f"unknown rule '{unknown[0]}'{suggest(unknown[0], diagnoser.kb.rules)}",
                                 param_hint="RULE_ID")
    results = list(run_rule_examples(diagnoser, list(rule_ids) or None))
    if not rule_ids:
        folder = Path(scenarios_dir) if scenarios_dir else root / "tests" / "scenarios"
        results += [run_scenario(diagnoser, path) for path in scenario_files(folder)]
    for result in results:
        if result.status in ("fail", "todo-fixed"):
            click.echo(f"{result.where}: {result.status.upper()} {result.name}: {result.detail}")
    counts = {status: sum(r.status == status for r in results) for status in ("pass", "fail", "todo", "todo-fixed")}
    click.echo(f"{counts['pass']} passed, {counts['fail']} failed, {counts['todo']} todo, "
               f"{counts['todo-fixed']} todo now passing")
    if counts["fail"]:
        click.get_current_context().exit(1)


@kb.command()
@click.option("--format", "output_format", type=click.Choice(["mermaid", "dot"]), default="mermaid",
              show_default=True, help="Graph language.")
@click.option("--cause", "cause_id", metavar="CAUSE", help="Only what leads to this cause, and its remedies.")
@kb_option
def graph(output_format: str, cause_id: Optional[str], kb_root: Optional[str]) -> None:
    """The knowledge as a graph: facts → symptoms → causes → remedies (negated tests dashed)."""
    from ..explore import Explorer, dot, mermaid
    from ..knowledge import load_knowledge, suggest

    explorer = Explorer(load_knowledge(_root(kb_root)))
    if cause_id is not None and cause_id not in explorer.kb.causes:
        raise click.BadParameter(f"unknown cause '{cause_id}'{suggest(cause_id, explorer.kb.causes)}",
                                 param_hint="'--cause'")
    lines = (mermaid if output_format == "mermaid" else dot)(explorer.edges(cause_id))
    click.echo("\n".join(lines))


@kb.command()
@click.argument("item_id", metavar="ID")
@kb_option
def show(item_id: str, kb_root: Optional[str]) -> None:
    """A fact, rule, symptom, cause, remedy or source with everything linked to it."""
    from ..explore import Explorer
    from ..knowledge import load_knowledge, suggest

    explorer = Explorer(load_knowledge(_root(kb_root)))
    kinds = explorer.find(item_id)
    if not kinds:
        raise click.BadParameter(f"no fact, rule, symptom, cause, remedy or source is named '{item_id}'"
                                 f"{suggest(item_id, explorer.known_ids())}", param_hint="ID")
    click.echo("\n\n".join("\n".join(explorer.show(kind, item_id)) for kind in kinds))
