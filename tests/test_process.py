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


# --- a build in its own process runs without the cyclic collector ------------------------

_REPORT_COLLECTOR = """
import gc, os, sys
import feedpub.cli
real_exit = os._exit
def report(code):
    sys.stdout.write(f"collector on: {gc.isenabled()}\\n")
    sys.stdout.flush()
    real_exit(code)
os._exit = report
sys.argv = ["publish.py", *sys.argv[1:]]
feedpub.cli.run()
"""


def test_a_build_in_its_own_process_runs_without_the_cycle_collector(tmp_path: Path) -> None:
    """It ends with the process (``os._exit``), so refcounting frees what it drops and the
    collector is off: a tenth to a fifth of a one-entry build, for the same peak memory."""
    from conftest import copy_sample

    blog = copy_sample(tmp_path / "blog")
    done = subprocess.run([sys.executable, "-c", _REPORT_COLLECTOR, "build", "-q"], cwd=blog,
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "collector on: False\n", "")
    done = subprocess.run([sys.executable, "-c", _REPORT_COLLECTOR, "validate", "-q",
                           "feeds/rss.xml"], cwd=blog, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "collector on: True\n")  # only a build


def test_a_build_called_in_process_leaves_the_callers_collector_on(tmp_path: Path) -> None:
    """Tests and other programs call ``main``: their process keeps its collector."""
    import gc

    from conftest import copy_sample
    from feedpub.cli import main

    blog = copy_sample(tmp_path / "blog")
    assert gc.isenabled()
    assert main(["--config", str(blog / "feedpub.toml"), "build", "-q"]) == 0
    assert gc.isenabled()
