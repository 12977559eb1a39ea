"""The output formats: one module per format, one contract, one registry.

Each format module exposes ``render(feed: Feed) -> bytes``. Renderers are imported
only when used, so a command that renders nothing never pays for feedgen or lxml.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from feedpub.model import Feed


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    filename: str
    media_type: str
    module: str

    def renderer(self) -> Callable[[Feed], bytes]:
        return importlib.import_module(self.module).render  # type: ignore[no-any-return]


FORMATS: dict[str, Format] = {
    "rss": Format("rss", "rss.xml", "application/rss+xml; charset=utf-8", "feedpub.formats.rss"),
    "atom": Format("atom", "atom.xml", "application/atom+xml; charset=utf-8",
                   "feedpub.formats.atom"),
    "json": Format("json", "feed.json", "application/feed+json; charset=utf-8",
                   "feedpub.formats.jsonfeed"),
}


def render(name: str, feed: Feed) -> bytes:
    return FORMATS[name].renderer()(feed)
