"""What each uploaded file is served with: its Content-Type and its Cache-Control.

One policy for every target that can carry headers (S3 stores and serves them; WebDAV
sends them with the PUT) and for the documentation (docs/upload.md's nginx snippet and
docs/scaling.md quote these values; tests/test_upload_headers.py checks they agree):

- **live** blog: ``public, max-age=<ttl × 60>``. The feeds say "poll every ``ttl``
  minutes" (RSS ``<ttl>``); a cache that keeps a copy just as long serves at most one
  poll interval of staleness, and a CDN asks the origin at most once per interval.
- **closed** blog: ``public, max-age=86400``. Nothing changes any more except by a
  ``reopen``, so a day of caching costs at most a day's delay if that ever happens.
- **immutable** pages: ``public, max-age=31536000, immutable``. Full archive pages
  (files under ``archive/``, once the archive work writes them) never change after
  they are written, so caches may keep them for a year and browsers need not even
  revalidate. Only *full* pages may be written there: a page still growing must live
  elsewhere, or readers would keep its first version for a year.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from feedpub.formats import content_type as registry_content_type
from feedpub.upload.base import FileMeta

CLOSED_MAX_AGE = 86_400  # one day
IMMUTABLE_MAX_AGE = 31_536_000  # one year, the longest RFC 9111 caches are asked to honour
IMMUTABLE_FOLDER = "archive"  # full archive pages, written once and never changed

OTHER_TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xsl": "application/xslt+xml; charset=utf-8",
}


def is_immutable(name: str) -> bool:
    """True for a full archive page: any file under ``archive/`` of the feeds folder."""
    parts = PurePosixPath(name).parts
    return len(parts) > 1 and parts[0] == IMMUTABLE_FOLDER


def cache_control(name: str, *, closed: bool, ttl_minutes: int) -> str:
    """The Cache-Control value for file ``name`` (relative to the feeds folder)."""
    if is_immutable(name):
        return f"public, max-age={IMMUTABLE_MAX_AGE}, immutable"
    if closed:
        return f"public, max-age={CLOSED_MAX_AGE}"
    return f"public, max-age={ttl_minutes * 60}"


def content_type(name: str) -> str:
    """The Content-Type of file ``name`` (relative to the output folder): the registry's for
    the page, the feeds, their archive pages and media files, else by suffix."""
    known = registry_content_type(name)
    if known is not None:
        return known
    return OTHER_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def file_meta(name: str, *, closed: bool, ttl_minutes: int) -> FileMeta:
    """Both headers of one file, as every target receives them."""
    return FileMeta(content_type(name), cache_control(name, closed=closed, ttl_minutes=ttl_minutes))
