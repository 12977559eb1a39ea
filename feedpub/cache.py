"""The entry cache (``entries.json`` and its packs): parse only the entry files that changed.

Each record holds one file's stamp (size, mtime), the sha256 of its bytes, the few
fields of its Entry that ordering, limits and ids need (a *stub*), and where the whole
Entry, encoded as JSON, sits in a pack file (``packs.py``); a draft has neither. A file
whose stamp is unchanged is taken from the cache without being opened; a touched but
identical file is recognised by its hash; anything else is parsed again.

A build holds every entry as a stub and reads a whole entry only to render it: the
index of 10 000 entries is about 5 MB, where the entries themselves are 27 MB, and a
one-change build renders one entry. ``EntryStore.full`` gives the whole entry.

The index is written whole only now and then. A build that changed a few records
writes them (and the names it dropped) to a small changes file, ``entries-changes.json``,
which names the generation of ``entries.json`` it applies to; once the changes pass a
fiftieth of the index (at least 100), or the packs are compacted, the index is written
whole again and the changes file removed. A cron job that adds an update a minute to a
blog of 10 000 then writes a few kilobytes a minute instead of 5 MB, and no longer
spends the time to encode and seal them. A changes file for another generation (left
by a run killed between the two writes) is ignored; one that cannot be trusted is
discarded whole, with a warning, and the files it covered are parsed again.

The cache is never trusted as data: the index must be one this version wrote for these
settings (id base, page URL, time zone, Markdown libraries, feedpub's code), sealed;
every record is decoded against a strict schema; a whole entry is read back only if
its bytes have the digest the index gives and it agrees with its stub. A record that
does not fit is discarded with a warning and its file parsed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeGuard, cast

import orjson

from feedpub import __version__
from feedpub.config import SiteConfig
from feedpub.entries import FileStamp, Parsed, Sent, markdown_versions, received, sent
from feedpub.errors import EntryError, EntryProblem
from feedpub.forks import ChildFailed, Children, Standby, can_fork
from feedpub.model import Author, Enclosure, Entry
from feedpub.notices import Level, Notice
from feedpub.packs import PackReader, PackWriter, Ref, is_ref
from feedpub.state import code_digest, read_changes, read_document, write_document, write_whole
from feedpub.text import shown_path
from feedpub.tuning import PARSE_IN_PARALLEL_AT, PROGRESS_BAR_AT

if TYPE_CHECKING:
    from feedpub.entries.parse import EntryContext

Todo = Sequence[tuple[FileStamp, bytes | None]]  # None: whoever parses the file reads it
ParseStandby = Standby[Todo, list[Sent]]


@dataclass(slots=True)  # not frozen: 10 000 are made per build, and frozen init is slower
class CachedEntry:
    """One entry file as last parsed (never changed once made: ``replace`` makes another)."""

    size: int
    mtime_ns: int
    sha256: str
    stub: Entry | None  # None: the file is a draft; else the entry's index fields only
    ref: Ref | None  # where the whole entry's JSON is (None: a draft, or not saved yet)
    html_size: int = 0  # bytes of the entry's HTML (UTF-8)
    full: Entry | None = None  # the whole entry, when this build parsed it
    record: bytes | None = None  # its JSON, when this build parsed it
    # The index's JSON for it, written back as is when nothing changed: re-encoding
    # 10 000 records would cost a one-change build tens of milliseconds.
    encoded: list[object] | None = field(default=None, compare=False, repr=False)


class BadRecord(ValueError):
    """A cache record that does not fit the schema."""


CACHE_NAME = "entries.json"
KIND = "entry-cache"
CHANGES_NAME = "entries-changes.json"
CHANGES_KIND = "entry-cache-changes"
PACK_KIND = "entries"
CHANGES_AT_LEAST = 100  # records the changes file may hold before the index is rewritten whole
CHANGES_SHARE = 50  # … or one in this many of the index's records, whichever is more


@dataclass(slots=True)
class Index:
    """The index as this build read it: ``entries.json``'s records and its generation.

    A save writes only the records that are not these very objects (and the names gone
    from them) to the changes file; None for ``generation`` (no trusted ``entries.json``,
    or one with records that did not fit) makes the next save write the index whole.
    """

    base: dict[str, CachedEntry] = field(default_factory=dict)
    generation: str | None = None
    # The records of the frozen archive pages' files (``frozen``), as the index holds them:
    # never decoded, written back as they are (to the changes file when they came from it)
    kept: dict[str, list[object]] = field(default_factory=dict)
    kept_in_changes: set[str] = field(default_factory=set)


class EntryStore:
    """The whole entries behind the stubs a build holds, read from the packs on demand.

    A whole entry that cannot be read back (its pack damaged or gone, or not what its
    stub says) is parsed again from its file, with a warning, and its record replaced:
    the cache is a shortcut, never the source.
    """

    def __init__(self, folder: Path, records: dict[str, CachedEntry],
                 reparse: Callable[[str], Entry | None], notices: list[Notice],
                 index: Index | None = None):
        self.folder = folder
        self.records = records
        self.index = index or Index()
        self._by_source = {r.stub.source: name for name, r in records.items()
                           if r.stub is not None}
        self._reparse = reparse
        self._notices = notices
        self._reader: PackReader | None = None
        self.repaired = False  # some records were replaced: the index must be saved again

    def full(self, entry: Entry) -> Entry:
        """The whole entry ``entry`` stands for: a stub (or a whole entry) as the build
        holds it, that lifecycle may have given another ``updated`` and feed assembly a
        correction note. The result is the cached whole entry with the stub's own fields
        (``_STUB_FIELDS``) and with what was put before the stub's empty content (the
        correction note) put before the whole content."""
        name = self._by_source.get(entry.source)
        if name is None or not _is_stub(entry):
            return entry  # not one of ours, or whole already
        record = self.records[name]
        data = record.record
        if data is None and record.ref is not None:
            if self._reader is None:
                self._reader = PackReader(self.folder)
            data = self._reader.read(record.ref)
        whole = _whole(data, record.stub) if data is not None else None
        if whole is None:
            whole = self._repair(name, record)
        if entry == record.stub:
            return whole  # the stub as cached: nothing to carry over
        return replace(whole, content_html=entry.content_html + whole.content_html,
                       **{field: getattr(entry, field) for field in _STUB_FIELDS})

    def _repair(self, name: str, record: CachedEntry) -> Entry:
        assert record.stub is not None
        self._notices.append(Notice(record.stub.source, "its cached copy is damaged; parsed "
                                                        "again"))
        whole = self._reparse(name)
        if whole is None or _stub(whole) != record.stub:
            raise EntryError([EntryProblem(record.stub.source, None, "changed while this run "
                                           "read it; run the build again")])
        encoded = _encoded(whole)
        assert isinstance(encoded, Encoded)
        self.records[name] = replace(record, ref=None, record=encoded.record,
                                     html_size=encoded.html_size, encoded=None)
        self.repaired = True
        return whole

    def files_digest(self, names: Iterable[str]) -> str:
        """A digest of the index's records of the files ``names`` (name, stamp, sha256),
        whether decoded or kept as they are: what ``feedpub.frozen`` compares to know that
        no run has changed them since their pages froze (a run killed after it saved the
        index, before it published, leaves the index ahead of the feeds)."""
        kept = self.index.kept
        rows = []
        for name in sorted(names):
            value = kept.get(name)
            if value is not None:
                rows.append(f"{name}\0{value[0]}\0{value[1]}\0{value[2]}")
            else:
                record = self.records[name]
                rows.append(f"{name}\0{record.size}\0{record.mtime_ns}\0{record.sha256}")
        return hashlib.sha256("\n".join(rows).encode("utf-8", "surrogateescape")).hexdigest()

    def html_size(self, entry: Entry) -> int:
        """The bytes of the entry's HTML: every format's item holds at least that much."""
        return self.records[self._by_source[entry.source]].html_size

    def digest(self, entry: Entry) -> str:
        """The sha256 of the entry's JSON record, as its index says: what its rendered items
        are keyed by (with its file, so two records alike never share an item)."""
        record = self.records[self._by_source[entry.source]]
        if record.ref is not None:
            return record.ref[3]
        assert record.record is not None
        return hashlib.sha256(record.record).hexdigest()

    def save_repairs(self, config: SiteConfig) -> None:
        """Write the index again with the records ``full`` replaced (and their new pack)."""
        if not self.repaired:
            return
        with PackWriter(config.state_dir, PACK_KIND) as writer:
            for name, record in self.records.items():
                if record.ref is None and record.record is not None:
                    self.records[name] = replace(record, ref=writer.add(record.record),
                                                 encoded=None)
        _save(config.state_dir, cache_context(config), self.records, self.index)
        self.repaired = False

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


def _whole(data: bytes, stub: Entry | None) -> Entry | None:
    try:
        whole = _decode_entry(orjson.loads(data))
    except (BadRecord, orjson.JSONDecodeError):
        return None
    return whole if _stub(whole) == stub else None


# What a stub holds of an entry: what ordering, limits, ids, the ledger (lifecycle), the
# feeds' heads and the items' keys read, and all lifecycle may change (``updated``).
_STUB_FIELDS = ("id", "published", "updated", "image", "source", "enclosures", "correction",
                "retracted", "reason", "revision")


def _stub(entry: Entry) -> Entry:
    """The entry's stub: its ``_STUB_FIELDS``, an empty title, link and content."""
    return Entry(id=entry.id, title="", link="", published=entry.published,
                 updated=entry.updated, content_html="", image=entry.image, source=entry.source,
                 enclosures=entry.enclosures, correction=entry.correction,
                 retracted=entry.retracted, reason=entry.reason, revision=entry.revision)


