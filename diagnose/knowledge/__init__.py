"""Load the knowledge base: YAML files → checked, typed objects.

Every file is parsed safely (see :mod:`yamlsafe`), checked against the JSON Schema of its
kind (``knowledge/schemas``), then cross-referenced. Every problem becomes a
:class:`Finding` with file, line and column; a knowledge base with any error never reaches
the engine. A clean load is cached on disk, keyed by the files' content.

The package by concern: :mod:`.model` (the records), :mod:`.files` (where the knowledge lives),
:mod:`.cache`, :mod:`.schema`, :mod:`.build` (objects and cross-references) and
:mod:`.templates` (the letter templates). It imports nothing above the vocabulary.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple

from ..errors import KnowledgeBaseError
from ..operators import NUMERIC_OPS, OPERATORS
from .build import CORE_FACTS, _Builder
from .cache import CACHE_KEEP, _LOADED, CheckCache, _digest, _Loaded, _read_cache, _stat_signature, _write_cache
from .files import LETTER_DIR, LINT_FILE, default_root, display_path, knowledge_files, template_files
from .model import (Cause, Closing, Condition, Deadline, Finding, Fit, Guidance, KnowledgeBase, Letters, Message,
                    PartsRule, Platform, Refusal, Remedy, Rule, Source, Symptom, Term, Threshold, Where, suggest)
from .schema import schema_finding, schema_validator
from .templates import check_letters, letter_facts
from .thresholds import OVER_TARGET

__all__ = [
    "CACHE_KEEP", "CORE_FACTS", "LETTER_DIR", "LINT_FILE", "NUMERIC_OPS", "OPERATORS", "OVER_TARGET", "Cause", "Closing", "Condition",
    "Deadline", "Finding", "Fit", "Guidance", "KnowledgeBase", "Letters", "Message", "PartsRule", "Platform", "Refusal",
    "Remedy", "Rule", "Source", "Symptom", "Term",
    "Threshold", "Where", "check_knowledge", "check_letters", "default_root", "display_path", "knowledge_files",
    "letter_facts", "load_knowledge", "schema_finding", "schema_validator", "suggest", "template_files",
]


def load_knowledge(root: Optional[os.PathLike] = None, use_cache: bool = True) -> KnowledgeBase:
    """Load, check and return the knowledge base under ``root`` (default: the shipped one).

    Raises :class:`KnowledgeBaseError` carrying every error-level finding. With ``use_cache``, a
    knowledge base this process loaded before is returned while none of its files or folders
    has changed (a stat of each: no hashing), else the on-disk cache keyed by the files'
    content is tried before the files themselves.
    """
    root_path = Path(root) if root is not None else default_root()
    loaded = _LOADED.get(str(root_path)) if use_cache else None
    if loaded is not None and _stat_signature(loaded.watched) == loaded.signature:
        return loaded.kb
    knowledge, rules = knowledge_files(root_path)
    files = knowledge + rules + template_files(root_path)
    watched = files + [Path(folder) for top in (root_path / "knowledge", root_path / "rules")
                       for folder, _, _ in os.walk(top)]
    signature = _stat_signature(watched)  # taken before hashing: a change made meanwhile shows next time
    digest = _digest(root_path, files)
    kb = _read_cache(digest, root_path) if use_cache else None
    if kb is None:
        checks = CheckCache.load() if use_cache else None
        kb, findings = check_knowledge(root_path, knowledge, rules, digest, checks)
        if checks is not None:
            checks.save()
        errors = [f for f in findings if f.level == "error"]
        if errors:
            raise KnowledgeBaseError(
                f"the knowledge base has {len(errors)} error(s); run 'diagnose kb validate' for all findings",
                findings=errors)
        if use_cache:
            _write_cache(digest, kb)
    if use_cache:
        _LOADED[str(root_path)] = _Loaded(kb, watched, signature)
    return kb


def check_knowledge(root: Path, knowledge: List[Path], rules: List[Path], digest: str = "",
                    checks: Optional[CheckCache] = None) -> Tuple[Optional[KnowledgeBase], List[Finding]]:
    """Parse, schema-check and cross-check every file; return the KB (None if unusable) and findings.

    With ``checks``, what a file's own checks (parse, schema, template syntax) found is taken
    from it for a file of the same content checked before; the checks across files always run.
    """
    builder = _Builder(root, digest or _digest(root, knowledge + rules + template_files(root)))
    for path in knowledge:
        builder.read(path, "knowledge", checks)
    for path in rules:
        builder.read(path, "rules", checks)
    kb, findings = builder.finish()
    letter_findings = check_letters(root, kb, checks)
    if any(f.level == "error" for f in letter_findings):
        kb = None
    return kb, findings + letter_findings
