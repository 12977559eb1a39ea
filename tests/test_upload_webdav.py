"""Upload to a real wsgidav server (Basic auth on): bytes, metadata, pings, faults, errors."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from feedpub.errors import UploadError
from servers.dav import PASSWORD, USER
from servers.outputs import FEEDS, public_urls, publish, version, write_outputs
from servers.proxy import DropProxy
from servers.sshd import free_port
from servers.watch import VersionWatcher, folder_reader

ALL = ("style.xsl", *FEEDS)


@pytest.fixture
def hub(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    return httpserver


def hub_topics(server: HTTPServer) -> list[str]:
    return [urllib.parse.parse_qs(req.get_data(as_text=True))["hub.topic"][0] for req, _ in server.log]


def test_upload_matches_local_bytes_content_types_and_pings(dav, tmp_path: Path, hub) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    local = write_outputs(out, 1)
    report, _ = publish({"target": dav.url}, out, state, hubs=(hub.url_for("/hub"),))
    assert report.sent == ALL and report.notices == ()
    for name, data in local.items():
        assert (dav.remote / name).read_bytes() == data
    assert sorted(p.name for p in dav.remote.iterdir()) == sorted(ALL)
    puts = {Path(path).name: ctype for method, path, ctype in dav.recorder.requests if method == "PUT"}
    assert puts[".rss.xml.feedpub-tmp-upload"] == "application/rss+xml; charset=utf-8"
    assert puts[".atom.xml.feedpub-tmp-upload"] == "application/atom+xml; charset=utf-8"
    assert puts[".feed.json.feedpub-tmp-upload"] == "application/feed+json; charset=utf-8"
    assert all(m != "PUT" or Path(p).name.startswith(".") for m, p, _ in dav.recorder.requests)
    urls = public_urls()
    assert report.pinged == tuple(urls[n] for n in FEEDS)
    assert hub_topics(hub) == [urls[n] for n in FEEDS]
    request = hub.log[0][0]
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.form["hub.mode"] == "publish" and request.form["hub.url"] == urls["rss.xml"]


def test_second_run_sends_nothing_then_one_change_is_sent_and_pinged(dav, tmp_path, hub) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    hubs = (hub.url_for("/hub"),)
    publish({"target": dav.url}, out, state, hubs=hubs)
    hub.clear_log()
    dav.recorder.reset()
    report, _ = publish({"target": dav.url}, out, state, hubs=hubs)
    assert report.sent == () and report.pinged == ()
    assert dav.recorder.requests == [] and len(hub.log) == 0
    (out / "feed.json").write_bytes(b'{"version": "https://jsonfeed.org/version/1.1"}')
    report, _ = publish({"target": dav.url}, out, state, hubs=hubs)
    assert report.sent == ("feed.json",)
    assert hub_topics(hub) == [public_urls()["feed.json"]]
    assert (dav.remote / "feed.json").read_bytes() == (out / "feed.json").read_bytes()


NESTED = ("archive/rss-1.xml", "archive/atom-1.xml", "archive/deeper/feed-1.json")


@pytest.mark.parametrize("folder_exists", [False, True])
def test_archive_pages_create_their_folders(dav, tmp_path: Path, folder_exists: bool) -> None:
    """Nested names (archive pages) get their folders by MKCOL, each once, then the feeds."""
    out, state = tmp_path / "feeds", tmp_path / "state"
    if folder_exists:  # the target folder is there already, its sub-folders are not
        write_outputs(out, 0, names=("feed.json",))
        publish({"target": dav.url}, out, state)
        dav.recorder.reset()
    local = write_outputs(out, 1, names=(*NESTED, *FEEDS))
    report, _ = publish({"target": dav.url}, out, state)
    assert report.sent == (*sorted(NESTED), *FEEDS)
    for name, data in local.items():
        assert (dav.remote / name).read_bytes() == data
    made = [path for method, path, _ in dav.recorder.requests if method == "MKCOL"]
    assert len(made) == len(set(made))  # no folder twice
    assert {p for p in made if "archive" in p} == {f"/dav/{dav.folder}/archive/",
                                                  f"/dav/{dav.folder}/archive/deeper/"}
    assert not [p for p in (dav.remote / "archive").rglob(".*")]  # no temporary file left
    dav.recorder.reset()
    assert publish({"target": dav.url}, out, state)[0].sent == ()


def test_503_twice_then_success(dav, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    old = write_outputs(out, 1)
    publish({"target": dav.url}, out, state)
    local = write_outputs(out, 2)
    dav.recorder.fail_next("PUT", 503, 2)
    allowed = {n: (old[n], local[n]) for n in ALL}
    with VersionWatcher(folder_reader(dav.remote), allowed) as watcher:
        report, lines = publish({"target": dav.url, "retries": 3}, out, state)
    assert report.sent == ALL and watcher.violations == []
    assert sum("HTTP 503" in line and "retry" in line for line in lines) == 2
    assert all((dav.remote / n).read_bytes() == d for n, d in local.items())


def test_503_beyond_retries_is_a_one_line_error_and_next_run_finishes(dav, tmp_path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    publish({"target": dav.url}, out, state)
    local = write_outputs(out, 2)
    dav.recorder.fail_next("MOVE", 503, 2)
    with pytest.raises(UploadError) as err:
        publish({"target": dav.url, "retries": 1}, out, state)
    assert str(err.value).startswith("style.xsl: webdav://127.0.0.1:")
    assert "HTTP 503" in str(err.value) and "gave up after 2 attempts" in str(err.value)
    assert (dav.remote / "rss.xml").read_bytes() != local["rss.xml"]  # old, untouched
    report, _ = publish({"target": dav.url}, out, state)
    assert report.sent == ALL
    assert all((dav.remote / n).read_bytes() == d for n, d in local.items())


def test_connection_dropped_mid_file_keeps_old_or_new(dav, tmp_path, drop_proxy) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    old = write_outputs(out, 1, size=300_000)
    publish({"target": dav.url}, out, state)
    new = write_outputs(out, 2, size=300_000)
    proxy = DropProxy(dav.server.port, drop_after=150_000, drops=2)
    drop_proxy.append(proxy)
    target = dav.server.url(dav.url.split("/dav/", 1)[1], port=proxy.port)
    allowed = {n: (old[n], new[n]) for n in ALL}
    with VersionWatcher(folder_reader(dav.remote), allowed) as watcher:
        report, lines = publish({"target": target, "retries": 3}, out, state)
    assert proxy.dropped == 2 and report.sent == ALL
    assert sum("retry" in line for line in lines) == 2
    assert watcher.violations == [] and watcher.polls > 0
    assert all((dav.remote / n).read_bytes() == d for n, d in new.items())


def test_wrong_password_is_one_line_without_the_password(dav, tmp_path, monkeypatch) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", "hunter2-wrong")
    dav.recorder.reset()
    with pytest.raises(UploadError) as err:
        publish({"target": dav.url}, out, state)
    message = str(err.value)
    assert "\n" not in message and "401" in message and message.startswith("style.xsl: ")
    assert "hunter2" not in message and USER not in message
    assert sum(m == "PUT" for m, _, _ in dav.recorder.requests) == 1  # a 4xx is not retried


def test_credentials_from_netrc(dav, tmp_path: Path, monkeypatch) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.delenv("FEEDPUB_UPLOAD_USER")
    monkeypatch.delenv("FEEDPUB_UPLOAD_PASSWORD")
    report, _ = publish({"target": dav.url}, out, state)
    assert report.sent == ALL


def test_custom_env_names_and_https_put_style_url(dav, tmp_path, monkeypatch) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    monkeypatch.setenv("MY_DAV_USER", USER)
    monkeypatch.setenv("MY_DAV_PASS", PASSWORD)
    monkeypatch.delenv("FEEDPUB_UPLOAD_PASSWORD")
    table = {
        "target": dav.url.replace("webdav://", "http://"),
        "method": "PUT",
        "username_env": "MY_DAV_USER",
        "password_env": "MY_DAV_PASS",
    }
    report, _ = publish(table, out, state)
    assert report.sent == ALL


def test_read_only_folder_is_a_one_line_forbidden_error(dav_server, dav, tmp_path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    target = f"webdav://127.0.0.1:{dav_server.port}/ro/"
    with pytest.raises(UploadError) as err:
        publish({"target": target}, out, state)
    message = str(err.value)
    assert "\n" not in message and "403" in message and message.startswith("style.xsl: ")
    assert (
        not list(state.glob("upload/*.json")) or 'files": {}' in next(state.glob("upload/*.json")).read_text()
    )


def test_connection_refused_after_retries(tmp_path: Path, monkeypatch) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", "s3cret-value")
    target = f"webdavs://127.0.0.1:{free_port()}/feeds/"
    with pytest.raises(UploadError) as err:
        publish({"target": target, "retries": 2}, out, state)
    message = str(err.value)
    assert "connection refused" in message and "gave up after 3 attempts" in message
    assert "\n" not in message and "s3cret" not in message


def test_hub_failure_is_a_warning_not_a_failed_publish(dav, tmp_path, httpserver) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    httpserver.expect_request("/hub").respond_with_data("down", status=500)
    report, _ = publish({"target": dav.url, "retries": 1}, out, state, hubs=(httpserver.url_for("/hub"),))
    assert report.sent == ALL and len(report.notices) == 3
    assert all("HTTP 500" in str(w) and "\n" not in str(w) for w in report.notices)
    assert len(httpserver.log) == 6  # 3 feeds × (1 try + 1 retry)
    report, _ = publish({"target": dav.url}, out, state, hubs=(httpserver.url_for("/hub"),))
    assert report.sent == () and report.pinged == ()


def test_failed_run_still_pings_feeds_it_sent_once_a_later_run_succeeds(dav, tmp_path, hub):
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    hubs = (hub.url_for("/hub"),)
    dav.recorder.fail_next("PUT", 403, 1, path_contains="atom.xml")
    with pytest.raises(UploadError, match=r"^atom\.xml: .*403"):
        publish({"target": dav.url}, out, state, hubs=hubs)
    assert len(hub.log) == 0  # no ping after a failed upload
    report, _ = publish({"target": dav.url}, out, state, hubs=hubs)
    assert report.sent == ("atom.xml", "feed.json")
    assert hub_topics(hub) == [public_urls()[n] for n in FEEDS]  # rss.xml too, owed from before


def test_watcher_catches_a_plain_put_onto_the_live_name(dav, drop_proxy) -> None:
    """Negative control: without temp + MOVE a reader does see partial bytes."""
    import requests

    proxy = DropProxy(dav.server.port, drops=0, delay=0.002)
    drop_proxy.append(proxy)
    old, new = version("rss.xml", 1, 2_000_000), version("rss.xml", 2, 2_000_000)
    url = f"http://127.0.0.1:{proxy.port}/dav/{dav.folder.split('/')[0]}/rss.xml"
    auth = (USER, PASSWORD)
    dav.remote.parent.mkdir(parents=True, exist_ok=True)
    requests.put(url, data=old, auth=auth, timeout=10).raise_for_status()
    remote = dav.remote.parent
    with VersionWatcher(folder_reader(remote), {"rss.xml": (old, new)}) as watcher:
        requests.put(url, data=new, auth=auth, timeout=10).raise_for_status()
    assert watcher.violations


# --- #11.15: a server that answers 201 and keeps nothing -------------------------------


@pytest.mark.parametrize("mode", ["discard", "truncate"])
def test_a_server_that_acknowledges_and_does_not_keep_is_exit_6(mode: str, tmp_path: Path) -> None:
    from servers.blackhole import BlackholeDav

    server = BlackholeDav(mode)
    try:
        out, state = tmp_path / "feeds", tmp_path / "state"
        write_outputs(out, 1, names=("rss.xml",), size=1000)
        with pytest.raises(UploadError) as err:
            publish({"target": server.url(), "retries": 1}, out, state)
    finally:
        server.close()
    size = len(version("rss.xml", 1, 1000))
    found = "is not there" if mode == "discard" else f"has {size // 2} bytes instead of {size}"
    assert str(err.value) == (f"rss.xml: {server.url()}: MOVE answered 201 but the server's rss.xml "
                              f"{found} (gave up after 2 attempts)")
    assert [m for m, _ in server.requests].count("PUT") == 2  # retried, then given up
    manifest = next((state / "upload").glob("*.json"), None)
    assert manifest is None or '"files": {}' in manifest.read_text()


def test_a_server_without_head_sizes_is_checked_with_propfind(tmp_path: Path) -> None:
    from servers.blackhole import BlackholeDav

    server = BlackholeDav("nohead")
    try:
        out, state = tmp_path / "feeds", tmp_path / "state"
        write_outputs(out, 1, names=("rss.xml", "atom.xml"))
        report, _ = publish({"target": server.url()}, out, state)
    finally:
        server.close()
    assert report.sent == ("rss.xml", "atom.xml")
    assert [r for r in server.requests if r[0] != "PUT"] == [
        ("MOVE", "/feeds/.rss.xml.feedpub-tmp-upload"), ("HEAD", "/feeds/rss.xml"),
        ("PROPFIND", "/feeds/rss.xml"), ("MOVE", "/feeds/.atom.xml.feedpub-tmp-upload"),
        ("HEAD", "/feeds/atom.xml"), ("PROPFIND", "/feeds/atom.xml")]


def test_every_file_is_read_back_after_its_move(dav, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    publish({"target": dav.url}, out, state)
    checks = [Path(p).name for m, p, _ in dav.recorder.requests if m in ("HEAD", "PROPFIND")]
    assert checks == list(ALL)


# --- Basic auth over plain http ------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "warned"),
    [
        ("webdav://dav.example.org/feeds/", True),
        ("http://dav.example.org/feeds/", True),
        ("webdavs://dav.example.org/feeds/", False),
        ("webdav://127.0.0.1:8080/feeds/", False),
        ("webdav://localhost/feeds/", False),
        ("webdav://[::1]/feeds/", False),
    ],
)
def test_a_password_over_plain_http_to_another_host_is_warned_about(target: str, warned: bool,
                                                                     monkeypatch) -> None:
    from feedpub.upload.publish import open_target
    from feedpub.upload.settings import parse_settings

    monkeypatch.setenv("FEEDPUB_UPLOAD_USER", USER)
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", PASSWORD)
    table = {"target": target, **({"method": "PUT"} if target.startswith("http") else {})}
    target_object = open_target(parse_settings(table, "feedpub.toml"))  # opens no connection
    target_object.close()
    expected = [f"{target}: warning: the WebDAV password is sent over plain http, readable by anyone "
                "on the way; use webdavs:// (https)"] if warned else []
    assert [str(n) for n in target_object.notices] == expected


def test_no_credentials_no_warning(monkeypatch, tmp_path: Path) -> None:
    from feedpub.upload.publish import open_target
    from feedpub.upload.settings import parse_settings

    monkeypatch.delenv("FEEDPUB_UPLOAD_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("HOME", str(tmp_path))
    target = open_target(parse_settings({"target": "webdav://dav.example.org/f/"}, "feedpub.toml"))
    assert target.notices == []


def test_plain_http_warning_reaches_the_run_report(dav, tmp_path: Path, monkeypatch) -> None:
    """End to end through a forward proxy, so "another host" needs no other machine."""
    from servers.s3 import FaultProxy

    proxy = FaultProxy(dav.server.port)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "")
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1, names=("rss.xml",))
    try:
        report, _ = publish({"target": "webdav://dav.example.org/dav/warn/", "retries": 0}, out, state)
    finally:
        proxy.close()
    assert proxy.requests[0][0] == "PUT" and proxy.requests[0][1].startswith("http://dav.example.org/")
    assert report.sent == ("rss.xml",)
    assert [str(n) for n in report.notices] == [
        "webdav://dav.example.org/dav/warn/: warning: the WebDAV password is sent over plain http, "
        "readable by anyone on the way; use webdavs:// (https)"]
