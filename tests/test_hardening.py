"""Regression tests for the hostile review of the build path (issue 11).

Each test names the defect it pins; each failed on the code before its fix.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, Run, snapshot
from feedpub.errors import ExitCode

CLOSED_TABLE = re.compile(r"\n\[closed\]\n.*", re.S)
CLOSING = ('continued_at = "https://news.example.org/next"', "at = 2024-12-07T22:45:00+00:00")


def open_config(blog: Path) -> str:
    """The sample's config without its [closed] table."""
    return CLOSED_TABLE.sub("\n", (blog / "feedpub.toml").read_text()).rstrip("\n") + "\n"


def feeds_of(blog: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((blog / "feeds").iterdir())}


# --- defect 9: reopen must really reopen, whatever the table's spelling ----------------

CLOSED_FORMS = {
    "header with a comment": "[closed] # closed by the night desk\n{0}\n{1}\n",
    "spaces in the header": "[ closed ]\n{0}\n{1}\n",
    "quoted header": '["closed"]\n{0}\n{1}\n',
    "inline table": "closed = {{ {0}, {1} }}\n",
}


@pytest.mark.parametrize("form", sorted(CLOSED_FORMS))
def test_reopen_removes_every_spelling_of_the_closed_table(blog: Path, run: Run, form: str) -> None:
    base = open_config(blog)
    table = CLOSED_FORMS[form].format(*CLOSING)
    # a root key (the inline table) must come before any table; the others go last
    inline = form == "inline table"
    text = table + base if inline else base + "\n" + table + "\n# a note about what follows\n"
    (blog / "feedpub.toml").write_text(text)
    assert run(blog, "build").code == 0
    assert b'"expired": true' in (blog / "feeds" / "feed.json").read_bytes()
    outcome = run(blog, "reopen")
    assert outcome.code == 0, outcome.err
    after = (blog / "feedpub.toml").read_text()
    assert "closed" not in after.replace("closed by", "")
    assert b'"expired"' not in (blog / "feeds" / "feed.json").read_bytes()
    if form != "inline table":
        assert "# a note about what follows" in after


def test_reopen_removes_dotted_closed_keys(blog: Path, run: Run) -> None:
    text = f"closed.{CLOSING[0]}\nclosed.{CLOSING[1]}\n" + open_config(blog)
    (blog / "feedpub.toml").write_text(text)
    assert run(blog, "build").code == 0
    assert run(blog, "reopen").code == 0
    assert (blog / "feedpub.toml").read_text() == open_config(blog)
    assert b'"expired"' not in (blog / "feeds" / "feed.json").read_bytes()


def test_a_closed_line_inside_a_multiline_string_is_not_a_table(blog: Path, run: Run) -> None:
    base = re.sub(r'(?m)^description = ".*"$',
                  'description = """Notes:\n[closed]\nnot a table, just text."""', open_config(blog))
    assert '"""Notes:\n[closed]\n' in base
    (blog / "feedpub.toml").write_text(base + "\n[closed]\n" + "\n".join(CLOSING) + "\n")
    assert run(blog, "build").code == 0
    outcome = run(blog, "reopen")
    assert outcome.code == 0, outcome.err
    assert (blog / "feedpub.toml").read_text() == base
    assert json.loads((blog / "feeds" / "feed.json").read_bytes())["description"] == \
        "Notes:\n[closed]\nnot a table, just text."


# --- defect 1: the cache is never trusted as data ---------------------------------------

EXTRA_ENTRY = "---\ntitle: One more update\npublished: 2024-12-07T22:30:00+00:00\n---\nMore.\n"


def build_fresh(blog: Path, run: Run, where: Path) -> dict[str, bytes]:
    """The feeds a first build (no state folder) gives for the blog's current inputs."""
    import shutil

    shutil.copytree(blog, where, ignore=shutil.ignore_patterns(".feedpub", "feeds"))
    assert run(where, "build").code == 0
    return feeds_of(where)


