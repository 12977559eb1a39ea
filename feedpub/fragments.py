"""Checking a feed by its items: each item once, when rendered; the document every build.

A build that re-rendered and re-checked every item of every feed cost what exists,
not what changed. Here an item is checked when it is rendered, inside its document's
envelope (the head and tail the same build renders), by the same validator
``validate`` runs; its findings are kept with its bytes. Every build then checks what
can change without the item changing:

- the envelope: the head and tail alone, as a document of their own;
- the rules across items (``DOCUMENT_RULES``): the same id twice, a feed id shared
  with an entry, from the id (and Atom ``updated``) each item's check recorded;
- the order and the closing rules: items newest first, the closing item first and not
  older than any item, and the feed's own time not older than any item's.

What decides whether a finding is an item's or the document's is its position: a
finding inside an item's lines belongs to the item (with its line counted from the
item's first), anything else to the envelope, except the rules across items, which
are always the document's. ``check_items`` and ``check_document`` together give the
findings ``validate_bytes`` gives the whole document (the property tests compare them),
within the validator's own limits (``RULE_LIMIT``, ``ERROR_LIMIT``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from feedpub.errors import CheckFinding
from feedpub.formats import Parts

# A warning when `validate` judges someone else's feed, but a build error here: entries are
# sanitized when parsed, so a script or event handler in a rendered feed means something
# (a tampered cache, a sanitizer bug) got past that, and nothing is published.
ERRORS_IN_OUR_OWN_FEEDS = frozenset({"html-unsafe"})

# Rules whose finding sits in an item but depends on other items or on the feed's id; and
# those between the Atom head's tombstones and the entries (checked by ``_tombstones``).
DOCUMENT_RULES = frozenset({"rss-guid-duplicate", "atom-entry-id-duplicate", "atom-id-shared",
                            "json-id-duplicate", "at-ref-live-entry", "at-ref-restored"})

Position = tuple[int, int]  # (line counted from the item's first, column)
Found = tuple[str, str, str, int, int]  # severity, rule, message, line in the item, column


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What the document's rules need to know of an item, read from its bytes."""

    id: str | None  # the guid (RSS) or id; None when it has none (the item check says so)
    where: Position  # where the id is, for a finding about it
    updated: str  # Atom's <updated> text ("" elsewhere): duplicates report whether it differs
    published: int | None  # RSS pubDate, Atom published, JSON date_published (µs since 1970)
    latest: int | None  # the later of published and updated (modified), likewise


@dataclass(frozen=True, slots=True)
class ItemCheck:
    """An item's own findings (positions counted from its first line) and its facts."""

    findings: tuple[Found, ...]
    facts: ItemFacts


def check_items(name: str, parts: Parts) -> list[ItemCheck]:
    """Each item of ``parts`` checked in the envelope it came with (one validator run)."""
    from feedpub.validate import validate_bytes

    starts = item_lines(parts)
    data = parts.head + parts.joiner.join(parts.items) + parts.tail
    found: list[list[Found]] = [[] for _ in parts.items]
    for finding in validate_bytes(data):
        index = _item_at(starts, parts, finding.line)
        if index is None or finding.rule in DOCUMENT_RULES:
            continue  # the envelope's, or across items: checked with the document
        found[index].append((_severity(finding.severity, finding.rule), finding.rule,
                             finding.message, finding.line - starts[index] + 1, finding.column))
    return [ItemCheck(tuple(f), item_facts(name, item)) for f, item in zip(found, parts.items,
                                                                          strict=True)]


def item_lines(parts: Parts) -> list[int]:
    """The line each item starts on in ``head + joiner.join(items) + tail``."""
    line = parts.head.count(b"\n") + 1
    step = parts.joiner.count(b"\n")
    starts = []
    for item in parts.items:
        starts.append(line)
        line += item.count(b"\n") + step
    return starts


def _item_at(starts: list[int], parts: Parts, line: int) -> int | None:
    from bisect import bisect_right

    index = bisect_right(starts, line) - 1
    if line <= 0 or index < 0:
        return None
    last = starts[index] + parts.items[index].count(b"\n") - (0 if parts.joiner else 1)
    return index if line <= last else None


def severity_in_our_feeds(severity: str, rule: str) -> str:
    """The validator's severity, but errors for what our own output must never carry."""
    return "error" if rule in ERRORS_IN_OUR_OWN_FEEDS else severity


_severity = severity_in_our_feeds


