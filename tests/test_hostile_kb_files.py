"""A hostile --kb folder and a hostile cache: links out of the folder, special and oversized
templates, edited or blocked cache files, and knowledge that validates but would fail in use."""
import json
import os
import shutil

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from diagnose.cli import cli

CASE = EXAMPLES / "cancel-rate-stockouts.yaml"


def invoke(*args):
    try:
        runner = CliRunner(mix_stderr=False)  # Click 8.1: keep stderr apart
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, [str(a) for a in args])


@pytest.fixture
def kb(tmp_path, monkeypatch):
    root = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    shutil.copytree(ROOT / "rules", root / "rules")
    monkeypatch.setenv("DIAGNOSE_CACHE_DIR", str(tmp_path / "cache"))
    return root


def validate(root):
    return invoke("kb", "validate", "--kb", root)


LETTERS = os.path.join("knowledge", "letters")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "oversized", "outside-link"])
def test_a_hostile_template_never_hangs_or_leaks(kb, tmp_path, kind):
    target = kb / LETTERS / "_letter.en.txt.j2"
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n")
    target.unlink()
    expected = {"fifo": "is not a regular file", "dev-zero": "a link to a file outside the letters folder",
                "oversized": "the limit is 200,000", "outside-link": "a link to a file outside the letters folder"}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", target)
    elif kind == "oversized":
        target.write_text("{# padding #}\n" * 20_000)
    else:
        os.symlink(secret, target)
    found = validate(kb)
    assert found.exit_code == 1 and expected in found.stdout and "TOP SECRET" not in found.stdout, found.output
    for command in ("letter", "run"):  # `run` once hung on the FIFO too, though it renders no letter
        result = invoke(command, CASE, "--kb", kb)
        assert result.exit_code != 0 and "TOP SECRET" not in result.output and "Traceback" not in result.output


def test_an_include_of_a_link_out_of_the_folder_is_refused(kb, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n")
    os.symlink(secret, kb / LETTERS / "leak.j2")
    letter = kb / LETTERS / "amazon.en.txt.j2"
    letter.write_text('{% include "leak.j2" %}\n' + letter.read_text())
    result = invoke("letter", CASE, "--kb", kb)
    assert result.exit_code == 1 and "TOP SECRET" not in result.output, result.output
    assert "a link to a file outside the letters folder" in result.stderr


def test_a_yaml_link_to_a_system_file_is_not_read(kb):
    os.symlink("/etc/passwd", kb / "rules" / "passwd.yaml")
    result = validate(kb)
    assert result.exit_code == 1
    assert "rules/passwd.yaml:1:1: [error] a link to a file outside the knowledge base; not read" in result.stdout
    assert "root:" not in result.output


@pytest.mark.parametrize("sentence, expected", [
    ("{{ fact.__globals__ }}", "reads the private attribute '__globals__'"),
    ("{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}", "the macro 'again' calls itself"),
    ("{% for a in causes %}{% for b in causes %}{% for c in causes %}x{% endfor %}{% endfor %}{% endfor %}",
     "loops nested more than 2 deep"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "loops over range()"),
])
def test_validate_finds_letter_sentences_that_would_fail_or_run_away(kb, sentence, expected):
    causes = kb / "knowledge" / "causes.yaml"
    lines = causes.read_text().splitlines(keepends=True)
    first = next(n for n, line in enumerate(lines) if line == "    letter:\n") + 1
    assert lines[first].startswith("      en: ")
    lines[first] = f"      en: '{sentence}'\n"
    causes.write_text("".join(lines))
    result = validate(kb)
    assert result.exit_code == 1 and expected in result.stdout, result.output


def test_a_runaway_product_in_a_template_is_stopped_not_rendered(kb):
    letter = kb / LETTERS / "amazon.en.txt.j2"
    letter.write_text('{{ "x" * 1000000000 }}\n' + letter.read_text())
    result = invoke("letter", CASE, "--kb", kb)
    assert result.exit_code == 1 and "'*' would make more than 100,000 items" in result.stderr
    assert "kb validate" not in result.stderr and "Traceback" not in result.output


def test_validate_finds_a_certain_for_and_a_certain_against_the_same_cause(kb):
    (kb / "rules" / "certain.yaml").write_text("""\
rules:
  - id: extra.certain_for
    title: {en: "Certain for", zh: "肯定"}
    when: [{fact: out_of_stock_often, is: true}]
    then: {cause: chronic_stockout}
    certainty: 1.0
    sources: [s-method]
    examples: {fires: [{out_of_stock_often: true}], silent: [{out_of_stock_often: false}]}
  - id: extra.certain_against
    title: {en: "Certain against", zh: "否定"}
    when: [{fact: cancel_rate, above: 2%}]
    then: {cause: chronic_stockout}
    certainty: -1.0
    sources: [s-method]
    examples: {fires: [{cancel_rate: 3%}], silent: [{cancel_rate: 1%}]}
""")
    result = validate(kb)
    assert result.exit_code == 1
    assert ("rule 'extra.certain_against' is certain against the cause 'chronic_stockout' (-1.0) while rule "
            "'extra.certain_for' is certain of it (1.0)") in result.stdout, result.output


# ---------------------------------------------------------------------------------------------
# The knowledge cache


def cache_files(kb, prefix="kb-"):
    """The knowledge caches (or, with prefix "checks-", the per-file check records) of the fixture."""
    folder = kb.parent / "cache"
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix)) if folder.is_dir() else []


