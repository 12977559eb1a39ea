"""The output formats: one module per format, one contract, one registry.

``FORMATS`` is the only place that knows a format's file name, media type, label and
position in the upload order; every other module asks it. Each format module exposes
``render(feed: Feed) -> bytes``. Renderers are imported only when used, so a command
that renders nothing never pays for feedgen or lxml.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from feedpub.model import Feed


@dataclass(frozen=True, slots=True)
class Format:
    name: str  # the key used everywhere (Feed.self_urls, messages)
    filename: str  # in the output folder and on the web host
    media_type: str  # IANA media type, without parameters
    label: str  # for people: "RSS 2.0"
    module: str  # the renderer, imported on first use
    needs_updated: bool = False  # cannot be written for a blog with no entry yet (no time)

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type the file is served and uploaded with."""
        return f"{self.media_type}; charset=utf-8"

    def renderer(self) -> Callable[[Feed], bytes]:
        render: Callable[[Feed], bytes] = importlib.import_module(self.module).render
        return render


# Insertion order is the upload order: RSS first, JSON Feed last.
FORMATS: dict[str, Format] = {
    "rss": Format("rss", "rss.xml", "application/rss+xml", "RSS 2.0", "feedpub.formats.rss"),
    "atom": Format("atom", "atom.xml", "application/atom+xml", "Atom 1.0", "feedpub.formats.atom",
                   needs_updated=True),
    "json": Format("json", "feed.json", "application/feed+json", "JSON Feed 1.1",
                   "feedpub.formats.jsonfeed"),
}
FEED_FILES: tuple[str, ...] = tuple(f.filename for f in FORMATS.values())


def by_filename(filename: str) -> Format | None:
    """The format written to ``filename``, or None for any other file."""
    return next((f for f in FORMATS.values() if f.filename == filename), None)


ARCHIVE_FOLDER = "archive"  # RFC 5005 archive pages, relative to the output folder
_ARCHIVE_PAGE = re.compile(rf"{ARCHIVE_FOLDER}/(.+)-([1-9][0-9]*)(\.[a-z]+)")


def archive_filename(name: str, page: int) -> str:
    """Page ``page`` (1 = the oldest entries) of format ``name``: ``archive/rss-1.xml``,
    ``archive/atom-1.xml``, ``archive/feed-1.json``, beside the subscription document's
    name so that each format's pages are told apart by name alone."""
    stem, _, suffix = FORMATS[name].filename.rpartition(".")
    return f"{ARCHIVE_FOLDER}/{stem}-{page}.{suffix}"


def format_of(path: str) -> Format | None:
    """The format of a subscription document or an archive page (``path`` relative to the
    output folder, with "/"), or None for any other file."""
    found = _ARCHIVE_PAGE.fullmatch(path)
    return by_filename(found[1] + found[3]) if found else by_filename(path.rpartition("/")[2])


def render(name: str, feed: Feed) -> bytes:
    return FORMATS[name].renderer()(feed)
