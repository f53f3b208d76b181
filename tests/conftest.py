"""Shared test setup: paths, a private home and knowledge cache for the whole run, and the fixtures.

The fixtures of :mod:`fault_fixture`, :mod:`kb_fixture`, :mod:`report_fixture` and
:mod:`web_client` load as plugins (``pytest_plugins``): tests use them by name and import only
their helpers (``make_kb``, ``invoke``, ``run_json``, ``visible``...).
"""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCENARIOS = ROOT / "tests" / "scenarios"

SLOWDOWN = 10  # how many times a normal run's time a hostile input may take before it counts as runaway


def time_limit(normal_seconds: float, floor: float = 3.0) -> float:
    """The time limit for a run on hostile input: ``SLOWDOWN`` times a normal run just measured on
    this machine (a loaded machine slows both alike), never under ``floor`` seconds. A hang, or
    an input parsed in full that should have been refused unread, still exceeds it."""
    return max(floor, SLOWDOWN * normal_seconds)


pytest_plugins = ["fault_fixture", "kb_fixture", "report_fixture", "web_client"]

# Made in pytest_configure, not at import: worker processes that import the tests import this too.
_RUN_DIR = RUN_HOME = RUN_CACHE = None  # the run's folder; HOME in it (nothing may be written there); the cache


def pytest_configure(config):
    """Before collection (some test modules load the knowledge at import time), point the home,
    the cache folder and the knowledge cache at the run's own temporary folder."""
    global _RUN_DIR, RUN_HOME, RUN_CACHE
    _RUN_DIR = Path(tempfile.mkdtemp(prefix="diagnose-tests-"))
    RUN_HOME, RUN_CACHE = _RUN_DIR / "home", _RUN_DIR / "kb-cache"
    RUN_HOME.mkdir()
    os.environ.update(HOME=str(RUN_HOME), XDG_CACHE_HOME=str(RUN_HOME / ".cache"), DIAGNOSE_CACHE_DIR=str(RUN_CACHE))


def pytest_unconfigure(config):
    if _RUN_DIR is not None:
        shutil.rmtree(_RUN_DIR, ignore_errors=True)


OTHER_PROGRAMS = (".cache/", ".config/", ".local/", ".pki/")  # other programs' folders (the browser tests' Chromium)


def written_under_home() -> list:
    """The files written under the run's home directory so far, relative to it: anywhere but in another
    program's cache or configuration folder, and anything at all under ``.cache/seller-diagnose``."""
    written = (path.relative_to(RUN_HOME).as_posix() for path in RUN_HOME.rglob("*") if not path.is_dir())
    return sorted(path for path in written
                  if path.startswith(".cache/seller-diagnose/") or not path.startswith(OTHER_PROGRAMS))


@pytest.fixture(scope="session", autouse=True)
def private_cache():
    """The run's knowledge cache folder; when the run ends, fails if anything was written under the home."""
    assert os.environ["DIAGNOSE_CACHE_DIR"] == str(RUN_CACHE)
    yield RUN_CACHE
    written = written_under_home()
    assert not written, f"the test run wrote under the home directory: {written[:5]}"


@pytest.fixture(scope="session")
def diagnoser(private_cache):
    from diagnose.api import get_diagnoser

    return get_diagnoser(ROOT)


@pytest.fixture(scope="session")
def kb(diagnoser):
    return diagnoser.kb
