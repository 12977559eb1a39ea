"""feedpub.toml typed at one boundary: every key's type, range and characters, one line each.

Most cases drive ``parse_config`` (the public, pure reader) on the shipped sample config
with one edit; a few go through the command to pin the exit code and prove the feeds
were kept. Issues #11.5, #11.10, #11.11, #11.14, #11.17 and #13.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, Run, snapshot
from feedpub.config import parse_config
from feedpub.errors import ConfigError, ExitCode

SAMPLE = (ROOT / "feedpub.toml").read_text(encoding="utf-8")
LIVE = SAMPLE.split("[closed]")[0]  # the sample without its [closed] table
ID_BASE = 'id_base = "tag:news.example.org,2024-12-07:syria-homs/"'
AUTHORS = 'authors = [{ name = "News Example live desk" }]'


def error_of(text: str) -> str:
    """The one-line message parse_config gives for ``text`` (read as blog/feedpub.toml)."""
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("blog/feedpub.toml"))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    found = re.fullmatch(r"blog/feedpub\.toml(?::(\d+))?: (.*)", message)
    assert found, message
    if found[1] is not None and caught.value.key is not None:
        # the line named is the one that sets the key (or its table), as written
        written = text.splitlines()[int(found[1]) - 1]
        assert caught.value.key.split(".")[-1] in written, (written, message)
    return found[2]


def edited(old: str, new: str, text: str = LIVE) -> str:
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize("address", ["https://news.example.org/live/feeds/?v=2",
                                     "https://news.example.org/live/feeds#top",
                                     "https://news.example.org/live/feeds/?"])
def test_feeds_url_with_a_query_or_fragment_is_refused(address: str) -> None:
    """The feeds' addresses are joined onto feeds_url: a query was silently dropped
    (".../feeds/?v=2" gave ".../feeds/rss.xml"), so the config must not promise one."""
    old = 'feeds_url = "https://news.example.org/live/2024/12/07/syria-homs/feeds/"'
    assert error_of(edited(old, f'feeds_url = "{address}"')) == (
        f'feeds_url: "{address}" has a query (?…) or fragment (#…), which a folder\'s address '
        "cannot have: the feeds' addresses are its path and their names; remove it")


@pytest.mark.parametrize("address", ["https://news.example.org/live#top",
                                     "https://news.example.org/live?day=7#"])
def test_home_page_url_with_a_fragment_is_refused(address: str) -> None:
    """Each update's link is the page's address plus "#" and its name: a fragment of the
    page's own gave links with two (".../live#top#0012-homs")."""
    old = 'home_page_url = "https://news.example.org/live/2024/12/07/syria-homs"'
    assert error_of(edited(old, f'home_page_url = "{address}"')) == (
        f'home_page_url: "{address}" has a fragment (#…); each update\'s link adds its own to '
        "the page's address: remove it")
    query = "https://news.example.org/live?day=7"  # a query is kept, as the page's own
    assert parse_config(edited(old, f'home_page_url = "{query}"'),
                        Path("blog/feedpub.toml")).home_page_url == query


def test_the_sample_config_reads() -> None:
    config = parse_config(SAMPLE, ROOT / "feedpub.toml")
    assert config.timezone_name == "UTC" and config.closed is not None
    assert config.language == "en"


# --- timezone: an IANA name, resolved by zoneinfo; never a path -----------------------------

