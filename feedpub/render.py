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

from collections.abc import Callable
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
from feedpub.tuning import PAGE_IN_CHILD_AT, RENDER_IN_CHILDREN_AT


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
    written."""
    from feedpub.documents import build_document, contexts, load_items, save_items
    from feedpub.formats import FORMATS, OUTPUTS

    names = [name for name, fmt in FORMATS.items() if not (fmt.needs_updated and feed.updated is None)]
    cache = load_items(state_dir, contexts(feed, names), notices)
    outcomes: dict[str, Rendered] = {}
    for name, fmt in FORMATS.items():
        if name not in names:
            outcomes[name] = Rendered(name, skipped=True)
            continue
        document = build_document(name, feed, store, cache, output_dir=output_dir, tag=tag,
                                  published=published.get(fmt.filename, ("", False)),
                                  notices=notices)
        outcomes[name] = Rendered(name, document.findings, document.staged, pieces=document.pieces)
    if save and cache.changed:
        save_items(cache)
    if feed.page is not None:
        page_feed = replace(feed, entries=tuple(store.full(e) for e in feed.entries[:feed.page.limit])
                            + feed.entries[feed.page.limit:])
        outcomes[PAGE.name] = render_one(PAGE.name, page_feed, output_dir, tag)
    return [outcomes[name] for name in OUTPUTS if name in outcomes]


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
