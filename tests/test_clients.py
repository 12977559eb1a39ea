"""Real readers and a real browser subscribed to ``publish.py serve`` (issue 14).

The sample is served by the real command on 127.0.0.1 and read by feedparser and
``reader`` (PyPI), newsboat (Debian's package, driven non-interactively: ``-x reload``
with a urls file and a cache file, then its SQLite cache is read) and headless
Chromium (Debian's package: ``--dump-dom`` and ``--screenshot``). Each must show every
update with its title, time, link and image, the closing item newest; a second fetch
must be a conditional request that the server answers with 304 (the server's own
request log, ``serve -v``, is the witness).

newsboat 2.21 cannot read JSON Feed, so it reads RSS and Atom, one cache per feed
(it keeps one copy of an item per guid across feeds, and our feeds share their ids).
A missing binary skips its test with a message, except under CI (``CI`` set), where it
is a failure: CI installs both (``.ci/run``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import html

from conftest import ROOT, copy_sample
from servers.preview import Preview

pytestmark = [pytest.mark.slow, pytest.mark.clients]

CONTINUED = "https://news.example.org/live/2024/12/08/syria-continued"
CLOSING_ID = "tag:news.example.org,2024-12-07:syria-homs/closed"
IMAGES = {  # entry id → its image, published beside the feeds
    "tag:news.example.org,2024-12-07:syria-homs/0022-day-recap":
        "https://news.example.org/live/2024/12/07/syria-homs/feeds/day-timeline.png",
    "tag:news.example.org,2024-12-07:syria-homs/0015-why-homs-matters":
        "https://news.example.org/live/2024/12/07/syria-homs/feeds/homs-roads.png",
}
CLIENT_SECONDS = 180


def binary(name: str) -> str:
    """The client's path; without it, skip (or fail under CI, which must have installed it)."""
    found = shutil.which(name)
    if found:
        return found
    message = (f"{name} is not installed: apt-get install -y {name} (Debian) to run the "
               "real-client tests")
    if os.environ.get("CI"):
        pytest.fail(f"CI must install it: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """The closed sample, served with the request log on."""
    site = tmp_path_factory.mktemp("clients") / "blog"
    copy_sample(site)
    server = Preview(site, "-v")
    yield server
    server.stop()


def expected(server: Preview) -> list[dict]:
    """What every reader must show: the JSON Feed's items (closing first), as served."""
    return json.loads((server.site / "feeds" / "feed.json").read_bytes())["items"]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def served_with(server: Preview, path: str, status: int, after: int) -> bool:
    """True once the server's log shows ``GET /path status`` after line ``after``."""
    return server.wait_for_line(f"GET /{path} {status}", after=after)


# --- feedparser ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_feedparser(served: Preview, name: str) -> None:
    parsed = feedparser.parse(served.url + name)
    assert not parsed.bozo, parsed.get("bozo_exception")
    items = expected(served)
    assert len(parsed.entries) == len(items) == 23
    for entry, item in zip(parsed.entries, items, strict=True):
        assert (entry.id, entry.title, entry.link) == (item["id"], item["title"], item["url"])
        published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
        assert published == when(item["date_published"])
        image = IMAGES.get(entry.id)
        if image:
            assert [m["url"] for m in entry.media_content] == [image]
            assert [e.href for e in entry.enclosures] == [image]
            assert f'src="{image}"' in entry.content[0].value
    newest = max(parsed.entries, key=lambda e: e.published_parsed)
    assert newest is parsed.entries[0] and newest.id == CLOSING_ID and newest.link == CONTINUED
    mark = len(served.lines)
    again = feedparser.parse(served.url + name, etag=parsed.etag, modified=parsed.modified)
    assert again.status == 304 and again.entries == []
    assert served_with(served, name, 304, mark)


# --- reader (PyPI) ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_reader(served: Preview, name: str, tmp_path: Path) -> None:
    from reader import make_reader

    url = served.url + name
    reader = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        reader.add_feed(url)
        reader.update_feeds()
        assert reader.get_feed(url).last_exception is None
        entries = {e.id: e for e in reader.get_entries()}
        items = expected(served)
        assert len(entries) == len(items) == 23
        for item in items:
            entry = entries[item["id"]]
            assert (entry.title, entry.link) == (item["title"], item["url"])
            assert entry.published == when(item["date_published"])
            image = IMAGES.get(item["id"])
            if image:
                assert [e.href for e in entry.enclosures] == [image]
                assert [e.type for e in entry.enclosures] == ["image/png"]
                assert f'src="{image}"' in entry.get_content().value
        newest = max(entries.values(), key=lambda e: e.published)
        assert newest.id == CLOSING_ID and newest.link == CONTINUED
        # reader would wait before fetching again (the closed feed's ttl is a day):
        # scheduled=False asks now, and the stored ETag / Last-Modified make it conditional.
        assert reader.get_feed(url).update_after > datetime.now(UTC)
        mark = len(served.lines)
        reader.update_feeds(scheduled=False)
        assert served_with(served, name, 304, mark)
        assert len(list(reader.get_entries())) == 23
    finally:
        reader.close()


# --- newsboat (Debian) --------------------------------------------------------------


def newsboat_reload(program: str, home: Path, url: str) -> list[tuple]:
    """``newsboat -x reload`` with its own urls, cache and config files; the cached items."""
    (home / "urls").write_text(url + "\n")
    (home / "config").write_text("")
    done = subprocess.run([program, "-x", "reload", "-u", str(home / "urls"),
                           "-c", str(home / "cache.db"), "-C", str(home / "config")],
                          env={**os.environ, "HOME": str(home)}, capture_output=True, text=True,
                          timeout=CLIENT_SECONDS, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(home / "cache.db") as cache:
        return cache.execute("SELECT guid, title, url, pubDate, content FROM rss_item WHERE "
                             "feedurl = ? ORDER BY pubDate DESC", (url,)).fetchall()


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_newsboat(served: Preview, name: str, tmp_path: Path) -> None:
    program = binary("newsboat")
    url = served.url + name
    rows = newsboat_reload(program, tmp_path, url)
    items = expected(served)
    assert len(rows) == len(items) == 23
    for (guid, title, link, published, content), item in zip(rows, items, strict=True):
        assert (guid, title, link) == (item["id"], item["title"], item["url"])
        assert published == int(when(item["date_published"]).timestamp())
        image = IMAGES.get(guid)
        if image:  # newsboat keeps only audio and video enclosures; it shows the <img> alt
            assert f'<img src="{image}" alt="' in content
    assert rows[0][0] == CLOSING_ID and rows[0][2] == CONTINUED
    # newsboat 2.21 stores a feed's ETag and Last-Modified from its second reload on (on
    # the first, the feed's row does not exist yet), so the third reload is conditional.
    newsboat_reload(program, tmp_path, url)
    mark = len(served.lines)
    assert len(newsboat_reload(program, tmp_path, url)) == 23
    assert served_with(served, name, 304, mark)


# --- headless Chromium (Debian) -----------------------------------------------------

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--mute-audio")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    program = binary("chromium")
    return subprocess.run([program, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           *args], capture_output=True, text=True, timeout=CLIENT_SECONDS,
                          stdin=subprocess.DEVNULL)


def test_chromium_shows_the_banner_the_onward_link_and_every_update(served: Preview,
                                                                   tmp_path: Path) -> None:
    mark = len(served.lines)
    done = chromium(tmp_path, "--dump-dom", served.url)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = html.fromstring(done.stdout)
    banner = dom.get_element_by_id("status").getparent()
    assert banner.findtext("h2") == "This live blog is now closed"
    assert [a.get("href") for a in banner.iter("a")] == [CONTINUED]
    items = expected(served)[1:]
    articles = dom.find_class("update")
    assert [a.findtext("h3/a") for a in articles] == [i["title"] for i in items]
    for article, item in zip(articles, items, strict=True):
        assert article.find("h3/a").get("href") == item["url"]
        assert when(article.find(".//time").get("datetime")) == when(item["date_published"])
        image = IMAGES.get(item["id"])
        if image:
            [img] = article.iter("img")
            assert img.get("src") == image.rsplit("/", 1)[1] and len(img.get("alt")) > 40
    for image in IMAGES.values():  # the browser fetched the images from beside the page
        assert served_with(served, image.rsplit("/", 1)[1], 200, mark)


def test_chromium_screenshot_is_not_blank(served: Preview, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "page.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=900,1400", served.url)
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (900, 1400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, banner, button, image
    most, _ = max(colours)
    assert most < 0.9 * 900 * 1400  # not one flat colour


def test_the_committed_screenshot_is_a_page_not_a_blank() -> None:
    from PIL import Image

    with Image.open(ROOT / "docs" / "page.png") as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50
