"""What a new entry costs on a long blog, with and without archive pages (issue 12).

Usage: python benchmarks/archive.py [N] [--size S] [--runs R]     (default: 10000, 100, 7)

The blog is the shared generator's (``/work/shared/bench/gen_entries.py N DIR --seed 1``,
about 4 KB of Markdown an entry, or FEEDPUB_GEN if set), built cold once with
``archive_size = S`` and once without. Then, R times, one new entry (a copy of the
newest one, with its own id and a later time) is added and ``publish.py build`` timed
as cron runs it (a fresh process, interpreter start-up included); the median is
reported. Two columns: with bytecode cached (how an installed feedpub runs; the cache
lives in a temporary folder) and without (how benchmarks/cron.py measures, every
module compiled on each run). The subscription documents' sizes are given at the
measured point and at the largest they get (just before a page fills, when they hold
S - 1 updates), and the bytes each new entry's build wrote to the state folder and to
the feeds folder (files created or replaced). Issue 12's targets at N = 10 000,
S = 100: a new entry under 0.3 s, the subscription documents under 200 KB each.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = Path(os.environ.get("FEEDPUB_GEN", "/work/shared/bench/gen_entries.py"))
CONFIG = """title = "Generated live blog"
description = "The shared generator's entries, for benchmarks."
home_page_url = "https://bench.example.org/live"
feeds_url = "https://bench.example.org/live/feeds/"
id_base = "tag:bench.example.org,2024-12-07:live/"
"""
TARGET_SECONDS, TARGET_BYTES = 0.3, 200_000
SUBSCRIPTION = ("rss.xml", "atom.xml", "feed.json")


def run_build(site: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "publish.py"), "build"], cwd=site,
                          capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"publish.py build failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def environments(pycache: Path) -> dict[str, dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {"bytecode cached": {**base, "PYTHONPYCACHEPREFIX": str(pycache)},
            "no bytecode": {**base, "PYTHONDONTWRITEBYTECODE": "1"}}


class Blog:
    """A generated blog and a way to add one more entry after its newest.

    The k-th new entry is a copy of the k-th generated one (its own id, a later time), so
    the new entries are as long as the generator's, one by one.
    """

    def __init__(self, site: Path):
        self.site = site
        self.entries = sorted((site / "entries").glob("*.md"))
        found = re.search(r"^published: (.*)$", self.entries[-1].read_text(encoding="utf-8"), re.M)
        assert found, "the generator's entries have a published: line"
        self.newest = datetime.fromisoformat(found[1])
        self.added = 0

    def add(self) -> None:
        template = self.entries[self.added % len(self.entries)].read_text(encoding="utf-8")
        self.added += 1
        when = self.newest + timedelta(minutes=self.added)
        text = re.sub(r"^published: .*$", f"published: {when.isoformat()}", template,
                      count=1, flags=re.M)
        text = re.sub(r"^updated: .*\n", "", text, count=1, flags=re.M)
        text = re.sub(r"^id: .*$", f"id: urn:uuid:{uuid.uuid4()}", text, count=1, flags=re.M)
        text = re.sub(r'^title: "', f'title: "New {self.added}: ', text, count=1, flags=re.M)
        (self.site / "entries" / f"zz-new-{self.added:05d}.md").write_text(text, encoding="utf-8")

    def sizes(self) -> dict[str, int]:
        return {name: (self.site / "feeds" / name).stat().st_size for name in SUBSCRIPTION}


def make_blog(folder: Path, count: int, size: int, template: Path | None) -> Blog:
    site = folder / (f"archive-{size}" if size else "one-document")
    if template is None:
        (site / "entries").mkdir(parents=True)
        subprocess.run([sys.executable, str(GENERATOR), str(count), str(site / "entries"),
                        "--seed", "1"], check=True)
    else:
        shutil.copytree(template / "entries", site / "entries")
    (site / "feedpub.toml").write_text(CONFIG + (f"archive_size = {size}\n" if size else ""))
    return Blog(site)


Stamps = dict[Path, tuple[int, int]]


def stamps(folder: Path) -> Stamps:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def written(before: Stamps, after: Stamps) -> int:
    """Bytes of the files a run created or replaced (what it wrote, give or take appends)."""
    return sum(size for path, (size, mtime) in after.items() if before.get(path) != (size, mtime))


def new_entry_runs(blog: Blog, env: dict[str, str], runs: int,
                   wrote: dict[str, list[int]] | None = None) -> float:
    """The median time of ``runs`` builds that each add one entry; ``wrote`` gets, per
    folder (state, feeds), the bytes each of them wrote there."""
    run_build(blog.site, env)  # settle: the cold build's cache, a no-op
    times = []
    folders = {"state folder": blog.site / ".feedpub", "feeds": blog.site / "feeds"}
    for _ in range(runs):
        blog.add()
        before = {name: stamps(folder) for name, folder in folders.items()}
        times.append(run_build(blog.site, env))
        if wrote is not None:
            for name, folder in folders.items():
                wrote.setdefault(name, []).append(written(before[name], stamps(folder)))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        envs = environments(folder / "pycache")
        archived = make_blog(folder, args.count, args.size, None)
        single = make_blog(folder, args.count, 0, archived.site)
        print(f"{args.count} entries (shared generator, seed 1), archive_size = {args.size}; "
              f"medians of {args.runs} runs, each adding one entry")
        for label, blog in (("archive pages", archived), ("one document", single)):
            cold = run_build(blog.site, envs["bytecode cached"])
            wrote: dict[str, list[int]] = {}
            medians = {name: new_entry_runs(blog, env, args.runs, wrote)
                       for name, env in envs.items()}
            sizes = ", ".join(f"{n} {s / 1000:.0f} KB" for n, s in blog.sizes().items())
            print(f"  {label:<14} cold {cold:6.2f} s | one new entry: "
                  + ", ".join(f"{v:.3f} s ({k})" for k, v in medians.items()), flush=True)
            print(f"  {'':<14} subscription documents: {sizes}", flush=True)
            print(f"  {'':<14} written per new entry (median): " + ", ".join(
                f"{name} {statistics.median(b) / 1000:.0f} KB" for name, b in wrote.items()),
                flush=True)
        total = args.count + archived.added
        for _ in range((args.size - 1) - total % args.size):
            archived.add()
        run_build(archived.site, envs["bytecode cached"])
        largest = archived.sizes()
        print(f"  largest subscription documents (just before a page fills, {args.size - 1} "
              f"updates): " + ", ".join(f"{n} {s / 1000:.0f} KB" for n, s in largest.items()))
        print(f"targets: one new entry < {TARGET_SECONDS} s, subscription documents < "
              f"{TARGET_BYTES // 1000} KB each")


if __name__ == "__main__":
    main()
