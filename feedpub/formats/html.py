"""Feed → the HTML page (``index.html``) people read when they land on the feeds.

Browsers show a feed as raw XML or JSON, and are removing XSLT, so this page, written
beside the feeds from the same Feed, is the browser's view: the blog's title, a live or
closed banner, subscribe links with their addresses, and every update, newest first,
with times in the blog's zone. No JavaScript and no external assets: one inline style
sheet, and a schema.org ``LiveBlogPosting`` block that search engines read as data.

Jinja2 with autoescaping renders it: every value is escaped unless it is marked safe,
and only the entries' HTML is, because it was sanitized when the entry was parsed (the
page check refuses a page that carries a script or handler anyway). A user template is
given as text by the pipeline (``Page.template``), so this module never reads a file
of the blog; the shipped template is part of the package.

Everything a template sees is prepared here as plain strings, lists and dicts
(documented in docs/page.md), so a template only lays out and never computes.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from importlib import resources
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from feedpub.dates import rfc3339
from feedpub.formats import FORMATS, PAGE
from feedpub.model import Author, Closing, Entry, Feed, Page

if TYPE_CHECKING:
    from jinja2 import Template

SHIPPED_TEMPLATE = "index.html.j2"
SCHEMA_CONTEXT = "https://schema.org"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_HEADING = re.compile(r"<(/?)h([1-6])\b")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_BLOCK_TAG = re.compile(r"</?(?:p|div|li|ul|ol|h[1-6]|blockquote|pre|br|hr|table|tr|td|th|figure)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
UPDATE_HEADING_LEVEL = 3  # h1 the blog, h2 the page's sections, h3 each update


class PageTemplateError(ValueError):
    """The page template cannot be compiled or rendered; ``line`` is in the template."""

    def __init__(self, template: str, line: int, message: str):
        self.template, self.line, self.message = template, line, message
        super().__init__(f"{template}:{line}: {message}")


def render(feed: Feed) -> bytes:
    """The page for ``feed``: UTF-8 HTML, the same bytes for the same feed."""
    page = feed.page or Page(zone=UTC, feeds_url=_folder_of(feed.self_urls["rss"]),
                             started=_started(feed))
    name, template = _template(page.template_name, page.template)
    try:
        text = template.render(page_context(feed, page))
    except PageTemplateError:
        raise
    except Exception as error:  # a user template's mistake, reported at its line
        raise PageTemplateError(name, _template_line(name, sys.exc_info()[2]),
                                f"{type(error).__name__}: {error}") from None
    return text.encode("utf-8")


def prepare(name: str, text: str | None) -> None:
    """Import Jinja2 and compile the template now, ahead of the page it will render (a
    process that renders the page later does this while the build works out its
    entries); a template that does not compile is reported when the page is rendered."""
    try:
        _template(name, text)
    except PageTemplateError:
        return


@lru_cache(maxsize=4)
def _template(name: str, text: str | None) -> tuple[str, Template]:
    """The compiled template: the user's text, or the one shipped in the package."""
    import jinja2

    if text is None:
        name = SHIPPED_TEMPLATE
        text = resources.files(__package__).joinpath("templates", SHIPPED_TEMPLATE).read_text("utf-8")
    source = text

    def load(wanted: str) -> tuple[str, str, Callable[[], bool]] | None:
        # The file name is the template's name, so Jinja2 maps render errors to its lines.
        return (source, wanted, lambda: True) if wanted == name else None

    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(load), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)
    try:
        return name, environment.get_template(name)
    except jinja2.TemplateSyntaxError as error:
        raise PageTemplateError(name, error.lineno or 1, error.message or "syntax error") from None


