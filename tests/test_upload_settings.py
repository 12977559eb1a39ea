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
        "import sys, feedpub.upload.publish, feedpub.upload.websub;"
        "print([m for m in sys.modules if m.split('.')[0] in ('requests', 'paramiko')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    assert out.strip() == "[]"
