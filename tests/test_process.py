"""The program as a process: ``publish.py``, ``python -m feedpub`` and the ``feedpub`` script.

They end with ``os._exit`` once the command returned and its output was flushed (the
interpreter would otherwise spend a tenth of a second freeing a big build's objects):
the exit code and every byte written must still arrive, and a reader that stops early
gets no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from feedpub import __version__
from feedpub.exitcodes import ExitCode

PROGRAMS = {
    "publish.py": [sys.executable, str(ROOT / "publish.py")],
    "python -m feedpub": [sys.executable, "-m", "feedpub"],
    "feedpub script": [str(Path(sys.executable).parent / "feedpub")],
}


@pytest.fixture(params=list(PROGRAMS))
def program(request: pytest.FixtureRequest) -> list[str]:
    command = PROGRAMS[request.param]
    if not Path(command[0]).exists():
        pytest.fail(f"{command[0]} is missing: install feedpub as the README says")
    return command


def test_all_output_arrives_through_a_pipe(program: list[str]) -> None:
    done = subprocess.run([*program, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(done.stdout.rstrip().splitlines()[-1])
    assert len(done.stdout) > 1000 and "validate" in done.stdout and done.stderr == ""
    version = subprocess.run([*program, "--version"], capture_output=True, text=True, cwd=ROOT)
    assert (version.returncode, version.stdout.strip().split()[-1]) == (0, __version__)


def test_the_exit_code_and_the_error_line_arrive(program: list[str], tmp_path: Path) -> None:
    done = subprocess.run([*program, "build", "--config", str(tmp_path / "none.toml")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == ExitCode.CONFIG
    assert done.stderr.count("\n") == 1 and "none.toml" in done.stderr


def test_a_build_through_the_process_writes_its_feeds(tmp_path: Path) -> None:
    import shutil

    site = tmp_path / "site"
    shutil.copytree(ROOT / "entries", site / "entries")
    shutil.copy(ROOT / "feedpub.toml", site / "feedpub.toml")
    shutil.copy(ROOT / "feedpub.ledger", site / "feedpub.ledger")
    if (ROOT / "media").is_dir():
        shutil.copytree(ROOT / "media", site / "media")
    done = subprocess.run(PROGRAMS["publish.py"], capture_output=True, text=True, cwd=site)
    assert done.returncode == 0, done.stderr
    for name in ("rss.xml", "atom.xml", "feed.json", "index.html"):
        assert (site / "feeds" / name).read_bytes() == (ROOT / "feeds" / name).read_bytes()


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """``publish.py snippet | true``: the pipe is closed before the output is written."""
    read, write = os.pipe()
    os.close(read)
    with open(write, "wb") as closed:
        done = subprocess.run(PROGRAMS["publish.py"] + ["snippet"], stdout=closed,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == ExitCode.IO
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
