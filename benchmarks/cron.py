"""What a cron run costs: cold build, no-op run, run after one entry changed.

Usage: python benchmarks/cron.py [N ...]      (default: 1000 10000)
Each figure is the wall time of the whole ``publish.py build`` command (interpreter
start-up included), as cron pays it. No-op and one-change are medians of several runs;
each one-change run edits a different entry. Targets (issue 7) at N = 10 000 on a
2-core machine: no-op under 0.25 s, one entry changed under 1.5 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from synth import make_blog, run_command

NOOP_RUNS = 7
CHANGE_RUNS = 5
TARGETS = {10000: (0.25, 1.5)}


def change_one(config: Path, index: int, round_: int) -> None:
    entry = config.parent / "entries" / f"{index:06d}-update.md"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace(f"title: Update number {index}",
                                  f"title: Update number {index} (corrected {round_})", 1),
                     encoding="utf-8")


def measure(count: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = make_blog(Path(tmp), count)
        args = ("build", "--config", str(config))
        cold, _, _ = run_command(*args)
        run_command(*args)  # settle: the first no-op may still find nothing to do
        noop = statistics.median(run_command(*args)[0] for _ in range(NOOP_RUNS))
        changed = []
        for round_ in range(CHANGE_RUNS):
            change_one(config, (round_ * 7919) % count, round_)
            changed.append(run_command(*args)[0])
        return cold, noop, statistics.median(changed)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    print(f"{'entries':>8} {'cold s':>8} {'no-op s':>8} {'1 change s':>11}  targets")
    for count in sizes:
        cold, noop, changed = measure(count)
        target = TARGETS.get(count)
        note = ""
        if target:
            note = (f"no-op < {target[0]} {'ok' if noop < target[0] else 'MISSED'}, "
                    f"1 change < {target[1]} {'ok' if changed < target[1] else 'MISSED'}")
        print(f"{count:>8} {cold:>8.2f} {noop:>8.3f} {changed:>11.2f}  {note}", flush=True)


if __name__ == "__main__":
    main()
