"""The ``diagnose`` command line: a thin layer over the library.

Exit codes: 0 ok; 1 findings, failed tests or an internal error; 2 bad input or usage.
"""
from __future__ import annotations

import gc
import importlib
import os
import sys

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

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"{__name__}.{COMMANDS[cmd_name]}")
        return getattr(module, cmd_name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DiagnoseError as exc:
            report_error(exc)
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


def report_error(exc: DiagnoseError) -> None:
    """Print a DiagnoseError to stderr: one line per problem."""
    if isinstance(exc, KnowledgeBaseError) and exc.findings:
        for finding in exc.findings[:MAX_FINDINGS_SHOWN]:
            click.echo(str(finding), err=True)
        hidden = len(exc.findings) - MAX_FINDINGS_SHOWN
        if hidden > 0:
            click.echo(f"... and {hidden} more", err=True)
    prefix = "Error: internal error: " if isinstance(exc, InferenceError) else "Error: "
    for line in str(exc).splitlines():
        click.echo(f"{prefix}{line}", err=True)


@click.group(cls=DiagnoseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="seller-diagnose")
def cli():
    """Why was a marketplace seller account suspended, and what should the seller do?"""


def main(argv=None):
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="diagnose")
    except BrokenPipeError:  # e.g. `diagnose facts | head`
        sys.stderr.close()
        sys.exit(1)
    finally:
        # The command is over and the process ends: without this, the interpreter's shutdown
        # runs full collections over the whole loaded knowledge base (~50 ms of a cold run).
        gc.freeze()
