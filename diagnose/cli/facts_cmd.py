"""``diagnose facts``: the vocabulary, for sellers and knowledge editors."""
from __future__ import annotations

import json

import click

from .options import kb_option, lang_option, output_format_option


@click.command()
@output_format_option("table", "json", default="table")
@lang_option
@kb_option
def facts(output_format, lang, kb_root):
    """List every fact one can give: name, type, unit, range and question."""
    from tabulate import tabulate

    from ..knowledge import load_knowledge
    from ..render import describe_range
    from ..typography import wrap
    from ..vocabulary import say

    kb = load_knowledge(kb_root)
    ordered = sorted(kb.facts.values(), key=lambda f: (-f.priority, f.id))
    if output_format == "json":
        rows = [{"id": f.id, "type": f.type, "unit": f.unit, "range": describe_range(kb, f, lang),
                 "window": say(f.window, lang), "computed_from": list(f.computed_from) if f.computed_from else None,
                 "question": say(f.question, lang), "help": say(f.help, lang)} for f in ordered]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return

    def unit(fact) -> str:  # '%' and '' as they are; words from the catalogue
        message_id = "unit." + fact.unit.replace(" ", "_")
        return kb.message(message_id, lang) if message_id in kb.messages else fact.unit

    keep = [term.text["zh"] for term in kb.glossary.values()]
    rows = [[f.id, kb.message(f"type.{f.type}", lang), unit(f), "\n".join(wrap(describe_range(kb, f, lang), 30, keep)),
             "\n".join(wrap(say(f.question, lang), 60, keep))] for f in ordered]
    headers = [kb.message(f"facts.header.{name}", lang) for name in ("fact", "type", "unit", "accepted", "question")]
    click.echo(tabulate(rows, headers=headers))
