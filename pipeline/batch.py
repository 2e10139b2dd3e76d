"""Batch runs: which files go through the flow, and where their outputs go.

Inputs are files and folders (walked recursively). Outputs mirror the input tree under the
output folder, named after the whole source file name, so `a/contract.pdf` and `b/contract.pdf`
(or `x/contract.pdf` and `x/contract.docx`) never collide:

    OUT/a/contract.pdf.json   the record
    OUT/a/contract.pdf.html   the report
    OUT/index.html            the portfolio dashboard

`iter_outcomes` is a generator that never stops on a bad file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.process import Outcome, process_file
from pipeline.record import Status

log = logging.getLogger(__name__)

# Names a contract archive uses for documents; other files (sources, spreadsheets) are skipped
# and listed. Formats pactwatch cannot read (.doc, .docm, .rtf) are taken so each gets its error.
CONTRACT_SUFFIXES = {".pdf", ".docx", ".docm", ".doc", ".dotx", ".txt", ".text", ".rtf", ".odt"}
# Files that are still being written or are editor lock files.
TEMPORARY_SUFFIXES = {".part", ".crdownload", ".tmp", ".download", ".partial"}


@dataclass(frozen=True)
class Source:
    path: Path
    relative: str  # path under the input root, with "/" separators: names the outputs


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def is_temporary(path: Path) -> bool:
    name = path.name
    return name.startswith(("~$", ".~lock", ".")) or path.suffix.lower() in TEMPORARY_SUFFIXES


def discover(paths: list[Path], exclude: Path | None = None) -> Discovery:
    """Files to process, in a stable order, relative to the folder given (or the files' parent)."""
    found = Discovery()
    roots = [p.resolve() for p in paths]
    if len(roots) == 1 and roots[0].is_dir():
        base = roots[0]
    else:
        parents = [r if r.is_dir() else r.parent for r in roots]
        base = Path(os.path.commonpath(parents)) if parents else Path.cwd()
        if len(roots) > 1 and all(r.is_dir() for r in roots) and base in roots:
            base = base.parent
    excluded = exclude.resolve() if exclude else None
    for root in roots:
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in candidates:
            if excluded and (path == excluded or excluded in path.parents):
                continue
            if is_temporary(path) or path.suffix.lower() not in CONTRACT_SUFFIXES:
                found.skipped.append(path)
                continue
            found.sources.append(Source(path, path.relative_to(base).as_posix()))
    return found


def output_paths(out_dir: Path, source: Source) -> tuple[Path, Path]:
    stem = out_dir / source.relative
    return stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".html")


def iter_outcomes(sources: list[Source], as_of: dt.date) -> Iterator[tuple[Source, Outcome]]:
    for source in sources:
        yield source, process_file(source.path, source.relative, as_of)


@dataclass
class RunSummary:
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, first error message)
    skipped: list[Path] = field(default_factory=list)
    index: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


def status_failed(status: Status) -> bool:
    return status in (Status.FAILED, Status.NEEDS_OCR)


def run_batch(paths: list[Path], out_dir: Path, as_of: dt.date, *, echo=print) -> RunSummary:
    """Process every contract under `paths`, writing a record and a report per file and an index."""
    from reports.html import IndexEntry, render_contract, render_index

    generated = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    out_dir.mkdir(parents=True, exist_ok=True)
    discovery = discover(paths, exclude=out_dir)
    summary = RunSummary(out_dir=out_dir, skipped=discovery.skipped)
    entries: list[IndexEntry] = []
    total = len(discovery.sources)
    for n, (source, outcome) in enumerate(iter_outcomes(discovery.sources, as_of), 1):
        record = outcome.record
        json_path, html_path = output_paths(out_dir, source)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(json_path, record.to_json())
        _write_atomic(html_path, render_contract(record, outcome.document, generated=generated))
        entries.append(IndexEntry(
            record=record,
            report_href=html_path.relative_to(out_dir).as_posix(),
            record_href=json_path.relative_to(out_dir).as_posix(),
        ))
        status = record.status.value
        summary.counts[status] = summary.counts.get(status, 0) + 1
        if status_failed(record.status):
            first = next((d for d in record.diagnostics if d.severity == "error"), None)
            summary.failures.append((source.relative, f"{first.code} {first.message}" if first else status))
        echo(f"[{n}/{total}] {status:9} {source.relative}")
    summary.index = out_dir / "index.html"
    _write_atomic(summary.index, render_index(
        entries, generated=generated, as_of=as_of, skipped=[str(p) for p in discovery.skipped]))
    return summary


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
