"""The build as a plain sequence, and the commands made of builds (close, reopen).

scan the entry and media files → stop if nothing changed → load entries through the
cache → assemble the Feed → render, check and stage each output (the page and the
feeds) and the media → publish the staged set → remove what the blog no longer
publishes → record the build → upload if asked. Each step is owned by its own module; this one
only orders them and holds no policy of its own. Nothing here reads the clock: ``now``
comes from the CLI. Every step before ``publish`` leaves the published files alone, so
any failure up to there changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub import __version__
from feedpub.config import SiteConfig, parse_config
from feedpub.entries import FileStamp, Scan, scan_entries
from feedpub.errors import ConfigError, EntryError, EntryProblem, FeedCheckError, UploadError
from feedpub.model import Entry, Feed
from feedpub.notices import Level, Notice
from feedpub.output import Staged
from feedpub.stamps import entries_digest, inputs_digest, template_text
from feedpub.state import BuildRecord, Stamp, file_stamp, load_build_record, save_build_record
from feedpub.text import shown_path

if TYPE_CHECKING:
    from feedpub.cache import EntryStore
    from feedpub.render import Rendered
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
    parsed: int = 0
    entries: int = 0
    upload: UploadReport | None = None
    documents: dict[str, str] = field(default_factory=dict)  # feed file → its pieces digest


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
    outputs = _output_names(config, inputs)
    if edit is None and not dry_run and _up_to_date(last, digest, config, outputs, wants_upload,
                                                    now):
        assert last is not None
        if last.refused:
            raise FeedCheckError([], lines=last.refused)
        result.unchanged, result.problems = True, list(last.problems)
        return result
    try:
        _build_and_publish(config, inputs, now=now, dry_run=dry_run, log=log, progress=progress,
                           edit=edit, strict=strict or edit is not None, result=result,
                           published=_published(config, last))
    except FeedCheckError as error:
        if not dry_run and edit is None and error.findings and \
                all(f.rule == "feed-too-large" for f in error.findings):
            _remember_refusal(config, last, digest, outputs, error, result)
        raise
    if dry_run:
        return result
    if edit is not None:  # the config on disk is the edited one: record its stamp
        config = replace(config, read_stamp=file_stamp(Path(config.path)))
    _remove_unpublished(config, last, outputs, log)
    due = min((e.published for e in result.scheduled), default=None)
    record = BuildRecord(_digest(config, inputs), _output_stamps(config, outputs), wants_upload,
                         tuple(result.problems), due, _paths(config), result.documents)
    save_build_record(config.state_dir, record)
    if wants_upload and not preview:
        result.upload = _upload(config, log, result.notices)
        save_build_record(config.state_dir, replace(record, upload_pending=False))
    return result


def _build_and_publish(config: SiteConfig, inputs: Inputs, *, now: datetime,
                       dry_run: bool, log: Log, progress: bool, edit: ConfigEdit | None,
                       strict: bool, result: BuildResult,
                       published: dict[str, tuple[str, bool]]) -> None:
    from feedpub.feed import assemble_feed
    from feedpub.media import media_files, read_media
    from feedpub.output import discard_tagged, pending

    entries, store = _usable_entries(config, inputs.entries, now=now, dry_run=dry_run,
                                     progress=progress, strict=strict, edit=edit, result=result)
    for entry in result.scheduled:
        log(f"{entry.source}: scheduled for {entry.published.isoformat()}")
    media = read_media(config.media_dir, inputs.media) if config.media_dir else []
    feed = assemble_feed(config, entries, media=media_files(media, config.feeds_url),
                         template=_read_template(config))
    if dry_run:
        _check(config, _render(feed, store, config, None, "", published, result), result)
        return
    tag = str(os.getpid())
    try:
        staged = _check(config, _render(feed, store, config, _prepare(config), tag, published,
                                        result), result)
        staged += _stage_media(config.output_dir, media, tag)
        feeds = list(staged)
        if edit is not None:
            staged += _stage_config(Path(config.path), edit.text, tag)
        _publish(staged, config.state_dir)
    except BaseException:  # whatever happened, nothing this run staged is left behind,
        if not pending(config.state_dir):  # unless a journaled set awaits its next run
            discard_tagged(config.output_dir, tag)
            discard_tagged(Path(config.path).parent, tag)
        raise
    for item in feeds:
        result.written.append(_shown(config, item.target))
        log(f"wrote {_shown(config, item.target)}")


def current_feed(config: SiteConfig, *, now: datetime) -> Feed:
    """The Feed the entries make now, for commands that print from it (``snippet``).

    Reads the entries through the cache without saving it, and writes nothing.
    """
    from feedpub.cache import load_entries
    from feedpub.feed import assemble_feed

    loaded = load_entries(config, _scan(config).stamps, now=now, save=False, progress=False,
                          notices=[], whole=True)
    return assemble_feed(replace(config, html=True), loaded.entries)  # with the page's facts


def _usable_entries(config: SiteConfig, stamps: list[FileStamp], *, now: datetime, dry_run: bool,
                    progress: bool, strict: bool, edit: ConfigEdit | None,
                    result: BuildResult) -> tuple[list[Entry], EntryStore]:
    """The entries to publish now (stubs, see ``cache.EntryStore``) and the store of the
    whole ones; the scheduled and the refused go into ``result``."""
    from feedpub.cache import load_entries
    from feedpub.feed import after_closing

    loaded = load_entries(config, stamps, now=now, save=not dry_run, progress=progress,
                          notices=result.notices)
    if edit is not None:
        edit.check(loaded.entries + loaded.scheduled)
    late = after_closing(config, loaded.entries + loaded.scheduled)
    problems = loaded.problems + late
    if problems and strict:
        raise EntryError(problems)
    refused = {p.path for p in late}
    result.problems = [str(p) for p in problems]
    result.scheduled = [loaded.store.full(e) for e in loaded.scheduled if e.source not in refused]
    entries = [e for e in loaded.entries if e.source not in refused]
    result.parsed, result.entries = loaded.parsed, len(entries)
    return entries, loaded.store


def _render(feed: Feed, store: EntryStore, config: SiteConfig, output_dir: Path | None, tag: str,
            published: dict[str, tuple[str, bool]], result: BuildResult) -> list[Rendered]:
    from feedpub.formats import OUTPUTS
    from feedpub.render import render_feeds

    try:
        rendered = render_feeds(feed, store, config.state_dir, output_dir, tag, published,
                                save=output_dir is not None, notices=result.notices)
        if output_dir is not None:
            store.save_repairs(config)
    finally:
        store.close()
    result.documents = {OUTPUTS[r.name].filename: r.pieces for r in rendered if r.pieces}
    return rendered


def _published(config: SiteConfig, last: BuildRecord | None) -> dict[str, tuple[str, bool]]:
    """Each feed's pieces digest as last written, and whether the file is still as written."""
    if last is None:
        return {}
    return {name: (pieces, file_stamp(config.output_dir / name) == last.outputs.get(name))
            for name, pieces in last.documents.items()}


