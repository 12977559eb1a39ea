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
# An "on" word that starts an attribute (after white space, "/" or a quote) and is
# followed by "=": the engine skips the "on" inside words ("mention", "information",
# many a sentence's) in C instead of handing each to Python. Possessive, so nothing is
# given back: "on[a-z]+\s*=" failed at each "on" of "ononon..." after running to the
# end of the word, n * n for a word of n (80 KB took 19 s).
_HANDLER = re.compile(r"on(?<=[ \t\r\n/\"']on)[a-z]++\s*+=")  # "on" first: a fast literal scan
_SCRIPT_URL = re.compile(r"(?:java|vb)script\s*:")


class _InsideTag:
    """Answers "is this offset between a ``<`` and its ``>``?" for increasing offsets.

    Each question reads only the text since the previous one: searching back from each
    hit to the start of the text cost n * n on a description of many hits outside tags
    (2 MB of " onx=" after "<a>" took 10 s).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.read = 0  # the text before this offset has been read
        self.last_open = -1
        self.last_close = -1

    def __call__(self, pos: int) -> bool:
        if pos > self.read:
            self.last_open = max(self.last_open, self.text.rfind("<", self.read, pos))
            self.last_close = max(self.last_close, self.text.rfind(">", self.read, pos))
            self.read = pos
        return self.last_open > self.last_close


def unsafe_html(markup: str) -> str | None:
    """Describe the first unsafe construct in an HTML fragment, or return None."""
    if "<" not in markup:
        return None
    text = markup.lower()
    match = _ELEMENT.search(text)
    if match is not None:
        return f"contains a <{match.group(1)}> element"
    inside_tag = _InsideTag(text)
    for match in _HANDLER.finditer(text):
        if inside_tag(match.start()):
            return f"contains an event-handler attribute ({match.group().rstrip(' =')})"
    if "script" in text:
        inside_tag = _InsideTag(text)
        for match in _SCRIPT_URL.finditer(text):
            if inside_tag(match.start()):
                return f"contains a {match.group().split('script')[0]}script: URL"
    return None
