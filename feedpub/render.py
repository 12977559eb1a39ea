"""Render, check and stage every output of each document, on both cores for long feeds.

The documents are the subscription feed (with the HTML page) and, for an archived blog,
its RFC 5005 archive pages. Each feed format of a document is rendered to bytes,
checked by the validator (the same one ``validate`` runs, which never imports a
renderer, so it catches renderer bugs) and, when it passed and its bytes changed,
staged beside the published file by ``output.stage``.
The HTML page goes the same way, checked by ``pagecheck`` (html5lib and our rules);
a mistake in a user's page template is a finding at the template's line.
Nothing here replaces a published file: the pipeline publishes the staged set only
when every format passed.

A feedgen render of 10 000 entries builds an lxml tree of about 90 MiB. Rendering RSS
and Atom in forked children runs them beside the JSON render on the second core and
keeps each tree out of the parent, so the build stays fast and within its memory budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from feedpub.errors import CheckFinding
from feedpub.forks import Child, ChildFailed, Children, can_fork
from feedpub.model import Feed
from feedpub.output import Staged
from feedpub.tuning import PAGE_IN_CHILD_AT, RENDER_IN_CHILDREN_AT

Job = tuple[str, Feed, str]  # (output name, document, its path relative to the output folder)

# A warning when `validate` judges someone else's feed, but a build error here: entries are
# sanitized when parsed, so a script or event handler in a rendered feed means something
# (a tampered cache, a sanitizer bug) got past that, and nothing is published.
ERRORS_IN_OUR_OWN_FEEDS = frozenset({"html-unsafe"})


@dataclass
class Rendered:
    """One format's outcome: its check findings and the staged file, if it changed."""

    name: str
    findings: list[CheckFinding] = field(default_factory=list)
    staged: Staged | None = None
    skipped: bool = False  # the format cannot be written for this feed (an empty Atom feed)
    path: str = ""  # relative to the output folder

    @property
    def errors(self) -> list[CheckFinding]:
        return [f for f in self.findings if f.severity == "error"]


def render_one(name: str, feed: Feed, output_dir: Path | None, tag: str,
               path: str | None = None) -> Rendered:
    """Render, check and (with an output folder, when it passed) stage one output of a
    document, as ``path`` (default: the output's subscription file name)."""
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


def _severity(severity: str, rule: str) -> str:
    """The validator's severity, but errors for what our own output must never carry."""
    return "error" if rule in ERRORS_IN_OUR_OWN_FEEDS else severity


def render_all(feed: Feed, output_dir: Path | None, tag: str) -> list[Rendered]:
    """Every output of one feed (the page unless ``feed.page`` is None) rendered, checked
    and (with ``output_dir``) staged, in order."""
    return render_jobs(subscription_jobs(feed), output_dir, tag)


def subscription_jobs(feed: Feed, files: dict[str, str] | None = None) -> list[Job]:
    """The subscription document's outputs: the page (when on) and each feed format."""
    from feedpub.formats import OUTPUTS

    return [(name, feed, (files or {}).get(name, fmt.filename)) for name, fmt in OUTPUTS.items()
            if fmt.kind == "feed" or feed.page is not None]


def render_jobs(jobs: list[Job], output_dir: Path | None, tag: str) -> list[Rendered]:
    """Each (output, document, path) rendered, checked and staged; results in job order.

    Many entries in all: one forked child per output renders all its documents (the RSS
    ones, the Atom ones) while this process renders the last (JSON, the cheapest); a long
    page is checked in a child of its own as soon as its check (html5lib, pure Python)
    would hold up the feeds.
    """
    names = list(dict.fromkeys(name for name, _, _ in jobs))
    groups = {name: [job for job in jobs if job[0] == name] for name in names}
    size = sum(len(feed.entries) for name, feed, _ in jobs if name == names[-1])
    in_children = names[:-1] if size >= RENDER_IN_CHILDREN_AT else []
    pages = [feed for name, feed, _ in jobs if feed.page is not None and name == "html"]
    if pages and _page_updates(pages[0]) >= PAGE_IN_CHILD_AT and "html" not in in_children:
        in_children.insert(0, "html")
    if not in_children or not can_fork():
        return [render_one(name, feed, output_dir, tag, path) for name, feed, path in jobs]
    done: dict[int, Rendered] = {}
    with Children() as children:
        forked = [(name, children.start(_job(groups[name], output_dir, tag)))
                  for name in in_children]
        for name in names:
            if name not in in_children:
                done.update((id(job), render_one(job[0], job[1], output_dir, tag, job[2]))
                            for job in groups[name])
        for name, child in forked:
            done.update(zip((id(job) for job in groups[name]), _collect(name, groups[name], child),
                            strict=True))
    return [done[id(job)] for job in jobs]


def _page_updates(feed: Feed) -> int:
    limit = feed.page.limit if feed.page else None
    return len(feed.entries) if limit is None else min(limit, len(feed.entries))


def _job(jobs: list[Job], output_dir: Path | None, tag: str) -> Callable[[], Iterable[Rendered]]:
    return lambda: (render_one(name, feed, output_dir, tag, path) for name, feed, path in jobs)


def _collect(name: str, jobs: list[Job], child: Child[Rendered]) -> list[Rendered]:
    try:
        return list(child.items())
    except ChildFailed as failure:
        return [Rendered(name, [CheckFinding(path, 1, 1, "error", "render-failed",
                                             f"rendering failed: {failure}")], path=path)
                for _, _, path in jobs]
