"""Pack files: the state folder's store of blobs (rendered items, parsed entries).

A build appends what it made to a pack file of its own and keeps, in a sealed index
document, where each blob is: ``Ref`` = (pack name, offset, length, sha256). Reading a
blob checks its digest, so a pack that is torn, truncated, edited by hand or from
another folder is never trusted: the blob is reported missing and made again. That is
also why packs are not fsynced: the index that names them is written with the one
durable write, and a blob lost to a power cut fails its digest like any other damage.

Packs are never rewritten in place, only added and deleted: ``collect`` deletes the
packs no index refers to any more, and ``compact`` copies the live blobs of packs that
are mostly garbage, or the many small packs of later builds, into a new one. Standard
library only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Iterable

PACK_SUFFIX = ".pack"
Ref = tuple[str, int, int, str]  # pack file name, offset, length, sha256 hex
BUFFER = 1 << 20  # bytes gathered before one write()


def is_ref(value: object) -> bool:
    """Whether ``value`` (decoded from an index) has exactly the shape of a Ref."""
    return (type(value) is list and len(value) == 4 and type(value[0]) is str
            and value[0].endswith(PACK_SUFFIX) and "/" not in value[0]
            and type(value[1]) is int and type(value[2]) is int and value[1] >= 0
            and value[2] >= 0 and type(value[3]) is str and len(value[3]) == 64)


class PackWriter:
    """Appends blobs to one new pack file; ``close`` (or the ``with`` block) flushes it."""

    def __init__(self, folder: Path, kind: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.name = f"{kind}-{os.getpid()}-{secrets.token_hex(4)}{PACK_SUFFIX}"
        self.path = folder / self.name
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._offset = 0

    def add(self, data: bytes) -> Ref:
        ref = (self.name, self._offset, len(data), hashlib.sha256(data).hexdigest())
        self._buffer.append(data)
        self._buffered += len(data)
        self._offset += len(data)
        if self._buffered >= BUFFER:
            self.flush()
        return ref

    def flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            self._buffer, self._buffered = [], 0

    def close(self) -> None:
        if self._fd >= 0:
            try:
                self.flush()
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PackReader:
    """Reads blobs back, each checked against its digest; keeps the packs open while used.

    Packs are looked for in ``folder``, then in ``also`` (a dry run's scratch folder)."""

    def __init__(self, folder: Path, also: Path | None = None):
        self.folders = [folder] if also is None else [folder, also]
        self._fds: dict[str, int] = {}

    def read(self, ref: Ref) -> bytes | None:
        """The blob, or None when its pack is missing or its bytes are not what was added."""
        fd = self._fd(ref[0])
        if fd is None:
            return None
        try:
            data = os.pread(fd, ref[2], ref[1])
        except OSError:
            return None
        if len(data) != ref[2] or hashlib.sha256(data).hexdigest() != ref[3]:
            return None
        return data

    def read_span(self, name: str, offset: int, length: int) -> bytes | None:
        """``length`` bytes at ``offset`` of a pack, unchecked (the caller checks each blob
        in it against its digest), or None when the pack is missing or short."""
        fd = self._fd(name)
        if fd is None:
            return None
        try:
            data = os.pread(fd, length, offset)
        except OSError:
            return None
        return data if len(data) == length else None

    def _fd(self, name: str) -> int | None:
        fd = self._fds.get(name)
        for folder in self.folders if fd is None else ():
            try:
                fd = os.open(folder / name, os.O_RDONLY)
            except OSError:
                continue
            self._fds[name] = fd
            break
        return fd

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __enter__(self) -> PackReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pack_names(folder: Path, kind: str) -> list[str]:
    """The pack files of ``kind`` in ``folder``."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith(f"{kind}-") and n.endswith(PACK_SUFFIX))


def collect(folder: Path, kind: str, live: Iterable[Ref], keep: Iterable[str] = ()) -> None:
    """Delete the packs of ``kind`` that no live ref points into (and are not in ``keep``)."""
    used = {ref[0] for ref in live} | set(keep)
    for name in pack_names(folder, kind):
        if name not in used:
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def garbage(folder: Path, live: Iterable[Ref]) -> tuple[int, int]:
    """(bytes in live blobs, bytes in the packs they sit in): when to compact."""
    used: dict[str, int] = {}
    for ref in live:
        used[ref[0]] = used.get(ref[0], 0) + ref[2]
    total = 0
    for name in used:
        with contextlib.suppress(OSError):
            total += (folder / name).stat().st_size
    return sum(used.values()), total


MAX_PACKS = 16  # past this many packs of a kind, the live blobs are copied (see ``to_merge``)
KEPT_WHILE_LIVE = 0.75  # the biggest pack is left as it is while this share of it is live


def to_merge(folder: Path, live: Iterable[Ref]) -> set[str]:
    """The packs whose live blobs a repack copies into one: every pack but the one that
    holds the most, which is left as it is while three quarters of it are live.

    A first build puts all 10 000 entries (27 MB) in one pack and every later build adds
    a small one; copying the big one with the small ones every sixteenth build held that
    build up by a few tenths of a second, to save nothing. It is copied only once edits
    have made a quarter of it garbage."""
    used: dict[str, int] = {}
    for ref in live:
        used[ref[0]] = used.get(ref[0], 0) + ref[2]
    if not used:
        return set()
    biggest = max(used, key=lambda name: (used[name], name))
    try:
        size = (folder / biggest).stat().st_size
    except OSError:
        size = 0
    if used[biggest] < KEPT_WHILE_LIVE * size:
        return set(used)
    return set(used) - {biggest}


def repack(folder: Path, kind: str, refs: list[Ref]) -> list[Ref | None]:
    """The blobs of ``refs`` copied, in order, into one new pack: their new refs (None
    for one that fails its digest). A build calls it, for the refs in the packs
    ``to_merge`` chooses, when its kind has more than ``MAX_PACKS`` packs, so a blog
    changed every minute keeps a few files, not thousands."""
    moved: list[Ref | None] = []
    with PackReader(folder) as reader, PackWriter(folder, kind) as writer:
        for ref in refs:
            data = reader.read(ref)
            moved.append(None if data is None else writer.add(data))
    return moved
