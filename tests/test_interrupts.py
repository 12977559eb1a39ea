"""Runs that overlap, are interrupted or are killed (issue 11, defects 2, 3 and 13).

Real processes on a blog of 3 000 entries (big enough for the parse pool and forked
renders): the documented cron line racing a `close`, two closes at once, Ctrl-C sent to
the whole process group, and SIGKILL at random moments of a `close`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

PUBLISH = [sys.executable, str(ROOT / "publish.py")]
CLOSE = ["close", "--continued-at", "https://bench.example.org/next", "--at",
         "2024-01-01T00:00:00+00:00"]
INTERRUPTED = "interrupted; published files are complete old or new versions\n"


@pytest.fixture
def site(big: Path) -> Path:
    """The session's 3 000-entry blog (conftest), copied for this test."""
    return big


def start(site: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*PUBLISH, *args], cwd=site, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            start_new_session=True)


def finish(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def config_closed(site: Path) -> bool:
    return "[closed]" in (site / "feedpub.toml").read_text()


def feeds_closed(site: Path) -> bool:
    return json.loads((site / "feeds" / "feed.json").read_bytes()).get("expired") is True


def build(site: Path) -> tuple[int, str]:
    return finish(start(site, "build", "--wait", "60"), timeout=120)


def test_a_waiting_cron_run_never_undoes_a_close(site: Path) -> None:
    """The cron line started while `close` runs acts on the closed config, not on the one
    it would have read before taking the lock."""
    closing = start(site, *CLOSE)
    time.sleep(0.15)
    cron = start(site, "build", "--wait", "30")
    assert finish(closing) == (0, "")
    assert finish(cron) == (0, "")
    assert config_closed(site) and feeds_closed(site)


def test_two_closes_at_once_one_wins_the_other_is_refused(site: Path) -> None:
    assert build(site)[0] == 0
    first = start(site, "close", "--continued-at", "https://one.example.org/", "--wait", "30")
    second = start(site, "close", "--continued-at", "https://two.example.org/", "--wait", "30")
    outcomes = sorted([finish(first), finish(second)])
    assert outcomes[0] == (0, "")
    assert outcomes[1][0] == 2 and "already closed" in outcomes[1][1]
    text = (site / "feedpub.toml").read_text()
    assert text.count("[closed]") == 1
    winner = "https://one.example.org/" if "one.example" in text else "https://two.example.org/"
    items = json.loads((site / "feeds" / "feed.json").read_bytes())["items"]
    assert items[0]["url"] == winner


def interrupt_at(site: Path, args: list[str], delay: float) -> tuple[int, str]:
    """Ctrl-C ``delay`` seconds after the run took the blog's lock.

    Waiting for the lock first keeps the signal out of the interpreter's own start-up,
    where Python has not yet installed its handler and any program dies of SIGINT.
    """
    process = start(site, *args)
    lock = site / ".feedpub" / "lock"
    deadline = time.monotonic() + 30
    while not lock.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    return finish(process, timeout=30)  # a hang (the old Pool.terminate deadlock) fails here


def test_ctrl_c_always_ends_a_parallel_parse_cleanly(site: Path) -> None:
    rng = random.Random(int(os.environ.get("FEEDPUB_KILL_SEED", "11")))
    for attempt in range(8):
        shutil.rmtree(site / ".feedpub", ignore_errors=True)  # cold: every entry is parsed
        code, err = interrupt_at(site, ["build"], rng.uniform(0.0, 0.8))
        assert code in (0, 130), (attempt, code, err)
        assert err in ("", INTERRUPTED), (attempt, err)  # no worker tracebacks
        assert build(site) == (0, "")  # the lock was released and the state is usable
        assert not [p for p in site.rglob("*") if ".feedpub-tmp-" in p.name]


def test_ctrl_c_during_close_leaves_it_done_or_not_done(site: Path) -> None:
    rng = random.Random(int(os.environ.get("FEEDPUB_KILL_SEED", "12")))
    original = (site / "feedpub.toml").read_text()
    for attempt in range(4):
        shutil.rmtree(site / ".feedpub", ignore_errors=True)
        (site / "feedpub.toml").write_text(original)
        code, err = interrupt_at(site, CLOSE, rng.uniform(0.0, 1.5))
        assert code in (0, 130) and err in ("", INTERRUPTED), (attempt, code, err)
        if code == 130:
            assert not config_closed(site) or (site / ".feedpub" / "commit.json").exists()
        assert build(site)[0] == 0
        assert config_closed(site) == feeds_closed(site), attempt


def test_killing_close_never_leaves_config_and_feeds_apart(site: Path) -> None:
    rng = random.Random(int(os.environ.get("FEEDPUB_KILL_SEED", "13")))
    assert build(site)[0] == 0
    original = (site / "feedpub.toml").read_text()
    for attempt in range(8):
        (site / "feedpub.toml").write_text(original)
        assert build(site)[0] == 0 and not feeds_closed(site)
        process = start(site, *CLOSE)
        time.sleep(rng.uniform(0.05, 1.5))
        process.kill()
        process.wait()
        if not (site / ".feedpub" / "commit.json").exists():
            # killed before the close was committed: nothing may have changed, so the next
            # cron run does not publish a closing the editor may have been aborting
            assert config_closed(site) == feeds_closed(site), attempt
        assert build(site)[0] == 0
        assert config_closed(site) == feeds_closed(site), attempt


def _endless() -> Iterator[int]:
    while True:  # a worker that never finishes on its own: only a kill stops it
        yield 0


def test_a_ctrl_c_delivered_as_a_worker_starts_still_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found under load: SIGINT, held back while a worker forks, is delivered the moment the
    mask is restored; the worker was not yet recorded, ran on unseen, and multiprocessing's
    exit handler waited for it forever. Here that moment is made certain."""
    import multiprocessing

    from feedpub.forks import Children

    real, parent = signal.pthread_sigmask, os.getpid()

    def deliver_at_once(how: int, mask: Iterable[int]) -> set[signal.Signals]:
        old = real(how, mask)
        if how == signal.SIG_SETMASK and os.getpid() == parent and signal.SIGINT not in mask:
            raise KeyboardInterrupt  # the pending Ctrl-C, as Python delivers it
        return old

    monkeypatch.setattr(signal, "pthread_sigmask", deliver_at_once)
    try:
        with pytest.raises(KeyboardInterrupt), Children() as children:
            children.start(_endless)
        monkeypatch.undo()
        assert multiprocessing.active_children() == []
    finally:
        for leftover in multiprocessing.active_children():  # never leave one behind
            leftover.kill()
            leftover.join()


def test_a_standby_ends_with_its_group_whether_or_not_it_got_a_job() -> None:
    """A standby child prepares, then waits for a job that may never come: it must end
    when its group does, its preparation's failure must not be the job's, and a job it
    is given comes back."""
    import multiprocessing

    from feedpub.forks import ChildFailed, Children, Standby

    def prepare() -> None:
        raise RuntimeError("preparing failed")

    with Children() as children:
        idle = Standby(children, prepare, str.upper)
        busy: Standby[str, str] = Standby(children, prepare, str.upper)
        failing: Standby[str, str] = Standby(children, lambda: None, _refuse)
        busy.submit("a job")
        failing.submit("a job")
        assert busy.result() == "A JOB"
        with pytest.raises(ChildFailed, match="ValueError: refused a job"):
            failing.result()
        idle.close()
    assert multiprocessing.active_children() == []


def _refuse(job: str) -> str:
    raise ValueError(f"refused {job}")
