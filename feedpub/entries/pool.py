"""Parsing many entry files: serially for a few, on every core for a cold build.

The pool is only used above ``tuning.PARSE_IN_PARALLEL_AT`` changed files: for a
handful, starting processes costs more than parsing them. Results come back in the
order of the input, so the output never depends on which worker was faster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from feedpub.entries import FileStamp
from feedpub.entries.parse import EntryContext, Outcome, parse_entry
from feedpub.forks import Children, can_fork, cpu_count
from feedpub.notices import Notice
from feedpub.tuning import MAX_WORKERS, PARSE_IN_PARALLEL_AT, PROGRESS_BAR_AT

CHUNKS_PER_WORKER = 16  # small enough to balance the load and draw a smooth progress bar


@dataclass(frozen=True, slots=True)
class Parsed:
    """One file's parse: its stamp, the sha256 of its bytes, what parsing gave, and the
    warnings of an entry that was published with a change (what the sanitizer removed)."""

    stamp: FileStamp
    sha256: str
    outcome: Outcome
    notices: tuple[Notice, ...] = ()


Todo = Sequence[tuple[FileStamp, bytes]]
ShowPath = Callable[[str], str]  # entry file name → the path shown in messages


def parse_files(todo: Todo, ctx: EntryContext, shown: ShowPath, *,
                progress: bool = False) -> list[Parsed]:
    """Parse every (stamp, bytes) of ``todo``, in forked workers when there are many."""
    workers = min(cpu_count(), MAX_WORKERS)
    if len(todo) < PARSE_IN_PARALLEL_AT or workers < 2 or not can_fork():
        return _with_progress(_parse_chunk(todo, ctx, shown), len(todo), progress)
    size = -(-len(todo) // (workers * CHUNKS_PER_WORKER))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    return _with_progress(_in_children(chunks, workers, ctx, shown), len(todo), progress)


def _in_children(chunks: list[Todo], workers: int, ctx: EntryContext,
                 shown: ShowPath) -> Iterator[Parsed]:
    """Worker k parses chunks k, k+W, k+2W…; reading them round-robin restores the order."""
    with Children() as children:
        streams = [children.start(_worker(chunks[k::workers], ctx, shown)).items()
                   for k in range(workers)]
        for index in range(len(chunks)):
            yield from next(streams[index % workers])


def _worker(chunks: list[Todo], ctx: EntryContext,
            shown: ShowPath) -> Callable[[], Iterable[list[Parsed]]]:
    return lambda: (list(_parse_chunk(chunk, ctx, shown)) for chunk in chunks)


def _parse_chunk(chunk: Todo, ctx: EntryContext, shown: ShowPath) -> Iterator[Parsed]:
    for stamp, data in chunk:
        notices: list[Notice] = []
        outcome = parse_entry(data, shown(stamp.name), ctx, notices)
        yield Parsed(stamp, hashlib.sha256(data).hexdigest(), outcome, tuple(notices))


def _with_progress(parsed: Iterable[Parsed], total: int, progress: bool) -> list[Parsed]:
    if not progress or total < PROGRESS_BAR_AT:
        return list(parsed)
    from tqdm import tqdm

    with tqdm(total=total, desc="parsing entries", unit="entry", leave=False) as bar:
        out = []
        for item in parsed:
            out.append(item)
            bar.update(1)
        return out
