"""Feed paging and archiving (RFC 5005) and deleted entries (RFC 6721), for Atom and,
per RFC 5005 Appendix B, for RSS 2.0 with ``atom:link``.

The link relations describe one document's place in a logical feed:

- a *complete* feed (``fh:complete``) is the whole feed in one document, so it has no
  paging or archive links, and its ``current`` link, if any, is itself (section 2);
- a *paged* feed's first page has no previous page and its last no next (section 3);
- an *archived* feed is a subscription document plus archive documents (section 4).
  An archive document is one whose ``current`` link points elsewhere (at the
  subscription document) or that has a ``next-archive`` link (the subscription
  document is always the newest, so nothing follows it); it SHOULD carry
  ``fh:archive`` and SHOULD link to the subscription document with ``current``.
  A document cannot be both complete and an archive.

Tombstones: ``at:deleted-entry`` names a removed entry by ``ref`` and says ``when``.
No two may share both (RFC 6721 section 3). One may sit beside a live ``atom:entry``
with the same id, and readers then compare the entry's ``atom:updated`` with the
tombstone's ``when``: an entry deleted at or after its last update, yet still
published, is a contradiction (an error); one updated after its deletion was
restored, which is legal but leaves the tombstone stale (a warning).
"""

from __future__ import annotations

from datetime import datetime

from feedpub.validate.common import AT, ATOM, FH, short
from feedpub.validate.dates import rfc3339
from feedpub.validate.findings import Report
from feedpub.validate.urls import uri_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

Links = list[tuple[str, str]]

PAGING_RELS = frozenset({"first", "last", "previous", "prev", "next"})
ARCHIVE_RELS = frozenset({"prev-archive", "next-archive"})
# Relations RFC 5005 defines for a feed's head; in an entry they describe nothing.
HEAD_ONLY_RELS = frozenset({"first", "last", "current", "prev-archive", "next-archive"})
_COMPLETE = f"{{{FH}}}complete"
_ARCHIVE = f"{{{FH}}}archive"
TOMBSTONE = f"{{{AT}}}deleted-entry"
_ATOM_NAME = f"{{{ATOM}}}name"


def check_history(feed: Any, links: Links, report: Report) -> None:
    """The head of a feed (or channel): complete, paged and archive rules together."""
    complete = feed.find(_COMPLETE)
    archive = feed.find(_ARCHIVE)
    if complete is not None:
        _check_complete(complete, archive, links, report)
    check_past_end(links, report, feed)
    if complete is None:
        _check_archive(feed, archive, links, report)


def _check_complete(complete: Any, archive: Any, links: Links, report: Report) -> None:
    for rel, _href in links:
        if rel in PAGING_RELS or rel in ARCHIVE_RELS:
            report.error(
                "fh-complete-with-paging",
                f'a complete feed (fh:complete) must not have a "{rel}" link (RFC 5005 2)',
                complete)
    selfs = {href for rel, href in links if rel == "self"}
    for rel, href in links:
        if rel == "current" and href not in selfs:
            report.error(
                "fh-complete-current-not-self",
                'in a complete feed the "current" link must be the feed itself (RFC 5005 2)',
                complete)
    if archive is not None:
        report.error(
            "fh-complete-and-archive",
            "a document cannot be both the complete feed (fh:complete) and an archive of it "
            "(fh:archive) (RFC 5005 2 and 4)", archive)


def _check_archive(feed: Any, archive: Any, links: Links, report: Report) -> None:
    rels = {rel for rel, _ in links}
    if archive is not None:
        if "current" not in rels:
            report.warning(
                "fh-archive-without-current",
                'an archive document (fh:archive) should link to its feed with rel="current" '
                "(RFC 5005 4)", archive)
        if not rels & ARCHIVE_RELS:
            report.warning(
                "fh-archive-unlinked",
                'an archive document (fh:archive) has no "prev-archive" or "next-archive" link, '
                "so readers cannot walk the archive (RFC 5005 4)", archive)
    elif _is_archive_document(links):
        report.warning(
            "fh-archive-missing",
            'this document is an archive (a "next-archive" link, or a "current" link to '
            "another document) but has no fh:archive element (RFC 5005 4: archive documents "
            "SHOULD carry it)", feed)


