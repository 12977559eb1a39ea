"""Entry files: finding them (here, cheap) and parsing them (``parse``, ``markdown``, ``pool``).

Finding the files is on the every-minute path, so this module imports nothing beyond
the standard library: a no-op run stats the folder and stops before any parser is
imported. ``feedpub.entries.parse`` turns one file's bytes into an Entry or a list of
problems; ``feedpub.entries.pool`` does that for many files on every core.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from feedpub.stamps import entries_digest, is_entry_name, is_link, is_regular, list_entries

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from feedpub.notices import Notice

__all__ = ["FileStamp", "Parsed", "Scan", "is_entry_name", "markdown_versions", "scan_entries"]


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What the cheap scan learns of an entry file without opening it."""

    name: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Parsed:
    """One file's parse: its stamp, the sha256 of its bytes, what parsing gave, and the
    warnings of an entry that was published with a change (what the sanitizer removed).

    ``outcome`` is what ``parse.parse_entry`` gave, or what the caller's ``transform``
    made of it where it was parsed (so a child process can send back a compact form
    instead of the Entry). Defined here, not beside the parser, so that a build whose
    files were parsed in another process never imports the parser itself.
    """

    stamp: FileStamp
    sha256: str
    outcome: object
    notices: tuple[Notice, ...] = ()


Sent = tuple[str, int, int, str, object, "tuple[Notice, ...]"]  # a Parsed as plain data: 5× faster to pickle


def sent(parsed: Parsed) -> Sent:
    """``parsed`` as a child process sends it back."""
    stamp = parsed.stamp
    return stamp.name, stamp.size, stamp.mtime_ns, parsed.sha256, parsed.outcome, parsed.notices


def received(item: Sent) -> Parsed:
    """The Parsed a child process sent (``sent``)."""
    name, size, mtime_ns, sha256, outcome, notices = item
    return Parsed(FileStamp(name, size, mtime_ns), sha256, outcome, notices)


def markdown_versions() -> str:
    """The versions of the libraries that decide an entry's HTML, for the entry cache's key
    (here, not in ``markdown``: a build that parses nothing itself imports no parser).

    cmarkgfm has no ``__version__``; the version of the C library it bundles is what
    decides its output.
    """
    import nh3
    from cmarkgfm.cmark import CMARK_VERSION

    return f"cmark {CMARK_VERSION}; nh3 {getattr(nh3, '__version__', '')}"


@dataclass(frozen=True, slots=True)
class Scan:
    """The entry files found, and the entry-looking names that cannot be used."""

    stamps: list[FileStamp]
    refused: list[tuple[str, str]]  # (file name, why), for one-line errors
    digest: str  # stamps.entries_digest of ``stamps``: the build record's view of them
    links: bool = False  # some entry is a link, whose target the no-op check cannot see


def scan_entries(folder: Path) -> Scan:
    """Name, size and mtime of every entry file, sorted by name, without opening any.

    A symbolic link is followed only to a file inside the entries folder: a dangling one
    or one that leads out of the blog (to /etc/passwd, say) is refused by name rather
    than skipped in silence or published.
    """
    names, infos = list_entries(folder)
    found: list[FileStamp] = []
    refused: list[tuple[str, str]] = []
    real_folder: Path | None = None
    links = False
    for name, info in zip(names, infos, strict=True):
        if not _is_text(name):
            refused.append((_escaped(name), "has a name that is not UTF-8 text; rename the file"))
            continue
        if is_link(info):
            links = True
            real_folder = real_folder or folder.resolve()
            why = _bad_link(folder / name, real_folder)
            try:
                info = (folder / name).stat() if why is None else info
            except FileNotFoundError:  # its target went since the link was checked
                why = "is a link to a missing file; restore the file or delete the link"
            if why:
                if (folder / name).is_symlink():  # else the link itself went since listed
                    refused.append((name, why))
                continue
        if is_regular(info):
            found.append(FileStamp(name, info.st_size, info.st_mtime_ns))
    digest = entries_digest([s.name for s in found], [s.size for s in found],
                            [s.mtime_ns for s in found])
    return Scan(found, refused, digest, links)


def _is_text(name: str) -> bool:
    """Whether a file name is UTF-8 text. Other bytes reach Python as lone surrogates,
    which become an id and a link no format can write, and which no state file can hold."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped(name: str) -> str:
    """A name that is not UTF-8, shown with its odd bytes as ``\\xff``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _bad_link(link: Path, real_folder: Path) -> str | None:
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop, on Python before 3.13
        return "is a link that leads round in a loop; delete the link"
    if not target.exists():
        return "is a link to a missing file; restore the file or delete the link"
    if not target.is_relative_to(real_folder):
        return ("is a link to a file outside the entries folder; copy the file into "
                "the folder instead")
    return None
