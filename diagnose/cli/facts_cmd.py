"""``diagnose facts``: the vocabulary, for sellers and knowledge editors."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable, List, Optional

import click

from .options import kb_option, lang_option, output_format_option
from .usage import DiagnoseCommand

if TYPE_CHECKING:  # type names only: the command imports the library when it runs
    from ..interview import Session
    from ..knowledge import KnowledgeBase
    from ..vocabulary import Fact


@click.command(cls=DiagnoseCommand)
@output_format_option("table", "json", default="table")
@lang_option
@click.option("--platform", default=None, metavar="PLATFORM",
              help="Only the facts that matter on this marketplace (its choices only).")
@click.option("--notice", default=None, metavar="REASON",
              help="With --platform: only the facts that matter for this notice reason (a notice_reason value or label).")
@click.option("--template", is_flag=True,
              help="Print a starter facts file instead: each fact commented out under its question.")
@kb_option
def facts(output_format: str, lang: str, platform: Optional[str], notice: Optional[str], template: bool,
          kb_root: Optional[str]) -> None:
    """List every fact one can give: name, type, unit, range and question."""
    from tabulate import tabulate

    from ..api import get_diagnoser
    from ..errors import InputError, Location
    from ..interview import Session
    from ..render import describe_range
    from ..typography import wrap
    from ..vocabulary import ValueProblem, coerce, say

    diagnoser = get_diagnoser(kb_root)
    kb = diagnoser.kb
    history = []
    for fact, raw, option in (("platform", platform, "--platform"), ("notice_reason", notice, "--notice")):
        if raw is None:
            continue
        if fact == "notice_reason" and platform is None:
            raise InputError("--notice needs --platform: what matters depends on the marketplace", Location(option))
        try:
            history.append((fact, coerce(kb.facts[fact], raw)))
        except ValueProblem as exc:
            raise InputError(str(exc), Location(option, field=fact)) from None
    session = Session(diagnoser, history)
    shown = session.relevant_facts() if history else sorted(kb.facts, key=lambda f: (-kb.facts[f].priority, f))
    ordered = [kb.facts[f] for f in shown]

    def accepted(fact: Fact) -> str:  # choices by value in English, by label in Chinese (a file takes either)
        if fact.type == "choice":
            shown = [value if lang == "en" else say(label, lang) for value, label in session.choices(fact)]
            return kb.message("range.separator", lang).join(shown)
        return describe_range(kb, fact, lang)

    if template:
        click.echo(starter(kb, session, ordered, accepted, lang), nl=False)
        return
    if output_format == "json":
        rows = [{"id": f.id, "type": f.type, "unit": f.unit, "range": accepted(f), "window": say(f.window, lang),
                 "computed_from": list(f.computed_from) if f.computed_from else None,
                 "question": say(f.question, lang), "help": say(f.help, lang)} for f in ordered]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return

    keep = [term.text["zh"] for term in kb.glossary.values()]
    rows = [[f.id, kb.message(f"type.{f.type}", lang), kb.unit_words(f, lang), "\n".join(wrap(accepted(f), 30, keep)),
             "\n".join(wrap(say(f.question, lang), 60, keep))] for f in ordered]
    headers = [kb.message(f"facts.header.{name}", lang) for name in ("fact", "type", "unit", "accepted", "question")]
    click.echo(tabulate(rows, headers=headers))


def starter(kb: KnowledgeBase, session: Session, ordered: List[Fact], accepted: Callable[[Fact], str],
            lang: str) -> str:
    """A facts file to fill in: the given platform and notice set, every other fact commented out
    under its question and accepted values."""
    from ..render import bracket, colon
    from ..vocabulary import format_value, say

    lines = [f"# {line}" for line in kb.message("facts.template_header", lang).splitlines()]
    for fact in ordered:  # in Chinese the values after a label: their own brackets stay unnested
        question = say(fact.question, lang)
        lines.append("# " + (bracket(question, accepted(fact), lang) if lang == "en" else
                             question + colon(kb.message("facts.header.accepted", lang), lang) + accepted(fact)))
        if fact.id in session.values:
            value = session.values[fact.id]
            lines.append(f"{fact.id}: {value}")
        else:
            example = "" if fact.example is None else f" {format_value(fact, fact.example, 'en')}"
            lines.append(f"# {fact.id}:{example}")
    return "\n".join(lines) + "\n"
