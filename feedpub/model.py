"""The format-neutral model: what a feed says, not how any format spells it.

Plain frozen dataclasses that every renderer reads and none changes. This module
imports nothing from the rest of the package, so the model can
never depend on a renderer, a file or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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


@dataclass(frozen=True, slots=True)
class Feed:
    """A whole feed, ready to render: entries newest first, the limit already applied.

    ``self_urls`` maps a format name (``rss``, ``atom``, ``json``) to the URL where
    that file is served, for each format's self link. ``updated`` is the newest time
    in the feed (never the time of the build), so output is byte-stable; None only for
    a blog with no entry yet, when no such time exists.
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

    @property
    def complete(self) -> bool:
        """A closed blog is a complete feed in the RFC 5005 sense: it holds every entry."""
        return self.closing is not None
