"""Small text rules shared by the config and entry readers (no third-party imports).

Kept apart so the cheap config path, the entry parser and the HTML sanitizer apply the
very same rule, and the cron no-op path never imports the Markdown stack to get it:

- ``forbidden_character``: what XML 1.0 (or the page's HTML) cannot carry;
- ``quoted``: the ONE way a message shows a value a user wrote (short, one line);
- ``public_url``: the ONE scheme allowlist every URL that reaches a feed passes;
- ``is_language_tag``, ``uri_segment``, ``unknown_key_hint``: shapes and hints.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from feedpub.languages import ISO_639_1

# XML 1.0 allows TAB, LF, CR and everything from U+0020 except U+FFFE/U+FFFF and surrogates.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# What XML 1.0 allows but HTML forbids (html5lib's "invalid-codepoint", so the page's
# check would refuse the whole build): DEL and the C1 controls (U+0092 and its kin are
# mostly Windows-1252 quotes read as Latin-1) and the non-characters.
HTML_FORBIDDEN = re.compile("[\x7f-\x9f\ufdd0-\ufdef"
                            + "".join(f"{chr(p | 0xFFFE)}{chr(p | 0xFFFF)}"
                                      for p in range(0x10000, 0x110000, 0x10000)) + "]")
_HTML_FORBIDDEN_BMP = re.compile("[\x7f-\x9f\ufdd0-\ufdef]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def html_forbidden(text: str) -> re.Match[str] | None:
    """``HTML_FORBIDDEN.search(text)``, ten times faster on most text: a character class
    with astral characters costs ``re`` 40 ms a megabyte (a cold build of 10 000 entries
    spent 0.85 s on it), one of BMP ranges 4 ms, and the astral non-characters can only
    be in text that has astral characters at all."""
    if text.isascii():
        return _HTML_FORBIDDEN_BMP.search(text) if "\x7f" in text else None
    if _ASTRAL.search(text) is not None:
        return HTML_FORBIDDEN.search(text)
    return _HTML_FORBIDDEN_BMP.search(text)


def character_problem(char: str) -> str:
    """What is wrong with ``char``, one XML_FORBIDDEN or HTML_FORBIDDEN matches:
    completes "contains …" or "stands for …"."""
    point = ord(char)
    if XML_FORBIDDEN.match(char):
        return f"the control character U+{point:04X}, which XML 1.0 forbids"
    kind = "control character" if point <= 0x9F else "non-character"
    return f"the {kind} U+{point:04X}, which HTML forbids"


def forbidden_character(text: str) -> tuple[int, str] | None:
    """(offset, message) of the first character XML 1.0 or HTML (the page) forbids, or None."""
    found = XML_FORBIDDEN.search(text) or html_forbidden(text)
    if found is None:
        return None
    return found.start(), f"contains {character_problem(found[0])}; delete it"


def shown_path(path: Path, root: Path | None) -> str:
    """``path`` as the user knows it: relative to the blog's folder when inside it."""
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)


# ---------------------------------------------------------------------------------------
# Showing user input in a message

QUOTE_LIMIT = 60  # characters of a quoted string; a message stays one readable line
# Patterns only needed on the way to a message, or for rare input, are plain strings:
# re compiles (and caches) them on first use, so the every-minute run never pays for them.
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]"
_PLAIN_KEY = r"[A-Za-z0-9_.-]{1,40}"
_LARGEST_SHOWN_NUMBER = 10**18


def one_line(text: str) -> str:
    """``text`` with line breaks and control characters written as ``\\u`` escapes
    (``\\u000a`` for a line feed), so a message stays on one line."""
    if re.search(_UNPRINTABLE, text) is None:
        return text
    return re.sub(_UNPRINTABLE, lambda m: f"\\u{ord(m[0]):04x}", text)


def shown_key(key: object) -> str:
    """A key or field name for a message: as written when plain, else quoted (one line)."""
    return key if isinstance(key, str) and re.fullmatch(_PLAIN_KEY, key) else quoted(key)


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """The one way a message shows a value a user wrote: short, on one line, never expanded.

    A string is shown in double quotes, cut after ``limit`` characters, with control
    characters escaped; anything else is named by its kind ("a list"). Formatting a
    hostile value in full is how 529 bytes of YAML aliases once took a gigabyte
    (issue #11.4), and how a list nested 999 deep ended in a RecursionError.
    """
    if isinstance(value, str):
        cut = value if len(value) <= limit else value[:limit] + "…"
        return f'"{one_line(cut)}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "an empty value"
    if isinstance(value, int):
        return str(value) if abs(value) < _LARGEST_SHOWN_NUMBER else "a very large number"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a table of keys and values"
    if isinstance(value, bytes | bytearray):
        return "binary data"
    return f"a value of type {type(value).__name__}"


