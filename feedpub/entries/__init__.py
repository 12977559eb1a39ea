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


@dataclass(frozen=True, slots=True)
class Scan:
    """The entry files found, and the entry-looking names that cannot be used."""

    stamps: list[FileStamp]
    refused: list[tuple[str, str]]  # (file name, why), for one-line errors


def scan_entries(folder: Path) -> Scan:
    """Name, size and mtime of every entry file, sorted by name, without opening any.

    A symbolic link is followed only to a file inside the entries folder: a dangling one
    or one that leads out of the blog (to /etc/passwd, say) is refused by name rather
    than skipped in silence or published.
    """
    stamps, refused = [], []
    real_folder: Path | None = None
    with os.scandir(folder) as found:
        for item in found:
            if not is_entry_name(item.name):
                continue
            if item.is_symlink():
                real_folder = real_folder or folder.resolve()
                why = _bad_link(Path(item.path), real_folder)
                if why:
                    refused.append((item.name, why))
                    continue
            if item.is_file():
                info = item.stat()
                stamps.append(FileStamp(item.name, info.st_size, info.st_mtime_ns))
    stamps.sort(key=lambda s: s.name)
    return Scan(stamps, sorted(refused))


def _bad_link(link: Path, real_folder: Path) -> str | None:
    target = link.resolve()
    if not target.exists():
        return "is a link to a missing file; restore the file or delete the link"
    if not target.is_relative_to(real_folder):
        return ("is a link to a file outside the entries folder; copy the file into "
                "the folder instead")
    return None
