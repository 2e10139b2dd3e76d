"""Batch runs: which files go through the flow, and where their outputs go.

Inputs are files and folders (walked recursively). Outputs mirror the input tree under the
output folder, named after the whole source file name, so `a/contract.pdf` and `b/contract.pdf`
(or `x/contract.pdf` and `x/contract.docx`) never collide:

    OUT/a/contract.pdf.json   the record
    OUT/a/contract.pdf.html   the report
    OUT/index.html            the portfolio dashboard
    OUT/deadlines.ics         every deadline as a calendar event with reminders
    OUT/obligations.csv, OUT/deadlines.csv, OUT/pactwatch.xlsx   the same as tables
    OUT/pactwatch.db          the register (unless --db says otherwise)

Files are read in worker processes (`pipeline.worker`: memory and time limits, a crash costs
one file), in parallel, or as tasks on a Ray cluster (`pipeline.executors`); either way this
process alone writes the outputs and the register. Each file is hashed first; a file whose bytes were already read by the
same pipeline for the same as-of date is not read again: its stored record is reused. Results
are committed to the register one file at a time, so a run that is killed (or stopped with
Ctrl-C, which finishes the files in hand) is completed by running it again, and no file is
processed twice. A file that changes while it is read is read once more; a full disk stops
the run cleanly (PW-E119) with everything done so far kept.

`iter_outcomes` is the same flow in-process, without isolation, for library use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import errors
from pipeline.errors import IngestError
from pipeline.progress import Progress, Tally, summary_table
from pipeline.publish import OutputError, Published, Publisher, check_writable
from pipeline.publish import output_paths as _output_paths
from pipeline.record import Record, Status
from pipeline.store import Register, RegisterError, default_db
from pipeline.executors import make_executor
from pipeline.worker import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT, Job, JobResult, default_workers

if TYPE_CHECKING:
    from pipeline.process import Outcome

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
    return _output_paths(out_dir, source.relative)


def iter_outcomes(sources: list[Source], as_of: dt.date,
                  playbooks: tuple[Path, ...] = ()) -> Iterator[tuple[Source, Outcome]]:
    from pipeline.process import process_file

    for source in sources:
        yield source, process_file(source.path, source.relative, as_of, playbooks)


def failed_record(source: Path, display_path: str, exc: IngestError, as_of: dt.date) -> Record:
    # imported when needed: pipeline.process loads spaCy, which a run that reuses everything never needs
    from pipeline.process import failed_record as make

    return make(source, display_path, exc, as_of)


@dataclass(frozen=True)
class Snapshot:
    """A file as it was before it was read: changed bytes or metadata afterwards mean it changed."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str


HASH_CHUNK = 1 << 20


def snapshot(path: Path) -> Snapshot:
    """Hash the file and note its size and times; raises OSError if it cannot be read."""
    before = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise FileChangedError(path)
    return Snapshot(after.st_size, after.st_mtime_ns, after.st_ino, digest.hexdigest())


class FileChangedError(OSError):
    pass


def unchanged(path: Path, before: Snapshot, result_sha256: str) -> bool:
    """The file is still what was hashed, and the worker read those same bytes."""
    try:
        now = path.stat()
    except OSError:
        return False
    return ((now.st_size, now.st_mtime_ns, now.st_ino) == (before.size, before.mtime_ns, before.inode)
            and (not result_sha256 or result_sha256 == before.sha256))


@dataclass
class RunOptions:
    workers: int = field(default_factory=default_workers)
    timeout: float = DEFAULT_TIMEOUT
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
    db: Path | None = None
    reuse: bool = True
    progress: bool | None = None  # None: a progress bar when stderr is a terminal
    target: str = "pipeline.worker:process_job"  # the per-file stage run in the workers
    executor: str = "local"  # where that stage runs: "local" worker processes or "ray" (pipeline.executors)
    ray_address: str | None = None  # a Ray cluster to join; None starts a Ray instance on this machine
    stop: Callable[[], bool] = lambda: False  # turns true on Ctrl-C: finish the files in hand, then stop
    retries_on_change: int = 1
    playbooks: tuple[Path, ...] = ()  # user playbooks merged over the default one
    remind: tuple[int, ...] = (30, 7, 1)  # calendar reminders, days before each deadline
    exports: bool = True  # write deadlines.ics, obligations.csv, deadlines.csv, pactwatch.xlsx


@dataclass
class RunSummary:
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, code and message)
    skipped: list[Path] = field(default_factory=list)
    index: Path | None = None
    tally: Tally = field(default_factory=Tally)
    seconds: float = 0.0
    run_id: int | None = None
    db: Path | None = None
    not_done: list[str] = field(default_factory=list)  # files left for the next run (stopped, disk full)
    fatal: str | None = None  # what stopped the run early (disk full, register not writable)
    interrupted: bool = False
    exports: list[Path] = field(default_factory=list)  # calendar and tables written

    @property
    def ok(self) -> bool:
        return not self.failures and not self.not_done and self.fatal is None


