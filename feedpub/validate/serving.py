"""How a feed is served: the HTTP side of ``validate URL``, reported as findings.

What decides whether readers poll a feed cheaply and read it right, each checked
against the response the fetch got and one more request made here:

- the media type (RFC 4287 section 7, RSS's ``application/rss+xml``, JSON Feed's
  ``application/feed+json``) and its charset (RFC 7303 section 3: the charset parameter
  outranks the document's own declaration, so a contradicting one changes the text);
- validators (``ETag``, ``Last-Modified``) and whether a conditional request with them
  gets ``304 Not Modified`` (RFC 9110 section 13), and compression (section 8.4);
- redirects (a permanent one means subscribers should move, section 15.4.2), the
  ``self`` link against the URL fetched, and polling hints (``Cache-Control: max-age``,
  RSS ``ttl``, ``sy:updatePeriod``/``updateFrequency``) shorter than a minute.

Everything here is a warning (a SHOULD in the specifications; readers mostly cope)
except a charset that makes the document read as different text, which is an error.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from feedpub.validate.fetch import PERMANENT, FetchError, Response
from feedpub.validate.findings import ERROR, WARNING, Finding

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    Probe = Callable[[dict[str, str]], Response]

MIN_POLL_SECONDS = 60
COMPRESS_FROM = 1024  # bytes; below this compression saves nothing worth a warning
_XML_GENERIC = frozenset({"application/xml", "text/xml"})
_VAGUE = frozenset({"text/plain", "application/octet-stream", "binary/octet-stream", ""})
_FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml",
               "json": "application/feed+json"}
_GENERIC = {"rss": _XML_GENERIC, "atom": _XML_GENERIC, "json": frozenset({"application/json"})}
_PERIOD_SECONDS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2592000,
                   "yearly": 31536000}
_ATOM = "{http://www.w3.org/2005/Atom}"
_SY = "{http://purl.org/rss/1.0/modules/syndication/}"


def _warn(rule: str, message: str) -> Finding:
    return Finding(WARNING, rule, message, 0, 0)


def check(requested: str, response: Response, kind: str | None, probe: Probe) -> list[Finding]:
    """Findings about how ``requested`` was served (``response``, after redirects)."""
    findings = _redirects(response)
    head = _head(response.body, kind)
    findings += _media_type(response, kind)
    findings += _charset(response, kind)
    findings += _caching(response, probe)
    findings += _self_link(requested, response, head.get("self"))
    findings += _polling(response, head)
    return findings


# --- redirects ----------------------------------------------------------------------


def _redirects(response: Response) -> list[Finding]:
    findings = []
    for hop in response.redirects:
        if hop.status in PERMANENT:
            findings.append(_warn(
                "http-redirect-permanent",
                f"{hop.url} redirects permanently ({hop.status}) to {hop.location}: subscribers "
                f"should update to {response.url}, and the feed's self link should name it"))
        else:
            findings.append(_warn(
                "http-redirect-temporary",
                f"{hop.url} redirects temporarily ({hop.status}) to {hop.location}: every poll "
                "pays an extra request, and readers keep the old URL"))
    return findings


# --- media type and charset ---------------------------------------------------------


def _content_type(response: Response) -> tuple[str, str | None]:
    """(media type, charset parameter or None), both as sent, the type lower-cased."""
    header = response.headers.get("Content-Type")
    if header is None:
        return "", None
    kind = header.split(";", 1)[0].strip().lower()
    charset = response.headers.get_param("charset", header="Content-Type")
    return kind, charset if isinstance(charset, str) else None


def _media_type(response: Response, kind: str | None) -> list[Finding]:
    if kind is None:
        return []
    from feedpub.formats import FORMATS

    preferred = FORMATS[kind].media_type.split(";")[0]
    media, _ = _content_type(response)
    if media == preferred or media in _GENERIC[kind]:
        return []
    label = "no Content-Type" if not media else f'Content-Type "{media}"'
    if media in _VAGUE:
        return [_warn("http-media-type-vague",
                      f"the feed is served with {label}, which does not say it is a feed; "
                      f"serve it as {preferred}")]
    xml = media.endswith(("+xml", "/xml"))
    if kind != "json" and xml and media not in _FEED_TYPES.values():
        return [_warn("http-media-type-vague",
                      f"the feed is served with {label}, an XML type that does not say it is "
                      f"this feed format; serve it as {preferred}")]
    return [_warn("http-media-type-wrong",
                  f"the feed is served with {label}, which says it is not {_NAMES[kind]}: "
                  f"readers that trust the header ({'a web page' if 'html' in media else 'another format'}) "
                  f"will not read it as a feed; serve it as {preferred}")]


_NAMES = {"rss": "an RSS feed", "atom": "an Atom feed", "json": "a JSON Feed"}


def _charset(response: Response, kind: str | None) -> list[Finding]:
    media, charset = _content_type(response)
    if kind is None or not media:
        return []
    if charset is None:
        if media.startswith("text/"):
            return [_warn("http-charset-missing",
                          f"Content-Type {media} has no charset, so by RFC 2046 it defaults to "
                          'US-ASCII whatever the document says; add "; charset=utf-8" (or the '
                          "document's encoding)")]
        return []
    return _charset_against_document(response.body, charset, kind)


def _charset_against_document(body: bytes, charset: str, kind: str) -> list[Finding]:
    served = _codec(charset.strip().strip("'\""))
    if served is None or charset != charset.strip().strip("'\""):
        return [_warn("http-charset-mismatch",
                      f'the HTTP charset "{charset}" is not a charset name readers know '
                      "(HTTP quotes with double quotes only)")]
    declared = _document_encoding(body, kind)
    if served == declared:
        return []
    as_served = _decoded(body, served)
    if as_served is not None and as_served == _decoded(body, declared):
        return [_warn("http-charset-mismatch",
                      f'the HTTP charset "{charset}" contradicts the document\'s {declared}; the '
                      "text reads the same either way here, but make them agree")]
    return [Finding(ERROR, "http-charset-mismatch",
                    f'the HTTP charset "{charset}" contradicts the document\'s {declared}, and the '
                    "HTTP charset wins (RFC 7303 3): readers that follow it get different text; "
                    "make them agree", 0, 0)]


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _document_encoding(body: bytes, kind: str) -> str:
    """The encoding the document itself says (BOM, XML declaration), UTF-8 by default."""
    from feedpub.validate.xmlsafe import bom_encoding, declared_encoding

    bom = bom_encoding(body)
    named = declared_encoding(body) if kind != "json" and bom is None else None
    return _codec(bom or named or "utf-8") or "utf-8"


def _decoded(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec).lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError):
        return None


# --- conditional requests and compression -------------------------------------------


def _caching(response: Response, probe: Probe) -> list[Finding]:
    findings = []
    if response.compressed is None and len(response.body) >= COMPRESS_FROM:
        findings.append(_warn(
            "http-compression-missing",
            f"the server sent {len(response.body):,} bytes uncompressed although the request "
            "accepted gzip; compressing feeds saves most of every poll"))
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    if modified is not None and _http_date(modified) is None:
        findings.append(_warn(
            "http-last-modified-invalid",
            f'Last-Modified "{modified[:60]}" is not an HTTP date, so readers cannot send it back'))
        modified = None
    if etag is None and modified is None:
        findings.append(_warn(
            "http-validator-missing",
            "the response has no ETag and no Last-Modified, so readers cannot ask \"has it "
            "changed?\" and download the whole feed on every poll"))
        # Some servers still honour If-Modified-Since (against the file's time): try the
        # response's own Date, so a server that ignores conditional requests is named too.
        date = response.headers.get("Date")
        since = date if date is not None and _http_date(date) is not None else formatdate(usegmt=True)
        findings += _conditional(None, since, probe)
        return findings
    findings += _conditional(etag, modified, probe)
    return findings


def _http_date(value: str) -> object | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _conditional(etag: str | None, modified: str | None, probe: Probe) -> list[Finding]:
    headers = {}
    if etag is not None:
        headers["If-None-Match"] = etag
    if modified is not None:
        headers["If-Modified-Since"] = modified
    asked = " and ".join(headers)
    try:
        status = probe(headers).status
    except FetchError as exc:
        return [_warn("http-conditional-ignored",
                      f"a second request with {asked} got no usable answer ({exc}); a reader "
                      "polling this way may never get the cheap 304")]
    if status == 304:
        return []
    return [_warn("http-conditional-ignored",
                  f"a second request with {asked} ({', '.join(headers.values())}) got {status}, "
                  "not 304 Not Modified: every poll downloads the whole feed again")]


# --- self link and polling hints ----------------------------------------------------


def _head(body: bytes, kind: str | None) -> dict[str, str]:
    """The self URL and polling hints from the feed's head (before the first item)."""
    if kind == "json":
        return _json_head(body)
    if kind not in ("rss", "atom"):
        return {}
    from lxml import etree

    from feedpub.validate.xmlsafe import PARSER_OPTIONS, too_many_elements

    head: dict[str, str] = {}
    if too_many_elements(body):
        # Refused by the validator, and iterparse keeps every element it reads: 48 MB of
        # "<x/>" in a channel took 14 s and 1.6 GB by URL, against 0.3 s and 66 MB on disk.
        return head
    try:
        for event, el in etree.iterparse(io.BytesIO(body), events=("start", "end"),
                                         **PARSER_OPTIONS):
            tag = el.tag if isinstance(el.tag, str) else ""
            local = tag.rpartition("}")[2]
            if event == "start":
                if local in ("item", "entry") and el.getparent() is not None:
                    break
                continue
            _head_element(el, tag, local, head)
    except etree.XMLSyntaxError:
        pass
    return head


