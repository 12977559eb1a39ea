"""Build a fake `feeds/` output folder in known versions, for the upload tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from feedpub.config import SiteConfig

FEEDS = ("rss.xml", "atom.xml", "feed.json")


def version(name: str, n: int, size: int = 0) -> bytes:
    """Deterministic content of file `name` in version `n`, padded to about `size` bytes."""
    head = f"{name} version {n}\n".encode()
    if size <= len(head):
        return head
    line = f"<!-- {name} v{n} padding -->\n".encode()
    return head + line * ((size - len(head)) // len(line) + 1)


def write_outputs(
    folder: Path, n: int, *, names: tuple[str, ...] = ("style.xsl", *FEEDS), size: int = 0
) -> dict[str, bytes]:
    """Write every file of version `n` into `folder`; return name → bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in names:
        data = version(name, n, size)
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        written[name] = data
    return written


def public_urls(base: str = "https://blog.example.org/feeds/") -> dict[str, str]:
    return {name: base + name for name in FEEDS}


def upload_config(table: dict, out: Path, state: Path, *, hubs: tuple[str, ...] = (),
                  closed: bool = False, feeds_url: str | None = None) -> SiteConfig:
    """A blog config whose output and state folders are ``out`` and ``state``, with ``table``
    as its checked ``[upload]`` table (so a bad table raises ConfigError, as loading would)."""
    from feedpub.config import ClosedConfig, parse_config
    from feedpub.upload.settings import parse_settings

    base = parse_config(BASE_CONFIG, Path("feedpub.toml"))
    return replace(
        base, output_dir=out, state_dir=state, hubs=tuple(hubs), feeds_url=feeds_url or base.feeds_url,
        upload=parse_settings(table, "feedpub.toml"),
        closed=ClosedConfig("https://blog.example.org/next", datetime(2024, 12, 8, tzinfo=UTC))
        if closed else None,
    )


BASE_CONFIG = """
title = "Upload test"
description = "Files for the upload tests"
home_page_url = "https://blog.example.org/"
feeds_url = "https://blog.example.org/feeds/"
id_base = "tag:blog.example.org,2024:test/"
"""


def output_names(out: Path) -> list[str]:
    """What a build would have recorded as written: the folder's regular, non-hidden files,
    in sub-folders too, as "archive/rss-1.xml" (the upload tests write their outputs by
    hand, without a build)."""
    if not out.is_dir():
        return []
    return [p.relative_to(out).as_posix() for p in sorted(out.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)]


def publish(table: dict, out: Path, state: Path, *, hubs: tuple[str, ...] = (), **kw: object):
    """upload_outputs with the test defaults (fast backoff, logs collected into a list)."""
    from feedpub.upload.publish import upload_outputs

    table = {"backoff": 0.01, "timeout": 5, **table}
    lines: list[str] = []
    config = upload_config(table, out, state, hubs=hubs, closed=bool(kw.pop("closed", False)),
                           feeds_url=kw.pop("feeds_url", None))  # type: ignore[arg-type]
    report = upload_outputs(config, log=lines.append, names=output_names(out), **kw)  # type: ignore[arg-type]
    return report, lines
