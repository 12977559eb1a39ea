"""file:// target: a web root on this machine.

The temporary file is created in the target folder itself, so os.replace is a
rename within one file system and therefore atomic; fsync before the rename makes
sure a power cut cannot leave the new name pointing at unwritten blocks.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from feedpub.upload.base import PermanentError, TransientError, temp_name
from feedpub.upload.settings import UploadSettings

PERMANENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR}


class FileTarget:
    """Writes into a local folder with temp file + fsync + os.replace."""

    def __init__(self, settings: UploadSettings):
        self.display = settings.display_target
        self.folder = Path(unquote(urlsplit(settings.target).path))

    def put_atomic(self, name: str, data: bytes, content_type: str) -> None:
        """Write `name` atomically; the content type is the web server's job for local files."""
        tmp = self.folder / temp_name(name)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.folder / name)
            self._sync_folder()
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            cause = f"{exc.strerror or exc} ({exc.filename or self.folder})"
            if exc.errno in PERMANENT_ERRNOS:
                raise PermanentError(cause) from None
            raise TransientError(cause) from None

    def _sync_folder(self) -> None:
        """fsync the folder so the rename itself survives a crash."""
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Nothing to release for a local folder."""


def open_target(settings: UploadSettings) -> FileTarget:
    """Factory used by the registry in feedpub.upload."""
    return FileTarget(settings)
