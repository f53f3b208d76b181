"""The pages and actions of the web workspace.

Every action is a form POST carrying the CSRF token and the case's ``version``; it reloads the
case file, refuses a stale version (:class:`~diagnose.web.common.Conflict`), applies the change
through the interview session, saves atomically and redirects to the page to show next.
"""
from __future__ import annotations

import datetime as _dt
from typing import List, Optional, Tuple, Union

import msgspec
from flask import Flask, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..casefile import Case
from ..interview import METRICS, Session
from ..knowledge import OVER_TARGET
from ..letters import MESSAGES
from ..tracking import STATUSES, Tracking, as_date
from ..vocabulary import Fact, ValueProblem
from . import pages
from .common import LANGS, Conflict, page, settings, translate
from .store import NAME, Workspace

FORMATS = {"txt": ("text/plain", False), "md": ("text/markdown", True)}


def register(app: Flask) -> None:
    """Add the workspace's pages and actions to ``app``."""
    for rule, endpoint, view, methods in (
            ("/", "cases", case_list, ["GET"]),
            ("/cases", "new_case", new_case, ["POST"]),
            ("/case/<name>", "case", case_page, ["GET"]),
            ("/case/<name>/answer", "answer", answer, ["POST"]),
            ("/case/<name>/back", "back", back, ["POST"]),
            ("/case/<name>/edit", "edit", edit, ["POST"]),
            ("/case/<name>/status", "status", set_status, ["POST"]),
            ("/case/<name>/letter", "letter", letter, ["GET"]),
            ("/case/<name>/actions", "actions", set_actions, ["POST"]),
            ("/case/<name>/download/<kind>.<fmt>", "download", download, ["GET"])):
        app.add_url_rule(rule, endpoint, view, methods=methods)


def workspace() -> Workspace:
    return settings()["workspace"]


# ---------------------------------------------------------------------------------------------
# The case list


def case_list() -> ResponseReturnValue:
    """Every case: shop, platform, notice, top cause, status and next deadline, soonest first."""
    ws, today = workspace(), _dt.date.today()
    query = request.args.get("q", "").strip()
    with ws.lock:
        rows = [pages.case_row(g.kb, *found, g.lang, today) for found in ws.rows(g.diagnoser)]
    if query:
        rows = [row for row in rows if query.lower() in row["search"]]
    rows.sort(key=lambda row: (row["deadline"] is None, row["deadline"]["date"] if row["deadline"] else "",
                               row["name"]))
    platforms = [(p, pages.platform_name(g.kb, p, g.lang)) for p in g.kb.facts["platform"].choice_values]
    return render_template("cases.html", rows=rows, query=query, platforms=platforms)


def new_case() -> ResponseReturnValue:
    """Start a case, named as asked (or by the time), with the platform if one was chosen."""
    ws = workspace()
    name = request.form.get("name", "").strip()
    if name and not NAME.fullmatch(name):
        return _bad_name(name)
    platform = request.form.get("platform", "")
    with ws.lock:
        name = name or ws.new_name()
        if name in ws.names():
            return page(400, translate("error.exists", name=name))
        session = Session(g.diagnoser)
        if platform:
            try:
                session.answer("platform", platform)
            except ValueProblem:
                abort(400)
        ws.save(name, session, Tracking(), _header(), exists=False)
    return redirect(url_for("case", name=name))


def _bad_name(name: str) -> ResponseReturnValue:
    return page(400, translate("error.name"), name)


# ---------------------------------------------------------------------------------------------
# A case: the interview


def case_page(name: str, problem: str = "", typed: Union[str, List[str]] = "", status: int = 200,
              edited: Optional[Tuple[str, Union[str, List[str]]]] = None) -> ResponseReturnValue:
    """The next question, the answers so far, the ranked causes and the case's tracking; after a
    refused answer, ``typed`` (the question's) or ``edited`` (an answer's fact and value) shows what
    was entered again."""
    ws = workspace()
    with ws.lock:
        case = ws.load(name, g.diagnoser)
        session = ws.session(g.diagnoser, case)
        try:
            view = pages.case_view(g.kb, case, session, g.lang, why=request.args.get("why") == "1")
        finally:
            ws.keep(session)
    return render_template("case.html", name=name, view=view, problem=problem, typed=typed, edited=edited), status


