"""What a build's output depends on, seen without opening a file: names, sizes, mtimes.

One listing of the entries folder serves both the build (``feedpub.entries``) and the
every-minute no-op check (``feedpub.quick``), and one digest function turns what they
saw into the build record's ``inputs``: the two paths can never disagree on what
"nothing changed" means. Standard library only, and written for 10 000 entries a
minute: the names are listed once, each file is ``lstat``-ed once relative to the
folder, and the digest is taken over packed integers instead of formatted text.
"""

from __future__ import annotations

import hashlib
import os
import stat
from array import array
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Sequence

ENTRY_SUFFIXES = (".md", ".markdown")
Stamp = tuple[int, int]  # (size, mtime_ns)
MAX_CONFIG_BYTES = 1_000_000  # a config is a few KB; a bigger file is not one
MAX_TEMPLATE_BYTES = 5_000_000  # a page template is tens of KB, with an inlined logo a few hundred


def is_entry_name(name: str) -> bool:
    """Markdown files that are not hidden or editor backups (``.x.md``, ``#x.md#``).

    ``X.MD`` too: the build reports it as a problem of its own (an entry is ``.md`` or
    ``.markdown``, as the ids and links made from file names assume) rather than skip,
    in silence, an update its author saved with an editor's upper-case extension.
    """
    return (name.endswith(ENTRY_SUFFIXES) or name.lower().endswith(ENTRY_SUFFIXES)) \
        and not name.startswith((".", "#"))


Listing = tuple[list[str], list[os.stat_result]]
_kept: dict[str, Listing] = {}  # one listing made by the no-op check, for the build that follows


def list_entries(folder: str | os.PathLike[str], *, keep: bool = False) -> Listing:
    """Every entry-like name in ``folder``, sorted, with its ``lstat`` (links not followed).

    The no-op check (``quick``) lists with ``keep``: when it then hands the run to the
    full path, that path's listing is this one (10 000 ``lstat`` calls are most of what
    a run costs before it decides anything), taken a moment earlier.

    Raises FileNotFoundError or NotADirectoryError for a missing or wrong folder.
    """
    key = os.fspath(folder)
    kept = _kept.pop(key, None)
    if kept is not None and not keep:
        return kept
    listing = _list(folder)
    if keep:
        _kept[key] = listing
    return listing


def forget_listings() -> None:
    """Drop a kept listing (the run that was to use it is over)."""
    _kept.clear()


def _list(folder: str | os.PathLike[str]) -> Listing:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        names = [name for name in os.listdir(fd) if is_entry_name(name)]
        names.sort()
        return _lstat_all(fd, names)
    finally:
        os.close(fd)


def _lstat_all(fd: int, names: list[str]) -> Listing:
    """``names`` with their ``lstat``, less those gone since the folder was listed (an
    editor's save, a rename): as if listed a moment later, never a missing folder."""
    lstat = os.stat
    try:
        return names, [lstat(name, dir_fd=fd, follow_symlinks=False) for name in names]
    except FileNotFoundError:
        pass
    kept: list[str] = []
    infos: list[os.stat_result] = []
    for name in names:
        try:
            infos.append(lstat(name, dir_fd=fd, follow_symlinks=False))
        except FileNotFoundError:
            continue
        kept.append(name)
    return kept, infos


def list_media(folder: str | os.PathLike[str]) -> tuple[list[str], list[os.stat_result]]:
    """Every name in the media folder that is not hidden, sorted, with its ``lstat``.

    A missing folder is no media (the page's ``media.scan_media`` says the same).
    """
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    try:
        names = sorted(name for name in os.listdir(fd) if not name.startswith("."))
        return _lstat_all(fd, names)
    finally:
        os.close(fd)


def is_link(info: os.stat_result) -> bool:
    return stat.S_ISLNK(info.st_mode)


def is_regular(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode)


def entries_digest(names: Sequence[str], sizes: Sequence[int], mtimes: Sequence[int]) -> str:
    """A digest of the files a build used (entries, media): name, size and mtime of each."""
    digest = hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape"))
    digest.update(b"\1")
    digest.update(array("q", sizes))
    digest.update(array("q", mtimes))
    return digest.hexdigest()


def folder_path(base: Path, name: str) -> Path:
    """A folder named in the config: relative to the config's folder and resolved, or as
    written when absolute. One rule for the config reader and the no-op check."""
    return (base / name).resolve() if not Path(name).is_absolute() else Path(name)


def file_stamp(path: str | os.PathLike[str]) -> Stamp | None:
    """(size, mtime_ns) of a file, or None when there is none."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return (info.st_size, info.st_mtime_ns)


class NotAPlainFile(ValueError):
    """A path that names a folder, a device or a pipe where a small text file belongs."""


class TooBig(ValueError):
    """A file larger than the few megabytes a config or a template can sensibly be."""


def odd_kind(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is no plain file ("a folder"), else None."""
    if stat.S_ISREG(mode):
        return None
    return "a folder" if stat.S_ISDIR(mode) else "not a plain file (a device or a pipe)"


def read_small_file(path: str | os.PathLike[str], limit: int) -> tuple[os.stat_result, bytes]:
    """The bytes of a plain file of at most ``limit`` bytes, and its stat taken on the open file.

    Opened without blocking: a named pipe in a config's place held every cron run
    until killed. The stat comes from the same open file that is read, so a size and
    mtime recorded from it can never pair an older content with a newer stamp.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(handle)
        kind = odd_kind(info.st_mode)
        if kind:
            raise NotAPlainFile(kind)
        if info.st_size > limit:
            raise TooBig(info.st_size)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    finally:
        os.close(handle)
    if len(data) > limit:  # it grew while being read
        raise TooBig(len(data))
    return info, data


def code_digest() -> str:
    """Name, size and mtime of feedpub's own modules and templates: new code means a new build.

    The version number alone would miss a local edit or a reinstall of the same
    version; stat-ing some sixty files costs well under a millisecond. The shipped page
    template is code too: editing it must rebuild the page.
    """
    package = os.path.dirname(os.path.realpath(__file__))
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(package)):
        for name in sorted(files):
            if name.endswith((".py", ".j2")):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def template_text(path: str | None, stamp: Stamp | None) -> str:
    """The page template's part of the inputs: none, or its path and stamp (missing: -1)."""
    if path is None:
        return ""
    size, mtime = stamp or (-1, -1)
    return f"{path}\0{size}\0{mtime}"


def inputs_digest(config_path: str, config_stamp: Stamp | None, entries: str, media: str,
                  template: str, ledger_stamp: Stamp | None, tool_version: str) -> str:
    """What a run's output depends on: the config text, entries, media, template, the
    ledger (a merge that changed it must rebuild) and feedpub itself.

    ``config_stamp`` is that of the config text the run read; ``entries`` and ``media``
    are ``entries_digest`` of the files it used; ``template`` is ``template_text``.
    """
    stamp_text = list(config_stamp) if config_stamp else None
    ledger_text = list(ledger_stamp) if ledger_stamp else None
    seed = (f"{tool_version}\0{code_digest()}\0{config_path}\0{stamp_text}\0{entries}\0"
            f"{media}\0{template}\0{ledger_text}\n")
    return hashlib.sha256(seed.encode()).hexdigest()
