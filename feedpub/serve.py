"""``publish.py serve``: the output folder over HTTP on this machine, rebuilt as you edit.

An editor previews the page and the feeds exactly as a reader will get them: each file
with its Content-Type and charset, a strong ``ETag`` and ``Last-Modified`` (a second
fetch is answered ``304 Not Modified``), ``Cache-Control`` by the blog's state, and
gzip when the client asks. Once a second the inputs are compared with what was built
(the same cheap stamps as the cron no-op); when they changed, the blog is rebuilt under
its lock. A failed rebuild prints its one-line error once and the old files stay
served; the next change tries again.

Only regular files inside the output folder are served: a request path is decoded
once, refused if any segment is empty, ``.``, ``..`` or hidden (which also hides the
build's temporary files), and the resolved file must still be inside the folder, so
neither ``../``, ``%2e%2e`` nor a symbolic link reaches anything else. It binds to
127.0.0.1 unless told otherwise. Ctrl-C (or SIGTERM) stops it with exit code 0.

This module knows HTTP and the folder, nothing of building: the CLI hands it a
``rebuild`` and a ``fingerprint`` function.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from feedpub.errors import FeedpubError, LockedError, UsageError
from feedpub.formats import OUTPUTS, PAGE, content_type
from feedpub.upload.headers import cache_control

COMPRESSIBLE = ("text/", "application/rss+xml", "application/atom+xml", "application/feed+json",
                "application/json", "application/xml", "image/svg+xml")
POLL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Site:
    """What the server serves and how: the folder, and the blog's state for Cache-Control."""

    folder: Path
    closed: bool
    ttl_minutes: int

    def cache_control(self, name: str) -> str:
        """The same value an upload gives the file (``upload.headers``, docs/upload.md)."""
        return cache_control(name, closed=self.closed, ttl_minutes=self.ttl_minutes)


# the site as rebuilt, the files it wrote, and the entries it had to leave out (one line each)
Rebuild = Callable[[], tuple[Site, list[str], list[str]]]
Say = Callable[[str], None]


