"""Golden files: the letters and messages drafted for the cases in tests/golden/letters/.

Every case gets its English letter and the Chinese review copy; some also get Markdown or
messages. After a deliberate change to the templates or sentences, regenerate with
``UPDATE_GOLDEN=1 pytest tests/test_letters_golden.py`` and review the diff.
"""
import datetime as dt
import os

import pytest

from conftest import ROOT
from diagnose.facts import load_facts, read_facts_file
from diagnose.letters import draft_letter, draft_message
from diagnose.tracking import read_tracking

GOLDEN = ROOT / "tests" / "golden" / "letters"
TODAY = dt.date(2026, 10, 20)  # fixes eBay's review date and the message date checks
CASES = sorted(path.stem for path in GOLDEN.glob("*.yaml"))
EXTRA = [("amazon-cancel-stockout", "letter", "en", "md"),
         ("amazon-feedback", "feedback-removal", "en", "txt"),
         ("amazon-feedback", "feedback-removal", "zh", "txt"),
         ("amazon-feedback", "atoz-withdrawal", "en", "txt"),
         ("amazon-feedback", "atoz-withdrawal", "zh", "txt"),
         ("amazon-feedback", "follow-up", "en", "txt"),
         ("amazon-feedback", "follow-up", "zh", "txt"),
         ("amazon-feedback-product-review", "feedback-removal", "en", "txt")]
EXPECTED = [(case, "letter", lang, "txt") for case in CASES for lang in ("en", "zh")] + EXTRA


def render(diagnoser, case, kind, lang, ext):
    path = GOLDEN / f"{case}.yaml"
    seller = load_facts(str(path), (), diagnoser.kb)
    diagnosis = diagnoser.run(seller)
    markdown = ext == "md"
    if kind == "letter":
        tracking = read_tracking(read_facts_file(str(path)), diagnoser.kb.remedies, str(path))[0]
        return draft_letter(diagnoser.kb, diagnosis, lang, markdown, today=TODAY,
                            done=tracking.actions_done, planned=tracking.actions_planned)
    return draft_message(diagnoser.kb, diagnosis, kind, lang, markdown, today=TODAY)


@pytest.mark.parametrize("case,kind,lang,ext", EXPECTED, ids=lambda v: str(v))
def test_golden(diagnoser, case, kind, lang, ext):
    golden = GOLDEN / f"{case}.{kind}.{lang}.{ext}"
    text = render(diagnoser, case, kind, lang, ext).text
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"{golden.name} is missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(encoding="utf-8")


def test_no_stray_golden_files():
    expected = {f"{case}.{kind}.{lang}.{ext}" for case, kind, lang, ext in EXPECTED}
    present = {path.name for path in GOLDEN.iterdir() if path.suffix in (".txt", ".md")}
    assert present == expected


def test_goldens_cover_every_platform_and_family(diagnoser):
    covered = set()
    for case in CASES:
        diagnosis = diagnoser.run(load_facts(str(GOLDEN / f"{case}.yaml"), (), diagnoser.kb))
        covered |= {(diagnosis.platform, cause.family) for cause in diagnosis.causes}
    assert covered >= {(p, f) for p in ("amazon", "ebay", "walmart", "wish") for f in ("performance", "policy")}


def test_two_cases_never_give_the_same_letter(diagnoser):
    letters = [render(diagnoser, case, "letter", "en", "txt").text for case in CASES]
    assert len(set(letters)) == len(letters)
