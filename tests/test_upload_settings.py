"""The [upload] table: defaults, clear ConfigErrors, no credentials, retry policy, manifest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from feedpub.errors import ConfigError
from feedpub.upload.base import PermanentError, TransientError
from feedpub.upload.manifest import Manifest
from feedpub.upload.retry import backoff_delays, with_retries
from feedpub.upload.settings import parse_settings


def test_defaults() -> None:
    s = parse_settings({"target": "webdavs://dav.example.org/feeds/"}, "feedpub.toml")
    assert (s.scheme, s.retries, s.timeout, s.backoff) == ("webdavs", 3, 30.0, 1.0)
    assert (s.username_env, s.password_env) == ("FEEDPUB_UPLOAD_USER", "FEEDPUB_UPLOAD_PASSWORD")
    assert s.after_build is False and s.identity_file is None


def test_all_keys() -> None:
    s = parse_settings(
        {
            "target": "sftp://deploy@web.example.org:2222/srv/www/feeds",
            "identity_file": "~/.ssh/id_feeds",
            "known_hosts": "/etc/feedpub/known_hosts",
            "passphrase_env": "FEEDS_KEY_PASS",
            "timeout": 10,
            "retries": 5,
            "backoff": 0.5,
            "after_build": True,
        },
        "feedpub.toml",
    )
    assert s.identity_file == Path("~/.ssh/id_feeds").expanduser()
    assert (
        s.retries == 5 and s.after_build and s.display_target == "sftp://web.example.org:2222/srv/www/feeds"
    )


@pytest.mark.parametrize(
    ("table", "key", "fragment"),
    [
        ({}, "upload.target", "missing"),
        ({"target": 3}, "upload.target", "URL string"),
        ({"target": "ftp://h/x"}, "upload.target", "scheme ftp://"),
        ({"target": "webdavs://u:secret@h/x"}, "upload.target", "must not contain a password"),
        ({"target": "https://h/x"}, "upload.method", 'needs method = "PUT"'),
        ({"target": "https://h/x", "method": "POST"}, "upload.method", "not supported"),
        ({"target": "file://otherhost/x"}, "upload.target", "must be local"),
        ({"target": "sftp:///x"}, "upload.target", "needs a host"),
        ({"target": "webdav://h:99999/x"}, "upload.target", "not a valid URL"),
        ({"target": "file:///x", "password": "pw"}, "upload.password", "unknown key"),
        ({"target": "file:///x", "password_env": "hunter 2!"}, "upload.password_env", "NAME"),
        ({"target": "file:///x", "retries": 2.5}, "upload.retries", "whole number"),
        ({"target": "file:///x", "retries": 50}, "upload.retries", "at most 10"),
        ({"target": "file:///x", "timeout": 0}, "upload.timeout", "at least"),
        ({"target": "file:///x", "after_build": "yes"}, "upload.after_build", "true or false"),
    ],
)
def test_bad_tables(table: dict, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings(table, "blog/feedpub.toml")
    assert err.value.key == key and fragment in err.value.message
    assert str(err.value).startswith(f"blog/feedpub.toml: {key}: ") and "\n" not in str(err.value)
    assert "secret" not in str(err.value)


def test_backoff_grows_exponentially_and_is_capped() -> None:
    assert backoff_delays(4, 1.0) == [1.0, 2.0, 4.0, 8.0]
    assert backoff_delays(3, 20.0) == [20.0, 30.0, 30.0]


def test_with_retries_retries_transient_only() -> None:
    calls, pauses = [], []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("reset")
        return "ok"

    assert with_retries(flaky, retries=3, backoff=0.5, sleep=pauses.append) == "ok"
    assert pauses == [0.5, 1.0]

    def forbidden() -> None:
        calls.append(1)
        raise PermanentError("403")

    calls.clear()
    with pytest.raises(PermanentError):
        with_retries(forbidden, retries=3, backoff=0, sleep=pauses.append)
    assert len(calls) == 1

    def down() -> None:
        raise TransientError("503")

    with pytest.raises(TransientError):
        with_retries(down, retries=2, backoff=0, sleep=lambda _: None)


def test_manifest_round_trip_and_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "upload" / "m.json"
    m = Manifest.load(path, "file:///x")
    m.confirm("rss.xml", "ab" * 32, "https://b/rss.xml")
    again = Manifest.load(path, "file:///x")
    assert again.files == {"rss.xml": "ab" * 32}
    assert again.pending_pings == ["https://b/rss.xml"]
    assert not again.changed("rss.xml", "ab" * 32) and again.changed("atom.xml", "cd" * 32)
    assert [p.name for p in path.parent.iterdir()] == ["m.json"]  # no temp files left over
    path.write_text("{torn")
    assert Manifest.load(path, "file:///x").files == {}
    path.write_text(json.dumps({"version": 99, "files": {"a": "b"}}))
    assert Manifest.load(path, "file:///x").files == {}


def test_importing_the_entry_point_loads_no_network_library() -> None:
    import subprocess

    code = (
        "import sys, feedpub.upload.publish, feedpub.upload.websub, feedpub.upload.headers;"
        "print([m for m in sys.modules if m.split('.')[0] in ('requests', 'paramiko', 'boto3', 'botocore')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    assert out.strip() == "[]"


def test_s3_defaults_and_keys() -> None:
    s = parse_settings({"target": "s3://feeds/live/"}, "feedpub.toml")
    assert (s.scheme, s.addressing_style, s.deadline, s.endpoint_url, s.profile) == (
        "s3", "auto", 120.0, None, None)
    assert s.stores_headers and s.display_target == "s3://feeds/live/"
    s = parse_settings({"target": "s3://my.feeds-2024/", "endpoint_url": "https://acc.r2.cloudflarestorage.com",
                        "region": "auto", "addressing_style": "path", "profile": "newsroom",
                        "deadline": 60}, "feedpub.toml")
    assert (s.region, s.addressing_style, s.profile, s.deadline) == ("auto", "path", "newsroom", 60.0)
    assert not parse_settings({"target": "webdavs://h/x"}, "feedpub.toml").stores_headers


@pytest.mark.parametrize(
    ("table", "key", "fragment"),
    [
        ({"target": "s3://Feeds/live/"}, "upload.target", "not a valid bucket name"),
        ({"target": "s3://ab/"}, "upload.target", "not a valid bucket name"),
        ({"target": "s3://feeds:9000/live/"}, "upload.target", "s3://bucket/prefix/"),
        ({"target": "s3://key@feeds/live/"}, "upload.target", "s3://bucket/prefix/"),
        ({"target": "s3://key:hunter2@feeds/"}, "upload.target", "must not contain a password"),
        ({"target": "s3://feeds/", "endpoint_url": "minio:9000"}, "upload.endpoint_url", "http(s) URL"),
        ({"target": "s3://feeds/", "endpoint_url": "http://k:hunter2@minio:9000"}, "upload.endpoint_url",
         "must not contain credentials"),
        ({"target": "webdavs://h/x", "endpoint_url": "https://e/"}, "upload.endpoint_url",
         "only for s3:// targets"),
        ({"target": "s3://feeds/", "addressing_style": "dns"}, "upload.addressing_style", "one of"),
        ({"target": "s3://feeds/", "region": "EU West"}, "upload.region", "region name"),
        ({"target": "s3://feeds/", "deadline": 0}, "upload.deadline", "at least"),
        ({"target": "s3://feeds/", "endpoint": "https://e/"}, "upload.endpoint",
         "did you mean upload.endpoint_url?"),
        ({"target": "s3://feeds/", "retires": 2}, "upload.retires", "did you mean upload.retries?"),
        ({"target": "s3://feeds/", "aws_secret_access_key": "hunter2"}, "upload.aws_secret_access_key",
         "unknown key"),
    ],
)
def test_bad_s3_tables(table: dict, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings(table, "feedpub.toml")
    assert err.value.key == key and fragment in err.value.message, err.value.message
    assert "\n" not in str(err.value) and "hunter2" not in str(err.value)
