"""feedpub.toml → SiteConfig: one place that knows every key, its default and its error.

``parse_config`` is pure (text in, dataclass out) so every wrong key can be tested
without files; ``load_config`` is the thin I/O wrapper.
"""

from __future__ import annotations

import re
import sys
import tomllib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from feedpub import program, values
from feedpub.errors import ConfigError
from feedpub.model import Author
from feedpub.stamps import (
    MAX_CONFIG_BYTES,
    NotAPlainFile,
    TooBig,
    folder_path,
    odd_kind,
    read_small_file,
)
from feedpub.text import (
    TAG_EXAMPLE,
    RefusedUrl,
    identifier_problem,
    one_line,
    public_url,
    quoted,
    shown_key,
    unknown_key_message,
)
from feedpub.tomledit import key_line
from feedpub.upload.settings import UploadSettings, parse_settings
from feedpub.values import Invalid

KNOWN_KEYS = (
    "title", "description", "home_page_url", "feeds_url", "id_base", "language",
    "timezone", "authors", "icon", "logo", "item_limit", "ttl", "hubs",
    "entries_dir", "output_dir", "state_dir", "itunes_complete", "closed", "upload",
    "html", "template", "page_updates", "media_dir",
    "archive_size", "tombstone_days", "ledger",
)
CLOSED_KEYS = ("continued_at", "at", "title", "message", "link_text")
_FOLDER_DEFAULTS = {"entries_dir": "entries", "output_dir": "feeds", "state_dir": ".feedpub"}
FOLDER_KEYS = tuple(_FOLDER_DEFAULTS)
LEDGER_DEFAULT = "feedpub.ledger"
TOMBSTONE_DAYS = 30  # how long a retraction is announced (Atom at:deleted-entry)
MAX_TOMBSTONE_DAYS = 36_500  # a century; 0 already means forever
# The page shows the newest 100 updates: a long day of live coverage, about 450 KB of
# HTML at 4 KB an update (a phone's page, checked in 0.06 s); the feeds keep them all.
PAGE_UPDATES = 100
MAX_PAGE_UPDATES = 5000  # past this a page is tens of MB: no browser or check wants it
AUTHORS_EXAMPLE = '[{ name = "Live desk" }]'
CLOSED_AT_EXAMPLE = "2024-12-07T23:00:00+00:00"
T = TypeVar("T")
# A live feed never asks readers (and, through Cache-Control, the CDN) to wait longer
# than a finished one, which changes at most once a day: ttl = 100000000000000000000
# was written as it stood, and told every reader never to look again.
MAX_TTL_MINUTES = 1440

# An IANA name: letters, digits and _+- in up to four "/"-separated parts; never a path.
# Files of the zone folder that are not IANA zones but whatever this system made them:
# Debian's link to /etc/localtime, and the zone glibc takes POSIX TZ rules from.
_MACHINE_ZONES = frozenset({"localtime", "posixrules"})
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,3}")
_POSIX_OFFSET = r"([A-Za-z]{1,6})([+-])([0-9]{1,2})(?::?([0-9]{2}))?"  # only for messages
_TOML_MESSAGE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class ClosedConfig:
    """The ``[closed]`` table: present exactly when the live blog has ended.

    ``title``, ``message`` and ``link_text`` are None when the file does not set them:
    the feed then uses the words of ``catalogue`` for the blog's language.
    """

    continued_at: str
    at: datetime
    title: str | None = None
    message: str | None = None
    link_text: str | None = None


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
    read_stamp: tuple[int, int] | None = None  # (size, mtime_ns) of the bytes parsed
    html: bool = True  # write the HTML page (index.html) beside the feeds
    template: Path | None = None  # the user's Jinja2 template for the page; None: the shipped one
    page_updates: int = PAGE_UPDATES  # the newest updates the page shows (the feeds keep all)
    media_dir: Path | None = None  # files published beside the feeds; None: no media folder
    archive_size: int = 0  # entries per RFC 5005 archive page; 0: one document, no pages
    tombstone_days: int = TOMBSTONE_DAYS  # 0: retractions are announced forever
    ledger: Path | None = None  # None: feedpub.ledger beside the config

    @property
    def ledger_path(self) -> Path:
        """The ledger of published ids (feedpub.ledger beside the config by default)."""
        return self.ledger if self.ledger is not None else Path(self.path).parent / LEDGER_DEFAULT

    def feed_url(self, filename: str) -> str:
        return urljoin(self.feeds_url, filename)


