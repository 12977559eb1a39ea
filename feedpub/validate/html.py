"""Detection of HTML that a feed reader must not run: scripts, event handlers and
``javascript:`` URLs. These are warnings: a reader should sanitise, but a publisher
should not ship them.

Speed matters (every description of a 10,000-item feed passes here), so each check
is a regular expression that starts with a literal, which CPython's engine finds
with a fast scan, followed by a cheap "is this inside a tag?" test on the rare hit.
One big alternation starting with a character class was 20 times slower.
"""

from __future__ import annotations

import re

_ELEMENT = re.compile(r"<\s*(script|iframe|object|embed|applet|frame|frameset|meta|base)\b")
_HANDLER = re.compile(r"on[a-z]+\s*=")
_SCRIPT_URL = re.compile(r"(?:java|vb)script\s*:")
_ATTRIBUTE_START = frozenset(" \t\r\n/\"'")


def _inside_tag(text: str, pos: int) -> bool:
    """True when ``pos`` is between a ``<`` and its ``>``."""
    return text.rfind("<", 0, pos) > text.rfind(">", 0, pos)


def unsafe_html(markup: str) -> str | None:
    """Describe the first unsafe construct in an HTML fragment, or return None."""
    if "<" not in markup:
        return None
    text = markup.lower()
    match = _ELEMENT.search(text)
    if match is not None:
        return f"contains a <{match.group(1)}> element"
    for match in _HANDLER.finditer(text):
        pos = match.start()
        if pos and text[pos - 1] in _ATTRIBUTE_START and _inside_tag(text, pos):
            return f"contains an event-handler attribute ({match.group().rstrip(' =')})"
    if "script" in text:
        for match in _SCRIPT_URL.finditer(text):
            if _inside_tag(text, match.start()):
                return f"contains a {match.group().split('script')[0]}script: URL"
    return None
