"""Render, check and stage every output of each document, on both cores when it pays.

The documents are the subscription feed (with the HTML page) and, for an archived blog,
its RFC 5005 archive pages. A feed document is assembled from its items
(``documents``): only the items the item cache lacks are rendered and checked (in
forked workers when there are many, as in a first build), each document is checked as
a whole by its envelope and the rules across items, and written to its staged file
piece by piece (big ones in forked children, beside each other). The HTML page is
rendered whole, from the whole entries it shows, and checked by ``pagecheck``
(html5lib and our rules), only when what it shows changed; a mistake in a user's page
template is a finding at the template's line. Nothing here replaces a published file:
the pipeline publishes the staged set only when every output passed.

``render_one`` and ``render_all`` render a Feed of whole entries in one go: the
reference the incremental path must equal byte for byte (the tests compare them), and
what ``validate``-style callers use.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from feedpub.cache import EntryStore
from feedpub.errors import CheckFinding
from feedpub.forks import Child, ChildFailed, Children, Standby, can_fork
from feedpub.formats import PAGE
from feedpub.fragments import severity_in_our_feeds as _severity
from feedpub.model import Feed
from feedpub.notices import Notice
from feedpub.output import Staged
from feedpub.tuning import PAGE_IN_CHILD_AT, WRITE_IN_CHILD_AT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from feedpub.documents import ItemCache, Prepared

Job = tuple[str, Feed, str]  # (output name, document, its path relative to the output folder)
PageJob = tuple[Feed, "Path | None", str]  # (the page's Feed, the output folder, the run's tag)
PageStandby = Standby[PageJob, "Rendered"]


@dataclass
class Rendered:
    """One output's outcome: its check findings and the staged file, if it changed."""

    name: str
    findings: list[CheckFinding] = field(default_factory=list)
    staged: Staged | None = None
    skipped: bool = False  # the format cannot be written for this feed (an empty Atom feed)
    path: str = ""  # relative to the output folder
    pieces: str = ""  # what the output was made of, as a digest: equal pieces, same bytes

    @property
    def errors(self) -> list[CheckFinding]:
        return [f for f in self.findings if f.severity == "error"]


@dataclass(frozen=True, slots=True)
class Documented:
    """A document to render: its Feed (stubs) and, per format name, its path."""

    feed: Feed
    files: dict[str, str]


def render_one(name: str, feed: Feed, output_dir: Path | None, tag: str,
               path: str | None = None) -> Rendered:
    """Render whole, check and (with an output folder, when it passed) stage one output of
    a document of whole entries, as ``path`` (default: the output's subscription name)."""
    from feedpub.formats import OUTPUTS
    from feedpub.output import stage

    fmt = OUTPUTS[name]
    path = path or fmt.filename
    if fmt.needs_updated and feed.updated is None:
        return Rendered(name, skipped=True, path=path)
    rendered = _render(name, feed)
    if isinstance(rendered, CheckFinding):
        return Rendered(name, [rendered], path=path)
    outcome = Rendered(name, _check(fmt.kind, path, rendered), path=path)
    if output_dir is not None and not outcome.errors:
        outcome.staged = stage(output_dir / path, rendered, tag)
    return outcome


def _render(name: str, feed: Feed) -> bytes | CheckFinding:
    """The output's bytes, or the finding that says why a page template could not make them."""
    from feedpub.formats import render

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
    """Every output of one Feed of whole entries (the page unless ``feed.page`` is None),
    rendered whole, checked and (with ``output_dir``) staged, in order."""
    return [render_one(name, document, output_dir, tag, path)
            for name, document, path in subscription_jobs(feed)]


def subscription_jobs(feed: Feed, files: dict[str, str] | None = None) -> list[Job]:
    """The subscription document's outputs: the page (when on) and each feed format."""
    from feedpub.formats import OUTPUTS

    return [(name, feed, (files or {}).get(name, fmt.filename)) for name, fmt in OUTPUTS.items()
            if fmt.kind == "feed" or feed.page is not None]


@dataclass(frozen=True, slots=True)
class StartedPage:
    """The subscription document's page, begun by ``start_page``: ``job`` gives its outcome
    (None: the page is off)."""

    job: Callable[[], Rendered] | None


