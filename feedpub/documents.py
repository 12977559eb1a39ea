"""The feeds as documents made of items: render what changed, check, and stream to disk.

A feed document is its head, its items and its tail (``formats.render_parts``). An
item's bytes depend on its entry alone (and the media file its image is, if any), so
each rendered item is kept, with its check (``fragments.check_items``), in the item
cache: ``items.json`` (sealed) names each item by the digest of its entry's record and
says where its bytes are in the ``items`` packs. A build renders and checks only the
items the cache does not hold (new or changed entries, a first build, new code or a
new validator: ``VALIDATOR_VERSION`` and feedpub's code are part of the cache's key),
renders the head and tail, checks the document (``fragments.check_document``: the
envelope and the rules across items), and then writes the document to its staged file
piece by piece, never whole in memory. On the way every XML document goes through a
streaming parser and every JSON piece through a JSON parser, so what is staged is
well-formed, whatever a cache held; and each piece read back from a pack must have the
digest the index gives, or the item is rendered again.

A document whose pieces are those of the published file (same digests, the file as
the last build left it) is not written at all: that is most documents of most builds
that change something outside them.

Documents too big for a feed reader (over the validator's ``DEFAULT_MAX_BYTES``) are
refused before anything is rendered or written, from the sizes the cache knows and a
lower bound for the rest (an item holds at least its entry's HTML), with the
``item_limit`` that would fit (see ``too_big``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

from feedpub import __version__
from feedpub.cache import EntryStore
from feedpub.errors import CheckFinding
from feedpub.forks import Children, can_fork, cpu_count
from feedpub.formats import FORMATS, Parts, render_parts
from feedpub.fragments import (
    DocumentItems,
    Found,
    ItemCheck,
    ItemFacts,
    check_document,
    check_items,
)
from feedpub.model import Entry, Feed
from feedpub.notices import Notice
from feedpub.output import Staged, stage_stream
from feedpub.packs import (
    MAX_PACKS,
    PACK_SUFFIX,
    PackReader,
    PackWriter,
    Ref,
    collect,
    repack,
    to_merge,
)
from feedpub.state import code_digest, read_changes, read_document, write_document, write_whole
from feedpub.tuning import MAX_WORKERS, RENDER_IN_WORKERS_AT

ITEMS_NAME = "items.json"
KIND = "item-cache"
CHANGES_NAME = "items-changes.json"
CHANGES_KIND = "item-cache-changes"
CHANGES_AT_LEAST = 300  # rows (of all formats) added before the index is written whole
CHANGES_SHARE = 50  # … or one in this many of its rows, whichever is more
PACK_KIND = "items"
RENDER_CHUNK = 400  # items rendered (one lxml tree) and checked (one validator run) at a time
_FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # the envelope's time, when keying the cache


_COLUMNS = ("keys", "pack", "offset", "length", "sha", "lines", "elements", "ids",
            "where_line", "where_column", "updated", "published", "latest")


@dataclass
class FormatItems:
    """One format's cached items as columns, in the order they were added.

    Columns, not one object per item: 10 000 items load, check and save in a few
    milliseconds, which is what a one-change build can spend on them.
    """

    packs: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    pack: list[int] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)
    length: list[int] = field(default_factory=list)
    sha: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    elements: list[int] = field(default_factory=list)  # XML elements in the item (see _shape)
    ids: list[str | None] = field(default_factory=list)
    where_line: list[int] = field(default_factory=list)
    where_column: list[int] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    published: list[int | None] = field(default_factory=list)
    latest: list[int | None] = field(default_factory=list)
    findings: dict[int, list[Found]] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)

    def ref(self, at: int) -> Ref:
        return (self.packs[self.pack[at]], self.offset[at], self.length[at], self.sha[at])

    def add(self, key: str, ref: Ref, shape: tuple[int, int], check: ItemCheck) -> int:
        if ref[0] not in self.packs:
            self.packs.append(ref[0])
        at = len(self.keys)
        facts = check.facts
        self.keys.append(key)
        self.pack.append(self.packs.index(ref[0]))
        self.offset.append(ref[1])
        self.length.append(ref[2])
        self.sha.append(ref[3])
        self.lines.append(shape[0])
        self.elements.append(shape[1])
        self.ids.append(facts.id)
        self.where_line.append(facts.where[0])
        self.where_column.append(facts.where[1])
        self.updated.append(facts.updated)
        self.published.append(facts.published)
        self.latest.append(facts.latest)
        if check.findings:
            self.findings[at] = list(check.findings)
        self.index[key] = at
        return at

    def kept(self, used: list[int]) -> FormatItems:
        """Only the items at ``used`` (in that order), and only the packs they are in."""
        packs = sorted({self.pack[at] for at in used})
        renumber = {old: new for new, old in enumerate(packs)}
        kept = FormatItems([self.packs[p] for p in packs])
        for name in _COLUMNS:
            setattr(kept, name, [getattr(self, name)[at] for at in used])
        kept.pack = [renumber[p] for p in kept.pack]
        kept.findings = {new: self.findings[old] for new, old in enumerate(used)
                         if old in self.findings}
        kept.index = {key: at for at, key in enumerate(kept.keys)}
        return kept

    def tail(self, start: int) -> FormatItems:
        """The rows from ``start`` on, as the changes file keeps them: every pack name (so
        their pack numbers stay as they are), findings counted from ``start``."""
        rows = FormatItems(list(self.packs))
        for name in _COLUMNS:
            setattr(rows, name, getattr(self, name)[start:])
        rows.findings = {at - start: found for at, found in self.findings.items() if at >= start}
        return rows

    def encode(self) -> dict[str, object]:
        body: dict[str, object] = {name: getattr(self, name) for name in _COLUMNS}
        body["packs"] = self.packs
        body["findings"] = {str(at): [list(f) for f in found] for at, found in self.findings.items()}
        return body


def _decode_items(raw: object) -> FormatItems | None:
    """A format's cached items, or None unless every column has exactly its type."""
    if type(raw) is not dict or set(raw) != {*_COLUMNS, "packs", "findings"}:
        return None
    packs, columns = raw["packs"], [raw[name] for name in _COLUMNS]
    if type(packs) is not list or not all(type(c) is list and len(c) == len(columns[0])
                                          for c in columns):
        return None
    keys, pack, offset, length, sha, lines, elements, ids, where_line, where_column, updated, \
        published, latest = columns
    if not (all(type(p) is str and p.endswith(PACK_SUFFIX) and "/" not in p for p in packs)
            and _only(keys, str) and len(set(keys)) == len(keys)
            and _only(pack, int) and (not pack or 0 <= min(pack) <= max(pack) < len(packs))
            and all(_only(column, int) and min(column, default=0) >= 0
                    for column in (offset, length, lines, elements))
            and _only(sha, str) and set(map(len, sha)) <= {64}
            and _only(ids, str, type(None))
            and _only(where_line, int) and _only(where_column, int)
            and _only(updated, str)
            and _only(published, int, type(None)) and _only(latest, int, type(None))):
        return None
    findings = _decode_findings(raw["findings"], len(keys))
    if findings is None:
        return None
    items = FormatItems(packs, keys, pack, offset, length, sha, lines, elements, ids, where_line,
                        where_column, updated, published, latest, findings)
    items.index = {key: at for at, key in enumerate(keys)}
    return items


