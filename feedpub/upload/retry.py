"""Bounded retries with exponential backoff, for transient failures only.

A 4xx or a wrong host key will not get better by asking again, so PermanentError
goes straight through; timeouts, resets and 5xx often do, so they are retried a
fixed number of times with growing pauses, and the last cause is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from feedpub.upload.base import TransientError

T = TypeVar("T")


def backoff_delays(retries: int, backoff: float, cap: float = 30.0) -> list[float]:
    """The pauses between attempts: backoff, 2×backoff, 4×backoff… capped so a run stays bounded."""
    return [min(cap, backoff * (2**i)) for i in range(retries)]


def gave_up(attempts: int) -> str:
    """The tail of a message after the last attempt failed: "(gave up after 3 attempts)"."""
    return f"(gave up after {attempts} attempt{'' if attempts == 1 else 's'})"


def with_retries(
    action: Callable[[], T],
    *,
    retries: int,
    backoff: float,
    on_retry: Callable[[int, Exception], None] = lambda attempt, exc: None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `action`; on TransientError wait and try again, at most `retries` more times.

    Raises the last TransientError when attempts run out, and any PermanentError at once.
    """
    for attempt, delay in enumerate(backoff_delays(retries, backoff), start=1):
        try:
            return action()
        except TransientError as exc:
            on_retry(attempt, exc)
            sleep(delay)
    return action()
