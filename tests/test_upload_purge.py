"""CDN purge after an upload, against a real HTTP server that records the requests it gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feedpub.errors import ConfigError
from feedpub.upload.settings import parse_settings
from servers.outputs import publish, write_outputs

ALL = ("style.xsl", "rss.xml", "atom.xml", "feed.json")


@pytest.fixture
def setup(tmp_path: Path, httpserver: HTTPServer) -> tuple[Path, Path, Path, str]:
    """A file:// target, and public URLs served by the recorder (so PURGE lands there)."""
    remote, out, state = tmp_path / "www", tmp_path / "feeds", tmp_path / "state"
    return remote, out, state, httpserver.url_for("/feeds/")


def recorded(server: HTTPServer, method: str) -> list[Request]:
    return [req for req, _ in server.log if req.method == method]


def test_purge_sends_one_purge_per_changed_url_and_nothing_when_unchanged(setup, httpserver) -> None:
    remote, out, state, public = setup
    httpserver.expect_request("/feeds/atom.xml", method="PURGE").respond_with_data("purged")
    httpserver.expect_request("/feeds/rss.xml", method="PURGE").respond_with_data("", status=404)
    httpserver.expect_request("/feeds/feed.json", method="PURGE").respond_with_data("ok")
    httpserver.expect_request("/feeds/style.xsl", method="PURGE").respond_with_data("ok")
    table = {"target": f"file://{remote}", "purge": {"method": "PURGE"}}
    write_outputs(out, 1)
    report, _ = publish(table, out, state, feeds_url=public)
    assert report.notices == ()  # 404 from a cache means "not cached": nothing to drop
    assert [r.path for r in recorded(httpserver, "PURGE")] == [f"/feeds/{n}" for n in ALL]
    assert report.purged == tuple(public + n for n in ALL)
    httpserver.clear_log()
    assert publish(table, out, state, feeds_url=public)[0].purged == ()
    assert recorded(httpserver, "PURGE") == []
    write_outputs(out, 2, names=("atom.xml",))
    publish(table, out, state, feeds_url=public)
    assert [r.path for r in recorded(httpserver, "PURGE")] == ["/feeds/atom.xml"]
    assert all("Authorization" not in r.headers for r in recorded(httpserver, "PURGE"))


def test_failed_purge_is_a_warning_and_retried_on_the_next_run(setup, httpserver) -> None:
    remote, out, state, public = setup
    answers = iter([503] * 3 + [200] * 10)
    httpserver.expect_request("/feeds/rss.xml", method="PURGE").respond_with_handler(
        lambda request: Response("", status=next(answers)))
    table = {"target": f"file://{remote}", "retries": 1, "purge": {"method": "PURGE"}}
    write_outputs(out, 1, names=("rss.xml",))
    report, _ = publish(table, out, state, feeds_url=public)
    assert report.sent == ("rss.xml",) and report.purged == ()
    assert [str(n) for n in report.notices] == [
        f"CDN purge: warning: {public}rss.xml: HTTP 503 SERVICE UNAVAILABLE (gave up after 2 "
        "attempts); retried on the next upload"]
    report, _ = publish(table, out, state, feeds_url=public)  # nothing changed, the purge is owed
    assert report.sent == () and report.notices == ()  # 3rd attempt 503, 4th 200 via retry
    assert report.purged == (f"{public}rss.xml",)
    assert publish(table, out, state, feeds_url=public)[0].purged == ()


def test_post_api_with_a_token_from_the_environment(setup, httpserver, monkeypatch) -> None:
    remote, out, state, public = setup
    monkeypatch.setenv("CDN_TOKEN", "tok-123")
    httpserver.expect_request("/zones/z1/purge_cache", method="POST").respond_with_json(
        {"success": True, "errors": []})
    table = {"target": f"file://{remote}",
             "purge": {"method": "POST", "url": httpserver.url_for("/zones/z1/purge_cache"),
                       "token_env": "CDN_TOKEN"}}
    write_outputs(out, 1)
    report, _ = publish(table, out, state, feeds_url=public)
    (request,) = recorded(httpserver, "POST")
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data()) == {"files": [public + n for n in ALL]}
    assert report.notices == () and len(report.purged) == 4


def test_post_api_saying_success_false_is_a_warning(setup, httpserver, monkeypatch) -> None:
    remote, out, state, public = setup
    httpserver.expect_request("/purge", method="POST").respond_with_json(
        {"success": False, "errors": [{"code": 1012, "message": "bad zone"}]})
    table = {"target": f"file://{remote}", "purge": {"method": "POST", "url": httpserver.url_for("/purge"),
                                                      "json_key": "urls"}}
    write_outputs(out, 1, names=("rss.xml",))
    report, _ = publish(table, out, state, feeds_url=public)
    (request,) = recorded(httpserver, "POST")
    assert json.loads(request.get_data()) == {"urls": [f"{public}rss.xml"]}
    assert "Authorization" not in request.headers  # no token configured, none sent
    assert len(report.notices) == 1 and "success: false" in str(report.notices[0])


