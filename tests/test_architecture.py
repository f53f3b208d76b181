"""docs/architecture.md matches the code: every `diagnose/…`, `knowledge/…`, `tests/…` or `docs/…` path
in it exists, and its layer table places every module and says which way the imports run."""
import re

from conftest import ROOT
from test_imports import import_graph

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


def layers() -> dict:
    """Module or package (dotted) → its layer's number, from the page's layer table."""
    found = {}
    for number, cell in re.findall(r"^\| (\d)\. [^|]+\| ([^|]+)\|", DOC, re.M):
        for path in re.findall(r"`(diagnose/\w+(?:/|\.py))`", cell):
            found[path.removesuffix(".py").rstrip("/").replace("/", ".")] = int(number)
    return found


def layer_of(module: str, table: dict):
    """The layer of ``module``: its own row, or its package's."""
    parts = module.split(".")
    return next((table[".".join(parts[:end])] for end in range(len(parts), 1, -1) if ".".join(parts[:end]) in table),
                None)


def test_every_module_sits_in_one_layer():
    table = layers()
    assert table["diagnose.vocabulary"] == 1 and table["diagnose.cli"] == 6
    unplaced = [m for m in import_graph() if m not in ("diagnose", "diagnose.__main__") and layer_of(m, table) is None]
    assert not unplaced, f"docs/architecture.md places no layer for: {unplaced}"


def test_no_module_imports_from_a_layer_above_its_own():
    table = layers()
    upward = [f"{module} (layer {layer_of(module, table)}) imports {target} (layer {layer_of(target, table)})"
              for module, targets in sorted(import_graph().items()) if module not in ("diagnose", "diagnose.__main__")
              for target in sorted(targets) if target != "diagnose"
              and layer_of(target, table) > layer_of(module, table)]
    assert not upward, "imports against the layers of docs/architecture.md:\n" + "\n".join(upward)
