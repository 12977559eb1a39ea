"""ruff stays clean: CI runs only the README's test command, so the lint runs here."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_reports_nothing() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
