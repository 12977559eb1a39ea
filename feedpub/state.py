"""The state folder's build record (``state.json``) and the JSON documents it is kept in.

``state.json`` holds a digest of every input's (name, size, mtime) and of feedpub's own
code, the stamps of the outputs as written, and whether an upload is still owed. When
nothing changed, a run compares this digest and stops without opening a single entry
file: that is what makes a run every minute cost almost nothing.

Every document in the folder is versioned JSON written with one durable write; one
that is corrupt, foreign or of the wrong shape is discarded with a warning and never
trusted. JSON, not pickle: a state file is data, and loading it must never run code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.entries import FileStamp
from feedpub.notices import Notice
from feedpub.output import write_atomic

STATE_NAME = "state.json"
FORMAT_VERSION = 1
BIG_JSON = 1 << 16  # bytes; above this orjson's speed pays for its 15 ms import

Stamp = tuple[int, int]  # (size, mtime_ns)


def read_document(path: Path, kind: str, notices: list[Notice]) -> dict[str, object] | None:
    """The body of a state document, or None (with a warning) when it cannot be trusted.

    Trusted means: sealed with this state folder's key (so neither corruption nor a
    hand edit is taken for data), then JSON of the expected format and version.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        notices.append(Notice(str(path), f"the {kind} cannot be read; discarded, rebuilding it"))
        return None
    payload = _unseal(raw, path.parent)
    if payload is None:
        notices.append(Notice(str(path), f"the {kind} failed its integrity check (damaged or "
                                         "edited by hand); discarded, rebuilding it"))
        return None
    try:
        data = _loads(payload)
    except (ValueError, RecursionError):
        notices.append(Notice(str(path), f"the {kind} is corrupt; discarded, rebuilding it"))
        return None
    if not isinstance(data, dict) or data.get("format") != f"feedpub-{kind}" \
            or data.get("version") != FORMAT_VERSION:
        notices.append(Notice(str(path), f"the {kind} is not one this feedpub wrote; "
                                         "discarded, rebuilding it"))
        return None
    return data


def write_document(path: Path, kind: str, body: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": f"feedpub-{kind}", "version": FORMAT_VERSION, **body}
    payload = _dumps(document)
    write_atomic(path, _seal(payload, _key(path.parent, create=True)))


SEAL_PREFIX = b"feedpub-sealed hmac-sha256="
KEY_NAME = "key"


def _seal(payload: bytes, key: bytes | None) -> bytes:
    assert key is not None
    return SEAL_PREFIX + hmac.new(key, payload, "sha256").hexdigest().encode() + b"\n" + payload


def _unseal(raw: bytes, folder: Path) -> bytes | None:
    """The payload of a sealed document, or None when its seal does not match."""
    header, _, payload = raw.partition(b"\n")
    key = _key(folder, create=False)
    if key is None or not header.startswith(SEAL_PREFIX):
        return None
    expected = hmac.new(key, payload, "sha256").hexdigest().encode()
    return payload if hmac.compare_digest(header[len(SEAL_PREFIX):], expected) else None


def _key(folder: Path, *, create: bool) -> bytes | None:
    """The state folder's random key (mode 0600), made on the first write.

    It is what lets a run tell its own state from a damaged or edited one: a document
    whose seal does not match is never trusted. Deleting the key (or the whole folder)
    is always safe; the next run starts from scratch.
    """
    path = folder / KEY_NAME
    try:
        key = path.read_bytes()
        return key if len(key) == 32 else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _key(folder, create=False)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
        handle.flush()
        os.fsync(handle.fileno())
    return _key(folder, create=False)


def _loads(data: bytes) -> Any:
    """The stdlib for the small state.json (the no-op path), orjson for the entry cache.

    The cache of 10 000 entries is about 16 MB: orjson reads and writes it several times
    faster, which is most of what a one-entry change spends outside rendering.
    """
    if len(data) < BIG_JSON:
        return json.loads(data)
    import orjson

    return orjson.loads(data)


def _dumps(document: dict[str, object]) -> bytes:
    entries = document.get("entries")
    if isinstance(entries, dict) and len(entries) > 100:
        import orjson

        return orjson.dumps(document)
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class BuildRecord:
    """What the last successful build saw and wrote."""

    inputs: str  # inputs_digest of that build
    outputs: dict[str, Stamp | None]  # output file name → its stamp as written (None: absent)
    upload_pending: bool  # the build's upload has not succeeded yet
    problems: tuple[str, ...] = ()  # entry problems it reported; reported again until fixed
    due: datetime | None = None  # when the next scheduled entry must go out


def load_build_record(folder: Path, notices: list[Notice]) -> BuildRecord | None:
    path = folder / STATE_NAME
    body = read_document(path, "state", notices)
    if body is None:
        return None
    record = _decode_record(body)
    if record is None:
        notices.append(Notice(str(path), "the state is not one this feedpub wrote; "
                                         "discarded, rebuilding it"))
    return record


def _decode_record(body: dict[str, object]) -> BuildRecord | None:
    inputs, outputs, pending = body.get("inputs"), body.get("outputs"), body.get("upload_pending")
    if not isinstance(inputs, str) or not isinstance(outputs, dict) or not isinstance(pending, bool):
        return None
    problems, due = body.get("problems", []), body.get("due")
    if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
        return None
    due_time = _time_or_none(due)
    if due is not None and due_time is None:
        return None
    stamps: dict[str, Stamp | None] = {}
    for name, value in outputs.items():
        if value is None:
            stamps[name] = None
        elif isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value):
            stamps[name] = (value[0], value[1])
        else:
            return None
    return BuildRecord(inputs, stamps, pending, tuple(problems), due_time)