def status_failed(status: Status) -> bool:
    return status in (Status.FAILED, Status.NEEDS_OCR)


class _Stop(Exception):
    """The run cannot go on (disk full, register not writable)."""


def run_batch(paths: list[Path], out_dir: Path, as_of: dt.date, *, echo=print,
              options: RunOptions | None = None) -> RunSummary:
    """Process every contract under `paths`, writing a record and a report per file and an index."""
    options = options or RunOptions()
    started = time.monotonic()
    generated = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    discovery = discover(paths, exclude=out_dir)
    db_path = options.db or default_db(out_dir)
    summary = RunSummary(out_dir=out_dir, skipped=discovery.skipped, db=db_path)
    check_writable(out_dir)
    register = Register(db_path)
    try:
        summary.run_id = register.start_run(
            "run", inputs=[str(p) for p in paths], out_dir=str(out_dir.resolve()), workers=options.workers,
            as_of=as_of)
        publisher = Publisher(register, out_dir, run_id=summary.run_id, generated=generated)
        _Run(discovery.sources, as_of, options, publisher, summary, echo).execute()
        state = "interrupted" if summary.interrupted else ("stopped" if summary.fatal else "finished")
        try:
            register.finish_run(summary.run_id, state, dict(summary.tally.counts))
        except RegisterError as exc:
            summary.fatal = summary.fatal or f"{exc.code.code} {exc.detail}"
    finally:
        register.close()
    summary.seconds = time.monotonic() - started
    return summary


