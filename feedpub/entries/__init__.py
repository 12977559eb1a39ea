"""Entry files: finding them (here, cheap) and parsing them (``parse``, ``markdown``, ``pool``).

Finding the files is on the every-minute path, so this module imports nothing beyond
the standard library: a no-op run stats the folder and stops before any parser is
imported. ``feedpub.entries.parse`` turns one file's bytes into an Entry or a list of
problems; ``feedpub.entries.pool`` does that for many files on every core.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENTRY_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What the cheap scan learns of an entry file without opening it."""

    name: str
    size: int
    mtime_ns: int


def is_entry_name(name: str) -> bool:
    """Markdown files that are not hidden or editor backups (``.x.md``, ``#x.md#``)."""
    return name.endswith(ENTRY_SUFFIXES) and not name.startswith((".", "#"))


def scan_entries(folder: Path) -> list[FileStamp]:
    """Name, size and mtime of every entry file, sorted by name, without opening any."""
    stamps = []
    with os.scandir(folder) as found:
        for item in found:
            if is_entry_name(item.name) and item.is_file():
                info = item.stat()
                stamps.append(FileStamp(item.name, info.st_size, info.st_mtime_ns))
    stamps.sort(key=lambda s: s.name)
    return stamps
