"""Atom 1.0 rules (RFC 4287), with RFC 5005 feed history and RFC 6721 tombstones.

Like the RSS checker, each element's children are walked exactly once with
dictionary dispatch; per-entry state (which children were seen) lives in a small
set so the required/duplicate rules cost nothing extra.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from feedpub.validate import history
from feedpub.validate.common import (
    ATOM,
    ITUNES,
    THR,
    XHTML,
    XML_BASE,
    XML_LANG,
    attribute_items,
    link_has_content,
    short,
)
from feedpub.validate.dates import rfc3339
from feedpub.validate.findings import Report
from feedpub.validate.html import unsafe_html
from feedpub.validate.urls import (
    has_scheme,
    is_addr_spec,
    is_language,
    is_mime_type,
    link_script,
    script_url,
    uri_problem,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

A = f"{{{ATOM}}}"
_ENTRY = A + "entry"
_AUTHOR = A + "author"
_CONTENT = A + "content"
_SUMMARY = A + "summary"
_SOURCE = A + "source"
_LINK = A + "link"
_ID = A + "id"
_UPDATED = A + "updated"
_TITLE = A + "title"
_XHTML_DIV = f"{{{XHTML}}}div"
_THR_PREFIX = f"{{{THR}}}"
_ITUNES_PREFIX = f"{{{ITUNES}}}"
_MISPLACED_IN_XHTML = (A, "{http://www.w3.org/2007/app}")
_INT = re.compile(r"[0-9]+")
_REL_NAME = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=@%]+")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_SPACE = re.compile(r"\s+")
_FEED_ONCE = frozenset(A + n for n in ("id", "title", "subtitle", "updated", "icon", "logo",
                                        "rights", "generator"))
_FEED_MANY = frozenset(A + n for n in ("author", "category", "contributor", "link"))
_ENTRY_ONCE = frozenset(A + n for n in ("id", "title", "updated", "published", "content",
                                         "summary", "rights", "source"))
_PERSON = frozenset(A + n for n in ("name", "uri", "email"))
_TEXT_TYPES = ("text", "html", "xhtml")
_COMMON_RELS = frozenset({"alternate", "self", "related", "enclosure", "via", "license",
                          "replies", "edit", "hub", "first", "last", "next", "previous",
                          "current", "prev-archive", "next-archive"})
# The IANA Link Relations registry (RFC 8288): a name outside it, and not an IRI, is
# legal Atom (RFC 4287 4.2.7.2) but means nothing to a reader.
_REGISTERED_RELS = _COMMON_RELS | frozenset("""
about acl alternate amphtml appendix apple-touch-icon apple-touch-startup-image archives author
blocked-by bookmark canonical chapter cite-as collection contents convertedfrom copyright
create-form current describedby describes disclosure dns-prefetch duplicate edit edit-form
edit-media enclosure external first glossary help hosts hub icon index intervalafter
intervalbefore intervalcontains intervaldisjoint intervalduring intervalequals
intervalfinishedby intervalfinishes intervalin intervalmeets intervalmetby intervaloverlappedby
intervaloverlaps intervalstartedby intervalstarts item last latest-version license linkset lrdd
manifest mask-icon me media-feed memento micropub modulepreload monitor monitor-group next
next-archive nofollow noopener noreferrer opener openid2.local_id openid2.provider original
p3pv1 payment pingback preconnect predecessor-version prefetch preload prerender prev
prev-archive preview previous privacy-policy profile publication related replies restconf
restconf-data search section self service service-desc service-doc service-meta sip-trunking
sitemap sponsored start status stylesheet subsection successor-version sunset tag
terms-of-service timegate timemap type ugc up version-history via webmention working-copy
working-copy-of""".split())
# Text-only Atom elements (RFC 4287 RELAX NG: text, atomUri, date constructs).
_TEXT_ONLY = frozenset(A + n for n in ("generator", "icon", "logo", "updated", "published",
                                        "name", "email", "uri"))
# Attributes where "" is a meaningful value: a same-document reference, a term.
_BLANK_MEANINGFUL = frozenset({"href", "src", "term"})
# RFC 4287 undefinedAttribute: only namespaced attributes may be added, so any other
# unqualified attribute is an error.
_ATTRIBUTES: dict[str, frozenset[str]] = {
    A + "link": frozenset({"href", "rel", "type", "hreflang", "title", "length"}),
    A + "category": frozenset({"term", "scheme", "label"}),
    A + "content": frozenset({"type", "src"}),
    A + "generator": frozenset({"uri", "version"}),
    **{A + n: frozenset({"type"}) for n in ("title", "subtitle", "rights", "summary")},
}
_NO_ATTRIBUTES: frozenset[str] = frozenset()
_XML_ATTRIBUTES = frozenset({XML_BASE, XML_LANG})


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class AtomChecker:
    """Validates one Atom feed or entry document into a :class:`Report`."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.uses_itunes = False
        self.entry_ids: dict[str, str] = {}
        self._checks: dict[str, Callable[[Any, str], None]] = {
            A + "id": self._check_id,
            A + "updated": self._check_date,
            A + "published": self._check_date,
            A + "title": self._check_text,
            A + "subtitle": self._check_text,
            A + "rights": self._check_text,
            A + "summary": self._check_text,
            A + "content": self._check_content,
            A + "icon": self._check_iri_text,
            A + "logo": self._check_iri_text,
            A + "generator": self._check_generator,
            A + "link": self._check_link,
            A + "category": self._check_category,
            A + "author": self._check_person,
            A + "contributor": self._check_person,
            A + "source": self._check_source,
        }

    # --- documents -------------------------------------------------------------------

    def check_feed(self, feed: Any) -> None:
        """Check an ``atom:feed`` root element."""
        self._check_common_attributes(feed)
        found, links, authorless = self._walk(feed, "feed", _FEED_ONCE, _FEED_MANY)
        self._require(feed, "feed", found)
        if _AUTHOR not in found:
            for entry in authorless:
                self.report.error(
                    "atom-author-missing",
                    "<entry> has no <author>, and neither has the <feed> (RFC 4287 4.1.1)",
                    entry)
        if not any(rel == "self" for rel, _ in links):
            self.report.warning(
                "atom-self-link-missing", '<feed> has no <link rel="self"> giving its own URL',
                feed)
        self._check_entry_ids(feed, found)
        self._check_history(feed, links)

    def check_entry_document(self, entry: Any) -> None:
        """Check an Atom Entry Document (root ``atom:entry``)."""
        found = self._check_entry(entry)
        if _AUTHOR not in found:
            self.report.error("atom-author-missing", "<entry> has no <author>", entry)

    def check_in_rss(self, el: Any, tag: str, where: str) -> None:
        """An Atom element used in RSS (the RSS Best Practices Profile and RFC 5005
        Appendix B put Atom elements in RSS channels and items): it keeps the meaning
        RFC 4287 gives it, so its attributes and value are checked as in Atom, a
        channel standing for the feed and an item for the entry. atom:link has its
        own check (ext), as the Best Practices Profile describes it."""
        check = self._checks.get(tag)
        if check is None or tag == _LINK:
            return
        names = el.keys()
        if names:
            self._check_attributes(el, tag, names)
        check(el, "feed" if where == "channel" else "entry")

    def check_link_rel(self, el: Any) -> None:
        """rel, hreflang and length of an atom:link found in RSS, as in Atom."""
        rel = el.get("rel")
        if rel is not None and rel not in _COMMON_RELS:
            self._check_rel(el, rel)
        self._check_hreflang_and_length(el)

    def _check_hreflang_and_length(self, el: Any) -> None:
        hreflang = el.get("hreflang")
        if hreflang is not None and not is_language(hreflang):
            self.report.error(
                "atom-language-invalid", f'<link> hreflang "{short(hreflang)}" is not a language tag',
                el)
        length = el.get("length")
        if length is not None and _INT.fullmatch(length) is None:
            self.report.error(
                "atom-link-length-invalid",
                f'<link> length "{short(length)}" is not a non-negative integer', el)

    # --- structure -------------------------------------------------------------------

    def _walk(
        self, parent: Any, where: str, once: frozenset[str], many: frozenset[str]
    ) -> tuple[dict[str, Any], list[tuple[str, str]], list[Any]]:
        """Walk the children once: dispatch, duplicates, unknowns, order of entries.

        Returns the first child met for each Atom tag, the (rel, href) of each link
        and, for a feed, the entries that have no author of their own. Nothing else
        about an entry is kept once it is checked, so memory stays flat.
        """
        found: dict[str, Any] = {}
        links: list[tuple[str, str]] = []
        authorless: list[Any] = []
        in_entries = False
        extensions: set[str] = set()
        report = self.report
        checks = self._checks
        text = parent.text
        if text and not text.isspace():
            self._text_unexpected(parent, where, text)
        for child in parent:
            text = child.tail
            if text and not text.isspace():
                self._text_unexpected(parent, where, text)
            tag = child.tag
            if tag.__class__ is not str:
                continue
            check = checks.get(tag)
            if check is None:
                if tag == _ENTRY and where == "feed":
                    in_entries = True
                    if _AUTHOR not in self._check_entry(child):
                        authorless.append(child)
                elif tag.startswith(A):
                    report.error(
                        "atom-element-unknown",
                        f"<{_local(tag)}> is not an Atom element of <{where}>", child)
                else:
                    self._check_foreign(child, tag, where, extensions)
                continue
            if in_entries:
                report.error(
                    "atom-metadata-after-entry",
                    f"<{_local(tag)}> comes after an <entry>; feed metadata must come first", child)
            if tag in once:
                if tag in found:
                    report.error(
                        "atom-element-duplicate", f"<{where}> has more than one <{_local(tag)}>",
                        child)
                    continue
                found[tag] = child
            elif tag in many:
                if tag == _LINK:
                    links.append(self._link_key(child))
                found.setdefault(tag, child)
            else:
                report.error(
                    "atom-element-unknown", f"<{_local(tag)}> is not an Atom element of <{where}>",
                    child)
                continue
            names = child.keys()
            if names:
                self._check_attributes(child, tag, names)
            check(child, where)
        if len(links) > 1:
            self._check_duplicate_links(parent, where, links)
        return found, links, authorless

    def _text_unexpected(self, el: Any, where: str, text: str) -> None:
        self.report.error(
            "atom-text-unexpected",
            f'<{where}> holds text ("{short(text)}") outside its child elements; only '
            "white space may appear between them", el)

    def _check_entry(self, entry: Any) -> dict[str, Any]:
        self._check_common_attributes(entry)
        found, links, _ = self._walk(entry, "entry", _ENTRY_ONCE, _FEED_MANY)
        self._require(entry, "entry", found)
        content = found.get(_CONTENT)
        if content is None and not any(rel == "alternate" for rel, _ in links):
            self.report.error(
                "atom-content-or-alternate-missing",
                '<entry> has neither <content> nor <link rel="alternate">', entry)
        if content is not None and _SUMMARY not in found and self._needs_summary(content):
            self.report.error(
                "atom-summary-missing",
                "<entry> must have a <summary> when its <content> has src or is not text",
                entry)
        source = found.get(_SOURCE)
        if source is not None and source.find(_AUTHOR) is not None:
            found[_AUTHOR] = source
        self._check_entry_id(found)
        if len(links) > 1 or (links and links[0][0] != "alternate"):
            history.check_entry_links(entry, links, self.report)
        return found

    def _check_entry_ids(self, feed: Any, found: dict[str, Any]) -> None:
        """RFC 4287 4.2.6: an id identifies one entry or one feed. Entries may share one
        (versions of the same entry, 4.1.1): that is atom-entry-id-duplicate, a warning."""
        feed_id = found.get(_ID)
        if feed_id is not None and feed_id.text in self.entry_ids:
            self.report.warning(ID_SHARED, id_shared(feed_id.text or ""), feed_id)

    def _check_entry_id(self, found: dict[str, Any]) -> None:
        """Entries sharing an id are the same entry (RFC 4287 4.1.1): worth a warning."""
        id_el = found.get(_ID)
        if id_el is None or not id_el.text:
            return
        updated_el = found.get(_UPDATED)
        updated = (updated_el.text or "") if updated_el is not None else ""
        previous = self.entry_ids.get(id_el.text)
        if previous is not None:
            self.report.warning(ENTRY_ID_DUPLICATE,
                                entry_id_duplicate(id_el.text, same_updated=previous == updated),
                                id_el)
        self.entry_ids[id_el.text] = updated

    def _require(self, el: Any, where: str, found: dict[str, Any]) -> None:
        """Feeds, sources' parents and entries all need id, title and updated."""
        if _ID in found and _TITLE in found and _UPDATED in found:
            return
        for tag in (_ID, _TITLE, _UPDATED):
            if tag not in found:
                self.report.error("atom-element-missing", f"<{where}> has no <{_local(tag)}>", el)

    def _check_foreign(self, child: Any, tag: str, where: str, seen: set[str] | None = None) -> None:
        if tag[:1] != "{":
            self.report.warning(
                "atom-element-not-namespaced",
                f"<{tag}> in <{where}> is in no namespace; extensions need one", child)
            return
        from feedpub.validate import ext  # only feeds with extensions pay for its regexes

        if where == "feed" and tag.startswith(_ITUNES_PREFIX):
            self.uses_itunes = True
        ext.check_element(child, tag, where, self.report, rss=False, seen=seen)

    def _check_attributes(self, el: Any, tag: str, names: list[str]) -> None:
        allowed = _ATTRIBUTES.get(tag, _NO_ATTRIBUTES)
        threading = False
        for name in names:
            if name[:1] == "{":
                if name in _XML_ATTRIBUTES:
                    self._check_xml_attribute(el, name)
                threading = threading or name.startswith(_THR_PREFIX)
                continue
            if name not in allowed:
                self.report.error(
                    "atom-attribute-unknown",
                    f"<{_local(tag)}> has an attribute {name} that Atom does not define "
                    "(extension attributes need a namespace)", el)
            elif name not in _BLANK_MEANINGFUL and not el.get(name).strip():
                self.report.warning(
                    "atom-attribute-empty",
                    f'<{_local(tag)}> {name}="" is blank and read as absent', el)
                del el.attrib[name]
        if threading and tag == _LINK:
            from feedpub.validate import ext

            ext.check_thr_link(el, self.report)

    def _check_common_attributes(self, el: Any) -> None:
        names = el.keys()
        if names:
            self._check_attributes(el, el.tag, names)

    def _check_xml_attribute(self, el: Any, name: str) -> None:
        """xml:base and xml:lang, allowed on every Atom element (atomCommonAttributes)."""
        value = el.get(name)
        if name == XML_BASE:
            problem = uri_problem(value)
            if problem:
                self.report.error("atom-uri-invalid", f'xml:base "{short(value)}" {problem}', el)
        elif value and not is_language(value):
            self.report.error(
                "atom-language-invalid", f'xml:lang "{short(value)}" is not a language tag', el)

    # --- values ----------------------------------------------------------------------

    def _check_id(self, el: Any, where: str) -> None:
        value = el.text or ""
        if len(el):
            self.report.error("atom-id-invalid", "<id> must not contain elements", el)
        problem = uri_problem(value, absolute=True) if value else "is empty"
        if problem:
            self.report.error("atom-id-invalid", f'<id> "{short(value)}" {problem}', el)

    def _text_only(self, el: Any) -> None:
        """Elements whose content is text only: no child elements at all."""
        for node in el:
            if isinstance(node.tag, str):
                self.report.error(
                    "atom-text-only",
                    f"<{_local(el.tag)}> holds text only; <{_local(node.tag)}> is not allowed in "
                    "it (RFC 4287)", node)
                return

    def _check_date(self, el: Any, where: str) -> None:
        if len(el):
            self._text_only(el)
        value = el.text or ""
        problem = rfc3339(value)
        if problem:
            self.report.error(
                "atom-date-invalid", f'<{_local(el.tag)}> "{short(value)}" {problem}', el)

    def _check_iri_text(self, el: Any, where: str) -> None:
        if len(el):
            self._text_only(el)
        value = el.text or ""
        problem = uri_problem(value)
        if problem:
            self.report.error(
                "atom-uri-invalid", f'<{_local(el.tag)}> "{short(value)}" {problem}', el)

    def _check_text(self, el: Any, where: str) -> None:
        """Text constructs (RFC 4287 3.1): type, escaping, the xhtml div."""
        kind = el.get("type", "text")
        if kind == "text" and not len(el):
            return  # the common case, settled without building the element's name
        name = _local(el.tag)
        if kind not in _TEXT_TYPES:
            self.report.error(
                "atom-text-type-invalid",
                f'<{name}> type "{short(kind)}" is not text, html or xhtml', el)
            return
        self._check_text_body(el, name, kind)

    def _check_text_body(self, el: Any, name: str, kind: str) -> None:
        if kind == "xhtml":
            self._check_xhtml(el, name)
            return
        if len(el):
            self.report.error(
                "atom-text-markup-unescaped",
                f'<{name}> of type "{kind}" contains child elements; markup must be escaped', el)
        elif kind == "html":
            problem = unsafe_html(el.text or "")
            if problem:
                self.report.warning("html-unsafe", f"<{name}> {problem}", el)

    def _check_xhtml(self, el: Any, name: str) -> None:
        children = [c for c in el if isinstance(c.tag, str)]
        stray_text = (el.text or "").strip() or any((c.tail or "").strip() for c in children)
        if len(children) != 1 or children[0].tag != _XHTML_DIV or stray_text:
            self.report.error(
                "atom-xhtml-div-missing",
                f'<{name}> of type "xhtml" must contain exactly one xhtml:div element', el)
            return
        for node in children[0].iter():
            tag = node.tag
            if not isinstance(tag, str):
                continue
            if tag.startswith(_MISPLACED_IN_XHTML):
                self.report.error(
                    "atom-xhtml-element-misplaced",
                    f"<{name}> xhtml contains <{_local(tag)}>, an Atom or AtomPub element, which "
                    "has no meaning there", node)
            local = _local(tag).lower()
            if local in ("script", "iframe", "object", "embed", "applet"):
                self.report.warning("html-unsafe", f"<{name}> contains a <{local}> element", node)
            for attr, value in attribute_items(node):
                if attr.lower().startswith("on"):
                    self.report.warning(
                        "html-unsafe", f"<{name}> contains an event-handler attribute ({attr})",
                        node)
                elif value.strip().lower().startswith("javascript:"):
                    self.report.warning("html-unsafe", f"<{name}> contains a javascript: URL", node)

    def _check_content(self, el: Any, where: str) -> None:
        """atom:content (RFC 4287 4.1.3): type, src, and the body each type implies."""
        kind = el.get("type", "text")
        src = el.get("src")
        if kind not in _TEXT_TYPES and (not is_mime_type(kind) or kind.startswith("multipart/")):
            self.report.error(
                "atom-content-type-invalid",
                f'<content> type "{short(kind)}" is not text, html, xhtml or a MIME type', el)
            return
        if src is not None:
            self._check_content_src(el, kind, src)
            return
        if kind in _TEXT_TYPES:
            self._check_text_body(el, "content", kind)
        elif kind.lower().startswith("text/"):
            if any(isinstance(node.tag, str) for node in el):
                self.report.error(
                    "atom-text-markup-unescaped",
                    f'<content> of type "{short(kind)}" contains child elements; a text/ media '
                    "type's content must be text (RFC 4287 4.1.3.3)", el)
        else:
            binary = not _is_xml_type(kind)
            if binary and (len(el) or not _is_base64(el.text or "")):
                self.report.error(
                    "atom-content-not-base64",
                    f'<content> of type "{short(kind)}" must be Base64-encoded', el)

    def _check_content_src(self, el: Any, kind: str, src: str) -> None:
        problem = uri_problem(src)
        if problem:
            self.report.error("atom-uri-invalid", f'<content> src "{short(src)}" {problem}', el)
        if el.get("type") is None:
            self.report.warning(
                "atom-content-type-missing",
                "<content> with src should say the media type of what it points to "
                "(RFC 4287 4.1.3.1)", el)
        if kind in _TEXT_TYPES and el.get("type") is not None:
            self.report.error(
                "atom-content-type-invalid",
                f'<content> with src must have a MIME media type, not "{kind}"', el)
        if len(el) or (el.text or "").strip():
            self.report.error("atom-content-src-not-empty", "<content> with src must be empty", el)

    @staticmethod
    def _needs_summary(content: Any) -> bool:
        kind = content.get("type", "text")
        if content.get("src") is not None:
            return True
        if kind in _TEXT_TYPES or not is_mime_type(kind):
            return False  # an invalid type is reported once, as itself
        return not _is_xml_type(kind) and not kind.startswith("text/")

    def _check_generator(self, el: Any, where: str) -> None:
        if len(el):
            self._text_only(el)
        uri = el.get("uri")
        if uri is not None:
            problem = uri_problem(uri)
            if problem:
                self.report.error("atom-uri-invalid", f'<generator> uri "{short(uri)}" {problem}', el)

    def _check_link(self, el: Any, where: str) -> None:
        href = el.get("href")
        if href is None:
            self.report.error("atom-link-href-missing", "<link> has no href attribute", el)
        else:
            problem = uri_problem(href)
            if problem:
                self.report.error("atom-uri-invalid", f'<link> href "{short(href)}" {problem}', el)
            scheme = script_url(href)
            if scheme:
                self.report.warning("link-script", link_script("<link> href", href, scheme), el)
        rel = el.get("rel")
        if rel is not None and rel not in _COMMON_RELS:
            self._check_rel(el, rel)
        if rel == "self" and href is not None and not has_scheme(href) and not _has_base(el):
            self.report.warning(
                "atom-self-link-relative",
                f'the self link "{short(href)}" is relative and no xml:base makes it absolute, so '
                "a reader given only the document cannot find the feed again", el)
        if link_has_content(el):
            self.report.warning(
                "atom-link-not-empty",
                "<link> has content; Atom puts a link's data in its attributes (an Atom 0.2 "
                'style <link>URL</link> means nothing: use href="URL")', el)
        kind = el.get("type")
        if kind is not None and not is_mime_type(kind):
            self.report.error(
                "atom-link-type-invalid", f'<link> type "{short(kind)}" is not a MIME type', el)
        self._check_hreflang_and_length(el)

    def _check_rel(self, el: Any, rel: str) -> None:
        """RFC 4287 4.2.7.2: a registered name, or an IRI."""
        if _REL_NAME.fullmatch(rel) is None:
            if not has_scheme(rel) or uri_problem(rel):
                self.report.error("atom-link-rel-invalid", f'<link> rel "{short(rel)}" is not valid',
                                  el)
        elif rel.lower() not in _REGISTERED_RELS:
            self.report.warning(
                "atom-link-rel-unregistered",
                f'<link> rel "{short(rel)}" is not in the IANA link relations registry; use a '
                "registered name or a full IRI", el)

    @staticmethod
    def _link_key(el: Any) -> tuple[str, str]:
        rel = el.get("rel", "alternate")
        if rel.startswith("http://www.iana.org/assignments/relation/"):
            rel = rel.rpartition("/")[2]
        return rel, el.get("href", "")

    def _check_duplicate_links(self, parent: Any, where: str, links: list[tuple[str, str]]) -> None:
        """Alternate links must differ in type or hreflang (RFC 4287 4.1.1, 4.1.2)."""
        if sum(1 for rel, _ in links if rel == "alternate") < 2:
            return
        keys: set[tuple[str, str]] = set()
        for link in parent.iterchildren(A + "link"):
            if self._link_key(link)[0] != "alternate":
                continue
            key = (link.get("type", ""), link.get("hreflang", ""))
            if key in keys:
                self.report.error(
                    "atom-link-duplicate",
                    f'<{where}> has two alternate links with type "{key[0]}" and hreflang '
                    f'"{key[1]}"', link)
            keys.add(key)

    def _check_category(self, el: Any, where: str) -> None:
        if el.get("term") is None:
            self.report.error("atom-category-term-missing", "<category> has no term attribute", el)
        scheme = el.get("scheme")
        if scheme is not None:
            problem = uri_problem(scheme)
            if problem:
                self.report.error(
                    "atom-uri-invalid", f'<category> scheme "{short(scheme)}" {problem}', el)

    def _check_person(self, el: Any, where: str) -> None:
        """Person constructs (RFC 4287 3.2): one name, at most one uri and email."""
        name = _local(el.tag)
        seen: set[str] = set()
        text = el.text
        if text and not text.isspace():
            self._text_unexpected(el, name, text)
        for child in el:
            text = child.tail
            if text and not text.isspace():
                self._text_unexpected(el, name, text)
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if not tag.startswith(A):
                self._check_foreign(child, tag, name)
                continue
            if tag not in _PERSON:
                self.report.error(
                    "atom-element-unknown", f"<{_local(tag)}> is not an Atom element of <{name}>",
                    child)
                continue
            if tag in seen:
                self.report.error(
                    "atom-element-duplicate", f"<{name}> has more than one <{_local(tag)}>", child)
            seen.add(tag)
            names = child.keys()
            if names:
                self._check_attributes(child, tag, names)
            self._check_person_child(child, tag)
        if A + "name" not in seen:
            self.report.error("atom-element-missing", f"<{name}> has no <name>", el)

    def _check_person_child(self, child: Any, tag: str) -> None:
        if len(child):
            self._text_only(child)
        value = child.text or ""
        if tag == A + "email" and not is_addr_spec(value):
            self.report.error(
                "atom-email-invalid", f'<email> "{short(value)}" is not an e-mail address', child)
        elif tag == A + "uri":
            problem = uri_problem(value)
            if problem:
                self.report.error("atom-uri-invalid", f'<uri> "{short(value)}" {problem}', child)

    def _check_source(self, el: Any, where: str) -> None:
        found, _, _ = self._walk(el, "source", _FEED_ONCE, _FEED_MANY)
        missing = [_local(tag) for tag in (_ID, _TITLE, _UPDATED) if tag not in found]
        if missing:
            self.report.warning(
                "atom-source-incomplete",
                f"<source> has no {', '.join(missing)}; it should copy the source feed's id, "
                "title and updated (RFC 4287 4.2.11)", el)

    # --- RFC 5005 and RFC 6721 -------------------------------------------------------

    def _check_history(self, feed: Any, links: list[tuple[str, str]]) -> None:
        history.check_history(feed, links, self.report)
        history.check_tombstones(feed, self.entry_ids, self.report)


