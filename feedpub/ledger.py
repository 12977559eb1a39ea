"""The ledger: every entry id the blog has published, in a text file committed with the entries.

The entry cache in ``.feedpub/`` is a machine's private shortcut and may vanish (a fresh
clone, CI, a deleted folder). What must never vanish is the history that keeps ids
stable: which ids went out, when each was first published, what was last published
under it (a digest) and when that changed, and which were retracted. That is this
file, ``feedpub.ledger`` beside ``feedpub.toml`` by default::

    # feedpub ledger: …
    tag:x.org,2024:live/01 published=2024-12-07T07:00:00Z revision=… file="01.md"
    tag:x.org,2024:live/16 published=…T18:30:00Z modified=…T19:05:00Z revision=… file="16.md"
    tag:x.org,2024:live/23 published=… revision=… retracted=…T13:20:00Z file="23.md"

One line per id, sorted by id, so two branches that add different entries touch
different lines; ``modified`` is left out while it equals ``published``. A merge that
keeps both sides' lines for one id (git's ``merge=union``, or a person resolving a
conflict) is read as one record: the earliest ``published``, the latest ``modified``
with its revision and file, the earliest ``retracted``. Conflict markers are refused
with the line to fix. The build writes the file only when it changed, in the same
all-or-nothing set as the feeds (``output.publish``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feedpub.dates import representable, to_utc
from feedpub.errors import EntryError, EntryProblem

HEADER = (
    "# feedpub ledger: every entry id this blog has published, one line each, sorted by id.\n"
    "# Written by 'publish.py build'; commit it with the entries. After a merge conflict, keep\n"
    "# the lines of both sides and delete only the conflict marker lines (README, \"The ledger\").\n"
)
_HEAD = re.compile(
    r"(?P<id>\S+) published=(?P<published>\S+)(?: modified=(?P<modified>\S+))?"
    r" revision=(?P<revision>[0-9a-f.]+)(?: retracted=(?P<retracted>\S+))?")
_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


@dataclass(slots=True)  # not frozen: 10 000 are made per build, and frozen init is slower
class Published:
    """What the ledger knows of one id (never changed once made)."""

    id: str
    published: datetime  # the entry's ``published``, which never changes once it went out
    modified: datetime  # when what is published under the id last changed
    revision: str  # Entry.revision of what was last published
    file: str  # the entry file's name in the entries folder
    retracted: datetime | None = None
    # The line this record was read from, written back as is while the record is
    # unchanged: formatting 10 000 unchanged lines would cost a one-entry build 0.1 s.
    line: str = field(default="", compare=False, repr=False)


Ledger = dict[str, Published]


def read_ledger(path: Path, shown: str) -> Ledger:
    """The ledger at ``path`` (empty when there is none yet); EntryError naming the line."""
    return read_ledger_except(path, shown, frozenset())[0]


def read_ledger_except(path: Path, shown: str, ids: frozenset[str]) -> tuple[Ledger, list[str]]:
    """The ledger at ``path`` without the records of ``ids``, and those ids' lines as they
    are (in the file's order): the frozen archive pages' ids (``frozen``), whose lines a
    build writes back untouched rather than parsing 10 000 of them."""
    try:
        # utf-8-sig: README asks for a hand edit after a merge conflict, and Notepad saves
        # a byte order mark, which made the header "not a ledger line" and stopped the build
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return {}, []
    except UnicodeDecodeError:
        raise EntryError([EntryProblem(shown, None, "is not UTF-8 text; restore it from "
                                       "version control")]) from None
    return split_ledger(text, shown, ids)


def parse_ledger(text: str, shown: str) -> Ledger:
    """Every record of ``text``; lines for the same id (a merge) are combined into one."""
    return split_ledger(text, shown, frozenset())[0]


def split_ledger(text: str, shown: str, ids: frozenset[str]) -> tuple[Ledger, list[str]]:
    """Every record of ``text`` but those of ``ids``, whose lines are returned as they are;
    lines for the same id (a merge) are combined into one."""
    ledger: Ledger = {}
    aside: list[str] = []
    plain = _PLAIN.fullmatch
    for number, line in enumerate(text.splitlines(), start=1):
        if ids and line.partition(" ")[0] in ids:
            aside.append(line)
            continue
        found = plain(line)
        if found is not None:  # most lines: every field in one match, the time in UTC
            id_, published, modified, revision, retracted, file = found.groups()
            try:
                when = fromisoformat(published)
                record = Published(id_, when, fromisoformat(modified) if modified else when,
                                   revision, file,
                                   fromisoformat(retracted) if retracted else None, line)
            except ValueError:  # 2024-13-07: _record names the line
                record = _record(line, number, shown)
        elif not line.strip() or line.startswith("#"):
            continue
        else:
            record = _record(line, number, shown)
        known = ledger.get(record.id)
        ledger[record.id] = record if known is None else combined(known, record)
    return ledger, aside


fromisoformat = datetime.fromisoformat
# A line as ledger_line writes it when the file name needs no escape and every time is
# in UTC (``stamp``): the fast path of parse_ledger; anything else goes through _record.
_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z"
_PLAIN = re.compile(
    rf"(\S+) published=({_UTC})(?: modified=({_UTC}))? revision=([0-9a-f.]+)"
    rf'(?: retracted=({_UTC}))? file="([^"\\\x00-\x1f]+)"')


def _record(line: str, number: int, shown: str) -> Published:
    if line.startswith(_MARKERS):
        raise EntryError([EntryProblem(shown, None, "has a merge conflict marker; keep the lines "
                                       "of both sides and delete only the marker lines "
                                       "(<<<<<<<, =======, >>>>>>>), then build again", number)])
    line = line.rstrip()
    head, _, quoted_file = line.partition(' file="')
    found = _HEAD.fullmatch(head)
    try:
        if found is None or not quoted_file:
            raise ValueError
        file = quoted_file[:-1] if '"' not in quoted_file[:-1] and "\\" not in quoted_file \
            else json.loads('"' + quoted_file)
        if not isinstance(file, str) or not file or not quoted_file.endswith('"'):
            raise ValueError
        published = _time(found["published"])
        return Published(found["id"], published,
                         _time(found["modified"]) if found["modified"] else published,
                         found["revision"], file,
                         _time(found["retracted"]) if found["retracted"] else None, line)
    except ValueError:
        raise EntryError([EntryProblem(shown, None, "is not a ledger line (id published=… "
                                       "revision=… file=\"…\"); restore it from version "
                                       "control", number)]) from None


def _time(text: str) -> datetime:
    """An aware time every format can write (in UTC within the years 0001-9999): a line
    edited by hand to 0001-01-01T00:00:00+14:00 failed later, as an OverflowError."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or not representable(moment):
        raise ValueError(text)
    return moment


def combined(first: Published, second: Published) -> Published:
    """One record from two lines of one id (both sides of a merge kept)."""
    newer = second if (second.modified, second.revision) > (first.modified, first.revision) \
        else first
    retractions = [r for r in (first.retracted, second.retracted) if r is not None]
    return Published(first.id, min(first.published, second.published), newer.modified,
                     newer.revision, newer.file, min(retractions) if retractions else None)
    # (no line: a combined record is written afresh)


def ledger_text(ledger: Ledger, aside: Sequence[str] = ()) -> str:
    """The file's text: the header, then one line per id in id order; ``aside`` are lines
    written back as they were read (``split_ledger``)."""
    if not aside:
        return HEADER + "".join(ledger_line(ledger[key]) + "\n" for key in sorted(ledger))
    lines = {key: ledger_line(record) for key, record in ledger.items()}
    lines.update((line.partition(" ")[0], line) for line in aside)
    return HEADER + "".join(lines[key] + "\n" for key in sorted(lines))


def ledger_line(record: Published) -> str:
    """The record's line in the ledger: everything known of the id, in one string."""
    if record.line:
        return record.line
    parts = [record.id, f"published={stamp(record.published)}"]
    if record.modified != record.published:
        parts.append(f"modified={stamp(record.modified)}")
    parts.append(f"revision={record.revision}")
    if record.retracted is not None:
        parts.append(f"retracted={stamp(record.retracted)}")
    parts.append(f"file={_quoted_name(record.file)}")
    return " ".join(parts)


def _quoted_name(name: str) -> str:
    """The file name as a JSON string: readable, and escaped where UTF-8 cannot hold it
    (a name that is not UTF-8 on disk comes to Python with lone surrogates) and where a
    reader would see a line break (U+0085, U+2028, U+2029: JSON leaves them raw)."""
    readable = json.dumps(name, ensure_ascii=False)
    try:
        readable.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(name)
    return readable.translate(_LINE_BREAKS)


_LINE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"}


def stamp(moment: datetime) -> str:
    """A time as the ledger writes it: UTC, with the fraction only when there is one."""
    return to_utc(moment).isoformat().replace("+00:00", "Z")
