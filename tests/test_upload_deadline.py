"""#11.6: a peer that sends one byte a second must not hold a run: every network call has a
total deadline (feedpub/deadline.py). Real slow-drip servers on 127.0.0.1, no mocks."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedpub.deadline import DeadlineExceeded, deadline, supported
from feedpub.errors import UploadError
from servers.drip import SSH_DRIP, DripServer
from servers.outputs import publish, write_outputs


@pytest.fixture
def drip() -> Iterator[DripServer]:
    server = DripServer()
    yield server
    server.close()


def configure(blog: Path, upload: str, *, top: str = "") -> None:
    """Top-level keys go first (before any table); the [upload] table goes last."""
    config = blog / "feedpub.toml"
    config.write_text(f"{top}{config.read_text()}\n[upload]\n{upload}")


# --- the helper itself ------------------------------------------------------------------


def test_deadline_interrupts_a_blocking_read_and_restores_the_handler(drip: DripServer) -> None:
    before = signal.getsignal(signal.SIGALRM)
    with socket.create_connection(("127.0.0.1", drip.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(DeadlineExceeded) as err, deadline(1.5, what="reading the drip"):
            while True:  # each recv gets a byte within a second: only the deadline ends this
                sock.recv(1)
    assert str(err.value) == "reading the drip took longer than 1.5 s"
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_block_that_finishes_in_time_leaves_no_timer() -> None:
    with deadline(5, what="nothing"):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_nested_deadlines_the_sooner_wins_and_the_outer_resumes(drip: DripServer) -> None:
    with socket.create_connection(("127.0.0.1", drip.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(DeadlineExceeded) as err, deadline(1.5, what="outer"):
            with deadline(60, what="inner, longer"):  # cannot extend the outer one
                sock.recv(1)
                left = signal.getitimer(signal.ITIMER_REAL)[0]
                assert 0 < left <= 1.5
            while True:
                sock.recv(1)
    assert err.value.what == "outer"


def test_outside_the_main_thread_it_is_a_documented_no_op() -> None:
    seen: list[object] = []

    def worker() -> None:
        seen.append(supported())
        with deadline(0.01, what="in a thread"):
            seen.append(signal.getitimer(signal.ITIMER_REAL))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [False, (0.0, 0.0)] and supported()


# --- every network call of an upload ----------------------------------------------------


def test_webdav_server_that_drips_ends_the_upload_with_exit_6(blog: Path, run, drip) -> None:
    configure(blog, f'target = "{drip.url("/dav/", scheme="webdav")}"\n'
                    "timeout = 5\ndeadline = 1\nretries = 0\n")
    assert run(blog, "build").code == 0
    outcome = run(blog, "upload")
    assert outcome.code == 6
    first = min(p.name for p in (blog / "feeds").iterdir() if p.suffix == ".png")  # sent first
    assert outcome.err.strip() == (f"{first}: {drip.url('/dav/', scheme='webdav')}: PUT got no "
                                   "complete answer within 1 s (upload.deadline) (gave up after 1 attempt)")
    assert drip.finished_early()  # we hung up; the server did not finish on its own


def test_hub_that_drips_is_a_warning_within_the_deadline(blog: Path, run, drip, tmp_path) -> None:
    configure(blog, f'target = "file://{tmp_path / "www"}"\ntimeout = 5\ndeadline = 1\nretries = 0\n',
              top=f'hubs = ["{drip.url("/hub")}"]\n')
    assert run(blog, "build").code == 0
    outcome = run(blog, "upload")
    assert outcome.code == 0, outcome.err
    lines = outcome.err.strip().splitlines()
    assert lines[0].endswith("rss.xml: no complete answer within 1 s (upload.deadline) (gave up after "
                             "1 attempt)")
    assert all("not tried, hub unreachable (no complete answer within 1 s" in line for line in lines[1:])
    assert len(lines) == 3 and len(drip.sent) == 1 and drip.finished_early()


def test_purge_endpoint_that_drips_is_a_warning(drip, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1, names=("rss.xml",))
    table = {"target": f"file://{tmp_path / 'www'}", "deadline": 1, "retries": 0,
             "purge": {"method": "POST", "url": drip.url("/purge")}}
    report, _ = publish(table, out, state)
    assert report.sent == ("rss.xml",) and report.purged == ()
    (notice,) = report.notices
    assert "no complete answer within 1 s (upload.deadline)" in str(notice)
    assert drip.finished_early()


def test_sftp_server_that_drips_its_banner_ends_the_upload(tmp_path: Path) -> None:
    """An SSH 'server' that never finishes its banner line: paramiko waits per read only."""
    server = DripServer(SSH_DRIP, read_request=False)
    try:
        out, state = tmp_path / "feeds", tmp_path / "state"
        write_outputs(out, 1, names=("rss.xml",))
        (tmp_path / "known_hosts").write_text("")
        table = {"target": f"sftp://feeds@127.0.0.1:{server.port}/srv/feeds", "timeout": 30,
                 "deadline": 1, "retries": 0, "known_hosts": str(tmp_path / "known_hosts")}
        with pytest.raises(UploadError) as err:
            publish(table, out, state)
        assert str(err.value) == (f"rss.xml: sftp://127.0.0.1:{server.port}/srv/feeds: no progress to "
                                  "the end within 1 s (upload.deadline) (gave up after 1 attempt)")
        assert server.finished_early()
    finally:
        server.close()


def test_s3_endpoint_that_drips_ends_the_upload(drip, s3_env, tmp_path: Path) -> None:
    out, state = tmp_path / "feeds", tmp_path / "state"
    write_outputs(out, 1, names=("rss.xml",))
    table = {"target": "s3://feeds/live/", "endpoint_url": drip.url(""), "region": "us-east-1",
             "timeout": 5, "deadline": 1, "retries": 0}
    with pytest.raises(UploadError) as err:
        publish(table, out, state, force=True)
    assert str(err.value) == ("rss.xml: s3://feeds/live/: PUT live/rss.xml: no complete answer within "
                              "1 s (upload.deadline) (gave up after 1 attempt)")
    assert drip.finished_early()
