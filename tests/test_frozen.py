"""Frozen archive pages (``feedpub.frozen``): a shortcut that never changes what is published.

A build of an archived blog leaves the full pages it froze unread. These tests pin that
this is only ever a shortcut: over random histories of a newsroom (updates, some
back-dated; edits, retractions, touches, broken files, an id used twice, a deleted file,
a ledger merged by hand, a config change, time passing), a blog that keeps its snapshot
and a blog built from the same files without one publish the same bytes and report the
same problems at every step; and each way a frozen page can be touched thaws the build.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedpub.config import load_config
from feedpub.errors import EntryError, FeedCheckError
from feedpub.frozen import FROZEN_NAME
from feedpub.pipeline import build

EXAMPLES = int(os.environ.get("FEEDPUB_PROPERTY_EXAMPLES", "250"))
HISTORIES = settings(derandomize=not os.environ.get("FEEDPUB_PROPERTY_RANDOM"), database=None,
                     deadline=None, max_examples=max(10, EXAMPLES // 10),
                     suppress_health_check=[HealthCheck.too_slow,
                                            HealthCheck.function_scoped_fixture])
CONFIG = """title = "Frozen"
description = "Pages that need not be read again."
home_page_url = "https://frozen.example.org/live/"
feeds_url = "https://frozen.example.org/live/feeds/"
id_base = "tag:frozen.example.org,2024-12-07:live/"
archive_size = {size}
tombstone_days = {days}
"""
START = datetime(2030, 1, 1, tzinfo=UTC)


@dataclass
class Desk:
    """The same newsroom history, applied to two blogs."""

    sites: tuple[Path, Path]
    now: datetime = START
    minute: int = 0  # the newest update's minute after START
    files: dict[str, int] = field(default_factory=dict)  # file name → its minute
    retracted: set[str] = field(default_factory=set)
    version: int = 0

    def write(self, name: str, text: str) -> None:
        for site in self.sites:
            (site / "entries" / name).write_text(text)

    def entry(self, name: str, minute: int, title: str, *, extra: str = "") -> str:
        when = START + timedelta(minutes=minute)
        return (f'---\ntitle: "{title}"\npublished: {when.isoformat()}\n{extra}---\n\n'
                f"Update {name}, version {self.version}.\n")


def make_sites(root: Path, size: int, days: int) -> tuple[Path, Path]:
    sites = (root / "kept", root / "fresh")
    for site in sites:
        (site / "entries").mkdir(parents=True)
        (site / "feedpub.toml").write_text(CONFIG.format(size=size, days=days))
    return sites


def outcome(site: Path, now: datetime, *, forget: bool) -> tuple[str, dict[str, bytes]]:
    """What a build at ``now`` reported, and every published file; ``forget`` deletes the
    snapshot first, so the build reads every entry."""
    if forget:
        (site / ".feedpub" / FROZEN_NAME).unlink(missing_ok=True)
    try:
        result = build(load_config(site / "feedpub.toml"), now=now)
        said = "ok " + "\n".join(result.problems)
    except (EntryError, FeedCheckError) as error:
        said = f"{type(error).__name__} {error}"
    said = said.replace(str(site), "SITE")
    files = {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
             if p.is_file() and ".feedpub" not in p.parts and p.parent.name != "entries"}
    return said, files


steps = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(1, 3)),
    st.tuples(st.just("backdate"), st.integers(0, 400)),
    st.tuples(st.just("edit"), st.integers(0, 60), st.booleans()),
    st.tuples(st.just("retract"), st.integers(0, 60)),
    st.tuples(st.just("touch"), st.integers(0, 60)),
    st.tuples(st.just("break"), st.integers(0, 60)),
    st.tuples(st.just("fix"), st.integers(0, 60)),
    st.tuples(st.just("twin"), st.integers(0, 60)),
    st.tuples(st.just("delete"), st.integers(0, 60)),
    st.tuples(st.just("merge"), st.integers(0, 60)),
    st.tuples(st.just("config"), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("wait"), st.sampled_from([1, 60, 60 * 30])),
), min_size=4, max_size=14)


def apply(desk: Desk, step: tuple) -> None:
    """One step of the history, on both blogs."""
    kind = step[0]
    desk.version += 1
    if kind == "wait":
        desk.now += timedelta(minutes=step[1])
    elif kind == "add":
        for _ in range(step[1]):
            desk.minute += 7
            name = f"{desk.minute:05d}.md"
            desk.files[name] = desk.minute
            desk.write(name, desk.entry(name, desk.minute, f"Update at {desk.minute}"))
    elif kind == "backdate" and desk.minute:
        minute = step[1] % desk.minute
        name = f"{minute:05d}-late.md"
        if name not in desk.files:
            desk.files[name] = minute
            desk.write(name, desk.entry(name, minute, "A late one"))
    elif kind == "merge":  # both sides of a merge kept (git's merge=union): a line twice
        for site in desk.sites:
            ledger = site / "feedpub.ledger"
            if ledger.exists():
                lines = ledger.read_text().splitlines(keepends=True)
                body = [line for line in lines if not line.startswith("#")]
                if body:
                    ledger.write_text("".join(lines) + body[step[1] % len(body)])
    elif kind == "config":
        for site in desk.sites:
            config = site / "feedpub.toml"
            config.write_text(config.read_text().replace(
                "title = \"Frozen\"", f'title = "Frozen {step[1]}"', 1)
                if step[1] else config.read_text())
    else:
        names = sorted(set(desk.files) - desk.retracted)
        if names:
            change(desk, kind, names[step[1] % len(names)], step)


def change(desk: Desk, kind: str, pick: str, step: tuple) -> None:
    """A step that changes one update's file."""
    if kind == "edit":
        extra = f"updated: {desk.now.isoformat()}\n" if step[2] else ""
        desk.write(pick, desk.entry(pick, desk.files[pick], "Edited", extra=extra))
    elif kind == "retract":
        desk.retracted.add(pick)
        desk.write(pick, desk.entry(pick, desk.files[pick], "Withdrawn",
                                    extra=f"retracted: {desk.now.isoformat()}\n"))
    elif kind == "touch":
        for site in desk.sites:
            os.utime(site / "entries" / pick)
    elif kind == "break":
        desk.write(pick, "---\ntitle: [unclosed\n---\n\nBroken.\n")
    elif kind == "fix":
        desk.write(pick, desk.entry(pick, desk.files[pick], f"Fixed {desk.version}"))
    elif kind == "twin":
        twin = f"{pick[:-3]}-twin.md"
        desk.write(twin, desk.entry(twin, desk.files[pick] + 1, "Twin",
                                    extra=f"id: tag:frozen.example.org,2024-12-07:live/{pick[:-3]}\n"))
    elif kind == "delete":
        for site in desk.sites:
            (site / "entries" / pick).unlink(missing_ok=True)
        del desk.files[pick]


