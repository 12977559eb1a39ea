"""``validate URL``: how the feed is served, against real HTTP servers on 127.0.0.1.

Each test starts the standard library's HTTP server with a handler that gets one
thing right or wrong (media type, charset, validators, 304, compression, redirects,
self link, polling hints, speed), runs the command as users do, and checks the rule
ids and the exit status documented in docs/validate.md.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feedpub.validate.command import add_arguments, run
from servers.quiet import QuietHTTPServer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "validate"
SELF_IN_FIXTURE = "https://example.org/live/budget/rss.xml"
Handler = http.server.BaseHTTPRequestHandler
Route = Callable[[Handler], None]


def feed(base: str, *, pad: int = 0, extra: str = "", path: str = "/feed.xml") -> bytes:
    """The valid RSS fixture, its self link pointing at ``base + path``, padded to size."""
    text = (DATA / "rss_valid.xml").read_text().replace(SELF_IN_FIXTURE, base + path)
    filler = "".join(f"<!-- {'padding ' * 10}{i} -->\n" for i in range(pad))
    return text.replace("<item>", extra + filler + "<item>", 1).encode()


def answer(handler: Handler, body: bytes, *, status: int = 200,
           content_type: str | None = "application/rss+xml; charset=utf-8",
           headers: dict[str, str] | None = None, gzip_ok: bool = True) -> None:
    """Send ``body`` the way a decent server would, unless told otherwise."""
    handler.send_response(status)
    if content_type is not None:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if gzip_ok and "gzip" in handler.headers.get("Accept-Encoding", "") and body:
        body = gzip.compress(body)
        handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def conditional(handler: Handler, body: bytes, *,
                content_type: str | None = "application/rss+xml; charset=utf-8",
                headers: dict[str, str] | None = None, gzip_ok: bool = True) -> None:
    """ETag and Last-Modified, and 304 when the request carries either back."""
    etag, modified = '"v1"', "Sat, 07 Dec 2024 09:00:00 GMT"
    if handler.headers.get("If-None-Match") == etag or \
            handler.headers.get("If-Modified-Since") == modified:
        handler.send_response(304)
        handler.send_header("ETag", etag)
        handler.end_headers()
        return
    answer(handler, body, content_type=content_type, gzip_ok=gzip_ok,
           headers={"ETag": etag, "Last-Modified": modified, **(headers or {})})


class _Server:
    """A ThreadingHTTPServer whose routes a test fills in; it records each request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        outer = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append((self.path, dict(self.headers.items())))
                route = outer.routes.get(self.path)
                if route is None:
                    answer(self, b"not here", status=404, content_type="text/plain")
                else:
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = QuietHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    try:
        yield srv
    finally:
        srv.close()


