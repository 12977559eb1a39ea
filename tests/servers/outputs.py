"""Build a fake `feeds/` output folder in known versions, for the upload tests."""

from __future__ import annotations

from pathlib import Path

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
        (folder / name).write_bytes(data)
        written[name] = data
    return written


def public_urls(base: str = "https://blog.example.org/feeds/") -> dict[str, str]:
    return {name: base + name for name in FEEDS}


def publish(table: dict, out: Path, state: Path, *, hubs: tuple[str, ...] = (), **kw: object):
    """publish_outputs with the test defaults (fast backoff, logs collected into kw['log'])."""
    from feedpub.upload import publish_outputs

    table = {"backoff": 0.01, "timeout": 5, **table}
    lines: list[str] = []
    report = publish_outputs(
        table,
        config_path="feedpub.toml",
        output_dir=out,
        state_dir=state,
        public_urls=public_urls(),
        hubs=list(hubs),
        closed=bool(kw.pop("closed", False)),
        log=lines.append,
        **kw,
    )
    return report, lines
