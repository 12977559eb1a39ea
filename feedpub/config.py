"""feedpub.toml → SiteConfig: one place that knows every key, its default and its error.

``parse_config`` is pure (text in, dataclass out) so every wrong key can be tested
without files; ``load_config`` is the thin I/O wrapper.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from feedpub.errors import ConfigError
from feedpub.model import Author
from feedpub.text import forbidden_character
from feedpub.upload.settings import UploadSettings, parse_settings

KNOWN_KEYS = frozenset(
    {
        "title", "description", "home_page_url", "feeds_url", "id_base", "language",
        "timezone", "authors", "icon", "logo", "item_limit", "ttl", "hubs",
        "entries_dir", "output_dir", "state_dir", "itunes_complete", "closed", "upload",
        "html", "template", "media_dir",
    }
)
CLOSED_KEYS = frozenset({"continued_at", "title", "message", "at"})


@dataclass(frozen=True, slots=True)
class ClosedConfig:
    """The ``[closed]`` table: present exactly when the live blog has ended."""

    continued_at: str
    at: datetime
    title: str = "This live blog is closed"
    message: str = "These live updates have ended. Coverage continues on a new page."


@dataclass(frozen=True, slots=True)
class SiteConfig:
    path: str
    title: str
    description: str
    home_page_url: str
    feeds_url: str
    id_base: str
    language: str
    timezone: tzinfo
    timezone_name: str
    authors: tuple[Author, ...]
    icon: str | None
    logo: str | None
    item_limit: int
    ttl: int
    hubs: tuple[str, ...]
    entries_dir: Path
    output_dir: Path
    state_dir: Path
    itunes_complete: bool
    closed: ClosedConfig | None
    upload: UploadSettings | None  # the [upload] table, checked like the rest
    html: bool = True  # write the HTML page (index.html) beside the feeds
    template: Path | None = None  # the user's Jinja2 template for the page; None: the shipped one
    media_dir: Path | None = None  # files published beside the feeds; None: no media folder
    read_stamp: tuple[int, int] | None = None  # (size, mtime_ns) of the bytes parsed

    def feed_url(self, filename: str) -> str:
        return urljoin(self.feeds_url, filename)


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host: the only kind a feed may link to."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def load_config(path: Path) -> SiteConfig:
    """Read and check feedpub.toml; every failure is a ConfigError naming the key."""
    return load_config_text(path)[0]


def load_config_text(path: Path) -> tuple[SiteConfig, str]:
    """The checked config and the exact text it came from (for tools that edit the file).

    The file's size and mtime are taken from the same open file before it is read, so
    a build that records them can never pair an older content with a newer stamp.
    """
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            str(path), None, "not found; create it (see README, Configuration) or pass --config"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot be read: {exc.strerror}") from None
    config = parse_config(text, path, read_stamp=(info.st_size, info.st_mtime_ns))
    return config, text


def parse_config(text: str, path: Path, read_stamp: tuple[int, int] | None = None) -> SiteConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r" \(at line (\d+), column \d+\)", str(exc))
        message = str(exc)[: found.start()] if found else str(exc)
        line = int(found[1]) if found else None
        raise ConfigError(str(path), None, f"is not valid TOML: {message}", line) from None
    return _Reader(raw, path).site(read_stamp)


class _Reader:
    """Reads typed values out of the raw TOML table, raising ConfigError by key."""

    def __init__(self, raw: dict[str, object], path: Path):
        self.raw, self.path = raw, path
        self.base = path.parent

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(str(self.path), key, message)

    def site(self, read_stamp: tuple[int, int] | None) -> SiteConfig:
        self.reject_unknown(self.raw, KNOWN_KEYS, "")
        zone_name = self.string("timezone", "UTC")
        return SiteConfig(
            path=str(self.path),
            title=self.string("title"),
            description=self.string("description"),
            home_page_url=self.url("home_page_url"),
            feeds_url=self.folder_url("feeds_url"),
            id_base=self.id_base(),
            language=self.string("language", "en"),
            timezone=self.zone(zone_name),
            timezone_name=zone_name,
            authors=self.authors(),
            icon=self.optional_url("icon"),
            logo=self.optional_url("logo"),
            item_limit=self.count("item_limit", 0),
            ttl=self.count("ttl", 5, minimum=1),
            hubs=tuple(self.url_list("hubs")),
            entries_dir=self.folder("entries_dir", "entries"),
            output_dir=self.folder("output_dir", "feeds"),
            state_dir=self.folder("state_dir", ".feedpub"),
            itunes_complete=self.flag("itunes_complete", False),
            closed=self.closed(zone_name),
            upload=self.upload(),
            html=self.flag("html", True),
            template=self.folder("template", "") if "template" in self.raw else None,
            media_dir=self.folder("media_dir", "media"),
            read_stamp=read_stamp,
        )

    def reject_unknown(self, table: dict[str, object], known: frozenset[str], prefix: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"; did you mean {prefix}{close[0]}?" if close else ""
                raise self.fail(prefix + key, f"unknown key{hint}")

    def string(self, key: str, default: str | None = None, table: dict[str, object] | None = None,
               prefix: str = "") -> str:
        source = self.raw if table is None else table
        value = source.get(key, default)
        if value is None:
            raise self.fail(prefix + key, "is required; add it to the config")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(prefix + key, "must be a non-empty string")
        bad = forbidden_character(value)
        if bad:
            raise self.fail(prefix + key, bad[1])
        return value.strip()

    def optional_url(self, key: str) -> str | None:
        return self.url(key) if key in self.raw else None

    def url(self, key: str) -> str:
        value = self.string(key)
        if not is_http_url(value):
            raise self.fail(key, f'"{value}" is not an absolute http(s) URL')
        return value

    def folder_url(self, key: str) -> str:
        value = self.url(key)
        return value if value.endswith("/") else value + "/"

    def url_list(self, key: str) -> list[str]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of URLs")
        for item in value:
            if not is_http_url(item):
                raise self.fail(key, f'"{item}" is not an absolute http(s) URL')
        return value

    def id_base(self) -> str:
        value = self.string("id_base")
        if not (value.startswith("tag:") or is_http_url(value) or value.startswith("urn:")):
            raise self.fail(
                "id_base",
                f'"{value}" is not a URI; use a tag: URI such as "tag:example.org,2024-12-07:blog/"',
            )
        return value

    def zone(self, name: str) -> tzinfo:
        if not _known_zone(name):
            raise self.fail("timezone", f'"{name}" is not a known time zone; use e.g. "UTC"')
        return LazyZone(name)

    def authors(self) -> tuple[Author, ...]:
        value = self.raw.get("authors", [])
        if not isinstance(value, list):
            raise self.fail("authors", 'must be a list such as [{ name = "Live desk" }]')
        return tuple(self.author(item) for item in value)

    def author(self, item: object) -> Author:
        if isinstance(item, str) and item.strip():
            return Author(item.strip())
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise self.fail("authors", 'each author needs a name, e.g. { name = "Live desk" }')
        self.reject_unknown(item, frozenset({"name", "email", "url"}), "authors.")
        url = item.get("url")
        if url is not None and not is_http_url(str(url)):
            raise self.fail("authors.url", f'"{url}" is not an absolute http(s) URL')
        return Author(item["name"], item.get("email"), url)

    def count(self, key: str, default: int, minimum: int = 0) -> int:
        value = self.raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(key, f"must be a whole number of at least {minimum}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def folder(self, key: str, default: str) -> Path:
        value = self.string(key, default)
        return (self.base / value).resolve() if not Path(value).is_absolute() else Path(value)

    def table(self, key: str) -> dict[str, object] | None:
        value = self.raw.get(key)
        if value is not None and not isinstance(value, dict):
            raise self.fail(key, f"must be a table: [{key}]")
        return value

    def upload(self) -> UploadSettings | None:
        table = self.table("upload")
        return None if table is None else parse_settings(table, str(self.path))

    def closed(self, zone_name: str) -> ClosedConfig | None:
        table = self.table("closed")
        if table is None:
            return None
        self.reject_unknown(table, CLOSED_KEYS, "closed.")
        continued_at = self.string("continued_at", table=table, prefix="closed.")
        if not is_http_url(continued_at):
            raise self.fail("closed.continued_at", f'"{continued_at}" is not an absolute http(s) URL')
        at = table.get("at")
        if isinstance(at, str):
            from feedpub.dates import parse_time

            parsed = parse_time(at, self.zone(zone_name))
            if parsed is None:
                raise self.fail("closed.at", f'"{at}" is not a date; use 2024-12-07T23:00:00+00:00')
            at = parsed
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise self.fail("closed.at", "must be a time with a zone, e.g. 2024-12-07T23:00:00+00:00")
        extra = {k: self.string(k, table=table, prefix="closed.") for k in ("title", "message")
                 if k in table}
        return ClosedConfig(continued_at=continued_at, at=at, **extra)


def _known_zone(name: str) -> bool:
    """Whether dateutil knows ``name``, asking the stdlib's zoneinfo first (3 ms, not 6+)."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
        return True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        from dateutil import tz

        return tz.gettz(name) is not None


class LazyZone(tzinfo):
    """The blog's zone, resolved with dateutil only when a time is actually read in it.

    Every cron run loads the config, but only a run that parses an entry needs the
    zone: deferring dateutil keeps it off the no-op path. Behaviour is dateutil's.
    """

    __slots__ = ("_zone", "name")

    def __init__(self, name: str):
        self.name = name
        self._zone: tzinfo | None = None

    def resolve(self) -> tzinfo:
        if self._zone is None:
            from dateutil import tz

            zone = tz.gettz(self.name)
            if zone is None:
                raise ValueError(f"unknown time zone {self.name!r}")
            self._zone = zone
        return self._zone

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return self.resolve().utcoffset(dt)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return self.resolve().dst(dt)

    def tzname(self, dt: datetime | None) -> str | None:
        return self.resolve().tzname(dt)

    def fromutc(self, dt: datetime) -> datetime:
        zone = self.resolve()
        return zone.fromutc(dt.replace(tzinfo=zone)).replace(tzinfo=self)

    def __reduce__(self) -> tuple[type[LazyZone], tuple[str]]:
        return (LazyZone, (self.name,))  # by name: worker processes resolve it themselves

    def __repr__(self) -> str:
        return f"LazyZone({self.name!r})"

