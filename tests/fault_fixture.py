"""Faults to inject: a full disk (a small file system filled up) and a folder no file can be
created in, for the fault-injection tests.

Loaded as a pytest plugin (see conftest.py): tests use ``full_disk`` and ``unwritable_folder`` by
name. The full disk is a small tmpfs (mounting it needs root: its tests skip otherwise); the
unwritable folder is a read-only tmpfs as root, else a folder without the write bit.
"""
import os
import subprocess

import pytest


def _mount_tmpfs(folder, options):
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a small file system needs root: " + done.stderr.decode(errors="replace").strip())


def fill(folder):
    """Fill the file system under ``folder`` to the last byte with a file named ``filler``."""
    with open(folder / "filler", "ab", buffering=0) as filler:
        for size in (4096, 64, 1):
            try:
                while True:
                    filler.write(b"x" * size)
            except OSError:
                continue


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 64 KiB file system, filled up but for a few bytes; yields (folder, a saved file)."""
    folder = tmp_path / "disk"
    _mount_tmpfs(folder, "size=64k")
    try:
        saved = folder / "letter.txt"
        saved.write_text("the earlier draft\n")
        fill(folder)
        yield folder, saved
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder no file can be created in: a read-only file system as root, else no write bit."""
    folder = tmp_path / "locked"
    if os.geteuid() == 0:
        _mount_tmpfs(folder, "ro,size=16k")
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], check=False)
    else:
        folder.mkdir()
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)
