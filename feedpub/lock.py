"""One lock per blog, so two cron runs never build or upload at the same time.

``fcntl.flock`` is released by the kernel when the holder dies, however it dies, so a
lock left by a killed run never blocks the next one: there is no stale-lock cleanup
to get wrong. Three details keep that promise and the "a no-op run writes nothing"
promise:

- The lock file is never written. Writing the holder's pid into it would change the
  state folder's bytes and mtimes on every minute's run; the holder is found in
  ``/proc/locks`` instead, only when a second run needs it for its message.
- A forked child (render workers, the parse pool) shares the parent's open file
  description and so would keep the lock alive after the parent is SIGKILLed. Each
  child closes its inherited copy at once (closing one reference does not release
  the parent's lock) and, on Linux, asks the kernel to kill it when the parent dies,
  so no orphan keeps writing into ``feeds/`` after the run that started it is gone.
- ``create=False`` (``--dry-run``) never creates the state folder: a dry run of a
  blog that has never been built must leave no trace.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import signal
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from feedpub.errors import LockedError

LOCK_NAME = "lock"
POLL_SECONDS = 0.05
PR_SET_PDEATHSIG = 1

_held: set[int] = set()  # lock fds this process holds; children must not keep them
_holder_pid = 0  # the process that took them, to tell a child whose parent already died


class BlogLock:
    """Exclusive lock on ``<state_dir>/lock``; raises LockedError (exit 7) when busy."""

    def __init__(self, state_dir: Path, wait_seconds: float = 0.0, *, create: bool = True):
        self.path = state_dir / LOCK_NAME
        self.wait_seconds = wait_seconds
        self.create = create
        self.fd: int | None = None

    def __enter__(self) -> BlogLock:
        if self.create:
            if not self.path.parent.is_dir():  # not mkdir(exist_ok): a no-op run attempts no write
                self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_CREAT
        elif not self.path.exists():
            return self  # nothing was ever built here, so there is nothing to protect
        else:
            flags = os.O_RDONLY
        fd = os.open(self.path, flags, 0o644)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    os.close(fd)
                    raise LockedError(self._busy_message(holder)) from None
                time.sleep(POLL_SECONDS)
        global _holder_pid
        self.fd = fd
        _held.add(fd)
        _holder_pid = os.getpid()
        return self

    def _busy_message(self, holder: int | None) -> str:
        """One line: who holds the lock and since when, and what to do about it.

        Without ``--wait`` the advice is to wait; after a wait that ran out it is to
        look at the holder, which has then been busy for longer than expected.
        """
        who = "another feedpub run" + _described(holder)
        if self.wait_seconds <= 0:
            return (f"{self.path}: {who} is publishing this blog; this run did nothing "
                    "(use --wait SECONDS to wait for it)")
        check = f"; if this repeats, check it with 'ps -p {holder}'" if holder else ""
        return (f"{self.path}: timed out after {_duration(self.wait_seconds)} waiting for {who}, "
                f"which holds this blog's lock; this run did nothing{check}")

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.fd is not None:
            _held.discard(self.fd)
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def _holder(fd: int) -> int | None:
    """The pid of the process holding the flock on ``fd``'s file, from /proc/locks."""
    try:
        info = os.fstat(fd)
        with open("/proc/locks", encoding="ascii") as table:
            lines = table.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 10512 fe:00:2154483 0 EOF" (blocked waiters start "->")
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].endswith(f":{info.st_ino}"):
            return int(fields[4]) if fields[4].isdigit() else None
    return None


def _described(pid: int | None) -> str:
    """`` (pid N, running for 3 min 5 s)``, as much of it as /proc tells, or nothing."""
    if pid is None:
        return ""
    age = _process_age(pid)
    return f" (pid {pid}, running for {_duration(age)})" if age is not None else f" (pid {pid})"


def _process_age(pid: int) -> float | None:
    """Seconds since ``pid`` started, from /proc (Linux); None where that is unknown.

    The lock file is never written (see the module docstring), so it cannot record
    when it was taken; the holder's age is the closest honest figure, and a run takes
    its lock within a moment of starting (or of its ``--wait`` ending).
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()  # after "(name)", which may hold spaces
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of proc(5)
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, up - started)


def _duration(seconds: float) -> str:
    """``45 s``, ``3 min 5 s``, ``2 h 10 min``: a length of time a person reads at a glance."""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:g} s" if seconds < 10 and seconds != whole else f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def _after_fork_in_child() -> None:
    """Drop inherited lock fds and die with the parent (see the module docstring)."""
    if not _held:
        return
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    _die_with_parent()


def _die_with_parent() -> None:
    try:
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return  # not Linux: children still finish and exit on their own
    if os.getppid() != _holder_pid:  # the parent died before prctl took effect
        os._exit(1)


@functools.cache
def _libc() -> Any:
    """The C library, for prctl. Loaded in the parent before its first fork while it
    holds the lock, so each child (forked on a build's critical path) has it already."""
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _before_fork() -> None:
    if _held:
        with contextlib.suppress(OSError):
            _libc()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