def tamper(cache: Path, change, *, reseal: bool) -> None:
    """Edit the cached entries (``records[name]["entry"]``, each file's whole entry) in a
    pack of their own and point the index at them; with ``reseal`` the index is sealed as
    feedpub itself would write it, else its old seal stays (a hand edit)."""
    import hashlib

    from conftest import cached_entries, state_document
    from feedpub.state import write_document

    document = state_document(cache)
    records = {name: {"entry": entry} for name, entry in cached_entries(cache.parent).items()
               if entry is not None}
    change(records)
    pack = cache.parent / "entries-0-tampered.pack"
    data = b""
    for name, record in records.items():
        blob = json.dumps(record["entry"]).encode()
        document["entries"][name][3][-2] = [pack.name, len(data), len(blob),
                                           hashlib.sha256(blob).hexdigest()]
        data += blob
    pack.write_bytes(data)
    if reseal:
        body = {k: v for k, v in document.items() if k not in ("format", "version")}
        write_document(cache, "entry-cache", body)
    else:
        header = cache.read_bytes().partition(b"\n")[0]
        cache.write_bytes(header + b"\n" + json.dumps(document).encode())


def _zeros(records: dict) -> None:
    for record in records.values():
        record["entry"] = [0] * 12


def _int_ids(records: dict) -> None:
    for index, record in enumerate(records.values()):
        record["entry"]["id"] = index


def _null_title(records: dict) -> None:
    next(iter(records.values()))["entry"]["title"] = None


def _string_authors(records: dict) -> None:
    next(iter(records.values()))["entry"]["authors"] = "not a list"


def _script(records: dict) -> None:
    for record in records.values():
        record["entry"]["content_html"] += "<script>alert(1)</script>"


TAMPERING = {"zeros": _zeros, "int-ids": _int_ids, "null-title": _null_title,
             "string-authors": _string_authors, "script": _script}


@pytest.mark.parametrize("reseal", [False, True], ids=["hand-edit", "resealed"])
@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_a_tampered_cache_never_reaches_the_feeds(blog: Path, run: Run, tmp_path: Path,
                                                  how: str, reseal: bool) -> None:
    assert run(blog, "build").code == 0
    tamper(blog / ".feedpub" / "entries.json", TAMPERING[how], reseal=reseal)
    (blog / "entries" / "zz-one-more.md").write_text(EXTRA_ENTRY)
    outcome = run(blog, "build", "-q")
    if how == "script" and reseal:
        # authentic-looking data that is still unsafe: the feed check refuses to publish it
        assert outcome.code == ExitCode.FEED_CHECK and "html-unsafe" in outcome.err
        return
    assert (outcome.code, outcome.out) == (0, ""), outcome.err
    assert feeds_of(blog) == build_fresh(blog, run, tmp_path / "fresh")
    assert len(json.loads((blog / "feeds" / "feed.json").read_bytes())["items"]) == 24
    again = run(blog, "build", "-v")
    assert again.out.strip() == "nothing changed" and again.err == ""


# --- defect 8: the set of feeds changes all together or not at all ----------------------


def changed_entry(blog: Path) -> None:
    path = blog / "entries" / "zz-one-more.md"
    path.write_text(EXTRA_ENTRY)


def no_temp_files(blog: Path) -> bool:
    return not [p for p in blog.rglob("*") if ".feedpub-tmp-" in p.name]


def chattr(flag: str, path: Path) -> bool:
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True)
    return done.returncode == 0