@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ("../../etc/passwd",
         'timezone: "../../etc/passwd" is not a known time zone; use an IANA name such as "UTC" '
         'or "Europe/Paris"'),
        ("/usr/share/zoneinfo/UTC",
         'timezone: "/usr/share/zoneinfo/UTC" is not a known time zone; use an IANA name such as '
         '"UTC" or "Europe/Paris"'),
        ("UTC+1",
         'timezone: "UTC+1" is not a known time zone; use an IANA name: a place such as '
         '"Europe/Paris" follows summer time; for a fixed UTC+01:00 write "Etc/GMT-1" (Etc names '
         "reverse the sign)"),
        ("CET+1",
         'timezone: "CET+1" is not a known time zone; use an IANA name: a place such as '
         '"Europe/Paris" follows summer time; for a fixed UTC+01:00 write "Etc/GMT-1" (Etc names '
         "reverse the sign)"),
        ("GMT-5",
         'timezone: "GMT-5" is not a known time zone; use an IANA name: a place such as '
         '"Europe/Paris" follows summer time; for a fixed UTC-05:00 write "Etc/GMT+5" (Etc names '
         "reverse the sign)"),
        ("America",
         'timezone: "America" is not a known time zone; use an IANA name such as "UTC" or '
         '"Europe/Paris"'),
        ("localtime",  # Debian's link to /etc/localtime: a name zoneinfo finds, a zone per machine
         "timezone: \"localtime\" is this machine's own zone, not a name: another machine (a "
         "colleague's, CI, a new server) reads the entries' times in its own, and the build "
         'refuses the published times that moved; use the IANA name, such as "UTC" or '
         '"Europe/Paris"'),
    ],
    ids=["relative-path", "absolute-path", "utc-plus-1", "cet-plus-1", "gmt-minus-5", "folder",
         "localtime"],
)
def test_timezone_is_an_iana_name(zone: str, message: str) -> None:
    assert error_of(edited('timezone = "UTC"', f'timezone = "{zone}"')) == message


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires",
                                  "Etc/GMT-1"])
def test_iana_names_are_read_by_zoneinfo(zone: str) -> None:
    config = parse_config(edited('timezone = "UTC"', f'timezone = "{zone}"'), Path("feedpub.toml"))
    assert config.timezone_name == zone
    assert str(config.timezone) == zone  # a zoneinfo.ZoneInfo, keyed by the name


def test_a_path_as_timezone_reads_no_file_through_the_command(blog: Path, run: Run) -> None:
    config = blog / "feedpub.toml"
    config.write_text(edited('timezone = "UTC"', 'timezone = "../../etc/passwd"', SAMPLE))
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.CONFIG
    assert outcome.err == ('feedpub.toml:8: timezone: "../../etc/passwd" is not a known time zone; '
                           'use an IANA name such as "UTC" or "Europe/Paris"\n')


# --- URLs: one allowlist, no user info, no control characters --------------------------------

