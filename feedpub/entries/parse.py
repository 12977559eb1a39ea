"""One entry file → an Entry: front matter, the body through ``markdown``, clear errors.

``parse_entry`` is pure (bytes in, Entry or problems out) so every bad input can be
tested without a folder. It returns every problem of a file, and the pipeline reports
every problem of a run at once, because an editor fixing a live blog wants the whole
list, not one error per build.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TypeVar

import yaml

try:  # libyaml's C loader is 7× faster; the pure-Python one is the fallback
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

from feedpub import values
from feedpub.entries.markdown import Body, BodyProblem, removal_lines, render_body
from feedpub.errors import EntryProblem
from feedpub.model import CLOSING_ID_SUFFIX, Author, Enclosure, Entry
from feedpub.notices import Notice
from feedpub.stamps import ENTRY_SUFFIXES
from feedpub.text import (
    RefusedUrl,
    as_uri,
    closest,
    forbidden_character,
    one_line,
    public_url,
    quoted,
    shown_key,
    uri_segment,
)
from feedpub.values import Invalid
from feedpub.widechars import wide_form

KNOWN_FIELDS = (
    "title", "published", "updated", "id", "summary", "authors", "tags", "image", "link",
    "language", "draft", "correction", "retracted", "reason",
)
# Not part of an entry's revision: its times and retraction are tracked on their own, and
# ``id`` is what a renamed file adds, which must not make it look edited.
_NOT_REVISED = frozenset({"title", "published", "updated", "id", "draft", "retracted", "reason"})
REVISION_PART = 12  # hex digits per part of a revision (title, body, other fields)
FUTURE_TOLERANCE = timedelta(minutes=5)  # an edit's time may run this far ahead (laptop clocks)
MAX_PROBLEMS_PER_FILE = 20  # then "… and N more": a broken file never floods the report
# An update is a few paragraphs; a file past this is a paste gone wrong, refused as a
# problem of its own file. The bound keeps every text node of every format under the
# 10 MB that libxml2 (our feed check, and most readers' parsers) accepts, however the
# text escapes: an "&" is written "&amp;" in the HTML and "&amp;amp;" inside RSS, nine
# bytes for one. Without it, one such file failed the whole build, and its feeds.
MAX_ENTRY_BYTES = 512 * 1024

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_KEY_AT_LINE_START = re.compile(r"""^(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#"'][^:\n]*?))[ \t]*:""", re.M)
_YAML_MESSAGE_LIMIT = 100
_UNKNOWN_TAG = re.compile(r"could not determine a constructor for the tag '(.*)'", re.S)


class _FrontMatterLoader(_SafeLoader):
    """libyaml's safe loader that keeps dates as text and builds only plain values.

    PyYAML would turn ``2024-12-07 14:05`` into a naive datetime and silently drop an
    offset it cannot read; we want the text, to parse it in the blog's zone and to
    quote it back in error messages. Explicit tags (``!!timestamp``, ``!!binary``,
    ``!!set``…) are refused: a front matter needs text, numbers, booleans, lists and
    mappings, and each extra constructor is one more way to a traceback.
    """


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _DuplicateKey(yaml.YAMLError):
    """A key written twice in one mapping (file lines of both), or a YAML merge key
    (``<<``, ``first`` 0), which writes keys without naming them."""

    def __init__(self, key: str, line: int, first: int):
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


def _construct_mapping(loader: yaml.constructor.SafeConstructor, node: yaml.MappingNode,
                       deep: bool = False) -> dict[object, object]:
    """A mapping whose keys are each written once.

    YAML forbids a key twice, but PyYAML keeps the last value without a word: an editor
    who adds a second ``title:`` (or ``published:``) below the first publishes the one
    they did not look at.
    """
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue  # a list as a key: YAML's own error says what is wrong
        line = key_node.start_mark.line + 2  # the file's line: the front matter starts on 2
        if key_node.tag == _MERGE_TAG:  # "<<: {title: Y}" beside "title: X" drops Y silently
            raise _DuplicateKey("<<", line, 0)
        if key_node.value in seen:
            raise _DuplicateKey(key_node.value, line, seen[key_node.value])
        seen[key_node.value] = line
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


_FrontMatterLoader.construct_mapping = _construct_mapping  # type: ignore[assignment, method-assign]
_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PLAIN_TAGS = {f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float", "str",
                                                         "seq", "map")}
