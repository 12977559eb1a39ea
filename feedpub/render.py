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
from dataclasses import dataclass, field
from pathlib import Path

from feedpub.errors import CheckFinding
from feedpub.forks import Child, ChildFailed, Children, can_fork, one
from feedpub.model import Feed
from feedpub.output import Staged
from feedpub.tuning import PAGE_IN_CHILD_AT, RENDER_IN_CHILDREN_AT

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


def _severity(severity: str, rule: str) -> str:
    """The validator's severity, but errors for what our own output must never carry."""
    return "error" if rule in ERRORS_IN_OUR_OWN_FEEDS else severity


def render_all(feed: Feed, output_dir: Path | None, tag: str) -> list[Rendered]:
    """Every output rendered, checked and (when ``output_dir`` is set) staged, in order.

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
