"""Feed → RSS 2.0 bytes, through feedgen, with its 1.0.0 bugs worked around.

Workarounds (each covered by tests/test_formats.py):
- the channel ``<link>`` becomes the href of the *last* link added, whatever its rel,
  so feedgen is given only the alternate link and every ``atom:link`` is written by us;
- ``lastBuildDate`` defaults to now, so it is always set to the newest entry time (and
  removed again for a blog with no entry yet, which has no such time);
- entries are prepended by default, so they are appended explicitly;
- ``atom:link rel="hub"``, RFC 5005's archive links (Appendix B) and ``fh:complete``/
  ``fh:archive`` are not written by feedgen;
- its dates come from ``strftime("%Y")``, which does not pad years before 1000 ("1",
  not "0001"), so those dates, and only those, are rewritten with ``dates.rfc822``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from feedpub.dates import rfc822, to_utc
from feedpub.formats import FORMATS, Parts
from feedpub.formats._feedgen import (
    ATOM_NS,
    HISTORY_NS,
    ITUNES_NS,
    cut_at_items,
    entry_patch,
    feed_patch,
    new_generator,
)
from feedpub.model import Author, Closing, Enclosure, Entry, Feed, MediaFile

MEDIA_NS = "http://search.yahoo.com/mrss/"
_PADDED_BY_STRFTIME = 1000  # %Y writes years from 1000 on with four digits
RSS_SPEC = "https://www.rssboard.org/rss-specification"


def render(feed: Feed) -> bytes:
    generator = _generator(feed, feed.entries, closing=True)
    return generator.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)  # type: ignore[no-any-return]


def render_parts(feed: Feed, entries: Sequence[Entry], closing: bool) -> Parts:
    """``render``'s document cut at its items (see ``formats.render_parts``)."""
    root, _ = _generator(feed, entries, closing=closing)._create_rss()
    return cut_at_items(root, root[0], "item", indent=4)


def _generator(feed: Feed, entries: Sequence[Entry], *, closing: bool) -> FeedGenerator:
    generator = new_generator()
    generator.load_extension("dc", atom=False, rss=True)
    _channel(generator, feed)
    if closing and feed.closing:
        _closing_item(generator, feed.closing)
    for entry in entries:
        _item(generator, entry, feed.media_file(entry.image), feed.enclosures_of(entry))
    return generator


def _channel(generator: FeedGenerator, feed: Feed) -> None:
    generator.title(feed.title)
    generator.link(href=feed.home_page_url, rel="alternate")
    # description is HTML to RSS readers: the config's plain-text description is escaped
    # to stay text (a "<script>" in it was a failed feed check, exit 5, at every build)
    generator.description(html.escape(feed.description, quote=False))
    generator.language(feed.language)
    if feed.updated is not None:
        generator.lastBuildDate(to_utc(feed.updated))
    generator.ttl(feed.ttl_minutes)
    generator.docs(RSS_SPEC)
    if feed.logo:
        generator.image(url=feed.logo, title=feed.title, link=feed.home_page_url)
    managing = [a for a in feed.authors if _has_contact(a)]
    if managing:
        generator.managingEditor(_rss_person(managing[0]))
    names = [a.name for a in feed.authors if not _has_contact(a)]
    if names:
        generator.dc.dc_creator(names)
    patch = feed_patch(generator)
    patch.namespaces = {"atom": ATOM_NS}
    if feed.complete or (feed.history is not None and feed.history.archive):
        patch.namespaces["fh"] = HISTORY_NS
    if feed.itunes_complete:
        patch.namespaces["itunes"] = ITUNES_NS
    if any(entry.image for entry in feed.entries):
        patch.namespaces["media"] = MEDIA_NS
    patch.rss_patch = lambda root: _channel_links(root[0], feed)


