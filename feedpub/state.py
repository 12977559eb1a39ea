"""The state folder (``.feedpub/``): what the last build saw, and a cache of parsed entries.

Two files, each written atomically and checked on read:

- ``state.json`` — a digest of every input's (name, size, mtime) and of the outputs as
  written. When nothing changed, a run compares this digest and stops without opening a
  single entry file: that is what makes a run every minute cost almost nothing.
- ``entries.json`` — parsed entries keyed by file name, with size, mtime and content
  hash. A changed file is parsed again; a touched but identical file is recognised by
  its hash. A cache that is corrupt, from another version, or made for other settings
  (id base, page URL, time zone) is discarded with a warning and never trusted.

JSON, not pickle: a cache file is data, and loading it must never run code.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.model import Author, Entry
from feedpub.output import TEMP_MARK, write_atomic

STATE_NAME = "state.json"
CACHE_NAME = "entries.json"
FORMAT_VERSION = 1
ENTRY_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class FileStamp:
    name: str
    size: int
    mtime_ns: int


def scan_entries(folder: Path) -> list[FileStamp]:
    """Name, size and mtime of every entry file, without opening any of them."""
    stamps = []
    with os.scandir(folder) as found:
        for item in found:
            if item.name.endswith(ENTRY_SUFFIXES) and not item.name.startswith((".", "#")):
                info = item.stat()
                if item.is_file():
                    stamps.append(FileStamp(item.name, info.st_size, info.st_mtime_ns))
    stamps.sort(key=lambda s: s.name)
    return stamps


def stamp(path: Path) -> list[int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return [info.st_size, info.st_mtime_ns]


def code_digest() -> str:
    """Name, size and mtime of feedpub's own modules: new code means a new build.

    The version number alone would miss a local edit or a reinstall of the same
    version; stat-ing some thirty files costs well under a millisecond.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(package)):
        for name in sorted(files):
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def inputs_digest(config_path: Path, config_stamp: tuple[int, int] | None,
                  entries: list[FileStamp], tool_version: str) -> str:
    """What a run's output depends on; ``config_stamp`` is that of the config text it read."""
    stamp_text = list(config_stamp) if config_stamp else None
    seed = f"{tool_version}\0{code_digest()}\0{config_path}\0{stamp_text}\0"
    digest = hashlib.sha256(seed.encode())
    for item in entries:
        digest.update(f"{item.name}\0{item.size}\0{item.mtime_ns}\n".encode())
    return digest.hexdigest()


BIG_JSON = 1 << 16  # bytes; above this orjson's speed pays for its 15 ms import


def _loads(data: bytes) -> Any:
    """The stdlib for the small state.json (the no-op path), orjson for the entry cache.

    The cache of 10 000 entries is about 16 MB: orjson reads and writes it several times
    faster, which is most of what a one-entry change spends outside rendering.
    """
    if len(data) < BIG_JSON:
        return json.loads(data)
    import orjson

    return orjson.loads(data)


def _dumps(document: dict[str, Any]) -> bytes:
    entries = document.get("entries")
    if isinstance(entries, dict) and len(entries) > 100:
        import orjson

        return orjson.dumps(document)
    return json.dumps(document, separators=(",", ":")).encode()


class StateFolder:
    """Reads and writes the two state files; problems reading them become warnings."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.warnings: list[str] = []

    def read_json(self, name: str, kind: str) -> dict[str, Any] | None:
        path = self.folder / name
        try:
            data = _loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.warnings.append(f"{path}: warning: the {kind} is corrupt; discarded, rebuilding it")
            return None
        if not isinstance(data, dict) or data.get("format") != f"feedpub-{kind}" \
                or data.get("version") != FORMAT_VERSION:
            self.warnings.append(f"{path}: warning: the {kind} is not one this feedpub wrote; "
                                 "discarded, rebuilding it")
            return None
        return data

    def write_json(self, name: str, kind: str, body: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob(f".{name}{TEMP_MARK}*"):  # left by a run killed mid-write
            stale.unlink(missing_ok=True)
        document = {"format": f"feedpub-{kind}", "version": FORMAT_VERSION, **body}
        write_atomic(self.folder / name, _dumps(document))

    def last_build(self) -> dict[str, Any] | None:
        return self.read_json(STATE_NAME, "state")

    def save_build(self, inputs: str, outputs: dict[str, list[int] | None],
                   upload_pending: bool) -> None:
        self.write_json(STATE_NAME, "state", {"inputs": inputs, "outputs": outputs,
                                              "upload_pending": upload_pending})

    def load_cache(self, context: str) -> dict[str, list[Any]]:
        data = self.read_json(CACHE_NAME, "entry-cache")
        if data is None:
            return {}
        if data.get("context") != context or not isinstance(data.get("entries"), dict):
            return {}  # settings changed: every entry must be parsed again
        return data["entries"]  # type: ignore[no-any-return]

    def save_cache(self, context: str, records: dict[str, list[Any]]) -> None:
        self.write_json(CACHE_NAME, "entry-cache", {"context": context, "entries": records})


def entry_to_record(entry: Entry | None) -> list[Any] | None:
    if entry is None:
        return None  # a draft
    return [
        entry.id, entry.title, entry.link, entry.published.isoformat(),
        entry.updated.isoformat(), entry.content_html, entry.summary,
        [[a.name, a.email, a.url] for a in entry.authors], list(entry.tags), entry.image,
        entry.language, entry.source,
    ]


def record_to_entry(record: list[Any] | None) -> Entry | None:
    """The Entry a cache record holds; raises ValueError/TypeError/IndexError when foreign."""
    if record is None:
        return None
    (id_, title, link, published, updated, html, summary, authors, tags, image, language,
     source) = record
    return Entry(
        id=id_, title=title, link=link, published=datetime.fromisoformat(published),
        updated=datetime.fromisoformat(updated), content_html=html, summary=summary,
        authors=tuple(Author(*a) for a in authors), tags=tuple(tags), image=image,
        language=language, source=source,
    )
