"""Upload to a file:// target: change detection, order, dry run, force, manifest, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedpub.errors import ConfigError, UploadError
from feedpub.upload.headers import content_type
from feedpub.upload.publish import plan_upload
from servers.outputs import publish, upload_config, write_outputs


@pytest.fixture
def setup(tmp_path: Path) -> tuple[dict, Path, Path, Path]:
    remote = tmp_path / "www" / "feeds"
    out, state = tmp_path / "feeds", tmp_path / "state"
    return {"target": f"file://{remote}"}, out, state, remote


def test_first_run_sends_all_feeds_last_and_bytes_match(setup) -> None:
    table, out, state, remote = setup
    local = write_outputs(out, 1)
    report, _ = publish(table, out, state)
    assert report.sent == ("style.xsl", "rss.xml", "atom.xml", "feed.json")
    for name, data in local.items():
        assert (remote / name).read_bytes() == data
    assert sorted(p.name for p in remote.iterdir()) == sorted(local)  # no temp files left


def test_unchanged_run_sends_nothing_and_one_change_sends_one(setup) -> None:
    table, out, state, remote = setup
    write_outputs(out, 1)
    publish(table, out, state)
    report, lines = publish(table, out, state)
    assert report.sent == () and report.pinged == ()
    assert any("nothing changed" in line for line in lines)
    (out / "atom.xml").write_bytes(b"<feed>v2</feed>")
    report, _ = publish(table, out, state)
    assert report.sent == ("atom.xml",)
    assert (remote / "atom.xml").read_bytes() == b"<feed>v2</feed>"


def test_dry_run_lists_and_sends_nothing(setup) -> None:
    table, out, state, remote = setup
    write_outputs(out, 1)
    report, lines = publish(table, out, state, dry_run=True, hubs=("http://127.0.0.1:9/",))
    assert report.sent == ("style.xsl", "rss.xml", "atom.xml", "feed.json")
    assert not remote.exists() and not (state / "upload").exists()
    assert [line.split()[2] for line in lines if line.startswith("would send")] == list(report.sent)
    assert sum(line.startswith("would ping hubs for https://") for line in lines) == 3


def test_force_resends_everything(setup) -> None:
    table, out, state, _ = setup
    write_outputs(out, 1)
    publish(table, out, state)
    report, _ = publish(table, out, state, force=True)
    assert len(report.sent) == 4


def test_manifest_records_hashes_per_target(setup) -> None:
    table, out, state, _ = setup
    write_outputs(out, 1)
    publish(table, out, state)
    (manifest,) = (state / "upload").glob("*.json")
    body = json.loads(manifest.read_text())
    assert set(body["files"]) == {"style.xsl", "rss.xml", "atom.xml", "feed.json"}
    assert body["pending_pings"] == []
    other = {"target": table["target"] + "-mirror"}
    report, _ = publish(other, out, state)
    assert len(report.sent) == 4  # a second target has its own manifest


def test_order_is_others_then_rss_atom_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("feed.json", "atom.xml", "b.css", "rss.xml", "a.html", ".hidden"):
        (out / name).write_text("x")
    (out / "sub").mkdir()
    config = upload_config({"target": "file:///srv/feeds"}, out, tmp_path / "state")
    found = [p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")]
    names = [f.name for f in plan_upload(config, found)]
    assert names == ["a.html", "b.css", "rss.xml", "atom.xml", "feed.json"]
    assert content_type("feed.json") == "application/feed+json; charset=utf-8"


def test_target_that_is_a_file_is_a_one_line_error(setup, tmp_path: Path) -> None:
    _, out, state, _ = setup
    write_outputs(out, 1)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    with pytest.raises(UploadError) as err:
        publish({"target": f"file://{blocker}/feeds"}, out, state)
    message = str(err.value)
    assert "\n" not in message and message.startswith("style.xsl: file://")
    assert err.value.exit_code == 6


def test_failed_run_keeps_confirmed_files_and_next_run_finishes(setup) -> None:
    table, out, state, remote = setup
    write_outputs(out, 1)
    remote.mkdir(parents=True)
    (remote / "atom.xml").mkdir()  # a folder where a file must go: atom.xml cannot be replaced
    with pytest.raises(UploadError, match=r"^atom\.xml: "):
        publish(table, out, state)
    (remote / "atom.xml").rmdir()
    report, _ = publish(table, out, state)
    assert report.sent == ("atom.xml", "feed.json")


def test_bad_table_is_a_config_error(setup) -> None:
    _, out, state, _ = setup
    with pytest.raises(ConfigError, match=r"upload\.target"):
        publish({"target": "ftp://host/x"}, out, state)
