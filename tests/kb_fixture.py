"""Small knowledge bases for the `diagnose kb` tests, built in a temporary folder.

Loaded as a pytest plugin (see conftest.py): tests use its fixtures by name and import its helpers.
`make_kb` copies tests/fixtures/kb_minimal (a valid, lint-clean knowledge base) and the shipped
JSON Schemas, then applies edits, so each test adds exactly one kind of problem. The interview
tests use tests/fixtures/kb_interview (`INTERVIEW`) with the shipped interview messages.
"""
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from diagnose.cli import cli

MINIMAL = ROOT / "tests" / "fixtures" / "kb_minimal"
INTERVIEW = ROOT / "tests" / "fixtures" / "kb_interview"


def make_kb(base: Path, files=None, edits=(), source: Path = MINIMAL) -> Path:
    """A copy of the minimal knowledge base (or of ``source``) under ``base``/kb.

    ``files`` maps relative paths to whole new files; ``edits`` holds (path, old, new)
    replacements, each of which must match exactly once.
    """
    root = base / "kb"
    shutil.copytree(source, root)
    shutil.copytree(ROOT / "knowledge" / "schemas", root / "knowledge" / "schemas")
    for path, text in (files or {}).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    for path, old, new in edits:
        target = root / path
        text = target.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {path}"
        target.write_text(text.replace(old, new), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def small_kb(private_cache, tmp_path_factory) -> Path:
    """The interview fixture knowledge base, with the shipped interview, output, run and warning messages."""
    return make_kb(tmp_path_factory.mktemp("interview"),
                   files=shipped_messages("interview.yaml", "messages.yaml", "run.yaml", "warnings.yaml"),
                   source=INTERVIEW)


def shipped_messages(*names: str) -> dict:
    """``files`` for :func:`make_kb`: the shipped message catalogue files ``knowledge/<name>``."""
    return {f"knowledge/{name}": (ROOT / "knowledge" / name).read_text(encoding="utf-8") for name in names}


def invoke(*args):
    """Run `diagnose ...` in-process; returns click's Result (output, exit_code)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def kb_dir(private_cache, tmp_path, monkeypatch):
    """Builds a knowledge base and makes its folder the working directory (short paths)."""
    def build(**changes):
        root = make_kb(tmp_path, **changes)
        monkeypatch.chdir(root)
        return root
    return build


@pytest.fixture(scope="session")
def minimal_kb(private_cache):
    """The minimal knowledge base (tests/fixtures/kb_minimal), loaded: amazon with one threshold and one rule."""
    from diagnose.knowledge import load_knowledge

    return load_knowledge(MINIMAL)
