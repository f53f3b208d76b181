"""``diagnose batch``: screen many shops from a CSV or JSON Lines file."""
from __future__ import annotations

import contextlib
import sys

import click

from ..importers import IMPORTS
from .options import kb_option, lang_option, output_format_option


@click.command()
@click.argument("input_file", type=click.Path(dir_okay=False))
@output_format_option("jsonl", "csv", default="jsonl")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default="-",
              help="Write the results here (default: standard output).")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes; the output order follows the input whatever the number.")
@click.option("--top", type=click.IntRange(1, 20), default=3, show_default=True, help="Causes per shop.")
@click.option("--from", "source", type=click.Choice(["facts", *IMPORTS]), default="facts",
              show_default=True,
              help="What each input row is: seller facts, or an Amazon account-health report (JSON Lines).")
@lang_option
@kb_option
def batch(input_file, output_format, output, workers, top, source, lang, kb_root):
    """Diagnose many shops: one result per shop, in input order.

    INPUT_FILE is CSV (a header row of fact names, an optional 'shop' column, one shop per row,
    empty cells not given) or JSON Lines (one object of facts per line, an optional "shop").
    A bad row is reported on stderr with its row number and skipped; a summary ends the run.
    Exit code 2 when a row was rejected, though every good row is still diagnosed.
    """
    from ..batch import Summary, csv_header, read_rows, screen
    from ..errors import InputError, Location
    from ..knowledge import load_knowledge

    kb = load_knowledge(kb_root)
    rows = read_rows(input_file, kb, source)
    summary = Summary()
    try:
        out = click.open_file(output, "w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the results: {exc.strerror}", Location(output)) from None
    with out:
        if output_format == "csv":
            out.write(",".join(csv_header(top)) + "\n")
        outcomes = contextlib.closing(screen(rows, kb_root, input_file, output_format, top, lang, workers))
        with outcomes, _progress(input_file, outcomes.thing) as shown:
            for outcome in shown:
                summary.add(outcome)
                if outcome.line is not None:
                    out.write(outcome.line + "\n")
                for problem in outcome.problems:
                    click.echo(f"Rejected: {problem}", err=True)
    click.echo(f"Summary: {summary}", err=True)
    if summary.exit_code:
        click.get_current_context().exit(summary.exit_code)


def _progress(path: str, outcomes):
    """A progress bar on stderr when it is a terminal, else the outcomes as they are."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext(outcomes)
    with open(path, "rb") as handle:
        lines = sum(1 for _ in handle)
    return click.progressbar(outcomes, length=lines, file=sys.stderr, label="Screening shops")
