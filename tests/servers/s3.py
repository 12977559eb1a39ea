"""A real S3 API on 127.0.0.1 (moto's standalone server, a separate process) and an HTTP proxy.

moto_server speaks the S3 REST protocol over HTTP, so feedpub's S3 target talks to it
exactly as to AWS, R2 or MinIO: real boto3, real signing, real sockets. The proxy in
front of it (``FaultProxy``) sees every request, so a test can count what was sent,
answer ``503 SlowDown`` a set number of times, cut a connection in the middle of a
PUT's body, or read a body slowly enough for a SIGKILL to land mid-upload.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from servers.quiet import QuietHTTPServer
from servers.sshd import free_port, stop_process

KEY_ID, SECRET = "feedpub-test-key", "feedpub-test-secret"
REGION = "us-east-1"
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
             b"<Message>Please reduce your request rate.</Message></Error>")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
              "upgrade", "expect"}


class MotoServer:
    """``python -m moto.server`` on a free port of 127.0.0.1, for the whole test session."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self._client: Any = None
        self.log = workdir / "moto.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "wb"),  # noqa: SIM115 - lives as long as the server
        )
        self._wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        """A boto3 client straight to the server (not through any proxy), for setup and checks."""
        if self._client is None:
            session = boto3.session.Session(aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
            self._client = session.client("s3", endpoint_url=self.url, region_name=REGION,
                                          config=Config(retries={"total_max_attempts": 1}))
        return self._client

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited: {self.log.read_text(errors='replace')[-500:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not answer within 30 s")

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class Fault:
    """One planned misbehaviour for the next request matching ``method`` and ``path_part``."""

    method: str
    path_part: str
    status: int = 0  # answer this instead of forwarding (with ``body``)
    body: bytes = b""
    drop_after: int | None = None  # or: read this many body bytes, then reset the connection


@dataclass
class FaultProxy:
    """An HTTP/1.1 proxy in front of ``upstream_port``; records requests, injects ``faults``."""

    upstream_port: int
    delay: float = 0.0  # seconds slept per 16 KiB of request body read: a slow link
    requests: list[tuple[str, str]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        handler = type("Handler", (_Handler,), {"proxy": self})
        self.server = QuietHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, method: str, status: int, times: int, path_part: str = "",
                  body: bytes = SLOW_DOWN) -> None:
        with self.lock:
            self.faults.extend(Fault(method, path_part, status, body) for _ in range(times))

    def drop_next(self, method: str, after_bytes: int, times: int = 1, path_part: str = "") -> None:
        with self.lock:
            self.faults.extend(Fault(method, path_part, drop_after=after_bytes) for _ in range(times))

    def puts(self) -> list[str]:
        """Object paths PUT so far (``/bucket/key``), in order."""
        with self.lock:
            return [path.split("?")[0] for method, path in self.requests if method == "PUT"]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.faults.clear()

    def wait_for(self, method: str, path_part: str, timeout: float = 30) -> bool:
        """Block until a matching request has *started* arriving (used to time a SIGKILL)."""
        with self.seen:
            return self.seen.wait_for(lambda: self._matched(method, path_part), timeout)

    def _matched(self, method: str, path_part: str) -> bool:
        with self.lock:
            return any(m == method and path_part in p for m, p in self.requests)

    def _take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            self.requests.append((method, path))
            fault = next((f for f in self.faults if f.method == method and f.path_part in path), None)
            if fault:
                self.faults.remove(fault)
        with self.seen:
            self.seen.notify_all()
        return fault

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and "100 Continue" for botocore's Expect header
    proxy: FaultProxy

    def log_message(self, format: str, *args: object) -> None:
        return None

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        fault = self.proxy._take(self.command, self.path)
        if fault and fault.drop_after is not None:
            self.rfile.read(min(fault.drop_after, length))
            _reset(self.connection)
            self.close_connection = True
            return
        body = self._read_body(length)
        if body is None:  # the client went away mid-body: the store never sees a partial PUT
            self.close_connection = True
            return
        if fault:
            self._answer(fault.status, [("Content-Type", "application/xml")], fault.body)
            return
        self._forward(body)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = handle_any
    do_MOVE = do_MKCOL = do_PROPFIND = handle_any  # WebDAV, when used as a forward proxy

    def _read_body(self, length: int) -> bytes | None:
        chunks, left = [], length
        while left:
            chunk = self.rfile.read(min(left, 16384))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
            if self.proxy.delay:
                time.sleep(self.proxy.delay)
        return b"".join(chunks)

    def _forward(self, body: bytes) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", self.proxy.upstream_port, timeout=30)
        try:
            path = self.path  # absolute-form when used as a forward proxy (HTTP_PROXY=…)
            if path.startswith("http://"):
                path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
            upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.endheaders(body or None)
            response = upstream.getresponse()
            data = response.read()
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        finally:
            upstream.close()
        self._answer(response.status, headers, data, keep_length=self.command == "HEAD")

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes, *,
                keep_length: bool = False) -> None:
        self.send_response_only(status)
        for name, value in headers:
            if keep_length or name.lower() != "content-length":
                self.send_header(name, value)
        if not keep_length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0 so the client gets a RST, like a dropped line."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
