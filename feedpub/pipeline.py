"""The build as a plain sequence, and the commands made of builds (close, reopen, retract).

scan the entry and media files → stop if nothing changed → load entries through the
cache → check them against the ledger (``lifecycle``) → assemble the documents (the
subscription feed with its page, and archive pages whose inputs changed) → render,
check and stage each output and the media → publish the staged set (with the ledger) →
remove what the blog no longer publishes → record the build → upload if asked. Each
step is owned by its own module; this one only orders them and holds no policy of its
own. Nothing here reads the clock: ``now`` comes from the CLI. Every step before
``publish`` leaves the published files alone, so any failure up to there changes nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub import __version__
from feedpub.config import SiteConfig, parse_config, setting_error
from feedpub.entries import FileStamp, Scan, scan_entries
from feedpub.errors import (
    EntryError,
    EntryProblem,
    FeedCheckError,
    UploadError,
    UsageError,
)
from feedpub.model import Entry, Feed, MediaFile
from feedpub.notices import Level, Notice
from feedpub.output import Staged
from feedpub.stamps import entries_digest, inputs_digest, template_text
from feedpub.state import BuildRecord, Stamp, file_stamp, load_build_record, save_build_record
from feedpub.text import one_line, shown_path

if TYPE_CHECKING:
    from feedpub.cache import LoadedEntries, ParseStandby
    from feedpub.feed import Document, Layout
    from feedpub.frozen import Frozen
    from feedpub.ledger import Ledger
    from feedpub.lifecycle import Reconciled
    from feedpub.render import PageStandby, Rendered, StartedPage
    from feedpub.upload.publish import UploadReport

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class BuildResult:
    """What a build did; the CLI decides what of it to print."""

    unchanged: bool = False
    written: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # entries left out (exit 4), one line each
    scheduled: list[Entry] = field(default_factory=list)  # held back until their time
    due: datetime | None = None  # the next scheduled entry, or the next tombstone to drop
    outputs: list[str] = field(default_factory=list)  # every file the build owns, by output path
    parsed: int = 0
    entries: int = 0
    upload: UploadReport | None = None
    documents: dict[str, str] = field(default_factory=dict)  # output path → its pieces digest


@dataclass(frozen=True)
class Inputs:
    """What a build reads, as the cheap scan sees it (names, sizes, mtimes; nothing opened)."""

    entries: list[FileStamp]
    media: list[FileStamp]
    template: FileStamp | None  # the user's page template, if the config names one
    entries_digest: str  # stamps.entries_digest of ``entries``, from the same listing


@dataclass(frozen=True)
class ConfigEdit:
    """A new text for feedpub.toml, published together with the feeds built from it.

    ``check`` sees the loaded entries before anything is rendered and raises to refuse
    the edit (``close`` uses it: a blog closes after its newest entry).
    """

    text: str
    check: Callable[[list[Entry]], None] = lambda entries: None


def build(config: SiteConfig, *, now: datetime, dry_run: bool = False, upload: bool = False,
          log: Log = _quiet, progress: bool = False, edit: ConfigEdit | None = None,
          strict: bool = False, preview: bool = False) -> BuildResult:
    """Bring the output folder (and the upload target) up to date with the entries.

    A run where nothing changed since the last successful one reads no entry and
    writes nothing (it reports the same entry problems again, and it does build when a
    scheduled entry has come due). An entry file that cannot be used is left out and
    reported in ``result.problems`` while every other entry is published; ``strict``
    (and every config edit) refuses to publish anything instead. On any error before
    publishing, the published files are left exactly as they were; a failed upload
    after it leaves the build done and the upload owed to the next run (exit 6). A
    ``preview`` build (``serve``) never uploads: an upload the config asks for
    (``after_build``) stays owed to the next real run.
    """
    from feedpub.output import recover

    result = BuildResult()
    if not dry_run:
        recover(config.state_dir)
    inputs = scan_inputs(config)
    wants_upload = upload or (config.upload is not None and config.upload.after_build)
    last = load_build_record(config.state_dir, result.notices)
    digest = _digest(config, inputs)
    if edit is None and not dry_run and _up_to_date(last, digest, config, now):
        assert last is not None
        if last.refused:
            raise FeedCheckError([], lines=last.refused)
        result.unchanged, result.problems = True, list(last.problems)
        if wants_upload and last.upload_pending and not preview:
            _finish_upload(config, last, log, result)
        return result
    try:
        _build_and_publish(config, inputs, now=now, dry_run=dry_run, log=log, progress=progress,
                           edit=edit, strict=strict or edit is not None, result=result, last=last,
                           standby=not preview)
    except FeedCheckError as error:
        if not dry_run and edit is None and error.findings and \
                all(f.rule == "feed-too-large" for f in error.findings):
            _remember_refusal(config, last, digest, error, result)
        raise
    if dry_run:
        return result
    if edit is not None:  # the config on disk is the edited one: record its stamp
        config = replace(config, read_stamp=file_stamp(Path(config.path)))
    _remove_unpublished(config, last, result.outputs, log)
    record = BuildRecord(_digest(config, inputs), _output_stamps(config, result.outputs),
                         wants_upload, tuple(result.problems), result.due, _paths(config),
                         result.documents)
    save_build_record(config.state_dir, record)
    if wants_upload and not preview:
        _finish_upload(config, record, log, result)
    return result


def _finish_upload(config: SiteConfig, record: BuildRecord, log: Log, result: BuildResult) -> None:
    """Upload what the build (this one or the last) published; the record says whether
    anything is still owed. A failed upload raises and leaves it owed; a CDN purge that
    failed (a warning) stays owed too, so the next cron minute retries it even when
    nothing else changed: a feed the CDN may serve for a day must not wait for the next
    update to be purged."""
    result.upload = _upload(config, log, result.notices)
    save_build_record(config.state_dir, replace(record, upload_pending=result.upload.owed))


def check(config: SiteConfig, *, now: datetime, files: Sequence[str] = (),
          progress: bool = False) -> BuildResult:
    """The entries (or the named ``files`` among them) checked as a build checks them.

    Nothing is rendered and nothing is written, the state folder included, and no lock
    is needed. Every file is parsed afresh rather than taken from the entry cache, so
    the report is complete: the warnings of a file parsed weeks ago are shown again.
    Rendering and the feed check (exit 5) stay with ``build --dry-run``.
    """
    from feedpub.cache import load_entries
    from feedpub.feed import after_closing

    result = BuildResult()
    stamps = _scan(config).stamps
    if files:
        stamps = _named_entries(config, stamps, files)
    loaded = load_entries(config, stamps, now=now, save=False, progress=progress,
                          notices=result.notices, use_cache=False)
    late = after_closing(config, loaded.entries + loaded.scheduled)
    refused = {p.path for p in late}
    result.problems = [str(p) for p in loaded.problems + late
                       + ([] if files else _media_problems(config))]
    result.scheduled = [e for e in loaded.scheduled if e.source not in refused]
    result.parsed = loaded.parsed
    result.entries = len([e for e in loaded.entries if e.source not in refused])
    return result


def _media_problems(config: SiteConfig) -> list[EntryProblem]:
    """What a build would refuse in the media folder (a name, a type, a size, an SVG)."""
    from feedpub.media import media_error, read_media, scan_media

    if config.media_dir is None:
        return []
    shown = _shown(config, config.media_dir)
    media = scan_media(config.media_dir)
    if media.refused:
        return media_error(media.refused, shown).problems
    try:
        read_media(config.media_dir, media.stamps, shown)
    except EntryError as error:
        return error.problems
    return []


def _named_entries(config: SiteConfig, stamps: list[FileStamp], files: Sequence[str]) -> list[FileStamp]:
    """The stamps of the files a user named, each checked to be one of the blog's entries."""
    by_name = {s.name: s for s in stamps}
    folder = config.entries_dir.resolve()
    chosen = []
    for name in files:
        given = Path(name)  # a path, or (as retract takes it) a file name in the entries folder
        path = (given if given.exists() else config.entries_dir / given).resolve()
        if path.parent != folder or path.name not in by_name:
            raise UsageError(f"{one_line(name)}: not an entry file of this blog (a .md or "
                             f".markdown file in {_shown(config, config.entries_dir)}/)")
        chosen.append(by_name[path.name])
    return chosen