@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('hubs = ["https://user:pass@hub.example.org/"]\n',
         "hubs: contains a user name or password (the part before @), which every reader of the "
         "feed would see; remove it"),
        ('hubs = ["https://hub.example.org/\\u0000x"]\n',
         "hubs: contains the control character U+0000, which XML 1.0 forbids; delete it"),
        ('hubs = ["javascript:alert(1)"]\n',
         'hubs: "javascript:alert(1)" is not an absolute http(s) URL'),
        ('hubs = "https://hub.example.org/"\n',
         'hubs: must be a list of URLs, e.g. ["https://hub.example.org/"], not '
         '"https://hub.example.org/"'),
        ('hubs = [5]\n', "hubs: must be a URL, not 5"),
    ],
    ids=["hub-userinfo", "hub-nul", "hub-javascript", "hubs-string", "hub-number"],
)
def test_hub_urls(extra: str, message: str) -> None:
    assert error_of(LIVE + extra) == message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('icon = "https://', 'icon = "https://me:pw@',
         "icon: contains a user name or password (the part before @), which every reader of "
         "the feed would see; remove it"),
        ('home_page_url = "https://', 'home_page_url = "https://me@',
         "home_page_url: contains a user name or password (the part before @), which every "
         "reader of the feed would see; remove it"),
        ('logo = "https://news.example.org/static/logo.png"', 'logo = "data:image/png;base64,AA"',
         'logo: "data:image/png;base64,AA" is not an absolute http(s) URL'),
        (AUTHORS, 'authors = [{ name = "Desk", url = "javascript:alert(1)" }]',
         'authors: url: "javascript:alert(1)" is not an absolute http(s) URL'),
        (AUTHORS, 'authors = [{ name = "Desk", url = 5 }]', "authors: url: must be a URL, not 5"),
        (AUTHORS, 'authors = [{ name = "Desk", email = 5 }]',
         "authors: email: 5 is not an email address; use e.g. desk@example.org"),
        (AUTHORS, 'authors = [{ name = "Desk", email = ["a@b.org"] }]',
         "authors: email: a list is not an email address; use e.g. desk@example.org"),
        (AUTHORS, 'authors = [{ name = "Desk", email = "mailto:desk@example.org" }]',
         'authors: email: "mailto:desk@example.org": write the address alone, without "mailto:"'),
        (AUTHORS, 'authors = [{ name = "Desk", emial = "desk@example.org" }]',
         'authors: "emial" is not an author key; did you mean email?'),
        (AUTHORS, 'authors = [{ name = "Desk\\u0001" }]',
         "authors: name: contains the control character U+0001, which XML 1.0 forbids; delete it"),
        (AUTHORS, 'authors = "Desk"', 'authors: must be a list such as [{ name = "Live desk" }], '
         'not "Desk"'),
    ],
    ids=["icon-password", "home-user", "logo-data", "author-javascript", "author-url-number",
         "author-email-number", "author-email-list", "author-email-mailto", "author-key-typo",
         "author-name-control", "authors-string"],
)
def test_every_published_url_and_author(old: str, new: str, message: str) -> None:
    assert error_of(edited(old, new)) == message


def test_closed_urls_and_times() -> None:
    closed = '\n[closed]\ncontinued_at = "https://news.example.org/next"\n'
    assert error_of(LIVE + closed.replace("https://", "https://u:p@") + "at = 2024-12-07T23:00:00Z\n") \
        == ("closed.continued_at: contains a user name or password (the part before @), which "
            "every reader of the feed would see; remove it")
    assert error_of(LIVE + closed + "at = 0001-01-01T00:00:00+14:00\n") == (
        "closed.at: 0001-01-01T00:00:00+14:00 is outside the years 0001-9999 in UTC; use "
        "2024-12-07T23:00:00+00:00")
    assert error_of(LIVE + closed + "at = 2024-12-07T23:00:00\n") == (
        "closed.at: must be a time with a zone, e.g. 2024-12-07T23:00:00+00:00")
    assert error_of(LIVE + closed + "at = 2024-12-07T23:00:00Z\ntitel = 'x'\n") == (
        "closed.titel: unknown key; did you mean closed.title?")
    at = parse_config(LIVE + closed + 'at = "2024-12-07T23:00:00"\n', Path("f.toml")).closed
    assert at is not None and at.at.isoformat() == "2024-12-07T23:00:00+00:00"


# --- Folders that overlap (issue 11.14) -------------------------------------------------------