# ---------------------------------------------------------------------------------------
# URLs

WEB_SCHEMES = frozenset({"http", "https"})
LINK_SCHEMES = WEB_SCHEMES | {"mailto"}  # only where a link is followed by a person (a href)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_WHITE_CONTROLS = "\t\n\r\x7f"  # the controls XML allows but a URL may not hold


class RefusedUrl(ValueError):
    """Why a URL may not reach a feed; the message completes ``<field>: ``."""


def public_url(value: str, *, base: str | None = None, mailto: bool = False) -> str:
    """``value`` as an absolute URL a feed may carry, or RefusedUrl saying why.

    The ONE allowlist for every URL that reaches output, from the config, the front
    matter and the HTML of a body alike: http and https (and mailto where ``mailto``
    says a link allows it); a host; no ``user:password@`` (a feed is public); no control
    characters. A relative reference is resolved against ``base`` (a URL the caller
    checked with this function); without a base it is refused. Anything else,
    ``javascript:`` and ``data:`` first, is refused, whatever its case or spaces around.
    """
    if XML_FORBIDDEN.search(value) or any(c in value for c in _WHITE_CONTROLS):
        raise RefusedUrl(f"{quoted(value)} contains a control character; delete it")
    url = value.strip()
    if base is not None and not url.startswith(("https://", "http://", "mailto:")):
        try:
            url = urljoin(base, url)
        except ValueError:
            raise RefusedUrl(f"{quoted(value)} is not a valid URL") from None
    scheme = _SCHEME.match(url)
    allowed = LINK_SCHEMES if mailto else WEB_SCHEMES
    if scheme is None or scheme[0][:-1].lower() not in allowed:
        kind = "an http(s) or mailto: URL" if mailto else \
            "an http(s) URL" if base is not None else "an absolute http(s) URL"
        raise RefusedUrl(f"{quoted(value)} is not {kind}")
    if scheme[0][:-1].lower() == "mailto":
        return url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        host = parts.hostname
    except ValueError:
        raise RefusedUrl(f"{quoted(value)} is not a valid URL") from None
    if "@" in parts.netloc:
        raise RefusedUrl("contains a user name or password (the part before @), which every "
                         "reader of the feed would see; remove it")
    if not host:
        raise RefusedUrl(f"{quoted(value)} has no host name; use e.g. https://example.org/live")
    return url


# What RFC 3986 lets a URI hold (RSS asks for URIs: an IRI's other characters must be
# percent-encoded), and what may stand between "//" and the path.
_URI_TEXT = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_URI_SAFE = "-._~:/?#[]@!$&'()*+,;="
_NETLOC = r"[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]]+"


def as_uri(url: str) -> str:
    """``url`` (an http(s) URL ``public_url`` accepted) with what a URI cannot hold encoded.

    RFC 3987 section 3.1: the host in IDNA (``bücher.example`` → ``xn--bcher-kva.example``),
    the rest in UTF-8 percent-escapes (``/ü`` → ``/%C3%BC``); a ``%`` that starts no
    escape becomes ``%25``. A plain ASCII URL, nearly every one, comes back unchanged.
    """
    if _URI_TEXT.fullmatch(url) and not _LONE_PERCENT.search(url):
        return url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (ValueError, UnicodeError):
        raise RefusedUrl(f"{quoted(url)} has a host name that cannot be written in a URL") from None
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port is not None else ""
    if not re.fullmatch(_NETLOC, netloc):
        raise RefusedUrl(f"{quoted(url)} has a host name that cannot be written in a URL")

    def encoded(part: str) -> str:
        return _LONE_PERCENT.sub("%25", quote(part, safe=_URI_SAFE + "%"))

    return urlunsplit((parts.scheme, netloc, encoded(parts.path), encoded(parts.query),
                       encoded(parts.fragment)))


# RFC 4151 (tag:) and RFC 8141 (urn:) in full, as feed checks read them.
_TAG_URI = re.compile(
    r"tag:(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[A-Za-z0-9._-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?),"
    r"[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?:.*", re.S)
_URN = r"(?i)urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:\S+"
_UUID_URN = r"(?i)urn:uuid:[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
TAG_EXAMPLE = '"tag:example.org,2024-12-07:blog/"'


