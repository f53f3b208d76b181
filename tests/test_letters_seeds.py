"""Knowledge and letter text is written in our own words: no run of ten or more consecutive
words is shared with the seed forum posts (case and punctuation ignored). The seeds live beside the checkout,
in ../shared/seeds, as CI clones main with shared/ next to it."""
import re

import pytest

from conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
RUN = 10


def words(text):
    return re.sub(r"[^\w]+", " ", text.lower()).split()


def runs(text):
    tokens = words(text)
    return {tuple(tokens[i:i + RUN]) for i in range(len(tokens) - RUN + 1)}


def our_texts():
    """Every knowledge and rule file, every letter template, every golden letter or message."""
    paths = sorted((ROOT / "knowledge").rglob("*.yaml")) + sorted((ROOT / "rules").rglob("*.yaml"))
    paths += sorted((ROOT / "knowledge" / "letters").rglob("*.j2"))
    paths += [p for p in sorted((ROOT / "tests" / "golden" / "letters").iterdir()) if p.suffix in (".txt", ".md")]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths}


def test_runs_are_computed_over_words_not_punctuation():
    assert runs("One, two; THREE four five six seven eight nine ten!") == {
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")}


def test_no_ten_word_run_is_shared_with_the_seeds():
    if not SEEDS.is_dir():
        pytest.skip(f"the seed posts are not beside this checkout ({SEEDS} is absent)")
    seed_runs = set()
    for path in sorted(SEEDS.iterdir()):
        seed_runs |= runs(path.read_text(encoding="utf-8", errors="replace"))
    assert seed_runs, "no words found in the seeds"
    shared = {name: " ".join(next(iter(runs(text) & seed_runs)))
              for name, text in our_texts().items() if runs(text) & seed_runs}
    assert shared == {}
