"""RSS 1.0 (RDF Site Summary) and RSS 0.90 rules.

RSS 1.0 (http://purl.org/rss/1.0/spec, 2000-12-06) is an RDF vocabulary: the root is
``rdf:RDF`` and ``channel``, ``image``, ``item`` and ``textinput`` are its siblings, in
the namespace ``http://purl.org/rss/1.0/``. RSS 0.90 (Netscape, 1999) has the same
layout in ``http://my.netscape.com/rdf/simple/0.9/``, without the RDF identifiers.
Both are still published (Movable Type's index.rdf, Slashdot-style sites, Plone,
many Japanese blogs), so they are checked, not refused:

- 5.3 ``<channel rdf:about>``: title, link, description and items are required; image
  and textinput (``rdf:resource`` references) are required only when the document
  has an image or textinput element;
- 5.3.5 ``<items>``: an ``rdf:Seq`` of ``rdf:li`` whose resource "must be the same as
  the associated item element's rdf:about";
- 5.4 ``<image rdf:about>``: title, url, link; 5.5 ``<item rdf:about>``: title, link
  (description optional); 5.6 ``<textinput rdf:about>``: title, description, name, link;
- section 6 (modules): elements in other namespaces are RSS 1.0 modules (Dublin Core,
  Syndication, Content, Slash, ...), checked as in RSS 2.0 by :mod:`ext`.

The RDF links (items, image and textinput references) are read by no feed reader,
which use the elements themselves, so a reference that does not match is a warning;
a missing required element or ``rdf:about`` is an error.
"""

from __future__ import annotations

from feedpub.validate.common import RDF, XML_LANG, short
from feedpub.validate.findings import Report
from feedpub.validate.html import unsafe_html
from feedpub.validate.urls import is_language, uri_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
NAMESPACES = (RSS10, RSS090)

_ABOUT = f"{{{RDF}}}about"
_RESOURCE = f"{{{RDF}}}resource"
_PARSE_TYPE = f"{{{RDF}}}parseType"
_SEQ = f"{{{RDF}}}Seq"
_LI = f"{{{RDF}}}li"

# The children of each top-level element, and which are required (5.3 to 5.6; RSS 0.90
# has no items, and no description in its item).
_CHILDREN = {
    "channel": ("title", "link", "description", "image", "items", "textinput"),
    "image": ("title", "url", "link"),
    "item": ("title", "link", "description"),
    "textinput": ("title", "description", "name", "link"),
}
_REQUIRED = {
    "channel": ("title", "link", "description", "items"),
    "image": ("title", "url", "link"),
    "item": ("title", "link"),
    "textinput": ("title", "description", "name", "link"),
}
_REQUIRED_090 = {**_REQUIRED, "channel": ("title", "link", "description")}
_CHILDREN_090 = {**_CHILDREN, "channel": ("title", "link", "description")}
_URLS = frozenset({"link", "url"})
# channel/image and channel/textinput are references (rdf:resource), not text.
_REFERENCES = frozenset({"image", "textinput", "items"})


def channel_namespace(root: Any) -> str | None:
    """The RSS namespace of the rdf:RDF document's channel, or None when it has none."""
    for child in root:
        tag = child.tag
        if isinstance(tag, str) and tag.endswith("}channel") and tag[1:-8] in NAMESPACES:
            return tag[1:-8]
    return None


def _resource(el: Any) -> str | None:
    """rdf:resource, or the unqualified resource of RDF M&S 1999 (the spec's rdf:li)."""
    value: str | None = el.get(_RESOURCE)
    if value is None:
        value = el.get("resource")
    return value


def _about(el: Any) -> str | None:
    value: str | None = el.get(_ABOUT)
    if value is None:
        value = el.get("about")
    return value


