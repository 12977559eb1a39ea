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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from feedpub import __version__
from feedpub.cache import EntryStore
from feedpub.errors import CheckFinding
from feedpub.formats import FORMATS, Parts, render_parts
from feedpub.fragments import ItemCheck, ItemFacts, Placed, check_document, check_items
from feedpub.model import Entry, Feed
from feedpub.notices import Notice
from feedpub.output import Staged, stage_stream
from feedpub.packs import PackReader, PackWriter, Ref, collect, is_ref
from feedpub.state import code_digest, read_document, write_document

ITEMS_NAME = "items.json"
KIND = "item-cache"
PACK_KIND = "items"
RENDER_CHUNK = 400  # items rendered (one lxml tree) and checked (one validator run) at a time
_FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # the envelope's time, when keying the cache


@dataclass(frozen=True, slots=True)
class CachedItem:
    """A rendered item: where its bytes are, how many line breaks they hold, its check."""

    ref: Ref
    lines: int
    check: ItemCheck


@dataclass
class ItemCache:
    """The rendered items of every feed format, keyed by entry; see the module docstring."""

    folder: Path
    contexts: dict[str, str]  # format → the context its items were rendered and checked in
    items: dict[str, dict[str, CachedItem]]  # format → entry key → item
    changed: bool = False
    used: dict[str, set[str]] = field(default_factory=dict)  # format → keys this build used

    def get(self, name: str, key: str) -> CachedItem | None:
        self.used.setdefault(name, set()).add(key)
        return self.items.get(name, {}).get(key)

    def put(self, name: str, key: str, item: CachedItem) -> None:
        self.used.setdefault(name, set()).add(key)
        self.items.setdefault(name, {})[key] = item
        self.changed = True

    def drop(self, name: str, key: str) -> None:
        self.items.get(name, {}).pop(key, None)
        self.changed = True


def load_items(folder: Path, contexts: dict[str, str], notices: list[Notice]) -> ItemCache:
    """The item cache, keeping only formats whose context is unchanged."""
    body = read_document(folder / ITEMS_NAME, KIND, notices)
    cache = ItemCache(folder, contexts, {})
    if body is None:
        return cache
    raw_contexts, raw_items = body.get("contexts"), body.get("items")
    if not isinstance(raw_contexts, dict) or not isinstance(raw_items, dict):
        notices.append(Notice(str(folder / ITEMS_NAME), f"the {KIND} is not one this feedpub "
                                                        "wrote; discarded, rebuilding it"))
        return cache
    bad = 0
    for name, context in contexts.items():
        items = raw_items.get(name)
        if raw_contexts.get(name) != context or not isinstance(items, dict):
            continue
        kept: dict[str, CachedItem] = {}
        for key, value in items.items():
            item = _decode_item(value)
            if item is None:
                bad += 1
            else:
                kept[key] = item
        cache.items[name] = kept
    if bad:
        notices.append(Notice(str(folder / ITEMS_NAME), f"{bad} cached items did not fit the "
                                                        "cache's schema; they are rendered again"))
    return cache


def save_items(cache: ItemCache) -> None:
    """Write the index of the items this build used (the others are garbage) and delete
    the packs nothing refers to any more."""
    items = {name: {key: _encode_item(item) for key, item in sorted(cache.items[name].items())
                    if key in cache.used.get(name, set())}
             for name in cache.contexts if name in cache.items}
    write_document(cache.folder / ITEMS_NAME, KIND, {"contexts": cache.contexts, "items": items})
    collect(cache.folder, PACK_KIND, (cache.items[name][key].ref for name in items
                                      for key in items[name]))


def _encode_item(item: CachedItem) -> list[object]:
    facts = item.check.facts
    return [list(item.ref), item.lines, [list(f) for f in item.check.findings],
            [facts.id, facts.where[0], facts.where[1], facts.updated,
             facts.published.isoformat() if facts.published else None,
             facts.latest.isoformat() if facts.latest else None]]


