"""Fetching a feed by URL for ``publish.py validate URL``, with what the HTTP side says.

Only imported when a source is a URL, so validating files never pays for it. Built on
``http.client`` rather than requests because it needs what requests hides:

- a *total* deadline for everything a source costs (connecting, every redirect, the
  headers and the body, and the conditional re-request): a watchdog shuts the socket
  when it passes, so a server that sends one byte a second cannot hold us past it,
  where a per-read timeout never fires;
- each redirect, to check its scheme (http and https only: never file:, ftp:...) and
  to report permanent ones; credentials in the URL go to its own origin and are never
  forwarded to another; proxies and netrc are never read from the environment;
- the body as sent, to see whether the server compressed it; it is decompressed here,
  and both the body and the decompressed data stop at the size cap.

Redirects to private addresses are followed: this is a command-line tool run by the
person who typed the URL, not a server fetching URLs for others.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote, urljoin, urlsplit

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "feedpub-validate/0.2"
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, application/json;q=0.9, */*;q=0.5")
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)


class FetchError(Exception):
    """A URL could not be fetched as a feed; the message is one line for the user.

    ``rule`` says what kind of failure it was, for the finding that reports it.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class Deadline:
    """One total time budget, shared by every request made for one source."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises :class:`FetchError` once none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            self.expired()
        return left

    def expired(self) -> None:
        """Raise the timeout: the budget is spent (or the watchdog cut the connection)."""
        raise FetchError("http-timeout", f"cannot fetch: no complete answer within "
                                         f"{self.seconds:g} s (a total deadline)")


class _Watchdog:
    """Shuts a connection's socket when the deadline passes, so a read blocked on a
    slow server returns at once; ``fired`` tells the reader why it returned."""

    def __init__(self, connection: http.client.HTTPConnection, deadline: Deadline) -> None:
        self.connection = connection
        self.fired = False
        self.timer = threading.Timer(deadline.remaining(), self._shut)
        self.timer.daemon = True

    def _shut(self) -> None:
        self.fired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to stop
                sock.shutdown(socket.SHUT_RDWR)


@dataclass
class Hop:
    """One redirect: its status, where it was and where it sent us."""

    status: int
    url: str
    location: str


@dataclass
class Response:
    """What a URL answered: the final URL and status, headers, body and redirects."""

    url: str
    status: int
    headers: Message
    body: bytes
    redirects: list[Hop] = field(default_factory=list)
    compressed: str | None = None  # the Content-Encoding that was undone, if any


def fetch(url: str, *, max_bytes: int, deadline: Deadline,
          headers: dict[str, str] | None = None) -> Response:
    """GET ``url`` (following redirects) before ``deadline``; raise :class:`FetchError`."""
    _check_url(url)
    origin = _origin(url)
    redirects: list[Hop] = []
    for _ in range(MAX_REDIRECTS + 1):
        _check_url(url)
        response = _get(url, headers or {}, max_bytes, deadline, with_auth=_origin(url) == origin)
        location = response.headers.get("Location")
        if response.status in REDIRECTS and location:
            try:
                target = urljoin(url, location.strip())
            except ValueError as exc:  # e.g. "http://[::1" (urljoin splits it)
                raise FetchError("http-fetch-failed", f"cannot follow a redirect to "
                                 f"{location.strip()[:200]!r}: not a valid URL ({exc})") from exc
            redirects.append(Hop(response.status, url, target))
            url = target
            continue
        response.redirects = redirects
        if response.status >= 400:
            looks = " (its body looks like a feed, which some readers will show anyway)" \
                if _looks_like_feed(response.body) else ""
            raise FetchError("http-status-error",
                             f"cannot fetch: HTTP {response.status} from {url}{looks}")
        return response
    raise FetchError("http-fetch-failed", f"cannot fetch: more than {MAX_REDIRECTS} redirects")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _check_url(url: str) -> None:
    """Refuse, as a FetchError, a URL that is not http(s) or that urllib cannot take
    apart: a port that is not a number from 0 to 65535 or an unclosed "[" raise
    ValueError from ``urlsplit`` or its ``port``, and the URL (given, or a server's
    redirect) is untrusted input."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # the property raises on a bad port
    except ValueError as exc:
        raise FetchError("http-fetch-failed",
                         f"cannot fetch {url[:200]!r}: not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("http-fetch-failed",
                         f"refusing to follow a redirect to a {scheme or 'relative'}: URL ({url})")


