"""The command line: argument parsing, the clock, and turning errors into exit codes.

Each command is a few lines over a library call. Every error a user can cause is a
FeedpubError: it is printed as one line per problem on stderr, with no traceback, and
the process exits with that error's documented code (README, "Exit codes").
argparse (not click) keeps the every-minute cron path free of third-party imports.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from feedpub import __version__, program
from feedpub.exitcodes import ExitCode

# typing.TYPE_CHECKING without importing typing; errors and notices are imported where
# used: the every-minute no-op run (feedpub.quick) needs neither, nor their dataclasses.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.notices import Notice

COMMANDS = ("build", "close", "reopen", "retract", "validate", "upload", "check", "init", "new",
            "serve", "snippet")
_VALUE_OPTIONS = ("--config", "--wait")  # options allowed before the command that take a value
EXAMPLES = (
    ("init election", "start a live blog in ./election: feedpub.toml, entries/"),
    ('new "Polls open"', "write the next entry (opens $EDITOR on a terminal)"),
    ("", "build feeds/ from entries/ (same as 'build')"),
    ("-v build", "... and say which files changed"),
    ("check", "check the config and every entry, write nothing"),
    ("close --continued-at https://example.org/live/next", ""),
    ("validate feeds/rss.xml https://example.org/feed.xml", ""),
    ("serve", "preview feeds/ at http://127.0.0.1:8000/, rebuilt on change"),
    ("snippet --json-ld", "the <head> lines that let readers find the feeds"),
)


def _epilog(prog: str) -> str:
    width = max(len(f"{prog} {words}") for words, what in EXAMPLES if what)
    lines = [f"  {f'{prog} {words}'.strip():<{width}}   {what}".rstrip() for words, what in EXAMPLES]
    return "Examples:\n" + "\n".join(lines) + "\n"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        from feedpub.errors import UsageError

        raise UsageError(f"{self.prog}: {message} (see --help)")


def _common(parser: argparse.ArgumentParser) -> None:
    _blog_options(parser)
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for another run's lock instead of exiting")


def _blog_options(parser: argparse.ArgumentParser) -> None:
    """The options of every command that works on one blog (those taking its lock add --wait)."""
    parser.add_argument("--config", type=Path, default=Path("feedpub.toml"),
                        help="the blog's config file (default: ./feedpub.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say what changed")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print errors only, not even warnings")


def make_parser(command: str = "build") -> argparse.ArgumentParser:
    """The parser; only ``command``'s own options import anything beyond the stdlib.

    When ``command`` is one (``main`` puts it first), only its own subparser is made:
    the others serve the top-level ``--help`` alone, and making them all cost the
    every-minute no-op run about 2 ms.
    """
    prog = program.name()
    parser = _Parser(prog=prog, description="Publish a live blog as RSS, Atom and JSON Feed.",
                     epilog=_epilog(prog),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"feedpub {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, add in _SUBPARSERS.items():
        if name == command or command not in COMMANDS:
            add(sub, command)
    return parser


def _build_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    build = sub.add_parser("build", help="render, check and write the feeds (the default)")
    _common(build)
    build.add_argument("--dry-run", action="store_true",
                       help="build and check the feeds, write and upload nothing")
    build.add_argument("--upload", action="store_true", help="upload what changed afterwards")
    build.add_argument("--strict", action="store_true",
                       help="publish nothing while any entry file is broken (default: leave the "
                       "broken ones out, publish the rest, exit 4)")


def _close_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    close = sub.add_parser("close", help="close the live blog and point readers onwards")
    _common(close)
    close.add_argument("--continued-at", required=True, metavar="URL",
                       help="where the coverage continues (absolute http(s) URL)")
    close.add_argument("--title", help='the closing item\'s title (default in the blog\'s '
                       'language: "This live blog is closed")')
    close.add_argument("--message", help="one sentence shown above the link")
    close.add_argument("--link-text", help='the link\'s text (default in the blog\'s language: '
                       '"Keep reading: the coverage continues here.")')
    close.add_argument("--at", metavar="TIME", help="when it closed (default: now)")


def _reopen_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    _common(sub.add_parser("reopen", help="undo 'close'"))


def _retract_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    retract = sub.add_parser("retract", help="withdraw a published update (the file stays as "
                             "the record), then build")
    _common(retract)
    retract.add_argument("entry", metavar="ENTRY", help="the entry file (path or file name)")
    retract.add_argument("--reason", help="one sentence for readers (Atom at:comment)")
    retract.add_argument("--at", metavar="TIME", help="when it was retracted (default: now)")


def _upload_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    upload = sub.add_parser("upload", help="send what changed in feeds/ to the web host")
    _common(upload)
    upload.add_argument("--dry-run", action="store_true", help="list what would be sent")
    upload.add_argument("--force", action="store_true", help="send every file again")


def _validate_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    validate = sub.add_parser("validate", help="check RSS, Atom or JSON Feed files or URLs")
    if command == "validate":
        from feedpub.validate.command import add_arguments

        add_arguments(validate)
        validate.epilog = (validate.epilog or "").replace("publish.py", program.name())


def _serve_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    serve = sub.add_parser("serve", help="preview feeds/ over HTTP on this machine, rebuilt on change")
    _common(serve)
    serve.add_argument("--port", type=_port, default=8000,
                       help="TCP port (default 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")


def _snippet_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    snippet = sub.add_parser("snippet", help="print the <link rel=alternate> lines for the live page")
    snippet.add_argument("--config", type=Path, default=Path("feedpub.toml"),
                         help="the blog's config file (default: ./feedpub.toml)")
    snippet.add_argument("--json-ld", action="store_true",
                         help="also print the schema.org LiveBlogPosting block")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def _check_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    check = sub.add_parser("check", help="check the config and the entries; build and write "
                           "nothing")
    _blog_options(check)
    check.add_argument("files", nargs="*", metavar="ENTRY",
                       help="only these entry files (default: every entry)")


def _init_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    init = sub.add_parser("init", help="start a live blog: feedpub.toml, entries/, .gitignore")
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="FOLDER",
                      help="where (default: the current folder; created if missing)")
    init.add_argument("-v", "--verbose", action="store_true", help="list the files written")
    init.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    init.add_argument("--title", help="the blog's title (default: from the folder's name)")
    init.add_argument("--home-page-url", metavar="URL", help="the live page's address")
    init.add_argument("--feeds-url", metavar="URL",
                      help="where feeds/ is served (default: <home page>/feeds/)")
    init.add_argument("--timezone", metavar="ZONE",
                      help="IANA zone for entry times (default: this machine's, else UTC)")
    init.add_argument("--language", metavar="TAG", help='BCP 47 language tag (default "en")')


def _new_parser(sub: argparse._SubParsersAction[_Parser], command: str) -> None:
    new = sub.add_parser("new", help="write the next entry file, published now")
    _blog_options(new)
    new.add_argument("title", help="the entry's title")
    new.add_argument("--at", metavar="TIME",
                     help="publish at this time instead of now (a future time schedules it)")
    new.add_argument("--body", metavar="TEXT", help="the entry's text (Markdown); without it "
                     "the entry is a draft unless an editor opens it")
    new.add_argument("--draft", action="store_true", help="write it as a draft")
    new.add_argument("--no-edit", action="store_true", help="do not open $EDITOR")


# Each command's subparser, in the order the top-level --help lists them.
_SUBPARSERS: dict[str, Callable[[argparse._SubParsersAction[_Parser], str], None]] = {
    "build": _build_parser, "close": _close_parser, "reopen": _reopen_parser,
    "retract": _retract_parser, "upload": _upload_parser, "validate": _validate_parser,
    "check": _check_parser, "init": _init_parser, "new": _new_parser, "serve": _serve_parser,
    "snippet": _snippet_parser,
}


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
    from feedpub.config import load_config_text, setting_error
    from feedpub.lock import BlogLock

    first, _ = load_config_text(args.config)
    with BlogLock(first.state_dir, args.wait, create=create):
        config, text = load_config_text(args.config)
        if config.state_dir != first.state_dir:
            raise setting_error(config.path, "state_dir", "changed while this run waited for "
                                "the lock; run the command again")
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

    _collector_for_a_build(own_process=getattr(args, "own_process", False))
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


def _collector_for_a_build(*, own_process: bool) -> None:
    """A build makes hundreds of thousands of small objects (an index of 10 000 entries,
    its ledger, its documents' pieces) and almost no reference cycles: refcounting frees
    what it drops, and the cyclic collector finds next to nothing. Even at a fiftieth of
    its default pace it made 28 passes over a new archived entry's build, and without it
    that build took 0.41 s against 0.50 s (alternating runs, 10 000 entries), one change
    without archives 0.71 s against 0.80 s, a new entry at 100 000 archived entries
    3.6-3.9 s against 3.9-4.3 s. So a build in its own process (``run``, which ends it
    with ``os._exit``) turns it off; the peak memory measured is the same (10 000 entries
    cold and after one change, 100 000 cold and after a new entry). A build called in
    another program's process (tests, ``main`` called directly) leaves that process a
    collector, at the slower pace.
    """
    import gc

    if own_process:
        gc.disable()
    else:
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
                       message=args.message, at=args.at, now=_now(), link_text=args.link_text)
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


def run_check(args: argparse.Namespace) -> int:
    """The config and the entries, checked as ``build`` would, with nothing built or written."""
    from feedpub.config import load_config
    from feedpub.pipeline import check

    config = load_config(args.config)
    result = check(config, now=_now(), files=args.files,
                   progress=sys.stderr.isatty() and not _flags(args)[1])
    _print_notices(result.notices, args)
    for line in result.problems:
        print(line, file=sys.stderr)
    if args.verbose:
        problems = len(result.problems)
        print(f"checked {result.parsed} entry files: {result.entries} to publish, "
              f"{len(result.scheduled)} scheduled, {problems} problem{'' if problems == 1 else 's'}")
    return ExitCode.BAD_ENTRY if result.problems else ExitCode.OK


def run_init(args: argparse.Namespace) -> int:
    from feedpub.scaffold import InitAnswers, init_blog

    answers = InitAnswers(title=args.title, home_page_url=args.home_page_url,
                          feeds_url=args.feeds_url, timezone=args.timezone,
                          language=args.language)
    written = init_blog(args.folder, answers, now=_now(), ask=_asker())
    if args.verbose:
        for path in written:
            print(f"wrote {path}")
    if not args.quiet:
        where = "" if args.folder == Path(".") else f"cd {args.folder} && "
        print(f"next: {where}{program.command('new')} \"A first update\"")
    return ExitCode.OK


def run_new(args: argparse.Namespace) -> int:
    from feedpub.config import load_config
    from feedpub.scaffold import NewEntry, new_entry

    config = load_config(args.config)
    editor = None if args.no_edit or args.body is not None else _editor()
    request = NewEntry(title=args.title, at=args.at, body=args.body, draft=args.draft)
    written = new_entry(config, request, now=_now(), editor=editor)
    if not args.quiet:
        print(written.message)
    return ExitCode.OK


def _asker() -> Callable[[str, str], str] | None:
    """Questions for ``init`` on a terminal; None (ask nothing) for cron, pipes and scripts."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None

    def ask(question: str, default: str) -> str:
        answer = input(f"{question} [{default}]: ").strip()
        return answer or default

    return ask


def _editor() -> list[str] | None:
    """The user's editor command ($VISUAL, then $EDITOR), only when a person is at a terminal."""
    import os
    import shlex

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    try:
        return shlex.split(command) if command else None
    except ValueError:
        return None


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


HANDLERS = {"build": run_build, "close": run_close, "reopen": run_reopen, "retract": run_retract,
            "upload": run_upload, "validate": run_validate, "check": run_check,
            "init": run_init, "new": run_new, "serve": run_serve, "snippet": run_snippet}


def main(argv: Sequence[str] | None = None, *, prog: str | None = None,
         own_process: bool = False) -> int:
    """Run one command; ``prog`` is the name to show (default: as the process was started).

    A caller that passes ``argv`` itself (tests, other programs) is shown the documented
    ``publish.py`` unless it says otherwise. ``own_process`` (``run`` only): the process
    ends with the command, which may then set it up for one short run.
    """
    program.set_name(prog or (program.name_from_argv0(sys.argv[0]) if argv is None
                              else program.DEFAULT))
    try:
        arguments = _with_command(list(sys.argv[1:] if argv is None else argv))
        args = make_parser(arguments[0] if arguments else "build").parse_args(arguments)
        args.own_process = own_process
        return HANDLERS[args.command](args)
    except SystemExit as done:  # --help and --version print, then end the run
        return done.code if isinstance(done.code, int) else ExitCode.USAGE
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


def run() -> NoReturn:
    """The process: ``main``, then exit at once with its code.

    Everything a command writes is flushed and synced before it returns; what is left is
    the interpreter freeing every object of a build one by one (a tenth of a second
    after a build of 10 000 entries, every minute under cron). So the streams are
    flushed and the process ends without that, as ``os._exit`` does. Only the program
    itself calls this; ``main`` returns to whoever else calls it.
    """
    code = main(own_process=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
            code = code or ExitCode.IO
    os._exit(code)


def _with_command(arguments: list[str]) -> list[str]:
    """Put the command first; with none, the command is ``build`` (cron's ``publish.py``).

    A word where the command goes that is no command is a typo (``build`` takes no
    word of its own), so it gets "did you mean" rather than argparse's "unrecognized
    arguments".
    """
    if arguments[:1] in (["-h"], ["--help"], ["--version"]):
        return arguments
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument in COMMANDS:
            return [argument, *arguments[:index], *arguments[index + 1:]]
        if not argument.startswith("-"):
            from feedpub.errors import UsageError

            raise UsageError(_unknown_command(argument))
        index += 2 if argument in _VALUE_OPTIONS else 1
    return ["build", *arguments]


def _unknown_command(word: str) -> str:
    from feedpub.text import closest, quoted

    close = closest(word, COMMANDS)
    hint = f"did you mean '{program.command(close)}'?" if close else \
        f"the commands are {', '.join(COMMANDS)}"
    return f"{program.name()}: {quoted(word)} is not a command; {hint} (see --help)"