def _decode_item(value: object) -> CachedItem | None:
    """A cached item, or None unless every field has its exact type."""
    if type(value) is not list or len(value) != 4:
        return None
    ref, lines, findings, facts = value
    if not is_ref(ref) or type(lines) is not int or lines < 0 or type(findings) is not list:
        return None
    decoded = []
    for found in findings:
        if type(found) is not list or len(found) != 5 or not all(
                type(v) is str for v in found[:3]) or not all(type(v) is int for v in found[3:]):
            return None
        decoded.append((found[0], found[1], found[2], found[3], found[4]))
    if type(facts) is not list or len(facts) != 6:
        return None
    ident, line, column, updated, published, latest = facts
    if not ((ident is None or type(ident) is str) and type(line) is int and type(column) is int
            and type(updated) is str):
        return None
    try:
        times = [None if t is None else datetime.fromisoformat(t) for t in (published, latest)]
    except (TypeError, ValueError):
        return None
    check = ItemCheck(tuple(decoded), ItemFacts(ident, (line, column), updated, times[0], times[1]))
    return CachedItem((ref[0], ref[1], ref[2], ref[3]), lines, check)


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
    """An item is its entry's record and, when its image is one of ours, that file."""
    local = feed.media_file(entry.image)
    if local is None:
        return store.digest(entry)
    seed = f"{store.digest(entry)}\0{local.url}\0{local.media_type}\0{local.length}"
    return hashlib.sha256(seed.encode()).hexdigest()


@dataclass
class Document:
    """One feed document as this build made it: findings, and the staged file if it changed."""

    name: str
    findings: list[CheckFinding] = field(default_factory=list)
    staged: Staged | None = None
    pieces: str = ""  # the digest of its pieces' digests: equal pieces, equal bytes
    size: int = 0


