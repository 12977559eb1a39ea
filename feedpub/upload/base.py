"""The one small interface every upload target implements.

A target only knows how to put one file atomically under its final name; deciding
*what* to send (manifest), *when* to retry (retry.py) and *whom* to tell (websub)
lives outside, so a new kind of host (an S3-compatible bucket, say) is one new
module plus one line in the registry of ``feedpub.upload``, touching no other target.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Protocol, runtime_checkable

from feedpub.output import temp_path


class TransientError(Exception):
    """A failure worth retrying: timeout, dropped connection, refused connection, 5xx."""


class PermanentError(Exception):
    """A failure retrying cannot fix: 401, 403, other 4xx, unknown host key, permission denied."""


@runtime_checkable
class Target(Protocol):
    """Where the feeds go; `display` is the target URL without any credential, safe to print."""

    display: str

    def put_atomic(self, name: str, data: bytes, content_type: str) -> None:
        """Store `data` as `name` so readers see the old or the new bytes, never a mix.

        Raise TransientError or PermanentError with a one-line cause that holds no credential.
        A target must tolerate being called again after a TransientError (reconnect lazily).
        """
        ...

    def close(self) -> None:
        """Release connections; safe to call more than once."""
        ...


def temp_name(name: str) -> str:
    """The temporary sibling of `name` that an upload writes before the rename.

    Fixed rather than random so a killed run leaves at most one stray file per feed,
    which the next run simply overwrites; the leading dot keeps it out of directory
    listings, and the blog lock guarantees only one run writes it at a time. Named by
    the same scheme as every other temporary file of feedpub (``output.temp_path``).
    """
    return temp_path(PurePosixPath(name), "upload").name