def _build_and_publish(config: SiteConfig, inputs: Inputs, *, now: datetime,
                       dry_run: bool, log: Log, progress: bool, edit: ConfigEdit | None,
                       strict: bool, result: BuildResult, last: BuildRecord | None,
                       standby: bool) -> None:
    """The build proper. After the first build, two standby children get ready on the
    other core while this one reads its state: one imports the entry parser and parses
    the files that changed (``cache.parse_standby``), one the page's libraries
    (``render.page_standby``). Not for ``serve`` (``standby`` False), whose server
    threads make forking at every rebuild unwise, and where a page a few hundredths of a
    second later does not matter."""
    from feedpub.cache import parse_standby
    from feedpub.forks import Children
    from feedpub.render import page_standby

    with Children() as children:
        parser = parse_standby(children, config, now) if standby and last is not None else None
        page = page_standby(children, lambda: _read_template(config)) \
            if standby and config.html and last is not None else None
        _build_with(config, inputs, now=now, dry_run=dry_run, log=log, progress=progress,
                    edit=edit, strict=strict, result=result, last=last, standby=page,
                    parser=parser)


def _build_with(config: SiteConfig, inputs: Inputs, *, now: datetime, dry_run: bool, log: Log,
                progress: bool, edit: ConfigEdit | None, strict: bool, result: BuildResult,
                last: BuildRecord | None, standby: PageStandby | None,
                parser: ParseStandby | None = None) -> None:
    from feedpub.formats import PAGE
    from feedpub.frozen import Thaw
    from feedpub.ledger import ledger_text
    from feedpub.output import discard_tagged, pending
    from feedpub.render import start_page
    from feedpub.state import load_page_digests

    # the archive pages' digests, read once: what a frozen page must have, and what
    # every other page is compared with
    known = load_page_digests(config.state_dir, result.notices) if config.archive_size else {}
    snapshot = _frozen_snapshot(config, result.notices) \
        if config.archive_size and not dry_run and edit is None else None
    frozen = snapshot if _usable(config, snapshot, known, last, now) else None
    read = partial(_read_entries, config, inputs, now=now, dry_run=dry_run, progress=progress,
                   edit=edit, strict=strict, result=result)
    notices = len(result.notices)
    try:
        loaded, reconciled, aside, media, subscription, layout = read(frozen, parser)
    except Thaw:  # something touches a frozen page: read everything after all
        del result.notices[notices:]
        parsed, frozen = result.parsed, None
        loaded, reconciled, aside, media, subscription, layout = read(None, None)
        result.parsed += parsed
    for entry in result.scheduled:
        log(f"{entry.source}: scheduled for {entry.published.isoformat()}")
    if dry_run:
        page = start_page(subscription.feed, loaded.store, None, "", None, standby)
        documents = [subscription, *_archive_pages(config, loaded, reconciled, layout, known,
                                                   last, result, None)[0]]
        result.outputs += [name for name, _ in media]
        _check(config, _render(config, loaded, documents, None, "", last, result, page), result)
        return
    tag = str(os.getpid())
    folders = {config.output_dir, config.output_dir / "archive", Path(config.path).parent,
               config.ledger_path.parent}
    try:
        output_dir = _prepare(config)
        # As soon as the page's updates are known: laying out the archive pages and
        # writing the feeds overlap the standby's render and check of the page
        page = start_page(subscription.feed, loaded.store, output_dir, tag,
                          _published(config, last).get(PAGE.filename), standby)
        pages, digests = _archive_pages(config, loaded, reconciled, layout, known, last,
                                        result, frozen)
        result.outputs += [name for name, _ in media]
        documents = [subscription, *pages]
        _make_folders(config, documents)
        staged = _check(config, _render(config, loaded, documents, output_dir, tag, last, result,
                                        page), result)
        staged += _stage_media(config.output_dir, media, tag)
        feeds = list(staged)
        staged += _stage_text(config.ledger_path, ledger_text(reconciled.ledger, aside), tag)
        if edit is not None:
            staged += _stage_text(Path(config.path), edit.text, tag)
        _publish(staged, config.state_dir)
    except BaseException:  # whatever happened, nothing this run staged is left behind,
        if not pending(config.state_dir):  # unless a journaled set awaits its next run
            for folder in folders:
                discard_tagged(folder, tag)
        raise
    for item in feeds:
        result.written.append(_shown(config, item.target))
        log(f"wrote {_shown(config, item.target)}")
    _remove_stale_pages(config, last, result.outputs, log)
    _save_page_digests(config, digests)
    if config.archive_size:
        _save_frozen(config, snapshot, frozen, loaded, reconciled, aside, layout, now)


