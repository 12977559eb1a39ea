"""Parsing many entry files: serially for a few, on every core for a cold build.

The pool is only used above ``tuning.PARSE_IN_PARALLEL_AT`` changed files: for a
handful, starting processes costs more than parsing them. Results come back in the
order of the input, so the output never depends on which worker was faster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from feedpub.entries import FileStamp, Parsed, Sent, received, sent
from feedpub.entries.parse import EntryContext, Outcome, parse_entry
from feedpub.errors import EntryProblem
from feedpub.forks import Children, can_fork, cpu_count
from feedpub.notices import Notice
from feedpub.tuning import MAX_WORKERS, PARSE_IN_PARALLEL_AT, PROGRESS_BAR_AT

CHUNKS_PER_WORKER = 16  # small enough to balance the load and draw a smooth progress bar


Todo = Sequence[tuple[FileStamp, bytes | None]]  # None: the worker reads the file itself
ShowPath = Callable[[str], str]  # entry file name → the path shown in messages
Transform = Callable[[Outcome], object]


def parse_files(todo: Todo, ctx: EntryContext, shown: ShowPath, folder: Path, *,
                progress: bool = False, transform: Transform | None = None,
                ) -> Generator[Parsed, None, None]:
    """Parse every file of ``todo`` (in its order), in forked workers when there are many.

    Files whose bytes are not given are read by whoever parses them (a worker, in
    parallel). ``transform`` turns each outcome into what comes back (in the worker).
    The results come as they are made, so a caller can store each and let it go: a
    first build of 100 000 entries never holds them all. Close the iterator (or read it
    to the end) to stop the workers.
    """
    workers = min(cpu_count(), MAX_WORKERS)
    job = _Job(ctx, shown, folder, transform)
    if len(todo) < PARSE_IN_PARALLEL_AT or workers < 2 or not can_fork():
        yield from _with_progress(job.parse(todo), len(todo), progress)
        return
    size = -(-len(todo) // (workers * CHUNKS_PER_WORKER))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    yield from _with_progress(_in_children(chunks, workers, job), len(todo), progress)


@dataclass(frozen=True, slots=True)
class _Job:
    ctx: EntryContext
    shown: ShowPath
    folder: Path
    transform: Transform | None

    def parse(self, chunk: Todo) -> Iterator[Parsed]:
        for stamp, data in chunk:
            try:
                raw = data if data is not None else (self.folder / stamp.name).read_bytes()
            except OSError as error:  # one unreadable file is its own problem, not the build's
                problems = [unreadable(self.shown(stamp.name), error)]
                yield Parsed(stamp, "", self.transform(problems) if self.transform else problems)
                continue
            notices: list[Notice] = []
            outcome = parse_entry(raw, self.shown(stamp.name), self.ctx, notices)
            yield Parsed(stamp, hashlib.sha256(raw).hexdigest(),
                         self.transform(outcome) if self.transform else outcome, tuple(notices))


def unreadable(shown: str, error: OSError) -> EntryProblem:
    """The problem of an entry file that cannot be read (another user's file, mode 600)."""
    if isinstance(error, FileNotFoundError):  # listed by the scan, gone since
        return EntryProblem(shown, None, "was removed while the build read it (saved or "
                            "renamed at that moment?); the next run reads it again")
    return EntryProblem(shown, None, f"cannot be read ({error.strerror or error}); let the user "
                        "that runs the build read it")


def _in_children(chunks: list[Todo], workers: int, job: _Job) -> Iterator[Parsed]:
    """Worker k parses chunks k, k+W, k+2W…; reading them round-robin restores the order."""
    with Children() as children:
        streams = [children.start(_worker(chunks[k::workers], job)).items()
                   for k in range(workers)]
        for index in range(len(chunks)):
            yield from map(received, next(streams[index % workers]))


def _worker(chunks: list[Todo], job: _Job) -> Callable[[], Iterable[list[Sent]]]:
    return lambda: ([sent(p) for p in job.parse(chunk)] for chunk in chunks)


def _with_progress(parsed: Iterable[Parsed], total: int, progress: bool) -> Iterator[Parsed]:
    if not progress or total < PROGRESS_BAR_AT:
        yield from parsed
        return
    from tqdm import tqdm

    with tqdm(total=total, desc="parsing entries", unit="entry", leave=False) as bar:
        for item in parsed:
            yield item
            bar.update(1)
