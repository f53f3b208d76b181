"""docs/architecture.md names real paths: every `diagnose/…`, `knowledge/…`, `tests/…` or `docs/…` path in it exists."""
import re

from conftest import ROOT

DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PATH = re.compile(r"`((?:diagnose|knowledge|rules|tests|docs)/[^`\s]*)`")


def named_paths():
    """Each path in backquotes; bare file names in brackets after a package (`model.py`) belong to it."""
    paths = set(PATH.findall(DOC))
    for package, names in re.findall(r"`(diagnose/\w+/)`\s+\(([^)]*)\)", DOC):
        paths.update(package + name for name in re.findall(r"`([\w.]+\.py)`", names))
    return sorted(paths)


def test_the_page_names_paths():
    assert "diagnose/knowledge/model.py" in named_paths() and len(named_paths()) > 30


def test_every_path_the_page_names_exists():
    missing = [path for path in named_paths() if not (ROOT / path).exists()]
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_only_the_engine_imports_durable_rules():
    importers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "diagnose").rglob("*.py")
                       if re.search(r"^\s*(import durable|from durable)", p.read_text(encoding="utf-8"), re.M))
    assert importers == ["diagnose/engine.py"]