def _read_entries(config: SiteConfig, inputs: Inputs, frozen: Frozen | None,
                  parser: ParseStandby | None, *, now: datetime, dry_run: bool, progress: bool,
                  edit: ConfigEdit | None, strict: bool, result: BuildResult,
                  ) -> tuple[LoadedEntries, Reconciled, list[str], list[tuple[str, bytes]],
                             Document, Layout]:
    """The entries read and checked against the ledger (and the ledger lines of
    ``frozen``'s ids, as they are), the media files, and the subscription document and
    archive layout they make. Raises Thaw (before the page is sent to its standby) when
    something touches a frozen page."""
    from feedpub.media import media_files, read_media

    loaded, late = _load(config, inputs.entries, now=now, dry_run=dry_run, progress=progress,
                         edit=edit, strict=strict, result=result, parser=parser, frozen=frozen)
    reconciled, aside = _reconcile(config, loaded, late, now=now, strict=strict, result=result,
                                   frozen=frozen)
    media = read_media(config.media_dir, inputs.media, _shown(config, config.media_dir)) \
        if config.media_dir else []
    subscription, layout = _subscription(config, reconciled, result, frozen=frozen,
                                         media=tuple(media_files(media, config.feeds_url)))
    return loaded, reconciled, aside, media, subscription, layout


def _frozen_context(config: SiteConfig) -> str:
    """What a frozen page depends on besides its files and ledger lines: feedpub's code
    and the whole config (a new Markdown library is a new entry cache, whose records
    are then not kept, which thaws the build)."""
    from feedpub.state import code_digest

    settings = repr(replace(config, read_stamp=None, upload=None))
    return hashlib.sha256(f"{__version__}\0{code_digest()}\0{settings}".encode()).hexdigest()


def _frozen_snapshot(config: SiteConfig, notices: list[Notice]) -> Frozen | None:
    """The snapshot of frozen archive pages (``feedpub.frozen``) the last build left."""
    from feedpub.frozen import read_frozen

    return read_frozen(config.state_dir, _frozen_context(config), notices)