def _head_element(el: Any, tag: str, local: str, head: dict[str, str]) -> None:
    if tag == _ATOM + "link" and el.get("rel") == "self" and "self" not in head:
        href = el.get("href", "")
        head["self"] = _join(el.base, href) if el.base else href  # xml:base, if any
    elif tag in ("ttl", _SY + "updatePeriod", _SY + "updateFrequency"):
        head[local] = (el.text or "").strip()


def _json_head(body: bytes) -> dict[str, str]:
    """The feed_url of a JSON Feed, read only from a document the validator will check.

    Past the validator's limit on objects and arrays the document is refused anyway,
    and parsing it here built them all: 48 MB of "{}, " peaked near 1 GB by URL,
    against 110 MB for the same file on disk.
    """
    import json

    from feedpub.validate.jsonfeed import too_many_containers

    try:
        text = body.decode("utf-8-sig")
        if too_many_containers(body, text):
            return {}
        feed = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    url = feed.get("feed_url") if isinstance(feed, dict) else None
    return {"self": url} if isinstance(url, str) else {}


def _join(base: str, reference: str) -> str:
    """``reference`` resolved against ``base``, or as written when urllib cannot split
    either (a port that is not a number from 0 to 65535, an unclosed "[": ValueError):
    both come from the feed, and such a URL is compared as it is."""
    try:
        return urljoin(base, reference)
    except ValueError:
        return reference


