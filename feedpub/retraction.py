"""``retract`` as an edit of one entry file: the file stays, as the record of the retraction.

A retraction is a field, ``retracted: <time>`` (with an optional ``reason:``), so it is
reviewed and versioned like any other edit of the entry. ``retracted_text`` adds both
lines at the end of the front matter, keeping every other byte of the file, and reads
the result back with the entry parser before anything is written: an edit that would
not parse as exactly this retraction is refused, never half-done.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from feedpub.dates import parse_time
from feedpub.entries.parse import EntryContext, front_matter_end, parse_entry
from feedpub.errors import UsageError
from feedpub.model import Entry
from feedpub.text import forbidden_character

# A top-level ``retracted:`` or ``reason:`` left empty (YAML null), e.g. from a template:
# the entry is not retracted, and adding the field again would write it twice.
_EMPTY_FIELD = re.compile(
    r"""^(?:retracted|reason)[ \t]*:[ \t]*(?:~|null|Null|NULL|""|'')?[ \t]*(?:#[^\r\n]*)?\r?\n""",
    re.M)


def retracted_text(data: bytes, path: str, ctx: EntryContext, *, at: datetime,
                   reason: str | None) -> str:
    """The file's text with ``retracted:`` (and ``reason:``) added; UsageError when it cannot be."""
    entry = _entry(data, path, ctx)
    if entry.retracted is not None:
        raise UsageError(f"{path}: retracted: the update was already retracted at "
                         f"{entry.retracted.isoformat()}; nothing to do")
    bad = forbidden_character(reason) if reason is not None else None
    if bad:  # json.dumps escapes only C0 controls: a raw one would be named by the file's line
        raise UsageError(f"--reason: {bad[1]}")
    text = data.decode("utf-8-sig")
    end = front_matter_end(text)
    assert end is not None  # it parsed, so it has a front matter
    newline = "\r\n" if "\r\n" in text[:end] else "\n"
    lines = [f"retracted: {at.isoformat()}"]
    if reason is not None:
        lines.append(f"reason: {json.dumps(reason, ensure_ascii=False)}")
    head = _without_empty_fields(text[:end])
    updated = head + newline.join(lines) + newline + text[end:]
    done = parse_entry(updated.encode("utf-8"), path, ctx)
    if isinstance(done, list):
        raise UsageError(f"--reason: {done[0].message}" if done[0].field == "reason"
                         else str(done[0]))
    if done is None or done.id != entry.id or done.retracted != at:
        raise UsageError(f"{path}: could not add retracted: automatically in this file's layout; "
                         "add it to the front matter by hand, then run build")
    return updated


def _without_empty_fields(head: str) -> str:
    """``head`` without empty ``retracted:``/``reason:`` lines that no indented value follows."""
    def drop(match: re.Match[str]) -> str:
        following = head[match.end():match.end() + 1]
        return match.group(0) if following in (" ", "\t") else ""
    return _EMPTY_FIELD.sub(drop, head)


def _entry(data: bytes, path: str, ctx: EntryContext) -> Entry:
    entry = parse_entry(data, path, ctx)
    if isinstance(entry, list):
        raise UsageError(f"{entry[0]}; fix the file before retracting it")
    if entry is None:
        raise UsageError(f"{path}: draft: a draft was never published; delete the file instead "
                         "of retracting it")
    return entry


def retraction_time(at: str | None, ctx: EntryContext) -> datetime:
    """``--at`` read in the blog's zone (default: now); never in the future."""
    if at is None:
        return ctx.now
    parsed = parse_time(at, ctx.zone)
    if parsed is None:
        raise UsageError(f'--at: "{at}" is not a date; use e.g. 2024-12-07T13:20:00+00:00')
    if parsed > ctx.now:
        raise UsageError(f'--at: "{at}" is in the future; a retraction takes effect when it is made')
    return parsed
