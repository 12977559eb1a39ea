"""Reading times from people and writing them for machines.

Entry times are parsed with python-dateutil (ISO 8601 / RFC 3339; a time without an
offset is read in the blog's zone). Formatting is hand-written and locale-free, so
RSS dates always use English day and month names whatever the machine's locale.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_time(value: object, zone: tzinfo) -> datetime | None:
    """An aware datetime from a string (or a YAML date), or None when it is not a time."""
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        parsed = _parse_text(value.strip())
    else:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _parse_text(text: str) -> datetime | None:
    """ISO 8601 / RFC 3339 text; the stdlib's fast parser first, dateutil for the rest.

    ``datetime.fromisoformat`` reads the common forms ten times faster; dateutil's
    ``isoparse`` accepts the rarer ISO 8601 spellings (week dates, ``2024-12-07T14``).
    """
    if "T" in text or " " in text or len(text) == 10:
        try:
            return datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            pass
    from dateutil.parser import isoparse

    try:
        parsed: datetime = isoparse(text)
        return parsed
    except (ValueError, OverflowError):
        return None


def to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def representable(moment: datetime) -> bool:
    """Whether every format can write ``moment``: in UTC it falls in the years 0001-9999.

    ``0001-01-01T00:00:00+14:00`` is a valid ISO 8601 time whose UTC form is in year 0,
    which Python cannot hold (OverflowError) and no feed format can write. Entry and
    config readers refuse such times, so renderers never meet one.
    """
    try:
        to_utc(moment)
    except (OverflowError, ValueError):
        return False
    return True


def rfc3339(moment: datetime) -> str:
    """2024-12-07T21:40:00Z: UTC, seconds precision, the form every reader accepts.

    Written by hand, not with strftime, whose ``%Y`` gives "1" rather than "0001" for
    early years on glibc.
    """
    utc = to_utc(moment)
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
            f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z")


def rfc822(moment: datetime) -> str:
    """Sat, 07 Dec 2024 21:40:00 +0000, independent of the locale."""
    utc = to_utc(moment)
    return (
        f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} +0000"
    )
