"""The newsroom's day (issue 13): a broken file never blocks the others, scheduled posts,
and a blog before its first post.

Time travel goes through the library's ``now`` (the CLI reads the real clock); everything
else goes through the command as cron runs it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Run, snapshot
from feedpub.config import load_config
from feedpub.errors import ExitCode
from feedpub.pipeline import build
from feedpub.validate import has_errors, validate_bytes

LIVE_CONFIG = """title = "Council vote live"
description = "Updates from the council chamber."
home_page_url = "https://news.example.org/live/vote"
feeds_url = "https://news.example.org/live/vote/feeds/"
id_base = "tag:news.example.org,2026-12-04:vote/"
"""


def entry(title: str, published: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\npublished: {published}\n{extra}---\nWhat happened: {title}.\n"


def titles(site: Path) -> list[str]:
    return [item["title"] for item in json.loads((site / "feeds" / "feed.json").read_bytes())["items"]]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "vote"
    (folder / "entries").mkdir(parents=True)
    (folder / "feedpub.toml").write_text(LIVE_CONFIG)
    (folder / "entries" / "01-opening.md").write_text(entry("Session opens", "2024-12-07T09:00:00Z"))
    return folder


def write(site: Path, name: str, text: str) -> Path:
    path = site / "entries" / name
    path.write_text(text)
    return path


def test_one_broken_file_never_blocks_a_good_one(site: Path, run: Run) -> None:
    assert run(site, "build").code == 0
    write(site, "02-bad.md", "---\ntitle: BREAKING: mayor resigns\npublished: 2024-12-07T09:30:00Z\n"
                             "---\nBody.\n")
    write(site, "03-good.md", entry("Vote passes", "2024-12-07T09:31:00Z"))
    outcome = run(site, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.startswith("entries/02-bad.md:2: front matter is not valid YAML")
    assert len(outcome.err.strip().splitlines()) == 1
    assert titles(site) == ["Vote passes", "Session opens"]
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert b"Vote passes" in (site / "feeds" / name).read_bytes()
        assert not has_errors(validate_bytes((site / "feeds" / name).read_bytes()))


def test_the_error_is_reported_every_minute_until_fixed(site: Path, run: Run) -> None:
    write(site, "02-bad.md", "---\ntitle: [unclosed\npublished: 2024-12-07T09:30:00Z\n---\nx\n")
    first = run(site, "build")
    assert first.code == ExitCode.BAD_ENTRY
    feeds = snapshot(site / "feeds")
    again = run(site, "build", "-v")  # a no-op run: nothing is parsed or written
    assert (again.code, again.err) == (first.code, first.err)
    assert again.out.strip() == "nothing changed"
    assert snapshot(site / "feeds") == feeds
    write(site, "02-bad.md", entry("Fixed now", "2024-12-07T09:30:00Z"))
    assert run(site, "build").code == 0
    assert titles(site) == ["Fixed now", "Session opens"]


def test_a_published_entry_that_breaks_keeps_its_last_good_version(site: Path, run: Run) -> None:
    path = write(site, "02-mayor.md", entry("Mayor speaks", "2024-12-07T09:30:00Z"))
    assert run(site, "build").code == 0
    feeds = snapshot(site / "feeds")
    path.write_text(path.read_text().replace("published: 2024-12-07T09:30:00Z", "published: soon"))
    write(site, "03-next.md", entry("Next speaker", "2024-12-07T09:40:00Z"))
    outcome = run(site, "build", "-v")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert 'entries/02-mayor.md:3: published: "soon" is not a date' in outcome.err
    assert "entries/02-mayor.md: its last good version stays published" in outcome.err
    assert titles(site) == ["Next speaker", "Mayor speaks", "Session opens"]
    assert feeds != snapshot(site / "feeds")


def test_strict_publishes_nothing_while_a_file_is_broken(site: Path, run: Run) -> None:
    assert run(site, "build").code == 0
    feeds = snapshot(site / "feeds")
    write(site, "02-bad.md", "---\ntitle: x\n---\nno date\n")
    write(site, "03-good.md", entry("Vote passes", "2024-12-07T09:31:00Z"))
    outcome = run(site, "build", "--strict")
    assert outcome.code == ExitCode.BAD_ENTRY and "02-bad.md" in outcome.err
    assert snapshot(site / "feeds") == feeds


def test_a_scheduled_entry_goes_out_at_its_time_and_not_before(site: Path) -> None:
    config = site / "feedpub.toml"
    now = datetime(2024, 12, 7, 10, 0, tzinfo=UTC)
    write(site, "02-explainer.md", entry("Explainer - the budget", "2024-12-07T12:00:00Z"))
    first = build(load_config(config), now=now, log=(lines := []).append)
    assert first.problems == [] and [e.title for e in first.scheduled] == ["Explainer - the budget"]
    assert lines[0] == "entries/02-explainer.md: scheduled for 2024-12-07T12:00:00+00:00"
    assert titles(site) == ["Session opens"]
    assert build(load_config(config), now=now + timedelta(hours=1)).unchanged  # still cheap
    due = build(load_config(config), now=datetime(2024, 12, 7, 12, 0, tzinfo=UTC))
    assert not due.unchanged and due.scheduled == []
    assert titles(site) == ["Explainer - the budget", "Session opens"]
    assert build(load_config(config), now=datetime(2024, 12, 7, 12, 1, tzinfo=UTC)).unchanged


def test_nothing_is_scheduled_after_the_closing(site: Path, run: Run) -> None:
    assert run(site, "close", "--continued-at", "https://news.example.org/next",
               "--at", "2024-12-07T11:00:00Z").code == 0
    write(site, "02-late.md", entry("Too late", "2999-01-01T00:00:00Z"))
    outcome = run(site, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.strip().startswith("entries/02-late.md: published: is after the blog was closed")


@pytest.mark.parametrize("contents", ["nothing", "drafts only", "scheduled only"])
def test_a_blog_before_its_first_post_builds_quietly(site: Path, run: Run, contents: str) -> None:
    (site / "entries" / "01-opening.md").unlink()
    if contents == "drafts only":
        write(site, "01-draft.md", entry("Not yet", "2024-12-07T09:00:00Z", "draft: true\n"))
    elif contents == "scheduled only":
        write(site, "01-later.md", entry("Later", "2999-01-01T00:00:00Z"))
    outcome = run(site, "build")
    assert outcome.code == 0
    assert outcome.err == "feeds/atom.xml: warning: not written while the blog has no entry (the " \
                          "format needs a time); it appears with the first entry\n"
    assert sorted(p.name for p in (site / "feeds").iterdir()) == ["feed.json", "index.html",
                                                                  "rss.xml"]
    assert b"No updates yet" in (site / "feeds" / "index.html").read_bytes()
    for name in ("feed.json", "rss.xml"):
        data = (site / "feeds" / name).read_bytes()
        assert not has_errors(validate_bytes(data)), name
    assert b"<item>" not in (site / "feeds" / "rss.xml").read_bytes()
    assert b"lastBuildDate" not in (site / "feeds" / "rss.xml").read_bytes()
    again = run(site, "build")
    assert (again.code, again.err) == (0, "")  # not a warning every minute
    write(site, "09-first.md", entry("First post", "2024-12-07T09:00:00Z"))
    assert run(site, "build").code == 0
    assert re.search(rb"<title>First post</title>", (site / "feeds" / "atom.xml").read_bytes())


# --- a CLI that helps (item 8) -----------------------------------------------------------

VENV_BIN = Path(sys.executable).parent


def started_as(how: str, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The program started the three documented ways, as a user types it."""
    from conftest import ROOT

    command = {"feedpub": [str(VENV_BIN / "feedpub")],
               "python -m feedpub": [sys.executable, "-m", "feedpub"],
               "publish.py": [sys.executable, str(ROOT / "publish.py")]}[how]
    return subprocess.run([*command, *args], cwd=site, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.parametrize("how", ["feedpub", "python -m feedpub", "publish.py"])
def test_messages_name_the_program_as_it_was_typed(site: Path, how: str) -> None:
    typo = started_as(how, site, "bild")
    assert typo.returncode == ExitCode.USAGE
    assert typo.stderr == f"{how}: \"bild\" is not a command; did you mean '{how} build'? " \
                          "(see --help)\n"
    assert f"usage: {how} " in started_as(how, site, "--help").stdout
    assert started_as(how, site, "close", "--continued-at", "https://news.example.org/next",
                      "--at", "2024-12-07T10:00:00Z").returncode == 0
    again = started_as(how, site, "close", "--continued-at", "https://news.example.org/next")
    assert f"run '{how} reopen' first" in again.stderr


def test_version(site: Path, run: Run) -> None:
    from feedpub import __version__

    outcome = run(site, "--version")
    assert (outcome.code, outcome.out) == (0, f"feedpub {__version__}\n")


@pytest.mark.parametrize(("typed", "message"), [
    (["bild"], "publish.py: \"bild\" is not a command; did you mean 'publish.py build'? (see --help)"),
    (["-v", "--config", "feedpub.toml", "reopne"],
     "publish.py: \"reopne\" is not a command; did you mean 'publish.py reopen'? (see --help)"),
    (["frobnicate"], 'publish.py: "frobnicate" is not a command; the commands are build, close, '
                     "reopen, retract, validate, upload, check, init, new, serve, snippet (see --help)"),
])
def test_a_mistyped_command_gets_did_you_mean(site: Path, run: Run, typed: list[str],
                                              message: str) -> None:
    outcome = run(site, *typed)
    assert (outcome.code, outcome.err) == (ExitCode.USAGE, message + "\n")
    assert not (site / "feeds").exists()


def test_a_date_error_suggests_now_in_the_blogs_zone(site: Path, run: Run,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    config = site / "feedpub.toml"
    config.write_text(config.read_text() + 'timezone = "Europe/Paris"\n')
    monkeypatch.setattr("feedpub.cli._now", lambda: datetime(2025, 7, 1, 12, 34, 56, tzinfo=UTC))
    write(site, "02-bad.md", "---\ntitle: Hi\npublished: 1 July, noon\n---\nB\n")
    write(site, "03-none.md", "---\ntitle: Hi\n---\nB\n")
    outcome = run(site, "build")
    assert outcome.err.splitlines() == [
        'entries/02-bad.md:3: published: "1 July, noon" is not a date; use 2025-07-01T14:34:56+02:00',
        "entries/03-none.md: published: is required; add e.g. published: 2025-07-01T14:34:56+02:00",
    ]


def test_check_reports_like_build_and_writes_nothing(site: Path, run: Run) -> None:
    write(site, "02-bad.md", "---\ntitle: BREAKING: PM resigns\npublished: 2024-12-07T09:30:00Z\n"
                             "---\nBody.\n")
    write(site, "03-later.md", entry("Later", "2999-01-01T00:00:00Z"))
    before = snapshot(site)
    outcome = run(site, "check", "-v")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.startswith("entries/02-bad.md:2: front matter is not valid YAML")
    assert outcome.out == "checked 3 entry files: 1 to publish, 1 scheduled, 1 problem\n"
    assert snapshot(site) == before  # no feeds, no state folder, no lock
    assert run(site, "check", "entries/01-opening.md").code == 0
    assert run(site, "check", str(site / "entries" / "01-opening.md")).code == 0
    assert run(site, "check", "01-opening.md").code == 0  # a file name, as retract takes it
    outside = run(site, "check", "feedpub.toml")
    assert (outside.code, outside.err) == (ExitCode.USAGE, "feedpub.toml: not an entry file of this "
                                           "blog (a .md or .markdown file in entries/)\n")
    (site / "entries" / "02-bad.md").unlink()
    assert (run(site, "check").code, run(site, "check").err) == (0, "")
    (site / "feedpub.toml").write_text(LIVE_CONFIG + 'language = "english"\n')
    bad_config = run(site, "check")
    assert bad_config.code == ExitCode.CONFIG and "language" in bad_config.err
    assert not (site / ".feedpub").exists() and not (site / "feeds").exists()


def test_check_sees_a_closed_blogs_late_entry(site: Path, run: Run) -> None:
    assert run(site, "close", "--continued-at", "https://news.example.org/next",
               "--at", "2024-12-07T11:00:00Z").code == 0
    write(site, "02-late.md", entry("Too late", "2024-12-07T12:00:00Z"))
    outcome = run(site, "check")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert "entries/02-late.md: published: is after the blog was closed" in outcome.err


# --- init and new (item 4) ------------------------------------------------------------------

MORNING = datetime(2026, 1, 15, 8, 5, 30, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("feedpub.cli._now", lambda: MORNING)


def assert_valid_feeds(site: Path) -> None:
    for name in ("rss.xml", "atom.xml", "feed.json"):
        findings = validate_bytes((site / "feeds" / name).read_bytes())
        assert not has_errors(findings), (name, findings)


def test_init_new_build_from_an_empty_folder(tmp_path: Path, run: Run, clock: None) -> None:
    outcome = run(tmp_path, "init", "election", "--timezone", "Europe/Kyiv", "-v")
    assert outcome.code == 0, outcome.err
    blog = tmp_path / "election"
    assert outcome.out.splitlines() == [
        "wrote election/feedpub.toml", "wrote election/entries/0000-example.md",
        "wrote election/.gitignore", 'next: cd election && publish.py new "A first update"']
    assert (blog / ".gitignore").read_text().splitlines()[-1] == "/.feedpub/"
    config = load_config(blog / "feedpub.toml")
    assert (config.title, config.timezone_name, config.id_base) == \
        ("Election", "Europe/Kyiv", "tag:example.org,2026-01-15:election/")
    added = run(blog, "new", "BREAKING: PM resigns", "--body", "The prime minister has *resigned*.")
    assert added.out == "wrote entries/0001-breaking-pm-resigns.md; the next build publishes it\n"
    text = (blog / "entries" / "0001-breaking-pm-resigns.md").read_text()
    assert text == ('---\ntitle: "BREAKING: PM resigns"\npublished: 2026-01-15T10:05:30+02:00\n'
                    "---\nThe prime minister has *resigned*.\n")
    assert run(blog, "build").code == 0
    assert titles(blog) == ["BREAKING: PM resigns"]  # the example is a draft
    assert_valid_feeds(blog)
    assert run(blog, "check").code == 0


def test_init_asks_nothing_off_a_terminal_and_never_overwrites(tmp_path: Path, run: Run) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc")
    first = run(tmp_path, "init", "--title", "Zenda votes", "--home-page-url",
                "https://news.example.com/live/zenda", "--language", "de")
    assert first.code == 0 and first.out == 'next: publish.py new "A first update"\n'
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n/.feedpub/\n"
    config = load_config(tmp_path / "feedpub.toml")
    assert (config.title, config.feeds_url, config.language) == \
        ("Zenda votes", "https://news.example.com/live/zenda/feeds/", "de")
    before = snapshot(tmp_path)
    again = run(tmp_path, "init", "--title", "Other")
    assert again.code == ExitCode.USAGE
    assert again.err == "feedpub.toml: already exists; init never replaces a blog's config (edit " \
                        "it, or init another folder)\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--timezone", "CET+1", '--timezone: "CET+1" is not a known time zone; use an IANA name'),
    ("--home-page-url", "ftp://x.org/", '--home-page-url: "ftp://x.org/" is not an absolute http'),
    ("--language", "english", '--language: "english" is not a language tag'),
])
def test_init_checks_its_flags_like_the_config(tmp_path: Path, run: Run, flag: str, value: str,
                                               message: str) -> None:
    outcome = run(tmp_path, "init", flag, value)
    assert outcome.code == ExitCode.USAGE and outcome.err.startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_new_without_a_body_off_a_terminal_is_a_draft(site: Path, run: Run, clock: None) -> None:
    outcome = run(site, "new", "Turnout at 40%")
    assert outcome.out == "wrote entries/0002-turnout-at-40.md as a draft: write the update, then " \
                          "delete the line 'draft: true'\n"
    assert "draft: true\n" in (site / "entries" / "0002-turnout-at-40.md").read_text()
    assert run(site, "build").code == 0 and titles(site) == ["Session opens"]


