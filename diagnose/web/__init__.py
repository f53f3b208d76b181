"""``diagnose serve``: a consultant's workspace in the browser over the same library and case files.

:func:`create_app` builds the Flask application for one workspace folder; the command line
(:mod:`diagnose.cli.serve`) serves it. Flask comes with the ``web`` extra.
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
