"""Checks on text and files: translations and each file's schema line."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator, Optional, Tuple

from ..knowledge import LINT_FILE, Finding, KnowledgeBase, Where, display_path, knowledge_files
from .base import KB_HEAD, Check, LintContext, LintFinding

MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _texts(kb: KnowledgeBase) -> Iterator[Tuple[str, Where, str, Any]]:
    """(owner id, where, field key, {en, zh}) for every bilingual text in the knowledge base."""
    for fact in kb.facts.values():
        yield fact.id, fact.where, "question", fact.question
        yield fact.id, fact.where, "help", fact.help
        for index, (_, label) in enumerate(fact.choices):
            yield fact.id, fact.where, f"choices.{index}.label", label
    for table, fields in ((kb.symptoms, ("title", "description")), (kb.causes, ("title", "explanation", "letter")),
                          (kb.remedies, ("text", "letter", "plan")), (kb.guidance, ("text",)), (kb.messages, ("text",)),
                          (kb.platforms, ("name", "appeal"))):
        for item in table.values():
            for name in fields:
                yield item.id, item.where, name, getattr(item, name)
    for cause in kb.causes.values():
        for index, text in enumerate(cause.evidence):
            yield cause.id, cause.where, f"evidence.{index}", text
    for platform in kb.platforms.values():
        for threshold in platform.thresholds:
            yield threshold.id, threshold.where, "note", threshold.note
    for rule in kb.rules.values():
        if not rule.generated_from:
            yield rule.id, rule.where, "title", rule.title


class Translation(Check):
    id = "translation"
    summary = ("A text whose English or Chinese is blank, the same in both languages (for a phrase, "
               "not a name), or a Chinese version without Chinese characters.")
    suppress_by = "the id of the item holding the text"
    failing = {"knowledge/example.yaml": KB_HEAD + """\
symptoms:
  - id: slow_replies
    title: {en: "Buyer messages wait too long", zh: "Buyer messages wait too long"}
"""}
    passing = {"knowledge/example.yaml": KB_HEAD + """\
symptoms:
  - id: slow_replies
    title: {en: "Buyer messages wait too long", zh: "买家消息等待太久"}
"""}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        for owner, where, key, text in _texts(ctx.kb):
            if not text:
                continue
            en, zh = text.get("en", "").strip(), text.get("zh", "").strip()
            if not en or not zh:
                problem = f"the {'English' if not en else 'Chinese'} text is blank"
            elif en == zh and " " in en:
                problem = "the English and Chinese texts are the same"
            elif not _CJK.search(zh) and len(en.split()) >= 3:
                problem = "the Chinese text has no Chinese characters"
            else:
                continue
            yield self.found(owner, where, key, f"'{owner}' {key}: {problem}")


def _schema_kind(path: Path, root: Path) -> str:
    if path.parent == root / "knowledge" and path.name == LINT_FILE:
        return "lint"
    return "rules" if (root / "rules") in path.parents else "knowledge"


class SchemaModeline(Check):
    id = "schema-modeline"
    summary = ("A knowledge file without a '# yaml-language-server: $schema=...' line naming its schema, "
               "so editors cannot complete and check it.")
    suppress_by = "the file's path inside the knowledge base, e.g. knowledge/facts.yaml"
    passing = {"knowledge/example.yaml": KB_HEAD + """\
symptoms:
  - id: slow_replies
    title: {en: "Buyer messages wait too long", zh: "买家消息等待太久"}
"""}
    failing = {"knowledge/example.yaml": passing["knowledge/example.yaml"][len(KB_HEAD):]}

    def run(self, ctx: LintContext) -> Iterator[LintFinding]:
        knowledge, rules = knowledge_files(ctx.root)
        lint_file = ctx.root / "knowledge" / LINT_FILE
        for path in knowledge + rules + ([lint_file] if lint_file.is_file() else []):
            kind = _schema_kind(path, ctx.root)
            expected = f"{kind}.schema.json"
            wanted = os.path.relpath(ctx.root / "knowledge" / "schemas" / expected, path.parent)
            subject = path.relative_to(ctx.root).as_posix()
            shown = display_path(path)
            line, target = _modeline(path)
            if target is None:
                problem = f"no schema line; add '# yaml-language-server: $schema={wanted}' as the first line"
            elif target.rpartition("/")[2] != expected:
                problem = f"the schema line names '{target}'; a {kind} file needs {expected} ('{wanted}')"
            elif not re.match(r"^https?://", target) and not (path.parent / target).is_file():
                problem = f"the schema line names '{target}', which does not exist; use '{wanted}'"
            else:
                continue
            yield LintFinding(subject, Finding(shown, line, 1, self.level, problem, self.id))


def _modeline(path: Path) -> Tuple[int, Optional[str]]:
    """(line, schema target) of a file's yaml-language-server line, or (1, None)."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            match = MODELINE.match(line.strip())
            if match:
                return number, match.group(1)
    return 1, None

