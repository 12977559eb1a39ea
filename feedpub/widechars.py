"""UTF-16 and UTF-32 told from their first bytes: one rule for entry files and feeds.

XML 1.0 Appendix F: a text in UTF-16 or UTF-32 shows by its byte-order mark or, without
one, by the zero bytes of its first characters, which are ASCII in both an entry file
("---") and a feed ("<" or "{"). Standard library only: the validator's cold start and
the entry parser both read it.
"""

from __future__ import annotations

import codecs

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "le"), (codecs.BOM_UTF32_BE, "utf-32", "be"),
    (codecs.BOM_UTF16_LE, "utf-16", "le"), (codecs.BOM_UTF16_BE, "utf-16", "be"),
)
# The first four bytes, z a zero byte and x any other.
_ZERO_SHAPES = {"xzzz": ("utf-32", "le"), "zzzx": ("utf-32", "be"), "xzxz": ("utf-16", "le"),
                "zxzx": ("utf-16", "be")}


def wide_form(data: bytes) -> tuple[str, str, bool] | None:
    """(family, byte order, has a BOM) of UTF-16/32 text, e.g. ("utf-16", "le", False);
    None for any other bytes."""
    for bom, family, order in _WIDE_BOMS:
        if data.startswith(bom):
            return family, order, True
    if b"\x00" not in data[:4]:
        return None
    shape = _ZERO_SHAPES.get("".join("z" if byte == 0 else "x" for byte in data[:4]))
    return (*shape, False) if shape is not None else None
