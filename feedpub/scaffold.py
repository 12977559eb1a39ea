"""``init`` and ``new``: a live blog's first minute, and every entry file after it.

Most date errors come from writing ``published:`` by hand, and most first-day trouble
from a config typed from the README. ``init`` writes a commented ``feedpub.toml`` that
is read back through the config's own checks before it is written, an ``entries/``
folder with one example draft, and a ``.gitignore`` for the state folder. ``new``
writes the next entry file with ``published:`` set to now in the blog's zone, with
its offset, so it means the same on every machine.

Neither ever replaces a file. A new entry appears under its final name in one step
(a hard link from a hidden temporary file, which builds ignore), so a cron build in
the middle of ``new`` sees no entry or the whole entry, never half of one; while an
editor is open on it, the file stays hidden.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from feedpub import program, values
from feedpub.config import SiteConfig, folder_url, page_url, parse_config, read_zone
from feedpub.entries import is_entry_name
from feedpub.errors import ConfigError, UsageError
from feedpub.text import forbidden_character, one_line, quoted, shown_path

CONFIG_NAME = "feedpub.toml"
EXAMPLE_NAME = "0000-example.md"
GITIGNORE_LINE = "/.feedpub/"
NUMBER_WIDTH = 4  # 0001-…: file names sort in the order they were written
SLUG_LIMIT = 60  # characters of the title kept in a file name
PLACEHOLDER_HOST = "example.org"  # a reserved name (RFC 2606) until the real address is set
_NUMBERED = re.compile(r"([0-9]+)-")
_UTC_ALIASES = frozenset({"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal",
                          "Zulu", "Etc/GMT", "GMT", "Etc/Greenwich"})
_ATTEMPTS = 20  # names tried when other runs of ``new`` take the next number first

Ask = Callable[[str, str], str]  # (question, default) → the answer, on a terminal only


@dataclass(frozen=True, slots=True)
class InitAnswers:
    """What ``init`` was told on its command line; None: ask (on a terminal) or default."""

    title: str | None = None
    home_page_url: str | None = None
    feeds_url: str | None = None
    timezone: str | None = None
    language: str | None = None


def init_blog(folder: Path, answers: InitAnswers, *, now: datetime, ask: Ask | None) -> list[Path]:
    """Start a live blog in ``folder``; the files written, in order. Refuses an existing blog."""
    config_path = folder / CONFIG_NAME
    if config_path.exists():
        raise UsageError(f"{config_path}: already exists; init never replaces a blog's config "
                         "(edit it, or init another folder)")
    settings = _settings(folder, answers, now, ask)
    text = config_text(settings)
    try:
        parse_config(text, config_path)  # what init writes, the build must accept
    except ConfigError as error:
        raise UsageError(f"init: {error.key or 'config'}: {error.message}") from None
    folder.mkdir(parents=True, exist_ok=True)
    written = [_create(config_path, text)]
    entries = folder / "entries"
    entries.mkdir(exist_ok=True)
    if not any(is_entry_name(p.name) for p in entries.iterdir()):
        written.append(_create(entries / EXAMPLE_NAME, example_entry(now, settings["zone"])))
    gitignore = _gitignore(folder / ".gitignore")
    if gitignore:
        written.append(gitignore)
    return written


def _settings(folder: Path, answers: InitAnswers, now: datetime, ask: Ask | None) -> dict[str, str]:
    """Every value of the new config, checked by the readers the config itself uses."""
    name = folder.resolve().name
    title = _answer("Title of the live blog", answers.title, _default_title(name), ask,
                    lambda v: values.text(v, collapse=False), "--title")
    slug = slugify(name) or slugify(title) or "live"
    home = _answer("Address of the live page", answers.home_page_url,
                   f"https://{PLACEHOLDER_HOST}/live/{slug}", ask, page_url, "--home-page-url")
    zone = _answer("Time zone (IANA name)", answers.timezone, local_zone_name(), ask,
                   lambda v: read_zone(v)[0], "--timezone")
    feeds = _checked(answers.feeds_url, folder_url, "--feeds-url") if answers.feeds_url \
        else home.rstrip("/") + "/feeds/"
    language = _checked(answers.language or "en", values.language, "--language")
    day = now.astimezone(read_zone(zone)[1]).date().isoformat()
    host = urlsplit(home).hostname or PLACEHOLDER_HOST
    return {"title": title, "description": f"Live updates: {title}", "home": home, "feeds": feeds,
            "id_base": f"tag:{host},{day}:{slug}/", "language": language, "zone": zone}


def _answer(question: str, given: str | None, default: str, ask: Ask | None,
            read: Callable[[object], str], option: str) -> str:
    """A flag's value, else the answer to ``question`` (asked again until it is valid),
    else ``default``; whatever it is, checked by ``read``."""
    if given is not None:
        return _checked(given, read, option)
    if ask is None:
        return read(default)
    for _ in range(5):
        answer = ask(question, default)
        try:
            return read(answer)
        except values.Invalid as invalid:
            print(f"{option.lstrip('-')}: {invalid}")
    raise UsageError(f"{option}: no valid answer; pass it as {option} VALUE")


def _checked(value: str, read: Callable[[object], str], option: str) -> str:
    try:
        return read(value)
    except values.Invalid as invalid:
        raise UsageError(f"{option}: {invalid}") from None


def _default_title(folder_name: str) -> str:
    words = re.sub(r"[-_.]+", " ", folder_name).strip()
    return (words[:1].upper() + words[1:]) if words else "Live blog"


def local_zone_name() -> str:
    """This machine's IANA zone name ($TZ, /etc/timezone or /etc/localtime), else "UTC"."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    for candidate in candidates:
        if not candidate:
            continue
        try:
            name = read_zone(candidate)[0]
        except values.Invalid:
            continue
        return "UTC" if name in _UTC_ALIASES else name
    return "UTC"


