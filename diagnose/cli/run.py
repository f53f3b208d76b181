"""``diagnose run``: diagnose one seller from a facts file and/or --fact options."""
from __future__ import annotations

import datetime as _dt
from typing import Optional, Tuple

import click

from ..importers import IMPORTS
from .options import facts_input_options, kb_option, lang_option, output_format_option, today_option
from .usage import Choice, DiagnoseCommand, IntRange


@click.command(cls=DiagnoseCommand)
@facts_input_options
@output_format_option("table", "json", "markdown", default="table")
@lang_option
@today_option
@click.option("--top", type=IntRange(1, 50), default=5, show_default=True, help="How many causes to show.")
@click.option("--explain", is_flag=False, flag_value="*", default=None, metavar="[CAUSE]",
              help="Show the chain facts → symptoms → cause with rule ids and sources; with a cause id (after the "
                   "facts file), how that one cause was reached, as `how` in the interview.")
@click.option("--from", "source", type=Choice(["facts", *IMPORTS]), default="facts", show_default=True,
              help="What FACTS_FILE is: seller facts, or a marketplace's own report (Amazon, eBay, Walmart).")
@click.option("--marketplace", default=None, help="With --from: which marketplace of the report to diagnose.")
@click.option("--cycle", default=None,
              help="With --from ebay-seller-standards: CURRENT (the last evaluation, the default) or PROJECTED.")
@kb_option
def run(facts_file: Optional[str], assignments: Tuple[str, ...], platform: Optional[str], output_format: str, lang: str,
        today: _dt.date, top: int, explain: Optional[str], source: str, marketplace: Optional[str], cycle: Optional[str],
        kb_root: Optional[str]) -> None:
    """Diagnose a seller: ranked root causes with remedies.

    FACTS_FILE is a YAML or JSON mapping of fact names to values (see examples/), or with
    --from, a marketplace's own report (JSON): amazon-account-health (Selling Partner API),
    ebay-seller-standards (Sell Analytics API) or walmart-performance (Insights API summaries);
    --fact adds what the report cannot say.
    """
    from msgspec.structs import replace

    from ..api import get_diagnoser
    from ..errors import InputError, Location
    from ..facts import load_facts
    from ..consistency import case_warnings, warning_text
    from ..render import Undecided, to_json, to_markdown, to_table

    if not facts_file and not assignments:
        raise InputError("give a facts file or at least one --fact NAME=VALUE", code="error.need_facts")
    diagnoser = get_diagnoser(kb_root)
    shop = None
    if source != "facts":
        if not facts_file:
            raise InputError(f"--from {source} needs the report file")
        from ..importers import read_report

        shop = read_report(facts_file, diagnoser.kb, source, marketplace, cycle)
        from ..telling import tell

        for note in shop.notes:
            located = replace(note, location=Location(facts_file))
            click.echo(diagnoser.kb.message("batch.note", lang, text=tell(diagnoser.kb, located, lang)), err=True)
    seller = load_facts(facts_file, assignments, diagnoser.kb, {"platform": platform}, shop and shop.facts)
    diagnosis = diagnoser.run(seller)
    kb = diagnoser.kb
    if shop is not None and shop.verdicts:
        from ..importers import apply_verdicts, load_screening

        diagnosis = apply_verdicts(diagnosis, shop.verdicts, kb, load_screening(kb))
    if explain not in (None, "*"):
        from ..interview import how

        if explain not in kb.causes:
            found = ", ".join(c.id for c in diagnosis.causes)
            raise InputError(f"unknown cause '{explain}' (the causes found: {found or 'none'})", Location("--explain"),
                             "error.unknown_cause", {"id": explain, "found": found or "-"})
        click.echo(how(kb, diagnosis, explain, lang))
        return
    explain = explain is not None
    # a knowledge base without these texts (a small test one) shows neither part
    warnings = tuple(w for w in case_warnings(kb, diagnosis, lang) if f"warning.{w.code}" in kb.messages)
    undecided = None
    if not diagnosis.causes and "run.undecided" in kb.messages:  # never an empty answer: what would decide
        from ..interview import Session

        session = Session(diagnoser, list(seller.values.items()) + [(f, None) for f in seller.unknown])
        candidates, questions = session.deciding()
        undecided = Undecided(candidates[:3], [q.fact.id for q in questions])
    for warning in warnings:  # contradictions inside the case: on stderr, whatever the format
        click.echo(kb.message("warning.heading", lang, text=warning_text(kb, warning, lang)), err=True)
    if output_format == "json":
        click.echo(to_json(replace(diagnosis, causes=diagnosis.causes[:top]), kb, lang, today, warnings, undecided),
                   nl=False)
    elif output_format == "markdown":
        click.echo(to_markdown(diagnosis, kb, lang, top, explain, today, undecided), nl=False)
    else:
        click.echo(to_table(diagnosis, kb, lang, top, explain, today, undecided), nl=False)
