"""A TCP proxy that can cut a connection in the middle of a transfer.

Dropping the socket between the uploader and a real server is the honest way to test
"connection lost mid-file": neither requests nor paramiko is mocked, and the server
really sees a truncated body.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


class DropProxy:
    """Forward 127.0.0.1:<port> to an upstream port; cut the first `drops` connections.

    A connection is cut (with a TCP RST) once `drop_after` bytes went from client to server;
    `drops=0` only forwards (optionally slowed down by `delay`).
    """

    def __init__(self, upstream_port: int, *, drop_after: int = 0, drops: int = 1, delay: float = 0.0):
        self.upstream_port = upstream_port
        self.delay = delay  # seconds slept per chunk sent upstream, to slow an upload down
        self.drop_after = drop_after
        self.drops_left = drops
        self.dropped = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                cut = self.drops_left > 0
                self.drops_left -= int(cut)
            threading.Thread(target=self._serve, args=(client, cut), daemon=True).start()

    def _serve(self, client: socket.socket, cut: bool) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        done = threading.Event()
        threading.Thread(target=self._pump, args=(upstream, client, None, done), daemon=True).start()
        self._pump(client, upstream, self.drop_after if cut else None, done, self.delay)

    def _pump(
        self,
        src: socket.socket,
        dst: socket.socket,
        limit: int | None,
        done: threading.Event,
        delay: float = 0.0,
    ) -> None:
        sent = 0
        try:
            while not done.is_set():
                chunk = src.recv(65536)
                if not chunk:
                    break
                if delay:
                    time.sleep(delay)
                if limit is not None and sent + len(chunk) >= limit:
                    dst.sendall(chunk[: max(0, limit - sent)])
                    with self._lock:
                        self.dropped += 1
                    break
                dst.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        finally:
            done.set()
            for sock in (src, dst):
                _reset(sock)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()


def _reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0 so the peer gets a RST, like a dropped line."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
