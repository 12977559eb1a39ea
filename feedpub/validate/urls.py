"""Syntax checks for URIs and IRIs (RFC 3986/3987), tag: (RFC 4151) and urn: (RFC 8141)
identifiers, e-mail addresses, MIME media types and language tags.

Each check returns a short problem description, or None when the value is fine, so
the format modules decide the rule id and the severity.
"""

from __future__ import annotations

import ipaddress
import re

from feedpub.languages import ISO_639_1

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# The common case, an ordinary http(s) URL, is settled by this one match: an optional
# userinfo, a reg-name host and at most a 4-digit port (always in range). Anything else
# (an IP literal, a longer port) goes through the authority check below.
_PLAIN_HTTP = re.compile(
    r"https?://(?:[A-Za-z0-9\-._~!$&'()*+,;=:]*@)?[A-Za-z0-9\-._~!$&'()*+,;=]+(?::[0-9]{0,4})?"
    r"(?:[/?#](?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?"
)
# Characters RFC 3986 allows in a URI reference (percent signs are checked separately).
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
# RFC 3986 3.2: after "//", the authority runs to the next "/", "?" or "#".
_AUTHORITY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)")
# RFC 3986 3.2.2: IPvFuture; RFC 6874: an IPv6 zone identifier, "%25" then its name.
_IP_FUTURE = re.compile(r"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+")
_ZONE = re.compile(r"%25(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})+")
_FIRST_SEGMENT = re.compile(r"[^/?#]*")
MAX_PORT = 65535  # TCP, UDP, SCTP and DCCP ports are 16-bit numbers (RFC 6335 6)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_IRI_BAD = re.compile(r"[\x00-\x20\"<>\\^`{|}\x7f-\x9f]")
_TAG = re.compile(
    r"tag:(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?),"
    r"[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?"
    r":[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*"
)
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:\S+", re.IGNORECASE)
_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                   re.IGNORECASE)
# RFC 2822 3.4.1 addr-spec: a dot-atom or a quoted-string ("jo smith"@...) before the "@",
# a dot-atom host name or a domain-literal ([192.0.2.1]) after it.
_ADDR_SPEC = re.compile(
    r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r'|"(?:[\t\x20\x21\x23-\x5b\x5d-\x7e]|\\[\t\x20-\x7e])*")'
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"|\[(?:[\t\x20\x21-\x5a\x5e-\x7e]|\\[\t\x20-\x7e])*\])"
)
# addr-spec, optionally "(Name)" after it (the RSS Best Practices form; an RFC 822
# comment, which may hold one of its own: "(Jane Doe (Editor))"), or an RFC 2822
# name-addr, "Name <addr-spec>".
_RSS_CONTACT = re.compile(
    rf"(?:{_ADDR_SPEC.pattern})(?:\s*\((?:[^()]|\([^()]*\))*\))?"
    rf"|[^<>()]*<(?:{_ADDR_SPEC.pattern})>")
_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
_MIME = re.compile(rf"{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:{_TOKEN}|\"[^\"]*\"))*")
# A 2- or 3-letter ISO 639 primary subtag (or RFC 1766's i-/x- prefixes), then subtags.
_LANGUAGE = re.compile(r"(?:[A-Za-z]{2,3}|[iIxX])(?:-[A-Za-z0-9]{1,8})*")

_SCRIPT_SCHEMES = ("javascript:", "vbscript:")
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20]+")


def script_url(value: str) -> str | None:
    """The scheme of a URL that runs script when followed (``javascript:``, ``vbscript:``),
    or None. Browsers skip leading spaces and control characters and drop tabs and line
    breaks inside a URL (WHATWG URL), so " java\tscript:" counts too."""
    if value[:1] > " " and value[:1] not in "jJvV":  # most URLs: "h" for http(s)
        return None
    squeezed = _IGNORED_BY_BROWSERS.sub("", value[:64]).lower()
    for scheme in _SCRIPT_SCHEMES:
        if squeezed.startswith(scheme):
            return scheme[:-1]
    return None


def link_script(what: str, value: str, scheme: str) -> str:
    """The ``link-script`` message for ``what`` (an element, attribute or member)."""
    shown = value if len(value) <= 60 else value[:59] + "…"
    return (f'{what} "{shown}" is a {scheme}: URL, which runs script instead of opening a '
            "page when a reader or a browser follows it; link to an http(s) URL")


def has_scheme(value: str) -> bool:
    """True when the reference starts with a syntactically valid scheme (is absolute)."""
    return _SCHEME.match(value) is not None


def uri_problem(value: str, *, iri: bool = True, absolute: bool = False) -> str | None:
    """Describe what is wrong with a URI/IRI reference, or return None.

    RSS 2.0 asks for URLs, so it calls this with ``iri=False``: non-ASCII characters
    must then be percent-encoded. Atom and JSON Feed accept IRIs.
    """
    if _PLAIN_HTTP.fullmatch(value) is not None:
        return None
    if value != value.strip():
        return "has leading or trailing white space"
    if not value.isascii():
        if not iri:
            return "contains characters that must be percent-encoded (an IRI, not a URI)"
        if _IRI_BAD.search(value):
            return "contains a character not allowed in an IRI"
    elif _URI_CHARS.fullmatch(value) is None:
        return "contains a character not allowed in a URI"
    if _BAD_PERCENT.search(value):
        return "has a % not followed by two hexadecimal digits"
    authority = _AUTHORITY.match(value)
    if authority is not None:
        problem = _authority_problem(authority.group(1))
        if problem is not None:
            return problem
    if absolute:
        if not has_scheme(value):
            return "is not an absolute URI (it has no scheme)"
        return _scheme_problem(value)
    return _relative_problem(value)


