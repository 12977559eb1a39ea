"""JSON Feed 1.1 rules (https://www.jsonfeed.org/version/1.1/).

``json`` gives no positions, so findings are located by a second scan of the raw
text: every string followed by ``:`` is a key, and keys appear in the text in the
same order as a depth-first walk of the parsed objects visits them. The walk
consumes those offsets in that order, so each key knows its line and column. The
scan runs only when the first finding needs a position: a clean feed never pays.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator

from feedpub.validate.common import short
from feedpub.validate.dates import rfc3339
from feedpub.validate.findings import Report
from feedpub.validate.html import unsafe_html
from feedpub.validate.urls import is_language, is_mime_type, link_script, script_url, uri_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

VERSION = "https://jsonfeed.org/version/1.1"
OLD_VERSION = "https://jsonfeed.org/version/1"

# Unrolled-loop string pattern: an order of magnitude faster than (?:[^"\\]|\\.)*.
_STRING_OR_KEY = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')
# Runs before the document is known to be JSON: a string left open takes the rest of the
# text. Without that every escaped quote inside it began a new string that scanned to
# the end again: '"' + '\\"' * 20,000 + '[' * 500,001 (540 KB) took 218 s.
_STRING_OR_CONTAINER = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[{\[]', re.DOTALL)
# Each parsed object costs a few hundred bytes of Python objects; past this many
# objects and arrays a document is refused with a finding, so memory stays bounded.
MAX_CONTAINERS = 500_000
_STRING_OR_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(-?Infinity|NaN)')
# Python refuses to turn longer digit strings into int (a guard against quadratic
# conversion); JSON has no such limit, so longer integers are read as floats instead.
_MAX_INT_DIGITS = 4000
# JSON Feed 1.1, "Extensions": "_" then a letter, and no "." in the name.
_EXTENSION_NAME = re.compile(r"_[^\W\d_][^.]*")
# RFC 4627 section 3: the encoding of JSON text shows in the zero bytes of its first
# two characters, which are always ASCII (z: a zero byte, x: any other).
_ZERO_PATTERNS = (("zzzx", "utf-32-be"), ("xzzz", "utf-32-le"), ("zxzx", "utf-16-be"),
                  ("xzxz", "utf-16-le"))
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))

# Types each known member must have: str, bool, list, dict, number.
_FEED_TYPES: dict[str, type | tuple[type, ...]] = {
    "version": str, "title": str, "home_page_url": str, "feed_url": str, "description": str,
    "user_comment": str, "next_url": str, "icon": str, "favicon": str, "author": dict,
    "authors": list, "language": str, "expired": bool, "hubs": list, "items": list,
}
_ITEM_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str, "url": str, "external_url": str, "title": str, "content_html": str,
    "content_text": str, "summary": str, "image": str, "banner_image": str,
    "date_published": str, "date_modified": str, "author": dict, "authors": list,
    "tags": list, "language": str, "attachments": list,
}
_ATTACHMENT_TYPES: dict[str, type | tuple[type, ...]] = {
    "url": str, "mime_type": str, "title": str, "size_in_bytes": (int, float),
    "duration_in_seconds": (int, float),
}
_AUTHOR_TYPES: dict[str, type | tuple[type, ...]] = {"name": str, "url": str, "avatar": str}
_HUB_TYPES: dict[str, type | tuple[type, ...]] = {"type": str, "url": str}
_FEED_URLS = ("home_page_url", "feed_url", "next_url", "icon", "favicon")
_ITEM_URLS = ("url", "external_url", "image", "banner_image")


if TYPE_CHECKING:
    _JSONDict = dict[str, Any]
else:  # a bare dict at run time: subscripting would need typing's Any imported
    _JSONDict = dict


class JObject(_JSONDict):
    """A JSON object that also keeps its members in order, duplicates included."""

    __slots__ = ("_indexes", "offsets", "pairs")

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs
        self.offsets: list[int] = []
        self._indexes: dict[str, int] | None = None

    def index_of(self, key: str) -> int:
        """The position in ``pairs`` of the last member named ``key`` (the one ``json``
        keeps), 0 when there is none.

        Built once per object on the first finding: an object of n unknown keys makes n
        findings, and a scan of ``pairs`` for each cost n * n (20,000 keys, 13 s).
        """
        if self._indexes is None:
            self._indexes = {name: i for i, (name, _) in enumerate(self.pairs)}
        return self._indexes.get(key, 0)


class Locator:
    """Turns character offsets into 1-based (line, column), for the keys of ``root``."""

    def __init__(self, text: str, root: Any) -> None:
        self.text = text
        self.root = root
        self._newlines: list[int] | None = None

    def locate(self) -> None:
        """Give every object its key offsets (once, on the first finding)."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
            _attach_offsets(self.root, _key_offsets(self.text))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; (0, 0) when unknown."""
        self.locate()
        assert self._newlines is not None
        if offset < 0:
            return 0, 0
        line = bisect_right(self._newlines, offset)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1


def _key_offsets(text: str) -> Iterator[int]:
    for match in _STRING_OR_KEY.finditer(text):
        if match.group(1) is not None:
            yield match.start()


def _attach_offsets(value: Any, offsets: Iterator[int]) -> None:
    """Depth-first, in document order: give every member of every object its offset."""
    if isinstance(value, JObject):
        for _key, member in value.pairs:
            value.offsets.append(next(offsets, -1))
            _attach_offsets(member, offsets)
    elif isinstance(value, list):
        for member in value:
            _attach_offsets(member, offsets)


ID_DUPLICATE = "json-id-duplicate"  # a rule across items: incremental builds check it per document


def id_duplicate(item_id: str) -> str:
    return f'item id "{item_id[:60]}" is not unique'


class JsonFeedChecker:
    """Validates one parsed JSON Feed document."""

    def __init__(self, report: Report, locator: Locator) -> None:
        self.report = report
        self.locator = locator
        self.ids: set[str] = set()
        self.version_1 = False  # JSON Feed 1.0, where "author" is the only form

    def _at(self, obj: JObject, key: str | None) -> tuple[int, int]:
        self.locator.locate()
        index = obj.index_of(key) if key is not None else 0
        if index < len(obj.offsets):
            return self.locator.position(obj.offsets[index])
        return 0, 0

    def error(self, rule: str, message: str, obj: JObject, key: str | None = None) -> None:
        """Report an error at ``key`` of ``obj`` (or at the object's first key)."""
        line, column = self._at(obj, key)
        self.report.error(rule, message, line, column)

    def warning(self, rule: str, message: str, obj: JObject, key: str | None = None) -> None:
        """Report a warning at ``key`` of ``obj`` (or at the object's first key)."""
        line, column = self._at(obj, key)
        self.report.warning(rule, message, line, column)

    # --- objects -----------------------------------------------------------------------

    def check(self, feed: Any) -> None:
        """Check the top-level object, then every item."""
        if not isinstance(feed, JObject):
            self.report.error("json-not-object",
                              f"the document is {_kind(feed)}, not a JSON Feed: a JSON Feed is a "
                              "JSON object ({...})", 1, 1)
            return
        self._duplicates(feed, "feed")
        self._types(feed, _FEED_TYPES, "feed")
        self._check_version(feed)
        if not isinstance(feed.get("title"), str):
            self.error("json-title-missing", 'the feed has no "title" string', feed)
        for key in ("home_page_url", "feed_url"):
            if key not in feed:
                self.warning(
                    "json-recommended-missing",
                    f'the feed should have "{key}" (strongly recommended)', feed)
        self._urls(feed, _FEED_URLS, "feed")
        if "feed_url" in feed and feed.get("next_url") == feed.get("feed_url"):
            self.error("json-next-url-invalid", '"next_url" must not be the same as "feed_url"',
                       feed, "next_url")
        self._check_authors(feed)
        self._check_language(feed)
        self._check_hubs(feed)
        self._unknown(feed, _FEED_TYPES, "feed")
        items = feed.get("items")
        if "items" not in feed:
            self.error("json-items-missing", 'the feed has no "items" array', feed)
        elif isinstance(items, list):
            for item in items:
                self._check_item(item, feed)

    def _check_version(self, feed: JObject) -> None:
        version = feed.get("version")
        if "version" not in feed:
            self.error("json-version-missing", 'the feed has no "version"', feed)
        elif version == OLD_VERSION:
            self.version_1 = True
            self.warning(
                "json-version-old", f'version "{OLD_VERSION}" is JSON Feed 1.0; 1.1 is current',
                feed, "version")
        elif version != VERSION:
            self.error(
                "json-version-invalid", f'version "{version}" is not "{VERSION}"', feed, "version")
        if "version" in feed and feed.pairs[0][0] != "version":
            self.warning("json-version-not-first",
                         '"version" should be the first member of the feed', feed, "version")

    def _check_item(self, item: Any, feed: JObject) -> None:
        if not isinstance(item, JObject):
            self.error("json-type-invalid", '"items" must hold objects', feed, "items")
            return
        self._duplicates(item, "item")
        self._types(item, _ITEM_TYPES, "item")
        self._check_id(item)
        if not isinstance(item.get("content_html"), str) and not isinstance(
            item.get("content_text"), str
        ):
            self.error("json-content-missing",
                       'an item must have "content_html" or "content_text"', item)
        # Every content_html, when it is there twice: a reader may show the one not checked
        for html in _every("content_html", item):
            problem = unsafe_html(html) if isinstance(html, str) else None
            if problem:
                self.warning("html-unsafe", f"content_html {problem}", item, "content_html")
        for key in ("date_published", "date_modified"):
            value = item.get(key)
            if isinstance(value, str) and rfc3339(value, strict_case=False):
                self.error("json-date-invalid", f'{key} "{value[:60]}" is not an RFC 3339 date',
                           item, key)
        if "url" not in item:
            self.warning("json-item-url-missing",
                         'an item should have a "url" (its permalink), even if it equals "id"',
                         item)
        self._urls(item, _ITEM_URLS, "item")
        self._check_authors(item)
        self._check_language(item)
        self._check_tags(item)
        self._check_attachments(item)
        self._unknown(item, _ITEM_TYPES, "item")

    def _check_id(self, item: JObject) -> None:
        """Required, a string, unique; readers coerce a number and discard a blank one."""
        if "id" not in item:
            self.error("json-id-missing", 'an item has no "id"', item)
            return
        item_id = item["id"]
        if isinstance(item_id, (int, float)) and not isinstance(item_id, bool):
            self.warning("json-id-not-string",
                         f'item id {item_id!r} is a number; readers turn it into a string, but '
                         'JSON Feed 1.1 says "id" is a string: publish it as one', item, "id")
            item_id = json.dumps(item_id)
        if not isinstance(item_id, str):
            return  # reported by the type check
        if not item_id.strip():
            self.error("json-id-empty",
                       'item "id" is blank; readers must discard such an item (JSON Feed 1.1, '
                       '"Suggestions for Feed Readers")', item, "id")
        elif item_id in self.ids:
            self.error(ID_DUPLICATE, id_duplicate(item_id), item, "id")
        self.ids.add(item_id)

    def _check_authors(self, obj: JObject) -> None:
        # both together is the compatible form; in a 1.0 feed "author" is the only one
        if "author" in obj and "authors" not in obj and not self.version_1:
            self.warning("json-author-deprecated",
                         '"author" is deprecated in JSON Feed 1.1; use "authors"', obj, "author")
        author = obj.get("author")
        if isinstance(author, JObject):  # 1.0's single author: the same object as 1.1's
            self._check_author(author, obj, "author")
        authors = obj.get("authors")
        if not isinstance(authors, list):
            return
        for author in authors:
            if not isinstance(author, JObject):
                self.error("json-type-invalid", '"authors" must hold objects', obj, "authors")
                continue
            self._check_author(author, obj, "authors")

    def _check_author(self, author: JObject, obj: JObject, key: str) -> None:
        self._types(author, _AUTHOR_TYPES, "author")
        if not any(k in author for k in _AUTHOR_TYPES):
            self.error("json-author-empty",
                       'an author must have at least one of "name", "url", "avatar"', obj, key)
        self._urls(author, ("url", "avatar"), "author")

    def _check_hubs(self, feed: JObject) -> None:
        hubs = feed.get("hubs")
        if not isinstance(hubs, list):
            return
        for hub in hubs:
            if not isinstance(hub, JObject):
                self.error("json-type-invalid", '"hubs" must hold objects', feed, "hubs")
                continue
            self._types(hub, _HUB_TYPES, "hub")
            for key in ("type", "url"):
                if key not in hub:
                    self.error("json-hub-invalid", f'a hub has no "{key}"', hub)
            self._urls(hub, ("url",), "hub")

    def _check_attachments(self, item: JObject) -> None:
        attachments = item.get("attachments")
        if not isinstance(attachments, list):
            return
        for attachment in attachments:
            if not isinstance(attachment, JObject):
                self.error("json-type-invalid", '"attachments" must hold objects', item,
                           "attachments")
                continue
            self._types(attachment, _ATTACHMENT_TYPES, "attachment")
            for key in ("url", "mime_type"):
                if key not in attachment:
                    self.error("json-attachment-invalid", f'an attachment has no "{key}"',
                               attachment)
            self._urls(attachment, ("url",), "attachment")
            self._check_attachment_values(attachment)

    def _check_attachment_values(self, attachment: JObject) -> None:
        """"Attachments": mime_type "specifies the type of the attachment, such as
        audio/mpeg" (a MIME type, RFC 2045); size_in_bytes "how large the file is" and
        duration_in_seconds "how long it takes to listen to or watch": neither below 0."""
        kind = attachment.get("mime_type")
        if isinstance(kind, str) and not is_mime_type(kind):
            self.error("json-attachment-invalid",
                       f'attachment "mime_type" "{short(kind)}" is not a MIME type such as '
                       '"audio/mpeg"', attachment, "mime_type")
        for key in ("size_in_bytes", "duration_in_seconds"):
            number = attachment.get(key)
            if isinstance(number, (int, float)) and not isinstance(number, bool) and number < 0:
                self.error("json-attachment-invalid",
                           f'attachment "{key}" is negative; a size or a duration is 0 or more',
                           attachment, key)

    def _check_tags(self, item: JObject) -> None:
        tags = item.get("tags")
        if isinstance(tags, list) and not all(isinstance(t, str) for t in tags):
            self.error("json-type-invalid", '"tags" must be an array of strings', item, "tags")

    def _check_language(self, obj: JObject) -> None:
        language = obj.get("language")
        if isinstance(language, str) and not is_language(language):
            self.error("json-language-invalid", f'language "{language[:40]}" is not a language tag',
                       obj, "language")

    # --- members -----------------------------------------------------------------------

    def _types(self, obj: JObject, types: dict[str, type | tuple[type, ...]], where: str) -> None:
        for key, expected in types.items():
            if key not in obj:
                continue
            value = obj[key]
            if key == "id" and where == "item" and isinstance(value, (int, float)):
                continue  # a number is coerced by readers: its own warning, in _check_id
            wrong = not isinstance(value, expected) or (
                expected is not bool and isinstance(value, bool)
            )
            if wrong:
                self.error("json-type-invalid",
                           f'{where} "{key}" must be {_type_name(expected)}', obj, key)

    def _urls(self, obj: JObject, keys: tuple[str, ...], where: str) -> None:
        for key in keys:
            for value in _every(key, obj):  # a repeated name hides a value some reader takes
                problem = uri_problem(value, absolute=True) if isinstance(value, str) else None
                if problem:
                    self.error("json-url-invalid", f'{where} "{key}" "{value[:60]}" {problem}',
                               obj, key)
                scheme = script_url(value) if isinstance(value, str) else None
                if scheme:
                    self.warning("link-script", link_script(f'{where} "{key}"', value, scheme),
                                 obj, key)

    def _unknown(self, obj: JObject, types: dict[str, Any], where: str) -> None:
        for key in obj:
            if key in types:
                continue
            if not key.startswith("_"):
                self.warning("json-key-unknown",
                             f'"{key[:40]}" is not a JSON Feed {where} member '
                             '(extensions start with "_")', obj, key)
            else:
                self._check_extension(obj, key)

    def _check_extension(self, obj: JObject, key: str) -> None:
        """Extension names are "_" and a letter, without "."; their members have no "." either."""
        if _EXTENSION_NAME.fullmatch(key) is None:
            self.warning("json-extension-name-invalid",
                         f'extension "{key[:40]}" must be "_" followed by a letter, with no "." '
                         "(JSON Feed 1.1, Extensions)", obj, key)
        value = obj[key]
        if isinstance(value, JObject):
            for member in value:
                if "." in member:
                    self.warning("json-extension-name-invalid",
                                 f'extension member "{member[:40]}" must not contain "." '
                                 "(JSON Feed 1.1, Extensions)", value, member)

    def _duplicates(self, obj: JObject, where: str) -> None:
        if len(obj.pairs) == len(obj):
            return
        seen: set[str] = set()
        for index, (key, _) in enumerate(obj.pairs):
            if key in seen:
                self.locator.locate()
                line, column = (self.locator.position(obj.offsets[index])
                                if index < len(obj.offsets) else (0, 0))
                self.report.warning(
                    "json-key-duplicate",
                    f'{where} has "{key[:40]}" twice; names SHOULD be unique (RFC 8259 4) and '
                    "readers disagree on which one counts: the last is checked here",
                    line, column)
            seen.add(key)


def _every(key: str, obj: JObject) -> list[Any]:
    """Every value of member ``key``: the one ``json`` keeps, and any other a repeated
    name hides (``json-key-duplicate``), which other readers may take instead."""
    if len(obj.pairs) == len(obj):
        return [obj[key]] if key in obj else []
    return [value for name, value in obj.pairs if name == key]


def _kind(value: Any) -> str:
    """What a top-level JSON value is, for a person: "a JSON string", "JSON null"..."""
    if value is None or isinstance(value, bool):
        return f"JSON {json.dumps(value)}"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, list):
        return "a JSON array"
    return "a JSON number"


