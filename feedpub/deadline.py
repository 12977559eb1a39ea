"""A total wall-clock deadline around a blocking call: ``with deadline(30, what="PUT rss.xml"):``.

Socket timeouts (requests' ``timeout``, botocore's ``read_timeout``, paramiko's) bound
each *read*, not the request: a peer that sends one byte a second never trips them and
can hold a run, and the blog's lock, for as long as it likes. ``deadline`` bounds the
whole block instead. It arms ``ITIMER_REAL``; when the time is up, SIGALRM's handler
raises ``DeadlineExceeded`` in the main thread, which interrupts the blocking system
call (PEP 475 retries a call only when the handler returns normally) and unwinds the
library's own ``finally`` blocks, so its connection is closed rather than reused.

Rules of use, kept small on purpose:

- Call it from the **main thread** only (signals are delivered there). Anywhere else,
  or on a platform without ``setitimer``, it does nothing and the block runs with its
  per-read timeouts alone; ``supported()`` says which case applies.
- ``DeadlineExceeded`` derives from ``BaseException`` (like ``KeyboardInterrupt``) so
  that a library's ``except Exception`` cannot swallow it and carry on retrying; catch
  it by name right around the ``with`` and turn it into your own error.
- Deadlines nest: an inner block never extends an outer one (the sooner one fires),
  and on exit the previous handler and the remaining time of an outer timer are
  restored.
- Wrap network calls only, never a local write: an interrupted write is the very
  thing feedpub's atomic writes exist to avoid.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["DeadlineExceeded", "deadline", "supported"]


class DeadlineExceeded(BaseException):
    """The block ran past its deadline; ``what`` and ``seconds`` say which and how long."""

    def __init__(self, what: str, seconds: float):
        self.what, self.seconds = what, seconds
        super().__init__(f"{what} took longer than {seconds:g} s")


def supported() -> bool:
    """True where ``deadline`` is enforced: the main thread of a platform with setitimer."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float, what: str = "the operation") -> Iterator[None]:
    """Raise DeadlineExceeded if the block is still running after ``seconds`` (wall clock)."""
    if not supported():
        yield
        return
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:
        yield  # an enclosing deadline fires first; it stays in charge
        return
    previous = signal.getsignal(signal.SIGALRM)
    if previous is None:  # installed outside Python: the best we can restore is the default
        previous = signal.SIG_DFL

    def expired(signum: int, frame: FrameType | None) -> None:
        raise DeadlineExceeded(what, seconds)

    started = time.monotonic()
    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-6))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:  # give the enclosing timer back what it had left (at least a tick)
            left = max(outer_left - (time.monotonic() - started), 1e-6)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)
