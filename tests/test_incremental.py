"""Feeds assembled from cached items (issue 17): the same bytes and the same verdicts.

A build renders and checks only the items its item cache lacks and writes each feed
piece by piece. These tests pin what that must never change: the published bytes are
those of a full render of the same entries, whatever sequence of builds led there
(property test over random blogs: additions, edits, deletions, touches, closing and
reopening, item limits, media); the findings of the item and document checks are those
the validator gives the whole document; a cached item's verdict is never reused by a
newer validator; a damaged cache is rendered again, never published; and a blog too
big for one feed document is told so before anything is rendered.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Outcome, Run, state_document
from feedpub.cache import load_entries
from feedpub.config import load_config
from feedpub.entries import scan_entries
from feedpub.errors import ExitCode
from feedpub.feed import assemble_feed
from feedpub.formats import FORMATS, Parts, render, render_parts
from feedpub.fragments import severity_in_our_feeds
from feedpub.validate import validate_bytes

EXAMPLES = int(os.environ.get("FEEDPUB_PROPERTY_EXAMPLES", "250"))
BLOGS = settings(derandomize=not os.environ.get("FEEDPUB_PROPERTY_RANDOM"), database=None,
                 deadline=None, max_examples=max(8, EXAMPLES // 25),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CONFIG = """title = "Incremental"
