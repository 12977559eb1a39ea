"""Removing one top-level key (a table, a dotted key or an inline table) from TOML text,
and finding the line that sets a key (for error messages).

``reopen`` must delete the ``[closed]`` table a person may have written by hand in any
of TOML's spellings (``[closed]``, ``[ closed ]``, ``["closed"]``, a header with a
comment, ``closed.at = …`` dotted keys, ``closed = {…}``) without touching anything
else: not the comments that follow the table (they describe what comes next), and not a
line that only *looks* like a header because it sits inside a multi-line string. So the
text is split into logical lines with multi-line strings tracked, and only whole lines
that belong to the key are removed. The caller checks the result by parsing it.
"""

from __future__ import annotations

import re

# One grammar for keys, for both jobs: a key part is bare, "basic" or 'literal'; a path
# is parts joined by dots (spaces allowed around them).
_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_PATH = rf"""{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*"""
_TABLE_HEADER = re.compile(rf"""^[ \t]*(?P<open>\[\[?)[ \t]*(?P<path>{_PATH})[ \t]*\]\]?[ \t]*(?:#.*)?$""")
_ASSIGNED_KEY = re.compile(rf"""^[ \t]*(?P<path>{_PATH})[ \t]*=""")
_KEY_PART = re.compile(r"""[ \t]*(?:(?P<bare>[A-Za-z0-9_-]+)|"(?P<basic>[^"]*)"|'(?P<literal>[^']*)')"""
                       r"""[ \t]*(?:\.|$)""")
_ANY_HEADER = re.compile(r"^[ \t]*\[")
_BLANK_OR_COMMENT = re.compile(r"^[ \t]*(?:#.*)?$")


def remove_top_level_key(text: str, key: str) -> str:
    """``text`` without every line that defines top-level ``key`` (see the module docstring)."""
    lines = text.splitlines(keepends=True)
    starts = _logical_starts(lines)
    drop: set[int] = set()
    section: str | None = None  # the table the current line belongs to (None: the root)
    section_lines: list[int] = []
    for index in range(len(lines)):
        if index not in starts:
            if section == key or (section is None and index - 1 in drop):
                drop.add(index)  # continuation of a multi-line value being removed
            continue
        header = _header_key(lines[index])
        if header is not None or _ANY_HEADER.match(lines[index]):
            _drop_table(section, key, section_lines, index, lines, drop)
            section, section_lines = header if header is not None else "", [index]
            continue
        if section is None and _root_key(lines[index]) == key:
            drop.add(index)
        section_lines.append(index)
    _drop_table(section, key, section_lines, len(lines), lines, drop)
    return "".join(line for index, line in enumerate(lines) if index not in drop)


def key_line(text: str, key: str) -> int | None:
    """The 1-based line that sets dotted ``key`` (``ttl``, ``upload.after_build``), if any.

    ``tomllib`` says where a syntax error is but a value it parsed has no position, and a
    person fixing ``ttl: must be a whole number`` wants the line. A key is found however
    it is spelled: under its table's header (``[upload]`` then ``after_build = …``), as a
    dotted key (``upload.after_build = …``), quoted or not; a key set inside an inline
    table or an array of tables is reported at the line of the nearest enclosing key
    that stands at the start of a line (``authors = [{ name = … }]`` for ``authors``).
    Lines inside multi-line strings are never taken for keys.
    """
    wanted = tuple(_split_key(_INDEX.sub("", key)))
    if not wanted:
        return None
    lines = text.splitlines()
    starts = _logical_starts(lines)
    best: tuple[int, int] | None = None  # (parts matched, line index)
    section: tuple[str, ...] = ()
    for index, line in enumerate(lines):
        if index not in starts:
            continue
        header = _TABLE_HEADER.match(line)
        if header is not None:
            section = tuple(_split_key(header["path"]))
            path = section
        else:
            assigned = _ASSIGNED_KEY.match(line)
            if assigned is None:
                continue
            path = section + tuple(_split_key(assigned["path"]))
        matched = _common_prefix(path, wanted)
        if matched == len(path) and (best is None or matched > best[0]):
            best = (matched, index)
    return best[1] + 1 if best is not None else None