def _only(column: list[object], *types: type) -> bool:
    """Every value of the column has one of exactly these types (a loop in C: the index
    of 30 000 items is checked on every build that changes anything)."""
    return set(map(type, column)) <= set(types)


def _decode_findings(raw: object, count: int) -> dict[int, list[Found]] | None:
    if type(raw) is not dict:
        return None
    found: dict[int, list[Found]] = {}
    for at, values in raw.items():
        if not (type(at) is str and at.isdigit() and int(at) < count and type(values) is list):
            return None
        decoded = []
        for value in values:
            if type(value) is not list or len(value) != 5 or not all(
                    type(v) is str for v in value[:3]) or not all(type(v) is int for v in value[3:]):
                return None
            decoded.append((value[0], value[1], value[2], value[3], value[4]))
        found[int(at)] = decoded
    return found


@dataclass
class ItemCache:
    """The rendered items of every feed format; see the module docstring."""

    folder: Path
    contexts: dict[str, str]  # format → the context its items were rendered and checked in
    items: dict[str, FormatItems]
    changed: bool = False
    scratch: Path | None = None  # where a dry run puts what it renders (the state is not touched)
    used: dict[str, list[int]] = field(default_factory=dict)  # format → items in its document
    # items.json as read: its generation (None: write it whole next), and per format the
    # items read from it with how many rows and packs it holds of them (see save_items)
    generation: str | None = None
    base: dict[str, tuple[FormatItems, int, int]] = field(default_factory=dict)

    def of(self, name: str) -> FormatItems:
        items = self.items.get(name)
        if items is None:
            items = self.items[name] = FormatItems()
        return items

    @property
    def new_packs(self) -> Path:
        """Where this build's new items go: the state folder, or a dry run's scratch."""
        return self.scratch or self.folder

    def reader(self) -> PackReader:
        return PackReader(self.folder, self.scratch)