def _is_stub(entry: Entry) -> bool:
    return entry.title == "" and entry.link == ""


@dataclass(frozen=True, slots=True)
class LoadedEntries:
    """The entries a build publishes, holds back and could not read (stubs, see
    ``EntryStore``; whole entries when loaded ``whole``)."""

    entries: list[Entry]  # to publish now, sorted by file name (last good versions included)
    scheduled: list[Entry]  # dated in the future: published by the first run at or after then
    problems: list[EntryProblem]  # every file that could not be used, and why
    parsed: int  # how many files had to be parsed
    store: EntryStore  # the whole entries behind the stubs
    # Every file name with its entry (None: a draft), the last good version of a broken
    # file included, and the sha256 of the bytes that entry was parsed from.
    files: dict[str, Entry | None] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    broken: frozenset[str] = frozenset()  # names of the files that have problems
    kept: frozenset[str] = frozenset()  # files of frozen ids left unread (``load_entries``)


def load_entries(config: SiteConfig, stamps: list[FileStamp], *, now: datetime, save: bool,
                 progress: bool, notices: list[Notice], use_cache: bool = True,
                 whole: bool = False, standby: ParseStandby | None = None,
                 frozen: frozenset[str] = frozenset()) -> LoadedEntries:
    """Every entry (as a stub; ``whole`` for whole entries), parsing only files that changed.

    One broken file never hides the others: its problems are returned, and if it was
    published before, its last good version (still in the cache) is returned in its
    place, so readers never see it vanish. ``save`` writes the cache back when it
    changed (never on a dry run); without ``use_cache`` every file is parsed (``check``:
    every warning is reported again). A few changed files are parsed by ``standby``
    when there is one (see ``parse_standby``). The files whose records hold an id of
    ``frozen`` (the frozen archive pages', see ``feedpub.frozen``) and kept their stamps
    are left out, their records kept as they are (``LoadedEntries.kept`` names them).
    """
    context = cache_context(config)
    index = Index()
    cache = _load(config.state_dir, context, index, notices, frozen) if use_cache else {}
    records, todo = _split(cache, stamps, config.entries_dir, index.kept)
    shown = _shown_in(config)
    problems: list[EntryProblem] = []
    broken: set[str] = set()
    writer = PackWriter(config.state_dir, PACK_KIND) if save and todo else None
    fresh = _parsed(todo, config, now, progress, standby)
    try:
        for parsed in fresh:
            notices.extend(parsed.notices)
            name, outcome = parsed.stamp.name, parsed.outcome
            if isinstance(outcome, list):
                problems.extend(outcome)
                broken.add(name)
                _keep_last_good(name, cache, records, notices)
            else:
                assert outcome is None or isinstance(outcome, Encoded)
                records[name] = _fresh_record(parsed.stamp, parsed.sha256, outcome, writer)
    finally:
        fresh.close()
        if writer is not None:
            writer.close()
    store = EntryStore(config.state_dir, records, lambda name: _parse_again(
        config.entries_dir / name, shown(name), _context(config, now)), notices, index)
    names = sorted(records)
    files = {name: records[name].stub for name in names}
    if whole:
        files = {name: None if e is None else store.full(e) for name, e in files.items()}
    entries = [e for e in files.values() if e is not None]
    if save and (todo or set(cache) != set(records)):
        _save(config.state_dir, context, records, index)
    due, later = _split_due(entries, now)
    return LoadedEntries(due, later, problems, len(todo), store,
                         files=files, sha256={name: records[name].sha256 for name in names},
                         broken=frozenset(broken), kept=frozenset(index.kept))


