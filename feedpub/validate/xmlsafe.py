"""Hardened XML parsing: lxml with every door to the outside world shut.

Feeds are untrusted input. The parser never resolves entities, never loads a DTD,
never touches the network, and keeps libxml2's default limits on depth (256) and
entity amplification, so billion-laughs, XXE and very deep documents become
findings instead of hangs, file reads or requests.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from feedpub.validate.findings import Report
from feedpub.widechars import wide_form

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # typing costs start-up time; the checker alone needs the shape
    from collections.abc import Collection
    from typing import TypedDict

    class _ParserOptions(TypedDict):
        """The etree.XMLParser keyword arguments that keep parsing offline and bounded."""

        resolve_entities: bool
        no_network: bool
        load_dtd: bool
        dtd_validation: bool
        huge_tree: bool
        remove_comments: bool
        remove_pis: bool


PARSER_OPTIONS: _ParserOptions = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    # Comments and processing instructions are not character data (XML 1.0 2.5, 2.6):
    # dropped at parse time, the text on both sides is one string again, so
    # "<pubDate>Mon, 02 Dec 2024 <!-- x -->10:00 GMT</pubDate>" reads as the whole date.
    "remove_comments": True,
    "remove_pis": True,
}

# libxml2 keeps about 130 bytes per element (more with the text between elements), so
# a 50 MB file of "<entry/>" would need gigabytes. Past this many elements the document
# is refused with a finding, which keeps memory to a few hundred MB whatever the input.
MAX_ELEMENTS = 1_000_000

_XML_DECL = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]*)[\"']")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# libxml2 error texts mapped to our rule ids, most specific first.
_SYNTAX_RULES = (
    ("XML declaration allowed only at the start", "xml-declaration-misplaced"),
    ("amplification", "xml-entity-expansion"),
    ("entity reference loop", "xml-entity-expansion"),
    ("entity nesting depth", "xml-entity-expansion"),  # a chain of entities naming the next
    ("Excessive depth", "xml-too-deep"),
    # libxml2's size limits without XML_PARSE_HUGE (which would also lift the depth and
    # entity limits): the document may be well-formed, it is just not read past them
    ("Resource limit exceeded", "xml-node-too-large"),
    ("too big found", "xml-node-too-large"),
    ("Name too long", "xml-node-too-large"),
    ("invalid Char", "xml-forbidden-char"),
    ("invalid xmlChar", "xml-forbidden-char"),
    ("Char 0x", "xml-forbidden-char"),
    ("Unsupported encoding", "xml-encoding-unknown"),
    ("character encoding", "xml-encoding-invalid"),
    ("Document labelled", "xml-encoding-mismatch"),
    ("not proper UTF-8", "xml-encoding-invalid"),
    ("Document is empty", "feed-empty"),
    ("Namespace prefix", "xml-namespace-undeclared"),
    ("' not defined", "xml-entity-undefined"),
)


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(**PARSER_OPTIONS)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark announces, or None."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def declared_encoding(data: bytes) -> str | None:
    """The encoding named in the XML declaration (ASCII-compatible or UTF-16 text)."""
    head = data[:512]
    bom = bom_encoding(head)
    if bom in ("utf-16", "utf-32"):
        head = head.decode(bom, "replace").encode("ascii", "replace")
    elif bom == "utf-8":
        head = head[3:]
    elif head[:4] in (b"<\x00\x00\x00", b"\x00\x00\x00<"):  # UTF-32 without a BOM: read
        # as UTF-16 it hid its declaration, and one saying "utf-8" went unreported
        codec = "utf-32-le" if head[:1] == b"<" else "utf-32-be"
        head = head.decode(codec, "replace").encode("ascii", "replace")
    elif head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16-le" if head[:1] == b"<" else "utf-16-be"
        head = head.decode(codec, "replace").encode("ascii", "replace")
    match = _XML_DECL.match(head)
    return match.group(1).decode("ascii") if match else None


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


_XML_VERSION = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml\s+version\s*=\s*[\"']([^\"']*)[\"']")


def check_xml_version(data: bytes, report: Report) -> None:
    """Feeds are XML 1.0 documents; a declaration naming another version is an error."""
    match = _XML_VERSION.match(data[:100])
    if match is not None and match.group(1) != b"1.0":
        version = match.group(1).decode("ascii", "replace")
        report.error("xml-version-invalid", f'XML version "{version}" is not "1.0"', 1)


def check_encoding(data: bytes, report: Report) -> bool:
    """Compare the BOM, the XML declaration and the bytes; False if parsing is pointless."""
    bom = bom_encoding(data)
    declared = declared_encoding(data)
    if declared is not None:
        codec = _codec(declared)
        if codec is None:
            report.error("xml-encoding-unknown", f'encoding "{declared}" is not a known encoding', 1)
            return False
        wide = codec.startswith(("utf-16", "utf-32"))
        if bom is None and wide == data.startswith(b"<?xml"):
            report.error(
                "xml-encoding-mismatch",
                f'the XML declaration says "{declared}" but the bytes are '
                f"{'a single-byte' if wide else 'a 16- or 32-bit'} encoding", 1)
            return False
        if codec == "iso8859-1":
            _check_latin1(data, report)
        if bom is not None and not _same_family(bom, codec):
            report.error(
                "xml-encoding-mismatch",
                f'byte-order mark says {bom} but the XML declaration says "{declared}"',
                1,
            )
            return False
        problem = _wide_mismatch(data, codec, declared)
        if problem is not None:
            report.error("xml-encoding-mismatch", problem, 1)
            return False
        return True
    # Without a declaration or BOM the document must be UTF-8; libxml2 checks that as it
    # parses (reported as xml-encoding-invalid), which spares a full decode here. Only
    # the zero bytes of UTF-16/32 are looked for first, which libxml2 would accept.
    problem = _undeclared_wide(data)
    if problem is not None:
        report.error("xml-encoding-mismatch", problem, 1)
        return False
    return True


_ORDERS = {"le": "little-endian", "be": "big-endian"}


def _wide_mismatch(data: bytes, codec: str, declared: str) -> str | None:
    """Say what the bytes of a UTF-16/32 document are, when the declared codec disagrees.

    Checking only "single-byte or not" let UTF-32 labelled "UTF-16" (and UTF-16
    labelled "UTF-32", or UTF-16BE labelled "UTF-16LE") through: libxml2 goes by the
    bytes and parsed them anyway, while a reader that trusts the label reads garbage.
    The code-unit width must match, and so must the byte order when the label names one.
    """
    form = wide_form(data)
    if form is None:
        return None
    family, order, has_bom = form
    found = f"{family.upper()} ({_ORDERS[order]})"
    if codec == f"{family}-{order}" or (codec == family and (has_bom or family == "utf-32")):
        return None
    if codec == family:  # UTF-16 without a byte-order mark
        return (f'the XML declaration says "{declared}" but the bytes have no byte-order mark, '
                f"which UTF-16 must begin with (XML 1.0 4.3.3): add one, or declare "
                f'"{family.upper()}{order.upper()}"')
    if has_bom:
        return f'byte-order mark says {found} but the XML declaration says "{declared}"'
    return f'the XML declaration says "{declared}" but the bytes are {found}'


def _undeclared_wide(data: bytes) -> str | None:
    """XML 1.0 4.3.3: a document with neither a byte-order mark nor an encoding declaration
    is UTF-8. libxml2 guessed UTF-32 (and UTF-16 after "<?xml") from the zero bytes and
    parsed it; other UTF-16 failed as "Document is empty" or "Char 0x0"."""
    form = wide_form(data)
    if form is None or form[2]:
        return None
    family, order, _ = form
    return (f"the bytes are {family.upper()} ({_ORDERS[order]}) with neither a byte-order mark "
            "nor an encoding declaration, so XML takes them for UTF-8 (XML 1.0 4.3.3): add a "
            f'byte-order mark or declare encoding="{family.upper()}{order.upper()}"')


_C1 = re.compile(rb"[\x80-\x9f]|&#(?:1[3-5]\d|12[89]);|&#x[89][0-9a-fA-F];")


def _check_latin1(data: bytes, report: Report) -> None:
    """Bytes 0x80-0x9F are control characters in ISO-8859-1 but curly quotes, dashes and
    the euro sign in windows-1252: a document that has them almost certainly is the
    latter, mislabelled (and references like &#150; make the same mistake)."""
    match = _C1.search(data)
    if match is not None:
        line = data.count(b"\n", 0, match.start()) + 1
        report.warning(
            "xml-encoding-suspect",
            "the document says iso-8859-1 but has characters that are control codes there and "
            "punctuation in windows-1252 (byte or reference 128-159): declare windows-1252, or "
            "better, convert to UTF-8", line)


def _same_family(bom: str, codec: str) -> bool:
    """True when a declared codec is compatible with the byte-order mark found."""
    if bom == "utf-8":
        return codec == "utf-8"
    return codec.startswith(bom)


class _TooManyElements(Exception):
    """Raised by :class:`_ElementCounter` as soon as the count passes ``MAX_ELEMENTS``."""


class _ElementCounter:
    """An lxml parser target that builds nothing and stops past ``MAX_ELEMENTS``."""

    def __init__(self) -> None:
        self.count = 0

    def start(self, tag: str | bytes, attrib: dict[str | bytes, str | bytes]) -> None:
        """Count one element; abort the parse once there are too many."""
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise _TooManyElements

    def end(self, tag: str | bytes) -> None:
        """Nothing to do at an end tag."""

    def data(self, data: str | bytes) -> None:
        """Text is not counted."""

    def comment(self, text: str | bytes) -> None:
        """Comments are not counted."""

    def close(self) -> int:
        """The count, once the whole document is read."""
        return self.count


def too_many_elements(data: bytes) -> bool:
    """True when the document has more than ``MAX_ELEMENTS`` elements.

    Counting "<" bounds the element count from above in a few milliseconds; only a
    document past that bound is counted exactly, by a parse that builds no tree and
    stops at the limit (CDATA full of "<" must not be mistaken for elements).
    """
    if data.count(b"<") <= MAX_ELEMENTS:
        return False
    try:
        etree.fromstring(data, etree.XMLParser(target=_ElementCounter(), **PARSER_OPTIONS))
    except _TooManyElements:
        return True
    except etree.XMLSyntaxError:
        return False  # the real parse reports it
    return False


def parse(data: bytes, report: Report) -> etree._Element | None:
    """Parse untrusted XML safely; on failure record one finding and return None."""
    if not check_encoding(data, report):
        return None
    check_xml_version(data, report)
    if too_many_elements(data):
        report.error("feed-too-many-elements",
                     f"the document has more than {MAX_ELEMENTS:,} elements, more than this "
                     "validator checks (a limit that keeps its memory bounded)", 0)
        return None
    try:
        root = etree.fromstring(data, _new_parser())
    except etree.XMLSyntaxError as exc:
        _syntax_finding(exc, report)
        return None
    except (ValueError, MemoryError, RecursionError) as exc:  # lxml guards, e.g. odd input types
        report.error("xml-not-well-formed", f"the document cannot be parsed: {exc}", 0)
        return None
    _check_doctype(root, report)
    return root


def _syntax_finding(exc: etree.XMLSyntaxError, report: Report) -> None:
    message = (exc.msg or str(exc)).strip()
    message = re.sub(r", line \d+, column \d+$", "", message).strip()  # "range\n, line 1..."
    line, column = exc.position if exc.position else (0, 0)
    rule = "xml-not-well-formed"
    for needle, candidate in _SYNTAX_RULES:
        if needle in message:
            rule = candidate
            break
    if rule == "xml-node-too-large":
        message = re.sub(r",? try XML_PARSE_HUGE$", "", message)
        report.error(rule, "the document has a text, attribute value, comment or name longer "
                     "than this validator reads (10,000,000 characters; 50,000 for names), so it "
                     f"is not checked: {message}", line, column)
        return
    if rule == "xml-declaration-misplaced":
        message += (" (something, often a blank line from a PHP template or plugin, comes before "
                    "<?xml; remove it)")
    report.error(rule, f"the document is not well-formed XML: {message}", line, column)


# The RSS 0.91 DTD (Netscape's, and the RSS Advisory Board's copy) declares the ISO
# Latin-1 character entities of HTML 4 (&nbsp; to &yuml;). A document that names it in
# its DOCTYPE may use them: the external subset declares them (XML 1.0 §4.1, "Entity
# Declared" binds only documents without one), and the W3C service accepts them there.
RSS091_PUBLIC_ID = "-//Netscape Communications//DTD RSS 0.91//EN"


def rss091_entities() -> frozenset[str]:
    """The entity names the RSS 0.91 DTD declares: HTML's Latin-1 set, U+00A0 to U+00FF."""
    from html.entities import name2codepoint

    return frozenset(name for name, code in name2codepoint.items() if 0xA0 <= code <= 0xFF)


def _check_doctype(root: etree._Element, report: Report) -> None:
    """Report what a DOCTYPE brings: external entities (XXE) are errors and are never
    loaded; internal entities are kept unexpanded (a warning); undefined ones are errors."""
    docinfo = root.getroottree().docinfo
    doctype: str = docinfo.doctype  # type: ignore[attr-defined]  # not in lxml-stubs
    if not doctype:
        return
    dtd: etree.DTD | None = docinfo.internalDTD  # None without an internal subset; stubs say DTD
    entities = dtd.iterentities() if dtd is not None else ()  # type: ignore[attr-defined]  # lxml-stubs gap
    declared = {entity.name: entity for entity in entities}
    external = sorted(name for name, entity in declared.items() if entity.system_url is not None)
    if external:
        report.error(
            "xml-entity-external",
            f"the document declares external entities ({', '.join(external)}); feeds must be "
            "self-contained and they are never loaded (XXE)", 1)
    elif declared:
        report.warning(
            "xml-entity-declared",
            "the document declares entities; they are not expanded here, and many readers "
            "will not expand them either", 1)
    else:
        report.warning("xml-doctype", f"feeds should not have a DOCTYPE ({doctype})", 1)
    known: Collection[str] = declared
    if docinfo.public_id == RSS091_PUBLIC_ID:
        known = declared.keys() | rss091_entities()
    for entity in root.iter(etree.Entity):
        if entity.name not in known:  # type: ignore[attr-defined]  # an _Entity; stubs: _Element
            report.error(
                "xml-entity-undefined",
                f"entity reference {entity.text} is not defined by XML"
                f"{' or the RSS 0.91 DTD' if known is not declared else ''} and is not expanded",
                entity.sourceline or 0)
