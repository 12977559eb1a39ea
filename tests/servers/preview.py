"""``publish.py serve`` as a real process on a free port, for the serve and real-client tests.

The command is started exactly as a user starts it (``python publish.py serve --port 0``);
its first lines say where it listens. Its output is collected by a thread so a test can
wait for a line ("rebuilt", an error) without reading the pipe itself. ``stop`` sends
SIGINT, as Ctrl-C does, and returns the exit code.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120.0  # generous: a slow, shared machine must not fail a test
_LISTENING = re.compile(r"^serving .* at (http://\S+/) ")


class Preview:
    """One running ``serve`` process for a blog folder."""

    def __init__(self, site: Path, *args: str):
        self.site = site
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "publish.py"), "serve", "--port", "0", *args], cwd=site,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._readers = [threading.Thread(target=self._collect, args=(stream, into), daemon=True)
                         for stream, into in ((self.process.stdout, self.lines),
                                              (self.process.stderr, self.errors))]
        for reader in self._readers:
            reader.start()
        found = self.wait_for(lambda: any(line.endswith("/feed.json") for line in self.lines)
                              or self.process.poll() is not None)  # the last address printed
        match = next((m for line in self.lines if (m := _LISTENING.match(line))), None)
        if not found or match is None:
            self.stop()
            raise RuntimeError(f"serve did not start: {self.lines} {self.errors}")
        self.url: str = match[1]

    def _collect(self, stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                into.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, condition: object, seconds: float = STARTUP_SECONDS) -> bool:
        """Wait until ``condition()`` is true (checked on each new output line and twice a second)."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not condition():  # type: ignore[operator]
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.5))
        return True

    def wait_for_line(self, text: str, *, errors: bool = False, after: int = 0) -> bool:
        """Wait for an output line containing ``text`` (on stderr with ``errors``)."""
        lines = self.errors if errors else self.lines
        return self.wait_for(lambda: any(text in line for line in lines[after:]))

    def get(self, path: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of one request (an error status is returned, not raised)."""
        request = urllib.request.Request(self.url + path.lstrip("/"), headers=headers or {},
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()

    def stop(self) -> int:
        """Ctrl-C, then the exit code (the process is killed if it does not stop)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for reader in self._readers:
            reader.join(timeout=10)
        return self.process.returncode
