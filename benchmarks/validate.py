"""Benchmark ``publish.py validate`` on a 5,000-item RSS feed and a 5,000-entry Atom feed,
and the cold start of the whole command on one small file.

Usage: ``python benchmarks/validate.py [--runs N] [--items N] [--cold-runs N]``

Both feeds (about 7 MB each) are generated in a temporary folder. Each file is
validated by the whole command in a fresh subprocess, several times; the script
prints the median and best wall time and the child's peak memory (ru_maxrss), and
compares them with the targets of issue 5 (0.22 s, 150 MiB).

The cold start is the whole command (a new interpreter) on a small valid feed, with
where its time goes: the bare interpreter, then each group of imports (self time
from ``python -X importtime``), and what is left (validating and printing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.22
TARGET_MIB = 150
PARAGRAPH = (
    "The committee met again this afternoon &amp; agreed, after a long debate about the "
    "budget, to publish the figures &lt;b&gt;before&lt;/b&gt; the vote. Reporters waiting "
    "outside said the mood was calm; one member called it &quot;a good day for openness&quot;. "
)


def _body(i: int) -> str:
    """About 1.2 KB of escaped HTML, different per item."""
    return (f"&lt;p&gt;Update {i}: " + PARAGRAPH * 4 + f"&lt;a href=&quot;https://example.org/"
            f"live/{i}&quot;&gt;more&lt;/a&gt;&lt;/p&gt;")


def rss_feed(items: int) -> str:
    start = datetime(2024, 12, 7, 8, 0, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        "<title>Benchmark live blog</title>\n<link>https://example.org/live/</link>\n"
        "<description>A long live blog</description>\n<language>en</language>\n"
        '<atom:link href="https://example.org/live/rss.xml" rel="self" '
        'type="application/rss+xml"/>\n'
        f"<lastBuildDate>{format_datetime(start, usegmt=True)}</lastBuildDate>\n"
    ]
    for i in range(items):
        when = format_datetime(start - timedelta(minutes=i), usegmt=True)
        parts.append(
            f"<item>\n<title>Update number {i}</title>\n"
            f"<link>https://example.org/live/{i}</link>\n"
            f'<guid isPermaLink="true">https://example.org/live/{i}</guid>\n'
            f"<pubDate>{when}</pubDate>\n<dc:creator>Reporter {i % 7}</dc:creator>\n"
            f"<category>politics</category>\n<description>{_body(i)}</description>\n</item>\n")
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


def atom_feed(items: int) -> str:
    start = datetime(2024, 12, 7, 8, 0, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<title>Benchmark live blog</title>\n<id>https://example.org/live/</id>\n"
        f"<updated>{start.isoformat().replace('+00:00', 'Z')}</updated>\n"
        '<link rel="self" href="https://example.org/live/atom.xml"/>\n'
        '<link rel="alternate" type="text/html" href="https://example.org/live/"/>\n'
        "<author><name>Newsroom</name></author>\n"
    ]
    for i in range(items):
        when = (start - timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
        parts.append(
            f"<entry>\n<title>Update number {i}</title>\n"
            f'<link rel="alternate" type="text/html" href="https://example.org/live/{i}"/>\n'
            f"<id>https://example.org/live/{i}</id>\n<updated>{when}</updated>\n"
            f"<published>{when}</published>\n<author><name>Reporter {i % 7}</name></author>\n"
            f'<category term="politics"/>\n<content type="html">{_body(i)}</content>\n</entry>\n')
    parts.append("</feed>\n")
    return "".join(parts)


def run_once(path: Path) -> tuple[float, float, int]:
    """Wall seconds, peak MiB and exit status of one ``publish.py validate PATH``."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(ROOT / "publish.py"), "validate", str(path)],
                               cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, process.returncode


def precompile() -> None:
    """Byte-compile feedpub as an installed package would be.

    With PYTHONDONTWRITEBYTECODE set (as in our CI), every run would otherwise compile
    the sources again, which measures the environment rather than the command.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "feedpub")],
                   check=True, stdout=subprocess.DEVNULL)


def measure(path: Path, runs: int) -> dict[str, float]:
    run_once(path)  # warm the page cache
    results = [run_once(path) for _ in range(runs)]
    statuses = {status for _, _, status in results}
    return {
        "median": statistics.median(t for t, _, _ in results),
        "best": min(t for t, _, _ in results),
        "peak_mib": max(m for _, m, _ in results),
        "status": max(statuses),
    }


# The cold start, built up one step at a time: each step's best wall time minus the
# previous one's is what that step costs (the best of many runs is the least disturbed
# by other work on the machine; importtime's own bookkeeping would inflate the figures).
STEPS = (
    ("interpreter (python -S)", ["-S", "-c", "pass"]),
    ("site (venv, editable install)", ["-c", "pass"]),
    ("import feedpub.cli (argparse, errors)", ["-c", "import feedpub.cli"]),
    ("import lxml.etree", ["-c", "import feedpub.cli, lxml.etree"]),
    ("import the validator (rss, ext...)", ["-c", "import feedpub.cli, lxml.etree, "
                                           "feedpub.validate.command, feedpub.validate.rss, "
                                           "feedpub.validate.ext"]),
)


def cold_start(path: Path, runs: int) -> None:
    """Wall time of the whole command on ``path`` (best and median), and where it goes."""
    command = [str(ROOT / "publish.py"), "validate", str(path)]
    previous = 0.0
    lines = []
    for label, argv in (*STEPS, ("parse, validate, print, exit", command)):
        times = [_wall([sys.executable, *argv]) for _ in range(runs)]
        lines.append(f"  {label:<40}{(min(times) - previous) * 1000:6.1f} ms")
        previous = min(times)
    print(f"cold start, {path.name} ({path.stat().st_size} bytes): best {previous * 1000:.0f} ms, "
          f"median {statistics.median(times) * 1000:.0f} ms")
    print(*lines, sep="\n")


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--cold-runs", type=int, default=30,
                        help="runs of the small-file cold start (0 to skip)")
    parser.add_argument("--no-compile", action="store_true",
                        help="do not byte-compile feedpub first (measures source compilation too)")
    args = parser.parse_args()
    ok = True
    if not args.no_compile:
        precompile()
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("rss.xml", rss_feed), ("atom.xml", atom_feed)):
            path = Path(tmp) / name
            path.write_text(build(args.items), encoding="utf-8")
            result = measure(path, args.runs)
            fast = result["median"] < TARGET_SECONDS
            small = result["peak_mib"] < TARGET_MIB
            ok = ok and fast and small and result["status"] == 0
            print(f"{name}: {path.stat().st_size / 1e6:.1f} MB, {args.items} items, "
                  f"median {result['median']:.3f} s (best {result['best']:.3f} s, target < "
                  f"{TARGET_SECONDS} s: {'ok' if fast else 'MISSED'}), peak "
                  f"{result['peak_mib']:.0f} MiB (target < {TARGET_MIB}: "
                  f"{'ok' if small else 'MISSED'}), exit {result['status']:.0f}")
    if args.cold_runs:
        cold_start(ROOT / "tests" / "data" / "validate" / "rss_valid.xml", args.cold_runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
