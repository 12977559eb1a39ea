"""Shared fixtures: a copy of the sample blog, and the command run in-process.

Tests drive feedpub through its public command (``feedpub.cli.main``, the same code
``publish.py`` runs) and its public API, never through private helpers.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from feedpub.cli import main

ROOT = Path(__file__).resolve().parents[1]

pytest_plugins = ["servers.plugin"]  # real WebDAV, SSH and hub servers on 127.0.0.1


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/golden/ from the current output instead of comparing",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@dataclass
class Outcome:
    code: int
    out: str
    err: str


Run = Callable[..., Outcome]


def copy_sample(site: Path) -> Path:
    """``site`` made a copy of the shipped sample blog (config, entries, media and ledger;
    no state, no feeds): what a fresh clone has."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "feedpub.toml", site / "feedpub.toml")
    shutil.copytree(ROOT / "entries", site / "entries")
    shutil.copytree(ROOT / "media", site / "media")
    if (ROOT / "feedpub.ledger").exists():
        shutil.copy(ROOT / "feedpub.ledger", site / "feedpub.ledger")
    return site


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A private copy of the shipped sample blog."""
    return copy_sample(tmp_path / "blog")


def _load_synth() -> ModuleType:
    """``benchmarks/synth.py``, the project's own entry generator, for tests of big blogs."""
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


@pytest.fixture(scope="session")
def big_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 000 synthetic entries: big enough that a cold build takes seconds and forks
    workers. Generated once for the session; tests get a copy (``big``)."""
    folder = tmp_path_factory.mktemp("big") / "blog"
    synth.make_blog(folder, 3000)
    return folder


@pytest.fixture
def big(big_template: Path, tmp_path: Path) -> Path:
    """A private copy of the 3 000-entry blog (no state, no feeds)."""
    site = tmp_path / "big"
    shutil.copytree(big_template, site)
    return site


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Run]:
    """Run the command in a folder: ``run(site, "build", "-v")`` → exit code and output."""

    def invoke(where: Path, *args: str) -> Outcome:
        monkeypatch.chdir(where)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    yield invoke


def state_document(path: Path) -> dict:
    """The JSON body of a sealed state-folder document (its first line is the seal)."""
    import json

    header, _, payload = path.read_bytes().partition(b"\n")
    assert header.startswith(b"feedpub-sealed hmac-sha256="), header[:40]
    return json.loads(payload)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime, to prove that a run changed nothing."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def cache_records(state_dir: Path) -> dict[str, list]:
    """The entry cache's index as a build reads it: ``entries.json``'s records with its
    changes file (``entries-changes.json``, when there is one) applied."""
    records = state_document(state_dir / "entries.json")["entries"]
    changes_file = state_dir / "entries-changes.json"
    if changes_file.exists():
        changes = state_document(changes_file)
        records.update(changes["entries"])
        for name in changes["removed"]:
            records.pop(name, None)
    return records


def cached_entries(state_dir: Path) -> dict[str, dict | None]:
    """Each cached entry file's whole entry (its JSON record read from its pack), or None
    for a draft: what the entry cache (``entries.json`` and its packs) holds."""
    import json

    found: dict[str, dict | None] = {}
    for name, record in cache_records(state_dir).items():
        if record[3] is None:
            found[name] = None
            continue
        pack, offset, length, _ = record[3][-2]  # [stub fields..., ref, html size]
        with open(state_dir / pack, "rb") as handle:
            handle.seek(offset)
            found[name] = json.loads(handle.read(length))
    return found
