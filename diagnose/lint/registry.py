"""The checks ``diagnose kb lint`` runs, in order: ``--list`` shows them in this order."""
from __future__ import annotations

from typing import Dict, Tuple

from .base import Check
from .engine_limits import EngineFactConditions, EngineIdenticalConditions, EnginePropertyValues
from .glossary import FactTerms, GlossaryTerms
from .letters import RemedyLetterWording, RemedyPlanWording
from .logic import ContradictoryConditions, DerivationCycle, NegatedDerivedSymptom, ShadowedRule, UnderivedSymptom
from .reach import SingleSymptomReach
from .references import CauseRemedies, UnconcludedCause, UnusedFact, UnusedRemedy, UnusedSource
from .texts import SchemaModeline, Translation

CHECKS: Tuple[Check, ...] = (
    ContradictoryConditions(), UnderivedSymptom(), NegatedDerivedSymptom(), DerivationCycle(), ShadowedRule(), UnusedFact(),
    SingleSymptomReach(), UnconcludedCause(), CauseRemedies(), RemedyLetterWording(), RemedyPlanWording(),
    UnusedRemedy(), UnusedSource(), Translation(),
    GlossaryTerms(), FactTerms(), SchemaModeline(),
    EngineFactConditions(), EngineIdenticalConditions(), EnginePropertyValues(),
)
CHECK_IDS: Dict[str, Check] = {check.id: check for check in CHECKS}
