"""What a run tells its user besides errors: typed notices with a level, not strings.

The CLI decides what to print from the level alone (``-q`` hides warnings, details
need ``-v``), so no caller ever has to recognise a warning by searching its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Level(IntEnum):
    """How loudly a notice is shown; higher is louder."""

    DETAIL = 10  # shown with -v: e.g. a validator warning on a feed we rendered
    WARNING = 20  # shown unless -q: a discarded cache, an unreachable WebSub hub


@dataclass(frozen=True, slots=True)
class Notice:
    """One line for the user: ``where: warning: message`` (or the finding's own line)."""

    where: str
    message: str
    level: Level = Level.WARNING

    def __str__(self) -> str:
        if self.level is Level.DETAIL:
            return f"{self.where}: {self.message}"
        return f"{self.where}: warning: {self.message}"


def shown(notices: list[Notice], *, verbose: bool, quiet: bool) -> list[Notice]:
    """The notices a run with these flags prints."""
    if quiet:
        return []
    floor = Level.DETAIL if verbose else Level.WARNING
    return [n for n in notices if n.level >= floor]
