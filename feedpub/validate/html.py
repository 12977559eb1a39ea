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


_OUT, _TAG, _VALUE = 0, 1, 2  # in text, inside a tag, inside a quoted attribute value
# Inside a tag, as far as it goes before a ">" or a quoted value that is not closed yet:
# names, unquoted values and whole quoted values, in one call (a tag may hold a million).
_TAG_RUN = re.compile(r"""(?:[^>="']++|=\s*+"[^"]*+"|=\s*+'[^']*+'|=(?!\s*+["']))*+""")
_VALUE_OPEN = re.compile(r"""=\s*+(["'])\s*+""")
_NAME_END = re.compile(r"[^\s\"'<>/=]*$")
# Attributes whose value is text a person reads, never a URL a browser follows: an alt
# text may well start "JavaScript: The Good Parts".
_TEXT_ATTRIBUTES = frozenset({"alt", "title", "aria-label", "aria-description", "label",
                              "placeholder", "summary", "abbr"})


class _Tags:
    """Answers "where is this offset: in text, inside a tag, or inside a quoted attribute
    value?" for increasing offsets.

    Each question reads only the text since the previous one, and a quoted value's end
    is looked for once: searching back from each hit to the start of the text cost
    n * n on a description of many hits (2 MB of " onx=" after "<a>" took 10 s).
    A value's words (an alt text, a title, a search address) are not markup.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.read = 0  # the text before this offset has been read
        self.state = _OUT
        self.quote = ""
        self.equals = 0  # the "=" before the quoted value being read
        self.value_start = 0  # its first character that is not white space
        self.value_end = -1  # where its closing quote is (the text's end if none); -1: not sought

    def __call__(self, pos: int) -> int:
        text, at = self.text, self.read
        while at < pos:
            if self.state == _OUT:
                found = text.find("<", at, pos)
                if found < 0:
                    break
                self.state, at = _TAG, found + 1
            elif self.state == _VALUE:
                if self.value_end < 0:
                    end = text.find(self.quote, self.value_start)
                    self.value_end = end if end >= 0 else len(text)
                if self.value_end >= pos:
                    break
                self.state, at = _TAG, self.value_end + 1
            else:
                run = _TAG_RUN.match(text, at, pos)
                at = run.end() if run else at
                if at >= pos:
                    break
                if text[at] == ">":
                    self.state, at = _OUT, at + 1
                elif text[at] == "=":  # a quoted value that runs past pos
                    opened = _VALUE_OPEN.match(text, at)
                    assert opened is not None  # else _TAG_RUN would have taken the "="
                    self.state, self.quote, self.equals = _VALUE, opened[1], at
                    self.value_start = at = opened.end()
                    self.value_end = -1
                else:  # a quote where a name belongs: part of the name
                    at += 1
        self.read = max(self.read, pos)
        return self.state

    def starts_url_value(self, pos: int) -> bool:
        """Whether ``pos`` (inside a quoted value) is where a URL attribute's value starts
        (only the name's last few characters are read: a longer one is no text attribute)."""
        if pos != self.value_start:
            return False
        named = _NAME_END.search(self.text[max(0, self.equals - 32):self.equals].rstrip())
        return (named[0] if named else "") not in _TEXT_ATTRIBUTES


def unsafe_html(markup: str) -> str | None:
    """Describe the first unsafe construct in an HTML fragment, or return None."""
    if "<" not in markup:
        return None
    text = markup.lower()
    match = _ELEMENT.search(text)
    if match is not None:
        return f"contains a <{match.group(1)}> element"
    where = _Tags(text)
    for match in _HANDLER.finditer(text):
        if where(match.start()) == _TAG:
            return f"contains an event-handler attribute ({match.group().rstrip(' =')})"
    if "script" in text:
        where = _Tags(text)
        for match in _SCRIPT_URL.finditer(text):
            state = where(match.start())
            if state == _TAG or (state == _VALUE and where.starts_url_value(match.start())):
                return f"contains a {match.group().split('script')[0]}script: URL"
    return None
