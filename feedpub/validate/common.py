"""Helpers shared by the XML format checkers: namespaces, element text and names."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

ATOM = "http://www.w3.org/2005/Atom"
XHTML = "http://www.w3.org/1999/xhtml"
XML = "http://www.w3.org/XML/1998/namespace"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
FH = "http://purl.org/syndication/history/1.0"
THR = "http://purl.org/syndication/thread/1.0"
AT = "http://purl.org/atompub/tombstones/1.0"
SY = "http://purl.org/rss/1.0/modules/syndication/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
MEDIA = "http://search.yahoo.com/mrss/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEOURL = "http://geourl.org/rss/module/"
TRACKBACK = "http://madskills.com/public/xml/rss/module/trackback/"
BLOGCHANNEL = "http://backend.userland.com/blogChannelModule"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SLASH = "http://purl.org/rss/1.0/modules/slash/"
WFW = "http://wellformedweb.org/CommentAPI/"
GEORSS = "http://www.georss.org/georss"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
ADMIN = "http://webns.net/mvcb/"
CC = "http://web.resource.org/cc/"
ICBM = "http://postneo.com/icbm"
GML = "http://www.opengis.net/gml"
ACCESS = "http://www.bloglines.com/about/specs/fac-1.0"
CREATIVECOMMONS = "http://backend.userland.com/creativeCommonsRssModule"
EV = "http://purl.org/rss/1.0/modules/event/"
APP = "http://www.w3.org/2007/app"

XML_BASE = f"{{{XML}}}base"
XML_LANG = f"{{{XML}}}lang"

PREFIXES = {
    ATOM: "atom", CONTENT: "content", DC: "dc", DCTERMS: "dcterms", FH: "fh", THR: "thr",
    AT: "at", SY: "sy", ITUNES: "itunes", MEDIA: "media", GEO: "geo", XHTML: "xhtml",
    GEORSS: "georss", GML: "gml", OPENSEARCH: "opensearch", SLASH: "slash", WFW: "wfw",
    ADMIN: "admin", TRACKBACK: "trackback", ACCESS: "access", BLOGCHANNEL: "blogChannel",
    CC: "cc", ICBM: "icbm", GEOURL: "geourl", CREATIVECOMMONS: "creativeCommons", EV: "ev",
    APP: "app",
}


# Up to this many attributes, lxml's own items() is the quickest way to read them.
_FEW_ATTRIBUTES = 32


def attribute_items(element: Any) -> list[tuple[str, str]]:
    """The element's (name, value) attribute pairs, in linear time.

    lxml's items() and values() look each value up by name along the element's list of
    attributes, n * n for n attributes: one xhtml <p> with 100,000 attributes (1 MB)
    took 30 s. The XPath "@*" reads each attribute node once.
    """
    if len(element.attrib) <= _FEW_ATTRIBUTES:
        items: list[tuple[str, str]] = element.items()
        return items
    return [(str(node.attrname), str(node)) for node in element.xpath("@*")]


def text_of(element: Any) -> str:
    """All character data of an element (children included, for mixed content)."""
    if len(element):
        return "".join(element.itertext())
    return element.text or ""


_ATOM_PREFIX = f"{{{ATOM}}}"


def link_has_content(link: Any) -> bool:
    """Whether an atom:link holds text, or an element that is not an extension.

    RFC 4287 gives atom:link "undefinedContent" (text or foreign elements) and assigns it
    no meaning: elements of other namespaces there are extensions (OPDS puts its price
    and indirect acquisitions in links), while text or an Atom element is the Atom 0.2
    "<link>URL</link>" mistake.
    """
    if link.text and not link.text.isspace():
        return True
    for child in link:
        tag = child.tag
        if child.tail and not child.tail.isspace():
            return True
        if isinstance(tag, str) and (tag[:1] != "{" or tag.startswith(_ATOM_PREFIX)):
            return True
    return False


def name_of(tag: str) -> str:
    """A readable name for a Clark-notation tag: ``{ns}local`` becomes ``prefix:local``."""
    if tag[:1] != "{":
        return tag
    namespace, _, local = tag[1:].partition("}")
    prefix = PREFIXES.get(namespace)
    return f"{prefix}:{local}" if prefix else f"{{{namespace}}}{local}"


def capped_int(digits: str, cap: int) -> int:
    """The value of a run of decimal digits, or ``cap`` when it is larger.

    Not int() alone: it refuses more than 4,300 digits (ValueError), and an element of a
    hostile feed can hold millions; these numbers are only compared with small limits.
    """
    significant = digits.lstrip("0")
    if len(significant) > len(str(cap)):
        return cap
    return min(int(significant or "0"), cap)


def short(value: str, limit: int = 60) -> str:
    """A value cut to fit in a one-line message."""
    value = " ".join(value.split()) if len(value) < 1000 else value[:1000]
    return value if len(value) <= limit else value[: limit - 1] + "…"