def test_an_immutable_feed_leaves_every_feed_old(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    atom = blog / "feeds" / "atom.xml"
    if not chattr("+i", atom):
        pytest.skip("chattr +i is not permitted here (needs root on a file system with attributes)")
    try:
        changed_entry(blog)
        outcome = run(blog, "build")
    finally:
        chattr("-i", atom)
    assert outcome.code == ExitCode.IO
    assert outcome.err.startswith(str(atom)) and "feedpub-tmp" not in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1
    assert snapshot(blog / "feeds") == before
    assert no_temp_files(blog)
    assert run(blog, "build").code == 0  # fixed: the next run publishes all three
    assert b"One more update" in (blog / "feeds" / "atom.xml").read_bytes()


def test_a_folder_in_place_of_a_feed_leaves_every_feed_old(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    (blog / "feeds" / "feed.json").unlink()
    (blog / "feeds" / "feed.json").mkdir()
    before = snapshot(blog / "feeds")
    changed_entry(blog)
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.IO
    assert outcome.err.startswith(str(blog / "feeds" / "feed.json")), outcome.err
    assert snapshot(blog / "feeds") == before
    assert no_temp_files(blog)


CRASH_AFTER_FIRST_RENAME = """
import os, sys
real_replace = os.replace
def replace(src, dst, *args, **kwargs):
    real_replace(src, dst, *args, **kwargs)
    if str(dst).endswith("rss.xml"):
        os.kill(os.getpid(), 9)
os.replace = replace
sys.argv = ["publish.py", "build"]
from feedpub.cli import main
main()
"""


def test_a_run_killed_mid_set_is_finished_by_the_next(blog: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", "from feedpub.cli import main; main(['build'])"],
                           cwd=blog, env=env)
    assert first.returncode == 0
    changed_entry(blog)
    killed = subprocess.run([sys.executable, "-c", CRASH_AFTER_FIRST_RENAME], cwd=blog, env=env)
    assert killed.returncode == -signal.SIGKILL
    assert (blog / ".feedpub" / "commit.json").exists()  # rss.xml new, the other two staged
    assert b"One more update" in (blog / "feeds" / "rss.xml").read_bytes()
    assert b"One more update" not in (blog / "feeds" / "atom.xml").read_bytes()
    done = subprocess.run([sys.executable, "publish.py", "build", "--config",
                           str(blog / "feedpub.toml")], cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert not (blog / ".feedpub" / "commit.json").exists() and no_temp_files(blog)
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert b"One more update" in (blog / "feeds" / name).read_bytes()


# --- defect 17: errors that name the real cause -----------------------------------------


def test_a_dangling_link_is_named(blog: Path, run: Run) -> None:
    (blog / "entries" / "gone.md").symlink_to(blog / "nowhere.md")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (ExitCode.BAD_ENTRY, "entries/gone.md: is a link to a "
                                           "missing file; restore the file or delete the link\n")


def test_a_link_loop_is_named(blog: Path, run: Run) -> None:
    """Path.resolve raised RuntimeError ("Symlink loop"): a traceback, exit 1."""
    (blog / "entries" / "a.md").symlink_to("b.md")
    (blog / "entries" / "b.md").symlink_to("a.md")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err.splitlines()) == (ExitCode.BAD_ENTRY, [
        "entries/a.md: is a link that leads round in a loop; delete the link",
        "entries/b.md: is a link that leads round in a loop; delete the link"])


def test_a_file_name_that_is_not_utf8_is_named(blog: Path, run: Run) -> None:
    """Its lone surrogates reached the entry cache, whose JSON cannot hold them: a
    TypeError traceback, exit 1, every run."""
    good = next((blog / "entries").glob("*.md")).read_bytes()
    with open(os.path.join(os.fsencode(blog / "entries"), b"caf\xe9.md"), "wb") as latin1:
        latin1.write(good.replace(b"published:", b"id: tag:x.example,2024:y\npublished:"))
    for _ in range(2):  # the second run takes the no-op check's path
        outcome = run(blog, "build")
        assert (outcome.code, outcome.err) == (ExitCode.BAD_ENTRY, "entries/caf\\xe9.md: has a "
                                               "name that is not UTF-8 text; rename the file\n")


def test_a_refused_name_with_a_line_break_is_still_one_line(blog: Path, run: Run) -> None:
    """The name was printed raw: one error spread over two lines, the second a bogus one."""
    (blog / "entries" / "gone\n.md").symlink_to(blog / "nowhere.md")
    (blog / "media" / "map\n.png").write_bytes(b"\x89PNG")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (
        ExitCode.BAD_ENTRY, "media/map\\u000a.png: has a name a URL cannot carry as is; use only "
        "letters, digits, '-', '_' and '.'\n")
    (blog / "media" / "map\n.png").unlink()
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (
        ExitCode.BAD_ENTRY, "entries/gone\\u000a.md: is a link to a missing file; restore the "
        "file or delete the link\n")


def test_a_folder_that_is_a_link_loop_is_a_config_error(blog: Path, run: Run) -> None:
    """The no-op check resolved the state folder first: RuntimeError ("Symlink loop"),
    a traceback on every run, before the config reader could name the key."""
    (blog / ".feedpub").symlink_to(".feedpub")
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.CONFIG
    assert outcome.err.startswith('feedpub.toml: state_dir: ".feedpub" cannot be used as a '
                                  "folder: ") and outcome.err.count("\n") == 1


def test_a_link_out_of_the_blog_is_refused(blog: Path, run: Run, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Not for publishing\npublished: 2024-12-07T10:00:00Z\n---\nx\n")
    (blog / "entries" / "leak.md").symlink_to(secret)
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.BAD_ENTRY and "entries/leak.md: is a link to a file outside" \
        in outcome.err
    assert not (blog / "feeds").exists()


def test_a_link_inside_the_entries_folder_is_fine(blog: Path, run: Run) -> None:
    target = next((blog / "entries").glob("*.md"))
    (blog / "entries" / ".hidden-original.md").write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(blog / "entries" / ".hidden-original.md")
    assert run(blog, "build").code == 0


@pytest.fixture
def tiny_disk(tmp_path: Path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root: " + done.stderr.decode().strip())
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_names_the_file(blog: Path, run: Run, tiny_disk: Path) -> None:
    config = blog / "feedpub.toml"
    config.write_text(f'output_dir = "{tiny_disk}"\n' + config.read_text())
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.IO
    assert re.fullmatch(rf"{tiny_disk}/(index\.html|rss\.xml|atom\.xml|feed\.json|[a-z-]+\.png): "
                        r"No space left on device; "
                        r".*\n", outcome.err), outcome.err
    assert not [p for p in tiny_disk.iterdir() if ".feedpub-tmp-" in p.name]


# --- defect 5 (state part): a state file nested 20 000 deep -----------------------------


@pytest.mark.parametrize("name", ["state.json", "entries.json"])
def test_deeply_nested_state_is_discarded_not_a_traceback(blog: Path, run: Run, tmp_path: Path,
                                                         name: str) -> None:
    """Even with a valid seal (so the JSON parser itself meets the nesting)."""
    import hashlib
    import hmac

    assert run(blog, "build").code == 0
    key = (blog / ".feedpub" / "key").read_bytes()
    payload = b'{"format":' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    seal = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
    (blog / ".feedpub" / name).write_bytes(b"feedpub-sealed hmac-sha256=" + seal + b"\n" + payload)
    changed_entry(blog)
    outcome = run(blog, "build")
    assert outcome.code == 0, outcome.err
    assert outcome.err.count("\n") == 1 and "warning:" in outcome.err
    assert feeds_of(blog) == build_fresh(blog, run, tmp_path / "fresh")


# --- found this round: one enormous entry, and one with thousands of tags --------------


def _entry(blog: Path, name: str, front: str, body: str) -> Path:
    path = blog / "entries" / name
    path.write_text(f"---\n{front}published: 2024-12-07T13:05:00+00:00\n---\n{body}\n",
                    encoding="utf-8")
    return path


def test_an_enormous_entry_is_its_own_problem_not_the_whole_build(blog: Path, run: Run) -> None:
    """A 10 MB paste made a text node libxml2 refuses: every feed failed its check (exit
    5, at a line of rss.xml) and no other update could be published until it was fixed."""
    from feedpub.entries.parse import MAX_ENTRY_BYTES

    path = _entry(blog, "0099-paste.md", "title: A paste gone wrong\n",
                  "word " * (MAX_ENTRY_BYTES // 5 + 1))
    _entry(blog, "0098-news.md", "title: The news goes on\n", "Still published.")
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.BAD_ENTRY, outcome.err
    assert outcome.err == (f"entries/0099-paste.md: is {path.stat().st_size / 1024:,.0f} KiB, "
                           f"more than the {MAX_ENTRY_BYTES // 1024} KiB an entry file may be; "
                           "split it into several updates\n")
    assert b"The news goes on" in (blog / "feeds" / "rss.xml").read_bytes()
    assert run(blog, "validate", "feeds/rss.xml", "feeds/atom.xml", "feeds/feed.json").code == 0


@pytest.mark.slow
def test_an_entry_just_under_the_bound_escapes_within_every_parser_limit(blog: Path,
                                                                          run: Run) -> None:
    """The bound's reason: "&" is the longest escape ("&amp;" in the HTML, "&amp;amp;"
    inside RSS), and a file of them just under the bound still makes feeds that parse."""
    from feedpub.entries.parse import MAX_ENTRY_BYTES

    path = _entry(blog, "0099-amps.md", "title: Ampersands\n", "&" * (MAX_ENTRY_BYTES - 200))
    assert path.stat().st_size <= MAX_ENTRY_BYTES
    assert run(blog, "build").code == 0
    assert (blog / "feeds" / "rss.xml").stat().st_size > 9 * (MAX_ENTRY_BYTES - 200)
    assert run(blog, "validate", "feeds/rss.xml", "feeds/atom.xml", "feeds/feed.json").code == 0


def test_tags_and_authors_reach_feedgen_in_one_call_per_item(blog: Path, run: Run,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """feedgen copies an item's whole list of categories (and authors) on every call:
    20 000 tags, one call each, took a build 50 s. Now one call per item and list."""
    from feedgen.entry import FeedEntry

    calls: list[int] = []
    real = {name: getattr(FeedEntry, name) for name in ("category", "author")}

    def counted(name: str):  # type: ignore[no-untyped-def]
        def call(self, value=None, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(len(value) if isinstance(value, list) else 1)
            return real[name](self, value, *args, **kwargs)
        return call

    for name in real:
        monkeypatch.setattr(FeedEntry, name, counted(name))
    tags = ", ".join(f"t{n}" for n in range(3000))
    authors = ", ".join(f'{{name: "Reporter {n}"}}' for n in range(300))
    _entry(blog, "0099-tags.md", f"title: Tagged\ntags: [{tags}]\nauthors: [{authors}]\n",
           "Many tags.")
    assert run(blog, "build").code == 0
    assert 3000 in calls and 300 in calls  # each list whole, in one call
    assert len(calls) < 200  # per item and list (the sample has 23 items), never per tag
    rss = (blog / "feeds" / "rss.xml").read_bytes()
    assert rss.count(b"<category>t") == 3000 and b"<category>t2999</category>" in rss


def test_a_pasted_page_full_of_frames_is_reported_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Aligning the tags before and after the sanitizer with difflib cost about the cube
    of their number when many were removed: 400 paragraphs with 400 iframes took 5 s,
    2 000 of each four minutes. Past ALIGN_WITH_DIFFLIB tags the alignment is one pass,
    and every removal is still counted."""
    import difflib

    from feedpub.entries import markdown

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("difflib aligned a long span")

    body = "\n".join(f'<p onclick="x()">paragraph {n}</p><iframe src="https://x.org/{n}"></iframe>'
                     for n in range(5000))
    monkeypatch.setattr(difflib, "SequenceMatcher", refuse)
    rendered = markdown.render_body(body, "https://example.org/")
    assert len(rendered.removed) + rendered.hidden == 10_000  # each handler and each frame
    assert {r.what.split(" ")[0] for r in rendered.removed} == {"onclick", "<iframe>"}
    assert "onclick" not in rendered.html and "iframe" not in rendered.html
    assert rendered.html.count("<p>paragraph") == 5000


_KEPT = ["p", "a", "b", "i", "ul", "li", "table", "tr", "td", "span"]
_DROPPED = ["iframe", "script", "object", "embed", "form"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_KEPT + _DROPPED), max_size=400), st.randoms())
def test_one_pass_alignment_pairs_every_kept_tag_with_its_own(old: list[str],
                                                            rnd: random.Random) -> None:
    """The one-pass alignment is exact for what nh3 does: drop tags it does not allow and
    add the ones a tree needs (a tbody before a row)."""
    from feedpub.entries.markdown import _nearby_pairs

    new: list[str] = []
    truth: list[tuple[int, int]] = []
    for index, name in enumerate(old):
        if name in _DROPPED:
            continue
        if name == "tr" and rnd.random() < 0.3:
            new.append("tbody")
        truth.append((index, len(new)))
        new.append(name)
    assert _nearby_pairs(old, new) == truth


@pytest.fixture
def unreadable_file(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make one entry file unreadable, as another user's file with mode 600 is (the tests
    run as root, whom permissions do not stop; forked parse workers inherit the patch)."""
    real = Path.read_bytes

    def make(name: str) -> None:
        def read_bytes(path: Path) -> bytes:
            if path.name == name:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)

    return make


def test_an_unreadable_entry_file_is_its_own_problem(blog: Path, run: Run,
                                                     unreadable_file: Callable[[str], None]) -> None:
    """It stopped the whole build (exit 8, every minute) until someone fixed its owner."""
    assert run(blog, "build").code == 0
    _entry(blog, "0098-news.md", "title: The news goes on\n", "Still published.")
    _entry(blog, "0099-private.md", "title: Someone else's file\n", "Mode 600.")
    unreadable_file("0099-private.md")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (
        ExitCode.BAD_ENTRY, "entries/0099-private.md: cannot be read (Permission denied); let "
        "the user that runs the build read it\n")
    rss = (blog / "feeds" / "rss.xml").read_bytes()
    assert b"The news goes on" in rss and b"Someone else" not in rss


def test_a_published_entry_that_turns_unreadable_keeps_its_last_version(
        blog: Path, run: Run, unreadable_file: Callable[[str], None]) -> None:
    assert run(blog, "build").code == 0
    before = feeds_of(blog)
    name = sorted((blog / "entries").glob("*.md"))[-2].name
    path = blog / "entries" / name
    path.write_text(path.read_text(encoding="utf-8") + "\nAn edit nobody can read.\n",
                    encoding="utf-8")
    unreadable_file(name)
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.startswith(f"entries/{name}: cannot be read (Permission denied)")
    assert feeds_of(blog) == before  # its last good version, and nothing else changed


# --- found this round: bodies that cost the square of their depth, or swell -------------


def test_quotes_nested_thousands_deep_are_their_own_problem(blog: Path, run: Run) -> None:
    """HTML parsers (the sanitizer's, the page check's) look through every open element at
    each tag: 20 KB of ">" held a build for 16 s, and the time grows with the square."""
    from feedpub.entries.markdown import MAX_NESTING

    _entry(blog, "0098-news.md", "title: The news goes on\n", "Still published.")
    _entry(blog, "0099-quotes.md", "title: Quoted\n", ">" * 2000 + " who said it first")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (
        ExitCode.BAD_ENTRY, f"entries/0099-quotes.md: body: quotes, lists or HTML elements sit "
        f"more than {MAX_NESTING} deep inside each other, deeper than feed readers and the "
        "sanitizer handle; flatten them\n")
    rss = (blog / "feeds" / "rss.xml").read_bytes()
    assert b"The news goes on" in rss and b"Quoted" not in rss


def test_a_body_the_sanitizer_would_swell_past_a_feed_is_its_own_problem(blog: Path,
                                                                         run: Run) -> None:
    """The sanitizer reopens every unclosed formatting tag in each paragraph: 240 KB of
    them made 20 MB of HTML, a 42 MB RSS feed with a text node XML parsers refuse."""
    from feedpub.entries.markdown import MAX_FEED_HTML_BYTES

    opened = "".join(f"<{tag}>" * 3 for tag in ("b", "code", "em", "i", "s", "small", "strike",
                                                 "strong", "u", "sub", "sup", "mark", "q"))
    _entry(blog, "0098-news.md", "title: The news goes on\n", "Still published.")
    _entry(blog, "0099-swell.md", "title: Swollen\n", opened + "<p>x</p>" * 20_000)
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.BAD_ENTRY, outcome.err
    assert outcome.err.startswith("entries/0099-swell.md: body: its HTML takes ")
    assert outcome.err.endswith(f" MB in a feed, more than the {MAX_FEED_HTML_BYTES // 10**6} MB "
                                "one update may; close formatting tags such as <b> (each "
                                "paragraph reopens the open ones) or split it into several "
                                "updates\n")
    assert (blog / "feeds" / "rss.xml").stat().st_size < 1_000_000
    assert b"The news goes on" in (blog / "feeds" / "rss.xml").read_bytes()


@pytest.mark.parametrize("body", [
    "\n".join("  " * level + "- point" for level in range(30)),  # 60 elements deep
    "> " * 40 + "a quote of a quote",
    "<ul>" + "<li>an item never closed" * 5000 + "</ul>",  # HTML closes each <li>
    "<p>a paragraph never closed" * 5000,
    "<div>" * 95 + "deep, but within the bound" + "</div>" * 95,
])
def test_deep_or_sloppy_bodies_within_the_bounds_are_published(body: str) -> None:
    from feedpub.entries.markdown import render_body

    assert render_body(body, "https://news.example.org/live/").html


def test_nesting_is_measured_as_html_nests_it() -> None:
    """n quotes are n + 1 elements deep (a <blockquote> each, the text a <p> in the last):
    the bound is met with one quote fewer than it, and passed with as many."""
    from feedpub.entries.markdown import MAX_NESTING, BodyProblem, render_body

    render_body(">" * (MAX_NESTING - 1) + " x", "https://news.example.org/live/")
    with pytest.raises(BodyProblem):
        render_body(">" * MAX_NESTING + " x", "https://news.example.org/live/")


@pytest.fixture
def removed_once_listed(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Move ``path`` away just after its folder is listed and before its ``lstat`` (and
    back before the next listing): what an editor's save (vim moves the file away, then
    writes it anew), a sync client or a ``git checkout`` does to a cron build that lists
    the folder at that moment."""
    real = os.listdir

    def remove(path: Path) -> None:
        away = path.with_name(f".{path.name}.swp")

        def listdir(folder: int | str | Path = ".") -> list[str]:
            if away.exists():  # saved again: back in place for this listing
                away.rename(path)
            names = real(folder)
            if path.name in names:
                path.rename(away)
            return names

        monkeypatch.setattr(os, "listdir", listdir)

    return remove


def test_an_entry_removed_while_the_folder_is_listed_is_not_a_missing_folder(
        blog: Path, run: Run, removed_once_listed: Callable[[Path], None]) -> None:
    """The lstat of the vanished name raised FileNotFoundError, which the build took for
    the entries folder itself: "entries: does not exist; create it" (exit 4), though the
    folder was there and every other entry could be published."""
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    removed_once_listed(_entry(blog, "0098-saved-away.md", "title: Being saved\n", "Text."))
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (ExitCode.OK, "")
    assert snapshot(blog / "feeds") == before


def test_an_entry_removed_while_it_is_read_is_not_called_unreadable(
        blog: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listed, then gone before it was read (an editor's save): the advice was to let the
    build's user read the file, which nobody could act on."""
    assert run(blog, "build").code == 0
    _entry(blog, "0099-saved-away.md", "title: Being saved\n", "Text.")
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "0099-saved-away.md":
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (
        ExitCode.BAD_ENTRY, "entries/0099-saved-away.md: was removed while the build read it "
        "(saved or renamed at that moment?); the next run reads it again\n")
