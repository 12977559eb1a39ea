"""Assembling the Feed: config + entries → the model, ordered, limited and maybe closed.

Pure: no files, no clock. The feed's times come from its entries, so the same inputs
always give the same Feed and therefore the same bytes.
"""

from __future__ import annotations

import html
from datetime import datetime

from feedpub import program
from feedpub.catalogue import closing_words
from feedpub.config import SiteConfig
from feedpub.errors import EntryProblem
from feedpub.formats import FORMATS
from feedpub.model import Closing, Entry, Feed, MediaFile, Page
from feedpub.tuning import PAGE_UPDATES

CLOSED_TTL_MINUTES = 1440  # a finished feed changes at most once a day (corrections)


def closing_id(config: SiteConfig) -> str:
    """The closing item's id: the same in every format and on every rebuild."""
    return f"{config.id_base}closed"


def build_closing(config: SiteConfig) -> Closing | None:
    """The closing item; words the config does not set come in the blog's language."""
    closed = config.closed
    if closed is None:
        return None
    words = closing_words(config.language)
    href = html.escape(closed.continued_at, quote=True)
    body = (
        f"<p>{html.escape(closed.message or words.message)}</p>"
        f'<p><a href="{href}">{html.escape(closed.link_text or words.link_text)}</a></p>'
    )
    return Closing(id=closing_id(config), title=closed.title or words.title, content_html=body,
                   continued_at=closed.continued_at, at=closed.at,
                   message=closed.message or words.message)


def newest_time(entries: list[Entry]) -> datetime | None:
    return max((max(e.published, e.updated) for e in entries), default=None)


def after_closing(config: SiteConfig, entries: list[Entry]) -> list[EntryProblem]:
    """A closed blog stays closed: each entry dated after the closing is refused."""
    closed = config.closed
    if closed is None:
        return []
    return [EntryProblem(e.source, "published", "is after the blog was closed "
                         f"({closed.at.isoformat()}); run '{program.command('reopen')}' first "
                         "or date the entry before the closing")
            for e in entries if e.published > closed.at]


def assemble_feed(config: SiteConfig, entries: list[Entry], *, media: tuple[MediaFile, ...] = (),
                  template: tuple[str, str] | None = None) -> Feed:
    """The Feed to render: newest first, limited while live, complete once closed.

    ``entries`` are those to publish (the caller has left out the ones ``after_closing``
    refuses). A blog with none yet is a valid, empty feed whose ``updated`` is unknown.
    ``media`` are the files published beside the feeds; ``template`` is the user's page
    template as (name, text), read by the caller.
    """
    ordered = sorted(entries, key=lambda e: (e.published, e.id), reverse=True)
    closing = build_closing(config)
    if closing is None and config.item_limit:
        ordered = ordered[: config.item_limit]
    newest = newest_time(ordered)
    updated = max(newest, closing.at) if closing and newest else (closing.at if closing else newest)
    return Feed(
        id=f"{config.id_base}feed",
        title=config.title,
        description=config.description,
        home_page_url=config.home_page_url,
        self_urls={name: config.feed_url(f.filename) for name, f in FORMATS.items()},
        updated=updated,
        entries=tuple(ordered),
        language=config.language,
        authors=config.authors,
        icon=config.icon,
        logo=config.logo,
        hubs=config.hubs,
        closing=closing,
        ttl_minutes=CLOSED_TTL_MINUTES if closing else config.ttl,
        itunes_complete=config.itunes_complete and closing is not None,
        media=media,
        page=_page(config, entries, template) if config.html else None,
    )


def _page(config: SiteConfig, entries: list[Entry], template: tuple[str, str] | None) -> Page:
    name, text = template if template else ("", None)
    return Page(zone=config.timezone, feeds_url=config.feeds_url,
                started=min((e.published for e in entries), default=None), template=text, template_name=name,
                limit=PAGE_UPDATES)
