"""The `pactwatch` command.

    pactwatch run PATH... --out DIR [--workers N] [--timeout S]   records, reports, index.html, register,
              [--playbook FILE] [--remind 30,7,1]              calendar (deadlines.ics) and tables (CSV, XLSX)
    pactwatch watch INBOX --out DIR                                process files as they arrive
    pactwatch list [--db FILE | --out DIR] [--json]                the contracts in the register
    pactwatch show CONTRACT [--json]                               one contract: terms, deadlines, amendments
    pactwatch due [--within 30d] [--json]                          deadlines across the portfolio
    pactwatch extract FILE [--as-of YYYY-MM-DD]                    one record as JSON on stdout
    pactwatch schema                                               the record's JSON Schema

The register is `OUT/pactwatch.db` unless `--db` (or $PACTWATCH_DB) names another file.
`--playbook FILE` (repeatable) merges a playbook of checks over the default one, by check id.
Exit codes: 0 all files succeeded, 1 some failed (a summary says which and why), 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import signal
import sys
from pathlib import Path
from types import FrameType

from pipeline import __version__

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from exc


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
    return value


_SPAN = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_SPAN_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}


def _span(text: str) -> dt.timedelta:
    """'30d', '6w', '3m', '1y' or a number of days."""
    match = _SPAN.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a span such as 30d, 6w, 3m or 1y: {text!r}")
    return dt.timedelta(days=int(match.group(1)) * _SPAN_DAYS[match.group(2).lower()])


def _remind(text: str) -> tuple[int, ...]:
    """'30,7,1' -> (30, 7, 1): days before each deadline a calendar reminder goes off."""
    try:
        days = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of days such as 30,7,1: {text!r}") from exc
    if any(d < 0 or d > 3650 for d in days):
        raise argparse.ArgumentTypeError(f"reminder days must be between 0 and 3650: {text!r}")
    return tuple(sorted(set(days), reverse=True))


def _add_remind_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remind", type=_remind, default=(30, 7, 1), metavar="DAYS",
                        help="calendar reminders, in days before each deadline (default: 30,7,1)")


def _add_playbook_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--playbook", type=Path, action="append", default=[], metavar="FILE",
                        help="a playbook of checks merged over the default one by check id (repeatable)")


def _playbooks(paths: list[Path]) -> tuple[Path, ...] | str:
    """The playbooks as absolute paths, or the message saying why one cannot be used."""
    if not paths:
        return ()
    from pipeline.checks import PlaybookError, load_playbooks

    resolved = tuple(p.resolve() for p in paths)
    try:
        load_playbooks(resolved)
    except PlaybookError as exc:
        return str(exc)
    return resolved


def _add_db_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, metavar="FILE", help="the register (default: OUT/pactwatch.db, "
                        "or $PACTWATCH_DB, or ./pactwatch.db)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="the output folder whose register to read")


def _add_worker_options(parser: argparse.ArgumentParser, workers_default: int | None) -> None:
    from pipeline.worker import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT

    if workers_default is not None:
        parser.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                            help=f"files read in parallel, each in its own process (default: {workers_default}; "
                            "with --executor ray, one per CPU of the cluster)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop reading a file after this long (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--memory-limit", type=_positive_int, default=DEFAULT_MEMORY_LIMIT_MB, metavar="MB",
                        help=f"memory one file may use while it is read (default: {DEFAULT_MEMORY_LIMIT_MB})")
    parser.add_argument("--db", type=Path, metavar="FILE",
                        help="the register (default: OUT/pactwatch.db, or $PACTWATCH_DB)")


def build_parser() -> argparse.ArgumentParser:
    from pipeline.worker import default_workers

    parser = argparse.ArgumentParser(
        prog="pactwatch",
        description="Read signed contracts; report obligations, deadlines and risks with the clause quoted.",
    )
    parser.add_argument("--version", action="version", version=f"pactwatch {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser("run", help="process files and folders; write records, reports and an index",
                              description="Process contract files and folders (recursively) in parallel. "
                              "A second run reuses the results of files whose bytes are unchanged.")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="contract files or folders (recursive)")
    run.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (mirrors the input tree)")
    run.add_argument("--as-of", type=_date, default=None, metavar="DATE",
                     help="compute deadlines as of this date (default: today)")
    _add_worker_options(run, default_workers())
    _add_playbook_option(run)
    _add_remind_option(run)
    run.add_argument("--no-reuse", action="store_true", help="read every file again, even if unchanged")
    run.add_argument("--executor", choices=["local", "ray"], default="local",
                     help="where files are read: local worker processes (default), or tasks on a Ray cluster "
                     "(needs pactwatch[ray]; --workers then counts tasks in flight)")
    run.add_argument("--ray-address", metavar="ADDRESS", default=None,
                     help="the Ray cluster to join, e.g. ray://head:10001 or auto (default: $PACTWATCH_RAY_ADDRESS, "
                     "else a Ray instance started on this machine)")
    bar = run.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show a progress bar (default: when on a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="one plain line per file")

    watch = commands.add_parser(
        "watch", help="watch a folder; process each file once it is complete",
        description="Watch INBOX. Each file, once its size and time have settled, is processed, its record "
        "and report written, the dashboard refreshed, and the file moved to processed/ (or to quarantine/ "
        "with NAME.error.json saying what went wrong). Files already there at start are taken too. "
        "Ctrl-C or SIGTERM finishes the file in hand and exits.")
    watch.add_argument("inbox", type=Path, metavar="INBOX", help="the folder to watch (recursively)")
    watch.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    watch.add_argument("--processed", type=Path, metavar="DIR", help="where processed files go (default: INBOX/processed)")
    watch.add_argument("--quarantine", type=Path, metavar="DIR",
                       help="where unreadable files go (default: INBOX/quarantine)")
    watch.add_argument("--settle", type=_seconds, default=2.0, metavar="SECONDS",
                       help="a file is complete when its size and time have not changed for this long (default: 2)")
    watch.add_argument("--polling", action="store_true",
                       help="poll the folder instead of using OS notifications (for network drives)")
    watch.add_argument("--poll-interval", type=_seconds, default=1.0, metavar="SECONDS",
                       help="how often to poll with --polling (default: 1)")
    watch.add_argument("--once", action="store_true", help="process what is in the inbox, then exit")
    watch.add_argument("--as-of", type=_date, default=None, metavar="DATE",
                       help="compute deadlines as of this date (default: the day each file is processed)")
    _add_worker_options(watch, None)
    _add_playbook_option(watch)
    _add_remind_option(watch)

    extract = commands.add_parser("extract", help="print one contract's record as JSON")
    extract.add_argument("file", type=Path, metavar="FILE")
    extract.add_argument("--as-of", type=_date, default=None, metavar="DATE")
    _add_playbook_option(extract)

    commands.add_parser("schema", help="print the record's JSON Schema")

    listing = commands.add_parser("list", help="list the contracts in the register")
    _add_db_options(listing)
    listing.add_argument("--status", choices=["ok", "partial", "needs_ocr", "failed"], help="only these")
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = commands.add_parser("show", help="show one contract from the register",
                               description="CONTRACT is a file name or path, a sha256 prefix, or words of the title.")
    show.add_argument("contract", metavar="CONTRACT")
    _add_db_options(show)
    show.add_argument("--json", action="store_true", help="print the record (and links) as JSON")

    due = commands.add_parser("due", help="deadlines across the portfolio",
                              description="Deadlines falling between the as-of date and the end of the span.")
    due.add_argument("--within", type=_span, default=dt.timedelta(days=30), metavar="SPAN",
                     help="how far ahead: 30d, 6w, 3m, 1y (default: 30d)")
    due.add_argument("--as-of", type=_date, default=None, metavar="DATE", help="from this date (default: today)")
    due.add_argument("--all", action="store_true", help="include deadlines superseded by an amendment")
    _add_db_options(due)
    due.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly, as Unix tools do
        sys.stderr.close()
        return EXIT_FAILURES


def _main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    default_level = logging.INFO if args.verbose or args.command == "watch" else logging.WARNING
    logging.basicConfig(level=default_level, format="%(asctime)s %(levelname)s %(message)s"
                        if args.command == "watch" else "%(levelname)s %(name)s: %(message)s")
    if args.command == "schema":
        from pipeline.record import json_schema

        print(json.dumps(json_schema(), indent=2))
        return EXIT_OK
    if args.command in ("run", "watch", "extract"):
        playbooks = _playbooks(args.playbook)
        if isinstance(playbooks, str):
            print(f"pactwatch: error: {playbooks}", file=sys.stderr)
            return EXIT_USAGE
        args.playbook = playbooks
    if args.command == "extract":
        return _extract(args.file, args.as_of or dt.date.today(), args.playbook)
    if args.command == "run":
        return _run(args)
    if args.command == "watch":
        return _watch(args)
    from pipeline import register_cli

    return register_cli.main(args)


def _extract(file: Path, as_of: dt.date, playbooks: tuple[Path, ...] = ()) -> int:
    from pipeline.process import process_file

    if not file.is_file():
        print(f"pactwatch: error: no such file: {file}", file=sys.stderr)
        return EXIT_USAGE
    outcome = process_file(file, str(file), as_of, playbooks)
    print(outcome.record.to_json())
    failed = outcome.record.status.value in ("failed", "needs_ocr")
    for d in outcome.record.diagnostics:
        print(f"{file}: {d.code} {d.message}", file=sys.stderr)
    return EXIT_FAILURES if failed else EXIT_OK


class StopFlag:
    """First Ctrl-C or SIGTERM: finish the files in hand, then stop. A second Ctrl-C: stop now."""

    def __init__(self) -> None:
        self.requested = False
        self.signal_name = ""

    def __call__(self) -> bool:
        return self.requested

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        self.signal_name = signal.Signals(signum).name
        print(f"\npactwatch: {self.signal_name}: finishing the file(s) in hand, then stopping "
              "(Ctrl-C again to stop at once)", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from pipeline.batch import RunOptions, run_batch, write_summary
    from pipeline.executors import ExecutorError
    from pipeline.publish import OutputError
    from pipeline.store import RegisterError

    paths, out = args.paths, args.out
    as_of = args.as_of or dt.date.today()
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"pactwatch: error: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"pactwatch: error: cannot create the output folder {out}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    stop = StopFlag()
    stop.install()
    from pipeline.worker import default_workers

    workers = args.workers or (0 if args.executor == "ray" else default_workers())  # 0: Ray counts the CPUs
    options = RunOptions(workers=workers, timeout=args.timeout, memory_limit_mb=args.memory_limit,
                         db=args.db, reuse=not args.no_reuse, progress=args.progress, stop=stop,
                         playbooks=args.playbook, remind=args.remind, executor=args.executor,
                         ray_address=args.ray_address)
    try:
        summary = run_batch(paths, out, as_of, options=options)
    except ExecutorError as exc:
        print(f"pactwatch: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OutputError, RegisterError) as exc:
        print(f"pactwatch: error: {exc.code.code} {exc.code.title}: {exc.detail}. "
              f"{exc.code.advice[:1].upper()}{exc.code.advice[1:]}.", file=sys.stderr)
        return EXIT_USAGE if exc.code.code == "PW-E118" else EXIT_FAILURES
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary.counts.items())) or "no contracts found"
    print(f"\n{sum(summary.counts.values())} contract(s): {counts}")
    write_summary(summary)
    if summary.skipped:
        print(f"{len(summary.skipped)} file(s) skipped (not a contract format), listed in the index")
    if summary.failures:
        print("Could not process:")
        for name, why in summary.failures:
            print(f"  {name}: {why}")
    if summary.fatal:
        print(f"\nThe run stopped early: {summary.fatal}")
    if summary.not_done:
        why = "stopped" if summary.interrupted else "not reached"
        print(f"{len(summary.not_done)} file(s) {why}; run the same command again to finish them "
              "(finished files are reused, not read again)")
    print(f"Records and reports: {out.resolve()}")
    if summary.exports:
        print(f"Calendar and tables: {', '.join(p.name for p in summary.exports)}")
    print(f"Register: {summary.db.resolve() if summary.db else ''}")
    print(f"Open: {summary.index.resolve().as_uri() if summary.index else out}")
    return EXIT_OK if summary.ok else EXIT_FAILURES


def _watch(args: argparse.Namespace) -> int:
    from pipeline.publish import OutputError
    from pipeline.store import RegisterError
    from pipeline.watch import WatchOptions, watch

    if not args.inbox.is_dir():
        print(f"pactwatch: error: no such folder: {args.inbox}", file=sys.stderr)
        return EXIT_USAGE
    stop = StopFlag()
    stop.install()
    options = WatchOptions(
        processed=args.processed, quarantine=args.quarantine, settle=args.settle, polling=args.polling,
        poll_interval=args.poll_interval, once=args.once, as_of=args.as_of, timeout=args.timeout,
        memory_limit_mb=args.memory_limit, db=args.db, stop=stop, playbooks=args.playbook, remind=args.remind)
    try:
        watch(args.inbox, args.out, options)
    except (OutputError, RegisterError) as exc:
        print(f"pactwatch: error: {exc.code.code} {exc.code.title}: {exc.detail}. "
              f"{exc.code.advice[:1].upper()}{exc.code.advice[1:]}.", file=sys.stderr)
        return EXIT_USAGE if exc.code.code == "PW-E118" else EXIT_FAILURES
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