def start_page(feed: Feed, store: EntryStore, output_dir: Path | None, tag: str,
               published: tuple[str, bool] | None,
               standby: PageStandby | None = None) -> StartedPage:
    """The page of the subscription document ``feed`` (stubs), begun: sent at once to
    ``standby`` when there is one (see ``page_standby``), so that it is rendered and
    checked there while the build goes on; else rendered when its job is run. Nothing
    is done when its key is the one ``published`` (the page's pieces digest as last
    written, and whether the file is still as written) says is published."""
    return StartedPage(_page_job(feed, store, output_dir, tag, published, standby))


def render_documents(documents: list[Documented], store: EntryStore, state_dir: Path,
                     output_dir: Path | None, tag: str, published: dict[str, tuple[str, bool]],
                     page: StartedPage, *, save: bool, notices: list[Notice]) -> list[Rendered]:
    """Every output of every document: the feeds assembled from their items, rendering only
    what the item cache lacks, and the subscription document's ``page``. The Feeds hold
    stubs (``cache.EntryStore``); ``published`` maps a path to the pieces digest it was
    last written with and whether it is still as written; ``save`` (not a dry run) keeps
    what was rendered in the item cache."""
    from feedpub.documents import contexts, load_items
    from feedpub.formats import FORMATS

    names = list(FORMATS)
    cache = load_items(state_dir, contexts(documents[0].feed, names), notices)
    with _scratch(save) as scratch:
        cache.scratch = scratch
        return _render_documents(documents, store, cache, output_dir, tag, published, page.job,
                                 save=save, notices=notices)


@contextmanager
def _scratch(save: bool) -> Iterator[Path | None]:
    """A dry run (nothing saved) renders into a temporary folder, removed afterwards."""
    if save:
        yield None
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="feedpub-dry-run-") as folder:
        yield Path(folder)


FeedJob = tuple[int, str]  # (document index, format name)


def _render_documents(documents: list[Documented], store: EntryStore, cache: ItemCache,
                      output_dir: Path | None, tag: str, published: dict[str, tuple[str, bool]],
                      page: Callable[[], Rendered] | None, *, save: bool,
                      notices: list[Notice]) -> list[Rendered]:
    from feedpub.documents import (
        item_keys,
        prepare_document,
        render_missing,
        repair,
        save_items,
        too_big,
    )
    from feedpub.formats import FORMATS, OUTPUTS

    keys = [item_keys(d.feed, store) for d in documents]
    jobs: list[FeedJob] = [(index, name) for index, d in enumerate(documents)
                           for name, fmt in FORMATS.items() if name in d.files
                           and not (fmt.needs_updated and d.feed.updated is None)]
    outcomes: dict[FeedJob, Rendered] = {
        (index, name): Rendered(name, skipped=True, path=d.files[name])
        for index, d in enumerate(documents) for name, fmt in FORMATS.items()
        if name in d.files and fmt.needs_updated and d.feed.updated is None}
    refused = [f for index, name in jobs for f in too_big(
        documents[index].feed, keys[index], [name], store, cache, documents[index].files[name])]
    if refused:  # nothing will be published: render nothing (the entries stay cached)
        return [Rendered(OUTPUTS[_format_of(f.filename)].name, [f], path=f.filename)
                for f in refused]
    render_missing([(d.feed, k, [n for i, n in jobs if documents[i] is d])
                    for d, k in zip(documents, keys, strict=True)], store, cache)
    todo = list(jobs)
    for _ in range(3):  # a damaged cached item is rendered again, and its document redone
        prepared = {(index, name): prepare_document(
            name, documents[index].feed, keys[index], store, cache,
            path=documents[index].files[name], writing=output_dir is not None,
            published=published.get(documents[index].files[name], ("", False)))
            for index, name in todo}
        written, damaged = _write_all(prepared, cache, output_dir, tag, page)
        outcomes.update(written)
        for (_, name), key in damaged.items():
            repair(name, key, cache, notices)
        todo, page = list(damaged), None
        if not todo:
            break
    if todo:
        raise OSError(f"{cache.folder}: rendered items cannot be read back from its packs; "
                      "check the disk")
    if save and cache.changed:
        save_items(cache)
    page_outcome = [outcomes.pop((-1, PAGE.name))] if (-1, PAGE.name) in outcomes else []
    return page_outcome + [outcomes[job] for job in sorted(outcomes, key=_job_order)]