def test_new_schedules_with_at_and_numbers_after_the_highest(site: Path, run: Run, clock: None) -> None:
    write(site, "000041-old.md", entry("Old", "2024-12-07T08:00:00Z"))
    outcome = run(site, "new", "Explainer: the budget", "--at", "2026-01-15T18:00", "--body", "Soon.")
    assert outcome.out == "wrote entries/000042-explainer-the-budget.md; scheduled: the first build " \
                          "from 2026-01-15T18:00:00+00:00 publishes it\n"
    bad = run(site, "new", "Later", "--at", "tonight")
    assert (bad.code, bad.err) == (ExitCode.USAGE, '--at: "tonight" is not a date; use '
                                                   "2026-01-15T08:05:30+00:00\n")


def test_new_slugs_keep_every_script(site: Path, run: Run, clock: None) -> None:
    assert run(site, "new", "Café: résultats à 20 h", "--body", "x").code == 0
    assert run(site, "new", "Вибори: явка 40%", "--body", "x").code == 0
    assert run(site, "new", "!!!", "--body", "x").code == 0
    names = sorted(p.name for p in (site / "entries").iterdir())
    assert names == ["0002-cafe-resultats-a-20-h.md", "0003-вибори-явка-40.md", "0004-entry.md",
                     "01-opening.md"]
    assert run(site, "build").code == 0
    assert_valid_feeds(site)