description = "Feeds made of items."
home_page_url = "https://inc.example.org/live/"
feeds_url = "https://inc.example.org/live/feeds/"
id_base = "tag:inc.example.org,2024-12-07:live/"
"""
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def reference(site: Path) -> dict[str, bytes]:
    """Each feed as a full render gives it: the subscription Feed the entries make now (every
    file parsed afresh, with an empty state folder; checked against the ledger, as a build
    does), each format rendered whole by ``formats.render``, outside any item cache."""
    import tempfile
    from dataclasses import replace

    from feedpub.pipeline import current_feed

    with tempfile.TemporaryDirectory() as empty:
        config = replace(load_config(site / "feedpub.toml"), state_dir=Path(empty))
        feed = current_feed(config, now=NOW)
    return {f.filename: render(name, feed) for name, f in FORMATS.items()
            if not (f.needs_updated and feed.updated is None)}


def published(site: Path) -> dict[str, bytes]:
    return {f.filename: (site / "feeds" / f.filename).read_bytes() for f in FORMATS.values()
            if (site / "feeds" / f.filename).exists()}


# --- the same bytes as a full render, whatever builds came before -----------------------

words = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=12).map(str.strip).filter(bool)
entry_fields = st.fixed_dictionaries({
    "title": words,
    "minute": st.integers(min_value=0, max_value=600),
    "summary": st.none() | words,
    "tags": st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True),
    "author": st.sampled_from([None, "Jane Doe", "Desk <desk@inc.example.org>"]),
    "image": st.sampled_from([None, "https://inc.example.org/x.jpg", "media/map.png"]),
    "updated": st.none() | st.integers(min_value=1, max_value=90),
    "body": st.lists(words, min_size=1, max_size=3),
})
steps = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 30), entry_fields),
    st.tuples(st.just("edit"), st.integers(0, 30), entry_fields),
    st.tuples(st.just("retract"), st.integers(0, 30)),
    st.tuples(st.just("touch"), st.integers(0, 30)),
    st.tuples(st.just("limit"), st.sampled_from([0, 1, 3])),
    st.tuples(st.just("close"), st.booleans()),
    st.tuples(st.just("media"), st.binary(min_size=0, max_size=8)),
), min_size=1, max_size=6)


def entry_text(fields: dict, retracted: bool = False) -> str:
    hours, minutes = divmod(fields["minute"], 60)
    lines = ["---", f'title: "{fields["title"]}"',
             f"published: 2024-12-07T{hours:02d}:{minutes:02d}:00Z"]
    if fields["updated"]:
        lines.append(f"updated: 2024-12-07T{hours + 12:02d}:{minutes:02d}:00Z")
    if fields["summary"]:
        lines.append(f'summary: "{fields["summary"]}"')
    if fields["tags"]:
        lines.append(f"tags: [{', '.join(fields['tags'])}]")
    if fields["author"]:
        lines.append(f"authors: [\"{fields['author']}\"]")
    if fields["image"]:  # "media/map.png": the file of the media folder, served beside the feeds
        image = fields["image"].replace("media/", "https://inc.example.org/live/feeds/")
        lines.append(f"image: {image}")
    if retracted:
        lines.append("retracted: 2024-12-08T00:00:00Z")
    return "\n".join([*lines, "---", "", *fields["body"]]) + "\n"


@dataclass
class History:
    """What the steps so far did, so that each step is one a newsroom may take: an
    update keeps the time it was first published at, and a published one is withdrawn by
    retracting it (never by deleting its file, which the ledger refuses, issue 12)."""

    limit: int = 0
    closed: bool = False
    entries: dict[str, dict] = field(default_factory=dict)  # file name → its fields
    retracted: set[str] = field(default_factory=set)

    def write(self, site: Path, name: str, fields: dict) -> None:
        if name in self.retracted:
            return  # withdrawn for good: its id is never used for other content
        first = self.entries.get(name)
        fields = {**fields, "minute": first["minute"]} if first else fields
        self.entries[name] = fields
        (site / "entries" / name).write_text(entry_text(fields))


def apply(site: Path, step: tuple, history: History) -> None:
    kind = step[0]
    name = f"{step[1] if len(step) > 1 and isinstance(step[1], int) else 0:02d}.md"
    path = site / "entries" / name
    if kind in ("add", "edit"):
        history.write(site, name, step[2])
    elif kind == "retract" and name in history.entries and name not in history.retracted:
        history.retracted.add(name)
        path.write_text(entry_text(history.entries[name], retracted=True))
    elif kind == "touch" and path.exists():
        os.utime(path)
    elif kind == "limit":
        history.limit = step[1]
    elif kind == "close":
        history.closed = step[1]
    elif kind == "media":
        (site / "media" / "map.png").write_bytes(PNG + step[1])
    text = CONFIG + (f"item_limit = {history.limit}\n" if history.limit else "")
    if history.closed:
        text += ('[closed]\ncontinued_at = "https://inc.example.org/next"\n'
                 'at = "2024-12-08T12:00:00Z"\n')
    if text != (site / "feedpub.toml").read_text():
        (site / "feedpub.toml").write_text(text)


@BLOGS
@given(first=st.lists(entry_fields, min_size=0, max_size=4), history=steps)
def test_builds_publish_the_bytes_of_a_full_render(tmp_path_factory: pytest.TempPathFactory,
                                                   run: Run, first: list[dict],
                                                   history: list[tuple]) -> None:
    site = tmp_path_factory.mktemp("blog")
    (site / "entries").mkdir()
    (site / "media").mkdir()
    (site / "media" / "map.png").write_bytes(PNG)
    (site / "feedpub.toml").write_text(CONFIG)
    done = History()
    for index, fields in enumerate(first):
        done.write(site, f"{index:02d}.md", fields)
    for step in [("touch", 0), *history]:
        apply(site, step, done)
        outcome = run(site, "build", "-q")
        assert outcome.code == 0, outcome.err
        assert published(site) == reference(site), step


# --- the same findings as the validator on the whole document ---------------------------

def sample_parts(blog: Path, name: str) -> tuple[Parts, list]:
    config = load_config(blog / "feedpub.toml")
    loaded = load_entries(config, scan_entries(config.entries_dir).stamps, now=NOW, save=False,
                          progress=False, notices=[], whole=True)
    feed = assemble_feed(config, loaded.entries)
    return render_parts(name, feed, feed.entries, closing=True), feed


MUTATIONS = {
    # an element no format knows, inside an item: the item's own finding
    "unknown": (lambda name, item: item.replace(b"</title>" if name != "json" else b'"title"',
                                                b"</title><bogus>x</bogus>" if name != "json"
                                                else b'"bogus": 1,\n      "title"', 1)),
    # a date the format does not allow
    "date": (lambda name, item: re.sub(rb"(<pubDate>|<updated>|\"date_modified\": \")[^<\"]*",
                                       rb"\g<1>yesterday", item, count=1)),
    # no id at all
    "no-id": (lambda name, item: re.sub(rb"\n *(<guid[^\n]*</guid>|<id>[^\n]*</id>|\"id\": [^\n]*)",
                                        b"", item, count=1)),
}


@settings(BLOGS, max_examples=max(20, EXAMPLES // 5))
@given(name=st.sampled_from(list(FORMATS)),
       changes=st.lists(st.tuples(st.integers(0, 22), st.sampled_from([*MUTATIONS, "copy"]),
                                  st.integers(0, 22)), max_size=4))
def test_item_and_document_checks_find_what_the_validator_finds(blog: Path, name: str,
                                                                changes: list) -> None:
    """Items changed as a broken renderer or cache would: the findings are the same."""
    from feedpub.fragments import (
        DocumentItems,
        check_document,
        check_items,
        item_lines,
    )

    parts, feed = sample_parts(blog, name)
    items = list(parts.items)
    for at, how, other in changes:
        at, other = at % len(items), other % len(items)
        items[at] = items[other] if how == "copy" else MUTATIONS[how](name, items[at])
    parts = Parts(parts.head, items, parts.tail, parts.joiner)
    checks = check_items(name, parts)
    starts = item_lines(parts)
    placed = DocumentItems(starts, [(i, f) for i, c in enumerate(checks) for f in c.findings],
                           [c.facts.id for c in checks], [c.facts.where for c in checks],
                           [c.facts.updated for c in checks], [c.facts.published for c in checks],
                           [c.facts.latest for c in checks])
    lines = parts.joiner.join(items).count(b"\n")
    mine = check_document(name, FORMATS[name].filename, parts, placed, lines, feed.id,
                          feed.closing.id if feed.closing else None)
    whole = validate_bytes(parts.head + parts.joiner.join(items) + parts.tail)
    theirs = [(f.line, f.column, severity_in_our_feeds(f.severity, f.rule), f.rule, f.message)
              for f in whole]
    ours = [(f.line, f.column, f.severity, f.rule, f.message) for f in mine
            if not f.rule.startswith("document-")]  # feedpub's own promises come on top
    assert ours == theirs


def test_feedpubs_own_promises_catch_items_out_of_order(blog: Path) -> None:
    from feedpub.fragments import DocumentItems, check_document, check_items, item_lines

    parts, feed = sample_parts(blog, "rss")
    items = [parts.items[0], parts.items[5], parts.items[1], *parts.items[6:]]
    parts = Parts(parts.head, items, parts.tail, parts.joiner)
    checks = check_items("rss", parts)
    placed = DocumentItems(item_lines(parts), [], [c.facts.id for c in checks],
                           [c.facts.where for c in checks], [c.facts.updated for c in checks],
                           [c.facts.published for c in checks], [c.facts.latest for c in checks])
    found = check_document("rss", "rss.xml", parts, placed, 0, feed.id, feed.closing.id)
    assert [f.rule for f in found] == ["document-order"]
    swapped = DocumentItems(placed.starts, [], placed.ids[1:2] + placed.ids[:1] + placed.ids[2:],
                            placed.where, placed.updated, placed.published, placed.latest)
    assert "document-closing-first" in [f.rule for f in check_document(
        "rss", "rss.xml", parts, swapped, 0, feed.id, feed.closing.id)]


# --- a cached verdict never outlives its validator ---------------------------------------

def test_a_new_validator_checks_every_cached_item_again(blog: Path, run: Run,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A stricter rule in a new validator finds the problem in an item cached before it."""
    import feedpub.validate
    import feedpub.validate.html

    assert run(blog, "build").code == 0
    monkeypatch.setattr(feedpub.validate.html, "_ELEMENT",  # "a new rule": no <p> either
                        re.compile(r"<\s*(script|iframe|object|embed|applet|frame|frameset|meta|"
                                   r"base|p)\b"))
    (blog / "entries" / "zz-new.md").write_text(  # a list: no <p> of its own
        "---\ntitle: New\npublished: 2024-12-07T22:30:00+00:00\n---\n- one point\n")
    hidden = run(blog, "build")
    assert hidden.code == 0  # same VALIDATOR_VERSION: the cached items keep their verdict
    monkeypatch.setattr(feedpub.validate, "VALIDATOR_VERSION", feedpub.validate.VALIDATOR_VERSION + "-next")
    (blog / "entries" / "zz-new.md").write_text(
        "---\ntitle: Newer\npublished: 2024-12-07T22:30:00+00:00\n---\n- one point\n")
    found = run(blog, "build")
    assert found.code == ExitCode.FEED_CHECK and "html-unsafe" in found.err, found.err


