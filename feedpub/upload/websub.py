"""Tell WebSub hubs that feeds changed, so subscribers get the update at once.

The W3C WebSub recommendation leaves the publish ping to each hub; the de facto form,
accepted by the common hubs (e.g. pubsubhubbub.appspot.com, websub.rocks), is a
form-encoded POST with `hub.mode=publish` and the topic URL. We send it as both
`hub.url` (PubSubHubbub 0.4 name) and `hub.topic` (WebSub name) to satisfy either.
A hub being down must not fail a publish whose files are already online, so every
failure comes back as a one-line warning instead of an exception, and the topics a hub
could not take (down, timed out, 5xx) come back too, so the next run pings them again:
a subscriber learns of the update late rather than never. A 4xx is not kept: asking
again will not help.

A ping never carries a credential (``anonymous``: no netrc, no auth, none on
redirects), and each POST has a total ``deadline`` besides the per-read ``timeout``,
so a hub that answers one byte a second cannot hold the run and the blog's lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from feedpub.notices import Notice
from feedpub.upload.settings import redact_url

if TYPE_CHECKING:
    import requests

UNREACHABLE = ("timed out", "cannot connect", "no complete answer")


class PingOutcome(NamedTuple):
    """One warning per failed ping, and the topics to ping again on the next run."""

    notices: list[Notice]
    left: list[str]


def ping(
    hubs: Sequence[str],
    topics: Sequence[str],
    *,
    timeout: float,
    retries: int,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    deadline: float = 30.0,
) -> PingOutcome:
    """POST a publish notification to every hub for every topic: warnings, one per failure,
    and the topics some hub could not take for a reason that may pass.

    2xx is success; 5xx, timeouts, a missed `deadline` (seconds for one whole POST) and
    connection errors are retried up to `retries` times with exponential backoff; any
    4xx is reported at once (asking again will not help).
    """
    if not hubs or not topics:
        return PingOutcome([], [])
    # lazy: the cron path without changes never pays for importing requests
    from feedpub.upload.anonymous import anonymous_session

    warnings: list[Notice] = []
    left: list[str] = []
    with anonymous_session("WebSub publisher") as session:
        for hub in hubs:
            unreachable = None
            for topic in topics:
                problem: str | None
                if unreachable:  # do not spend the whole backoff again on a hub that is down
                    problem = f"not tried, hub unreachable ({unreachable})"
                else:
                    problem = _ping_one(session, hub, topic, _Limits(timeout, deadline, retries, backoff),
                                        sleep)
                    if problem and problem.startswith(UNREACHABLE):
                        unreachable = problem.split(" (gave up")[0]
                if problem:
                    warnings.append(Notice(f"WebSub hub {redact_url(hub)}", f"{topic}: {problem}"))
                    if not problem.startswith(_REFUSED) and topic not in left:
                        left.append(topic)
    return PingOutcome(warnings, left)


_REFUSED = "HTTP 4"  # the hub answered and said no: asking again will not help


class _Limits(NamedTuple):
    """How long one POST may take (per read, and in total) and how often it is tried."""

    timeout: float
    deadline: float
    retries: int
    backoff: float


def _ping_one(
    session: requests.Session,
    hub: str,
    topic: str,
    limits: _Limits,
    sleep: Callable[[float], None],
) -> str | None:
    """One hub, one topic, bounded retries; the last problem as text, or None on success."""
    import requests

    from feedpub.deadline import DeadlineExceeded, deadline
    from feedpub.upload.anonymous import plain_url, proxies_for

    form = {"hub.mode": "publish", "hub.url": topic, "hub.topic": topic}
    url = plain_url(hub)
    problem = "not tried"
    for attempt in range(limits.retries + 1):
        if attempt:
            sleep(min(30.0, limits.backoff * 2 ** (attempt - 1)))
        try:
            with deadline(limits.deadline, what=f"POST {url}"):
                response = session.post(url, data=form, timeout=limits.timeout, allow_redirects=True,
                                        proxies=proxies_for(url))
                response.close()
        except DeadlineExceeded:
            problem = f"{UNREACHABLE[2]} within {limits.deadline:g} s (upload.deadline)"
            continue
        except requests.Timeout:
            problem = f"{UNREACHABLE[0]} after {limits.timeout:g} s"
            continue
        except requests.RequestException as exc:
            problem = f"{UNREACHABLE[1]} ({type(exc).__name__})"
            continue
        if 200 <= response.status_code < 300:
            return None
        problem = f"HTTP {response.status_code} {response.reason or ''}".strip()
        if response.status_code < 500:
            return problem
    from feedpub.upload.retry import gave_up

    return f"{problem} {gave_up(limits.retries + 1)}"
