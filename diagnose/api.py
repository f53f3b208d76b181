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
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import msgspec

from .engine import Engine
from .facts import SellerFacts, validate_facts
from .knowledge import KnowledgeBase, default_root, load_knowledge
from .ranking import Diagnosis, rank
from .watch import FolderWatch, available, watch


class Diagnoser:
    """A loaded knowledge base with its engine; reuse it for many diagnoses."""

    def __init__(self, kb: KnowledgeBase) -> None:
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


class _Current(msgspec.Struct):
    diagnoser: Diagnoser
    watch: Optional[FolderWatch]  # None where inotify is not available: the files are checked instead


_current: Dict[str, _Current] = {}  # by knowledge-base folder (absolute), the shipped one included
_lock = threading.Lock()


def get_diagnoser(kb_root: Optional[Union[str, os.PathLike]] = None) -> Diagnoser:
    """The cached :class:`Diagnoser` for a knowledge-base folder (default: the shipped one).

    An edited, added or removed knowledge file is seen at the next call. While nothing changed,
    the check costs one non-blocking read of the folders' change queue (inotify, on Linux), or
    else a ``stat`` of each file.
    """
    key = os.path.abspath(kb_root if kb_root is not None else default_root())
    with _lock:
        current = _current.get(key)
        if current is not None and current.watch is not None and current.watch.unchanged():
            return current.diagnoser
    root = Path(key)
    # From the second call for a folder on, watch it (started before the check: a change made
    # meanwhile shows next time); a command-line run loads once and needs no watch.
    folder_watch = watch(_folders(root), top_names=("knowledge", "rules")) if current and available() else None
    try:
        kb = load_knowledge(kb_root)
    except BaseException:
        if folder_watch is not None:
            folder_watch.close()
        raise
    with _lock:
        previous = _current.get(key)
        if previous is not None and previous.diagnoser.kb.version == kb.version and previous.diagnoser.kb.root == kb.root:
            diagnoser = previous.diagnoser  # touched, not changed: keep its engine
        else:
            diagnoser = Diagnoser(kb)
        if previous is not None and previous.watch is not None:
            previous.watch.close()
        _current[key] = _Current(diagnoser, folder_watch)
        return diagnoser


def _folders(root: Path) -> List[str]:
    """The knowledge root and every folder of its knowledge and rules."""
    folders = [str(root)]
    for top in (root / "knowledge", root / "rules"):
        folders.extend(folder for folder, _, _ in os.walk(top))
    return folders


def diagnose(facts: Dict[str, Any], kb_root: Optional[Union[str, os.PathLike]] = None) -> Diagnosis:
    """Diagnose one seller from a mapping of fact id → value (strings like "3.1%" are fine)."""
    return get_diagnoser(kb_root).run(facts)
