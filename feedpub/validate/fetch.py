"""Fetching a feed by URL for ``publish.py validate URL``.

Only imported when a source is a URL, so validating files never pays for requests.
Redirects are followed by hand, so that a redirect to a non-http(s) scheme (file:,
ftp:, gopher:...) is refused, and the body is read in chunks so that a huge or
endless response stops at the size cap.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 5
CHUNK = 64 * 1024


class FetchError(Exception):
    """A URL could not be fetched as a feed; the message is one line for the user."""


def is_url(source: str) -> bool:
    """True for http:// and https:// sources (anything else is a path)."""
    return source.lower().startswith(("http://", "https://"))


def fetch(url: str, *, max_bytes: int, timeout: float = 15.0) -> bytes:
    """GET ``url`` and return the body; raise :class:`FetchError` on any failure."""
    import requests

    headers = {"User-Agent": "feedpub-validate/0.1", "Accept": "application/rss+xml, "
               "application/atom+xml, application/feed+json, application/xml, */*;q=0.5"}
    with requests.Session() as session:
        session.trust_env = False  # no proxies or netrc credentials from the environment
        for _ in range(MAX_REDIRECTS + 1):
            _check_scheme(url)
            try:
                response = session.get(url, headers=headers, timeout=timeout, stream=True,
                                       allow_redirects=False)
            except requests.RequestException as exc:
                raise FetchError(f"cannot fetch: {type(exc).__name__}: {exc}") from exc
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code >= 400:
                    raise FetchError(f"cannot fetch: HTTP {response.status_code} from {url}")
                return _read_capped(response, max_bytes)
    raise FetchError(f"cannot fetch: more than {MAX_REDIRECTS} redirects")


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"refusing to follow a redirect to a {scheme or 'relative'}: URL ({url})")


def _read_capped(response: object, max_bytes: int) -> bytes:
    import requests

    declared = response.headers.get("Content-Length", "")  # type: ignore[attr-defined]
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"cannot fetch: {declared} bytes is over the {max_bytes}-byte limit")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK):  # type: ignore[attr-defined]
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"cannot fetch: the response is over the {max_bytes}-byte limit")
    except requests.RequestException as exc:
        raise FetchError(f"cannot fetch: {type(exc).__name__}: {exc}") from exc
    return bytes(body)
