"""Detection of HTML that a feed reader must not run: scripts, event handlers and
``javascript:`` URLs. These are warnings: a reader should sanitise, but a publisher
should not ship them.

A single precompiled regular expression, and a ``<`` pre-check so that plain text
(most titles) costs one C-level scan.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    r"<\s*(script|iframe|object|embed|applet|frame|frameset|meta|base)\b"
    r"|<[^>]*?\s(on[a-z]+)\s*="
    r"|(?:href|src|action|formaction|background|data|lowsrc|dynsrc)\s*=\s*[\"']?\s*"
    r"((?:java|vb)script\s*:)",
    re.IGNORECASE,
)


def unsafe_html(markup: str) -> str | None:
    """Describe the first unsafe construct in an HTML fragment, or return None."""
    if "<" not in markup:
        return None
    match = _UNSAFE.search(markup)
    if match is None:
        return None
    element, handler, url = match.groups()
    if element:
        return f"contains a <{element.lower()}> element"
    if handler:
        return f"contains an event-handler attribute ({handler.lower()})"
    return f"contains a {url.rstrip(': ').lower()}: URL"
