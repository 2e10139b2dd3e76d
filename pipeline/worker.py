"""Process isolation: every document is read in a worker process with a memory and a time limit.

A hostile or broken file can make a parser allocate without bound, recurse until the C stack
overflows, or loop. In a worker that costs only the worker: its address space is capped with
`RLIMIT_AS` (a runaway allocation raises MemoryError there, PW-E115), the parent kills it when
the per-file timeout passes (PW-E114), and a worker that dies (segfault, OOM killer) is reported
as PW-E116. The parent starts a fresh worker and goes on with the next file.

Workers are forked from a forkserver that has imported and warmed up the pipeline once, so
each starts in milliseconds with spaCy and the rule packs loaded, and a worker that had to be
killed is replaced cheaply. Workers ignore SIGINT/SIGTERM (the parent decides when to stop,
after the file in hand) and die with the parent (EOF on their pipe, PR_SET_PDEATHSIG).

    with WorkerPool(workers=2, timeout=120, memory_limit_mb=2048) as pool:
        for result in pool.imap_unordered(jobs):
            result.outcome.record ...

A job's result is always an `Outcome`: when the worker failed, it is a failed record carrying
the code and a message saying what to do.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import errors
from pipeline.errors import ErrorCode, IngestError

log = logging.getLogger(__name__)

DEFAULT_TARGET = "pipeline.worker:process_job"
DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_LIMIT_MB = 2048
KILL_GRACE = 5.0

# Where an exception was raised tells which part of the file it concerns.
_PARSER_PACKAGES = {
    "pypdf": (errors.CORRUPT_PDF, "the PDF parser failed on its structure"),
    "docx": (errors.CORRUPT_DOCX, "the Word parser failed on its structure"),
    "lxml": (errors.CORRUPT_DOCX, "the XML parser failed on its structure"),
    "zipfile": (errors.CORRUPT_DOCX, "the ZIP package cannot be read"),
}


@dataclass(frozen=True)
class Job:
    path: Path
    display_path: str
    as_of: dt.date
    playbooks: tuple[Path, ...] = ()  # user playbooks merged over the default one (`--playbook`)


@dataclass
class WorkOutput:
    """What the worker sends back: the outcome and what amendment linking needs."""

    outcome: Any  # pipeline.process.Outcome
    identity: dict | None = None
    amends: dict | None = None
    changes: list[dict] = field(default_factory=list)


@dataclass
class JobResult:
    job: Job
    output: WorkOutput
    seconds: float
    failure: ErrorCode | None = None  # set when the worker itself failed (timeout, memory, crash)

    @property
    def outcome(self) -> Any:
        return self.output.outcome


def process_job(job: Job) -> WorkOutput:
    """The per-file stage run in the worker: read, extract, and read the amendment reference."""
    from pipeline.amendments import identity_of, read_amendment
    from pipeline.process import process_file

    outcome = process_file(job.path, job.display_path, job.as_of, job.playbooks)
    if outcome.document is None:
        return WorkOutput(outcome)
    try:
        amends, changes = read_amendment(outcome.document, outcome.record)
        identity = identity_of(outcome.document, outcome.record)
    except Exception:  # noqa: BLE001 - linking is a convenience; never lose the record for it
        log.exception("amendment reading failed on %s", job.display_path)
        amends, changes, identity = None, [], None
    return WorkOutput(outcome, identity=identity, amends=amends, changes=changes)


def failure_output(job: Job, code: ErrorCode, detail: str) -> WorkOutput:
    """A failed record for a file whose worker failed (built in the parent)."""
    from pipeline.process import Outcome, failed_record

    record = failed_record(job.path, job.display_path, IngestError(code, detail), job.as_of)
    return WorkOutput(Outcome(job.path, record, None))


# ----------------------------------------------------------------------------- the worker side


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def resolve_target(target: str) -> Callable[[Job], WorkOutput]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _origin(exc: BaseException) -> str | None:
    """The top-level package of the innermost frame that raised, e.g. 'pypdf'."""
    tb = exc.__traceback__
    origin = None
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        top = module.split(".")[0]
        if top in _PARSER_PACKAGES:
            origin = top
        tb = tb.tb_next
    return origin


def run_target(function: Callable[[Job], WorkOutput], job: Job) -> tuple[str, Any]:
    """Run the per-file stage; whatever the file triggers becomes a message for `job_result`."""
    try:
        return ("ok", function(job))
    except MemoryError:
        return ("memory", None)
    except BaseException as exc:  # noqa: BLE001 - everything a file can trigger is reported
        return ("error", (type(exc).__name__, str(exc)[:300], _origin(exc), traceback.format_exc(limit=8)))


def _worker_main(conn: multiprocessing.connection.Connection, memory_limit: int | None, target: str) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if memory_limit:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    function = resolve_target(target)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        message = run_target(function, job)
        try:
            conn.send(message)
        except MemoryError:
            message = ("memory", None)
            conn.send(message)
        except (OSError, EOFError):
            return
        if message[0] == "memory":
            return  # a heap that hit its limit may be fragmented: a fresh worker is cheaper than doubt


def warm_up() -> None:
    """Import and exercise the whole pipeline once, so forked workers start ready."""
    from pipeline.amendments import identity_of, read_amendment
    from pipeline.document import Document, Page
    from pipeline.ingest import BACKENDS, backend_for, ingest_bytes
    from pipeline.process import process_document

    text = ("AMENDMENT NO. 1 TO MASTER SERVICES AGREEMENT\n\nThis Amendment is entered into as of March 1, 2024 by "
            'and between Acme Inc. ("Provider") and Beta LLC ("Customer"), parties to that certain Master Services '
            "Agreement dated as of January 1, 2023. Section 2 of the Agreement is hereby amended. It is governed by "
            "the laws of New York.")
    try:
        for fmt in BACKENDS:
            backend_for(fmt)
        ingest_bytes("warm-up.pdf", _tiny_pdf(text.split("\n")[0]))
        document = Document("warm-up", "", "txt", text, [Page(1, 0, len(text))])
        record = process_document(document, dt.date(2024, 3, 1))
        read_amendment(document, record)
        identity_of(document, record)
    except Exception:  # noqa: BLE001 - warming up is an optimisation only
        log.debug("warm-up failed", exc_info=True)
    # What is loaded now (spaCy, rule packs, compiled patterns: ~110,000 objects) lives as long as
    # the worker. Frozen, the garbage collector stops walking it each time pypdf's many small
    # allocations trigger a collection: ingest 12.4 -> 9.0 CPU ms/page on the CUAD dev PDFs.
    gc.collect()
    gc.freeze()


def _tiny_pdf(line: str) -> bytes:
    """A one-page PDF with one line of text, so warming up runs the PDF text extractor too."""
    content = f"BT /F1 12 Tf 72 700 Td ({line}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# ----------------------------------------------------------------------------- the parent side


def job_result(job: Job, message: tuple[str, Any], seconds: float, memory_limit: int | None) -> JobResult:
    """A worker's message as a result: failures become failed records with the code that says why."""
    kind, payload = message
    if kind == "ok":
        return JobResult(job, payload, seconds)
    if kind == "memory":
        limit = f"{memory_limit // 2**20} MB" if memory_limit else "the machine's memory"
        return JobResult(job, failure_output(job, errors.MEMORY_LIMIT, f"reading it needed more than {limit}"),
                         seconds, errors.MEMORY_LIMIT)
    name, text, origin, trace = payload
    if origin in _PARSER_PACKAGES:
        log.info("%s: the parser raised %s:\n%s", job.display_path, name, trace)
        code, what = _PARSER_PACKAGES[origin]
        return JobResult(job, failure_output(job, code, f"{what} ({name}: {text})"), seconds)
    log.error("%s failed in the worker (a bug in pactwatch):\n%s", job.display_path, trace)
    return JobResult(job, failure_output(job, errors.INTERNAL_ERROR, f"{name}: {text}"), seconds,
                     errors.INTERNAL_ERROR)


