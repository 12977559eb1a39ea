"""Closing the live blog (issue 4): the closing item, the finished signals, and real readers.

The shipped sample is closed, like the seed page. These tests reopen a copy, close
it again and check every format, then subscribe real reader libraries to the feeds
served over HTTP from 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import feedparser
import pytest
from lxml import etree

from conftest import Run, snapshot
from feedpub.errors import ExitCode
from servers.quiet import QuietHTTPServer

CONTINUED = "https://news.example.org/live/2024/12/08/syria-continued"
CLOSING_ID = "tag:news.example.org,2024-12-07:syria-homs/closed"
FH = "http://purl.org/syndication/history/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CLOSE = ("close", "--continued-at", CONTINUED, "--at", "2024-12-07T22:45:00+00:00",
         "--title", "This live blog is now closed", "--message",
         "Our minute-by-minute coverage of Saturday has ended. Thank you for following it; "
         "the story goes on in a new live blog.")


def published(site: Path) -> dict[str, tuple[bytes, int]]:
    """Config, entries and feeds: what a failed command must leave untouched (not state)."""
    files = snapshot(site)
    return {name: value for name, value in files.items() if not name.startswith(".feedpub/")}


def feeds(site: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((site / "feeds").iterdir())}


@pytest.fixture
def live(blog: Path, run: Run) -> Path:
    """The sample, reopened and built: a live blog."""
    assert run(blog, "reopen").code == 0
    assert "[closed]" not in (blog / "feedpub.toml").read_text()
    return blog


def test_close_then_reopen_round_trips_byte_for_byte(live: Path, run: Run) -> None:
    config_before, before = (live / "feedpub.toml").read_bytes(), feeds(live)
    assert run(live, *CLOSE).code == 0
    closed = feeds(live)
    assert closed != before
    assert run(live, "reopen").code == 0
    assert feeds(live) == before
    assert (live / "feedpub.toml").read_bytes() == config_before


def test_closed_sample_matches_the_shipped_feeds(live: Path, run: Run) -> None:
    from conftest import ROOT

    assert run(live, *CLOSE).code == 0
    assert feeds(live) == {n: (ROOT / "feeds" / n).read_bytes() for n in feeds(live)}


def test_closing_item_first_with_the_same_id_everywhere(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    rss = etree.fromstring((blog / "feeds" / "rss.xml").read_bytes())
    atom = etree.fromstring((blog / "feeds" / "atom.xml").read_bytes())
    doc = json.loads((blog / "feeds" / "feed.json").read_bytes())
    first_item = rss.find("channel/item")
    assert first_item.findtext("guid") == CLOSING_ID
    assert first_item.findtext("link") == CONTINUED
    first_entry = atom.find(f"{{{ATOM}}}entry")
    assert first_entry.findtext(f"{{{ATOM}}}id") == CLOSING_ID
    links = {link.get("rel"): link.get("href") for link in first_entry.findall(f"{{{ATOM}}}link")}
    assert links == {"alternate": CONTINUED, "related": CONTINUED}
    assert doc["items"][0]["id"] == CLOSING_ID
    assert doc["items"][0]["url"] == doc["items"][0]["external_url"] == CONTINUED
    assert f'href="{CONTINUED}"' in doc["items"][0]["content_html"]


def test_finished_signals(blog: Path, run: Run) -> None:
    (blog / "feedpub.toml").write_text((blog / "feedpub.toml").read_text()
                                       .replace("ttl = 5", "ttl = 5\nitem_limit = 3"))
    assert run(blog, "build").code == 0
    rss = etree.fromstring((blog / "feeds" / "rss.xml").read_bytes())
    atom = etree.fromstring((blog / "feeds" / "atom.xml").read_bytes())
    doc = json.loads((blog / "feeds" / "feed.json").read_bytes())
    assert doc["expired"] is True
    assert rss.find(f"channel/{{{FH}}}complete") is not None
    assert atom.find(f"{{{FH}}}complete") is not None
    assert rss.findtext("channel/ttl") == "1440"
    # A complete feed holds every entry: the item limit is lifted once closed.
    assert len(rss.findall("channel/item")) == len(doc["items"]) == 23
    assert len(atom.findall(f"{{{ATOM}}}entry")) == 23
    assert b"itunes" not in (blog / "feeds" / "rss.xml").read_bytes()


def test_live_feed_has_short_ttl_limit_and_no_finished_signal(live: Path, run: Run) -> None:
    rss = (live / "feeds" / "rss.xml").read_bytes()
    assert b"<ttl>5</ttl>" in rss and b"fh:complete" not in rss and b"/closed<" not in rss
    assert "expired" not in json.loads((live / "feeds" / "feed.json").read_bytes())


def test_itunes_complete_only_when_opted_in(blog: Path, run: Run) -> None:
    (blog / "feedpub.toml").write_text((blog / "feedpub.toml").read_text()
                                       .replace("ttl = 5", "ttl = 5\nitunes_complete = true"))
    assert run(blog, "build").code == 0
    assert b"<itunes:complete>Yes</itunes:complete>" in (blog / "feeds" / "rss.xml").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("close", "--continued-at", "/relative/page"),
         '--continued-at: "/relative/page" is not an absolute http(s) URL; use e.g. '
         "https://example.org/live/next"),
        (("close", "--continued-at", "ftp://example.org/x"),
         '--continued-at: "ftp://example.org/x" is not an absolute http(s) URL; use e.g. '
         "https://example.org/live/next"),
        (("close", "--continued-at", CONTINUED, "--at", "2024-12-07T12:00:00Z"),
         "--at: 2024-12-07T12:00:00+00:00 is not after the newest entry "
         "(2024-12-07T22:30:00+00:00); a blog closes after its last update"),
        (("close", "--continued-at", CONTINUED, "--at", "tomorrow-ish"),
         '--at: "tomorrow-ish" is not a date; use e.g. 2024-12-07T23:00:00+00:00'),
        (("close",), "publish.py close: the following arguments are required: --continued-at "
         "(see --help)"),
        (("close", "--continued-at", CONTINUED, "--title", "Closed\x1b[31m"),
         "--title: contains the control character U+001B, which XML 1.0 forbids; delete it"),
    ],
    ids=["relative-url", "not-http", "before-newest", "bad-time", "no-url", "control-char"],
)
def test_bad_close_changes_nothing(live: Path, run: Run, args: tuple[str, ...],
                                   message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # a date error suggests the current time: the clock is pinned to the sample's evening
    monkeypatch.setattr("feedpub.cli._now", lambda: datetime(2024, 12, 7, 23, tzinfo=UTC))
    before = published(live)
    outcome = run(live, *args)
    assert (outcome.code, outcome.err.strip()) == (ExitCode.USAGE, message)
    assert published(live) == before


def test_closing_twice_and_reopening_an_open_blog(blog: Path, run: Run) -> None:
    before = published(blog)
    outcome = run(blog, *CLOSE)
    assert outcome.code == ExitCode.USAGE
    assert outcome.err.strip() == (f"feedpub.toml: closed: the blog is already closed (continued "
                                   f"at {CONTINUED}); run 'publish.py reopen' first")
    assert published(blog) == before
    assert run(blog, "reopen").code == 0
    before = published(blog)
    outcome = run(blog, "reopen")
    assert (outcome.code, outcome.err.strip()) == (
        ExitCode.USAGE, "feedpub.toml: closed: the blog is not closed; nothing to reopen")
    assert published(blog) == before


def test_failed_build_after_close_restores_the_config(live: Path, run: Run) -> None:
    (live / "entries" / "0005-daraa-in-rebel-hands.md").write_text("broken, no front matter\n")
    before = published(live)
    outcome = run(live, *CLOSE)
    assert outcome.code == ExitCode.BAD_ENTRY
    assert published(live) == before


def test_a_closed_blog_stays_closed(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    (blog / "entries" / "0099-late.md").write_text(
        "---\ntitle: Too late\npublished: 2024-12-08T08:00:00Z\n---\nNews.\n")
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.strip() == (
        "entries/0099-late.md: published: is after the blog was closed "
        "(2024-12-07T22:45:00+00:00); run 'publish.py reopen' first or date the entry "
        "before the closing")
    assert snapshot(blog / "feeds") == before


def test_the_closing_items_id_is_never_an_entrys(live: Path, run: Run) -> None:
    """An update saved as closed.md ("Polls closed") took the id <id_base>closed: it was
    published while live and entered the ledger, and then every close failed its feed
    check (exit 5, duplicate guid, no file named), for good, since a published id never
    changes. The same with id: written out."""
    before = snapshot(live / "feeds")
    (live / "entries" / "closed.md").write_text(
        "---\ntitle: Polls closed\npublished: 2024-12-07T20:00:00Z\n---\nNews.\n")
    (live / "entries" / "0098-other.md").write_text(
        f"---\ntitle: Other\npublished: 2024-12-07T20:01:00Z\nid: {CLOSING_ID}\n---\nNews.\n")
    outcome = run(live, "build")
    assert (outcome.code, outcome.err.splitlines()) == (ExitCode.BAD_ENTRY, [
        f'entries/0098-other.md:4: id: "{CLOSING_ID}" is the closing item\'s id; choose '
        "another",
        f'entries/closed.md: would have the id "{CLOSING_ID}", the closing item\'s; rename '
        "the file, or give it an id: of its own"])
    assert snapshot(live / "feeds") == before
    assert CLOSING_ID not in (live / "feedpub.ledger").read_text()
    (live / "entries" / "closed.md").unlink()
    (live / "entries" / "0098-other.md").unlink()
    assert run(live, *CLOSE).code == 0


def test_a_closing_moved_before_published_updates_names_them(blog: Path, run: Run) -> None:
    """[closed] at edited by hand to before the last two updates: the ledger check said
    each "is <id>, but this file was published as <id>", the same id twice."""
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    config = blog / "feedpub.toml"
    config.write_text(config.read_text().replace("at = 2024-12-07T22:45:00+00:00",
                                                 "at = 2024-12-07T22:00:00+00:00"))
    outcome = run(blog, "build")
    advice = ("is after the blog's closing (2024-12-07T22:00:00+00:00), but this update was "
              "published: set [closed] at in feedpub.toml after the last update, or run "
              "'publish.py reopen'")
    assert (outcome.code, outcome.err.splitlines()) == (ExitCode.BAD_ENTRY, [
        f"entries/0021-al-sharaa-video-homs.md:3: published: 2024-12-07T22:10:00Z {advice}",
        f"entries/0022-day-recap.md:3: published: 2024-12-07T22:30:00Z {advice}"])
    assert snapshot(blog / "feeds") == before


def test_editing_an_older_entry_after_closing_moves_updated_not_id(blog: Path, run: Run) -> None:
    entry = blog / "entries" / "0003-un-staff-jordan-citizens-leave.md"
    entry.write_text(entry.read_text().replace("---\n", "---\nupdated: 2024-12-08T09:00:00Z\n", 1)
                     .replace("---\nupdated", "---\nupdated", 1))
    assert run(blog, "build").code == 0
    items = json.loads((blog / "feeds" / "feed.json").read_bytes())["items"]
    edited = next(i for i in items if i["id"].endswith("/0003-un-staff-jordan-citizens-leave"))
    assert edited["date_modified"] == "2024-12-08T09:00:00Z"
    assert items[0]["id"] == CLOSING_ID


@pytest.fixture
def served(blog: Path, run: Run) -> Iterator[str]:
    """The sample's feeds served over HTTP from 127.0.0.1 by a real server."""
    assert run(blog, "build").code == 0
    handler = functools.partial(_QuietHandler, directory=str(blog / "feeds"))
    server = QuietHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {".xml": "application/xml",
                                               ".json": "application/feed+json"}

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_feedparser_over_http_shows_the_closing_first(served: str, name: str) -> None:
    parsed = feedparser.parse(served + name)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.status == 200
    newest = max(parsed.entries, key=lambda e: e.published_parsed)
    assert parsed.entries[0] is newest
    assert newest.id == CLOSING_ID and newest.link == CONTINUED


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_reader_library_subscribed_over_http(served: str, name: str) -> None:
    from reader import make_reader

    reader = make_reader(":memory:")
    try:
        reader.add_feed(served + name)
        reader.update_feeds()
        feed = reader.get_feed(served + name)
        assert feed.last_exception is None, feed.last_exception
        entries = list(reader.get_entries(sort="recent"))
        assert len(entries) == 23
        newest = max(entries, key=lambda e: e.published)
        assert newest.id == CLOSING_ID
        assert newest.link == CONTINUED
        assert newest.title == "This live blog is now closed"
    finally:
        reader.close()