@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('state_dir = "feeds"\n',
         'state_dir: "feeds" is the same folder as output_dir ("feeds"); entries, output and '
         "state need three separate folders, none inside another"),
        ('output_dir = "entries"\n',
         'output_dir: "entries" is the same folder as entries_dir ("entries"); entries, output '
         "and state need three separate folders, none inside another"),
        ('output_dir = "."\n',
         'output_dir: "." contains entries_dir ("entries"); entries, output and state need three '
         "separate folders, none inside another"),
        ('state_dir = "feeds/.state"\n',
         'state_dir: "feeds/.state" is inside output_dir ("feeds"); entries, output and state '
         "need three separate folders, none inside another"),
        ('entries_dir = "posts"\noutput_dir = "posts/out"\n',
         'output_dir: "posts/out" is inside entries_dir ("posts"); entries, output and state need '
         "three separate folders, none inside another"),
        ('output_dir = "/srv/www/feeds/"\nstate_dir = "/srv/www"\n',
         'state_dir: "/srv/www" contains output_dir ("/srv/www/feeds/"); entries, output and state '
         "need three separate folders, none inside another"),
    ],
    ids=["state-is-output", "output-is-entries", "output-contains-entries", "state-in-output",
         "output-in-entries", "state-contains-output"],
)
def test_entries_output_and_state_never_overlap(extra: str, message: str) -> None:
    assert error_of(LIVE + extra) == message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('media_dir = "entries"\n',
         'media_dir: "entries" is the same folder as entries_dir ("entries"); keep the media '
         "beside the entries, in a folder of its own"),
        ('media_dir = "."\n',
         'media_dir: "." contains entries_dir ("entries"); keep the media beside the entries, '
         "in a folder of its own"),
        ('media_dir = "/"\n',
         'media_dir: "/" contains entries_dir ("entries"); keep the media beside the entries, '
         "in a folder of its own"),
        ('media_dir = "feeds/media"\n',
         'media_dir: "feeds/media" is inside output_dir ("feeds"); keep the media beside the '
         "entries, in a folder of its own"),
    ],
    ids=["media-is-entries", "media-is-the-blog", "media-is-root", "media-in-output"],
)
def test_the_media_folder_is_a_folder_of_its_own(extra: str, message: str) -> None:
    assert error_of(LIVE + extra) == message


def test_separate_folders_are_fine() -> None:
    config = parse_config(LIVE + 'output_dir = "public/feeds"\nstate_dir = "var/feedpub"\n',
                          Path("/blog/feedpub.toml"))
    assert (config.output_dir, config.state_dir) == (Path("/blog/public/feeds"),
                                                     Path("/blog/var/feedpub"))


def test_state_in_output_is_exit_3_and_uploads_nothing(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    (blog / "feedpub.toml").write_text(SAMPLE.replace("ttl = 5", 'ttl = 5\nstate_dir = "feeds"'))
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.CONFIG
    assert outcome.err.startswith('feedpub.toml:13: state_dir: "feeds" is the same folder as output_dir')
    assert snapshot(blog / "feeds") == before


# --- id_base and language at config time (exit 3, not 5) ---------------------------------------

@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tag:", 'id_base: "tag:" is not a complete tag: URI; use e.g. '
         '"tag:example.org,2024-12-07:blog/" (a domain or email, a comma, a date, a colon)'),
        ("tag:example.org:", 'id_base: "tag:example.org:" is not a complete tag: URI; use e.g. '
         '"tag:example.org,2024-12-07:blog/" (a domain or email, a comma, a date, a colon)'),
        ("tag:example.org,2024-12-07:blog",
         'id_base: "tag:example.org,2024-12-07:blog" must end with "/", ":" or "#", so that the '
         "file name appended to it stays a part of its own; e.g. "
         '"tag:example.org,2024-12-07:blog/"'),
        ("https://example.org/live", 'id_base: "https://example.org/live" must end with "/", ":" '
         'or "#", so that the file name appended to it stays a part of its own; e.g. '
         '"tag:example.org,2024-12-07:blog/"'),
        ("urn:x:", 'id_base: "urn:x:" is not a complete urn: URI (urn:<namespace>:<name>, or '
         "urn:uuid:<a UUID>)"),
        ("urn:uuid:", 'id_base: "urn:uuid:": a urn:uuid: names one thing, not a blog\'s entries; '
         'use e.g. "tag:example.org,2024-12-07:blog/"'),
        ("mailto:desk@example.org", 'id_base: "mailto:desk@example.org" is not a tag:, urn: or '
         'http(s) URI; use e.g. "tag:example.org,2024-12-07:blog/"'),
        ("tag:example.org,2024:my blog/", 'id_base: "tag:example.org,2024:my blog/" contains a '
         "character a URI cannot hold; percent-encode it (a space is %20)"),
        ("tag:example.org,2024:blög/", 'id_base: "tag:example.org,2024:blög/" contains a '
         "character a URI cannot hold; percent-encode it (a space is %20)"),
    ],
)
def test_id_base_is_a_complete_uri_prefix(value: str, message: str) -> None:
    assert error_of(edited(ID_BASE, f'id_base = "{value}"')) == message