class DamagedItem(Exception):
    """A cached item's bytes are gone or not what the index says: render it again."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def build_document(name: str, feed: Feed, store: EntryStore, cache: ItemCache, *,
                   output_dir: Path | None, tag: str, published: tuple[str, bool],
                   notices: list[Notice]) -> Document:
    """Render what is missing, check, and (with ``output_dir``) stage one feed document.

    ``published`` is the pieces digest of the published file and whether that file is
    as the last build left it: then an equal document is not written again.
    """
    for _ in range(2):
        try:
            return _build(name, feed, store, cache, output_dir, tag, published)
        except DamagedItem as damaged:
            notices.append(Notice(str(cache.folder / ITEMS_NAME), "a cached item is damaged; "
                                                                  "it is rendered again"))
            cache.drop(name, damaged.key)
    return _build(name, feed, store, cache, output_dir, tag, published)


def _build(name: str, feed: Feed, store: EntryStore, cache: ItemCache, output_dir: Path | None,
           tag: str, published: tuple[str, bool]) -> Document:
    fmt = FORMATS[name]
    keys = [item_key(feed, entry, store) for entry in feed.entries]
    cached = [cache.get(name, key) for key in keys]
    missing = [(key, entry) for key, entry, item in zip(keys, feed.entries, cached, strict=True)
               if item is None]
    too_big = _too_big(name, keys, [store.html_size(entry) if item is None else item.ref[2]
                                    for entry, item in zip(feed.entries, cached, strict=True)])
    if too_big is not None:
        return Document(name, [too_big])
    envelope, closing = _render_missing(name, feed, missing, store, cache)
    pieces = ([closing] if closing is not None else []) + [cache.items[name][key] for key in keys]
    if not pieces:  # a document without items is rendered whole (JSON writes "items": [])
        from feedpub.formats import render

        return _whole(name, render(name, feed), output_dir, tag)
    placed, line = [], envelope.head.count(b"\n") + 1
    step = envelope.joiner.count(b"\n")
    for piece in pieces:
        placed.append(Placed(line, piece.check))
        line += piece.lines + step
    items_lines = line - (envelope.head.count(b"\n") + 1) - step
    findings = check_document(name, fmt.filename, envelope, placed, items_lines, feed.id,
                              feed.closing.id if feed.closing else None)
    size = len(envelope.head) + len(envelope.tail) + sum(p.ref[2] for p in pieces) \
        + len(envelope.joiner) * (len(pieces) - 1)
    too_big = _too_big(name, keys, [size])
    document = Document(name, findings + ([too_big] if too_big else []),
                        pieces=_pieces_digest(envelope, pieces), size=size)
    if any(f.severity == "error" for f in document.findings):
        return document
    if output_dir is not None and published[1] and published[0] == document.pieces:
        return document  # the published file is this document already
    chunks = _checked_chunks(name, envelope, pieces, PackReader(cache.folder), keys,
                             closing is not None)
    try:
        if output_dir is not None:
            document.staged = stage_stream(output_dir / fmt.filename, chunks, tag)
        else:  # a dry run still proves every piece sound and the whole well-formed
            for _ in chunks:
                pass
    except NotWellFormed as error:
        document.findings.append(CheckFinding(fmt.filename, 0, 0, "error",
                                              "document-not-well-formed", str(error)))
    return document


def _render_missing(name: str, feed: Feed, missing: list[tuple[str, Entry]], store: EntryStore,
                    cache: ItemCache) -> tuple[Parts, CachedItem | None]:
    """Render and check the missing items (a chunk at a time), the closing item and the
    envelope; the new items go to a pack and into the cache."""
    with_closing = feed.closing is not None
    envelope: Parts | None = None
    closing: CachedItem | None = None
    writer = PackWriter(cache.folder, PACK_KIND) if missing or with_closing else None
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
            made = [CachedItem(writer.add(item), item.count(b"\n"), check)
                    for item, check in zip(parts.items, checks, strict=True)]
            if first:
                closing, made = made[0], made[1:]
            for (key, _), item in zip(chunk, made, strict=True):
                cache.put(name, key, item)
    finally:
        if writer is not None:
            writer.close()
    assert envelope is not None
    return envelope, closing


def _too_big(name: str, keys: list[str], sizes: list[int]) -> CheckFinding | None:
    """The validator's size limit, checked before anything is rendered or written.

    ``sizes`` are the cached items' sizes and, for the others, a lower bound (their
    entry's HTML, which every format carries at least once, escaped or not). The
    message names the ``item_limit`` whose newest items fit with a tenth to spare.
    """
    from feedpub.validate import DEFAULT_MAX_BYTES

    total = sum(sizes)
    if total <= DEFAULT_MAX_BYTES:
        return None
    fits, running = 0, 0
    for size in sizes:
        running += size
        if running > DEFAULT_MAX_BYTES * 0.9:
            break
        fits += 1
    limit = max(fits, 1)
    return CheckFinding(FORMATS[name].filename, 0, 0, "error", "feed-too-large",
                        f"its {len(keys)} items make it at least {total / 2**20:.0f} MiB, over the "
                        f"{DEFAULT_MAX_BYTES // 2**20} MiB a feed may be; set item_limit = {limit} "
                        f"in the config to publish the newest {limit} (about {running / 2**20:.0f} "
                        "MiB)")


def _pieces_digest(envelope: Parts, pieces: Sequence[CachedItem]) -> str:
    digest = hashlib.sha256(hashlib.sha256(envelope.head).digest())
    digest.update(hashlib.sha256(envelope.tail).digest())
    digest.update(envelope.joiner)
    for piece in pieces:
        digest.update(bytes.fromhex(piece.ref[3]))
    return digest.hexdigest()


def _checked_chunks(name: str, envelope: Parts, pieces: Sequence[CachedItem], reader: PackReader,
                    keys: list[str], closing: bool) -> Iterator[bytes]:
    """The document's bytes, piece by piece, each read back and checked: its digest, and
    the document's well-formedness (a streaming XML parser; each JSON piece parsed)."""
    parse = _xml_parser() if name != "json" else None
    try:
        yield from _fed(parse, [envelope.head])
        for index, piece in enumerate(pieces):
            data = reader.read(piece.ref)
            if data is None:
                position = index - (1 if closing else 0)
                raise DamagedItem(keys[position] if position >= 0 else "closing")
            if parse is None:
                _json_piece(data)
            yield from _fed(parse, [envelope.joiner, data] if index else [data])
        yield from _fed(parse, [envelope.tail])
        if parse is None:
            _json_piece(envelope.head + envelope.tail)
        else:
            parse.close()  # type: ignore[attr-defined]
    except _xml_errors() as error:
        raise NotWellFormed(f"the assembled XML is not well-formed: {error}") from None
    finally:
        reader.close()


def _fed(parser: object, chunks: list[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        if parser is not None:
            parser.feed(chunk)  # type: ignore[attr-defined]
        yield chunk


class NotWellFormed(ValueError):
    """An assembled document failed its well-formedness check (a bug, or a bad cache)."""


def _json_piece(data: bytes) -> None:
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


def _whole(name: str, data: bytes, output_dir: Path | None, tag: str) -> Document:
    """A small document rendered whole (no items), checked by the validator as a whole."""
    from feedpub.fragments import severity_in_our_feeds as _severity
    from feedpub.output import stage
    from feedpub.validate import validate_bytes

    fmt = FORMATS[name]
    findings = [CheckFinding(fmt.filename, f.line, f.column, _severity(f.severity, f.rule),
                             f.rule, f.message) for f in validate_bytes(data)]
    document = Document(name, findings, pieces=hashlib.sha256(data).hexdigest(), size=len(data))
    if output_dir is not None and not any(f.severity == "error" for f in findings):
        document.staged = stage(output_dir / fmt.filename, data, tag)
    return document

