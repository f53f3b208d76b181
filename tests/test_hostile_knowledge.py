"""Hostile knowledge and rule files: each becomes a finding (file, line, column, check), never a
crash, and a knowledge base with an error never produces a diagnosis (exit code 1)."""
import os
import shutil
import time

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT, time_limit
from diagnose.cli import cli
from diagnose.knowledge import check_knowledge, knowledge_files, template_files

pytestmark = pytest.mark.slow  # see pyproject.toml: `pytest -m "not slow"` leaves these out


RULE = """\
rules:
  - id: extra.rule
    title: {en: "Slow replies noticed", zh: "回复慢"}
    when:
      - {fact: slow_replies, is: true}
    then: {symptom: cancel_rate_high}
    certainty: CERTAINTY
    sources: [s-method]
    examples: EXAMPLES
"""
GOOD_EXAMPLES = "{fires: [{slow_replies: yes}], silent: [{slow_replies: no}]}"
FACT = """\
facts:
  - id: extra_number
    type: number
    RANGE
    question: {en: "How many?", zh: "多少？"}
    help: {en: "A number.", zh: "一个数。"}
"""


def rule(certainty="0.5", examples=GOOD_EXAMPLES):
    return RULE.replace("CERTAINTY", certainty).replace("EXAMPLES", examples)


def fact(range_="min: 0"):
    return FACT.replace("RANGE", range_)


def bomb():
    lines = ["l0: &l0 [" + ", ".join(["x"] * 9) + "]"]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    return "\n".join(lines) + "\n"


# name: (file to add, its content or a function making it, the finding expected)
CASES = {
    "rules-is-a-list": ("rules/extra.yaml", "- a\n- b\n",
                        "rules/extra.yaml:1:1: [error] (top level): ['a', 'b'] is not of type 'object' (schema)"),
    "rules-is-a-scalar": ("rules/extra.yaml", "3\n", "rules/extra.yaml:1:1: [error] (top level): 3 is not of type 'object'"),
    "empty": ("rules/extra.yaml", "", "rules/extra.yaml:1:1: [error] the file is empty (schema)"),
    "binary": ("rules/extra.yaml", b"rules: []\n\x00\x01", "rules/extra.yaml:1:1: [error] binary file (contains NUL bytes)"),
    "not-utf8": ("rules/extra.yaml", b"rules: []\n# \xff\n", "rules/extra.yaml:2:1: [error] file is not UTF-8 text (yaml-syntax)"),
    "huge": ("rules/extra.yaml", b"#" * 30_000_000,
             "rules/extra.yaml:1:1: [error] file is 30,000,000 bytes; the limit is 1,000,000 (yaml-syntax)"),
    "alias-bomb": ("rules/extra.yaml", bomb(), "rules/extra.yaml:6:5: [error] aliases expand to more than 200,000 values"),
    "deep": ("rules/extra.yaml", "rules: " + "[" * 3000 + "]" * 3000 + "\n",
             "rules/extra.yaml:1:"),  # our depth limit or libyaml's, whichever stops first
    "duplicate-key": ("rules/extra.yaml", "rules: []\nrules: []\n",
                      "rules/extra.yaml:2:1: [error] rules: duplicate key (first given on line 1) (yaml-syntax)"),
    "python-tag": ("rules/extra.yaml", "rules: !!python/object/apply:os.system [echo hacked]\n",
                   "rules/extra.yaml:1:8: [error] invalid YAML: could not determine a constructor"),
    "number-min-abc": ("knowledge/extra.yaml", fact('min: "abc"'),
                       "knowledge/extra.yaml:4:5: [error] facts.0.min: 'abc' is not of type 'number' (schema)"),
    "min-nan": ("knowledge/extra.yaml", fact("min: .nan"), "knowledge/extra.yaml:4:5: [error] min: not a finite number (schema)"),
    "min-above-max": ("knowledge/extra.yaml", fact("min: 5\n    max: 1"),
                      "knowledge/extra.yaml:4:5: [error] fact 'extra_number': min is above max (range)"),
    "unknown-field": ("knowledge/extra.yaml", fact("minimum: 0"),
                      "knowledge/extra.yaml:4:5: [error] facts.0: unknown field 'minimum'; did you mean 'min'? (schema)"),
    "certainty-nan": ("rules/extra.yaml", rule(certainty=".nan"),
                      "rules/extra.yaml:7:5: [error] certainty: not a finite number (schema)"),
    "examples-a-string": ("rules/extra.yaml", rule(examples="oops"),
                          "rules/extra.yaml:9:5: [error] rules.0.examples: 'oops' is not of type 'object' (schema)"),
    "examples-not-cases": ("rules/extra.yaml", rule(examples="{fires: [3], silent: [{}]}"),
                           "rules/extra.yaml:9:24: [error] rules.0.examples.fires.0: 3 is not of type 'object' (schema)"),
    "examples-missing": ("rules/extra.yaml", rule(examples="{fires: [{slow_replies: yes}]}"),
                         "rules/extra.yaml:9:5: [error] rules.0.examples: 'silent' is required (schema)"),
}


