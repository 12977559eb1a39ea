"""`publish.py upload` to s3://feeds/live/ on a local moto server, end to end; SIGKILL mid-upload."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from servers.outputs import FEEDS, publish, write_outputs
from servers.s3 import REGION, FaultProxy
from servers.watch import VersionWatcher, sha

REPO = Path(__file__).resolve().parents[1]
LIVE = "public, max-age=300"
NETWORK_LIBRARIES = ("boto3", "botocore", "requests", "paramiko", "urllib3")


def configure(blog: Path, endpoint: str, extra: str = "") -> None:
    config = blog / "feedpub.toml"
    config.write_text(config.read_text() + f'\n[upload]\ntarget = "s3://feeds/live/"\n'
                      f'endpoint_url = "{endpoint}"\nregion = "{REGION}"\nbackoff = 0.01\n{extra}')


@pytest.fixture
def feeds_bucket(moto_server, s3_env):
    """The bucket `feeds` of the issue's check, emptied for each test."""
    client = moto_server.client()
    if "feeds" not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket="feeds")
    for item in client.list_objects_v2(Bucket="feeds").get("Contents", []):
        client.delete_object(Bucket="feeds", Key=item["Key"])
    proxy = FaultProxy(moto_server.port)
    yield proxy
    proxy.close()


def objects(moto_server) -> dict[str, tuple[bytes, str, str]]:
    client = moto_server.client()
    found = {}
    for item in client.list_objects_v2(Bucket="feeds").get("Contents", []):
        got = client.get_object(Bucket="feeds", Key=item["Key"])
        found[item["Key"]] = (got["Body"].read(), got["ContentType"], got["CacheControl"])
    return found


def test_upload_change_rerun_and_dry_run(blog: Path, run, moto_server, feeds_bucket) -> None:
    configure(blog, feeds_bucket.url)
    assert run(blog, "reopen").code == 0  # the sample blog is closed; live is the interesting case
    outputs = sorted(p.name for p in (blog / "feeds").iterdir())  # feeds, page and media
    dry = run(blog, "upload", "--dry-run")
    assert dry.code == 0 and dry.out.count("would send") == len(outputs) and objects(moto_server) == {}
    first = run(blog, "upload", "-v")
    assert first.code == 0, first.err
    stored = objects(moto_server)
    assert set(stored) == {f"live/{n}" for n in outputs}
    for name in outputs:
        data, ctype, cache = stored[f"live/{name}"]
        assert data == (blog / "feeds" / name).read_bytes() and cache == LIVE
        assert ctype.endswith("; charset=utf-8") or ctype == "image/png"
    assert stored["live/rss.xml"][1] == "application/rss+xml; charset=utf-8"
    assert stored["live/index.html"][1] == "text/html; charset=utf-8"
    feeds_bucket.reset()
    again = run(blog, "upload", "-v")
    assert again.code == 0 and "nothing changed" in again.out and feeds_bucket.requests == []
    entry = sorted((blog / "entries").glob("*.md"))[0]
    entry.write_text(entry.read_text() + "\nOne more sentence.\n")
    assert run(blog, "build").code == 0
    changed = run(blog, "upload", "-v")
    assert changed.code == 0, changed.err
    assert [p.rsplit("/", 1)[1] for p in feeds_bucket.puts()] == ["index.html", *FEEDS]
    assert all(objects(moto_server)[f"live/{n}"][0] == (blog / "feeds" / n).read_bytes() for n in FEEDS)


def test_close_switches_the_cache_control(blog: Path, run, moto_server, feeds_bucket) -> None:
    configure(blog, feeds_bucket.url, "after_build = true\n")
    assert run(blog, "reopen").code == 0
    assert {o[2] for o in objects(moto_server).values()} == {LIVE}
    closed = run(blog, "close", "--continued-at", "https://news.example.org/next",
                 "--at", "2024-12-07T23:00:00+00:00")
    assert closed.code == 0, closed.err
    assert {o[2] for o in objects(moto_server).values()} == {"public, max-age=86400"}


def test_wrong_secret_exits_6_with_one_line(blog: Path, run, feeds_bucket) -> None:
    configure(blog, feeds_bucket.url)
    run(blog, "build")
    denied = (b"<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code>"
              b"<Message>The request signature we calculated does not match</Message></Error>")
    feeds_bucket.fail_next("PUT", 403, 1, body=denied)
    outcome = run(blog, "upload")
    assert outcome.code == 6
    first = min(p.name for p in (blog / "feeds").iterdir() if p.suffix == ".png")  # sent first
    assert outcome.err.strip() == (f"{first}: s3://feeds/live/: PUT live/{first}: "
                                   "SignatureDoesNotMatch (HTTP 403): the secret key does not "
                                   "match: check AWS_SECRET_ACCESS_KEY or the profile")
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in outcome.err


def test_noop_build_imports_no_network_library(blog: Path, run, feeds_bucket) -> None:
    """The every-minute path stays light: a no-op build (upload configured) loads no boto3."""
    configure(blog, feeds_bucket.url, "after_build = true\n")
    first = run(blog, "build")
    assert first.code == 0, first.err
    code = ("import sys; from feedpub.cli import main; code = main(['build', '-v']);"
            f"print(code, sorted({{m.split('.')[0] for m in sys.modules}} & set({NETWORK_LIBRARIES!r})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=blog, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    assert out.splitlines() == ["nothing changed", "0 []"]


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


@pytest.mark.slow
def test_sigkill_mid_upload_then_rerun_converges(s3, tmp_path: Path) -> None:
    """Kill the uploader while rss.xml's body is on the wire: every object stays a complete
    old or new version, the manifest claims nothing the store lacks, the rerun finishes."""
    size, all_files = 3_000_000, ("style.xsl", *FEEDS)
    out, state = tmp_path / "feeds", tmp_path / "state"
    old = write_outputs(out, 1, size=size)
    publish(s3.table, out, state)
    new = write_outputs(out, 2, size=size)
    slow = FaultProxy(s3.server.port, delay=0.01)  # ~1.6 MB/s: 2 s per file
    table = {**s3.table, "endpoint_url": slow.url, "backoff": 0.01}
    try:
        with VersionWatcher(s3.read, {n: (old[n], new[n]) for n in all_files}) as watcher:
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, json.dumps(table), str(out), str(state), str(REPO / "tests")],
                env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
            assert slow.wait_for("PUT", "rss.xml"), "the upload never reached rss.xml"
            assert child.poll() is None, child.communicate()
            child.send_signal(signal.SIGKILL)
            child.wait()
            (manifest,) = (state / "upload").glob("*.json")
            files = json.loads(manifest.read_text())["files"]
            for name, digest in files.items():  # never claims more than the store holds
                assert sha(s3.read(name) or b"") == digest, name
            done = [n for n in all_files if files.get(n) == sha(new[n])]
            assert "style.xsl" in done and "rss.xml" not in done
            report, _ = publish(s3.table, out, state)
    finally:
        slow.close()
    assert report.sent == tuple(n for n in all_files if n not in done)
    assert watcher.violations == [] and watcher.polls > 0
    assert {n: o[0] for n, o in s3.objects().items()} == new