def load_items(folder: Path, contexts: dict[str, str], notices: list[Notice]) -> ItemCache:
    """The item cache, keeping only formats whose context is unchanged: ``items.json``
    with the rows its changes file (``items-changes.json``) adds, when that file is for
    this generation of it (like the entry cache's, see ``cache``)."""
    body = read_document(folder / ITEMS_NAME, KIND, notices)
    cache = ItemCache(folder, contexts, {})
    if body is None:
        return cache
    raw_contexts, raw_items, generation = body.get("contexts"), body.get("items"), \
        body.get("generation")
    if not isinstance(raw_contexts, dict) or not isinstance(raw_items, dict) \
            or type(generation) is not str:
        notices.append(Notice(str(folder / ITEMS_NAME), f"the {KIND} is not one this feedpub "
                                                        "wrote; discarded, rebuilding it"))
        return cache
    whole = True
    for name, context in contexts.items():
        if raw_contexts.get(name) != context or name not in raw_items:
            continue
        items = _decode_items(raw_items[name])
        if items is None:
            notices.append(Notice(str(folder / ITEMS_NAME), f"the cached {name} items did not "
                                                            "fit the cache's schema; they are "
                                                            "rendered again"))
            whole = False
            continue
        cache.items[name] = items
        cache.base[name] = (items, len(items.keys), len(items.packs))
    if whole and _add_changes(cache, raw_contexts, generation, notices):
        cache.generation = generation
    return cache


def _add_changes(cache: ItemCache, contexts: dict[str, object], generation: str,
                 notices: list[Notice]) -> bool:
    """The rows of the changes file added to the items read: True when it applied (or
    there is none); False when it is stale or cannot be trusted, and is left out whole."""
    path = cache.folder / CHANGES_NAME
    body = read_changes(path, CHANGES_KIND, notices, generation=generation, contexts=contexts)
    if not body:
        return body is not None  # none (nothing to add), or stale or untrusted
    raw = body.get("items")
    added = {name: _added_rows(cache, name, value) for name, value in raw.items()} \
        if isinstance(raw, dict) else None
    if added is None or None in added.values():
        notices.append(Notice(str(path), f"the {CHANGES_KIND} is not one this feedpub wrote; "
                                         "discarded, rendering its items again"))
        return False
    for name, rows in added.items():
        if rows is not None and name in cache.items:
            _extend(cache.items[name], rows)
    return True


def _added_rows(cache: ItemCache, name: str, raw: object) -> FormatItems | None:
    """A format's rows from the changes file: they name the packs of ``items.json`` first,
    and no key it holds. (A format whose items are not kept this build is ignored.)"""
    rows = _decode_items(raw)
    base = cache.base.get(name)
    if rows is None or base is None:
        return rows  # None: it does not fit; else a format not read this build
    items, _, packs = base
    if rows.packs[:packs] != items.packs or any(key in items.index for key in rows.keys):
        return None
    return rows


def _extend(items: FormatItems, rows: FormatItems) -> None:
    """``rows`` (whose pack numbers already count ``items``'s packs first) added at the end."""
    start = len(items.keys)
    items.packs[:] = rows.packs
    for name in _COLUMNS:
        getattr(items, name).extend(getattr(rows, name))
    items.findings.update({start + at: found for at, found in rows.findings.items()})
    items.index.update({key: start + at for at, key in enumerate(rows.keys)})


def save_items(cache: ItemCache) -> None:
    """Write the index; once a quarter of a format's items are no longer in its document
    (old versions of changed entries), keep only those that are, and delete the packs
    nothing refers to any more. When every format only gained rows since ``items.json``
    was written whole, and not too many, only those rows are written, to the changes file.
    """
    kept = {name: _compacted(cache.folder, items, cache.used.get(name, []))
            for name, items in cache.items.items() if name in cache.contexts}
    added = _rows_added(cache, kept)
    if added is None:
        cache.generation = write_whole(cache.folder, ITEMS_NAME, KIND, {
            "contexts": cache.contexts, "items": {n: k.encode() for n, k in kept.items()}},
            CHANGES_NAME)
        cache.base = {name: (items, len(items.keys), len(items.packs))
                      for name, items in kept.items()}
    else:
        write_document(cache.folder / CHANGES_NAME, CHANGES_KIND, {
            "contexts": cache.contexts, "generation": cache.generation,
            "items": {n: rows.encode() for n, rows in added.items()}})
    collect(cache.folder, PACK_KIND, [], keep=[p for k in kept.values() for p in k.packs])


