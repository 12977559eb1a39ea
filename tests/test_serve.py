"""``publish.py serve`` (issue 14): the preview server, run as a real process on 127.0.0.1.

What a reader's client relies on (media types with charset, strong validators and 304,
Cache-Control by the blog's state, gzip), what an editor relies on (rebuilt on change,
a broken entry never takes the old files down), and what nobody may get (a file
outside the output folder, however the path is spelled).
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Run, copy_sample
from feedpub.errors import ExitCode
from servers.preview import Preview

Start = Callable[..., Preview]
TYPES = {
    "": "text/html; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "homs-roads.png": "image/png",
}


def raw_get(server: Preview, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A request with exactly this target on the wire (no client-side path cleaning)."""
    host, port = server.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """One server over a copy of the sample for the tests that only read, with traps beside it."""
    site = tmp_path_factory.mktemp("served") / "blog"
    copy_sample(site)
    _traps(site)
    server = Preview(site)
    yield server
    server.stop()


def _traps(site: Path) -> None:
    """A secret beside the blog, and links and hidden files in feeds/ that try to reach it."""
    (site.parent / "secret.txt").write_text("top secret\n")
    feeds = site / "feeds"
    feeds.mkdir()
    os.symlink(site.parent / "secret.txt", feeds / "secret-link.png")
    os.symlink(site.parent, feeds / "up")
    (feeds / ".rss.xml.feedpub-tmp-1234").write_text("half a feed")
    (feeds / "sub").mkdir()


def test_prints_where_to_subscribe_and_listens_on_loopback(shared: Preview) -> None:
    server = shared
    assert server.url.startswith("http://127.0.0.1:")
    shown = "\n".join(server.lines)
    for label, path in (("HTML page:", ""), ("RSS 2.0:", "rss.xml"), ("Atom 1.0:", "atom.xml"),
                        ("JSON Feed 1.1:", "feed.json")):
        assert f"{label}" in shown and f" {server.url}{path}\n" in shown + "\n", label
    assert server.errors == []


@pytest.mark.parametrize("path", list(TYPES))
def test_each_file_has_its_media_type_charset_and_validators(shared: Preview,
                                                             path: str) -> None:
    server = shared
    status, headers, body = server.get(path)
    assert status == 200
    assert headers["Content-Type"] == TYPES[path]
    assert body == (server.site / "feeds" / (path or "index.html")).read_bytes()
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    assert headers["Last-Modified"].endswith(" GMT")
    assert headers["Cache-Control"] == "public, max-age=86400"  # the sample is closed
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_second_fetch_is_answered_304(shared: Preview) -> None:
    server = shared
    _, first, _ = server.get("rss.xml")
    status, headers, body = server.get("rss.xml", {"If-None-Match": first["ETag"]})
    assert (status, body) == (304, b"")
    assert headers["ETag"] == first["ETag"] and headers["Cache-Control"] == first["Cache-Control"]
    status, _, body = server.get("rss.xml", {"If-Modified-Since": first["Last-Modified"]})
    assert (status, body) == (304, b"")
    assert server.get("rss.xml", {"If-None-Match": 'W/' + first["ETag"]})[0] == 304
    assert server.get("rss.xml", {"If-None-Match": '"other", ' + first["ETag"]})[0] == 304
    # Changed validators mean a full answer; If-None-Match wins over If-Modified-Since.
    assert server.get("rss.xml", {"If-None-Match": '"other"'})[0] == 200
    assert server.get("rss.xml", {"If-None-Match": '"other"',
                                  "If-Modified-Since": first["Last-Modified"]})[0] == 200
    assert server.get("rss.xml", {"If-Modified-Since": "Sat, 07 Dec 2024 00:00:00 GMT"})[0] == 200
    assert server.get("rss.xml", {"If-Modified-Since": "not a date"})[0] == 200


