"""Archived feeds for long blogs (RFC 5005 section 4): pages, links both ways, stability.

With ``archive_size = N`` the entries, oldest first, fill pages of N
(``feeds/archive/rss-1.xml``, ``atom-1.xml``, ``feed-1.json`` hold the oldest N); the
subscription documents hold the rest, at least N/2, and link to the newest page. A new
entry changes only the subscription documents; an edit or a retraction changes its own
page. The validator's RFC 5005/6721 rules are checked to fire on the mistakes these
documents could make.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from test_cron import NOW

from conftest import ROOT, Run, snapshot, synth
from feedpub.config import load_config
from feedpub.errors import ExitCode
from feedpub.pipeline import build
from feedpub.upload.headers import IMMUTABLE_MAX_AGE, file_meta
from feedpub.validate import validate_bytes

ATOM = "http://www.w3.org/2005/Atom"
FH = "http://purl.org/syndication/history/1.0"
FEEDS_URL = "https://bench.example.org/live/today/feeds/"
BASE = "tag:bench.example.org,2024-12-07:live/"
SUBSCRIPTION = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}


def make(folder: Path, count: int, size: int) -> Path:
    config = synth.make_blog(folder, count)
    config.write_text(config.read_text() + f"archive_size = {size}\n")
    return config


def add_entry(config: Path, index: int) -> None:
    text = synth.entry_text(index, random.Random(index))
    (config.parent / "entries" / f"{index:06d}-update.md").write_text(text)


def page_name(fmt: str, number: int) -> str:
    stem, suffix = SUBSCRIPTION[fmt].split(".")
    return f"archive/{stem}-{number}.{suffix}"


def entry_id(index: int) -> str:
    return f"{BASE}{index:06d}-update"


def atom_links(data: bytes) -> dict[str, str]:
    root = etree.fromstring(data)
    return {link.get("rel"): link.get("href") for link in root.findall(f"{{{ATOM}}}link")}


def rss_links(data: bytes) -> dict[str, str]:
    channel = etree.fromstring(data).find("channel")
    return {link.get("rel"): link.get("href") for link in channel.findall(f"{{{ATOM}}}link")}


def ids_of(data: bytes) -> list[str]:
    return [e.id for e in feedparser.parse(data).entries]


@pytest.fixture
def paged(tmp_path: Path) -> Path:
    """25 entries in pages of 4: six full pages, and the subscription documents."""
    config = make(tmp_path / "blog", 25, 4)
    build(load_config(config), now=NOW)
    return config


def test_pages_hold_the_oldest_entries_and_link_both_ways(paged: Path) -> None:
    feeds = paged.parent / "feeds"
    assert sorted(p.name for p in (feeds / "archive").iterdir()) == sorted(
        page_name(f, n).split("/")[1] for f in SUBSCRIPTION for n in range(1, 7))
    for path in [*(feeds / "archive").iterdir(), *(feeds / n for n in SUBSCRIPTION.values())]:
        assert validate_bytes(path.read_bytes()) == [], path.name
    seen: list[str] = []
    for number in range(1, 7):
        atom = (feeds / page_name("atom", number)).read_bytes()
        assert sorted(ids_of(atom)) == [entry_id(i) for i in range(4 * number - 4, 4 * number)]
        assert ids_of((feeds / page_name("rss", number)).read_bytes()) == ids_of(atom)
        seen += ids_of(atom)
        for fmt, links in (("atom", atom_links(atom)),
                           ("rss", rss_links((feeds / page_name("rss", number)).read_bytes()))):
            assert links["self"] == FEEDS_URL + page_name(fmt, number)
            assert links["current"] == FEEDS_URL + SUBSCRIPTION[fmt]
            assert links.get("prev-archive") == (FEEDS_URL + page_name(fmt, number - 1)
                                                 if number > 1 else None)
            assert links.get("next-archive") == (FEEDS_URL + page_name(fmt, number + 1)
                                                 if number < 6 else None)
        assert b"<fh:archive/>" in atom and b"fh:complete" not in atom
    subscription = ids_of((feeds / "atom.xml").read_bytes())
    assert sorted(subscription) == [entry_id(23), entry_id(24)]  # one left over, topped up to N/2
    assert sorted(set(seen) | set(subscription)) == [entry_id(i) for i in range(25)]
    for fmt in ("atom", "rss"):
        links = (atom_links if fmt == "atom" else rss_links)((feeds / SUBSCRIPTION[fmt]).read_bytes())
        assert links["prev-archive"] == FEEDS_URL + page_name(fmt, 6) and "current" not in links


def test_json_feed_pages_follow_next_url_to_the_oldest(paged: Path) -> None:
    feeds = paged.parent / "feeds"
    document = json.loads((feeds / "feed.json").read_bytes())
    walked = []
    while "next_url" in document:
        name = document["next_url"].removeprefix(FEEDS_URL)
        walked.append(name)
        document = json.loads((feeds / name).read_bytes())
        assert document["feed_url"] == FEEDS_URL + "feed.json"
    assert walked == [page_name("json", n) for n in range(6, 0, -1)]


def test_a_new_entry_changes_only_the_subscription_documents(paged: Path) -> None:
    feeds = paged.parent / "feeds"
    pages = snapshot(feeds / "archive")
    add_entry(paged, 25)
    result = build(load_config(paged), now=NOW)
    assert sorted(result.written) == ["feeds/atom.xml", "feeds/feed.json", "feeds/index.html",
                                      "feeds/rss.xml"]
    assert snapshot(feeds / "archive") == pages  # same bytes, same mtimes
    add_entry(paged, 26)
    add_entry(paged, 27)  # 28 entries: page 7 is full
    build(load_config(paged), now=NOW)
    after = snapshot(feeds / "archive")
    assert {k: v for k, v in after.items() if not k.endswith(("-6.xml", "-6.json", "-7.xml", "-7.json"))} \
        == {k: v for k, v in pages.items() if not k.endswith(("-6.xml", "-6.json"))}
    assert after["atom-6.xml"] != pages["atom-6.xml"]  # it gained its next-archive link
    assert atom_links(after["atom-6.xml"][0])["next-archive"] == FEEDS_URL + page_name("atom", 7)


def test_a_retraction_or_an_edit_changes_only_its_own_page(paged: Path) -> None:
    feeds = paged.parent / "feeds"
    pages = snapshot(feeds / "archive")
    entry = paged.parent / "entries" / "000005-update.md"  # on page 2
    entry.write_text(entry.read_text().replace("\n---\n", "\nretracted: 2024-12-31T00:00:00Z\n---\n", 1))
    build(load_config(paged), now=NOW)
    changed = {k for k, v in snapshot(feeds / "archive").items() if pages[k] != v}
    assert changed == {"rss-2.xml", "atom-2.xml", "feed-2.json"}
    assert entry_id(5) not in ids_of((feeds / page_name("atom", 2)).read_bytes())
    assert f'ref="{entry_id(5)}"'.encode() in (feeds / "atom.xml").read_bytes()

    pages = snapshot(feeds / "archive")
    edited = paged.parent / "entries" / "000009-update.md"  # on page 3
    edited.write_text(edited.read_text().replace("Update number 9", "Update number nine"))
    build(load_config(paged), now=NOW)
    changed = {k for k, v in snapshot(feeds / "archive").items() if pages[k] != v}
    assert changed == {"rss-3.xml", "atom-3.xml", "feed-3.json"}
    for name in ("atom.xml", "rss.xml", page_name("atom", 3)):  # corrected where subscribers look
        assert entry_id(9) in ids_of((feeds / name).read_bytes()), name
    for path in [*(feeds / "archive").iterdir(), *(feeds / n for n in SUBSCRIPTION.values())]:
        assert validate_bytes(path.read_bytes()) == [], path.name


def test_closing_an_archived_blog_claims_no_fh_complete(paged: Path, run: Run) -> None:
    feeds = paged.parent / "feeds"
    pages = snapshot(feeds / "archive")
    outcome = run(paged.parent, "close", "--continued-at", "https://bench.example.org/next")
    assert (outcome.code, outcome.err) == (0, "")
    atom = (feeds / "atom.xml").read_bytes()
    assert b"fh:complete" not in atom and ids_of(atom)[0] == f"{BASE}closed"
    assert atom_links(atom)["prev-archive"] == FEEDS_URL + page_name("atom", 6)
    assert json.loads((feeds / "feed.json").read_bytes())["expired"] is True
    for name in SUBSCRIPTION.values():
        assert validate_bytes((feeds / name).read_bytes()) == [], name
    assert snapshot(feeds / "archive") == pages


def test_changing_archive_size_removes_the_pages_that_are_gone(paged: Path) -> None:
    paged.write_text(paged.read_text().replace("archive_size = 4", "archive_size = 10"))
    result = build(load_config(paged), now=NOW)
    assert sorted(p.name for p in (paged.parent / "feeds" / "archive").iterdir()) == sorted(
        page_name(f, n).split("/")[1] for f in SUBSCRIPTION for n in (1, 2))
    assert "archive/atom-3.xml" not in result.outputs and "archive/atom-2.xml" in result.outputs


def test_a_page_removed_by_hand_is_written_again(paged: Path) -> None:
    page = paged.parent / "feeds" / page_name("rss", 3)
    data = page.read_bytes()
    page.unlink()
    build(load_config(paged), now=NOW)
    assert page.read_bytes() == data


def test_pages_upload_with_a_long_lived_cache_control(paged: Path, tmp_path: Path) -> None:
    from feedpub.upload.publish import upload_outputs

    paged.write_text(paged.read_text() + f'[upload]\ntarget = "file://{tmp_path / "www"}"\n')
    report = upload_outputs(load_config(paged))
    assert "archive/atom-1.xml" in report.sent and report.sent[-3:] == SUBSCRIPTION_ORDER
    assert (tmp_path / "www" / "archive" / "feed-6.json").read_bytes() == \
        (paged.parent / "feeds" / "archive" / "feed-6.json").read_bytes()
    meta = file_meta("archive/atom-1.xml", closed=False, ttl_minutes=5)
    assert meta.content_type == "application/atom+xml; charset=utf-8"
    assert meta.cache_control == f"public, max-age={IMMUTABLE_MAX_AGE}, immutable"
    assert file_meta("archive/feed-1.json", closed=True, ttl_minutes=5).content_type == \
        "application/feed+json; charset=utf-8"
    assert file_meta("atom.xml", closed=False, ttl_minutes=5).cache_control == "public, max-age=300"


SUBSCRIPTION_ORDER = ("rss.xml", "atom.xml", "feed.json")  # the feeds last, after the pages


def test_a_small_blog_with_archive_size_is_one_document(tmp_path: Path) -> None:
    config = make(tmp_path / "blog", 3, 4)
    build(load_config(config), now=NOW)
    assert not (config.parent / "feeds" / "archive").exists()
    assert b"prev-archive" not in (config.parent / "feeds" / "atom.xml").read_bytes()


# --- golden files ------------------------------------------------------------------------

GOLDEN = ROOT / "tests" / "golden" / "full-archived"
CORRECTED = """---
title: Fifth, corrected
published: 2024-12-07T11:30:00Z
updated: 2024-12-07T11:45:00Z
correction: The first version gave the wrong time & place.
---
The right time and place.
"""
RETRACTED = """---
title: Sixth, withdrawn
published: 2024-12-07T11:15:00Z
retracted: 2024-12-07T11:50:00Z
reason: It was <not> true.
---
Withdrawn.
"""


def test_archived_blog_goldens(tmp_path: Path, update_goldens: bool) -> None:
    """tests/data/blogs/full in pages of 2, with a correction and a retraction: the
    subscription documents (one entry, the tombstone) and two pages, byte for byte."""
    site = tmp_path / "full"
    shutil.copytree(ROOT / "tests" / "data" / "blogs" / "full", site)
    config = site / "feedpub.toml"
    config.write_text(config.read_text().replace(
        "item_limit = 2", "archive_size = 2\ntombstone_days = 0\nhtml = false"))
    (site / "entries" / "05-corrected.md").write_text(CORRECTED)
    (site / "entries" / "06-retracted.md").write_text(RETRACTED)
    build(load_config(config), now=NOW)
    names = sorted(p.relative_to(site / "feeds").as_posix() for p in (site / "feeds").rglob("*")
                   if p.is_file())
    assert names == sorted([*SUBSCRIPTION.values(), *(page_name(f, n) for f in SUBSCRIPTION
                                                       for n in (1, 2))])
    for name in names:
        data = (site / "feeds" / name).read_bytes()
        if update_goldens:
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
        assert data == (GOLDEN / name).read_bytes(), name
        assert validate_bytes(data) == [], name


# --- the validator catches what an archived feed could get wrong -------------------------


def test_validator_rules_fire_on_the_mistakes(paged: Path) -> None:
    feeds = paged.parent / "feeds"
    page = (feeds / page_name("atom", 3)).read_bytes()
    rules = {f.rule for f in validate_bytes(page.replace(b"<fh:archive/>", b""))}
    assert "fh-archive-missing" in rules
    rules = {f.rule for f in validate_bytes(page.replace(b"<fh:archive/>", b"<fh:archive/><fh:complete/>"))}
    assert "fh-complete-and-archive" in rules
    subscription = (feeds / "atom.xml").read_bytes()
    marker = b'<fh:complete xmlns:fh="%s"/><generator>' % FH.encode()
    complete = subscription.replace(b"<generator>", marker)
    assert "fh-complete-with-paging" in {f.rule for f in validate_bytes(complete)}
    live = ids_of(subscription)[0]
    tomb = (b'<at:deleted-entry xmlns:at="http://purl.org/atompub/tombstones/1.0" ref="%s" '
            b'when="2030-01-01T00:00:00Z"/><generator>' % live.encode())
    assert "at-ref-live-entry" in {f.rule for f in validate_bytes(subscription.replace(b"<generator>", tomb))}


# --- at scale ---------------------------------------------------------------------------


@pytest.mark.slow
def test_ten_thousand_entries_in_pages_of_a_hundred(tmp_path: Path) -> None:
    """The issue's check: every page validates and links both ways; a new entry changes the
    subscription documents only (the pages keep their bytes and mtimes)."""
    config = make(tmp_path / "blog", 10_000, 100)
    build(load_config(config), now=NOW)
    feeds = config.parent / "feeds"
    assert len(list((feeds / "archive").iterdir())) == 300
    for number in range(1, 101):
        atom = (feeds / page_name("atom", number)).read_bytes()
        rss = (feeds / page_name("rss", number)).read_bytes()
        for data in (atom, rss, (feeds / page_name("json", number)).read_bytes()):
            assert not [f for f in validate_bytes(data) if f.severity == "error"], number
        links = atom_links(atom)
        assert (links.get("prev-archive"), links.get("next-archive")) == (
            FEEDS_URL + page_name("atom", number - 1) if number > 1 else None,
            FEEDS_URL + page_name("atom", number + 1) if number < 100 else None)
        assert rss_links(rss).get("next-archive", "").endswith(f"rss-{number + 1}.xml") or number == 100
    assert len(ids_of((feeds / "atom.xml").read_bytes())) == 50
    pages = snapshot(feeds / "archive")
    add_entry(config, 10_000)
    result = build(load_config(config), now=datetime(2025, 1, 1, tzinfo=UTC))
    assert sorted(result.written) == ["feeds/atom.xml", "feeds/feed.json", "feeds/index.html",
                                      "feeds/rss.xml"]
    assert snapshot(feeds / "archive") == pages
    assert result.parsed == 1


def test_cli_exit_codes_for_archive_settings(tmp_path: Path, run: Run) -> None:
    config = make(tmp_path / "blog", 3, 4)
    config.write_text(config.read_text().replace("archive_size = 4", "archive_size = -1"))
    outcome = run(config.parent, "build")
    assert outcome.code == ExitCode.CONFIG and "archive_size: must be a whole number" in outcome.err
