"""SIGKILL the uploader in the middle of a run, then run again (WebDAV and SFTP).

The upload runs in a child process (`python -c` calling publish_outputs) through a
slowing proxy, so the kill lands while a big file is in flight. A watcher polls the
remote files the whole time: each must always be the complete old or the complete
new version. Afterwards the manifest must not claim more than the remote holds, and
a second run must finish the job.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from servers.outputs import FEEDS, publish, write_outputs
from servers.proxy import DropProxy
from servers.watch import VersionWatcher, folder_reader, sha

ALL = ("style.xsl", *FEEDS)
SIZE = 3_000_000
REPO = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from feedpub.upload.publish import upload_outputs
from servers.outputs import output_names, upload_config
table, out, state = json.loads(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
upload_outputs(upload_config(table, out, state), log=lambda s: print(s, flush=True),
               names=output_names(out))
"""


def kill_mid_run(table: dict, out: Path, state: Path, remote: Path) -> None:
    """Start the child, wait until rss.xml (the 2nd file) is being written, SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(table), str(out), str(state), str(REPO / "tests")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    tmp = remote / ".rss.xml.feedpub-tmp-upload"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and child.poll() is None:
        if tmp.exists() and tmp.stat().st_size > 0:
            break
        time.sleep(0.002)
    assert child.poll() is None, f"child ended before the kill: {child.communicate()}"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL


def check_kill_and_rerun(table: dict, tmp_path: Path, remote: Path) -> None:
    """Upload v1, kill an upload of v2 mid-run, check, rerun; `table` goes via a slow proxy."""
    out, state = tmp_path / "feeds", tmp_path / "state"
    old = write_outputs(out, 1, size=SIZE)
    publish(table, out, state)
    new = write_outputs(out, 2, size=SIZE)
    allowed = {n: (old[n], new[n]) for n in ALL}
    with VersionWatcher(folder_reader(remote), allowed) as watcher:
        kill_mid_run(table, out, state, remote)
        (manifest,) = (state / "upload").glob("*.json")
        files = json.loads(manifest.read_text())["files"]
        for name, digest in files.items():  # the manifest never claims more than is there
            assert sha((remote / name).read_bytes()) == digest, name
        done = [n for n in ALL if files.get(n) == sha(new[n])]
        assert "style.xsl" in done and "feed.json" not in done  # killed mid-run indeed
        report, _ = publish(table, out, state)
    assert report.sent == tuple(n for n in ALL if n not in done)
    assert watcher.violations == [] and watcher.polls > 0
    assert all((remote / n).read_bytes() == d for n, d in new.items())
    assert sorted(p.name for p in remote.iterdir()) == sorted(ALL)  # the stray temp got replaced


@pytest.mark.slow
def test_sigkill_mid_run_webdav(dav, tmp_path: Path, drop_proxy) -> None:
    proxy = DropProxy(dav.server.port, drops=0, delay=0.002)
    drop_proxy.append(proxy)
    folder = dav.url.split("/dav/", 1)[1]
    slow = {"target": dav.server.url(folder, port=proxy.port), "backoff": 0.01}
    check_kill_and_rerun(slow, tmp_path, dav.remote)


@pytest.mark.slow
@pytest.mark.sshd
def test_sigkill_mid_run_sftp(sshd_server, tmp_path: Path, drop_proxy) -> None:
    proxy = DropProxy(sshd_server.port, drops=0, delay=0.002)
    drop_proxy.append(proxy)
    remote = tmp_path / "www"
    slow = {
        "target": sshd_server.url(remote, port=proxy.port),
        "identity_file": str(sshd_server.identity),
        "known_hosts": str(sshd_server.known_hosts_for(proxy.port, tmp_path / "kh")),
    }
    check_kill_and_rerun(slow, tmp_path, remote)
