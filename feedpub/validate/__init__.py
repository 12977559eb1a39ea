"""A fast, local, safe validator for RSS 2.0 (and 0.9x, 1.0), Atom 1.0 and JSON Feed 1.1.

Usage::

    from feedpub.validate import validate_bytes, has_errors
    findings = validate_bytes(data)
    if has_errors(findings):
        ...

The format is detected from the content, never from a file name. ``validate_bytes``
never raises: every problem, including hostile or non-feed input, is a
:class:`Finding`. Rule ids are documented in ``docs/validate.md``.

``VALIDATOR_VERSION`` names the rule set. Bump it whenever a rule changes meaning
(a new rule, a severity change, a check that now accepts or refuses other values),
not for refactoring or faster code: callers such as an incremental build keep a
verdict only while the feed's bytes and this version are both unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from feedpub.validate.findings import ERROR, WARNING, Finding, Report, TooManyErrors
from feedpub.widechars import wide_form

__all__ = ["ERROR", "VALIDATOR_VERSION", "WARNING", "Finding", "detect_format", "has_errors",
           "validate_bytes"]

VALIDATOR_VERSION = "8"

DEFAULT_MAX_BYTES = 50 * 2**20
_BLANK = b" \t\r\n\xef\xbb\xbf"
_ATOM_NS = "http://www.w3.org/2005/Atom"
_TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# A comment ends at its first "-->" (XML 1.0, 2.8: "--" cannot occur inside one). The
# pattern says so with a look-ahead rather than a lazy ".*?": a lazy comment could also
# stretch to any later "-->", and on a head of many comments and no root element the
# engine tried every way of grouping them, twice as long for each comment added.
_ROOT = re.compile(
    r"\s*(?:<\?[^>]*\?>\s*|<!--(?:(?!-->).)*-->\s*|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>\s*)*"
    r"<([A-Za-z_][\w.:-]*)([^>]*)>",
    re.DOTALL,
)
_XMLNS = re.compile(r"""xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']""")


def _head_text(data: bytes) -> str:
    """The first few KiB as text, honouring a UTF-16/32 byte-order mark or zero bytes."""
    head = data[:8192]
    form = wide_form(head)
    if form is not None:
        family, order, has_bom = form  # with a BOM, the family's codec reads and drops it
        return head.decode(family if has_bom else f"{family}-{order}", "replace")
    return head.decode("utf-8", "replace").lstrip("\ufeff")


def root_element(data: bytes) -> tuple[str, str] | None:
    """(local name, namespace URI) of the root element, from the raw text, or None."""
    match = _ROOT.match(_head_text(data))
    if match is None:
        return None
    qname, attributes = match.groups()
    prefix, _, local = qname.rpartition(":")
    namespaces = {p or "": uri for p, uri in _XMLNS.findall(attributes)}
    return local, namespaces.get(prefix, "")


