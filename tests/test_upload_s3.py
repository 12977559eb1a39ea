"""Upload to a real S3 API (moto's standalone server) through a recording, fault-injecting proxy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedpub.errors import UploadError
from servers.outputs import FEEDS, publish, version, write_outputs
from servers.watch import VersionWatcher

ALL = ("style.xsl", *FEEDS)
LIVE, CLOSED = "public, max-age=300", "public, max-age=86400"  # the sample's ttl is 5 minutes
TYPES = {
    "style.xsl": "application/xslt+xml; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
}


def test_upload_sets_bytes_content_type_and_cache_control(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    local = write_outputs(out, 1)
    report, _ = publish(s3.table, out, state)
    assert report.sent == ALL and s3.sent() == list(ALL)  # feeds last
    assert s3.objects() == {name: (local[name], TYPES[name], LIVE) for name in ALL}


def test_one_change_sends_only_it_and_second_run_sends_nothing(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    publish(s3.table, out, state)
    s3.proxy.reset()
    report, _ = publish(s3.table, out, state)
    assert report.sent == () and s3.proxy.requests == []  # not even a connection
    new = write_outputs(out, 2, names=("atom.xml",))
    report, _ = publish(s3.table, out, state)
    assert report.sent == ("atom.xml",) and s3.sent() == ["atom.xml"]
    assert s3.objects()["atom.xml"] == (new["atom.xml"], TYPES["atom.xml"], LIVE)


def test_closing_the_blog_changes_every_cache_control(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    local = write_outputs(out, 1)
    publish(s3.table, out, state)
    s3.proxy.reset()
    report, _ = publish(s3.table, out, state, closed=True)
    assert report.sent == ALL  # same bytes, new headers: the store must get them
    assert s3.objects() == {name: (local[name], TYPES[name], CLOSED) for name in ALL}
    report, _ = publish(s3.table, out, state, closed=True)
    assert report.sent == ()


def test_fresh_state_folder_resends_nothing_unchanged(s3, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_outputs(out, 1)
    publish(s3.table, out, tmp_path / "state")
    s3.proxy.reset()
    report, _ = publish(s3.table, out, tmp_path / "fresh-state-1")
    assert report.sent == () and s3.sent() == []  # read the listing (and HEADs), sent nothing
    assert [m for m, _ in s3.proxy.requests] == ["GET", "HEAD", "HEAD", "HEAD", "HEAD"]
    new = write_outputs(out, 2, names=("feed.json",))
    s3.proxy.reset()
    report, lines = publish(s3.table, out, tmp_path / "fresh-state")
    assert report.sent == ("feed.json",) and s3.sent() == ["feed.json"]
    assert any("3 of 4 file(s) already there" in line for line in lines)
    assert s3.objects()["feed.json"][0] == new["feed.json"]
    (manifest,) = (tmp_path / "fresh-state" / "upload").glob("*.json")
    assert set(json.loads(manifest.read_text())["files"]) == set(ALL)


def test_fresh_state_folder_with_other_headers_resends(s3, tmp_path: Path) -> None:
    """The listing says "same bytes", HEAD says "other Cache-Control": the file goes again."""
    out = tmp_path / "feeds"
    write_outputs(out, 1)
    publish(s3.table, out, tmp_path / "state")
    s3.proxy.reset()
    report, _ = publish(s3.table, out, tmp_path / "fresh-state", closed=True)
    assert report.sent == ALL


def test_dry_run_lists_and_sends_nothing(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    report, lines = publish(s3.table, out, state, dry_run=True)
    assert report.sent == ALL and s3.sent() == [] and s3.objects() == {}
    assert [line.split()[2] for line in lines if line.startswith("would send")] == list(ALL)
    assert f"Cache-Control: {LIVE}" in lines[-1]
    assert not (state / "upload").exists()


def test_503_slowdown_twice_then_success(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    local = write_outputs(out, 1)
    s3.proxy.fail_next("PUT", 503, 2, path_part="rss.xml")
    report, lines = publish({**s3.table, "retries": 3}, out, state)
    assert report.sent == ALL
    retries = [line for line in lines if "retry" in line]
    assert len(retries) == 2 and all("SlowDown (HTTP 503)" in line for line in retries)
    assert retries[0].startswith("rss.xml: PUT live/rss.xml: ")
    assert {n: o[0] for n, o in s3.objects().items()} == local


def test_slowdown_beyond_retries_is_one_line_exit_6_naming_the_object(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    s3.proxy.fail_next("PUT", 503, 5, path_part="atom.xml")
    with pytest.raises(UploadError) as err:
        publish({**s3.table, "retries": 1}, out, state)
    message = str(err.value)
    assert message == (f"atom.xml: s3://{s3.bucket}/live/: PUT live/atom.xml: SlowDown (HTTP 503) "
                       "(gave up after 2 attempts)")
    assert err.value.exit_code == 6
    s3.proxy.reset()
    report, _ = publish(s3.table, out, state)
    assert report.sent == ("atom.xml", "feed.json")  # the run converges


def test_connection_dropped_mid_put_keeps_old_or_new(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    old = write_outputs(out, 1, size=300_000)
    publish(s3.table, out, state)
    new = write_outputs(out, 2, size=300_000)
    s3.proxy.drop_next("PUT", after_bytes=150_000, times=2, path_part="rss.xml")
    with VersionWatcher(s3.read, {n: (old[n], new[n]) for n in ALL}) as watcher:
        report, lines = publish({**s3.table, "retries": 3}, out, state)
    assert report.sent == ALL and sum("retry" in line for line in lines) == 2
    assert watcher.violations == [] and watcher.polls > 0
    assert {n: o[0] for n, o in s3.objects().items()} == new


def test_access_denied_is_permanent_and_names_the_object(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    denied = (b"<?xml version='1.0'?><Error><Code>AccessDenied</Code>"
              b"<Message>Access Denied</Message></Error>")
    s3.proxy.fail_next("PUT", 403, 1, path_part="style.xsl", body=denied)
    with pytest.raises(UploadError) as err:
        publish(s3.table, out, state)
    assert str(err.value).startswith(f"style.xsl: s3://{s3.bucket}/live/: PUT live/style.xsl: "
                                     "AccessDenied (HTTP 403): access denied")
    assert s3.sent() == ["style.xsl"]  # not retried


def test_missing_bucket_and_missing_credentials(s3, tmp_path: Path, monkeypatch) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    table = {**s3.table, "target": "s3://no-such-bucket/live/"}
    with pytest.raises(UploadError, match=r"NoSuchBucket \(HTTP 404\): the bucket does not exist"):
        publish(table, out, state, force=True)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(UploadError) as err:
        publish(s3.table, out, state, force=True)
    assert str(err.value) == (f"style.xsl: s3://{s3.bucket}/live/: no S3 credentials found: set "
                              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile of "
                              "~/.aws/credentials in upload.profile")


def test_credentials_from_a_named_profile(s3, tmp_path: Path, monkeypatch) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    credentials = tmp_path / "credentials"
    credentials.write_text("[feeds]\naws_access_key_id = from-profile\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    report, _ = publish({**s3.table, "profile": "feeds"}, out, state)
    assert report.sent == ALL
    with pytest.raises(UploadError, match=r"profile 'other' \(upload.profile\) is not in"):
        publish({**s3.table, "profile": "other"}, out, tmp_path / "state2")


def test_archive_pages_are_immutable_on_the_store(s3, tmp_path: Path) -> None:
    """Names under archive/ (full archive pages, once written) get a year and `immutable`."""
    from feedpub.upload.publish import plan_upload, upload_outputs
    from servers.outputs import upload_config

    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    (out / "archive").mkdir()
    (out / "archive" / "page-1.xml").write_bytes(version("page-1.xml", 1))
    config = upload_config({**s3.table, "backoff": 0.01}, out, state)
    names = [*ALL, "archive/page-1.xml"]
    assert [f.name for f in plan_upload(config, names)][-3:] == list(FEEDS)
    upload_outputs(config, names=ALL)  # the folder's own files; the archive page goes below
    from feedpub.upload.publish import open_target

    target = open_target(config.upload)  # type: ignore[arg-type]
    (page,) = [f for f in plan_upload(config, names) if f.name.startswith("archive/")]
    target.put_atomic(page.name, page.data, page.meta)
    target.close()
    assert s3.objects()["archive/page-1.xml"][2] == "public, max-age=31536000, immutable"


def test_public_read_acl_for_stores_without_a_bucket_policy(s3, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1, names=("rss.xml",))
    publish({**s3.table, "acl": "public-read"}, out, state)
    grants = s3.server.client().get_object_acl(Bucket=s3.bucket, Key="live/rss.xml")["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("/global/AllUsers") and g["Permission"] == "READ"
               for g in grants)
    publish(s3.table, out, tmp_path / "state2", force=True)  # no acl key: no ACL header sent
    grants = s3.server.client().get_object_acl(Bucket=s3.bucket, Key="live/rss.xml")["Grants"]
    assert not any(g["Grantee"].get("URI", "").endswith("/global/AllUsers") for g in grants)


def test_a_key_that_may_not_list_falls_back_to_sending_everything(s3, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_outputs(out, 1)
    publish(s3.table, out, tmp_path / "state")
    denied = b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>no</Message></Error>"
    s3.proxy.reset()
    s3.proxy.fail_next("GET", 403, 1, path_part="list-type=2", body=denied)
    report, _ = publish(s3.table, out, tmp_path / "fresh-state")
    assert report.sent == ALL
    assert [str(n) for n in report.notices] == [
        f"s3://{s3.bucket}/live/: warning: cannot list what is already there (LIST live/: AccessDenied "
        "(HTTP 403): access denied: check what this key may do (its policy, the bucket policy)); "
        "sending every file"]
