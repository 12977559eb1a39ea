"""One entry file → an Entry: front matter, the body through ``markdown``, clear errors.

``parse_entry`` is pure (bytes in, Entry or problems out) so every bad input can be
tested without a folder. It returns every problem of a file, and the pipeline reports
every problem of a run at once, because an editor fixing a live blog wants the whole
list, not one error per build.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import urljoin

import yaml

try:  # libyaml's C loader is 7× faster; the pure-Python one is the fallback
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

from feedpub.dates import parse_time
from feedpub.entries.markdown import render_markdown
from feedpub.errors import EntryProblem
from feedpub.model import Author, Entry
from feedpub.text import forbidden_character

KNOWN_FIELDS = (
    "title", "published", "updated", "id", "summary", "authors", "tags", "image", "link",
    "language", "draft",
)
FUTURE_TOLERANCE = timedelta(minutes=5)  # an edit's time may run this far ahead (laptop clocks)
DATE_EXAMPLE = "2024-12-07T14:05:00+00:00"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class _FrontMatterLoader(_SafeLoader):
    """libyaml's safe loader that keeps dates as text.

    PyYAML would turn ``2024-12-07 14:05`` into a naive datetime and silently drop an
    offset it cannot read; we want the text, to parse it in the blog's zone and to
    quote it back in error messages.
    """


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class EntryContext:
    """What parsing an entry needs to know about the blog, and the clock."""

    id_base: str
    home_page_url: str
    zone: tzinfo
    now: datetime


Outcome = Entry | list[EntryProblem] | None  # an entry, its problems, or None for a draft


def parse_entry(data: bytes, path: str, ctx: EntryContext) -> Outcome:
    """An Entry, None for a draft, or the list of everything wrong with the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [EntryProblem(path, None, f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                             "save the file as UTF-8", line)]
    bad = forbidden_character(text)
    if bad:
        offset, message = bad
        return [EntryProblem(path, None, message, text.count("\n", 0, offset) + 1)]
    match = _FRONT_MATTER.match(text)
    if not match:
        return [EntryProblem(path, None, "has no front matter; start it with a line '---', "
                             "then title: and published:, then a line '---'", 1)]
    fields = _load_front_matter(match[1], path)
    if isinstance(fields, list):
        return fields
    return _FieldReader(path, match[1], fields, ctx).entry(text[match.end():])


def _load_front_matter(source: str, path: str) -> dict[str, object] | list[EntryProblem]:
    try:
        fields = yaml.load(source, Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        reason = getattr(exc, "problem", None) or "cannot be read"
        return [EntryProblem(path, None, f"front matter is not valid YAML ({reason}); "
                             "check quotes and colons", line)]
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        return [EntryProblem(path, None, "front matter must be 'field: value' lines", 2)]
    return fields


class _FieldReader:
    """Checks one entry's fields, collecting every problem instead of stopping."""

    def __init__(self, path: str, source: str, fields: dict[str, object], ctx: EntryContext):
        self.path, self.source, self.fields, self.ctx = path, source, fields, ctx
        self.problems: list[EntryProblem] = []

    def line_of(self, field: str) -> int | None:
        found = re.search(rf"^{re.escape(field)}\s*:", self.source, re.M)
        return self.source.count("\n", 0, found.start()) + 2 if found else None

    def problem(self, field: str, message: str) -> None:
        self.problems.append(EntryProblem(self.path, field, message, self.line_of(field)))

    def entry(self, body: str) -> Entry | list[EntryProblem] | None:
        self.check_unknown()
        if self.fields.get("draft") is True:
            return None
        if "draft" in self.fields and not isinstance(self.fields["draft"], bool):
            self.problem("draft", "must be true or false")
        stem = Path(self.path).stem
        link = self.url("link") or f"{self.ctx.home_page_url}#{stem}"
        title = self.text("title", required=True)
        published = self.time("published", required=True)
        updated = self.time("updated") or published
        if published and updated and updated < published:
            self.problem("updated", f'"{self.fields["updated"]}" is before published; '
                         "an update cannot come before the entry")
        elif published and updated and published <= self.ctx.now < updated - FUTURE_TOLERANCE:
            self.problem("updated", f'"{self.fields["updated"]}" is in the future; use the time '
                         "of the correction (a future published: schedules an entry, but an "
                         "edit cannot be scheduled)")
        entry_id = self.identifier(stem)
        summary, authors, tags = self.text("summary"), self.authors(), self.tags()
        image, language = self.url("image", base=link), self.language()
        if self.problems or not (title and published and updated):
            return self.problems
        return Entry(id=entry_id, title=title, link=link, published=published, updated=updated,
                     content_html=render_markdown(body, link), summary=summary, authors=authors,
                     tags=tags, image=image, language=language, source=self.path)

    def check_unknown(self) -> None:
        for key in self.fields:
            if key not in KNOWN_FIELDS:
                close = difflib.get_close_matches(str(key), KNOWN_FIELDS, n=1)
                hint = f"did you mean {close[0]}?" if close else \
                    f"known fields: {', '.join(KNOWN_FIELDS)}"
                self.problem(str(key), f"unknown field; {hint}")

    def text(self, field: str, required: bool = False) -> str | None:
        value = self.fields.get(field)
        if value is None:
            if required:
                self.problem(field, "is required; add it to the front matter")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(field, "must be text")
            return None
        value = " ".join(value.split())
        if not value:
            self.problem(field, "is empty; write some text or remove the field")
            return None
        return value

    def time(self, field: str, required: bool = False) -> datetime | None:
        value = self.fields.get(field)
        if value is None:
            if required:
                self.problem(field, f"is required; add e.g. {field}: {DATE_EXAMPLE}")
            return None
        parsed = parse_time(value, self.ctx.zone)
        if parsed is None:
            self.problem(field, f'"{value}" is not a date; use {DATE_EXAMPLE}')
            return None
        return parsed

    def url(self, field: str, base: str | None = None) -> str | None:
        value = self.fields.get(field)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
            self.problem(field, "must be a URL without spaces")
            return None
        absolute = urljoin(base or self.ctx.home_page_url, value.strip())
        if not absolute.startswith(("http://", "https://")):
            self.problem(field, f'"{value}" is not an http(s) URL')
            return None
        return absolute

    def identifier(self, stem: str) -> str:
        value = self.fields.get("id")
        if value is None:
            return f"{self.ctx.id_base}{stem}"
        if not isinstance(value, str) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
            self.problem("id", f'"{value}" is not a URI; remove it to use the default tag: id')
            return ""
        return value

    def authors(self) -> tuple[Author, ...]:
        value = self.fields.get("authors")
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        authors = []
        for item in items:
            if isinstance(item, str) and item.strip():
                authors.append(Author(item.strip()))
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                authors.append(Author(item["name"], item.get("email"), item.get("url")))
            else:
                self.problem("authors", "must be a list of names, e.g. [Jane Doe]")
                return ()
        return tuple(authors)

    def tags(self) -> tuple[str, ...]:
        value = self.fields.get("tags")
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(t, str | int) and str(t).strip() for t in items):
            self.problem("tags", "must be a list of words, e.g. [Homs, HTS]")
            return ()
        return tuple(str(t).strip() for t in items)

    def language(self) -> str | None:
        value = self.fields.get("language")
        if value is None:
            return None
        if not isinstance(value, str) or not _LANGUAGE.match(value):
            self.problem("language", f'"{value}" is not a language tag; use e.g. en or en-GB')
            return None
        return value
