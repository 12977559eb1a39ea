"""The newsroom's day (issue 13): a broken file never blocks the others, scheduled posts,
and a blog before its first post.

Time travel goes through the library's ``now`` (the CLI reads the real clock); everything
else goes through the command as cron runs it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Run, snapshot
from feedpub.config import load_config
from feedpub.errors import ExitCode
from feedpub.pipeline import build
from feedpub.validate import has_errors, validate_bytes

LIVE_CONFIG = """title = "Council vote live"
description = "Updates from the council chamber."
home_page_url = "https://news.example.org/live/vote"
feeds_url = "https://news.example.org/live/vote/feeds/"
id_base = "tag:news.example.org,2026-12-04:vote/"
"""


def entry(title: str, published: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\npublished: {published}\n{extra}---\nWhat happened: {title}.\n"


def titles(site: Path) -> list[str]:
    return [item["title"] for item in json.loads((site / "feeds" / "feed.json").read_bytes())["items"]]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "vote"
    (folder / "entries").mkdir(parents=True)
    (folder / "feedpub.toml").write_text(LIVE_CONFIG)
    (folder / "entries" / "01-opening.md").write_text(entry("Session opens", "2024-12-07T09:00:00Z"))
    return folder


def write(site: Path, name: str, text: str) -> Path:
    path = site / "entries" / name
    path.write_text(text)
    return path


def test_one_broken_file_never_blocks_a_good_one(site: Path, run: Run) -> None:
    assert run(site, "build").code == 0
    write(site, "02-bad.md", "---\ntitle: BREAKING: mayor resigns\npublished: 2024-12-07T09:30:00Z\n"
                             "---\nBody.\n")
    write(site, "03-good.md", entry("Vote passes", "2024-12-07T09:31:00Z"))
    outcome = run(site, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.startswith("entries/02-bad.md:2: front matter is not valid YAML")
    assert len(outcome.err.strip().splitlines()) == 1
    assert titles(site) == ["Vote passes", "Session opens"]
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert b"Vote passes" in (site / "feeds" / name).read_bytes()
        assert not has_errors(validate_bytes((site / "feeds" / name).read_bytes()))


def test_the_error_is_reported_every_minute_until_fixed(site: Path, run: Run) -> None:
    write(site, "02-bad.md", "---\ntitle: [unclosed\npublished: 2024-12-07T09:30:00Z\n---\nx\n")
    first = run(site, "build")
    assert first.code == ExitCode.BAD_ENTRY
    feeds = snapshot(site / "feeds")
    again = run(site, "build", "-v")  # a no-op run: nothing is parsed or written
    assert (again.code, again.err) == (first.code, first.err)
    assert again.out.strip() == "nothing changed"
    assert snapshot(site / "feeds") == feeds
    write(site, "02-bad.md", entry("Fixed now", "2024-12-07T09:30:00Z"))
    assert run(site, "build").code == 0
    assert titles(site) == ["Fixed now", "Session opens"]


def test_a_published_entry_that_breaks_keeps_its_last_good_version(site: Path, run: Run) -> None:
    path = write(site, "02-mayor.md", entry("Mayor speaks", "2024-12-07T09:30:00Z"))
    assert run(site, "build").code == 0
    feeds = snapshot(site / "feeds")
    path.write_text(path.read_text().replace("published: 2024-12-07T09:30:00Z", "published: soon"))
    write(site, "03-next.md", entry("Next speaker", "2024-12-07T09:40:00Z"))
    outcome = run(site, "build", "-v")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert 'entries/02-mayor.md:3: published: "soon" is not a date' in outcome.err
    assert "entries/02-mayor.md: its last good version stays published" in outcome.err
    assert titles(site) == ["Next speaker", "Mayor speaks", "Session opens"]
    assert feeds != snapshot(site / "feeds")


def test_strict_publishes_nothing_while_a_file_is_broken(site: Path, run: Run) -> None:
    assert run(site, "build").code == 0
    feeds = snapshot(site / "feeds")
    write(site, "02-bad.md", "---\ntitle: x\n---\nno date\n")
    write(site, "03-good.md", entry("Vote passes", "2024-12-07T09:31:00Z"))
    outcome = run(site, "build", "--strict")
    assert outcome.code == ExitCode.BAD_ENTRY and "02-bad.md" in outcome.err
    assert snapshot(site / "feeds") == feeds


def test_a_scheduled_entry_goes_out_at_its_time_and_not_before(site: Path) -> None:
    config = site / "feedpub.toml"
    now = datetime(2024, 12, 7, 10, 0, tzinfo=UTC)
    write(site, "02-explainer.md", entry("Explainer - the budget", "2024-12-07T12:00:00Z"))
    first = build(load_config(config), now=now, log=(lines := []).append)
    assert first.problems == [] and [e.title for e in first.scheduled] == ["Explainer - the budget"]
    assert lines[0] == "entries/02-explainer.md: scheduled for 2024-12-07T12:00:00+00:00"
    assert titles(site) == ["Session opens"]
    assert build(load_config(config), now=now + timedelta(hours=1)).unchanged  # still cheap
    due = build(load_config(config), now=datetime(2024, 12, 7, 12, 0, tzinfo=UTC))
    assert not due.unchanged and due.scheduled == []
    assert titles(site) == ["Explainer - the budget", "Session opens"]
    assert build(load_config(config), now=datetime(2024, 12, 7, 12, 1, tzinfo=UTC)).unchanged


def test_nothing_is_scheduled_after_the_closing(site: Path, run: Run) -> None:
    assert run(site, "close", "--continued-at", "https://news.example.org/next",
               "--at", "2024-12-07T11:00:00Z").code == 0
    write(site, "02-late.md", entry("Too late", "2999-01-01T00:00:00Z"))
    outcome = run(site, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.strip().startswith("entries/02-late.md: published: is after the blog was closed")


@pytest.mark.parametrize("contents", ["nothing", "drafts only", "scheduled only"])
def test_a_blog_before_its_first_post_builds_quietly(site: Path, run: Run, contents: str) -> None:
    (site / "entries" / "01-opening.md").unlink()
    if contents == "drafts only":
        write(site, "01-draft.md", entry("Not yet", "2024-12-07T09:00:00Z", "draft: true\n"))
    elif contents == "scheduled only":
        write(site, "01-later.md", entry("Later", "2999-01-01T00:00:00Z"))
    outcome = run(site, "build")
    assert outcome.code == 0
    assert outcome.err == "feeds/atom.xml: warning: not written while the blog has no entry (the " \
                          "format needs a time); it appears with the first entry\n"
    assert sorted(p.name for p in (site / "feeds").iterdir()) == ["feed.json", "index.html",
                                                                  "rss.xml"]
    assert b"No updates yet" in (site / "feeds" / "index.html").read_bytes()
    for name in ("feed.json", "rss.xml"):
        data = (site / "feeds" / name).read_bytes()
        assert not has_errors(validate_bytes(data)), name
    assert b"<item>" not in (site / "feeds" / "rss.xml").read_bytes()
    assert b"lastBuildDate" not in (site / "feeds" / "rss.xml").read_bytes()
    again = run(site, "build")
    assert (again.code, again.err) == (0, "")  # not a warning every minute
    write(site, "09-first.md", entry("First post", "2024-12-07T09:00:00Z"))
    assert run(site, "build").code == 0
    assert re.search(rb"<title>First post</title>", (site / "feeds" / "atom.xml").read_bytes())