def _shown_in(config: SiteConfig) -> Callable[[str], str]:
    """Entry file name → the path messages show (relative to the config's folder)."""
    root = Path(config.path).parent.resolve()
    return lambda name: shown_path(config.entries_dir / name, root)


def _context(config: SiteConfig, now: datetime) -> EntryContext:
    from feedpub.entries.parse import EntryContext

    return EntryContext(config.id_base, config.home_page_url, config.timezone, now)


def _parse_here(todo: Todo, config: SiteConfig, now: datetime,
                progress: bool) -> Generator[Parsed, None, None]:
    from feedpub.entries.pool import parse_files

    return parse_files(todo, _context(config, now), _shown_in(config), config.entries_dir,
                       progress=progress, transform=_encoded)


def _parsed(todo: Todo, config: SiteConfig, now: datetime, progress: bool,
            standby: ParseStandby | None) -> Generator[Parsed, None, None]:
    """The changed files parsed: by the standby when there is one and the files are few,
    else here (``parse_files``: in workers on every core when there are many, with a
    progress bar on a terminal when there are more than a few). A standby that fails
    or dies leaves them to this process, as if there were none."""
    few = PROGRESS_BAR_AT if progress else PARSE_IN_PARALLEL_AT
    if standby is not None and todo and len(todo) < few:
        try:
            standby.submit(list(todo))
            parsed = [received(item) for item in standby.result()]
        except (ChildFailed, OSError, pickle.PicklingError, EOFError):
            pass  # parsed here instead
        else:
            yield from parsed
            return
    elif standby is not None:
        standby.close()
    yield from _parse_here(todo, config, now, progress)


