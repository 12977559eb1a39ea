"""WebSub publish pings against a real HTTP server that records what it receives."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from feedpub.upload.websub import ping
from servers.sshd import free_port

TOPICS = ["https://blog.example.org/feeds/rss.xml", "https://blog.example.org/feeds/atom.xml"]


def test_posts_form_encoded_publish_for_each_hub_and_topic(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a", method="POST").respond_with_data("", status=204)
    httpserver.expect_request("/b", method="POST").respond_with_data("", status=202)
    hubs = [httpserver.url_for("/a"), httpserver.url_for("/b")]
    assert ping(hubs, TOPICS, timeout=5, retries=2) == ([], [])
    seen = [(req.path, req.form["hub.url"]) for req, _ in httpserver.log]
    assert seen == [("/a", TOPICS[0]), ("/a", TOPICS[1]), ("/b", TOPICS[0]), ("/b", TOPICS[1])]
    for req, _ in httpserver.log:
        assert req.content_type == "application/x-www-form-urlencoded"
        assert req.form["hub.mode"] == "publish"
        assert req.form["hub.topic"] == req.form["hub.url"]


def test_5xx_is_retried_then_succeeds(httpserver: HTTPServer) -> None:
    answers = iter([503, 502, 204])
    httpserver.expect_request("/hub").respond_with_handler(lambda request: Response("", status=next(answers)))
    assert ping([httpserver.url_for("/hub")], TOPICS[:1], timeout=5, retries=2, backoff=0) == ([], [])
    assert len(httpserver.log) == 3


def test_4xx_is_a_warning_without_retry(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hub").respond_with_data("no such topic", status=400)
    warnings, left = ping([httpserver.url_for("/hub")], TOPICS[:1], timeout=5, retries=3, backoff=0)
    assert [str(w) for w in warnings] == [
        f"WebSub hub {httpserver.url_for('/hub')}: warning: {TOPICS[0]}: HTTP 400 BAD REQUEST"]
    assert len(httpserver.log) == 1
    assert left == []  # the hub said no: the next run does not ask again


def test_5xx_beyond_retries_is_a_warning_and_the_topic_is_kept(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hub").respond_with_data("", status=503)
    warnings, left = ping([httpserver.url_for("/hub")], TOPICS, timeout=5, retries=1, backoff=0)
    assert len(warnings) == 2 and all("HTTP 503" in str(w) for w in warnings)
    assert left == TOPICS


def test_unreachable_hub_is_a_warning_after_bounded_retries() -> None:
    hub = f"http://user:pa55word@127.0.0.1:{free_port()}/hub"
    outcome = ping([hub], TOPICS, timeout=1, retries=1, backoff=0)
    warnings = [str(w) for w in outcome.notices]
    assert len(warnings) == 2 and outcome.left == TOPICS  # both pinged again next run
    assert "cannot connect" in warnings[0] and "gave up after 2 attempts" in warnings[0]
    assert "not tried, hub unreachable (cannot connect" in warnings[1]
    assert not any("pa55word" in w for w in warnings)


@pytest.mark.parametrize(("hubs", "topics"), [([], TOPICS), (["http://127.0.0.1:9/"], [])])
def test_nothing_to_do_sends_nothing(hubs: list[str], topics: list[str]) -> None:
    assert ping(hubs, topics, timeout=1, retries=0) == ([], [])


# --- #11.11: credentials must never reach a hub ----------------------------------------


def test_pings_send_no_netrc_credentials_not_even_after_a_redirect(dav, tmp_path, httpserver,
                                                                    monkeypatch) -> None:
    """The WebDAV login sits in ~/.netrc for 127.0.0.1; the hub is on 127.0.0.1 too (another
    port) and redirects. No request to the hub or its redirect target may carry it."""
    from servers.dav import PASSWORD, USER
    from servers.outputs import publish, write_outputs

    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    (home / ".netrc").chmod(0o600)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.delenv("FEEDPUB_UPLOAD_USER")
    monkeypatch.delenv("FEEDPUB_UPLOAD_PASSWORD")
    httpserver.expect_request("/hub", method="POST").respond_with_response(
        Response("", status=307, headers={"Location": httpserver.url_for("/hub2")}))
    httpserver.expect_request("/hub2", method="POST").respond_with_data("", status=204)
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    report, _ = publish({"target": dav.url}, out, state, hubs=(httpserver.url_for("/hub"),))
    assert len(report.sent) == 4 and report.notices == ()  # the upload itself used the netrc login
    assert [req.path for req, _ in httpserver.log] == ["/hub", "/hub2"] * 3
    assert [req.headers.get("Authorization") for req, _ in httpserver.log] == [None] * 6


def test_user_info_in_a_hub_url_is_not_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    hub = httpserver.url_for("/hub").replace("http://", "http://user:pa55word@")
    assert ping([hub], TOPICS[:1], timeout=5, retries=0) == ([], [])
    (request, _), = httpserver.log
    assert "Authorization" not in request.headers
