"""Click's own usage errors (a bad choice or number, a bad date or path, a missing argument, an
unknown option or command, an extra argument) in the language of the command's output.

English stays Click's own words. In another language each error becomes a :class:`UsageProblem`
telling the same in the message catalogue's ``usage.*`` words, with the usage line and the help
hint. The language is the command line's ``--lang`` (else ``DIAGNOSE_LANG``), read from the
arguments themselves, since the error may come before ``--lang`` is processed. Where the
catalogue cannot be read, Click's English error stands.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

import click

from ..errors import DiagnoseError

LANG_ENV, KB_ENV = "DIAGNOSE_LANG", "DIAGNOSE_KB"
LANGS = ("en", "zh")  # the choices of --lang


def option_value(args: Sequence[str], name: str) -> Optional[str]:
    """The last value given to option ``name`` in ``args`` (``--lang zh`` or ``--lang=zh``), before ``--``."""
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == name and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith(name + "="):
            found = arg[len(name) + 1:]
    return found


def requested_lang(args: Sequence[str]) -> str:
    """The output language ``args`` ask for: ``--lang``, else ``DIAGNOSE_LANG``, else English
    (a language neither names rightly)."""
    return next((lang for lang in (option_value(args, "--lang"), os.environ.get(LANG_ENV)) if lang in LANGS), "en")


class Refused(click.BadParameter):
    """A value a parameter type refused, with the catalogue entry (``code``) and the values
    saying it in other languages; its English is Click's."""

    def __init__(self, message: str, code: str, values: Dict[str, Any], ctx: Optional[click.Context] = None,
                 param: Optional[click.Parameter] = None) -> None:
        super().__init__(message, ctx, param)
        self.code, self.values = code, values

    @classmethod
    def of(cls, exc: click.BadParameter, code: str, values: Dict[str, Any]) -> "Refused":
        """Click's refusal ``exc``, told in other languages by ``code`` with ``values``."""
        refused = cls(exc.message, code, values, exc.ctx, exc.param)
        refused.param_hint = exc.param_hint
        return refused


class Choice(click.Choice):
    """``click.Choice`` whose refusal says, in any language, the value and the choices."""

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            raise Refused.of(exc, "usage.choice", {"value": repr(value), "choices": list(self.choices)}) from None


class IntRange(click.IntRange):
    """``click.IntRange`` (with both ends) whose refusal says the value and the range."""

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            raise Refused.of(exc, "usage.int_range", {"value": repr(value), "min": self.min, "max": self.max}) from None


class FloatRange(click.FloatRange):
    """``click.FloatRange`` (with both ends) whose refusal says the value and the range."""

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            raise Refused.of(exc, "usage.number_range", {"value": repr(value), "min": self.min, "max": self.max}) from None


class Path(click.Path):
    """``click.Path`` whose refusal says what is wrong with the path: missing, a folder where a
    file is wanted or the other way round, or not usable."""

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            if not os.path.exists(value):
                code = "usage.path_missing"
            elif os.path.isdir(value) and not self.dir_okay:
                code = "usage.path_is_folder"
            elif not os.path.isdir(value) and not self.file_okay:
                code = "usage.path_is_file"
            else:
                code = "usage.path_unusable"
            raise Refused.of(exc, code, {"value": repr(os.fspath(value))}) from None


class UsageProblem(click.UsageError):
    """A usage error in the catalogue's words: ``head`` (the usage line and the help hint), then
    the problem after ``prefix``."""

    def __init__(self, message: str, ctx: Optional[click.Context], head: List[str], prefix: str) -> None:
        super().__init__(message, ctx)
        self.head, self.prefix = head, prefix

    def show(self, file: Any = None) -> None:
        """Print the problem as Click prints a usage error, in the catalogue's words."""
        lines = [*self.head, ""] if self.head else []
        click.echo("\n".join([*lines, self.prefix + self.format_message()]), file=file, err=file is None)


