"""``close`` and ``reopen`` as edits of feedpub.toml's text: the end of a live blog.

The closing is declarative: a ``[closed]`` table in the blog's own config, reviewable
in version control and kept by every rebuild. ``closed_text`` appends the table and
``reopened_text`` removes exactly that table, so the feeds come back byte for byte.
Both are pure: the pipeline publishes the new text together with the feeds built from
it (one set, all or nothing), so a failed command changes nothing. A failed *upload*
after a successful close is different: the blog is closed locally, and the next run
retries the upload (exit 6).
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from pathlib import Path

from feedpub import program, values
from feedpub.config import ClosedConfig, SiteConfig, is_http_url, parse_config
from feedpub.dates import parse_time
from feedpub.errors import ConfigError, UsageError
from feedpub.model import Entry
from feedpub.text import forbidden_character, quoted
from feedpub.tomledit import remove_top_level_key


def closed_text(config: SiteConfig, text: str, *, continued_at: str, title: str | None,
                message: str | None, at: str | None, now: datetime,
                link_text: str | None = None) -> tuple[str, datetime]:
    """``text`` (the config as read) with a ``[closed]`` table appended, and the closing time."""
    if config.closed is not None:
        raise UsageError(f"{config.path}: closed: the blog is already closed (continued at "
                         f"{config.closed.continued_at}); run '{program.command('reopen')}' first")
    try:
        continued_at = values.url(continued_at)  # the config's own reader: same URL, same rules
    except values.Invalid as invalid:
        raise UsageError(f"--continued-at: {invalid}; use e.g. https://example.org/live/next") \
            from None
    if not is_http_url(continued_at):  # relative: values.url resolves nothing without a base
        raise UsageError(f'--continued-at: "{continued_at}" is not an absolute http(s) URL; '
                         "use e.g. https://example.org/live/next")
    for option, value in (("--title", title), ("--message", message), ("--link-text", link_text)):
        bad = forbidden_character(value or "")
        if bad:
            raise UsageError(f"{option}: {bad[1]}")
    closed_at = _closing_time(at, config, now)
    words = {"title": title, "message": message, "link_text": link_text}
    table = _closed_table(continued_at, closed_at, words)
    updated = text + ("" if text.endswith("\n") else "\n") + "\n" + table
    expected = ClosedConfig(continued_at, closed_at, title or None, message or None,
                            link_text or None)
    return _checked(config, updated, expected, "add"), closed_at


def reopened_text(config: SiteConfig, text: str) -> str:
    """``text`` (the config as read) without its ``closed`` key, in whatever form it has."""
    if config.closed is None:
        raise UsageError(f"{config.path}: closed: the blog is not closed; nothing to reopen")
    updated = remove_top_level_key(text, "closed").rstrip("\n") + "\n"
    return _checked(config, updated, None, "remove")


def _checked(config: SiteConfig, updated: str, closed: ClosedConfig | None, verb: str) -> str:
    """``updated`` if it parses to ``config`` with exactly ``closed`` changed; else refuse.

    The edit is textual (to keep every comment and byte of the file), so its result is
    read back before anything is written: a form we did not foresee is refused, never
    half-done.
    """
    path = Path(config.path)
    try:
        result = parse_config(updated, path)
    except ConfigError:
        result = None
    if result is None or result.closed != closed or not _same_but_closed(result, config):
        raise UsageError(f"{config.path}: closed: could not {verb} the closing automatically in "
                         "this file's layout; edit the [closed] table by hand, then run build")
    return updated


def _same_but_closed(first: SiteConfig, second: SiteConfig) -> bool:
    ignored = {"closed", "read_stamp", "timezone"}  # the zone is compared by its name
    return all(getattr(first, f.name) == getattr(second, f.name)
               for f in fields(SiteConfig) if f.name not in ignored)


def check_after_newest(closed_at: datetime, entries: list[Entry]) -> None:
    """A blog closes after its last update (an equal time would be a duplicate ``updated``)."""
    newest = max((e.published for e in entries), default=None)
    if newest is not None and closed_at <= newest:
        raise UsageError(f"--at: {closed_at.isoformat()} is not after the newest entry "
                         f"({newest.isoformat()}); a blog closes after its last update")


def _closing_time(at: str | None, config: SiteConfig, now: datetime) -> datetime:
    if at is None:
        return now
    parsed = parse_time(at, config.timezone)
    if parsed is None:
        example = now.astimezone(config.timezone).isoformat()
        raise UsageError(f"--at: {quoted(at)} is not a date; use e.g. {example}")
    if parsed > now:
        raise UsageError(f'--at: "{at}" is in the future; a blog closes when the command runs')
    return parsed


def _closed_table(continued_at: str, at: datetime, words: dict[str, str | None]) -> str:
    """The table ``close`` appends; words left out come from the catalogue when rendered."""
    lines = ["[closed]", f"continued_at = {json.dumps(continued_at)}",
             f"at = {at.isoformat()}"]
    lines.extend(f"{key} = {json.dumps(value, ensure_ascii=False)}"
                 for key, value in words.items() if value)
    return "\n".join(lines) + "\n"
