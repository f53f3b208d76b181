"""``diagnose interview``: a guided interview that saves every answer and ends with ``diagnose run``'s output."""
from __future__ import annotations

import datetime as _dt
import os
from typing import List, Optional

import click

from . import collect_from_here
from .options import kb_option, lang_option, platform_option
from .usage import DiagnoseCommand, Path


@click.command(cls=DiagnoseCommand)
@lang_option
@click.option("--save", "save_path", type=Path(dir_okay=False), default=None,
              help="Case file the answers are saved to after each one (default: case-<time>.yaml here).")
@click.option("--resume", "resume_path", type=Path(), default=None,
              help="Continue the interview saved in this case file (and keep saving to it).")
@platform_option
@kb_option
@click.pass_context
def interview(ctx: click.Context, lang: str, save_path: Optional[str], resume_path: Optional[str],
              platform: Optional[str], kb_root: Optional[str]) -> None:
    """Ask the seller only what can still change the diagnosis, then print it.

    At every prompt: why, help, skip, back, status, done. Every answer is saved at once to
    the case file, a plain facts file for `diagnose run`.
    """
    import msgspec

    from ..api import get_diagnoser
    from ..casefile import load_case, save_case
    from ..errors import InputError, Location
    from ..fileio import check_writable_folder
    from ..interview import Dialog, Session, text
    from ..tracking import Tracking
    from ..vocabulary import ValueProblem, coerce
    from .run import run

    diagnoser = get_diagnoser(kb_root)
    collect_from_here()
    kb = diagnoser.kb
    if platform is not None:
        try:
            platform = coerce(kb.facts["platform"], platform)
        except ValueProblem as exc:
            raise InputError(str(exc), Location("--platform", field="platform"), f"interview.problem.{exc.code}",
                             exc.values) from None
    history, tracking = [], None
    if resume_path:
        case = load_case(resume_path, kb)
        saved = case.values.get("platform")
        if platform and saved and saved != platform:
            name = kb.facts["platform"].choice_label  # the marketplaces by name in the output language
            raise InputError(text(kb, "platform_conflict", lang, saved=name(saved, lang), given=name(platform, lang)),
                             Location(resume_path, field="platform"))
        history = case.history()
        if case.tracking != Tracking():  # a tracked case (e.g. the web workspace's): keep it, count this save
            tracking = case.tracking
    save_path = save_path or resume_path or _default_path()
    if not os.path.isdir(os.path.dirname(os.path.abspath(save_path))):
        raise InputError(text(kb, "no_folder", lang, path=save_path))
    if os.path.exists(save_path) and not (resume_path and os.path.samefile(save_path, resume_path)):
        raise InputError(text(kb, "exists", lang, path=save_path))
    check_writable_folder(save_path)  # before the first question: no answer is asked for in vain
    if platform and not any(fact == "platform" for fact, _ in history):
        history.insert(0, ("platform", platform))
    session = Session(diagnoser, history)
    header = text(kb, "case_header", lang)

    def save() -> None:
        nonlocal tracking
        if tracking is not None:
            tracking = msgspec.structs.replace(tracking, version=tracking.version + 1)
        save_case(save_path, session.case(), header, tracking)

    if resume_path:
        click.echo(text(kb, "resumed", lang, path=resume_path, answers=len(history), save=save_path))
    else:
        click.echo(text(kb, "start", lang, path=save_path))
    if history:
        save()

    def ask(prompt: str) -> str:
        return click.prompt(prompt, default="", show_default=False, prompt_suffix=" ")

    def record_actions(done: List[str]) -> None:
        """The immediate remedies confirmed done, kept under the case file's ``actions_done``."""
        nonlocal tracking
        offered = {r.id for c in session.diagnosis.top(kb.setting("interview.top")) for r in c.remedies
                   if r.kind == "immediate"}
        kept = [a for a in (tracking.actions_done if tracking else ()) if a not in offered]
        tracking = msgspec.structs.replace(tracking or Tracking(), actions_done=tuple(kept + list(done)))
        save()

    try:
        Dialog(session, lang, ask, click.echo, save, record_actions).run()
    except (click.Abort, KeyboardInterrupt, EOFError):
        saved_any = os.path.exists(save_path)
        click.echo("")
        click.echo(text(kb, "interrupted" if saved_any else "nothing_saved", lang, path=save_path), err=True)
        ctx.exit(1)
    ctx.invoke(run, facts_file=save_path, lang=lang, kb_root=kb_root)
    click.echo(text(kb, "saved", lang, path=save_path))


def _default_path() -> str:
    """``case-<local time>.yaml`` in the current folder, numbered if that name is taken."""
    stem = f"case-{_dt.datetime.now():%Y%m%d-%H%M%S}"
    path, number = f"{stem}.yaml", 1
    while os.path.exists(path):
        number += 1
        path = f"{stem}-{number}.yaml"
    return path
