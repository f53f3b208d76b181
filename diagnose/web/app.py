"""The Flask application: one workspace folder, its guards (token, host, CSRF) and its language.

Every page's words come from the knowledge base (``web.*`` messages in knowledge/web.yaml, and
the facts', causes' and remedies' own texts), in English or Chinese, switched with ``?lang=``.
"""
from __future__ import annotations

import hmac
import secrets
from typing import Optional
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from ..api import get_diagnoser
from ..errors import DiagnoseError, KnowledgeBaseError
from ..tracking import STATUSES
from . import views
from .common import LANGS, Conflict, brackets, colon, csrf_token, lang_url, listed, page, settings, translate
from .store import NoSuchCase, Workspace

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_FORM_BYTES = 64 * 1024  # a form holds a few answers; anything larger is refused
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class FormRefused(BadRequest):
    """A form post without this browser session's CSRF token, or sent from another site."""


def create_app(workspace: str, kb_root: Optional[str] = None, lang: str = "en", token: Optional[str] = None,
               cookie: str = "diagnose") -> Flask:
    """The web workspace over the case files in ``workspace``.

    ``token``: required on every request (as ``?token=`` once, then a cookie) when the server
    listens beyond this machine; without it only requests addressed to a loopback host name are
    served. ``cookie`` names the cookies (several workspaces can run side by side).
    """
    if "web.app" not in get_diagnoser(kb_root).kb.messages:
        raise KnowledgeBaseError("the knowledge base has no web messages (see knowledge/web.yaml)")
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_bytes(32), SESSION_COOKIE_NAME=cookie,
                      SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_HTTPONLY=True,
                      MAX_CONTENT_LENGTH=MAX_FORM_BYTES, MAX_FORM_MEMORY_SIZE=MAX_FORM_BYTES)
    app.extensions["diagnose"] = {"workspace": Workspace(workspace), "kb_root": kb_root,
                                  "lang": lang if lang in LANGS else "en", "token": token,
                                  "token_cookie": f"{cookie}_token"}
    app.before_request(_guard)
    app.after_request(_headers)
    app.jinja_env.globals.update(t=translate, csrf_token=csrf_token, lang_url=lang_url, LANGS=LANGS, STATUSES=STATUSES,
                                 colon=colon, brackets=brackets, listed=listed)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DiagnoseError, _diagnose_error)
    app.register_error_handler(Conflict, _conflict)
    app.register_error_handler(NoSuchCase, lambda exc: _http_error(NotFound()))
    views.register(app)
    return app


# ---------------------------------------------------------------------------------------------
# Guards


def _guard() -> Optional[ResponseReturnValue]:
    """Refuse requests without the token, for a foreign host name, or posting without the CSRF token."""
    config = settings()
    g.diagnoser = get_diagnoser(config["kb_root"])
    g.kb = g.diagnoser.kb
    g.lang = session.get("lang", config["lang"])
    if config["token"]:
        given = request.args.get("token")
        if given is not None and hmac.compare_digest(given.encode(), config["token"].encode()):
            args = {k: v for k, v in request.args.items() if k != "token"}
            response = redirect(url_for(request.endpoint, **(request.view_args or {}), **args)
                                if request.endpoint else "/")
            response.set_cookie(config["token_cookie"], given, httponly=True, samesite="Strict")
            return response
        cookie = request.cookies.get(config["token_cookie"], "")
        if not hmac.compare_digest(cookie.encode(), config["token"].encode()):
            abort(403)
    elif not is_loopback(_host_name(request.host)):  # a page of another site reached through DNS rebinding
        abort(421)
    chosen = request.args.get("lang")
    if chosen in LANGS:
        session["lang"] = g.lang = chosen
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            raise FormRefused()
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()):
            raise FormRefused()
    return None  # the request goes on to its view


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# ---------------------------------------------------------------------------------------------
# Error pages


ERRORS = {400: "error.bad_form", 403: "error.token", 404: "error.not_found", 405: "error.not_found",
          413: "error.too_large", 421: "error.host"}


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    name = "error.expired" if isinstance(exc, FormRefused) else ERRORS.get(exc.code or 500)
    if name is None or getattr(g, "kb", None) is None:
        return page(exc.code or 500, exc.name)
    return page(exc.code, translate(name))


def _diagnose_error(exc: DiagnoseError) -> ResponseReturnValue:
    if getattr(g, "kb", None) is None:
        return page(500, "", str(exc))
    return page(400 if exc.exit_code == 2 else 500, translate("error.case"), str(exc))


def _conflict(exc: Conflict) -> ResponseReturnValue:
    return page(409, translate("error.conflict"), str(exc))


def is_loopback(host: str) -> bool:
    """Whether ``host`` (as given to --host) listens on this machine only."""
    return host in LOOPBACK or host.startswith("127.")