def config_text(settings: dict[str, str]) -> str:
    """The commented feedpub.toml ``init`` writes (values as TOML basic strings)."""
    def q(key: str) -> str:
        return json.dumps(settings[key], ensure_ascii=False)

    placeholder = PLACEHOLDER_HOST in urlsplit(settings["home"]).netloc
    change = "   # example.org: put the real address here" if placeholder else ""
    return f"""# feedpub configuration; every key is explained in feedpub's README ("Configuration").
# Build the feeds:  {program.command("build")}        Check everything:  {program.command("check")}

title = {q("title")}
description = {q("description")}

# The live page readers open, and the address where the folder feeds/ is served.
home_page_url = {q("home")}{change}
feeds_url = {q("feeds")}

# The start of every entry's id. Never change it once the blog is published:
# feed readers would show every entry again as new.
id_base = {q("id_base")}

language = {q("language")}      # BCP 47 tag: en, en-GB, de, fr, es, ar, uk…
timezone = {q("zone")}     # IANA zone for times written without an offset

# authors = [{{ name = "Live desk", email = "desk@example.org" }}]
# ttl = 5                      # minutes feed readers wait between polls while live

# Send the feeds to the web host after every build (see docs/upload.md):
# [upload]
# target = "webdavs://dav.example.org/live/feeds/"
# after_build = true
"""


def example_entry(now: datetime, zone_name: str) -> str:
    """The example draft ``init`` puts in entries/: every common field, and what Markdown does."""
    published = now.astimezone(read_zone(zone_name)[1]).isoformat()
    return f"""---
title: An example entry
published: {published}
summary: One sentence for feed readers that show a summary.
tags: [Example]
draft: true
---
Each update of the live blog is one Markdown file in this folder, and
`{program.command('new')} "Title"` writes the next one with the time already filled in.
This file is a draft (`draft: true` above), so the feeds leave it out; delete it when
you no longer need it.

Markdown works as on GitHub: **bold**, [links](https://example.org/), ~~struck-out
text~~, task lists, footnotes[^1] and tables:

| Party | Seats |
|:------|------:|
| Blue  |    12 |
| Green |     9 |

A paragraph that is nothing but a link to a post or video on YouTube, Vimeo, X,
Bluesky, Mastodon or Instagram becomes a linked embed in every feed.

[^1]: Footnotes are listed at the end of the entry.
"""


def _gitignore(path: Path) -> Path | None:
    """Keep the state folder out of git: a new .gitignore, or one line added to the user's."""
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _create(path, f"# feedpub's state: the lock, the build record, caches\n{GITIGNORE_LINE}\n")
    except (OSError, UnicodeDecodeError):
        return None  # not ours to repair
    if any(line.strip() in (GITIGNORE_LINE, ".feedpub/", ".feedpub", "/.feedpub")
           for line in current.splitlines()):
        return None
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(("" if current.endswith("\n") or not current else "\n") + GITIGNORE_LINE + "\n")
    return path


def _create(path: Path, text: str) -> Path:
    """Write a new file; never replaces one (exclusive create)."""
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{path}: already exists; init never replaces a file") from None
    return path


# ---------------------------------------------------------------------------------------
# new


@dataclass(frozen=True, slots=True)
class NewEntry:
    title: str
    at: str | None = None  # a time to publish at (scheduled when in the future)
    body: str | None = None
    draft: bool = False


@dataclass(frozen=True, slots=True)
class Written:
    path: Path | None  # None when nothing was written (the editor left the file as it was)
    message: str  # one line for the user


