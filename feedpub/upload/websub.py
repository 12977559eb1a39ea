"""Tell WebSub hubs that feeds changed, so subscribers get the update at once.

The W3C WebSub recommendation leaves the publish ping to each hub; the de facto form,
accepted by the common hubs (e.g. pubsubhubbub.appspot.com, websub.rocks), is a
form-encoded POST with `hub.mode=publish` and the topic URL. We send it as both
`hub.url` (PubSubHubbub 0.4 name) and `hub.topic` (WebSub name) to satisfy either.
A hub being down must not fail a publish whose files are already online, so every
failure comes back as a one-line warning instead of an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from feedpub.notices import Notice
from feedpub.upload.settings import redact_url

UNREACHABLE = ("timed out", "cannot connect")


def ping(
    hubs: Sequence[str],
    topics: Sequence[str],
    *,
    timeout: float,
    retries: int,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Notice]:
    """POST a publish notification to every hub for every topic; return warnings, one per failure.

    2xx is success; 5xx, timeouts and connection errors are retried up to `retries` times
    with exponential backoff; any 4xx is reported at once (asking again will not help).
    """
    if not hubs or not topics:
        return []
    import requests  # lazy: the cron path without changes never pays for importing requests

    warnings: list[Notice] = []
    with requests.Session() as session:
        session.headers["User-Agent"] = "feedpub (WebSub publisher)"
        for hub in hubs:
            unreachable = None
            for topic in topics:
                problem: str | None
                if unreachable:  # do not spend the whole backoff again on a hub that is down
                    problem = f"not tried, hub unreachable ({unreachable})"
                else:
                    problem = _ping_one(session, hub, topic, timeout, retries, backoff, sleep)
                    if problem and problem.startswith(UNREACHABLE):
                        unreachable = problem.split(" (gave up")[0]
                if problem:
                    warnings.append(Notice(f"WebSub hub {redact_url(hub)}", f"{topic}: {problem}"))
    return warnings


def _ping_one(
    session: object,
    hub: str,
    topic: str,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> str | None:
    """One hub, one topic, bounded retries; the last problem as text, or None on success."""
    import requests

    assert isinstance(session, requests.Session)
    form = {"hub.mode": "publish", "hub.url": topic, "hub.topic": topic}
    problem = "not tried"
    for attempt in range(retries + 1):
        if attempt:
            sleep(min(30.0, backoff * 2 ** (attempt - 1)))
        try:
            response = session.post(hub, data=form, timeout=timeout, allow_redirects=True)
        except requests.Timeout:
            problem = f"{UNREACHABLE[0]} after {timeout:g} s"
            continue
        except requests.RequestException as exc:
            problem = f"{UNREACHABLE[1]} ({type(exc).__name__})"
            continue
        if 200 <= response.status_code < 300:
            return None
        problem = f"HTTP {response.status_code} {response.reason or ''}".strip()
        if response.status_code < 500:
            return problem
    return f"{problem} (gave up after {retries + 1} attempts)"