def _usable(config: SiteConfig, frozen: Frozen | None, known: dict[int, str],
            last: BuildRecord | None, now: datetime) -> bool:
    """Whether this build may leave the pages of ``frozen`` unread (``frozen.usable``);
    ``known`` are the pages' recorded digests."""
    from feedpub.feed import page_files
    from feedpub.frozen import usable

    if frozen is None:
        return False
    as_written = [_as_written(config, last, page_files(number))
                  for number in range(1, len(frozen.pages) + 1)]
    return usable(frozen, now=now, known_pages=known, as_written=as_written)


def _save_frozen(config: SiteConfig, snapshot: Frozen | None, frozen: Frozen | None,
                 loaded: LoadedEntries, reconciled: Reconciled, aside: list[str],
                 layout: Layout, now: datetime) -> None:
    """The snapshot of frozen pages after this build (which left ``frozen``'s unread),
    written when it is not the ``snapshot`` the build found."""
    from feedpub.feed import window_start
    from feedpub.frozen import FROZEN_NAME, freeze, save_frozen
    from feedpub.ledger import ledger_line

    if not layout.pages:
        if snapshot is not None or (config.state_dir / FROZEN_NAME).exists():
            save_frozen(config.state_dir, "", None)
        return
    ledger = reconciled.ledger
    set_aside = {line.partition(" ")[0]: line for line in aside} if aside else {}
    after = freeze(frozen, layout.pages, ledger,
                   lambda key: ledger_line(ledger[key]) if key in ledger else set_aside[key],
                   loaded.files, loaded.broken, loaded.kept, loaded.store.files_digest,
                   window_start=window_start(layout, ledger),
                   keep=_tombstone_keep(config), now=now)
    if after != snapshot or (after is None and (config.state_dir / FROZEN_NAME).exists()):
        save_frozen(config.state_dir, _frozen_context(config), after)


def current_feed(config: SiteConfig, *, now: datetime) -> Feed:
    """The subscription Feed the entries make now (as a build would publish it: checked
    against the ledger, corrections noted, retractions left out), for commands that print
    from it (``snippet``). Reads the entries through the cache without saving anything."""
    from feedpub.media import media_files, read_media

    result = BuildResult()
    inputs = scan_inputs(config)
    config = replace(config, html=True)  # with the page's facts
    loaded, late = _load(config, inputs.entries, now=now, dry_run=True, progress=False,
                         edit=None, strict=False, result=result, whole=True)
    reconciled, _ = _reconcile(config, loaded, late, now=now, strict=False, result=result)
    media = read_media(config.media_dir, inputs.media, _shown(config, config.media_dir)) \
        if config.media_dir else []
    subscription, _ = _subscription(config, reconciled, result,
                                    media=tuple(media_files(media, config.feeds_url)))
    return subscription.feed


def _load(config: SiteConfig, stamps: list[FileStamp], *, now: datetime, dry_run: bool,
          progress: bool, edit: ConfigEdit | None, strict: bool,
          result: BuildResult, whole: bool = False,
          parser: ParseStandby | None = None,
          frozen: Frozen | None = None) -> tuple[LoadedEntries, set[str]]:
    """Every entry file through the cache (stubs, see ``cache.EntryStore``; whole entries
    with ``whole``), and the names of those dated after the closing."""
    from feedpub.cache import load_entries
    from feedpub.feed import after_closing

    loaded = load_entries(config, stamps, now=now, save=not dry_run, progress=progress,
                          notices=result.notices, whole=whole, standby=parser,
                          frozen=frozen.ids if frozen is not None else frozenset())
    if edit is not None:
        edit.check(loaded.entries + loaded.scheduled)
    late = after_closing(config, loaded.entries + loaded.scheduled)
    problems = loaded.problems + late
    if problems and strict:
        raise EntryError(problems)
    result.problems = [str(p) for p in problems]
    refused = {p.path for p in late}
    late_names = {name for name, entry in loaded.files.items()
                  if entry is not None and entry.source in refused}
    result.scheduled = [loaded.store.full(e) for e in loaded.scheduled if e.source not in refused]
    result.parsed = loaded.parsed
    return loaded, late_names


def _reconcile(config: SiteConfig, loaded: LoadedEntries, late: set[str], *, now: datetime,
               strict: bool, result: BuildResult,
               frozen: Frozen | None = None) -> tuple[Reconciled, list[str]]:
    """The entries checked against the ledger: refusals stop the build (EntryError). With
    ``frozen``, the frozen pages' ids are left out of both (their ledger lines, returned as
    they are, must be the ones the snapshot knows, else Thaw)."""
    from feedpub.lifecycle import Item, reconcile

    ledger, aside = _ledger(config, loaded, frozen)
    _refuse_published_after_closing(config, loaded, late, ledger)
    scheduled = {entry.source for entry in loaded.scheduled}  # load_entries split by ``now``
    due: list[Item] = []
    later: list[Item] = []
    for name, entry in loaded.files.items():
        if entry is not None and name not in late:
            (later if entry.source in scheduled else due).append(Item(name, entry))
    reconciled = reconcile(
        ledger, due, later, loaded.files, loaded.broken, now=now,
        keep=_tombstone_keep(config), shown=lambda name: _shown(config, config.entries_dir / name),
        line_of=lambda name, key: _field_line(config, name, key))
    if reconciled.problems and strict:
        raise EntryError(reconciled.problems)
    if frozen is not None and frozen.last_retraction is not None:
        reconciled = replace(reconciled, last_retraction=max(
            [t for t in (reconciled.last_retraction, frozen.last_retraction) if t is not None]))
    result.problems += [str(p) for p in reconciled.problems]
    result.entries = len(reconciled.entries) + (frozen.entries if frozen is not None else 0)
    result.due = min([e.published for e in result.scheduled]
                     + ([reconciled.expires] if reconciled.expires else []), default=None)
    return reconciled, aside


