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
    from ..vocabulary import say

    kb = load_knowledge(kb_root)
    ordered = sorted(kb.facts.values(), key=lambda f: (-f.priority, f.id))
    if output_format == "json":
        rows = [{"id": f.id, "type": f.type, "unit": f.unit, "range": f.describe_range(), "window": say(f.window, lang),
                 "computed_from": list(f.computed_from) if f.computed_from else None,
                 "question": say(f.question, lang), "help": say(f.help, lang)} for f in ordered]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    rows = [[f.id, f.type, f.unit, f.describe_range(), say(f.question, lang)] for f in ordered]
    click.echo(tabulate(rows, headers=["fact", "type", "unit", "accepted values", "question"],
                        maxcolwidths=[None, None, None, 30, 60]))
