"""The library API: facts in, a :class:`~diagnose.ranking.Diagnosis` out.

>>> from diagnose import diagnose
>>> result = diagnose({"platform": "amazon", "cancel_rate": "4%", "out_of_stock_often": True})
>>> result.causes[0].id
'chronic_stockout'

The CLI renders exactly this object. Nothing carries over between calls except the loaded
knowledge base and its compiled rulesets, which are cached per knowledge-base folder.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Dict, Optional, Union

from .engine import Engine
from .facts import SellerFacts, validate_facts
from .knowledge import KnowledgeBase, load_knowledge
from .ranking import Diagnosis, rank


class Diagnoser:
    """A loaded knowledge base with its engine; reuse it for many diagnoses."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.engine = Engine(kb)

    def run(self, facts: Union[SellerFacts, Dict[str, Any]], source: str = "<facts>") -> Diagnosis:
        """Diagnose one seller; raw dictionaries are validated first (raises InputError)."""
        seller = facts if isinstance(facts, SellerFacts) else validate_facts(facts, self.kb, source)
        firings = self.engine.infer(seller.platform, seller.values)
        return rank(self.kb, seller, firings)

    def run_facts(self, facts: Dict[str, Any], source: str = "<facts>") -> set:
        """The ids of every rule that fires for raw ``facts`` (for knowledge tests)."""
        seller = validate_facts(facts, self.kb, source)
        return {firing.rule for firing in self.engine.infer(seller.platform, seller.values)}


_diagnosers: Dict[str, Diagnoser] = {}
_lock = threading.Lock()


def get_diagnoser(kb_root: Optional[Union[str, os.PathLike]] = None) -> Diagnoser:
    """The cached :class:`Diagnoser` for a knowledge-base folder (default: the shipped one).

    The cache is keyed by the folder and the knowledge version, so an edited working copy
    is picked up at once.
    """
    kb = load_knowledge(kb_root)
    key = f"{kb.root}|{kb.version}"
    with _lock:
        if key not in _diagnosers:
            _diagnosers[key] = Diagnoser(kb)
        return _diagnosers[key]


def diagnose(facts: Dict[str, Any], kb_root: Optional[Union[str, os.PathLike]] = None) -> Diagnosis:
    """Diagnose one seller from a mapping of fact id → value (strings like "3.1%" are fine)."""
    return get_diagnoser(kb_root).run(facts)