def _template_line(name: str, trace: TracebackType | None) -> int:
    """The template line a render error happened at (Jinja2 maps its frames to it)."""
    line = 1
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == name:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def page_context(feed: Feed, page: Page) -> dict[str, object]:
    """Every variable a page template sees (docs/page.md lists them)."""
    from markupsafe import Markup

    shown = _shown(feed)
    times = [e.published for e in shown] + ([feed.closing.at] if feed.closing else [])
    clock = _Clock(page.zone, one_day=len({_local(t, page.zone).date() for t in times}) <= 1)
    return {
        "title": feed.title,
        "description": feed.description,
        "language": feed.language or "en",
        "home_page_url": feed.home_page_url,
        "home_page_host": urlsplit(feed.home_page_url).hostname or feed.home_page_url,
        "day": clock.day(times[0]) if clock.one_day and times else None,
        "updated": clock.stamp(feed.updated) if feed.updated else None,
        "closed": _closed(feed.closing, clock) if feed.closing else None,
        "feeds": alternates(feed.title, feed.self_urls, relative=True),
        "updates": _updates(feed, page, clock),
        "total": _total(feed, page),
        "json_ld": Markup(json_ld_text(feed)),
        "page_file": PAGE.filename,
    }


def alternates(title: str, self_urls: dict[str, str], *, relative: bool) -> list[dict[str, str]]:
    """One ``<link rel="alternate">`` per feed: media type, title, href, and the public URL.

    On the page, beside the feeds, ``href`` is the bare file name, so the page works
    wherever the folder is served (the local preview included); ``url`` is always
    the public address, shown for copying. ``snippet`` prints the absolute form.
    """
    links = []
    for name, fmt in FORMATS.items():
        url = self_urls[name]
        links.append({"name": name, "label": fmt.label, "type": fmt.media_type,
                      "title": f"{title} ({fmt.label})", "url": url,
                      "href": fmt.filename if relative else url})
    return links


@dataclass(frozen=True, slots=True)
class _Clock:
    """Times for people in the blog's zone: the time alone when every update is on one day."""

    zone: tzinfo
    one_day: bool

    def stamp(self, moment: datetime) -> dict[str, str]:
        local = _local(moment, self.zone)
        clock = f"{local.hour:02d}:{local.minute:02d} {_zone_label(local)}"
        short = f"{local.day} {_MONTH_NAMES[local.month - 1][:3]} {local.year}, {clock}"
        return {"datetime": local.isoformat(), "text": clock if self.one_day else short,
                "full": f"{self.day(moment)} at {clock}"}

    def day(self, moment: datetime) -> str:
        local = _local(moment, self.zone)
        return f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]} {local.year}"


def _local(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone)


def _zone_label(local: datetime) -> str:
    """UTC, CET, EST…; a numeric offset (UTC+03:00) where the zone has no abbreviation."""
    name = local.tzname() or ""
    if name.isalpha():
        return name
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _closed(closing: Closing, clock: _Clock) -> dict[str, object]:
    return {"title": closing.title, "message": closing.message, "url": closing.continued_at,
            "at": clock.stamp(closing.at)}


def _updates(feed: Feed, page: Page, clock: _Clock) -> list[dict[str, object]]:
    from markupsafe import Markup

    anchors: set[str] = set()
    updates: list[dict[str, object]] = []
    total = _total(feed, page)
    for index, entry in enumerate(_shown(feed)):
        content = page_html(entry.content_html, page.feeds_url)
        image = _lead_image(entry, page.feeds_url, content)
        updates.append({
            "id": entry.id,
            "anchor": _anchor(entry, feed.home_page_url, total - index, anchors),
            "title": entry.title,
            "link": entry.link,
            "language": entry.language,
            "published": clock.stamp(entry.published),
            "updated": clock.stamp(entry.updated) if entry.updated > entry.published else None,
            "authors": [a.name for a in entry.authors],
            "tags": list(entry.tags),
            "image": image,
            "content": Markup(content),  # sanitized when the entry was parsed
        })
    return updates


def page_html(content_html: str, feeds_url: str) -> str:
    """An entry's HTML as the page shows it: headings below the update's own, local files relative.

    An entry's ``# heading`` would otherwise be a second ``h1``; and a file published
    beside the page (``<feeds_url>map.png``) is linked by its bare name, so it shows in
    the local preview and from a copy of the folder as well as on the site.
    """
    shift = UPDATE_HEADING_LEVEL

    def lower(match: re.Match[str]) -> str:
        return f"<{match[1]}h{min(6, int(match[2]) + shift)}"

    demoted = _HEADING.sub(lower, content_html)
    local = re.compile(r'(\s(?:src|href)=")' + re.escape(feeds_url) + r'([A-Za-z0-9][^"/?#]*")')
    return local.sub(r"\1\2", demoted)