def _time_or_none(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def save_build_record(folder: Path, record: BuildRecord) -> None:
    outputs = {name: list(stamp) if stamp else None for name, stamp in record.outputs.items()}
    write_document(folder / STATE_NAME, "state", {
        "inputs": record.inputs, "outputs": outputs, "upload_pending": record.upload_pending,
        "problems": list(record.problems),
        "due": record.due.isoformat() if record.due else None})


PAGES_NAME = "pages.json"
PAGES_KIND = "archive-pages"


def load_page_digests(folder: Path, notices: list[Notice]) -> dict[int, str]:
    """Archive page number → the digest of the inputs its files were last rendered from.

    A page whose inputs have the same digest, and whose files are as the last build
    wrote them, is not rendered again (a new entry at 10 000 must not re-render 100
    pages). Anything unexpected means an empty mapping: every page is rendered.
    """
    body = read_document(folder / PAGES_NAME, PAGES_KIND, notices)
    pages = body.get("pages") if body is not None else None
    if not isinstance(pages, dict):
        return {}
    return {int(key): value for key, value in pages.items()
            if isinstance(key, str) and key.isdigit() and isinstance(value, str)}


def save_page_digests(folder: Path, digests: dict[int, str]) -> None:
    write_document(folder / PAGES_NAME, PAGES_KIND,
                   {"pages": {str(n): digests[n] for n in sorted(digests)}})


def file_stamp(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_size, info.st_mtime_ns)


def code_digest() -> str:
    """Name, size and mtime of feedpub's own modules and templates: new code means a new build.

    The version number alone would miss a local edit or a reinstall of the same
    version; stat-ing some forty files costs well under a millisecond. The shipped page
    template is code too: editing it must rebuild the page.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(package)):
        for name in sorted(files):
            if name.endswith((".py", ".j2")):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def inputs_digest(config_path: Path, config_stamp: Stamp | None, entries: list[FileStamp],
                  tool_version: str, ledger_stamp: Stamp | None = None) -> str:
    """What a run's output depends on; ``config_stamp`` is that of the config text it read,
    ``ledger_stamp`` that of the ledger (a merge that changed it must rebuild)."""
    stamp_text = list(config_stamp) if config_stamp else None
    ledger_text = list(ledger_stamp) if ledger_stamp else None
    seed = f"{tool_version}\0{code_digest()}\0{config_path}\0{stamp_text}\0{ledger_text}\0"
    digest = hashlib.sha256(seed.encode())
    for item in entries:
        digest.update(f"{item.name}\0{item.size}\0{item.mtime_ns}\n".encode())
    return digest.hexdigest()