def parse_standby(children: Children, config: SiteConfig, now: datetime) -> ParseStandby | None:
    """A child that imports the entry parser (YAML, Markdown, the sanitizer: 0.03 s) while
    the build reads its cache, then parses the files that changed when sent them and
    sends back each one's record (``Encoded``). A one-entry build then never imports
    the parser itself. None where processes cannot fork."""
    if not can_fork():
        return None
    return Standby(children, _import_parser, lambda todo: _parse_in_standby(todo, config, now))


def _import_parser() -> None:
    import feedpub.entries.pool  # noqa: F401  (and with it the parser)


def _parse_in_standby(todo: Todo, config: SiteConfig, now: datetime) -> list[Sent]:
    return [sent(p) for p in _parse_here(todo, config, now, progress=False)]


def _split_due(entries: list[Entry], now: datetime) -> tuple[list[Entry], list[Entry]]:
    """The entries published by ``now``, and the later ones: in one pass, since comparing
    an entry's time with ``now`` (another zone) costs half a microsecond."""
    due: list[Entry] = []
    later: list[Entry] = []
    for entry in entries:
        (due if entry.published <= now else later).append(entry)
    return due, later


class Encoded(NamedTuple):
    """A parsed entry as a parse worker sends it back: its record (the JSON the cache
    keeps) and its stub as the index keeps it, a fraction of what pickling the Entry would
    cost (a tuple, because unpickling 10 000 dataclasses costs the parent a tenth of a
    second)."""

    record: bytes
    stub: list[object]  # the index's form of the stub (``_encode_stub``)
    html_size: int


def _encoded(outcome: Entry | list[EntryProblem] | None) -> Encoded | list[EntryProblem] | None:
    if not isinstance(outcome, Entry):
        return outcome
    return Encoded(orjson.dumps(_encode_entry(outcome)), _encode_stub(outcome),
                   len(outcome.content_html.encode()))


def _fresh_record(stamp: FileStamp, sha256: str, encoded: Encoded | None,
                  writer: PackWriter | None) -> CachedEntry:
    if encoded is None:
        return CachedEntry(stamp.size, stamp.mtime_ns, sha256, None, None)
    ref = writer.add(encoded.record) if writer is not None else None
    # Saved: read back from the pack when wanted (a first build of 100 000 entries holds
    # none of them whole); not saved (a dry run): kept here.
    return CachedEntry(stamp.size, stamp.mtime_ns, sha256, _decode_stub(encoded.stub), ref,
                       encoded.html_size, record=None if ref is not None else encoded.record)


