"""The command line: argument parsing, the clock, and turning errors into exit codes.

Each command is a few lines over a library call. Every error a user can cause is a
FeedpubError: it is printed as one line per problem on stderr, with no traceback, and
the process exits with that error's documented code (README, "Exit codes").
argparse (not click) keeps the every-minute cron path free of third-party imports.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from feedpub.exitcodes import ExitCode

# typing.TYPE_CHECKING without importing typing; errors and notices are imported where
# used: the every-minute no-op run (feedpub.quick) needs neither, nor their dataclasses.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.notices import Notice

COMMANDS = ("build", "close", "reopen", "validate", "upload", "serve", "snippet")
_VALUE_OPTIONS = ("--config", "--wait")  # options allowed before the command that take a value
EPILOG = """Examples:
  publish.py                      build feeds/ from entries/ (same as 'publish.py build')
  publish.py -v build             ... and say which files changed
  publish.py close --continued-at https://example.org/live/next
  publish.py validate feeds/rss.xml https://example.org/feed.xml
  publish.py serve                preview feeds/ at http://127.0.0.1:8000/, rebuilt on change
  publish.py snippet --json-ld    the <head> lines that let readers find the feeds
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        from feedpub.errors import UsageError

        raise UsageError(f"{self.prog}: {message} (see --help)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("feedpub.toml"),
                        help="the blog's config file (default: ./feedpub.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say what changed")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print errors only, not even warnings")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for another run's lock instead of exiting")