def resolve(folder: Path, target: str) -> Path | None:
    """The regular file inside ``folder`` that a request target names, or None.

    ``/`` is the page. Percent-escapes are decoded once (``%2e%2e`` is ``..``, then
    refused); a hidden, empty, ``.`` or ``..`` segment is refused before the file
    system is asked; a symbolic link is followed only when it stays inside the folder.
    """
    path = urlsplit(target).path
    if not path.startswith("/"):
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    parts = decoded[1:].split("/")
    if parts == [""]:
        parts = [PAGE.filename]
    if any(p in ("", ".", "..") or p.startswith(".") or "\0" in p or "\\" in p for p in parts):
        return None
    root = folder.resolve()
    try:
        real = root.joinpath(*parts).resolve()
        if not real.is_relative_to(root) or not real.is_file():
            return None
    except (OSError, ValueError):
        return None
    return real


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str,
                 mtime: float) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag.removeprefix("W/") in tags
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        return False
    return int(mtime) <= since.timestamp()


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when the client lists gzip (or ``*``) with a non-zero quality."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip().lower().removeprefix("q=")
        try:
            return not params.strip() or float(quality) > 0
        except ValueError:
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "feedpub-serve"

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _respond(self, *, body: bool) -> None:
        site = self.server.site
        path = resolve(site.folder, self.path)
        if path is None:
            self._plain(HTTPStatus.NOT_FOUND, b"Not found\n", body)
            return
        try:
            with open(path, "rb") as handle:
                data, mtime = handle.read(), os.fstat(handle.fileno()).st_mtime
        except OSError:
            self._plain(HTTPStatus.NOT_FOUND, b"Not found\n", body)
            return
        kind = content_type(path.name) or "application/octet-stream"
        zipped = kind.startswith(COMPRESSIBLE) and accepts_gzip(self.headers.get("Accept-Encoding"))
        digest = hashlib.sha256(data).hexdigest()[:32]
        etag = f'"{digest}-gzip"' if zipped else f'"{digest}"'
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True),
                   "Cache-Control": site.cache_control(_relative(site.folder, path)),
                   "Vary": "Accept-Encoding"}
        if not_modified(self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"),
                        etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._headers(headers)
            return
        payload = gzip.compress(data, mtime=0) if zipped else data
        self.send_response(HTTPStatus.OK)
        self._headers({"Content-Type": kind, "Content-Length": str(len(payload)),
                       "X-Content-Type-Options": "nosniff", **headers,
                       **({"Content-Encoding": "gzip"} if zipped else {})})
        if body:
            self.wfile.write(payload)

    def _plain(self, status: HTTPStatus, text: bytes, body: bool) -> None:
        self.send_response(status)
        self._headers({"Content-Type": "text/plain; charset=utf-8",
                       "Content-Length": str(len(text)), "X-Content-Type-Options": "nosniff"})
        if body:
            self.wfile.write(text)

    def _headers(self, headers: dict[str, str]) -> None:
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            self.server.say(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}".rstrip())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    site: Site
    say: Say
    log_requests: bool

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket],
                     client_address: Any) -> None:
        """A client that hangs up is no error of ours: a browser resets the connections it
        keeps alive, and a reader stops a download; socketserver printed a traceback into
        the editor's terminal for each. Anything else is still reported as it was."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # reset, broken pipe, aborted
            return
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


def open_server(site: Site, host: str, port: int, say: Say, log_requests: bool = False) -> _Server:
    """Bind the server (not yet serving); a busy port or unknown host is a usage error."""
    kind = _Server6 if ":" in host else _Server
    try:
        server = kind((host, port), _Handler)
    except OSError as error:
        raise UsageError(f"publish.py serve: cannot listen on {host}:{port}: {error.strerror or error}; "
                         "choose another --port or --host") from None
    server.site, server.say, server.log_requests = site, say, log_requests
    return server


class Watcher:
    """Rebuilds when the fingerprint changes; a failure is said once and the old files stay."""

    def __init__(self, fingerprint: Callable[[], str], rebuild: Rebuild, say: Say, warn: Say):
        self.fingerprint, self.rebuild, self.say, self.warn = fingerprint, rebuild, say, warn
        self.seen: str | None = None
        self.failure: str | None = None

    def tick(self) -> Site | None:
        """One look at the inputs; the new site after a successful rebuild, else None."""
        try:
            key = self.fingerprint()
        except (FeedpubError, OSError) as error:  # the config itself is broken
            self.seen = None
            self._failed(_one_line(error))
            return None
        if key == self.seen:
            return None
        try:
            site, written, problems = self.rebuild()
        except LockedError:
            return None  # another run (cron) is building: look again next time
        except (FeedpubError, OSError) as error:
            self.seen = key  # not again until something changes
            self._failed(_one_line(error))
            return None
        try:
            self.seen = self.fingerprint()  # the outputs as this rebuild left them
        except (FeedpubError, OSError):
            self.seen = None  # changed again meanwhile: the next look tells
        if problems:  # the others were rebuilt; these entries were left out or kept as they were
            self._failed("\n".join(problems), "the other entries were rebuilt; a broken entry "
                         "that was published before keeps its last good version")
        elif self.failure is not None:
            self.say("fixed: serving the rebuilt files")
            self.failure = None
        if written:
            self.say(f"rebuilt: {', '.join(written)}")
        return site

    def _failed(self, message: str, still: str = "still serving the last good files") -> None:
        if message != self.failure:
            self.warn(f"{message}\n{still}; fix it and save, the preview rebuilds by itself")
        self.failure = message


def _relative(folder: Path, path: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and not isinstance(error, FeedpubError):
        return f"{error.filename or 'feedpub'}: {error.strerror or error}"
    return str(error)


def serve(site: Site, *, host: str, port: int, rebuild: Rebuild, fingerprint: Callable[[], str],
          say: Say, warn: Say, log_requests: bool = False, interval: float = POLL_SECONDS) -> int:
    """Build, serve ``site.folder`` on host:port and rebuild on change until Ctrl-C; exit code 0."""
    watcher = Watcher(fingerprint, rebuild, say, warn)
    with _stop_on_sigterm():
        try:
            site = watcher.tick() or site
            server = open_server(site, host, port, say, log_requests)
        except KeyboardInterrupt:
            say("stopped")
            return 0
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                  name="feedpub-serve", daemon=True)
        thread.start()
        try:
            _announce(server, site, host, say, warn)
            while True:
                time.sleep(interval)
                rebuilt = watcher.tick()
                if rebuilt is not None:
                    server.site = rebuilt
        except KeyboardInterrupt:
            say("stopped")
        finally:
            server.shutdown()
            server.server_close()
    return 0


def _announce(server: _Server, site: Site, host: str, say: Say, warn: Say) -> None:
    port = server.server_address[1]
    base = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
    say(f"serving {site.folder} at {base} (Ctrl-C to stop); rebuilt when an entry, a media "
        "file, the template or the config changes")
    width = max(len(f.label) for f in OUTPUTS.values())
    for fmt in OUTPUTS.values():
        path = "" if fmt is PAGE else fmt.filename
        say(f"  {fmt.label + ':':<{width + 1}} {base}{path}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        warn(f"serve: warning: listening on {host}: other machines that can reach it can read "
             "the files")


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the server like Ctrl-C (systemd, docker stop), in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

