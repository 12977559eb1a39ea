"""The HTML page's check: bytes → findings with line and column, like the feed validator's.

Two passes over the rendered page. html5lib parses it exactly as the HTML5 standard
says a browser must and reports every parse error (a stray end tag, a missing
doctype); then our own rules, on the page's tags with their positions:

errors (nothing is published): ``page-lang`` (the ``html`` element has a language),
``page-h1`` (exactly one ``h1``), ``page-script`` (no script but the JSON-LD block),
``page-handler`` (no ``on…`` attributes), ``page-unsafe-url`` (no ``javascript:``,
``vbscript:`` or ``data:`` URLs), ``page-style`` (the one style sheet is in the
head: no ``style`` element or attribute in the body), ``page-embed`` (no frames,
objects, forms or ``base``), ``page-external`` (no external style sheet or script).

warnings (shown with ``-v``): ``page-heading-order`` (a heading skips a level),
``page-link-text`` (a link without text, or with text that does not say where it
goes, such as "here"), ``page-img-alt`` (an image without an ``alt`` attribute).
An entry's content can cause a warning but not an error: the sanitizer already
removed what would be one, and the renderer lowers an entry's headings below the
update's own.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from feedpub.errors import CheckFinding

ERROR, WARNING = "error", "warning"
JSON_LD = "application/ld+json"
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "cite", "poster", "data",
                            "background", "longdesc", "srcset", "xlink:href"})
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
EMBEDS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "form", "base"})
VAGUE_LINK_TEXT = frozenset({"here", "click here", "read more", "more", "link", "this", "this link",
                             "click", "go", "details"})
_INVISIBLE = re.compile(r"[\x00-\x20]+")


def check_page(data: bytes, filename: str) -> list[CheckFinding]:
    """Every finding on the page, sorted by position; never raises."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [CheckFinding(filename, line, 1, ERROR, "page-encoding", "the page is not UTF-8")]
    findings = _parse_errors(text, filename) + _Rules(filename).run(text)
    return sorted(findings, key=lambda f: (f.line, f.column))


def prepare() -> None:
    """Import html5lib and run it once, ahead of the page's check (see
    ``formats.html.prepare``): its import is most of a small page's check."""
    _parse_errors("<!DOCTYPE html><html lang=en><title>-</title></html>", "")


def _parse_errors(text: str, filename: str) -> list[CheckFinding]:
    """html5lib's parse errors: what the HTML5 parsing algorithm calls an error."""
    import html5lib
    from html5lib.constants import E

    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    parser.parse(text)
    findings = []
    for (line, column), code, details in parser.errors:
        template = E.get(code, code)
        try:
            message = template % details if details else template
        except (TypeError, KeyError, ValueError):
            message = f"{template} {details}"
        findings.append(CheckFinding(filename, line, column + 1, ERROR, "html-parse-error",
                                     f"{message} ({code})"))
    return findings


class _Rules(HTMLParser):
    """Our own rules, on tags with their positions (the parse check has made sure the
    document is well formed, so this tokenizer and a browser agree on it)."""

    def __init__(self, filename: str):
        super().__init__(convert_charrefs=True)
        self.filename = filename
        self.findings: list[CheckFinding] = []
        self.in_head = False
        self.saw_html = False
        self.h1s: list[tuple[int, int]] = []
        self.heading = 0
        self.link: tuple[int, int, list[str]] | None = None

    def run(self, text: str) -> list[CheckFinding]:
        self.feed(text)
        self.close()
        if not self.saw_html:
            self.add((1, 0), ERROR, "page-lang", "the page has no html element to carry its language")
        if len(self.h1s) != 1:
            where = self.h1s[1] if len(self.h1s) > 1 else (1, 0)
            self.add(where, ERROR, "page-h1", f"the page has {len(self.h1s)} h1 elements; it needs "
                     "exactly one, the blog's title")
        return self.findings

    def add(self, where: tuple[int, int], severity: str, rule: str, message: str) -> None:
        self.findings.append(CheckFinding(self.filename, where[0], where[1] + 1, severity, rule, message))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = self.getpos()
        values = {name: value or "" for name, value in attrs}
        self._attributes(where, tag, attrs)
        if tag == "html":
            self.saw_html = True
            if not values.get("lang", "").strip():
                self.add(where, ERROR, "page-lang", "the html element has no lang attribute")
        elif tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self._heading(where, int(tag[1]))
        self._element(where, tag, values)

    def _element(self, where: tuple[int, int], tag: str, values: dict[str, str]) -> None:
        if tag == "script" and not (self.in_head and values.get("type") == JSON_LD
                                    and "src" not in values):
            self.add(where, ERROR, "page-script", "a script element; the page carries no "
                     "JavaScript (only the JSON-LD block in the head)")
        elif tag == "style" and not self.in_head:
            self.add(where, ERROR, "page-style", "a style element outside the head")
        elif tag in EMBEDS:
            self.add(where, ERROR, "page-embed", f"a {tag} element; the page embeds nothing")
        elif tag == "link" and values.get("rel", "").lower() in ("stylesheet", "import", "preload",
                                                                  "modulepreload"):
            self.add(where, ERROR, "page-external", "an external style sheet or script; the "
                     "page's style is inline")
        elif tag == "img" and "alt" not in values:
            self.add(where, WARNING, "page-img-alt", "an image without alt text; describe it "
                     "(![what it shows](…) in Markdown)")
        elif tag == "a" and "href" in values:
            self.link = (where[0], where[1], [])
        if tag == "img" and self.link is not None:
            self.link[2].append(values.get("alt", ""))

    def _attributes(self, where: tuple[int, int], tag: str,
                    attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.add(where, ERROR, "page-handler", f"the event handler attribute {name} on {tag}")
            elif name == "style" and not self.in_head:
                self.add(where, ERROR, "page-style", f"a style attribute on {tag}")
            elif name in URL_ATTRIBUTES and value and \
                    _INVISIBLE.sub("", value).lower().startswith(UNSAFE_SCHEMES):
                self.add(where, ERROR, "page-unsafe-url", f"{tag} {name} is a "
                         f"{_INVISIBLE.sub('', value).split(':', 1)[0].lower()}: URL")

    def _heading(self, where: tuple[int, int], level: int) -> None:
        if level == 1:
            self.h1s.append(where)
        elif level > self.heading + 1:
            self.add(where, WARNING, "page-heading-order", f"h{level} follows h{self.heading}; "
                     "headings should not skip a level")
        self.heading = level

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        elif tag == "a" and self.link is not None:
            line, column, parts = self.link
            self.link = None
            words = " ".join(" ".join(parts).split())
            if not words:
                self.add((line, column), WARNING, "page-link-text", "a link without text; say "
                         "where it goes")
            elif words.lower().strip(".:!…") in VAGUE_LINK_TEXT:
                self.add((line, column), WARNING, "page-link-text", f'the link text "{words}" '
                         "does not say where the link goes")

    def handle_data(self, data: str) -> None:
        if self.link is not None:
            self.link[2].append(data)
