"""Imports go one way: no cycle between the modules of ``diagnose``, function-level imports included.

Each module is parsed with :mod:`ast` (nothing is imported). Imports under ``if TYPE_CHECKING:``
are left out: they never run.
"""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "diagnose"

# Cycles through these modules are being taken apart elsewhere; empty this list when they are gone.
ALLOWED_IN_CYCLES: set = set()


def module_names() -> dict:
    """Dotted module name → source file, for every module of the package."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("diagnose",) + path.relative_to(PACKAGE).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` outside ``if TYPE_CHECKING:`` blocks."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
            else:
                todo.append(child)


def imported(module: str, path: Path, modules: dict) -> set:
    """The modules of the package that ``module`` imports, and the packages those imports load
    (importing ``a.b.c`` runs ``a.b``'s ``__init__``), except its own enclosing packages."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            targets.add(origin)
            targets.update(f"{origin}.{alias.name}" for alias in node.names)  # `from . import api`
    found = set()
    for target in targets:
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            name = ".".join(parts[:end])
            if name in modules and name != module and not module.startswith(name + "."):
                found.add(name)
    return found


def import_graph() -> dict:
    modules = module_names()
    return {name: imported(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict) -> list:
    """One cycle (as a list of modules) for every strongly connected group of ``graph``."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict, group: set) -> list:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    return paths[node] + [start]
                if target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle in {group}")


def without(graph: dict, left_out: set) -> dict:
    return {node: targets - left_out for node, targets in graph.items() if node not in left_out}


def test_the_graph_sees_the_imports_it_should():
    """The walk finds module-level, function-level and relative imports, and skips TYPE_CHECKING."""
    graph = import_graph()
    assert "diagnose.knowledge" in graph["diagnose.engine"]  # from .knowledge import ...
    assert "diagnose.knowledge.templates" in graph["diagnose.letters"]  # from .knowledge.templates import ...
    assert "diagnose.knowledge" in graph["diagnose.letters"]  # ... which runs the package's __init__
    assert "diagnose.api" in graph["diagnose"]  # `from . import api` inside a function
    assert "diagnose.knowledge.model" in graph["diagnose.knowledge.build"]
    assert "diagnose.knowledge" not in graph["diagnose.knowledge.build"]  # its own package: not a cycle
    assert "diagnose.ranking" not in graph["diagnose.letters"]  # only under TYPE_CHECKING


def test_cycles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles(without(graph, {"b"})) == []


def test_no_import_cycles_between_diagnose_modules():
    found = cycles(without(import_graph(), ALLOWED_IN_CYCLES))
    assert not found, "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in found)


def test_the_knowledge_layer_imports_nothing_above_it():
    """The knowledge package builds on the vocabulary, errors, operators and the file readers only
    (yamlsafe, fileio; see docs/architecture.md: imports one way)."""
    below = {"diagnose", "diagnose.errors", "diagnose.fileio", "diagnose.operators", "diagnose.vocabulary",
             "diagnose.yamlsafe"}
    graph = import_graph()
    for module, targets in graph.items():
        if module == "diagnose.knowledge" or module.startswith("diagnose.knowledge."):
            above = {t for t in targets if t not in below and not t.startswith("diagnose.knowledge")}
            assert not above, f"{module} imports {sorted(above)}"