@dataclass
class _Worker:
    process: Any
    conn: multiprocessing.connection.Connection
    job: Job | None = None
    started: float = 0.0


class WorkerPool:
    def __init__(self, workers: int = 1, *, timeout: float = DEFAULT_TIMEOUT,
                 memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB, target: str = DEFAULT_TARGET):
        self.size = max(1, workers)
        self.timeout = timeout
        self.memory_limit = memory_limit_mb * 1024 * 1024 if memory_limit_mb else None
        self.target = target
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["pipeline.worker_preload"])
        self._idle: list[_Worker] = []
        self._busy: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the workers now rather than on the first file (a watcher's first file is then fast)."""
        while len(self._idle) + len(self._busy) < self.size:
            self._idle.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(target=_worker_main, args=(child, self.memory_limit, self.target),
                                        name="pactwatch-worker", daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _start(self, job: Job) -> None:
        worker = self._idle.pop() if self._idle else self._spawn()
        worker.job, worker.started = job, time.monotonic()
        try:
            worker.conn.send(job)
        except (OSError, EOFError):  # the idle worker had died; try once with a fresh one
            self._discard(worker)
            worker = self._spawn()
            worker.job, worker.started = job, time.monotonic()
            worker.conn.send(job)
        self._busy.append(worker)

    def imap_unordered(self, jobs: Iterable[Job], stop: Callable[[], bool] = lambda: False) -> Iterator[JobResult]:
        """Results as they finish. When `stop()` turns true no new job starts; those in hand finish.

        A worker that finishes gets its next file before its result is handed over, so workers
        do not wait while the caller stores and renders the result (with one worker that wait
        was 7% of a run over the CUAD dev set)."""
        pending = iter(jobs)
        exhausted = False

        def fill() -> None:
            nonlocal exhausted
            while not exhausted and len(self._busy) < self.size and not stop():
                job = next(pending, None)
                if job is None:
                    exhausted = True
                    break
                self._start(job)

        while True:
            fill()
            if not self._busy:
                return
            finished = list(self._collect())
            fill()
            yield from finished

    def run_one(self, job: Job) -> JobResult:
        return next(self.imap_unordered([job]))

    def _collect(self) -> Iterator[JobResult]:
        now = time.monotonic()
        wait = max(0.0, min(w.started + self.timeout for w in self._busy) - now)
        handles: dict[Any, _Worker] = {}
        for w in self._busy:
            handles[w.conn] = w
            handles[w.process.sentinel] = w
        ready = multiprocessing.connection.wait(list(handles), timeout=wait)
        done: set[int] = set()
        for handle in ready:
            worker = handles[handle]
            if id(worker) in done:
                continue
            done.add(id(worker))
            yield self._finish(worker)
        now = time.monotonic()
        for worker in list(self._busy):
            if id(worker) not in done and now - worker.started >= self.timeout:
                yield self._timed_out(worker)

    def _finish(self, worker: _Worker) -> JobResult:
        job = worker.job
        assert job is not None
        seconds = time.monotonic() - worker.started
        self._busy.remove(worker)
        message: tuple[str, Any] | None = None
        if worker.conn.poll():
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                message = None
        if message is None:
            worker.process.join(1.0)
            self._discard(worker)
            return JobResult(job, failure_output(job, errors.WORKER_CRASHED, _death(worker.process.exitcode)),
                             seconds, errors.WORKER_CRASHED)
        if message[0] == "memory":
            self._discard(worker)
        else:
            worker.job = None
            self._idle.append(worker)
        return job_result(job, message, seconds, self.memory_limit)

    def _timed_out(self, worker: _Worker) -> JobResult:
        job = worker.job
        assert job is not None
        self._busy.remove(worker)
        self._discard(worker)
        detail = f"it was still being read after {self.timeout:g} s, so its worker was stopped"
        return JobResult(job, failure_output(job, errors.TIMEOUT, detail), self.timeout, errors.TIMEOUT)

    def _discard(self, worker: _Worker) -> None:
        try:
            worker.conn.close()
        except OSError:
            pass
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(KILL_GRACE)

    def close(self) -> None:
        for worker in self._idle:
            try:
                worker.conn.send(None)
            except (OSError, EOFError):
                pass
        deadline = time.monotonic() + KILL_GRACE
        for worker in self._idle:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            self._discard(worker)
        for worker in self._busy:
            self._discard(worker)
        self._idle, self._busy = [], []


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the system may have run out of memory)" if -exitcode == signal.SIGKILL else ""
        return f"the worker was killed by {name}{hint}"
    return f"the worker exited with status {exitcode}"


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


__all__ = ["Job", "JobResult", "WorkOutput", "WorkerPool", "process_job", "run_target", "job_result",
           "resolve_target", "failure_output", "default_workers", "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_LIMIT_MB"]
