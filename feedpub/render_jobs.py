"""Render, check and stage every format, on both cores for long feeds.

A feedgen render of 10 000 entries builds an lxml tree of about 90 MiB. Rendering RSS
and Atom in forked children runs them beside the JSON render on the second core and
keeps each tree out of the parent, so the build stays fast and under its memory
budget. Each child checks its own document and stages it (a temporary file beside
the feed); nothing replaces a published feed until every format has passed.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedpub.model import Feed

FORK_THRESHOLD = 2000  # entries; below this a fork costs more than it saves


@dataclass
class Rendered:
    """One format's outcome: its check findings and the staged file, if it changed."""

    name: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    staged: Path | None = None


def render_one(name: str, feed: Feed, output_dir: Path | None, tag: str) -> Rendered:
    from feedpub.formats import FORMATS, render
    from feedpub.output import stage
    from feedpub.validate import validate_bytes

    fmt = FORMATS[name]
    data = render(name, feed)
    outcome = Rendered(name)
    for finding in validate_bytes(data):
        line = (f"{fmt.filename}:{finding.line}:{finding.column}: {finding.severity} "
                f"{finding.rule}: {finding.message}")
        (outcome.errors if finding.severity == "error" else outcome.warnings).append(line)
    if output_dir is not None and not outcome.errors:
        outcome.staged = stage(output_dir / fmt.filename, data, tag)
    return outcome


def _child(connection: Any, name: str, feed: Feed, output_dir: Path | None, tag: str) -> None:
    try:
        connection.send(render_one(name, feed, output_dir, tag))
    except BaseException as error:  # report, never hang the parent
        connection.send(Rendered(name, errors=[f"{name}: rendering failed: {error!r}"]))
    finally:
        connection.close()


def render_all(feed: Feed, output_dir: Path | None, tag: str) -> list[Rendered]:
    """Every format rendered, checked and (when ``output_dir`` is set) staged."""
    from feedpub.formats import FORMATS

    names = list(FORMATS)
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if len(feed.entries) < FORK_THRESHOLD or not forkable:
        return [render_one(name, feed, output_dir, tag) for name in names]
    context = multiprocessing.get_context("fork")
    jobs = []
    for name in names[:-1]:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(send, name, feed, output_dir, tag))
        process.start()
        send.close()
        jobs.append((name, process, receive))
    results = [render_one(names[-1], feed, output_dir, tag)]
    for name, process, receive in jobs:
        results.append(_collect(name, process, receive))
    order = {name: index for index, name in enumerate(names)}
    return sorted(results, key=lambda r: order[r.name])


def _collect(name: str, process: Any, receive: Any) -> Rendered:
    try:
        outcome: Rendered = receive.recv()
    except EOFError:
        outcome = Rendered(name, errors=[f"{name}: the render process died"])
    process.join()
    return outcome
