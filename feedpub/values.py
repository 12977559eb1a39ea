"""User input typed at one boundary: every value of the front matter and of the config.

YAML and TOML hand us whatever a person (or an attacker) wrote: any type, any size,
any nesting, any character once escapes are decoded. Each reader here takes such a
raw value and returns a typed one, or raises ``Invalid`` with a message that completes
``<field>: `` on one line. Every string is checked for characters XML 1.0 forbids
*after* decoding, every URL goes through ``text.public_url`` (the one scheme
allowlist), values are shown back only through ``text.quoted``, and no reader walks
deeper than the shape it expects, so nesting never costs more than one look.

The entry parser and the config reader both use these functions, so a rule (what a
URL, a language tag or an author is) is written once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo

from feedpub.dates import parse_time, representable
from feedpub.model import Author
from feedpub.text import (
    QUOTE_LIMIT,
    RefusedUrl,
    as_uri,
    closest,
    forbidden_character,
    identifier_problem,
    is_language_tag,
    one_line,
    public_url,
    quoted,
)

DATE_EXAMPLE = "2024-12-07T14:05:00+00:00"
AUTHOR_KEYS = ("name", "email", "url")
_LARGEST_NUMBER_AS_TEXT = 10**18
# hh:mm:60, a leap second (RFC 3339 allows one; Python's times, so our feeds, cannot hold it)
_LEAP_SECOND = re.compile(r"\d:[0-5]\d:60(?![0-9])")
# RFC 5322 addr-spec in its dot-atom form, the one Atom's <email> and RSS's <author> take.
_EMAIL = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)


class Invalid(ValueError):
    """A value of the wrong type, range or characters; the message completes ``<field>: ``."""


def text(value: object, *, numbers: bool = False, collapse: bool = True) -> str:
    """A non-empty string (a YAML number too, when ``numbers``).

    Entries collapse runs of whitespace (a YAML folded title); the config only strips
    the ends, as it always has, so its feeds stay byte-identical.
    """
    if numbers and isinstance(value, int | float) and not isinstance(value, bool):
        # isfinite only for floats: it converts an int to a float, and YAML's ints have
        # no bound (0x followed by 300 digits is beyond any float: OverflowError)
        if (isinstance(value, float) and not math.isfinite(value)) \
                or abs(value) >= _LARGEST_NUMBER_AS_TEXT:
            raise Invalid(f"{quoted(value)} is not text; put it in quotes")
        # as written, when the front matter kept it: YAML 1.1 reads the score 2:1 as 121
        value = getattr(value, "written", None) or str(value)
    if not isinstance(value, str):
        raise Invalid(f"must be text, not {quoted(value)}")
    bad = forbidden_character(value)
    if bad:
        raise Invalid(bad[1])
    cleaned = " ".join(value.split()) if collapse else value.strip()
    if not cleaned:
        raise Invalid("is empty; write some text or remove the field")
    return cleaned


def url(value: object, *, base: str | None = None) -> str:
    """An http(s) URL without spaces, resolved against ``base`` when relative."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"must be a URL, not {quoted(value)}")
    bad = forbidden_character(value)
    if bad:
        raise Invalid(bad[1])
    if any(c.isspace() for c in value.strip()):
        raise Invalid(f"{quoted(value)} contains a space; a URL has none (write %20)")
    try:
        return as_uri(public_url(value.strip(), base=base))
    except RefusedUrl as refused:
        raise Invalid(str(refused)) from None


def identifier(value: object) -> str:
    """A URI every format accepts as an id (see ``text.identifier_problem``)."""
    if not isinstance(value, str):
        raise Invalid(f"{quoted(value)} is not a URI; remove it to use the default tag: id")
    bad = forbidden_character(value)
    if bad:
        raise Invalid(bad[1])
    problem = identifier_problem(value.strip())
    if problem:
        raise Invalid(f"{quoted(value)} {problem}; or remove it to use the default tag: id")
    return value.strip()


