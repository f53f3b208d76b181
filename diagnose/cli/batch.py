"""``diagnose batch``: screen many shops from a CSV or JSON Lines file."""
from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType
from typing import ContextManager, Iterable, Iterator, Never, Optional

import click

from ..importers import IMPORTS
from . import collect_from_here
from .options import kb_option, lang_option, output_format_option
from .usage import Choice, DiagnoseCommand, IntRange, Path


@click.command(cls=DiagnoseCommand)
@click.argument("input_file", type=Path(dir_okay=False))
@output_format_option("jsonl", "csv", default="jsonl")
@click.option("-o", "--output", "output", type=Path(dir_okay=False), default="-",
              help="Write the results here (default: standard output).")
@click.option("--workers", type=IntRange(1, 256), default=1, show_default=True,
              help="Worker processes; the output order follows the input whatever the number.")
@click.option("--top", type=IntRange(1, 20), default=3, show_default=True, help="Causes per shop.")
@click.option("--from", "source", type=Choice(["facts", *IMPORTS]), default="facts",
              show_default=True,
              help="What each input row is: seller facts, or a marketplace's own report, one per line (JSON Lines).")
@click.option("--cycle", default=None,
              help="With --from ebay-seller-standards: CURRENT (the last evaluation, the default) or PROJECTED.")
@lang_option
@kb_option
def batch(input_file: str, output_format: str, output: str, workers: int, top: int, source: str, cycle: Optional[str],
          lang: str, kb_root: Optional[str]) -> None:
    """Diagnose many shops: one result per shop, in input order.

    INPUT_FILE is CSV (a header row of fact names, an optional 'shop' column, one shop per row,
    empty cells not given) or JSON Lines (one object of facts per line, an optional "shop").
    A bad row is reported on stderr with its row number and skipped; a summary ends the run.
    Exit code 2 when a row was rejected, though every good row is still diagnosed.
    """
    from ..batch import Summary, WorkerLost, csv_header, open_input, screen
    from ..errors import InputError, Location, Said
    from ..knowledge import load_knowledge
    from ..telling import tell

    kb = load_knowledge(kb_root)
    collect_from_here()
    reader, lines = open_input(input_file, kb, source, cycle)
    summary = Summary()
    try:
        out = click.open_file(output, "w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the results: {exc.strerror}", Location(output), "error.cannot_write_results",
                         {"reason": exc.strerror}) from None
    failure = None
    try:
        with _signals_stop_the_batch(), out:
            if output_format == "csv":
                out.write(",".join(csv_header(top)) + "\n")
            outcomes = contextlib.closing(screen(lines, reader, kb_root, output_format, top, lang, workers))
            with outcomes, _progress(input_file, outcomes.thing, kb.message("batch.progress", lang)) as shown:
                for outcome in shown:
                    summary.add(outcome)
                    if outcome.line is not None:
                        out.write(outcome.line + "\n")
                    for note in outcome.notes:
                        click.echo(kb.message("batch.note", lang, text=note), err=True)
                    for problem in outcome.problems:
                        click.echo(kb.message("batch.rejected", lang, text=problem), err=True)
            out.flush()
    except OSError as exc:  # a full disk, a closed device, a folder made read-only meanwhile
        _discard_unwritten(output)
        target = Said("standard output", code="batch.stdout") if output == "-" else output
        reason = exc.strerror or str(exc)
        said = Said(f"cannot write the results to {target}: {reason}; the shops after the last line written were "
                    "not saved", code="batch.cannot_write", values={"target": target, "reason": reason})
        failure = (kb.message("error.prefix", lang) + tell(kb, said, lang), 1)
    except WorkerLost as exc:
        failure = (kb.message("error.prefix", lang) + tell(kb, exc, lang), 1)
    except Stopped as exc:
        said = Said(f"Stopped by {exc.name}: the results written so far are complete lines", code="batch.stopped",
                    values={"signal": exc.name})
        failure = (tell(kb, said, lang), 128 + exc.signum)
    if failure is not None:
        click.echo(failure[0], err=True)
    click.echo(kb.message("batch.summary_line", lang, text=tell(kb, summary.said(), lang)), err=True)
    code = failure[1] if failure is not None else summary.exit_code
    if code:
        click.get_current_context().exit(code)


class Stopped(BaseException):
    """The batch was asked to stop (Ctrl-C, SIGTERM, SIGHUP); ``name`` is the signal's."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum, self.name = signum, signal.Signals(signum).name


@contextlib.contextmanager
def _signals_stop_the_batch() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP end the batch with its summary, once: a second signal while
    the workers are being stopped is ignored rather than interrupting the cleanup."""
    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])

    def stop(signum: int, _frame: Optional[FrameType]) -> Never:
        for other in wanted:
            signal.signal(other, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in wanted}
    try:
        yield
    except KeyboardInterrupt:  # raised before the handler was in place, or by the library itself
        raise Stopped(signal.SIGINT) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _discard_unwritten(output: str) -> None:
    """After a failed write to standard output, point it at /dev/null: the unwritten buffer
    would otherwise fail again, noisily, when the interpreter exits."""
    if output == "-":
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _progress(path: str, outcomes: Iterable, label: str) -> ContextManager[Iterable]:
    """A progress bar on stderr when it is a terminal, else the outcomes as they are."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext(outcomes)
    with open(path, "rb") as handle:
        lines = sum(1 for _ in handle)
    return click.progressbar(outcomes, length=lines, file=sys.stderr, label=label)
