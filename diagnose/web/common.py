"""What the application and its views share: settings, words, the CSRF token and error pages."""
from __future__ import annotations

import secrets

from typing import Any, Iterable

from flask import current_app, g, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from .. import typography

LANGS = ("en", "zh")


class Conflict(Exception):
    """A form was made from an older version of the case than the one on disk."""


def settings() -> dict:
    """This application's workspace, knowledge folder, token and default language."""
    return current_app.extensions["diagnose"]


def csrf_token() -> str:
    """The form token of this browser session (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def translate(message_id: str, /, **values: Any) -> str:
    """The interface text ``web.<message_id>`` in the page's language."""
    return g.kb.message(f"web.{message_id}", g.lang, **values)


def colon(text: str) -> str:
    """``text`` and a colon as the page's language punctuates it (``症状：``, ``Symptoms: ``)."""
    return typography.colon(text, g.lang)


def brackets(inner: str) -> str:
    """``inner`` in brackets after what precedes it: ``（…）`` on a Chinese page, `` (…)`` else."""
    return typography.bracket("", inner, g.lang)


def listed(items: Iterable[str]) -> str:
    """Items on one line, separated as the page's language does (``；`` or ``; ``)."""
    return typography.join(items, g.lang)


def lang_url(lang: str) -> str:
    """This page in another language (for a page answering a form: the page the form was on)."""
    if request.method != "GET":
        return f"{reload_url()}?lang={lang}"
    args = dict(request.args.items(), lang=lang)
    args.pop("token", None)
    return url_for(request.endpoint or "cases", **(request.view_args or {}), **args)


def page(status: int, message: str, detail: str = "") -> ResponseReturnValue:
    """An error page in the workspace's words (plain text if the knowledge base itself failed)."""
    if getattr(g, "kb", None) is None:  # the knowledge base itself failed: no words to use but these
        return f"{status}: {detail or message}\n", status, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("error.html", status=status, message=message, detail=detail, reload=reload_url()), status


def reload_url() -> str:
    """Where "reload" leads: this page, or for an action the page its form was on."""
    name = (request.view_args or {}).get("name")
    if request.method == "GET" or not name:
        return request.full_path.rstrip("?") if request.method == "GET" else url_for("cases")
    return url_for("letter" if request.endpoint == "actions" else "case", name=name)
