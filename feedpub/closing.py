"""``close`` and ``reopen``: the end of a live blog, recorded in feedpub.toml.

The closing is declarative: a ``[closed]`` table in the blog's own config, reviewable
in version control and kept by every rebuild. ``close`` appends the table and builds;
``reopen`` removes exactly that table and builds, so the feeds come back byte for byte.
If the build after either fails, the config is put back as it was: a failed command
changes nothing.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from feedpub.config import SiteConfig, is_http_url
from feedpub.dates import parse_time
from feedpub.errors import UsageError
from feedpub.output import write_atomic
from feedpub.text import forbidden_character

_CLOSED_TABLE = re.compile(r"(?ms)\n*^\[closed\][ \t]*\r?\n.*?(?=^\s*\[|\Z)")


def close_blog(config: SiteConfig, text: str, *, continued_at: str, title: str | None,
               message: str | None, at: str | None, now: datetime) -> None:
    """Append a ``[closed]`` table to ``text`` (the config as read) and build."""
    if config.closed is not None:
        raise UsageError(f"{config.path}: closed: the blog is already closed (continued at "
                         f"{config.closed.continued_at}); run 'publish.py reopen' first")
    if not is_http_url(continued_at):
        raise UsageError(f'--continued-at: "{continued_at}" is not an absolute http(s) URL; '
                         "use e.g. https://example.org/live/next")
    for option, value in (("--title", title), ("--message", message)):
        bad = forbidden_character(value or "")
        if bad:
            raise UsageError(f"{option}: {bad[1]}")
    closed_at = _closing_time(at, config, now)
    _check_after_newest(config, closed_at, now)
    table = _closed_table(continued_at, closed_at, title, message)
    updated = text + ("" if text.endswith("\n") else "\n") + "\n" + table
    _rewrite_and_build(Path(config.path), text, updated, now)


def reopen_blog(config: SiteConfig, text: str, *, now: datetime) -> None:
    """Remove exactly the ``[closed]`` table from ``text`` (the config as read) and build."""
    if config.closed is None:
        raise UsageError(f"{config.path}: closed: the blog is not closed; nothing to reopen")
    updated = _CLOSED_TABLE.sub("\n", text, count=1).rstrip("\n") + "\n"
    _rewrite_and_build(Path(config.path), text, updated, now)


def _closing_time(at: str | None, config: SiteConfig, now: datetime) -> datetime:
    if at is None:
        return now
    parsed = parse_time(at, config.timezone)
    if parsed is None:
        raise UsageError(f'--at: "{at}" is not a date; use e.g. 2024-12-07T23:00:00+00:00')
    if parsed > now:
        raise UsageError(f'--at: "{at}" is in the future; a blog closes when the command runs')
    return parsed


def _check_after_newest(config: SiteConfig, closed_at: datetime, now: datetime) -> None:
    from feedpub.pipeline import load_entries_cached
    from feedpub.state import StateFolder, scan_entries

    state = StateFolder(config.state_dir)
    entries, _ = load_entries_cached(config, state, scan_entries(config.entries_dir), now=now,
                                     dry_run=True)
    newest = max((e.published for e in entries), default=None)
    if newest is not None and closed_at <= newest:
        raise UsageError(f"--at: {closed_at.isoformat()} is not after the newest entry "
                         f"({newest.isoformat()}); a blog closes after its last update")


def _closed_table(continued_at: str, at: datetime, title: str | None,
                  message: str | None) -> str:
    lines = ["[closed]", f"continued_at = {json.dumps(continued_at)}",
             f"at = {at.isoformat()}"]
    if title:
        lines.append(f"title = {json.dumps(title, ensure_ascii=False)}")
    if message:
        lines.append(f"message = {json.dumps(message, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def _rewrite_and_build(config_path: Path, original: str, updated: str, now: datetime) -> None:
    """Write the new config and build from it; on any failure put the old bytes back."""
    from feedpub.pipeline import build

    write_atomic(config_path, updated.encode("utf-8"))
    try:
        build(config_path, now=now)
    except BaseException:
        write_atomic(config_path, original.encode("utf-8"))
        raise