@HISTORIES
@given(size=st.sampled_from([2, 3]), days=st.sampled_from([0, 1]),
       first=st.integers(4, 12), history=steps)
def test_a_kept_snapshot_publishes_what_reading_everything_does(
        tmp_path_factory: pytest.TempPathFactory, size: int, days: int, first: int,
        history: list[tuple]) -> None:
    desk = Desk(make_sites(tmp_path_factory.mktemp("desk"), size, days))
    desk.now = START + timedelta(days=3)
    apply(desk, ("add", first))
    for step in [("wait", 1), *history]:
        apply(desk, step)
        desk.now += timedelta(minutes=1)
        kept = outcome(desk.sites[0], desk.now, forget=False)
        fresh = outcome(desk.sites[1], desk.now, forget=True)
        assert kept == fresh, step


def long_blog(tmp_path: Path, count: int = 12) -> Desk:
    """A blog of ``count`` updates in pages of 2, built once (its old pages are frozen),
    and its copy."""
    desk = Desk(make_sites(tmp_path, 2, 1))
    desk.now = START + timedelta(days=3)
    apply(desk, ("add", count))
    outcome(desk.sites[0], desk.now, forget=False)
    shutil.rmtree(desk.sites[1])
    shutil.copytree(desk.sites[0], desk.sites[1])
    return desk


