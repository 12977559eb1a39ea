"""Render, check and stage every format of each feed document, on both cores for long feeds.

Each format of a document (the subscription feed, an archive page) is rendered to
bytes, checked by the validator (the same one ``validate`` runs, which never imports a
renderer, so it catches renderer bugs) and, when it passed and its bytes changed,
staged beside the published file by ``output.stage``. Nothing here replaces a published
file: the pipeline publishes the staged set only when every document passed.

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
from feedpub.tuning import RENDER_IN_CHILDREN_AT

Job = tuple[str, Feed, str]  # (format name, document, its path relative to the output folder)

# A warning when `validate` judges someone else's feed, but a build error here: entries are
# sanitized when parsed, so a script or event handler in a rendered feed means something
# (a tampered cache, a sanitizer bug) got past that, and nothing is published.
ERRORS_IN_OUR_OWN_FEEDS = frozenset({"html-unsafe"})


@dataclass
class Rendered:
    """One format's outcome: its check findings and the staged file, if it changed."""

    name: str  # the format
    findings: list[CheckFinding] = field(default_factory=list)
    staged: Staged | None = None
    skipped: bool = False  # the format cannot be written for this feed (an empty Atom feed)
    path: str = ""  # relative to the output folder

    @property
    def errors(self) -> list[CheckFinding]:
        return [f for f in self.findings if f.severity == "error"]


def render_one(name: str, feed: Feed, output_dir: Path | None, tag: str,
               path: str | None = None) -> Rendered:
    """Render, check and (with an output folder, when it passed) stage one format of a
    document, as ``path`` (default: the format's subscription file name)."""
    from feedpub.formats import FORMATS, render
    from feedpub.output import stage
    from feedpub.validate import validate_bytes

    fmt = FORMATS[name]
    path = path or fmt.filename
    if fmt.needs_updated and feed.updated is None:
        return Rendered(name, skipped=True, path=path)
    data = render(name, feed)
    outcome = Rendered(name, [CheckFinding(path, f.line, f.column, _severity(f.severity, f.rule),
                                           f.rule, f.message) for f in validate_bytes(data)],
                       path=path)
    if output_dir is not None and not outcome.errors:
        outcome.staged = stage(output_dir / path, data, tag)
    return outcome


def _severity(severity: str, rule: str) -> str:
    """The validator's severity, but errors for what our own output must never carry."""
    return "error" if rule in ERRORS_IN_OUR_OWN_FEEDS else severity


def render_all(feed: Feed, output_dir: Path | None, tag: str) -> list[Rendered]:
    """Every format of one feed rendered, checked and (with ``output_dir``) staged, in order."""
    from feedpub.formats import FORMATS

    return render_jobs([(name, feed, fmt.filename) for name, fmt in FORMATS.items()],
                       output_dir, tag)


def render_jobs(jobs: list[Job], output_dir: Path | None, tag: str) -> list[Rendered]:
    """Each (format, document, path) rendered, checked and staged; results in job order.

    Many entries in all: one forked child renders the RSS documents, another the Atom
    ones, while this process renders the JSON ones (the cheapest), as for a single feed.
    """
    size = sum(len(feed.entries) for _, feed, _ in jobs)
    if size < RENDER_IN_CHILDREN_AT or not can_fork():
        return [render_one(name, feed, output_dir, tag, path) for name, feed, path in jobs]
    names = list(dict.fromkeys(name for name, _, _ in jobs))
    groups = {name: [job for job in jobs if job[0] == name] for name in names}
    with Children() as children:
        forked = [(name, children.start(_job(groups[name], output_dir, tag)))
                  for name in names[:-1]]
        done = {id(job): result for job, result in zip(
            groups[names[-1]], (render_one(n, f, output_dir, tag, p) for n, f, p in groups[names[-1]]),
            strict=True)}
        for name, child in forked:
            done.update(zip((id(job) for job in groups[name]), _collect(name, groups[name], child),
                            strict=True))
    return [done[id(job)] for job in jobs]


def _job(jobs: list[Job], output_dir: Path | None, tag: str) -> Callable[[], Iterable[Rendered]]:
    return lambda: (render_one(name, feed, output_dir, tag, path) for name, feed, path in jobs)


def _collect(name: str, jobs: list[Job], child: Child[Rendered]) -> list[Rendered]:
    try:
        return list(child.items())
    except ChildFailed as failure:
        return [Rendered(name, [CheckFinding(path, 1, 1, "error", "render-failed",
                                             f"rendering failed: {failure}")], path=path)
                for _, _, path in jobs]