_RSS_GUID = re.compile(rb"<guid\b[^>]*>([^<]*)</guid>")
_ATOM_ID = re.compile(rb"<id>([^<]*)</id>")
# (published, updated) of an item, and the feed's own time in the head.
_DATES = {
    "rss": (re.compile(rb"<pubDate>([^<]*)</pubDate>"), None),
    "atom": (re.compile(rb"<published>([^<]*)</published>"), re.compile(rb"<updated>([^<]*)</updated>")),
    "json": (re.compile(rb'\n      "date_published": "([^"\\]*)"'),
             re.compile(rb'\n      "date_modified": "([^"\\]*)"')),
}
_HEAD_DATE = {"rss": re.compile(rb"<lastBuildDate>([^<]*)</lastBuildDate>"),
              "atom": re.compile(rb"<updated>([^<]*)</updated>")}
_JSON_ID = re.compile(rb'\A    \{\n      "id": ("(?:[^"\\]|\\.)*")')


def item_facts(name: str, item: bytes) -> ItemFacts:
    """The id and dates of one item as our renderers lay it out (the tests check them
    against the validator's own findings on whole documents); a missing one is None."""
    published_at, updated_at = _DATES[name]
    published_text = _text(published_at, item)
    updated_text = _text(updated_at, item) if updated_at else ""
    published = _time(name, published_text)
    updated = _time(name, updated_text) if updated_text else None
    latest = max(published, updated) if published and updated else (published or updated)
    if name == "json":
        found = _JSON_ID.search(item)
        if found is None:
            return ItemFacts(None, (0, 0), "", published, latest)
        import orjson

        return ItemFacts(orjson.loads(found[1]), (2, 7), "", published, latest)
    found = (_RSS_GUID if name == "rss" else _ATOM_ID).search(item)
    if found is None:
        return ItemFacts(None, (0, 0), "", published, latest)
    value = html.unescape(found[1].decode())
    where = _position(item, found.start())
    return ItemFacts(value.strip() if name == "rss" else value, where,
                     updated_text if name == "atom" else "", published, latest)


def _text(pattern: re.Pattern[bytes], data: bytes) -> str:
    found = pattern.search(data)
    return html.unescape(found[1].decode()) if found else ""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