@pytest.mark.parametrize("value", ["tag:desk@example.org,2024:", "tag:example.org,2024-12:live#",
                                   "https://example.org/live/", "urn:example:live:"])
def test_good_id_bases(value: str) -> None:
    assert parse_config(edited(ID_BASE, f'id_base = "{value}"'), Path("f.toml")).id_base == value


@pytest.mark.parametrize("value", ["not a lang!", "english", "en_GB", "e", "en-", "123", "zz",
                                   "Xa-GB"])
def test_language_is_a_bcp47_tag(value: str) -> None:
    assert error_of(edited('language = "en"', f'language = "{value}"')) == (
        f'language: "{value}" is not a language tag; use e.g. en or en-GB')


@pytest.mark.parametrize("value", ["en", "en-GB", "zh-Hant-TW", "es-419", "de-CH-1996",
                                   "x-klingon", "sr-Latn-RS", "en-US-x-twain",
                                   # RFC 5646 2.2.8 grandfathered, irregular and regular
                                   "i-klingon", "en-GB-oed", "sgn-CH-DE", "art-lojban",
                                   "zh-min-nan"])
def test_good_languages(value: str) -> None:
    assert parse_config(edited('language = "en"', f'language = "{value}"'),
                        Path("f.toml")).language == value


def test_every_two_letter_language_accepted_passes_the_feed_check() -> None:
    """A language the config accepts never fails the check of the rendered feeds (exit 5)."""
    from string import ascii_lowercase

    from feedpub.text import is_language_tag
    from feedpub.validate.urls import is_language

    codes = [a + b for a in ascii_lowercase for b in ascii_lowercase]
    accepted = [code for code in codes if is_language_tag(code)]
    assert "en" in accepted and "zz" not in accepted
    assert all(is_language(code) for code in accepted)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [(ID_BASE, 'id_base = "tag:"', ExitCode.CONFIG),
     ('language = "en"', 'language = "not a lang!"', ExitCode.CONFIG)],
)
def test_id_base_and_language_are_config_errors_through_the_command(
        blog: Path, run: Run, old: str, new: str, code: int) -> None:
    (blog / "feedpub.toml").write_text(SAMPLE.replace(old, new))
    outcome = run(blog, "build")
    assert outcome.code == code and outcome.err.count("\n") == 1


# --- Unknown keys, credentials, nesting, odd keys -----------------------------------------------

