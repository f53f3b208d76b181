"""How many questions does `diagnose interview` ask before it stops, per scenario?

For each scenario in tests/scenarios, an oracle answers the interview from the scenario's
``facts`` (and "unknown" for any fact the scenario does not give; on the checklist of metrics it
ticks those the scenario states over target or whose figure misses a target). The table compares the
questions asked with the size of the facts vocabulary, and checks that the interview ends on
the same top cause as ``diagnose run`` on the scenario's full facts.

    python bench/interview_questions.py [SCENARIO_DIR] [--kb DIR]

Prints a Markdown table (the one in README.md), a summary of the questions asked (and of those
that asked a metric one by one while the case showed no symptom), and the median
and worst time taken to choose the next question over every choice in every interview (the
target: under 50 ms). The time is the process's CPU time, so that other work on a shared machine
does not count. Exits 1 if any interview ends on another top cause.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.api import get_diagnoser  # noqa: E402
from diagnose.cases import scenario_files  # noqa: E402
from diagnose.interview import Session  # noqa: E402
from diagnose.knowledge import OVER_TARGET  # noqa: E402
from diagnose.yamlsafe import load_yaml  # noqa: E402


def over_target(diagnoser, facts):
    """The metrics a case's performance page would show over target: those it states so, and those
    whose figure misses a target."""
    stated = facts.get(OVER_TARGET, ())
    stated = [stated] if isinstance(stated, str) else list(stated)
    return stated + [m.fact for m in diagnoser.run(facts).metrics if m.status == "missed"]


def interview(diagnoser, facts, expected_top=None):
    """Run one oracle interview; return (questions asked, top cause, the time each choice of the next
    question took in ms, the number of questions after which the top cause was ``expected_top``
    for good, or None, and the questions that asked a metric of the checklist one by one while the
    case showed no symptom)."""
    session = Session(diagnoser)
    asked, timings, reached, unpointed = 0, [], None, 0
    while True:
        started = time.process_time()
        question = session.next_question()
        timings.append((time.process_time() - started) * 1000)
        if question is None:
            break
        asked += 1
        if question.kind == "anything_else":  # yes, then a checklist: the practices the case says hold
            chosen = [f for f in question.deferred if facts.get(f) is True]
            session.answer_anything_else(chosen, question.deferred)
            asked += bool(chosen)
        elif question.kind == "metrics":  # the metrics the case's performance page shows over target
            session.answer_metrics(over_target(diagnoser, facts), question.deferred)
        else:
            unpointed += session.platform is not None and session.focus.framing \
                and question.tests in session.kb.facts[OVER_TARGET].choice_values
            if question.fact.id in facts:
                session.answer(question.fact.id, facts[question.fact.id])
            else:
                session.skip(question.fact.id)
        top = session.diagnosis.causes[0].id if session.diagnosis.causes else None
        if top != expected_top:
            reached = None
        elif reached is None:
            reached = asked
    return asked, top, timings, reached, unpointed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="?", default=str(ROOT / "tests" / "scenarios"))
    parser.add_argument("--kb", default=str(ROOT))
    args = parser.parse_args(argv)
    diagnoser = get_diagnoser(args.kb)
    vocabulary = len(diagnoser.kb.facts)
    rows, mismatches, asked_all, reached_all, timings_all, unpointed_all = [], 0, [], [], [], 0
    for path in scenario_files(Path(args.scenarios)):
        facts = dict(load_yaml(str(path))["facts"])
        expected = diagnoser.run(facts, str(path)).causes
        expected_top = expected[0].id if expected else None
        asked, top, timings, reached, unpointed = interview(diagnoser, facts, expected_top)
        unpointed_all += unpointed
        same = top == expected_top
        mismatches += not same
        asked_all.append(asked)
        reached_all += [reached] if reached is not None else []
        timings_all += timings
        rows.append(f"| {path.stem} | {len(facts)} | {reached if reached is not None else '-'} | {asked} | "
                    f"{vocabulary} | {top or '-'} | {'yes' if same else 'NO'} |")
    print("| scenario | facts given | top cause reached after | questions asked in all | facts in vocabulary "
          "| top cause | same as `diagnose run` |")
    print("|---|---:|---:|---:|---:|---|---|")
    print("\n".join(rows))
    if asked_all:
        reached_text = f"median {statistics.median(reached_all):g}, max {max(reached_all)}" if reached_all else "never"
        print(f"\n{len(asked_all)} scenarios, vocabulary of {vocabulary} facts: the top cause reached after "
              f"{reached_text} questions; questions asked in all "
              f"median {statistics.median(asked_all):g}, max {max(asked_all)}; {len(asked_all) - mismatches} end on "
              f"the same top cause as `diagnose run`; {unpointed_all} questions asked a metric one by one while "
              f"the case showed no symptom.")
        print(f"Choosing the next question ({len(timings_all)} choices): median "
              f"{statistics.median(timings_all):.1f} ms, worst {max(timings_all):.1f} ms.")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
