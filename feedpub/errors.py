"""One exception hierarchy for everything a user can cause.

Each class knows its exit code, so the CLI never has to guess, and each message is
one line that names the file, the line where known, the field and what to do.
Exit codes are documented in the README; tests pin them.
"""

from __future__ import annotations

from dataclasses import dataclass

from feedpub.exitcodes import ExitCode

__all__ = ["CheckFinding", "ConfigError", "EntryError", "EntryProblem", "ExitCode", "FeedCheckError",
           "FeedpubError", "LockedError", "UploadError", "UsageError"]


class FeedpubError(Exception):
    """Root of every error feedpub reports to a user instead of a traceback."""

    exit_code: int = ExitCode.USAGE


class UsageError(FeedpubError):
    """The command line asks for something impossible (bad option, closing twice)."""

    exit_code = ExitCode.USAGE


class ConfigError(FeedpubError):
    """feedpub.toml is missing, unreadable, or has a wrong key or value."""

    exit_code = ExitCode.CONFIG

    def __init__(self, path: str, key: str | None, message: str, line: int | None = None):
        self.path, self.key, self.message, self.line = path, key, message, line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """One thing wrong with one entry file, worded for the person who edits it."""

    path: str
    field: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class EntryError(FeedpubError):
    """One or more entry files are wrong; carries every problem of the run, not just the first."""

    exit_code = ExitCode.BAD_ENTRY

    def __init__(self, problems: list[EntryProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class CheckFinding:
    """One finding of the validator on a document the build rendered (``rss.xml:41:7``)."""

    filename: str
    line: int
    column: int
    severity: str
    rule: str
    message: str

    def __str__(self) -> str:
        return (f"{self.filename}:{self.line}:{self.column}: {self.severity} {self.rule}: "
                f"{self.message}")


class FeedCheckError(FeedpubError):
    """A rendered feed has an error finding, so it did not replace the published one.

    Carries its findings (like EntryError carries its problems), so a caller can act on
    them without parsing the message.
    """

    exit_code = ExitCode.FEED_CHECK
    CLOSING_LINE = "the rendered files failed their check; the published files were kept"

    def __init__(self, findings: list[CheckFinding], *, detail: str | None = None,
                 lines: tuple[str, ...] = ()):
        self.findings = findings
        self.lines = lines or tuple(str(f) for f in findings)  # as printed, one per finding
        shown = list(self.lines)
        if detail:
            shown.append(detail)
        super().__init__("\n".join([*shown, self.CLOSING_LINE]))


class UploadError(FeedpubError):
    """An upload failed; the message names the file and the cause, never a credential."""

    exit_code = ExitCode.UPLOAD


class LockedError(FeedpubError):
    """Another feedpub run holds this blog's lock."""

    exit_code = ExitCode.LOCKED
