"""``diagnose serve``: the consultant's workspace in the browser (needs the ``web`` extra)."""
from __future__ import annotations

from typing import Optional

import click

from . import collect_from_here
from .options import kb_option, lang_option
from .usage import DiagnoseCommand, IntRange, Path


@click.command(cls=DiagnoseCommand)
@click.option("--workspace", type=Path(file_okay=False, exists=True), default=".", show_default=True,
              help="Folder of case files (what 'diagnose interview --save' writes).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than this machine's needs the printed token.")
@click.option("--port", type=IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the workspace in the default browser.")
@lang_option
@kb_option
def serve(workspace: str, host: str, port: int, open_browser: bool, lang: str, kb_root: Optional[str]) -> None:
    """Serve a workspace of cases in the browser: the interview, letter review and tracking.

    The browser and the command line share the case files: a case started with 'diagnose
    interview' opens here, and the reverse.
    """
    import os
    import secrets
    import socket

    from ..api import get_diagnoser
    from ..errors import KnowledgeBaseError

    kb = get_diagnoser(kb_root).kb
    if "web.serve.no_flask" not in kb.messages:
        raise KnowledgeBaseError(f"the knowledge base at {kb.root} has no web messages (see knowledge/web.yaml)")
    try:
        from werkzeug.serving import make_server

        from ..web import create_app
        from ..web.app import is_loopback
    except ImportError:
        raise click.ClickException(kb.message("web.serve.no_flask", lang)) from None
    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    try:  # bound here, so that a taken port is one clear message (werkzeug would print its own and exit)
        listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise click.ClickException(kb.message("web.serve.port_busy", lang, host=host, port=port,
                                              reason=os.strerror(exc.errno) if exc.errno else exc)) from None
    port = listener.getsockname()[1]
    app = create_app(workspace, kb_root, lang, token, cookie=f"diagnose_{port}")  # one cookie per server
    collect_from_here()
    server = make_server(host, port, app, threaded=True, fd=listener.fileno())
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    click.echo(kb.message("web.serve.listening", lang, workspace=workspace, url=url))
    if token:
        url = f"{url}?token={token}"
        click.echo(kb.message("web.serve.token", lang, url=url))
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        listener.close()
