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
