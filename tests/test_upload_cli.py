"""`publish.py upload` end to end: the sample blog built, uploaded to WebDAV, hubs pinged."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from servers.dav import PASSWORD

FEEDS = ("rss.xml", "atom.xml", "feed.json")


def configure(blog: Path, target: str, hub: str, extra: str = "") -> None:
    """Add a hub (top-level key, so it goes first) and an [upload] table to the blog's config."""
    config = blog / "feedpub.toml"
    body = config.read_text()
    config.write_text(f'hubs = ["{hub}"]\n{body}\n[upload]\ntarget = "{target}"\nbackoff = 0.01\n' + extra)


@pytest.fixture
def hub(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    return httpserver


def test_build_upload_then_nothing(blog: Path, run, dav, hub) -> None:
    configure(blog, dav.url, hub.url_for("/hub"))
    assert run(blog, "build").code == 0
    first = run(blog, "upload", "-v")
    assert first.code == 0, first.err
    for name in FEEDS:
        assert (dav.remote / name).read_bytes() == (blog / "feeds" / name).read_bytes()
        assert f"sent {name}" in first.out
    assert len(hub.log) == 3
    again = run(blog, "upload", "-v")
    assert again.code == 0 and "nothing changed" in again.out and len(hub.log) == 3


def test_dry_run_sends_nothing(blog: Path, run, dav, hub) -> None:
    configure(blog, dav.url, hub.url_for("/hub"))
    run(blog, "build")
    outcome = run(blog, "upload", "--dry-run")
    # the two sample images and the page, then the three feeds
    assert outcome.code == 0 and outcome.out.count("would send") == 6
    assert not dav.remote.exists() and len(hub.log) == 0


def test_wrong_password_exits_6_with_one_line(blog: Path, run, dav, hub, monkeypatch) -> None:
    configure(blog, dav.url, hub.url_for("/hub"))
    run(blog, "build")
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", "not-the-password")
    outcome = run(blog, "upload")
    assert outcome.code == 6
    assert "401" in outcome.err and "not-the-password" not in outcome.err + outcome.out
    assert len(outcome.err.strip().splitlines()) == 1


def test_bad_upload_key_exits_3(blog: Path, run, dav, hub) -> None:
    configure(blog, dav.url, hub.url_for("/hub"), extra='password = "x"\n')
    run(blog, "build")
    outcome = run(blog, "upload")
    assert outcome.code == 3 and "upload.password" in outcome.err


# --- defects found by the module-level review (issue 10) -------------------------------


def test_after_build_as_a_string_is_a_config_error_not_an_upload(blog: Path, run, dav, hub) -> None:
    """`after_build = "false"` used to turn upload *on* (bool("false") is True)."""
    configure(blog, dav.url, hub.url_for("/hub"), extra='after_build = "false"\n')
    outcome = run(blog, "build")
    assert outcome.code == 3, outcome.err
    line = (blog / "feedpub.toml").read_text().splitlines().index('after_build = "false"') + 1
    assert outcome.err.strip() == f"feedpub.toml:{line}: upload.after_build: must be true or false"
    assert not dav.remote.exists() and len(hub.log) == 0


def test_build_upload_reports_hub_warnings_like_upload(blog: Path, run, dav,
                                                       httpserver: HTTPServer) -> None:
    """A dead hub is a warning (exit 0) either way, with the same lines."""
    httpserver.expect_request("/hub", method="POST").respond_with_data("down", status=500)
    configure(blog, dav.url, httpserver.url_for("/hub"), extra="retries = 0\n")
    built = run(blog, "build", "--upload")
    assert built.code == 0
    lines = built.err.strip().splitlines()
    assert len(lines) == 3 and all("WebSub hub" in line and "HTTP 500" in line for line in lines)
    (blog / "entries" / "zz-extra.md").write_text(
        "---\ntitle: One more\npublished: 2024-12-07T22:00:00+00:00\n---\nText.\n")
    assert run(blog, "build").code == 0
    alone = run(blog, "upload")
    assert alone.code == 0
    assert [line.split(": ", 2)[1:] for line in alone.err.strip().splitlines()] == \
        [line.split(": ", 2)[1:] for line in lines]


def test_close_with_a_failing_upload_is_closed_locally_and_retried(blog: Path, run, dav, hub,
                                                                   monkeypatch) -> None:
    """Exit 6: config and feeds agree (closed), and the next run finishes the upload."""
    configure(blog, dav.url, hub.url_for("/hub"), extra="after_build = true\n")
    assert run(blog, "reopen").code == 0
    assert (dav.remote / "feed.json").exists() and b'"expired"' not in (dav.remote / "feed.json").read_bytes()
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", "wrong")
    closed = run(blog, "close", "--continued-at", "https://news.example.org/next",
                 "--at", "2024-12-07T23:00:00+00:00")
    assert closed.code == 6
    assert "the blog is closed locally" in closed.err and "next run retries" in closed.err
    assert len(closed.err.strip().splitlines()) == 1
    assert "[closed]" in (blog / "feedpub.toml").read_text()
    assert b'"expired": true' in (blog / "feeds" / "feed.json").read_bytes()
    assert b'"expired"' not in (dav.remote / "feed.json").read_bytes()
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", PASSWORD)
    again = run(blog, "build")
    assert again.code == 0, again.err
    assert (dav.remote / "feed.json").read_bytes() == (blog / "feeds" / "feed.json").read_bytes()
    assert run(blog, "build", "-v").out.strip() == "nothing changed"


def test_upload_sends_only_what_the_build_wrote(blog: Path, run, tmp_path: Path) -> None:
    """A file dropped into feeds/ (notes, raw Markdown, a backup) never goes to the host."""
    remote = tmp_path / "www"
    (blog / "feedpub.toml").write_text((blog / "feedpub.toml").read_text()
                                       + f'\n[upload]\ntarget = "file://{remote}"\n')
    assert run(blog, "build").code == 0
    built = sorted(p.name for p in (blog / "feeds").iterdir())  # feeds, page and media
    (blog / "feeds" / "draft-notes.md").write_text("---\ntitle: not for the public\n---\n")
    (blog / "feeds" / "rss.xml.bak").write_text("old")
    outcome = run(blog, "upload")
    assert outcome.code == 0, outcome.err
    assert sorted(p.name for p in remote.iterdir()) == built


def test_upload_before_any_build_says_so(blog: Path, run, tmp_path: Path) -> None:
    (blog / "feedpub.toml").write_text((blog / "feedpub.toml").read_text()
                                       + f'\n[upload]\ntarget = "file://{tmp_path / "www"}"\n')
    outcome = run(blog, "upload")
    assert outcome.code == 6
    assert outcome.err.strip().endswith("no build is recorded in "
                                        f"{blog / '.feedpub'}; run 'publish.py build' first")



def test_a_hub_that_was_down_is_pinged_by_the_next_cron_run(blog: Path, run, tmp_path: Path,
                                                            httpserver: HTTPServer) -> None:
    """The cron line is `build --upload` and most minutes nothing changes: a ping a hub
    could not take waits for the next run, not for the next update (issue 10: it was lost)."""
    down = [True]
    httpserver.expect_request("/hub", method="POST").respond_with_handler(
        lambda request: Response("", status=503 if down[0] else 204))
    configure(blog, f"file://{tmp_path / 'www'}", httpserver.url_for("/hub"), extra="retries = 0\n")
    first = run(blog, "build", "--upload")
    assert first.code == 0 and "HTTP 503" in first.err
    topics = sorted(req.form["hub.topic"] for req, _ in httpserver.log)
    assert len(topics) == len(FEEDS)  # every feed the upload sent, tried once
    down[0] = False
    httpserver.clear_log()
    again = run(blog, "build", "--upload")  # no entry changed
    assert (again.code, again.err) == (0, "")
    assert sorted(req.form["hub.topic"] for req, _ in httpserver.log) == topics
    httpserver.clear_log()
    last = run(blog, "build", "--upload")  # nothing owed: no request at all
    assert (last.code, last.err, httpserver.log) == (0, "", [])