def copy_of_the_knowledge(folder):
    shutil.copytree(ROOT / "knowledge", folder / "knowledge")
    shutil.copytree(ROOT / "rules", folder / "rules")
    return folder


@pytest.fixture
def kb_copy(tmp_path):
    return copy_of_the_knowledge(tmp_path)


@pytest.fixture(scope="module")
def time_bound(tmp_path_factory):
    """The limit for a refusal: relative to a cache miss of the intact knowledge (every file parsed
    and checked) timed on this machine now."""
    root = copy_of_the_knowledge(tmp_path_factory.mktemp("baseline"))
    with (root / "knowledge" / "facts.yaml").open("a", encoding="utf-8") as facts:
        facts.write(f"# {time.time_ns()}: unseen bytes, so the cache misses\n")
    result, elapsed = diagnose_with(root)
    assert result.exit_code == 0, result.output
    return time_limit(elapsed)


def diagnose_with(root):
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["run", str(EXAMPLES / "cancel-rate-stockouts.yaml"), "--kb", str(root)])
    return result, time.perf_counter() - started


def assert_refused(root, expected, time_bound):
    """Both the loader behind `diagnose run` and check_knowledge report it; nothing is diagnosed."""
    kb, findings = check_knowledge(root, *knowledge_files(root))
    assert kb is None
    assert any(expected in str(f) for f in findings), "\n".join(map(str, findings))
    result, elapsed = diagnose_with(root)
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    assert expected in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: the knowledge base has ")
    assert elapsed < time_bound, f"took {elapsed:.2f} s (the limit: {time_bound:.2f} s)"


def test_the_templates_are_valid(kb_copy):
    (kb_copy / "rules" / "extra.yaml").write_text(rule())
    (kb_copy / "knowledge" / "extra.yaml").write_text(fact())
    kb, findings = check_knowledge(kb_copy, *knowledge_files(kb_copy))
    assert kb is not None and "extra.rule" in kb.rules, findings
    assert diagnose_with(kb_copy)[0].exit_code == 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_knowledge_file(kb_copy, monkeypatch, time_bound, name):
    relative, content, expected = CASES[name]
    path = kb_copy / relative
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    monkeypatch.chdir(kb_copy)
    assert_refused(kb_copy, expected, time_bound)


@pytest.mark.parametrize("kind", ["symlink-loop", "fifo", "device", "directory", "unreadable"])
def test_hostile_knowledge_paths(kb_copy, monkeypatch, time_bound, kind):
    monkeypatch.chdir(kb_copy)
    target = kb_copy / "rules" / "extra.yaml"
    if kind == "symlink-loop":
        os.symlink("other.yaml", target)
        os.symlink("extra.yaml", kb_copy / "rules" / "other.yaml")
        expected = "rules/extra.yaml:1:1: [error] cannot read file: Too many levels of symbolic links (yaml-syntax)"
    elif kind == "fifo":
        os.mkfifo(target)  # reading it would block for ever
        expected = "rules/extra.yaml:1:1: [error] is not a regular file (a device, pipe or socket) (yaml-syntax)"
    elif kind == "device":
        os.symlink("/dev/zero", target)  # reading it would never end: a link out of the folder is never read
        expected = "rules/extra.yaml:1:1: [error] a link to a file outside the knowledge base; not read (yaml-syntax)"
    elif kind == "directory":
        target.mkdir()
        expected = "rules/extra.yaml:1:1: [error] is a directory, not a file (yaml-syntax)"
    else:  # chmod cannot stop root from reading: refuse the open itself
        target.write_text(rule())
        real_open = os.open

        def guarded_open(file, *args, **kwargs):
            if os.path.basename(str(file)) == "extra.yaml":
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(os, "open", guarded_open)
        expected = "rules/extra.yaml:1:1: [error] cannot read file: Permission denied (yaml-syntax)"
    assert_refused(kb_copy, expected, time_bound)