def test_missing_token_postpones_the_purge(setup, httpserver, monkeypatch) -> None:
    remote, out, state, public = setup
    monkeypatch.delenv("CDN_TOKEN", raising=False)
    table = {"target": f"file://{remote}",
             "purge": {"method": "POST", "url": httpserver.url_for("/purge"), "token_env": "CDN_TOKEN"}}
    write_outputs(out, 1, names=("rss.xml",))
    report, _ = publish(table, out, state, feeds_url=public)
    assert [str(n) for n in report.notices] == [
        "CDN purge: warning: $CDN_TOKEN (upload.purge.token_env) is not set; purge postponed to the "
        "next upload"]
    assert httpserver.log == []


def test_purge_before_pings_so_hubs_fetch_fresh_bytes(setup, httpserver) -> None:
    remote, out, state, public = setup
    httpserver.expect_request("/feeds/rss.xml", method="PURGE").respond_with_data("ok")
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    table = {"target": f"file://{remote}", "purge": {"method": "PURGE"}}
    write_outputs(out, 1, names=("rss.xml",))
    publish(table, out, state, feeds_url=public, hubs=(httpserver.url_for("/hub"),))
    assert [r.method for r, _ in httpserver.log] == ["PURGE", "POST"]


def test_dry_run_lists_purges(setup, httpserver) -> None:
    remote, out, state, public = setup
    write_outputs(out, 1, names=("rss.xml",))
    _, lines = publish({"target": f"file://{remote}", "purge": {"method": "PURGE"}}, out, state,
                       feeds_url=public, dry_run=True)
    assert f"would purge {public}rss.xml" in lines and httpserver.log == []


@pytest.mark.parametrize(
    ("purge", "key", "fragment"),
    [
        ("PURGE", "upload.purge", "must be a table"),
        ({}, "upload.purge.method", "missing"),
        ({"method": "DELETE"}, "upload.purge.method", "one of 'PURGE', 'POST'"),
        ({"method": "POST"}, "upload.purge.url", "is required"),
        ({"method": "PURGE", "url": "https://x/"}, "upload.purge.url", "only for method"),
        ({"method": "POST", "url": "https://k:s@api.example/"}, "upload.purge.url", "credentials"),
        ({"method": "POST", "url": "https://a/", "token_env": "abc def"}, "upload.purge.token_env", "NAME"),
        ({"method": "PURGE", "token_header": "Bad Header"}, "upload.purge.token_header", "header name"),
        ({"method": "PURGE", "tokn_env": "X"}, "upload.purge.tokn_env",
         "did you mean upload.purge.token_env?"),
    ],
)
def test_bad_purge_tables(purge: object, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings({"target": "file:///srv/feeds", "purge": purge}, "feedpub.toml")
    assert err.value.key == key and fragment in err.value.message


def test_cron_retries_a_failed_purge_next_minute_though_nothing_changed(
        blog: Path, run, httpserver: HTTPServer, tmp_path: Path) -> None:
    """The cron line is `build --upload`, and most minutes nothing changes: a purge that
    failed must not wait for the next update (a closed feed is cached for a day)."""
    answers = iter([503, 200])
    httpserver.expect_request("/purge", method="POST").respond_with_handler(
        lambda request: Response("{}", status=next(answers), content_type="application/json"))
    config = blog / "feedpub.toml"
    config.write_text(config.read_text() + f'\n[upload]\ntarget = "file://{tmp_path / "www"}"\n'
                      f'retries = 0\n[upload.purge]\nmethod = "POST"\n'
                      f'url = "{httpserver.url_for("/purge")}"\n')
    first = run(blog, "build", "--upload")
    assert first.code == 0 and "CDN purge: warning:" in first.err
    assert len(recorded(httpserver, "POST")) == 1
    again = run(blog, "build", "--upload")  # no entry changed
    assert (again.code, again.err) == (0, "")
    assert len(recorded(httpserver, "POST")) == 2
    assert json.loads(recorded(httpserver, "POST")[1].get_data()) == \
        json.loads(recorded(httpserver, "POST")[0].get_data())
    last = run(blog, "build", "--upload")  # nothing owed: no request at all
    assert (last.code, last.err) == (0, "")
    assert len(recorded(httpserver, "POST")) == 2