def _channel_links(channel: etree._Element, feed: Feed) -> None:
    """atom:link self and hub, and the finished signals, after the core channel elements."""
    if feed.updated is None:  # feedgen wrote the time of the build: no time is the truth
        for element in channel.findall("lastBuildDate"):
            channel.remove(element)
    _pad_year(channel, "lastBuildDate", feed.updated)
    etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=feed.self_urls["rss"], rel="self",
                     type=FORMATS["rss"].media_type)
    for hub in feed.hubs:
        etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=hub, rel="hub")
    history = feed.history
    if history is not None:
        for rel, urls in (("current", history.current), ("prev-archive", history.prev_archive),
                          ("next-archive", history.next_archive)):
            if urls is not None:
                etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=urls["rss"], rel=rel,
                                 type=FORMATS["rss"].media_type)
    if feed.complete:
        etree.SubElement(channel, f"{{{HISTORY_NS}}}complete")
    if history is not None and history.archive:
        etree.SubElement(channel, f"{{{HISTORY_NS}}}archive")
    if feed.itunes_complete:
        etree.SubElement(channel, f"{{{ITUNES_NS}}}complete").text = "Yes"


def _new_item(generator: FeedGenerator, guid: str, title: str, link: str, description: str,
              content_html: str, published: datetime, image: str | None = None,
              local: MediaFile | None = None) -> FeedEntry:
    """An appended feedgen item with what every item of ours has, in RSS's own order."""
    item = generator.add_entry(order="append")
    item.title(title)
    item.link(href=link)
    item.guid(guid, permalink=False)
    item.description(description)
    item.content(content_html, type="html")
    item.pubDate(to_utc(published))
    if image or to_utc(published).year < _PADDED_BY_STRFTIME:
        entry_patch(item).rss_patch = lambda element: _item_extras(element, published, image, local)
    return item


def _item_extras(element: etree._Element, published: datetime, image: str | None,
                 local: MediaFile | None) -> None:
    _pad_year(element, "pubDate", published)
    if image:
        _media_image(element, image, local)


def _pad_year(parent: etree._Element, tag: str, moment: datetime | None) -> None:
    """feedgen's date text replaced by ``dates.rfc822`` where strftime left the year short."""
    found = parent.find(tag)
    if found is not None and moment is not None and to_utc(moment).year < _PADDED_BY_STRFTIME:
        found.text = rfc822(moment)


def _closing_item(generator: FeedGenerator, closing: Closing) -> None:
    _new_item(generator, closing.id, closing.title, closing.continued_at, closing.content_html,
              closing.content_html, closing.at)


def _item(generator: FeedGenerator, entry: Entry, local: MediaFile | None,
          enclosures: tuple[Enclosure, ...]) -> None:
    # description is HTML to RSS readers: the plain-text summary is escaped to stay text
    description = html.escape(entry.summary, quote=False) if entry.summary else entry.content_html
    item = _new_item(generator, entry.id, entry.title, entry.link, description,
                     entry.content_html, entry.published, entry.image, local)
    if entry.tags:  # in one call: feedgen copies its whole list of categories on each,
        item.category([{"term": tag} for tag in entry.tags])  # 50 s for 20 000 tags
    _item_authors(item, entry.authors)
    if enclosures:  # RSS allows one per item: our own image first (its length is exact)
        first = enclosures[0]
        item.enclosure(url=first.url, length=str(first.length or 0), type=first.media_type)


def _item_authors(item: FeedEntry, authors: tuple[Author, ...]) -> None:
    """RSS ``author`` is one email per item; every other case is ``dc:creator``.

    An item has at most one ``author`` element, and mixing it with ``dc:creator`` is
    "duplicate semantics" to validators, so only a sole author with an email (and a name
    RSS can carry in ``email (name)``) is an ``author``; otherwise every author is
    written as ``dc:creator``.
    """
    if len(authors) == 1 and _has_contact(authors[0]):
        item.author(email=authors[0].email, name=authors[0].name)
    elif authors:
        item.dc.dc_creator([a.name for a in authors])


def _media_image(element: etree._Element, url: str, local: MediaFile | None) -> None:
    """Media RSS: readers that show an item's picture look here (and at the enclosure)."""
    media = etree.SubElement(element, f"{{{MEDIA_NS}}}content", url=url, medium="image")
    if local:
        media.set("type", local.media_type)
        media.set("fileSize", str(local.length))


def _has_contact(author: Author) -> bool:
    """Whether RSS can write the author as ``email (name)``: a name in parentheses cannot
    itself hold parentheses ("Jane Doe (AP)"), so such an author is a ``dc:creator``."""
    return bool(author.email) and "(" not in author.name and ")" not in author.name


def _rss_person(author: Author) -> str:
    return f"{author.email} ({author.name})"
