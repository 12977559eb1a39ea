"""Time a no-change upload run and a one-feed change against a local WebDAV or S3 server.

Run: python benchmarks/upload.py [--target webdav|s3] [--files N] [--size BYTES] [--repeat R]

Starts the same server the tests use on 127.0.0.1 (wsgidav, tests/servers/dav.py, or
moto's S3 server, tests/servers/s3.py), uploads a fake feeds/ folder once, then times
(a) a run where nothing changed, which is what a cron job pays most minutes, (b) a run
where one feed changed, and (c) a first run from an empty state folder against a
bucket that already holds everything (S3: the listing + HEAD reconciliation).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from feedpub.upload.publish import upload_outputs  # noqa: E402
from servers.outputs import output_names, upload_config, write_outputs  # noqa: E402

Table = dict[str, object]


def run_once(table: Table, out: Path, state: Path) -> tuple[float, int]:
    """One upload_outputs call; returns (seconds, files sent)."""
    config = upload_config(table, out, state)
    start = time.perf_counter()
    report = upload_outputs(config, names=output_names(out))
    return time.perf_counter() - start, len(report.sent)


COLD = (
    "import json, sys, time; t = time.perf_counter(); from pathlib import Path;"
    "from feedpub.upload.publish import upload_outputs;"
    "from servers.outputs import output_names, upload_config; out = Path(sys.argv[2]);"
    "r = upload_outputs(upload_config(json.loads(sys.argv[1]), out, Path(sys.argv[3])),"
    " names=output_names(out));"
    "print(time.perf_counter() - t, len(r.sent), 'requests' in sys.modules, 'boto3' in sys.modules)"
)


def cold_run(table: Table, out: Path, state: Path) -> str:
    """A no-change run in a fresh interpreter, as cron starts it: imports included."""
    import json

    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    result = subprocess.run(
        [sys.executable, "-c", COLD, json.dumps(table), str(out), str(state)],
        capture_output=True, text=True, check=True, env=env,
    )
    seconds, sent, requests, boto3 = result.stdout.split()
    return (f"{float(seconds) * 1000:.1f} ms ({sent} sent, requests imported: {requests}, "
            f"boto3 imported: {boto3})")


@contextmanager
def webdav(base: Path) -> Iterator[Table]:
    from servers.dav import PASSWORD, USER, DavServer

    os.environ["FEEDPUB_UPLOAD_USER"], os.environ["FEEDPUB_UPLOAD_PASSWORD"] = USER, PASSWORD
    server = DavServer(base / "dav")
    try:
        yield {"target": server.url("feeds/")}
    finally:
        server.stop()


@contextmanager
def s3(base: Path) -> Iterator[Table]:
    from servers.s3 import KEY_ID, REGION, SECRET, MotoServer

    os.environ.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                       "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONFIG_FILE": str(base / "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(base / "none")})
    base.mkdir(parents=True, exist_ok=True)
    server = MotoServer(base)
    try:
        server.client().create_bucket(Bucket="feeds")
        yield {"target": "s3://feeds/live/", "endpoint_url": server.url, "region": REGION}
    finally:
        server.stop()


SERVERS: dict[str, Callable[[Path], Iterator[Table]]] = {"webdav": webdav, "s3": s3}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--target", choices=sorted(SERVERS), default="webdav")
    parser.add_argument("--files", type=int, default=20, help="other files besides the 3 feeds")
    parser.add_argument("--size", type=int, default=200_000, help="bytes per feed")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SERVERS[args.target](Path(tmp) / "server") as table:
        base = Path(tmp)
        out, state = base / "feeds", base / "state"
        names = tuple(f"asset-{i:03}.css" for i in range(args.files))
        write_outputs(out, 0, names=(*names, "rss.xml", "atom.xml", "feed.json"), size=args.size)
        first, sent = run_once(table, out, state)
        print(f"{args.target}: first upload: {first * 1000:8.1f} ms  ({sent} files, {args.size} B per file)")
        unchanged, changed, fresh = [], [], []
        for n in range(1, args.repeat + 1):
            unchanged.append(run_once(table, out, state))
            write_outputs(out, n, names=("atom.xml",), size=args.size)
            changed.append(run_once(table, out, state))
            fresh.append(run_once(table, out, base / f"fresh-state-{n}"))
        print(f"no change, fresh process (import + run): {cold_run(table, out, state)}")
        write_outputs(out, args.repeat + 1, names=("atom.xml",), size=args.size)
        print(f"one change, fresh process (import + run): {cold_run(table, out, state)}")
    for label, runs in (("no change:", unchanged), ("one feed changed:", changed),
                        ("empty state folder:", fresh)):
        times = [t * 1000 for t, _ in runs]
        print(f"{label:20}{statistics.median(times):8.1f} ms median, "
              f"min {min(times):.1f}, max {max(times):.1f}  ({runs[0][1]} file(s) sent)")


if __name__ == "__main__":
    main()