EDITOR = """import sys
path = sys.argv[1]
assert path.rsplit("/", 1)[1].startswith(".new-"), path  # hidden while being written
with open(path, "a") as f:
    f.write(sys.argv[0] and "Polls closed at eight.\\n")
"""


def test_new_with_an_editor_puts_the_file_in_place_when_it_is_saved(site: Path,
                                                                     tmp_path: Path) -> None:
    from feedpub.scaffold import NewEntry, new_entry

    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    config = load_config(site / "feedpub.toml")
    done = new_entry(config, NewEntry("Polls close"), now=MORNING, editor=[sys.executable, str(script)])
    assert done.path == site / "entries" / "0002-polls-close.md"
    assert done.path.read_text().endswith("---\nPolls closed at eight.\n")
    assert "draft" not in done.path.read_text()
    unchanged = new_entry(config, NewEntry("Nothing"), now=MORNING, editor=["true"])
    assert unchanged.path is None and "nothing written" in unchanged.message
    assert sorted(p.name for p in (site / "entries").iterdir()) == ["0002-polls-close.md",
                                                                     "01-opening.md"]
    from feedpub.errors import UsageError

    with pytest.raises(UsageError, match=r"exited with status 1; the entry is kept as .*\.new-"):
        new_entry(config, NewEntry("Aborted"), now=MORNING, editor=["false"])
    kept = [p.name for p in (site / "entries").iterdir() if p.name.startswith(".new-")]
    assert len(kept) == 1 and kept[0].endswith("-aborted.md")
    assert run_build_titles(site) == ["Polls close", "Session opens"]  # the kept file is hidden


