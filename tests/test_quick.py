"""The every-minute no-op decided before the config is parsed (feedpub.quick, issue 17).

A run that finds nothing changed must cost next to nothing, so it is answered from
the sealed build record with the standard library alone. These tests pin both sides:
the plain no-op really takes that path (it imports neither the config reader nor a
parser), and every change it could overlook (a repointed folder, a journaled set, a
scheduled entry come due, a held lock, a touched config) still reaches a full build.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ROOT, Run
from feedpub.output import temp_path

FEEDS = ("rss.xml", "atom.xml", "feed.json")
CONFIG = """title = "Quick"
description = "The no-op path."
home_page_url = "https://quick.example.org/live/"
feeds_url = "https://quick.example.org/live/feeds/"
id_base = "tag:quick.example.org,2024-12-07:live/"
"""
# Runs the command in a fresh interpreter and says what it imported, as cron would see it.
PROBE = """
import sys
from feedpub.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m in {"feedpub.config", "feedpub.pipeline", "yaml",
               "feedpub.errors", "dataclasses", "tomllib", "lxml", "feedgen"})
print("EXIT", code, "IMPORTED", ",".join(heavy), flush=True)
"""


def entry(title: str, published: str = "2024-12-07T10:00:00+00:00") -> str:
    return f"---\ntitle: {title}\npublished: {published}\n---\nSome words about {title}.\n"


def make_blog(site: Path, extra: str = "", count: int = 3) -> Path:
    (site / "entries").mkdir(parents=True)
    (site / "feedpub.toml").write_text(CONFIG + extra)
    for index in range(count):
        (site / "entries" / f"{index:02d}.md").write_text(entry(f"Update {index}"))
    return site


def probe(site: Path, *args: str) -> tuple[int, set[str], str]:
    """(exit code, heavy modules imported, stderr) of one ``build`` in a new process."""
    done = subprocess.run([sys.executable, "-c", PROBE, "build", *args], cwd=site,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = done.stdout.strip().splitlines()[-1]
    _, code, _, modules = line.split(" ", 3) if line.count(" ") >= 3 else (*line.split(" "), "")
    return int(code), set(filter(None, modules.split(","))), done.stderr


def quick(site: Path, *args: str) -> bool:
    """True when a build in ``site`` was answered without the config reader."""
    code, modules, err = probe(site, *args)
    assert code in (0, 4), err
    return "feedpub.config" not in modules


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_blog(tmp_path / "blog")


def test_a_noop_imports_neither_the_config_reader_nor_any_parser(site: Path) -> None:
    code, _, err = probe(site)
    assert (code, err) == (0, "")
    code, modules, err = probe(site)
    assert (code, err) == (0, "")
    assert modules == set(), modules  # no dataclasses, no tomllib: the standard library's core


def test_a_changed_entry_is_seen_and_built(site: Path) -> None:
    assert not quick(site)  # the first build
    assert quick(site)
    (site / "entries" / "01.md").write_text(entry("Update one, corrected"))
    assert not quick(site)
    assert b"Update one, corrected" in (site / "feeds" / "rss.xml").read_bytes()
    assert quick(site)


def test_a_touched_config_goes_the_full_way_and_stays_a_noop(site: Path) -> None:
    assert not quick(site)
    feeds = {name: (site / "feeds" / name).read_bytes() for name in FEEDS}
    os.utime(site / "feedpub.toml")
    assert not quick(site)
    assert {name: (site / "feeds" / name).read_bytes() for name in FEEDS} == feeds
    assert quick(site)


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_a_state_folder_set_in_the_config_keeps_the_quick_path(tmp_path: Path, where: str) -> None:
    state = "private/state" if where == "relative" else str(tmp_path / "elsewhere" / "state")
    site = make_blog(tmp_path / "blog", f'state_dir = "{state}"\n')
    assert not quick(site)
    assert (site / state / "state.json").exists()
    assert quick(site)
    (site / "entries" / "02.md").write_text(entry("Update two, corrected"))
    assert not quick(site)
    assert b"Update two, corrected" in (site / "feeds" / "atom.xml").read_bytes()


def test_an_entries_folder_repointed_by_a_link_is_seen(tmp_path: Path) -> None:
    """The record names the folder as it was resolved; the config's link now leads elsewhere,
    to a folder the recorded one knows nothing of."""
    site = make_blog(tmp_path / "blog", 'entries_dir = "current"\n', count=0)
    (site / "entries").rename(site / "day1")
    (site / "day1" / "a.md").write_text(entry("Day one"))
    (site / "day2").mkdir()
    (site / "day2" / "a.md").write_text(entry("Day two, a longer title"))
    (site / "current").symlink_to("day1")
    assert not quick(site)
    assert quick(site)
    (site / "current").unlink()
    (site / "current").symlink_to("day2")
    assert not quick(site)
    assert b"Day two" in (site / "feeds" / "feed.json").read_bytes()
    assert quick(site)


def test_an_entry_that_is_a_link_is_followed_by_the_full_path(site: Path) -> None:
    (site / "entries" / "target.txt").write_text(entry("Linked"))
    (site / "entries" / "linked.md").symlink_to("target.txt")
    assert not quick(site)
    assert not quick(site)  # the quick path cannot see the target's stamp
    (site / "entries" / "target.txt").write_text(entry("Linked, corrected"))
    assert not quick(site)
    assert b"Linked, corrected" in (site / "feeds" / "rss.xml").read_bytes()


def test_a_journaled_set_is_finished_even_when_nothing_changed(site: Path) -> None:
    """A run killed between its journal and its renames: the next run rolls the set forward."""
    assert not quick(site)
    target = site / "feeds" / "feed.json"
    staged = temp_path(target, "4242")
    staged.write_bytes(target.read_bytes())
    journal = site / ".feedpub" / "commit.json"
    journal.write_text(json.dumps([[str(staged), str(target), None]]))
    assert not quick(site)
    assert not journal.exists() and not staged.exists()
    assert quick(site)


def test_a_noop_while_another_run_holds_the_lock_exits_7(site: Path) -> None:
    assert not quick(site)
    fd = os.open(site / ".feedpub" / "lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        code, _, err = probe(site)
    finally:
        os.close(fd)
    assert code == 7 and "is publishing this blog" in err


def test_a_deleted_feed_is_written_again(site: Path) -> None:
    assert not quick(site)
    (site / "feeds" / "atom.xml").unlink()
    assert not quick(site)
    assert (site / "feeds" / "atom.xml").exists()


def test_an_edited_record_is_not_trusted(site: Path) -> None:
    assert not quick(site)
    state = site / ".feedpub" / "state.json"
    state.write_bytes(state.read_bytes().replace(b'"problems":[]', b'"problems":["x"]'))
    code, modules, err = probe(site)
    assert code == 0 and "feedpub.config" in modules
    assert "state.json: warning: the state failed its integrity check" in err


def test_recorded_problems_are_reported_again_with_exit_4(site: Path) -> None:
    (site / "entries" / "bad.md").write_text("no front matter\n")
    first = probe(site)
    assert first[0] == 4 and first[2].startswith("entries/bad.md:1:")
    again = probe(site)
    assert again[0] == 4 and "feedpub.config" not in again[1]
    assert again[2] == first[2]


def test_a_scheduled_entry_goes_out_when_due(site: Path, run: Run,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import feedpub.cli

    (site / "entries" / "later.md").write_text(entry("Later", "2030-01-01T12:00:00+00:00"))
    monkeypatch.setattr(feedpub.cli, "_now", lambda: datetime(2030, 1, 1, 11, 0, tzinfo=UTC))
    assert run(site, "build").code == 0
    assert run(site, "build", "-v").out == "nothing changed\n"
    assert b"Later" not in (site / "feeds" / "rss.xml").read_bytes()
    monkeypatch.setattr(feedpub.cli, "_now", lambda: datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    assert run(site, "build").code == 0
    assert b"Later" in (site / "feeds" / "rss.xml").read_bytes()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def test_a_changed_media_file_is_published(site: Path) -> None:
    (site / "media").mkdir()
    (site / "media" / "map.png").write_bytes(PNG)
    assert not quick(site)
    assert quick(site)
    (site / "media" / "map.png").write_bytes(PNG + b"\0")
    assert not quick(site)
    assert (site / "feeds" / "map.png").read_bytes() == PNG + b"\0"
    assert quick(site)
    (site / "media" / "sub").mkdir()  # the build refuses it: so must the no-op
    code, modules, err = probe(site)
    assert code != 0 and "feedpub.config" in modules and "media/sub" in err


def test_an_edited_page_template_rebuilds_the_page(tmp_path: Path) -> None:
    from feedpub.formats import html

    shipped = Path(html.__file__).parent / "templates" / "index.html.j2"
    site = make_blog(tmp_path / "blog", 'template = "page.html.j2"\n')
    (site / "page.html.j2").write_text(shipped.read_text())
    assert not quick(site)
    assert quick(site)
    (site / "page.html.j2").write_text(shipped.read_text().replace("</body>", "<!-- x --></body>"))
    assert not quick(site)
    assert "<!-- x -->" in (site / "feeds" / "index.html").read_text()
    assert quick(site)
