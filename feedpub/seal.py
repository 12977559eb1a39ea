"""The state folder's seal: every document in it carries an HMAC under the folder's own key.

A run tells its own state from a damaged, foreign or hand-edited one by the seal
alone, before it decodes anything: a document whose seal does not match is never
trusted. This module is standard library only (``hmac``, ``json``) because the
every-minute no-op path (``feedpub.quick``) reads the build record through it before
anything else of feedpub is imported.
"""

from __future__ import annotations

import hmac
import json
import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Loads = Callable[[bytes], Any]

SEAL_PREFIX = b"feedpub-sealed hmac-sha256="
KEY_NAME = "key"
FORMAT_VERSION = 1


def seal(payload: bytes, folder: str | os.PathLike[str]) -> bytes:
    """``payload`` with its seal line in front, under ``folder``'s key (made if missing)."""
    key = folder_key(folder, create=True)
    assert key is not None
    return SEAL_PREFIX + hmac.new(key, payload, "sha256").hexdigest().encode() + b"\n" + payload


def unseal(raw: bytes, folder: str | os.PathLike[str]) -> bytes | None:
    """The payload of a sealed document, or None when its seal does not match."""
    header, _, payload = raw.partition(b"\n")
    key = folder_key(folder, create=False)
    if key is None or not header.startswith(SEAL_PREFIX):
        return None
    expected = hmac.new(key, payload, "sha256").hexdigest().encode()
    return payload if hmac.compare_digest(header[len(SEAL_PREFIX):], expected) else None


def read_sealed(path: str | os.PathLike[str], kind: str,
                loads: Loads = json.loads) -> tuple[dict[str, Any] | None, str | None]:
    """(body, None) for a trusted document; (None, why) when it cannot be trusted.

    (None, None) means there is no such document. Trusted means: sealed with this
    folder's key, then JSON of format ``feedpub-<kind>`` and this FORMAT_VERSION.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None, None
    except OSError:
        return None, "cannot be read"
    payload = unseal(raw, os.path.dirname(os.fspath(path)) or ".")
    if payload is None:
        return None, "failed its integrity check (damaged or edited by hand)"
    try:
        data = loads(payload)
    except (ValueError, RecursionError):
        return None, "is corrupt"
    if not isinstance(data, dict) or data.get("format") != f"feedpub-{kind}" \
            or data.get("version") != FORMAT_VERSION:
        return None, "is not one this feedpub wrote"
    return data, None


def folder_key(folder: str | os.PathLike[str], *, create: bool) -> bytes | None:
    """The state folder's random key (mode 0600), made on the first write.

    Deleting the key (or the whole folder) is always safe: every document sealed with
    it is then distrusted, and the next run starts from scratch.
    """
    path = os.path.join(folder, KEY_NAME)
    try:
        with open(path, "rb") as handle:
            key = handle.read()
        return key if len(key) == 32 else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return folder_key(folder, create=False)
    import secrets

    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
        handle.flush()
        os.fsync(handle.fileno())
    return folder_key(folder, create=False)
