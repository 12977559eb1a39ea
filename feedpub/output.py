"""Writing files so that a reader, a crash or a power cut never sees half of one.

One durable write (``write_atomic``): a temporary file in the same folder, written
and fsynced, renamed over the old file, then the folder fsynced so the rename itself
survives a power cut. Every file feedpub writes goes through it or through the staged
commit below, and every temporary file is named by ``temp_path``.

A build publishes a *set* of files (three feeds, sometimes the config) that must
change together. ``publish`` stages each changed file, links each old version to a
backup name, records the whole set in a journal, then renames; if any rename fails
the renamed ones are put back from their backups, and if the process dies half-way
the next run finds the journal and finishes the set (``recover``). A file whose bytes
did not change is not staged at all, so its mtime, and a web server's ETag, stay.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, TypeVar

TEMP_MARK = ".feedpub-tmp-"
JOURNAL_NAME = "commit.json"


P = TypeVar("P", bound=PurePath)


def temp_path(path: P, tag: str) -> P:
    """The hidden sibling ``path`` is written under before it is renamed into place."""
    return path.with_name(f".{path.name}{TEMP_MARK}{tag}")


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so that it is always the old or the new bytes.

    An OSError names ``path`` (not the temporary file), so a full disk says which file.
    """
    temp = temp_path(path, str(os.getpid()))
    with _cleaned_up(temp, path):
        _write_synced(temp, data, mode)
        os.replace(temp, path)
    fsync_folder(path.parent)


@contextlib.contextmanager
def _cleaned_up(temp: Path, path: Path) -> Iterator[None]:
    """On any failure remove ``temp``; an OSError is re-raised naming ``path``, not ``temp``."""
    try:
        yield
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise


