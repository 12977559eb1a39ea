"""Frozen archive pages: the full pages a build of a long archived blog need not read again.

With ``archive_size = N``, a blog of 10 000 updates is 100 full pages and a window. A
full page's bytes never change unless one of its own entries does, yet every build read,
decoded and checked all 10 000 entries against all 10 000 ledger lines to find that out
(0.1 s of a new update's 0.3 s; at 100 000 entries, most of 3 s). A page is *frozen*
when nothing about it can change without one of its files or ledger lines changing
first; the build then takes its ids, its files' stamps and a few facts from the
snapshot this module keeps (``frozen.json`` in the state folder) and reads none of its
entries: the entry index keeps their records as they are, the ledger keeps their lines
as they are, and lifecycle checks only the rest.

A page is frozen by a build that published it, when it is not the newest page (its
``next-archive`` link is already written), and each of its ids is settled: edited, if
ever, before the subscription documents' window began (so the window never shows it
again), retracted, if ever, long enough ago that its tombstone has expired (and only
when tombstones expire at all), and held by a file that parsed without problems (or,
retracted, by no file). Pages freeze oldest first; the snapshot holds a prefix.

A later build uses the snapshot only when it is sure. Before reading anything
(``usable``): the same feedpub and config, the frozen pages' files as the last build
wrote them, the clock not behind the snapshot. While reading: the entry index finds
the records of the frozen ids whose files kept their stamps and leaves them undecoded,
and they must be the very records the snapshot knows (their digest: a run killed after
it saved the index, before it published, leaves records of an edit that never went
out); the ledger lines of the frozen ids must be the ones it knows. Anything else that
would touch a frozen page (a file read this build claiming a frozen id, an update dated
among the frozen ones, a ledger line of another id naming a frozen file) *thaws* the
build (``Thaw``): it starts again, reading everything, and writes a new snapshot. The
snapshot is a shortcut, never the source: deleting it costs one ordinary build.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from feedpub.ledger import Published
from feedpub.model import Entry
from feedpub.notices import Notice
from feedpub.state import read_document, write_document

FROZEN_NAME = "frozen.json"
FROZEN_KIND = "frozen-pages"

class Thaw(Exception):
    """Something touches a frozen page: the build must read every entry after all."""


@dataclass(frozen=True, slots=True)
class Frozen:
    """The frozen pages 1..len(pages) and what a build needs to know of them."""

    pages: list[list[str]]  # each frozen page's ids, oldest first, as the layout holds them
    ids: frozenset[str]  # every id of ``pages``
    files: int  # the entry files that hold them (a retracted one may have none)
    records: str  # ``EntryStore.files_digest`` of those files' index records
    lines: str  # ``lines_digest`` of the ledger lines of every frozen id, in the file's order
    last: tuple[float, str]  # (published timestamp, id) of the newest frozen id
    last_retraction: datetime | None  # the newest retraction among them
    entries: int  # their live (not retracted) entries
    latest: datetime  # the latest moment their state depends on: ``now`` must be later


def frozen_pages(pages: list[list[str]], files: int, records: str, lines: str,
                 last: tuple[float, str], last_retraction: datetime | None, entries: int,
                 latest: datetime) -> Frozen:
    return Frozen(pages, frozenset(key for page in pages for key in page), files, records,
                  lines, last, last_retraction, entries, latest)


def lines_digest(lines: list[str]) -> str:
    """A digest of ledger lines, in the order given (the file's, which sorts them by id)."""
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


def usable(frozen: Frozen | None, *, now: datetime, known_pages: Mapping[int, str],
           as_written: list[bool]) -> bool:
    """Whether a build may start from ``frozen``: every frozen page recorded and its files
    as the last build wrote them, the clock past the snapshot. (The entry files and the
    ledger lines are compared as they are read.)"""
    if frozen is None or not frozen.pages or now < frozen.latest:
        return False
    return all(number in known_pages for number in range(1, len(frozen.pages) + 1)) \
        and len(as_written) == len(frozen.pages) and all(as_written)


def freeze(previous: Frozen | None, pages: list[list[str]], ledger: Mapping[str, Published],
           line_of: Callable[[str], str], entries: Mapping[str, Entry | None],
           broken: frozenset[str], kept: frozenset[str],
           files_digest: Callable[[Iterable[str]], str], *, window_start: datetime,
           keep: timedelta | None, now: datetime) -> Frozen | None:
    """The snapshot after a build: ``previous``'s pages, then every later full page but
    the newest that is settled (see the module docstring), oldest first, up to the first
    that is not. ``ledger`` holds the records of the ids not frozen before, ``line_of``
    gives any id's line as the published ledger has it, ``entries`` are this build's
    files read (name → entry; None for a draft), ``kept`` the files of ``previous`` left
    unread, ``files_digest`` the entry index's digest of some files' records."""
    frozen = list(previous.pages) if previous else []
    candidates = pages[len(frozen):-1]
    if not candidates:
        return previous if frozen else None
    names = list(kept)
    retraction = previous.last_retraction if previous else None
    count = previous.entries if previous else 0
    latest = previous.latest if previous else None
    claims = Counter(entry.id for entry in entries.values() if entry is not None)
    for page in candidates:
        settled = _settled(page, ledger, entries, claims, broken, window_start, keep, now)
        if settled is None:
            break
        frozen.append(page)
        names += settled[0]
        count += settled[1]
        for record in (ledger[key] for key in page):
            latest = _latest(latest, record.published, record.modified)
            if record.retracted is not None:
                assert keep is not None  # _settled: tombstones that never expire never freeze
                retraction = _latest(retraction, record.retracted)
                latest = _latest(latest, record.retracted + keep)
    if previous is not None and len(frozen) == len(previous.pages):
        return previous
    if not frozen:
        return None
    assert latest is not None
    newest = frozen[-1][-1]
    digest = lines_digest([line_of(key) for key in sorted(key for page in frozen for key in page)])
    return frozen_pages(frozen, len(names), files_digest(names), digest,
                        (ledger[newest].published.timestamp(), newest), retraction, count, latest)


def _settled(page: list[str], ledger: Mapping[str, Published], entries: Mapping[str, Entry | None],
             claims: Counter[str], broken: frozenset[str], window_start: datetime,
             keep: timedelta | None, now: datetime) -> tuple[list[str], int] | None:
    """A page's files, and its live entries counted, when every id of it is settled;
    else None."""
    files: list[str] = []
    live = 0
    for key in page:
        record = ledger.get(key)
        if record is None or record.modified >= window_start or claims[key] > 1:
            return None
        if record.retracted is not None and (keep is None or record.retracted + keep > now):
            return None
        name = record.file
        if name in entries:
            entry = entries[name]
            if name in broken or entry is None or entry.id != key:
                return None
            files.append(name)
        elif record.retracted is None:
            return None
        live += record.retracted is None
    return files, live


def _latest(*times: datetime | None) -> datetime | None:
    return max((t for t in times if t is not None), default=None)


def read_frozen(folder: Path, context: str, notices: list[Notice]) -> Frozen | None:
    """The snapshot the last build wrote for ``context``, or None."""
    path = folder / FROZEN_NAME
    if not path.exists():
        return None
    body = read_document(path, FROZEN_KIND, notices)
    if body is None or body.get("context") != context:
        return None
    try:
        return _decoded(body)
    except (TypeError, ValueError, KeyError):
        notices.append(Notice(str(path), f"the {FROZEN_KIND} is not one this feedpub wrote; "
                                         "discarded, rebuilding it"))
        return None


def save_frozen(folder: Path, context: str, frozen: Frozen | None) -> None:
    """Write the snapshot (remove it when nothing is frozen)."""
    path = folder / FROZEN_NAME
    if frozen is None:
        path.unlink(missing_ok=True)
        return
    write_document(path, FROZEN_KIND, {
        "context": context, "pages": frozen.pages, "files": frozen.files,
        "records": frozen.records,
        "lines": frozen.lines, "last": list(frozen.last),
        "last_retraction": None if frozen.last_retraction is None
        else frozen.last_retraction.isoformat(),
        "entries": frozen.entries, "latest": frozen.latest.isoformat()})


def _decoded(body: Mapping[str, object]) -> Frozen:
    """The snapshot from its JSON; raises TypeError or ValueError unless it fits exactly."""
    pages, files, records, lines, last, entries = (
        body["pages"], body["files"], body["records"], body["lines"], body["last"],
        body["entries"])
    if not (type(pages) is list and all(type(p) is list and p and all(type(k) is str for k in p)
                                        for p in pages)):
        raise TypeError("pages")
    if type(files) is not int or type(records) is not str or type(lines) is not str \
            or type(entries) is not int or not (
            type(last) is list and len(last) == 2 and type(last[0]) in (int, float)
            and type(last[1]) is str):
        raise TypeError("facts")
    latest = _time(body["latest"])
    if latest is None:
        raise TypeError("latest")
    return frozen_pages(pages, files, records, lines, (float(last[0]), last[1]),
                        _time(body["last_retraction"]), entries, latest)


def _time(value: object) -> datetime | None:
    if value is None:
        return None
    if type(value) is not str:
        raise TypeError("time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("time without a zone")
    return moment
