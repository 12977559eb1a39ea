"""The entry cache (``entries.json``): parse only the entry files that changed.

Each record holds one file's stamp (size, mtime), the sha256 of its bytes and the
Entry parsed from it (or None for a draft). A file whose stamp is unchanged is taken
from the cache without being opened; a touched but identical file is recognised by its
hash; anything else is parsed again.

The cache is never trusted as data: the whole document must be one this version wrote
for these settings (id base, page URL, time zone, Markdown libraries, feedpub's code),
and every record is decoded against a strict schema. A record that does not fit is
discarded with a warning and its file parsed again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeGuard

from feedpub import __version__
from feedpub.config import SiteConfig
from feedpub.entries import FileStamp
from feedpub.errors import EntryProblem
from feedpub.model import Author, Enclosure, Entry
from feedpub.notices import Level, Notice
from feedpub.state import code_digest, read_document, write_document
from feedpub.text import shown_path


@dataclass(frozen=True, slots=True)
class CachedEntry:
    """One entry file as last parsed."""

    size: int
    mtime_ns: int
    sha256: str
    entry: Entry | None  # None: the file is a draft
    # The JSON the entry was decoded from, written back as is when the record is saved
    # again: re-encoding 10 000 unchanged entries would cost a one-change build 0.1 s.
    encoded: object = field(default=None, compare=False, repr=False)


class BadRecord(ValueError):
    """A cache record that does not fit the schema."""


CACHE_NAME = "entries.json"
KIND = "entry-cache"


@dataclass(frozen=True, slots=True)
class LoadedEntries:
    """The entries a build publishes, holds back and could not read."""

    entries: list[Entry]  # to publish now, sorted by file name (last good versions included)
    scheduled: list[Entry]  # dated in the future: published by the first run at or after then
    problems: list[EntryProblem]  # every file that could not be used, and why
    parsed: int  # how many files had to be parsed
    # Every file name with its entry (None: a draft), the last good version of a broken
    # file included, and the sha256 of the bytes that entry was parsed from.
    files: dict[str, Entry | None] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    broken: frozenset[str] = frozenset()  # names of the files that have problems


def load_entries(config: SiteConfig, stamps: list[FileStamp], *, now: datetime, save: bool,
                 progress: bool, notices: list[Notice], use_cache: bool = True) -> LoadedEntries:
    """Every entry, parsing only files that changed since the cache was written.

    One broken file never hides the others: its problems are returned, and if it was
    published before, its last good version (still in the cache) is returned in its
    place, so readers never see it vanish. ``save`` writes the cache back when it
    changed (never on a dry run); without ``use_cache`` every file is parsed (``check``:
    every warning is reported again).
    """
    from feedpub.entries.parse import EntryContext
    from feedpub.entries.pool import parse_files

    path = config.state_dir / CACHE_NAME
    context = cache_context(config)
    cache = _load(path, context, notices) if use_cache else {}
    records, todo = _split(cache, stamps, config.entries_dir)
    ctx = EntryContext(config.id_base, config.home_page_url, config.timezone, now)
    root = Path(config.path).parent.resolve()
    fresh = parse_files(todo, ctx, lambda name: shown_path(config.entries_dir / name, root),
                        progress=progress)
    problems: list[EntryProblem] = []
    for parsed in fresh:
        notices.extend(parsed.notices)
        name = parsed.stamp.name
        if isinstance(parsed.outcome, list):
            problems.extend(parsed.outcome)
            _keep_last_good(name, cache, records, notices)
        else:
            records[name] = CachedEntry(parsed.stamp.size, parsed.stamp.mtime_ns, parsed.sha256,
                                        parsed.outcome)
    names = sorted(records)
    entries = [e for e in (records[name].entry for name in names) if e is not None]
    if save and (fresh or set(cache) != set(records)):
        _save(path, context, records)
    return LoadedEntries([e for e in entries if e.published <= now],
                         [e for e in entries if e.published > now], problems, len(fresh),
                         files={name: records[name].entry for name in names},
                         sha256={name: records[name].sha256 for name in names},
                         broken=frozenset(p.stamp.name for p in fresh
                                          if isinstance(p.outcome, list)))


def _keep_last_good(name: str, cache: dict[str, CachedEntry], records: dict[str, CachedEntry],
                    notices: list[Notice]) -> None:
    """A broken file whose last good version was published: keep publishing that version.

    Its record stays as it was (old stamps), so the file is parsed again, and reported
    again, on every run until it is fixed.
    """
    record = cache.get(name)
    if record is not None and record.entry is not None:
        records[name] = record
        notices.append(Notice(record.entry.source, "its last good version stays published until "
                                                   "the file is fixed", Level.DETAIL))


def cache_context(config: SiteConfig) -> str:
    """A digest of everything besides a file's bytes that decides what parsing it gives."""
    from feedpub.entries.markdown import markdown_versions

    parts = [__version__, code_digest(), config.id_base, config.home_page_url,
             config.timezone_name, markdown_versions()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _split(cache: dict[str, CachedEntry], stamps: list[FileStamp],
           folder: Path) -> tuple[dict[str, CachedEntry], list[tuple[FileStamp, bytes]]]:
    """Cached records still valid, and the files (with their bytes) that need parsing."""
    reuse: dict[str, CachedEntry] = {}
    todo: list[tuple[FileStamp, bytes]] = []
    for stamp in stamps:
        record = cache.get(stamp.name)
        if record is not None and (record.size, record.mtime_ns) == (stamp.size, stamp.mtime_ns):
            reuse[stamp.name] = record
            continue
        data = (folder / stamp.name).read_bytes()
        if record is not None and record.sha256 == hashlib.sha256(data).hexdigest():
            reuse[stamp.name] = CachedEntry(stamp.size, stamp.mtime_ns, record.sha256, record.entry,
                                            record.encoded)
        else:
            todo.append((stamp, data))
    return reuse, todo


def _load(path: Path, context: str, notices: list[Notice]) -> dict[str, CachedEntry]:
    body = read_document(path, KIND, notices)
    if body is None or body.get("context") != context:
        return {}  # settings or code changed: every entry must be parsed again
    raw = body.get("entries")
    if not isinstance(raw, dict):
        notices.append(Notice(str(path), f"the {KIND} is not one this feedpub wrote; "
                                         "discarded, rebuilding it"))
        return {}
    records: dict[str, CachedEntry] = {}
    for name, value in raw.items():
        try:
            records[name] = decode_record(value)
        except BadRecord:
            continue
    if len(records) != len(raw):
        notices.append(Notice(str(path), f"{len(raw) - len(records)} cached entries did not fit "
                                         "the cache's schema; their files are parsed again"))
    return records


def _save(path: Path, context: str, records: dict[str, CachedEntry]) -> None:
    write_document(path, KIND, {"context": context,
                                "entries": {name: encode_record(records[name])
                                            for name in sorted(records)}})


def encode_record(record: CachedEntry) -> dict[str, object]:
    return {"size": record.size, "mtime_ns": record.mtime_ns, "sha256": record.sha256,
            "entry": record.encoded if record.encoded is not None else _encode_entry(record.entry)}


def _encode_entry(entry: Entry | None) -> object:
    return None if entry is None else {
        "id": entry.id, "title": entry.title, "link": entry.link,
        "published": entry.published.isoformat(), "updated": entry.updated.isoformat(),
        "content_html": entry.content_html, "summary": entry.summary,
        "authors": [[a.name, a.email, a.url] for a in entry.authors],
        "tags": list(entry.tags), "image": entry.image, "language": entry.language,
        "enclosures": [[e.url, e.media_type, e.length] for e in entry.enclosures],
        "source": entry.source, "correction": entry.correction,
        "retracted": entry.retracted.isoformat() if entry.retracted else None,
        "reason": entry.reason, "revision": entry.revision,
    }


def decode_record(value: object) -> CachedEntry:
    """The record ``value`` holds; raises BadRecord unless every field has its exact type."""
    if type(value) is not dict or value.keys() != _RECORD_KEYS:
        raise BadRecord("not a record")
    size, mtime_ns, sha256 = value["size"], value["mtime_ns"], value["sha256"]
    if type(size) is not int or type(mtime_ns) is not int or not isinstance(sha256, str):
        raise BadRecord("bad stamp")
    raw = value["entry"]
    return CachedEntry(size, mtime_ns, sha256, None if raw is None else _decode_entry(raw), raw)


_RECORD_KEYS = frozenset({"size", "mtime_ns", "sha256", "entry"})


_ENTRY_KEYS = frozenset({"id", "title", "link", "published", "updated", "content_html", "summary",
                         "authors", "tags", "image", "language", "source", "enclosures",
                         "correction", "retracted", "reason", "revision"})


def _decode_entry(raw: object) -> Entry:
    """Written flat on purpose: a one-change build of 10 000 entries decodes 10 000 of these."""
    if type(raw) is not dict or raw.keys() != _ENTRY_KEYS:
        raise BadRecord("not an entry")
    id_, title, link, source = raw["id"], raw["title"], raw["link"], raw["source"]
    html, summary, image, language = raw["content_html"], raw["summary"], raw["image"], raw["language"]
    correction, reason, revision = raw["correction"], raw["reason"], raw["revision"]
    if not (_is_text(id_) and _is_text(title) and _is_text(link) and _is_text(source)
            and type(html) is str and _is_optional(summary) and _is_optional(image)
            and _is_optional(language) and _is_optional(correction) and _is_optional(reason)
            and _is_text(revision)):
        raise BadRecord("a field has the wrong type")
    retracted = raw["retracted"]
    return Entry(id=id_, title=title, link=link, published=_time(raw["published"]),
                 updated=_time(raw["updated"]), content_html=html, summary=summary,
                 authors=_authors(raw["authors"]), tags=_tags(raw["tags"]), image=image,
                 language=language, source=source, enclosures=_enclosures(raw["enclosures"]),
                 correction=correction,
                 retracted=None if retracted is None else _time(retracted), reason=reason,
                 revision=revision)


def _is_text(value: object) -> TypeGuard[str]:
    return type(value) is str and value != ""


def _is_optional(value: object) -> TypeGuard[str | None]:
    return value is None or (type(value) is str and value != "")


def _time(value: object) -> datetime:
    if type(value) is not str:
        raise BadRecord("not a time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord("not a time") from None
    if moment.tzinfo is None:
        raise BadRecord("a time without a zone")
    return moment


def _tags(value: object) -> tuple[str, ...]:
    if type(value) is not list or not all(_is_text(t) for t in value):
        raise BadRecord("tags are not a list of words")
    return tuple(value)


def _enclosures(value: object) -> tuple[Enclosure, ...]:
    if type(value) is not list:
        raise BadRecord("enclosures are not a list")
    found = []
    for item in value:
        if type(item) is not list or len(item) != 3 or not _is_text(item[0]) \
                or not _is_text(item[1]) or not (item[2] is None or type(item[2]) is int):
            raise BadRecord("not an enclosure")
        found.append(Enclosure(item[0], item[1], item[2]))
    return tuple(found)


def _authors(value: object) -> tuple[Author, ...]:
    if type(value) is not list:
        raise BadRecord("authors are not a list")
    authors = []
    for item in value:
        if type(item) is not list or len(item) != 3 or not _is_text(item[0]) \
                or not _is_optional(item[1]) or not _is_optional(item[2]):
            raise BadRecord("not an author")
        authors.append(Author(item[0], item[1], item[2]))
    return tuple(authors)