def identifier_problem(value: str) -> str | None:
    """What keeps ``value`` from being an entry or feed id every format accepts, or None.

    Any scheme will do (an id is compared, never followed), but the characters must be
    a URI's, and the schemes with a grammar of their own must follow it: ``tag:`` needs
    ``tag:<domain or email>,<date>:``, ``urn:`` a namespace of two letters or more, and
    http(s) a host and no password.
    """
    if not _SCHEME.match(value):
        return "is not a URI (it has no scheme such as tag: or https:)"
    if not _URI_TEXT.fullmatch(value) or _LONE_PERCENT.search(value):
        return "contains a character a URI cannot hold; percent-encode it (a space is %20)"
    scheme = value[: value.index(":")].lower()
    if scheme == "tag" and not _TAG_URI.fullmatch(value):
        return (f"is not a complete tag: URI; use e.g. {TAG_EXAMPLE} (a domain or email, a "
                "comma, a date, a colon)")
    if scheme == "urn" and (not re.fullmatch(_URN, value) or (
            value[:9].lower() == "urn:uuid:" and not re.fullmatch(_UUID_URN, value))):
        return "is not a complete urn: URI (urn:<namespace>:<name>, or urn:uuid:<a UUID>)"
    if scheme in WEB_SCHEMES:
        try:
            public_url(value)
        except RefusedUrl:
            return "is not an http(s) URL with a host name (and without a password)"
    return None


# The characters of a URI path segment or fragment left as they are (RFC 3986 pchar,
# plus "/" and "?"); "%" stays only where it already starts an escape.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@/?"
_PLAIN_SEGMENT = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def uri_segment(text: str) -> str:
    """``text`` percent-encoded (as UTF-8) for a URI path, ``tag:`` specific or fragment.

    Plain ASCII names (``0012-homs``) come back unchanged, so the ids and links feedpub
    has always made stay the same; ``homs update`` becomes ``homs%20update``. Bytes of
    a file name that is not UTF-8 are encoded as they are on disk.
    """
    if re.fullmatch(_PLAIN_SEGMENT, text):
        return text
    encoded = quote(text, safe=_SEGMENT_SAFE + "%", errors="surrogateescape")
    return _LONE_PERCENT.sub("%25", encoded)


# ---------------------------------------------------------------------------------------
# Shapes and hints

# RFC 5646 "langtag" (language with extlangs, script, region, variants, extensions,
# private use), private-use-only tags and the irregular "i-" tags. The language part
# is two or three letters: the reserved 4-8 letter form is refused, as feed checks do.
_LANGUAGE_TAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"
    r"|[xX](?:-[A-Za-z0-9]{1,8})+"
    r"|[iI]-[A-Za-z]{3,8})"
)

# RFC 5646 2.2.8's irregular grandfathered tags that fit no langtag shape (the "i-" ones
# are matched above); valid tags, and accepted by the feed check.
_IRREGULAR_TAGS = frozenset({"en-gb-oed", "sgn-be-fr", "sgn-be-nl", "sgn-ch-de"})


def is_language_tag(value: str) -> bool:
    """A BCP 47 tag such as ``en``, ``en-GB`` or ``zh-Hant-TW`` (not "english", not "zz").

    Well-formed (RFC 5646), and a two-letter language is an ISO 639-1 code, as feed
    checks require; the other subtags are taken on their shape.
    """
    simple = len(value) == 2 or (len(value) == 5 and value[2] == "-" and value[3:].isalpha())
    if simple and value.isascii() and value[:2].isalpha():  # "en", "en-GB": no regex needed
        return value[:2].lower() in ISO_639_1
    if re.fullmatch(_LANGUAGE_TAG, value) is None:
        return value.lower() in _IRREGULAR_TAGS
    primary = value.split("-", 1)[0].lower()
    return len(primary) != 2 or primary in ISO_639_1


_CREDENTIAL = r"(?i)pass|secret|token|credential|api.?key|private.?key"


def closest(word: str, known: list[str] | tuple[str, ...] | frozenset[str]) -> str | None:
    """The known name ``word`` is most likely a typo of, for "did you mean …?"."""
    import difflib  # only on the way to an error

    found = difflib.get_close_matches(word, sorted(known), n=1)
    return found[0] if found else None


def credential_hint(key: str) -> str | None:
    """Where a secret belongs, when ``key`` looks like one (``password``, ``api_token``…)."""
    if not re.search(_CREDENTIAL, key):
        return None
    env = "passphrase_env" if "phrase" in key.lower() else "password_env"
    return ("looks like a credential, which never goes in this file; put it in an "
            f"environment variable and give that variable's name as {env} in [upload]")


def unknown_key_message(key: str, known: tuple[str, ...], prefix: str = "") -> str:
    """"unknown key; did you mean …?", or where a credential belongs when it looks like one."""
    hint = credential_hint(key) if not key.endswith("_env") else None
    if hint:
        return f"unknown key; {hint}"
    close = closest(key, known)
    if close:
        return f"unknown key; did you mean {prefix}{close}?"
    return f"unknown key; the known keys are {', '.join(prefix + k for k in known)}"
