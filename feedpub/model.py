"""The format-neutral model: what a feed says, not how any format spells it.

Plain frozen dataclasses that every renderer reads and none changes. This module
imports nothing from the rest of the package, so the model can
never depend on a renderer, a file or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

# The closing item's id is the blog's id_base followed by this; no entry may take it.
CLOSING_ID_SUFFIX = "closed"


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A video or audio file an entry links to: RSS ``<enclosure>``, Atom
    ``rel="enclosure"``, a JSON Feed attachment. ``length`` in bytes when known
    (feedpub never fetches the file, so it is unknown unless given)."""

    url: str
    media_type: str
    length: int | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One update of the live blog, already sanitized and with absolute URLs.

    ``id`` never changes once published (it does not depend on the site's URL), so
    readers never show an edited entry twice. ``source`` is the entry file, kept for
    error messages only.

    ``updated`` is the time of the last edit (``published`` when there was none).
    ``correction`` is the editor's note on what an edit corrected; the feed shows it
    above the content with the time of the edit. ``retracted`` (with ``reason``) keeps
    the file as the record of an update withdrawn from the feeds. ``revision`` is a
    digest of what the author wrote (``title.body.other fields``, times and retraction
    aside), so an edit is told from a rebuild, and a renamed file from a new one.
    """

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    content_html: str
    summary: str | None = None
    authors: tuple[Author, ...] = ()
    tags: tuple[str, ...] = ()
    image: str | None = None
    language: str | None = None
    source: str = ""
    enclosures: tuple[Enclosure, ...] = ()
    correction: str | None = None
    retracted: datetime | None = None
    reason: str | None = None
    revision: str = ""


@dataclass(frozen=True, slots=True)
class Tombstone:
    """An entry withdrawn from the feed (RFC 6721 ``at:deleted-entry``): its id, when, why."""

    ref: str
    when: datetime
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class History:
    """A document's place in an archived feed (RFC 5005 section 4), URLs per format name.

    ``archive`` is true for an archive page (``fh:archive``); ``current`` is the
    subscription document (for pages); ``prev_archive`` the next older page and
    ``next_archive`` the next newer one, each None where there is none.
    """

    archive: bool
    current: dict[str, str] | None = None
    prev_archive: dict[str, str] | None = None
    next_archive: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Closing:
    """The end of a live blog: the final item every format shows first.

    ``continued_at`` is where coverage goes on; ``at`` is when the blog closed and is
    never earlier than the newest entry.
    """

    id: str
    title: str
    content_html: str
    continued_at: str
    at: datetime
    message: str = ""  # the plain-text sentence of content_html, for the page's banner


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A file of the blog's media folder, published beside the feeds under ``name``.

    Knowing its exact length and type lets the feeds announce it as an enclosure
    (RSS requires both); an image elsewhere on the web is announced as media only.
    """

    name: str
    url: str
    media_type: str
    length: int


@dataclass(frozen=True, slots=True)
class Page:
    """What the HTML page needs beyond the feed itself.

    ``template`` is the text of the user's own Jinja2 template (None: the shipped one),
    read by the pipeline so that the renderer never opens a file; ``started`` is when
    coverage began (the first entry, before any item limit; None before the first).
    ``total`` is how many updates the feed holds when the Feed given to the page holds
    only those it shows (the page is rendered in another process, and sending it 10 000
    entries it does not show would cost more than rendering); None: the Feed's own count.
    """

    zone: tzinfo
    feeds_url: str
    started: datetime | None
    template: str | None = None
    template_name: str = ""
    limit: int | None = None  # the newest updates the page shows; None: all
    total: int | None = None  # updates in the feed, when the Feed holds only those shown


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed document, ready to render: entries newest first, the limit already applied.

    ``self_urls`` maps a format name (``rss``, ``atom``, ``json``) to the URL where
    that file is served, for each format's self link. ``updated`` is the newest time
    in the feed (never the time of the build), so output is byte-stable; None only for
    a blog with no entry yet, when no such time exists. ``tombstones`` are the recent
    retractions (Atom writes them; RSS and JSON Feed have no such thing). ``history``
    places the document in an archived feed: the subscription document, or one page.
    """

    id: str
    title: str
    description: str
    home_page_url: str
    self_urls: dict[str, str]
    updated: datetime | None
    entries: tuple[Entry, ...]
    language: str | None = None
    authors: tuple[Author, ...] = ()
    icon: str | None = None
    logo: str | None = None
    hubs: tuple[str, ...] = ()
    closing: Closing | None = None
    ttl_minutes: int = 5
    itunes_complete: bool = False
    media: tuple[MediaFile, ...] = ()
    page: Page | None = None  # None: no HTML page (``html = false``)

    def media_file(self, url: str | None) -> MediaFile | None:
        """The published media file served at ``url``, if it is one of ours."""
        return next((m for m in self.media if m.url == url), None) if url else None

    def enclosures_of(self, entry: Entry) -> tuple[Enclosure, ...]:
        """The files ``entry`` announces, each once: its image when it is one of our media
        files, then the audio and video its body links to (with our own copy's exact
        length and type when it is one of ours)."""
        local = self.media_file(entry.image)
        found = [Enclosure(local.url, local.media_type, local.length)] if local else []
        seen = {f.url for f in found}  # a set: an entry may link thousands of videos
        for enclosure in entry.enclosures:
            if enclosure.url not in seen:
                seen.add(enclosure.url)
                own = self.media_file(enclosure.url)
                found.append(Enclosure(own.url, own.media_type, own.length) if own else enclosure)
        return tuple(found)
    tombstones: tuple[Tombstone, ...] = ()
    history: History | None = None  # None: the feed is one document (no archive pages)

    @property
    def complete(self) -> bool:
        """A closed blog is a complete feed in the RFC 5005 sense: it holds every entry.

        Not when it has archive pages: RFC 5005 makes ``fh:complete`` exclusive with
        archive links, and the subscription document then holds only the newest entries.
        """
        return self.closing is not None and self.history is None
