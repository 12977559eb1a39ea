"""Sequencing the edges: read config and entries, build, render, check, write, upload.

The only module that touches the files of a blog in order; every step it calls is a
plain function that can be tested alone. Nothing here reads the clock: ``now`` comes
from the CLI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeGuard

from feedpub import __version__
from feedpub.config import SiteConfig, load_config
from feedpub.errors import EntryError, EntryProblem, FeedCheckError
from feedpub.state import (
    FileStamp,
    StateFolder,
    entry_to_record,
    inputs_digest,
    record_to_entry,
    scan_entries,
    stamp,
)
from feedpub.text import shown_path

Log = Callable[[str], None]
PARALLEL_THRESHOLD = 1500  # below this, starting a second process costs more than it saves


@dataclass
class BuildResult:
    """What a build did; the CLI decides what of it to print."""

    unchanged: bool = False
    written: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parsed: int = 0
    entries: int = 0
    closed: bool = False
    upload: Any = None


def _quiet(_: str) -> None:
    return None


def build(config: SiteConfig | Path, *, now: datetime, dry_run: bool = False, upload: bool = False,
          force_upload: bool = False, log: Log = _quiet, progress: bool = False) -> BuildResult:
    """Bring ``feeds/`` (and the upload target) up to date with ``entries/``.

    A run where nothing changed since the last successful one reads no entry and
    writes nothing. On any error the published feeds are left exactly as they were.
    ``config`` is a loaded config (the CLI has one already, for the lock) or its path.
    """
    if isinstance(config, Path):
        config = load_config(config)
    state = StateFolder(config.state_dir)
    result = BuildResult(closed=config.closed is not None)
    stamps = _scan(config)
    digest = inputs_digest(Path(config.path).resolve(), config.read_stamp, stamps, __version__)
    wants_upload = upload or _auto_upload(config)
    last = state.last_build()
    if not dry_run and not force_upload and _up_to_date(last, digest, config, wants_upload):
        result.unchanged = True
        result.warnings = state.warnings
        return result
    _build_and_write(config, state, stamps, now=now, dry_run=dry_run, log=log,
                     progress=progress, result=result)
    result.warnings = state.warnings + result.warnings
    if dry_run:
        return result
    outputs = _output_stamps(config)
    state.save_build(digest, outputs, upload_pending=wants_upload)
    if wants_upload:
        result.upload = upload_outputs(config, dry_run=False, force=force_upload, log=log)
        state.save_build(digest, outputs, upload_pending=False)
    return result


def _scan(config: SiteConfig) -> list[FileStamp]:
    try:
        return scan_entries(config.entries_dir)
    except FileNotFoundError:
        raise EntryError([EntryProblem(str(config.entries_dir), None,
                                       "does not exist; create it and add one .md file per "
                                       "update, or set entries_dir")]) from None
    except NotADirectoryError:
        raise EntryError([EntryProblem(str(config.entries_dir), None,
                                       "is not a folder; set entries_dir")]) from None


def _auto_upload(config: SiteConfig) -> bool:
    return bool(config.upload and config.upload.get("after_build", False))


def _output_stamps(config: SiteConfig) -> dict[str, list[int] | None]:
    from feedpub.formats import FORMATS

    return {f.filename: stamp(config.output_dir / f.filename) for f in FORMATS.values()}


def _up_to_date(last: dict[str, Any] | None, digest: str, config: SiteConfig,
                wants_upload: bool) -> bool:
    """True when inputs and outputs are exactly as the last successful run left them."""
    if last is None or last.get("inputs") != digest:
        return False
    if last.get("upload_pending") and wants_upload:
        return False  # the previous upload failed: this run must finish it
    return last.get("outputs") == _output_stamps(config)


def _build_and_write(config: SiteConfig, state: StateFolder, stamps: list[FileStamp], *,
                     now: datetime, dry_run: bool, log: Log, progress: bool,
                     result: BuildResult) -> None:
    import os

    from feedpub.build import build_feed
    from feedpub.formats import FORMATS
    from feedpub.output import commit, remove_stale_temps
    from feedpub.render_jobs import render_all

    entries, parsed = load_entries_cached(config, state, stamps, now=now, dry_run=dry_run,
                                          progress=progress)
    result.parsed, result.entries = parsed, len(entries)
    feed = build_feed(config, entries)
    del entries
    output_dir = None if dry_run else config.output_dir
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(output_dir)
    rendered = render_all(feed, output_dir, tag=str(os.getpid()))
    errors = [line for r in rendered for line in r.errors]
    result.warnings.extend(line for r in rendered for line in r.warnings)
    if errors:
        for r in rendered:
            if r.staged is not None:
                r.staged.unlink(missing_ok=True)
        raise FeedCheckError("\n".join(
            [*errors, "the rendered feeds failed their check; the published feeds were kept"]))
    for r in rendered:
        if r.staged is not None and output_dir is not None:
            target = output_dir / FORMATS[r.name].filename
            commit(r.staged, target)
            result.written.append(_shown(config, target))
            log(f"wrote {_shown(config, target)}")


def entry_context_digest(config: SiteConfig) -> str:
    import cmarkgfm
    import nh3

    from feedpub.state import code_digest

    parts = [__version__, code_digest(), config.id_base, config.home_page_url, config.timezone_name,
             str(getattr(cmarkgfm, "__version__", "")), str(getattr(nh3, "__version__", ""))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def load_entries_cached(config: SiteConfig, state: StateFolder, stamps: list[FileStamp], *,
                        now: datetime, dry_run: bool = False,
                        progress: bool = False) -> tuple[list[Any], int]:
    """Every published entry, parsing only files that changed since the cache was written."""
    from feedpub.entries import EntryContext, duplicate_id_problems

    ctx = EntryContext(config.id_base, config.home_page_url, config.timezone, now)
    context = entry_context_digest(config)
    cache = state.load_cache(context)
    reuse, todo = _split_cached(cache, stamps, config, state)
    fresh = _parse_files(todo, config, ctx, progress)
    problems = [p for _, _, outcome in fresh if isinstance(outcome, list) for p in outcome]
    records: dict[str, list[Any]] = dict(reuse)
    for item, digest, outcome in fresh:
        if not isinstance(outcome, list):
            records[item.name] = [item.size, item.mtime_ns, digest, entry_to_record(outcome)]
    entries = [e for e in (_from_cache(r, state) for r in records.values()) if e is not None]
    entries.sort(key=lambda e: e.source)
    problems.extend(duplicate_id_problems(entries))
    if problems:
        raise EntryError(problems)
    if not dry_run and (fresh or set(cache) != set(records)):
        state.save_cache(context, dict(sorted(records.items())))
    return entries, len(fresh)


def _split_cached(cache: dict[str, list[Any]], stamps: list[FileStamp], config: SiteConfig,
                  state: StateFolder) -> tuple[dict[str, list[Any]], list[tuple[FileStamp, bytes]]]:
    """Cached records still valid, and the files (with their bytes) that need parsing."""
    reuse: dict[str, list[Any]] = {}
    todo: list[tuple[FileStamp, bytes]] = []
    for item in stamps:
        record = cache.get(item.name)
        if _valid_record(record) and record[0] == item.size and record[1] == item.mtime_ns:
            reuse[item.name] = record
            continue
        data = (config.entries_dir / item.name).read_bytes()
        if _valid_record(record) and record[2] == hashlib.sha256(data).hexdigest():
            reuse[item.name] = [item.size, item.mtime_ns, record[2], record[3]]
        else:
            todo.append((item, data))
    return reuse, todo


def _valid_record(record: object) -> TypeGuard[list[Any]]:
    return isinstance(record, list) and len(record) == 4


def _from_cache(record: list[Any], state: StateFolder) -> Any:
    try:
        return record_to_entry(record[3])
    except (ValueError, TypeError, IndexError):
        state.warnings.append(f"{state.folder}: warning: a cached entry was unreadable; "
                              "delete the folder if this repeats")
        return None


def _parse_files(todo: list[tuple[FileStamp, bytes]], config: SiteConfig, ctx: Any,
                 progress: bool) -> list[tuple[FileStamp, str, Any]]:
    from feedpub.entries import parse_entry

    root = Path(config.path).parent.resolve()
    if len(todo) >= PARALLEL_THRESHOLD:
        from feedpub.parallel import parse_in_parallel

        return parse_in_parallel(todo, config, ctx, root, progress)
    items = _with_progress(todo, progress)
    return [(item, hashlib.sha256(data).hexdigest(),
             parse_entry(data, _shown_entry(config, item.name, root), ctx))
            for item, data in items]


def _with_progress(todo: list[Any], progress: bool) -> Any:
    if not progress or len(todo) < 200:
        return todo
    from tqdm import tqdm

    return tqdm(todo, desc="parsing entries", unit="entry", leave=False)


def _shown_entry(config: SiteConfig, name: str, root: Path | None) -> str:
    return shown_path(config.entries_dir / name, root)


def _shown(config: SiteConfig, path: Path) -> str:
    return shown_path(path, Path(config.path).parent.resolve())


def upload_outputs(config: SiteConfig, *, dry_run: bool, force: bool, log: Log) -> Any:
    """Send what changed in ``feeds/`` to the configured target, then ping hubs."""
    from feedpub.errors import ConfigError
    from feedpub.formats import FORMATS
    from feedpub.upload import publish_outputs

    if not config.upload:
        raise ConfigError(config.path, "upload", "no [upload] table; add one with a target "
                          "(see README, Upload)")
    table = {k: v for k, v in config.upload.items() if k != "after_build"}
    return publish_outputs(
        table, config_path=config.path, output_dir=config.output_dir,
        state_dir=config.state_dir,
        public_urls={f.filename: config.feed_url(f.filename) for f in FORMATS.values()},
        hubs=config.hubs, closed=config.closed is not None, dry_run=dry_run, force=force,
        log=log,
    )
