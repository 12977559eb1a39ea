"""Send what changed in the output folder to the configured target, purge the CDN, ping hubs.

This module decides *what* to send, in which order and with which headers; a target
module (chosen by the URL scheme and imported only when used, so the cron path does
not pay for requests, paramiko or boto3) only knows how to put one file atomically.
Feeds go last so that anything a feed links to is already online when a reader sees
the new feed. After the files: the CDN purge (so the hubs fetch fresh bytes), then the
WebSub pings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from feedpub import program
from feedpub.config import SiteConfig
from feedpub.errors import ConfigError, UploadError
from feedpub.formats import FEED_FILES, FORMATS
from feedpub.notices import Notice
from feedpub.upload.base import FileMeta, Listing, PermanentError, Target, TransientError
from feedpub.upload.headers import file_meta
from feedpub.upload.manifest import Manifest, manifest_path, sha256_hex
from feedpub.upload.retry import gave_up, with_retries
from feedpub.upload.settings import UploadSettings

# One line per scheme: a new kind of target is a new module with an `open_target(settings)`
# factory and one entry here; no other target changes.
TARGET_MODULES = {
    "file": "feedpub.upload.file",
    "sftp": "feedpub.upload.sftp",
    "webdav": "feedpub.upload.webdav",
    "webdavs": "feedpub.upload.webdav",
    "http": "feedpub.upload.webdav",
    "https": "feedpub.upload.webdav",
    "s3": "feedpub.upload.s3",
}
HUB_LIMIT = 30.0  # seconds: hubs and CDN APIs get at most this per read and per request


@dataclass(frozen=True)
class UploadReport:
    """What one run did, for the CLI to print."""

    sent: tuple[str, ...]  # file names sent, in order
    pinged: tuple[str, ...]  # topic URLs pinged
    notices: tuple[Notice, ...]  # e.g. hub failures, one line each
    purged: tuple[str, ...] = ()  # public URLs the CDN was told to drop
    owed: bool = False  # a purge or a ping failed and is owed to the next run (the next minute)


@dataclass(frozen=True)
class Outgoing:
    """One file as it will be sent: its name in the feeds folder, its bytes, its headers."""

    name: str
    data: bytes
    meta: FileMeta

    @cached_property
    def digest(self) -> str:
        return sha256_hex(self.data)


def upload_outputs(config: SiteConfig, *, dry_run: bool = False, force: bool = False,
                   log: Callable[[str], None] = lambda s: None,
                   names: Iterable[str] | None = None) -> UploadReport:
    """Send every changed file of the output folder to the ``[upload]`` target, then purge and ping.

    Raises ConfigError when the config has no ``[upload]`` table and UploadError (one
    line: file and cause) when a file cannot be sent; files confirmed before the failure
    stay recorded, so the next run sends only the rest. Whether the blog is closed
    decides the Cache-Control of every file (``upload.headers``); a target that stores
    headers (S3) gets every file again when that changes. ``names`` (relative to the
    output folder) defaults to what the last successful build wrote.
    """
    if config.upload is None:
        raise ConfigError(config.path, "upload", "no [upload] table; add one with a target "
                          "(see README, Upload)")
    run = _Run(config, config.upload, log)
    try:
        files = plan_upload(config, candidate_names(config) if names is None else names)
        todo = run.changed(files, force=force, dry_run=dry_run)
        if dry_run:
            return run.dry_run(todo)
        sent = run.send_all(todo)
        purged, purge_notices = run.purge_pending()
        pinged, ping_notices = run.ping_pending()
        owed = bool(run.manifest.pending_purges or run.manifest.pending_pings)
    finally:
        run.close()
    return UploadReport(sent=tuple(sent), pinged=tuple(pinged), purged=tuple(purged),
                        notices=tuple(run.target_notices + purge_notices + ping_notices),
                        owed=owed)


def candidate_names(config: SiteConfig) -> list[str]:
    """The files the last successful build wrote, and nothing else of the output folder.

    The build record, not a directory listing, is the source: a file someone dropped
    into the folder (the state folder, raw Markdown, a stray backup) is never sent.
    Only the *source* of the list lives here; order and headers are ``plan_upload``'s.
    """
    from feedpub.state import load_build_record

    record = load_build_record(config.state_dir, [])
    if record is None:
        raise UploadError(f"{config.output_dir}: nothing to upload: no build is recorded in "
                          f"{config.state_dir}; run '{program.command('build')}' first")
    return [name for name, stamp in record.outputs.items() if stamp is not None]


def plan_upload(config: SiteConfig, names: Iterable[str]) -> list[Outgoing]:
    """The files to send, in upload order, each read once and given its headers.

    The one place that decides order and per-file metadata: other files first (by
    name), then the feeds in the registry's upload order, so anything a feed points to
    is online first; each file's Content-Type and Cache-Control come from
    ``upload.headers`` for the blog's state (live with its ``ttl``, or closed). Names
    are relative to the output folder (``archive/page-1.xml`` is fine).
    """
    unique = set(names)
    feeds = [n for n in FEED_FILES if n in unique]
    ordered = sorted(unique - set(feeds)) + feeds
    closed = config.closed is not None
    return [Outgoing(name, _read(config.output_dir / name),
                     file_meta(name, closed=closed, ttl_minutes=config.ttl)) for name in ordered]


def open_target(settings: UploadSettings) -> Target:
    """Import only the module of the configured scheme and let it build the target."""
    module = importlib.import_module(TARGET_MODULES[settings.scheme])
    target: Target = module.open_target(settings)
    return target


def _read(path: Path) -> bytes:
    """Read a file once, so what is hashed is exactly what is sent."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UploadError(f"{path}: cannot read: {exc.strerror}") from None


