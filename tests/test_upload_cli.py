"""`publish.py upload` end to end: the sample blog built, uploaded to WebDAV, hubs pinged."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

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
    assert outcome.code == 0 and outcome.out.count("would send") == 3
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
