"""Pytest fixtures: real servers on 127.0.0.1 (upload targets, hubs, the preview server).

Enable with `pytest_plugins = ["servers.plugin"]` in tests/conftest.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from servers.dav import PASSWORD, USER, DavServer, Recorder
from servers.preview import Preview
from servers.proxy import DropProxy
from servers.s3 import KEY_ID, REGION, SECRET, FaultProxy, MotoServer
from servers.sshd import SSHD, Sshd, start_sshd

_counter = itertools.count()


@pytest.fixture(scope="session")
def dav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DavServer]:
    """One wsgidav server for the session; tests use their own folder under it."""
    server = DavServer(tmp_path_factory.mktemp("dav"))
    yield server
    server.stop()


@dataclass
class DavSpace:
    """One test's share of the WebDAV server: a URL, the folder it maps to, the recorder."""

    server: DavServer
    folder: str

    @property
    def url(self) -> str:
        return self.server.url(self.folder + "/")

    @property
    def remote(self) -> Path:
        return self.server.root / "rw" / self.folder

    @property
    def recorder(self) -> Recorder:
        return self.server.recorder


@pytest.fixture
def dav(dav_server: DavServer, monkeypatch: pytest.MonkeyPatch) -> DavSpace:
    """A fresh folder on the WebDAV server, with the right credentials in the environment."""
    dav_server.recorder.reset()
    monkeypatch.setenv("FEEDPUB_UPLOAD_USER", USER)
    monkeypatch.setenv("FEEDPUB_UPLOAD_PASSWORD", PASSWORD)
    return DavSpace(dav_server, f"t{next(_counter)}/feeds")


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """A throwaway sshd (skips, saying why, when OpenSSH's server is not installed)."""
    if not SSHD.exists():
        pytest.skip(
            f"{SSHD} not found: install Debian's openssh-server to run the SFTP tests "
            "(apt-get install -y openssh-server)"
        )
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture
def drop_proxy() -> Iterator[list[DropProxy]]:
    """Proxies that cut connections; the test creates them, this closes them."""
    proxies: list[DropProxy] = []
    yield proxies
    for proxy in proxies:
        proxy.close()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One moto S3 server process for the session; each test gets its own bucket."""
    server = MotoServer(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Credentials in the environment only; nothing of this machine's AWS setup is read, and
    the instance-metadata lookup (a non-loopback address) is switched off."""
    empty = tmp_path_factory.mktemp("aws")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION", "AWS_REGION",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@dataclass
class S3Space:
    """One test's bucket on the moto server, reached through a recording, fault-injecting proxy."""

    server: MotoServer
    proxy: FaultProxy
    bucket: str
    prefix: str = "live/"

    @property
    def table(self) -> dict[str, object]:
        """An [upload] table for this bucket (the endpoint is the proxy in front of moto)."""
        return {"target": f"s3://{self.bucket}/{self.prefix}", "endpoint_url": self.proxy.url,
                "region": REGION}

    def objects(self) -> dict[str, tuple[bytes, str, str]]:
        """name (under the prefix) → (bytes, Content-Type, Cache-Control), read from moto directly."""
        client = self.server.client()
        found = {}
        listing = client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)
        for item in listing.get("Contents", []):
            got = client.get_object(Bucket=self.bucket, Key=item["Key"])
            found[item["Key"][len(self.prefix):]] = (got["Body"].read(), got.get("ContentType", ""),
                                                     got.get("CacheControl", ""))
        return found

    def read(self, name: str) -> bytes | None:
        """One object's bytes, or None when there is none (for servers.watch)."""
        client = self.server.client()
        try:
            return bytes(client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"].read())
        except client.exceptions.NoSuchKey:
            return None

    def sent(self) -> list[str]:
        """Names PUT through the proxy so far, in order."""
        start = f"/{self.bucket}/{self.prefix}"
        return [path[len(start):] for path in self.proxy.puts() if path.startswith(start)]


@pytest.fixture
def s3(moto_server: MotoServer, s3_env: None) -> Iterator[S3Space]:
    """A fresh bucket, a proxy in front of the server, and credentials in the environment."""
    bucket = f"feeds-{next(_counter)}"
    moto_server.client().create_bucket(Bucket=bucket)
    proxy = FaultProxy(moto_server.port)
    yield S3Space(moto_server, proxy, bucket)
    proxy.close()


@pytest.fixture
def preview() -> Iterator[Callable[..., Preview]]:
    """Start ``publish.py serve`` for a blog folder: ``preview(site, "-v")``; stopped after the test."""
    started: list[Preview] = []

    def start(site: Path, *args: str) -> Preview:
        started.append(Preview(site, *args))
        return started[-1]

    yield start
    for server in started:
        server.stop()