def _get(url: str, extra: dict[str, str], max_bytes: int, deadline: Deadline, *,
         with_auth: bool) -> Response:
    """One request, no redirects followed, under the deadline's watchdog."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate",
               **extra}
    if with_auth and parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    connection = _connection(parts.scheme.lower(), parts.hostname or "", parts.port, deadline)
    watchdog = _Watchdog(connection, deadline)
    watchdog.timer.start()
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        encoding = (answer.getheader("Content-Encoding") or "").strip().lower() or None
        limit = 4096 if answer.status >= 300 else max_bytes
        raw = _read_capped(answer, limit, deadline)
        if watchdog.fired:
            deadline.expired()
        body = raw if encoding is None or 300 <= answer.status < 400 else \
            _decode(raw, encoding, max_bytes, partial=answer.status >= 400)
        return Response(url, answer.status, answer.headers, body, compressed=encoding)
    except FetchError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.fired:  # a socket shut by the watchdog is a timeout, said as one
            deadline.expired()
        deadline.remaining()
        raise FetchError("http-fetch-failed",
                         f"cannot fetch: {type(exc).__name__}: {exc}".rstrip(": ")) from exc
    finally:
        watchdog.timer.cancel()
        connection.close()


def _connection(scheme: str, host: str, port: int | None,
                deadline: Deadline) -> http.client.HTTPConnection:
    timeout = deadline.remaining()
    try:
        if scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=_tls_context())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        connection.connect()
    except (OSError, http.client.HTTPException) as exc:
        deadline.remaining()
        raise FetchError("http-fetch-failed", f"cannot fetch: {type(exc).__name__}: {exc}") from exc
    return connection


def _tls_context() -> ssl.SSLContext:
    """Certificates from certifi when it is installed (as requests does), else the system's."""
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def _read_capped(answer: http.client.HTTPResponse, max_bytes: int, deadline: Deadline) -> bytes:
    declared = answer.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("http-too-large",
                         f"cannot fetch: {declared} bytes is over the {max_bytes}-byte limit")
    body = bytearray()
    while True:
        deadline.remaining()
        chunk = answer.read1(CHUNK)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise FetchError("http-too-large",
                             f"cannot fetch: the response is over the {max_bytes}-byte limit")


def _decode(raw: bytes, encoding: str, max_bytes: int, *, partial: bool = False) -> bytes:
    """Undo gzip or deflate, stopping at the size cap (a small bomb can expand hugely).

    ``partial`` is for the first few KiB of an error page: what decodes is enough.
    """
    if partial:
        try:
            return _decode(raw, encoding, max_bytes)
        except FetchError:
            return raw
    if encoding in ("gzip", "x-gzip"):
        decoders = [zlib.decompressobj(16 + zlib.MAX_WBITS)]
    elif encoding == "deflate":  # zlib-wrapped per RFC 9110, raw in some servers
        decoders = [zlib.decompressobj(), zlib.decompressobj(-zlib.MAX_WBITS)]
    elif encoding == "identity":
        return raw
    else:
        raise FetchError("http-fetch-failed",
                         f'cannot fetch: the server sent Content-Encoding "{encoding}", which was '
                         "not asked for")
    for decoder in decoders:
        try:
            data = decoder.decompress(raw, max_bytes + 1)
        except zlib.error:
            continue
        if len(data) > max_bytes:
            raise FetchError("http-too-large",
                             f"cannot fetch: the decompressed response is over the {max_bytes}-byte "
                             "limit")
        if not decoder.eof:  # zlib raises on bad data, not on data that stops short
            continue
        return data
    raise FetchError("http-fetch-failed",
                     f'cannot fetch: the body is not the "{encoding}" data its Content-Encoding '
                     "says (or it is cut short)")


def _looks_like_feed(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"{")) and b"<html" not in head