def frozen_pages(site: Path) -> int:
    from feedpub.frozen import read_frozen
    from feedpub.pipeline import _frozen_context

    found = read_frozen(site / ".feedpub", _frozen_context(load_config(site / "feedpub.toml")), [])
    return len(found.pages) if found is not None else 0


def test_a_long_blog_freezes_every_full_page_but_the_newest(tmp_path: Path) -> None:
    desk = long_blog(tmp_path)
    assert frozen_pages(desk.sites[0]) == 12 // 2 - 1
    apply(desk, ("add", 2))
    desk.now += timedelta(minutes=1)
    outcome(desk.sites[0], desk.now, forget=False)
    assert frozen_pages(desk.sites[0]) == 14 // 2 - 1


@pytest.mark.parametrize("step", [
    ("edit", 0, False), ("retract", 1), ("backdate", 30), ("twin", 2), ("merge", 0),
    ("delete", 3),
], ids=lambda step: step[0])
def test_a_build_that_touches_a_frozen_page_publishes_what_reading_everything_does(
        tmp_path: Path, step: tuple) -> None:
    desk = long_blog(tmp_path)
    apply(desk, step)
    desk.now += timedelta(minutes=1)
    kept = outcome(desk.sites[0], desk.now, forget=False)
    assert kept == outcome(desk.sites[1], desk.now, forget=True)


@pytest.mark.parametrize("wait", [90, 60 * 49], ids=["tombstone-live", "tombstone-expired"])
def test_a_page_with_a_retraction_freezes_only_once_its_tombstone_expired(
        tmp_path: Path, wait: int) -> None:
    """Updates of later that day move the window past the retraction; its page freezes only
    once the Atom feed no longer announces it (and publishes what reading everything does)."""
    desk = long_blog(tmp_path)
    for step in [("retract", 0), ("wait", wait), ("add", 4), ("touch", 15), ("touch", 15)]:
        if step[0] == "add":  # dated a little before now, after the retraction
            desk.minute = int((desk.now - START).total_seconds() // 60) - 40
        apply(desk, step)
        desk.now += timedelta(minutes=1)
        kept = outcome(desk.sites[0], desk.now, forget=False)
        assert kept == outcome(desk.sites[1], desk.now, forget=True), step
    assert frozen_pages(desk.sites[0]) == (16 // 2 - 1 if wait > 60 * 24 else 0)


def test_a_ledger_line_naming_a_frozen_file_is_refused_as_without_the_snapshot(
        tmp_path: Path) -> None:
    desk = long_blog(tmp_path)
    newest = f"{desk.minute:05d}.md"
    for site in desk.sites:  # the newest update's file gone, its line edited to name the oldest
        (site / "entries" / newest).unlink()
        ledger = site / "feedpub.ledger"
        ledger.write_text(ledger.read_text().replace(f'file="{newest}"', 'file="00007.md"'))
    desk.now += timedelta(minutes=1)
    kept = outcome(desk.sites[0], desk.now, forget=False)
    assert kept[0].startswith("EntryError")
    assert kept == outcome(desk.sites[1], desk.now, forget=True)


def test_an_edit_whose_run_died_after_saving_the_entry_index_still_goes_out(
        tmp_path: Path) -> None:
    """A run killed after it saved the entry index, before it published, leaves the index
    ahead of the feeds: the edited record, with its file's stamp, must not pass for one
    of the frozen records (found by SIGKILLs, ``test_crash``)."""
    from feedpub.cache import load_entries
    from feedpub.entries import scan_entries

    desk = long_blog(tmp_path)
    apply(desk, ("edit", 0, False))  # an update of the oldest, frozen page
    for site in desk.sites:  # the run that died: the index saved, nothing published
        config = load_config(site / "feedpub.toml")
        load_entries(config, scan_entries(config.entries_dir).stamps, now=desk.now, save=True,
                     progress=False, notices=[])
    desk.now += timedelta(minutes=1)
    kept = outcome(desk.sites[0], desk.now, forget=False)
    assert b"Edited" in kept[1]["feeds/archive/atom-1.xml"]
    assert kept == outcome(desk.sites[1], desk.now, forget=True)