class _Run:
    """One upload run: the target's settings, its manifest, the public URLs, the log."""

    def __init__(self, config: SiteConfig, settings: UploadSettings, log: Callable[[str], None]):
        self.config, self.settings, self.log = config, settings, log
        self.where = settings.display_target
        self.manifest = Manifest.load(manifest_path(config.state_dir, self.where), self.where)
        self.topics = {f.filename: config.feed_url(f.filename) for f in FORMATS.values()}
        self.target_notices: list[Notice] = []
        self._target: Target | None = None

    def target(self) -> Target:
        """The target, opened on first need (a run with nothing to send never imports it)."""
        if self._target is None:
            self._target = open_target(self.settings)
            self.target_notices.extend(self._target.notices)
        return self._target

    def close(self) -> None:
        if self._target is not None:
            self._target.close()

    def headers_key(self, item: Outgoing) -> str | None:
        """The headers as the manifest records them, for targets that serve what we send."""
        return item.meta.key if self.settings.stores_headers else None

    def changed(self, files: list[Outgoing], *, force: bool, dry_run: bool) -> list[Outgoing]:
        """The files the target is not known to hold exactly (bytes, and headers where kept)."""
        if force:
            return files
        if self.manifest.empty and files:
            self.reconcile(files, save=not dry_run)
        return [f for f in files if self.manifest.changed(f.name, f.digest, self.headers_key(f))]

    def reconcile(self, files: list[Outgoing], *, save: bool) -> None:
        """No manifest: ask a target that can list itself which files it already holds."""
        target = self.target()
        if not isinstance(target, Listing):
            return
        wanted = {f.name: (f.data, f.meta) for f in files}
        try:
            held = with_retries(lambda: target.holding(wanted), retries=self.settings.retries,
                                backoff=self.settings.backoff)
        except (PermanentError, TransientError) as exc:  # e.g. a key without s3:ListBucket
            self.target_notices.append(Notice(self.where, f"cannot list what is already there "
                                              f"({exc}); sending every file"))
            return
        for item in files:
            if item.name in held:
                self.manifest.record(item.name, item.digest, self.headers_key(item))
        self.log(f"no manifest for {self.where}: {len(held)} of {len(files)} file(s) already there")
        if save and held:
            self.manifest.save()

    def dry_run(self, todo: list[Outgoing]) -> UploadReport:
        """List what would be sent, purged and pinged; write to neither target, CDN, hubs nor manifest."""
        for item in todo:
            self.log(f"would send {item.name} ({len(item.data)} bytes, {item.meta.content_type}, "
                     f"Cache-Control: {item.meta.cache_control}) to {self.where}")
        if not todo:
            self.log(f"nothing to send to {self.where}")
        purges = list(self.manifest.pending_purges)
        if self.settings.purge is not None:
            purges += [u for u in (self.config.feed_url(i.name) for i in todo) if u not in purges]
            for url in purges:
                self.log(f"would purge {url}")
        topics = list(self.manifest.pending_pings)
        topics += [t for t in (self.topics.get(i.name) for i in todo) if t and t not in topics]
        for topic in topics if self.config.hubs else []:
            self.log(f"would ping hubs for {topic}")
        return UploadReport(sent=tuple(i.name for i in todo), pinged=(), notices=())

    def send_all(self, todo: list[Outgoing]) -> list[str]:
        """Send each file with retries, recording it in the manifest as soon as it is confirmed."""
        if not todo:
            self.log(f"nothing changed for {self.where}")
            return []
        state = "closed" if self.config.closed else "live"
        self.log(f"uploading {len(todo)} file(s) to {self.where} (blog {state})")
        target = self.target()
        purging = self.settings.purge is not None
        sent: list[str] = []
        for item in todo:
            self.send_one(target, item)
            self.manifest.confirm(item.name, item.digest, self.topics.get(item.name),
                                  headers=self.headers_key(item),
                                  purge_url=self.config.feed_url(item.name) if purging else None)
            sent.append(item.name)
            self.log(f"sent {item.name} ({len(item.data)} bytes)")
        return sent

    def send_one(self, target: Target, item: Outgoing) -> None:
        """put_atomic with bounded retries; any final failure becomes a one-line UploadError."""
        settings = self.settings

        def retrying(attempt: int, exc: Exception) -> None:
            self.log(f"{item.name}: {exc}; retry {attempt} of {settings.retries}")

        try:
            with_retries(lambda: target.put_atomic(item.name, item.data, item.meta),
                         retries=settings.retries, backoff=settings.backoff, on_retry=retrying)
        except PermanentError as exc:
            raise UploadError(f"{item.name}: {self.where}: {exc}") from None
        except TransientError as exc:
            raise UploadError(f"{item.name}: {self.where}: {exc} {gave_up(settings.retries + 1)}") from None

    def purge_pending(self) -> tuple[list[str], list[Notice]]:
        """Tell the CDN to drop every URL sent but not yet purged; keep the failures for next time."""
        urls = list(self.manifest.pending_purges)
        if not urls:
            return [], []
        if self.settings.purge is None:  # purging was switched off since: nothing is owed
            self.manifest.purges_left([])
            return [], []
        from feedpub.upload.purge import purge  # lazy: only runs that changed a file need requests

        outcome = purge(self.settings.purge, urls, timeout=min(self.settings.timeout, HUB_LIMIT),
                        deadline_s=min(self.settings.deadline, HUB_LIMIT),
                        retries=self.settings.retries, backoff=self.settings.backoff)
        self.manifest.purges_left(outcome.left)
        done = [u for u in urls if u not in outcome.left]
        for url in done:
            self.log(f"purged {url}")
        return done, outcome.notices

    def ping_pending(self) -> tuple[list[str], list[Notice]]:
        """Ping hubs for every feed uploaded but not yet announced; keep the topics a hub
        could not take (down, 5xx) for the next run, as purges are kept."""
        topics = list(self.manifest.pending_pings)
        if not topics:
            return [], []
        if not self.config.hubs:  # hubs were removed from the config since: nothing is owed
            self.manifest.pings_left([])
            return [], []
        from feedpub.upload import websub  # lazy: only runs that changed a feed need requests

        outcome = websub.ping(self.config.hubs, topics, timeout=min(self.settings.timeout, HUB_LIMIT),
                              retries=self.settings.retries, backoff=self.settings.backoff,
                              deadline=min(self.settings.deadline, HUB_LIMIT))
        self.manifest.pings_left(outcome.left)
        return [t for t in topics if t not in outcome.left], outcome.notices
