import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCENARIOS = ROOT / "tests" / "scenarios"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test session uses its own knowledge cache, never the user's."""
    monkeypatch.setenv("DIAGNOSE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kb-cache"))


@pytest.fixture(scope="session")
def diagnoser():
    os.environ.setdefault("DIAGNOSE_CACHE_DIR", "")
    from diagnose.api import get_diagnoser

    return get_diagnoser(ROOT)


@pytest.fixture(scope="session")
def kb(diagnoser):
    return diagnoser.kb