def is_json_value(data: bytes) -> bool:
    """True when the whole document is one JSON value (RFC 8259 2: a string, a number,
    true, false or null count as much as an object), so that ``"items"`` or ``42`` is
    told it is JSON but not a feed, rather than that it is neither XML nor JSON.

    Parsing is linear (the json scanner); NaN and Infinity are not JSON here either.
    """
    text = _decode(data, Report())
    if text is None:
        return False
    try:
        json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int)
    except (ValueError, RecursionError):  # JSONDecodeError and _NotJson are ValueErrors
        return False
    return True


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", bool: "a boolean (true or false)", list: "an array",
             dict: "an object", int: "a number", float: "a number"}
    if isinstance(expected, tuple):
        return names[expected[0]]
    return names[expected]


def check(data: bytes, report: Report) -> None:
    """Validate a JSON Feed document given as bytes."""
    text = _decode(data, report)
    if text is None:
        return
    if too_many_containers(data, text):
        report.error("feed-too-many-elements",
                     f"the document has more than {MAX_CONTAINERS:,} objects and arrays, more than "
                     "this validator checks (a limit that keeps its memory bounded)", 0)
        return
    try:
        feed = json.loads(text, object_pairs_hook=JObject, parse_constant=_refuse_constant,
                          parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        report.error("json-not-well-formed", f"the document is not valid JSON: {exc.msg}",
                     exc.lineno, exc.colno)
        return
    except _NotJson as exc:
        line, column = _constant_position(text)
        report.error("json-not-well-formed",
                     f"the document is not valid JSON: {exc} is not a JSON value (RFC 8259 has no "
                     "NaN or Infinity; use null or a string)", line, column)
        return
    except RecursionError:
        report.error("json-too-deep", "the JSON document is nested too deeply", 0)
        return
    try:
        JsonFeedChecker(report, Locator(text, feed)).check(feed)
    except RecursionError:
        report.error("json-too-deep", "the JSON document is nested too deeply", 0)


def too_many_containers(data: bytes, text: str) -> bool:
    """More than ``MAX_CONTAINERS`` objects and arrays? Counting braces bounds it in
    milliseconds; only past that bound are they counted outside strings, up to the limit."""
    if data.count(b"{") + data.count(b"[") <= MAX_CONTAINERS:
        return False
    count = 0
    for match in _STRING_OR_CONTAINER.finditer(text):
        if match.group()[0] != '"':
            count += 1
            if count > MAX_CONTAINERS:
                return True
    return False


class _NotJson(ValueError):
    """NaN, Infinity or -Infinity: Python's json module reads them, JSON does not have them."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(name)


def _parse_int(digits: str) -> int | float:
    """An integer, or a float for one longer than Python will convert (still a number)."""
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else float(digits)


def _constant_position(text: str) -> tuple[int, int]:
    """(line, column) of the first NaN/Infinity outside a string."""
    for match in _STRING_OR_CONSTANT.finditer(text):
        if match.group(1) is not None:
            start = match.start(1)
            line = text.count("\n", 0, start) + 1
            return line, start - (text.rfind("\n", 0, start) + 1) + 1
    return 0, 0


def _decode(data: bytes, report: Report) -> str | None:
    """The text of the document: UTF-8 (with or without BOM), or UTF-16/32 with a warning.

    JSON Feed 1.1 accepts any encoding RFC 7159 allowed, but asks for UTF-8, and RFC 8259
    (current JSON) requires it between systems: UTF-16/32 is a warning, not an error.
    """
    codec = _wide_encoding(data)
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            report.error("json-encoding-invalid", f"the document is not valid {codec}", 1)
            return None
        report.warning("json-encoding-not-utf8",
                       f"the document is {codec.upper()}; JSON Feed asks for UTF-8 (RFC 8259 "
                       "requires it), and many readers accept nothing else", 1)
        return text.lstrip("\ufeff")
    raw = data
    if data.startswith(b"\xef\xbb\xbf"):
        raw = data[3:]
        report.warning("json-bom",
                       "the document starts with a byte-order mark, which JSON text must not "
                       "(RFC 8259 8.1): JSON.parse and other strict readers refuse it", 1, 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.error("json-encoding-invalid", "JSON Feed must be UTF-8; this is not valid UTF-8",
                     line)
        return None


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32, from a byte-order mark or the zero bytes of the first characters."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    head = data[:4]
    if len(head) < 4:
        return None
    shape = "".join("z" if byte == 0 else "x" for byte in head)
    for pattern, codec in _ZERO_PATTERNS:
        if shape == pattern:
            return codec
    return None
