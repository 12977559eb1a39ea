"""Bad entry input through the command: the exact one-line message and the exit code.

Every case also proves that nothing was lost: the feeds published before the failed
run are byte-identical afterwards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import Run, snapshot
from feedpub.errors import ExitCode

# Date errors suggest the current time in the blog's zone; the clock is pinned so that
# the messages below are exact (the morning after the sample's day: nothing is scheduled).
NOW = datetime(2024, 12, 8, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("feedpub.cli._now", lambda: NOW)

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
            'entries/9000-x.md:3: published: "07/12/2024 25:00" is not a date; use 2024-12-08T09:30:00+00:00',
        ),
        (
            "---\ntitle: Hi\n---\nBody\n",
            "entries/9000-x.md: published: is required; add e.g. published: 2024-12-08T09:30:00+00:00",
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
            'entries/9000-x.md:4: id: "not a uri" is not a URI (it has no scheme such as tag: or '
            "https:); or remove it to use the default tag: id",
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


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_utf16_or_utf32_file_is_named_as_such(built: Path, run: Run, encoding: str) -> None:
    """Windows editors save "Unicode" as UTF-16, with or without a byte order mark: the
    messages were "not UTF-8 text (byte 0xff)" or "contains the control character U+0000"."""
    write(built, "9000-x.md", GOOD.encode(encoding))
    fails_with(run, built, "entries/9000-x.md:1: is UTF-16 or UTF-32 text, not UTF-8; save the "
               "file as UTF-8")


@pytest.mark.parametrize("name", ["9000-x.MD", "9000-x.Markdown", "9000-x.mD"])
def test_an_upper_case_extension_is_named_not_skipped(built: Path, run: Run, name: str) -> None:
    """An editor that saves "X.MD" made an update that never appeared, without a word;
    it is a problem of its own file now (the others publish), said again every run."""
    write(built, name, GOOD)
    message = (f'entries/{name}: ends in "{Path(name).suffix}"; an entry file ends in .md or '
               ".markdown, in lower case: rename it")
    fails_with(run, built, message)
    outcome = run(built, "build")  # the no-op run repeats it
    assert (outcome.code, outcome.err.strip()) == (ExitCode.BAD_ENTRY, message)


def test_a_file_with_carriage_returns_alone_says_so(built: Path, run: Run) -> None:
    """Classic Mac OS line endings: the file was said to have no front matter, though it
    starts with one."""
    write(built, "9000-x.md", GOOD.replace("\n", "\r"))
    fails_with(run, built, "entries/9000-x.md:1: has lines that end in a carriage return alone "
               "(classic Mac OS); save it with LF (Unix) or CRLF (Windows) line endings")


def test_a_leap_second_is_named(built: Path, run: Run) -> None:
    """RFC 3339 has second 60; Python's times, and so the feeds, have not: the message
    was "is not a date", which the editor could not see the reason for."""
    write(built, "9000-x.md", GOOD.replace("2024-12-07T20:05:00+00:00", "2016-12-31T23:59:60Z"))
    fails_with(run, built, 'entries/9000-x.md:3: published: "2016-12-31T23:59:60Z" has second 60, '
               "a leap second, which feedpub cannot publish; write :59 instead")


def test_duplicate_ids_name_both_files(built: Path, run: Run) -> None:
    """The first file keeps the id and is published; the second is left out and named, with
    the line of its id: field."""
    same = "id: tag:example.org,2024:one\n---\nBody"
    write(built, "9000-a.md", GOOD.replace("---\nBody", same))
    write(built, "9001-b.md", GOOD.replace("A fine update", "Another").replace("---\nBody", same))
    outcome = run(built, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.strip() == ('entries/9001-b.md:4: id: "tag:example.org,2024:one" is already '
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
        "2024-12-08T09:30:00+00:00\n"
        "entries/9001-b.md:4: sumary: unknown field; did you mean summary?",
    )


def test_empty_entries_folder_of_a_closed_blog(blog: Path, run: Run) -> None:
    """The closing item alone: every format can be written (its time is the closing's).

    A blog that never published anything (no ledger either: deleting published entries
    is refused, see test_lifecycle.py)."""
    for path in (blog / "entries").iterdir():
        path.unlink()
    (blog / "feedpub.ledger").unlink()
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


@pytest.mark.parametrize("body", [
    "![Cover of JavaScript: The Good Parts](https://example.org/cover.png)",
    "![JavaScript: The Good Parts](https://example.org/cover.png)",
    "[Search results](https://example.org/search?q=javascript:void)",
    '[The talk](https://example.org/talk "Why javascript: URLs are dangerous")',
    '<abbr title="onion=good">ON</abbr>',
])
def test_words_in_attribute_values_are_not_taken_for_scripts(built: Path, run: Run,
                                                             body: str) -> None:
    """The feed check's html-unsafe rule looked for "javascript:" and " on…=" anywhere
    inside a tag, quoted values included: an image's alt text naming a book about
    JavaScript stopped the whole build (exit 5, naming only rss.xml), every other entry
    held back."""
    write(built, "9000-x.md", GOOD.replace("Body text.", body))
    outcome = run(built, "build")
    assert (outcome.code, outcome.err) == (ExitCode.OK, "")
    assert "9000-x" in (built / "feeds" / "feed.json").read_text()


def test_missing_config(tmp_path: Path, run: Run) -> None:
    outcome = run(tmp_path, "build")
    assert outcome.err.strip() == (
        "feedpub.toml: not found; start a blog with 'publish.py init', or pass --config with "
        "the blog's feedpub.toml"
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
            "feedpub.toml:2: titel: unknown key; did you mean title?",
        ),
        (
            lambda t: t.replace('timezone = "UTC"', 'timezone = "Mars/Olympus"'),
            'feedpub.toml:8: timezone: "Mars/Olympus" is not a known time zone; use an IANA name '
            'such as "UTC" or "Europe/Paris"',
        ),
        (
            lambda t: t.replace("ttl = 5", "ttl = -1"),
            "feedpub.toml:12: ttl: must be a whole number of at least 1 and at most 1440",
        ),
        (
            lambda t: t.replace('feeds_url = "https://', 'feeds_url = "ftp://'),
            'feedpub.toml:5: feeds_url: "ftp://news.example.org/live/2024/12/07/syria-homs/feeds/" is '
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
    fails_with(run, built, "feedpub.toml:3: description: contains the control character U+0007, "
               "which XML 1.0 forbids; delete it", ExitCode.CONFIG)


def test_a_c1_control_in_config_is_a_config_error_not_a_failed_page(built: Path, run: Run) -> None:
    """U+0085 passes XML 1.0 but not the page's HTML check: a title carrying one was exit 5
    naming index.html, not the config's key."""
    config = built / "feedpub.toml"
    config.write_text(config.read_text().replace('title = "Syria', 'title = "\\u0085Syria'))
    fails_with(run, built, "feedpub.toml:2: title: contains the control character U+0085, "
               "which HTML forbids; delete it", ExitCode.CONFIG)


def test_unwritable_output_is_one_line_and_its_own_exit_code(blog: Path, run: Run) -> None:
    (blog / "feeds").write_text("a file where the feeds folder should be")
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.IO
    assert outcome.err.strip().endswith("/feeds: File exists; check permissions and free space "
                                        "(published files are complete old or new versions)")


# --- Input typed at one boundary (issue #11.4, #11.5, #11.10, #11.17, #11.18, #13) -----------

FRONT = "---\ntitle: A fine update\npublished: 2024-12-07T20:05:00+00:00\n"


def with_fields(extra: str, body: str = "Body text.\n") -> str:
    return f"{FRONT}{extra}---\n{body}"


def alias_bomb(levels: int) -> str:
    """Each level is a list of nine aliases of the one before: 9**levels values in a few bytes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nid: *a{levels}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (  # issue 11.4: 529 bytes once took 34 s and a gigabyte to format into a message
            with_fields(alias_bomb(6)),
            "entries/9000-x.md:4: front matter uses a YAML anchor or alias (&name or *name); "
            "write each value out in full",
        ),
        (  # the forbidden-character check must run after YAML decodes escapes
            '---\ntitle: "Bell\\x01here"\npublished: 2024-12-07T20:05:00+00:00\n---\nB\n',
            "entries/9000-x.md:2: title: contains the control character U+0001, which XML 1.0 "
            "forbids; delete it",
        ),
        (
            '---\ntitle: "Not\\uFFFEa character"\npublished: 2024-12-07T20:05:00+00:00\n---\nB\n',
            "entries/9000-x.md:2: title: contains the control character U+FFFE, which XML 1.0 "
            "forbids; delete it",
        ),
        (  # lxml refused the decoded reference with a ValueError traceback
            with_fields("", "First line.\n\nA &#x1; here.\n"),
            "entries/9000-x.md:7: body: &#x1; stands for U+0001, a character XML 1.0 forbids; "
            "delete it",
        ),
        (  # cmarkgfm raised UnicodeDecodeError
            with_fields("", "A &#xFFFF; here.\n"),
            "entries/9000-x.md:5: body: &#xFFFF; stands for U+FFFF, a character XML 1.0 forbids; "
            "delete it",
        ),
        (
            with_fields("", '<p title="&#11;">raw HTML decodes references too</p>\n'),
            "entries/9000-x.md:5: body: &#11; stands for U+000B, a character XML 1.0 forbids; "
            "delete it",
        ),
        (  # OverflowError: in UTC this is in the year 0
            "---\ntitle: Early\npublished: 0001-01-01T00:00:00+14:00\n---\nB\n",
            'entries/9000-x.md:3: published: "0001-01-01T00:00:00+14:00" is outside the years '
            "0001-9999 in UTC; use 2024-12-08T09:30:00+00:00",
        ),
        (
            with_fields("authors: [{name: Jane, email: 5}]\n"),
            "entries/9000-x.md:4: authors: email: 5 is not an email address; use e.g. "
            "desk@example.org",
        ),
        (
            with_fields("authors: [{name: Jane, email: [a, b]}]\n"),
            "entries/9000-x.md:4: authors: email: a list is not an email address; use e.g. "
            "desk@example.org",
        ),
        (
            with_fields("authors: [{name: Jane, url: 5}]\n"),
            "entries/9000-x.md:4: authors: url: must be a URL, not 5",
        ),
        (  # issue 11.10: reached Atom <uri> and JSON "url"
            with_fields('authors: [{name: Jane, url: "javascript:alert(1)"}]\n'),
            'entries/9000-x.md:4: authors: url: "javascript:alert(1)" is not an absolute http(s) URL',
        ),
        (
            with_fields("authors: [{name: Jane, emial: j@example.org}]\n"),
            'entries/9000-x.md:4: authors: "emial" is not an author key; did you mean email?',
        ),
        (  # RecursionError while formatting the message
            "---\ntitle: Deep\npublished: " + "[" * 999 + "]" * 999 + "\n---\nB\n",
            "entries/9000-x.md:3: published: a list is not a date; use 2024-12-08T09:30:00+00:00",
        ),
        (  # issue 13: a string used to become one tag "Results, Zenda"
            with_fields("tags: Results, Zenda\n"),
            "entries/9000-x.md:4: tags: must be a list, not one piece of text; write it as "
            "[Results, Zenda]",
        ),
        (
            with_fields("link: https://user:secret@news.example.org/live\n"),
            "entries/9000-x.md:4: link: contains a user name or password (the part before @), "
            "which every reader of the feed would see; remove it",
        ),
        (
            with_fields("image: data:image/png;base64,AAAA\n"),
            'entries/9000-x.md:4: image: "data:image/png;base64,AAAA" is not an http(s) URL',
        ),
        (
            with_fields("published_at: " + "x" * 5000 + "\n"),
            "entries/9000-x.md:4: published_at: unknown field; did you mean published?",
        ),
        (
            with_fields("summary: " + "z" * 5000 + "\nupdated: " + "y" * 5000 + "\n"),
            'entries/9000-x.md:5: updated: "' + "y" * 60 + '…" is not a date; use '
            "2024-12-08T09:30:00+00:00",
        ),
        (
            with_fields("draft: !!binary aGk=\n"),
            'entries/9000-x.md:4: front matter uses the YAML tag "!!binary", which an entry never '
            "needs; remove it",
        ),
        (
            with_fields("summary: " + "1" * 5000 + "\n"),
            "entries/9000-x.md: front matter has a value YAML cannot convert (a number too long, "
            "say); put it in quotes",
        ),
        (  # OverflowError traceback: a hex int has no digit limit, and was made a float
            with_fields("summary: 0x" + "f" * 300 + "\n"),
            "entries/9000-x.md:4: summary: a very large number is not text; put it in quotes",
        ),
        (
            with_fields("tags: [" + "9" * 400 + "]\n"),
            "entries/9000-x.md:4: tags: a very large number is not text; put it in quotes",
        ),
        (  # YAML keeps the last value without a word: the title nobody looked at
            with_fields("summary: Short.\ntitle: An older title\n"),
            "entries/9000-x.md:5: title: is written twice (also on line 2); keep one",
        ),
        (  # YAML 1.1 merges the mapping's keys in, and drops those already there: no word
            with_fields("<<: {title: Another title}\n"),
            "entries/9000-x.md:4: <<: a YAML merge key is not a field; write out the fields "
            "it would copy",
        ),
    ],
    ids=[
        "alias-bomb", "title-escape-x01", "title-escape-uFFFE", "body-reference-x1",
        "body-reference-xFFFF", "raw-html-reference", "year-0-in-utc", "author-email-number",
        "author-email-list", "author-url-number", "author-url-javascript", "author-key-typo",
        "published-nested-999", "tags-as-string", "link-with-password", "image-data-url",
        "long-unknown-key", "long-value-is-cut", "explicit-yaml-tag", "number-too-long",
        "summary-hex-beyond-float", "tag-number-beyond-float", "duplicate-key", "merge-key",
    ],
)
def test_hostile_front_matter_is_one_line(built: Path, run: Run, content: str, message: str) -> None:
    write(built, "9000-x.md", content)
    fails_with(run, built, message)


def test_a_broken_file_lists_at_most_twenty_problems_then_a_count(built: Path, run: Run) -> None:
    """Issue 11.18: 20 000 unknown keys took 25 s (a regex over the file per key)."""
    write(built, "9000-x.md", with_fields("".join(f"key{i}: v\n" for i in range(20_000))))
    before = snapshot(built / "feeds")
    outcome = run(built, "build")
    lines = outcome.err.strip().split("\n")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert len(lines) == 21
    assert lines[0].startswith("entries/9000-x.md:4: key0: unknown field; known fields: title,")
    assert lines[19].startswith("entries/9000-x.md:23: key19: unknown field;")
    assert lines[20] == "entries/9000-x.md: … and 19980 more problems; fix the ones above first"
    assert snapshot(built / "feeds") == before


def test_urls_in_cite_are_checked_like_every_other(built: Path, run: Run) -> None:
    """Issue 11.10: nh3 checks href and src only; cite kept javascript: and data: URLs."""
    body = (
        '<blockquote cite="javascript:alert(1)">one</blockquote>\n\n'
        '<p><q cite="data:text/html,x">two</q> <del cite="JavaScript:alert(2)">three</del> '
        '<ins cite=" javascript:alert(3)">four</ins> <ins cite="../sources">five</ins> '
        '<img src="mailto:desk@example.org" alt="six"> <a href="mailto:desk@example.org">seven</a> '
        '<a href="https://user:pw@news.example.org/">eight</a></p>\n'
    )
    write(built, "9000-x.md", with_fields("", body))
    assert run(built, "build").code == 0
    item = json.loads((built / "feeds" / "feed.json").read_text())["items"]
    html = next(i["content_html"] for i in item if "9000-x" in i["id"])
    assert html == (
        "<blockquote>one</blockquote>\n"
        "<p><q>two</q> <del>three</del> <ins>four</ins> "
        '<ins cite="https://news.example.org/live/2024/12/sources">five</ins> '
        '<img alt="six"> <a href="mailto:desk@example.org">seven</a> <a>eight</a></p>'
    )
    for name in ("rss.xml", "atom.xml", "feed.json"):
        data = (built / "feeds" / name).read_text()
        for bad in ("javascript:", "JavaScript:", "data:text", "user:pw"):
            assert bad not in data, (name, bad)


def test_every_allowed_url_attribute_is_checked() -> None:
    from feedpub.entries.markdown import _ALLOWED_ATTRIBUTES, URL_ATTRIBUTES

    plain = {"align", "alt", "char", "charoff", "colspan", "datetime", "dir", "headers",
             "height", "hreflang", "rowspan", "scope", "size", "span", "start", "summary",
             "title", "width", "id"}  # id: footnotes (prefixed with the entry's name)
    allowed = set().union(*_ALLOWED_ATTRIBUTES.values())
    assert allowed <= plain | URL_ATTRIBUTES, allowed - plain - URL_ATTRIBUTES


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("homs update.md", "homs%20update"), ("ünïcode.md", "%C3%BCn%C3%AFcode"),
     ("100%-sure.md", "100%25-sure"), ("a%20b.md", "a%20b"), ("q&a(1).md", "q&a(1)")],
)
def test_any_file_name_makes_a_valid_id_and_link(built: Path, run: Run, name: str,
                                                 fragment: str) -> None:
    """Issue 11.17: a space or a non-ASCII letter gave exit 5 on rss.xml instead of working."""
    write(built, name, GOOD)
    assert run(built, "build").code == 0
    item = next(i for i in json.loads((built / "feeds" / "feed.json").read_text())["items"]
                if i["title"] == "A fine update")
    assert item["id"] == f"tag:news.example.org,2024-12-07:syria-homs/{fragment}"
    assert item["url"] == f"https://news.example.org/live/2024/12/07/syria-homs#{fragment}"


def test_year_0001_is_written_with_four_digits_everywhere(built: Path, run: Run) -> None:
    """Issue 11.17: strftime wrote "1-01-01T…" and the feed check failed (exit 5)."""
    write(built, "9000-x.md", GOOD.replace("2024-12-07T20:05:00+00:00", "0001-01-01T00:00:00Z"))
    assert run(built, "build").code == 0
    assert b"<pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate>" in \
        (built / "feeds" / "rss.xml").read_bytes()
    assert b"<published>0001-01-01T00:00:00+00:00</published>" in \
        (built / "feeds" / "atom.xml").read_bytes()
    assert b'"date_published": "0001-01-01T00:00:00Z"' in (built / "feeds" / "feed.json").read_bytes()


@pytest.mark.parametrize(
    "authors",
    ['[{name: Ana, email: ana@example.org}, {name: Bo, email: bo@example.org}]',
     '[{name: "Ana (AP)", email: ana@example.org}]'],
    ids=["two-with-email", "parentheses-in-name"],
)
def test_authors_rss_cannot_write_as_author_are_creators(built: Path, run: Run, authors: str) -> None:
    """Found by tests/test_properties.py: RSS has one <author> per item, written "email (name)"."""
    write(built, "9000-x.md", with_fields(f"authors: {authors}\n"))
    outcome = run(built, "build")
    assert (outcome.code, outcome.err) == (ExitCode.OK, "")
    rss = (built / "feeds" / "rss.xml").read_text()
    assert "<dc:creator>Ana" in rss and "<author>ana@example.org" not in rss


def test_a_feed_of_year_0001_only_has_four_digit_years_in_every_date() -> None:
    from datetime import UTC, datetime

    from feedpub.dates import rfc822, rfc3339
    from feedpub.formats import render
    from feedpub.model import Entry, Feed
    from feedpub.validate import validate_bytes

    early = datetime(1, 1, 1, tzinfo=UTC)
    assert (rfc3339(early), rfc822(early)) == ("0001-01-01T00:00:00Z", "Mon, 01 Jan 0001 00:00:00 +0000")
    entry = Entry(id="tag:example.org,2024:x/1", title="t", link="https://example.org/#1",
                  published=early, updated=early, content_html="<p>x</p>")
    feed = Feed(id="tag:example.org,2024:x/feed", title="T", description="D",
                home_page_url="https://example.org/", updated=early, entries=(entry,),
                self_urls={n: f"https://example.org/{n}" for n in ("rss", "atom", "json")})
    rss = render("rss", feed)
    assert rss.count(b"Mon, 01 Jan 0001 00:00:00 +0000") == 2  # lastBuildDate and pubDate
    for name in ("rss", "atom", "json"):
        assert validate_bytes(render(name, feed)) == [], name


def test_text_that_yaml_reads_as_a_number_is_kept_as_written(built: Path, run: Run) -> None:
    """YAML 1.1 read the score 2:1 as 121, 12:30 as 750 and 0x1F as 31: published silently."""
    write(built, "9000-x.md", with_fields("summary: 0x1F\ntags: [12:30, 1_000, 2024]\n")
          .replace("title: A fine update", "title: 2:1"))
    assert run(built, "build").code == 0
    item = next(i for i in json.loads((built / "feeds" / "feed.json").read_text())["items"]
                if i["id"].endswith("/9000-x"))
    assert (item["title"], item["summary"]) == ("2:1", "0x1F")
    assert item["tags"] == ["12:30", "1_000", "2024"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (GOOD.replace("A fine update", "Assad\u0092s allies"),
         "entries/9000-x.md:2: contains the control character U+0092, which HTML forbids; "
         "delete it"),
        (GOOD.replace("---\nBody", 'tags: ["a\\x85"]\n---\nBody'),
         "entries/9000-x.md:4: tags: contains the control character U+0085, which HTML forbids; "
         "delete it"),
        (GOOD.replace("---\nBody", 'authors: ["Desk\\uFDD0"]\n---\nBody'),
         "entries/9000-x.md:4: authors: contains the non-character U+FDD0, which HTML forbids; "
         "delete it"),
        (GOOD.replace("Body text.", "A \x7f B"),
         "entries/9000-x.md:5: contains the control character U+007F, which HTML forbids; "
         "delete it"),
        (GOOD.replace("Body text.", "Results &#150; so far"),
         "entries/9000-x.md:5: body: &#150; stands for U+0096, a character HTML forbids; "
         "delete it"),
        (GOOD.replace("Body text.", "A &#x1FFFE; B"),
         "entries/9000-x.md:5: body: &#x1FFFE; stands for U+1FFFE, a character HTML forbids; "
         "delete it"),
    ],
)
def test_characters_the_page_cannot_carry_are_the_entrys_problem(
        built: Path, run: Run, content: str, message: str) -> None:
    """XML 1.0 allows DEL, the C1 controls (U+0092: a Windows-1252 apostrophe read as
    Latin-1) and the non-characters, but HTML forbids them: an entry carrying one passed
    its own checks, then failed the page's check, which stopped the whole build (exit 5,
    naming only index.html:1:2), every other entry unpublished."""
    write(built, "9000-x.md", content)
    fails_with(run, built, message)
    write(built, "9001-y.md", GOOD.replace("A fine update", "Another fine update"))
    outcome = run(built, "build")
    assert (outcome.code, outcome.err.strip()) == (ExitCode.BAD_ENTRY, message)
    assert "Another fine update" in (built / "feeds" / "index.html").read_text(encoding="utf-8")
