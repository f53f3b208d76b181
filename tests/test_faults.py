"""Fault injection: interrupted library calls, full disks, unwritable folders.

Each fault must leave what the user cares about intact (the kept engine session, an existing
draft or case file) and end in one clear line, never a traceback.
"""
import os
import sys

import pytest

from diagnose.api import diagnose

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
