"""An entry's body: CommonMark → HTML that is safe in any feed reader, with absolute URLs.

cmarkgfm (GitHub's C implementation) renders, nh3 (ammonia) sanitizes; raw HTML is let
through cmark on purpose so that the sanitizer, not cmark's blunt "raw HTML omitted",
decides what survives. Every URL attribute nh3 keeps then passes ``text.public_url``,
the scheme allowlist the config and the front matter use too: nh3 checks the schemes
of ``href`` and ``src`` only, so a ``javascript:`` ``cite`` would otherwise survive.
"""

from __future__ import annotations

import re
from functools import partial

import cmarkgfm
import nh3

from feedpub.text import XML_FORBIDDEN, RefusedUrl, public_url

_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height"},
}
# Every allowed attribute that holds a URL; tests/test_entries.py checks none is missing.
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
LINK_ATTRIBUTES = frozenset({"href"})  # followed by a person, so mailto: is allowed

# A numeric character reference to a character XML 1.0 forbids and that neither cmark
# nor an HTML parser replaces (they turn NUL, surrogates and non-characters beyond the
# BMP's U+FFFE/U+FFFF into U+FFFD themselves).
_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9A-Fa-f]{1,6})|0*([0-9]{1,7}));?")
_KEPT_FORBIDDEN = frozenset([*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


class BodyProblem(ValueError):
    """The body cannot be published; ``offset`` is where in the body, when known."""

    def __init__(self, message: str, offset: int | None):
        super().__init__(message)
        self.offset = offset


def render_markdown(body: str, base_url: str) -> str:
    """CommonMark → HTML with no script, style, handler or unsafe URL; links absolute.

    Raises BodyProblem when a character reference (``&#x1;``) would put a character
    XML 1.0 forbids into the feeds: the raw character is refused before rendering, and
    the decoded one must not slip in either.
    """
    try:
        html = cmarkgfm.markdown_to_html(body, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    except UnicodeDecodeError:  # cmark writes &#xFFFF; as bytes that are not UTF-8
        raise _forbidden_reference(body) from None
    clean = nh3.clean(html, attributes=_ALLOWED_ATTRIBUTES, url_schemes=set(_ALLOWED_SCHEMES),
                      link_rel=None, attribute_filter=partial(_checked_url, base_url)).strip()
    if XML_FORBIDDEN.search(clean):
        raise _forbidden_reference(body)
    return clean


def _checked_url(base_url: str, _element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: a URL attribute made absolute, or dropped when not allowed."""
    if attribute not in URL_ATTRIBUTES:
        return value
    try:
        return public_url(value, base=base_url, mailto=attribute in LINK_ATTRIBUTES)
    except RefusedUrl:
        return None


def _forbidden_reference(body: str) -> BodyProblem:
    for found in _REFERENCE.finditer(body):
        point = int(found[1], 16) if found[1] else int(found[2])
        if point in _KEPT_FORBIDDEN:
            return BodyProblem(f"{found[0]} stands for U+{point:04X}, a character XML 1.0 "
                               "forbids; delete it", found.start())
    return BodyProblem("renders to a character XML 1.0 forbids; delete character references "
                       "such as &#x1;", None)


def markdown_versions() -> str:
    """The versions of the libraries that decide the HTML, for the entry cache's key."""
    return f"cmarkgfm {getattr(cmarkgfm, '__version__', '')}; nh3 {getattr(nh3, '__version__', '')}"