def _has_base(el: Any) -> bool:
    """True when an xml:base on the element or an ancestor is absolute."""
    node = el
    while node is not None:
        base = node.get(XML_BASE)
        if base is not None and has_scheme(base):
            return True
        node = node.getparent()
    return False


def _is_base64(text: str) -> bool:
    """Base64 (RFC 4648) with white space allowed between characters."""
    return _BASE64.fullmatch(_SPACE.sub("", text)) is not None


def _is_xml_type(kind: str) -> bool:
    kind = kind.lower().split(";")[0].strip()
    return kind.endswith("+xml") or kind.endswith("/xml")


# Rules across entries: incremental builds check them per document, with these messages.
ID_SHARED = "atom-id-shared"
ENTRY_ID_DUPLICATE = "atom-entry-id-duplicate"


def id_shared(value: str) -> str:
    return (f'the feed and an entry both have the id "{short(value)}"; an id '
            "identifies one feed or one entry (RFC 4287 4.2.6)")


def entry_id_duplicate(value: str, *, same_updated: bool) -> str:
    detail = " and the same <updated>" if same_updated else ""
    return f'entry id "{short(value)}" appears more than once{detail}'


def check(root: Any, report: Report) -> None:
    """Validate an Atom document (feed, entry, or deleted-entry per RFC 6721 4)."""
    checker = AtomChecker(report)
    if root.tag == _ENTRY:
        checker.check_entry_document(root)
    elif root.tag == history.TOMBSTONE:
        history.check_tombstone(root, report)
    else:
        checker.check_feed(root)
        if checker.uses_itunes:
            from feedpub.validate import itunes

            itunes.check_channel(root, report)