class _Run:
    def __init__(self, sources: list[Source], as_of: dt.date, options: RunOptions, publisher: Publisher,
                 summary: RunSummary, echo: Callable[[str], None]):
        self.sources = sources
        self.as_of = as_of
        self.options = options
        self.publisher = publisher
        self.register = publisher.register
        self.summary = summary
        self.echo = echo
        self.progress = Progress(len(sources), echo=echo, tty=options.progress)
        self.results: dict[str, Published] = {}
        self.snapshots: dict[str, Snapshot] = {}
        self.retries: dict[str, int] = {}
        self.queue: deque[Source] = deque()
        self.by_relative = {s.relative: s for s in sources}
        self.leaders: dict[str, str] = {}  # sha256 -> the file read for it in this run
        self.followers: dict[str, list[Source]] = {}  # sha256 -> other names of those bytes
        self.stopped = False

    def _stop_requested(self) -> bool:
        if not self.stopped and self.options.stop():
            self.summary.interrupted = True
            self.stopped = True
        return self.stopped

    def execute(self) -> None:
        try:
            for source in self.sources:
                if self._stop_requested():
                    break
                self._triage(source)
            if self.queue and not self.stopped:
                self._process_queue()
        except _Stop:
            pass
        finally:
            self.progress.close()
        done = set(self.results)
        self.summary.not_done = [s.relative for s in self.sources if s.relative not in done]
        entries = self.publisher.placed([self.results[s.relative] for s in self.sources if s.relative in self.results])
        try:
            if self.options.exports:
                self.summary.exports = self.publisher.write_exports(entries, as_of=self.as_of,
                                                                    remind_days=self.options.remind)
            self.summary.index = self.publisher.write_index(
                entries, as_of=self.as_of, skipped=[str(p) for p in self.summary.skipped],
                exports=[p.name for p in self.summary.exports])
        except OutputError as exc:
            self.summary.fatal = self.summary.fatal or f"{exc.code.code} {exc.code.title}: {exc.detail}"

    # ------------------------------------------------------------------ per file

    def _triage(self, source: Source) -> None:
        """Hash the file; reuse its stored record, or queue it for a worker."""
        try:
            snap = snapshot(source.path)
        except FileChangedError:
            self.queue.append(source)  # still being written: a worker reads it, and we check again
            return
        except OSError as exc:
            detail = ("the file disappeared before it could be read" if isinstance(exc, FileNotFoundError)
                      else f"it cannot be read ({exc.strerror or exc})")
            record = failed_record(source.path, source.relative, IngestError(errors.UNREADABLE_FILE, detail), self.as_of)
            self._publish(source, None, record, None, "failed", None)
            return
        self.snapshots[source.relative] = snap
        if snap.sha256 in self.leaders:  # the same bytes under another name: read once
            self.followers.setdefault(snap.sha256, []).append(source)
            return
        stored = self.register.reusable(snap.sha256, self.as_of) if self.options.reuse else None
        if stored is not None and not checks_current(stored.record, self.as_of, self.options.playbooks):
            stored = None  # made under other playbooks: read it again so record, register and report agree
        if stored is None:
            self.leaders[snap.sha256] = source.relative
            self.queue.append(source)
            return
        document = None
        if not self.publisher.is_current(source.relative, snap.sha256, *output_paths(self.publisher.out_dir, source)):
            document = self.register.document(snap.sha256)
        self._publish(source, snap.sha256, stored.record, document, "reused", None)

    def _jobs(self) -> Iterator[Job]:
        while self.queue:
            source = self.queue.popleft()
            if source.relative not in self.snapshots:
                try:
                    self.snapshots[source.relative] = snapshot(source.path)
                except OSError:
                    pass  # the worker reports what is wrong with it
            yield Job(source.path, source.relative, self.as_of, self.options.playbooks)

    def _process_queue(self) -> None:
        with make_executor(self.options.executor, workers=self.options.workers, timeout=self.options.timeout,
                           memory_limit_mb=self.options.memory_limit_mb, target=self.options.target,
                           ray_address=self.options.ray_address) as pool:
            while self.queue:
                for result in pool.imap_unordered(self._jobs(), stop=self._stop_requested):
                    self._handle(result)
                if self.stopped:
                    break

    def _handle(self, result: JobResult) -> None:
        source = self.by_relative[result.job.display_path]
        record: Record = result.outcome.record
        before = self.snapshots.get(source.relative)
        if before is not None and record.document.sha256 and not unchanged(source.path, before, record.document.sha256):
            tries = self.retries.get(source.relative, 0)
            if tries < self.options.retries_on_change:
                self.retries[source.relative] = tries + 1
                self.snapshots.pop(source.relative, None)
                log.info("%s changed while it was read; reading it again", source.relative)
                self.queue.append(source)
                return
            record = failed_record(source.path, source.relative, IngestError(
                errors.FILE_CHANGED, "its size or modification time changed while it was read, twice"), self.as_of)
            self._publish(source, None, record, None, "failed", result.seconds)
            return
        sha = record.document.sha256 or (before.sha256 if before else "")
        if not sha:  # vanished before the worker could read it
            self._publish(source, None, record, None, "failed", result.seconds)
            return
        try:
            affected = self.publisher.store(
                sha256=sha, record=record, document=result.outcome.document, identity=result.output.identity,
                amends=result.output.amends, changes=result.output.changes, seconds=result.seconds,
                name=source.relative)
        except RegisterError as exc:
            self._fatal(exc.code, exc.detail)
        self._publish(source, sha, record, result.outcome.document, "processed", result.seconds)
        for follower in self.followers.pop(sha, []):
            self._publish(follower, sha, record, result.outcome.document, "reused", None)
        for other in affected:
            self.publisher.rerender(other)

    def _publish(self, source: Source, sha: str | None, record: Record, document, action: str,
                 seconds: float | None) -> None:
        try:
            published = self.publisher.publish(relative=source.relative, sha256=sha, record=record,
                                               document=document, action=action, seconds=seconds)
        except RegisterError as exc:
            self._fatal(exc.code, exc.detail)
        if published.error is not None:
            if published.error.code is errors.DISK_FULL:
                self._fatal(published.error.code, published.error.detail)
            reason = f"{published.error.code.code} {published.error.code.title}: {published.error.detail}"
            self.summary.failures.append((source.relative, reason))
            self.summary.tally.add("failed", [published.error.code.code], "failed")
            self.summary.counts["failed"] = self.summary.counts.get("failed", 0) + 1
            self.progress.file_done(source.relative, "failed", pages=0, action="failed", seconds=seconds,
                                    reason=reason)
            return
        self.results[source.relative] = published
        status = record.status.value
        self.summary.counts[status] = self.summary.counts.get(status, 0) + 1
        codes = [d.code for d in record.diagnostics if d.severity in ("error", "warning")]
        self.summary.tally.add(status, codes, action)
        reason = None
        if status_failed(record.status):
            first = next((d for d in record.diagnostics if d.severity == "error"), None)
            reason = f"{first.code} {first.message}" if first else status
            self.summary.failures.append((source.relative, reason))
        self.progress.file_done(source.relative, status, pages=record.document.pages, action=action,
                                seconds=seconds, reason=reason)

    def _fatal(self, code: errors.ErrorCode, detail: str) -> None:
        self.summary.fatal = f"{code.code} {code.title}: {detail}. {code.advice[:1].upper()}{code.advice[1:]}."
        self.stopped = True
        raise _Stop


def checks_current(record: Record, as_of: dt.date, playbooks: tuple[Path, ...]) -> bool:
    """A stored record's checks are what this run's playbooks give (a run with --playbook, or
    without it after one that had it, must not reuse the other run's checklist)."""
    if status_failed(record.status):
        return True  # a file that could not be read has no checks under any playbook
    from pipeline.checks import load_playbooks, run_checks

    return run_checks(record, load_playbooks(playbooks), as_of) == record.checks


def write_summary(summary: RunSummary, echo: Callable[[str], None] = print) -> None:
    echo(summary_table(summary.tally, skipped=len(summary.skipped), seconds=summary.seconds))


__all__ = ["Source", "Discovery", "discover", "output_paths", "iter_outcomes", "run_batch", "RunOptions",
           "RunSummary", "write_summary", "is_temporary", "CONTRACT_SUFFIXES", "TEMPORARY_SUFFIXES"]