@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("titel = 'x'\n", "titel: unknown key; did you mean title?"),
        ("password = 'hunter2'\n",
         "password: unknown key; looks like a credential, which never goes in this file; put it "
         "in an environment variable and give that variable's name as password_env in [upload]"),
        ("[upload]\ntarget = 'file:///srv/www'\npassword = 'hunter2'\n",
         "upload.password: unknown key; looks like a credential, which never goes in this file; "
         "put it in an environment variable and give that variable's name as password_env in "
         "[upload]"),
        ("[upload]\ntarget = 'file:///srv/www'\napi_token = 'abc'\n",
         "upload.api_token: unknown key; looks like a credential, which never goes in this file; "
         "put it in an environment variable and give that variable's name as password_env in "
         "[upload]"),
        ("[upload]\ntarget = 'file:///srv/www'\nkey_passphrase = 'abc'\n",
         "upload.key_passphrase: unknown key; looks like a credential, which never goes in this "
         "file; put it in an environment variable and give that variable's name as "
         "passphrase_env in [upload]"),
        ("[upload]\ntargte = 'file:///srv/www'\n", "upload.targte: unknown key; did you mean "
         "upload.target?"),
        ("[upload]\ntarget = 'file:///srv/www'\nretires = 2\n",
         "upload.retires: unknown key; did you mean upload.retries?"),
        ("[upload]\ntarget = 'file:///srv/www'\npasword_env = 'X'\n",
         "upload.pasword_env: unknown key; did you mean upload.password_env?"),
        ('"we\\nird" = 1\n', '"we\\u000aird": unknown key; the known keys are title, description, '
         "home_page_url, feeds_url, id_base, language, timezone, authors, icon, logo, item_limit, "
         "ttl, hubs, entries_dir, output_dir, state_dir, itunes_complete, closed, upload, html, "
         "template, page_updates, media_dir, archive_size, tombstone_days, ledger"),
        ("nested = " + "[" * 20_000 + "]" * 20_000 + "\n",
         "is not valid TOML: arrays or tables nested too deeply; the config needs two levels at "
         "most"),
        ('[upload]\ntarget = "file:///srv/www\\u0000"\n',
         "upload.target: contains the control character U+0000, which XML 1.0 forbids; delete it"),
        ("[upload]\ntarget = 'file:///srv/www'\ntimeout = nan\n", "upload.timeout: must be a number"),
        ("[upload]\ntarget = 'file:///srv/www'\ntimeout = 1e300\n",
         "upload.timeout: must be at most 600, so a dead host cannot stall the run"),
        ("[upload]\ntarget = 'file:///srv/www'\nbackoff = inf\n", "upload.backoff: must be a number"),
        ("[upload]\ntarget = 'file:///srv/www'\nidentity_file = \"a\\u0000b\"\n",
         "upload.identity_file: contains the control character U+0000, which XML 1.0 forbids; "
         "delete it"),
    ],
    ids=["typo", "password", "upload-password", "upload-token", "upload-passphrase",
         "upload-typo", "upload-typo-2", "upload-env-typo", "newline-in-key", "nested-20000",
         "target-nul", "timeout-nan", "timeout-huge", "backoff-inf", "identity-nul"],
)
def test_unknown_and_hostile_keys(extra: str, message: str) -> None:
    assert error_of(LIVE + extra) == message


def test_reading_the_config_imports_no_parser() -> None:
    """The every-minute path reads the config: it must not pull in YAML, cmark, nh3 or dateutil."""
    code = ("import sys; from pathlib import Path; from feedpub.config import load_config;"
            "load_config(Path('feedpub.toml'));"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('yaml', 'cmarkgfm', 'nh3', 'dateutil', 'lxml', 'difflib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("extra", "line_text"),
    [
        ('[upload]\ntarget = "file:///srv/feeds"\nafter_build = "yes"\n', 'after_build = "yes"'),
        ('upload.target = "file:///srv/feeds"\n  upload . "after_build" = 1\n',
         '  upload . "after_build" = 1'),
        ('["upload"]  # where the feeds go\ntarget = "file:///srv/feeds"\n\'after_build\' = []\n',
         "'after_build' = []"),
        ('hubs = [\n"""\nttl = 3\n[upload]\n"""]\nttl = 0\n', "ttl = 0"),
        ("[upload]\n[[upload.extra]]\nx = 1\n", "[[upload.extra]]"),
    ],
    ids=["table", "dotted-quoted", "quoted-header", "not-in-a-string", "unknown-array-of-tables"],
)
def test_a_value_error_names_the_line_that_sets_the_key(extra: str, line_text: str) -> None:
    """tomllib gives no position for a value it parsed; the message still names the line,
    however the key is spelled, and never a line inside a multi-line string."""
    text = LIVE.replace("ttl = 5\n", "") + extra
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("blog/feedpub.toml"))
    assert caught.value.line is not None, str(caught.value)
    assert text.splitlines()[caught.value.line - 1] == line_text, str(caught.value)
    assert str(caught.value).startswith(f"blog/feedpub.toml:{caught.value.line}: ")


