"""The every-minute run when nothing changed, decided before the config is even parsed.

Cron runs ``publish.py build`` every minute, and almost every run finds nothing to do.
The full path answers that too (``pipeline.build``), but only after importing and
checking the whole config; this module answers it with the standard library alone,
from the sealed build record (``state.json``), and falls back to the full path on any
doubt: it never decides that something must be built, only that nothing must.

It trusts the record only when all of these hold, under the blog's lock:

- the record is sealed with the state folder's key and has the shape it expects;
- it was written by a build of this config file at exactly this stamp (size, mtime),
  so the config is the one that build checked, and the folders the record names are
  the ones this config names (re-derived from its text, so a moved folder is seen);
- no set of files is journaled but unfinished, no upload is owed, and no scheduled
  entry has come due;
- the entries and the media files (names, sizes, mtimes; none is a link), the page
  template, the ledger, feedpub's own code and every output file (archive pages
  included) are exactly as that build saw and left them.

Then the run is a no-op: it writes nothing, opens no entry file, and reports the
recorded entry problems again. The folders are found from the config's text: the
defaults beside it, or what the text sets (read with tomllib only when the text
mentions one of those keys).
"""

from __future__ import annotations

import fcntl
import os
import stat
from datetime import datetime
from pathlib import Path

from feedpub import __version__
from feedpub.seal import read_sealed
from feedpub.stamps import (
    MAX_CONFIG_BYTES,
    entries_digest,
    file_stamp,
    folder_path,
    forget_listings,
    inputs_digest,
    list_entries,
    list_media,
    read_small_file,
    template_text,
)

# The config keys that decide where a build reads and writes, with the config's defaults.
FOLDER_DEFAULTS = {"entries_dir": "entries", "output_dir": "feeds", "state_dir": ".feedpub",
                   "media_dir": "media", "ledger": "feedpub.ledger"}
STATE_NAME = "state.json"
LOCK_NAME = "lock"
JOURNAL_NAME = "commit.json"


class Unchanged:
    """Nothing changed since the last build: what it reported, to be reported again."""

    __slots__ = ("problems", "refused")

    def __init__(self, problems: tuple[str, ...], refused: tuple[str, ...]):
        self.problems = problems  # entry problems (exit 4)
        self.refused = refused  # the lines of a refusal its inputs decide (exit 5)


def unchanged(config: Path, *, now: datetime) -> Unchanged | None:
    """What the last build reported, when nothing changed since; else None.

    None means "ask the full path": something changed, or this module cannot be sure.
    """
    try:
        found = _unchanged(config, now)
    except (OSError, ValueError, RecursionError, RuntimeError):  # Runtime: a link loop (< 3.13)
        return None
    if found is not None:
        forget_listings()  # nothing follows that could use it
    return found


def _unchanged(config: Path, now: datetime) -> Unchanged | None:
    info, data = read_small_file(config, MAX_CONFIG_BYTES)  # as config.load_config_text does
    text = data.decode("utf-8-sig")
    folders = _folders(text, config.parent)
    state = folders["state_dir"] if folders is not None else None
    if folders is None or state is None or (state / JOURNAL_NAME).exists():
        return None  # a journaled set must be finished first (output.recover)
    fd = os.open(state / LOCK_NAME, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another run works: the full path waits or says so (exit 7)
        if file_stamp(config) != (info.st_size, info.st_mtime_ns):
            return None
        return _checked(config, (info.st_size, info.st_mtime_ns), folders, now)
    finally:
        os.close(fd)  # releases the lock


def _checked(config: Path, stamp: tuple[int, int], folders: dict[str, Path | None],
             now: datetime) -> Unchanged | None:
    state, entries_dir, output_dir, media_dir = (folders["state_dir"], folders["entries_dir"],
                                                 folders["output_dir"], folders["media_dir"])
    template, ledger = folders["template"], folders["ledger"]
    assert state is not None and entries_dir is not None and output_dir is not None
    assert ledger is not None
    body, _ = read_sealed(state / STATE_NAME, "state")
    if body is None or body.get("upload_pending") is not False:
        return None
    config_path = str(config.resolve())
    paths = [config_path, str(entries_dir), str(output_dir), str(media_dir or ""),
             str(template or ""), str(ledger)]
    if body.get("paths") != paths:
        return None
    problems, due, outputs = body.get("problems"), body.get("due"), body.get("outputs")
    if not isinstance(problems, list) or not all(type(p) is str for p in problems):
        return None
    if due is not None and not (type(due) is str and _later(due, now)):
        return None
    entries = _digest(*list_entries(entries_dir, keep=True), odd_files_skipped=True)
    media = _digest(*list_media(media_dir), odd_files_skipped=False) if media_dir is not None \
        else _digest([], [], odd_files_skipped=False)
    if entries is None or media is None:
        return None
    shown_template = "" if template is None else template_text(str(template), file_stamp(template))
    if body.get("inputs") != inputs_digest(config_path, stamp, entries, media, shown_template,
                                           file_stamp(ledger), __version__):
        return None
    if not isinstance(outputs, dict) or not _outputs_as_written(output_dir, outputs):
        return None
    refused = body.get("refused", [])
    if not isinstance(refused, list) or not all(type(r) is str for r in refused):
        return None
    return Unchanged(tuple(problems), tuple(refused))


def _folders(text: str, base: Path) -> dict[str, Path | None] | None:
    """The folders (and page template) the config names, resolved as the config reader
    resolves them; None when the text cannot say."""
    names: dict[str, object] = dict(FOLDER_DEFAULTS)
    template: object = None
    if any(key in text for key in (*FOLDER_DEFAULTS, "template")):
        import tomllib

        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        names.update((key, raw[key]) for key in FOLDER_DEFAULTS if key in raw)
        if raw.get("html", True) is not False:  # the template counts only for the page
            template = raw.get("template")
    if template is not None:
        names["template"] = template
    if not all(type(name) is str and name and "\0" not in name for name in names.values()):
        return None
    found: dict[str, Path | None] = {key: folder_path(base, str(name))
                                     for key, name in names.items()}
    found.setdefault("template", None)
    return found


def _later(due: str, now: datetime) -> bool:
    moment = datetime.fromisoformat(due)
    return moment.tzinfo is not None and moment > now


def _digest(names: list[str], infos: list[os.stat_result], *,
            odd_files_skipped: bool) -> str | None:
    """``entries_digest`` of the plain files listed, or None when one is a link (its
    target's stamp is what the build used, and only the full path follows links) or,
    where the build refuses anything but plain files (media), one is something else."""
    kinds = [info.st_mode & _KIND for info in infos]  # flat: this runs every minute
    found = set(kinds)
    if stat.S_IFLNK in found:
        return None
    if found <= {stat.S_IFREG}:  # the usual folder: plain files only
        return entries_digest(names, [info.st_size for info in infos],
                              [info.st_mtime_ns for info in infos])
    if not odd_files_skipped:
        return None
    kept = [(name, info) for name, info, kind in zip(names, infos, kinds, strict=True)
            if kind == stat.S_IFREG]
    return entries_digest([name for name, _ in kept], [info.st_size for _, info in kept],
                          [info.st_mtime_ns for _, info in kept])


_KIND = 0o170000  # stat.S_IFMT's mask: the file's type


def _outputs_as_written(folder: Path, outputs: dict[str, object]) -> bool:
    for name, recorded in outputs.items():
        stamp = file_stamp(folder / name)
        if recorded is None:
            if stamp is not None:
                return False
        elif stamp is None or [stamp[0], stamp[1]] != recorded:
            return False
    return True