def test_the_cache_key_covers_every_byte_of_a_file(kb):
    from diagnose.knowledge.cache import _digest

    template = kb / LETTERS / "amazon.en.txt.j2"
    before = _digest(kb, [template])
    text = template.read_text()
    template.write_text(text[:-2] + ("X" if text[-2] != "X" else "Y") + text[-1])  # same size, last bytes
    assert _digest(kb, [template]) != before


def test_an_edited_cache_file_is_rebuilt_not_trusted(kb):
    assert invoke("run", CASE, "--kb", kb).exit_code == 0
    (cache,) = [kb.parent / "cache" / name for name in cache_files(kb)]
    data = bytearray(cache.read_bytes())
    data[-40] ^= 0xFF  # one flipped byte inside the pickle
    cache.write_bytes(bytes(data))
    from diagnose.knowledge.cache import _read_cache

    digest = cache.name.split("-")[1]
    assert _read_cache(digest + "0" * 32, kb) is None
    assert invoke("run", CASE, "--kb", kb).exit_code == 0


def edit_and_run(kb, edit):
    """Run after an edit of one knowledge file (the knowledge's own cache misses), in a fresh load."""
    from diagnose.knowledge.cache import _LOADED

    with open(kb / "knowledge" / "causes.yaml", "a", encoding="utf-8") as out:
        out.write(f"# edit {edit}\n")
    _LOADED.clear()
    result = invoke("run", CASE, "--kb", kb, "--format", "json")
    assert result.exit_code == 0, result.output
    diagnosis = json.loads(result.stdout)
    diagnosis.pop("knowledge_version")  # each edit makes a new version
    return diagnosis


def test_damaged_or_planted_check_records_are_checked_again(kb, monkeypatch):
    import hashlib
    import pickle

    from diagnose.errors import KnowledgeBaseError
    from diagnose.knowledge import display_path, load_knowledge
    from diagnose.knowledge.cache import _LOADED, CheckCache

    expected = edit_and_run(kb, 0)
    assert expected["causes"] and cache_files(kb, "checks-")
    (records,) = [kb.parent / "cache" / name for name in cache_files(kb, "checks-")]
    data = bytearray(records.read_bytes())
    data[-40] ^= 0xFF  # one flipped byte inside the pickle: the whole file is ignored
    records.write_bytes(bytes(data))
    assert not CheckCache.load()._stored
    assert edit_and_run(kb, 1) == expected
    stored = pickle.loads(records.read_bytes()[32:])
    shapes = [("not", "a", "record"), (None, "findings", None), (1,), {"a": "mapping"}, (None, ((1, 2),), None)]
    wrong = {key: shapes[index % len(shapes)] for index, key in enumerate(stored)}
    pickled = pickle.dumps(wrong)  # a well-formed file whose records have the wrong shape
    records.write_bytes(hashlib.sha256(pickled).digest() + pickled)
    assert edit_and_run(kb, 2) == expected
    (kb / "rules" / "extra.yaml").write_text("rules:\n  - id: [\n", encoding="utf-8")
    _LOADED.clear()
    with pytest.raises(KnowledgeBaseError) as info:  # an edit that breaks a file is reported
        load_knowledge(kb)
    assert [f.path for f in info.value.findings] == [display_path(kb / "rules" / "extra.yaml")]


def test_an_edit_rechecks_only_the_edited_file(kb, monkeypatch):
    import diagnose.knowledge.build as build

    edit_and_run(kb, 0)
    checked = []
    real = build._check_file
    monkeypatch.setattr(build, "_check_file", lambda data, path, kind: checked.append(path) or real(data, path, kind))
    edit_and_run(kb, 1)
    assert checked == [str(kb / "knowledge" / "causes.yaml")]


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_something_at_the_check_records_path_neither_blocks_nor_leaves_files(kb, kind):
    edit_and_run(kb, 0)
    (name,) = cache_files(kb, "checks-")
    records = kb.parent / "cache" / name
    records.unlink()
    if kind == "directory":
        records.mkdir()
    else:
        os.mkfifo(records)
    for edit in range(1, 4):
        edit_and_run(kb, edit)
    assert cache_files(kb, "checks-") == [name]


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_something_at_the_cache_path_neither_blocks_nor_leaves_files(kb, kind):
    assert invoke("run", CASE, "--kb", kb).exit_code == 0
    (name,) = cache_files(kb)
    cache = kb.parent / "cache" / name
    cache.unlink()
    if kind == "directory":
        cache.mkdir()
    else:
        os.mkfifo(cache)
    for _ in range(3):
        result = invoke("run", CASE, "--kb", kb)
        assert result.exit_code == 0, result.output
    assert cache_files(kb) == [name]
