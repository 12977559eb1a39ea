"""One Cache-Control policy for every target and for the docs (feedpub/upload/headers.py)."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from feedpub.upload.headers import cache_control, content_type, file_meta, is_immutable

UPLOAD_DOC = (ROOT / "docs" / "upload.md").read_text(encoding="utf-8")
SCALING_DOC = (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "closed", "ttl", "expected"),
    [
        ("rss.xml", False, 5, "public, max-age=300"),
        ("feed.json", False, 1, "public, max-age=60"),
        ("style.xsl", False, 15, "public, max-age=900"),
        ("atom.xml", True, 5, "public, max-age=86400"),
        ("archive/2024-12-07-1.xml", False, 5, "public, max-age=31536000, immutable"),
        ("archive/2024-12-07-1.xml", True, 5, "public, max-age=31536000, immutable"),
        ("archive.xml", False, 5, "public, max-age=300"),  # a file named archive is not a page
    ],
)
def test_cache_control_follows_the_blog_state(name: str, closed: bool, ttl: int, expected: str) -> None:
    assert cache_control(name, closed=closed, ttl_minutes=ttl) == expected


def test_immutable_means_a_page_under_archive() -> None:
    assert is_immutable("archive/page-2.json") and not is_immutable("rss.xml")
    assert not is_immutable("archive") and not is_immutable("old/archive/x.xml")


def test_content_types_carry_utf8() -> None:
    assert content_type("rss.xml") == "application/rss+xml; charset=utf-8"
    assert content_type("atom.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("feed.json") == "application/feed+json; charset=utf-8"
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("logo.png") == "image/png"  # a media file, typed by the registry
    assert content_type("notes.bin") == "application/octet-stream"
    meta = file_meta("rss.xml", closed=True, ttl_minutes=5)
    assert (meta.content_type, meta.cache_control) == ("application/rss+xml; charset=utf-8",
                                                       "public, max-age=86400")


def test_the_docs_quote_the_policy() -> None:
    """docs/upload.md's web server snippets and docs/scaling.md use exactly these values."""
    live = cache_control("rss.xml", closed=False, ttl_minutes=5)
    closed = cache_control("rss.xml", closed=True, ttl_minutes=5)
    immutable = cache_control("archive/p.xml", closed=False, ttl_minutes=5)
    for doc in (UPLOAD_DOC, SCALING_DOC):
        for value in (live, closed, immutable):
            assert f'"{value}"' in doc or f"`{value}`" in doc, value
    nginx = re.search(r"```nginx\n(.*?)```", UPLOAD_DOC, re.S)
    assert nginx
    active = "\n".join(line for line in nginx[1].splitlines() if not line.lstrip().startswith("#"))
    assert set(re.findall(r'Cache-Control "([^"]+)"', active)) == {live, immutable}  # while live
    archive = active[active.index("/feeds/archive/ {"):]
    assert set(re.findall(r'Cache-Control "([^"]+)"', archive)) == {immutable}  # archive pages