# --- a damaged cache is rendered again, never trusted -----------------------------------

def _damaged_items_then_a_new_entry(blog: Path, run: Run) -> Outcome:
    """A build, one byte flipped in the middle of every item pack, a new entry, a build."""
    assert run(blog, "build").code == 0
    for pack in (blog / ".feedpub").glob("items-*.pack"):
        data = bytearray(pack.read_bytes())
        data[len(data) // 2] ^= 0x20
        pack.write_bytes(bytes(data))
    (blog / "entries" / "zz-new.md").write_text(
        "---\ntitle: New\npublished: 2024-12-07T22:30:00+00:00\n---\nPlain words.\n")
    return run(blog, "build")


def test_a_damaged_item_pack_is_rendered_again(blog: Path, run: Run, tmp_path: Path) -> None:
    outcome = _damaged_items_then_a_new_entry(blog, run)
    assert outcome.code == 0
    assert "cached" in outcome.err and "damaged; it is rendered again" in outcome.err
    assert published(blog) == reference(blog)


def test_an_item_rendered_again_leaves_a_sound_index(blog: Path, run: Run) -> None:
    """One damaged item among many: rendered again, and the index the build saves holds
    its key once, so the next build trusts every other cached item (it used to keep the
    damaged row too, and the next build discarded the whole index as malformed)."""
    outcome = _damaged_items_then_a_new_entry(blog, run)
    assert outcome.code == 0 and outcome.err.count("damaged; it is rendered again") == 3
    (blog / "entries" / "zz-newer.md").write_text(
        "---\ntitle: Newer\npublished: 2024-12-07T22:31:00+00:00\n---\nMore words.\n")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (0, "")
    assert published(blog) == reference(blog)


def test_an_edited_item_index_is_not_trusted(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    index = blog / ".feedpub" / "items.json"
    index.write_bytes(index.read_bytes().replace(b'"findings":{}', b'"findings":{"0":[]}', 1))
    (blog / "entries" / "zz-new.md").write_text(
        "---\ntitle: New\npublished: 2024-12-07T22:30:00+00:00\n---\nPlain words.\n")
    outcome = run(blog, "build")
    assert outcome.code == 0 and "items.json: warning: the item-cache failed its integrity" \
        in outcome.err
    assert published(blog) == reference(blog)
    assert state_document(index)["format"] == "feedpub-item-cache"  # rebuilt


# --- no cliff: a feed too big for one document is refused early -------------------------

def test_a_feed_too_big_is_refused_before_anything_is_rendered(
        blog: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample's entries hold 13.5 KB of HTML: a 12 000-byte limit refuses every feed
    from the entries alone, and the item_limit it suggests is one that fits."""
    import feedpub.validate

    monkeypatch.setattr(feedpub.validate, "DEFAULT_MAX_BYTES", 12_000)
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.FEED_CHECK
    lines = [line for line in outcome.err.splitlines() if "feed-too-large" in line]
    assert {line.split(":")[0] for line in lines} == {"rss.xml", "atom.xml", "feed.json"}
    assert not (blog / "feeds" / "rss.xml").exists()
    assert not list((blog / ".feedpub").glob("items-*.pack"))  # nothing was rendered
    again = run(blog, "build")  # recorded: the same answer, nothing parsed or rendered
    assert (again.code, again.err) == (outcome.code, outcome.err)
    assert not list((blog / ".feedpub").glob("items-*.pack"))
    assert state_document(blog / ".feedpub" / "state.json")["refused"] == lines
    limit = min(int(re.search(r"set item_limit = (\d+)", line)[1]) for line in lines)
    text = (blog / "feedpub.toml").read_text().split("[closed]")[0]
    (blog / "feedpub.toml").write_text(f"item_limit = {limit}\n" + text)
    assert run(blog, "build").code == 0
    assert 0 < max(len(data) for data in published(blog).values()) <= 12_000


@pytest.mark.parametrize("when", ["2024-12-07T23:59:00Z", "2024-12-06T00:00:00Z"])
def test_tombstones_against_live_entries_are_checked_with_the_document(blog: Path,
                                                                       when: str) -> None:
    """A tombstone in the head for an entry still in the items: at-ref-live-entry (deleted
    after its last update) or at-ref-restored (updated since), as the validator says."""
    from feedpub.fragments import DocumentItems, check_document, check_items, item_lines

    parts, feed = sample_parts(blog, "atom")
    victim = check_items("atom", Parts(parts.head, parts.items[3:4], parts.tail, b""))[0].facts.id
    tomb = (f'  <at:deleted-entry xmlns:at="http://purl.org/atompub/tombstones/1.0" '
            f'ref="{victim}" when="{when}"/>\n').encode()
    parts = Parts(parts.head + tomb, parts.items, parts.tail, parts.joiner)
    checks = check_items("atom", parts)
    placed = DocumentItems(item_lines(parts), [(i, f) for i, c in enumerate(checks)
                                               for f in c.findings],
                           [c.facts.id for c in checks], [c.facts.where for c in checks],
                           [c.facts.updated for c in checks], [c.facts.published for c in checks],
                           [c.facts.latest for c in checks])
    mine = check_document("atom", "atom.xml", parts, placed, b"".join(parts.items).count(b"\n"),
                          feed.id, feed.closing.id)
    whole = validate_bytes(parts.head + b"".join(parts.items) + parts.tail)
    assert [(f.line, f.column, f.rule, f.message) for f in mine] == \
        [(f.line, f.column, f.rule, f.message) for f in whole]
    assert {f.rule for f in whole} & {"at-ref-live-entry", "at-ref-restored"}


# --- the element limit, from the counts the item index keeps ---------------------------

def test_the_index_counts_every_element_of_the_published_feeds(blog: Path, run: Run) -> None:
    """The element limit is checked from each item's count in the index (vouched for by
    its digest) plus the envelope's: the items' counts are what a parser finds in them."""
    from lxml import etree

    assert run(blog, "build").code == 0
    body = state_document(blog / ".feedpub" / "items.json")
    for name, item in (("rss", "item"), ("atom", "{http://www.w3.org/2005/Atom}entry")):
        root = etree.fromstring((blog / "feeds" / FORMATS[name].filename).read_bytes())
        parsed = [sum(1 for _ in element.iter()) for element in root.iter(item)]
        assert len(parsed) == len(body["items"][name]["elements"]) > 20  # one build: all in use
        assert sorted(body["items"][name]["elements"]) == sorted(parsed)


def test_a_feed_with_too_many_elements_is_refused(blog: Path, run: Run,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the validator's element limit, nothing is published: the check runs on the
    counts before a byte is staged, for a first build and for one made of cached items."""
    import feedpub.validate.xmlsafe

    assert run(blog, "build").code == 0
    before = published(blog)
    monkeypatch.setattr(feedpub.validate.xmlsafe, "MAX_ELEMENTS", 60)
    (blog / "entries" / "zz-new.md").write_text(
        "---\ntitle: New\npublished: 2024-12-07T22:30:00+00:00\n---\nPlain words.\n")
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.FEED_CHECK
    assert "document-not-well-formed" in outcome.err and "more than 60 elements" in outcome.err
    assert published(blog) == before


def _late_entries(blog: Path, minute: int) -> None:
    """One new update, and one new file that cannot be published (no title)."""
    (blog / "entries" / f"0099-late-{minute}.md").write_text(
        f"---\ntitle: A late update {minute}\npublished: 2024-12-07T13:{minute:02d}:30+00:00\n"
        f"---\nThe desk filed this {minute} minutes past one.\n", encoding="utf-8")
    (blog / "entries" / f"0099-broken-{minute}.md").write_text(
        f"---\npublished: 2024-12-07T13:{minute:02d}:40+00:00\n---\nNo title.\n", encoding="utf-8")


def test_a_later_build_leaves_parsing_to_its_standby(blog: Path) -> None:
    """After the first build, the few files that changed are parsed in the standby child
    that imported the parser while the build read its cache: the build itself (a fresh
    process, as cron starts it) never imports YAML or the parser, and publishes the same."""
    import subprocess
    import sys

    script = ("import sys\nfrom feedpub.cli import main\ncode = main(['build'])\n"
              "print(code, sorted({'yaml', 'feedpub.entries.parse'} & set(sys.modules)))")

    def build() -> str:
        done = subprocess.run([sys.executable, "-c", script], cwd=blog, capture_output=True,
                              text=True, check=True)
        return done.stdout.strip()

    assert build() == "0 ['feedpub.entries.parse', 'yaml']"  # a first build parses itself
    _late_entries(blog, 51)
    assert build() == "4 []"
    assert b"A late update 51" in (blog / "feeds" / "rss.xml").read_bytes()


@pytest.mark.parametrize("failure", ["raises", "dies", "unsendable"])
def test_a_parse_standby_that_fails_leaves_parsing_to_the_build(
        tmp_path: Path, run: Run, failure: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever happens to the standby, the build parses the files itself: the same
    problems, the same feeds as a twin blog built with a working standby."""
    import pickle

    from conftest import copy_sample
    from feedpub import cache
    from feedpub.forks import Standby

    def broken(*args: object) -> list[object]:
        raise RuntimeError("the standby broke")

    def dying() -> None:
        os._exit(3)

    def unsendable(self: object, job: object) -> None:
        raise pickle.PicklingError("a job that does not pickle")

    outcomes = []
    for name in ("twin", "failing"):
        site = copy_sample(tmp_path / name)
        assert run(site, "build").code == 0
        if name == "failing":
            monkeypatch.setattr(*{"raises": (cache, "_parse_in_standby", broken),
                                  "dies": (cache, "_import_parser", dying),
                                  "unsendable": (Standby, "submit", unsendable)}[failure])
        _late_entries(site, 52)
        outcome = run(site, "build")
        outcomes.append((outcome.code, outcome.err.replace(name, "BLOG"),
                         [(site / "feeds" / f).read_bytes() for f in ("rss.xml", "atom.xml",
                                                                       "feed.json")]))
    assert outcomes[0][0] == ExitCode.BAD_ENTRY and "0099-broken-52.md" in outcomes[0][1]
    assert outcomes[1] == outcomes[0]
