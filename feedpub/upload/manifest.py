"""Per-target record of what the remote side holds, so an unchanged run sends nothing.

The manifest maps each file name to the sha256 of the bytes last *confirmed* on the
target, and lists the feed URLs uploaded but not yet announced to WebSub hubs (so a
run that fails after sending atom.xml still pings for it once a later run succeeds).
It is rewritten atomically after every confirmed file, so a run killed at any point
leaves a manifest that never claims more than the target has.
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

    @classmethod
    def load(cls, path: Path, target: str) -> Manifest:
        """Read the manifest; a missing or unreadable one means "nothing known", so all is sent."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path, target)
        if not isinstance(raw, dict) or raw.get("version") != VERSION:
            return cls(path, target)
        files = raw.get("files")
        pings = raw.get("pending_pings")
        return cls(
            path,
            target,
            {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {},
            [str(p) for p in pings] if isinstance(pings, list) else [],
        )

    def changed(self, name: str, digest: str) -> bool:
        """True when the target is not known to hold exactly these bytes."""
        return self.files.get(name) != digest

    def confirm(self, name: str, digest: str, topic: str | None) -> None:
        """Record one file as safely on the target (and its feed as owed a ping), then save."""
        self.files[name] = digest
        if topic and topic not in self.pending_pings:
            self.pending_pings.append(topic)
        self.save()

    def pings_done(self) -> None:
        """Forget the owed pings once every hub was tried (a hub failure is only a warning)."""
        self.pending_pings = []
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
            },
            indent=2,
        )
        write_atomic(self.path, (body + "\n").encode("utf-8"))
