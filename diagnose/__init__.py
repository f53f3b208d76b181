"""seller-diagnose: why a marketplace seller account was suspended, and what to do about it.

The public API is :func:`diagnose` (facts in, a ``Diagnosis`` out); see :mod:`diagnose.api`.
It is imported lazily so that ``import diagnose`` and the CLI start fast.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported: `import diagnose` stays this module alone
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"
__all__ = ["diagnose", "Diagnoser", "get_diagnoser", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("diagnose", "Diagnoser", "get_diagnoser"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'diagnose' has no attribute {name!r}")
