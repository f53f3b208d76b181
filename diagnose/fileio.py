"""Every file read is bounded and regular, every file written is replaced atomically.

:func:`read_regular` opens without blocking (a FIFO or a device at the path never hangs the
program), checks what it opened (not what the path named a moment before), and reads at most
the limit. :func:`atomic_write` writes a temporary file beside the target, syncs it and renames
it over the target, so a crash, a full disk or ``kill -9`` leaves the old file or the new one,
never a mixture, and never a temporary file behind. Both raise :class:`FileProblem`: one line
naming the file and what went wrong.
"""
from __future__ import annotations

import os
import stat
import tempfile
from typing import Union

from .errors import DiagnoseError, Location

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class FileProblem(DiagnoseError):
    """A file that cannot be read or written as asked (exit code 2); the location names it."""

    exit_code = 2


def read_regular(path: Union[str, os.PathLike], max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``: refuses folders, devices, pipes and sockets,
    and files over ``max_bytes``, without blocking and without reading past the limit."""
    where = Location(os.fspath(path))
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise FileProblem("cannot read file: No such file or directory", where, "error.no_such_file") from None
    except OSError as exc:
        raise FileProblem(f"cannot read file: {exc.strerror or exc}", where, "error.cannot_read",
                          {"reason": exc.strerror or str(exc)}) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("is a directory, not a file", where, "error.is_directory")
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("is not a regular file (a device, pipe or socket)", where, "error.not_regular")
        if info.st_size > max_bytes:
            raise FileProblem(f"file is {info.st_size:,} bytes; the limit is {max_bytes:,}", where, "error.too_large",
                              {"size": f"{info.st_size:,}", "limit": f"{max_bytes:,}"})
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileProblem(f"cannot read file: {exc.strerror or exc}", where, "error.cannot_read",
                          {"reason": exc.strerror or str(exc)}) from None
    finally:
        os.close(fd)
    if size > max_bytes:  # the file grew after fstat()
        raise FileProblem(f"file is over the limit of {max_bytes:,} bytes", where, "error.over_limit",
                          {"limit": f"{max_bytes:,}"})
    return b"".join(chunks)


def atomic_write(path: Union[str, os.PathLike], data: Union[str, bytes], durable: bool = True) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) atomically.

    ``durable`` also syncs the data and the folder to disk (a saved answer, a letter); a cache
    can skip that. On any failure the target is untouched and the temporary file removed. A
    target that is not a regular file (a device such as ``/dev/full``, a pipe, a folder) is
    refused rather than replaced.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None  # no such file (yet): it will be created
    if mode is not None and not stat.S_ISREG(mode):
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a device, pipe or socket)"
        raise FileProblem(f"cannot write the file: it is {what}", Location(path))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as exc:
        raise FileProblem(f"cannot write the file: {exc.strerror or exc}", Location(path)) from None
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise FileProblem(f"cannot write the file: {exc.strerror or exc}", Location(path)) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (not possible on every system: then it is skipped)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_writable_folder(path: Union[str, os.PathLike]) -> None:
    """Raise :class:`FileProblem` unless a file can be created in ``path``'s folder (tried, not
    guessed from permission bits: they do not bind root, and a read-only disk ignores them)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".probe")
    except OSError as exc:
        raise FileProblem(f"cannot save in this folder: {exc.strerror or exc}", Location(path)) from None
    os.close(fd)
    os.unlink(tmp)
