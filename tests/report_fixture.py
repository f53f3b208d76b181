"""Marketplace reports for the importer tests: the stored reports, a report written to a
temporary file, and `diagnose run` on a report read back as its JSON diagnosis.

Loaded as a pytest plugin (see conftest.py): tests use the ``write`` fixture by name and import
the helpers.
"""
import json

import pytest

from conftest import ROOT
from kb_fixture import invoke

REPORTS = ROOT / "tests" / "fixtures" / "reports"


def report(name):
    """A stored report (tests/fixtures/reports/<name>.json), parsed."""
    return json.loads((REPORTS / f"{name}.json").read_text(encoding="utf-8"))


def run_json(*args):
    """`diagnose run ARGS --format json` on the shipped knowledge: (the diagnosis, stderr); it must succeed."""
    result = invoke("run", *args, "--format", "json", "--kb", ROOT)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


@pytest.fixture
def write(tmp_path):
    """Writes a report (a document, dumped as JSON, or text as it is) to a temporary file; returns its path."""
    def write_report(document, name="report.json"):
        path = tmp_path / name
        path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
        return path
    return write_report
