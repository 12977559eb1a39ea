"""An entry's life after it went out: ids that never change, edits, retractions, the ledger.

``reconcile`` compares the entry files of this build with the ledger of what was
published before, and either refuses the build or says what to publish and what the
ledger becomes. Pure: no files, no clock (``now`` is the build's time, passed in), so
every rule can be tested on plain values.

Refused (``EntryError``, nothing is published; these are not the tolerant problems of
one broken file, which leave that file out and publish the rest):

- a published entry whose file is gone (unless it was retracted): deleting a file is
  not a retraction, and readers would keep the update forever without a word;
- a file that looks like a published one renamed (same ``published`` time, two of the
  three parts of its revision equal) but has a new id: readers would see a rerun;
- a published entry whose id changed, or that went back to being a draft;
- a ``published`` time other than the one the id went out with (an id is never reused
  for another update), and a retracted id used again for different content.

Recorded: an entry's ``updated`` is its front matter's when given, else the time of the
build that first saw its revision change, kept in the ledger so every later build (and
a fresh clone) writes the same bytes. Tombstones are announced for ``keep`` after the
retraction (forever when ``keep`` is None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import itemgetter
from typing import NamedTuple

from feedpub.errors import EntryError, EntryProblem
from feedpub.ledger import Ledger, Published, stamp
from feedpub.model import Entry, Tombstone

MAX_REFUSALS = 20  # then "… and N more": a changed id_base must not print 10 000 lines

Shown = Callable[[str], str]  # entry file name → the path shown in messages
LineOf = Callable[[str, str], "int | None"]  # (file name, field) → its line, when written


class Item(NamedTuple):
    """One entry file of this build and the entry it holds (a tuple: 10 000 are made by
    every build that changes anything)."""

    name: str
    entry: Entry


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What to publish, and the ledger that records it."""

    entries: list[Entry]  # live entries, ``updated`` resolved; retracted ones left out
    ledger: Ledger
    tombstones: list[Tombstone]  # retractions still announced, newest first
    problems: list[EntryProblem]  # tolerant: a second file claiming an id, left out
    expires: datetime | None  # when the next tombstone is due to be dropped
    last_retraction: datetime | None  # the newest retraction ever: feeds changed then


def reconcile(ledger: Ledger, due: list[Item], scheduled: list[Item],
              files: Mapping[str, Entry | None], broken: frozenset[str], *, now: datetime,
              keep: timedelta | None, shown: Shown, line_of: LineOf) -> Reconciled:
    """Check this build's entries against the ledger; EntryError lists every refusal."""
    claims, problems = _claims(due + scheduled, ledger, shown, line_of)
    refusals = _refusals(ledger, claims, files, broken, shown, line_of)
    if refusals:
        if len(refusals) > MAX_REFUSALS:
            refusals = [*refusals[:MAX_REFUSALS], more_refused(len(refusals), shown(""))]
        raise EntryError(refusals)
    due_ids = {item.entry.id for item in due}
    updated, entries = dict(ledger), []
    for item in (claims[key] for key in sorted(claims) if key in due_ids):
        entry = item.entry
        known = ledger.get(entry.id)
        record = _recorded(item, known, now)
        if record is not known:
            if record == known:
                record = known  # unchanged: it keeps its line, written back as it was read
            updated[record.id] = record
        if record.retracted is None:
            entries.append(entry if _same_modified(entry, record)
                           else replace(entry, updated=record.modified))
    tombstones, expires = _tombstones(updated, claims, now, keep)
    retractions = [r.retracted for r in updated.values() if r.retracted is not None]
    return Reconciled(entries, updated, tombstones, problems, expires,
                      max(retractions, default=None))


def _claims(items: list[Item], ledger: Ledger, shown: Shown,
            line_of: LineOf) -> tuple[dict[str, Item], list[EntryProblem]]:
    """Each id's one file; a second file claiming it is left out and named.

    The file the ledger has for the id keeps it; between new files, the first by name.
    """
    claims: dict[str, Item] = {}
    losers: list[Item] = []
    for item in sorted(items, key=itemgetter(0)):  # by file name
        key = item.entry.id
        known = claims.get(key)
        if known is None:
            claims[key] = item
            continue
        record = ledger.get(key)
        if record is not None and record.file == item.name:
            claims[key], item = item, known
        losers.append(item)
    problems = [EntryProblem(shown(item.name), "id", f'"{item.entry.id}" is already the id of '
                             f"{shown(claims[item.entry.id].name)}; ids must be unique",
                             line_of(item.name, "id")) for item in losers]
    return claims, problems


def _refusals(ledger: Ledger, claims: dict[str, Item], files: Mapping[str, Entry | None],
              broken: frozenset[str], shown: Shown, line_of: LineOf) -> list[EntryProblem]:
    refusals: list[EntryProblem] = []
    newcomers = [item for key, item in claims.items() if key not in ledger]
    for key in sorted(ledger):
        record = ledger[key]
        item = claims.get(key)
        if item is None:
            refusals.extend(_unclaimed(record, files, broken, newcomers, shown, line_of))
        else:
            refusals.extend(_claimed(record, item, shown, line_of))
    return refusals


def more_refused(total: int, folder: str) -> EntryProblem:
    """The line that stands for the refusals past the first ``MAX_REFUSALS`` of ``total``."""
    return EntryProblem(folder, None, f"… and {total - MAX_REFUSALS} more entries refused the "
                        "same way")