def told(exc: click.UsageError, ctx: Optional[click.Context], args: Sequence[str]) -> click.UsageError:
    """``exc`` in the language ``args`` ask for, or ``exc`` itself (English, or no words for it)."""
    lang = requested_lang(args)
    ctx = exc.ctx or ctx
    code_values = _problem(exc, ctx) if lang != "en" else None
    if code_values is None:
        return exc
    from ..knowledge import load_knowledge

    try:
        kb = load_knowledge(option_value(args, "--kb") or os.environ.get(KB_ENV))
        code, values = code_values
        separator = kb.message("range.separator", lang)
        values = {key: separator.join(value) if isinstance(value, list) else value for key, value in values.items()}
        message, head = kb.message(code, lang, **values), []
        if ctx is not None:
            usage = " ".join([ctx.command_path, *ctx.command.collect_usage_pieces(ctx)])
            head.append(kb.message("usage.usage", lang, command=usage))
            names = ctx.command.get_help_option_names(ctx)
            if ctx.command.get_help_option(ctx) is not None and names:
                head.append(kb.message("usage.hint", lang, command=ctx.command_path, option=max(names, key=len)))
        prefix = kb.message("error.prefix", lang)
    except DiagnoseError:  # no knowledge base, or one without these messages: Click's English
        return exc
    return UsageProblem(message, ctx, head, prefix)


def _problem(exc: click.UsageError, ctx: Optional[click.Context]) -> Optional[tuple]:
    """(catalogue entry, values) saying ``exc``, or None for an error the catalogue has no words for."""
    ctx = exc.ctx or ctx
    if isinstance(exc, Refused):
        return exc.code, {"param": _name(exc.param, ctx), **exc.values}
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        kind = "usage.missing_argument" if isinstance(exc.param, click.Argument) else "usage.missing_option"
        return kind, {"param": _name(exc.param, ctx)}
    if isinstance(exc, click.NoSuchOption):
        if exc.possibilities:
            return "usage.no_such_option_close", {"option": exc.option_name, "close": exc.possibilities[0]}
        return "usage.no_such_option", {"option": exc.option_name}
    if isinstance(exc, click.BadOptionUsage) and ctx is not None:
        option = next((p for p in ctx.command.params if exc.option_name in getattr(p, "opts", ())), None)
        flag = isinstance(option, click.Option) and option.is_flag
        return ("usage.takes_no_value" if flag else "usage.needs_value"), {"option": exc.option_name}
    if isinstance(exc, click.NoSuchCommand):
        return "usage.no_such_command", {"command": repr(exc.command_name)}
    if isinstance(exc, ExtraArguments):
        return "usage.extra_arguments", {"arguments": [repr(arg) for arg in exc.extra]}
    return None


def _name(param: Optional[click.Parameter], ctx: Optional[click.Context]) -> str:
    """A parameter as the command line writes it: ``--format``, ``INPUT_FILE``."""
    if param is None:
        return ""
    return param.get_error_hint(ctx).replace("'", "") if ctx is not None else str(param.name)


class ExtraArguments(click.UsageError):
    """Arguments left over once the command took what it takes (``diagnose run a.yaml b.yaml``)."""

    def __init__(self, extra: List[str], ctx: click.Context) -> None:
        super().__init__(f"unexpected extra arguments: {' '.join(extra)}", ctx)
        self.extra = extra


class DiagnoseCommand(click.Command):
    """A command whose usage errors are told in its output language (see the module docstring)."""

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        """Click's parsing; a usage error is re-raised in the requested language."""
        given = list(args)
        if requested_lang(given) == "en":
            return super().parse_args(ctx, args)
        strict = not ctx.allow_extra_args
        ctx.allow_extra_args = True  # leftovers are found below, so they can be told
        try:
            rest = super().parse_args(ctx, args)
            if strict and ctx.args:
                raise ExtraArguments(list(ctx.args), ctx)
        except click.UsageError as exc:
            raise told(exc, ctx, given) from None
        finally:
            ctx.allow_extra_args = not strict
        return rest
