"""RSS 2.0 rules (RSS 2.0.1 specification and the RSS Best Practices Profile).

One pass over the tree: each parent walks its children once, dispatching on the
tag through dictionaries, so a 10,000-item feed costs a few dictionary lookups per
element. Extension elements are handed to :mod:`feedpub.validate.ext`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from feedpub.validate.common import ATOM, FH, ITUNES, XML_LANG, capped_int, short, text_of
from feedpub.validate.dates import rfc822
from feedpub.validate.findings import Report
from feedpub.validate.history import check_history
from feedpub.validate.html import unsafe_html
from feedpub.validate.urls import (
    MAX_PORT,
    is_language,
    is_mime_type,
    link_script,
    rss_contact_problem,
    script_url,
    uri_problem,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

_INT = re.compile(r"[0-9]+")
_ATOM_LINK = f"{{{ATOM}}}link"
_FH_COMPLETE = f"{{{FH}}}complete"
_FH_ARCHIVE = f"{{{FH}}}archive"
_ITUNES_PREFIX = f"{{{ITUNES}}}"
# RSS 2.0 is upward-compatible with these (RSS 2.0.1, introduction).
_OLD_VERSIONS = frozenset({"0.91", "0.92", "0.93", "0.94"})
# RSS Best Practices Profile, textInput name: an HTML form control name.
FORM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9:._-]*")
_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

CHANNEL_ONCE = frozenset({
    "title", "link", "description", "language", "copyright", "managingEditor", "webMaster",
    "pubDate", "lastBuildDate", "generator", "docs", "cloud", "ttl", "image", "rating",
    "textInput", "skipHours", "skipDays",
})
CHANNEL_MANY = frozenset({"category", "item"})
ITEM_ONCE = frozenset({"title", "link", "description", "author", "comments", "guid", "pubDate",
                       "source"})
ITEM_MANY = frozenset({"category", "enclosure"})
# RSS 2.0 "Extending RSS": attributes not described by the spec must be in a namespace.
ATTRIBUTES: dict[str, frozenset[str]] = {
    "guid": frozenset({"isPermaLink"}),
    "enclosure": frozenset({"url", "length", "type"}),
    "source": frozenset({"url"}),
    "category": frozenset({"domain"}),
    "cloud": frozenset({"domain", "port", "path", "registerProcedure", "protocol"}),
}
_NO_ATTRIBUTES: frozenset[str] = frozenset()
IMAGE_CHILDREN = frozenset({"url", "title", "link", "width", "height", "description"})
TEXTINPUT_CHILDREN = frozenset({"title", "description", "name", "link"})
# Elements whose content is text (escaped markup at most): every element of channel and
# item except the containers (item, image, textInput, skipHours, skipDays) and the two
# that hold only attributes (enclosure, cloud).
_CONTAINERS = frozenset({"item", "image", "textInput", "skipHours", "skipDays"})
_EMPTY = frozenset({"enclosure", "cloud"})
# Netscape stopped serving its RSS 0.91 DTD in 2007; readers that load it fail.
_NETSCAPE_DTD = "my.netscape.com/publish/formats/rss-0.91.dtd"
_DTD_VERSION = re.compile(r"rss-(0\.9[0-9]?)\.dtd")
_CLOUD_PROTOCOLS = ("xml-rpc", "soap", "http-post")
_BLANK_MEANINGFUL = frozenset({"isPermaLink", "registerProcedure"})
# Formats RSS 2.0 names for the channel image; other image types by file extension.
_OTHER_IMAGE_TYPES = (".svg", ".webp", ".ico", ".bmp", ".tif", ".tiff", ".avif", ".heic")


def _web_url_problem(value: str) -> str | None:
    """RSS asks for http URLs for enclosures and for permalinks a browser can open."""
    if value[:7].lower() == "http://" or value[:8].lower() == "https://":
        return None
    return "is not an http(s) URL"


class RssChecker:
    """Validates one RSS document into a :class:`Report`."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.guids: set[str] = set()
        self.has_self_link = False
        self.uses_itunes = False
        self.old_version = False  # 0.91 to 0.94, whose channel has <textinput>
        self.atom_links: list[tuple[str, str]] = []
        self._value_checks: dict[str, Callable[[Any, str, str], None]] = {
            "link": self._check_url,
            "docs": self._check_url,
            "comments": self._check_url,
            "pubDate": self._check_date,
            "lastBuildDate": self._check_date,
            "managingEditor": self._check_contact,
            "webMaster": self._check_contact,
            "author": self._check_contact,
            "language": self._check_language,
            "ttl": self._check_ttl,
            "description": self._check_html,
            "guid": self._check_guid,
            "enclosure": self._check_enclosure,
            "source": self._check_source,
            "cloud": self._check_cloud,
            "image": self._check_image,
            "textInput": self._check_textinput,
            "skipHours": self._check_skiphours,
            "skipDays": self._check_skipdays,
        }

    # --- structure -------------------------------------------------------------------

    def check(self, root: Any) -> None:
        """Check the ``rss`` root element and everything under it."""
        self._check_version(root)
        channels = []
        self._check_no_text(root.text, root, "rss")
        for child in root:
            self._check_no_text(child.tail, root, "rss")
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == "channel":
                channels.append(child)
            elif tag[:1] != "{":
                self.report.error("rss-element-unknown", f"<{tag}> is not an RSS 2.0 element", child)
        if not channels:
            self.report.error("rss-element-missing", "<rss> has no <channel> element", root)
            return
        for extra in channels[1:]:
            self.report.error("rss-element-duplicate", "<rss> has more than one <channel>", extra)
        self._check_channel(channels[0])

    def _check_version(self, root: Any) -> None:
        self._check_language_attribute(root)
        for name in root.attrib:
            if name[:1] != "{" and name != "version":
                self.report.error(
                    "rss-attribute-unknown", f"<rss> has an attribute {name} that RSS 2.0 does "
                    "not define", root)
        doctype = root.getroottree().docinfo.doctype
        if _NETSCAPE_DTD in doctype:
            self.report.error(
                "rss-doctype-deprecated",
                "the DOCTYPE names Netscape's RSS 0.91 DTD, which Netscape stopped serving in "
                "2007, so readers that load DTDs fail: remove the DOCTYPE, or point it at "
                "http://www.rssboard.org/rss-0.91.dtd", root)
        version_text = root.get("version", "").strip()
        dtd = _DTD_VERSION.search(doctype)
        if dtd is not None and version_text and version_text != dtd.group(1):
            # an RSS 0.9x DTD describes that version only: later ones add elements
            # (enclosure, source, category, cloud...) it does not declare
            self.report.error(
                "rss-doctype-conflict",
                f"the DOCTYPE is the RSS {dtd.group(1)} DTD but the version is "
                f'"{short(version_text)}"; remove the DOCTYPE', root)
        version = root.get("version")
        if version is None:
            self.report.error("rss-version-missing", '<rss> has no version attribute ("2.0")', root)
        elif version.strip() in _OLD_VERSIONS:
            self.old_version = True
            self.report.warning(
                "rss-version-old",
                f'RSS version "{version.strip()}" is older than 2.0; it is checked as RSS 2.0, '
                "which it is compatible with", root)
        elif version.strip() not in ("2.0", "2.0.1"):
            self.report.error(
                "rss-version-invalid", f'RSS version "{short(version)}" is not 2.0', root)

    def _check_language_attribute(self, el: Any) -> None:
        lang = el.get(XML_LANG)
        if lang and not is_language(lang):
            self.report.error(
                "rss-language-invalid", f'xml:lang "{short(lang)}" is not a language tag', el)

    def _check_channel(self, channel: Any) -> None:
        names = channel.keys()
        if names:
            self._check_attributes(channel, "channel", names)
        seen = self._check_children(channel, "channel", CHANNEL_ONCE, CHANNEL_MANY, self._check_item)
        self._check_image_matches(channel)
        if self.uses_itunes:
            from feedpub.validate import itunes

            itunes.check_channel(channel, self.report)
        for required in ("title", "link", "description"):
            if required not in seen:
                self.report.error(
                    "rss-element-missing", f"<channel> has no <{required}> element", channel)
        if self.atom_links or channel.find(_FH_COMPLETE) is not None or \
                channel.find(_FH_ARCHIVE) is not None:
            check_history(channel, self.atom_links, self.report)
        if not self.has_self_link:
            self.report.warning(
                "rss-self-link-missing",
                '<channel> has no <atom:link rel="self"> giving the feed\'s own URL', channel)

    def _check_image_matches(self, channel: Any) -> None:
        """RSS 2.0 "Elements of image": in practice its title and link are the channel's."""
        image = channel.find("image")
        if image is None:
            return
        for name in ("title", "link"):
            mine, theirs = image.find(name), channel.find(name)
            if mine is None or theirs is None:
                continue
            if (mine.text or "").strip() != (theirs.text or "").strip():
                self.report.warning(
                    "rss-image-mismatch",
                    f"<image> <{name}> differs from the channel's <{name}>; RSS 2.0 says they "
                    "should be the same", mine)

    def _check_item(self, item: Any) -> None:
        names = item.keys()
        if names:
            self._check_attributes(item, "item", names)
        seen = self._check_children(item, "item", ITEM_ONCE, ITEM_MANY, None)
        if "guid" not in seen:
            self.report.warning(
                "rss-guid-missing",
                "<item> has no <guid>; without one, readers tell items apart by title or link "
                "and show an edited item again (RSS 2.0 and its Best Practices Profile recommend "
                "one)", item)
        if "title" not in seen and "description" not in seen:
            self.report.error(
                "rss-item-title-or-description-missing",
                "<item> must have a <title> or a <description>", item)

    def _check_children(
        self, parent: Any, where: str, once: frozenset[str], many: frozenset[str],
        on_item: Callable[[Any], None] | None,
    ) -> set[str]:
        """Walk the children of channel or item once: duplicates, unknowns, values."""
        seen: set[str] = set()
        report = self.report
        checks = self._value_checks
        misplaced = False
        self._check_no_text(parent.text, parent, where)
        for child in parent:
            tail = child.tail
            if tail and not tail.isspace():
                self._check_no_text(tail, parent, where)
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag[:1] == "{":
                self._check_extension(child, tag, where, seen)
                continue
            if tag == "textinput" and self.old_version and where == "channel":
                tag = "textInput"  # its name before RSS 2.0 (the RSS 0.91 DTD, 0.92)
            if tag in once:
                if tag in seen:
                    report.error(
                        "rss-element-duplicate", f"<{where}> has more than one <{tag}>", child)
                elif "item" in seen and not misplaced:
                    misplaced = True
                    report.warning(
                        "rss-item-misplaced",
                        f"<{tag}> comes after an <item>; the RSS Best Practices Profile puts "
                        "every item after the other channel elements", child)
                seen.add(tag)
            elif tag in many:
                seen.add(tag)
                if tag == "item" and on_item is not None:
                    on_item(child)
                    continue
            else:
                report.error(
                    "rss-element-unknown", f"<{tag}> is not an RSS 2.0 element of <{where}>", child)
                continue
            names = child.keys()
            if names:
                self._check_attributes(child, tag, names)
            if len(child) and tag not in _CONTAINERS:
                self._check_text_only(child, tag)
            elif tag in _EMPTY and child.text and not child.text.isspace():
                self._check_no_text(child.text, child, tag)
            check = checks.get(tag)
            if check is not None:
                check(child, tag, where)
        if where == "item" and "enclosure" in seen:
            self._check_enclosure_count(parent)
        return seen

    def _check_text_only(self, el: Any, tag: str) -> None:
        """Text elements hold text (HTML escaped or in CDATA), enclosure and cloud nothing."""
        for node in el:
            if not isinstance(node.tag, str):
                continue
            name = node.tag.rpartition("}")[2] if node.tag[:1] == "{" else node.tag
            if tag in _EMPTY:
                self.report.error(
                    "rss-element-unknown",
                    f"<{tag}> holds only attributes; <{name}> is not allowed in it", node)
            else:
                self.report.error(
                    "rss-markup-unescaped",
                    f"<{tag}> contains a raw <{name}> element; its content is text, so HTML "
                    f"must be escaped (&lt;{name}&gt;) or wrapped in CDATA", node)
            return
        if tag in _EMPTY:
            self._check_no_text(el.text, el, tag)

    def _check_no_text(self, text: str | None, el: Any, where: str) -> None:
        """rss, channel, item, image, textInput, skipHours and skipDays hold elements only;
        enclosure and cloud hold nothing (their data is in attributes)."""
        if text and not text.isspace():
            what = "its data is all in attributes" if where in _EMPTY else \
                "only white space may appear between its child elements"
            self.report.error(
                "rss-text-unexpected", f'<{where}> holds text ("{short(text)}"); {what}', el)

    def _check_attributes(self, el: Any, tag: str, names: list[str]) -> None:
        allowed = ATTRIBUTES.get(tag, _NO_ATTRIBUTES)
        for name in names:
            if name[:1] == "{":
                if name == XML_LANG:
                    self._check_language_attribute(el)
                continue
            if name not in allowed:
                self.report.error(
                    "rss-attribute-unknown",
                    f"<{tag}> has an attribute {name} that RSS 2.0 does not define "
                    "(extension attributes need a namespace)", el)
            elif name not in _BLANK_MEANINGFUL and not el.get(name).strip():
                self._drop_blank(el, tag, name)

    def _drop_blank(self, el: Any, tag: str, name: str) -> None:
        """A blank attribute is read as absent (so a required one is then missing).

        Real feeds write width="" or domain="" for "unknown"; the W3C service warns and
        so do we. Two exceptions: a blank isPermaLink leaves open whether the guid must
        be a URL, so it keeps its own error; and rssCloud's http-post protocol has no
        procedure name, so registerProcedure="" is how real feeds say so.
        """
        self.report.warning(
            "rss-attribute-empty", f'<{tag}> {name}="" is blank and read as absent', el)
        del el.attrib[name]

    def _check_enclosure_count(self, item: Any) -> None:
        enclosures = [c for c in item.iterchildren("enclosure")]
        if len(enclosures) > 1:
            self.report.warning(
                "rss-enclosure-multiple",
                "<item> has more than one <enclosure>; many readers use only the first "
                "(RSS Best Practices Profile)", enclosures[1])

    def _check_extension(self, child: Any, tag: str, where: str, seen: set[str]) -> None:
        if tag == _ATOM_LINK and where == "channel":
            rel = child.get("rel", "alternate")
            self.atom_links.append((rel, child.get("href", "")))
            self.has_self_link = self.has_self_link or rel == "self"
        elif tag.startswith(_ITUNES_PREFIX):
            self.uses_itunes = True
        from feedpub.validate import ext  # only feeds with extensions pay for its regexes

        ext.check_element(child, tag, where, self.report, rss=True, seen=seen)

    # --- values --------------------------------------------------------------------

    def _check_url(self, el: Any, tag: str, where: str) -> None:
        value = (el.text or "").strip()
        problem = uri_problem(value, iri=False, absolute=True) if value else "is empty"
        if problem:
            self.report.error("rss-url-invalid", f'<{tag}> "{short(value)}" {problem}', el)
        scheme = script_url(value)
        if scheme:
            self.report.warning("link-script", link_script(f"<{tag}>", value, scheme), el)

    def _check_date(self, el: Any, tag: str, where: str) -> None:
        value = el.text or ""
        problem = rfc822(value)
        if problem is None:
            return
        if problem == "weekday":
            self.report.error(
                "rss-date-weekday-mismatch",
                f'{tag} "{short(value)}" names the wrong day of the week', el)
        else:
            self.report.error(f"rss-{tag.lower()}-invalid", f'{tag} "{short(value)}" {problem}', el)

    def _check_contact(self, el: Any, tag: str, where: str) -> None:
        value = el.text or ""
        problem = rss_contact_problem(value)
        if problem:
            self.report.error("rss-email-invalid", f'<{tag}> "{short(value)}" {problem}', el)

    def _check_language(self, el: Any, tag: str, where: str) -> None:
        value = (el.text or "").strip()
        if not is_language(value):
            self.report.error(
                "rss-language-invalid", f'<language> "{short(value)}" is not a language tag', el)

    def _check_ttl(self, el: Any, tag: str, where: str) -> None:
        value = (el.text or "").strip()
        if _INT.fullmatch(value) is None:
            self.report.error(
                "rss-ttl-invalid", f'<ttl> "{short(value)}" is not a whole number of minutes', el)

    def _check_html(self, el: Any, tag: str, where: str) -> None:
        problem = unsafe_html(text_of(el))
        if problem:
            self.report.warning("html-unsafe", f"<{where}> <{tag}> {problem}", el)

    def _check_guid(self, el: Any, tag: str, where: str) -> None:
        value = (el.text or "").strip()
        flag = el.get("isPermaLink")
        if flag is not None and flag not in ("true", "false"):
            self.report.error(
                "rss-guid-ispermalink-invalid",
                f'isPermaLink "{short(flag)}" must be "true" or "false"', el)
        if flag != "false":
            problem = ((uri_problem(value, iri=False, absolute=True) or _web_url_problem(value))
                       if value else "is empty")
            if problem:
                self.report.error(
                    "rss-guid-not-url",
                    f'<guid> "{short(value)}" {problem}: without isPermaLink="false" a guid is a '
                    "permalink, which RSS 2.0 defines as a URL a web browser can open (tag: and "
                    'urn: identify but do not locate); add isPermaLink="false" if it is only an '
                    "identifier", el)
        if not value:
            if flag == "false":
                self.report.warning("rss-guid-empty", "<guid> is empty", el)
            return
        if value in self.guids:
            self.report.error(GUID_DUPLICATE, guid_duplicate(value), el)
        self.guids.add(value)

    def _require_attributes(self, el: Any, tag: str, names: tuple[str, ...]) -> None:
        for name in names:
            if el.get(name) is None:
                self.report.error(
                    "rss-attribute-missing", f"<{tag}> has no {name} attribute", el)

    def _check_url_attribute(self, el: Any, tag: str, name: str) -> None:
        value = el.get(name)
        if value is None:
            return
        problem = uri_problem(value, iri=False, absolute=True)
        if problem:
            self.report.error(
                "rss-url-invalid", f'<{tag}> {name} "{short(value)}" {problem}', el)

    def _check_enclosure(self, el: Any, tag: str, where: str) -> None:
        self._require_attributes(el, tag, ("url", "length", "type"))
        self._check_url_attribute(el, tag, "url")
        url = el.get("url")
        if url and not uri_problem(url, iri=False, absolute=True) and _web_url_problem(url):
            self.report.error(
                "rss-url-invalid", f'<enclosure> url "{short(url)}" must be an http URL', el)
        length = el.get("length")
        if length is not None and _INT.fullmatch(length.strip()) is None:
            self.report.error(
                "rss-enclosure-length-invalid",
                f'<enclosure> length "{short(length)}" is not a whole number of bytes '
                "(use 0 when unknown)", el)
        kind = el.get("type")
        if kind is not None and not is_mime_type(kind):
            self.report.error(
                "rss-enclosure-type-invalid", f'<enclosure> type "{short(kind)}" is not a MIME type',
                el)

    def _check_source(self, el: Any, tag: str, where: str) -> None:
        self._require_attributes(el, tag, ("url",))
        self._check_url_attribute(el, tag, "url")

    def _check_cloud(self, el: Any, tag: str, where: str) -> None:
        self._require_attributes(
            el, tag, ("domain", "port", "path", "registerProcedure", "protocol"))
        port = el.get("port")
        if port is not None and _INT.fullmatch(port.strip()) is None:
            self.report.error(
                "rss-cloud-invalid", f'<cloud> port "{short(port)}" is not a whole number', el)
        elif port is not None and capped_int(port.strip(), MAX_PORT + 1) > MAX_PORT:
            # the TCP port readers send their registration to: 16 bits, as in a URL
            self.report.error(
                "rss-cloud-invalid", f'<cloud> port "{short(port)}" is over {MAX_PORT}, the '
                "highest TCP port", el)
        elif port is not None and capped_int(port.strip(), 1) == 0:
            # port 0 is reserved: no server listens there (RFC 6335 6)
            self.report.error(
                "rss-cloud-invalid", f'<cloud> port "{short(port)}" is 0, a reserved port no '
                "server can listen on (RFC 6335 6)", el)
        protocol = el.get("protocol")
        if protocol == "https-post":
            self.report.warning(
                "rss-cloud-https-post",
                '<cloud> protocol "https-post" is what current rssCloud servers use for HTTPS '
                "callbacks, but RSS 2.0 names only xml-rpc, soap and http-post; older readers "
                "will not subscribe", el)
        elif protocol is not None and protocol not in _CLOUD_PROTOCOLS:
            self.report.error(
                "rss-cloud-invalid",
                f'<cloud> protocol "{short(protocol)}" is not xml-rpc, soap or http-post', el)

    def _check_group(
        self, el: Any, tag: str, allowed: frozenset[str], required: tuple[str, ...]
    ) -> dict[str, Any]:
        """Children of image / textInput: each at most once, all known."""
        found: dict[str, Any] = {}
        self._check_no_text(el.text, el, tag)
        for child in el:
            self._check_no_text(child.tail, el, tag)
            name = child.tag
            if not isinstance(name, str) or name[:1] == "{":
                continue
            if name not in allowed:
                self.report.error(
                    "rss-element-unknown", f"<{name}> is not an RSS 2.0 element of <{tag}>", child)
                continue
            if name in found:
                self.report.error(
                    "rss-element-duplicate", f"<{tag}> has more than one <{name}>", child)
            else:
                found[name] = child
            self._check_leaf(child, name)
        for name in required:
            if name not in found:
                self.report.error("rss-element-missing", f"<{tag}> has no <{name}> element", el)
        return found

    def _check_leaf(self, el: Any, tag: str) -> None:
        """Children of image, textInput, skipHours, skipDays: text, no attributes."""
        names = el.keys()
        if names:
            self._check_attributes(el, tag, names)
        if len(el):
            self._check_text_only(el, tag)

    def _check_image(self, el: Any, tag: str, where: str) -> None:
        found = self._check_group(el, tag, IMAGE_CHILDREN, ("url", "title", "link"))
        for name in ("url", "link"):
            if name in found:
                self._check_url(found[name], f"image {name}", tag)
        url = found.get("url")
        path = (url.text or "").strip().lower().split("?")[0].split("#")[0] if url is not None else ""
        if path.endswith(_OTHER_IMAGE_TYPES):
            self.report.warning(
                "rss-image-format",
                f'<image> url "{short(path)}" is not a GIF, JPEG or PNG image, the formats RSS '
                "2.0 names; many readers will not show it", url)
        for name, limit in (("width", 144), ("height", 400)):
            child = found.get(name)
            if child is None:
                continue
            value = (child.text or "").strip()
            if _INT.fullmatch(value) is None or not 0 < capped_int(value, limit + 1) <= limit:
                self.report.error(
                    "rss-image-size-invalid",
                    f'<image> {name} "{short(value)}" must be a whole number from 1 to {limit}',
                    child)

    def _check_textinput(self, el: Any, tag: str, where: str) -> None:
        found = self._check_group(
            el, tag, TEXTINPUT_CHILDREN, ("title", "description", "name", "link"))
        if "link" in found:
            self._check_url(found["link"], "textInput link", tag)
        name = found.get("name")
        if name is not None:
            value = (name.text or "").strip()
            if FORM_NAME.fullmatch(value) is None:
                self.report.error(
                    "rss-textinput-name-invalid",
                    f'<textInput> name "{short(value)}" must start with a letter and hold only '
                    "letters, digits, colons, hyphens, periods and underscores", name)

    def _check_skiphours(self, el: Any, tag: str, where: str) -> None:
        self._check_skip(el, "hour", lambda v: _INT.fullmatch(v) is not None and capped_int(v, 24) <= 23,
                         "a whole number from 0 to 23")

    def _check_skipdays(self, el: Any, tag: str, where: str) -> None:
        self._check_skip(el, "day", _DAYS.__contains__, "an English day name such as Monday")

    def _check_skip(self, el: Any, child_tag: str, valid: Callable[[str], bool], what: str) -> None:
        values: set[str] = set()
        count = 0
        self._check_no_text(el.text, el, el.tag)
        for child in el:
            self._check_no_text(child.tail, el, el.tag)
            tag = child.tag
            if not isinstance(tag, str) or tag[:1] == "{":
                continue
            if tag != child_tag:
                self.report.error(
                    "rss-element-unknown", f"<{tag}> is not allowed in <{el.tag}>", child)
                continue
            count += 1
            self._check_leaf(child, tag)
            value = (child.text or "").strip()
            if tag == "hour" and value == "24":
                self.report.warning(
                    "rss-skip-hour-24",
                    '<hour> 24 is midnight in the 1-24 numbering RSS used before November 2002; '
                    "it is now 0-23, so write 0", child)
                value = "0"
            if not valid(value):
                self.report.error(
                    "rss-skip-value-invalid", f'<{tag}> "{short(value)}" must be {what}', child)
            elif value.lstrip("0") in values:
                self.report.error(
                    "rss-skip-value-duplicate", f'<{tag}> "{value}" appears twice', child)
            values.add(value.lstrip("0"))
        if count == 0:
            self.report.error(
                "rss-element-missing", f"<{el.tag}> has no <{child_tag}> element", el)


GUID_DUPLICATE = "rss-guid-duplicate"  # a rule across items: incremental builds check it per document


def guid_duplicate(value: str) -> str:
    """The message of rss-guid-duplicate, for this checker and for a build's document check."""
    return (f'<guid> "{short(value)}" is also the guid of an earlier item; a guid uniquely '
            "identifies one item (RSS 2.0), so readers will drop or merge one of them")


def check(root: Any, report: Report) -> None:
    """Validate an RSS document whose root element is ``rss``."""
    RssChecker(report).check(root)

