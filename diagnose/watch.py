"""Knowing cheaply that a knowledge folder has not changed since it was loaded.

The library's :func:`~diagnose.api.diagnose` must see an edited, added or removed knowledge
file at its next call, yet checking every file (a ``stat`` each) costs more than a third of a
diagnosis. On Linux the kernel tells instead: an inotify watch on each folder of the knowledge
base queues an event for any change in it, so the check is one non-blocking read. Where inotify
is not to be had (another system, the ``inotify_simple`` package missing, the user's watch limit
reached), :func:`watch` returns None and callers fall back to checking the files.
"""
from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Iterable, Optional, Tuple

if TYPE_CHECKING:  # Linux only, imported when a folder is first watched
    from inotify_simple import INotify


_CHANGES = ("MODIFY", "ATTRIB", "CLOSE_WRITE", "MOVED_FROM", "MOVED_TO", "CREATE", "DELETE",
            "DELETE_SELF", "MOVE_SELF")


class FolderWatch:
    """Folders watched since a moment; :meth:`unchanged` holds while nothing in them changed."""

    def __init__(self, notifier: INotify, pid: int, top: Optional[int] = None, names: Tuple[str, ...] = ()) -> None:
        self._notifier = notifier
        self._pid = pid  # a forked child shares the queue with its parent: it must watch on its own
        self._top, self._names = top, names  # in the top folder only these names count
        self._changed = False

    def unchanged(self) -> bool:
        """True while no file or folder under the watched folders was written, added or removed."""
        if self._changed or os.getpid() != self._pid:
            return False
        try:
            events = self._notifier.read(timeout=0)
        except OSError:
            events, self._changed = (), True
        if any(event.wd != self._top or event.name in self._names for event in events):
            self._changed = True
        return not self._changed

    def close(self) -> None:
        """Stop watching (the parent's watch is left alone in a forked child)."""
        if os.getpid() == self._pid:
            self._notifier.close()


def watch(folders: Iterable[str], top_names: Tuple[str, ...] = ()) -> Optional[FolderWatch]:
    """Start watching ``folders`` (each folder itself, not below it); None where inotify is not
    available. With ``top_names``, only changes to those names count in the first folder (a
    checkout's top folder sees much else come and go)."""
    if not available():
        return None
    from inotify_simple import INotify, flags

    mask = 0
    for name in _CHANGES:
        mask |= getattr(flags, name)
    try:
        notifier = INotify()
    except OSError:  # too many instances for this user, or no inotify in this kernel
        return None
    descriptors = []
    try:
        for folder in folders:
            descriptors.append(notifier.add_watch(folder, mask))
    except OSError:  # a folder vanished meanwhile, or the watch limit is reached
        notifier.close()
        return None
    top = descriptors[0] if top_names and descriptors else None
    return FolderWatch(notifier, os.getpid(), top, top_names)


@functools.lru_cache(maxsize=None)
def available() -> bool:
    """Whether inotify can be used here (imported on first use: a one-off run never needs it)."""
    try:
        import inotify_simple  # noqa: F401
    except ImportError:  # not Linux, or installed without it
        return False
    return True
