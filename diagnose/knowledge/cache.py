"""The knowledge caches: on disk, keyed by the files' content, and in this process, by their stat.

A cache file holds the SHA-256 of its pickle, then the pickle: a file edited, truncated or
planted under the same name is found out and rebuilt. It is read like any other file (regular,
bounded, never blocking: a FIFO at its path is ignored) and written atomically without leaving
a temporary file behind (a folder at its path, a full disk: the cache is simply not kept).
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import msgspec

from .. import __version__
from ..fileio import FileProblem, atomic_write, read_regular
from .files import KNOWLEDGE_FILE_LIMIT, TEMPLATE_FILE_LIMIT
from .model import KnowledgeBase

CACHE_KEEP = 8  # knowledge caches kept on disk (the most recently used)
CACHE_FILE_LIMIT = 256_000_000  # far above any knowledge base the file limits allow


class _Loaded(msgspec.Struct, frozen=True):
    kb: KnowledgeBase
    watched: List[Path]  # its files and every folder (a file added or removed changes a folder)
    signature: tuple


_CHECKSUM = hashlib.sha256().digest_size  # the bytes of the pickle's SHA-256 before it
_LOADED: Dict[str, _Loaded] = {}  # this process's loads, by knowledge-base folder


def _stat_signature(paths: List[Path]) -> tuple:
    """What changes when any of ``paths`` is written, replaced, added to or removed."""
    signature = []
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            signature.append(None)
        else:
            signature.append((status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns))
    return tuple(signature)


def _digest(root: Path, paths: List[Path]) -> str:
    """The knowledge version: each file's path relative to ``root`` and its content, so the same
    files give the same version wherever they lie (a wheel, a checkout, a copy)."""
    hasher = hashlib.sha256(__version__.encode())
    for relative, path in sorted((_relative(root, path), path) for path in paths):
        hasher.update(b"\0" + relative.encode("utf-8", "surrogateescape") + b"\0")
        limit = TEMPLATE_FILE_LIMIT if path.suffix == ".j2" else KNOWLEDGE_FILE_LIMIT
        try:  # the whole file: a file over its limit is refused when loaded, so never cached
            content = read_regular(path, limit)
            hasher.update(str(len(content)).encode() + b"\0" + content)
        except FileProblem as exc:
            hasher.update(b"<refused>" + exc.message.encode())
    return hasher.hexdigest()


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _cache_path(digest: str, root: Path) -> Path:
    """The cache file of a knowledge version loaded from ``root`` (the loaded knowledge names its
    folder) by this code (a change to the code that builds the records makes a new cache)."""
    folder = hashlib.sha256(os.path.abspath(root).encode("utf-8", "surrogateescape")).hexdigest()
    return _cache_folder() / f"kb-{digest[:32]}-{folder[:16]}-{_code_stamp()}.pickle"


def _cache_folder() -> Path:
    return Path(os.environ.get("DIAGNOSE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "seller-diagnose"))


@functools.lru_cache(maxsize=None)
def _code_stamp() -> str:
    """A hash of the modules that define and build the cached records (read once per process)."""
    package = Path(__file__).resolve().parent.parent
    hasher = hashlib.sha256(__version__.encode())
    for path in sorted(package.glob("knowledge/*.py")) + [package / "vocabulary.py", package / "operators.py"]:
        try:
            hasher.update(path.read_bytes())
        except OSError:  # an installation without sources: the package version alone
            pass
    return hasher.hexdigest()[:12]


def _read_cache(digest: str, root: Path) -> Optional[KnowledgeBase]:
    if os.environ.get("DIAGNOSE_NO_CACHE"):
        return None
    path = _cache_path(digest, root)
    try:
        data = read_regular(path, CACHE_FILE_LIMIT)
        checksum, pickled = data[:_CHECKSUM], data[_CHECKSUM:]
        if hashlib.sha256(pickled).digest() != checksum:
            return None  # edited, truncated or planted: rebuilt
        kb = _CacheUnpickler(io.BytesIO(pickled)).load()
    except Exception:  # a missing, stale or damaged cache is simply rebuilt
        return None
    if not (isinstance(kb, KnowledgeBase) and kb.version == digest[:12] and kb.root == str(root)):
        return None
    try:
        os.utime(path)  # recently used: pruning keeps it
    except OSError:
        pass
    return kb


class _CacheUnpickler(pickle.Unpickler):
    """Unpickles knowledge-base classes and nothing else: a planted cache file cannot run code."""

    _FUNCTIONS = {("diagnose.yamlsafe", "_rebuild_mapping"), ("diagnose.yamlsafe", "_rebuild_sequence"),
                  ("datetime", "date"), ("datetime", "datetime")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._FUNCTIONS:
            return super().find_class(module, name)
        if module in ("diagnose.knowledge.model", "diagnose.vocabulary") and name.isidentifier():
            found = super().find_class(module, name)
            if isinstance(found, type) and issubclass(found, msgspec.Struct):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a knowledge base")


def _write_cache(digest: str, kb: KnowledgeBase) -> None:
    if os.environ.get("DIAGNOSE_NO_CACHE"):
        return
    path = _cache_path(digest, Path(kb.root))
    pickled = pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, hashlib.sha256(pickled).digest() + pickled, durable=False)
        _prune_cache(path.parent)
    except (OSError, FileProblem):
        pass  # a read-only home, a full disk, a folder in the way: that only costs speed


def _prune_cache(folder: Path) -> None:
    """Keep the CACHE_KEEP most recently used knowledge caches in ``folder``: every edit of a
    knowledge base makes a new one, and nothing else would ever remove the old."""
    by_use = sorted(((entry.stat().st_mtime_ns, entry) for entry in folder.glob("kb-*.pickle")), reverse=True)
    for _, stale in by_use[CACHE_KEEP:]:
        try:
            stale.unlink(missing_ok=True)
        except OSError:
            pass  # not ours to remove (a folder of that name): left alone


# ---------------------------------------------------------------------------------------------
# What each file's own checks found, by its content: an edit re-checks only the edited file.

CHECKS_KEEP = 5000  # records kept (each file's and each letter sentence's, most recently used)


class CheckCache:
    """The records of per-file checks (a file's parse and schema findings, a template's parse),
    each under a key made of its kind and its content's SHA-256. Read from and written to one
    cache file; a record that is missing, damaged or of another shape is simply checked again
    (the caller validates each record's shape)."""

    def __init__(self, records: Optional[Dict[str, Any]] = None, path: Optional[Path] = None) -> None:
        self._stored = records or {}
        self._used: Dict[str, Any] = {}
        self._path = path

    @classmethod
    def load(cls) -> "CheckCache":
        """The check cache of this code and these libraries, empty if none (or caching is off)."""
        if os.environ.get("DIAGNOSE_NO_CACHE"):
            return cls()
        path = _cache_folder() / f"checks-{_library_stamp()}-{_code_stamp()}.pickle"
        try:
            data = read_regular(path, CACHE_FILE_LIMIT)
            checksum, pickled = data[:_CHECKSUM], data[_CHECKSUM:]
            records = _CacheUnpickler(io.BytesIO(pickled)).load() if hashlib.sha256(pickled).digest() == checksum else {}
        except Exception:  # missing, damaged or planted: every file is checked again
            records = {}
        return cls(records if isinstance(records, dict) else {}, path)

    @staticmethod
    def key(kind: str, content: Union[str, bytes]) -> str:
        """The key of a record: the check's kind and the SHA-256 of what it checked."""
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        return kind + ":" + hashlib.sha256(data).hexdigest()

    def get(self, key: str) -> Any:
        """The record stored under ``key``, or None."""
        record = self._used.get(key)
        if record is None:
            record = self._stored.get(key)
            if record is not None:
                self._used[key] = record
        return record

    def put(self, key: str, record: Any) -> None:
        self._used[key] = record

    def save(self) -> None:
        """Write the records used now, then the most recent others, if anything new was checked."""
        if self._path is None or all(key in self._stored for key in self._used):
            return
        others = [(key, record) for key, record in self._stored.items() if key not in self._used]
        kept = dict(others[max(0, len(others) + len(self._used) - CHECKS_KEEP):])
        kept.update(self._used)  # the most recently used last
        try:
            pickled = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
            self._path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self._path, hashlib.sha256(pickled).digest() + pickled, durable=False)
            for stale in self._path.parent.glob("checks-*.pickle"):
                if stale != self._path:
                    stale.unlink(missing_ok=True)
        except (OSError, FileProblem, pickle.PicklingError, RecursionError):
            pass  # a read-only home, a full disk: that only costs speed


@functools.lru_cache(maxsize=None)
def _library_stamp() -> str:
    """What else decides the checks' findings: the shipped schemas, and the installed YAML, JSON
    Schema and Jinja2 packages (their files' sizes and times: an upgrade rewrites them)."""
    import importlib.util

    from .files import default_root

    hasher = hashlib.sha256()
    for path in sorted((default_root() / "knowledge" / "schemas").glob("*.json")):
        try:
            hasher.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            hasher.update(path.name.encode() + b"\0<unreadable>")
    for package in ("yaml", "jsonschema", "jinja2"):
        try:
            status = os.stat(importlib.util.find_spec(package).origin)
            hasher.update(f"{package}:{status.st_size}:{status.st_mtime_ns}".encode())
        except (AttributeError, ImportError, OSError, TypeError, ValueError):
            hasher.update(f"{package}:?".encode())
    return hasher.hexdigest()[:12]