@pytest.mark.parametrize(("value", "shown", "message"), [
    ("", 100, None), ("page_updates = 3\n", 3, None),
    ("page_updates = 0\n", None, "page_updates: must be a whole number of at least 1"),
    ("page_updates = 5001\n", None, "and at most 5000"),
    ("page_updates = 2.5\n", None, "page_updates: must be a whole number"),
])
def test_page_updates_says_how_many_updates_the_page_shows(value: str, shown: int | None,
                                                           message: str | None) -> None:
    text = LIVE + value
    if message is None:
        assert parse_config(text, Path("blog/feedpub.toml")).page_updates == shown
        return
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("blog/feedpub.toml"))
    assert message in str(caught.value) and caught.value.line == text.count("\n")


@pytest.mark.parametrize(("ttl", "message"), [
    (1440, None), (1441, "ttl: must be a whole number of at least 1 and at most 1440"),
    (10**20, "and at most 1440"),
])
def test_ttl_is_at_most_a_day(ttl: int, message: str | None) -> None:
    """A live feed never asks readers (nor the CDN, whose max-age follows it) to wait
    longer than a finished one does: 10**20 minutes was written as it stood."""
    text = LIVE.replace("ttl = 5\n", f"ttl = {ttl}\n")
    if message is None:
        assert parse_config(text, Path("blog/feedpub.toml")).ttl == ttl
        return
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("blog/feedpub.toml"))
    assert message in str(caught.value) and caught.value.line is not None


def test_a_key_the_file_does_not_set_has_no_line() -> None:
    """A required key that is missing is named without a line: there is none to point at."""
    with pytest.raises(ConfigError) as caught:
        parse_config(LIVE.replace(ID_BASE + "\n", ""), Path("blog/feedpub.toml"))
    assert str(caught.value) == "blog/feedpub.toml: id_base: is required; add it to the config"


def test_a_config_saved_with_a_byte_order_mark_is_read(blog: Path, run: Run) -> None:
    """Notepad saves one: the build said 'feedpub.toml:1: is not valid TOML: Invalid
    statement', exit 3, about a line that looks right; entries and the ledger take it."""
    config = blog / "feedpub.toml"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    for _ in range(2):  # the second run is the no-op check's
        outcome = run(blog, "build")
        assert (outcome.code, outcome.err) == (0, "")
    assert (blog / "feeds" / "rss.xml").exists()


def test_a_ledger_that_is_a_folder_or_a_pipe_is_a_config_error(blog: Path, run: Run) -> None:
    """A folder was exit 8, "Is a directory; check permissions and free space"; a named
    pipe held every run, cron's every minute, until killed."""
    (blog / "feedpub.ledger").unlink(missing_ok=True)
    (blog / "feedpub.ledger").mkdir()
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (ExitCode.CONFIG, 'feedpub.toml: ledger: "feedpub.ledger" '
                                           "is a folder; the ledger is a text file: use a name "
                                           'such as "feedpub.ledger"\n')
    (blog / "feedpub.ledger").rmdir()
    os.mkfifo(blog / "feedpub.ledger")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (ExitCode.CONFIG, 'feedpub.toml: ledger: "feedpub.ledger" '
                                           "is not a plain file (a device or a pipe); the ledger "
                                           'is a text file: use a name such as "feedpub.ledger"\n')


