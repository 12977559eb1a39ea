"""An in-process HTTP server that keeps its own errors out of the tests' stderr.

``socketserver`` prints a traceback to ``sys.stderr`` when a handler fails (most
often: the client under test hung up on purpose). In a test process that stream is
whichever test's capture is current, so one test's abandoned connection could fail
another test that checks a command printed nothing. These servers drop them.
"""

from __future__ import annotations

from http.server import ThreadingHTTPServer


class QuietHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer with daemon handler threads and no stderr tracebacks."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return None