_RFC822 = re.compile(r"[A-Z][a-z]{2}, (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) \+0000")
_MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def _rfc822(text: str) -> datetime:
    """An RSS date: the form our renderer writes, read directly (ten times faster than
    the email module, which reads any other)."""
    found = _RFC822.fullmatch(text)
    if found is None or found[2] not in _MONTHS:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text)
    day, month, year, hour, minute, second = (int(found[1]), _MONTHS[found[2]], int(found[3]),
                                              int(found[4]), int(found[5]), int(found[6]))
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _time(name: str, text: str) -> int | None:
    """A date of the document as microseconds since 1970 (None: missing, or not a date)."""
    if not text:
        return None
    try:
        moment = _rfc822(text) if name == "rss" else datetime.fromisoformat(
            text.replace("Z", "+00:00"))
    except (ValueError, TypeError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class DocumentItems:
    """A document's items as columns, in document order: cheap to keep for 10 000 items."""

    starts: list[int]  # the line each item starts on in the document
    findings: list[tuple[int, Found]]  # (item index, finding), for the few items with any
    ids: list[str | None]
    where: list[tuple[int, int]]
    updated: list[str]
    published: list[int | None]
    latest: list[int | None]


def check_document(name: str, filename: str, envelope: Parts, items: DocumentItems,
                   items_lines: int, feed_id: str, closing_id: str | None) -> list[CheckFinding]:
    """Every finding of the assembled document: the envelope's, each item's own, and the
    rules across items; sorted by position, within the validator's limits.

    ``envelope`` holds the head, tail and joiner (its items are ignored); ``items_lines``
    is how many line breaks the items and their joiners add.
    """
    from feedpub.validate import validate_bytes

    head, tail = envelope.head, envelope.tail
    head_lines = head.count(b"\n")
    found: list[CheckFinding] = []
    for finding in validate_bytes(head + tail):
        line = finding.line
        if line > head_lines:
            line += items_lines
        found.append(CheckFinding(filename, line, finding.column,
                                  _severity(finding.severity, finding.rule), finding.rule,
                                  finding.message))
    for index, (severity, rule, message, line, column) in items.findings:
        found.append(CheckFinding(filename, items.starts[index] + line - 1, column, severity, rule,
                                  message))
    found += _across_items(name, filename, head, items, feed_id)
    if name == "atom" and b"deleted-entry" in head:
        found += _tombstones(filename, head + tail, items)
    found += _order(name, filename, head, items, closing_id)
    return _limited(sorted(found, key=lambda f: (f.line, f.column)))


def _across_items(name: str, filename: str, head: bytes, items: DocumentItems,
                  feed_id: str) -> list[CheckFinding]:
    """The validator's rules across items, from each item's facts, in document order."""
    ids = items.ids
    if len(set(ids)) == len(ids) and (name != "atom" or feed_id not in ids):
        return []  # the common case, decided at the speed of a set
    from feedpub.validate import atom, jsonfeed, rss

    found = []
    seen: dict[str, str] = {}
    for index, ident in enumerate(ids):
        if ident is None or (name != "atom" and not ident.strip()):
            continue
        line, column = items.starts[index] + items.where[index][0] - 1, items.where[index][1]
        previous = seen.get(ident)
        if previous is not None:
            if name == "rss":
                found.append(CheckFinding(filename, line, column, "error", rss.GUID_DUPLICATE,
                                          rss.guid_duplicate(ident)))
            elif name == "json":
                found.append(CheckFinding(filename, line, column, "error",
                                          jsonfeed.ID_DUPLICATE, jsonfeed.id_duplicate(ident)))
            else:
                found.append(CheckFinding(filename, line, column, "warning",
                                          atom.ENTRY_ID_DUPLICATE, atom.entry_id_duplicate(
                                              ident, same_updated=previous == items.updated[index])))
        seen[ident] = items.updated[index]
    if name == "atom" and feed_id in seen:
        line, column = _position(head, head.find(b"<id>"))
        found.append(CheckFinding(filename, line, column, "warning", atom.ID_SHARED,
                                  atom.id_shared(feed_id)))
    return found


TOMBSTONE_RULES = frozenset({"at-ref-live-entry", "at-ref-restored"})


def _tombstones(filename: str, envelope: bytes, items: DocumentItems) -> list[CheckFinding]:
    """RFC 6721's rules between the tombstones (in the head) and the live entries (the
    items), by the validator's own check, given the items' ids and ``updated``."""
    from feedpub.validate import history, xmlsafe
    from feedpub.validate.findings import Report

    report = Report(envelope)
    root = xmlsafe.parse(envelope, report)
    if root is None:
        return []  # the envelope's own check reports it
    live = {ident: updated for ident, updated in zip(items.ids, items.updated, strict=True)
            if ident is not None}
    history.check_tombstones(root, live, report)
    return [CheckFinding(filename, f.line, f.column, f.severity, f.rule, f.message)
            for f in report.findings if f.rule in TOMBSTONE_RULES]


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a byte offset (of ASCII markup, so bytes are columns)."""
    if offset < 0:
        return 0, 0
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _order(name: str, filename: str, head: bytes, items: DocumentItems,
           closing_id: str | None) -> list[CheckFinding]:
    """feedpub's own promises about a document: newest first, the closing item first and
    published after every update (corrections may come later), and the feed's time not
    older than any item's."""
    found = []
    count = len(items.ids)
    if closing_id is not None and (not count or items.ids[0] != closing_id):
        found.append(CheckFinding(filename, items.starts[0] if count else 0, 1, "error",
                                  "document-closing-first", "the closing item is not the "
                                  "document's first item"))
    start = 1 if closing_id is not None else 0
    dates = [d for d in items.published[start:] if d is not None]
    if dates != sorted(dates, reverse=True):
        index = next(i for i in range(start + 1, count) if _newer(items.published, i))
        found.append(CheckFinding(filename, items.starts[index], 1, "error", "document-order",
                                  "this item is newer than the one before it; items go newest "
                                  "first"))
    if closing_id is not None and count and items.published[0] is not None and dates \
            and max(dates) > items.published[0]:
        found.append(CheckFinding(filename, items.starts[0], 1, "error", "document-closing-first",
                                  "an update was published after the closing item"))
    latest = max((t for t in items.latest if t is not None), default=None)
    pattern = _HEAD_DATE.get(name)
    stamp = pattern.search(head) if pattern else None
    feed_time = _time(name, html.unescape(stamp[1].decode())) if stamp else None
    if stamp is not None and feed_time is not None and latest is not None and latest > feed_time:
        found.append(CheckFinding(filename, head.count(b"\n", 0, stamp.start()) + 1, 1, "error",
                                  "document-date", "the feed's time is older than one of its "
                                  "items"))
    return found


def _newer(published: list[int | None], index: int) -> bool:
    """Whether item ``index`` is newer than the last dated item before it."""
    now = published[index]
    before = next((published[i] for i in range(index - 1, -1, -1) if published[i] is not None),
                  None)
    return now is not None and before is not None and now > before


def _limited(found: list[CheckFinding]) -> list[CheckFinding]:
    """The validator's limits on findings, applied to the document as a whole."""
    from feedpub.validate.findings import ERROR_LIMIT, RULE_LIMIT

    kept: list[CheckFinding] = []
    counts: dict[str, int] = {}
    errors = 0
    for finding in found:
        if finding.severity == "error":
            errors += 1
            if errors > ERROR_LIMIT:
                break
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
        if counts[finding.rule] <= RULE_LIMIT:
            kept.append(finding)
    return kept
