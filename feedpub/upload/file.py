"""file:// target: a web root on this machine, written with feedpub's one durable write.

The temporary file is created in the target folder itself, so the rename stays within
one file system and is atomic; ``output.write_atomic`` fsyncs the file before and the
folder after it, so a power cut cannot leave the new name pointing at unwritten blocks.
"""

from __future__ import annotations

import errno
from pathlib import Path
from urllib.parse import unquote, urlsplit

from feedpub.notices import Notice
from feedpub.output import write_atomic
from feedpub.upload.base import FileMeta, PermanentError, TransientError
from feedpub.upload.settings import UploadSettings

PERMANENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR}


class FileTarget:
    """Writes into a local folder."""

    def __init__(self, settings: UploadSettings):
        self.display = settings.display_target
        self.folder = Path(unquote(urlsplit(settings.target).path))
        self.notices: list[Notice] = []

    def put_atomic(self, name: str, data: bytes, meta: FileMeta) -> None:
        """Write `name` atomically; the headers in `meta` are the web server's job for local files."""
        try:
            path = self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
        except OSError as exc:
            cause = f"{exc.strerror or exc} ({exc.filename or self.folder})"
            if exc.errno in PERMANENT_ERRNOS:
                raise PermanentError(cause) from None
            raise TransientError(cause) from None

    def close(self) -> None:
        """Nothing to release for a local folder."""


def open_target(settings: UploadSettings) -> FileTarget:
    """Factory used by the registry in feedpub.upload.publish."""
    return FileTarget(settings)
