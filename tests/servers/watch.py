"""Poll remote files while an upload runs and flag any bytes that are not a known version.

This is the check behind "remote files are always complete old or complete new": a
torn write, a truncated body or a moment with no file (after it first existed) are
all recorded as violations.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

Reader = Callable[[str], bytes | None]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def folder_reader(folder: Path) -> Reader:
    """Read a remote file from the server's own disk (what the server would serve)."""

    def read(name: str) -> bytes | None:
        try:
            return (folder / name).read_bytes()
        except FileNotFoundError:
            return None

    return read


class VersionWatcher:
    """Background poller; `allowed[name]` holds the sha256 of every acceptable version."""

    def __init__(self, read: Reader, allowed: dict[str, Iterable[bytes]]):
        self.read = read
        self.allowed = {name: {sha(v) for v in versions} for name, versions in allowed.items()}
        self.violations: list[str] = []
        self.polls = 0
        self.seen: dict[str, set[str]] = {name: set() for name in allowed}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> VersionWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        present: set[str] = set()
        while not self._stop.is_set():
            for name, digests in self.allowed.items():
                data = self.read(name)
                if data is None:
                    if name in present:
                        self.violations.append(f"{name} vanished")
                    continue
                present.add(name)
                digest = sha(data)
                self.seen[name].add(digest)
                if digest not in digests:
                    self.violations.append(f"{name}: {len(data)} bytes of no known version")
            self.polls += 1
