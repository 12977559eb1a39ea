"""Small text rules shared by the config and entry readers (no third-party imports).

Kept apart so the cheap config path and the entry parser apply the very same rule,
and the cron no-op path never imports the Markdown stack to get it.
"""

from __future__ import annotations

import re
from pathlib import Path

# XML 1.0 allows TAB, LF, CR and everything from U+0020 except U+FFFE/U+FFFF and surrogates.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def forbidden_character(text: str) -> tuple[int, str] | None:
    """(offset, message) of the first character XML 1.0 forbids, or None."""
    found = XML_FORBIDDEN.search(text)
    if found is None:
        return None
    return found.start(), (f"contains the control character U+{ord(found[0]):04X}, "
                           "which XML 1.0 forbids; delete it")


def shown_path(path: Path, root: Path | None) -> str:
    """``path`` as the user knows it: relative to the blog's folder when inside it."""
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)