def test_gzip_only_when_asked_and_with_its_own_etag(shared: Preview) -> None:
    server = shared
    _, plain, body = server.get("atom.xml")
    assert "Content-Encoding" not in plain and plain["Vary"] == "Accept-Encoding"
    status, zipped, packed = server.get("atom.xml", {"Accept-Encoding": "gzip"})
    assert status == 200 and zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed) == body and len(packed) < len(body)
    assert zipped["ETag"] != plain["ETag"]
    assert server.get("atom.xml", {"Accept-Encoding": "gzip",
                                   "If-None-Match": zipped["ETag"]})[0] == 304
    _, refused, _ = server.get("atom.xml", {"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused
    _, image, _ = server.get("homs-roads.png", {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in image  # a PNG is compressed already


def test_head_answers_headers_only_and_other_methods_are_refused(shared: Preview) -> None:
    server = shared
    status, headers, body = server.get("feed.json", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) == (server.site / "feeds" / "feed.json").stat().st_size
    status, headers, _ = server.get("feed.json", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
    "/..%2fsecret.txt", "/.%2e/secret.txt", "/%252e%252e/secret.txt", "//etc/passwd",
    "/%2fetc%2fpasswd", "/secret-link.png", "/up/secret.txt", "/up/blog/feedpub.toml",
    "/.rss.xml.feedpub-tmp-1234", "/%2erss.xml.feedpub-tmp-1234", "/sub/", "/sub", "/rss.xml/",
    "/rss.xml%00.png", "/nothing-here.xml", "http://elsewhere/../secret.txt", "*",
    "/..\\secret.txt", "/%ff%fe",
])
def test_nothing_outside_the_output_folder_is_served(shared: Preview, target: str) -> None:
    status, body = raw_get(shared, target)
    assert status in (400, 404), (target, status)
    assert b"secret" not in body and b"half a feed" not in body and b"[closed]" not in body


def test_the_blog_state_sets_cache_control(blog: Path, run: Run, preview: Start) -> None:
    assert run(blog, "reopen").code == 0
    server = preview(blog)
    assert server.get("rss.xml")[1]["Cache-Control"] == "public, max-age=300"  # ttl = 5 minutes
    count = len(server.lines)
    assert run(blog, "close", "--continued-at", "https://news.example.org/next",
               "--at", "2024-12-07T23:00:00Z").code == 0
    assert server.wait_for(lambda: server.get("rss.xml")[1]["Cache-Control"]
                           == "public, max-age=86400")
    assert len(server.lines) >= count


def test_an_edited_entry_is_rebuilt_and_served(blog: Path, preview: Start) -> None:
    server = preview(blog)
    _, before, _ = server.get("feed.json")
    said = len(server.lines)
    entry = blog / "entries" / "0019-rebels-enter-homs.md"
    entry.write_text(entry.read_text().replace("title: HTS commander says", "title: Edited, HTS says"))
    assert server.wait_for_line("rebuilt: feeds/index.html, feeds/rss.xml", after=said)
    status, after, body = server.get("feed.json", {"If-None-Match": before["ETag"]})
    assert status == 200 and after["ETag"] != before["ETag"]
    assert "Edited, HTS says" in json.loads(body)["items"][4]["title"]
    assert b"Edited, HTS says" in server.get("")[2]


def test_a_broken_entry_keeps_the_old_files_served(blog: Path, preview: Start) -> None:
    server = preview(blog)
    pages = {path: server.get(path)[2] for path in TYPES}
    entry = blog / "entries" / "0019-rebels-enter-homs.md"
    good = entry.read_text()
    entry.write_text(good.replace("published: 2024-12-07T21:00:00+00:00", "published: soon"))
    assert server.wait_for_line('0019-rebels-enter-homs.md:3: published: "soon" is not a date',
                                errors=True)
    assert server.process.poll() is None
    assert {path: server.get(path)[2] for path in pages} == pages
    entry.write_text(good.replace("published: 2024-12-07T21:00:00+00:00", "published: soon") + "\n")
    (blog / "entries" / "0099-also-broken.md").write_text("no front matter\n")
    assert server.wait_for_line("0099-also-broken.md:1: has no front matter", errors=True)
    entry.write_text(good)
    (blog / "entries" / "0099-also-broken.md").unlink()
    assert server.wait_for_line("fixed: serving the rebuilt files")
    assert {path: server.get(path)[2] for path in pages} == pages
    said = [line for line in server.errors if "is not a date" in line]
    assert len(said) == 2  # once alone, once with the second file; never once per poll


def test_a_broken_config_keeps_the_old_files_served(blog: Path, preview: Start) -> None:
    server = preview(blog)
    before = server.get("atom.xml")[2]
    config = blog / "feedpub.toml"
    good = config.read_text()
    config.write_text(good.replace("ttl = 5", "ttl = 5\ntitel = 'typo'"))
    assert server.wait_for_line("feedpub.toml:13: titel: unknown key; did you mean title?", errors=True)
    assert server.get("atom.xml")[2] == before
    config.write_text(good.replace('title = "Syria live', 'title = "Preview: Syria live'))
    assert server.wait_for(lambda: b"Preview: Syria live" in server.get("atom.xml")[2])


def test_ctrl_c_stops_it_with_exit_0(blog: Path, preview: Start) -> None:
    server = preview(blog)
    assert server.stop() == 0
    assert server.lines[-1] == "stopped"
    assert not [p for p in (blog / "feeds").iterdir() if ".feedpub-tmp-" in p.name]


def test_requests_are_logged_with_verbose(blog: Path, preview: Start) -> None:
    server = preview(blog, "-v")
    server.get("rss.xml")
    assert server.wait_for_line("GET /rss.xml 200")


def test_a_busy_port_is_a_usage_error(blog: Path, run: Run) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        outcome = run(blog, "serve", "--port", str(port))
    assert outcome.code == ExitCode.USAGE
    assert outcome.err.strip().splitlines()[-1].startswith(
        f"publish.py serve: cannot listen on 127.0.0.1:{port}: ")


def test_a_bad_port_is_a_usage_error(blog: Path, run: Run) -> None:
    outcome = run(blog, "serve", "--port", "http")
    assert outcome.code == ExitCode.USAGE and "'http' is not a port number" in outcome.err


def test_a_client_that_hangs_up_prints_no_traceback(blog: Path, preview: Start) -> None:
    """Browsers reset the connections they keep alive; socketserver printed a
    ConnectionResetError traceback into the editor's terminal for each."""
    server = preview(blog)
    host, port = server.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    for _ in range(3):
        with socket.create_connection((host, int(port)), timeout=30) as client:
            client.sendall(b"GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n")
            client.recv(100)  # the answer has started; the rest is left unread
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    assert raw_get(server, "/rss.xml")[0] == 200  # still serving
    assert server.stop() == 0
    assert not [line for line in server.errors if "Traceback" in line or "Error" in line]
