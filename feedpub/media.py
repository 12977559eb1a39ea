"""The blog's media folder: images published beside the feeds, byte for byte.

An entry can show a picture kept with the blog (``media/homs-roads.png``): the build
copies every file of the media folder into the output folder, in the same
all-or-nothing set as the feeds, and the upload sends it before them. Finding the
files is on the every-minute path (their stamps are part of what a no-op run
compares), so this module stats and never opens them; ``read_media`` reads them only
for a real build.

Only plain files directly in the folder are published, with names a URL can carry
unchanged, and only of the types in ``formats.MEDIA_TYPES``: anything else is an error
naming the file, never a silent skip. Hidden files (``.DS_Store``) are ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from feedpub.entries import FileStamp
from feedpub.errors import EntryError, EntryProblem
from feedpub.formats import MEDIA_TYPES, OUTPUT_FILES
from feedpub.model import MediaFile
from feedpub.text import one_line

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A picture for a feed or a web page; a bigger file is a mistake (a raw camera file, a
# video renamed), and a build reads every media file whole to publish it byte for byte:
# a 3 GB one took 21 s and 3 GB of memory on every build that changed anything.
MAX_MEDIA_BYTES = 20 << 20
# Its staged copy is ".<name>.feedpub-tmp-<pid>", 21 bytes longer, and file systems
# stop at 255: a 250-byte name failed every build as exit 8, "check permissions".
MAX_MEDIA_NAME = 200
STAMP_PREFIX = "media/"  # media stamps share the inputs digest with entry stamps


@dataclass(frozen=True, slots=True)
class MediaScan:
    """The media files found (stamped, sorted by name) and the ones that cannot be used."""

    stamps: list[FileStamp]
    refused: list[tuple[str, str]]  # (file name, why)


def scan_media(folder: Path | None) -> MediaScan:
    """Name, size and mtime of every publishable file; a missing folder is no media."""
    if folder is None:
        return MediaScan([], [])
    stamps: list[FileStamp] = []
    refused: list[tuple[str, str]] = []
    try:
        found = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return MediaScan([], [])
    real_folder = folder.resolve()
    for item in found:
        if item.name.startswith("."):
            continue
        why = _refusal(item, real_folder)
        if why:
            refused.append((item.name, why))
            continue
        info = item.stat()
        stamps.append(FileStamp(item.name, info.st_size, info.st_mtime_ns))
    stamps.sort(key=lambda s: s.name)
    return MediaScan(stamps, sorted(refused))


def _refusal(item: os.DirEntry[str], real_folder: Path) -> str | None:
    suffix = os.path.splitext(item.name)[1].lower()
    if item.is_symlink():
        try:
            target = Path(item.path).resolve()
        except (OSError, RuntimeError):  # RuntimeError: a loop, on Python before 3.13
            return "is a link that leads round in a loop; delete the link"
        if not target.is_relative_to(real_folder):
            return "is a link to a file outside the media folder; copy the file in instead"
    if not item.is_file():
        return "is not a file; only files directly in the media folder are published"
    if not _SAFE_NAME.match(item.name):
        return "has a name a URL cannot carry as is; use only letters, digits, '-', '_' and '.'"
    if len(item.name) > MAX_MEDIA_NAME:
        return (f"has a name of {len(item.name)} characters, more than the {MAX_MEDIA_NAME} a "
                "media file's may have; shorten it")
    if item.name in OUTPUT_FILES:
        return "has the name of a file feedpub writes; rename it"
    if suffix not in MEDIA_TYPES:
        known = ", ".join(sorted(MEDIA_TYPES))
        return f"is not a known media type; use one of {known}"
    size = item.stat().st_size
    if size > MAX_MEDIA_BYTES:
        shown = -(-size * 10 // 2**20) / 10  # rounded up: never "20.0 MiB, more than 20 MiB"
        return (f"is {shown:,.1f} MiB, more than the {MAX_MEDIA_BYTES >> 20} MiB a media "
                "file may be; publish a smaller copy (a picture for the web is rarely over 2 MiB)")
    return None


def media_error(refused: list[tuple[str, str]], shown_folder: str) -> EntryError:
    """The refused files as one error, one line each (a line break in a name is shown
    as ``\\u000a``), named as the user sees the folder."""
    return EntryError([EntryProblem(one_line(f"{shown_folder}/{name}"), None, why)
                       for name, why in refused])


def read_media(folder: Path, stamps: list[FileStamp], shown_folder: str) -> list[tuple[str, bytes]]:
    """Each media file's name and bytes, read once: what is published is what is announced.

    An SVG is a document, not only a picture: opened on its own it runs its scripts in
    the origin it is served from, the news site's (where ``<img>`` would not). So an SVG
    that could run anything is refused by name (EntryError), like a file of an unknown type.
    """
    read: list[tuple[str, bytes]] = []
    refused: list[tuple[str, str]] = []
    for stamp in stamps:
        try:
            read.append((stamp.name, (folder / stamp.name).read_bytes()))
        except FileNotFoundError:  # an editor or sync client replaced it since the scan
            refused.append((stamp.name, "was removed while the build read it; the next run "
                                        "reads it again"))
    refused += [(name, why) for name, data in read
                if name.lower().endswith(".svg") and (why := svg_problem(data)) is not None]
    if refused:
        raise media_error(refused, shown_folder)
    return read


# Elements that run or embed code or other documents. SVG's own (``script``,
# ``foreignObject`` holding HTML, SVG Tiny's ``handler`` and ``listener``) and HTML's.
_ACTIVE_ELEMENTS = frozenset({"script", "foreignobject", "handler", "listener", "iframe", "embed",
                              "object", "frame", "frameset", "base", "link", "meta"})
_ACTIVE_SCHEMES = ("javascript:", "vbscript:")
_INVISIBLE = re.compile(r"[\x00-\x20]+")


def svg_problem(data: bytes) -> str | None:
    """Why the SVG ``data`` could run something when opened, or None when it cannot.

    Refused: a document that is not well-formed or not an ``svg`` element; an internal
    DTD subset (its entities could spell what the checks below look for, and expand
    without bound); an ``xml-stylesheet`` instruction (XSLT can make HTML); the elements
    of ``_ACTIVE_ELEMENTS``; any event handler attribute (``on…``); any ``javascript:``
    or ``vbscript:`` in an attribute value or a style sheet, which covers ``href``
    and what ``set`` and ``animate`` may write into one. Parsed without loading
    anything, like every untrusted document here.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return f"is not well-formed SVG ({error.msg}); export it again"
    tree = root.getroottree()
    if not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        return "is not an SVG document (its root is not <svg>); export it again"
    subset = tree.docinfo.internalDTD  # also there for a bare external DOCTYPE, then empty
    if subset is not None and any(True for _ in subset.entities()):  # type: ignore[union-attr]
        return "declares entities in a DOCTYPE; export it without them"
    if any(isinstance(node, etree._ProcessingInstruction) and node.target == "xml-stylesheet"
           for node in root.itersiblings(preceding=True)):
        return "names a style sheet (xml-stylesheet); export it without one"
    for element in root.iter():
        problem = _active(element)
        if problem is not None:
            return f"{problem}; an SVG opened on its own runs it in the site's origin: remove it, " \
                   "or publish the picture as PNG"
    return None


