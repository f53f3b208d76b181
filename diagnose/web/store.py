"""The workspace: a folder of case files, the format ``diagnose interview --save`` writes.

A case's name is its file name without ``.yaml``, checked against :data:`NAME` before it comes
near a path; the file must be a regular file directly inside the folder (no symbolic links).
Writes go through :func:`~diagnose.casefile.save_case` (atomic), each raising the case's
``version``: a form made from an older version is refused rather than applied over newer answers.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

import msgspec

from ..api import Diagnoser
from ..casefile import Case, load_case, save_case
from ..errors import DiagnoseError, InputError
from ..interview import Session
from ..ranking import Diagnosis
from ..tracking import Diagnosed, Tracking

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
SUFFIX = ".yaml"
SESSIONS_KEPT = 16  # interview sessions kept in memory (a session is a pure function of its answers)


class NoSuchCase(LookupError):
    """A case name that is not acceptable, or names no case file of the workspace."""


class Workspace:
    """The case files of one folder, with the interview sessions and list rows derived from them.

    Callers hold :attr:`lock` around a read-check-write sequence (the server is threaded).
    """

    def __init__(self, folder: str) -> None:
        self.folder = os.path.realpath(folder)
        if not os.path.isdir(self.folder):
            raise InputError(f"the workspace {folder} is not a folder")
        self.lock = threading.RLock()
        self._sessions: "OrderedDict[tuple, Session]" = OrderedDict()
        self._rows: Dict[str, Tuple[tuple, Any]] = {}

    # -- names and paths -------------------------------------------------------------------------
    def path(self, name: str, exists: bool = True) -> str:
        """The file of case ``name``; :class:`NoSuchCase` unless the name is acceptable and (with
        ``exists``) a regular file of that name lies in the folder itself."""
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise NoSuchCase(name)
        path = os.path.join(self.folder, name + SUFFIX)
        if os.path.islink(path) or os.path.realpath(path) != path:
            raise NoSuchCase(name)
        if exists and not os.path.isfile(path):
            raise NoSuchCase(name)
        return path

    def rows(self, diagnoser: Diagnoser) -> List[Tuple[str, Optional[Case], Optional[Diagnosis], str]]:
        """(name, case, diagnosis, problem) of every case still there (see :meth:`row`)."""
        found = []
        for name in self.names():
            try:
                found.append((name, *self.row(name, diagnoser)))
            except NoSuchCase:
                continue
        return found

    def names(self) -> List[str]:
        """Every case of the workspace, by name."""
        names = []
        with os.scandir(self.folder) as entries:
            for entry in entries:
                stem = entry.name[:-len(SUFFIX)]
                if entry.name.endswith(SUFFIX) and NAME.fullmatch(stem) and entry.is_file(follow_symlinks=False):
                    names.append(stem)
        return sorted(names)

    def new_name(self) -> str:
        """``case-<local time>``, numbered if that name is taken (as ``diagnose interview`` does)."""
        stem = f"case-{_dt.datetime.now():%Y%m%d-%H%M%S}"
        name, number = stem, 1
        while os.path.lexists(os.path.join(self.folder, name + SUFFIX)):
            number += 1
            name = f"{stem}-{number}"
        return name

    # -- reading ---------------------------------------------------------------------------------
    def load(self, name: str, diagnoser: Diagnoser) -> Case:
        """The validated case file (raises :class:`~diagnose.errors.InputError` naming file and line)."""
        return load_case(self.path(name), diagnoser.kb)

    def session(self, diagnoser: Diagnoser, case: Case) -> Session:
        """The interview session of ``case``'s answers, taken from memory when known; hand it back
        with :meth:`keep` once done (answering changes it)."""
        key = (diagnoser.kb.root, diagnoser.kb.version, tuple(case.history()))
        found = self._sessions.pop(key, None)
        return found if found is not None else Session(diagnoser, case.history())

    def keep(self, session: Session) -> None:
        """Remember ``session`` under its current answers."""
        kb = session.kb
        self._sessions[(kb.root, kb.version, tuple(session.history))] = session
        while len(self._sessions) > SESSIONS_KEPT:
            self._sessions.popitem(last=False)

    def row(self, name: str, diagnoser: Diagnoser) -> Tuple[Optional[Case], Optional[Diagnosis], str]:
        """A case for the list: the case, its diagnosis (None before the platform is known) and the
        problem that kept it from loading ("" if none); kept while the file is unchanged."""
        path = self.path(name)
        try:
            info = os.stat(path)
        except FileNotFoundError:  # removed since it was listed
            raise NoSuchCase(name) from None
        stamp = (info.st_mtime_ns, info.st_size, diagnoser.kb.root, diagnoser.kb.version)
        cached = self._rows.get(name)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            case = load_case(path, diagnoser.kb)
            diagnosis = diagnoser.run(dict(case.values, unknown=list(case.unknown)), path) \
                if "platform" in case.values else None
            found: Tuple[Optional[Case], Optional[Diagnosis], str] = (case, diagnosis, "")
        except DiagnoseError as exc:
            found = (None, None, str(exc))
        self._rows[name] = (stamp, found)
        return found

    # -- writing ---------------------------------------------------------------------------------
    def save(self, name: str, session: Session, tracking: Tracking, header: str, exists: bool = True) -> Tracking:
        """Write the session's answers and ``tracking`` (its version raised, the diagnosis added to
        its history if it changed) to case ``name``; return the tracking written."""
        path = self.path(name, exists)
        if not exists and os.path.lexists(path):
            raise InputError(f"a case named {name} already exists")
        tracking = msgspec.structs.replace(tracking, version=tracking.version + 1,
                                           history=_with_diagnosis(tracking.history, session))
        save_case(path, session.case(), header, tracking)
        self.keep(session)
        return tracking


def _with_diagnosis(history: Tuple[Diagnosed, ...], session: Session) -> Tuple[Diagnosed, ...]:
    """``history`` and, if it differs from the last entry, the session's diagnosis now (from its
    first root cause on)."""
    diagnosis = session.diagnosis
    top = diagnosis.causes[0] if diagnosis and diagnosis.causes else None
    if diagnosis is None or (top is None and not history):
        return history
    entry = Diagnosed(_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
                      diagnosis.knowledge_version, top.id if top else None, top.certainty if top else 0.0)
    last = history[-1] if history else None
    if last is not None and (last.knowledge, last.top, last.certainty) == (entry.knowledge, entry.top, entry.certainty):
        return history
    return history + (entry,)
