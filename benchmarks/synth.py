"""Synthetic live blogs for the benchmarks: N entries of about 1 KB of Markdown each."""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = (
    "rebels city forces government capital statement talks border troops province "
    "monitor officials reported withdrawal convoy highway residents aid agency"
).split()

CONFIG = """title = "Synthetic live blog"
description = "A generated blog for benchmarks."
home_page_url = "https://bench.example.org/live/today"
feeds_url = "https://bench.example.org/live/today/feeds/"
id_base = "tag:bench.example.org,2024-12-07:live/"
"""


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def entry_text(index: int, rng: random.Random) -> str:
    minute = index  # one update a minute, all in the past
    hours, mins = divmod(minute, 60)
    days, hours = divmod(hours, 24)
    published = f"2020-01-{1 + days % 28:02d}T{hours:02d}:{mins:02d}:00+00:00" if days < 28 \
        else f"2021-{1 + (days // 28) % 12:02d}-{1 + days % 28:02d}T{hours:02d}:{mins:02d}:00Z"
    return (
        f"---\ntitle: Update number {index}\npublished: {published}\n"
        f"summary: Summary of update {index}.\ntags: [synthetic, bench]\n---\n"
        f"**Lead {index}.** {paragraph(rng, 40)} See [the map](/maps/{index}) and "
        f"[background](https://bench.example.org/background/{index % 50}).\n\n"
        f"{paragraph(rng, 45)}\n\n> {paragraph(rng, 15)}\n\n{paragraph(rng, 30)}\n"
    )


def make_blog(folder: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` entries and a config into ``folder``; returns the config path."""
    rng = random.Random(seed)
    entries = folder / "entries"
    entries.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (entries / f"{index:06d}-update.md").write_text(entry_text(index, rng), encoding="utf-8")
    config = folder / "feedpub.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def run_command(*args: str) -> tuple[float, float, int]:
    """Wall seconds and peak RSS (MiB, the largest process) of one ``publish.py`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "publish.py"), *args],
                          capture_output=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        sys.exit(f"publish.py {' '.join(args)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed, max(peak, before) / 1024, done.returncode