def _active(element: object) -> str | None:
    from lxml import etree

    assert isinstance(element, etree._Element)
    if not isinstance(element.tag, str):
        return None  # a comment or processing instruction inside the picture
    name = etree.QName(element).localname
    if name.lower() in _ACTIVE_ELEMENTS:
        return f"has a <{name}> element"
    for attribute, value in element.attrib.items():
        local = etree.QName(attribute).localname
        if local.lower().startswith("on"):
            return f"has an event handler ({local} on <{name}>)"
        if _scripted(str(value)):
            return f"has a script URL ({local} on <{name}>)"
    if name.lower() == "style" and _scripted(element.text or ""):
        return "has a script URL in a style sheet"
    return None


def _scripted(text: str) -> bool:
    """Whether ``text`` holds a script URL, however spaced (browsers drop the spaces)."""
    flat = _INVISIBLE.sub("", text).lower()
    return any(scheme in flat for scheme in _ACTIVE_SCHEMES)


def media_files(read: list[tuple[str, bytes]], feeds_url: str) -> tuple[MediaFile, ...]:
    """The model's view of the media: where each file is served, its type and exact length."""
    return tuple(MediaFile(name=name, url=feeds_url + name,
                           media_type=MEDIA_TYPES[os.path.splitext(name)[1].lower()],
                           length=len(data)) for name, data in read)