def _tombstone_keep(config: SiteConfig) -> timedelta | None:
    """How long a retraction is announced (None: forever)."""
    return timedelta(days=config.tombstone_days) if config.tombstone_days else None


def _ledger(config: SiteConfig, loaded: LoadedEntries,
            frozen: Frozen | None) -> tuple[Ledger, list[str]]:
    """The ledger, without ``frozen``'s ids (whose lines are returned as they are). Thaw
    unless the entry cache left exactly the snapshot's records of them unread and their
    lines are the ones it knows, or when a file read this build claims a frozen id or a
    ledger line of another id names a file left unread."""
    from feedpub.frozen import Thaw, lines_digest
    from feedpub.ledger import read_ledger_except

    shown = _shown(config, config.ledger_path)
    if frozen is None:
        return read_ledger_except(config.ledger_path, shown, frozenset())
    ledger, aside = read_ledger_except(config.ledger_path, shown, frozen.ids)
    if len(loaded.kept) != frozen.files or lines_digest(aside) != frozen.lines \
            or loaded.store.files_digest(loaded.kept) != frozen.records \
            or any(entry is not None and entry.id in frozen.ids for entry in loaded.files.values()) \
            or any(record.file in loaded.kept for record in ledger.values()):
        raise Thaw
    return ledger, aside


def _refuse_published_after_closing(config: SiteConfig, loaded: LoadedEntries, late: set[str],
                                    ledger: Ledger) -> None:
    """A published update dated after ``[closed] at`` stops the build (EntryError).

    Only a hand edit of the closing time gets here (``close`` checks its own): left out
    like a new late entry, the update would vanish from the feeds, and the ledger check
    named it as an id that changed ("is X, but this file was published as X").
    """
    from feedpub import program
    from feedpub.ledger import stamp
    from feedpub.lifecycle import MAX_REFUSALS, more_refused

    published = [(name, entry) for name, entry in sorted(loaded.files.items())
                 if name in late and entry is not None and entry.id in ledger]
    if not published or config.closed is None:
        return
    at, shown_config = config.closed.at.isoformat(), _shown(config, Path(config.path))
    problems = [EntryProblem(
        _shown(config, config.entries_dir / name), "published",
        f"{stamp(entry.published)} is after the blog's closing ({at}), but this update was "
        f"published: set [closed] at in {shown_config} after the last update, or run "
        f"'{program.command('reopen')}'", _field_line(config, name, "published"))
        for name, entry in published[:MAX_REFUSALS]]
    if len(published) > MAX_REFUSALS:
        problems.append(more_refused(len(published), _shown(config, config.entries_dir)))
    raise EntryError(problems)


def _field_line(config: SiteConfig, name: str, key: str) -> int | None:
    from feedpub.entries.parse import field_line

    try:
        return field_line((config.entries_dir / name).read_bytes(), key)
    except OSError:
        return None


def _subscription(config: SiteConfig, reconciled: Reconciled, result: BuildResult, *,
                  media: tuple[MediaFile, ...],
                  frozen: Frozen | None = None) -> tuple[Document, Layout]:
    """The subscription document, and how the entries fall into archive pages (the frozen
    pages first: Thaw when an id of the ledger's rest would sort among theirs)."""
    from feedpub.feed import archive_layout, subscription_document
    from feedpub.formats import PAGE
    from feedpub.frozen import Thaw

    ledger = reconciled.ledger
    # Oldest first, for the archive pages; without them the order is never read
    order = sorted(ledger, key=lambda key: (ledger[key].published.timestamp(), key)) \
        if config.archive_size else list(ledger)
    if frozen is not None:
        if order and (ledger[order[0]].published.timestamp(), order[0]) <= frozen.last:
            raise Thaw
        order = [key for page in frozen.pages for key in page] + order
    layout = archive_layout(order, config.archive_size)
    document = subscription_document(config, reconciled.entries, layout=layout, ledger=ledger,
                                     tombstones=reconciled.tombstones,
                                     last_retraction=reconciled.last_retraction, media=media,
                                     template=_read_template(config))
    page = [PAGE.filename] if document.feed.page is not None else []
    result.outputs = page + list(document.files.values())
    return document, layout