def _lead_image(entry: Entry, feeds_url: str, content: str) -> dict[str, str] | None:
    """The entry's ``image`` when its body does not already show it (alt: none known)."""
    if not entry.image:
        return None
    src = entry.image[len(feeds_url):] if entry.image.startswith(feeds_url) else entry.image
    if f'src="{src}"' in content:
        return None
    return {"src": src, "alt": ""}


def _anchor(entry: Entry, home_page_url: str, number: int, taken: set[str]) -> str:
    """The fragment the live page uses for this entry (``#0022-day-recap``), unique on the page."""
    prefix = home_page_url + "#"
    fragment = entry.link[len(prefix):] if entry.link.startswith(prefix) else ""
    anchor = _ANCHOR_UNSAFE.sub("-", fragment).strip("-") or f"update-{number}"
    unique, suffix = anchor, 2
    while unique in taken:
        unique, suffix = f"{anchor}-{suffix}", suffix + 1
    taken.add(unique)
    return unique


def json_ld(feed: Feed) -> dict[str, object]:
    """schema.org LiveBlogPosting: the coverage window and every update, for search engines."""
    updates = ([_closing_posting(feed.closing)] if feed.closing else []) + \
        [_posting(entry) for entry in _shown(feed)]
    began = feed.page.started if feed.page else _started(feed)
    started = rfc3339(began) if began else None
    data: dict[str, object] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "LiveBlogPosting",
        "@id": feed.home_page_url,
        "url": feed.home_page_url,
        "headline": feed.title,
        "description": feed.description,
        "inLanguage": feed.language,
        "datePublished": started,
        "dateModified": rfc3339(feed.updated) if feed.updated else None,
        "coverageStartTime": started,
        "coverageEndTime": rfc3339(feed.closing.at) if feed.closing else None,
        "author": [_person(a, "Organization") for a in feed.authors] or None,
        "image": feed.logo,
        "liveBlogUpdate": updates,
    }
    return _drop_none(data)


def json_ld_text(feed: Feed) -> str:
    """The JSON-LD as text that is safe inside ``<script type="application/ld+json">``.

    ``<``, ``>`` and ``&`` are written as JSON escapes, so no entry text can close the
    script element; key order is fixed, so the bytes are stable.
    """
    text = json.dumps(json_ld(feed), ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _posting(entry: Entry) -> dict[str, object]:
    return _drop_none({
        "@type": "BlogPosting",
        "@id": entry.id,
        "url": entry.link,
        "headline": entry.title,
        "datePublished": rfc3339(entry.published),
        "dateModified": rfc3339(entry.updated),
        "inLanguage": entry.language,
        "author": [_person(a, "Person") for a in entry.authors] or None,
        "image": entry.image,
        "articleBody": plain_text(entry.content_html),
    })


def _closing_posting(closing: Closing) -> dict[str, object]:
    return {"@type": "BlogPosting", "@id": closing.id, "url": closing.continued_at,
            "headline": closing.title, "datePublished": rfc3339(closing.at),
            "dateModified": rfc3339(closing.at), "articleBody": closing.message}


def _person(author: Author, kind: str) -> dict[str, object]:
    """A blog's authors are usually a desk (Organization); an entry's, a person."""
    return _drop_none({"@type": kind, "name": author.name, "url": author.url})


def plain_text(content_html: str) -> str:
    """The words of sanitized HTML, for JSON-LD's articleBody."""
    import html

    return " ".join(html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", content_html))).split())


def _drop_none(value: dict[str, object]) -> dict[str, object]:
    return {key: item for key, item in value.items() if item is not None}


def _shown(feed: Feed) -> tuple[Entry, ...]:
    """The updates the page shows: the newest ``Page.limit`` (the feeds keep them all)."""
    limit = feed.page.limit if feed.page else None
    return feed.entries if limit is None else feed.entries[:limit]


def _total(feed: Feed, page: Page) -> int:
    """How many updates the feed holds (the Feed may hold only those the page shows)."""
    return len(feed.entries) if page.total is None else page.total


def _started(feed: Feed) -> datetime | None:
    times = [e.published for e in feed.entries] or ([feed.closing.at] if feed.closing else [])
    return min(times) if times else feed.updated


def _folder_of(url: str) -> str:
    return url[: url.rfind("/") + 1]