def _job_order(job: FeedJob) -> tuple[int, int]:
    from feedpub.formats import FORMATS

    return job[0], list(FORMATS).index(job[1])


def _format_of(path: str) -> str:
    from feedpub.formats import format_of

    found = format_of(path)
    assert found is not None
    return found.name


def _write_all(prepared: dict[FeedJob, Prepared], cache: ItemCache, output_dir: Path | None,
               tag: str, page: Callable[[], Rendered] | None,
               ) -> tuple[dict[FeedJob, Rendered], dict[FeedJob, str]]:
    """Write every prepared document (and render the page): when there is enough to
    write, one forked child writes about half of it (and another renders the page, when
    its check would hold the rest up) while this process writes the rest."""
    writers = {job: _writer(job, item, cache, output_dir, tag) for job, item in prepared.items()}
    sizes = {job: item.document.size if item.envelope is not None else 0
             for job, item in prepared.items()}
    if page is not None:
        writers[(-1, PAGE.name)] = page
    heavy_page = page is not None and getattr(page, "heavy", False)
    done: dict[FeedJob, Rendered | tuple[str, str]] = {}
    if (sum(sizes.values()) < WRITE_IN_CHILD_AT and not heavy_page) or not can_fork():
        done = {job: write() for job, write in writers.items()}  # the page last
        return _gathered(done)
    there, here = _halves(sizes)
    if page is not None and getattr(page, "elsewhere", False):
        here.append((-1, PAGE.name))  # rendered by the standby: collected last
    elif page is not None:
        (there if heavy_page else here).insert(0, (-1, PAGE.name))
    with Children() as children:
        forked = [(group, children.start(_each([writers[job] for job in group])))
                  for group in ([[(-1, PAGE.name)], there[1:]] if heavy_page else [there])
                  if group]
        done = {job: writers[job]() for job in here}
        for group, child in forked:
            done.update(_collected(group, child))
    return _gathered(done)


def _halves(sizes: dict[FeedJob, int]) -> tuple[list[FeedJob], list[FeedJob]]:
    """The jobs split in two of about the same size, biggest first (the first half goes
    to a child: the parent also has the index to save and the set to publish)."""
    there: list[FeedJob] = []
    here: list[FeedJob] = []
    weight = [0, 0]
    for job in sorted(sizes, key=lambda j: -sizes[j]):
        side = 0 if weight[0] <= weight[1] else 1
        (there if side == 0 else here).append(job)
        weight[side] += sizes[job]
    return there, here


def _each(writers: list[Callable[[], Rendered | tuple[str, str]]],
          ) -> Callable[[], Iterable[Rendered | tuple[str, str]]]:
    return lambda: (write() for write in writers)


def _writer(job: FeedJob, item: Prepared, cache: ItemCache, output_dir: Path | None,
            tag: str) -> Callable[[], Rendered | tuple[str, str]]:
    from feedpub.documents import DamagedItem, stream_document

    def write() -> Rendered | tuple[str, str]:
        try:
            document = stream_document(item, cache, output_dir, tag)
        except DamagedItem as damaged:
            return (job[1], damaged.key)
        return Rendered(job[1], document.findings, document.staged, path=document.path,
                        pieces=document.pieces)

    return write


def _collected(group: list[FeedJob], child: Child[Rendered | tuple[str, str]],
               ) -> dict[FeedJob, Rendered | tuple[str, str]]:
    try:
        return dict(zip(group, child.items(), strict=True))
    except ChildFailed as failure:
        return {job: Rendered(job[1], [CheckFinding(job[1], 1, 1, "error", "render-failed",
                                                    f"rendering failed: {failure}")])
                for job in group}


