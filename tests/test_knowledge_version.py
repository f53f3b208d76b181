"""The knowledge version names the content: the same files give the same version anywhere."""
import shutil

import pytest
from click.testing import CliRunner

from conftest import ROOT
from diagnose.cli import cli
from diagnose.knowledge import load_knowledge

pytestmark = pytest.mark.slow  # see pyproject.toml: `pytest -m "not slow"` leaves these out


def copy_knowledge(target):
    for folder in ("knowledge", "rules"):
        shutil.copytree(ROOT / folder, target / folder)
    return target


def test_the_same_files_give_the_same_version_wherever_they_lie(tmp_path, monkeypatch):
    shipped = load_knowledge(ROOT)
    wheel_layout = copy_knowledge(tmp_path / "site-packages" / "diagnose" / "_kb")  # as a wheel installs it
    copy = copy_knowledge(tmp_path / "elsewhere")
    assert load_knowledge(wheel_layout).version == shipped.version
    assert load_knowledge(copy).version == shipped.version
    monkeypatch.chdir(tmp_path)
    assert load_knowledge("elsewhere").version == shipped.version  # a relative --kb too

    result = CliRunner().invoke(cli, ["run", "--kb", str(copy), "--fact", "platform=amazon", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert f'"knowledge_version": "{shipped.version}"' in result.output


def test_a_changed_file_or_name_changes_the_version(tmp_path):
    copy = copy_knowledge(tmp_path / "kb")
    before = load_knowledge(copy).version
    causes = copy / "knowledge" / "causes.yaml"
    causes.write_text(causes.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    edited = load_knowledge(copy).version
    assert edited != before
    causes.rename(copy / "knowledge" / "causes-renamed.yaml")
    assert load_knowledge(copy).version not in (before, edited)


def test_two_copies_share_the_version_but_not_the_cache_entry(tmp_path):
    """The loaded knowledge names its own folder: a copy never gets the other copy's cache entry."""
    first = load_knowledge(copy_knowledge(tmp_path / "a"))
    second = load_knowledge(copy_knowledge(tmp_path / "b"))
    assert first.version == second.version
    assert (first.root, second.root) == (str(tmp_path / "a"), str(tmp_path / "b"))


def test_a_change_to_the_knowledge_code_makes_a_new_cache(tmp_path, monkeypatch):
    """Cached records are only as good as the code that built them: another build of the package
    never reads this one's cache (the knowledge version itself stays the content's)."""
    import diagnose.knowledge.cache as cache

    monkeypatch.setenv("DIAGNOSE_CACHE_DIR", str(tmp_path / "cache"))
    root = copy_knowledge(tmp_path / "kb")
    first = load_knowledge(root)
    # the knowledge's cache and the per-file check records: both belong to this build of the code
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir()) == ["checks", "kb"]
    assert all(p.name.endswith(f"-{cache._code_stamp()}.pickle") for p in (tmp_path / "cache").iterdir())
    monkeypatch.setattr(cache, "_code_stamp", lambda: "another-build")
    cache._LOADED.clear()
    assert load_knowledge(root).version == first.version
    assert len(list((tmp_path / "cache").glob("kb-*.pickle"))) == 2
