"""What the RSS and Atom renderers share about driving feedgen 1.0.0 safely.

feedgen is kept behind our renderers: no feedgen object leaves this package. Its
defaults that change every run (``updated``/``lastBuildDate`` = now, a versioned
generator) are always overridden, and entries are appended, never prepended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedpub.formats import Parts

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
GENERATOR = "feedpub"

Patch = Callable[[Any], None]


class PatchExtension(BaseExtension):
    """A feedgen extension that runs our own function on the finished XML element.

    feedgen's public extension hook is the one sanctioned place to correct what it
    writes wrongly (lost link attributes, missing atom:link relations in RSS) or
    does not write at all (RFC 5005 ``fh:complete``).
    """

    def __init__(self) -> None:
        self.namespaces: dict[str, str] = {}
        self.rss_patch: Patch | None = None
        self.atom_patch: Patch | None = None

    def extend_ns(self) -> dict[str, str]:
        return self.namespaces

    def extend_rss(self, element: Any) -> Any:
        if self.rss_patch:
            self.rss_patch(element)
        return element

    def extend_atom(self, element: Any) -> Any:
        if self.atom_patch:
            self.atom_patch(element)
        return element


class PatchEntryExtension(PatchExtension, BaseEntryExtension):
    """The same hook for one entry."""


def new_generator() -> FeedGenerator:
    generator = FeedGenerator()
    generator.register_extension("feedpub", PatchExtension, PatchEntryExtension)
    generator.generator(GENERATOR, uri=None, version=None)
    return generator


def feed_patch(generator: FeedGenerator) -> PatchExtension:
    return generator.feedpub  # type: ignore[no-any-return]


def entry_patch(entry: Any) -> PatchEntryExtension:
    return entry.feedpub  # type: ignore[no-any-return]



# Put between items before the tree is serialized, then cut at: a processing instruction
# cannot occur in what an item holds (its text and attributes are escaped), and pretty
# printing gives it a line of its own, so cutting at it leaves exactly the bytes of
# the document without it.
_CUT = etree.ProcessingInstruction("feedpub-cut")


def cut_at_items(root: Any, container: Any, tag: str, indent: int) -> Parts:
    """The tree serialized as ``rss_str``/``atom_str(pretty=True)`` do, cut at each ``tag``
    child of ``container`` (``indent`` spaces deep)."""
    for item in container.iterchildren(tag):
        item.addprevious(etree.ProcessingInstruction("feedpub-cut"))
    container.append(etree.ProcessingInstruction("feedpub-cut"))
    data: bytes = etree.tostring(root.getroottree(), pretty_print=True, encoding="UTF-8",
                                 xml_declaration=True)
    pieces = data.split(b" " * indent + etree.tostring(_CUT) + b"\n")
    return Parts(pieces[0], pieces[1:-1], pieces[-1], b"")
