"""Cron-driven publishing (issue 7): the lock, the no-op fast path, the cache, quiet output.

A live blog is rebuilt every minute for hours, so these tests pin the promises a cron
job relies on: a second run never overlaps the first (exit 7, one line), a run with
nothing to do touches no byte and no mtime and reads no entry, one changed entry costs
one parse, a damaged cache is never trusted, and nothing is printed unless a person
must act. Most tests run the real command (``publish.py`` in a subprocess) because
stdout, stderr, exit codes and the lock are properties of the process, not of a call.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ROOT, cache_records, cached_entries, snapshot, state_document, synth
from feedpub.config import load_config
from feedpub.errors import ExitCode
from feedpub.pipeline import build
from feedpub.validate import has_errors, validate_bytes

FEEDS = ("rss.xml", "atom.xml", "feed.json")
OUTPUTS = ("index.html", *FEEDS)  # the page is rendered with the feeds
NOW = datetime(2025, 1, 1, tzinfo=UTC)
HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""
HOLD_BLOG_LOCK = """
import sys, time
from pathlib import Path
from feedpub.lock import BlogLock
with BlogLock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""




@dataclass
class Done:
    code: int
    out: str
    err: str
    seconds: float


def publish(site: Path, *args: str, timeout: float = 120) -> Done:
    """``python publish.py ARGS`` in ``site``, as cron runs it: pipes, no terminal."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "publish.py"), *args], cwd=site,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    return Done(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


def start_publish(site: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(ROOT / "publish.py"), *args], cwd=site,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)


def make_site(folder: Path, count: int) -> Path:
    synth.make_blog(folder, count)
    return folder


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return make_site(tmp_path / "small", 40)


def state_files(site: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of feeds/ and .feedpub/, plus both folders' own mtimes."""
    files = {f"feeds/{k}": v for k, v in snapshot(site / "feeds").items()}
    files.update({f".feedpub/{k}": v for k, v in snapshot(site / ".feedpub").items()})
    for folder in ("feeds", ".feedpub"):
        if (site / folder).exists():
            files[folder + "/"] = (b"", (site / folder).stat().st_mtime_ns)
    return files


def feeds_of(site: Path) -> dict[str, bytes]:
    return {name: (site / "feeds" / name).read_bytes() for name in FEEDS}


def fresh_build(site: Path, where: Path) -> dict[str, bytes]:
    """The feeds a clean build of ``site``'s entries, config and ledger gives (what a fresh
    clone has), in another folder."""
    where.mkdir()
    shutil.copy(site / "feedpub.toml", where / "feedpub.toml")
    shutil.copytree(site / "entries", where / "entries")
    if (site / "feedpub.ledger").exists():
        shutil.copy(site / "feedpub.ledger", where / "feedpub.ledger")
    assert publish(where, "build").code == 0
    return feeds_of(where)


def assert_valid_feeds(site: Path) -> None:
    for name in FEEDS:
        findings = validate_bytes((site / "feeds" / name).read_bytes())
        assert not has_errors(findings), (name, findings[:3])


def lock_holder(lock: Path) -> int | None:
    """The pid holding a flock on ``lock`` according to the kernel, or None."""
    if not lock.exists():
        return None
    inode = lock.stat().st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            return int(fields[4])
    return None


