"""Property-based tests: arbitrary YAML and TOML values at every field and key.

The only outcomes allowed are success or one-line errors: the entry's problems (exit 4)
or a ConfigError (exit 3); never a traceback, never a message of many lines or of
unbounded length, and never an accepted value that makes a rendered feed fail its
check (exit 5). Accepted inputs are therefore rendered in every format and validated.

Hypothesis runs derandomized (the same examples on every run and in CI) with bounded
example counts; most properties drive ``parse_entry``/``parse_config`` directly, and a
few examples go through the command.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from feedpub.cli import main
from feedpub.config import CLOSED_KEYS, KNOWN_KEYS, SiteConfig, parse_config
from feedpub.entries.markdown import LINK_ATTRIBUTES
from feedpub.entries.parse import KNOWN_FIELDS, EntryContext, parse_entry
from feedpub.errors import ConfigError, EntryError, ExitCode
from feedpub.feed import assemble_feed
from feedpub.formats import FORMATS, render
from feedpub.model import Entry
from feedpub.upload.settings import KNOWN_KEYS as UPLOAD_KEYS
from feedpub.validate import has_errors, validate_bytes

NOW = datetime(2024, 12, 8, tzinfo=UTC)
LIVE_TEXT = (ROOT / "feedpub.toml").read_text(encoding="utf-8").split("[closed]")[0]
LIVE_TABLE = tomllib.loads(LIVE_TEXT)
CONFIG_PATH = Path("/nonexistent/blog/feedpub.toml")
LIVE = parse_config(LIVE_TEXT, CONFIG_PATH)
GOOD_FRONT = {"title": "A fine update", "published": "2024-12-07T20:05:00+00:00"}
GOOD_ENTRY = b"---\ntitle: A fine update\npublished: 2024-12-07T20:05:00+00:00\n---\nBody.\n"
MAX_MESSAGE = 600  # characters: every quoted value is cut, so no message comes near this

# CI: the same 250 examples per property on every run. A deeper local search:
# FEEDPUB_PROPERTY_EXAMPLES=5000 FEEDPUB_PROPERTY_RANDOM=1 python -m pytest tests/test_properties.py
EXAMPLES = int(os.environ.get("FEEDPUB_PROPERTY_EXAMPLES", "250"))
FAST = settings(derandomize=not os.environ.get("FEEDPUB_PROPERTY_RANDOM"), database=None,
                deadline=None, max_examples=EXAMPLES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
THROUGH_THE_COMMAND = settings(FAST, max_examples=max(12, EXAMPLES // 20))

# Values people and attackers write, mixed into the random ones.
HOSTILE = [
    "", " ", "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x",
    "https://user:pass@example.org/", "https://example.org/\x00", "https://bücher.example/ü",
    "https://example.org/%zz", "https://example.org/a b", "https://[::1]:99999/", "http://",
    "//example.org/x", "../../etc/passwd", "/etc/passwd", "UTC+1", "CET+1", "Europe/Paris",
    "tag:", "tag:example.org,2024:x/", "urn:uuid:", "urn:ab:", "urn:x:1", "mailto:a@example.org",
    "not a lang!", "en-GB", "x-klingon", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
    "2024-12-07T20:05:00", "2024-12-07", "&#x1;", "\ufffe", "\u2028", "\x85", "a\x01b",
    "desk@example.org", "a..b@example.org", "Jane (AP)", "feeds", "entries", ".", "/",
    "x" * 300, "Results, Zenda", "1e400", "-0", "~", "true",
]


def one_line(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message, repr(message)
    assert len(message) < MAX_MESSAGE, message[:200]


def feeds_pass_their_check(config: SiteConfig, entries: list[Entry]) -> None:
    """What the build would do next: every format renders and has no error finding."""
    try:
        feed = assemble_feed(config, entries)
    except EntryError as error:  # e.g. an entry after the closing: exit 4, one line each
        for problem in error.problems:
            one_line(str(problem))
        return
    for name in FORMATS:
        findings = validate_bytes(render(name, feed))
        assert not has_errors(findings), [str(f) for f in findings]


def entry_outcome_is_allowed(data: bytes, name: str = "9000-x.md",
                             config: SiteConfig = LIVE) -> Entry | None:
    ctx = EntryContext(config.id_base, config.home_page_url, config.timezone, NOW)
    notices: list = []
    outcome = parse_entry(data, f"entries/{name}", ctx, notices)
    for notice in notices:  # what the sanitizer removed: one line each, naming the file
        assert str(notice).startswith(f"entries/{name}")
        one_line(str(notice))
    if isinstance(outcome, list):
        assert outcome
        for problem in outcome:
            one_line(str(problem))
        return None
    if outcome is not None:
        feeds_pass_their_check(config, [outcome])
    return outcome


# --- Front matter -------------------------------------------------------------------------

URL_PARTS = ["https://", "http://", "mailto:", "javascript:", "data:", "//", "../", "#", "?",
             "example.org", "bücher.example", "user:pw@", ":8080", ":99999", "/", "a b", "%",
             "%20", "ü", "<", "'", "(", "[::1]", "tag:", ",2024:", "urn:", "ab:", "@", "x"]
url_like = st.lists(st.sampled_from(URL_PARTS), min_size=1, max_size=6).map("".join)
yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.sampled_from(HOSTILE), url_like,
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["name", "email", "url", "x"]) | st.text(max_size=6),
                      inner, max_size=4),
    max_leaves=10,
)
fields = st.sampled_from([*KNOWN_FIELDS, "unknown", "Title"])


def front_matter(values: dict[str, Any], body: str = "Body.\n") -> bytes | None:
    try:
        dumped = yaml.safe_dump(values, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return None
    return f"---\n{dumped}---\n{body}".encode("utf-8", "surrogatepass")


@FAST
@given(field=fields, value=yaml_values)
def test_any_yaml_value_in_any_field(field: str, value: object) -> None:
    data = front_matter({**GOOD_FRONT, field: value})
    assume(data is not None)
    assert data is not None
    entry_outcome_is_allowed(data)


# Mostly valid values with edges (so that whole entries get accepted and rendered), some not.
names = st.text(alphabet="ab ()<&\"'\u2028", min_size=1, max_size=8) | st.sampled_from(HOSTILE)
emails = st.emails() | st.sampled_from(["desk@example.org", "a..b@example.org", "ü@x.org",
                                        "mailto:a@example.org", "a@b@c", "x"])
good_urls = st.sampled_from(["https://example.org/", "http://example.org/a?b=c&d#e",
                             "https://bücher.example/ü?q=ä#ö", "https://example.org/%7E%zz",
                             "https://[::1]:8080/x", "/relative/path", "../up", "#frag"])
author_tables = st.fixed_dictionaries(
    {"name": names}, optional={"email": emails, "url": good_urls | url_like})


@FAST
@given(field=st.sampled_from(["authors", "tags"]),
       items=st.lists(author_tables | names, min_size=1, max_size=2))
def test_any_list_of_authors_or_tags(field: str, items: list[object]) -> None:
    data = front_matter({**GOOD_FRONT, field: items})
    assume(data is not None)
    assert data is not None
    entry_outcome_is_allowed(data)


@FAST
@given(field=st.sampled_from(["link", "image", "id"]), value=good_urls | url_like)
def test_any_url_like_text(field: str, value: str) -> None:
    data = front_matter({**GOOD_FRONT, field: value})
    assert data is not None
    entry_outcome_is_allowed(data)


YAML_CHARACTERS = "ab01 :-[]{},&*!|>'\"#%@`?\\.xX;=éü\t\x01\u2028\ufffe\n"


@FAST
@given(field=fields, raw=st.text(alphabet=YAML_CHARACTERS, max_size=40))
def test_any_yaml_text_in_any_field(field: str, raw: str) -> None:
    """Raw YAML syntax: tags, anchors, flow and block styles, broken quotes."""
    source = f"---\ntitle: A fine update\npublished: 2024-12-07T20:05:00+00:00\n{field}: {raw}\n"
    entry_outcome_is_allowed((source + "---\nBody.\n").encode("utf-8", "surrogatepass"))


@settings(FAST, max_examples=max(20, EXAMPLES // 10))
@given(depth=st.integers(min_value=1, max_value=999), field=fields)
def test_values_nested_up_to_libyaml_limit(depth: int, field: str) -> None:
    source = f"---\ntitle: t\npublished: 2024-12-07T20:05:00Z\n{field}: {'[' * depth}{']' * depth}\n"
    entry_outcome_is_allowed((source + "---\nB\n").encode())


BODY_PIECES = st.sampled_from([
    "&#x1;", "&#xFFFF;", "&#xFFFE;", "&#0;", "&#xD800;", "&#x110000;", "&#11;", "&amp;", "\n\n",
    '<a href="javascript:alert(1)">a</a>', '<blockquote cite="javascript:x">q</blockquote>',
    '<q cite="data:text/html,x">q</q>', '<del cite=" JAVASCRIPT:x">d</del>', '<ins cite="/r">i</ins>',
    "[l](javascript:alert(1))", "[l](data:x)", "[l](mailto:a@example.org)", "[l](../rel)",
    '<img src="data:image/png;base64,AA">', '<img src="mailto:a@example.org">',
    '<a href="https://u:p@example.org/">u</a>', "`&#x1;`", "    &#x1;\n", "<script>x</script>",
    "<p title='&#x1;'>t</p>", "**b**", "# h\n", "> q\n", "- l\n", "<", ">", "&", '"', "\t",
    # issue 13: GFM, embeds and media
    "| a | b |\n|--|--|\n| 1 | 2 |\n", "~~s~~", "- [x] t\n", "x[^n]\n\n[^n]: note\n",
    "\n\nhttps://youtu.be/abc123XYZ_0\n\n", "\n\nhttps://x.com/a/status/1\n\n",
    "```embed\nhttps://example.org/p\ncaption\n```\n", "```embed\n\n```\n",
    "```embed\njavascript:alert(1)\n```\n", '<video src="v.mp4"></video>',
    '<audio><source src="javascript:x" type="audio/mpeg"></audio>', '<video src="data:x">',
    '<video src="https://u:p@e.org/v.webm">', "<iframe src=x></iframe>", '<input type="text">',
    '<figure data-embed="evil"><a href="/x">x</a></figure>',
])


@FAST
@given(pieces=st.lists(BODY_PIECES | st.text(max_size=8), max_size=12))
def test_any_body(pieces: list[str]) -> None:
    data = GOOD_ENTRY.replace(b"Body.\n", "".join(pieces).encode("utf-8", "surrogatepass"))
    entry = entry_outcome_is_allowed(data)
    if entry is None:
        return
    html = entry.content_html
    for attribute in ("href", "src", "cite"):
        for value in _attribute_values(html, attribute):
            allowed = ("https://", "http://", "mailto:") if attribute in LINK_ATTRIBUTES \
                else ("https://", "http://")
            assert value.startswith(allowed), (attribute, value)
            assert "@" not in value.split("/")[2] if value.startswith("http") else True


def _attribute_values(html: str, attribute: str) -> list[str]:
    import re

    return re.findall(rf'<[^>]*\s{attribute}="([^"]*)"', html)


@FAST
@given(stem=st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and "\x00" not in s))
def test_any_file_name(stem: str) -> None:
    """The stem goes into the default id and link, percent-encoded."""
    entry_outcome_is_allowed(GOOD_ENTRY, name=f"{stem}.md")


# --- Config -------------------------------------------------------------------------------

zones = st.sampled_from([None, UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=14))])
toml_scalars = st.one_of(
    st.booleans(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.floats(),
    st.text(max_size=30), st.sampled_from(HOSTILE), st.datetimes(timezones=zones),
    st.dates(), st.times(), url_like,
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "email", "url", "x"]) | st.text(max_size=6),
                      inner, max_size=3),
    max_leaves=8,
)
CLOSED_TABLE = {"continued_at": "https://news.example.org/next",
                "at": datetime(2024, 12, 7, 23, tzinfo=UTC)}


def config_outcome_is_allowed(table: dict[str, Any]) -> None:
    try:
        text = tomli_w.dumps(table)
    except (TypeError, ValueError):
        assume(False)
        return
    try:
        config = parse_config(text, CONFIG_PATH)
    except ConfigError as error:
        one_line(str(error))
        return
    entry_outcome_is_allowed(GOOD_ENTRY, config=config)


def with_key(where: str, key: str, value: object) -> dict[str, Any]:
    table: dict[str, Any] = {k: v for k, v in LIVE_TABLE.items()}
    if where == "top":
        table[key] = value
    elif where == "closed":
        table["closed"] = {**CLOSED_TABLE, key: value}
    else:
        table["upload"] = {"target": "file:///srv/www/feeds", key: value}
    return table


config_keys = st.one_of(
    st.tuples(st.just("top"), st.sampled_from([*KNOWN_KEYS, "titel", "password"])),
    st.tuples(st.just("closed"), st.sampled_from([*CLOSED_KEYS, "titel"])),
    st.tuples(st.just("upload"), st.sampled_from([*UPLOAD_KEYS, "password", "targte"])),
)


@FAST
@given(where_key=config_keys, value=toml_values)
def test_any_toml_value_at_any_config_key(where_key: tuple[str, str], value: object) -> None:
    where, key = where_key
    config_outcome_is_allowed(with_key(where, key, value))


toml_authors = st.lists(
    st.fixed_dictionaries({"name": names}, optional={"email": emails, "url": good_urls | url_like})
    | names | toml_scalars,
    max_size=2)


@FAST
@given(authors=toml_authors)
def test_any_config_authors(authors: list[object]) -> None:
    config_outcome_is_allowed({**LIVE_TABLE, "authors": authors})


@FAST
@given(hubs=st.lists(good_urls | url_like | toml_scalars, max_size=2))
def test_any_config_hubs(hubs: list[object]) -> None:
    config_outcome_is_allowed({**LIVE_TABLE, "hubs": hubs})


@FAST
@given(key=st.sampled_from(["home_page_url", "feeds_url", "id_base", "icon", "logo"]),
       value=good_urls | url_like)
def test_any_url_like_config_value(key: str, value: str) -> None:
    config_outcome_is_allowed({**LIVE_TABLE, key: value})


TOML_CHARACTERS = "ab01 =.-+:[]{},\"'#\\\nTZ_éü\t"


@FAST
@given(where_key=config_keys, raw=st.text(alphabet=TOML_CHARACTERS, max_size=30))
def test_any_toml_text_at_any_config_key(where_key: tuple[str, str], raw: str) -> None:
    where, key = where_key
    header = "" if where == "top" else f"\n[{where}]\n"
    base = LIVE_TEXT + header + ("target = 'file:///srv/www'\n" if where == "upload" else "")
    if where == "closed":
        base += "continued_at = 'https://news.example.org/next'\nat = 2024-12-07T23:00:00Z\n"
    try:
        config = parse_config(f"{base}{key} = {raw}\n", CONFIG_PATH)
    except ConfigError as error:
        one_line(str(error))
        return
    entry_outcome_is_allowed(GOOD_ENTRY, config=config)


# --- A few examples through the command -----------------------------------------------------

def run_in(site: Path, *args: str) -> tuple[int, str]:
    """The command in ``site``, its exit code and stderr (stdout must stay empty)."""
    import contextlib
    import io

    err, out = io.StringIO(), io.StringIO()
    before = os.getcwd()
    os.chdir(site)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(list(args))
    finally:
        os.chdir(before)
    return code, err.getvalue()


def blog_with(write: Callable[[Path], None]) -> tuple[int, str]:
    import shutil

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        shutil.copy(ROOT / "feedpub.toml", site / "feedpub.toml")
        shutil.copytree(ROOT / "entries", site / "entries")
        write(site)
        return run_in(site, "build")


@THROUGH_THE_COMMAND
@given(field=fields, value=yaml_values)
def test_the_command_exits_0_or_4_for_any_entry(field: str, value: object) -> None:
    data = front_matter({**GOOD_FRONT, field: value})
    assume(data is not None)
    assert data is not None
    code, err = blog_with(lambda site: (site / "entries" / "9000-x.md").write_bytes(data))
    assert code in (ExitCode.OK, ExitCode.BAD_ENTRY), err
    for line in err.splitlines():
        one_line(line)
    assert (code == ExitCode.OK) == (err == "")


@THROUGH_THE_COMMAND
@given(where_key=config_keys, value=toml_values)
def test_the_command_exits_0_3_or_4_for_any_config(where_key: tuple[str, str], value: object) -> None:
    where, key = where_key
    table = with_key(where, key, value)
    table.pop("closed", None) if where != "closed" else None
    try:
        text = tomli_w.dumps(table)
    except (TypeError, ValueError):
        assume(False)
        return
    code, err = blog_with(lambda site: (site / "feedpub.toml").write_text(text, encoding="utf-8"))
    # 8: a folder the config names cannot be written (say "/"): an I/O error, one line too
    assert code in (ExitCode.OK, ExitCode.CONFIG, ExitCode.BAD_ENTRY, ExitCode.IO), err
    for line in err.splitlines():
        one_line(line)


@pytest.mark.parametrize("depth", [999])
def test_deep_front_matter_through_the_command(depth: int) -> None:
    nested = "[" * depth + "]" * depth
    data = f"---\ntitle: t\npublished: {nested}\n---\nB\n".encode()
    code, err = blog_with(lambda site: (site / "entries" / "9000-x.md").write_bytes(data))
    assert code == ExitCode.BAD_ENTRY
    one_line(err.strip())


_PAGE_FORBIDDEN = [chr(c) for c in (0x7F, 0x85, 0x92, 0x9F, 0xFDD0, 0xFDEF, 0x1FFFE, 0x10FFFF)]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(_PAGE_FORBIDDEN))))
def test_the_fast_html_forbidden_search_finds_what_the_whole_class_finds(text: str) -> None:
    from feedpub.text import HTML_FORBIDDEN, html_forbidden

    expected, found = HTML_FORBIDDEN.search(text), html_forbidden(text)
    assert (found and (found.start(), found[0])) == (expected and (expected.start(), expected[0]))
