"""The output formats: one module per format, one contract, one registry.

This module is the only place that knows an output's file name, media type, label and
position in the upload order; every other module asks it. ``FORMATS`` is the three
feeds (what self links, WebSub topics and ``validate`` mean by "the feeds");
``OUTPUTS`` is everything a build renders: the HTML page first, then the feeds, which is
also the upload order (feeds last, so what they link to is online first). Each format
module exposes ``render(feed: Feed) -> bytes``. Renderers are imported only when used,
so a command that renders nothing never pays for feedgen, lxml or Jinja2.

``MEDIA_TYPES`` names the files of a blog's media folder that a build may publish
beside the feeds, and the type each is served and uploaded with.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from feedpub.model import Entry, Feed


@dataclass(frozen=True, slots=True)
class Format:
    name: str  # the key used everywhere (Feed.self_urls, messages)
    filename: str  # in the output folder and on the web host
    media_type: str  # IANA media type, without parameters
    label: str  # for people: "RSS 2.0"
    module: str  # the renderer, imported on first use
    needs_updated: bool = False  # cannot be written for a blog with no entry yet (no time)
    kind: str = "feed"  # "feed" (checked by the validator) or "page" (checked by pagecheck)

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type the file is served and uploaded with."""
        return f"{self.media_type}; charset=utf-8"

    def renderer(self) -> Callable[[Feed], bytes]:
        render: Callable[[Feed], bytes] = importlib.import_module(self.module).render
        return render


# Insertion order is the upload order of the feeds: RSS first, JSON Feed last.
FORMATS: dict[str, Format] = {
    "rss": Format("rss", "rss.xml", "application/rss+xml", "RSS 2.0", "feedpub.formats.rss"),
    "atom": Format("atom", "atom.xml", "application/atom+xml", "Atom 1.0", "feedpub.formats.atom",
                   needs_updated=True),
    "json": Format("json", "feed.json", "application/feed+json", "JSON Feed 1.1",
                   "feedpub.formats.jsonfeed"),
}
FEED_FILES: tuple[str, ...] = tuple(f.filename for f in FORMATS.values())

# The page people read when they land on the feeds folder (off with `html = false`).
PAGE = Format("html", "index.html", "text/html", "HTML page", "feedpub.formats.html", kind="page")
# Everything a build renders, in upload order: the page before the feeds.
OUTPUTS: dict[str, Format] = {PAGE.name: PAGE, **FORMATS}
OUTPUT_FILES: tuple[str, ...] = tuple(f.filename for f in OUTPUTS.values())

# Files of the media folder, by lower-case suffix: the type they are served with.
MEDIA_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


def by_filename(filename: str) -> Format | None:
    """The output (feed or page) written to ``filename``, or None for any other file."""
    return next((f for f in OUTPUTS.values() if f.filename == filename), None)


def content_type(filename: str) -> str | None:
    """The Content-Type an output (archive pages included: ``filename`` relative to the
    output folder) or media file is served with; None for anything else."""
    output = format_of(filename)
    if output is not None:
        return output.content_type
    suffix = filename[filename.rfind("."):].lower() if "." in filename else ""
    media = MEDIA_TYPES.get(suffix)
    if media is None:
        return None
    return f"{media}; charset=utf-8" if media == "image/svg+xml" else media


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
    return OUTPUTS[name].renderer()(feed)


@dataclass(frozen=True, slots=True)
class Parts:
    """A feed document cut at its items: ``head + joiner.join(items) + tail`` is the
    document whenever there is at least one item (a document without any is rendered
    whole). Each item's bytes depend on its entry alone, never on its neighbours, so an
    item rendered in one build can be put into the document of another."""

    head: bytes
    items: list[bytes]
    tail: bytes
    joiner: bytes


def render_parts(name: str, feed: Feed, entries: Sequence[Entry], *, closing: bool) -> Parts:
    """The head and tail of ``feed``'s document and the items of ``entries`` (after the
    closing item, with ``closing``), through the same renderer as ``render``.

    ``entries`` are any entries of the blog, in the order wanted; the head is decided by
    ``feed`` as ``render`` decides it (its time, and the namespaces ``feed.entries`` need).
    """
    parts: Callable[..., Parts] = importlib.import_module(FORMATS[name].module).render_parts
    return parts(feed, entries, closing)
