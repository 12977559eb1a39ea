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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub import __version__
from feedpub.config import SiteConfig, parse_config
from feedpub.entries import FileStamp, scan_entries
from feedpub.errors import (
    ConfigError,
    EntryError,
    EntryProblem,
    FeedCheckError,
    UploadError,
    UsageError,
)
from feedpub.model import Entry, Feed
from feedpub.notices import Level, Notice
from feedpub.output import Staged
from feedpub.state import (
    BuildRecord,
    Stamp,
    file_stamp,
    inputs_digest,
    load_build_record,
    save_build_record,
)
from feedpub.text import one_line, shown_path
from feedpub.upload.publish import UploadReport

if TYPE_CHECKING:
    from feedpub.render import Rendered

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


@dataclass(frozen=True)
class Inputs:
    """What a build reads, as the cheap scan sees it (names, sizes, mtimes; nothing opened)."""

    entries: list[FileStamp]
    media: list[FileStamp]
    template: FileStamp | None  # the user's page template, if the config names one


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
        result.unchanged, result.problems = True, list(last.problems)
        return result
    _build_and_publish(config, inputs, now=now, dry_run=dry_run, log=log, progress=progress,
                       edit=edit, strict=strict or edit is not None, result=result)
    if dry_run:
        return result
    if edit is not None:  # the config on disk is the edited one: record its stamp
        config = replace(config, read_stamp=file_stamp(Path(config.path)))
    _remove_unpublished(config, last, outputs, log)
    due = min((e.published for e in result.scheduled), default=None)
    record = BuildRecord(_digest(config, inputs), _output_stamps(config, outputs), wants_upload,
                         tuple(result.problems), due)
    save_build_record(config.state_dir, record)
    if wants_upload and not preview:
        result.upload = _upload(config, log, result.notices)
        save_build_record(config.state_dir, replace(record, upload_pending=False))
    return result


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
    stamps = _scan(config)
    if files:
        stamps = _named_entries(config, stamps, files)
    loaded = load_entries(config, stamps, now=now, save=False, progress=progress,
                          notices=result.notices, use_cache=False)
    late = after_closing(config, loaded.entries + loaded.scheduled)
    refused = {p.path for p in late}
    result.problems = [str(p) for p in loaded.problems + late]
    result.scheduled = [e for e in loaded.scheduled if e.source not in refused]
    result.parsed = loaded.parsed
    result.entries = len([e for e in loaded.entries if e.source not in refused])
    return result


def _named_entries(config: SiteConfig, stamps: list[FileStamp], files: Sequence[str]) -> list[FileStamp]:
    """The stamps of the files a user named, each checked to be one of the blog's entries."""
    by_name = {s.name: s for s in stamps}
    folder = config.entries_dir.resolve()
    chosen = []
    for name in files:
        path = Path(name).resolve()
        if path.parent != folder or path.name not in by_name:
            raise UsageError(f"{one_line(name)}: not an entry file of this blog (a .md or "
                             f".markdown file in {_shown(config, config.entries_dir)}/)")
        chosen.append(by_name[path.name])
    return chosen


def _build_and_publish(config: SiteConfig, inputs: Inputs, *, now: datetime,
                       dry_run: bool, log: Log, progress: bool, edit: ConfigEdit | None,
                       strict: bool, result: BuildResult) -> None:
    from feedpub.feed import assemble_feed
    from feedpub.media import media_files, read_media
    from feedpub.output import discard_tagged, pending

    entries = _usable_entries(config, inputs.entries, now=now, dry_run=dry_run, progress=progress,
                              strict=strict, edit=edit, result=result)
    for entry in result.scheduled:
        log(f"{entry.source}: scheduled for {entry.published.isoformat()}")
    media = read_media(config.media_dir, inputs.media) if config.media_dir else []
    feed = assemble_feed(config, entries, media=media_files(media, config.feeds_url),
                         template=_read_template(config))
    if dry_run:
        _check(config, _render(feed, None, ""), result)
        return
    tag = str(os.getpid())
    try:
        staged = _check(config, _render(feed, _prepare(config), tag), result)
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

    loaded = load_entries(config, _scan(config), now=now, save=False, progress=False, notices=[])
    return assemble_feed(replace(config, html=True), loaded.entries)  # with the page's facts


def _usable_entries(config: SiteConfig, stamps: list[FileStamp], *, now: datetime, dry_run: bool,
                    progress: bool, strict: bool, edit: ConfigEdit | None,
                    result: BuildResult) -> list[Entry]:
    """The entries to publish now; the scheduled and the refused go into ``result``."""
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
    result.scheduled = [e for e in loaded.scheduled if e.source not in refused]
    entries = [e for e in loaded.entries if e.source not in refused]
    result.parsed, result.entries = loaded.parsed, len(entries)
    return entries


def _render(feed: Feed, output_dir: Path | None, tag: str) -> list[Rendered]:
    from feedpub.render import render_all

    return render_all(feed, output_dir, tag=tag)


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


def _scan(config: SiteConfig) -> list[FileStamp]:
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
    return scan.stamps


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
    return Inputs(_scan(config), media.stamps, template)


def fingerprint(config: SiteConfig) -> str:
    """What a build's result depends on, as cheaply as the no-op check sees it.

    It changes when an input (config text, entry, media file, template) or an output
    changes; a caller that polls (``serve``) rebuilds only then.
    """
    inputs = scan_inputs(config)
    stamps = _output_stamps(config, _output_names(config, inputs))
    return f"{_digest(config, inputs)} {sorted(stamps.items())}"


def _digest(config: SiteConfig, inputs: Inputs) -> str:
    from feedpub.media import STAMP_PREFIX

    others = [FileStamp(STAMP_PREFIX + m.name, m.size, m.mtime_ns) for m in inputs.media]
    if inputs.template is not None:
        others.append(inputs.template)
    return inputs_digest(Path(config.path).resolve(), config.read_stamp, inputs.entries + others,
                         __version__)


def _output_names(config: SiteConfig, inputs: Inputs) -> list[str]:
    """Every file the build publishes in the output folder: page, feeds, media."""
    from feedpub.formats import OUTPUTS

    rendered = [f.filename for f in OUTPUTS.values() if f.kind == "feed" or config.html]
    return rendered + [m.name for m in inputs.media]


def _output_stamps(config: SiteConfig, names: list[str]) -> dict[str, Stamp | None]:
    return {name: file_stamp(config.output_dir / name) for name in names}


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