def _archive_pages(config: SiteConfig, loaded: LoadedEntries, reconciled: Reconciled,
                   layout: Layout, known: dict[int, str], last: BuildRecord | None,
                   result: BuildResult,
                   frozen: Frozen | None) -> tuple[list[Document], dict[int, str]]:
    """Each archive page whose inputs changed since the last build (or whose files are not
    as that build left them; ``known`` are the digests it recorded), with the page digests
    to record (an empty mapping when they are as recorded already). A frozen page is as
    recorded (``frozen.usable``)."""
    from feedpub.cache import cache_context
    from feedpub.feed import page_digest, page_document, page_files

    ledger = reconciled.ledger
    context, total = cache_context(config), len(layout.pages)
    live = {entry.id: entry for entry in reconciled.entries} if layout.pages else {}
    documents: list[Document] = []
    digests: dict[int, str] = {}
    for number, ids in enumerate(layout.pages, start=1):
        if frozen is not None and number <= len(frozen.pages):
            digests[number] = known[number]
            result.outputs.extend(page_files(number).values())
            continue
        records = [ledger[key] for key in ids]
        digests[number] = page_digest(config, context, number, total, records, loaded.sha256)
        files = page_files(number)
        result.outputs.extend(files.values())
        if known.get(number) != digests[number] or not _as_written(config, last, files):
            documents.append(page_document(config, number, total,
                                           [live[k] for k in ids if k in live], records))
    return documents, ({} if digests == known else digests)


def _as_written(config: SiteConfig, last: BuildRecord | None, files: dict[str, str]) -> bool:
    """Whether a document's files are exactly as the last successful build recorded them."""
    return last is not None and all(
        last.outputs.get(path) is not None
        and last.outputs.get(path) == file_stamp(config.output_dir / path)
        for path in files.values())


def _remove_stale_pages(config: SiteConfig, last: BuildRecord | None, outputs: list[str],
                        log: Log) -> None:
    """Archive pages the last build wrote that no longer exist (archive_size changed)."""
    from feedpub.formats import ARCHIVE_FOLDER

    if last is None:
        return
    current = set(outputs)
    for path in sorted(last.outputs):
        if path.startswith(f"{ARCHIVE_FOLDER}/") and path not in current:
            try:
                (config.output_dir / path).unlink()
            except FileNotFoundError:
                continue
            log(f"removed {_shown(config, config.output_dir / path)}")


def _save_page_digests(config: SiteConfig, digests: dict[int, str]) -> None:
    """Record the pages' digests when they changed (``digests`` is empty when they did not,
    or when the blog has no pages and never had)."""
    from feedpub.state import PAGES_NAME, save_page_digests

    if digests or (not config.archive_size and (config.state_dir / PAGES_NAME).exists()):
        save_page_digests(config.state_dir, digests)


def _render(config: SiteConfig, loaded: LoadedEntries, documents: list[Document],
            output_dir: Path | None, tag: str, last: BuildRecord | None,
            result: BuildResult, page: StartedPage) -> list[Rendered]:
    """Every output of the documents (``render.render_documents``: only what changed is
    rendered; the page as ``start_page`` began it), with each output's pieces digest
    recorded in ``result``."""
    from feedpub.render import Documented, render_documents

    store = loaded.store
    try:
        rendered = render_documents([Documented(d.feed, d.files) for d in documents], store,
                                    config.state_dir, output_dir, tag, _published(config, last),
                                    page, save=output_dir is not None, notices=result.notices)
        if output_dir is not None:
            store.save_repairs(config)
    finally:
        store.close()
    result.documents = {r.path: r.pieces for r in rendered if r.pieces}
    return rendered


def _published(config: SiteConfig, last: BuildRecord | None) -> dict[str, tuple[str, bool]]:
    """Each output's pieces digest as last written, and whether the file is still as written."""
    if last is None:
        return {}
    return {path: (pieces, file_stamp(config.output_dir / path) == last.outputs.get(path))
            for path, pieces in last.documents.items()}


def _remember_refusal(config: SiteConfig, last: BuildRecord | None, digest: str,
                      error: FeedCheckError, result: BuildResult) -> None:
    """Record a refusal the inputs alone decide (a feed too big for one document), so the
    runs that follow, until an input changes, say it again without building again. The
    rest of the record is the last good build's: nothing was published."""
    outputs = last.outputs if last else {}
    record = BuildRecord(digest, _output_stamps(config, list(outputs)),
                         last.upload_pending if last else False, tuple(result.problems),
                         result.due, _paths(config), last.documents if last else {},
                         error.lines)
    save_build_record(config.state_dir, record)


def _check(config: SiteConfig, rendered: list[Rendered], result: BuildResult) -> list[Staged]:
    """The staged files, once every format passed its check; else FeedCheckError."""
    result.notices.extend(Notice(_shown(config, config.output_dir / r.path),
                                 "not written while the blog has no "
                                 "entry (the format needs a time); it appears with the first "
                                 "entry") for r in rendered if r.skipped)
    findings = [f for r in rendered for f in r.findings]
    result.notices.extend(Notice(f"{f.filename}:{f.line}:{f.column}", f"{f.severity} {f.rule}: "
                                 f"{f.message}", Level.DETAIL)
                          for f in findings if f.severity != "error")
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise FeedCheckError(errors)
    return [r.staged for r in rendered if r.staged is not None]


