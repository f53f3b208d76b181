"""Checks of the letter templates (``knowledge/letters``) and the letter sentences of causes and remedies.

They are part of the knowledge: :func:`check_knowledge` runs :func:`check_letters`, and the
linter asks :func:`letter_facts` which facts the letters read. :mod:`diagnose.letters` renders
them in the same sandboxed environment (:func:`environment`), with the names in ``CONTEXT_NAMES``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Iterator, List, Optional, Tuple

from ..errors import Location
from ..fileio import FileProblem, read_regular
from .files import LETTER_DIR, TEMPLATE_FILE_LIMIT, display_path, outside, template_files
from .cache import CheckCache
from .model import Finding, KnowledgeBase, suggest

if TYPE_CHECKING:  # Jinja2 is imported when a letter is first needed
    from jinja2.nodes import Node, Template
    from jinja2.runtime import Context
    from jinja2.sandbox import SandboxedEnvironment

LANGS = ("en", "zh")
MESSAGES = ("feedback-removal", "atoz-withdrawal", "follow-up")
# Words that would offer the buyer something for removing feedback (a violation in itself).
INCENTIVE_WORDS = ("coupon", "discount", "voucher", "gift", "reward", "free", "bonus", "cashback",
                   "in exchange", "in return")
MAX_LOOP_DEPTH = 2  # causes, then each cause's lines: deeper loops multiply the work
MAX_PRODUCT = 100_000  # items a '*' may make ("-" * 40 draws a rule)
MAX_EXPONENT = 64
# Every name a template or a letter sentence may use.
CONTEXT_NAMES = frozenset({
    "fact", "has", "value", "heading", "lang", "markdown", "platform", "platform_name", "causes",
    "families", "documents", "figures", "today", "passed", "review_date", "dispute_deadline", "fulfilment", "feedback_reason",
})


def environment(root: str) -> SandboxedEnvironment:
    """The sandboxed Jinja2 environment for the letter templates under ``root``: templates are
    read through :func:`read_template` (inside the letters folder only, bounded, regular files)."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    folder = Path(root) / LETTER_DIR

    class LetterLoader(jinja2.BaseLoader):
        def get_source(self, environment: jinja2.Environment, template: str) -> Tuple[str, None, None]:
            path = folder.joinpath(*template.split("/"))
            if ".." in template.split("/") or not path.is_file():
                raise jinja2.TemplateNotFound(template)
            try:
                return read_template(folder, path), None, None
            except FileProblem as exc:
                raise jinja2.TemplateError(exc.message) from None

    class LetterEnvironment(SandboxedEnvironment):
        """Refuses ``*`` and ``**`` that would build a huge string, list or number."""

        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
            sizes = [len(x) for x in (left, right) if isinstance(x, (str, list, tuple))]
            counts = [x for x in (left, right) if isinstance(x, int)]
            if operator == "*" and sizes and counts and max(sizes) * max(counts) > MAX_PRODUCT:
                raise SecurityError(f"'*' would make more than {MAX_PRODUCT:,} items")
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"'**' with an exponent over {MAX_EXPONENT}")
            return super().call_binop(context, operator, left, right)

    from jinja2.exceptions import SecurityError

    return LetterEnvironment(loader=LetterLoader(), undefined=jinja2.StrictUndefined, autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def read_template(folder: Path, path: Path) -> str:
    """A template's text; raises :class:`FileProblem` for a link out of ``folder``, a special or
    oversized file, or one that is not UTF-8."""
    if outside(folder, path):
        raise FileProblem("a link to a file outside the letters folder; not read", Location(display_path(path)))
    data = read_regular(path, TEMPLATE_FILE_LIMIT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem("the template is not UTF-8 text", Location(display_path(path))) from None


class _Sources:
    """What parsing a template source found (see :func:`_parse_record`), each source parsed once
    and, with a :class:`CheckCache`, kept by its content; Jinja2 is imported only to parse."""

    def __init__(self, root: Path, checks: Optional[CheckCache]) -> None:
        self.root, self.checks, self._env = root, checks, None

    def record(self, source: str) -> tuple:
        key = CheckCache.key("letter", source) if self.checks is not None else ""
        found = self.checks.get(key) if self.checks is not None else None
        if _is_parse_record(found):
            return found
        if self._env is None:
            self._env = environment(str(self.root))
        found = _parse_record(self._env, source)
        if self.checks is not None:
            self.checks.put(key, found)
        return found


def _parse_record(env: SandboxedEnvironment, source: str) -> tuple:
    """(syntax error as (line, message) or None, unknown names as (name, line), runaway problems as
    (line, message), fact calls as (fact, line), templates referenced by a constant name)."""
    import jinja2
    from jinja2 import meta

    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return (exc.lineno or 1, exc.message), (), (), (), ()
    unknown = tuple((name, _line_of(tree, name)) for name in sorted(meta.find_undeclared_variables(tree) - CONTEXT_NAMES))
    return (None, unknown, tuple(_runaway(tree)), tuple(_fact_calls(tree)),
            tuple(name for name in meta.find_referenced_templates(tree) if name))


def _is_parse_record(record: Any) -> bool:
    """Whether a cached record has the shape :func:`_parse_record` gives (else it is parsed again)."""
    if not (isinstance(record, tuple) and len(record) == 5 and all(isinstance(part, tuple) for part in record[1:])):
        return False
    error, unknown, runaway, calls, referenced = record
    pairs = (isinstance(error, tuple) and len(error) == 2 and isinstance(error[0], int) and isinstance(error[1], str)
             or error is None)
    return pairs and all(isinstance(item, tuple) and len(item) == 2 for item in unknown + runaway + calls) \
        and all(isinstance(name, str) for name in referenced)


def check_letters(root: Path, kb: Optional[KnowledgeBase], checks: Optional[CheckCache] = None) -> List[Finding]:
    """Every letter template and letter sentence parses and uses only known names and facts.

    Also: each platform letter and each message exists in every language, and no English
    message offers the buyer anything (an incentive for removing feedback is itself a violation).
    With ``checks``, what parsing found is taken from it for sources parsed before.
    """
    folder = Path(root) / LETTER_DIR
    if not folder.is_dir():
        return []
    findings: List[Finding] = []
    env = _Sources(Path(root), checks)
    facts = kb.facts if kb is not None else None
    for path in template_files(root):
        shown = display_path(path)
        try:
            source = read_template(folder, path)
        except FileProblem as exc:
            findings.append(Finding(shown, 1, 1, "error", f"cannot read the template: {exc.message}", "letter-template"))
            continue
        findings += _check_source(env, source, shown, 0, facts)
        for name in env.record(source)[4]:
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
        owners = [(c.id, "letter", c.letter, c.where) for c in kb.causes.values()]
        owners += [(r.id, field, getattr(r, field), r.where) for r in kb.remedies.values() for field in ("letter", "plan")]
        for owner, field, letter, where in owners:
            for lang, text in (letter or {}).items():
                for finding in _check_source(env, text, where.path, (where.line or 1) - 1, facts):
                    findings.append(Finding(finding.path, finding.line, finding.column, finding.level,
                                            f"'{owner}' {field} ({lang}): {finding.message}", finding.check))
    return findings


def _check_source(sources: _Sources, source: str, path: str, offset: int,
                  facts: Optional[Collection[str]]) -> List[Finding]:
    error, unknown, runaway, calls, _ = sources.record(source)
    if error is not None:
        return [Finding(path, offset + error[0], 1, "error", f"template syntax: {error[1]}", "letter-template")]
    findings = []
    for name, line in unknown:
        findings.append(Finding(path, offset + line, 1, "error",
                                f"unknown template variable '{name}'{suggest(name, CONTEXT_NAMES)}", "letter-template"))
    for line, message in runaway:
        findings.append(Finding(path, offset + line, 1, "error", message, "letter-template"))
    if facts is not None:
        for name, line in calls:
            if name not in facts:
                findings.append(Finding(path, offset + line, 1, "error",
                                        f"unknown fact '{name}'{suggest(name, facts)}", "letter-template"))
    return findings


def _runaway(tree: Template) -> Iterator[Tuple[int, str]]:
    """(line, problem) for what would fail or run away when rendered: a private attribute (the
    sandbox refuses it), a loop over range() or loops nested too deep, a macro that calls itself."""
    from jinja2 import nodes

    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            yield node.lineno, f"reads the private attribute '{name}' (the sandbox refuses it)"
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "range":
            yield call.lineno, "loops over range(): a letter loops over the diagnosis' own lists only"

    def deep(node: Node, depth: int) -> Iterator[Tuple[int, str]]:
        for child in node.iter_child_nodes():
            inner = depth + isinstance(child, nodes.For)
            if inner > MAX_LOOP_DEPTH:
                yield child.lineno, f"loops nested more than {MAX_LOOP_DEPTH} deep"
            else:
                yield from deep(child, inner)

    yield from deep(tree, 0)
    macros = {macro.name: macro for macro in tree.find_all(nodes.Macro)}
    calls = {name: {c.node.name for c in macro.find_all(nodes.Call)
                    if isinstance(c.node, nodes.Name) and c.node.name in macros} for name, macro in macros.items()}
    for name, macro in macros.items():
        reached, todo = set(), list(calls[name])
        while todo:
            callee = todo.pop()
            if callee not in reached:
                reached.add(callee)
                todo.extend(calls[callee])
        if name in reached:
            yield macro.lineno, f"the macro '{name}' calls itself (endless recursion)"


def _fact_calls(tree: Template) -> Iterator[Tuple[str, int]]:
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
            sources.append(read_template(Path(root) / LETTER_DIR, path))
        except FileProblem:
            continue  # reported by check_letters
    owners = list(kb.causes.values()) + list(kb.remedies.values())
    sources += [text for owner in owners for text in (owner.letter or {}).values()]
    sources += [text for remedy in kb.remedies.values() for text in (remedy.plan or {}).values()]
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


def _line_of(tree: Template, name: str) -> int:
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
