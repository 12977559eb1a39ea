"""``publish.py snippet``: what the live page's ``<head>`` needs so that readers find the feeds.

Browsers' and readers' feed discovery looks for ``<link rel="alternate">`` in the page a
person is on, which is the site's own live page, not ours: this prints those lines (the
same links the HTML page carries, with absolute URLs) and, on request, the page's
schema.org ``LiveBlogPosting`` block, built from the same Feed as the page.
"""

from __future__ import annotations

import html

from feedpub.formats.html import alternates, json_ld_text
from feedpub.model import Feed


def link_lines(title: str, self_urls: dict[str, str]) -> str:
    """One ``<link rel="alternate" type title href>`` line per feed, in registry order."""
    return "\n".join(
        f'<link rel="alternate" type="{link["type"]}" title="{html.escape(link["title"])}" '
        f'href="{html.escape(link["href"])}">'
        for link in alternates(title, self_urls, relative=False))


def json_ld_block(feed: Feed) -> str:
    """The JSON-LD block, ready to paste into the live page's ``<head>``."""
    return f'<script type="application/ld+json">\n{json_ld_text(feed)}\n</script>'