def _relative_problem(value: str) -> str | None:
    """RFC 3986 4.2: a relative path cannot begin with a segment holding ":" (it would
    be taken for a scheme), so "1http://x" or "2024:notes" (no valid scheme before the
    ":") is no URI reference at all; "./2024:notes" is how to write such a path."""
    if has_scheme(value):
        return None
    first = _FIRST_SEGMENT.match(value)
    if first is not None and ":" in first.group():
        return (f'is not a URI reference: "{first.group().partition(":")[0][:40]}" is not a '
                'scheme, and a relative path cannot start with a segment holding ":" '
                "(RFC 3986 4.2)")
    return None


def _authority_problem(authority: str) -> str | None:
    """What is wrong with the user information, host and port of an authority (RFC 3986
    3.2), or None.

    The character checks let "[", "]" and ":" through anywhere, so "http://[::1" (an IP
    literal never closed) and "http://example.org:99999/" (no such port) passed as URLs.
    """
    userinfo, _, hostport = authority.rpartition("@")
    if "@" in userinfo:
        return 'has more than one "@" in its authority (user information cannot hold "@"; write %40)'
    if hostport.startswith("["):
        literal, bracket, port = hostport[1:].partition("]")
        if not bracket:
            return "has an IPv6 address with no closing ] (RFC 3986 3.2.2)"
        if not _ip_literal(literal):
            return f'has "[{literal[:45]}]", which is not an IPv6 address (RFC 3986 3.2.2)'
        if port and not port.startswith(":"):
            return "has something other than :port after its IPv6 address (RFC 3986 3.2)"
        port = port[1:]
    else:
        if "[" in hostport or "]" in hostport:
            return 'has a "[" or "]" outside an IPv6 address (RFC 3986 3.2.2)'
        port = hostport.partition(":")[2]
    return _port_problem(port)


def _ip_literal(literal: str) -> bool:
    """An IPv6 address (with an RFC 6874 zone) or an IPvFuture, as in "[...]"."""
    if _IP_FUTURE.fullmatch(literal) is not None:
        return True
    address, percent, zone = literal.partition("%")
    if percent and _ZONE.fullmatch(percent + zone) is None:
        return False
    if len(address) > 45 or not address.isascii():  # the longest form, ffff:...:255.255.255.255
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def _port_problem(port: str) -> str | None:
    """A port is decimal digits (RFC 3986 3.2.3) naming a 16-bit port number."""
    if not port.isascii() or not port.isdigit():
        return None if not port else f'has port "{port[:20]}", which is not a number (RFC 3986 3.2.3)'
    number = port.lstrip("0")  # *DIGIT: leading zeros are allowed, and a long run of them
    if len(number) > len(str(MAX_PORT)) or int(number or "0") > MAX_PORT:
        return f"has port {port[:20]}, beyond the highest port number, {MAX_PORT}"
    return None


def _scheme_problem(value: str) -> str | None:
    scheme = value[: value.index(":")].lower()
    if scheme in ("http", "https"):
        rest = value[len(scheme) + 1 :]
        if not rest.startswith("//") or len(rest) < 3 or rest[2] in "/?#":
            return f"is not a valid {scheme} URL (no host)"
    elif scheme == "tag":
        if _TAG.fullmatch(value) is None:
            return "is not a valid tag: URI (RFC 4151: tag:authority,YYYY[-MM[-DD]]:specific)"
    elif scheme == "urn":
        if _URN.fullmatch(value) is None:
            return "is not a valid URN (RFC 8141: urn:NID:NSS)"
        if value[:9].lower() == "urn:uuid:" and _UUID.fullmatch(value) is None:
            return "is not a valid urn:uuid: (RFC 4122)"
    return None


def is_addr_spec(value: str) -> bool:
    """A bare e-mail address (RFC 2822 addr-spec), as Atom's email element requires."""
    return _ADDR_SPEC.fullmatch(value) is not None


def rss_contact_problem(value: str) -> str | None:
    """RSS managingEditor/webMaster/author: an e-mail address, optionally "(Name)", or
    "Name <address>" (RFC 2822 name-addr).

    A mailto: URI is also accepted, as the RSS Best Practices Profile notes it is common.
    """
    text = value.strip()
    if text.lower().startswith("mailto:"):
        return uri_problem(text)
    if _RSS_CONTACT.fullmatch(text) is None:
        return "is not an e-mail address, optionally followed by a name in parentheses"
    return None


_VALID_MIME: set[str] = set()


def is_mime_type(value: str) -> bool:
    """A MIME media type, type/subtype with optional parameters (RFC 2045).

    Feeds repeat the same few types thousands of times, so valid ones are remembered.
    """
    if value in _VALID_MIME:
        return True
    if _MIME.fullmatch(value.strip()) is None:
        return False
    if len(_VALID_MIME) < 256:
        _VALID_MIME.add(value)
    return True


def is_language(value: str) -> bool:
    """A language tag (RFC 5646 / RFC 1766 shape): "en", "en-GB", "zh-Hant-TW", "x-klingon".

    A two-letter primary subtag must be an ISO 639-1 code ("zz" is refused); subtags
    after it are taken on their shape. A whole word such as "english" is refused.
    """
    if _LANGUAGE.fullmatch(value) is None:
        return False
    primary = value.split("-", 1)[0].lower()
    return len(primary) != 2 or primary in ISO_639_1
