"""Per-target record of what the remote side holds, so an unchanged run sends nothing.

The manifest maps each file name to the sha256 of the bytes last *confirmed* on the
target (and, for a target that serves the headers we send, to those headers), and
lists the feed URLs uploaded but not yet announced to WebSub hubs (so a run that
fails after sending atom.xml still pings for it once a later run succeeds) and the
public URLs a CDN has not yet been told to purge. It is rewritten atomically after
every confirmed file, so a run killed at any point leaves a manifest that never claims
more than the target has. The two later fields are optional, so a manifest written
by an older feedpub still loads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from feedpub.output import write_atomic

VERSION = 1


def sha256_hex(data: bytes) -> str:
    """The content hash that decides whether a file must be sent."""
    return hashlib.sha256(data).hexdigest()


def manifest_path(state_dir: Path, target_display: str) -> Path:
    """Where the manifest of one target lives: one file per target URL (credentials excluded)."""
    key = sha256_hex(target_display.encode("utf-8"))[:32]
    return state_dir / "upload" / f"{key}.json"


@dataclass
class Manifest:
    """What one target is known to hold; `save` after each change keeps it crash-safe."""

    path: Path
    target: str
    files: dict[str, str] = field(default_factory=dict)
    pending_pings: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # name → FileMeta.key, S3 only
    pending_purges: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, target: str) -> Manifest:
        """Read the manifest; a missing or unreadable one means "nothing known", so all is sent."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path, target)
        if not isinstance(raw, dict) or raw.get("version") != VERSION:
            return cls(path, target)
        return cls(path, target, _strings(raw.get("files")), _string_list(raw.get("pending_pings")),
                   _strings(raw.get("headers")), _string_list(raw.get("pending_purges")))

    @property
    def empty(self) -> bool:
        """Nothing is known about the target: a first upload, or a lost state folder."""
        return not self.files

    def changed(self, name: str, digest: str, headers: str | None = None) -> bool:
        """True when the target is not known to hold exactly these bytes (and headers, if given)."""
        if self.files.get(name) != digest:
            return True
        return headers is not None and self.headers.get(name) != headers

    def record(self, name: str, digest: str, headers: str | None) -> None:
        """Note that the target holds these bytes (and headers), without saving yet."""
        self.files[name] = digest
        if headers is None:
            self.headers.pop(name, None)
        else:
            self.headers[name] = headers

    def confirm(self, name: str, digest: str, topic: str | None, *, headers: str | None = None,
                purge_url: str | None = None) -> None:
        """Record one file as safely on the target (its feed owed a ping, its URL a purge), then save."""
        self.record(name, digest, headers)
        if topic and topic not in self.pending_pings:
            self.pending_pings.append(topic)
        if purge_url and purge_url not in self.pending_purges:
            self.pending_purges.append(purge_url)
        self.save()

    def pings_left(self, topics: list[str]) -> None:
        """Keep only the pings a hub could not take, for the next run to send again."""
        self.pending_pings = list(topics)
        self.save()

    def purges_left(self, urls: list[str]) -> None:
        """Keep only the purges that failed, for the next run to try again."""
        self.pending_purges = list(urls)
        self.save()

    def save(self) -> None:
        """One durable write, so a crash leaves the old or the new manifest, never a torn one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {
                "version": VERSION,
                "target": self.target,
                "files": dict(sorted(self.files.items())),
                "pending_pings": self.pending_pings,
                "headers": dict(sorted(self.headers.items())),
                "pending_purges": self.pending_purges,
            },
            indent=2,
        )
        write_atomic(self.path, (body + "\n").encode("utf-8"))


def _strings(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _string_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