def _gathered(done: dict[FeedJob, Rendered | tuple[str, str]],
              ) -> tuple[dict[FeedJob, Rendered], dict[FeedJob, str]]:
    rendered = {job: r for job, r in done.items() if isinstance(r, Rendered)}
    damaged = {job: r[1] for job, r in done.items() if isinstance(r, tuple)}
    return rendered, damaged


def page_standby(children: Children,
                 template: Callable[[], tuple[str, str] | None]) -> PageStandby | None:
    """A child that imports the page's libraries and compiles its template (``template``
    gives the user's, as (name, text), or None for the shipped one) while the build loads and
    checks its entries, then renders and checks the page when given it. Those imports
    and the compile are most of a small page's cost, and a one-entry build that changes
    the page otherwise waits for them at its very end. None where processes cannot fork."""
    if not can_fork():
        return None
    return Standby(children, lambda: _prepare_page(template()), _render_page)


def _prepare_page(template: tuple[str, str] | None) -> None:
    from feedpub.formats.html import prepare
    from feedpub.pagecheck import prepare as prepare_check

    prepare(*(template or ("", None)))
    prepare_check()


def _render_page(job: PageJob) -> Rendered:
    feed, output_dir, tag = job
    return render_one(PAGE.name, feed, output_dir, tag)


def _page_job(feed: Feed, store: EntryStore, output_dir: Path | None, tag: str,
              published: tuple[str, bool] | None,
              standby: PageStandby | None = None) -> Callable[[], Rendered] | None:
    """The page's job, or None when the page is off. When its key is the published one,
    the job only says so; else it renders and checks the page (whole entries read here,
    in the parent, so a child needs no open pack): sent to ``standby`` at once when there
    is one (the job then only collects its result), else rendered when the job runs."""
    if feed.page is None:
        return None
    key, whole = _page_key(feed, store)
    if output_dir is not None and published == (key, True):
        return lambda: Rendered(PAGE.name, path=PAGE.filename, pieces=key)
    shown = whole()

    def render() -> Rendered:
        rendered = render_one(PAGE.name, shown, output_dir, tag)
        rendered.pieces = key
        return rendered

    if standby is not None and _submitted(standby, (shown, output_dir, tag)):
        return _collect_page(standby, key, render)
    render.heavy = _page_html(shown) >= PAGE_IN_CHILD_AT  # type: ignore[attr-defined]
    return render


def _submitted(standby: PageStandby, job: PageJob) -> bool:
    """Whether the standby took the job (False: it died, or the job cannot be pickled; the
    page is then rendered here)."""
    try:
        standby.submit(job)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return False
    return True


def _collect_page(standby: PageStandby, key: str,
                  render: Callable[[], Rendered]) -> Callable[[], Rendered]:
    """The standby's page; if the standby failed (a bug, or it was killed), the page is
    rendered here instead, as it would be without one."""

    def collect() -> Rendered:
        try:
            rendered = standby.result()
        except ChildFailed:
            return render()
        rendered.pieces = key
        return rendered

    collect.elsewhere = True  # type: ignore[attr-defined]
    return collect


def _page_key(feed: Feed, store: EntryStore) -> tuple[str, Callable[[], Feed]]:
    """What the page shows, as a digest (the feed's own fields, the number of entries and
    the items' keys of those it shows), and how to get the Feed it is rendered from: the
    whole entries it shows, and their total (``Page.total``)."""
    from feedpub.documents import item_key
    from feedpub.state import code_digest

    assert feed.page is not None
    shown = feed.entries[:feed.page.limit]
    keys = [item_key(feed, entry, store) for entry in shown]
    seed = repr((code_digest(), replace(feed, entries=()), len(feed.entries), keys,
                 [(e.updated, e.correction, e.content_html) for e in shown]))
    page = replace(feed.page, total=len(feed.entries))
    return (hashlib.sha256(seed.encode()).hexdigest(),
            lambda: replace(feed, entries=tuple(store.full(e) for e in shown), page=page))


def _page_html(feed: Feed) -> int:
    """Characters of entry HTML the page shows: what its render and check cost follows."""
    limit = feed.page.limit if feed.page else None
    shown = feed.entries if limit is None else feed.entries[:limit]
    return sum(len(entry.content_html) for entry in shown)