def _rows_added(cache: ItemCache, kept: dict[str, FormatItems]) -> dict[str, FormatItems] | None:
    """Per format, the rows added since ``items.json`` was written whole; None when it
    must be written whole again (none trusted, a format compacted or new, or the rows
    added past their limit)."""
    if cache.generation is None or kept.keys() != cache.base.keys():
        return None
    added: dict[str, FormatItems] = {}
    for name, items in kept.items():
        base, rows, _ = cache.base[name]
        if items is not base:
            return None  # compacted: rows were dropped or moved
        added[name] = items.tail(rows)
    total = sum(len(items.keys) for items in kept.values())
    if sum(len(rows.keys) for rows in added.values()) > max(CHANGES_AT_LEAST,
                                                             total // CHANGES_SHARE):
        return None
    return added


def _compacted(folder: Path, items: FormatItems, used: list[int]) -> FormatItems:
    """The items to keep: all, until a quarter of them are garbage; and in one pack once
    they are spread over too many (see ``packs.repack``). The row of a damaged item that
    was rendered again (``repair``) is never kept: its key now names the new row, and an
    index with a key twice is refused, with every item, by the next build."""
    live = sorted(set(used))
    if len(items.index) < len(items.keys):  # some rows were left behind by ``repair``
        reachable = [at for at, key in enumerate(items.keys) if items.index.get(key) == at]
        position = {at: new for new, at in enumerate(reachable)}
        items = items.kept(reachable)
        live = [position[at] for at in live if at in position]
    if len(live) < 0.75 * len(items.keys):
        items = items.kept(live)
        live = list(range(len(items.keys)))
    if len(items.packs) <= MAX_PACKS:
        return items
    old = [items.ref(at) for at in live]
    chosen = to_merge(folder, old)
    copies = iter(repack(folder, PACK_KIND, [ref for ref in old if ref[0] in chosen]))
    moved = [next(copies) if ref[0] in chosen else ref for ref in old]
    kept = items.kept([at for at, ref in zip(live, moved, strict=True) if ref is not None])
    refs = [ref for ref in moved if ref is not None]
    kept.packs = sorted({ref[0] for ref in refs})
    kept.pack = [kept.packs.index(ref[0]) for ref in refs]
    kept.offset = [ref[1] for ref in refs]
    return kept


def contexts(feed: Feed, names: Sequence[str]) -> dict[str, str]:
    """Per format, what an item's bytes and check depend on besides its entry: feedpub's
    code, the validator's rules, and the document's envelope (all of the head and tail
    but the feed's own time, which changes with every new entry and which no item's
    check reads; and without the namespaces only some items need)."""
    from feedpub.validate import VALIDATOR_VERSION

    bare = replace(feed, entries=(), updated=_FIXED_TIME, page=None)
    code = code_digest()
    found = {}
    for name in names:
        parts = render_parts(name, bare, [], closing=False)
        seed = b"\0".join([__version__.encode(), code.encode(), VALIDATOR_VERSION.encode(),
                           name.encode(), parts.head, parts.tail])
        found[name] = hashlib.sha256(seed).hexdigest()
    return found


def item_key(feed: Feed, entry: Entry, store: EntryStore) -> str:
    """An item is its entry's record (and file), what the build changed on its stub (the
    edit time the ledger gives, the correction note feed assembly puts first), and the
    files it announces that are ours (their exact length and type are in the item)."""
    seed = f"{store.digest(entry)}\0{entry.source}\0{entry.updated.isoformat()}\0" \
        f"{entry.content_html}"
    for url in (entry.image, *(e.url for e in entry.enclosures)):
        local = feed.media_file(url)
        if local is not None:
            seed += f"\0{local.url}\0{local.media_type}\0{local.length}"
    return hashlib.sha256(seed.encode()).hexdigest()[:40]


@dataclass
class Document:
    """One feed document as this build made it: findings, and the staged file if it changed."""

    name: str
    findings: list[CheckFinding] = field(default_factory=list)
    staged: Staged | None = None
    pieces: str = ""  # the digest of its pieces' digests: equal pieces, equal bytes
    size: int = 0
    path: str = ""  # relative to the output folder


class DamagedItem(Exception):
    """A cached item's bytes are gone or not what the index says: render it again."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass
class Prepared:
    """A feed document ready to be written: its envelope and the cached items it holds."""

    document: Document
    envelope: Parts | None = None  # None: nothing to write (an error, or the file is as is)
    order: list[int] = field(default_factory=list)  # positions in the format's columns
    whole: bytes | None = None  # a document without items, rendered whole


def prepare_document(name: str, feed: Feed, keys: list[str], store: EntryStore,
                     cache: ItemCache, *, path: str, published: tuple[str, bool],
                     writing: bool) -> Prepared:
    """Render and check what the cache lacks, then check the document; nothing is written.

    ``published`` is the pieces digest of the published file and whether that file is
    as the last build left it: an equal document need not be written again.
    """
    items = cache.of(name)
    index = items.index
    missing = [(key, entry) for key, entry in zip(keys, feed.entries, strict=True)
               if key not in index]
    too_big = _too_big(path, keys, _sizes(items, keys, feed.entries, store))
    if too_big is not None:
        return Prepared(Document(name, [too_big], path=path))
    envelope, closing = _render_missing(name, feed, missing, store, cache)
    order = ([closing] if closing is not None else []) + [index[key] for key in keys]
    cache.used.setdefault(name, []).extend(order)
    if not order:  # a document without items is rendered whole (JSON writes "items": [])
        from feedpub.formats import render

        return _whole(name, path, render(name, feed))
    doc_items, items_lines = _placed(envelope, items, order)
    findings = check_document(name, path, envelope, doc_items, items_lines, feed.id,
                              feed.closing.id if feed.closing else None)
    size = len(envelope.head) + len(envelope.tail) + sum(items.length[at] for at in order) \
        + len(envelope.joiner) * (len(order) - 1)
    too_big = _too_big(path, keys, [(size, size)])
    document = Document(name, findings + ([too_big] if too_big else []),
                        pieces=_pieces_digest(envelope, items, order), size=size, path=path)
    if any(f.severity == "error" for f in document.findings):
        return Prepared(document)
    if writing and published[1] and published[0] == document.pieces:
        return Prepared(document)  # the published file is this document already
    return Prepared(document, envelope, order)


def stream_document(prepared: Prepared, cache: ItemCache, output_dir: Path | None,
                   tag: str) -> Document:
    """Stream a prepared document to its staged file (or, without ``output_dir``, only
    through its checks); raises DamagedItem when a cached piece cannot be read back."""
    document = prepared.document
    if prepared.whole is not None:
        if output_dir is not None:
            from feedpub.output import stage

            document.staged = stage(output_dir / document.path, prepared.whole, tag)
        return document
    if prepared.envelope is None:
        return document
    chunks = _checked_chunks(document.name, prepared.envelope, cache.of(document.name),
                             prepared.order, cache.reader())
    try:
        if output_dir is not None:
            document.staged = stage_stream(output_dir / document.path, chunks, tag, document.size)
        else:  # a dry run still proves every piece sound and the whole well-formed
            for _ in chunks:
                pass
    except NotWellFormed as error:
        document.findings.append(CheckFinding(document.path, 0, 0, "error",
                                              "document-not-well-formed", str(error)))
    return document


def repair(name: str, key: str, cache: ItemCache, notices: list[Notice]) -> None:
    """Forget a damaged cached item, so the next ``prepare_document`` renders it again."""
    notices.append(Notice(str(cache.folder / ITEMS_NAME), f"a cached {name} item is damaged; "
                                                          "it is rendered again"))
    cache.of(name).index.pop(key, None)
    cache.changed = True


def _placed(envelope: Parts, items: FormatItems, order: list[int]) -> tuple[DocumentItems, int]:
    """The document's items as columns in document order, with the line each starts on."""
    step = envelope.joiner.count(b"\n")
    first = envelope.head.count(b"\n") + 1
    lines = items.lines
    starts = list(accumulate((lines[at] + step for at in order), initial=first))
    line = starts.pop()
    found = [(position, finding) for position, at in enumerate(order)
             for finding in items.findings.get(at, ())] if items.findings else []
    pick = itemgetter(*order) if len(order) > 1 else (lambda column: (column[order[0]],))
    placed = DocumentItems(starts, found, list(pick(items.ids)),
                           list(zip(pick(items.where_line), pick(items.where_column), strict=True)),
                           list(pick(items.updated)), list(pick(items.published)),
                           list(pick(items.latest)))
    return placed, line - first - step


def _render_missing(name: str, feed: Feed, missing: list[tuple[str, Entry]], store: EntryStore,
                    cache: ItemCache) -> tuple[Parts, int | None]:
    """Render and check the missing items (a chunk at a time), the closing item and the
    envelope; the new items go to a pack and into the cache. Returns the envelope and
    where the closing item is in the cache's columns."""
    with_closing = feed.closing is not None
    items = cache.of(name)
    envelope: Parts | None = None
    closing: int | None = None
    writer = PackWriter(cache.new_packs, PACK_KIND) if missing or with_closing else None
    try:
        for start in range(0, max(len(missing), 1), RENDER_CHUNK):
            chunk = missing[start:start + RENDER_CHUNK]
            first = start == 0 and with_closing
            parts = render_parts(name, feed, [store.full(e) for _, e in chunk], closing=first)
            envelope = envelope or parts
            if not parts.items:
                continue
            checks = check_items(name, parts)
            assert writer is not None
            if first:  # rendered every build (it is one item); kept once per version
                key = "closing:" + hashlib.sha256(parts.items[0]).hexdigest()
                closing = items.index.get(key)
                if closing is None:
                    closing = items.add(key, writer.add(parts.items[0]),
                                        _shape(parts.items[0]), checks[0])
                    cache.changed = True
            made = zip(parts.items[1:] if first else parts.items, checks[1:] if first else checks,
                       strict=True)
            for (key, _), (item, check) in zip(chunk, made, strict=True):
                items.add(key, writer.add(item), _shape(item), check)
                cache.changed = True
    finally:
        if writer is not None:
            writer.close()
    assert envelope is not None
    return envelope, closing


# An item rendered by a worker, as plain data (unpickling 30 000 dataclasses would cost the
# parent most of a second): key, ref, (lines, elements), findings, (id, where, updated,
# published, latest).
Made = tuple[str, Ref, tuple[int, int], tuple[Found, ...],
             tuple[str | None, tuple[int, int], str, int | None, int | None]]


def item_keys(feed: Feed, store: EntryStore) -> list[str]:
    """``item_key`` of every entry of the feed, in order (the same in every format)."""
    return [item_key(feed, entry, store) for entry in feed.entries]


def render_missing(documents: list[tuple[Feed, list[str], list[str]]], store: EntryStore,
                   cache: ItemCache) -> None:
    """Render and check, for every (Feed, its item keys, its formats), the items its
    documents need and the cache lacks: in forked workers (each rendering a share of the
    entries in every format, so an entry is read once) when there are many, as in a first
    build; else ``prepare_document`` renders the few it needs.

    The caller has made sure no document is too big for a feed (``too_big``).
    """
    needs: list[tuple[int, str, Entry, tuple[str, ...]]] = []
    seen: set[tuple[str, str]] = set()
    for number, (feed, keys, names) in enumerate(documents):
        indexes = {name: cache.of(name).index for name in names}
        for key, entry in zip(keys, feed.entries, strict=True):
            wanted = tuple(n for n in names if key not in indexes[n] and (n, key) not in seen)
            if wanted:
                seen.update((n, key) for n in wanted)
                needs.append((number, key, entry, wanted))
    workers = min(cpu_count(), MAX_WORKERS)
    if len(needs) < RENDER_IN_WORKERS_AT or workers < 2 or not can_fork():
        return
    size = -(-len(needs) // (workers * 8))
    chunks = [needs[i:i + size] for i in range(0, len(needs), size)]
    feeds = [feed for feed, _, _ in documents]
    with Children() as children:
        streams = [children.start(_render_worker(feeds, chunks[k::workers], store,
                                                 cache.new_packs)).items()
                   for k in range(workers)]
        for index in range(len(chunks)):  # round-robin: a worker whose pipe is full waits
            for name, (key, ref, shape, findings, facts) in next(streams[index % workers]):
                cache.of(name).add(key, ref, shape, ItemCheck(findings, ItemFacts(*facts)))
                cache.changed = True


def _render_worker(feeds: list[Feed], chunks: list[list[tuple[int, str, Entry, tuple[str, ...]]]],
                   store: EntryStore, folder: Path) -> Callable[[], Iterator[list[tuple[str, Made]]]]:
    def work() -> Iterator[list[tuple[str, Made]]]:
        writers: dict[str, PackWriter] = {}
        try:
            for chunk in chunks:
                wholes = {key: store.full(entry) for _, key, entry, _ in chunk}
                made: list[tuple[str, Made]] = []
                for number in sorted({number for number, _, _, _ in chunk}):
                    for name in FORMATS:
                        mine = [(key, wholes[key]) for n, key, _, names in chunk
                                if n == number and name in names]
                        if mine:
                            writer = writers.get(name) or writers.setdefault(
                                name, PackWriter(folder, PACK_KIND))
                            made += _rendered(name, feeds[number], mine, writer)
                for writer in writers.values():
                    writer.flush()  # the parent may read these items as soon as it has them
                yield made
        finally:
            for writer in writers.values():
                writer.close()
            store.close()

    return work


def _rendered(name: str, feed: Feed, mine: list[tuple[str, Entry]],
              writer: PackWriter) -> list[tuple[str, Made]]:
    parts = render_parts(name, feed, [e for _, e in mine], closing=False)
    made: list[tuple[str, Made]] = []
    for (key, _), item, check in zip(mine, parts.items, check_items(name, parts), strict=True):
        facts = check.facts
        made.append((name, (key, writer.add(item), _shape(item), check.findings,
                            (facts.id, facts.where, facts.updated, facts.published,
                             facts.latest))))
    return made


def too_big(feed: Feed, keys: list[str], names: list[str], store: EntryStore,
            cache: ItemCache, path: str) -> list[CheckFinding]:
    """The feeds too big for one document, decided before anything is rendered: a build
    with one of them publishes nothing, so it renders nothing either."""
    found = [_too_big(path, keys, _sizes(cache.of(name), keys, feed.entries, store))
             for name in names]
    return [finding for finding in found if finding is not None]


def _sizes(items: FormatItems, keys: list[str], entries: Sequence[Entry],
           store: EntryStore) -> list[tuple[int, int]]:
    """Each item's size when cached; else a lower bound and an estimate (see ``_too_big``)."""
    index, length = items.index, items.length
    if all(key in index for key in keys):
        return [(size, size) for size in [length[index[key]] for key in keys]]
    found = []
    for key, entry in zip(keys, entries, strict=True):
        if key in index:
            size = length[index[key]]
            found.append((size, size))
        else:
            html = store.html_size(entry)
            found.append((html, int(html * _EXPANSION) + _ITEM_OVERHEAD))
    return found


# For the item_limit a refusal suggests: an item not rendered yet is about this many times
# its entry's HTML (RSS carries it twice when there is no summary, escaped), plus this.
_EXPANSION, _ITEM_OVERHEAD, _ENVELOPE = 2.5, 700, 4096


def _too_big(path: str, keys: list[str], sizes: list[tuple[int, int]]) -> CheckFinding | None:
    """The validator's size limit, checked before anything is rendered or written.

    ``sizes`` are (lower bound, estimate) per item, newest first: for a cached item both
    are its size; for the others the lower bound is their entry's HTML, which every
    format carries at least once, escaped or not. A feed is refused only when the lower
    bounds are over the limit; the message names the ``item_limit`` whose newest items
    fit, by the estimates, with a tenth to spare.
    """
    from feedpub.validate import DEFAULT_MAX_BYTES

    total = sum(low for low, _ in sizes)
    if total <= DEFAULT_MAX_BYTES:
        return None
    fits, running = 0, _ENVELOPE
    for _, estimate in sizes:
        running += estimate
        if running > DEFAULT_MAX_BYTES * 0.9:
            break
        fits += 1
    limit = max(fits, 1)
    return CheckFinding(path, 0, 0, "error", "feed-too-large",
                        f"its {len(keys)} items make it at least {_mib(total)}, over the "
                        f"{_mib(DEFAULT_MAX_BYTES)} a feed may be; set item_limit = {limit} in "
                        f"the config to publish the newest {limit}")


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB" if size >= 2**20 else f"{size} bytes"


def _pieces_digest(envelope: Parts, items: FormatItems, order: list[int]) -> str:
    digest = hashlib.sha256(hashlib.sha256(envelope.head).digest())
    digest.update(hashlib.sha256(envelope.tail).digest())
    digest.update(envelope.joiner)
    sha = items.sha
    digest.update("".join([sha[at] for at in order]).encode())
    return digest.hexdigest()


def _checked_chunks(name: str, envelope: Parts, items: FormatItems, order: list[int],
                    reader: PackReader) -> Iterator[bytes]:
    """The document's bytes, about a megabyte at a time, each piece read back and checked:
    its digest, and the document's well-formedness (a streaming XML parser fed as it is
    written; each JSON piece parsed, the envelope too). An XML document's elements are
    counted from the pieces' counts in the index, which their digests vouch for."""
    parse = _xml_parser() if name != "json" else None
    if parse is not None:
        _check_elements(envelope, items, order)
    joiner = envelope.joiner
    try:
        batch: list[bytes | memoryview] = [envelope.head]
        size = len(envelope.head)
        for position, data in enumerate(_pieces(items, order, reader)):
            if parse is None:
                _json_piece(data)
            if position:
                batch.append(joiner)
            batch.append(data)
            size += len(data)
            if size >= _CHUNK:
                yield _fed(parse, b"".join(batch))
                batch, size = [], 0
        batch.append(envelope.tail)
        yield _fed(parse, b"".join(batch))
        if parse is None:
            _json_piece(envelope.head + envelope.tail)
        else:
            parse.close()  # type: ignore[attr-defined]
    except _xml_errors() as error:
        raise NotWellFormed(f"the assembled XML is not well-formed: {error}") from None
    finally:
        reader.close()


def _shape(item: bytes) -> tuple[int, int]:
    """An item's lines (newlines) and XML elements. lxml escapes every "<" and ">" of
    text and attribute values, so each element ends in exactly one "</" or "/>"."""
    return item.count(b"\n"), item.count(b"</") + item.count(b"/>")


def _check_elements(envelope: Parts, items: FormatItems, order: list[int]) -> None:
    """The validator's element limit, before a byte is written: the envelope's own and
    every piece's count (``_shape``)."""
    from feedpub.validate.xmlsafe import MAX_ELEMENTS

    elements = _shape(envelope.head)[1] + _shape(envelope.tail)[1]
    column = items.elements
    elements += sum([column[at] for at in order])
    if elements > MAX_ELEMENTS:
        raise NotWellFormed(f"the document has more than {MAX_ELEMENTS:,} elements, "
                            "more than the feed check reads (feed-too-many-elements)")


_CHUNK = 1 << 20


def _pieces(items: FormatItems, order: list[int], reader: PackReader) -> Iterator[memoryview]:
    """Each piece's bytes, checked against its digest; neighbours in one pack are read
    with one call (a document's items mostly sit in its packs in document order)."""
    run: list[int] = []
    for at in order:
        if run and not _follows(items, run[-1], at):
            yield from _read_run(items, run, reader)
            run = []
        run.append(at)
        if len(run) >= 256:
            yield from _read_run(items, run, reader)
            run = []
    if run:
        yield from _read_run(items, run, reader)


def _follows(items: FormatItems, before: int, at: int) -> bool:
    return items.pack[at] == items.pack[before] and \
        items.offset[at] == items.offset[before] + items.length[before]


def _read_run(items: FormatItems, run: list[int], reader: PackReader) -> Iterator[memoryview]:
    first, last = run[0], run[-1]
    whole = reader.read_span(items.packs[items.pack[first]], items.offset[first],
                             items.offset[last] + items.length[last] - items.offset[first])
    view = memoryview(whole) if whole is not None else None  # slices without copies
    start = 0
    for at in run:
        data = view[start:start + items.length[at]] if view is not None else None
        start += items.length[at]
        if data is None or len(data) != items.length[at] or \
                hashlib.sha256(data).hexdigest() != items.sha[at]:
            raise DamagedItem(items.keys[at])
        yield data


def _fed(parser: object, chunk: bytes) -> bytes:
    if parser is not None:
        parser.feed(chunk)  # type: ignore[attr-defined]
    return chunk


class NotWellFormed(ValueError):
    """An assembled document failed its well-formedness check (a bug, or a bad cache)."""


def _json_piece(data: bytes | memoryview) -> None:
    import orjson

    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise NotWellFormed(f"a JSON piece is not well-formed: {error}") from None


class _Nothing:
    """An lxml parser target that builds nothing: the parse only proves well-formedness."""

    def close(self) -> None:
        return None


def _xml_errors() -> type[Exception]:
    from lxml import etree

    return etree.XMLSyntaxError


def _xml_parser() -> object:
    from lxml import etree

    return etree.XMLParser(target=_Nothing(), huge_tree=True,  # type: ignore[arg-type]
                           resolve_entities=False, no_network=True, load_dtd=False)


def _whole(name: str, path: str, data: bytes) -> Prepared:
    """A small document rendered whole (no items), checked by the validator as a whole."""
    from feedpub.fragments import severity_in_our_feeds as _severity
    from feedpub.validate import validate_bytes

    findings = [CheckFinding(path, f.line, f.column, _severity(f.severity, f.rule),
                             f.rule, f.message) for f in validate_bytes(data)]
    document = Document(name, findings, pieces=hashlib.sha256(data).hexdigest(), size=len(data),
                        path=path)
    if any(f.severity == "error" for f in findings):
        return Prepared(document)
    return Prepared(document, whole=data)
