"""Date checks: RFC 822 (RSS), RFC 3339 (Atom, JSON Feed) and W3CDTF (Dublin Core).

Hand-written regular expressions rather than a date library: they are exact about
what each specification allows, and an order of magnitude faster than a general
parser on a 10,000-item feed. Digits are written [0-9], not \\d, which in Python also
matches "٢" or "２": every one of these grammars says DIGIT, the ASCII digits.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# RFC 822 section 5 with RFC 1123's four-digit years; whitespace after the comma is
# optional in the grammar (linear white space is allowed, not required).
_RFC822 = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s*,\s*)?"
    r"([0-9]{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+([0-9]{4}|[0-9]{2})\s+"
    r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?\s*"
    r"(UT|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z|[A-IK-Y]|[+-][0-9]{4})"
)
# RFC 822 3.4.7: case is not significant ("the case shown ... is suggested"); the exact
# pattern above settles nearly every real date, this one only what it refuses.
_RFC822_ANYCASE = re.compile(_RFC822.pattern, re.IGNORECASE)
_COMMENT = re.compile(r"\([^()]*\)")

# The ranges are in the pattern itself, so a valid value costs one match and no
# int() conversions; only days 29-31 need a calendar check afterwards.
_RFC3339 = re.compile(
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)"
    r"(?:\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_RFC3339_ANYCASE = re.compile(_RFC3339.pattern, re.IGNORECASE)

_W3CDTF = re.compile(
    r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(?:Z|[+-]([0-9]{2}):([0-9]{2})))?)?)?"
)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_ymd(year: int, month: int, day: int) -> bool:
    """Calendar check without importing calendar (start-up time counts)."""
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _MONTH_DAYS[month - 1] + (1 if month == 2 and leap else 0)


def _valid_hms(hour: int, minute: int, second: int) -> bool:
    return hour <= 23 and minute <= 59 and second <= 60  # 60: leap second


def rfc822(value: str) -> str | None:
    """Check an RFC 822 date-time; return a problem description or None when valid.

    ``"weekday"`` is returned (exactly) when the date is valid but names the wrong
    day of the week, so callers can report that under its own rule.
    """
    text = value.strip()
    if "(" in text:  # RFC 822 comments are legal anywhere between tokens
        for _ in range(3):
            text = _COMMENT.sub(" ", text)
        text = re.sub(r"\s+", " ", text).strip()
        text = re.sub(r"\s+,", ",", text)
        text = re.sub(r"(\d)\s+:", r"\1:", text)
    match = _RFC822.fullmatch(text) or _RFC822_ANYCASE.fullmatch(text)
    if match is None:
        return "is not an RFC 822 date"
    dow, day_s, mon_s, year_s, hh, mm, ss, _zone = match.groups()
    mon_s, dow = mon_s.title(), dow.title() if dow else None
    year = int(year_s)
    if len(year_s) == 2:
        year += 1900 if year >= 50 else 2000
    day, month = int(day_s), _MONTHS[mon_s]
    if not _valid_ymd(year, month, day) or not _valid_hms(int(hh), int(mm), int(ss or 0)):
        return "is not an RFC 822 date (a field is out of range)"
    # The Gregorian calendar repeats every 400 years, and datetime has no year 0.
    if dow is not None and _DAYS[date(year or 400, month, day).weekday()] != dow:
        return "weekday"
    return None


def rfc3339(value: str, *, strict_case: bool = True) -> str | None:
    """Check an RFC 3339 date-time; return a problem description or None when valid.

    Atom (RFC 4287 section 3.3) requires upper-case "T" and "Z"; JSON Feed follows
    plain RFC 3339, which allows lower case, hence ``strict_case``.
    """
    pattern = _RFC3339 if strict_case else _RFC3339_ANYCASE
    match = pattern.fullmatch(value)
    if match is None:
        if value != value.strip() and pattern.fullmatch(value.strip()) is not None:
            # messages quote values with white space collapsed: without this they read
            # '<updated> "2024-01-01T00:00:00Z" is not an RFC 3339 date-time'
            return "is not an RFC 3339 date-time (it has white space around it)"
        return "is not an RFC 3339 date-time"
    year, month, day = match.groups()
    if day > "28" and not _valid_ymd(int(year), int(month), int(day)):
        return "is not an RFC 3339 date-time (no such day in that month)"
    if value[17:19] == "60" and not _at_leap_second(value):
        return ("is not an RFC 3339 date-time (second 60 is a leap second, only at 23:59:60 UTC "
                "on the last day of a month, RFC 3339 5.7)")
    return None


def _at_leap_second(value: str) -> bool:
    """Is this (well-formed) RFC 3339 time 23:59 UTC on the last day of a month?

    RFC 3339 5.7: second 60 exists only where a leap second is inserted, at the end of
    a month in UTC; in other zones that point is shifted by the offset. So
    "2024-01-01T00:00:60Z" is no time at all, while "2016-12-31T18:59:60-05:00" is one.
    The Gregorian calendar repeats every 400 years, so the year is moved into
    datetime's range (it has no year 0, nor room past 9999 for the day after).
    """
    offset = 0
    if value[-1] not in "Zz":
        sign = -1 if value[-6] == "-" else 1
        offset = sign * (int(value[-5:-3]) * 60 + int(value[-2:]))
    local = datetime(int(value[:4]) % 400 + 400, int(value[5:7]), int(value[8:10]),
                     int(value[11:13]), int(value[14:16]))
    utc = local - timedelta(minutes=offset)
    return (utc.hour, utc.minute) == (23, 59) and (utc + timedelta(days=1)).day == 1


def w3cdtf(value: str) -> str | None:
    """Check a W3C date-time profile of ISO 8601 value; problem description or None."""
    match = _W3CDTF.fullmatch(value.strip())
    if match is None:
        return "is not a W3CDTF date"
    year, month, day, hour, minute, second, oh, om = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        return "is not a W3CDTF date (month out of range)"
    if day is not None and not _valid_ymd(int(year), int(month), int(day)):
        return "is not a W3CDTF date (day out of range)"
    # The note's "ss = two digits of second (00 through 59)": unlike RFC 3339 it has no
    # leap second, so _valid_hms (which allows 60) is not enough here.
    if hour is not None and (not _valid_hms(int(hour), int(minute), int(second or 0))
                             or second == "60"):
        return "is not a W3CDTF date (time out of range)"
    if oh is not None and (int(oh) > 23 or int(om) > 59):
        return "is not a W3CDTF date (bad time-zone offset)"
    return None
