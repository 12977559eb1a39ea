"""SIGKILL at random moments never leaves a broken feed, and the next run repairs the rest.

The cron promise (issue 7): whatever instant a run dies at (parsing, rendering in the
forked workers, staging, renaming, saving the state), every feed in ``feeds/`` is a
complete old or a complete new version, and the next uninterrupted run ends exactly
where a fresh build would, with no temporary file left. Real work is forced before
every kill by editing an entry or deleting the state folder, and the kill moment is
drawn uniformly over the measured length of that kind of run, so kills land in every
phase. The seed is printed on failure (``FEEDPUB_KILL_SEED`` replays it).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree
from test_cron import FEEDS, fresh_build

from conftest import ROOT, synth
from feedpub.output import TEMP_MARK
from feedpub.validate import has_errors, validate_bytes

ENTRIES = 2000
KILLS = 32
BUDGET_SECONDS = 90.0
COMMAND = [sys.executable, str(ROOT / "publish.py"), "build"]


def timed_run(site: Path) -> float:
    start = time.monotonic()
    subprocess.run(COMMAND, cwd=site, check=True, stdin=subprocess.DEVNULL)
    return time.monotonic() - start


def killed_run(site: Path, after: float) -> bool:
    """Start a build and SIGKILL it after ``after`` seconds; True if it was still running."""
    process = subprocess.Popen(COMMAND, cwd=site, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


class FeedChecker:
    """Parses and validates each feed, skipping files whose size and mtime it already passed."""

    def __init__(self, site: Path):
        self.feeds = site / "feeds"
        self.passed: set[tuple[str, int, int]] = set()

    def check(self) -> None:
        for name in FEEDS:
            path = self.feeds / name
            if not path.exists():
                continue  # the very first build may die before writing this one
            info = path.stat()
            key = (name, info.st_size, info.st_mtime_ns)
            if key in self.passed:
                continue
            data = path.read_bytes()
            if name.endswith(".json"):
                json.loads(data)
            else:
                etree.fromstring(data, etree.XMLParser(resolve_entities=False))
            findings = validate_bytes(data)
            assert not has_errors(findings), (name, [str(f) for f in findings[:3]])
            self.passed.add(key)


def edit_entry(site: Path, rng: random.Random, round_: int) -> None:
    entry = site / "entries" / f"{rng.randrange(ENTRIES):06d}-update.md"
    lines = entry.read_text(encoding="utf-8").split("\n")
    lines[1] = f"title: Update edited in round {round_}"
    entry.write_text("\n".join(lines), encoding="utf-8")


def leftovers(site: Path) -> list[str]:
    return [p.name for folder in ("feeds", ".feedpub") for p in (site / folder).iterdir()
            if TEMP_MARK in p.name]


def assert_recovers(site: Path, tmp_path: Path, label: str) -> None:
    """One uninterrupted run gives a fresh build's bytes, no temp files, then a true no-op."""
    done = subprocess.run(COMMAND, cwd=site, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert leftovers(site) == [], label
    expected = fresh_build(site, tmp_path / f"fresh-{label}")
    assert {n: (site / "feeds" / n).read_bytes() for n in FEEDS} == expected, label
    before = {p.name: p.stat().st_mtime_ns for p in (site / "feeds").iterdir()}
    again = subprocess.run(COMMAND, cwd=site, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert {p.name: p.stat().st_mtime_ns for p in (site / "feeds").iterdir()} == before
    shutil.rmtree(tmp_path / f"fresh-{label}")


@pytest.mark.slow
def test_sigkill_at_random_moments_never_breaks_a_feed(tmp_path: Path) -> None:
    seed = int(os.environ.get("FEEDPUB_KILL_SEED", random.randrange(1 << 30)))
    print(f"FEEDPUB_KILL_SEED={seed}")
    rng = random.Random(seed)
    site = tmp_path / "blog"
    synth.make_blog(site, ENTRIES)
    started = time.monotonic()
    cold = timed_run(site)
    edit_entry(site, rng, 0)
    incremental = timed_run(site)
    checker = FeedChecker(site)
    checker.check()
    kills = 0
    for round_ in range(1, 3 * KILLS):
        if kills >= KILLS:
            break
        assert time.monotonic() - started < BUDGET_SECONDS, f"only {kills} kills in time"
        if rng.random() < 0.35:
            shutil.rmtree(site / ".feedpub", ignore_errors=True)  # a cold build: parse pool, forks
            length = cold
        else:
            edit_entry(site, rng, round_)
            length = incremental
        kills += killed_run(site, rng.uniform(0.0, length * 1.05))
        checker.check()
        if kills % 8 == 0:
            assert_recovers(site, tmp_path, f"round-{round_}")
    assert kills >= KILLS
    assert_recovers(site, tmp_path, "final")


def all_feeds(site: Path) -> dict[str, bytes]:
    """Every file of the feeds folder (archive pages included), by its path in it."""
    folder = site / "feeds"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.slow
def test_sigkill_of_an_archived_blog_with_frozen_pages_never_breaks_a_page(
        tmp_path: Path) -> None:
    """The same for a blog of archive pages, most of them frozen (``feedpub.frozen``): new
    updates take the frozen path, edits of old ones thaw it, a deleted state folder
    starts over; after any kill, the next run publishes what a fresh clone does."""
    seed = int(os.environ.get("FEEDPUB_KILL_SEED", random.randrange(1 << 30)))
    print(f"FEEDPUB_KILL_SEED={seed}")
    rng = random.Random(seed)
    site = tmp_path / "blog"
    config = synth.make_blog(site, ENTRIES)
    config.write_text(config.read_text() + "archive_size = 50\n")
    cold = timed_run(site)
    added = ENTRIES
    kills = 0
    frozen = 0  # runs started with a snapshot of frozen pages
    for round_ in range(1, 60):
        if kills >= KILLS // 2:
            break
        frozen += (site / ".feedpub" / "frozen.json").exists()
        draw = rng.random()
        if draw < 0.2:
            shutil.rmtree(site / ".feedpub", ignore_errors=True)
            length = cold
        elif draw < 0.6:
            text = synth.entry_text(added, random.Random(added))
            (site / "entries" / f"{added:06d}-update.md").write_text(text, encoding="utf-8")
            added += 1
            length = cold / 4
        else:
            edit_entry(site, rng, round_)
            length = cold / 4
        killed = killed_run(site, rng.uniform(0.0, length * 1.05))
        kills += killed
        if killed and kills % 4 == 0:
            assert_archive_recovers(site, tmp_path, f"round-{round_}")
    assert kills >= KILLS // 2 and frozen
    assert_archive_recovers(site, tmp_path, "final")


def assert_archive_recovers(site: Path, tmp_path: Path, label: str) -> None:
    """One uninterrupted run gives a fresh clone's feeds and pages, with no temp files."""
    done = subprocess.run(COMMAND, cwd=site, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert leftovers(site) == [], label
    fresh = tmp_path / f"fresh-{label}"
    fresh_build(site, fresh)
    assert all_feeds(site) == all_feeds(fresh), label
    shutil.rmtree(fresh)