def email(value: object) -> str:
    """An email address such as ``desk@example.org`` (RSS needs one for an author)."""
    if not isinstance(value, str):
        raise Invalid(f"{quoted(value)} is not an email address; use e.g. desk@example.org")
    address = text(value)
    if address.lower().startswith("mailto:"):
        raise Invalid(f'{quoted(value)}: write the address alone, without "mailto:"')
    if not re.fullmatch(_EMAIL, address):
        raise Invalid(f"{quoted(value)} is not an email address; use e.g. desk@example.org")
    return address


def language(value: object) -> str:
    """A BCP 47 language tag such as ``en`` or ``en-GB``."""
    if not isinstance(value, str) or not is_language_tag(value.strip()):
        raise Invalid(f"{quoted(value)} is not a language tag; use e.g. en or en-GB")
    return value.strip()


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, not {quoted(value)}")
    return value


def whole_number(value: object, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum \
            or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise Invalid(f"must be a whole number of at least {minimum}{upper}")
    return value


def moment(value: object, zone: tzinfo, example: str = DATE_EXAMPLE) -> datetime:
    """An aware time (text read in ``zone`` when it has no offset) that every format can write."""
    if isinstance(value, bool) or not isinstance(value, str | date):
        raise Invalid(f"{quoted(value)} is not a date; use {example}")
    parsed = parse_time(value, zone)
    if parsed is None:
        if isinstance(value, str) and _LEAP_SECOND.search(value):
            raise Invalid(f"{quoted(value)} has second 60, a leap second, which feedpub "
                          "cannot publish; write :59 instead")
        raise Invalid(f"{quoted(value)} is not a date; use {example}")
    if not representable(parsed):
        raise Invalid(f"{quoted(value)} is outside the years 0001-9999 in UTC; use {example}")
    return parsed


def words(value: object, example: str = "[Homs, HTS]") -> tuple[str, ...]:
    """A list of short texts (tags); a comma-separated string is shown in list form."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        shown = f"[{', '.join(parts)}]" if parts and len(value) <= QUOTE_LIMIT and \
            not forbidden_character(value) else example
        raise Invalid(f"must be a list, not one piece of text; write it as {one_line(shown)}")
    if not isinstance(value, list):
        raise Invalid(f"must be a list of words, e.g. {example}, not {quoted(value)}")
    found = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise Invalid(f"must be a list of words, e.g. {example}; {quoted(item)} is not a word")
        found.append(text(item, numbers=True))
    return tuple(found)


def authors(value: object, *, single: bool, example: str) -> tuple[Author, ...]:
    """Names or ``{name, email, url}`` tables; ``single`` also takes one such value alone.

    Raises Invalid for the first wrong author, naming the key inside it
    (``email: 5 is not an email address``).
    """
    if isinstance(value, list):
        items: list[object] = value
    elif single and isinstance(value, str | dict):
        items = [value]
    else:
        raise Invalid(f"must be a list such as {example}, not {quoted(value)}")
    return tuple(author(item, example) for item in items)


def author(item: object, example: str) -> Author:
    if isinstance(item, str):
        return Author(text(item))
    if not isinstance(item, dict):
        raise Invalid(f"each author is a name or a table with a name, as in {example}; "
                      f"not {quoted(item)}")
    for key in item:
        if key not in AUTHOR_KEYS:
            hint = closest(str(key), AUTHOR_KEYS) if isinstance(key, str) else None
            raise Invalid(f"{quoted(key)} is not an author key; "
                          + (f"did you mean {hint}?" if hint else "use name, email and url"))
    if "name" not in item:
        raise Invalid(f"each author needs a name, as in {example}")
    name = _part("name", item["name"], text)
    mail = _part("email", item["email"], email) if item.get("email") is not None else None
    link = _part("url", item["url"], url) if item.get("url") is not None else None
    return Author(name, mail, link)


def _part(key: str, value: object, read: Callable[[object], str]) -> str:
    try:
        return read(value)
    except Invalid as invalid:
        raise Invalid(f"{key}: {invalid}") from None
