"""The build end to end: golden feeds, byte stability, and what real clients read.

Golden files live in tests/golden/<case>/ (pretty-printed, so a diff is readable, and
validated by our own validator below). Refresh them after an intended change with
``python -m pytest tests/test_build.py --update-goldens`` and review the diff.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from conftest import ROOT, Run, snapshot
from feedpub.validate import validate_bytes

GOLDEN = ROOT / "tests" / "golden"
FULL = ROOT / "tests" / "data" / "blogs" / "full"
FEED_FILES = ("rss.xml", "atom.xml", "feed.json")
CLOSE_ARGS = ("close", "--continued-at", "https://blog.example.org/live/full-2",
              "--at", "2024-12-07T12:30:00+00:00", "--message", "We moved to a new page & more.")


@pytest.fixture
def full(tmp_path: Path) -> Path:
    site = tmp_path / "full"
    shutil.copytree(FULL, site)
    return site


def check_golden(case: str, feeds: Path, update: bool) -> None:
    folder = GOLDEN / case
    if update:
        folder.mkdir(parents=True, exist_ok=True)
        for name in FEED_FILES:
            shutil.copy(feeds / name, folder / name)
    for name in FEED_FILES:
        assert (feeds / name).read_bytes() == (folder / name).read_bytes(), f"{case}/{name}"


def test_shipped_sample_feeds_are_current(blog: Path, run: Run) -> None:
    """feeds/ in the repository is exactly what the shipped entries build to."""
    assert run(blog, "build").code == 0
    for name in FEED_FILES:
        assert (blog / "feeds" / name).read_bytes() == (ROOT / "feeds" / name).read_bytes(), name


def test_full_blog_goldens_live_closed_and_reopened(full: Path, run: Run,
                                                    update_goldens: bool) -> None:
    assert run(full, "build").code == 0
    check_golden("full-live", full / "feeds", update_goldens)
    assert run(full, *CLOSE_ARGS).code == 0
    check_golden("full-closed", full / "feeds", update_goldens)
    assert run(full, "reopen").code == 0
    check_golden("full-live", full / "feeds", False)


@pytest.mark.parametrize("case", ["full-live", "full-closed"])
@pytest.mark.parametrize("name", FEED_FILES)
def test_goldens_pass_our_validator_without_warnings(case: str, name: str) -> None:
    assert validate_bytes((GOLDEN / case / name).read_bytes()) == []


def test_sample_feeds_pass_our_validator_without_warnings() -> None:
    for name in FEED_FILES:
        assert validate_bytes((ROOT / "feeds" / name).read_bytes()) == [], name


def test_two_builds_are_byte_identical_and_leave_mtimes(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    first = snapshot(blog / "feeds")
    shutil.rmtree(blog / ".feedpub")  # force a full rebuild, not the no-op path
    assert run(blog, "build").code == 0
    assert snapshot(blog / "feeds") == first


def test_quiet_on_success_and_verbose_says_what_changed(blog: Path, run: Run) -> None:
    outcome = run(blog, "build")
    assert (outcome.code, outcome.out, outcome.err) == (0, "", "")
    entry = blog / "entries" / "0001-israel-reinforces-golan-heights.md"
    entry.write_text(entry.read_text().replace("Golan", "Golan (edited)", 1))
    outcome = run(blog, "-v")
    assert outcome.out.splitlines() == ["wrote feeds/index.html", "wrote feeds/rss.xml",
                                        "wrote feeds/atom.xml", "wrote feeds/feed.json"]


def test_no_subcommand_means_build(blog: Path, run: Run) -> None:
    assert run(blog).code == 0
    published = {"index.html", *FEED_FILES, *(p.name for p in (blog / "media").iterdir())}
    assert sorted(p.name for p in (blog / "feeds").iterdir()) == sorted(published)


def same_html(one: str, two: str) -> bool:
    """The same elements, attributes and text, whatever the order of the attributes."""
    from lxml import html

    def shape(fragment: str) -> list[tuple[object, ...]]:
        root = html.fragment_fromstring(fragment, create_parent="div")
        return [(e.tag, sorted(e.attrib.items()), e.text, e.tail) for e in root.iter()]

    return shape(one) == shape(two)


def test_feedparser_reads_all_formats_alike(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    rss = feedparser.parse((blog / "feeds" / "rss.xml").read_bytes())
    atom = feedparser.parse((blog / "feeds" / "atom.xml").read_bytes())
    items = json.loads((blog / "feeds" / "feed.json").read_bytes())["items"]
    assert not rss.bozo and not atom.bozo
    assert rss.version == "rss20" and atom.version == "atom10"
    assert len(rss.entries) == len(atom.entries) == len(items) == 23  # closing + 22
    for r, a, j in zip(rss.entries, atom.entries, items, strict=True):
        assert r.id == a.id == j["id"]
        assert r.title == a.title == j["title"]
        assert r.link == a.link == j["url"]
        assert r.published_parsed == a.published_parsed
        assert a.published.replace("+00:00", "Z") == j["date_published"]
        assert r.content[0].value == a.content[0].value
        assert same_html(a.content[0].value, j["content_html"])  # feedparser sorts attributes
    assert atom.feed.links[0].rel == "self"
    assert rss.feed.link == atom.feed.link == "https://news.example.org/live/2024/12/07/syria-homs"


def test_newest_first_and_item_limit_while_live(full: Path, run: Run) -> None:
    assert run(full, "build").code == 0
    parsed = feedparser.parse((full / "feeds" / "atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Third, with its own id and link",
                                                 "Second: with an image, an author with email, "
                                                 "and French"]


def test_local_times_use_the_blog_zone(full: Path, run: Run) -> None:
    (full / "feedpub.toml").write_text((full / "feedpub.toml").read_text()
                                       .replace("item_limit = 2", "item_limit = 0"))
    assert run(full, "build").code == 0
    items = json.loads((full / "feeds" / "feed.json").read_bytes())["items"]
    assert items[-1]["date_published"] == "2024-12-07T08:00:00Z"  # 09:00 Europe/Berlin


def test_json_feed_follows_the_spec_musts(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    doc = json.loads((blog / "feeds" / "feed.json").read_bytes())
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(doc["title"], str) and doc["title"]
    assert doc["feed_url"].startswith("https://") and doc["home_page_url"].startswith("https://")
    ids = [item["id"] for item in doc["items"]]
    assert len(set(ids)) == len(ids) and all(isinstance(i, str) for i in ids)
    for item in doc["items"]:
        assert "content_html" in item or "content_text" in item
        assert item["date_published"].endswith("Z")
    assert "expired" not in doc or isinstance(doc["expired"], bool)


def test_config_saved_during_a_run_is_picked_up_by_the_next(blog: Path) -> None:
    """A run records the stamp of the config text it read, not of the file at its end."""
    from datetime import UTC, datetime

    from feedpub.config import load_config
    from feedpub.pipeline import build

    now = datetime(2026, 1, 1, tzinfo=UTC)
    config_path = blog / "feedpub.toml"
    read_before_the_edit = load_config(config_path)
    config_path.write_text(config_path.read_text().replace('description = "Live coverage',
                                                           'description = "Edited: live coverage'))
    assert not build(read_before_the_edit, now=now).unchanged
    assert b"Edited:" not in (blog / "feeds" / "feed.json").read_bytes()
    assert not build(load_config(config_path), now=now).unchanged
    assert b"Edited: live coverage" in (blog / "feeds" / "feed.json").read_bytes()