def _open(name: str) -> Tuple[Case, Session]:
    """The case and its session, refusing a form made from another version of the case."""
    ws = workspace()
    case = ws.load(name, g.diagnoser)
    sent = request.form.get("version", "")
    if sent != str(case.tracking.version):
        raise Conflict(translate("error.conflict_detail", name=name))
    return case, ws.session(g.diagnoser, case)


def _save(name: str, session: Session, tracking: Tracking) -> None:
    workspace().save(name, session, tracking, _header())


def _header() -> str:
    return g.kb.message("web.case_header", "en")


def answer(name: str) -> ResponseReturnValue:
    """Answer the question on the page (or say it is not known)."""
    ws = workspace()
    with ws.lock:
        case, session = _open(name)
        question = session.next_question()
        fact = request.form.get("fact", "")
        if question is None or (question.fact.id if question.fact else question.kind) != fact:
            ws.keep(session)
            raise Conflict(translate("error.conflict_detail", name=name))
        raw = _sent_value(question.fact)
        try:
            if question.fact is None:  # a checklist: tick what applies, none when skipped
                ticked = [] if request.form.get("action") == "skip" else request.form.getlist("value")
                record = session.answer_metrics if question.kind == METRICS else session.answer_anything_else
                record([f for f in ticked if f in question.deferred], question.deferred)
            elif request.form.get("action") == "skip":
                session.skip(fact)
            else:
                session.answer(fact, raw)
        except ValueProblem as exc:
            ws.keep(session)
            return case_page(name, pages.refusal(g.kb, session, g.lang, exc, fact), raw, 422)
        _save(name, session, case.tracking)
    return redirect(url_for("case", name=name, _anchor="question"))


def back(name: str) -> ResponseReturnValue:
    """Undo the last answer."""
    ws = workspace()
    with ws.lock:
        case, session = _open(name)
        if session.back() is not None:
            _save(name, session, case.tracking)
        else:
            ws.keep(session)
    return redirect(url_for("case", name=name, _anchor="question"))


def edit(name: str) -> ResponseReturnValue:
    """Change, unknow or remove an answer (any fact: the letter page fills its placeholders here)."""
    ws = workspace()
    fact = request.form.get("fact", "")
    if fact not in g.kb.facts:
        abort(400)
    action = request.form.get("action", "set")
    after = url_for("letter", name=name, message=request.form.get("message") or None) \
        if request.form.get("next") == "letter" else url_for("case", name=name, _anchor="answers")
    with ws.lock:
        case, session = _open(name)
        ws.keep(session)
        # an edit of the metrics over target replaces the ticked ones and those answered "over target"
        rest = [(f, ((), v[1]) if f == METRICS and fact == OVER_TARGET else v) for f, v in session.history
                if f != fact and not (fact == OVER_TARGET and v == OVER_TARGET)]
        raw = _sent_value(g.kb.facts[fact])
        try:
            changed = _edited(session, rest, fact, action, raw)
        except ValueProblem as exc:
            return case_page(name, pages.refusal(g.kb, session, g.lang, exc, fact), status=422, edited=(fact, raw))
        _save(name, changed, case.tracking)
    return redirect(after)


def _sent_value(fact: Optional[Fact]) -> Union[str, List[str]]:
    """The value the form sends: every ticked box for a fact of several choices, else the one value."""
    if fact is not None and fact.multiple:
        return request.form.getlist("value")
    return request.form.get("value", "")