def make_parser(command: str = "build") -> argparse.ArgumentParser:
    """The parser; only ``command``'s own options import anything beyond the stdlib."""
    parser = _Parser(prog="publish.py", description="Publish a live blog as RSS, Atom and JSON "
                     "Feed.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    build = sub.add_parser("build", help="render, check and write the feeds (the default)")
    _common(build)
    build.add_argument("--dry-run", action="store_true",
                       help="build and check the feeds, write and upload nothing")
    build.add_argument("--upload", action="store_true", help="upload what changed afterwards")
    build.add_argument("--strict", action="store_true",
                       help="publish nothing while any entry file is broken (default: leave the "
                       "broken ones out, publish the rest, exit 4)")
    close = sub.add_parser("close", help="close the live blog and point readers onwards")
    _common(close)
    close.add_argument("--continued-at", required=True, metavar="URL",
                       help="where the coverage continues (absolute http(s) URL)")
    close.add_argument("--title", help='the closing item\'s title (default "This live blog '
                       'is closed")')
    close.add_argument("--message", help="one sentence shown above the link")
    close.add_argument("--at", metavar="TIME", help="when it closed (default: now)")
    reopen = sub.add_parser("reopen", help="undo 'close'")
    _common(reopen)
    upload = sub.add_parser("upload", help="send what changed in feeds/ to the web host")
    _common(upload)
    upload.add_argument("--dry-run", action="store_true", help="list what would be sent")
    upload.add_argument("--force", action="store_true", help="send every file again")
    serve = sub.add_parser("serve", help="preview feeds/ over HTTP on this machine, rebuilt on change")
    _common(serve)
    serve.add_argument("--port", type=_port, default=8000,
                       help="TCP port (default 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    snippet = sub.add_parser("snippet", help="print the <link rel=alternate> lines for the live page")
    snippet.add_argument("--config", type=Path, default=Path("feedpub.toml"),
                         help="the blog's config file (default: ./feedpub.toml)")
    snippet.add_argument("--json-ld", action="store_true",
                         help="also print the schema.org LiveBlogPosting block")
    validate = sub.add_parser("validate", help="check RSS, Atom or JSON Feed files or URLs")
    if command == "validate":
        from feedpub.validate.command import add_arguments

        add_arguments(validate)
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def _now() -> datetime:
    """The one place feedpub reads the clock."""
    return datetime.now(UTC).replace(microsecond=0)


@contextmanager
def locked_blog(args: argparse.Namespace, *, create: bool = True) -> Iterator[tuple[SiteConfig, str]]:
    """The blog's config, read under the blog's lock, and the exact text it came from.

    The config names the lock (its ``state_dir``), so it is read once to find the lock
    and again once the lock is held: a command acts on the config as it is when its
    turn comes, never on one another run has since changed (a ``close`` finishing while
    a ``build --wait`` waited, say).
    """
    from feedpub.config import load_config_text
    from feedpub.errors import ConfigError
    from feedpub.lock import BlogLock

    first, _ = load_config_text(args.config)
    with BlogLock(first.state_dir, args.wait, create=create):
        config, text = load_config_text(args.config)
        if config.state_dir != first.state_dir:
            raise ConfigError(config.path, "state_dir", "changed while this run waited for the "
                              "lock; run the command again")
        yield config, text


def _flags(args: argparse.Namespace) -> tuple[bool, bool]:
    return bool(getattr(args, "verbose", False)), bool(getattr(args, "quiet", False))


def _print_notices(notices: list[Notice], args: argparse.Namespace) -> None:
    from feedpub.notices import shown

    verbose, quiet = _flags(args)
    for notice in shown(notices, verbose=verbose, quiet=quiet):
        print(notice, file=sys.stderr)


def _log(args: argparse.Namespace) -> Callable[[str], None]:
    return print if _flags(args)[0] else (lambda _: None)


def run_build(args: argparse.Namespace) -> int:
    from feedpub.stamps import forget_listings

    try:
        return _run_build(args)
    finally:
        forget_listings()


def _run_build(args: argparse.Namespace) -> int:
    if not args.dry_run:
        from feedpub.quick import unchanged

        found = unchanged(args.config, now=_now())
        if found is not None:  # nothing changed: the full path would do nothing either
            return _report_unchanged(args, found.problems, found.refused)
    from feedpub.pipeline import build

    _fewer_collections()
    quiet = _flags(args)[1]
    with locked_blog(args, create=not args.dry_run) as (config, _):
        result = build(config, now=_now(), dry_run=args.dry_run, upload=args.upload,
                       log=_log(args), progress=sys.stderr.isatty() and not quiet,
                       strict=args.strict)
    _print_notices(result.notices, args)
    if args.verbose:
        if result.unchanged:
            print("nothing changed")
        elif args.dry_run:
            print(f"checked {result.entries} entries; dry run, nothing written")
        elif not result.written:
            print("feeds unchanged")
    for line in result.problems:  # the other entries are published; cron mails these
        print(line, file=sys.stderr)
    return ExitCode.BAD_ENTRY if result.problems else ExitCode.OK


def _fewer_collections() -> None:
    """A build makes tens of thousands of small objects (an index of 10 000 entries) and
    few reference cycles: the cyclic collector's default pace spent a sixth of a
    one-change build's time looking for garbage it did not find. A build is one
    short-lived process, so it looks fifty times less often (refcounting frees the rest)."""
    import gc

    gc.set_threshold(50_000, 50, 1_000)


def _report_unchanged(args: argparse.Namespace, problems: tuple[str, ...],
                      refused: tuple[str, ...]) -> int:
    """What a no-op run prints: the entry problems still unfixed (and, with -v, so), or
    the refusal the last build recorded, as the full path would print them."""
    if refused:
        from feedpub.errors import FeedCheckError

        print(FeedCheckError([], lines=refused), file=sys.stderr)
        return ExitCode.FEED_CHECK
    if args.verbose:
        print("nothing changed")
    for line in problems:
        print(line, file=sys.stderr)
    return ExitCode.BAD_ENTRY if problems else ExitCode.OK


def run_close(args: argparse.Namespace) -> int:
    from feedpub.pipeline import close

    with locked_blog(args) as (config, text):
        result = close(config, text, continued_at=args.continued_at, title=args.title,
                       message=args.message, at=args.at, now=_now())
    _print_notices(result.notices, args)
    if args.verbose:
        print(f"closed; coverage continues at {args.continued_at}")
    return ExitCode.OK


def run_reopen(args: argparse.Namespace) -> int:
    from feedpub.pipeline import reopen

    with locked_blog(args) as (config, text):
        result = reopen(config, text, now=_now())
    _print_notices(result.notices, args)
    if args.verbose:
        print("reopened")
    return ExitCode.OK


def run_upload(args: argparse.Namespace) -> int:
    from feedpub.upload.publish import upload_outputs

    log = print if (args.verbose or args.dry_run) else (lambda _: None)
    with locked_blog(args) as (config, _):
        report = upload_outputs(config, dry_run=args.dry_run, force=args.force, log=log)
    _print_notices(list(report.notices), args)
    return ExitCode.OK


def run_serve(args: argparse.Namespace) -> int:
    """Serve the output folder, rebuilding (under the lock, never uploading) on change."""
    from feedpub.config import load_config
    from feedpub.pipeline import build, fingerprint
    from feedpub.serve import Site, serve

    def site_of(config: SiteConfig) -> Site:
        return Site(config.output_dir, config.closed is not None, config.ttl)

    def say(line: str) -> None:
        print(line, flush=True)

    def warn(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def rebuild() -> tuple[Site, list[str], list[str]]:
        with locked_blog(args) as (config, _):
            result = build(config, now=_now(), preview=True)
        _print_notices(result.notices, args)
        return site_of(config), result.written, result.problems

    first = load_config(args.config)
    return serve(site_of(first), host=args.host, port=args.port, rebuild=rebuild,
                 fingerprint=lambda: fingerprint(load_config(args.config)), say=say, warn=warn,
                 log_requests=args.verbose)


def run_snippet(args: argparse.Namespace) -> int:
    from feedpub.config import load_config
    from feedpub.formats import FORMATS
    from feedpub.snippet import json_ld_block, link_lines

    config = load_config(args.config)
    print(link_lines(config.title, {name: config.feed_url(f.filename) for name, f in FORMATS.items()}))
    if args.json_ld:
        from feedpub.pipeline import current_feed

        print(json_ld_block(current_feed(config, now=_now())))
    return ExitCode.OK


def run_validate(args: argparse.Namespace) -> int:
    from feedpub.validate.command import run

    return run(args)


HANDLERS = {"build": run_build, "close": run_close, "reopen": run_reopen,
            "upload": run_upload, "validate": run_validate, "serve": run_serve,
            "snippet": run_snippet}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _with_command(list(sys.argv[1:] if argv is None else argv))
    try:
        args = make_parser(arguments[0] if arguments else "build").parse_args(arguments)
        return HANDLERS[args.command](args)
    except KeyboardInterrupt:
        print("interrupted; published files are complete old or new versions", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except OSError as error:
        where = error.filename or "feedpub"
        print(f"{where}: {error.strerror or error}; check permissions and free space "
              "(published files are complete old or new versions)", file=sys.stderr)
        return ExitCode.IO
    except Exception as error:  # a FeedpubError: its module is imported only when one is raised
        from feedpub.errors import FeedpubError

        if not isinstance(error, FeedpubError):
            raise
        print(str(error), file=sys.stderr)
        return error.exit_code


def _with_command(arguments: list[str]) -> list[str]:
    """Put the command first; with none, the command is ``build`` (cron's ``publish.py``)."""
    if arguments[:1] in (["-h"], ["--help"]):
        return arguments
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument in COMMANDS:
            return [argument, *arguments[:index], *arguments[index + 1:]]
        if not argument.startswith("-"):
            break
        index += 2 if argument in _VALUE_OPTIONS else 1
    return ["build", *arguments]