def test_a_config_that_is_a_pipe_or_huge_is_refused_at_once(blog: Path, run: Run) -> None:
    """A named pipe where the config belongs held every command (cron's every minute,
    the no-op check first) until killed; a config is a few KB of TOML, so a file of
    megabytes is some other file, not something to parse."""
    os.mkfifo(blog / "pipe.toml")
    done = subprocess.run([sys.executable, str(ROOT / "publish.py"), "build", "--config",
                           "pipe.toml"], cwd=blog, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (ExitCode.CONFIG, "pipe.toml: is not a plain file "
                                              "(a device or a pipe); the config is a TOML text "
                                              "file: pass --config with the blog's feedpub.toml\n")
    config = blog / "feedpub.toml"
    config.write_text(config.read_text() + "# " + "x" * 1_000_000 + "\n")
    refused_keeping_feeds(blog, run, "feedpub.toml: is over 1 MB, and a config is a few lines "
                          "of TOML; pass --config with the blog's feedpub.toml\n")


def refused_keeping_feeds(blog: Path, run: Run, message: str) -> None:
    """``build`` is refused with a config error, exactly ``message``, the feeds untouched."""
    before = snapshot(blog / "feeds")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (ExitCode.CONFIG, message)
    assert snapshot(blog / "feeds") == before


def test_a_huge_template_is_a_config_error(blog: Path, run: Run) -> None:
    """200 MB of template held a build for minutes and hundreds of MB; no page template
    is megabytes (pictures are linked, not inlined)."""
    assert run(blog, "build").code == 0
    with open(blog / "page.html.j2", "wb") as handle:
        handle.truncate(5_000_001)
    config = blog / "feedpub.toml"
    config.write_text(config.read_text().replace("ttl = 5", 'ttl = 5\ntemplate = "page.html.j2"'))
    refused_keeping_feeds(blog, run, "feedpub.toml:13: template: page.html.j2 is over 5 MB, more "
                          "than a page template can be; link big pictures instead of inlining "
                          "them\n")


def test_a_template_that_is_a_pipe_is_a_config_error(blog: Path, run: Run) -> None:
    """A named pipe held every build (and the preview) until killed."""
    os.mkfifo(blog / "page.html.j2")
    config = blog / "feedpub.toml"
    config.write_text(config.read_text().replace("ttl = 5", 'ttl = 5\ntemplate = "page.html.j2"'))
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (ExitCode.CONFIG, 'feedpub.toml:13: template: '
                                           '"page.html.j2" is not a plain file (a device or a '
                                           "pipe); name the template's file\n")


def test_a_number_too_long_for_python_is_a_toml_error(blog: Path, run: Run) -> None:
    """tomllib turns a decimal integer into an int, which Python refuses past 4300 digits
    with a ValueError that is not a TOMLDecodeError: a pasted or corrupted number was a
    traceback (exit 1) instead of the config's one line."""
    digits = "1" + "0" * 4400
    assert error_of(edited("ttl = 5", f"ttl = {digits}", SAMPLE)) == (
        "is not valid TOML: a number has more than 4300 digits")
    assert run(blog, "build").code == 0
    config = blog / "feedpub.toml"
    config.write_text(edited("ttl = 5", f"ttl = {digits}", config.read_text()))
    refused_keeping_feeds(blog, run, "feedpub.toml:12: is not valid TOML: a number has more "
                          "than 4300 digits\n")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("file://{blog}/media/feeds", 'upload.target: "file://{blog}/media/feeds" is inside '
         'media_dir ("media"); upload to a folder of the web server\'s own'),
        ("file://{blog}/feeds", 'upload.target: "file://{blog}/feeds" is output_dir ("feeds"); '
         "upload to a folder of the web server's own"),
        ("file://{blog}/entries/out", 'upload.target: "file://{blog}/entries/out" is inside '
         'entries_dir ("entries"); upload to a folder of the web server\'s own'),
    ],
    ids=["inside-media", "the-output", "inside-entries"],
)
def test_a_file_upload_target_is_a_folder_of_its_own(target: str, message: str) -> None:
    """Copied into media/, the feeds came back as media of the next build and every build
    failed on the clash (found by the robustness review)."""
    blog = Path("blog").resolve()
    text = LIVE + f'\n[upload]\ntarget = "{target.format(blog=blog)}"\n'
    assert error_of(text) == message.format(blog=blog)
