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

import contextlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.notices import Notice
from feedpub.output import write_atomic
from feedpub.seal import FORMAT_VERSION, read_sealed, seal
from feedpub.stamps import Stamp, code_digest, file_stamp, inputs_digest

__all__ = ["FORMAT_VERSION", "BuildRecord", "Stamp", "code_digest", "file_stamp",
           "inputs_digest", "load_build_record", "read_changes", "read_document",
           "save_build_record", "write_document", "write_whole"]

STATE_NAME = "state.json"
BIG_JSON = 1 << 16  # bytes; above this orjson's speed pays for its 15 ms import


def read_document(path: Path, kind: str, notices: list[Notice]) -> dict[str, object] | None:
    """The body of a state document, or None (with a warning) when it cannot be trusted.

    Trusted means: sealed with this state folder's key (so neither corruption nor a
    hand edit is taken for data), then JSON of the expected format and version.
    """
    body, problem = read_sealed(path, kind, _loads)
    if problem is not None:
        notices.append(Notice(str(path), f"the {kind} {problem}; discarded, rebuilding it"))
    return body


def write_document(path: Path, kind: str, body: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": f"feedpub-{kind}", "version": FORMAT_VERSION, **body}
    write_atomic(path, seal(_dumps(document), path.parent))


def write_whole(folder: Path, name: str, kind: str, body: dict[str, object],
                changes: str) -> str:
    """An index (``cache``'s entries, ``documents``' items) written whole under a new
    generation, and the changes file of the one it replaces removed; the generation.

    A run stopped between the two writes leaves a changes file naming the old
    generation, which ``read_changes`` then calls stale.
    """
    generation = secrets.token_hex(8)
    write_document(folder / name, kind, {**body, "generation": generation})
    with contextlib.suppress(FileNotFoundError):
        (folder / changes).unlink()
    return generation


def read_changes(path: Path, kind: str, notices: list[Notice],
                 **expected: object) -> dict[str, object] | None:
    """An index's changes file when it is for what was read: the body when every field of
    ``expected`` (the index's generation, its settings) is the same; {} when there is no
    changes file; None when it is stale or cannot be trusted (``read_document`` warns of
    the latter). The caller applies the body whole or, if any of it does not fit, not at all.
    """
    body = read_document(path, kind, notices)
    if body is None:
        return None if path.exists() else {}
    if any(body.get(key) != value for key, value in expected.items()):
        return None
    return body


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
    """orjson for the caches (megabytes, every changed build); the stdlib for the rest."""
    if "entries" in document or "items" in document:
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
    # Where that build read and wrote (the config file resolved; the entries, output and
    # media folders and the page template as the config resolved them, "" for none): what
    # ``feedpub.quick`` checks before it trusts this record without parsing the config.
    paths: tuple[str, ...] | None = None
    # Each feed file → the digest of the pieces it was assembled from (documents.py): a
    # build whose pieces are the same does not write the file again.
    documents: dict[str, str] = field(default_factory=dict)
    # A build refused for a reason its inputs alone decide (a feed too big): its lines.
    # Until an input changes, a run says them again (exit 5) instead of building again.
    refused: tuple[str, ...] = ()


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
    paths = body.get("paths")
    if paths is not None and not (isinstance(paths, list)
                                  and all(isinstance(p, str) for p in paths)):
        return None
    documents = body.get("documents", {})
    if not isinstance(documents, dict) or not all(isinstance(v, str) for v in documents.values()):
        return None
    refused = body.get("refused", [])
    if not isinstance(refused, list) or not all(isinstance(r, str) for r in refused):
        return None
    return BuildRecord(inputs, stamps, pending, tuple(problems), due_time,
                       None if paths is None else tuple(paths), documents, tuple(refused))


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
        "due": record.due.isoformat() if record.due else None,
        "paths": list(record.paths) if record.paths else None,
        "documents": record.documents, "refused": list(record.refused)})


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
