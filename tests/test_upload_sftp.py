"""Upload over SFTP to a real, throwaway OpenSSH sshd: bytes, atomic rename, faults, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.errors import UploadError
from servers.outputs import FEEDS, publish, write_outputs
from servers.proxy import DropProxy
from servers.sshd import Sshd, free_port
from servers.watch import VersionWatcher, folder_reader

pytestmark = pytest.mark.sshd
ALL = ("style.xsl", *FEEDS)


def table(sshd: Sshd, remote: Path, **extra: object) -> dict:
    return {
        "target": sshd.url(remote),
        "identity_file": str(sshd.identity),
        "known_hosts": str(sshd.known_hosts),
        **extra,
    }


def test_upload_then_nothing_then_only_the_change(sshd_server: Sshd, tmp_path: Path) -> None:
    out, state, remote = tmp_path / "feeds", tmp_path / "state", tmp_path / "www" / "feeds"
    local = write_outputs(out, 1)
    report, _ = publish(table(sshd_server, remote), out, state)
    assert report.sent == ALL
    for name, data in local.items():
        assert (remote / name).read_bytes() == data
        assert (remote / name).stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in remote.iterdir()) == sorted(ALL)  # no temp files left
    report, _ = publish(table(sshd_server, remote), out, state)
    assert report.sent == ()
    (out / "rss.xml").write_bytes(b"<rss>v2</rss>")
    report, _ = publish(table(sshd_server, remote), out, state)
    assert report.sent == ("rss.xml",)
    assert (remote / "rss.xml").read_bytes() == b"<rss>v2</rss>"


NESTED = ("archive/rss-1.xml", "archive/atom-1.xml", "archive/deeper/feed-1.json")


def test_archive_pages_create_their_folders(sshd_server: Sshd, tmp_path: Path) -> None:
    """Nested names (archive pages) get their folders (mode 755), then the feeds."""
    out, state, remote = tmp_path / "feeds", tmp_path / "state", tmp_path / "www" / "feeds"
    local = write_outputs(out, 1, names=(*NESTED, *FEEDS))
    report, _ = publish(table(sshd_server, remote), out, state)
    assert report.sent == (*sorted(NESTED), *FEEDS)
    for name, data in local.items():
        assert (remote / name).read_bytes() == data
    assert (remote / "archive" / "deeper").stat().st_mode & 0o777 == 0o755
    assert not list(remote.rglob(".*"))  # no temporary file left
    (out / "archive" / "deeper" / "feed-1.json").write_bytes(b"{}")
    report, _ = publish(table(sshd_server, remote), out, state)
    assert report.sent == ("archive/deeper/feed-1.json",)


def test_connection_dropped_mid_file_keeps_old_or_new(sshd_server, tmp_path, drop_proxy) -> None:
    out, state, remote = tmp_path / "feeds", tmp_path / "state", tmp_path / "www"
    old = write_outputs(out, 1, size=400_000)
    publish(table(sshd_server, remote), out, state)
    new = write_outputs(out, 2, size=400_000)
    proxy = DropProxy(sshd_server.port, drop_after=200_000)
    drop_proxy.append(proxy)
    target = table(sshd_server, remote, retries=3)
    target["target"] = sshd_server.url(remote, port=proxy.port)
    # the proxy's port needs its own known_hosts line: same key, other [host]:port
    target["known_hosts"] = str(sshd_server.known_hosts_for(proxy.port, tmp_path / "kh"))
    allowed = {n: (old[n], new[n]) for n in ALL}
    with VersionWatcher(folder_reader(remote), allowed) as watcher:
        report, lines = publish(target, out, state)
    assert proxy.dropped == 1 and report.sent == ALL
    assert any("retry 1" in line for line in lines)
    assert watcher.violations == [] and watcher.polls > 0
    assert all((remote / n).read_bytes() == d for n, d in new.items())


def test_unknown_host_key_is_refused(sshd_server: Sshd, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(UploadError) as err:
        publish(table(sshd_server, tmp_path / "www", known_hosts=str(empty)), out, state)
    message = str(err.value)
    assert "unknown host key" in message and "\n" not in message
    assert not (tmp_path / "www").exists()


def test_changed_host_key_is_refused(sshd_server: Sshd, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    wrong = tmp_path / "known_hosts"
    other_key = Path(f"{sshd_server.other_identity}.pub").read_text().split()[:2]
    wrong.write_text(f"[127.0.0.1]:{sshd_server.port} {' '.join(other_key)}\n")
    with pytest.raises(UploadError, match="does not match known_hosts"):
        publish(table(sshd_server, tmp_path / "www", known_hosts=str(wrong)), out, state)


def test_key_not_authorized_is_a_one_line_error(sshd_server: Sshd, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv("FEEDPUB_SSH_PASSPHRASE", raising=False)
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    extra = {"identity_file": str(sshd_server.other_identity)}
    with pytest.raises(UploadError) as err:
        publish(table(sshd_server, tmp_path / "www", **extra), out, state)
    assert "authentication failed" in str(err.value) and "\n" not in str(err.value)
    # issue 13: it names what it read, so a cron job's missing variable shows at once
    assert f"tried the key {sshd_server.other_identity} (upload.identity_file) without a " \
           "passphrase ($FEEDPUB_SSH_PASSPHRASE is not set), and no SSH agent ($SSH_AUTH_SOCK " \
           "is not set)" in str(err.value)


def test_permission_denied_is_a_one_line_error(sshd_server: Sshd, tmp_path: Path) -> None:
    out, state, remote = tmp_path / "feeds", tmp_path / "state", tmp_path / "www"
    write_outputs(out, 1)
    remote.mkdir()
    target = table(sshd_server, remote)
    target["target"] = sshd_server.url(remote, port=sshd_server.ro_port)  # read-only SFTP
    with pytest.raises(UploadError) as err:
        publish(target, out, state)
    message = str(err.value)
    assert message.startswith("style.xsl: sftp://127.0.0.1:") and "permission denied" in message
    assert "\n" not in message and list(remote.iterdir()) == []


def test_connection_refused_after_retries(sshd_server: Sshd, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1)
    target = table(sshd_server, tmp_path / "www", retries=2)
    target["target"] = sshd_server.url(tmp_path / "www", port=free_port())
    with pytest.raises(UploadError, match=r"connection refused .*gave up after 3 attempts\)$"):
        publish(target, out, state)