def is_http_url(value: str) -> bool:
    """True for a URL a feed may link to: the same allowlist as every other URL (text.public_url)."""
    try:
        public_url(value)
    except RefusedUrl:
        return False
    return not any(c.isspace() for c in value)


def load_config(path: Path) -> SiteConfig:
    """Read and check feedpub.toml; every failure is a ConfigError naming the key."""
    return load_config_text(path)[0]


def load_config_text(path: Path) -> tuple[SiteConfig, str]:
    """The checked config and the exact text it came from (for tools that edit the file).

    The file's size and mtime are taken from the same open file before it is read, so
    a build that records them can never pair an older content with a newer stamp.
    """
    try:
        info, data = read_small_file(path, MAX_CONFIG_BYTES)
        text = data.decode("utf-8-sig")  # a BOM (Notepad) is no error
    except NotAPlainFile as odd:
        raise ConfigError(str(path), None, f"is {odd}; the config is a TOML text file: "
                          "pass --config with the blog's feedpub.toml") from None
    except TooBig:
        raise ConfigError(str(path), None, f"is over {MAX_CONFIG_BYTES // 1_000_000} MB, and a "
                          "config is a few lines of TOML; pass --config with the blog's "
                          "feedpub.toml") from None
    except FileNotFoundError:
        raise ConfigError(
            str(path), None, f"not found; start a blog with '{program.command('init')}', or "
            "pass --config with the blog's feedpub.toml"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot be read: {exc.strerror}") from None
    config = parse_config(text, path, read_stamp=(info.st_size, info.st_mtime_ns))
    return config, text


def setting_error(config_path: str, key: str, message: str) -> ConfigError:
    """A ConfigError about ``key`` found only after the config was read (a file it names
    is missing), with the line that sets the key: the file is read again to find it,
    which costs nothing that matters on a run that is about to stop."""
    try:
        line = key_line(Path(config_path).read_text(encoding="utf-8"), key)
    except (OSError, UnicodeDecodeError):
        line = None
    return ConfigError(config_path, key, message, line)


def parse_config(text: str, path: Path, read_stamp: tuple[int, int] | None = None) -> SiteConfig:
    """Every key of the config, typed and checked; the first problem is a one-line ConfigError."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r" \(at line (\d+), column \d+\)", str(exc))
        message = one_line(str(exc)[: found.start()] if found else str(exc))
        if len(message) > _TOML_MESSAGE_LIMIT:
            message = message[:_TOML_MESSAGE_LIMIT] + "…"
        line = int(found[1]) if found else None
        raise ConfigError(str(path), None, f"is not valid TOML: {message}", line) from None
    except RecursionError:
        raise ConfigError(str(path), None, "is not valid TOML: arrays or tables nested too "
                          "deeply; the config needs two levels at most") from None
    except ValueError:  # an int past Python's 4300 digits, which tomllib does not catch
        limit = sys.get_int_max_str_digits()
        long_number = re.search(rf"[0-9][0-9_]{{{limit},}}", text)
        line = text.count("\n", 0, long_number.start()) + 1 if long_number else None
        raise ConfigError(str(path), None, "is not valid TOML: a number has more than "
                          f"{limit} digits", line) from None
    try:
        return _Reader(raw, path).site(read_stamp)
    except ConfigError as error:
        if error.line is None and error.key is not None:
            raise ConfigError(error.path, error.key, error.message,
                              key_line(text, error.key)) from None
        raise


_MISSING = object()


class _Reader:
    """Reads typed values out of the raw TOML table, raising ConfigError by key.

    Every value goes through one reader of ``feedpub.values`` (or one of the few
    config-only ones below), so its type, range and characters are checked once.
    """

    def __init__(self, raw: dict[str, object], path: Path):
        self.raw, self.path = raw, path
        self.base = path.parent

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(str(self.path), shown_key(key), message)

    def value(self, key: str, reader: Callable[[object], T], default: object = _MISSING,
              table: dict[str, object] | None = None, prefix: str = "") -> T:
        """``reader`` applied to ``key`` of ``table`` (the top level by default)."""
        source = self.raw if table is None else table
        if key not in source:
            if default is _MISSING:
                raise self.fail(prefix + key, "is required; add it to the config")
            source = {key: default}
        try:
            return reader(source[key])
        except Invalid as invalid:
            raise self.fail(prefix + key, str(invalid)) from None

    def site(self, read_stamp: tuple[int, int] | None) -> SiteConfig:
        self.reject_unknown(self.raw, KNOWN_KEYS, "")
        zone_name, zone = self.value("timezone", read_zone, "UTC")
        folders = {key: self.folder(key, default) for key, default in _FOLDER_DEFAULTS.items()}
        self.check_separate(folders)
        ledger = self.ledger_file(folders)
        archive_size = self.value("archive_size", lambda v: values.whole_number(v, minimum=0), 0)
        item_limit = self.value("item_limit", lambda v: values.whole_number(v, minimum=0), 0)
        if archive_size and item_limit:
            raise self.fail("item_limit", "cannot be used with archive_size, which already keeps "
                            "the subscription documents short (and loses nothing); remove one")
        media = self.media_folder(folders)
        upload = self.upload()
        self.check_file_target(upload, {**folders, "media_dir": media})
        return SiteConfig(
            path=str(self.path),
            title=self.value("title", read_text),
            description=self.value("description", read_text),
            home_page_url=self.value("home_page_url", page_url),
            feeds_url=self.value("feeds_url", folder_url),
            id_base=self.value("id_base", read_id_base),
            language=self.value("language", values.language, "en"),
            timezone=zone,
            timezone_name=zone_name,
            authors=self.value("authors", read_authors, []),
            icon=self.value("icon", values.url, None) if "icon" in self.raw else None,
            logo=self.value("logo", values.url, None) if "logo" in self.raw else None,
            item_limit=item_limit,
            ttl=self.value("ttl", lambda v: values.whole_number(v, minimum=1,
                                                                 maximum=MAX_TTL_MINUTES), 5),
            hubs=self.value("hubs", read_urls, []),
            entries_dir=folders["entries_dir"],
            output_dir=folders["output_dir"],
            state_dir=folders["state_dir"],
            itunes_complete=self.value("itunes_complete", values.flag, False),
            closed=self.closed(zone),
            upload=upload,
            read_stamp=read_stamp,
            html=self.value("html", values.flag, True),
            template=self.template_file() if "template" in self.raw else None,
            page_updates=self.value("page_updates", lambda v: values.whole_number(
                v, minimum=1, maximum=MAX_PAGE_UPDATES), PAGE_UPDATES),
            media_dir=media,
            archive_size=archive_size,
            tombstone_days=self.value("tombstone_days", lambda v: values.whole_number(
                v, minimum=0, maximum=MAX_TOMBSTONE_DAYS), TOMBSTONE_DAYS),
            ledger=ledger,
        )

    def reject_unknown(self, table: dict[str, object], known: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in known:
                raise self.fail(prefix + key, unknown_key_message(key, known, prefix))

    def folder(self, key: str, default: str) -> Path:
        name = self.value(key, lambda v: values.text(v, collapse=False), default)
        try:
            return folder_path(self.base, name)
        except (OSError, RuntimeError, ValueError) as exc:
            raise self.fail(key, f"{quoted(name)} cannot be used as a folder: {exc}") from None

    def check_separate(self, folders: dict[str, Path]) -> None:
        """Entries, output and state never share a folder: an upload of the output would
        publish the state and lock (or the raw entries, drafts included)."""
        # relative folders are resolved already; an absolute one may pass through a link
        parts = {key: (_real(path) if Path(self.written(key)).is_absolute() else path).parts
                 for key, path in folders.items()}
        for index, first in enumerate(FOLDER_KEYS):
            for second in FOLDER_KEYS[index + 1:]:
                a, b = parts[first], parts[second]
                if a[:len(b)] != b and b[:len(a)] != a:
                    continue
                blamed, other = (first, second) if first in self.raw and \
                    second not in self.raw else (second, first)
                shorter = len(parts[blamed]) < len(parts[other])
                relation = "is the same folder as" if a == b else \
                    "contains" if shorter else "is inside"
                raise self.fail(blamed, f"{quoted(self.written(blamed))} {relation} "
                                f"{other} ({quoted(self.written(other))}); entries, output "
                                "and state need three separate folders, none inside another")

    def check_file_target(self, upload: UploadSettings | None, folders: dict[str, Path]) -> None:
        """A file:// upload target is a folder of its own too: copied into the media folder,
        the feeds would come back as media of the next build (and clash with the feeds);
        into the entries, output or state folder, they would mix with what is there."""
        if upload is None or urlsplit(upload.target).scheme.lower() != "file":
            return
        target = folder_path(self.base, unquote(urlsplit(upload.target).path))
        for key, folder in folders.items():
            if target == folder or target.is_relative_to(folder):
                relation = "is" if target == folder else "is inside"
                raise self.fail("upload.target", f"{quoted(upload.target)} {relation} {key} "
                                f"({quoted(self.written(key))}); upload to a folder of the web "
                                "server's own")

    def media_folder(self, folders: dict[str, Path]) -> Path:
        """The media folder: its files are copied into the output, so it is neither the
        output folder nor the state folder, nor inside them; and it holds none of the
        three folders (``media_dir = "."`` would publish the config, ledger and drafts, or
        fail on every entry file as a medium of an unknown type)."""
        media = self.folder("media_dir", "media")
        written = quoted(str(self.raw.get("media_dir", "media")))
        for key in ("output_dir", "state_dir"):
            if media == folders[key] or media.is_relative_to(folders[key]):
                raise self.fail("media_dir", f"{written} is inside {key} "
                                f"({quoted(self.written(key))}); keep the media beside the "
                                "entries, in a folder of its own")
        for key in FOLDER_KEYS:
            if folders[key].is_relative_to(media):
                relation = "is the same folder as" if folders[key] == media else "contains"
                raise self.fail("media_dir", f"{written} {relation} {key} "
                                f"({quoted(self.written(key))}); keep the media beside the "
                                "entries, in a folder of its own")
        return media

    def ledger_file(self, folders: dict[str, Path]) -> Path:
        """The ledger: a file of the blog's own, never in the output (it would be uploaded)
        nor in the state folder (which is not committed)."""
        path = self.folder("ledger", LEDGER_DEFAULT)
        for key in ("output_dir", "state_dir"):
            if path.is_relative_to(folders[key]):
                raise self.fail("ledger", f"{quoted(self.raw.get('ledger', LEDGER_DEFAULT))} is "
                                f"inside {key} ({quoted(self.written(key))}); the ledger is "
                                "committed with the entries: keep it beside feedpub.toml")
        if path.name.endswith((".md", ".markdown")):
            raise self.fail("ledger", f"{quoted(path.name)} would be read as an entry; use a name "
                            f'such as "{LEDGER_DEFAULT}"')
        kind = _odd_kind(path)
        if kind:  # a folder failed as exit 8 "check permissions", a FIFO hung every run
            raise self.fail("ledger", f"{quoted(self.raw.get('ledger', LEDGER_DEFAULT))} is {kind}; "
                            f'the ledger is a text file: use a name such as "{LEDGER_DEFAULT}"')
        return path

    def template_file(self) -> Path:
        """The page template: a file (a named pipe held every build until killed)."""
        path = self.folder("template", "")
        kind = _odd_kind(path)
        if kind and kind != "a folder":  # a folder: "cannot be read: Is a directory", as before
            raise self.fail("template", f"{quoted(self.raw['template'])} is {kind}; name the "
                            "template's file")
        return path

    def written(self, folder_key: str) -> str:
        """A folder as the config wrote it (or its default), for messages."""
        value = self.raw.get(folder_key, {**_FOLDER_DEFAULTS, "media_dir": "media"}[folder_key])
        return value if isinstance(value, str) else str(value)

    def table(self, key: str) -> dict[str, object] | None:
        value = self.raw.get(key)
        if value is not None and not isinstance(value, dict):
            raise self.fail(key, f"must be a table: [{key}]")
        return value

    def upload(self) -> UploadSettings | None:
        table = self.table("upload")
        return None if table is None else parse_settings(table, str(self.path))

    def closed(self, zone: tzinfo) -> ClosedConfig | None:
        table = self.table("closed")
        if table is None:
            return None
        self.reject_unknown(table, CLOSED_KEYS, "closed.")
        continued_at = self.value("continued_at", values.url, table=table, prefix="closed.")
        at = self.value("at", lambda v: read_closed_at(v, zone), None, table, "closed.")
        words = {key: self.value(key, read_text, table=table, prefix="closed.")
                 for key in ("title", "message", "link_text") if key in table}
        return ClosedConfig(continued_at=continued_at, at=at, **words)


def _odd_kind(path: Path) -> str | None:
    """What ``path`` is when it exists but is no plain file ("a folder"), else None."""
    try:
        return odd_kind(path.stat().st_mode)
    except OSError:
        return None  # absent (a new blog) or unreadable: reading it says why


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def read_text(value: object) -> str:
    return values.text(value, collapse=False)


def page_url(value: object) -> str:
    """The live page's address: each update's link is it plus "#" and the update's name,
    so it cannot have a fragment of its own (".../live#top" made ".../live#top#0012-homs")."""
    url = values.url(value)
    if "#" in url:
        raise Invalid(f"{quoted(value)} has a fragment (#…); each update's link adds its own "
                      "to the page's address: remove it")
    return url


def folder_url(value: object) -> str:
    """The address of a folder, ending in "/": the feeds' URLs are joined onto it.

    A query or fragment cannot be part of it (joining "rss.xml" onto
    ".../feeds/?v=2" gave ".../feeds/rss.xml", the query silently dropped).
    """
    url = values.url(value)
    parts = urlsplit(url)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise Invalid(f"{quoted(value)} has a query (?…) or fragment (#…), which a folder's "
                      "address cannot have: the feeds' addresses are its path and their names; "
                      "remove it")
    return url if url.endswith("/") else url + "/"


def read_urls(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(f'must be a list of URLs, e.g. ["https://hub.example.org/"], not {quoted(value)}')
    return tuple(values.url(item) for item in value)


def read_authors(value: object) -> tuple[Author, ...]:
    return values.authors(value, single=False, example=AUTHORS_EXAMPLE)


def read_id_base(value: object) -> str:
    """The prefix of every id: a tag:, urn: or http(s) URI that a file name completes.

    Checked as the ids it makes (``<id_base><stem>``) will be, so a bad prefix is a
    config error (exit 3) rather than a failed feed check (exit 5); it must end with
    "/", ":" or "#" so that the name stays a part of its own.
    """
    base = values.text(value, collapse=False)
    scheme = base.split(":", 1)[0].lower() if ":" in base else ""
    if scheme not in ("tag", "urn", "http", "https"):
        raise Invalid(f"{quoted(base)} is not a tag:, urn: or http(s) URI; use e.g. {TAG_EXAMPLE}")
    if base.lower().startswith("urn:uuid:"):
        raise Invalid(f"{quoted(base)}: a urn:uuid: names one thing, not a blog's entries; "
                      f"use e.g. {TAG_EXAMPLE}")
    problem = identifier_problem(base + "x")
    if problem:
        raise Invalid(f"{quoted(base)} {problem}")
    if not base.endswith(("/", ":", "#")):
        raise Invalid(f'{quoted(base)} must end with "/", ":" or "#", so that the file name '
                      f"appended to it stays a part of its own; e.g. {TAG_EXAMPLE}")
    return base


def read_zone(value: object) -> tuple[str, tzinfo]:
    """An IANA time zone name and its zone, from the system's database (or tzdata).

    Only a name is accepted, never a path or a POSIX TZ string: dateutil would read
    "../../etc/passwd" as a file, and "UTC+1" means UTC-1 to POSIX.
    """
    name = values.text(value, collapse=False)
    if name in _MACHINE_ZONES:
        raise Invalid(f"{quoted(name)} is this machine's own zone, not a name: another machine "
                      "(a colleague's, CI, a new server) reads the entries' times in its own, "
                      "and the build refuses the published times that moved; use the IANA "
                      'name, such as "UTC" or "Europe/Paris"')
    if _ZONE_NAME.fullmatch(name):
        try:
            return name, zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise Invalid(f"{quoted(name)} is not a known time zone; {zone_suggestion(name)}")


def zone_suggestion(name: str) -> str:
    """What to write instead: for "UTC+1"-style offsets, the Etc/GMT name that means it."""
    offset = re.fullmatch(_POSIX_OFFSET, name)
    if offset and int(offset[3]) <= 14 and not (offset[4] or "").strip("0"):
        hours, reversed_sign = int(offset[3]), "-" if offset[2] == "+" else "+"
        etc = "Etc/UTC" if hours == 0 else f"Etc/GMT{reversed_sign}{hours}"
        return (f'use an IANA name: a place such as "Europe/Paris" follows summer time; for a '
                f'fixed UTC{offset[2]}{hours:02d}:00 write "{etc}" (Etc names reverse the sign)')
    return 'use an IANA name such as "UTC" or "Europe/Paris"'


def read_closed_at(value: object, zone: tzinfo) -> datetime:
    if value is None or isinstance(value, time) or (isinstance(value, date) and (
            not isinstance(value, datetime) or value.tzinfo is None)):
        raise Invalid(f"must be a time with a zone, e.g. {CLOSED_AT_EXAMPLE}")
    return values.moment(value, zone, CLOSED_AT_EXAMPLE)
