"""``publish.py validate PATH|URL|- ...``: the command-line face of the validator.

Kept import-light on purpose: on the file path it needs only the validator itself
(lxml, re); the HTTP client is imported only for URLs and json only for ``--format
json``, so validating a file stays a fraction of a second. A source that cannot be
read is reported like a finding (``source:0:0: error rule: message``, on stderr) and
makes the exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from feedpub.errors import ExitCode
from feedpub.validate import DEFAULT_MAX_BYTES, Finding, detect_format, has_errors, validate_bytes
from feedpub.validate.findings import one_line

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import TextIO

DEFAULT_TIMEOUT = 15.0  # seconds, for everything one URL costs
_LABELS = {"rss": "RSS 2.0", "atom": "Atom 1.0", "json": "JSON Feed", "rdf": "RSS 1.0 or 0.90 (RDF)"}


class SourceError(Exception):
    """A source could not be read (missing file, network failure, too large).

    The message does not repeat the source; ``run`` prefixes it, linter style.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the validate options to ``parser`` (the ``validate`` subcommand's parser)."""
    parser.description = ("Check RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents (format found "
                          "from the content), and for URLs how they are served. Exit 0: no "
                          "error; 1: an error; 2: a source cannot be read.")
    parser.epilog = ("Example: publish.py validate feeds/rss.xml https://example.org/feed.json - "
                     "(rule reference: docs/validate.md)")
    parser.add_argument("sources", nargs="+", metavar="PATH|URL|-",
                        help="feed files, http(s) URLs, or - for standard input")
    parser.add_argument("--format", choices=("text", "json"), default="text", dest="output",
                        help="text: one line per finding (default); json: the same as JSON")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true",
                       help="also say which sources are clean and what format they are")
    noise.add_argument("-q", "--quiet", action="store_true",
                       help="print errors only, not warnings")
    parser.add_argument("--no-http", action="store_true",
                        help="for URLs, check only the document, not how it is served "
                             "(one request, no conditional re-request)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="total time allowed for each URL, all requests included (default 15)")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                        help=argparse.SUPPRESS)


MAX_TIMEOUT = 86_400.0  # a day: more than any fetch needs, and within what timers take


def _seconds(text: str) -> float:
    """``--timeout``: a number of seconds above 0, at most a day.

    float() also takes "nan" and "inf", and socket and timer calls refuse those and very
    large numbers (ValueError, OverflowError): a traceback, not a usage error.
    """
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if not 0 < seconds <= MAX_TIMEOUT:  # False for NaN too
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    return seconds


def is_url(source: str) -> bool:
    """True for http:// and https:// sources (anything else is a path)."""
    return source.lower().startswith(("http://", "https://"))


def read_source(source: str, args: argparse.Namespace) -> tuple[bytes, list[Finding]]:
    """The bytes of a path, URL or ``-`` (stdin), and for a URL how it is served."""
    max_bytes = int(getattr(args, "max_bytes", DEFAULT_MAX_BYTES))
    if source == "-":
        return sys.stdin.buffer.read(max_bytes + 1), []
    if is_url(source):
        return _read_url(source, args, max_bytes)
    try:
        with open(source, "rb") as handle:
            return handle.read(max_bytes + 1), []
    except OSError as exc:
        raise SourceError("source-unreadable", f"cannot read: {exc.strerror or exc}") from exc


def _read_url(url: str, args: argparse.Namespace, max_bytes: int) -> tuple[bytes, list[Finding]]:
    from feedpub.validate.fetch import Deadline, FetchError, Response, fetch

    deadline = Deadline(float(getattr(args, "timeout", DEFAULT_TIMEOUT)))
    try:
        response = fetch(url, max_bytes=max_bytes, deadline=deadline)
    except FetchError as exc:
        raise SourceError(exc.rule, str(exc)) from exc
    if getattr(args, "no_http", False):
        return response.body, []
    from feedpub.validate import serving

    def probe(headers: dict[str, str]) -> Response:
        return fetch(response.url, max_bytes=max_bytes, deadline=deadline, headers=headers)

    return response.body, serving.check(url, response, detect_format(response.body), probe)


def run(args: argparse.Namespace) -> int:
    """Validate every source; 0 no error, 1 an error, 2 a source could not be read."""
    output = getattr(args, "output", "text")
    verbose = bool(getattr(args, "verbose", False))
    quiet = bool(getattr(args, "quiet", False))
    max_bytes = int(getattr(args, "max_bytes", DEFAULT_MAX_BYTES))
    status = ExitCode.OK
    results: list[dict[str, object]] = []
    _escape_what_cannot_be_encoded()
    for source in args.sources:
        name = "<stdin>" if source == "-" else source
        # A file may be named "a\nb.xml:1:1: error ..." or hold an escape sequence: in
        # text, each line's name is escaped like a message (JSON escapes it itself).
        shown = one_line(name)
        try:
            data, served = read_source(source, args)
        except SourceError as exc:
            message = one_line(str(exc))  # it may quote a server's Location header
            print(f"{shown}:0:0: error {exc.rule}: {message}", file=sys.stderr)
            results.append({"source": name, "readable": False, "rule": exc.rule,
                            "error": message})
            status = ExitCode.USAGE
            continue
        findings = served + validate_bytes(data, max_bytes=max_bytes)
        if quiet:
            findings = [f for f in findings if f.severity == "error"]
        if has_errors(findings) and status == ExitCode.OK:
            status = ExitCode.INVALID_FEED
        kind = detect_format(data)
        if output == "json":
            results.append({"source": name, "readable": True, "format": kind,
                            "findings": [f.as_dict() for f in findings]})
        else:
            _print_text(shown, _label_kind(data, kind), findings, verbose, sys.stdout)
    if output == "json":
        import json

        document = json.dumps({"sources": results}, indent=2, ensure_ascii=False)
        try:
            document.encode(sys.stdout.encoding or "utf-8")
        except (UnicodeEncodeError, LookupError):  # escaped by the terminal, not valid JSON
            document = json.dumps({"sources": results}, indent=2)
        sys.stdout.write(document + "\n")
    return status


def _escape_what_cannot_be_encoded() -> None:
    """Print characters the output's encoding lacks as backslash escapes.

    Findings quote the feed, and a file name may hold bytes that are not UTF-8: under
    an ASCII or Latin-1 locale (LC_ALL=C), printing "é" or such a name raised
    UnicodeEncodeError, a traceback in place of the findings.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            reconfigure(errors="backslashreplace")  # surrogateescape (C locale) stays


def format_finding(name: str, finding: Finding) -> str:
    """One linter-style line: ``path:line:column: severity rule: message``."""
    return (f"{name}:{finding.line}:{finding.column}: {finding.severity} {finding.rule}: "
            f"{finding.message}")


def _label_kind(data: bytes, kind: str | None) -> str | None:
    """The kind for the summary line: RSS 1.0 and 0.90 (rdf:RDF) are "rss" to callers
    but not RSS 2.0, which the label would otherwise say."""
    if kind != "rss":
        return kind
    from feedpub.validate import root_element

    root = root_element(data)
    return "rdf" if root is not None and root[0] == "RDF" else kind


def _print_text(name: str, kind: str | None, findings: list[Finding], verbose: bool,
                out: TextIO) -> None:
    for finding in findings:
        print(format_finding(name, finding), file=out)
    if verbose:
        errors = sum(1 for f in findings if f.severity == "error")
        warnings = len(findings) - errors
        label = _LABELS.get(kind or "", "?")
        verdict = "valid" if not errors else "invalid"
        print(f"{name}: {verdict} {label} ({errors} errors, {warnings} warnings)", file=out)