def wait_for(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def children_of(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Helper processes that hold a lock; killed at the end whatever happens."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def hold(started: list[subprocess.Popen[str]], script: str, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                               text=True)
    started.append(process)
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


# --- the lock -------------------------------------------------------------------------


def test_a_run_while_the_lock_is_held_exits_7_with_one_line(small: Path, holder: list) -> None:
    assert publish(small, "build").code == 0
    before = state_files(small)
    helper = hold(holder, HOLD_LOCK, str(small / ".feedpub" / "lock"), "60")
    entry = small / "entries" / "000003-update.md"
    entry.write_text(entry.read_text().replace("Update number 3", "Update three"))
    done = publish(small, "build")
    assert done.code == ExitCode.LOCKED == 7
    assert done.out == ""
    assert done.err.count("\n") == 1, done.err
    assert f"another feedpub run (pid {helper.pid}, running for " in done.err
    assert ") is publishing this blog; this run did nothing (use --wait SECONDS" in done.err
    assert state_files(small) == before  # the locked-out run did nothing at all
    helper.kill()
    helper.wait()
    assert publish(small, "build").code == 0
    assert b"Update three" in (small / "feeds" / "atom.xml").read_bytes()


def test_two_real_builds_started_together(big: Path, tmp_path: Path) -> None:
    first = start_publish(big, "build")
    wait_for(lambda: lock_holder(big / ".feedpub" / "lock") == first.pid)
    second = publish(big, "build")
    out, err = first.communicate(timeout=120)
    assert (first.returncode, out, err) == (0, b"", b"")
    assert second.code == 7 and second.out == ""
    assert len(second.err.splitlines()) == 1 and "another feedpub run" in second.err
    assert_valid_feeds(big)
    assert feeds_of(big) == fresh_build(big, tmp_path / "fresh")


def test_wait_waits_for_the_holder_then_builds(small: Path, holder: list) -> None:
    (small / ".feedpub").mkdir()
    hold(holder, HOLD_LOCK, str(small / ".feedpub" / "lock"), "1.0")
    done = publish(small, "build", "--wait", "20")
    assert (done.code, done.out, done.err) == (0, "", "")
    assert done.seconds >= 0.7  # it waited for the holder rather than failing
    assert_valid_feeds(small)


def test_wait_gives_up_after_its_seconds(small: Path, holder: list) -> None:
    (small / ".feedpub").mkdir()
    helper = hold(holder, HOLD_LOCK, str(small / ".feedpub" / "lock"), "60")
    done = publish(small, "build", "--wait", "0.5")
    assert done.code == 7 and len(done.err.splitlines()) == 1
    assert "timed out after 0.5 s waiting for another feedpub run " \
           f"(pid {helper.pid}, running for " in done.err
    assert f"check it with 'ps -p {helper.pid}'" in done.err
    assert "--wait" not in done.err  # it did wait: waiting is not the advice any more
    assert done.seconds >= 0.5
    assert not (small / "feeds").exists()


def test_a_lock_left_by_a_sigkilled_run_is_taken_over_at_once(small: Path, holder: list) -> None:
    helper = hold(holder, HOLD_BLOG_LOCK, str(small / ".feedpub"))
    helper.send_signal(signal.SIGKILL)
    helper.wait()
    assert (small / ".feedpub" / "lock").exists()  # the file stays; the kernel dropped the lock
    done = publish(small, "build")
    assert (done.code, done.err) == (0, "")


def test_a_sigkilled_build_leaves_no_worker_holding_the_lock(big: Path) -> None:
    """Forked workers share the lock's open file; they must neither keep it nor outlive the run."""
    run = start_publish(big, "build")
    wait_for(lambda: children_of(run.pid), timeout=60)  # the parse pool or the renderers
    workers = children_of(run.pid)
    run.send_signal(signal.SIGKILL)
    run.wait()
    done = publish(big, "build", "-q")
    assert (done.code, done.err) == (0, ""), done.err
    assert not [pid for pid in workers if alive(pid)]
    assert not [p for p in (big / "feeds").iterdir() if p.name not in OUTPUTS]


# --- the no-op path -------------------------------------------------------------------


def test_a_noop_run_changes_nothing_and_prints_nothing(small: Path) -> None:
    assert publish(small, "build").code == 0
    before = state_files(small)
    assert set(before) >= {"feeds/rss.xml", ".feedpub/state.json", ".feedpub/entries.json",
                           ".feedpub/lock"}
    for _ in range(2):
        done = publish(small, "build")
        assert (done.code, done.out, done.err) == (0, "", "")
        assert state_files(small) == before


def test_a_noop_run_reads_no_entry_file(small: Path) -> None:
    """An entry swapped for garbage with the same size and mtime goes unnoticed: it was not read."""
    assert publish(small, "build").code == 0
    before = state_files(small)
    entry = small / "entries" / "000007-update.md"
    info = entry.stat()
    entry.write_bytes(b"\xff" * info.st_size)  # not UTF-8, no front matter: unparseable
    os.utime(entry, ns=(info.st_atime_ns, info.st_mtime_ns))
    if os.geteuid() != 0:
        entry.chmod(0)  # and unreadable, where permissions bind
    done = publish(small, "build")
    assert (done.code, done.out, done.err) == (0, "", "")
    assert state_files(small) == before
    entry.chmod(0o644)
    os.utime(entry)  # now it looks changed: the run must read it and report it
    done = publish(small, "build")
    assert done.code == ExitCode.BAD_ENTRY
    assert done.err.startswith("entries/000007-update.md:"), done.err
    assert feeds_of(small) == {k[6:]: v[0] for k, v in before.items() if k in
                               {f"feeds/{n}" for n in FEEDS}}


_AUDIT: list[tuple[str, str, int]] = []
_AUDITING: list[bool] = [False]
_CHANGES = ("os.rename", "os.replace", "os.remove", "os.rmdir", "os.mkdir", "os.truncate",
            "os.utime", "os.chmod", "shutil.rmtree")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _AUDITING[0]:
        return
    if event == "open":
        flags = args[2] if isinstance(args[2], int) else 0
        _AUDIT.append((event, str(args[0]), flags))
    elif event in _CHANGES:
        _AUDIT.append((event, str(args[0]), 0))


def test_a_noop_run_opens_no_entry_and_writes_no_file(small: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Audit hooks see every open, rename and remove of the no-op run (in-process)."""
    from feedpub.cli import main

    monkeypatch.chdir(small)
    assert main(["build"]) == 0
    if not getattr(sys, "_feedpub_test_audit", False):
        sys.addaudithook(_audit)  # cannot be removed; inert while _AUDITING is False
        sys._feedpub_test_audit = True  # type: ignore[attr-defined]
    _AUDIT.clear()
    _AUDITING[0] = True
    try:
        assert main(["build"]) == 0
    finally:
        _AUDITING[0] = False
    assert capsys.readouterr() == ("", "")
    site = str(small.resolve())
    mine = [(event, path, flags) for event, path, flags in _AUDIT if path.startswith(site)]
    assert any(path.endswith(".feedpub/state.json") for _, path, _ in mine)  # the hook works
    assert [m for m in mine if "/entries/" in m[1]] == []
    lock = str(small.resolve() / ".feedpub" / "lock")
    changes = [m for m in mine if m[0] != "open" or (m[2] & _WRITE_FLAGS and m[1] != lock)]
    assert changes == []


# --- incremental builds ---------------------------------------------------------------


def test_one_changed_entry_is_the_only_one_parsed(small: Path) -> None:
    config = small / "feedpub.toml"
    assert build(load_config(config), now=NOW).parsed == 40
    entry = small / "entries" / "000012-update.md"
    entry.write_text(entry.read_text().replace("Update number 12", "Update twelve, corrected"))
    result = build(load_config(config), now=NOW)
    assert (result.parsed, result.entries, result.unchanged) == (1, 40, False)
    assert sorted(Path(p).name for p in result.written) == sorted(OUTPUTS)
    assert build(load_config(config), now=NOW).unchanged


def test_one_change_rewrites_only_what_it_must(small: Path) -> None:
    assert publish(small, "build").code == 0
    before = state_files(small)
    cache_before = cache_records(small / ".feedpub")
    name = "000012-update.md"
    entry = small / "entries" / name
    entry.write_text(entry.read_text().replace("Update number 12", "Update twelve, corrected"))
    done = publish(small, "build")
    assert (done.code, done.out, done.err) == (0, "", "")
    after = state_files(small)
    moved = {k for k in before if before[k] != after.get(k)}
    assert moved == {"feeds/index.html", "feeds/rss.xml", "feeds/atom.xml", "feeds/feed.json",
                     ".feedpub/state.json", "feeds/", ".feedpub/"}
    assert after[".feedpub/lock"] == before[".feedpub/lock"]
    added = set(after) - set(before)  # the new versions go to new packs; old packs stay as they were
    changes = {".feedpub/entries-changes.json", ".feedpub/items-changes.json"}
    assert changes <= added  # the two indexes themselves are not written again
    added -= changes
    assert added and all(k.startswith((".feedpub/entries-", ".feedpub/items-")) and k.endswith(".pack")
                         for k in added), added
    cache_after = cache_records(small / ".feedpub")
    assert set(cache_after) == set(cache_before)
    assert [k for k in cache_after if cache_after[k] != cache_before[k]] == [name]
    assert cached_entries(small / ".feedpub")[name]["title"] == "Update twelve, corrected"


def test_touching_an_entry_parses_nothing_and_rewrites_no_feed(small: Path) -> None:
    config = small / "feedpub.toml"
    build(load_config(config), now=NOW)
    feeds = snapshot(small / "feeds")
    os.utime(small / "entries" / "000005-update.md")  # same bytes: the hash recognises it
    result = build(load_config(config), now=NOW)
    assert (result.parsed, result.written) == (0, [])
    assert snapshot(small / "feeds") == feeds
    assert build(load_config(config), now=NOW).unchanged


def test_removing_and_adding_entries(small: Path, tmp_path: Path) -> None:
    """A retracted entry's file may go; the cache forgets it and the ledger keeps its id."""
    config = small / "feedpub.toml"
    config.write_text(config.read_text() + "tombstone_days = 0\n")  # a fresh build runs later
    build(load_config(config), now=NOW)
    retract = small / "entries" / "000020-update.md"
    retract.write_text(retract.read_text().replace("\n---\n", f"\nretracted: {NOW.isoformat()}\n---\n", 1))
    build(load_config(config), now=NOW)
    retract.unlink()
    shutil.copy(small / "entries" / "000021-update.md", small / "entries" / "000099-extra.md")
    text = (small / "entries" / "000099-extra.md").read_text()
    (small / "entries" / "000099-extra.md").write_text(text.replace("Update number 21", "Extra"))
    result = build(load_config(config), now=NOW)
    assert (result.parsed, result.entries) == (1, 40)
    cache = cache_records(small / ".feedpub")
    assert "000020-update.md" not in cache and "000099-extra.md" in cache
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh")


def _edit(site: Path, number: int, words: str) -> str:
    name = f"{number:06d}-update.md"
    entry = site / "entries" / name
    entry.write_text(entry.read_text().replace(f"Update number {number}", words))
    return name


def test_the_entry_index_is_written_whole_only_now_and_then(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds that change a few entries write those records (and the names gone) to the
    changes file; past its limit (3 here, 100 by default) the index is written whole and
    the changes file goes."""
    import feedpub.cache

    monkeypatch.setattr(feedpub.cache, "CHANGES_AT_LEAST", 3)
    config = small / "feedpub.toml"
    config.write_text(config.read_text() + "tombstone_days = 0\n")  # a fresh build runs later
    build(load_config(config), now=NOW)
    state = small / ".feedpub"
    changes = state / "entries-changes.json"
    index = (state / "entries.json").read_bytes()
    assert not changes.exists()
    _edit(small, 1, "Update 1, edited")
    retracted = small / "entries" / "000039-update.md"
    retracted.write_text(retracted.read_text().replace(
        "\n---\n", f"\nretracted: {NOW.isoformat()}\n---\n", 1))
    assert build(load_config(config), now=NOW).parsed == 2
    assert set(state_document(changes)["entries"]) == {"000001-update.md", "000039-update.md"}
    retracted.unlink()  # withdrawn, then deleted
    _edit(small, 2, "Update 2, edited")
    assert build(load_config(config), now=NOW).parsed == 1
    assert (state / "entries.json").read_bytes() == index
    assert set(state_document(changes)["entries"]) == {"000001-update.md", "000002-update.md"}
    assert state_document(changes)["removed"] == ["000039-update.md"]
    records = cache_records(state)
    assert "000039-update.md" not in records and len(records) == 39
    assert cached_entries(state)["000002-update.md"]["title"] == "Update 2, edited"
    _edit(small, 3, "Update 3, edited")
    build(load_config(config), now=NOW)  # four changes (three records, one name gone) > 3
    assert (state / "entries.json").read_bytes() != index
    assert not changes.exists()
    assert cache_records(state) == records | {"000003-update.md": cache_records(state)[
        "000003-update.md"]}
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh")
    for entry in (small / "entries").iterdir():  # every record still fits its file
        os.utime(entry)
    assert build(load_config(config), now=NOW).parsed == 0


@pytest.mark.parametrize(("name", "kind"), [("entries-changes.json", "entry-cache-changes"),
                                           ("items-changes.json", "item-cache-changes")])
def test_a_damaged_changes_file_is_discarded_and_its_records_made_again(
        small: Path, tmp_path: Path, name: str, kind: str) -> None:
    assert publish(small, "build").code == 0
    _edit(small, 5, "Update five, edited")
    assert publish(small, "build").code == 0
    changes = small / ".feedpub" / name
    changes.write_bytes(changes.read_bytes() + b" ")
    _edit(small, 6, "Update six, edited")
    done = publish(small, "build")
    assert (done.code, done.out) == (0, "")
    assert re.fullmatch(rf".*\.feedpub/{re.escape(name)}: warning: the {kind} failed its "
                        r"integrity check .*; discarded, rebuilding it\n", done.err), done.err
    assert not changes.exists()  # the index was written whole, without it
    assert cached_entries(small / ".feedpub")["000005-update.md"]["title"].startswith("Update five")
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh")
    assert publish(small, "build", "-v").out.strip() == "nothing changed"


@pytest.mark.parametrize(("module", "name"), [("cache", "entries-changes.json"),
                                             ("documents", "items-changes.json")])
def test_a_changes_file_left_from_another_index_is_ignored(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str,
        name: str) -> None:
    """As after a run killed between writing an index whole and removing its changes file:
    the old changes are not applied to the new index, and nothing is said."""
    import importlib

    config = small / "feedpub.toml"
    build(load_config(config), now=NOW)
    _edit(small, 7, "Update seven, edited")
    build(load_config(config), now=NOW)
    changes = small / ".feedpub" / name
    stale = changes.read_bytes()
    # the next save writes the index whole
    monkeypatch.setattr(importlib.import_module(f"feedpub.{module}"), "CHANGES_AT_LEAST", 0)
    _edit(small, 8, "Update eight, edited")
    build(load_config(config), now=NOW)
    monkeypatch.undo()
    assert not changes.exists()
    changes.write_bytes(stale)
    entry = small / "entries" / "000007-update.md"
    entry.write_text(entry.read_text().replace("Update seven, edited", "Update seven, again"))
    result = build(load_config(config), now=NOW)
    assert (result.parsed, result.notices, result.problems) == (1, [], [])
    assert cached_entries(small / ".feedpub")["000007-update.md"]["title"].startswith(
        "Update seven, again")
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh")


def test_the_item_index_takes_its_new_rows_in_a_changes_file(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that rendered a few items adds their rows to items-changes.json; past its
    limit (6 rows here, 300 by default) items.json is written whole again. Every row
    read back is used: feeds assembled again from the cache render nothing new."""
    import feedpub.documents

    monkeypatch.setattr(feedpub.documents, "CHANGES_AT_LEAST", 6)
    config = small / "feedpub.toml"
    build(load_config(config), now=NOW)
    state = small / ".feedpub"
    changes = state / "items-changes.json"
    index = (state / "items.json").read_bytes()
    for number in (1, 2):
        _edit(small, number, f"Update {number}, edited")
        build(load_config(config), now=NOW)
        assert (state / "items.json").read_bytes() == index
        assert {name: len(rows["keys"]) for name, rows in state_document(changes)["items"]
                .items()} == {"rss": number, "atom": number, "json": number}
    packs = sorted(state.glob("items-*.pack"))
    for name in FEEDS:  # a lost feed is written again from the cached items, the new ones too
        (small / "feeds" / name).unlink()
    build(load_config(config), now=NOW)
    assert sorted(state.glob("items-*.pack")) == packs  # nothing rendered
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh")
    _edit(small, 3, "Update 3, edited")
    build(load_config(config), now=NOW)  # nine rows > 6: written whole
    assert (state / "items.json").read_bytes() != index and not changes.exists()
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh2")


def test_later_builds_merge_their_small_packs_and_leave_the_big_one(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_PACKS packs of a kind (3 here, 16 by default), the small packs of later
    builds are merged into one; the first build's big pack is left as it is until edits
    have made a quarter of it garbage, and then it is merged too."""
    import feedpub.documents
    import feedpub.packs

    monkeypatch.setattr(feedpub.packs, "MAX_PACKS", 3)
    monkeypatch.setattr(feedpub.documents, "MAX_PACKS", 3)
    config = small / "feedpub.toml"
    build(load_config(config), now=NOW)
    state = small / ".feedpub"
    first = {p.name: p.stat().st_ino for p in state.glob("*.pack")}
    assert sorted(name.split("-")[0] for name in first) == ["entries", "items", "items", "items"]
    for number in range(1, 9):
        _edit(small, number, f"Update {number}, edited")
        build(load_config(config), now=NOW)
        for kind in ("entries", "items"):
            packs = {p.name: p.stat().st_ino for p in state.glob(f"{kind}-*.pack")}
            assert {name: first[name] for name in first if name.startswith(kind)}.items() \
                <= packs.items()  # never copied, never touched
            assert len(packs) <= (3 + 1 if kind == "entries" else 3 * (3 + 1)), sorted(packs)
    for number in range(9, 16):  # 15 of the 40 entries edited: over a quarter is garbage
        _edit(small, number, f"Update {number}, edited")
    for number in range(16, 20):
        _edit(small, number, f"Update {number}, edited")
        build(load_config(config), now=NOW)
    assert not [name for name in first if (state / name).exists()]  # merged at last
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh")
    for entry in (small / "entries").iterdir():  # every record still fits its file
        os.utime(entry)
    assert build(load_config(config), now=NOW).parsed == 0


# --- a damaged state folder -----------------------------------------------------------


CORRUPTIONS = {
    "garbage": lambda data: os.urandom(200) + b"\x00\xff",
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "foreign": lambda data: json.dumps({"format": "someone-else", "entries": {}}).encode(),
    "other-version": lambda data: data.replace(b'"version":1', b'"version":99'),
    "a-list": lambda data: b"[1, 2, 3]",
}


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
def test_a_corrupt_cache_is_discarded_with_one_warning(small: Path, tmp_path: Path,
                                                       damage: str) -> None:
    assert publish(small, "build").code == 0
    cache = small / ".feedpub" / "entries.json"
    cache.write_bytes(CORRUPTIONS[damage](cache.read_bytes()))
    entry = small / "entries" / "000004-update.md"
    entry.write_text(entry.read_text().replace("Update number 4", "Update four"))
    done = publish(small, "build")
    assert done.code == 0 and done.out == ""
    lines = done.err.splitlines()
    assert len(lines) == 1, done.err
    assert re.fullmatch(r".*\.feedpub/entries\.json: warning: the entry-cache (is|failed) .*; "
                        r"discarded, rebuilding it", lines[0]), lines[0]
    assert feeds_of(small) == fresh_build(small, tmp_path / "fresh")
    assert state_document(cache)["format"] == "feedpub-entry-cache"  # rebuilt
    assert publish(small, "build").err == ""


def test_quiet_silences_the_cache_warning(small: Path) -> None:
    assert publish(small, "build").code == 0
    (small / ".feedpub" / "entries.json").write_bytes(b"{not json")
    os.utime(small / "entries" / "000001-update.md")
    done = publish(small, "build", "--quiet")
    assert (done.code, done.out, done.err) == (0, "", "")


def test_a_corrupt_state_file_means_one_warning_and_a_rebuild(small: Path) -> None:
    assert publish(small, "build").code == 0
    feeds = snapshot(small / "feeds")
    (small / ".feedpub" / "state.json").write_bytes(b"\x00garbage")
    done = publish(small, "build")
    assert done.code == 0 and len(done.err.splitlines()) == 1
    assert "state.json: warning:" in done.err
    assert snapshot(small / "feeds") == feeds  # same bytes: not rewritten, mtimes kept
    assert publish(small, "build").err == ""


def test_verbose_says_what_changed(small: Path) -> None:
    assert publish(small, "build").code == 0
    entry = small / "entries" / "000002-update.md"
    entry.write_text(entry.read_text().replace("Update number 2", "Update two"))
    done = publish(small, "build", "-v")
    assert done.code == 0 and done.err == ""
    assert done.out.splitlines() == ["wrote feeds/index.html", "wrote feeds/rss.xml",
                                     "wrote feeds/atom.xml", "wrote feeds/feed.json"]
    os.utime(entry)  # a new mtime, the same bytes: the run looks, and says it found nothing new
    assert publish(small, "build", "-v").out == "feeds unchanged\n"
    assert publish(small, "build", "-v").out == "nothing changed\n"


# --- failures, dry runs, the terminal -------------------------------------------------


def test_failures_are_one_line_per_problem_naming_the_entry(small: Path) -> None:
    assert publish(small, "build").code == 0
    feeds = snapshot(small / "feeds")
    bad_title = small / "entries" / "000008-update.md"
    bad_title.write_text(re.sub(r"title: .*\n", "", bad_title.read_text(), count=1))
    bad_date = small / "entries" / "000009-update.md"
    bad_date.write_text(re.sub(r"published: .*\n", "published: 07/12/2024 25:00\n",
                               bad_date.read_text(), count=1))
    done = publish(small, "build")
    assert done.code == ExitCode.BAD_ENTRY and done.out == ""
    lines = done.err.splitlines()
    assert len(lines) == 2, done.err
    assert lines[0].startswith("entries/000008-update.md") and "title" in lines[0]
    assert lines[1].startswith("entries/000009-update.md") and "published" in lines[1]
    assert "Traceback" not in done.err
    assert snapshot(small / "feeds") == feeds
    assert publish(small, "build").code == ExitCode.BAD_ENTRY  # not remembered as done


def test_dry_run_on_a_new_blog_creates_nothing(small: Path) -> None:
    done = publish(small, "build", "--dry-run")
    assert (done.code, done.out, done.err) == (0, "", "")
    assert sorted(p.name for p in small.iterdir()) == ["entries", "feedpub.toml"]


def test_dry_run_writes_nothing_but_still_checks(small: Path) -> None:
    assert publish(small, "build").code == 0
    before = state_files(small)
    entry = small / "entries" / "000006-update.md"
    entry.write_text(entry.read_text().replace("Update number 6", "Update six"))
    done = publish(small, "build", "--dry-run", "-v")
    assert done.code == 0 and "dry run, nothing written" in done.out
    assert state_files(small) == before
    entry.write_text(re.sub(r"title: .*\n", "", entry.read_text(), count=1))
    done = publish(small, "build", "--dry-run")
    assert done.code == ExitCode.BAD_ENTRY and done.err.startswith("entries/000006-update.md")
    assert state_files(small) == before


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("thousand") / "blog", 1000)


def test_no_progress_bar_through_a_pipe(thousand: Path, tmp_path: Path) -> None:
    site = tmp_path / "blog"
    shutil.copytree(thousand, site)
    done = publish(site, "build")
    assert (done.code, done.out, done.err) == (0, "", "")


@pytest.fixture(scope="module")
def parallel_sized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from feedpub.tuning import PARSE_IN_PARALLEL_AT as PARALLEL_THRESHOLD

    return make_site(tmp_path_factory.mktemp("parallel") / "blog", PARALLEL_THRESHOLD + 100)


@pytest.mark.parametrize("size", ["thousand", pytest.param("parallel_sized", marks=pytest.mark.slow)])
def test_progress_bar_on_a_terminal(size: str, request: pytest.FixtureRequest,
                                    tmp_path: Path) -> None:
    """Both parse paths (in-process, and forked workers for long blogs) show the bar."""
    site = tmp_path / "blog"
    shutil.copytree(request.getfixturevalue(size), site)
    master, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # 0x0 hides tqdm
    try:
        process = subprocess.Popen([sys.executable, str(ROOT / "publish.py"), "build"], cwd=site,
                                   stdout=subprocess.PIPE, stderr=terminal,
                                   stdin=subprocess.DEVNULL)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last writer closed it
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=120) == 0
        assert process.stdout is not None and process.stdout.read() == b""
    finally:
        os.close(master)
    assert b"parsing entries" in shown


def test_exit_code_table_in_the_docs_matches_the_code() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = {int(code): name for code, name in
             re.findall(r"^\| *(\d+) *\| *`?([A-Z_]+)`? *\|", text, flags=re.MULTILINE)}
    codes = {value: name for name, value in vars(ExitCode).items() if name.isupper()}
    assert table == codes
    assert len(set(codes)) == len(codes)  # distinct
