"""An entry's body: CommonMark → HTML that is safe in any feed reader, with absolute URLs.

cmarkgfm (GitHub's C implementation) renders, nh3 (ammonia) sanitizes; raw HTML is let
through cmark on purpose so that the sanitizer, not cmark's blunt "raw HTML omitted",
decides what survives.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import cmarkgfm
import nh3

_URL_ATTRIBUTE = re.compile(r'\b(href|src|cite)="([^"]*)"')
_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height"},
}


def render_markdown(body: str, base_url: str) -> str:
    """CommonMark → HTML with no script, style, handler or unsafe URL; links absolute."""
    html = cmarkgfm.markdown_to_html(body, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    clean = nh3.clean(
        html, attributes=_ALLOWED_ATTRIBUTES, url_schemes=set(_ALLOWED_SCHEMES), link_rel=None
    )
    return _URL_ATTRIBUTE.sub(lambda m: _absolute(m, base_url), clean).strip()


def _absolute(match: re.Match[str], base_url: str) -> str:
    """Resolve a relative reference; absolute ones (most of them) skip the costly urljoin."""
    url = match[2]
    if not url.startswith(("https://", "http://", "mailto:")):
        url = urljoin(base_url, url)
    return f'{match[1]}="{url}"'


def markdown_versions() -> str:
    """The versions of the libraries that decide the HTML, for the entry cache's key."""
    return f"cmarkgfm {getattr(cmarkgfm, '__version__', '')}; nh3 {getattr(nh3, '__version__', '')}"
