"""seller-diagnose: why a marketplace seller account was suspended, and what to do about it.

The public API is :func:`diagnose` (facts in, a ``Diagnosis`` out); see :mod:`diagnose.api`.
It is imported lazily so that ``import diagnose`` and the CLI start fast.
"""

__version__ = "0.1.0"
__all__ = ["diagnose", "Diagnoser", "get_diagnoser", "__version__"]


def __getattr__(name):
    if name in ("diagnose", "Diagnoser", "get_diagnoser"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'diagnose' has no attribute {name!r}")