_FrontMatterLoader.yaml_constructors = {
    tag: build for tag, build in yaml.SafeLoader.yaml_constructors.items()
    if tag in _PLAIN_TAGS or tag is None  # None: the "unknown tag" error
}


class WrittenInt(int):
    """A YAML 1.1 integer that remembers how it was written.

    YAML 1.1 reads ``2:1`` (a score) as 121, ``12:30`` as 750, ``0x1F`` as 31 and
    ``1_000`` as 1000; a title, tag or summary is text, so it must be what the author
    typed, not the number. It stays an int everywhere else (``draft: 1`` is still "not
    true or false", and the revision digest still sees the number, so no published entry
    looks edited).
    """

    written: str


class WrittenFloat(float):
    """A YAML 1.1 float that remembers how it was written (``1.5e+3`` is not "1500.0")."""

    written: str


def _written_int(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> int:
    number = WrittenInt(loader.construct_yaml_int(node))
    number.written = str(node.value)
    return number


def _written_float(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> float:
    number = WrittenFloat(loader.construct_yaml_float(node))
    number.written = str(node.value)
    return number


_FrontMatterLoader.yaml_constructors["tag:yaml.org,2002:int"] = _written_int
_FrontMatterLoader.yaml_constructors["tag:yaml.org,2002:float"] = _written_float


@dataclass(frozen=True, slots=True)
class EntryContext:
    """What parsing an entry needs to know about the blog, and the clock."""

    id_base: str
    home_page_url: str
    zone: tzinfo
    now: datetime


Outcome = Entry | list[EntryProblem] | None  # an entry, its problems, or None for a draft
T = TypeVar("T")


def parse_entry(data: bytes, path: str, ctx: EntryContext,
                notices: list[Notice] | None = None) -> Outcome:
    """An Entry, None for a draft, or the list of everything wrong with the file.

    What was published with a change (the sanitizer removed something) is added to
    ``notices``, one warning per thing, naming the line.
    """
    stem = Path(path).stem  # as on disk: it becomes part of the default id and link
    path = one_line(path)
    if not path.endswith(ENTRY_SUFFIXES):  # X.MD: listed only to be named here
        return [EntryProblem(path, None, f"ends in {quoted(Path(path).suffix)}; an entry file "
                             "ends in .md or .markdown, in lower case: rename it")]
    if len(data) > MAX_ENTRY_BYTES:
        return [EntryProblem(path, None, f"is {len(data) / 1024:,.0f} KiB, more than the "
                             f"{MAX_ENTRY_BYTES // 1024} KiB an entry file may be; split it "
                             "into several updates")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if wide_form(data):
            return [EntryProblem(path, None, _WIDE_UNICODE, 1)]
        line = data[: exc.start].count(b"\n") + 1
        return [EntryProblem(path, None, f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                             "save the file as UTF-8", line)]
    bad = forbidden_character(text)
    if bad:
        if wide_form(data):  # no byte order mark: its ASCII reads as UTF-8 and NULs
            return [EntryProblem(path, None, _WIDE_UNICODE, 1)]
        offset, message = bad
        return [EntryProblem(path, None, message, text.count("\n", 0, offset) + 1)]
    match = _FRONT_MATTER.match(text)
    if not match:
        if "\r" in text and "\n" not in text:
            return [EntryProblem(path, None, "has lines that end in a carriage return alone "
                                 "(classic Mac OS); save it with LF (Unix) or CRLF (Windows) "
                                 "line endings", 1)]
        return [EntryProblem(path, None, "has no front matter; start it with a line '---', "
                             "then title: and published:, then a line '---'", 1)]
    fields = _load_front_matter(match[1], path)
    if isinstance(fields, list):
        return fields
    body_line = text.count("\n", 0, match.end()) + 1
    reader = _FieldReader(path, match[1], fields, ctx)
    outcome = reader.entry(stem, text[match.end():], body_line)
    if notices is not None and isinstance(outcome, Entry):
        notices.extend(reader.notices)
    return outcome


_WIDE_UNICODE = "is UTF-16 or UTF-32 text, not UTF-8; save the file as UTF-8"


def front_matter_end(text: str) -> int | None:
    """The offset in ``text`` of the line that closes its front matter, or None."""
    match = _FRONT_MATTER.match(text)
    return match.end(1) if match else None


def field_line(data: bytes, field: str) -> int | None:
    """The line of the file where front-matter field ``field`` is written, or None.

    For messages about a field the whole build refuses (an id used twice, a published
    time that changed): found by reading the file again, only when there is such a message.
    """
    text = data.decode("utf-8-sig", errors="replace")
    match = _FRONT_MATTER.match(text)
    if not match:
        return None
    source, line, counted = match[1], 2, 0
    for found in _KEY_AT_LINE_START.finditer(source):
        line += source.count("\n", counted, found.start())
        counted = found.start()
        if field in (found[1], found[2], found[3]):
            return line
    return None


def _load_front_matter(source: str, path: str) -> dict[object, object] | list[EntryProblem]:
    """The front matter as a mapping, or the one problem that stops reading it.

    Anchors and aliases are refused before anything is built: 529 bytes of nested
    aliases stand for gigabytes of values (issue #11.4), and a live blog's front matter
    never needs them. Only a source that contains ``&`` or ``*`` is scanned for them.
    """
    if "&" in source or "*" in source:
        line = _anchor_line(source)
        if line is not None:
            return [EntryProblem(path, None, "front matter uses a YAML anchor or alias "
                                 "(&name or *name); write each value out in full", line)]
    try:
        fields = yaml.load(source, Loader=_FrontMatterLoader)
    except _DuplicateKey as twice:
        if not twice.first:
            return [EntryProblem(path, "<<", "a YAML merge key is not a field; write out the "
                                 "fields it would copy", twice.line)]
        return [EntryProblem(path, shown_key(twice.key), f"is written twice (also on line "
                             f"{twice.first}); keep one", twice.line)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        reason = str(getattr(exc, "problem", None) or "cannot be read")
        tag = _UNKNOWN_TAG.search(reason)
        if tag:
            shown = quoted(tag[1].replace("tag:yaml.org,2002:", "!!"))
            return [EntryProblem(path, None, f"front matter uses the YAML tag {shown}, which "
                                 "an entry never needs; remove it", line)]
        reason = one_line(reason)
        if len(reason) > _YAML_MESSAGE_LIMIT:
            reason = reason[:_YAML_MESSAGE_LIMIT] + "…"
        return [EntryProblem(path, None, f"front matter is not valid YAML ({reason}); "
                             "check quotes and colons", line)]
    except (ValueError, OverflowError, RecursionError):  # e.g. a number of 5 000 digits
        return [EntryProblem(path, None, "front matter has a value YAML cannot convert "
                             "(a number too long, say); put it in quotes")]
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        return [EntryProblem(path, None, "front matter must be 'field: value' lines", 2)]
    return fields


def _anchor_line(source: str) -> int | None:
    """The file line of the first anchor or alias in ``source``, or None (also for bad YAML)."""
    try:
        for event in yaml.parse(source, Loader=_FrontMatterLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                mark = event.start_mark
                return int(mark.line) + 2 if mark is not None else 2
    except yaml.YAMLError:
        return None  # reading it for real reports the error with its line
    return None


def _line(body: str, body_line: int, offset: int | None) -> int | None:
    """The file line of ``offset`` in the body that starts on ``body_line``."""
    return body_line + body.count("\n", 0, offset) if offset is not None else None


def _enclosures(rendered: Body, link: str) -> tuple[Enclosure, ...]:
    """The body's video and audio files whose type is known, as absolute URLs (each once)."""
    found: dict[str, Enclosure] = {}
    for media in rendered.media:
        if media.media_type is None:
            continue
        try:
            url = as_uri(public_url(media.url, base=link))
        except RefusedUrl:
            continue  # the sanitizer dropped the link too, and said so
        found.setdefault(url, Enclosure(url, media.media_type))
    return tuple(found.values())


class _FieldReader:
    """Checks one entry's fields, collecting every problem instead of stopping.

    Each field goes through one reader of ``feedpub.values``; a field's line is found
    with one scan of the front matter for the whole file, and at most
    MAX_PROBLEMS_PER_FILE problems are listed, so a file with 20 000 unknown keys costs
    one pass, not 20 000.
    """

    def __init__(self, path: str, source: str, fields: dict[object, object], ctx: EntryContext):
        self.path, self.source, self.fields, self.ctx = path, source, fields, ctx
        self.problems: list[EntryProblem] = []
        self.notices: list[Notice] = []
        self.hidden = 0
        self._lines: dict[str, int] | None = None

    def line_of(self, field: str) -> int | None:
        if self._lines is None:  # one pass for the whole file, on the first problem
            self._lines, line, counted = {}, 2, 0
            for found in _KEY_AT_LINE_START.finditer(self.source):
                line += self.source.count("\n", counted, found.start())
                counted = found.start()
                key = found[1] if found[1] is not None else found[2] if found[2] is not None \
                    else found[3]
                self._lines.setdefault(key, line)
        return self._lines.get(field)

    def problem(self, field: str, message: str, line: int | None = None) -> None:
        if len(self.problems) >= MAX_PROBLEMS_PER_FILE:
            self.hidden += 1
            return
        self.problems.append(EntryProblem(self.path, shown_key(field), message,
                                          line or self.line_of(field)))

    def read(self, field: str, reader: Callable[[object], T]) -> T | None:
        """``reader`` applied to the field's value; None when absent or wrong (then noted)."""
        value = self.fields.get(field)
        if value is None:
            return None
        try:
            return reader(value)
        except Invalid as invalid:
            self.problem(field, str(invalid))
            return None

    def entry(self, stem: str, body: str, body_line: int) -> Entry | list[EntryProblem] | None:
        self.check_unknown()
        if self.fields.get("draft") is True:
            return None
        self.read("draft", values.flag)
        name = uri_segment(stem)
        link = self.read("link", lambda v: values.url(v, base=self.ctx.home_page_url)) \
            or f"{self.ctx.home_page_url}#{name}"
        title = self.required("title", lambda v: values.text(v, numbers=True),
                              "is required; add it to the front matter")
        published = self.time("published", required=True)
        updated = self.time("updated") or published
        if published and updated and updated < published:
            self.problem("updated", f"{quoted(self.fields['updated'])} is before published; "
                         "an update cannot come before the entry")
        elif published and updated and published <= self.ctx.now and \
                updated > self.ctx.now + FUTURE_TOLERANCE:
            self.problem("updated", f"{quoted(self.fields['updated'])} is in the future; use the "
                         "time of the correction (a future published: schedules an entry, but "
                         "an edit cannot be scheduled)")
        entry_id = self.read("id", values.identifier) or f"{self.ctx.id_base}{name}"
        if entry_id == f"{self.ctx.id_base}{CLOSING_ID_SUFFIX}":  # feed.closing_id
            if self.fields.get("id") is not None:
                self.problem("id", f"{quoted(entry_id)} is the closing item's id; choose another")
            else:
                self.problems.append(EntryProblem(
                    self.path, None, f"would have the id {quoted(entry_id)}, the closing "
                    "item's; rename the file, or give it an id: of its own"))
        summary = self.read("summary", lambda v: values.text(v, numbers=True))
        authors: tuple[Author, ...] = self.read(
            "authors", lambda v: values.authors(v, single=True, example="[Jane Doe]")) or ()
        tags = self.read("tags", values.words) or ()
        image = self.read("image", lambda v: values.url(v, base=link))
        language = self.read("language", values.language)
        correction = self.read("correction", lambda v: values.text(v, numbers=True))
        retracted, reason = self.retraction(published)
        if self.problems or self.hidden or not (title and published and updated):
            return self.reported()
        try:
            rendered = render_body(body, link, name)
        except BodyProblem as problem:
            self.problem("body", str(problem), _line(body, body_line, problem.offset))
            return self.reported()
        self.note_removals(rendered, body, body_line)
        return Entry(id=entry_id, title=title, link=link, published=published, updated=updated,
                     content_html=rendered.html, summary=summary, authors=authors, tags=tags,
                     image=image, language=language, source=self.path,
                     enclosures=_enclosures(rendered, link), correction=correction,
                     retracted=retracted, reason=reason, revision=self.revision(title, body))

    def note_removals(self, rendered: Body, body: str, body_line: int) -> None:
        """One warning per thing the sanitizer removed: published, but not as written."""
        for offset, message in removal_lines(rendered):
            line = _line(body, body_line, offset)
            self.notices.append(Notice(f"{self.path}:{line}" if line else self.path,
                                       f"body: {message}"))

    def retraction(self, published: datetime | None) -> tuple[datetime | None, str | None]:
        """``retracted:`` (when, not before ``published`` nor in the future) and its ``reason:``."""
        retracted = self.time("retracted")
        reason = self.read("reason", lambda v: values.text(v, numbers=True))
        if reason is not None and self.fields.get("retracted") is None:
            self.problem("reason", "is only read with retracted: (the time the update was "
                         f"withdrawn, e.g. retracted: {self.now_example()}); add it or remove reason:")
        if retracted is None or published is None:
            return retracted, reason
        if retracted < published:
            self.problem("retracted", f"{quoted(self.fields['retracted'])} is before published; "
                         "an update is withdrawn after it went out")
        elif retracted > self.ctx.now + FUTURE_TOLERANCE:
            self.problem("retracted", f"{quoted(self.fields['retracted'])} is in the future; "
                         "use the time of the retraction (a retraction cannot be scheduled)")
        return retracted, reason

    def revision(self, title: str, body: str) -> str:
        """A digest of what the author wrote, in three parts: title, body, other fields.

        Taken from the file's own values (not from the rendered HTML), so a change of
        settings or of the Markdown library never looks like an edit, and in parts, so
        a renamed file that was also touched up is still recognised (two parts of three).
        """
        others = {str(k): v for k, v in self.fields.items() if k not in _NOT_REVISED}
        text = body.replace("\r\n", "\n").strip()
        parts = (title, text, json.dumps(others, sort_keys=True, ensure_ascii=False, default=str))
        return ".".join(hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:REVISION_PART]
                        for part in parts)

    def reported(self) -> list[EntryProblem]:
        if self.hidden:
            self.problems.append(EntryProblem(self.path, None, f"… and {self.hidden} more "
                                              "problems; fix the ones above first"))
        return self.problems

    def required(self, field: str, reader: Callable[[object], T], missing: str) -> T | None:
        if self.fields.get(field) is None:
            self.problem(field, missing)
            return None
        return self.read(field, reader)

    def check_unknown(self) -> None:
        for key in self.fields:
            if key in KNOWN_FIELDS:
                continue
            if len(self.problems) >= MAX_PROBLEMS_PER_FILE:
                self.hidden += 1  # no hint to compute: it would not be shown
                continue
            name = key if isinstance(key, str) else "null" if key is None else quoted(key)
            close = closest(name, KNOWN_FIELDS)
            hint = f"did you mean {close}?" if close else f"known fields: {', '.join(KNOWN_FIELDS)}"
            self.problem(name, f"unknown field; {hint}")

    def time(self, field: str, required: bool = False) -> datetime | None:
        if required and self.fields.get(field) is None:
            self.problem(field, f"is required; add e.g. {field}: {self.now_example()}")
            return None
        return self.read(field, self.moment)

    def moment(self, value: object) -> datetime:
        """The time ``value`` stands for; a wrong one is shown with the current time as example.

        The example is worded only on the way to an error (read again with it), so the
        parse of a valid entry never depends on the clock and its cache stays valid.
        """
        try:
            return values.moment(value, self.ctx.zone)
        except Invalid:
            return values.moment(value, self.ctx.zone, self.now_example())

    def now_example(self) -> str:
        """Now in the blog's zone, with its offset: the value to paste into ``published:``."""
        return self.ctx.now.astimezone(self.ctx.zone).replace(microsecond=0).isoformat()
