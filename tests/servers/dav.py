"""A real wsgidav WebDAV server (Basic auth on) served by cheroot on 127.0.0.1.

Two deviations from stock wsgidav, both to make it behave like the servers feedpub
targets in production (nginx's dav module):
- MOVE with `Overwrite: T` onto an existing file is one os.replace, instead of
  wsgidav's DELETE-then-rename (RFC 4918 allows either; the latter leaves a moment
  with no file, which the atomicity tests would rightly flag);
- a WSGI middleware records every request and can answer 503 a set number of times.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cheroot import wsgi
from wsgidav.fs_dav_provider import FileResource, FilesystemProvider, FolderResource
from wsgidav.wsgidav_app import WsgiDAVApp

USER = "alice"
PASSWORD = "correct-horse-battery"


class AtomicMoveFile(FileResource):
    """A file whose MOVE over an existing destination is a single rename(2)."""

    def delete(self) -> None:
        env = self.environ
        if env.get("REQUEST_METHOD") == "MOVE" and self.path != env.get("PATH_INFO"):
            return  # the destination of a MOVE: keep it until os.replace swaps it out
        super().delete()

    def move_recursive(self, dest_path: str) -> None:
        os.replace(self._file_path, self.provider._loc_to_file_path(dest_path, self.environ))


class AtomicMoveProvider(FilesystemProvider):
    def get_resource_inst(self, path: str, environ: dict) -> Any:
        fp = self._loc_to_file_path(path, environ)
        if not os.path.exists(fp):
            return None
        if os.path.isdir(fp):
            return FolderResource(path, environ, fp)
        return AtomicMoveFile(path, environ, fp)


@dataclass
class Recorder:
    """Requests seen, and a queue of forced failures: (method, status, path part)."""

    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    failures: list[tuple[str, int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, method: str, status: int, times: int, path_contains: str = "") -> None:
        """Answer the next `times` matching requests with `status` instead of serving them."""
        with self.lock:
            self.failures.extend([(method, status, path_contains)] * times)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.failures.clear()

    def middleware(self, app: Callable) -> Callable:
        def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
            method = environ["REQUEST_METHOD"]
            with self.lock:
                self.requests.append((method, environ["PATH_INFO"], environ.get("CONTENT_TYPE")))
                path = environ["PATH_INFO"]
                fail = next((f for f in self.failures if f[0] == method and f[2] in path), None)
                if fail:
                    self.failures.remove(fail)
            if fail:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                start_response(f"{fail[1]} Forced failure", [("Content-Length", "0")])
                return [b""]
            return app(environ, start_response)

        return wrapped


class _QuietServer(wsgi.Server):  # type: ignore[misc]
    """cheroot writes its own errors to ``sys.stderr``, and in a test process that is
    whichever test's captured stderr is current: a PUT that an upload test abandoned
    times out seconds later and failed an unrelated test that checks a command printed
    nothing. The server's errors go to a file in its own folder instead."""

    log_path: Path

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        import traceback as tb
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"{msg}\n")
            if traceback:
                log.write(tb.format_exc())


class DavServer:
    """Share `root` read-write at /dav/ and `root/ro` read-only at /ro/, both with Basic auth."""

    def __init__(self, root: Path):
        self.root = root
        (root / "ro").mkdir(parents=True, exist_ok=True)
        (root / "rw").mkdir(parents=True, exist_ok=True)
        self.recorder = Recorder()
        config = {
            "provider_mapping": {
                "/dav": AtomicMoveProvider(str(root / "rw"), fs_opts={}),
                "/ro": FilesystemProvider(str(root / "ro"), readonly=True, fs_opts={}),
            },
            "simple_dc": {"user_mapping": {"*": {USER: {"password": PASSWORD}}}},
            "http_authenticator": {
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
            },
            "verbose": 0,
            "logging": {"enable": False, "enable_loggers": []},
            "property_manager": None,
            "lock_storage": True,
        }
        app = self.recorder.middleware(WsgiDAVApp(config))
        self.server = _QuietServer(("127.0.0.1", 0), app, numthreads=8)
        self.server.log_path = root / "server-errors.log"
        self.server.shutdown_timeout = 0.5
        self.server.prepare()
        self.port = self.server.bind_addr[1]
        self._thread = threading.Thread(target=self.server.serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "", *, scheme: str = "webdav", port: int | None = None) -> str:
        return f"{scheme}://127.0.0.1:{port or self.port}/dav/{path}"

    def stop(self) -> None:
        self.server.stop()
