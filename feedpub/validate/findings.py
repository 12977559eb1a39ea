"""Findings: what the validator reports, and the collector the format checkers fill.

A finding is data, not an exception: the validator collects every problem in a
document rather than stopping at the first, so editors and CI see them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

ERROR = "error"
WARNING = "warning"
# A broken generator repeats one mistake in every item. Past these limits the rest is
# counted, not stored, so memory and time stay proportional to what is worth reading:
# at most this many findings of one rule...
RULE_LIMIT = 1000
# ...and checking stops after this many errors (the verdict is settled by then).
ERROR_LIMIT = 1000


MAX_MESSAGE = 1000  # characters; a message is read by a person, on one line
# Control characters (C0, DEL, C1) and lone surrogates: what a message quotes from a
# hostile document must not end its line, drive the terminal or fail to encode.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def one_line(text: str) -> str:
    """``text`` with each control character and lone surrogate written as its escape
    (``\\n``, ``\\x1b``, ``\\ud800``), so that it prints as one line of plain text in
    any encoding that has its other characters.

    Messages quote values from the document: a newline in a date could print a line
    that looks like another finding, an escape sequence could recolour or clear the
    terminal, and a lone surrogate (legal in JSON, ``"\\ud800"``) cannot be encoded
    at all, which made printing the finding raise UnicodeEncodeError.
    """
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub(lambda match: ascii(match.group())[1:-1], text)


class TooManyErrors(Exception):
    """Raised by :class:`Report` past ``ERROR_LIMIT`` errors, to stop checking early."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a feed: a stable rule id, a severity and a 1-based position (0 = unknown)."""

    severity: str
    rule: str
    message: str
    line: int
    column: int

    def __post_init__(self) -> None:
        """Keep the message one printable line of bounded length, whoever made it.

        Some messages quote a whole value (a JSON Feed "version", a namespace URI): a
        5 MB string or a million-member array made a 5 MB line of output.
        """
        message = self.message
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        object.__setattr__(self, "message", one_line(message))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--format json``."""
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


class Report:
    """Collects findings for one document.

    Format checkers call :meth:`error` / :meth:`warning` with an lxml element (or an
    explicit position); the column of an element is found lazily in the raw text,
    because lxml only records the line and we want to pay for columns only when a
    finding is actually made.
    """

    __slots__ = ("_counts", "_errors", "_lines", "_order", "_starts", "data", "findings", "noted")

    def __init__(self, data: bytes | str = b"") -> None:
        self.findings: list[Finding] = []
        self.data = data
        self._lines: list[str] | None = None
        self._counts: dict[str, int] = {}
        self._errors = 0
        self.noted: set[str] = set()  # things said once per document (a namespace...)
        # For lines holding several elements (minified feeds): where each "<name" starts
        # on the line, by name, and each element's rank among those of its name.
        self._starts: dict[int, dict[str, list[int]]] = {}
        self._order: dict[tuple[int, str], tuple[list[Any], dict[int, int]]] = {}

    def error(self, rule: str, message: str, where: Any = None, column: int = 0) -> None:
        """Record an error at an element (``where``) or an explicit line number."""
        self._add(ERROR, rule, message, where, column)

    def warning(self, rule: str, message: str, where: Any = None, column: int = 0) -> None:
        """Record a warning at an element (``where``) or an explicit line number."""
        self._add(WARNING, rule, message, where, column)

    def _add(self, severity: str, rule: str, message: str, where: Any, column: int) -> None:
        count = self._counts.get(rule, 0) + 1
        self._counts[rule] = count
        if severity == ERROR:
            self._errors += 1
            if self._errors > ERROR_LIMIT:
                raise TooManyErrors
        if count > RULE_LIMIT:
            return
        if where is None:
            line = 0
        elif isinstance(where, int):
            line = where
        else:
            line = where.sourceline or 0
            if line and not column:
                column = self._element_column(line, where)
        self.findings.append(Finding(severity, rule, message, line, column))

    def raw(self) -> bytes:
        """The document as bytes (it is kept as given, bytes or text)."""
        return self.data if isinstance(self.data, bytes) else self.data.encode("utf-8")

    def truncation_findings(self, stopped: bool) -> list[Finding]:
        """What the limits left out: one finding per rule cut short, and where checking stopped."""
        notes = [Finding(WARNING, "validator-findings-truncated",
                         f"{count - RULE_LIMIT} more {rule} findings are not shown (only the first "
                         f"{RULE_LIMIT} of a rule are)", 0, 0)
                 for rule, count in sorted(self._counts.items()) if count > RULE_LIMIT]
        if stopped:
            notes.append(Finding(WARNING, "validator-findings-truncated",
                                 f"checking stopped after {ERROR_LIMIT} errors; fix those and "
                                 "validate again to see the rest", 0, 0))
        return notes

    def _element_column(self, line: int, element: Any) -> int:
        """Column of the element's ``<qname`` on its start line (1-based), 0 if not found.

        lxml records lines, not columns. When the line has several start tags of the
        same name (a feed written on one line), the element's rank among the elements
        of that name on that line picks the right one.
        """
        tag = element.tag
        if not isinstance(tag, str):
            return 0
        local = tag.rpartition("}")[2]
        prefix = element.prefix
        qname = f"{prefix}:{local}" if prefix else local
        on_line = self._starts.get(line)
        if on_line is None:
            on_line = self._starts[line] = _tag_starts(self._line(line))
        starts = on_line.get(qname, [])
        if len(starts) < 2:
            return starts[0] + 1 if starts else 0
        rank = self._rank(line, tag, element)
        return starts[rank] + 1 if rank < len(starts) else starts[0] + 1

    def _rank(self, line: int, tag: str, element: Any) -> int:
        """The element's position among the elements named ``tag`` that start on ``line``.

        The element proxies are kept with their ids: lxml makes a new proxy (maybe with a
        recycled id) for a node no longer referenced.
        """
        known = self._order.get((line, tag))
        if known is None:
            root = element.getroottree().getroot()
            same = [node for node in root.iter(tag) if node.sourceline == line]
            known = self._order[line, tag] = (same, {id(node): i for i, node in enumerate(same)})
        return known[1].get(id(element), 0)

    def _line(self, line: int) -> str:
        if self._lines is None:
            data = self.data
            if isinstance(data, bytes):
                data = data.decode("utf-8", "replace")
            self._lines = data.split("\n")
        if 0 < line <= len(self._lines):
            return self._lines[line - 1]
        return ""


_START_TAG = re.compile(r"<([^ \t\r\n/><]++)(?=[ \t\r\n/>]|\Z)")


def _tag_starts(text: str) -> dict[str, list[int]]:
    """Offsets in ``text`` of each start tag ``<qname`` (not ``<qnameLonger``), by qname.

    One pass for all names: a search of the line for each name a finding is about cost
    the line's length times the number of names, and a feed written on one line can
    have thousands of them (3,000 unknown elements on a 10 MB line took 28 s).
    """
    starts: dict[str, list[int]] = {}
    for match in _START_TAG.finditer(text):
        starts.setdefault(match.group(1), []).append(match.start())
    return starts
