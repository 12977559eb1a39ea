"""Atomic, byte-stable writes: a reader or a crash never sees half a file.

Every write goes to a temporary file in the same folder, is flushed and fsynced, and
then replaces the old file with ``os.replace`` (atomic on POSIX). A feed whose bytes
did not change is not staged at all, so its mtime, and a web server's ETag, stay the
same.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TEMP_MARK = ".feedpub-tmp-"


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that it is always the old or the new bytes."""
    temp = path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    fsync_folder(path.parent)


def stage(path: Path, data: bytes, tag: str) -> Path | None:
    """Write ``data`` beside ``path`` under a temporary name, fsynced; None if unchanged.

    Staging every feed before replacing any lets a build check all of them and then
    publish them together, and keeps only one rendered document in memory at a time.
    """
    if _same_bytes(path, data):
        return None
    temp = path.with_name(f".{path.name}{TEMP_MARK}{tag}")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return temp


def commit(staged: Path, path: Path) -> None:
    """Atomically put a staged file in place (the rename is the only visible step)."""
    os.replace(staged, path)
    fsync_folder(path.parent)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


def fsync_folder(folder: Path) -> None:
    """Make a rename durable across a power cut (the folder entry must reach the disk)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temporary files left by a run that was killed mid-write."""
    removed = []
    if folder.is_dir():
        for path in folder.iterdir():
            if TEMP_MARK in path.name:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                removed.append(path)
    return removed
