"""Time a no-change upload run and a one-feed change against a local WebDAV server.

Run: python benchmarks/upload.py [--files N] [--size BYTES] [--repeat R]

Starts the same wsgidav server the tests use (tests/servers/dav.py) on 127.0.0.1,
uploads a fake feeds/ folder once, then times (a) a run where nothing changed, which
is what a cron job pays most minutes, and (b) a run where one feed changed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from feedpub.upload.publish import upload_outputs  # noqa: E402
from servers.dav import PASSWORD, USER, DavServer  # noqa: E402
from servers.outputs import upload_config, write_outputs  # noqa: E402


def run_once(table: dict, out: Path, state: Path) -> tuple[float, int]:
    """One upload_outputs call; returns (seconds, files sent)."""
    config = upload_config(table, out, state)
    start = time.perf_counter()
    report = upload_outputs(config)
    return time.perf_counter() - start, len(report.sent)


COLD = (
    "import sys, time; t = time.perf_counter(); from pathlib import Path;"
    "from feedpub.upload.publish import upload_outputs; from servers.outputs import upload_config;"
    "r = upload_outputs(upload_config({'target': sys.argv[1]}, Path(sys.argv[2]), Path(sys.argv[3])));"
    "print(time.perf_counter() - t, len(r.sent), 'requests' in sys.modules)"
)


def cold_run(table: dict, out: Path, state: Path) -> str:
    """A no-change run in a fresh interpreter, as cron starts it: imports included."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    result = subprocess.run(
        [sys.executable, "-c", COLD, table["target"], str(out), str(state)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    seconds, sent, loaded = result.stdout.split()
    return f"{float(seconds) * 1000:.1f} ms ({sent} sent, requests imported: {loaded})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20, help="other files besides the 3 feeds")
    parser.add_argument("--size", type=int, default=200_000, help="bytes per feed")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["FEEDPUB_UPLOAD_USER"], os.environ["FEEDPUB_UPLOAD_PASSWORD"] = USER, PASSWORD
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        server = DavServer(base / "dav")
        out, state = base / "feeds", base / "state"
        names = tuple(f"asset-{i:03}.css" for i in range(args.files))
        write_outputs(out, 0, names=(*names, "rss.xml", "atom.xml", "feed.json"), size=args.size)
        table = {"target": server.url("feeds/")}
        first, sent = run_once(table, out, state)
        print(f"first upload:     {first * 1000:8.1f} ms  ({sent} files, {args.size} B per file)")
        unchanged, changed = [], []
        for n in range(1, args.repeat + 1):
            unchanged.append(run_once(table, out, state))
            write_outputs(out, n, names=("atom.xml",), size=args.size)
            changed.append(run_once(table, out, state))
        print(f"no change, fresh process (import + run): {cold_run(table, out, state)}")
        server.stop()
    for label, runs in (("no change:", unchanged), ("one feed changed:", changed)):
        times = [t * 1000 for t, _ in runs]
        print(
            f"{label:18}{statistics.median(times):8.1f} ms median, "
            f"min {min(times):.1f}, max {max(times):.1f}  ({runs[0][1]} file(s) sent)"
        )


if __name__ == "__main__":
    main()
