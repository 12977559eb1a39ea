"""Process exit codes, one per kind of outcome (README, "Exit codes" is the one table).

A module of its own, with nothing in it but the numbers, so the command line can
return one without importing the exception hierarchy and its dataclasses: the
every-minute no-op run never needs them.
"""


class ExitCode:
    """Process exit codes, one per kind of outcome (see README, "Exit codes")."""

    OK = 0
    INVALID_FEED = 1  # `validate`: at least one error finding
    USAGE = 2  # bad arguments; `validate`: a source cannot be read
    CONFIG = 3  # feedpub.toml missing or wrong
    BAD_ENTRY = 4  # one or more entry files are wrong
    FEED_CHECK = 5  # a rendered feed failed its check; nothing was replaced
    UPLOAD = 6  # the upload failed; remote files are old or new, never partial
    LOCKED = 7  # another run holds the blog's lock
    IO = 8  # a file could not be read or written (permissions, disk full)
    INTERRUPTED = 130