def _unclaimed(record: Published, files: Mapping[str, Entry | None], broken: frozenset[str],
               newcomers: list[Item], shown: Shown, line_of: LineOf) -> list[EntryProblem]:
    """A published id no file claims: deleted, renamed, re-identified or drafted again."""
    name = record.file
    if name in broken:
        return []  # the file is there but cannot be read: reported as a problem of its own
    if name in files:
        entry = files[name]
        if entry is None:
            if record.retracted is not None:
                return []
            return [EntryProblem(shown(name), "draft", f'the update was published as "{record.id}" '
                                 "and cannot go back to being a draft; remove draft: (or add "
                                 f"retracted: {stamp(_later(record))} to withdraw it)",
                                 line_of(name, "draft"))]
        return [EntryProblem(shown(name), "id", f'is "{entry.id}", but this file was published '
                             f'as "{record.id}"; a published id never changes: put back '
                             f'"id: {record.id}" (a new update needs a new file)',
                             line_of(name, "id"))]
    if record.retracted is not None:
        return []  # withdrawn, then deleted: the ledger keeps its id from being reused
    renamed = [item for item in newcomers if _looks_renamed(record, item.entry)]
    if renamed:
        return [EntryProblem(shown(item.name), None, f"looks like {shown(name)} renamed "
                             "(same published time and text); add "
                             f'"id: {record.id}" to its front matter so readers do not get the '
                             "update twice") for item in renamed]
    return [EntryProblem(shown(name), None, f'is gone, but it was published as "{record.id}"; '
                         "restore the file (add retracted: to it to withdraw the update), or, "
                         f'if you renamed it, add "id: {record.id}" to the new file')]


def _claimed(record: Published, item: Item, shown: Shown, line_of: LineOf) -> list[EntryProblem]:
    """A published id claimed again: it must be the same update, at the same time."""
    entry = item.entry
    if entry.published != record.published:
        return [EntryProblem(shown(item.name), "published", f"{stamp(entry.published)} is not "
                             f'when "{record.id}" was first published ({stamp(record.published)}); '
                             "a published update keeps its time: put it back, or give this file "
                             "an id of its own if it is a new update", line_of(item.name, "published"))]
    if record.retracted is not None and entry.retracted is None and entry.revision != record.revision:
        return [EntryProblem(shown(item.name), "id", f'"{record.id}" was retracted at '
                             f"{stamp(record.retracted)} and is never used again for other "
                             "content; give this update an id of its own (a new file name, or "
                             "id:)", line_of(item.name, "id"))]
    return []


def _looks_renamed(record: Published, entry: Entry) -> bool:
    """Same ``published`` time and at least two of the three revision parts equal."""
    if entry.published != record.published:
        return False
    same = sum(a == b for a, b in zip(record.revision.split("."), entry.revision.split("."),
                                      strict=False))
    return same >= 2


def _later(record: Published) -> datetime:
    return max(record.published, record.modified)


def _same_modified(entry: Entry, record: Published) -> bool:
    """``entry.updated == record.modified``, answered without comparing times when neither
    was ever edited (each side's two times are then one object, see ``cache`` and
    ``ledger``): an entry's time and the ledger's are in different zones, and such a
    comparison, made for every entry of every build, costs ten times one in one zone."""
    if entry.updated is entry.published and record.modified is record.published:
        return True  # both unedited, and their published times are equal (``_claimed``)
    return entry.updated == record.modified


def _recorded(item: Item, record: Published | None, now: datetime) -> Published:
    """The ledger record after this build: when what is published under the id changed
    (``record`` itself when nothing did, as for most entries of most builds). ``record``,
    when given, has the entry's ``published``: ``_claimed`` refused the build otherwise."""
    entry = item.entry
    if record is not None and record.retracted is None and entry.retracted is None \
            and entry.revision == record.revision \
            and item.name == record.file \
            and (entry.updated == entry.published or entry.updated == record.modified):
        return record
    given = entry.updated if entry.updated != entry.published else None
    if record is None:
        modified = entry.updated
    elif record.retracted is not None and entry.retracted is None:
        # restored: it must be newer than its tombstone, or readers keep it deleted
        modified = given if given is not None and given > record.retracted else now
    elif given is not None:
        modified = given
    elif entry.revision != record.revision:
        modified = now  # an edit without updated: the build that first saw it dates it
    else:
        modified = record.modified
    return Published(entry.id, entry.published, modified, entry.revision, item.name,
                     entry.retracted)


def _tombstones(ledger: Ledger, claims: dict[str, Item], now: datetime,
                keep: timedelta | None) -> tuple[list[Tombstone], datetime | None]:
    """Retractions still announced (newest first) and when the next one expires."""
    live: list[Tombstone] = []
    expiries: list[datetime] = []
    for record in ledger.values():
        if record.retracted is None:
            continue
        if keep is not None:
            expiry = record.retracted + keep
            if expiry <= now:
                continue
            expiries.append(expiry)
        item = claims.get(record.id)
        reason = item.entry.reason if item is not None and item.entry.retracted else None
        live.append(Tombstone(record.id, record.retracted, reason))
    live.sort(key=lambda t: (t.when, t.ref), reverse=True)
    return live, min(expiries, default=None)