_INDEX = re.compile(r"\[\d+\]")  # authors[0].name: the array's key is what has a line


def _split_key(key: str) -> list[str]:
    """``a."b.c".d`` → ``["a", "b.c", "d"]``; a key it cannot read gives what it read so far."""
    parts, position = [], 0
    while position < len(key):
        part = _KEY_PART.match(key, position)
        if part is None or part.end() == position:
            break
        parts.append(next(value for value in part.group("bare", "basic", "literal")
                          if value is not None))
        position = part.end()
    return parts


def _common_prefix(path: tuple[str, ...], wanted: tuple[str, ...]) -> int:
    """How many leading parts ``path`` and ``wanted`` share (all of ``path``, or it is not ours)."""
    count = 0
    for have, want in zip(path, wanted, strict=False):
        if have != want:
            break
        count += 1
    return count


def _drop_table(section: str | None, key: str, section_lines: list[int], end: int,
                lines: list[str], drop: set[int]) -> None:
    """Drop a finished ``[key]`` table (lines up to ``end``) but keep the comments and blank
    lines at its end: they belong to whatever follows."""
    if section != key:
        return
    keep_from = len(section_lines)
    while keep_from > 1 and _BLANK_OR_COMMENT.match(lines[section_lines[keep_from - 1]]):
        keep_from -= 1
    stop = section_lines[keep_from] if keep_from < len(section_lines) else end
    drop.update(range(section_lines[0], stop))


def _header_key(line: str) -> str | None:
    """The key of a ``[key]`` header; "" for a sub-table (``[closed.sub]`` is not removed on
    its own); None for anything else, an array of tables included."""
    match = _TABLE_HEADER.match(line.rstrip("\r\n"))
    if match is None or match["open"] == "[[":
        return None
    parts = _split_key(match["path"])
    return parts[0] if len(parts) == 1 else ""


def _root_key(line: str) -> str | None:
    """The first part of the key a line assigns (``closed`` for ``closed.at = …``)."""
    match = _ASSIGNED_KEY.match(line)
    return _split_key(match["path"])[0] if match else None


def _logical_starts(lines: list[str]) -> set[int]:
    """Indexes of the lines that start outside a multi-line string."""
    starts = set()
    open_quote: str | None = None
    for index, line in enumerate(lines):
        if open_quote is None:
            starts.add(index)
        open_quote = _quote_state(line, open_quote)
    return starts


def _quote_state(line: str, open_quote: str | None) -> str | None:
    """Which multi-line string (``\"\"\"`` or ``'''``) is open after ``line``, if any."""
    position = 0
    while position < len(line):
        if open_quote is not None:
            end = _find_closing(line, open_quote, position)
            if end < 0:
                return open_quote
            open_quote, position = None, end + 3
            continue
        char = line[position]
        if char == "#":
            return None
        if line.startswith(('"""', "'''"), position):
            open_quote, position = line[position:position + 3], position + 3
        elif char in "\"'":
            position = _skip_string(line, position)
        else:
            position += 1
    return open_quote


def _find_closing(line: str, quote: str, position: int) -> int:
    while True:
        found = line.find(quote, position)
        if found < 0 or quote == "'''" or not _escaped(line, found):
            return found
        position = found + 1


def _escaped(line: str, position: int) -> bool:
    slashes = 0
    while position - slashes - 1 >= 0 and line[position - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


def _skip_string(line: str, position: int) -> int:
    quote = line[position]
    position += 1
    while position < len(line):
        if line[position] == quote and (quote == "'" or not _escaped(line, position)):
            return position + 1
        position += 1
    return position
