"""Options shared by several commands, defined once."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Optional

import click

from .usage import LANG_ENV, LANGS, Choice, Path, Refused


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback keeping an option's value in the context's meta, which error reports read."""
    def remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        ctx.meta[key] = value
        return value
    return remember


kb_option = click.option(
    "--kb", "kb_root", type=Path(file_okay=False), envvar="DIAGNOSE_KB", default=None,
    callback=_remember("diagnose.kb"),
    help="Knowledge-base folder holding knowledge/ and rules/ (default: the shipped one; env DIAGNOSE_KB).")
lang_option = click.option(
    "--lang", type=Choice(list(LANGS)), envvar=LANG_ENV, default="en", show_default=True,
    callback=_remember("diagnose.lang"), help="Language of the output (and of its error messages; env DIAGNOSE_LANG).")


def output_format_option(*choices: str, default: str) -> Callable[[Callable], Callable]:
    """``--format`` with these ``choices``."""
    return click.option("--format", "output_format", type=Choice(list(choices)), default=default,
                        show_default=True, help="Output format.")


platform_option = click.option(
    "--platform", default=None, metavar="PLATFORM",
    help="The marketplace (a value of the 'platform' fact, e.g. amazon), if the facts do not say.")


def facts_input_options(command: Callable) -> Callable:
    """FACTS_FILE, --fact NAME=VALUE (repeatable) and --platform: a seller's facts."""
    command = platform_option(command)
    command = click.option("--fact", "assignments", multiple=True, metavar="NAME=VALUE",
                           help="A fact on the command line (repeatable); overrides the file.")(command)
    return click.argument("facts_file", required=False, type=Path(dir_okay=True))(command)


def _parse_today(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> _dt.date:
    if value is None:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise Refused(f"expected a date written YYYY-MM-DD, got {value!r}", "usage.date", {"value": repr(value)},
                      ctx, param) from None


today_option = click.option(
    "--today", default=None, metavar="YYYY-MM-DD", callback=_parse_today,
    help="The date the case is read on: deadlines are counted from it and no date in the case may be later "
         "(default: today).")