def new_entry(config: SiteConfig, request: NewEntry, *, now: datetime,
              editor: list[str] | None) -> Written:
    """Write the next entry file of ``config``'s blog, through ``editor`` when one is given.

    With an editor, the file is written hidden, opened, and put in place when the
    editor exits (nothing, if it was left unchanged). Without one, an entry with no
    ``body`` is written as a draft, so a cron build never publishes an empty update.
    """
    title = _checked(request.title, lambda v: values.text(v, collapse=False), "title")
    published = _published(request.at, config, now)
    draft = request.draft or (request.body is None and editor is None)
    body = request.body if request.body is not None else "" if editor else \
        "Write the update here, then delete the line draft: true above.\n"
    text = entry_text(title, published, body, draft=draft)
    bad = forbidden_character(text)
    if bad:
        raise UsageError(f"--body: {bad[1]}")
    folder = config.entries_dir
    if not folder.is_dir():
        raise UsageError(f"{folder}: no entries folder; create it or run "
                         f"'{program.command('init')}'")
    name = f"{slugify(title) or 'entry'}.md"
    hidden = _write_hidden(folder, name, text)
    if editor and not _edited(editor, hidden, text):
        hidden.unlink()
        return Written(None, "the entry was left unchanged in the editor; nothing written")
    final = _put_in_place(hidden, folder, name)
    shown = shown_path(final, Path.cwd())
    if draft:
        return Written(final, f"wrote {shown} as a draft: write the update, then delete the "
                              "line 'draft: true'")
    when = "the next build publishes it" if published <= now else \
        f"scheduled: the first build from {published.isoformat()} publishes it"
    return Written(final, f"wrote {shown}; {when}")


def entry_text(title: str, published: datetime, body: str, *, draft: bool) -> str:
    lines = ["---", f"title: {yaml_text(title)}", f"published: {published.isoformat()}"]
    if draft:
        lines.append("draft: true")
    lines.append("---")
    return "\n".join(lines) + "\n" + body + ("" if not body or body.endswith("\n") else "\n")


def yaml_text(value: str) -> str:
    """``value`` as a YAML scalar that reads back as the same text: plain when it can be.

    "BREAKING: PM resigns" as a plain scalar is a YAML error (the colon), and "yes" or
    "12" would read back as a boolean or a number; a JSON string is valid YAML.
    """
    import yaml

    try:
        if yaml.safe_load(value) == value and "\n" not in value and value == value.strip() \
                and not value.startswith(("'", '"', "#")):
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def _published(at: str | None, config: SiteConfig, now: datetime) -> datetime:
    """Now (or ``--at``) in the blog's zone, to the second, with its offset."""
    zone: tzinfo = config.timezone
    if at is None:
        return now.astimezone(zone).replace(microsecond=0)
    example = now.astimezone(zone).replace(microsecond=0).isoformat()
    try:
        return values.moment(at, zone, example).astimezone(zone)
    except values.Invalid as invalid:
        raise UsageError(f"--at: {invalid}") from None


def slugify(text: str) -> str:
    """Letters and digits of ``text``, lower case, joined by "-"; accents dropped.

    Letters of any script are kept (an Arabic or Ukrainian title gives an Arabic or
    Ukrainian file name; the default id and link percent-encode it).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()
    words = re.findall(r"[^\W_]+", kept)
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > SLUG_LIMIT:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or (words[0][:SLUG_LIMIT] if words else "")


def _write_hidden(folder: Path, name: str, text: str) -> Path:
    """The entry as a hidden file (builds skip names starting with "."), new and unique."""
    for attempt in range(_ATTEMPTS):
        hidden = folder / f".new-{os.getpid()}-{attempt}-{name}"
        try:
            with open(hidden, "x", encoding="utf-8") as handle:
                handle.write(text)
            return hidden
        except FileExistsError:
            continue
    raise UsageError(f"{folder}: cannot create a temporary file for the new entry")


def _edited(editor: list[str], hidden: Path, written: str) -> bool:
    """Run the editor on ``hidden``; True when the user changed it and the editor succeeded."""
    shown = one_line(" ".join(editor))
    try:
        done = subprocess.run([*editor, str(hidden)], check=False)
    except OSError as error:
        hidden.unlink()
        raise UsageError(f"$EDITOR ({quoted(shown)}) cannot be started: {error.strerror}; set "
                         "VISUAL or EDITOR, or use --no-edit") from None
    if done.returncode != 0:
        raise UsageError(f"the editor ({quoted(shown)}) exited with status {done.returncode}; "
                         f"the entry is kept as {hidden} (hidden: builds ignore it); rename it "
                         "without the leading '.new-…-' to publish it, or delete it")
    return hidden.read_text(encoding="utf-8", errors="replace") != written


def _put_in_place(hidden: Path, folder: Path, name: str) -> Path:
    """Give the hidden file the next free numbered name, in one step; never replace a file."""
    number, width = next_number(folder)
    try:
        for offset in range(_ATTEMPTS):
            final = folder / f"{number + offset:0{width}d}-{name}"
            try:
                os.link(hidden, final)  # fails if the name exists: another `new` was quicker
                return final
            except FileExistsError:
                continue
    finally:
        hidden.unlink()
    raise UsageError(f"{folder}: every name up to {final.name} is taken; nothing written")


def next_number(folder: Path) -> tuple[int, int]:
    """One more than the highest number that starts an entry file's name (``0012-…``),
    and the number of digits the blog's names use (at least NUMBER_WIDTH)."""
    highest, width = 0, NUMBER_WIDTH
    for path in folder.iterdir():
        found = _NUMBERED.match(path.name)
        if found and is_entry_name(path.name):
            highest, width = max(highest, int(found[1])), max(width, len(found[1]))
    return highest + 1, width
