"""Cold build of all three feeds, no item limit: wall time and peak memory of the command.

Usage: python benchmarks/build.py [N ...]      (default: 100 1000 10000)
Target (issue 3): N = 10 000 under 4 s and under 200 MiB on a 2-core machine.
Peak memory is ru_maxrss of the largest process (the parent; workers are smaller).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from synth import make_blog, run_command


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 10000]
    print(f"{'entries':>8} {'cold build s':>13} {'peak MiB':>9}")
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            config = make_blog(Path(tmp), count)
            seconds, peak, _ = run_command("build", "--config", str(config))
            print(f"{count:>8} {seconds:>13.2f} {peak:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
