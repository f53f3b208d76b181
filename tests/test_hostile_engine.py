"""Engine faults: crashes of the C core, exceptions in actions, rejected facts, lost sessions.

Each must end as an :class:`InferenceError` naming what failed (and the rule, if one did) and a
non-zero exit; never a partial diagnosis, never a dead process.
"""
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT
from diagnose.cli import cli
from diagnose.errors import InferenceError


@pytest.mark.parametrize("platform", ["amazon", "ebay", "walmart", "wish"])
def test_first_session_that_fires_nothing_does_not_crash(platform):
    # durable-rules segfaults deleting such a session unless the ruleset has fired once
    code = ("from diagnose.api import diagnose\n"
            f"print(diagnose({{'platform': '{platform}', 'slow_replies': False}}).causes)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "()"
