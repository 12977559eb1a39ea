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
from typing import TYPE_CHECKING

from feedpub.errors import ConfigError, ExitCode, FeedpubError, UsageError
from feedpub.notices import Notice, shown

if TYPE_CHECKING:
    from feedpub.config import SiteConfig

COMMANDS = ("build", "close", "reopen", "retract", "validate", "upload")
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
    retract = sub.add_parser("retract", help="withdraw a published update (the file stays as "
                             "the record), then build")
    _common(retract)
    retract.add_argument("entry", metavar="ENTRY", help="the entry file (path or file name)")
    retract.add_argument("--reason", help="one sentence for readers (Atom at:comment)")
    retract.add_argument("--at", metavar="TIME", help="when it was retracted (default: now)")
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


@contextmanager
def locked_blog(args: argparse.Namespace, *, create: bool = True) -> Iterator[tuple[SiteConfig, str]]:
    """The blog's config, read under the blog's lock, and the exact text it came from.

    The config names the lock (its ``state_dir``), so it is read once to find the lock
    and again once the lock is held: a command acts on the config as it is when its
    turn comes, never on one another run has since changed (a ``close`` finishing while
    a ``build --wait`` waited, say).
    """
    from feedpub.config import load_config_text
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
    verbose, quiet = _flags(args)
    for notice in shown(notices, verbose=verbose, quiet=quiet):
        print(notice, file=sys.stderr)


def _log(args: argparse.Namespace) -> Callable[[str], None]:
    return print if _flags(args)[0] else (lambda _: None)


def run_build(args: argparse.Namespace) -> int:
    from feedpub.pipeline import build

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


def run_retract(args: argparse.Namespace) -> int:
    from feedpub.pipeline import retract

    with locked_blog(args) as (config, _):
        result = retract(config, args.entry, reason=args.reason, at=args.at, now=_now())
    _print_notices(result.notices, args)
    if args.verbose:
        print(f"retracted {args.entry}")
    for line in result.problems:
        print(line, file=sys.stderr)
    return ExitCode.BAD_ENTRY if result.problems else ExitCode.OK


def run_upload(args: argparse.Namespace) -> int:
    from feedpub.upload.publish import upload_outputs

    log = print if (args.verbose or args.dry_run) else (lambda _: None)
    with locked_blog(args) as (config, _):
        report = upload_outputs(config, dry_run=args.dry_run, force=args.force, log=log)
    _print_notices(list(report.notices), args)
    return ExitCode.OK


def run_validate(args: argparse.Namespace) -> int:
    from feedpub.validate.command import run

    return run(args)


HANDLERS = {"build": run_build, "close": run_close, "reopen": run_reopen,
            "retract": run_retract, "upload": run_upload, "validate": run_validate}


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
