"""Send what changed in the output folder to the configured target, then ping the hubs.

This module decides *what* to send and in which order; a target module (chosen by the
URL scheme and imported only when used, so the cron path does not pay for requests or
paramiko) only knows how to put one file atomically. Feeds go last so that anything a
feed links to is already online when a reader sees the new feed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from feedpub.config import SiteConfig
from feedpub.errors import ConfigError, UploadError
from feedpub.formats import FEED_FILES, FORMATS
from feedpub.formats import content_type as registry_content_type
from feedpub.notices import Notice
from feedpub.upload.base import PermanentError, Target, TransientError
from feedpub.upload.manifest import Manifest, manifest_path, sha256_hex
from feedpub.upload.retry import with_retries
from feedpub.upload.settings import UploadSettings

OTHER_TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xsl": "application/xslt+xml; charset=utf-8",
}
# One line per scheme: a new kind of target (an S3-compatible bucket, say) is a new module
# with an `open_target(settings)` factory and one entry here; no other target changes.
TARGET_MODULES = {
    "file": "feedpub.upload.file",
    "sftp": "feedpub.upload.sftp",
    "webdav": "feedpub.upload.webdav",
    "webdavs": "feedpub.upload.webdav",
    "http": "feedpub.upload.webdav",
    "https": "feedpub.upload.webdav",
}


@dataclass(frozen=True)
class UploadReport:
    """What one run did, for the CLI to print."""

    sent: tuple[str, ...]  # file names sent, in order
    pinged: tuple[str, ...]  # topic URLs pinged
    notices: tuple[Notice, ...]  # e.g. hub failures, one line each


def upload_outputs(config: SiteConfig, *, dry_run: bool = False, force: bool = False,
                   log: Callable[[str], None] = lambda s: None) -> UploadReport:
    """Send every changed file of the output folder to the ``[upload]`` target, then ping hubs.

    Raises ConfigError when the config has no ``[upload]`` table and UploadError (one
    line: file and cause) when a file cannot be sent; files confirmed before the failure
    stay recorded, so the next run sends only the rest. Whether the blog is closed
    changes nothing on the wire (no protocol here can set Cache-Control on a stored
    file); it is logged so the log says which policy the web server should apply (see
    docs/upload.md).
    """
    if config.upload is None:
        raise ConfigError(config.path, "upload", "no [upload] table; add one with a target "
                          "(see README, Upload)")
    run = _Run(config, config.upload, log)
    todo = [(p, data) for p, data in _read_all(ordered_files(config.output_dir))
            if force or run.manifest.changed(p.name, sha256_hex(data))]
    if dry_run:
        return run.dry_run(todo)
    sent = run.send_all(todo)
    pinged, notices = run.ping_pending()
    return UploadReport(sent=tuple(sent), pinged=tuple(pinged), notices=tuple(notices))


def ordered_files(output_dir: Path) -> list[Path]:
    """Regular files of the folder, others first (by name), then the feeds in upload order."""
    try:
        entries = [p for p in output_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
    except OSError as exc:
        raise UploadError(f"{output_dir}: cannot read the output folder: {exc.strerror}") from None
    feeds = {p.name: p for p in entries if p.name in FEED_FILES}
    others = sorted((p for p in entries if p.name not in FEED_FILES), key=lambda p: p.name)
    return others + [feeds[n] for n in FEED_FILES if n in feeds]


def content_type(name: str) -> str:
    """The Content-Type sent with a file (where the protocol carries one)."""
    known = registry_content_type(name)  # the page, the feeds and media files
    if known is not None:
        return known
    return OTHER_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def open_target(settings: UploadSettings) -> Target:
    """Import only the module of the configured scheme and let it build the target."""
    module = importlib.import_module(TARGET_MODULES[settings.scheme])
    target: Target = module.open_target(settings)
    return target


def _read_all(files: list[Path]) -> list[tuple[Path, bytes]]:
    """Read every file once, so what is hashed is exactly what is sent."""
    out = []
    for path in files:
        try:
            out.append((path, path.read_bytes()))
        except OSError as exc:
            raise UploadError(f"{path}: cannot read: {exc.strerror}") from None
    return out


class _Run:
    """One upload run: the target's settings, its manifest, the feeds' public URLs, the log."""

    def __init__(self, config: SiteConfig, settings: UploadSettings, log: Callable[[str], None]):
        self.config, self.settings, self.log = config, settings, log
        self.manifest = Manifest.load(manifest_path(config.state_dir, settings.display_target),
                                      settings.display_target)
        self.topics = {f.filename: config.feed_url(f.filename) for f in FORMATS.values()}

    def dry_run(self, todo: list[tuple[Path, bytes]]) -> UploadReport:
        """List what would be sent and pinged; touch neither target, hubs nor manifest."""
        where = self.settings.display_target
        for path, data in todo:
            self.log(f"would send {path.name} ({len(data)} bytes) to {where}")
        if not todo:
            self.log(f"nothing to send to {where}")
        topics = list(self.manifest.pending_pings)
        for path, _ in todo:
            topic = self.topics.get(path.name)
            if topic and topic not in topics:
                topics.append(topic)
        for topic in topics if self.config.hubs else []:
            self.log(f"would ping hubs for {topic}")
        return UploadReport(sent=tuple(p.name for p, _ in todo), pinged=(), notices=())

    def send_all(self, todo: list[tuple[Path, bytes]]) -> list[str]:
        """Send each file with retries, recording it in the manifest as soon as it is confirmed."""
        where = self.settings.display_target
        if not todo:
            self.log(f"nothing changed for {where}")
            return []
        state = "closed" if self.config.closed else "live"
        self.log(f"uploading {len(todo)} file(s) to {where} (blog {state})")
        sent: list[str] = []
        target = open_target(self.settings)
        try:
            for path, data in todo:
                self.send_one(target, path.name, data)
                self.manifest.confirm(path.name, sha256_hex(data), self.topics.get(path.name))
                sent.append(path.name)
                self.log(f"sent {path.name} ({len(data)} bytes)")
        finally:
            target.close()
        return sent

    def send_one(self, target: Target, name: str, data: bytes) -> None:
        """put_atomic with bounded retries; any final failure becomes a one-line UploadError."""
        settings = self.settings

        def retrying(attempt: int, exc: Exception) -> None:
            self.log(f"{name}: {exc}; retry {attempt} of {settings.retries}")

        try:
            with_retries(lambda: target.put_atomic(name, data, content_type(name)),
                         retries=settings.retries, backoff=settings.backoff, on_retry=retrying)
        except PermanentError as exc:
            raise UploadError(f"{name}: {settings.display_target}: {exc}") from None
        except TransientError as exc:
            raise UploadError(f"{name}: {settings.display_target}: {exc} (gave up after "
                              f"{settings.retries + 1} attempts)") from None

    def ping_pending(self) -> tuple[list[str], list[Notice]]:
        """Ping hubs for every feed uploaded but not yet announced, then forget those topics."""
        topics = list(self.manifest.pending_pings)
        if not topics:
            return [], []
        if not self.config.hubs:
            self.manifest.pings_done()
            return [], []
        from feedpub.upload import websub  # lazy: only runs that changed a feed need requests

        notices = websub.ping(self.config.hubs, topics, timeout=min(self.settings.timeout, 30.0),
                              retries=self.settings.retries, backoff=self.settings.backoff)
        self.manifest.pings_done()
        return topics, notices
