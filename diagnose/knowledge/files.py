"""Where the knowledge base lives: its folder, its YAML files and letter templates, and paths as shown."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import List, Tuple

from ..errors import KnowledgeBaseError

KNOWLEDGE_FILE_LIMIT = 1_000_000
TEMPLATE_FILE_LIMIT = 200_000  # a letter template is a page or two; a bound on the work one costs
LETTER_DIR = Path("knowledge") / "letters"  # Jinja letter templates: part of the knowledge, not YAML
LINT_FILE = "lint.yaml"  # knowledge/lint.yaml holds the linter's suppressions, not knowledge


@functools.lru_cache(maxsize=None)  # where this package lies does not change while it runs
def default_root() -> Path:
    """The knowledge shipped in the wheel, or the checkout this package runs from."""
    package = Path(__file__).resolve().parent.parent  # diagnose/
    packaged = package / "_kb"
    if (packaged / "knowledge").is_dir():
        return packaged
    return package.parent


def knowledge_files(root: Path) -> Tuple[List[Path], List[Path]]:
    """The knowledge and rule YAML files under ``root``, in a stable order."""
    knowledge_dir, rules_dir = root / "knowledge", root / "rules"
    missing = [str(d) for d in (knowledge_dir, rules_dir) if not d.is_dir()]
    if missing:
        raise KnowledgeBaseError(
            f"{root} is not a knowledge base: missing {' and '.join(missing)} "
            "(--kb expects a folder holding knowledge/ and rules/)")
    knowledge = sorted(p for p in knowledge_dir.rglob("*.yaml")
                       if not {"schemas", "imports"} & set(p.relative_to(knowledge_dir).parts[:-1])
                       and p.relative_to(knowledge_dir).parts != (LINT_FILE,))
    rules = sorted(rules_dir.rglob("*.yaml"))
    return knowledge, rules


def template_files(root: Path) -> List[Path]:
    """The letter templates under ``root``, in a stable order (part of the knowledge's digest)."""
    return sorted((Path(root) / LETTER_DIR).rglob("*.j2"))


def outside(root: Path, path: Path) -> bool:
    """Whether ``path``, its links followed, lies outside the folder ``root`` (links followed too)."""
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(path)]) != real_root


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else as given."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative
