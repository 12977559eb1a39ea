"""Render, check and stage every output of a Feed, on both cores for long feeds.

Each feed is rendered to bytes, checked by the validator (the same one ``validate``
runs, which never imports a renderer, so it catches renderer bugs) and, when it
passed and its bytes changed, staged beside the published file by ``output.stage``.
The HTML page goes the same way, checked by ``pagecheck`` (html5lib and our rules);
a mistake in a user's page template is a finding at the template's line.
Nothing here replaces a published file: the pipeline publishes the staged set only
when every format passed.

A feedgen render of 10 000 entries builds an lxml tree of about 90 MiB. Rendering RSS
and Atom in forked children runs them beside the JSON render on the second core and
keeps each tree out of the parent, so the build stays fast and within its memory budget.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from feedpub.cache import EntryStore
from feedpub.errors import CheckFinding
from feedpub.forks import Child, ChildFailed, Children, can_fork, one
from feedpub.formats import PAGE
from feedpub.fragments import severity_in_our_feeds as _severity
from feedpub.model import Feed
from feedpub.notices import Notice
from feedpub.output import Staged
from feedpub.tuning import PAGE_IN_CHILD_AT, RENDER_IN_CHILDREN_AT, WRITE_IN_CHILD_AT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from feedpub.documents import ItemCache, Prepared


@dataclass
class Rendered:
    """One format's outcome: its check findings and the staged file, if it changed."""

    name: str
    findings: list[CheckFinding] = field(default_factory=list)
    staged: Staged | None = None
    skipped: bool = False  # the format cannot be written for this feed (an empty Atom feed)
    pieces: str = ""  # a feed's pieces digest (documents.Document.pieces): equal, same bytes

    @property
    def errors(self) -> list[CheckFinding]:
        return [f for f in self.findings if f.severity == "error"]


def render_one(name: str, feed: Feed, output_dir: Path | None, tag: str) -> Rendered:
    """Render, check and (with an output folder, when it passed) stage one output."""
    from feedpub.formats import OUTPUTS
    from feedpub.output import stage

    fmt = OUTPUTS[name]
    if fmt.needs_updated and feed.updated is None:
        return Rendered(name, skipped=True)
    rendered = _render(name, feed)
    if isinstance(rendered, CheckFinding):
        return Rendered(name, [rendered])
    outcome = Rendered(name, _check(fmt.kind, fmt.filename, rendered))
    if output_dir is not None and not outcome.errors:
        outcome.staged = stage(output_dir / fmt.filename, rendered, tag)
    return outcome


def _render(name: str, feed: Feed) -> bytes | CheckFinding:
    """The output's bytes, or the finding that says why a page template could not make them."""
    from feedpub.formats import PAGE, render

    if name != PAGE.name:
        return render(name, feed)
    from feedpub.formats.html import PageTemplateError

    try:
        return render(name, feed)
    except PageTemplateError as error:
        return CheckFinding(error.template, error.line, 1, "error", "page-template", error.message)


def _check(kind: str, filename: str, data: bytes) -> list[CheckFinding]:
    if kind == "page":
        from feedpub.pagecheck import check_page

        return check_page(data, filename)
    from feedpub.validate import validate_bytes

    return [CheckFinding(filename, f.line, f.column, _severity(f.severity, f.rule), f.rule, f.message)
            for f in validate_bytes(data)]


def render_all(feed: Feed, output_dir: Path | None, tag: str) -> list[Rendered]:
    """Every output rendered whole, checked and (when ``output_dir`` is set) staged, in order.

    The reference path, for a Feed of whole entries: builds go through ``render_feeds``.
    The page is one of them unless the blog turned it off (``feed.page`` is None). Long
    feeds are rendered in forked children beside the last one; a long page is checked in
    a child of its own as soon as its check (html5lib, pure Python) would hold up the
    feeds.
    """
    from feedpub.formats import OUTPUTS

    names = [name for name, fmt in OUTPUTS.items() if fmt.kind == "feed" or feed.page is not None]
    in_children = names[:-1] if len(feed.entries) >= RENDER_IN_CHILDREN_AT else []
    if feed.page is not None and _page_updates(feed) >= PAGE_IN_CHILD_AT and names[0] not in in_children:
        in_children.insert(0, names[0])
    if not in_children or not can_fork():
        return [render_one(name, feed, output_dir, tag) for name in names]
    with Children() as children:
        forked = [(name, children.start(one(_job(name, feed, output_dir, tag))))
                  for name in in_children]
        here = {name: render_one(name, feed, output_dir, tag) for name in names
                if name not in in_children}
        done = {name: _collect(name, child) for name, child in forked} | here
        return [done[name] for name in names]


def render_feeds(feed: Feed, store: EntryStore, state_dir: Path, output_dir: Path | None,
                 tag: str, published: dict[str, tuple[str, bool]], *, save: bool,
                 notices: list[Notice]) -> list[Rendered]:
    """Every output of a build: the feeds assembled from their items (``documents``),
    rendering only what the item cache lacks; the page rendered whole from the whole
    entries it shows. ``feed`` holds stubs (``cache.EntryStore``); ``published`` maps a
    file name to the pieces digest it was last written with and whether it is still as
    written.

    Rendering what is missing happens here; writing the documents (reading back, checking
    and writing tens of megabytes each) and checking the page happen in forked children
    beside each other, when they are big enough for that to pay.
    """
    from feedpub.documents import contexts, load_items
    from feedpub.formats import FORMATS

    names = [name for name, fmt in FORMATS.items() if not (fmt.needs_updated and feed.updated is None)]
    cache = load_items(state_dir, contexts(feed, names), notices)
    with _scratch(save) as scratch:
        cache.scratch = scratch
        return _render_feeds(feed, store, cache, names, output_dir, tag, published, save=save,
                             notices=notices)


@contextmanager
def _scratch(save: bool) -> Iterator[Path | None]:
    """A dry run (nothing saved) renders into a temporary folder, removed afterwards."""
    if save:
        yield None
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="feedpub-dry-run-") as folder:
        yield Path(folder)


def _render_feeds(feed: Feed, store: EntryStore, cache: ItemCache, names: list[str],
                  output_dir: Path | None, tag: str, published: dict[str, tuple[str, bool]], *,
                  save: bool, notices: list[Notice]) -> list[Rendered]:
    from feedpub.documents import (
        item_keys,
        prepare_document,
        render_missing,
        repair,
        save_items,
        too_big,
    )
    from feedpub.formats import FORMATS, OUTPUTS

    keys = item_keys(feed, store)
    outcomes: dict[str, Rendered] = {name: Rendered(name, skipped=True) for name in FORMATS
                                     if name not in names}
    refused = too_big(feed, keys, names, store, cache)
    if refused:  # nothing will be published: render nothing (the entries stay cached)
        return [Rendered(next(n for n, f in FORMATS.items() if f.filename == finding.filename),
                         [finding]) for finding in refused]
    render_missing(feed, keys, names, store, cache)
    todo = set(names)
    page = _page_job(feed, keys, store, output_dir, tag, published.get(PAGE.filename))
    for _ in range(3):  # a damaged cached item is rendered again, and its document redone
        prepared = {name: prepare_document(name, feed, keys, store, cache,
                                           writing=output_dir is not None,
                                           published=published.get(FORMATS[name].filename, ("", False)))
                    for name in sorted(todo, key=names.index)}
        written, damaged = _write_all(prepared, cache, output_dir, tag, page)
        outcomes.update(written)
        for name, key in damaged.items():
            repair(name, key, cache, notices)
        todo, page = set(damaged), None
        if not todo:
            break
    if todo:
        raise OSError(f"{cache.folder}: rendered items cannot be read back from its packs; "
                      "check the disk")
    if save and cache.changed:
        save_items(cache)
    return [outcomes[name] for name in OUTPUTS if name in outcomes]


def _write_all(prepared: dict[str, Prepared], cache: ItemCache, output_dir: Path | None,
               tag: str, page: Callable[[], Rendered] | None,
               ) -> tuple[dict[str, Rendered], dict[str, str]]:
    """Write every prepared document (and render the page), big ones in children."""
    jobs: dict[str, Callable[[], Rendered | tuple[str, str]]] = {
        name: _writer(item, cache, output_dir, tag) for name, item in prepared.items()}
    if page is not None:
        jobs[PAGE.name] = page
    big = [name for name, item in prepared.items() if item.document.size >= WRITE_IN_CHILD_AT
           and item.envelope is not None]
    if page is not None and getattr(page, "heavy", False):
        big.insert(0, PAGE.name)
    here = [name for name in jobs if name not in big]
    if not big or not can_fork():
        return _gathered({name: jobs[name]() for name in jobs})
    if not here:
        here = [big.pop()]  # the parent writes one of them itself
    with Children() as children:
        forked = {name: children.start(one(jobs[name])) for name in big}
        done: dict[str, Rendered | tuple[str, str]] = {name: jobs[name]() for name in here}
        for name, child in forked.items():
            done[name] = _collected(name, child)
    return _gathered(done)


def _writer(item: Prepared, cache: ItemCache, output_dir: Path | None,
            tag: str) -> Callable[[], Rendered | tuple[str, str]]:
    from feedpub.documents import DamagedItem, stream_document

    def write() -> Rendered | tuple[str, str]:
        try:
            document = stream_document(item, cache, output_dir, tag)
        except DamagedItem as damaged:
            return (item.document.name, damaged.key)
        return Rendered(document.name, document.findings, document.staged, pieces=document.pieces)

    return write


def _collected(name: str, child: Child[Rendered | tuple[str, str]]) -> Rendered | tuple[str, str]:
    from feedpub.formats import OUTPUTS

    try:
        return child.result()
    except ChildFailed as failure:
        return Rendered(name, [CheckFinding(OUTPUTS[name].filename, 1, 1, "error",
                                            "render-failed", f"rendering failed: {failure}")])


def _gathered(done: dict[str, Rendered | tuple[str, str]]
              ) -> tuple[dict[str, Rendered], dict[str, str]]:
    rendered = {name: r for name, r in done.items() if isinstance(r, Rendered)}
    damaged = {name: r[1] for name, r in done.items() if isinstance(r, tuple)}
    return rendered, damaged


def _page_job(feed: Feed, keys: list[str], store: EntryStore, output_dir: Path | None, tag: str,
              published: tuple[str, bool] | None) -> Callable[[], Rendered] | None:
    """The page's job, or None when the page is off. When its key is the published one,
    the job only says so; else it renders and checks the page (whole entries read here,
    in the parent, so a child needs no open pack)."""
    if feed.page is None:
        return None
    key, whole = _page_key(feed, keys, store)
    if output_dir is not None and published == (key, True):
        return lambda: Rendered(PAGE.name, pieces=key)
    shown = whole()

    def render() -> Rendered:
        rendered = render_one(PAGE.name, shown, output_dir, tag)
        rendered.pieces = key
        return rendered

    render.heavy = len(shown.entries) >= PAGE_IN_CHILD_AT  # type: ignore[attr-defined]
    return render


def _page_key(feed: Feed, keys: list[str], store: EntryStore) -> tuple[str, Callable[[], Feed]]:
    """What the page shows, as a digest (the feed's own fields, the number of entries and
    the records of those it shows), and how to get the Feed of whole entries it needs."""
    from feedpub.state import code_digest

    assert feed.page is not None
    shown = feed.entries[:feed.page.limit]
    seed = repr((code_digest(), replace(feed, entries=()), len(feed.entries), keys[:len(shown)]))
    return (hashlib.sha256(seed.encode()).hexdigest(),
            lambda: replace(feed, entries=tuple(store.full(e) for e in shown)
                            + feed.entries[len(shown):]))


def _page_updates(feed: Feed) -> int:
    limit = feed.page.limit if feed.page else None
    return len(feed.entries) if limit is None else min(limit, len(feed.entries))


def _job(name: str, feed: Feed, output_dir: Path | None, tag: str) -> Callable[[], Rendered]:
    return lambda: render_one(name, feed, output_dir, tag)


def _collect(name: str, child: Child[Rendered]) -> Rendered:
    from feedpub.formats import OUTPUTS

    try:
        return child.result()
    except ChildFailed as failure:
        return Rendered(name, [CheckFinding(OUTPUTS[name].filename, 1, 1, "error",
                                            "render-failed", f"rendering failed: {failure}")])
