"""Parsing many entries on every core: a cold build of a long blog uses both CPUs.

Only used above a threshold (see pipeline.PARALLEL_THRESHOLD): for a handful of
changed entries, starting worker processes costs more than parsing them.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from pathlib import Path
from typing import Any

from feedpub.config import SiteConfig
from feedpub.entries import EntryContext, parse_entry
from feedpub.state import FileStamp
from feedpub.text import shown_path

_JOB: dict[str, Any] = {}


def _parse_chunk(chunk: list[tuple[FileStamp, bytes]]) -> list[tuple[FileStamp, str, Any]]:
    entries_dir, root, ctx = _JOB["entries_dir"], _JOB["root"], _JOB["ctx"]
    out = []
    for item, data in chunk:
        shown = shown_path(entries_dir / item.name, root)
        out.append((item, hashlib.sha256(data).hexdigest(), parse_entry(data, shown, ctx)))
    return out


def parse_in_parallel(todo: list[tuple[FileStamp, bytes]], config: SiteConfig,
                      ctx: EntryContext, root: Path,
                      progress: bool = False) -> list[tuple[FileStamp, str, Any]]:
    """Parse ``todo`` in forked workers (which inherit the imported parsers for free)."""
    workers = max(1, min(len(os.sched_getaffinity(0)), 4))
    if workers == 1:
        _JOB.update(entries_dir=config.entries_dir, root=root, ctx=ctx)
        return _parse_chunk(todo)
    size = -(-len(todo) // (workers * 16))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    _JOB.update(entries_dir=config.entries_dir, root=root, ctx=ctx)
    rows: list[tuple[FileStamp, str, Any]] = []
    bar = _progress_bar(len(todo)) if progress else None
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for result in pool.imap(_parse_chunk, chunks):  # in order, so output is stable
            rows.extend(result)
            if bar is not None:
                bar.update(len(result))
    if bar is not None:
        bar.close()
    return rows


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="parsing entries", unit="entry", leave=False)