def _parse_again(path: Path, shown: str, ctx: object) -> Entry | None:
    from feedpub.entries.parse import EntryContext, parse_entry

    assert isinstance(ctx, EntryContext)
    outcome = parse_entry(path.read_bytes(), shown, ctx)
    return outcome if isinstance(outcome, Entry) else None


def _keep_last_good(name: str, cache: dict[str, CachedEntry], records: dict[str, CachedEntry],
                    notices: list[Notice]) -> None:
    """A broken file whose last good version was published: keep publishing that version.

    Its record stays as it was (old stamps), so the file is parsed again, and reported
    again, on every run until it is fixed.
    """
    record = cache.get(name)
    if record is not None and record.stub is not None:
        records[name] = record
        notices.append(Notice(record.stub.source, "its last good version stays published until "
                                                  "the file is fixed", Level.DETAIL))


def cache_context(config: SiteConfig) -> str:
    """A digest of everything besides a file's bytes that decides what parsing it gives."""
    parts = [__version__, code_digest(), config.id_base, config.home_page_url,
             config.timezone_name, markdown_versions()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _split(cache: dict[str, CachedEntry], stamps: list[FileStamp], folder: Path,
           kept: dict[str, list[object]]) -> tuple[dict[str, CachedEntry],
                                                   list[tuple[FileStamp, bytes | None]]]:
    """Cached records still valid, and the files that need parsing (with their bytes when
    they had to be read to compare; the others are read by whoever parses them). A kept
    record (``_kept``) stays kept while its file has its stamp; else it is decoded and
    treated like the others (and dropped when its file is gone)."""
    reuse: dict[str, CachedEntry] = {}
    todo: list[tuple[FileStamp, bytes | None]] = []
    seen = 0
    for stamp in stamps:
        value = kept.get(stamp.name)
        if value is not None:
            if value[0] == stamp.size and value[1] == stamp.mtime_ns:
                seen += 1
                continue
            del kept[stamp.name]
            with contextlib.suppress(BadRecord):
                cache[stamp.name] = decode_record(value)
        record = cache.get(stamp.name)
        if record is not None and (record.size, record.mtime_ns) == (stamp.size, stamp.mtime_ns):
            reuse[stamp.name] = record
            continue
        if record is None:
            todo.append((stamp, None))
            continue
        try:
            data = (folder / stamp.name).read_bytes()
        except OSError:  # the parse reads it again and reports why it cannot
            todo.append((stamp, None))
            continue
        if record is not None and record.sha256 == hashlib.sha256(data).hexdigest():
            reuse[stamp.name] = replace(record, size=stamp.size, mtime_ns=stamp.mtime_ns)
        else:
            todo.append((stamp, data))
    if seen != len(kept):  # some kept files are gone
        listed = {stamp.name for stamp in stamps}
        for name in [name for name in kept if name not in listed]:
            del kept[name]
    return reuse, todo


def _load(folder: Path, context: str, index: Index, notices: list[Notice],
          frozen: frozenset[str]) -> dict[str, CachedEntry]:
    """The records of ``entries.json`` with its changes file applied; ``index`` is told
    what ``entries.json`` itself held, and keeps those of ``frozen`` ids as they are."""
    path = folder / CACHE_NAME
    body = read_document(path, KIND, notices)
    if body is None or body.get("context") != context:
        return {}  # settings or code changed: every entry must be parsed again
    raw, generation = body.get("entries"), body.get("generation")
    if not isinstance(raw, dict) or type(generation) is not str:
        notices.append(Notice(str(path), f"the {KIND} is not one this feedpub wrote; "
                                         "discarded, rebuilding it"))
        return {}
    index.kept = _kept(raw, frozen)
    index.base = _decoded({name: value for name, value in raw.items()
                           if name not in index.kept} if index.kept else raw, path, notices)
    index.generation = generation if len(index.base) + len(index.kept) == len(raw) else None
    records = dict(index.base)
    changes = _changes(folder, context, generation, notices, frozen, index)
    if changes is None:
        index.generation = None  # untrusted or stale: the next save replaces it whole
        return records
    changed, removed = changes
    records.update(changed)
    for name in removed:
        records.pop(name, None)
        index.kept.pop(name, None)
        index.kept_in_changes.discard(name)
    return records


def _kept(raw: dict[str, object], frozen: frozenset[str]) -> dict[str, list[object]]:
    """The records whose entry's id is one of ``frozen`` (with the shape of an entry's
    record, its stamp and where its entry is): left as they are, never decoded."""
    if not frozen:
        return {}
    kept: dict[str, list[object]] = {}
    size = len(_STUB_FIELDS) + 2
    for name, value in raw.items():
        if type(value) is list and len(value) == 4 and type(value[3]) is list \
                and len(value[3]) == size and value[3][0] in frozen \
                and type(value[0]) is int and type(value[1]) is int and is_ref(value[3][-2]):
            kept[name] = value
    return kept


def _decoded(raw: dict[str, object], path: Path, notices: list[Notice]) -> dict[str, CachedEntry]:
    records: dict[str, CachedEntry] = {}
    for name, value in raw.items():
        try:
            records[name] = decode_record(value)
        except BadRecord:
            continue
    if len(records) != len(raw):
        notices.append(Notice(str(path), f"{len(raw) - len(records)} cached entries did not fit "
                                         "the cache's schema; their files are parsed again"))
    return records


def _changes(folder: Path, context: str, generation: str, notices: list[Notice],
             frozen: frozenset[str],
             index: Index) -> tuple[dict[str, CachedEntry], list[str]] | None:
    """The changes file's records and removed names, when it applies to ``generation``;
    ({}, []) when there is none; None when it is stale or cannot be trusted (whole: one
    bad record discards it, with a warning, and the files it covered are parsed again)."""
    path = folder / CHANGES_NAME
    body = read_changes(path, CHANGES_KIND, notices, context=context, generation=generation)
    if not body:
        return None if body is None else ({}, [])
    raw, removed = body.get("entries"), body.get("removed")
    if isinstance(raw, dict) and isinstance(removed, list) \
            and all(type(name) is str for name in removed):
        kept = _kept(raw, frozen)
        for name in raw:  # a record here replaces the one entries.json has
            if name not in kept:
                index.kept.pop(name, None)
        try:
            changed = {name: decode_record(value) for name, value in raw.items()
                       if name not in kept}
        except BadRecord:
            pass
        else:
            index.kept.update(kept)
            index.kept_in_changes.update(kept)
            return changed, removed
    notices.append(Notice(str(path), f"the {CHANGES_KIND} is not one this feedpub wrote; "
                                     "discarded, parsing its files again"))
    return None


def _save(folder: Path, context: str, records: dict[str, CachedEntry], index: Index) -> None:
    """The index saved: its changes since ``index`` (see the module's docstring), or whole."""
    from feedpub.packs import collect

    kept = index.kept
    kept_packs = {_kept_ref(value)[0] for value in kept.values()}
    repacked = _repack(folder, records, index, kept_packs)
    if repacked:
        kept_packs = {_kept_ref(value)[0] for value in kept.values()}
    changed = {name: encode_record(record) for name, record in records.items()
               if index.base.get(name) is not record}
    changed.update((name, kept[name]) for name in index.kept_in_changes if name in kept)
    removed = sorted(name for name in index.base if name not in records and name not in kept)
    limit = max(CHANGES_AT_LEAST, (len(records) + len(kept)) // CHANGES_SHARE)
    if index.generation is None or repacked or len(changed) + len(removed) > limit:
        every = {name: encode_record(record) for name, record in records.items()} | kept
        generation = write_whole(folder, CACHE_NAME, KIND, {
            "context": context, "entries": {name: every[name] for name in sorted(every)}},
            CHANGES_NAME)
        index.base, index.generation = dict(records), generation
        index.kept_in_changes = set()
    else:
        write_document(folder / CHANGES_NAME, CHANGES_KIND, {
            "context": context, "generation": index.generation, "removed": removed,
            "entries": {name: changed[name] for name in sorted(changed)}})
    # The packs entries.json still points into stay until it is next written whole: a
    # changes file discarded later leaves its records readable.
    collect(folder, PACK_KIND, (r.ref for group in (records, index.base)
                                for r in group.values() if r.ref is not None), keep=kept_packs)


def _kept_ref(value: list[object]) -> Ref:
    """Where a kept record's whole entry is (``_kept`` checked its shape)."""
    stub = value[3]
    assert type(stub) is list
    return cast(Ref, tuple(stub[-2]))


def _repack(folder: Path, records: dict[str, CachedEntry], index: Index,
            kept_packs: set[str]) -> bool:
    """Past ``MAX_PACKS`` packs, the live entries of the packs ``packs.to_merge`` chooses
    copied into one (their records given their new refs, kept ones too; a damaged one
    dropped, its file parsed again next time): True when done."""
    from feedpub.packs import MAX_PACKS, repack, to_merge

    live = [r.ref for r in records.values() if r.ref is not None]
    if len({ref[0] for ref in live} | kept_packs) <= MAX_PACKS:
        return False
    kept = index.kept
    live += [_kept_ref(value) for value in kept.values()]
    chosen = to_merge(folder, live)
    refs = {name: r.ref for name, r in sorted(records.items())
            if r.ref is not None and r.ref[0] in chosen}
    refs.update((name, _kept_ref(value)) for name, value in sorted(kept.items())
                if _kept_ref(value)[0] in chosen)
    names = list(refs)
    moved = repack(folder, PACK_KIND, list(refs.values()))
    for name, ref in zip(names, moved, strict=True):
        if name in kept:
            value = kept.pop(name)
            if ref is not None:  # the same record but where its entry now is
                stub = value[3]
                assert type(stub) is list
                kept[name] = [*value[:3], [*stub[:-2], list(ref), stub[-1]]]
        elif ref is None:
            del records[name]  # damaged: its file is parsed again next time
        else:
            records[name] = replace(records[name], ref=ref, encoded=None)
    return True


def encode_record(record: CachedEntry) -> list[object]:
    """[size, mtime_ns, sha256, null] for a draft, [..., [stub..., ref, html size]] for an
    entry."""
    old = record.encoded
    if old is not None and old[0] == record.size and old[1] == record.mtime_ns:
        return old  # as loaded (sha, stub and ref only change through a new record)
    stub = record.stub
    if stub is None:
        return [record.size, record.mtime_ns, record.sha256, None]
    assert record.ref is not None
    return [record.size, record.mtime_ns, record.sha256,
            [*_encode_stub(stub), list(record.ref), record.html_size]]


def _encode_stub(entry: Entry) -> list[object]:
    return [entry.id, entry.published.isoformat(), entry.updated.isoformat(), entry.image,
            entry.source, [[e.url, e.media_type, e.length] for e in entry.enclosures],
            entry.correction, entry.retracted.isoformat() if entry.retracted else None,
            entry.reason, entry.revision]


def _decode_stub(raw: list[object]) -> Entry:
    """A stub from its index form; raises BadRecord unless every field has its exact type.

    Written flat on purpose: every build that changes anything decodes every record's
    stub (10 000 of them in half the time the same checks took as small functions)."""
    if len(raw) != len(_STUB_FIELDS):
        raise BadRecord("not a stub")
    id_, published, updated, image, source, enclosures, correction, retracted, reason, \
        revision = raw
    if not (type(id_) is str and id_ and type(source) is str and source
            and type(revision) is str and revision
            and (image is None or (type(image) is str and image))
            and (correction is None or (type(correction) is str and correction))
            and (reason is None or (type(reason) is str and reason))
            and type(published) is str and type(updated) is str
            and (retracted is None or type(retracted) is str)):
        raise BadRecord("a field has the wrong type")
    try:
        first = fromisoformat(published)
        # An update never edited has updated == published: one object for both, which
        # also makes lifecycle's many comparisons of the two the fast identical-zone kind
        # (two aware datetimes with distinct zone objects compare ten times slower).
        last = first if updated == published else fromisoformat(updated)
        withdrawn = None if retracted is None else fromisoformat(retracted)
    except ValueError:
        raise BadRecord("not a time") from None
    if first.tzinfo is None or last.tzinfo is None \
            or (withdrawn is not None and withdrawn.tzinfo is None):
        raise BadRecord("a time without a zone")
    return Entry(id_, "", "", first, last, "", None, (), (), image, None, source,
                 () if enclosures == [] else _enclosures(enclosures), correction, withdrawn,
                 reason, revision)


fromisoformat = datetime.fromisoformat


def _encode_entry(entry: Entry) -> dict[str, object]:
    return {
        "id": entry.id, "title": entry.title, "link": entry.link,
        "published": entry.published.isoformat(), "updated": entry.updated.isoformat(),
        "content_html": entry.content_html, "summary": entry.summary,
        "authors": [[a.name, a.email, a.url] for a in entry.authors],
        "tags": list(entry.tags), "image": entry.image, "language": entry.language,
        "enclosures": [[e.url, e.media_type, e.length] for e in entry.enclosures],
        "source": entry.source, "correction": entry.correction,
        "retracted": entry.retracted.isoformat() if entry.retracted else None,
        "reason": entry.reason, "revision": entry.revision,
    }


def decode_record(value: object) -> CachedEntry:
    """The record ``value`` holds; raises BadRecord unless every field has its exact type."""
    if type(value) is not list or len(value) != 4:
        raise BadRecord("not a record")
    size, mtime_ns, sha256, raw = value
    if type(size) is not int or type(mtime_ns) is not int or type(sha256) is not str:
        raise BadRecord("bad stamp")
    if raw is None:
        return CachedEntry(size, mtime_ns, sha256, None, None, encoded=value)
    if type(raw) is not list or len(raw) != len(_STUB_FIELDS) + 2:
        raise BadRecord("not an entry")
    ref, html_size = raw[-2], raw[-1]
    if not is_ref(ref) or type(html_size) is not int or html_size < 0:
        raise BadRecord("a field has the wrong type")
    return CachedEntry(size, mtime_ns, sha256, _decode_stub(raw[:-2]), cast(Ref, tuple(ref)),
                       html_size, encoded=value)


_ENTRY_KEYS = frozenset({"id", "title", "link", "published", "updated", "content_html", "summary",
                         "authors", "tags", "image", "language", "source", "enclosures",
                         "correction", "retracted", "reason", "revision"})


def _decode_entry(raw: object) -> Entry:
    """Written flat on purpose: a cold render of 10 000 entries decodes 10 000 of these."""
    if type(raw) is not dict or raw.keys() != _ENTRY_KEYS:
        raise BadRecord("not an entry")
    id_, title, link, source = raw["id"], raw["title"], raw["link"], raw["source"]
    html, summary, image, language = raw["content_html"], raw["summary"], raw["image"], raw["language"]
    correction, reason, revision = raw["correction"], raw["reason"], raw["revision"]
    if not (_is_text(id_) and _is_text(title) and _is_text(link) and _is_text(source)
            and type(html) is str and _is_optional(summary) and _is_optional(image)
            and _is_optional(language) and _is_optional(correction) and _is_optional(reason)
            and _is_text(revision)):
        raise BadRecord("a field has the wrong type")
    retracted = raw["retracted"]
    return Entry(id=id_, title=title, link=link, published=_time(raw["published"]),
                 updated=_time(raw["updated"]), content_html=html, summary=summary,
                 authors=_authors(raw["authors"]), tags=_tags(raw["tags"]), image=image,
                 language=language, source=source, enclosures=_enclosures(raw["enclosures"]),
                 correction=correction,
                 retracted=None if retracted is None else _time(retracted), reason=reason,
                 revision=revision)


def _is_text(value: object) -> TypeGuard[str]:
    return type(value) is str and value != ""


def _is_optional(value: object) -> TypeGuard[str | None]:
    return value is None or (type(value) is str and value != "")


def _time(value: object) -> datetime:
    if type(value) is not str:
        raise BadRecord("not a time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord("not a time") from None
    if moment.tzinfo is None:
        raise BadRecord("a time without a zone")
    return moment


def _tags(value: object) -> tuple[str, ...]:
    if type(value) is not list or not all(_is_text(t) for t in value):
        raise BadRecord("tags are not a list of words")
    return tuple(value)


def _enclosures(value: object) -> tuple[Enclosure, ...]:
    if type(value) is not list:
        raise BadRecord("enclosures are not a list")
    found = []
    for item in value:
        if type(item) is not list or len(item) != 3 or not _is_text(item[0]) \
                or not _is_text(item[1]) or not (item[2] is None or type(item[2]) is int):
            raise BadRecord("not an enclosure")
        found.append(Enclosure(item[0], item[1], item[2]))
    return tuple(found)


def _authors(value: object) -> tuple[Author, ...]:
    if type(value) is not list:
        raise BadRecord("authors are not a list")
    authors = []
    for item in value:
        if type(item) is not list or len(item) != 3 or not _is_text(item[0]) \
                or not _is_optional(item[1]) or not _is_optional(item[2]):
            raise BadRecord("not an author")
        authors.append(Author(item[0], item[1], item[2]))
    return tuple(authors)
