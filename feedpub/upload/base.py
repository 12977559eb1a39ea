"""The one small interface every upload target implements.

A target only knows how to put one file atomically under its final name; deciding
*what* to send (manifest), *when* to retry (retry.py) and *whom* to tell (websub)
lives outside, so a new kind of host (an S3-compatible bucket, say) is one new
module plus one line in the registry of ``feedpub.upload``, touching no other target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Protocol, runtime_checkable

from feedpub.notices import Notice
from feedpub.output import temp_path


@dataclass(frozen=True, slots=True)
class FileMeta:
    """The HTTP headers a file should be served with (``upload.headers`` decides them).

    A target sends what its protocol can carry: S3 stores both and serves them, WebDAV
    sends both with the PUT (servers mostly keep neither), SFTP and file:// carry none,
    so there the web server's own configuration is what readers get (docs/upload.md).
    """

    content_type: str
    cache_control: str

    @property
    def key(self) -> str:
        """One string for the manifest, so a changed header is noticed like changed bytes."""
        return f"{self.content_type}\n{self.cache_control}"


class TransientError(Exception):
    """A failure worth retrying: timeout, dropped connection, refused connection, 5xx."""


class PermanentError(Exception):
    """A failure retrying cannot fix: 401, 403, other 4xx, unknown host key, permission denied."""


@runtime_checkable
class Target(Protocol):
    """Where the feeds go; `display` is the target URL without any credential, safe to print.

    `notices` collects warnings about the target itself (credentials over plain http,
    say), which the run reports once.
    """

    display: str
    notices: list[Notice]

    def put_atomic(self, name: str, data: bytes, meta: FileMeta) -> None:
        """Store `data` as `name` so readers see the old or the new bytes, never a mix.

        Raise TransientError or PermanentError with a one-line cause that holds no credential.
        A target must tolerate being called again after a TransientError (reconnect lazily),
        and must bound every network call with ``feedpub.deadline`` (settings.deadline).
        """
        ...

    def close(self) -> None:
        """Release connections; safe to call more than once."""
        ...


@runtime_checkable
class Listing(Protocol):
    """A target that can say, without a manifest, which files it already holds.

    Used only when the manifest is missing (a fresh machine, a lost state folder), so
    that unchanged files are not all sent again blindly.
    """

    def holding(self, files: dict[str, tuple[bytes, FileMeta]]) -> set[str]:
        """The names whose stored bytes and headers equal the given ones."""
        ...


def temp_name(name: str) -> str:
    """The temporary sibling of `name` that an upload writes before the rename.

    Fixed rather than random so a killed run leaves at most one stray file per feed,
    which the next run simply overwrites; the leading dot keeps it out of directory
    listings, and the blog lock guarantees only one run writes it at a time. Named by
    the same scheme as every other temporary file of feedpub (``output.temp_path``).
    """
    return str(temp_path(PurePosixPath(name), "upload"))  # archive/x.xml → archive/.x.xml…
