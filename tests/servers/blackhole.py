"""A WebDAV-ish server that acknowledges and does not keep (issue #11.15).

``discard``: PUT, MOVE and MKCOL answer 201 and store nothing; HEAD and PROPFIND
answer 404, because nothing is there. ``truncate``: PUT keeps only the first half of
the body, MOVE renames, HEAD reports what is kept: a server that lost bytes on the way
to its disk. Either way the status codes alone say "all is well". ``nohead`` is the
honest control: it keeps every byte but answers HEAD with 405, so the size must come
from PROPFIND's ``getcontentlength``.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

from servers.quiet import QuietHTTPServer


class BlackholeDav:
    def __init__(self, mode: str = "discard"):
        assert mode in ("discard", "truncate", "nohead")
        self.mode = mode
        self.stored: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []
        handler = type("Handler", (_Handler,), {"owner": self})
        self.server = QuietHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str = "feeds/") -> str:
        return f"webdav://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: BlackholeDav

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": "0", **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()

    def do_PUT(self) -> None:
        body = self._body()
        self.owner.requests.append(("PUT", self.path))
        if self.owner.mode == "truncate":
            self.owner.stored[self.path] = body[: len(body) // 2]
        elif self.owner.mode == "nohead":
            self.owner.stored[self.path] = body
        self._reply(201)

    def do_MOVE(self) -> None:
        self._body()
        self.owner.requests.append(("MOVE", self.path))
        destination = "/" + self.headers.get("Destination", "").split("/", 3)[-1]
        if self.path in self.owner.stored:
            self.owner.stored[destination] = self.owner.stored.pop(self.path)
        self._reply(201)

    def do_MKCOL(self) -> None:
        self._body()
        self._reply(201)

    def do_HEAD(self) -> None:
        self.owner.requests.append(("HEAD", self.path))
        if self.owner.mode == "nohead":
            self._reply(405)
            return
        data = self.owner.stored.get(self.path)
        if data is None:
            self._reply(404)
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()

    def do_PROPFIND(self) -> None:
        self._body()
        self.owner.requests.append(("PROPFIND", self.path))
        data = self.owner.stored.get(self.path)
        if data is None:
            self._reply(404)
            return
        body = (f'<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:"><D:response>'
                f"<D:href>{self.path}</D:href><D:propstat><D:prop><D:getcontentlength>{len(data)}"
                "</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
                "</D:response></D:multistatus>").encode()
        self.send_response(207)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