def _check(config: SiteConfig, rendered: list[Rendered], result: BuildResult) -> list[Staged]:
    """The staged files, once every format passed its check; else FeedCheckError."""
    from feedpub.formats import FORMATS

    result.notices.extend(Notice(_shown(config, config.output_dir / FORMATS[r.name].filename),
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


def _stage_config(config_path: Path, text: str, tag: str) -> list[Staged]:
    from feedpub.output import remove_stale_temps, stage

    remove_stale_temps(config_path.parent, config_path.name)
    staged = stage(config_path, text.encode("utf-8"), tag)
    return [staged] if staged else []


def _stage_media(output_dir: Path, media: list[tuple[str, bytes]], tag: str) -> list[Staged]:
    """The media files whose bytes changed, staged beside the feeds for the same set."""
    from feedpub.output import stage

    return [staged for name, data in media if (staged := stage(output_dir / name, data, tag))]


def _read_template(config: SiteConfig) -> tuple[str, str] | None:
    """The user's page template as (name shown in messages, text); None for the shipped one."""
    if config.template is None or not config.html:
        return None
    shown = _shown(config, config.template)
    try:
        return shown, config.template.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(config.path, "template", f"{shown} not found; create it or remove "
                          "the key to use the shipped page") from None
    except UnicodeDecodeError:
        raise ConfigError(config.path, "template", f"{shown} is not UTF-8 text; save it as "
                          "UTF-8") from None
    except OSError as error:
        raise ConfigError(config.path, "template", f"{shown} cannot be read: "
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
    """The output folder, created, with the temporary files of killed runs removed."""
    from feedpub.output import remove_stale_temps

    config.output_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(config.output_dir)
    remove_stale_temps(config.state_dir)
    return config.output_dir


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
    stamps = _output_stamps(config, _output_names(config, inputs))
    return f"{_digest(config, inputs)} {sorted(stamps.items())}"


def _digest(config: SiteConfig, inputs: Inputs) -> str:
    """``stamps.inputs_digest`` of what this build reads: ``feedpub.quick`` computes the
    same from its own listing, so the two paths agree on what "nothing changed" means."""
    media = entries_digest([m.name for m in inputs.media], [m.size for m in inputs.media],
                           [m.mtime_ns for m in inputs.media])
    template = "" if inputs.template is None else template_text(
        str(config.template), (inputs.template.size, inputs.template.mtime_ns))
    return inputs_digest(str(Path(config.path).resolve()), config.read_stamp,
                         inputs.entries_digest, media, template, __version__)


def _paths(config: SiteConfig) -> tuple[str, ...]:
    """What ``feedpub.quick`` checks before it trusts the record (see BuildRecord.paths)."""
    template = str(config.template) if config.template is not None and config.html else ""
    return (str(Path(config.path).resolve()), str(config.entries_dir), str(config.output_dir),
            str(config.media_dir or ""), template)


def _output_names(config: SiteConfig, inputs: Inputs) -> list[str]:
    """Every file the build publishes in the output folder: page, feeds, media."""
    from feedpub.formats import OUTPUTS

    rendered = [f.filename for f in OUTPUTS.values() if f.kind == "feed" or config.html]
    return rendered + [m.name for m in inputs.media]


def _output_stamps(config: SiteConfig, names: list[str]) -> dict[str, Stamp | None]:
    return {name: file_stamp(config.output_dir / name) for name in names}


def _remember_refusal(config: SiteConfig, last: BuildRecord | None, digest: str,
                      outputs: list[str], error: FeedCheckError, result: BuildResult) -> None:
    """Record a refusal the inputs alone decide (a feed too big for one document), so the
    runs that follow, until an input changes, say it again without building again. The
    rest of the record is the last good build's: nothing was published."""
    due = min((e.published for e in result.scheduled), default=None)
    record = BuildRecord(digest, _output_stamps(config, outputs),
                         last.upload_pending if last else False, tuple(result.problems), due,
                         _paths(config), last.documents if last else {}, error.lines)
    save_build_record(config.state_dir, record)


def _up_to_date(last: BuildRecord | None, digest: str, config: SiteConfig, outputs: list[str],
                wants_upload: bool, now: datetime) -> bool:
    """True when inputs and outputs are exactly as the last successful run left them."""
    if last is None or last.inputs != digest:
        return False
    if last.due is not None and last.due <= now:
        return False  # a scheduled entry has come due
    if last.upload_pending and wants_upload:
        return False  # the previous upload failed: this run must finish it
    return last.outputs == _output_stamps(config, outputs)


def _upload(config: SiteConfig, log: Log, notices: list[Notice]) -> UploadReport:
    from feedpub.upload.publish import upload_outputs

    report = upload_outputs(config, log=log)
    notices.extend(report.notices)
    return report


def _shown(config: SiteConfig, path: Path) -> str:
    return shown_path(path, Path(config.path).parent.resolve())


def close(config: SiteConfig, text: str, *, continued_at: str, title: str | None,
          message: str | None, at: str | None, now: datetime) -> BuildResult:
    """Close the blog: the ``[closed]`` table and the closed feeds are published together."""
    from feedpub.closing import check_after_newest, closed_text

    new_text, closed_at = closed_text(config, text, continued_at=continued_at, title=title,
                                      message=message, at=at, now=now)
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
