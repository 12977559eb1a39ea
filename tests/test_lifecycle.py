"""An update's whole life (issue 12): edits, corrections, retractions, renames, the ledger.

Driven through the public command (``feedpub.cli.main``) on a copy of the sample, and
read back the way subscribers read it: feedparser for every version of every feed, and
the ``reader`` library subscribed to all three feeds and updated after each version, so
an id that changed would show up as a second item ("a rerun") and a vanished one as a
missing item.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import ROOT, Run, snapshot, state_document
from feedpub.config import load_config
from feedpub.errors import EntryError, ExitCode
from feedpub.ledger import Published, combined, ledger_text, parse_ledger
from feedpub.pipeline import build
from feedpub.validate import validate_bytes

FEEDS = ("rss.xml", "atom.xml", "feed.json")
BASE = "tag:news.example.org,2024-12-07:syria-homs/"
AT = "http://purl.org/atompub/tombstones/1.0"
ATOM = "http://www.w3.org/2005/Atom"
EDITED = "0004-rebels-take-sanamayn"
RETRACTED = "0005-daraa-in-rebel-hands"
RENAMED = "0006-lavrov-end-hostilities"


@pytest.fixture
def live(blog: Path) -> Path:
    """The sample blog while it was live (no [closed] table), with its ledger."""
    config = blog / "feedpub.toml"
    config.write_text(config.read_text().split("[closed]")[0], encoding="utf-8")
    return blog


def entry_file(site: Path, stem: str) -> Path:
    return site / "entries" / f"{stem}.md"


def edit(site: Path, stem: str, old: str, new: str) -> None:
    path = entry_file(site, stem)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_field(site: Path, stem: str, line: str) -> None:
    path = entry_file(site, stem)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n---\n", f"\n{line}\n---\n", 1), encoding="utf-8")


def read_all(site: Path) -> dict[str, dict[str, tuple[str, str, str]]]:
    """Per feed file: id → (updated, title, content) as feedparser (or JSON) reads it,
    asserting on the way that no id appears twice in a document. RSS has no updated time
    (an edit there is the new content under the same guid): "" for RSS."""
    result = {}
    for name in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((site / "feeds" / name).read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        ids = [e.id for e in parsed.entries]
        assert len(ids) == len(set(ids)), name
        result[name] = {e.id: (e.updated if name == "atom.xml" else "", e.title,
                               e.content[0].value) for e in parsed.entries}
    items = json.loads((site / "feeds" / "feed.json").read_bytes())["items"]
    assert len({i["id"] for i in items}) == len(items)
    result["feed.json"] = {i["id"]: (i["date_modified"], i["title"], i["content_html"])
                           for i in items}
    return result


def tombstones(site: Path) -> dict[str, tuple[str, str | None]]:
    root = etree.fromstring((site / "feeds" / "atom.xml").read_bytes())
    return {t.get("ref"): (t.get("when"), t.findtext(f"{{{AT}}}comment"))
            for t in root.iter(f"{{{AT}}}deleted-entry")}


class Readers:
    """The ``reader`` library subscribed to the three feeds, as a reader app would be."""

    def __init__(self, feeds: Path):
        from reader import make_reader

        self.reader = make_reader(":memory:", feed_root=str(feeds))
        for name in FEEDS:
            self.reader.add_feed(f"file:{name}")

    def update(self) -> dict[str, dict[str, str]]:
        """Update every feed now (not when reader's schedule says); per feed, each stored
        entry id → its title."""
        self.reader.update_feeds(scheduled=False)
        seen = {}
        for name in FEEDS:
            feed = self.reader.get_feed(f"file:{name}")
            assert feed.last_exception is None, feed.last_exception
            seen[name] = {e.id: e.title for e in self.reader.get_entries(feed=feed)}
        return seen


@pytest.fixture
def readers(live: Path) -> Iterator[Readers]:
    subscribed = Readers(live / "feeds")
    yield subscribed
    subscribed.reader.close()


def test_edit_retract_and_rename_read_right_by_every_reader(live: Path, run: Run,
                                                            readers: Readers) -> None:
    """The issue's scenario: every version read by feedparser and reader; no item twice,
    the edit under its id with a newer updated, the retraction gone and announced."""
    assert run(live, "build").code == 0
    first = read_all(live)
    ids = set(first["atom.xml"])
    assert len(ids) == 22 and all(ids == set(first[name]) for name in FEEDS)
    assert all(set(seen) == ids for seen in readers.update().values())

    edit(live, EDITED, "Sanamayn", "Al-Sanamayn")  # an edit, without updated:
    assert run(live, "build").code == 0
    second = read_all(live)
    assert all(set(second[name]) == ids for name in FEEDS)
    for name in FEEDS:
        old, new = first[name][BASE + EDITED], second[name][BASE + EDITED]
        assert new[1:] != old[1:]  # the new text, under the same id
        assert new[0] > old[0] or name == "rss.xml"  # and a newer updated where there is one
        assert all(second[name][i] == first[name][i] for i in ids - {BASE + EDITED})
    assert all(set(seen) == ids for seen in readers.update().values())

    outcome = run(live, "retract", f"{RETRACTED}.md", "--reason", "Our source withdrew it.")
    assert (outcome.code, outcome.err) == (0, "")
    third = read_all(live)
    assert all(set(third[name]) == ids - {BASE + RETRACTED} for name in FEEDS)
    assert tombstones(live)[BASE + RETRACTED][1] == "Our source withdrew it."
    readers.update()

    before, ledger = snapshot(live / "feeds"), (live / "feedpub.ledger").read_bytes()
    entry_file(live, RENAMED).rename(live / "entries" / "0006-lavrov.md")
    outcome = run(live, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.splitlines() == [
        f"entries/0006-lavrov.md: looks like entries/{RENAMED}.md renamed (same published time "
        f'and text); add "id: {BASE}{RENAMED}" to its front matter so readers do not get the '
        "update twice"]
    assert snapshot(live / "feeds") == before
    assert (live / "feedpub.ledger").read_bytes() == ledger

    add_field(live, "0006-lavrov", f"id: {BASE}{RENAMED}")
    assert run(live, "build").code == 0
    fourth = read_all(live)
    assert all(set(fourth[name]) == ids - {BASE + RETRACTED} for name in FEEDS)
    assert "0006-lavrov.md" in (live / "feedpub.ledger").read_text()
    seen = readers.update()
    for name in FEEDS:  # nothing came twice: the readers hold exactly the ids ever published
        assert set(seen[name]) == ids, name
    assert seen["atom.xml"][BASE + EDITED] == second["atom.xml"][BASE + EDITED][1]


def unretract(site: Path, stem: str, body: str) -> None:
    """Take the retraction out of an entry file and give it other content."""
    path = entry_file(site, stem)
    head = re.sub(r"(retracted|reason): .*\n", "", path.read_text()).split("\n---\n")[0]
    path.write_text(f"{head}\n---\n{body}\n")


REFUSALS = {
    "deleted": (lambda site: entry_file(site, RETRACTED).unlink(),
                rf'entries/{RETRACTED}\.md: is gone, but it was published as "{BASE}{RETRACTED}"; '
                r"restore the file \(add retracted: to it to withdraw the update\), or, if you "
                rf'renamed it, add "id: {BASE}{RETRACTED}" to the new file'),
    "renamed": (lambda site: entry_file(site, RENAMED).rename(site / "entries" / "x.md"),
                rf"entries/x\.md: looks like entries/{RENAMED}\.md renamed .*"),
    "renamed-and-touched-up": (
        lambda site: (edit(site, RENAMED, "Lavrov says", "Lavrov said"),
                      entry_file(site, RENAMED).rename(site / "entries" / "x.md")),
        rf"entries/x\.md: looks like entries/{RENAMED}\.md renamed .*"),
    "published-changed": (
        lambda site: edit(site, EDITED, "published: 2024-12-07T09:15:00+00:00",
                          "published: 2024-12-07T09:20:00+00:00"),
        rf"entries/{EDITED}\.md:3: published: 2024-12-07T09:20:00Z is not when \"{BASE}{EDITED}\" "
        r"was first published \(2024-12-07T09:15:00Z\); .*"),
    "id-changed": (lambda site: add_field(site, EDITED, "id: tag:example.org,2024:other"),
                   rf'entries/{EDITED}\.md:\d+: id: is "tag:example.org,2024:other", but this file '
                   rf'was published as "{BASE}{EDITED}"; a published id never changes: .*'),
    "draft-again": (lambda site: add_field(site, EDITED, "draft: true"),
                    rf"entries/{EDITED}\.md:\d+: draft: the update was published as .* cannot go "
                    r"back to being a draft; .*"),
    "retracted-id-reused": (
        lambda site: unretract(site, "0023-unconfirmed-reports-assad-left", "Other text."),
        r'entries/0023-unconfirmed-reports-assad-left\.md: id: ".*0023-unconfirmed-reports-assad-left" '
        r"was retracted at 2024-12-07T13:20:00Z and is never used again for other content; .*"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_ledger_refusals_are_one_line_exit_4_and_change_nothing(live: Path, run: Run,
                                                                case: str) -> None:
    assert run(live, "build").code == 0
    feeds, ledger = snapshot(live / "feeds"), snapshot(live)["feedpub.ledger"]
    change, message = REFUSALS[case]
    change(live)
    for _ in range(2):  # and again on the next run: the refusal is not remembered as done
        outcome = run(live, "build")
        assert outcome.code == ExitCode.BAD_ENTRY
        lines = outcome.err.splitlines()
        assert len(lines) == 1 and re.fullmatch(message, lines[0]), outcome.err
        assert snapshot(live / "feeds") == feeds
        assert snapshot(live)["feedpub.ledger"] == ledger


def test_a_reason_needs_retracted(live: Path, run: Run) -> None:
    add_field(live, EDITED, "reason: because")
    outcome = run(live, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.startswith(f"entries/{EDITED}.md:6: reason: is only read with retracted:")


def test_a_deleted_retracted_entry_keeps_its_tombstone_and_its_id(live: Path, run: Run) -> None:
    assert run(live, "retract", f"{RETRACTED}.md", "--reason", "Wrong.").code == 0
    entry_file(live, RETRACTED).unlink()
    assert run(live, "build").code == 0
    assert tombstones(live)[BASE + RETRACTED][1] is None  # the reason was in the file
    assert f"{BASE}{RETRACTED} " in (live / "feedpub.ledger").read_text()
    (live / "entries" / "new.md").write_text(f"---\ntitle: New\nid: {BASE}{RETRACTED}\n"
                                             "published: 2024-12-07T23:00:00Z\n---\nNew\n")
    outcome = run(live, "build")
    assert outcome.code == ExitCode.BAD_ENTRY and "is not when" in outcome.err


def test_restoring_a_retraction_brings_the_update_back_newer_than_its_tombstone(
        live: Path, run: Run) -> None:
    assert run(live, "retract", f"{RETRACTED}.md").code == 0
    assert BASE + RETRACTED in tombstones(live)
    path = entry_file(live, RETRACTED)
    path.write_text(re.sub(r"retracted: .*\n", "", path.read_text()))
    assert run(live, "build").code == 0
    assert BASE + RETRACTED not in tombstones(live)
    assert BASE + RETRACTED in read_all(live)["atom.xml"]
    assert validate_bytes((live / "feeds" / "atom.xml").read_bytes()) == []


def test_a_second_file_never_takes_a_published_id(live: Path, run: Run) -> None:
    """Even a file that sorts first: the one the ledger knows keeps the id."""
    assert run(live, "build").code == 0
    text = entry_file(live, EDITED).read_text().replace("\n---\n", f"\nid: {BASE}{EDITED}\n---\n", 1)
    (live / "entries" / "0000-copy.md").write_text(text.replace("Sanamayn", "Copy"))
    outcome = run(live, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.strip() == (f'entries/0000-copy.md:6: id: "{BASE}{EDITED}" is already the id '
                                   f"of entries/{EDITED}.md; ids must be unique")
    assert "Copy" not in read_all(live)["atom.xml"][BASE + EDITED][1]


def test_a_fresh_clone_builds_the_same_bytes(live: Path, run: Run, tmp_path: Path) -> None:
    """The ledger travels with the entries: an edit dated by the build that saw it is
    dated the same on a machine that never saw it (no .feedpub/)."""
    assert run(live, "build").code == 0
    edit(live, EDITED, "Sanamayn", "Al-Sanamayn")
    assert run(live, "retract", f"{RETRACTED}.md").code == 0
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("feedpub.toml", "feedpub.ledger"):
        shutil.copy(live / name, clone / name)
    shutil.copytree(live / "entries", clone / "entries")
    shutil.copytree(live / "media", clone / "media")
    assert run(clone, "build").code == 0
    for name in FEEDS:
        assert (clone / "feeds" / name).read_bytes() == (live / "feeds" / name).read_bytes(), name
    assert (clone / "feedpub.ledger").read_bytes() == (live / "feedpub.ledger").read_bytes()


def test_a_failed_build_leaves_the_ledger_untouched(live: Path, run: Run) -> None:
    assert run(live, "build").code == 0
    ledger = snapshot(live)["feedpub.ledger"]
    edit(live, EDITED, "Sanamayn", "Al-Sanamayn")
    atom = live / "feeds" / "atom.xml"
    atom.unlink()
    atom.mkdir()  # the set cannot be published: a folder is in the way
    outcome = run(live, "build")
    assert outcome.code == ExitCode.IO
    assert snapshot(live)["feedpub.ledger"] == ledger
    atom.rmdir()
    assert run(live, "build").code == 0
    assert snapshot(live)["feedpub.ledger"] != ledger


def test_the_sample_shows_a_correction_and_a_retraction(blog: Path) -> None:
    """The committed feeds: the correction note (with its time) in all three formats, and
    the retraction gone from all three and announced in Atom."""
    corrected = BASE + "0016-regional-powers-joint-statement"
    note = ('<p class="correction"><strong>Correction</strong> (2024-12-07 19:05 UTC): An earlier '
            "version of this update left Egypt out of the list of signatories.</p>")
    seen = read_all(ROOT)
    for name in FEEDS:
        assert seen[name][corrected][2].startswith(note), name
        assert BASE + "0023-unconfirmed-reports-assad-left" not in seen[name]
    assert tombstones(ROOT) == {BASE + "0023-unconfirmed-reports-assad-left": (
        "2024-12-07T13:20:00Z", "The reports could not be confirmed, and the Syrian presidency "
        "has since denied them (see our update of 13:00).")}


# --- time: tombstones expire, byte-stably -------------------------------------------------


def test_a_tombstone_is_dropped_after_its_period_and_updated_never_goes_back(live: Path) -> None:
    config = live / "feedpub.toml"
    config.write_text(config.read_text().replace("tombstone_days = 0", "tombstone_days = 2"))
    retracted = datetime(2024, 12, 10, 12, tzinfo=UTC)  # the sample's own has expired by then
    add_field(live, EDITED, f"retracted: {retracted.isoformat()}")
    build(load_config(config), now=retracted + timedelta(days=1))
    assert set(tombstones(live)) == {BASE + EDITED}
    state = state_document(live / ".feedpub" / "state.json")
    assert state["due"] == (retracted + timedelta(days=2)).isoformat()
    updated = etree.fromstring((live / "feeds" / "atom.xml").read_bytes()).findtext(f"{{{ATOM}}}updated")
    later = build(load_config(config), now=retracted + timedelta(days=3))
    assert not later.unchanged and tombstones(live) == {}
    assert etree.fromstring((live / "feeds" / "atom.xml").read_bytes()).findtext(
        f"{{{ATOM}}}updated") == updated
    assert build(load_config(config), now=retracted + timedelta(days=4)).unchanged


def test_tombstone_days_zero_keeps_them(live: Path) -> None:
    add_field(live, EDITED, "retracted: 2024-12-08T12:00:00Z")
    build(load_config(live / "feedpub.toml"), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert BASE + EDITED in tombstones(live)


# --- the ledger file ---------------------------------------------------------------------

T1, T2 = datetime(2024, 12, 7, 9, tzinfo=UTC), datetime(2024, 12, 7, 10, tzinfo=UTC)


def test_ledger_text_round_trips_and_is_sorted_by_id() -> None:
    records = {
        "urn:x:b": Published("urn:x:b", T1, T1, "a.b.c", "b.md"),
        "urn:x:a": Published("urn:x:a", T1, T2, "d.e.f", "a file.md", T2),
        "urn:x:c": Published("urn:x:c", T1, T1, "a.b.c", "caf\udce9.md"),  # not UTF-8 on disk
    }
    text = ledger_text(records)
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert [line.split()[0] for line in lines] == ["urn:x:a", "urn:x:b", "urn:x:c"]
    assert lines[0] == ('urn:x:a published=2024-12-07T09:00:00Z modified=2024-12-07T10:00:00Z '
                        'revision=d.e.f retracted=2024-12-07T10:00:00Z file="a file.md"')
    assert lines[1] == 'urn:x:b published=2024-12-07T09:00:00Z revision=a.b.c file="b.md"'
    text.encode("utf-8")
    assert parse_ledger(text, "feedpub.ledger") == records


_times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                      timezones=st.just(UTC))
_names = st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text("ab:/.-_xyz09", min_size=1, max_size=20), _times, st.none() | _times,
       st.text("0123456789abcdef.", min_size=1, max_size=12), _names, st.none() | _times,
       st.sampled_from(["", " ", "\t", "  x"]))
def test_every_ledger_line_reads_the_same_by_either_path(
        id_: str, published: datetime, modified: datetime | None, revision: str, file: str,
        retracted: datetime | None, trailing: str) -> None:
    """parse_ledger reads the lines ledger_line writes by one pattern, the rest (names
    that need escapes, other spellings of a time, stray text) by the general reader: both
    give the same record, or the same refusal."""
    from feedpub.ledger import _record, ledger_line

    record = Published(id_, published, modified or published, revision, file, retracted)
    line = ledger_line(record) + trailing
    for text in (line, line.replace("Z ", "+00:00 ").replace('Z"', '+00:00"')):
        try:
            general: Published | str = _record(text, 1, "feedpub.ledger")
        except EntryError as error:
            general = str(error)
        try:
            fast: Published | str = parse_ledger(text, "feedpub.ledger")[id_]
        except EntryError as error:
            fast = str(error)
        assert fast == general
        if isinstance(fast, Published):
            assert (fast.line, fast.retracted) == (general.line, general.retracted)  # type: ignore[union-attr]
            if trailing.strip() == "":
                assert fast == record


def test_both_sides_of_a_merge_read_as_one_record() -> None:
    mine = Published("urn:x:a", T1, T1, "a.b.c", "a.md")
    theirs = Published("urn:x:a", T1, T2, "a.b.d", "a2.md", T2)
    text = ledger_text({"m": mine}) + ledger_text({"t": theirs})
    assert parse_ledger(text, "feedpub.ledger") == {"urn:x:a": theirs}
    assert combined(mine, theirs) == combined(theirs, mine) == theirs


@pytest.mark.parametrize(("line", "message"), [
    ("<<<<<<< HEAD", "feedpub.ledger:4: has a merge conflict marker; keep the lines of both sides "
                     "and delete only the marker lines (<<<<<<<, =======, >>>>>>>), then build again"),
    ("urn:x:a published=yesterday revision=a file=\"a.md\"",
     "feedpub.ledger:4: is not a ledger line (id published=… revision=… file=\"…\"); restore it "
     "from version control"),
    # ValueError and OverflowError tracebacks: a month 13, and a time in the year 0 in UTC
    ("urn:x:a published=2024-13-07T07:00:00Z revision=a file=\"a.md\"",
     "feedpub.ledger:4: is not a ledger line (id published=… revision=… file=\"…\"); restore it "
     "from version control"),
    ("urn:x:a published=0001-01-01T00:00:00+14:00 revision=a file=\"a.md\"",
     "feedpub.ledger:4: is not a ledger line (id published=… revision=… file=\"…\"); restore it "
     "from version control"),
])
def test_a_broken_ledger_is_one_line_naming_the_line(live: Path, run: Run, line: str,
                                                     message: str) -> None:
    assert run(live, "build").code == 0
    ledger = live / "feedpub.ledger"
    lines = ledger.read_text().splitlines()
    ledger.write_text("\n".join([*lines[:3], line, *lines[3:]]) + "\n")
    before = snapshot(live / "feeds")
    outcome = run(live, "build")
    assert (outcome.code, outcome.err.strip()) == (ExitCode.BAD_ENTRY, message)
    assert snapshot(live / "feeds") == before


def test_a_ledger_saved_with_a_byte_order_mark_is_read(live: Path, run: Run) -> None:
    """The README asks for a hand edit after a merge conflict; Notepad adds a BOM, and the
    header line became "not a ledger line": nothing was published until it was removed."""
    assert run(live, "build").code == 0
    ledger = live / "feedpub.ledger"
    text = ledger.read_bytes()
    ledger.write_bytes(b"\xef\xbb\xbf" + text)
    outcome = run(live, "build")
    assert (outcome.code, outcome.err) == (0, "")


def test_a_union_merge_is_resolved_by_the_next_build(live: Path, run: Run) -> None:
    """Both branches edited one entry: git's merge=union keeps both lines; the build reads
    the later edit, then writes one line per id again."""
    assert run(live, "build").code == 0
    ledger = live / "feedpub.ledger"
    line = next(x for x in ledger.read_text().splitlines() if x.startswith(BASE + EDITED + " "))
    other = line.replace("published=2024-12-07T09:15:00Z",
                         "published=2024-12-07T09:15:00Z modified=2024-12-08T09:00:00Z")
    other = re.sub(r"revision=\S+", "revision=000000000000.000000000000.000000000000", other)
    ledger.write_text(ledger.read_text() + other + "\n")
    edit(live, EDITED, "Sanamayn", "Al-Sanamayn")
    assert run(live, "build").code == 0
    assert sum(x.startswith(BASE + EDITED + " ") for x in ledger.read_text().splitlines()) == 1
    assert read_all(live)["feed.json"][BASE + EDITED][0] > "2024-12-08T09:00:00Z"


def test_ledger_settings(live: Path, run: Run) -> None:
    config = live / "feedpub.toml"
    text = config.read_text()
    for extra, message in (
            ('ledger = "feeds/ledger"', 'ledger: "feeds/ledger" is inside output_dir'),
            ('ledger = "entries/l.md"', 'ledger: "l.md" would be read as an entry'),
            ("archive_size = 10\nitem_limit = 5", "item_limit: cannot be used with archive_size"),
            ("tombstone_days = -1", "tombstone_days: must be a whole number of at least 0")):
        config.write_text(text.replace("tombstone_days = 0", "") + extra + "\n")
        outcome = run(live, "build")
        assert outcome.code == ExitCode.CONFIG and message in outcome.err, outcome.err
    config.write_text(text + 'ledger = "history/published.ledger"\n')
    (live / "history").mkdir()
    assert run(live, "build").code == 0
    assert (live / "history" / "published.ledger").exists()


def test_entry_error_lists_are_capped(live: Path) -> None:
    """A changed id_base changes every default id: 20 lines and a count, not 22."""
    config = live / "feedpub.toml"
    build(load_config(config), now=datetime(2025, 1, 1, tzinfo=UTC))
    config.write_text(config.read_text().replace("syria-homs/", "syria/"))
    with pytest.raises(EntryError) as raised:
        build(load_config(config), now=datetime(2025, 1, 1, tzinfo=UTC))
    assert len(raised.value.problems) == 21
    assert str(raised.value.problems[-1]).endswith("… and 3 more entries refused the same way")


# --- retract ---------------------------------------------------------------------------


def test_retract_writes_the_fields_then_builds(live: Path, run: Run) -> None:
    outcome = run(live, "retract", f"entries/{RETRACTED}.md", "--reason", 'He said "no".',
                  "--at", "2024-12-07T23:00:00Z")
    assert (outcome.code, outcome.err) == (0, "")
    text = entry_file(live, RETRACTED).read_text()
    assert 'retracted: 2024-12-07T23:00:00+00:00\nreason: "He said \\"no\\"."\n---\n' in text
    assert tombstones(live) == {BASE + RETRACTED: ("2024-12-07T23:00:00Z", 'He said "no".'),
                                BASE + "0023-unconfirmed-reports-assad-left": (
                                    "2024-12-07T13:20:00Z", tombstones(ROOT)[
                                        BASE + "0023-unconfirmed-reports-assad-left"][1])}


@pytest.mark.parametrize("empty", ["retracted:\n", "retracted: ~  # not yet\n"])
def test_retract_fills_fields_left_empty_instead_of_writing_them_twice(live: Path, run: Run,
                                                                        empty: str) -> None:
    """A front matter from a template may carry ``retracted:`` with no value: not retracted,
    and writing a second ``retracted:`` beside it would make the file refuse to parse."""
    path = entry_file(live, RETRACTED)
    path.write_text(path.read_text().replace("\n---\n", f"\n{empty}---\n", 1))
    assert run(live, "build").code == 0
    outcome = run(live, "retract", f"{RETRACTED}.md", "--reason", "legal",
                  "--at", "2024-12-07T23:00:00Z")
    assert (outcome.code, outcome.err) == (0, "")
    text = path.read_text()
    assert text.count("retracted:") == 1 and text.count("reason:") == 1
    assert 'retracted: 2024-12-07T23:00:00+00:00\nreason: "legal"\n---\n' in text
    assert tombstones(live)[BASE + RETRACTED] == ("2024-12-07T23:00:00Z", "legal")


@pytest.mark.parametrize(("args", "message"), [
    (("nope.md",), "nope.md: not an entry file of entries; give its path or its file name"),
    (("feedpub.toml",), "feedpub.toml: not an entry file of entries"),
    (("0023-unconfirmed-reports-assad-left.md",), "entries/0023-unconfirmed-reports-assad-left.md: "
     "retracted: the update was already retracted at 2024-12-07T13:20:00+00:00; nothing to do"),
    ((f"{RETRACTED}.md", "--at", "2099-01-01"), '--at: "2099-01-01" is in the future'),
    ((f"{RETRACTED}.md", "--at", "2024-12-07T01:00:00Z"), f"entries/{RETRACTED}.md:"),
    ((f"{RETRACTED}.md", "--reason", "a\x01b"), "--reason: contains the control character U+0001"),
    ((f"{RETRACTED}.md", "--reason", "a\x92b"), "--reason: contains the control character U+0092"),
])
def test_retract_refuses_with_one_line_and_writes_nothing(live: Path, run: Run, args: tuple[str, ...],
                                                          message: str) -> None:
    before = snapshot(live / "entries")
    outcome = run(live, "retract", *args)
    assert outcome.code == ExitCode.USAGE and outcome.err.startswith(message), outcome.err
    assert len(outcome.err.splitlines()) == 1
    assert snapshot(live / "entries") == before


def test_the_committed_ledger_is_current(blog: Path, run: Run) -> None:
    """feedpub.ledger in the repository is what building the shipped sample writes."""
    assert run(blog, "build").code == 0
    assert (blog / "feedpub.ledger").read_bytes() == (ROOT / "feedpub.ledger").read_bytes()


def test_two_branches_merge_with_git_and_the_build_resolves_the_ledger(live: Path, run: Run) -> None:
    """The README's merge workflow with real git: the shipped .gitattributes makes git keep
    both sides' ledger lines; the next build reads them as one record per id."""
    import subprocess

    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")

    def sh(*args: str) -> None:
        subprocess.run([git, *args], cwd=live, check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                            "HOME": str(live), "PATH": "/usr/bin:/bin"})

    shutil.copy(ROOT / ".gitattributes", live / ".gitattributes")
    (live / ".gitignore").write_text(".feedpub/\nfeeds/\n")
    assert run(live, "build").code == 0
    sh("init", "-q", "-b", "main")
    sh("add", "-A")
    sh("commit", "-qm", "base")
    sh("checkout", "-qb", "other")
    edit(live, EDITED, "Sanamayn", "Al-Sanamayn")
    (live / "entries" / "0030-other.md").write_text("---\ntitle: From the other desk\n"
                                                   "published: 2024-12-07T22:40:00Z\n---\nOther.\n")
    assert run(live, "build").code == 0
    sh("commit", "-qam", "other desk")
    sh("add", "-A")
    sh("commit", "-qm", "other desk, new file")
    sh("checkout", "-q", "main")
    edit(live, EDITED, "Jordanian border", "border with Jordan")  # another line of the same file
    (live / "entries" / "0031-main.md").write_text("---\ntitle: From the main desk\n"
                                                  "published: 2024-12-07T22:41:00Z\n---\nMain.\n")
    assert run(live, "build").code == 0
    sh("add", "-A")
    sh("commit", "-qm", "main desk")
    sh("merge", "-q", "--no-edit", "other")  # no conflict: the entries differ, the ledger is a union
    lines = [x for x in (live / "feedpub.ledger").read_text().splitlines() if not x.startswith("#")]
    assert sum(x.startswith(BASE + EDITED + " ") for x in lines) == 2  # both sides' lines
    assert run(live, "build").code == 0
    lines = [x for x in (live / "feedpub.ledger").read_text().splitlines() if not x.startswith("#")]
    assert len(lines) == len({x.split()[0] for x in lines}) == 25  # 23 + one new per desk
    seen = read_all(live)["atom.xml"]
    assert {BASE + "0030-other", BASE + "0031-main"} <= set(seen)
    assert "Al-Sanamayn" in seen[BASE + EDITED][1] and "border with Jordan" in seen[BASE + EDITED][2]
