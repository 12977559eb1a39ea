"""Bad entry input through the command: the exact one-line message and the exit code.

Every case also proves that nothing was lost: the feeds published before the failed
run are byte-identical afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Run, snapshot
from feedpub.errors import ExitCode

GOOD = "---\ntitle: A fine update\npublished: 2024-12-07T20:05:00+00:00\n---\nBody text.\n"


def write(site: Path, name: str, content: str | bytes) -> None:
    path = site / "entries" / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def fails_with(run: Run, site: Path, message: str, code: int = ExitCode.BAD_ENTRY) -> None:
    """Build once (good), break something, then check the message, code and kept feeds."""
    before = snapshot(site / "feeds")
    outcome = run(site, "build")
    assert outcome.err.strip() == message
    assert outcome.code == code
    assert outcome.out == ""
    assert snapshot(site / "feeds") == before


@pytest.fixture
def built(blog: Path, run: Run) -> Path:
    assert run(blog, "build").code == 0
    return blog


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "title: no fence\n\nBody\n",
            "entries/9000-x.md:1: has no front matter; start it with a line '---', then title: and "
            "published:, then a line '---'",
        ),
        (
            "---\ntitle: [unclosed\npublished: 2024-12-07T10:00:00Z\n---\nBody\n",
            "entries/9000-x.md:3: front matter is not valid YAML (did not find expected ',' or ']'); "
            "check quotes and colons",
        ),
        ("---\n- a list\n---\nBody\n", "entries/9000-x.md:2: front matter must be 'field: value' lines"),
        (
            "---\ntitle: Hi\npublished: 2024-12-07T10:00:00Z\ntitel: typo\n---\nBody\n",
            "entries/9000-x.md:4: titel: unknown field; did you mean title?",
        ),
        (
            "---\ntitle: Hi\npublished: 07/12/2024 25:00\n---\nBody\n",
            'entries/9000-x.md:3: published: "07/12/2024 25:00" is not a date; use 2024-12-07T14:05:00+00:00',
        ),
        (
            "---\ntitle: Hi\n---\nBody\n",
            "entries/9000-x.md: published: is required; add e.g. published: 2024-12-07T14:05:00+00:00",
        ),
        (
            "---\ntitle: '   '\npublished: 2024-12-07T10:00:00Z\n---\nBody\n",
            "entries/9000-x.md:2: title: is empty; write some text or remove the field",
        ),
        (
            "---\npublished: 2024-12-07T10:00:00Z\n---\nBody\n",
            "entries/9000-x.md: title: is required; add it to the front matter",
        ),
        (
            "---\ntitle: Hi\npublished: 2024-12-07T10:00:00Z\nupdated: 2024-12-07T09:00:00Z\n---\nB\n",
            'entries/9000-x.md:4: updated: "2024-12-07T09:00:00Z" is before published; '
            "an update cannot come before the entry",
        ),
        (
            "---\ntitle: Hi\npublished: 2024-12-07T10:00:00Z\nid: not a uri\n---\nBody\n",
            'entries/9000-x.md:4: id: "not a uri" is not a URI; remove it to use the default tag: id',
        ),
        (
            "---\ntitle: Hi\npublished: 2024-12-07T10:00:00Z\nlink: javascript:alert(1)\n---\nB\n",
            'entries/9000-x.md:4: link: "javascript:alert(1)" is not an http(s) URL',
        ),
        (
            "---\ntitle: Hi\npublished: 2024-12-07T10:00:00Z\nlanguage: english!\n---\nBody\n",
            'entries/9000-x.md:4: language: "english!" is not a language tag; use e.g. en or en-GB',
        ),
        (
            "---\ntitle: Bell\x07here\npublished: 2024-12-07T10:00:00Z\n---\nBody\n",
            "entries/9000-x.md:2: contains the control character U+0007, which XML 1.0 forbids; delete it",
        ),
    ],
    ids=[
        "no-front-matter",
        "broken-yaml",
        "not-a-mapping",
        "unknown-field",
        "bad-date",
        "missing-published",
        "empty-title",
        "missing-title",
        "updated-before",
        "bad-id",
        "unsafe-link",
        "bad-language",
        "control-character",
    ],
)
def test_bad_entry_is_one_clear_line_and_feeds_are_kept(
    built: Path, run: Run, content: str, message: str
) -> None:
    write(built, "9000-x.md", content)
    fails_with(run, built, message)


def test_non_utf8_file(built: Path, run: Run) -> None:
    write(
        built, "9000-x.md", "---\ntitle: Caf\xe9\npublished: 2024-12-07T10:00:00Z\n---\nB\n".encode("latin-1")
    )
    fails_with(run, built, "entries/9000-x.md:2: is not UTF-8 text (byte 0xe9); save the file as UTF-8")


def test_duplicate_ids_name_both_files(built: Path, run: Run) -> None:
    """The first file keeps the id and is published; the second is left out and named."""
    same = "id: tag:example.org,2024:one\n---\nBody"
    write(built, "9000-a.md", GOOD.replace("---\nBody", same))
    write(built, "9001-b.md", GOOD.replace("A fine update", "Another").replace("---\nBody", same))
    outcome = run(built, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.strip() == ('entries/9001-b.md: id: "tag:example.org,2024:one" is already '
                                   "the id of entries/9000-a.md; ids must be unique")
    rss = (built / "feeds" / "rss.xml").read_bytes()
    assert b"A fine update" in rss and b"Another" not in rss


def test_every_problem_of_the_run_is_reported(built: Path, run: Run) -> None:
    write(built, "9000-a.md", "---\ntitle: Hi\npublished: soon\n---\nB\n")
    write(built, "9001-b.md", "---\ntitle: Hi\npublished: 2024-12-07T10:00:00Z\nsumary: x\n---\nB\n")
    fails_with(
        run,
        built,
        'entries/9000-a.md:3: published: "soon" is not a date; use '
        "2024-12-07T14:05:00+00:00\n"
        "entries/9001-b.md:4: sumary: unknown field; did you mean summary?",
    )


def test_empty_entries_folder_of_a_closed_blog(blog: Path, run: Run) -> None:
    """The closing item alone: every format can be written (its time is the closing's)."""
    for path in (blog / "entries").iterdir():
        path.unlink()
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (0, "")
    items = json.loads((blog / "feeds" / "feed.json").read_bytes())["items"]
    assert [i["id"] for i in items] == ["tag:news.example.org,2024-12-07:syria-homs/closed"]


def test_drafts_are_skipped(built: Path, run: Run) -> None:
    write(built, "9000-x.md", GOOD.replace("---\nBody", "draft: true\n---\nBody"))
    assert run(built, "build").code == 0
    assert b"A fine update" not in (built / "feeds" / "rss.xml").read_bytes()


def test_unsafe_html_is_sanitized_not_an_error(built: Path, run: Run) -> None:
    body = (
        'Hi <script>alert(1)</script><style>p{}</style><img src="x.png" onerror="alert(2)">'
        ' [a](javascript:alert(3)) <a href="data:text/html,x">d</a> [rel](../more)\n'
    )
    write(built, "9000-x.md", GOOD.replace("Body text.\n", body))
    assert run(built, "build").code == 0
    for name in ("rss.xml", "atom.xml", "feed.json"):
        data = (built / "feeds" / name).read_text()
        for bad in (
            "<script",
            "&lt;script",
            "alert(",
            "onerror",
            "javascript:",
            "data:text",
            "<style",
            "&lt;style",
        ):
            assert bad not in data, (name, bad)
    item = (built / "feeds" / "feed.json").read_text()
    assert "https://news.example.org/live/2024/12/07/x.png" in item  # relative src made absolute
    assert "https://news.example.org/live/2024/12/more" in item


def test_missing_config(tmp_path: Path, run: Run) -> None:
    outcome = run(tmp_path, "build")
    assert outcome.err.strip() == (
        "feedpub.toml: not found; create it (see README, Configuration) or pass --config"
    )
    assert outcome.code == ExitCode.CONFIG


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('language = "en"', 'language = "en'),
            "feedpub.toml:7: is not valid TOML: Illegal character '\\n'",
        ),
        (
            lambda t: t.replace('title = "Syria', 'titel = "Syria'),
            "feedpub.toml: titel: unknown key; did you mean title?",
        ),
        (
            lambda t: t.replace('timezone = "UTC"', 'timezone = "Mars/Olympus"'),
            'feedpub.toml: timezone: "Mars/Olympus" is not a known time zone; use e.g. "UTC"',
        ),
        (
            lambda t: t.replace("ttl = 5", "ttl = -1"),
            "feedpub.toml: ttl: must be a whole number of at least 1",
        ),
        (
            lambda t: t.replace('feeds_url = "https://', 'feeds_url = "ftp://'),
            'feedpub.toml: feeds_url: "ftp://news.example.org/live/2024/12/07/syria-homs/feeds/" is '
            "not an absolute http(s) URL",
        ),
    ],
    ids=["broken-toml", "unknown-key", "bad-zone", "bad-ttl", "bad-url"],
)
def test_broken_config(built: Path, run: Run, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    config = built / "feedpub.toml"
    config.write_text(edit(config.read_text()))
    fails_with(run, built, message, ExitCode.CONFIG)


def test_missing_required_config_key(built: Path, run: Run) -> None:
    config = built / "feedpub.toml"
    lines = [ln for ln in config.read_text().splitlines() if not ln.startswith("id_base")]
    config.write_text("\n".join(lines) + "\n")
    fails_with(run, built, "feedpub.toml: id_base: is required; add it to the config", ExitCode.CONFIG)


def test_control_character_in_config(built: Path, run: Run) -> None:
    config = built / "feedpub.toml"
    config.write_text(config.read_text().replace('description = "Live', 'description = "\\u0007Live'))
    fails_with(run, built, "feedpub.toml: description: contains the control character U+0007, "
               "which XML 1.0 forbids; delete it", ExitCode.CONFIG)


def test_unwritable_output_is_one_line_and_its_own_exit_code(blog: Path, run: Run) -> None:
    (blog / "feeds").write_text("a file where the feeds folder should be")
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.IO
    assert outcome.err.strip().endswith("/feeds: File exists; check permissions and free space "
                                        "(published files are complete old or new versions)")