def detect_format(data: bytes) -> str | None:
    """"rss", "atom" or "json" from the content alone; None when it is none of those."""
    text = _head_text(data).lstrip()
    if text.startswith("{"):
        return "json" if "jsonfeed.org/version" in text or '"items"' in text else None
    root = root_element(data)
    if root is None:
        return None
    local, namespace = root
    if local == "rss" and not namespace:
        return "rss"
    if local in ("feed", "entry") and namespace == _ATOM_NS:
        return "atom"
    if local == "deleted-entry" and namespace == _TOMBSTONE_NS:
        return "atom"  # an RFC 6721 Deleted Entry Document
    if local == "RDF" and namespace == _RDF_NS:
        return "rss"  # RSS 1.0 or 0.90: rdf:RDF holding an RSS channel
    return None


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error (warnings never fail a feed)."""
    return any(f.severity == ERROR for f in findings)


def validate_bytes(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Finding]:
    """Validate one feed document; return its findings, sorted by position. Never raises."""
    report = Report(data)
    stopped = False
    try:
        _validate(data, max_bytes, report)
    except TooManyErrors:
        stopped = True
    except MemoryError:
        report.findings.append(Finding(
            ERROR, "feed-too-many-elements", "the validator ran out of memory on this document; "
            "it is too large or too complex to check", 0, 0))
    except Exception as exc:  # the contract: a finding, never a traceback
        report.findings.append(Finding(
            ERROR, "validator-internal-error",
            f"the validator failed on this input: {type(exc).__name__}: {exc}", 0, 0))
    findings = sorted(report.findings, key=lambda f: (f.line, f.column))
    return findings + report.truncation_findings(stopped)


def _validate(data: bytes, max_bytes: int, report: Report) -> None:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        report.error("feed-unreadable", "the input is not bytes", 0)
        return
    data = bytes(data)
    if len(data) > max_bytes:
        # Not its size: readers stop at max_bytes + 1 (the command reads no more of a
        # file, stdin or /dev/zero), so that would call a 2 GB file 52428801 bytes.
        report.error("feed-too-large",
                     f"the document is over the {max_bytes}-byte limit, so it is not checked", 0)
        return
    stripped = data[:4096].lstrip(_BLANK)  # a slice, so a big feed is not copied
    if not stripped:
        stripped = data.lstrip(_BLANK)[:4096]
    if not stripped:
        report.error("feed-empty", "the document is empty", 0)
        return
    if stripped[:1] in (b"{", b"[") or _head_text(data[:64]).lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        from feedpub.validate import jsonfeed

        jsonfeed.check(data, report)
        return
    if _may_be_json_value(data, stripped):
        from feedpub.validate import jsonfeed

        if jsonfeed.is_json_value(data):
            jsonfeed.check(data, report)  # one finding: JSON, but not a JSON Feed object
            return
    if b"\x00" in data[:4096] and _head_text(data)[:1] not in ("<", "\ufeff"):
        report.error("feed-not-a-feed", "the document is binary, not a feed", 0)
        return
    _validate_xml(data, stripped, report)


# How a JSON text that is not an object or array begins (RFC 8259 3, 6, 7).
_JSON_SCALAR_START = frozenset('"-0123456789tfn')


def _may_be_json_value(data: bytes, stripped: bytes) -> bool:
    """Does the document begin like a bare JSON string, number, true, false or null?"""
    lead = _head_text(data[:64]).lstrip("\ufeff \t\r\n")[:1] or chr(stripped[0])
    return lead in _JSON_SCALAR_START


def _validate_xml(data: bytes, stripped: bytes, report: Report) -> None:
    from feedpub.validate import xmlsafe

    head = _head_text(data).lstrip("\ufeff \t\r\n")
    if not head.startswith("<") and not stripped.startswith(b"<"):
        report.error("feed-not-a-feed", "the document is neither XML nor JSON", 1)
        return
    first = root_element(data)
    if first is not None and first[0].lower() == "html":
        report.error("feed-not-a-feed", "this is an HTML page, not a feed", 0)
        return
    root = xmlsafe.parse(data, report)
    if root is None:
        return
    tag = root.tag
    if tag == "rss":
        from feedpub.validate import rss

        rss.check(root, report)
    elif tag in (f"{{{_ATOM_NS}}}feed", f"{{{_ATOM_NS}}}entry", f"{{{_TOMBSTONE_NS}}}deleted-entry"):
        from feedpub.validate import atom

        atom.check(root, report)
    elif tag == f"{{{_RDF_NS}}}RDF":
        from feedpub.validate import rss1

        if not rss1.check(root, report):
            report.error("feed-format-unsupported",
                         "this RDF document has no RSS 1.0 or RSS 0.90 <channel> (in "
                         f'"{rss1.RSS10}" or "{rss1.RSS090}"), so it is not an RSS feed', root)
    else:
        _unknown_root(root, report)


def _unknown_root(root: object, report: Report) -> None:
    tag = getattr(root, "tag", "")
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if local.lower() == "html":
        report.error("feed-not-a-feed", "this is an HTML page, not a feed", root)
    elif local == "feed":
        report.error("atom-namespace-invalid",
                     f'<feed> is in namespace "{namespace}", not the Atom 1.0 namespace '
                     f'"{_ATOM_NS}"', root)
    elif local == "rss":  # e.g. Userland's http://backend.userland.com/rss2
        report.error("feed-root-unknown",
                     f'<rss> is in namespace "{namespace}", but RSS 2.0 elements are in no '
                     "namespace: remove the xmlns", root)
    elif local == "RDF":  # RSS 1.0 and 0.90 put rdf:RDF in the RDF namespace
        report.error("feed-format-unsupported",
                     f'<RDF> is in namespace "{namespace}", not the RDF namespace "{_RDF_NS}", '
                     "so it is not an RSS 1.0 or 0.90 document", root)
    else:
        report.error("feed-root-unknown",
                     f"<{local}> is not the root of an RSS 2.0 or Atom 1.0 document", root)
