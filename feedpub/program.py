"""The program's name as the user typed it, for every message that says what to run next.

feedpub is started three ways (``publish.py`` from a checkout, the installed ``feedpub``
command, ``python -m feedpub``), and a hint such as "run 'publish.py reopen' first" is
only useful if the user can paste it. The CLI sets the name once, from how it was
started, before it parses anything; the modules that word such hints read it here.
It is the one piece of process-wide state in the package, and holds nothing but a
name: a library caller that never sets it gets the documented ``publish.py``.
"""

from __future__ import annotations

import os

DEFAULT = "publish.py"
_name = DEFAULT


def name() -> str:
    """The program's name as the user typed it (``feedpub``, ``publish.py``…)."""
    return _name


def set_name(value: str) -> None:
    global _name
    _name = value or DEFAULT


def command(words: str) -> str:
    """``words`` as a command line to paste: ``command("reopen")`` → ``publish.py reopen``."""
    return f"{_name} {words}"


def name_from_argv0(argv0: str) -> str:
    """The name to show for a process started as ``argv0`` (``sys.argv[0]``).

    The installed script and ``publish.py`` put their own path there (shown without
    its folder, as typed on a PATH); ``python -m feedpub`` puts the path of
    ``__main__.py``; ``python -c`` puts ``-c``.
    """
    base = os.path.basename(argv0)
    if base == "__main__.py":
        return "python -m feedpub"
    if base in ("", "-c"):
        return "feedpub"
    return base.removesuffix(".exe")  # a Windows console script