def _is_archive_document(links: Links) -> bool:
    """RFC 5005 4: only archive documents have something after them, or point elsewhere
    for the current entries."""
    rels = {rel for rel, _ in links}
    if "next-archive" in rels:
        return True
    selfs = {href for rel, href in links if rel == "self"}
    current = {href for rel, href in links if rel == "current"}
    return bool(selfs and current - selfs and "prev-archive" in rels)


def check_past_end(links: Links, report: Report, where: Any) -> None:
    """RFC 5005 paging: the first page has no previous page, the last no next page."""
    selfs = {href for rel, href in links if rel == "self"}
    if not selfs:
        return
    rels = {rel for rel, _ in links}
    for end, beyond in (("first", ("previous", "prev")), ("last", ("next",))):
        if any(rel == end and href in selfs for rel, href in links):
            for rel in beyond:
                if rel in rels:
                    report.error(
                        "fh-link-past-end",
                        f'this document is the "{end}" page (its self link) yet has a "{rel}" '
                        "link past the end of the list (RFC 5005 3)", where)


def check_entry_links(entry: Any, links: Links, report: Report) -> None:
    """Paging and archive relations belong to the feed's head, not to an entry."""
    for rel, _href in links:
        if rel in HEAD_ONLY_RELS:
            report.warning(
                "fh-link-in-entry",
                f'a "{rel}" link inside an <entry>: RFC 5005 defines it for the feed itself; '
                "move it to the feed if it is meant for paging or archiving", entry)


def check_tombstone(tomb: Any, report: Report) -> None:
    """RFC 6721: at:deleted-entry needs a ref IRI and a when date-time."""
    ref = tomb.get("ref")
    if ref is None:
        report.error("at-ref-missing", "<at:deleted-entry> has no ref attribute", tomb)
    elif uri_problem(ref, absolute=True):
        report.error("at-ref-invalid", f'<at:deleted-entry> ref "{short(ref)}" is not an IRI', tomb)
    for by in tomb.iterchildren(f"{{{AT}}}by"):
        if by.find(_ATOM_NAME) is None:
            report.error("at-by-name-missing",
                         "<at:by> is a person construct and needs an <atom:name> (RFC 6721 2.1)",
                         by)
    when = tomb.get("when")
    if when is None:
        report.error("at-when-missing", "<at:deleted-entry> has no when attribute", tomb)
    elif rfc3339(when):
        report.error(
            "at-when-invalid", f'<at:deleted-entry> when "{short(when)}" is not RFC 3339', tomb)


def check_tombstones(feed: Any, live: dict[str, str], report: Report) -> None:
    """Every tombstone of a feed, against each other and the live entries (id → updated)."""
    seen: set[tuple[str, str]] = set()
    for tomb in feed.iterchildren(TOMBSTONE):
        check_tombstone(tomb, report)
        ref, when = tomb.get("ref"), tomb.get("when")
        if ref is None:
            continue
        if when is not None:
            if (ref, when) in seen:
                report.error(
                    "at-deleted-entry-duplicate",
                    f'two <at:deleted-entry> elements have ref "{short(ref)}" and when "{when}"; '
                    "RFC 6721 3 allows one", tomb)
            seen.add((ref, when))
        if ref in live:
            _check_live(tomb, ref, when, live[ref], report)


def _check_live(tomb: Any, ref: str, when: str | None, updated: str, report: Report) -> None:
    deleted, changed = _instant(when), _instant(updated)
    if deleted is not None and changed is not None and changed > deleted:
        report.warning(
            "at-ref-restored",
            f'entry "{short(ref)}" was updated ({updated}) after this tombstone deleted it '
            f"({when}), so readers treat it as restored; drop the stale tombstone", tomb)
        return
    report.error(
        "at-ref-live-entry",
        f'<at:deleted-entry> deletes "{short(ref)}", yet an <entry> with that id is still in the '
        "document and was not updated after the deletion: remove the entry (or the tombstone, "
        "if it was restored, with a newer atom:updated)", tomb)


def _instant(value: str | None) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime, or None if absent or invalid."""
    if value is None or rfc3339(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:  # a leap second (":60") is valid RFC 3339 but not for datetime
        return None
