"""The command line: argument parsing, the clock, and turning errors into exit codes.

Each command is a few lines over a library call. Every error a user can cause is a
FeedpubError: it is printed as one line per problem on stderr, with no traceback, and
the process exits with that error's documented code (README, "Exit codes").
argparse (not click) keeps the every-minute cron path free of third-party imports.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from feedpub.errors import ExitCode, FeedpubError, UsageError

COMMANDS = ("build", "close", "reopen", "validate", "upload")
_VALUE_OPTIONS = ("--config", "--wait")  # options allowed before the command that take a value
EPILOG = """Examples:
  publish.py                      build feeds/ from entries/ (same as 'publish.py build')
  publish.py -v build             ... and say which files changed
  publish.py close --continued-at https://example.org/live/next
  publish.py validate feeds/rss.xml https://example.org/feed.xml
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
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
    validate = sub.add_parser("validate", help="check RSS, Atom or JSON Feed files or URLs")
    if command == "validate":
        from feedpub.validate.command import add_arguments

        add_arguments(validate)
    return parser


def _now() -> datetime:
    """The one place feedpub reads the clock."""
    return datetime.now(UTC).replace(microsecond=0)


def _say(args: argparse.Namespace) -> tuple[bool, bool]:
    return bool(getattr(args, "verbose", False)), bool(getattr(args, "quiet", False))


def run_build(args: argparse.Namespace) -> int:
    from feedpub.config import load_config
    from feedpub.lock import BlogLock
    from feedpub.pipeline import build

    verbose, quiet = _say(args)
    log = print if verbose else (lambda _: None)
    config = load_config(args.config)  # read once: it names the lock and drives the build
    with BlogLock(config.state_dir, args.wait, create=not args.dry_run):
        result = build(config, now=_now(), dry_run=args.dry_run, upload=args.upload,
                       log=log, progress=sys.stderr.isatty() and not quiet)
    _warn(result.warnings, verbose, quiet)
    if verbose:
        if result.unchanged:
            print("nothing changed")
        elif args.dry_run:
            print(f"checked {result.entries} entries; dry run, nothing written")
        elif not result.written:
            print("feeds unchanged")
    return ExitCode.OK


def _warn(warnings: list[str], verbose: bool, quiet: bool) -> None:
    """Cache warnings always reach stderr; feed-check warnings only with -v."""
    if quiet:
        return
    for line in warnings:
        if verbose or ": warning: " in line:
            print(line, file=sys.stderr)


def run_close(args: argparse.Namespace) -> int:
    from feedpub.closing import close_blog
    from feedpub.config import load_config_text
    from feedpub.lock import BlogLock

    config, text = load_config_text(args.config)
    with BlogLock(config.state_dir, args.wait):
        close_blog(config, text, continued_at=args.continued_at, title=args.title,
                   message=args.message, at=args.at, now=_now())
    if args.verbose:
        print(f"closed; coverage continues at {args.continued_at}")
    return ExitCode.OK


def run_reopen(args: argparse.Namespace) -> int:
    from feedpub.closing import reopen_blog
    from feedpub.config import load_config_text
    from feedpub.lock import BlogLock

    config, text = load_config_text(args.config)
    with BlogLock(config.state_dir, args.wait):
        reopen_blog(config, text, now=_now())
    if args.verbose:
        print("reopened")
    return ExitCode.OK


def run_upload(args: argparse.Namespace) -> int:
    from feedpub.config import load_config
    from feedpub.lock import BlogLock
    from feedpub.pipeline import upload_outputs

    verbose, quiet = _say(args)
    log = print if (verbose or args.dry_run) else (lambda _: None)
    config = load_config(args.config)
    with BlogLock(config.state_dir, args.wait):
        report = upload_outputs(config, dry_run=args.dry_run, force=args.force, log=log)
    _warn([f"warning: {w}" for w in report.warnings], True, quiet)
    return ExitCode.OK


def run_validate(args: argparse.Namespace) -> int:
    from feedpub.validate.command import run

    return run(args)


HANDLERS = {"build": run_build, "close": run_close, "reopen": run_reopen,
            "upload": run_upload, "validate": run_validate}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _with_command(list(sys.argv[1:] if argv is None else argv))
    try:
        args = make_parser(arguments[0] if arguments else "build").parse_args(arguments)
        return HANDLERS[args.command](args)
    except FeedpubError as error:
        print(str(error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted; published files are complete old or new versions", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except OSError as error:
        where = error.filename or "feedpub"
        print(f"{where}: {error.strerror or error}; check permissions and free space "
              "(published files are complete old or new versions)", file=sys.stderr)
        return ExitCode.IO


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
