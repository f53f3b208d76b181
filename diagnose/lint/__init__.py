"""Semantic checks on a loaded knowledge base: ``diagnose kb lint``.

Validation (:func:`knowledge.check_knowledge`) makes sure every file is well formed and every
id resolves. The linter looks at what the knowledge *means*: rules that can never fire,
vocabulary nothing uses, causes without a full Plan of Action, untranslated text, cycles, and
the durable-rules engine limits (durable-rules-notes §2.8), warned about well before they bite.

Each check is a small class with an id, a level, a one-line summary and a passing and a
failing example (files to add to a knowledge base; the test suite runs them). Findings can be
suppressed one by one in ``knowledge/lint.yaml``, each with a reason::

    suppress:
      - {check: unused-fact, id: seller_since, reason: "asked by the interview only"}
"""
from __future__ import annotations

from pathlib import Path
from typing import List

from ..knowledge import LINT_FILE, Finding, KnowledgeBase, display_path
from .base import Check, LintContext, LintFinding
from .engine_limits import EngineFactConditions, EngineIdenticalConditions, EngineLimit, EnginePropertyValues
from .logic import ContradictoryConditions, DerivationCycle, NegatedDerivedSymptom, ShadowedRule, UnderivedSymptom
from .references import CauseRemedies, UnconcludedCause, UnusedFact, UnusedRemedy, UnusedSource
from .registry import CHECK_IDS, CHECKS
from .suppressions import SUPPRESSION, UNUSED_SUPPRESSION, Suppression, read_suppressions
from .texts import MODELINE, SchemaModeline, Translation

__all__ = [
    "CHECKS", "CHECK_IDS", "MODELINE", "SUPPRESSION", "UNUSED_SUPPRESSION", "Check", "LintContext", "LintFinding",
    "Suppression", "lint", "read_suppressions",
    "ContradictoryConditions", "UnderivedSymptom", "NegatedDerivedSymptom", "DerivationCycle", "ShadowedRule",
    "UnusedFact", "UnconcludedCause", "CauseRemedies", "UnusedRemedy", "UnusedSource", "Translation",
    "SchemaModeline", "EngineLimit", "EngineFactConditions", "EngineIdenticalConditions", "EnginePropertyValues",
]


def lint(kb: KnowledgeBase, root: Path) -> List[Finding]:
    """Run every check on a loaded knowledge base; suppressed findings are left out.

    Findings come sorted by file, line and column; a suppression that silenced nothing is
    itself reported, so stale ones get cleaned up.
    """
    ctx = LintContext(kb, root)
    suppressions, findings = read_suppressions(root)
    used = set()
    for check in CHECKS:
        for result in check.run(ctx):
            match = next((s for s in suppressions if s.check == check.id and s.id == result.subject), None)
            if match is None:
                findings.append(result.finding)
            else:
                used.add(match)
    lint_path = display_path(root / "knowledge" / LINT_FILE)
    for suppression in suppressions:
        if suppression not in used:
            findings.append(Finding(lint_path, suppression.line, 1, "warning",
                                    f"the suppression of {suppression.check} for '{suppression.id}' matches no finding",
                                    UNUSED_SUPPRESSION))
    return sorted(set(findings), key=lambda f: (f.path, f.line or 0, f.column or 0, f.check, f.message))
