"""A server on 127.0.0.1 that answers one byte per second: the "slow drip" peer of issue #11.6.

Every per-read timeout is satisfied (a byte always arrives within a second), so only a
total deadline ends the exchange. The server reads each request (its head, and its body
by Content-Length), then trickles ``payload`` one byte per ``interval`` and closes after
``limit`` bytes, so a test without a deadline ends too, just slowly. ``sent`` records,
per connection, how many bytes went out before the client gave up or the limit came.
"""

from __future__ import annotations

import contextlib
import socket
import threading

HTTP_DRIP = b"HTTP/1.1 201 Created\r\nX-Drip: " + b"." * 4096
SSH_DRIP = b"SSH-2.0-drip" + b"." * 4096  # a banner line that never ends


class DripServer:
    """Accept connections; for each, read the request, then send ``payload`` byte by byte."""

    def __init__(self, payload: bytes = HTTP_DRIP, *, interval: float = 1.0, limit: int = 30,
                 read_request: bool = True):
        self.payload, self.interval, self.limit = payload, interval, limit
        self.read_request = read_request
        self.sent: list[int] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.sent.append(0)
                index = len(self.sent) - 1
            threading.Thread(target=self._drip, args=(conn, index), daemon=True).start()

    def _drip(self, conn: socket.socket, index: int) -> None:
        with conn:
            try:
                if self.read_request:
                    _read_request(conn)
                for position in range(min(self.limit, len(self.payload))):
                    if self._stop.wait(self.interval if position else 0):
                        return
                    conn.sendall(self.payload[position:position + 1])
                    with self._lock:
                        self.sent[index] += 1
            except OSError:
                return  # the client gave up: what the deadline is for

    def finished_early(self) -> bool:
        """True when every connection ended before the server sent its last byte."""
        with self._lock:
            return bool(self.sent) and all(n < self.limit for n in self.sent)

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()


def _read_request(conn: socket.socket) -> None:
    """Read one HTTP request head, then its body by Content-Length (or nothing, for SSH)."""
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk
    conn.settimeout(None)