def _normal(url: str) -> str:
    """A URL for comparison: scheme and host lower-cased, default port and empty path gone.

    A URL urllib cannot split (see :func:`_join`) is kept as written: it names no URL
    that can be fetched, so it never equals the one that was.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _self_link(requested: str, response: Response, self_url: str | None) -> list[Finding]:
    if not self_url:
        return []
    resolved = _join(response.url, self_url)
    if _normal(resolved) == _normal(response.url):
        return []
    if response.redirects and _normal(resolved) == _normal(requested):
        return [_warn("http-self-mismatch",
                      f"the feed's self link is {self_url}, which redirects to {response.url}: "
                      "name the final URL, so readers that follow the self link skip the redirect")]
    return [_warn("http-self-mismatch",
                  f"the feed's self link is {self_url}, not the URL fetched ({response.url}); "
                  "readers that trust the self link will poll the other one")]


def _polling(response: Response, head: dict[str, str]) -> list[Finding]:
    findings = []
    max_age = _max_age(response.headers.get("Cache-Control", ""))
    if max_age is not None and max_age < MIN_POLL_SECONDS:
        findings.append(_warn(
            "http-poll-too-often",
            f"Cache-Control max-age={max_age} lets readers poll more often than once a minute; "
            "a feed rarely changes that fast (60 s or more spares the server)"))
    ttl = _whole_number(head.get("ttl", ""))
    if ttl is not None and ttl < 1:
        findings.append(_warn(
            "http-poll-too-often",
            f"<ttl>{head['ttl']}</ttl> tells readers they may poll more often than once a minute"))
    period = _PERIOD_SECONDS.get(head.get("updatePeriod", "daily"))
    frequency = _whole_number(head.get("updateFrequency", "1"))
    if period and frequency and period / frequency < MIN_POLL_SECONDS:
        findings.append(_warn(
            "http-poll-too-often",
            f"sy:updatePeriod and sy:updateFrequency ask for an update every "
            f"{period / frequency:g} s, more often than once a minute"))
    return findings


_LARGE = 10**18  # more seconds, minutes or updates than any comparison here cares about


def _whole_number(text: str) -> int | None:
    """A string of ASCII digits as a number (``_LARGE`` past it), else None.

    Not ``isdigit()`` and ``int()``: "²" is a digit to the one and not to the other, and
    int() refuses more than 4,300 digits; both raised ValueError on what a feed or a
    server sent.
    """
    if not text.isascii() or not text.isdigit():
        return None
    digits = text.lstrip("0")
    return int(digits or "0") if len(digits) <= 18 else _LARGE


def _max_age(header: str) -> int | None:
    for directive in header.split(","):
        name, _, value = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            seconds = _whole_number(value.strip().strip('"'))
            if seconds is not None:
                return seconds
    return None
