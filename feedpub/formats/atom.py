"""Feed → Atom 1.0 (RFC 4287) bytes, through feedgen, with its 1.0.0 bugs worked around.

Workarounds (each covered by tests/test_formats.py):
- entry links lose ``rel``/``type``/``title``, so entry links are written by us;
- ``updated`` defaults to now, so it is always the newest entry time;
- ``content(type='CDATA')`` writes an invalid type, so content is always ``type="html"``;
- entries are prepended by default, so they are appended explicitly;
- RFC 5005 ``fh:complete``/``fh:archive``, RFC 6721 ``at:deleted-entry`` and ``xml:lang``
  on entries are not written by feedgen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from feedpub.dates import rfc3339, to_utc
from feedpub.formats import FORMATS, Parts
from feedpub.formats._feedgen import (
    HISTORY_NS,
    TOMBSTONES_NS,
    cut_at_items,
    entry_patch,
    feed_patch,
    new_generator,
)
from feedpub.model import Author, Closing, Enclosure, Entry, Feed, History, MediaFile

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
Link = tuple[str, str, str, int | None]  # rel, href, type, length
MEDIA_NS = "http://search.yahoo.com/mrss/"


def render(feed: Feed) -> bytes:
    generator = _generator(feed, feed.entries, closing=True)
    return generator.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)  # type: ignore[no-any-return]


def render_parts(feed: Feed, entries: Sequence[Entry], closing: bool) -> Parts:
    """``render``'s document cut at its entries (see ``formats.render_parts``); the
    tombstones and RFC 5005 markers are the head's, before the first entry."""
    root, _ = _generator(feed, entries, closing=closing)._create_atom()
    return cut_at_items(root, root, "entry", indent=2)


def _generator(feed: Feed, entries: Sequence[Entry], *, closing: bool) -> FeedGenerator:
    generator = new_generator()
    _feed(generator, feed)
    if closing and feed.closing:
        _closing_entry(generator, feed.closing)
    for entry in entries:
        _entry(generator, entry, feed.media_file(entry.image), feed.enclosures_of(entry))
    return generator


def _feed(generator: FeedGenerator, feed: Feed) -> None:
    generator.id(feed.id)
    generator.title(feed.title)
    generator.subtitle(feed.description)
    assert feed.updated is not None, "an Atom feed needs a time (FORMATS: needs_updated)"
    generator.updated(to_utc(feed.updated))
    generator.language(feed.language)
    generator.link(href=feed.self_urls["atom"], rel="self", type=FORMATS["atom"].media_type)
    generator.link(href=feed.home_page_url, rel="alternate", type="text/html")
    for hub in feed.hubs:
        generator.link(href=hub, rel="hub")
    if feed.history is not None:
        _history_links(generator, feed.history)
    generator.author([_person(author) for author in feed.authors or (Author(feed.title),)])
    if feed.icon:
        generator.icon(feed.icon)
    if feed.logo:
        generator.logo(feed.logo)
    patch = feed_patch(generator)
    archive = feed.history is not None and feed.history.archive
    if feed.complete or archive:
        patch.namespaces["fh"] = HISTORY_NS
    if feed.tombstones:
        patch.namespaces["at"] = TOMBSTONES_NS
    if any(entry.image for entry in feed.entries):
        patch.namespaces["media"] = MEDIA_NS
    patch.atom_patch = lambda root: _feed_extras(root, feed)


def _history_links(generator: FeedGenerator, history: History) -> None:
    """RFC 5005 section 4: the subscription document, and the pages on either side."""
    media_type = FORMATS["atom"].media_type
    for rel, urls in (("current", history.current), ("prev-archive", history.prev_archive),
                      ("next-archive", history.next_archive)):
        if urls is not None:
            generator.link(href=urls["atom"], rel=rel, type=media_type)


def _feed_extras(root: etree._Element, feed: Feed) -> None:
    """What feedgen does not write at the feed's level: RFC 5005 markers, RFC 6721 tombstones."""
    if feed.complete:  # RFC 5005 section 2: this document holds every entry of the feed
        etree.SubElement(root, f"{{{HISTORY_NS}}}complete")
    if feed.history is not None and feed.history.archive:  # section 4: an archive page
        etree.SubElement(root, f"{{{HISTORY_NS}}}archive")
    for tombstone in feed.tombstones:
        element = etree.SubElement(root, f"{{{TOMBSTONES_NS}}}deleted-entry",
                                   ref=tombstone.ref, when=rfc3339(tombstone.when))
        if tombstone.comment:
            etree.SubElement(element, f"{{{TOMBSTONES_NS}}}comment").text = tombstone.comment


def _new_entry(generator: FeedGenerator, id_: str, title: str, published: datetime,
               updated: datetime) -> FeedEntry:
    """An appended feedgen entry with what every Atom entry has (RFC 4287 4.1.2)."""
    entry = generator.add_entry(order="append")
    entry.id(id_)
    entry.title(title)
    entry.updated(to_utc(updated))
    entry.published(to_utc(published))
    return entry


def _closing_entry(generator: FeedGenerator, closing: Closing) -> None:
    entry = _new_entry(generator, closing.id, closing.title, closing.at, closing.at)
    entry.content(closing.content_html, type="html")
    links: list[Link] = [("alternate", closing.continued_at, "text/html", None),
                         ("related", closing.continued_at, "text/html", None)]
    entry_patch(entry).atom_patch = lambda element: _links(element, links)


def _entry(generator: FeedGenerator, source: Entry, local: MediaFile | None,
           enclosures: tuple[Enclosure, ...]) -> None:
    entry = _new_entry(generator, source.id, source.title, source.published, source.updated)
    if source.authors:  # in one call: feedgen copies its whole list on each (see rss._item)
        entry.author([_person(author) for author in source.authors])
    if source.summary:
        entry.summary(source.summary)
    entry.content(source.content_html, type="html")
    if source.tags:
        entry.category([{"term": tag} for tag in source.tags])
    links: list[Link] = [("alternate", source.link, "text/html", None)]
    links += [("enclosure", e.url, e.media_type, e.length) for e in enclosures]
    entry_patch(entry).atom_patch = lambda element: _entry_extras(element, source, links, local)


def _entry_extras(element: etree._Element, source: Entry, links: list[Link],
                  local: MediaFile | None) -> None:
    _links(element, links)
    if source.language:
        element.set(XML_LANG, source.language)
    if source.image:
        media = etree.SubElement(element, f"{{{MEDIA_NS}}}content", url=source.image, medium="image")
        if local:
            media.set("type", local.media_type)
            media.set("fileSize", str(local.length))


def _links(element: etree._Element, links: list[Link]) -> None:
    """Write entry links ourselves: feedgen's lose their rel, type and title.

    feedgen builds Atom elements in no namespace and declares the Atom namespace as
    the root's default, so our elements must be un-namespaced too.
    """
    for rel, href, media_type, length in links:
        link = etree.SubElement(element, "link", rel=rel, href=href, type=media_type)
        if length is not None:
            link.set("length", str(length))


def _person(author: Author) -> dict[str, str]:
    person = {"name": author.name}
    if author.email:
        person["email"] = author.email
    if author.url:
        person["uri"] = author.url
    return person