def _stage_text(path: Path, text: str, tag: str) -> list[Staged]:
    """A text file of the blog's own (the config, the ledger) staged with the feeds."""
    from feedpub.output import remove_stale_temps, stage

    remove_stale_temps(path.parent, path.name)
    staged = stage(path, text.encode("utf-8"), tag)
    return [staged] if staged else []


def _stage_media(output_dir: Path, media: list[tuple[str, bytes]], tag: str) -> list[Staged]:
    """The media files whose bytes changed, staged beside the feeds for the same set."""
    from feedpub.output import stage

    return [staged for name, data in media if (staged := stage(output_dir / name, data, tag))]


def _read_template(config: SiteConfig) -> tuple[str, str] | None:
    """The user's page template as (name shown in messages, text); None for the shipped one."""
    if config.template is None or not config.html:
        return None
    from feedpub.stamps import MAX_TEMPLATE_BYTES, NotAPlainFile, TooBig, read_small_file

    shown = _shown(config, config.template)
    try:
        return shown, read_small_file(config.template, MAX_TEMPLATE_BYTES)[1].decode("utf-8")
    except NotAPlainFile as odd:  # made one after the config was read
        raise setting_error(config.path, "template", f"{shown} is {odd}; name the template's "
                            "file") from None
    except TooBig:  # 200 MB held the build for minutes and its memory
        raise setting_error(config.path, "template", f"{shown} is over "
                            f"{MAX_TEMPLATE_BYTES // 1_000_000} MB, more than a page template "
                            "can be; link big pictures instead of inlining them") from None
    except FileNotFoundError:
        raise setting_error(config.path, "template", f"{shown} not found; create it or "
                            "remove the key to use the shipped page") from None
    except UnicodeDecodeError:
        raise setting_error(config.path, "template", f"{shown} is not UTF-8 text; save it "
                            "as UTF-8") from None
    except OSError as error:
        raise setting_error(config.path, "template", f"{shown} cannot be read: "
                            f"{error.strerror}") from None


def _remove_unpublished(config: SiteConfig, last: BuildRecord | None, outputs: list[str],
                        log: Log) -> None:
    """Delete the files the last build published and this one no longer does.

    A media file taken out of the media folder, or the page once ``html = false``, must
    not linger in the output folder (nor be uploaded again). Only names the last build
    itself recorded are candidates, never a feed, and only plain names in the folder.
    """
    from feedpub.formats import FEED_FILES

    if last is None:
        return
    for name in sorted(set(last.outputs) - set(outputs) - set(FEED_FILES)):
        if "/" in name or name.startswith(".") or not name:
            continue
        path = config.output_dir / name
        if path.is_file() and not path.is_symlink():
            path.unlink()
            log(f"removed {_shown(config, path)}")


def _publish(staged: list[Staged], journal_dir: Path) -> None:
    from feedpub.output import publish

    publish(staged, journal_dir)


def _prepare(config: SiteConfig) -> Path:
    """The output folder, created, with the temporary files of killed runs removed from
    it, its archive folder and the state folder: before anything of this run is staged
    (the page's standby stages it as soon as it is given it)."""
    from feedpub.formats import ARCHIVE_FOLDER
    from feedpub.output import remove_stale_temps

    config.output_dir.mkdir(parents=True, exist_ok=True)
    for folder in (config.output_dir, config.output_dir / ARCHIVE_FOLDER, config.state_dir):
        remove_stale_temps(folder)
    return config.output_dir


def _make_folders(config: SiteConfig, documents: list[Document]) -> None:
    """The folders the documents are written in (``archive/``, for the first page)."""
    for folder in sorted({(config.output_dir / path).parent for d in documents
                          for path in d.files.values()}):
        folder.mkdir(parents=True, exist_ok=True)


def _scan(config: SiteConfig) -> Scan:
    try:
        scan = scan_entries(config.entries_dir)
    except FileNotFoundError:
        raise EntryError([EntryProblem(str(config.entries_dir), None,
                                       "does not exist; create it and add one .md file per "
                                       "update, or set entries_dir")]) from None
    except NotADirectoryError:
        raise EntryError([EntryProblem(str(config.entries_dir), None,
                                       "is not a folder; set entries_dir")]) from None
    if scan.refused:
        raise EntryError([EntryProblem(_shown(config, config.entries_dir / name), None, why)
                          for name, why in scan.refused])
    return scan


def scan_inputs(config: SiteConfig) -> Inputs:
    """The entries, media and template as stamps, without opening a file."""
    from feedpub.media import scan_media

    media = scan_media(config.media_dir)
    if media.refused and config.media_dir is not None:
        from feedpub.media import media_error

        raise media_error(media.refused, _shown(config, config.media_dir))
    template = None
    if config.template is not None and config.html:
        stamp = file_stamp(config.template) or (-1, -1)
        template = FileStamp(f"template:{config.template}", *stamp)
    scan = _scan(config)
    return Inputs(scan.stamps, media.stamps, template, scan.digest)


