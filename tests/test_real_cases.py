"""Real, public suspension cases (tests/cases/real) run through the library.

Each file holds a case's source, the facts it states and the root cause it establishes
(format: tests/cases/real/README.md, schema: knowledge/schemas/real-case.schema.json).
The established cause must be among the first three for at least 90% of the cases, every
case must get an answer, and the remedies its source shows working must appear among the
top causes' remedies. Run with ``-s`` to see the top-1 and top-3 rates.
"""
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT
from diagnose.api import get_diagnoser
from diagnose.yamlsafe import load_yaml

CASES = ROOT / "tests" / "cases" / "real"
SCHEMA = json.loads((ROOT / "knowledge" / "schemas" / "real-case.schema.json").read_text(encoding="utf-8"))
MIN_CASES = 40
MIN_TOP3 = 0.9
MIN_REMEDIES = 0.8

_FILES = sorted(CASES.glob("*.yaml"))
_DIAGNOSER = get_diagnoser(ROOT)


def _case(path: Path) -> dict:
    return load_yaml(str(path))


def _diagnose(case: dict):
    return _DIAGNOSER.run({"platform": case["platform"], **case["facts"]}, "real case")


@pytest.mark.parametrize("path", _FILES, ids=lambda p: p.stem)
def test_case_is_well_formed(path, kb):
    case = _case(path)
    jsonschema.Draft202012Validator(SCHEMA).validate(case)
    assert case["established_cause"]["id"] in kb.causes, f"{path.name}: unknown cause"
    unknown = [r for r in case["remedies_that_worked"] if r not in kb.remedies]
    assert not unknown, f"{path.name}: unknown remedies {unknown}"


@pytest.mark.parametrize("path", _FILES, ids=lambda p: p.stem)
def test_case_gets_an_answer_with_its_remedies(path):
    case = _case(path)
    diagnosis = _diagnose(case)
    assert diagnosis.causes, f"{path.name}: no cause reported"
    worked = case["remedies_that_worked"]
    if worked:
        offered = {r.id for c in diagnosis.causes[:3] for r in c.remedies}
        found = [r for r in worked if r in offered]
        assert len(found) >= MIN_REMEDIES * len(worked), (
            f"{path.name}: remedies missing from the top three causes: {sorted(set(worked) - offered)}")


def test_established_cause_ranks_in_top_three():
    assert len(_FILES) >= MIN_CASES, f"only {len(_FILES)} real cases"
    top1 = top3 = 0
    misses = []
    for path in _FILES:
        case = _case(path)
        expected = case["established_cause"]["id"]
        ranked = [c.id for c in _diagnose(case).causes]
        top1 += bool(ranked) and ranked[0] == expected
        if expected in ranked[:3]:
            top3 += 1
        else:
            misses.append(f"{path.stem}: {expected} not in {ranked[:3]}")
    total = len(_FILES)
    print(f"\nreal cases: {total}; established cause first: {top1 / total:.0%}, in top three: {top3 / total:.0%}")
    assert top3 >= MIN_TOP3 * total, "established cause outside the top three:\n" + "\n".join(misses)
