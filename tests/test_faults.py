"""Fault injection: interrupted library calls, full disks, unwritable folders.

Each fault must leave what the user cares about intact (the kept engine session, an existing
draft or case file) and end in one clear line, never a traceback.
"""
import os
import stat
import subprocess
import sys

from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from fault_fixture import fill
from diagnose.api import diagnose
from diagnose.cli import cli

ENGINE = os.path.join("diagnose", "engine.py")
FACTS = {"platform": "amazon", "cancel_rate": "4%", "out_of_stock_often": True, "late_shipment_rate": "5%",
         "valid_tracking_rate": "90%"}


def _interrupting(at_event: int):
    """A profile function raising KeyboardInterrupt at the ``at_event``-th place in the engine
    where CPython can deliver a signal: as a function starts and after a call returns."""
    seen = [0]

    def profile(frame, event, arg):
        if event in ("call", "return", "c_return") and frame.f_code.co_filename.endswith(ENGINE):
            seen[0] += 1
            if seen[0] == at_event:
                raise KeyboardInterrupt

    return profile, seen


def test_an_interrupt_anywhere_in_a_diagnosis_leaves_the_library_clean():
    expected = diagnose(FACTS)
    assert expected.causes
    profile, seen = _interrupting(0)
    sys.setprofile(profile)
    try:
        diagnose(FACTS)
    finally:
        sys.setprofile(None)
    events = seen[0]
    assert events > 50
    interrupted = 0
    for at_event in range(1, events + 1):
        sys.setprofile(_interrupting(at_event)[0])
        try:
            diagnose(FACTS)
        except KeyboardInterrupt:
            interrupted += 1
        finally:
            sys.setprofile(None)
        assert diagnose(FACTS) == expected, f"after an interrupt at event {at_event}"
        assert diagnose({"platform": "amazon"}).causes == ()
    assert interrupted == events


# ---------------------------------------------------------------------------------------------
# Full disks and unwritable folders


def invoke(*args, input=None):
    try:
        runner = CliRunner(mix_stderr=False)  # Click 8.1: keep stderr apart
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, [str(a) for a in args], input=input)


def assert_one_line(result, expected, code=2):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    assert result.stderr.splitlines() == [f"Error: {expected}"], result.stderr


def test_a_letter_on_a_full_disk_leaves_the_earlier_draft(full_disk):
    folder, saved = full_disk
    result = invoke("letter", EXAMPLES / "cancel-rate-stockouts.yaml", "-o", saved)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {saved}: cannot write the file: No space left on device")
    assert "Traceback" not in result.output
    assert saved.read_text() == "the earlier draft\n"
    assert sorted(p.name for p in folder.iterdir()) == ["filler", "letter.txt"]


def test_the_knowledge_cache_on_a_full_disk_is_skipped_and_leaves_no_file(full_disk):
    """Issue 15: the cache's first temporary file once stayed behind, holding all the free space."""
    folder, _ = full_disk
    before = sorted(path.name for path in folder.iterdir())
    done = subprocess.run([sys.executable, "-m", "diagnose", "run", str(EXAMPLES / "cancel-rate-stockouts.yaml")],
                          cwd=ROOT, env=dict(os.environ, DIAGNOSE_CACHE_DIR=str(folder)), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert sorted(path.name for path in folder.iterdir()) == before


def test_a_letter_to_a_device_is_refused_not_replaced():
    result = invoke("letter", EXAMPLES / "cancel-rate-stockouts.yaml", "-o", "/dev/full")
    assert_one_line(result, "/dev/full: cannot write the file: it is not a regular file (a device, pipe or socket)")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_letter_into_an_unwritable_folder(unwritable_folder):
    result = invoke("letter", EXAMPLES / "cancel-rate-stockouts.yaml", "-o", unwritable_folder / "l.txt")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: {unwritable_folder / 'l.txt'}: cannot write the file: ")
    assert list(unwritable_folder.iterdir()) == []


def test_the_interview_checks_its_folder_before_the_first_question(unwritable_folder):
    result = invoke("interview", "--save", unwritable_folder / "case.yaml", "--platform", "amazon", input="yes\n")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {unwritable_folder / 'case.yaml'}: cannot save in this folder: ")
    assert "?" not in result.stdout  # no question was asked


def test_an_interview_answer_on_a_full_disk_is_one_line_and_keeps_the_case(full_disk):
    folder, _ = full_disk
    os.unlink(folder / "filler")
    case = folder / "case.yaml"
    first = invoke("interview", "--save", case, "--platform", "amazon", input="")
    assert first.exit_code == 1 and case.exists()
    before = case.read_text()
    fill(folder)
    result = invoke("interview", "--resume", case, input="yes\nyes\n")
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    assert result.exit_code == 2, result.output
    assert f"{case}: cannot write the file: No space left on device" in result.stderr
    assert case.read_text() == before
    assert sorted(p.name for p in folder.iterdir()) == ["case.yaml", "filler", "letter.txt"]
