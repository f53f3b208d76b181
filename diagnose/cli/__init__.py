"""The ``diagnose`` command line: a thin layer over the library.

Exit codes: 0 ok; 1 findings, failed tests or an internal error; 2 bad input or usage.
"""
from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any, List, Optional, Sequence, Tuple

import click

from .. import __version__
from ..errors import DiagnoseError, InferenceError, KnowledgeBaseError

MAX_FINDINGS_SHOWN = 20


COMMANDS = {  # name -> module of diagnose.cli defining it; imported only when the command runs
    "run": "run", "facts": "facts_cmd", "kb": "kb", "batch": "batch", "interview": "interview", "letter": "letter",
    "serve": "serve",
}


class DiagnoseGroup(click.Group):
    """Loads each command's module on first use (a run imports only what it needs) and turns
    every :class:`DiagnoseError` into one clear message and its exit code."""

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"{__name__}.{COMMANDS[cmd_name]}")
        return getattr(module, cmd_name)

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        """Click's parsing; a usage error (``diagnose --bogus``) is told in the requested language."""
        from .usage import told

        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise told(exc, ctx, given) from None

    def resolve_command(self, ctx: click.Context, args: List[str]) -> Tuple[Optional[str], Optional[click.Command],
                                                                           List[str]]:
        """The command ``args`` name; an unknown one is told in the requested language."""
        from .usage import told

        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise told(exc, ctx, args) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DiagnoseError as exc:
            report_error(exc, ctx.meta.get("diagnose.lang", "en"), ctx.meta.get("diagnose.kb"))
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt,
                BrokenPipeError):  # main() ends a closed pipe quietly (`diagnose batch … | head`)
            raise
        except Exception as exc:  # never a traceback for users; DIAGNOSE_DEBUG=1 shows it
            if os.environ.get("DIAGNOSE_DEBUG"):
                raise
            click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); "
                       "set DIAGNOSE_DEBUG=1 for details and please report it", err=True)
            ctx.exit(1)


def report_error(exc: DiagnoseError, lang: str = "en", kb_root: Optional[str] = None) -> None:
    """Print a DiagnoseError to stderr: one line per problem, in ``lang`` where the message
    catalogue has the error's words (a knowledge-base error is always told in English)."""
    if isinstance(exc, KnowledgeBaseError) and exc.findings:
        for finding in exc.findings[:MAX_FINDINGS_SHOWN]:
            click.echo(str(finding), err=True)
        hidden = len(exc.findings) - MAX_FINDINGS_SHOWN
        if hidden > 0:
            click.echo(f"... and {hidden} more", err=True)
    if isinstance(exc, InferenceError):
        prefix, lines = "Error: internal error: ", str(exc).splitlines()
    else:
        prefix, lines = _in_language(exc, lang, kb_root)
    for line in lines:
        click.echo(f"{prefix}{line}", err=True)


def _in_language(exc: DiagnoseError, lang: str, kb_root: Optional[str]) -> Tuple[str, List[str]]:
    """(prefix, lines) of an error in ``lang``: each problem's catalogue entry, else its English."""
    english = ("Error: ", str(exc).splitlines())
    if lang == "en" or isinstance(exc, KnowledgeBaseError):
        return english
    from .. import facts
    from ..knowledge import load_knowledge
    from ..telling import tell

    try:
        kb = load_knowledge(kb_root)
    except DiagnoseError:
        return english
    errors = exc.errors if isinstance(exc, facts.FactsError) else [exc]
    lines = [tell(kb, error, lang) for error in errors[:facts.MAX_PROBLEMS_SHOWN]]
    if len(errors) > len(lines):
        lines.append(kb.message("error.more", lang, count=len(errors) - len(lines)))
    return kb.message("error.prefix", lang), lines


@click.group(cls=DiagnoseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="seller-diagnose")
def cli() -> None:
    """Why was a marketplace seller account suspended, and what should the seller do?"""


def collect_from_here() -> None:
    """For a command that goes on after loading (a batch, the web workspace, an interview): its
    long-lived objects are built, so the garbage collector, off since the command started (see
    :func:`diagnose.__main__.main`), runs again from here and skips them. Shorter commands end
    before garbage matters."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The CLI (the ``diagnose`` command starts here through :func:`diagnose.__main__.main`)."""
    try:
        cli.main(args=argv, prog_name="diagnose")
    except BrokenPipeError:  # e.g. `diagnose facts | head`
        sys.stderr.close()
        sys.exit(1)
    finally:
        # The command is over and the process ends: without this, the interpreter's shutdown
        # runs full collections over the whole loaded knowledge base (~50 ms of a cold run).
        gc.freeze()
