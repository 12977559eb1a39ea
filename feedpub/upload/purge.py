"""Tell the CDN in front of the feeds which public URLs changed, so it drops its copies.

Runs after a successful upload and before the WebSub pings: a hub fetches the feed as
soon as it is pinged, and must get the new bytes from the CDN, not the cached old
ones. Like a ping, a purge that fails is a warning, never a failed publish (the files
are online; the CDN's copies expire after their ``max-age`` anyway), and the URLs it
did not purge are kept in the manifest for the next upload run to try again.

Two styles (``[upload.purge] method``):

- ``PURGE``: ``PURGE <public URL>``, one request per URL, as Varnish, Fastly and
  nginx's cache-purge module take it. 2xx is done; 404 is done too (that cache did
  not hold the URL, which nginx's module answers with 404).
- ``POST``: ``POST <url>`` with ``{"<json_key>": [URLs]}``, up to 30 URLs a request
  (Cloudflare's purge by URL; its free plan's limit). 2xx is done unless the JSON
  answer says ``"success": false``.

Requests go through ``anonymous`` (no netrc, no auth, no redirects followed); the only
credential ever sent is the token from the variable that ``token_env`` names, in the
``token_header`` header (``Authorization`` gets ``Bearer <token>``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import requests

from feedpub.deadline import DeadlineExceeded, deadline
from feedpub.notices import Notice
from feedpub.upload.anonymous import anonymous_session, plain_url, proxies_for
from feedpub.upload.retry import backoff_delays, gave_up
from feedpub.upload.settings import PurgeSettings, redact_url

BATCH = 30


@dataclass(frozen=True)
class PurgeOutcome:
    """The URLs still to purge (for the next run) and one warning per failure."""

    left: list[str]
    notices: list[Notice]


def purge(settings: PurgeSettings, urls: Sequence[str], *, timeout: float, deadline_s: float,
          retries: int, backoff: float,
          sleep: Callable[[float], None] = time.sleep) -> PurgeOutcome:
    """Purge every URL; what could not be purged comes back in ``left``, with a warning."""
    if not urls:
        return PurgeOutcome([], [])
    headers: dict[str, str] = {}
    if settings.token_env:
        token = os.environ.get(settings.token_env)
        if not token:
            return PurgeOutcome(list(urls), [Notice("CDN purge", f"${settings.token_env} (upload.purge."
                                                    "token_env) is not set; purge postponed to the "
                                                    "next upload")])
        bearer = settings.token_header.lower() == "authorization"
        headers[settings.token_header] = f"Bearer {token}" if bearer else token
    batches = [[u] for u in urls] if settings.method == "PURGE" else \
        [list(urls[i:i + BATCH]) for i in range(0, len(urls), BATCH)]
    sender = _Sender(settings, headers, timeout, deadline_s)
    left: list[str] = []
    notices: list[Notice] = []
    with sender.session:
        for batch in batches:
            problem = _with_retries(partial(sender.send, batch), retries, backoff, sleep)
            if problem:
                left.extend(batch)
                where = batch[0] if len(batch) == 1 else f"{len(batch)} URLs from {batch[0]}"
                notices.append(Notice("CDN purge", f"{where}: {problem}; retried on the next upload"))
    return PurgeOutcome(left, notices)


class _Sender:
    """Sends one purge request; returns None when done, or the problem and whether to retry."""

    def __init__(self, settings: PurgeSettings, headers: dict[str, str], timeout: float,
                 deadline_s: float):
        self.settings, self.headers = settings, headers
        self.timeout, self.deadline = timeout, deadline_s
        self.session = anonymous_session("CDN purge")

    def send(self, batch: list[str]) -> tuple[str, bool] | None:
        if self.settings.method == "PURGE":
            url, body = plain_url(batch[0]), None
        else:
            url = self.settings.url or ""
            body = json.dumps({self.settings.json_key: batch}).encode("utf-8")
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            with deadline(self.deadline, what=f"{self.settings.method} {redact_url(url)}"):
                response = self.session.request(self.settings.method, url, data=body, headers=headers,
                                                timeout=self.timeout, allow_redirects=False,
                                                proxies=proxies_for(url))
                text = response.text[:2000] if body is not None else ""
                response.close()
        except DeadlineExceeded:
            return f"no complete answer within {self.deadline:g} s (upload.deadline)", True
        except requests.Timeout:
            return f"timed out after {self.timeout:g} s", True
        except requests.RequestException as exc:
            return f"cannot connect ({type(exc).__name__})", True
        return _judge(self.settings.method, response.status_code, response.reason, text)


def _judge(method: str, status: int, reason: str | None, text: str) -> tuple[str, bool] | None:
    """None when the CDN accepted the purge; otherwise the problem and whether to retry."""
    if 200 <= status < 300:
        if method == "POST" and _says_failure(text):
            return f"the API answered HTTP {status} with success: false", False
        return None
    if method == "PURGE" and status == 404:
        return None  # that cache did not hold the URL: nothing to drop
    return f"HTTP {status} {reason or ''}".strip(), status >= 500 or status == 429


def _says_failure(text: str) -> bool:
    try:
        answer = json.loads(text)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("success") is False


def _with_retries(send: Callable[[], tuple[str, bool] | None], retries: int, backoff: float,
                  sleep: Callable[[float], None]) -> str | None:
    """Try, and retry what a retry can fix; the last problem, or None once done."""
    outcome = send()
    for delay in backoff_delays(retries, backoff):
        if outcome is None or not outcome[1]:
            break
        sleep(delay)
        outcome = send()
    if outcome is None:
        return None
    return outcome[0] if not outcome[1] else f"{outcome[0]} {gave_up(retries + 1)}"