def validate(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """Run the command in-process; (status, rule ids in order, stderr)."""
    parser = argparse.ArgumentParser(prog="validate")
    add_arguments(parser)
    status = run(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    rules = [line.split(": ", 1)[1].split(":", 1)[0].split()[1] for line in out.splitlines()]
    return status, rules, err


def test_a_well_served_feed_has_no_http_findings(server: _Server,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: conditional(h, body)
    assert validate(server.base + "/feed.xml", capsys=capsys) == (0, [], "")
    # the second request carried the validators back and got 304
    assert server.requests[1][1].get("If-None-Match") == '"v1"'


@pytest.mark.parametrize(("content_type", "rules"), [
    ("text/html; charset=utf-8", ["http-media-type-wrong"]),
    ("application/atom+xml; charset=utf-8", ["http-media-type-wrong"]),
    ("application/octet-stream", ["http-media-type-vague"]),
    ("text/plain", ["http-media-type-vague", "http-charset-missing"]),
    (None, ["http-media-type-vague"]),
    ("application/xml", []),
    ("text/xml; charset=utf-8", []),
    ("text/xml", ["http-charset-missing"]),
])
def test_media_type(server: _Server, capsys: pytest.CaptureFixture[str], content_type: str | None,
                    rules: list[str]) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: conditional(h, body, content_type=content_type)
    assert validate(server.base + "/feed.xml", capsys=capsys) == (0, rules, "")


def test_a_contradicting_charset_that_changes_the_text_is_an_error(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    body = feed(server.base, pad=40).replace(b"Minute by minute", "Minute à minute".encode())
    server.routes["/feed.xml"] = lambda h: conditional(
        h, body, content_type="application/rss+xml; charset=iso-8859-1")
    assert validate(server.base + "/feed.xml", capsys=capsys) == (1, ["http-charset-mismatch"], "")


def test_a_contradicting_charset_on_ascii_text_is_a_warning(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: conditional(
        h, body, content_type="application/rss+xml; charset=iso-8859-1")
    status, rules, _ = validate(server.base + "/feed.xml", capsys=capsys)
    assert (status, rules) == (0, ["http-charset-mismatch"])


def test_no_validators_and_no_304(server: _Server, capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: answer(h, body)
    assert validate(server.base + "/feed.xml", capsys=capsys) == (
        0, ["http-validator-missing", "http-conditional-ignored"], "")
    # with nothing to send back, the second request asks If-Modified-Since the response's Date
    assert server.requests[1][1]["If-Modified-Since"].endswith(" GMT")


def test_no_validators_but_a_304_for_if_modified_since(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    body = feed(server.base, pad=40)

    def route(handler: Handler) -> None:
        if handler.headers.get("If-Modified-Since"):
            handler.send_response(304)
            handler.end_headers()
        else:
            answer(handler, body)

    server.routes["/feed.xml"] = route
    assert validate(server.base + "/feed.xml", capsys=capsys) == (0, ["http-validator-missing"], "")


def test_validators_without_304(server: _Server, capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: answer(h, body, headers={"ETag": '"v1"'})
    assert validate(server.base + "/feed.xml", capsys=capsys) == (
        0, ["http-conditional-ignored"], "")
    assert server.requests[1][1]["If-None-Match"] == '"v1"'


def test_a_malformed_last_modified(server: _Server, capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: answer(
        h, body, headers={"ETag": '"v1"', "Last-Modified": "yesterday"})
    _status, rules, _ = validate(server.base + "/feed.xml", capsys=capsys)
    assert rules == ["http-last-modified-invalid", "http-conditional-ignored"]


def test_no_compression(server: _Server, capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: conditional(h, body, gzip_ok=False)
    assert validate(server.base + "/feed.xml", capsys=capsys) == (
        0, ["http-compression-missing"], "")
    small = feed(server.base)
    server.routes["/small.xml"] = lambda h: conditional(h, small.replace(b"/feed.xml", b"/small.xml"),
                                                        gzip_ok=False)
    assert validate(server.base + "/small.xml", capsys=capsys) == (0, [], "")


def test_permanent_and_temporary_redirects(server: _Server,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: conditional(h, body)
    server.routes["/old.xml"] = lambda h: answer(h, b"", status=301,
                                                  headers={"Location": "/feed.xml"})
    server.routes["/tmp.xml"] = lambda h: answer(h, b"", status=302,
                                                  headers={"Location": "/feed.xml"})
    status, rules, _ = validate(server.base + "/old.xml", capsys=capsys)
    assert (status, rules) == (0, ["http-redirect-permanent"])
    status, rules, _ = validate(server.base + "/tmp.xml", capsys=capsys)
    assert (status, rules) == (0, ["http-redirect-temporary"])


def test_self_link_that_is_not_the_url_fetched(server: _Server,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    body = feed("https://elsewhere.example", pad=40)
    server.routes["/feed.xml"] = lambda h: conditional(h, body)
    assert validate(server.base + "/feed.xml", capsys=capsys) == (0, ["http-self-mismatch"], "")


def test_self_link_naming_a_redirecting_url(server: _Server,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base, pad=40, path="/old.xml")
    server.routes["/feed.xml"] = lambda h: conditional(h, body)
    server.routes["/old.xml"] = lambda h: answer(h, b"", status=308,
                                                  headers={"Location": "/feed.xml"})
    _status, rules, _ = validate(server.base + "/old.xml", capsys=capsys)
    assert rules == ["http-redirect-permanent", "http-self-mismatch"]


@pytest.mark.parametrize(("header", "extra", "expected"), [
    ("max-age=10", "", ["http-poll-too-often"]),
    ("public, max-age=300", "", []),
    ("max-age=600", "<ttl>0</ttl>\n", ["http-poll-too-often"]),
    ("max-age=600", "<ttl>5</ttl>\n", []),
])
def test_polling_more_often_than_a_minute(server: _Server, capsys: pytest.CaptureFixture[str],
                                         header: str, extra: str, expected: list[str]) -> None:
    body = feed(server.base, pad=40, extra=extra)
    server.routes["/feed.xml"] = lambda h: conditional(h, body, headers={"Cache-Control": header})
    assert validate(server.base + "/feed.xml", capsys=capsys) == (0, expected, "")


def test_sy_update_frequency_more_often_than_a_minute(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    sy = ('<sy:updatePeriod xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">hourly'
          '</sy:updatePeriod><sy:updateFrequency xmlns:sy="http://purl.org/rss/1.0/modules/'
          'syndication/">120</sy:updateFrequency>\n')
    body = feed(server.base, pad=40, extra=sy)
    server.routes["/feed.xml"] = lambda h: conditional(h, body)
    assert validate(server.base + "/feed.xml", capsys=capsys) == (0, ["http-poll-too-often"], "")


def test_no_http_checks_only_the_document(server: _Server,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    body = feed("https://elsewhere.example", pad=40)
    server.routes["/feed.xml"] = lambda h: answer(h, body, content_type="text/html", gzip_ok=False)
    assert validate("--no-http", server.base + "/feed.xml", capsys=capsys) == (0, [], "")
    assert len(server.requests) == 1


def test_everything_wrong_at_once_through_publish_py(server: _Server) -> None:
    """No validators, text/html, no 304, and a permanent redirect: each reported, warnings
    only, so exit 0; the document's own error makes it 1."""
    body = feed(server.base, pad=40)
    server.routes["/feed.xml"] = lambda h: answer(h, body, content_type="text/html; charset=utf-8")
    server.routes["/moved"] = lambda h: answer(h, b"", status=301, headers={"Location": "/feed.xml"})
    result = subprocess.run([sys.executable, str(ROOT / "publish.py"), "validate",
                             server.base + "/moved"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=False)
    rules = [line.split(" ")[2].rstrip(":") for line in result.stdout.splitlines()]
    assert rules == ["http-redirect-permanent", "http-media-type-wrong", "http-validator-missing",
                     "http-conditional-ignored"]
    assert all(line.startswith(server.base + "/moved:0:0: warning ")
               for line in result.stdout.splitlines())
    assert result.returncode == 0
    bad = body.replace(b"<pubDate>Sat, 07 Dec", b"<pubDate>Sat, 37 Dec")
    server.routes["/feed.xml"] = lambda h: answer(h, bad, content_type="text/html; charset=utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "publish.py"), "validate",
                             server.base + "/moved"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1
    assert " error rss-pubdate-invalid: " in result.stdout


def test_http_error_status_exits_2_with_a_rule(server: _Server,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    body = feed(server.base)
    server.routes["/gone.xml"] = lambda h: answer(h, body, status=410)
    status, rules, err = validate(server.base + "/gone.xml", capsys=capsys)
    assert (status, rules) == (2, [])
    assert err.startswith(f"{server.base}/gone.xml:0:0: error http-status-error: cannot fetch: "
                          f"HTTP 410 from {server.base}/gone.xml (its body looks like a feed")


# --- safety: deadline, size, credentials ------------------------------------------------


def _drip(handler: Handler, headers_first: bool) -> None:
    """One byte a second, in the status line and headers or in the body."""
    if headers_first:
        data = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n" * 1000
    else:
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        data = b" " * 100_000
    try:
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(1)
    except OSError:  # the client hung up at its deadline
        return


@pytest.mark.parametrize("headers_first", [True, False])
def test_a_slow_drip_server_is_cut_at_the_total_deadline(
    server: _Server, capsys: pytest.CaptureFixture[str], headers_first: bool
) -> None:
    """Issue 11.6: a per-read timeout never fires on a server that sends a byte a second."""
    server.routes["/slow.xml"] = lambda h: _drip(h, headers_first)
    start = time.monotonic()
    status, _rules, err = validate("--timeout", "2", server.base + "/slow.xml", capsys=capsys)
    elapsed = time.monotonic() - start
    assert status == 2
    assert ":0:0: error http-timeout: cannot fetch: no complete answer within 2 s" in err
    assert 1.5 < elapsed < 4


def test_the_default_deadline_is_the_documented_15_seconds() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["x"]).timeout == 15.0
    assert "| `--timeout SECONDS` | total time for each URL" in (ROOT / "docs" / "validate.md").read_text()


def test_a_decompression_bomb_stops_at_the_size_cap(server: _Server,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * 5_000_000 + b"</rss>")
    assert len(bomb) < 10_000

    def route(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.wfile.write(bomb)

    server.routes["/bomb.xml"] = route
    status, _, err = validate("--max-bytes", "100000", server.base + "/bomb.xml", capsys=capsys)
    assert status == 2
    assert "error http-too-large: cannot fetch: the decompressed response is over the 100000-byte" \
        in err


def test_credentials_go_to_their_own_origin_only(server: _Server,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    other = _Server(host="localhost")  # another origin: another host name
    try:
        body = feed(other.base, pad=40)
        other.routes["/feed.xml"] = lambda h: conditional(h, body)
        server.routes["/feed.xml"] = lambda h: answer(
            h, b"", status=302, headers={"Location": other.base + "/feed.xml"})
        user_base = server.base.replace("http://", "http://reader:s3cret@")
        status, _, _ = validate(user_base + "/feed.xml", capsys=capsys)
        assert status == 0
        assert server.requests[0][1]["Authorization"] == "Basic cmVhZGVyOnMzY3JldA=="
        assert all("Authorization" not in headers for _, headers in other.requests)
    finally:
        other.close()


def test_redirect_to_a_file_url_is_refused(server: _Server, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    local = tmp_path / "feed.xml"
    local.write_bytes(feed(server.base))
    server.routes["/feed"] = lambda h: answer(h, b"", status=302,
                                               headers={"Location": local.as_uri()})
    status, rules, err = validate(server.base + "/feed", capsys=capsys)
    assert (status, rules) == (2, [])
    assert "error http-fetch-failed: refusing to follow a redirect to a file: URL" in err


@pytest.mark.parametrize("location", ["http://[::1/feed.xml", "http://127.0.0.1:99999/feed.xml",
                                      "http://127.0.0.1:port/feed.xml"])
def test_a_redirect_to_a_url_urllib_cannot_split_is_a_fetch_error(
    server: _Server, capsys: pytest.CaptureFixture[str], location: str
) -> None:
    """urlsplit's ValueError (bad port, unclosed "[") was a traceback, not a finding."""
    server.routes["/feed"] = lambda h: answer(h, b"", status=301, headers={"Location": location})
    status, rules, err = validate(server.base + "/feed", capsys=capsys)
    assert (status, rules) == (2, [])
    assert err.count("\n") == 1 and ":0:0: error http-fetch-failed: " in err
    assert "not a valid URL" in err


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/", "http://localhost:x/"])
def test_a_source_url_urllib_cannot_split_is_a_fetch_error(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    status, rules, err = validate(url, capsys=capsys)
    assert (status, rules) == (2, [])
    assert err == f"{url}:0:0: error http-fetch-failed: cannot fetch {url!r}: not a valid URL (" \
        + err.split("not a valid URL (", 1)[1]


@pytest.mark.parametrize(("header", "extra", "expected"), [
    ("max-age=\u00b2", "", []),  # a digit to isdigit(), not to int()
    ("max-age=" + "9" * 5000, "", []),  # past int()'s 4,300 digits
    ("max-age=600", "<ttl>" + "0" * 5000 + "</ttl>\n", ["http-poll-too-often"]),
    ("max-age=600", '<sy:updateFrequency xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
     + "9" * 5000 + "</sy:updateFrequency>\n", ["http-poll-too-often"]),
])
def test_polling_hints_of_any_length_or_digit_are_read_without_a_traceback(
    server: _Server, capsys: pytest.CaptureFixture[str], header: str, extra: str,
    expected: list[str]
) -> None:
    """isdigit() then int() raised ValueError on "²" and on 4,301 digits or more."""
    body = feed(server.base, pad=40, extra=extra)
    server.routes["/feed.xml"] = lambda h: conditional(h, body, headers={"Cache-Control": header})
    assert validate(server.base + "/feed.xml", capsys=capsys) == (0, expected, "")


@pytest.mark.parametrize(("self_link", "xml_base", "status", "expected"), [
    # not URLs either (RFC 3986 3.2.2, 3.2.3), which the document check says as well
    ("http://127.0.0.1:99999/feed.xml", "", 1, ["http-self-mismatch", "ext-url-invalid"]),
    ("http://[::1/feed.xml", "", 1, ["http-self-mismatch", "ext-url-invalid"]),
    ("feed.xml", ' xml:base="http://[::1/"', 0, []),  # the base is dropped; relative to the URL
])
def test_a_self_link_urllib_cannot_split_is_a_mismatch_not_a_traceback(
    server: _Server, capsys: pytest.CaptureFixture[str], self_link: str, xml_base: str,
    status: int, expected: list[str]
) -> None:
    """urljoin/urlsplit raised ValueError on the feed's own self link or xml:base."""
    body = feed(server.base, pad=40).replace(
        f'href="{server.base}/feed.xml"'.encode(), f'href="{self_link}"{xml_base}'.encode())
    assert self_link.encode() in body
    server.routes["/feed.xml"] = lambda h: conditional(h, body)
    assert validate(server.base + "/feed.xml", capsys=capsys) == (status, expected, "")


def test_a_json_feed_over_the_object_limit_is_not_parsed_for_its_self_link(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its feed_url was read by parsing the whole document, past the limit that keeps
    the validator's memory bounded (48 MB of "{}, " peaked near 1 GB by URL)."""
    import json

    from feedpub.validate import jsonfeed, serving

    parsed: list[int] = []
    loads = json.loads

    def counting(text: str, *args: object, **kwargs: object) -> object:
        parsed.append(len(text))
        return loads(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(json, "loads", counting)
    monkeypatch.setattr(jsonfeed, "MAX_CONTAINERS", 10)
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "feed_url": "https://e.org/f.json",'
            b' "items": [' + b"{}, " * 20 + b"{}]}")
    assert serving._json_head(body) == {}
    assert parsed == []
    monkeypatch.setattr(jsonfeed, "MAX_CONTAINERS", 100)
    assert serving._json_head(body) == {"self": "https://e.org/f.json"}


def test_an_rss_feed_over_the_element_limit_is_not_parsed_for_its_head(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its self link and polling hints were read with iterparse, which keeps every element
    it reads, past the validator's element limit (48 MB of "<x/>": 14 s and 1.6 GB)."""
    from feedpub.validate import serving, xmlsafe

    body = feed("https://e.org", extra="<x/>" * 30)
    monkeypatch.setattr(xmlsafe, "MAX_ELEMENTS", 20)
    assert serving._head(body, "rss") == {}
    monkeypatch.setattr(xmlsafe, "MAX_ELEMENTS", 1000)
    assert serving._head(body, "rss") == {"self": "https://e.org/feed.xml"}


@pytest.mark.parametrize("cut", [10, 300])
def test_a_compressed_body_cut_short_is_a_fetch_error(
    server: _Server, capsys: pytest.CaptureFixture[str], cut: int
) -> None:
    """zlib raises on bad data but not on a stream that stops short: a gzip body cut to
    its 10-byte header was validated as an empty document, a longer cut as a truncated
    feed, neither saying the transfer was broken."""
    body = gzip.compress(feed(server.base, pad=40))[:cut]
    server.routes["/feed.xml"] = lambda h: answer(h, body, gzip_ok=False,
                                                  headers={"Content-Encoding": "gzip"})
    status, rules, err = validate(server.base + "/feed.xml", capsys=capsys)
    assert (status, rules) == (2, [])
    assert err.endswith('error http-fetch-failed: cannot fetch: the body is not the "gzip" data '
                        "its Content-Encoding says (or it is cut short)\n")


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "0", "-1", "soon"])
def test_a_timeout_that_is_not_a_usable_number_of_seconds_is_a_usage_error(value: str) -> None:
    """float() takes "nan", "inf" and 1e308, and the timers then raised ValueError or
    OverflowError: a traceback (exit 1) instead of a usage error (exit 2)."""
    result = subprocess.run([sys.executable, str(ROOT / "publish.py"), "validate",
                             f"--timeout={value}", "http://127.0.0.1:9/feed.xml"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("publish.py validate: argument --timeout: ")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
