"""Checks of the letter templates (``knowledge/letters``) and the letter sentences of causes and remedies.

They are part of the knowledge: :func:`check_knowledge` runs :func:`check_letters`, and the
linter asks :func:`letter_facts` which facts the letters read. :mod:`diagnose.letters` renders
them in the same sandboxed environment (:func:`environment`), with the names in ``CONTEXT_NAMES``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from .files import LETTER_DIR, display_path, template_files
from .model import Finding, KnowledgeBase, suggest

LANGS = ("en", "zh")
MESSAGES = ("feedback-removal", "atoz-withdrawal", "follow-up")
# Words that would offer the buyer something for removing feedback (a violation in itself).
INCENTIVE_WORDS = ("coupon", "discount", "voucher", "gift", "reward", "free", "bonus", "cashback",
                   "in exchange", "in return")
# Every name a template or a letter sentence may use.
CONTEXT_NAMES = frozenset({
    "fact", "has", "value", "heading", "lang", "markdown", "platform", "platform_name", "causes",
    "families", "documents", "figures", "today", "passed", "review_date", "dispute_deadline", "fulfilment", "feedback_reason",
})


def environment(root: str):
    """The sandboxed Jinja2 environment for the letter templates under ``root``."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(Path(root) / LETTER_DIR)),
                                undefined=jinja2.StrictUndefined, autoescape=False,
                                trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def check_letters(root: Path, kb: Optional[KnowledgeBase]) -> List[Finding]:
    """Every letter template and letter sentence parses and uses only known names and facts.

    Also: each platform letter and each message exists in every language, and no English
    message offers the buyer anything (an incentive for removing feedback is itself a violation).
    """
    folder = Path(root) / LETTER_DIR
    if not folder.is_dir():
        return []
    findings: List[Finding] = []
    env = environment(str(root))
    facts = kb.facts if kb is not None else None
    for path in template_files(root):
        shown = display_path(path)
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            findings.append(Finding(shown, 1, 1, "error", f"cannot read the template: {exc}", "letter-template"))
            continue
        findings += _check_source(env, source, shown, 0, facts)
        for name in _referenced_templates(env, source):
            if not (folder / name).is_file():
                findings.append(Finding(shown, 1, 1, "error", f"extends or includes the missing template '{name}'",
                                        "letter-template"))
        if path.parent.name == "messages" and ".en." in path.name:
            findings += _check_incentives(source, shown)
    wanted = [f"{p}.{lang}.txt.j2" for p in (kb.platforms if kb is not None else ()) for lang in LANGS]
    wanted += [f"messages/{m}.{lang}.txt.j2" for m in MESSAGES for lang in LANGS]
    for name in wanted:
        if not (folder / name).is_file():
            findings.append(Finding(display_path(folder), 1, 1, "error", f"the template {name} is missing", "letter-template"))
    if kb is not None:
        owners = [(c.id, c.letter, c.where) for c in kb.causes.values()]
        owners += [(r.id, r.letter, r.where) for r in kb.remedies.values()]
        for owner, letter, where in owners:
            for lang, text in (letter or {}).items():
                for finding in _check_source(env, text, where.path, (where.line or 1) - 1, facts):
                    findings.append(Finding(finding.path, finding.line, finding.column, finding.level,
                                            f"'{owner}' letter ({lang}): {finding.message}", finding.check))
    return findings


def _check_source(env, source: str, path: str, offset: int, facts) -> List[Finding]:
    import jinja2
    from jinja2 import meta, nodes

    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [Finding(path, offset + (exc.lineno or 1), 1, "error", f"template syntax: {exc.message}",
                        "letter-template")]
    findings = []
    for name in sorted(meta.find_undeclared_variables(tree) - CONTEXT_NAMES):
        findings.append(Finding(path, offset + _line_of(tree, name), 1, "error",
                                f"unknown template variable '{name}'{suggest(name, CONTEXT_NAMES)}", "letter-template"))
    if facts is not None:
        for name, line in _fact_calls(tree):
            if name not in facts:
                findings.append(Finding(path, offset + line, 1, "error",
                                        f"unknown fact '{name}'{suggest(name, facts)}", "letter-template"))
    return findings


def _fact_calls(tree) -> Iterator[Tuple[str, int]]:
    """(fact id, line) for every ``fact("…")`` or ``has("…")`` call with a constant name."""
    from jinja2 import nodes

    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in ("fact", "has", "value") and call.args \
                and isinstance(call.args[0], nodes.Const):
            yield call.args[0].value, call.lineno


def letter_facts(root: Path, kb: KnowledgeBase) -> set:
    """The facts the letter templates and letter sentences read, and those that decide which
    remedies, documents, next steps and deadlines fit a case (for the unused-fact lint)."""
    import jinja2

    env = environment(str(root))
    sources = []
    for path in template_files(root):
        try:
            sources.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue  # reported by check_letters
    owners = list(kb.causes.values()) + list(kb.remedies.values())
    sources += [text for owner in owners for text in (owner.letter or {}).values()]
    fits = [r.fit for r in kb.remedies.values()] + [g.fit for g in kb.guidance.values()]
    fits += [d.fit for d in kb.deadlines.values()] + [f for c in kb.causes.values() for f in c.evidence_fits]
    used = {c.name for fit in fits for c in fit.needs + fit.excludes}
    used |= {d.since for d in kb.deadlines.values() if d.since}
    for source in sources:
        try:
            used |= {name for name, _ in _fact_calls(env.parse(source))}
        except jinja2.TemplateSyntaxError:
            continue  # reported by check_letters
    return used


def _referenced_templates(env, source: str) -> List[str]:
    """The templates ``source`` extends, includes or imports by a constant name."""
    import jinja2
    from jinja2 import meta

    try:
        return [name for name in meta.find_referenced_templates(env.parse(source)) if name]
    except jinja2.TemplateSyntaxError:
        return []  # reported by _check_source


def _line_of(tree, name: str) -> int:
    from jinja2 import nodes

    return next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)


def _check_incentives(source: str, path: str) -> List[Finding]:
    findings = []
    for number, line in enumerate(source.splitlines(), 1):
        for word in INCENTIVE_WORDS:
            if re.search(rf"\b{word}\b", line, re.IGNORECASE):
                findings.append(Finding(path, number, 1, "error",
                                        f"'{word}': never offer anything for removing feedback", "letter-incentive"))
    return findings