class Rss1Checker:
    """Validates one RSS 1.0 or 0.90 document into a :class:`Report`."""

    def __init__(self, report: Report, namespace: str) -> None:
        self.report = report
        self.ns = namespace
        self.prefix = f"{{{namespace}}}"
        self.rdf = namespace == RSS10
        self.children = _CHILDREN if self.rdf else _CHILDREN_090
        self.required = _REQUIRED if self.rdf else _REQUIRED_090
        self.version = "RSS 1.0" if self.rdf else "RSS 0.90"

    def check(self, root: Any) -> None:
        report = self.report
        if not self.rdf:
            report.warning("rss-version-old",
                           "RSS 0.90 is the first, RDF-based RSS (1999); it is checked as such, "
                           "but RSS 2.0, Atom or RSS 1.0 are what readers expect now", root)
        self._check_language(root)
        self._no_text(root.text, root, "rdf:RDF")
        top: dict[str, list[Any]] = {"channel": [], "image": [], "item": [], "textinput": []}
        for child in root:
            self._no_text(child.tail, root, "rdf:RDF")
            tag = child.tag
            if not isinstance(tag, str):
                continue
            local = tag[len(self.prefix):] if tag.startswith(self.prefix) else None
            if local in top:
                top[local].append(child)
            elif local is not None or tag[:1] != "{":
                report.error("rss-element-unknown",
                             f"<{tag.rpartition('}')[2]}> is not an {self.version} element of "
                             "<rdf:RDF>", child)
            # elements of other namespaces are RDF statements or modules: allowed
        channel = top["channel"][0]
        for name in ("channel", "image", "textinput"):
            for extra in top[name][1:]:
                report.error("rss-element-duplicate",
                             f"<rdf:RDF> has more than one <{name}>", extra)
        found = self._check_element(channel, "channel")
        for name in ("image", "textinput", "item"):
            for el in top[name]:
                self._check_element(el, name)
        if self.rdf:
            self._check_references(channel, found, top)

    # --- structure ---------------------------------------------------------------------

    def _check_element(self, el: Any, where: str) -> dict[str, Any]:
        """A top-level element: its rdf:about, its children once each, the required ones."""
        report = self.report
        if self.rdf:
            about = _about(el)
            if about is None:
                report.error("rss1-about-missing",
                             f"<{where}> has no rdf:about attribute ({self.version} 5: it names "
                             "the resource the element describes)", el)
            else:
                # an RDF URI reference: Unicode allowed, as in an IRI (RDF/XML 6.1.4)
                self._check_uri(el, f"<{where}> rdf:about", about, absolute=False, iri=True)
        self._check_attributes(el, where)
        self._check_language(el)
        allowed = self.children[where]
        found: dict[str, Any] = {}
        seen: set[str] = set()
        self._no_text(el.text, el, where)
        for child in el:
            self._no_text(child.tail, el, where)
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if not tag.startswith(self.prefix):
                if tag[:1] == "{":
                    self._check_module(child, tag, where, seen)
                else:
                    report.error("rss-element-unknown",
                                 f"<{tag}> is in no namespace; {self.version} elements are in "
                                 f'"{self.ns}" and modules in their own', child)
                continue
            local = tag[len(self.prefix):]
            if local not in allowed:
                report.error("rss-element-unknown",
                             f"<{local}> is not an {self.version} element of <{where}>", child)
                continue
            if local in found:
                report.error("rss-element-duplicate",
                             f"<{where}> has more than one <{local}>", child)
                continue
            found[local] = child
            self._check_child(child, local, where)
        for name in self.required[where]:
            if name not in found:
                report.error("rss-element-missing", f"<{where}> has no <{name}> element", el)
        return found

    def _check_child(self, el: Any, name: str, where: str) -> None:
        self._check_attributes(el, name)
        self._check_language(el)
        if where == "channel" and name in _REFERENCES:
            if name == "items":
                return  # its rdf:Seq is read by _check_references
            if _resource(el) is None:
                self.report.error("rss1-resource-missing",
                                  f"<channel> <{name}> has no rdf:resource naming the <{name}> "
                                  f"element ({self.version} 5.3)", el)
            return
        if len(el) and el.get(_PARSE_TYPE) != "Literal":
            first = next((c for c in el if isinstance(c.tag, str)), None)
            if first is not None:
                local = first.tag.rpartition("}")[2]
                self.report.error(
                    "rss-markup-unescaped",
                    f"<{name}> contains a raw <{local}> element; its content is text, so HTML "
                    f"must be escaped (&lt;{local}&gt;) or wrapped in CDATA", first)
                return
        text = "".join(el.itertext()) if len(el) else el.text or ""
        if name in _URLS:
            value = text.strip()
            self._check_uri(el, f"<{where}> <{name}>", value, absolute=True)
        elif name == "description":
            problem = unsafe_html(text)
            if problem:
                self.report.warning("html-unsafe", f"<{where}> <description> {problem}", el)
        elif name == "name" and where == "textinput":
            from feedpub.validate.rss import FORM_NAME

            if FORM_NAME.fullmatch(text.strip()) is None:
                self.report.error(
                    "rss-textinput-name-invalid",
                    f'<textinput> name "{short(text)}" must start with a letter and hold only '
                    "letters, digits, colons, hyphens, periods and underscores", el)

    def _check_module(self, el: Any, tag: str, where: str, seen: set[str]) -> None:
        from feedpub.validate import ext

        ext.check_element(el, tag, where, self.report, rss=True, seen=seen)

    def _check_attributes(self, el: Any, where: str) -> None:
        for name in el.attrib:
            # about and resource unqualified: RDF Model and Syntax (1999) section 6
            if name[:1] != "{" and name not in ("about", "resource"):
                self.report.error(
                    "rss-attribute-unknown",
                    f"<{where}> has an attribute {name} that {self.version} does not define "
                    "(extension attributes need a namespace)", el)

    def _check_references(self, channel: Any, found: dict[str, Any],
                          top: dict[str, list[Any]]) -> None:
        """5.3.4-5.3.6: the channel's image, textinput and items point at the elements."""
        report = self.report
        for name in ("image", "textinput"):
            reference, elements = found.get(name), top[name]
            if elements and reference is None:
                report.error("rss-element-missing",
                             f"<channel> has no <{name}> element, which {self.version} 5.3 "
                             f"requires when the document has an <{name}>", channel)
            elif reference is not None and not elements:
                report.warning("rss1-reference-mismatch",
                               f"<channel> <{name}> names an <{name}> the document does not "
                               "have", reference)
            elif reference is not None and elements:
                target, about = _resource(reference), _about(elements[0])
                if target is not None and about is not None and target != about:
                    report.warning("rss1-reference-mismatch",
                                   f'<channel> <{name}> rdf:resource "{short(target)}" is not '
                                   f'the <{name}> element\'s rdf:about "{short(about)}"', reference)
        items = found.get("items")
        if items is None:
            return
        seq = items.find(_SEQ)
        if seq is None:
            report.error("rss-element-missing",
                         "<items> has no <rdf:Seq> listing the items (RSS 1.0 5.3.5)", items)
            return
        listed: set[str] = set()
        for li in seq.iterchildren(_LI):
            target = _resource(li)
            if target is None:
                report.error("rss1-resource-missing",
                             "<rdf:li> has no rdf:resource naming an item (RSS 1.0 5.3.5)", li)
            else:
                listed.add(target)
        abouts = {_about(item) for item in top["item"]}
        for item in top["item"]:
            about = _about(item)
            if about is not None and about not in listed:
                report.warning("rss1-reference-mismatch",
                               f'<item> rdf:about "{short(about)}" is not listed in the '
                               "channel's <items> (RSS 1.0 5.3.5: each item's resource must be "
                               "there)", item)
        for target in sorted(listed - abouts)[:1]:
            report.warning("rss1-reference-mismatch",
                           f'<items> lists "{short(target)}", which no <item> in the document '
                           "has as its rdf:about", items)

    # --- values ------------------------------------------------------------------------

    def _check_uri(self, el: Any, what: str, value: str, *, absolute: bool,
                   iri: bool = False) -> None:
        problem = uri_problem(value, iri=iri, absolute=absolute) if value else (
            "is empty" if absolute else None)
        if problem:
            self.report.error("rss-url-invalid", f'{what} "{short(value)}" {problem}', el)

    def _check_language(self, el: Any) -> None:
        lang = el.get(XML_LANG)
        if lang and not is_language(lang):
            self.report.error(
                "rss-language-invalid", f'xml:lang "{short(lang)}" is not a language tag', el)

    def _no_text(self, text: str | None, el: Any, where: str) -> None:
        if text and not text.isspace():
            self.report.error(
                "rss-text-unexpected",
                f'<{where}> holds text ("{short(text)}"); only white space may appear between '
                "its child elements", el)


def check(root: Any, report: Report) -> bool:
    """Validate an ``rdf:RDF`` document as RSS 1.0 or 0.90; False when it holds no
    channel of either (then it is not an RSS document at all)."""
    namespace = channel_namespace(root)
    if namespace is None:
        return False
    Rss1Checker(report, namespace).check(root)
    return True