class _Planted:
    """A cache entry that would run a command if the cache were unpickled naively."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_cache_file_runs_no_code(kb_copy, tmp_path, monkeypatch):
    import pickle

    from diagnose.knowledge import load_knowledge
    from diagnose.knowledge.cache import _cache_path, _digest

    monkeypatch.setenv("DIAGNOSE_CACHE_DIR", str(tmp_path / "cache"))
    knowledge, rules = knowledge_files(kb_copy)
    path = _cache_path(_digest(kb_copy, knowledge + rules + template_files(kb_copy)), kb_copy)
    path.parent.mkdir(parents=True)
    marker = tmp_path / "pwned"
    path.write_bytes(pickle.dumps(_Planted(marker)))
    kb = load_knowledge(kb_copy)
    assert not marker.exists()
    assert "cancel.chronic_stockout" in kb.rules  # the cache was rebuilt from the files


def test_the_cache_keeps_only_the_most_recently_used_knowledge(tmp_path, monkeypatch):
    from diagnose.knowledge import CACHE_KEEP, load_knowledge
    from diagnose.knowledge.cache import _LOADED

    cache = tmp_path / "cache"
    monkeypatch.setenv("DIAGNOSE_CACHE_DIR", str(cache))
    shutil.copytree(ROOT / "tests" / "fixtures" / "kb_minimal", tmp_path / "kb")
    facts_file = tmp_path / "kb" / "knowledge" / "facts.yaml"
    original = facts_file.read_text(encoding="utf-8")
    an_hour_ago = time.time_ns() - 3600 * 10**9

    def load(text, written_at=None):
        facts_file.write_text(text, encoding="utf-8")
        _LOADED.clear()
        kb = load_knowledge(tmp_path / "kb")
        if written_at is not None:  # a distinct, past time of writing, whatever the clock's grain
            os.utime(next(cache.glob(f"kb-{kb.version}*")), ns=(written_at, written_at))
        return kb

    first = load(original, an_hour_ago)
    for edit in range(1, CACHE_KEEP + 4):  # an editor saving the knowledge again and again
        load(original + f"\n# edit {edit}\n", an_hour_ago + edit * 10**9)
        if edit == 3:
            load(original)  # the original is used again (a cache hit): it stays

    kept = [path.name for path in cache.glob("kb-*.pickle")]
    assert len(kept) == CACHE_KEEP
    assert any(name.startswith(f"kb-{first.version}") for name in kept)


def test_a_cache_from_before_the_knowledge_package_is_rebuilt(tmp_path, monkeypatch):
    """A cache naming the records by their former module (diagnose.knowledge) is refused, not an error."""
    import pickle

    from diagnose.knowledge import load_knowledge
    from diagnose.knowledge.cache import _LOADED, _digest, _read_cache

    monkeypatch.setenv("DIAGNOSE_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "kb"
    shutil.copytree(ROOT / "tests" / "fixtures" / "kb_minimal", root)
    kb = load_knowledge(root)
    path = next((tmp_path / "cache").glob("kb-*.pickle"))
    knowledge, rules = knowledge_files(root)
    digest = _digest(root, knowledge + rules + template_files(root))
    assert _read_cache(digest, root) is not None
    old = pickle.dumps(kb, protocol=0).replace(b"cdiagnose.knowledge.model\n", b"cdiagnose.knowledge\n")
    assert b"diagnose.knowledge.model" not in old and pickle.loads(old) == kb  # the names still resolve
    path.write_bytes(old)
    assert _read_cache(digest, root) is None
    _LOADED.clear()
    assert load_knowledge(root) == kb
    assert b"diagnose.knowledge.model" in path.read_bytes() and _read_cache(digest, root) == kb
