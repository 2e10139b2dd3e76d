"""The `pactwatch` command.

    pactwatch run PATH... --out DIR [--as-of YYYY-MM-DD]   records, reports and index.html
    pactwatch extract FILE [--as-of YYYY-MM-DD]            one record as JSON on stdout
    pactwatch schema                                       the record's JSON Schema

Exit codes: 0 all files succeeded, 1 some failed (a summary says which and why), 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from pipeline import __version__

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pactwatch",
        description="Read signed contracts; report obligations, deadlines and risks with the clause quoted.",
    )
    parser.add_argument("--version", action="version", version=f"pactwatch {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser("run", help="process files and folders; write records, reports and an index")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="contract files or folders (recursive)")
    run.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (mirrors the input tree)")
    run.add_argument("--as-of", type=_date, default=None, metavar="DATE",
                     help="compute deadlines as of this date (default: today)")

    extract = commands.add_parser("extract", help="print one contract's record as JSON")
    extract.add_argument("file", type=Path, metavar="FILE")
    extract.add_argument("--as-of", type=_date, default=None, metavar="DATE")

    commands.add_parser("schema", help="print the record's JSON Schema")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    as_of = getattr(args, "as_of", None) or dt.date.today()
    if args.command == "schema":
        from pipeline.record import json_schema

        print(json.dumps(json_schema(), indent=2))
        return EXIT_OK
    if args.command == "extract":
        return _extract(args.file, as_of)
    return _run(args.paths, args.out, as_of)


def _extract(file: Path, as_of: dt.date) -> int:
    from pipeline.process import process_file

    if not file.is_file():
        print(f"pactwatch: error: no such file: {file}", file=sys.stderr)
        return EXIT_USAGE
    outcome = process_file(file, str(file), as_of)
    print(outcome.record.to_json())
    failed = outcome.record.status.value in ("failed", "needs_ocr")
    for d in outcome.record.diagnostics:
        print(f"{file}: {d.code} {d.message}", file=sys.stderr)
    return EXIT_FAILURES if failed else EXIT_OK


def _run(paths: list[Path], out: Path, as_of: dt.date) -> int:
    from pipeline.batch import run_batch

    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"pactwatch: error: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"pactwatch: error: cannot create the output folder {out}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    summary = run_batch(paths, out, as_of)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary.counts.items())) or "no contracts found"
    print(f"\n{sum(summary.counts.values())} contract(s): {counts}")
    if summary.skipped:
        print(f"{len(summary.skipped)} file(s) skipped (not a contract format), listed in the index")
    if summary.failures:
        print("Could not process:")
        for name, why in summary.failures:
            print(f"  {name}: {why}")
    print(f"Records and reports: {out.resolve()}")
    print(f"Open: {summary.index.resolve().as_uri() if summary.index else out}")
    return EXIT_OK if summary.ok else EXIT_FAILURES


if __name__ == "__main__":
    sys.exit(main())
