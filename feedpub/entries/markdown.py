"""An entry's body: GitHub-flavoured Markdown → HTML that is safe in any feed reader.

cmarkgfm (GitHub's C implementation, with its table, strikethrough, autolink and task
list extensions and footnotes) renders, nh3 (ammonia) sanitizes; raw HTML is let
through cmark on purpose so that the sanitizer, not cmark's blunt "raw HTML omitted",
decides what survives. Every URL attribute nh3 keeps then passes ``text.public_url``,
the scheme allowlist the config and the front matter use too: nh3 checks the schemes
of ``href`` and ``src`` only, so a ``javascript:`` ``cite`` would otherwise survive.

Between the two, three rewrites give what live blogs paste a form every feed reader
shows (``embeds``): a paragraph that is only the address of a post or video, or a
fenced ``embed`` block, becomes a ``<figure>`` with a link; ``<video>`` and ``<audio>``
become a link to the file (and, in the model, an enclosure); a task list's checkboxes
become ☑/☐. No script and no iframe ever reaches a feed.

Whatever nh3 still removes is reported (``Removal``), with the line it came from, so
an editor learns that a pasted widget did not make it instead of finding out from a
reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from feedpub.entries.embeds import KINDS, EmbedProblem, Media, rewrite
from feedpub.text import HTML_FORBIDDEN, XML_FORBIDDEN, RefusedUrl, html_forbidden, public_url

_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
_EXTENSIONS = ("table", "strikethrough", "autolink", "tasklist")
_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS | {"section"})  # section: the footnotes
_ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title", "id"},  # id: footnote references
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},  # footnotes
}
_ALLOWED_CLASSES = {"section": {"footnotes"}}
_ATTRIBUTE_VALUES = {"figure": {"data-embed": set(KINDS)}}
# Every allowed attribute that holds a URL; tests/test_entries.py checks none is missing.
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
LINK_ATTRIBUTES = frozenset({"href"})  # followed by a person, so mailto: is allowed
_FOOTNOTE_LINK = re.compile(r"#(fn|fnref)-")
# What cmark itself writes and nh3 drops on purpose: never a user's loss, never reported.
_GENERATED = frozenset({"data-footnote-ref", "data-footnotes", "data-footnote-backref",
                        "data-footnote-backref-idx", "aria-label"})
_GENERATED_CLASSES = re.compile(r"footnote-ref|footnote-backref|footnotes|language-\S+")
_CHECKBOXES = re.compile(r'<input type="checkbox"( checked="")? disabled="" />')
MAX_REMOVALS_SHOWN = 10  # per entry: a pasted page must not flood the report
# Elements inside each other (quotes, lists, tags), as an HTML parser nests them. HTML
# parsers, the sanitizer's and the page check's among them, look through every open
# element at each tag: 20 000 nested quotes (20 KB of ">") took a build 16 s, and the
# cost grows with the square of the depth. Real updates nest a handful deep.
MAX_NESTING = 100
# An update's HTML in a feed, escaped ("&" becomes "&amp;"): one text node, which XML
# parsers refuse past 10 MB. The sanitizer reopens every unclosed formatting tag (<b>,
# <i>, ...) in each paragraph, so 240 KB of unclosed tags and paragraphs made 20 MB.
MAX_FEED_HTML_BYTES = 8_000_000

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


@dataclass(frozen=True, slots=True)
class Removal:
    """Something the sanitizer took out of a body: ``what`` completes "removed …"."""

    what: str
    offset: int | None  # where in the body it was written, when it can be found


@dataclass(frozen=True, slots=True)
class Body:
    """A rendered body: its safe HTML, what the sanitizer removed, and its media files."""

    html: str
    removed: tuple[Removal, ...] = ()
    hidden: int = 0  # removals beyond MAX_REMOVALS_SHOWN
    media: tuple[Media, ...] = ()


def render_markdown(body: str, base_url: str) -> str:
    """CommonMark → safe HTML (see ``render_body``, which also says what was removed)."""
    return render_body(body, base_url).html


def render_body(body: str, base_url: str, anchor: str = "") -> Body:
    """GFM → HTML with no script, style, handler or unsafe URL; links absolute.

    ``anchor`` (the entry's name) prefixes footnote ids, so that two entries shown on
    one page never share an id. Raises BodyProblem when a character reference
    (``&#x1;``) would put a character XML 1.0 forbids into the feeds, and for an
    ``embed`` block without an address.
    """
    try:
        html = cmarkgfm.markdown_to_html_with_extensions(body, options=_OPTIONS,
                                                         extensions=list(_EXTENSIONS))
    except UnicodeDecodeError:  # cmark writes &#xFFFF; as bytes that are not UTF-8
        raise _forbidden_reference(body) from None
    if "checkbox" in html:
        html = _CHECKBOXES.sub(lambda m: "☑" if m[1] else "☐", html)
    try:
        html, media = rewrite(html, body)
    except EmbedProblem as problem:
        raise BodyProblem(str(problem), problem.offset) from None
    _check_nesting(html)
    clean = _sanitizer().clean(html, base_url, anchor).strip()
    if XML_FORBIDDEN.search(clean) or html_forbidden(clean):
        raise _forbidden_reference(body)
    _check_feed_size(clean)
    removed = _removals(html, clean, body, base_url) if _may_have_lost(body, html, clean) else []
    return Body(clean, tuple(removed[:MAX_REMOVALS_SHOWN]),
                max(0, len(removed) - MAX_REMOVALS_SHOWN), media)


def _check_nesting(html: str) -> None:
    """Refuse a body nested deeper than MAX_NESTING, before the sanitizer spends the
    square of its depth on it. Depth needs that many start tags, so a count rules out
    almost every body; the rest are measured with libxml2's HTML parser, which closes
    ``<p>`` and ``<li>`` where HTML does (sloppy pasted HTML is not deep) and takes
    linear time (it stops nesting at 256 levels itself)."""
    if html.count("<") - html.count("</") <= MAX_NESTING:
        return
    from lxml import etree

    parser = etree.HTMLPullParser(events=("start", "end"), no_network=True)
    parser.feed(html)
    parser.close()
    depth = deepest = 0
    for event, _ in parser.read_events():
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    if deepest - 2 > MAX_NESTING:  # less <html> and <body>, which the parser adds
        raise BodyProblem(f"quotes, lists or HTML elements sit more than {MAX_NESTING} deep "
                          "inside each other, deeper than feed readers and the sanitizer "
                          "handle; flatten them", None)


def _check_feed_size(clean: str) -> None:
    """Refuse a body whose HTML, escaped in a feed, would outgrow MAX_FEED_HTML_BYTES.
    A character is at most 4 bytes of UTF-8, and escaping makes at most 5 of one
    ("&amp;"), so only a body over a fifth of the bound is measured."""
    if len(clean) * 5 <= MAX_FEED_HTML_BYTES:
        return
    size = len(clean.encode()) + 4 * clean.count("&") + 3 * (clean.count("<") + clean.count(">"))
    if size > MAX_FEED_HTML_BYTES:
        raise BodyProblem(f"its HTML takes {size / 1e6:,.1f} MB in a feed, more than the "
                          f"{MAX_FEED_HTML_BYTES // 1_000_000} MB one update may; close "
                          "formatting tags such as <b> (each paragraph reopens the open "
                          "ones) or split it into several updates", None)


def _may_have_lost(body: str, before: str, after: str) -> bool:
    """Whether comparing the HTML before and after nh3 can find anything (cheap checks).

    Only raw HTML brings elements and attributes nh3 removes; without it, only a URL
    of a Markdown link or image can go, and then fewer URLs come out than went in.
    """
    if "<" in body:
        return True
    return any(before.count(f' {name}="') != after.count(f' {name}="') for name in ("href", "src"))


class _Sanitizer:
    """One ``nh3.Cleaner`` for the process, told each body's base URL and anchor.

    ``nh3.clean`` converts every allowlist into Rust structures on each call: 60 of
    the 100 µs a typical body cost. The filter is the cleaner's only per-body part,
    so it reads the body's values here (a run parses one body at a time per process).
    """

    def __init__(self) -> None:
        self.base_url, self.anchor = "", ""
        self.raised: BaseException | None = None
        self.cleaner = nh3.Cleaner(tags=set(_ALLOWED_TAGS), attributes=_ALLOWED_ATTRIBUTES,
                                   url_schemes=set(_ALLOWED_SCHEMES), link_rel=None,
                                   allowed_classes=_ALLOWED_CLASSES,
                                   tag_attribute_values=_ATTRIBUTE_VALUES,
                                   attribute_filter=self.filter)

    def clean(self, html: str, base_url: str, anchor: str) -> str:
        self.base_url, self.anchor, self.raised = base_url, anchor, None
        clean = self.cleaner.clean(html)
        if self.raised is not None:
            raised, self.raised = self.raised, None
            raise raised
        return clean

    def filter(self, element: str, attribute: str, value: str) -> str | None:
        """The URL filter; anything it raises is raised again once nh3 returns.

        nh3 swallows an exception raised in its callback (it only prints it), and a
        Ctrl-C lands wherever Python code runs: without this, an interrupted build
        would carry on as if nothing had happened.
        """
        try:
            return _checked_attribute(self.base_url, self.anchor, element, attribute, value)
        except BaseException as error:
            self.raised = self.raised or error
            return None


@cache
def _sanitizer() -> _Sanitizer:
    return _Sanitizer()


def _checked_attribute(base_url: str, anchor: str, element: str, attribute: str,
                       value: str) -> str | None:
    """nh3's attribute filter: URLs made absolute (or dropped), footnote ids made unique."""
    if attribute == "id":
        return f"{anchor}-{value}" if anchor else value
    if attribute not in URL_ATTRIBUTES:
        return value
    if anchor and _FOOTNOTE_LINK.match(value):
        value = f"#{anchor}-{value[1:]}"
    try:
        return public_url(value, base=base_url, mailto=attribute in LINK_ATTRIBUTES)
    except RefusedUrl:
        return None


# ---------------------------------------------------------------------------------------
# What the sanitizer removed


@dataclass(frozen=True, slots=True)
class _Tag:
    name: str
    attributes: dict[str, str]
    text: str  # the start tag as written, to find it in the Markdown


class _StartTags(HTMLParser):
    """Every start tag of an HTML fragment, in order (the stdlib parser: no tree fixing)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[_Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(_Tag(tag, {k: v or "" for k, v in attrs}, self.get_starttag_text() or ""))

    handle_startendtag = handle_starttag


def _start_tags(html: str) -> list[_Tag]:
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.tags


def _removals(before: str, after: str, body: str, base_url: str) -> list[Removal]:
    """Elements and attributes of ``before`` that nh3 left out of ``after``.

    The two lists of start tags are aligned by name (``_partners``): nh3 keeps the
    order, and the only tags it adds are those an HTML tree needs (``tbody``), so an
    element of ``before`` with no partner that is not an allowed tag was removed, and an
    allowed element with a partner lost whatever attributes its partner lacks.
    """
    old, new = _start_tags(before), _start_tags(after)
    partner = _partners([t.name for t in old], [t.name for t in new])
    found = _Finder(body)
    removed = []
    for index, tag in enumerate(old):
        if index not in partner:
            if tag.name not in _ALLOWED_TAGS:
                removed.append(Removal(f"<{tag.name}>{_hint(tag.name)}", found.tag(tag)))
            continue
        lost = [name for name in tag.attributes
                if name not in new[partner[index]].attributes and not _generated(name, tag)]
        for name in lost:
            value = tag.attributes[name]
            why = f": {_refusal(value, base_url, name)}" if name in URL_ATTRIBUTES else ""
            where = found.tag(tag) if tag.text in body else found.text(value)
            removed.append(Removal(f"{name} from <{tag.name}>{why}", where))
    return removed


# Tags in the span where the two lists differ, up to which difflib aligns them. Its
# alignment costs about the cube of the span when many tags were removed: a pasted page of
# 400 paragraphs and 400 iframes took 5 s, of 2 000 each four minutes (and the 512 KiB an
# entry may be holds 20 000). Past it, the one-pass alignment of ``_nearby_pairs``.
ALIGN_WITH_DIFFLIB = 150
_LOOKAHEAD = 8  # places a tag may have moved by in nh3's output (the tags a tree needs)


def _partners(old: list[str], new: list[str]) -> dict[int, int]:
    """Each tag of ``old`` that has a partner in ``new`` (by index): equal heads and tails
    pair as they stand, the span between them by ``difflib`` or, when long, one pass."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    partner = {k: k for k in range(head)}
    partner.update({len(old) - 1 - k: len(new) - 1 - k for k in range(tail)})
    a, b = old[head:len(old) - tail], new[head:len(new) - tail]
    pairs = _difflib_pairs(a, b) if max(len(a), len(b)) <= ALIGN_WITH_DIFFLIB \
        else _nearby_pairs(a, b)
    partner.update({head + i: head + j for i, j in pairs})
    return partner


def _difflib_pairs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    import difflib

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(block.a + k, block.b + k) for block in matcher.get_matching_blocks()
            for k in range(block.size)]


def _nearby_pairs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """In one pass: each tag of ``a`` pairs with the first tag of its name among the next
    few of ``b``; one with none there was removed. Exact when nh3 removed tags and added
    only what a tree needs; a long, tangled paste may get a warning less precise."""
    pairs = []
    at = 0
    for index, name in enumerate(a):
        for place in range(at, min(at + _LOOKAHEAD, len(b))):
            if b[place] == name:
                pairs.append((index, place))
                at = place + 1
                break
    return pairs


def _refusal(value: str, base_url: str, attribute: str) -> str:
    """Why the URL filter (or nh3's scheme check, which agrees with it) dropped ``value``."""
    try:
        public_url(value, base=base_url, mailto=attribute in LINK_ATTRIBUTES)
    except RefusedUrl as refused:
        return str(refused)
    return "not allowed here"


def _generated(attribute: str, tag: _Tag) -> bool:
    """True for what cmark writes itself (footnote markers, a code block's language)."""
    if attribute in _GENERATED:
        return True
    return attribute == "class" and bool(_GENERATED_CLASSES.fullmatch(tag.attributes["class"]))


def _hint(tag: str) -> str:
    if tag in ("iframe", "embed", "object", "script"):
        return (" (feeds carry no scripts or frames; to embed a post or video, put its "
                "address alone in a paragraph)")
    if tag in ("video", "audio", "source"):
        return " (give the media file's address in src)"
    return ""


class _Finder:
    """Offsets in the Markdown of what was removed: each search starts after the last hit,
    so the second of two equal tags is found at its own place."""

    def __init__(self, body: str):
        self.body, self.start = body, 0

    def tag(self, tag: _Tag) -> int | None:
        return self._find(tag.text) if tag.text else self._find(f"<{tag.name}")

    def text(self, value: str | None) -> int | None:
        return self._find(value) if value else None

    def _find(self, needle: str) -> int | None:
        at = self.body.find(needle, self.start)
        if at < 0:
            at = self.body.find(needle)
        if at < 0:
            lowered = self.body.lower().find(needle.lower())
            return lowered if lowered >= 0 else None
        self.start = at + len(needle)
        return at


def removal_lines(body: Body) -> Iterator[tuple[int | None, str]]:
    """(offset, "removed …") for each removal, then how many more were not listed."""
    for removal in body.removed:
        yield removal.offset, f"removed {removal.what}"
    if body.hidden:
        yield None, f"… and {body.hidden} more removals"


def _forbidden_reference(body: str) -> BodyProblem:
    for found in _REFERENCE.finditer(body):
        point = int(found[1], 16) if found[1] else int(found[2])
        if point in _KEPT_FORBIDDEN:
            return BodyProblem(f"{found[0]} stands for U+{point:04X}, a character XML 1.0 "
                               "forbids; delete it", found.start())
        if point < 0x110000 and HTML_FORBIDDEN.match(chr(point)):
            return BodyProblem(f"{found[0]} stands for U+{point:04X}, a character HTML "
                               "forbids; delete it", found.start())
    return BodyProblem("renders to a character XML 1.0 or HTML forbids; delete character "
                       "references such as &#x1;", None)