def run_build_titles(site: Path) -> list[str]:
    build(load_config(site / "feedpub.toml"), now=MORNING)
    return titles(site)


def test_init_on_a_terminal_asks_again_until_an_answer_is_valid(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from feedpub.scaffold import InitAnswers, init_blog

    answers = iter(["", "https://news.example.net/live/poll", "CET+1", "Europe/Berlin"])
    asked: list[str] = []

    def ask(question: str, default: str) -> str:
        asked.append(question)
        return next(answers) or default

    init_blog(tmp_path / "poll", InitAnswers(), now=MORNING, ask=ask)
    config = load_config(tmp_path / "poll" / "feedpub.toml")
    assert (config.title, config.home_page_url, config.timezone_name) == \
        ("Poll", "https://news.example.net/live/poll", "Europe/Berlin")
    assert asked == ["Title of the live blog", "Address of the live page", "Time zone (IANA name)",
                     "Time zone (IANA name)"]
    assert 'timezone: "CET+1" is not a known time zone' in capsys.readouterr().out


def with_upload(site: Path, target: str) -> None:
    config = site / "feedpub.toml"
    config.write_text(config.read_text() + f'\n[upload]\ntarget = "{target}"\nbackoff = 0.01\n')


def test_a_webdav_401_names_the_variables_it_read(site: Path, run: Run, dav,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    with_upload(site, dav.url)
    assert run(site, "build").code == 0
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", "not-the-password")
    wrong = run(site, "upload")
    assert wrong.code == ExitCode.UPLOAD and len(wrong.err.splitlines()) == 1
    assert "authentication failed (401): the server refused the user name from " \
           "$FEEDPUB_UPLOAD_USER and the password from $FEEDPUB_UPLOAD_PASSWORD " \
           "(upload.username_env, upload.password_env); check both" in wrong.err
    monkeypatch.delenv("FEEDPUB_UPLOAD_USER")
    monkeypatch.delenv("FEEDPUB_UPLOAD_PASSWORD")
    monkeypatch.setenv("NETRC", str(tmp_path / "no-such-netrc"))
    unset = run(site, "upload")
    assert unset.code == ExitCode.UPLOAD
    assert "no credentials were sent: $FEEDPUB_UPLOAD_USER and $FEEDPUB_UPLOAD_PASSWORD are not " \
           f"set and {tmp_path / 'no-such-netrc'} has no entry for machine 127.0.0.1; set them in " \
           "the environment of the run (for cron or systemd, see docs/cron.md)" in unset.err
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password wrong-one\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    from_netrc = run(site, "upload")
    assert f"the server refused the login and password of {netrc} for machine 127.0.0.1" \
           in from_netrc.err
    assert "wrong-one" not in from_netrc.err + wrong.err + unset.err


# --- the closing item in the blog's language (item 6) -----------------------------------------


@pytest.mark.parametrize(("language", "title", "link_text"), [
    ("de-AT", "Dieser Liveblog ist beendet", "Hier geht es zur weiteren Berichterstattung."),
    ("fr", "Ce direct est terminé", "Retrouvez la suite de notre couverture ici."),
    ("es", "Este directo ha finalizado", "Siga aquí nuestra cobertura."),
    ("ar", "انتهت هذه التغطية المباشرة", "تابعوا التغطية المستمرة هنا."),
    ("uk", "Цю онлайн-трансляцію завершено", "Продовження висвітлення читайте тут."),
    ("nl", "This live blog is closed", "Keep reading: the coverage continues here."),
])
def test_the_closing_item_speaks_the_blogs_language(site: Path, run: Run, language: str, title: str,
                                                    link_text: str) -> None:
    config = site / "feedpub.toml"
    config.write_text(config.read_text() + f'language = "{language}"\n')
    assert run(site, "close", "--continued-at", "https://news.example.org/next",
               "--at", "2024-12-07T11:00:00Z").code == 0
    item = json.loads((site / "feeds" / "feed.json").read_bytes())["items"][0]
    assert item["title"] == title
    assert item["content_html"].endswith(f'<a href="https://news.example.org/next">{link_text}</a></p>')
    for name in ("rss.xml", "atom.xml"):
        assert title in (site / "feeds" / name).read_text()
    assert_valid_feeds(site)


def test_every_closing_word_can_be_set_in_the_config(site: Path, run: Run) -> None:
    config = site / "feedpub.toml"
    config.write_text(config.read_text() + 'language = "de"\n')
    assert run(site, "close", "--continued-at", "https://news.example.org/next", "--at",
               "2024-12-07T11:00:00Z", "--link-text", "Zum neuen Ticker").code == 0
    assert 'link_text = "Zum neuen Ticker"' in config.read_text()
    config.write_text(config.read_text() + 'message = "Schluss für heute."\n')
    assert run(site, "build").code == 0
    item = json.loads((site / "feeds" / "feed.json").read_bytes())["items"][0]
    assert (item["title"], item["content_html"]) == (
        "Dieser Liveblog ist beendet",
        '<p>Schluss für heute.</p><p><a href="https://news.example.org/next">Zum neuen Ticker</a></p>')
    config.write_text(config.read_text() + 'link_txt = "x"\n')
    typo = run(site, "build")
    assert typo.code == ExitCode.CONFIG and "closed.link_txt: unknown key; did you mean " \
                                           "closed.link_text?" in typo.err


# --- content people put in live blogs (item 5) -----------------------------------------------

RESULTS = """---
title: First results
published: 2024-12-07T10:00:00Z
---
| Party | Share |
|:------|------:|
| Blue  | 41 %  |
| Green | 38 %  |

~~Turnout 40 %~~ Turnout 42 %[^source], see www.example.org/results.

- [x] Zenda counted
- [ ] Ruritania

https://www.youtube.com/watch?v=abc123XYZ_0

[^source]: Electoral commission, 10:00.
"""


def contents(site: Path) -> dict[str, str]:
    """The first item's HTML as each format carries it (XML unescaped)."""
    from lxml import etree

    rss = etree.parse(str(site / "feeds" / "rss.xml"))
    atom = etree.parse(str(site / "feeds" / "atom.xml"))
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    return {"rss": rss.findtext(f"channel/item/{content}"),
            "atom": atom.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content"),
            "json": json.loads((site / "feeds" / "feed.json").read_bytes())["items"][0]["content_html"]}


def test_tables_strikethrough_footnotes_and_an_embed_in_every_format(site: Path, run: Run) -> None:
    write(site, "02-results.md", RESULTS)
    outcome = run(site, "build")
    assert (outcome.code, outcome.err) == (0, "")  # nothing removed, nothing to report
    html = contents(site)
    assert html["rss"] == html["atom"] == html["json"]
    body = html["json"]
    assert '<th align="left">Party</th>' in body and '<td align="right">41 %</td>' in body
    assert "<del>Turnout 40 %</del>" in body
    assert '<a href="http://www.example.org/results">www.example.org/results</a>' in body
    assert "<li>☑ Zenda counted</li>" in body and "<li>☐ Ruritania</li>" in body
    page = "https://news.example.org/live/vote"
    assert f'<sup><a href="{page}#02-results-fn-source" id="02-results-fnref-source">1</a></sup>' \
           in body
    assert '<section class="footnotes">' in body and '<li id="02-results-fn-source">' in body
    assert ('<figure data-embed="youtube"><a href="https://www.youtube.com/watch?v=abc123XYZ_0">'
            "https://www.youtube.com/watch?v=abc123XYZ_0</a><figcaption>YouTube</figcaption>"
            "</figure>") in body
    for bad in ("<script", "<iframe", "<input"):
        assert bad not in body
    assert_valid_feeds(site)


@pytest.mark.parametrize(("line", "kind", "name"), [
    ("https://youtu.be/abc123XYZ_0", "youtube", "YouTube"),
    ("https://vimeo.com/76979871", "vimeo", "Vimeo"),
    ("https://x.com/newsdesk/status/1865000000000000000", "x", "X"),
    ("https://twitter.com/newsdesk/status/1865000000000000000", "x", "X"),
    ("https://bsky.app/profile/desk.example.org/post/3kabc2def", "bluesky", "Bluesky"),
    ("https://mastodon.social/@desk/113612345678901234", "mastodon", "Mastodon"),
    ("https://www.instagram.com/p/C0abcDEF123/", "instagram", "Instagram"),
])
def test_a_paragraph_that_is_only_a_posts_address_is_an_embed(site: Path, run: Run, line: str,
                                                              kind: str, name: str) -> None:
    write(site, "02-embed.md", entry("Watch", "2024-12-07T10:00:00Z").replace("What happened",
                                                                              f"{line}\n\nWhat"))
    assert run(site, "build").code == 0
    assert contents(site)["json"].startswith(f'<figure data-embed="{kind}"><a href="{line}">{line}'
                                             f"</a><figcaption>{name}</figcaption></figure>")


@pytest.mark.parametrize("line", [
    "https://www.youtube.com/@newsdesk",  # a channel, not a video
    "https://www.youtube.com/results?search_query=vote",  # a search
    "https://news.example.org/live/vote",  # not a service live blogs embed
    "[Watch the speech](https://youtu.be/abc123XYZ_0)",  # words of its own: a link
])
def test_other_links_stay_links(site: Path, run: Run, line: str) -> None:
    write(site, "02-link.md", entry("Link", "2024-12-07T10:00:00Z").replace("What happened",
                                                                            f"{line}\n\nWhat"))
    assert run(site, "build").code == 0
    assert contents(site)["json"].startswith("<p><a href=")


def test_an_embed_block_takes_any_address_and_a_caption(site: Path, run: Run) -> None:
    body = ("```embed\nhttps://www.tiktok.com/@desk/video/7300000000000000000\nCrowds outside\n"
            "the count\n```\n")
    write(site, "02-block.md", "---\ntitle: Crowd\npublished: 2024-12-07T10:00:00Z\n---\n" + body)
    assert run(site, "build").code == 0
    assert contents(site)["json"] == (
        '<figure data-embed="link"><a href="https://www.tiktok.com/@desk/video/7300000000000000000">'
        "https://www.tiktok.com/@desk/video/7300000000000000000</a>"
        "<figcaption>tiktok.com: Crowds outside the count</figcaption></figure>")
    assert_valid_feeds(site)
    write(site, "03-bad.md", "---\ntitle: Bad\npublished: 2024-12-07T10:00:00Z\n---\nText.\n\n"
                             "```embed\nthe video from this morning\n```\n")
    outcome = run(site, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err == 'entries/03-bad.md:7: body: an embed block starts with the address of the ' \
                          'post or video (https://…); found "the video from this morning"\n'


def test_video_and_audio_become_links_and_enclosures(site: Path, run: Run) -> None:
    body = ('<video src="media/count.mp4" controls poster="p.jpg">\nNo video here.\n</video>\n\n'
            'Listen: <audio controls><source src="https://cdn.example.org/speech.mp3" '
            'type="audio/mpeg"></audio> (full speech)\n')
    write(site, "02-media.md", "---\ntitle: Media\npublished: 2024-12-07T10:00:00Z\n---\n" + body)
    outcome = run(site, "build")
    assert (outcome.code, outcome.err) == (0, "")
    video = "https://news.example.org/live/media/count.mp4"
    audio = "https://cdn.example.org/speech.mp3"
    assert contents(site)["json"] == (
        f'<figure data-embed="video"><a href="{video}">count.mp4</a></figure>\n'
        f'<p>Listen: <a href="{audio}">speech.mp3</a> (full speech)</p>')
    item = json.loads((site / "feeds" / "feed.json").read_bytes())["items"][0]
    assert item["attachments"] == [{"url": video, "mime_type": "video/mp4"},
                                   {"url": audio, "mime_type": "audio/mpeg"}]
    rss = (site / "feeds" / "rss.xml").read_text()
    assert f'<enclosure url="{video}" length="0" type="video/mp4"/>' in rss
    assert rss.count("<enclosure") == 1  # one per item: many readers use only the first
    atom = (site / "feeds" / "atom.xml").read_text()
    assert f'<link rel="enclosure" href="{video}" type="video/mp4"/>' in atom
    assert f'<link rel="enclosure" href="{audio}" type="audio/mpeg"/>' in atom
    assert_valid_feeds(site)


PASTED = """---
title: Pasted
published: 2024-12-07T10:00:00Z
---
The speech:

<iframe src="https://www.youtube.com/embed/abc123XYZ_0" width="560"></iframe>

<blockquote class="twitter-tweet"><p>Polls are open</p></blockquote>
<script async src="https://platform.twitter.com/widgets.js"></script>

Read [the statement](javascript:alert(1)) and <span style="color:red" onclick="x()">this</span>.
"""


def test_what_the_sanitizer_removes_is_a_warning_with_file_and_line(site: Path, run: Run) -> None:
    write(site, "02-pasted.md", PASTED)
    outcome = run(site, "build")
    assert outcome.code == 0
    frames = ("(feeds carry no scripts or frames; to embed a post or video, put its address alone "
              "in a paragraph)")
    expected = [
        f"entries/02-pasted.md:7: warning: body: removed <iframe> {frames}",
        "entries/02-pasted.md:9: warning: body: removed class from <blockquote>",
        f"entries/02-pasted.md:10: warning: body: removed <script> {frames}",
        'entries/02-pasted.md:12: warning: body: removed href from <a>: "javascript:alert(1)" is '
        "not an http(s) or mailto: URL",
        "entries/02-pasted.md:12: warning: body: removed style from <span>",
        "entries/02-pasted.md:12: warning: body: removed onclick from <span>",
    ]
    assert outcome.err.splitlines() == expected
    assert "<p>Polls are open</p>" in contents(site)["json"]  # the words stay
    assert run(site, "build").err == ""  # said once, when the file changed: not every minute
    assert run(site, "check").err.splitlines() == expected  # check says it again
    assert run(site, "check", "-q").err == ""
    (site / "entries" / "02-pasted.md").write_text(PASTED + "\nMore.\n")
    assert run(site, "build", "-v").err.splitlines() == expected


# --- cron and systemd for a blog anywhere (item 7) ------------------------------------------

README_TEXT = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CRON_DOC = (Path(__file__).resolve().parents[1] / "docs" / "cron.md").read_text(encoding="utf-8")
PLACES = {"/srv/liveblog": "blog", "/etc/feedpub/liveblog.env": "env", "/opt/feedpub/bin": "bin"}


def documented(text: str, fence: str, marker: str) -> list[str]:
    """The lines of the fenced ``fence`` block that contains ``marker``."""
    blocks = re.findall(rf"```{fence}\n(.*?)```", text, re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"one ```{fence} block with {marker!r}"
    return found[0].splitlines()


def placed(line: str, places: dict[str, Path]) -> str:
    for documented_place, key in PLACES.items():
        line = line.replace(documented_place, str(places[key]))
    return line


@pytest.fixture
def elsewhere(tmp_path: Path, dav) -> dict[str, Path]:
    """A blog outside the checkout that uploads to WebDAV, a credentials file, a bare cwd."""
    from conftest import ROOT

    blog = tmp_path / "srv" / "liveblog"
    blog.mkdir(parents=True)
    (blog / "feedpub.toml").write_text((ROOT / "feedpub.toml").read_text() +
                                       f'\n[upload]\ntarget = "{dav.url}"\nafter_build = true\n')
    import shutil

    shutil.copytree(ROOT / "entries", blog / "entries")
    env = tmp_path / "etc" / "liveblog.env"
    env.parent.mkdir()
    from servers.dav import PASSWORD, USER

    env.write_text(f"FEEDPUB_UPLOAD_USER='{USER}'\nFEEDPUB_UPLOAD_PASSWORD='{PASSWORD}'\n")
    env.chmod(0o600)
    cwd = tmp_path / "home"
    cwd.mkdir()
    return {"blog": blog, "env": env, "bin": VENV_BIN, "home": cwd}


def cron_environment(home: Path, assignments: dict[str, str]) -> dict[str, str]:
    """What cron gives a job: HOME, LOGNAME, SHELL and its PATH, then the crontab's lines."""
    return {"HOME": str(home), "LOGNAME": "liveblog", "SHELL": "/bin/sh", "PATH": "/usr/bin:/bin",
            "NETRC": str(home / "no-netrc"), **assignments}


@pytest.mark.slow
def test_the_documented_crontab_line_works_verbatim_from_another_folder(elsewhere, dav) -> None:
    lines = documented(README_TEXT, "cron(?:tab)?", "feedpub --config")
    assert documented(CRON_DOC, "cron(?:tab)?", "feedpub --config") == lines  # the docs agree
    assignments = dict(line.split("=", 1) for line in lines if re.match(r"[A-Z]+=", line))
    job = next(line for line in lines if line.startswith("* * * * * "))
    assert all(place in job + assignments["PATH"] for place in PLACES)
    command = placed(job.removeprefix("* * * * * "), elsewhere)
    env = cron_environment(elsewhere["home"], {k: placed(v, elsewhere) for k, v in assignments.items()})
    done = subprocess.run(["/bin/sh", "-c", command], cwd=elsewhere["home"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")  # cron mails nothing
    blog = elsewhere["blog"]
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert (dav.remote / name).read_bytes() == (blog / "feeds" / name).read_bytes()
    assert list(elsewhere["home"].iterdir()) == []  # nothing written where the job started
    again = subprocess.run(["/bin/sh", "-c", command], cwd=elsewhere["home"], env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


@pytest.mark.slow
def test_the_documented_systemd_unit_runs_as_written(elsewhere, dav) -> None:
    import shlex

    def service(text: str) -> dict[str, str]:
        unit = documented(text, "ini", "ExecStart=")
        return dict(line.split("=", 1) for line in unit if "=" in line and not line.startswith("["))

    settings = service(README_TEXT)
    for key in ("User", "EnvironmentFile", "ExecStart"):
        assert settings[key] == service(CRON_DOC)[key], key  # the two docs say the same
    environment_file = Path(placed(settings["EnvironmentFile"], elsewhere))
    variables = {}
    for line in environment_file.read_text().splitlines():  # systemd's rules for this form
        name, _, value = line.partition("=")
        variables[name] = value.strip("'")
    argv = shlex.split(placed(settings["ExecStart"], elsewhere))
    done = subprocess.run(argv, cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": str(elsewhere["home"]),
                                               "NETRC": str(elsewhere["home"] / "no-netrc"),
                                               **variables},
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert (dav.remote / "feed.json").read_bytes() == \
        (elsewhere["blog"] / "feeds" / "feed.json").read_bytes()


def test_a_cron_job_without_its_credentials_names_the_variables(elsewhere, dav) -> None:
    lines = documented(README_TEXT, "cron(?:tab)?", "feedpub --config")
    job = next(line for line in lines if line.startswith("* * * * * "))
    without = re.sub(r"set -a && \. \S+ && ", "", job.removeprefix("* * * * * "))
    env = cron_environment(elsewhere["home"], {"PATH": f"{VENV_BIN}:/usr/bin:/bin"})
    done = subprocess.run(["/bin/sh", "-c", placed(without, elsewhere)], cwd=elsewhere["home"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == ExitCode.UPLOAD
    assert "$FEEDPUB_UPLOAD_USER and $FEEDPUB_UPLOAD_PASSWORD are not set" in done.stderr


def test_a_control_character_beside_a_video_is_an_entry_error(site: Path, run: Run) -> None:
    """Found by the property tests: lxml refused the character before the body's own check."""
    write(site, "02-media.md", "---\ntitle: M\npublished: 2024-12-07T10:00:00Z\n---\n"
                               '<video src="v.mp4"></video>&#x1;\n')
    outcome = run(site, "build")
    assert (outcome.code, outcome.err) == (
        ExitCode.BAD_ENTRY, "entries/02-media.md:5: body: &#x1; stands for U+0001, a character "
                            "XML 1.0 forbids; delete it\n")


def test_ctrl_c_inside_the_sanitizer_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """nh3 swallows what its URL callback raises, Ctrl-C included; the body raises it again."""
    from feedpub.entries import markdown

    calls = []
    real = markdown.public_url

    def interrupted(*args: object, **kwargs: object) -> str:
        calls.append(args)
        if len(calls) == 1:  # the Ctrl-C lands in the callback, once
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(markdown, "public_url", interrupted)
    with pytest.raises(KeyboardInterrupt):
        markdown.render_body("[a link](https://example.org/)", "https://example.org/live#x", "x")
    monkeypatch.undo()
    assert markdown.render_body("[a](/b)", "https://example.org/live#x").html == \
        '<p><a href="https://example.org/b">a</a></p>'  # the next body is clean again
