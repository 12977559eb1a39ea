"""One lock per blog, so two cron runs never build or upload at the same time.

``fcntl.flock`` is released by the kernel when the holder dies, however it dies, so a
lock left by a killed run never blocks the next one: there is no stale-lock cleanup
to get wrong. The file holds the holder's pid only to make the error message useful.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from feedpub.errors import LockedError

LOCK_NAME = "lock"


class BlogLock:
    def __init__(self, state_dir: Path, wait_seconds: float = 0.0):
        self.path = state_dir / LOCK_NAME
        self.wait_seconds = wait_seconds
        self.fd: int | None = None

    def __enter__(self) -> BlogLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise LockedError(
                        f"{self.path}: another feedpub run{holder} is publishing this blog; "
                        "this run did nothing (use --wait SECONDS to wait for it)"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""
