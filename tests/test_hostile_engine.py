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


FACTS = {"platform": "amazon", "cancel_rate": "4%", "out_of_stock_often": True}


def run_cli(*args):
    return CliRunner().invoke(cli, ["run", *args])


def assert_internal_error(result, *needles):
    assert result.exit_code == 1, result.output
    assert "Diagnosis" not in result.stdout and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: internal error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_exception_inside_a_rule_action_names_the_rule(diagnoser, monkeypatch):
    import diagnose.engine

    def exploding(*firing):
        raise RuntimeError("boom")

    monkeypatch.setattr(diagnose.engine, "Firing", exploding)  # recording the firing fails
    with pytest.raises(InferenceError) as info:
        diagnoser.run(FACTS)
    assert info.value.rule_id == "threshold.amazon.cancel_rate"
    result = run_cli("--fact", "platform=amazon", "--fact", "cancel_rate=4%", "--fact", "out_of_stock_often=yes")
    assert_internal_error(result, "rule 'threshold.amazon.cancel_rate' failed inside the engine", "boom")
    monkeypatch.undo()
    assert [c.id for c in diagnoser.run(FACTS).causes] == ["chronic_stockout"]  # the engine still works


@pytest.mark.parametrize("value,reason", [
    (float("inf"), "expected a finite number"),  # crashes the C core if it ever gets there
    ("4%", "not a typed value"),  # the C core would compare a string with a number
    (10 ** 5000, "too large"),
    (True, "yes/no value"),
], ids=["inf", "string", "huge-int", "bool"])
def test_fact_the_engine_rejects(diagnoser, value, reason):
    with pytest.raises(InferenceError) as info:
        diagnoser.engine.infer("amazon", {"platform": "amazon", "cancel_rate": value})
    assert "the rule engine rejects the fact cancel_rate=" in str(info.value) and reason in str(info.value)
    assert diagnoser.engine.infer("amazon", {"platform": "amazon", "cancel_rate": 0.04})


class CoreWith:
    """The durable-rules C extension with some of its functions replaced."""

    def __init__(self, core, **replaced):
        self._core = core
        self.__dict__.update(replaced)

    def __getattr__(self, name):
        return getattr(self._core, name)


def fail_with(message):
    def failing(*args):
        raise RuntimeError(message)
    return failing


@pytest.mark.parametrize("function,message", [
    ("assert_facts", "error: pyAssertFacts Invalid argument"),  # a fact the core refuses
    ("complete_and_start_action", "Could not complete action, error code: 307"),  # an action it dropped
    ("start_action_for_state", "error code: 309"),  # a session it lost (ERR_SID_NOT_FOUND)
], ids=["refused-fact", "dropped-action", "lost-session"])
def test_core_failure_is_an_internal_error_and_the_engine_recovers(diagnoser, monkeypatch, function, message):
    engine = diagnoser.engine
    diagnoser.run(FACTS)  # the ruleset is registered and warmed up
    monkeypatch.setattr(engine, "_c", CoreWith(engine._c, **{function: fail_with(message)}))
    result = run_cli("--fact", "platform=amazon", "--fact", "cancel_rate=4%")
    assert_internal_error(result, "the rule engine failed", message)
    monkeypatch.undo()
    assert [c.id for c in diagnoser.run(FACTS).causes] == ["chronic_stockout"]  # a fresh Host works


def test_unexpected_exception_is_one_line_and_exit_1(monkeypatch):
    import diagnose.api

    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(diagnose.api, "rank", broken)
    result = run_cli("--fact", "platform=amazon")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error (KeyError") and len(result.stderr.splitlines()) == 1
    assert "Diagnosis" not in result.stdout


TINY_RULE = """\
rules:
  - id: extra.tiny_cancel_rate
    title: {en: "Any cancellations at all", zh: "有取消"}
    when:
      - {fact: cancel_rate, above: "0.004%"}
    then: {symptom: cancel_rate_high}
    sources: [s-method]
    examples: {fires: [{cancel_rate: "0.005%"}], silent: [{cancel_rate: "0.003%"}]}
"""


@pytest.mark.parametrize("platform", ["amazon", "ebay", "walmart", "wish"])
def test_tiny_rates_reach_the_engine_intact(diagnoser, platform):
    # Python writes 5e-05; durable-rules' parser reads that as the integer 5 and then crashes
    result = run_cli("--fact", f"platform={platform}", "--fact", "cancel_rate=0.005%", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"cancel_rate": 5e-05' in result.stdout
    assert diagnoser.engine.infer(platform, {"platform": platform, "cancel_rate": 1e-10}) == []


def test_tiny_rule_constants_compare_right(tmp_path):
    import shutil

    from diagnose.api import Diagnoser
    from diagnose.knowledge import load_knowledge

    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "rules" / "tiny.yaml").write_text(TINY_RULE)
    diagnoser = Diagnoser(load_knowledge(tmp_path))
    fired = diagnoser.engine.infer("amazon", {"platform": "amazon", "cancel_rate": 5e-05})
    assert [(f.rule, f.facts) for f in fired] == [("extra.tiny_cancel_rate", (("cancel_rate", 5e-05),))]
    assert diagnoser.engine.infer("amazon", {"platform": "amazon", "cancel_rate": 3e-05}) == []
    assert diagnoser.engine.infer("amazon", {"platform": "amazon", "cancel_rate": 4e-05}) == []