def _write_synced(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.fchmod(fd, mode)  # exactly ``mode``, whatever the umask: a web root must be readable
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename durable across a power cut (the folder entry must reach the disk)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Staged:
    """A file written under its temporary name, waiting to replace ``target``."""

    target: Path
    temp: Path


def stage(path: Path, data: bytes, tag: str) -> Staged | None:
    """Write ``data`` beside ``path`` under a temporary name, fsynced; None if unchanged.

    Staging every file before replacing any lets a build check all of them and then
    publish them together, and keeps only one rendered document in memory at a time.
    """
    if _same_bytes(path, data):
        return None
    temp = temp_path(path, tag)
    with _cleaned_up(temp, path):
        _write_synced(temp, data, 0o644)
    return Staged(path, temp)


def stage_stream(path: Path, chunks: Iterable[bytes], tag: str, size: int) -> Staged | None:
    """Write ``chunks`` (``size`` bytes in all) beside ``path`` under a temporary name,
    fsynced; None (and no file left) when they are the bytes ``path`` already holds.

    For a document too large to hold whole: it is never in memory, only its chunks. The
    published file is compared chunk by chunk as the new one is written, so an unchanged
    document keeps its mtime (and a web server's ETag). An exception raised by the
    iterator (a check that failed half-way) removes the temporary file and propagates.
    """
    temp = temp_path(path, tag)
    with _cleaned_up(temp, path), _old_bytes(path, size) as old:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.fchmod(fd, 0o644)
        same = old is not None
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            for chunk in chunks:
                handle.write(chunk)
                same = same and old is not None and old.read(len(chunk)) == chunk
            handle.flush()
            if same:
                temp.unlink()
                return None
            os.fsync(handle.fileno())
    return Staged(path, temp)


@contextlib.contextmanager
def _old_bytes(path: Path, size: int) -> Iterator[BinaryIO | None]:
    """The published file, open, when it has the new document's size (else None)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, whatever happens
    except OSError:
        yield None
        return
    try:
        yield handle if os.fstat(handle.fileno()).st_size == size else None
    finally:
        handle.close()


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False


def discard(staged: list[Staged]) -> None:
    for item in staged:
        with contextlib.suppress(OSError):
            item.temp.unlink()


def publish(staged: list[Staged], journal_dir: Path) -> None:
    """Rename every staged file into place, all or none (see the module docstring).

    Raises OSError whose ``filename`` is the target that could not be replaced; by
    then every target is back to its old bytes and no temporary file is left.
    """
    if not staged:
        return
    backups: list[Path | None] = []
    try:
        for item in staged:
            backups.append(_backup(item.target))
    except OSError:
        _remove(b for b in backups if b is not None)
        discard(staged)
        raise
    journal = journal_dir / JOURNAL_NAME
    entries = [[str(s.temp), str(s.target), str(b) if b else None]
               for s, b in zip(staged, backups, strict=True)]
    journal_dir.mkdir(parents=True, exist_ok=True)
    with _signals_deferred():  # Ctrl-C waits the few milliseconds until the set is whole
        write_atomic(journal, json.dumps(entries).encode())
        _apply(entries)
        journal.unlink()


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends (then they are delivered as usual)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def pending(journal_dir: Path) -> bool:
    """True while a set of renames is journaled but unfinished (recover will finish it)."""
    return (journal_dir / JOURNAL_NAME).exists()


def _backup(target: Path) -> Path | None:
    """Hard-link the current version to a backup name, so a failed set can be undone.

    Fails (before anything was replaced) when the target is a folder or cannot be
    linked, which is also how an immutable file (``chattr +i``) shows itself.
    """
    if not os.path.lexists(target):
        return None
    if target.is_dir() or not target.is_file():
        raise IsADirectoryError(21, "is a folder or special file, not a file; remove it", str(target))
    backup = temp_path(target, "old")
    with contextlib.suppress(FileNotFoundError):
        backup.unlink()
    try:
        os.link(target, backup)
    except OSError as error:
        if error.errno not in (18, 95):  # EXDEV, EOPNOTSUPP: no hard links here; copy instead
            raise OSError(error.errno, error.strerror, str(target)) from None
        shutil.copy2(target, backup)
    return backup


def _apply(entries: list[list[str | None]]) -> None:
    """Rename temp → target for each entry still staged; on failure undo them all."""
    done: list[list[str | None]] = []
    for entry in entries:
        temp, target = str(entry[0]), str(entry[1])
        if not os.path.lexists(temp):
            done.append(entry)  # renamed by the run that died (or never staged)
            continue
        try:
            os.replace(temp, target)
        except OSError as error:
            _undo(done, entries)
            raise OSError(error.errno, error.strerror, target) from None
        done.append(entry)
    for folder in {Path(str(e[1])).parent for e in entries}:
        fsync_folder(folder)
    _remove(Path(str(e[2])) for e in entries if e[2])


def _undo(done: list[list[str | None]], entries: list[list[str | None]]) -> None:
    for _temp, target, backup in done:
        if backup:
            with contextlib.suppress(OSError):
                os.replace(str(backup), str(target))
        else:
            with contextlib.suppress(OSError):
                os.unlink(str(target))
    for temp, _, backup in entries:
        with contextlib.suppress(OSError):
            os.unlink(str(temp))
        if backup:
            with contextlib.suppress(OSError):
                os.unlink(str(backup))
    for folder in {Path(str(e[1])).parent for e in entries}:
        fsync_folder(folder)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def recover(journal_dir: Path) -> bool:
    """Finish a set of renames a killed run began; True when there was one.

    Rolling forward is safe: everything in the journal was staged, fsynced and checked
    before the first rename. If the rest cannot be renamed, the set is undone instead
    (the OSError still propagates, naming the file).
    """
    journal = journal_dir / JOURNAL_NAME
    try:
        entries = json.loads(journal.read_bytes())
    except FileNotFoundError:
        return False
    except (OSError, ValueError, RecursionError):
        journal.unlink()  # torn before it was complete: no rename had started
        return False
    if not _valid_journal(entries):
        journal.unlink()
        return False
    _apply(entries)
    journal.unlink()
    return True


def _valid_journal(entries: object) -> bool:
    """Only a journal this module wrote: each temp and backup is its target's own sibling."""
    return isinstance(entries, list) and all(
        isinstance(e, list) and len(e) == 3 and isinstance(e[1], str)
        and _sibling_temp(e[0], e[1]) and (e[2] is None or _sibling_temp(e[2], e[1]))
        for e in entries)


def _sibling_temp(temp: object, target: str) -> bool:
    if not isinstance(temp, str):
        return False
    path, goal = Path(temp), Path(target)
    return path.parent == goal.parent and path.name.startswith(f".{goal.name}{TEMP_MARK}")


def discard_tagged(folder: Path, tag: str) -> None:
    """Delete what this run staged in ``folder`` (its temporary files carry ``tag``)."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name.endswith(f"{TEMP_MARK}{tag}"):
                with contextlib.suppress(OSError):
                    path.unlink()


def remove_stale_temps(folder: Path, prefix: str = "") -> list[Path]:
    """Delete temporary files (named ``.<prefix>…`` + TEMP_MARK) left by a killed run."""
    removed = []
    if folder.is_dir():
        for path in folder.iterdir():
            if TEMP_MARK in path.name and path.name.startswith(f".{prefix}"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                removed.append(path)
    return removed
