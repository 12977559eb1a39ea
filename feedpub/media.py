"""The blog's media folder: images published beside the feeds, byte for byte.

An entry can show a picture kept with the blog (``media/homs-roads.png``): the build
copies every file of the media folder into the output folder, in the same
all-or-nothing set as the feeds, and the upload sends it before them. Finding the
files is on the every-minute path (their stamps are part of what a no-op run
compares), so this module stats and never opens them; ``read_media`` reads them only
for a real build.

Only plain files directly in the folder are published, with names a URL can carry
unchanged, and only of the types in ``formats.MEDIA_TYPES``: anything else is an error
naming the file, never a silent skip. Hidden files (``.DS_Store``) are ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from feedpub.entries import FileStamp
from feedpub.errors import EntryError, EntryProblem
from feedpub.formats import MEDIA_TYPES, OUTPUT_FILES
from feedpub.model import MediaFile

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A picture for a feed or a web page; a bigger file is a mistake (a raw camera file, a
# video renamed), and a build reads every media file whole to publish it byte for byte:
# a 3 GB one took 21 s and 3 GB of memory on every build that changed anything.
MAX_MEDIA_BYTES = 20 << 20
STAMP_PREFIX = "media/"  # media stamps share the inputs digest with entry stamps


@dataclass(frozen=True, slots=True)
class MediaScan:
    """The media files found (stamped, sorted by name) and the ones that cannot be used."""

    stamps: list[FileStamp]
    refused: list[tuple[str, str]]  # (file name, why)


def scan_media(folder: Path | None) -> MediaScan:
    """Name, size and mtime of every publishable file; a missing folder is no media."""
    if folder is None:
        return MediaScan([], [])
    stamps: list[FileStamp] = []
    refused: list[tuple[str, str]] = []
    try:
        found = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return MediaScan([], [])
    real_folder = folder.resolve()
    for item in found:
        if item.name.startswith("."):
            continue
        why = _refusal(item, real_folder)
        if why:
            refused.append((item.name, why))
            continue
        info = item.stat()
        stamps.append(FileStamp(item.name, info.st_size, info.st_mtime_ns))
    stamps.sort(key=lambda s: s.name)
    return MediaScan(stamps, sorted(refused))


def _refusal(item: os.DirEntry[str], real_folder: Path) -> str | None:
    suffix = os.path.splitext(item.name)[1].lower()
    if item.is_symlink() and not Path(item.path).resolve().is_relative_to(real_folder):
        return "is a link to a file outside the media folder; copy the file in instead"
    if not item.is_file():
        return "is not a file; only files directly in the media folder are published"
    if not _SAFE_NAME.match(item.name):
        return "has a name a URL cannot carry as is; use only letters, digits, '-', '_' and '.'"
    if item.name in OUTPUT_FILES:
        return "has the name of a file feedpub writes; rename it"
    if suffix not in MEDIA_TYPES:
        known = ", ".join(sorted(MEDIA_TYPES))
        return f"is not a known media type; use one of {known}"
    size = item.stat().st_size
    if size > MAX_MEDIA_BYTES:
        shown = -(-size * 10 // 2**20) / 10  # rounded up: never "20.0 MiB, more than 20 MiB"
        return (f"is {shown:,.1f} MiB, more than the {MAX_MEDIA_BYTES >> 20} MiB a media "
                "file may be; publish a smaller copy (a picture for the web is rarely over 2 MiB)")
    return None


def media_error(refused: list[tuple[str, str]], shown_folder: str) -> EntryError:
    """The refused files as one error, one line each, named as the user sees the folder."""
    return EntryError([EntryProblem(f"{shown_folder}/{name}", None, why) for name, why in refused])


def read_media(folder: Path, stamps: list[FileStamp]) -> list[tuple[str, bytes]]:
    """Each media file's name and bytes, read once: what is published is what is announced."""
    return [(s.name, (folder / s.name).read_bytes()) for s in stamps]


def media_files(read: list[tuple[str, bytes]], feeds_url: str) -> tuple[MediaFile, ...]:
    """The model's view of the media: where each file is served, its type and exact length."""
    return tuple(MediaFile(name=name, url=feeds_url + name,
                           media_type=MEDIA_TYPES[os.path.splitext(name)[1].lower()],
                           length=len(data)) for name, data in read)