def _edited(session: Session, rest: list, fact: str, action: str, raw: Union[str, List[str]]) -> Session:
    """A session with ``fact``'s answer changed in place (or removed, or made unknown)."""
    trial = Session(session.diagnoser, rest)
    if action == "remove":
        return trial
    if action == "unknown":
        trial.skip(fact)
    elif action == "set":
        trial.answer(fact, raw)
    else:
        abort(400)
    recorded, value = trial.history[-1]
    if recorded != fact or all(f != fact for f, _ in session.history):
        return trial  # a new answer
    return Session(session.diagnoser, [(f, value if f == fact else v) for f, v in session.history])


def set_status(name: str) -> ResponseReturnValue:
    """Set the case's status (and the date the appeal went in)."""
    status = request.form.get("status", "")
    if status not in STATUSES:
        abort(400)
    sent_on: Optional[str] = None
    if request.form.get("appeal_sent_on", "").strip():
        sent_on = as_date(request.form["appeal_sent_on"])
        if sent_on is None:
            abort(400)
    if status == "appeal_sent" and sent_on is None:
        sent_on = _dt.date.today().isoformat()
    ws = workspace()
    with ws.lock:
        case, session = _open(name)
        tracking = msgspec.structs.replace(case.tracking, status=status, appeal_sent_on=sent_on)
        _save(name, session, tracking)
    return redirect(url_for("case", name=name, _anchor="tracking"))


# ---------------------------------------------------------------------------------------------
# The letter


def letter(name: str) -> ResponseReturnValue:
    """The draft with its placeholders highlighted, the actions to confirm, and whether it is ready."""
    message = _message_kind()
    ws = workspace()
    with ws.lock:
        case = ws.load(name, g.diagnoser)
        session = ws.session(g.diagnoser, case)
        ws.keep(session)
    view = pages.letter_view(g.kb, session.diagnosis, case, g.lang, message, name)
    return render_template("letter.html", name=name, view=view, version=case.tracking.version,
                           platform=pages.platform_name(g.kb, session.platform, g.lang))


def _message_kind() -> Optional[str]:
    message = request.args.get("message") or None
    if message is not None and message not in MESSAGES:
        abort(404)
    return message


def set_actions(name: str) -> ResponseReturnValue:
    """Tick the actions the seller confirms as done, and the dates others are planned for."""
    shown = request.form.getlist("remedy")
    ticked = set(request.form.getlist("done"))
    if any(remedy not in g.kb.remedies for remedy in shown) or not ticked <= set(shown):
        abort(400)
    ws = workspace()
    with ws.lock:
        case, session = _open(name)
        tracking = case.tracking
        done = [r for r in tracking.actions_done if r not in shown or r in ticked]
        done += [r for r in shown if r in ticked and r not in done]
        planned = {r: d for r, d in tracking.actions_planned.items() if r not in shown}
        for remedy in shown:
            given = request.form.get(f"planned-{remedy}", "").strip()
            if given:
                planned[remedy] = as_date(given) or abort(400)
        tracking = msgspec.structs.replace(tracking, actions_done=tuple(done), actions_planned=planned)
        _save(name, session, tracking)
    return redirect(url_for("letter", name=name, _anchor="actions"))


def download(name: str, kind: str, fmt: str) -> ResponseReturnValue:
    """The letter (``kind`` = letter) or a message as a text or Markdown file."""
    if fmt not in FORMATS or (kind != "letter" and kind not in MESSAGES):
        abort(404)
    lang = request.args.get("lang", g.lang)
    if lang not in LANGS:
        abort(404)
    ws = workspace()
    with ws.lock:
        case = ws.load(name, g.diagnoser)
        session = ws.session(g.diagnoser, case)
        ws.keep(session)
    if session.diagnosis is None:
        abort(404)
    mimetype, markdown = FORMATS[fmt]
    draft = pages.make_draft(g.kb, session.diagnosis, lang, None if kind == "letter" else kind, markdown, name,
                             case.tracking)
    return Response(draft.text, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}-{kind}.{lang}.{fmt}"'})
