"""``diagnose letter``: a Plan-of-Action letter, or a buyer or follow-up message, for one case."""
from __future__ import annotations

import datetime as _dt
from typing import Optional, Tuple

import click

from ..letters import MESSAGES
from .options import facts_input_options, kb_option, lang_option, output_format_option, today_option
from .usage import Choice, DiagnoseCommand, FloatRange, Path

PLACEHOLDER_WIDTH = 18  # longer placeholders ([CONFIRM: …]) push their question along instead of every line


@click.command(cls=DiagnoseCommand)
@facts_input_options
@click.option("--store", "store_name", default=None, metavar="NAME", help="The store's name (the store_name fact).")
@click.option("--message", type=Choice(MESSAGES), default=None,
              help="Draft this buyer or follow-up message instead of the letter.")
@click.option("--min-certainty", type=FloatRange(0, 1), default=None,
              help="Causes below this certainty are left out of the letter (and listed on stderr); "
                   "default: the knowledge's letter.min_certainty (0.5 in the shipped knowledge).")
@output_format_option("text", "markdown", default="text")
@lang_option
@today_option
@click.option("-o", "--output", type=Path(dir_okay=False), default=None, help="Write the draft to this file.")
@kb_option
def letter(facts_file: Optional[str], assignments: Tuple[str, ...], platform: Optional[str], store_name: Optional[str],
           message: Optional[str], min_certainty: Optional[float], output_format: str, lang: str, today: _dt.date,
           output: Optional[str], kb_root: Optional[str]) -> None:
    """Draft the Plan of Action for a case, addressed the way its platform expects.

    FACTS_FILE is a facts or case file (what 'diagnose interview' saves). The English text is
    the one to send; --lang zh gives a Chinese review copy for going over it with the seller.
    Facts the draft needs but the case lacks become placeholders such as [STORE NAME] and are
    listed on stderr with the question to ask. The letter states as done only the actions the
    case file lists under actions_done; one under actions_planned reads as a commitment with its
    date; any other stays a [CONFIRM: remedy] placeholder. While a placeholder is left, stderr
    says the draft is not ready to send.
    """
    from ..api import get_diagnoser
    from ..errors import InputError
    from ..facts import load_facts, read_facts_file
    from ..fileio import atomic_write
    from ..letters import draft_letter, draft_message
    from ..tracking import read_tracking
    from ..typography import colon

    if not facts_file and not assignments:
        raise InputError("give a facts file or at least one --fact NAME=VALUE", code="error.need_facts")
    diagnoser = get_diagnoser(kb_root)
    kb = diagnoser.kb
    source = facts_file or "--fact"
    seller = load_facts(facts_file, assignments, kb, {"platform": platform, "store_name": store_name}, today=today)
    diagnosis = diagnoser.run(seller)
    tracking = read_tracking(read_facts_file(facts_file), kb.remedies, source)[0] if facts_file else None
    markdown = output_format == "markdown"
    if message:
        draft = draft_message(kb, diagnosis, message, lang, markdown, today=today, source=source)
    else:
        draft = draft_letter(kb, diagnosis, lang, markdown, min_certainty, today=today, source=source,
                             done=tracking.actions_done if tracking else (),
                             planned=tracking.actions_planned if tracking else None)
    if output:  # replaced atomically: a full disk leaves the earlier draft as it was
        atomic_write(output, draft.text)
    else:
        click.echo(draft.text, nl=False)
    if draft.missing:
        click.echo(kb.message("letter.missing", lang), err=True)
        width = min(max(len(m.placeholder) for m in draft.missing), PLACEHOLDER_WIDTH)
        for item in draft.missing:  # the fact by its term, else by the question alone
            term = kb.term_of(item.fact, lang)
            asked = colon(term, lang) + item.question if term else item.question
            click.echo(f"  {item.placeholder:<{width}}  {asked}", err=True)
    if draft.checklist:
        click.echo(kb.message("letter.obtain", lang), err=True)
        for document in draft.checklist:
            click.echo(f"- [ ] {document}", err=True)
    for note in draft.notes:
        click.echo(note, err=True)