def fingerprint(config: SiteConfig) -> str:
    """What a build's result depends on, as cheaply as the no-op check sees it.

    It changes when an input (config text, entry, media file, template) or an output
    changes; a caller that polls (``serve``) rebuilds only then.
    """
    inputs = scan_inputs(config)
    last = load_build_record(config.state_dir, [])
    stamps = _output_stamps(config, list(last.outputs)) if last else {}
    return f"{_digest(config, inputs)} {sorted(stamps.items())}"


def _digest(config: SiteConfig, inputs: Inputs) -> str:
    """``stamps.inputs_digest`` of what this build reads: ``feedpub.quick`` computes the
    same from its own listing, so the two paths agree on what "nothing changed" means."""
    media = entries_digest([m.name for m in inputs.media], [m.size for m in inputs.media],
                           [m.mtime_ns for m in inputs.media])
    template = "" if inputs.template is None else template_text(
        str(config.template), (inputs.template.size, inputs.template.mtime_ns))
    return inputs_digest(str(Path(config.path).resolve()), config.read_stamp,
                         inputs.entries_digest, media, template, file_stamp(config.ledger_path),
                         __version__)


def _paths(config: SiteConfig) -> tuple[str, ...]:
    """What ``feedpub.quick`` checks before it trusts the record (see BuildRecord.paths)."""
    template = str(config.template) if config.template is not None and config.html else ""
    return (str(Path(config.path).resolve()), str(config.entries_dir), str(config.output_dir),
            str(config.media_dir or ""), template, str(config.ledger_path))


def _output_stamps(config: SiteConfig, names: list[str]) -> dict[str, Stamp | None]:
    return {name: file_stamp(config.output_dir / name) for name in names}


def _up_to_date(last: BuildRecord | None, digest: str, config: SiteConfig,
                now: datetime) -> bool:
    """True when inputs and outputs are exactly as the last successful build left them
    (an upload it still owes is finished without building again)."""
    if last is None or last.inputs != digest:
        return False
    if last.due is not None and last.due <= now:
        return False  # a scheduled entry has come due
    return last.outputs == _output_stamps(config, list(last.outputs))


def _upload(config: SiteConfig, log: Log, notices: list[Notice]) -> UploadReport:
    from feedpub.upload.publish import upload_outputs

    report = upload_outputs(config, log=log)
    notices.extend(report.notices)
    return report


def _shown(config: SiteConfig, path: Path) -> str:
    """``path`` for a message, on one line even when a file name holds a line break."""
    return one_line(shown_path(path, Path(config.path).parent.resolve()))


def close(config: SiteConfig, text: str, *, continued_at: str, title: str | None,
          message: str | None, at: str | None, now: datetime,
          link_text: str | None = None) -> BuildResult:
    """Close the blog: the ``[closed]`` table and the closed feeds are published together."""
    from feedpub.closing import check_after_newest, closed_text

    new_text, closed_at = closed_text(config, text, continued_at=continued_at, title=title,
                                      message=message, at=at, now=now, link_text=link_text)
    edit = ConfigEdit(new_text, lambda entries: check_after_newest(closed_at, entries))
    return _rebuild(config, edit, now, "closed")


def reopen(config: SiteConfig, text: str, *, now: datetime) -> BuildResult:
    """Undo ``close``: the config without its ``[closed]`` table, and the open feeds."""
    from feedpub.closing import reopened_text

    return _rebuild(config, ConfigEdit(reopened_text(config, text)), now, "reopened")


def _rebuild(config: SiteConfig, edit: ConfigEdit, now: datetime, done: str) -> BuildResult:
    edited = replace(parse_config(edit.text, Path(config.path)), read_stamp=None)
    try:
        return build(edited, now=now, edit=edit)
    except UploadError as error:
        raise UploadError(f"{error}; the blog is {done} locally and its feeds are built; the "
                          "next run retries the upload") from None


def retract(config: SiteConfig, entry: str, *, reason: str | None, at: str | None,
            now: datetime) -> BuildResult:
    """Write ``retracted:`` (and ``reason:``) into an entry file, then build.

    The file is the record of the retraction, so it is written first; if the build then
    fails, the field stays and the next run publishes the retraction.
    """
    from feedpub.entries.parse import EntryContext
    from feedpub.output import write_atomic
    from feedpub.retraction import retracted_text, retraction_time

    path = _entry_file(config, entry)
    shown = _shown(config, path)
    ctx = EntryContext(config.id_base, config.home_page_url, config.timezone, now)
    text = retracted_text(path.read_bytes(), shown, ctx, at=retraction_time(at, ctx),
                          reason=reason)
    write_atomic(path, text.encode("utf-8"), path.stat().st_mode & 0o777)
    return build(config, now=now)


def _entry_file(config: SiteConfig, entry: str) -> Path:
    """ENTRY as given (a path, or a file name in the entries folder), if it is an entry file."""
    from feedpub.entries import is_entry_name

    given = Path(entry)
    candidates = [given] if given.is_file() else [config.entries_dir / given]
    for path in candidates:
        if path.is_file() and path.resolve().parent == config.entries_dir.resolve() \
                and is_entry_name(path.name):
            return path
    raise UsageError(f"{entry}: not an entry file of {_shown(config, config.entries_dir)}; give its "
                     "path or its file name, e.g. 0012-homs.md")
