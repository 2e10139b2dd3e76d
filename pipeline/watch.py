"""`pactwatch watch INBOX --out DIR`: process contracts as they are dropped into a folder.

A file is taken once it is complete: its size and modification time have not changed for
`settle` seconds (a copy in progress keeps changing them), and it is not a temporary or lock file
(`~$x.docx`, `x.part`, `x.crdownload`, dot files). OS notifications (watchdog's inotify/FSEvents/
ReadDirectoryChanges observer) say when to look; with `--polling`, or when notifications cannot
be had, watchdog's polling observer is used (network drives send no notifications). The inbox is
also rescanned now and then, so nothing is missed if notifications overflow.

Each file is read in a worker process (memory and time limits, see `pipeline.worker`); its
record and report are written to OUT, the register is updated, the dashboard (OUT/index.html,
every file this output folder holds), the calendar (deadlines.ics) and the tables (CSV, XLSX) are
refreshed, and the file is moved to `processed/`, or,
if it could not be read, to `quarantine/` beside `<name>.error.json` that says what went wrong
and what to do. Files that arrived while the watcher was down are taken at start. A file already
in the register (same bytes: a duplicate under another name, or a file whose move was cut short
by a crash) is not read again.

Failures of the output side (folder not writable, disk full) leave the file in the inbox and
are retried later with a growing pause, so nothing is lost. SIGINT/SIGTERM finish the file in
hand and exit cleanly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import queue
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__, errors
from pipeline.batch import FileChangedError, Snapshot, checks_current, failed_record, is_temporary, snapshot, unchanged
from pipeline.errors import IngestError
from pipeline.publish import OutputError, Publisher, check_writable, write_atomic
from pipeline.record import Record
from pipeline.store import Register, RegisterError, default_db, first_error
from pipeline.worker import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT, Job, WorkerPool

log = logging.getLogger("pactwatch.watch")

RESCAN_SECONDS = 30.0
# The dashboard, calendar and tables are rebuilt from the whole register (O(contracts)): as soon as
# no file is left waiting in the inbox, and while files keep arriving, at most this often.
PORTFOLIO_SECONDS = 20.0
RETRY_FIRST, RETRY_MAX = 5.0, 300.0  # pause after an output failure, doubled up to the maximum
MAX_NAME_BYTES = 255


@dataclass
class WatchOptions:
    processed: Path | None = None
    quarantine: Path | None = None
    settle: float = 2.0
    polling: bool = False
    poll_interval: float = 1.0
    once: bool = False  # take what is there (once settled), then return
    as_of: dt.date | None = None
    timeout: float = DEFAULT_TIMEOUT
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
    db: Path | None = None
    stop: Callable[[], bool] = lambda: False
    target: str = "pipeline.worker:process_job"
    tick: float = 0.1
    change_retries: int = 3  # a file still changing after this many reads is quarantined (PW-E117)
    remind: tuple[int, ...] = (30, 7, 1)  # calendar reminders, days before each deadline
    playbooks: tuple[Path, ...] = ()  # user playbooks merged over the default one (`--playbook`)


@dataclass
class Candidate:
    path: Path
    signature: tuple[int, int] | None = None  # (size, mtime_ns) at the last look
    stable_since: float = 0.0
    not_before: float = 0.0  # retry pause after a failure of the output side
    retries: int = 0
    pause: float = RETRY_FIRST


@dataclass
class Handled:
    """What became of one file: for logs and tests."""

    relative: str
    status: str
    action: str  # processed | reused | failed | vanished | deferred
    destination: Path | None = None
    code: str | None = None
    latency: float | None = None  # from taking the settled file to its report being written


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _fits(name: str) -> bool:
    return len(name.encode("utf-8", "surrogateescape")) <= MAX_NAME_BYTES


def sidecar_path(destination: Path) -> Path:
    """`<name>.error.json` beside a quarantined file, shortened if the name would be too long."""
    name = destination.name + ".error.json"
    if not _fits(name):
        digest = hashlib.sha256(destination.name.encode("utf-8", "surrogateescape")).hexdigest()[:10]
        name = destination.name[:150] + f"~{digest}.error.json"
    return destination.with_name(name)


def free_destination(target: Path, sha256: str | None) -> Path:
    """`target`, or `name (2).ext` ... if another file holds that name already (same bytes: replace)."""
    if not target.exists():
        return target
    if sha256 and target.is_file():
        try:
            if hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
                return target
        except OSError:
            pass
    stem, suffix = target.stem, target.suffix
    for n in range(2, 10_000):
        candidate = target.with_name(f"{stem} ({n}){suffix}")
        if not candidate.exists():
            return candidate
    return target.with_name(f"{stem} ({time.time_ns()}){suffix}")


class Watcher:
    def __init__(self, inbox: Path, out_dir: Path, options: WatchOptions):
        self.inbox = inbox.resolve()
        self.out_dir = out_dir.resolve()
        self.options = options
        self.processed_dir = (options.processed or self.inbox / "processed").resolve()
        self.quarantine_dir = (options.quarantine or self.inbox / "quarantine").resolve()
        self.db_path = (options.db or default_db(self.out_dir)).resolve()
        check_writable(self.out_dir)
        self.register = Register(self.db_path)
        self.run_id = self.register.start_run("watch", inputs=[str(self.inbox)], out_dir=str(self.out_dir),
                                              workers=1, as_of=options.as_of)
        self.publisher = Publisher(self.register, self.out_dir, run_id=self.run_id, generated=_now())
        self.pool = WorkerPool(1, timeout=options.timeout, memory_limit_mb=options.memory_limit_mb,
                               target=options.target)
        self.events: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self.candidates: dict[Path, Candidate] = {}
        self.handled: list[Handled] = []
        self.observer = None
        self._last_scan = 0.0
        self._portfolio_as_of: dt.date | None = None  # set while the dashboard and exports are behind
        self._portfolio_at = time.monotonic()  # when they were last rebuilt (or tried)

    # ------------------------------------------------------------------ what is watched

    def _excluded(self, path: Path) -> bool:
        for folder in (self.processed_dir, self.quarantine_dir, self.out_dir):
            if path == folder or folder in path.parents:
                return True
        if path.parent == self.db_path.parent and path.name.startswith(self.db_path.name):
            return True  # the register and its -wal / -shm files
        return is_temporary(path)

    def notice(self, path: Path) -> None:
        """Called from the observer thread: something happened to `path`."""
        self.events.put(path)

    def _consider(self, path: Path) -> None:
        path = path if path.is_absolute() else self.inbox / path
        if self._excluded(path) or not path.is_file() or path.is_symlink():
            return
        if path not in self.candidates:
            self.candidates[path] = Candidate(path)
            log.info("seen %s; waiting for it to settle", self._relative(path))
        else:
            self.candidates[path].signature = None  # it changed: settle again

    def scan(self) -> None:
        """Every file in the inbox: at start (files that arrived while down) and now and then."""
        self._last_scan = time.monotonic()
        for root, dirs, files in os.walk(self.inbox):
            root_path = Path(root)
            dirs[:] = [d for d in dirs if not self._excluded(root_path / d)]
            for name in files:
                self._consider(root_path / name)

    def start_observer(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):  # noqa: ANN001 - watchdog's event types
                if event.is_directory:
                    if event.event_type in ("created", "moved"):
                        watcher.notice(Path(os.fsdecode(getattr(event, "dest_path", "") or event.src_path)))
                    return
                for attr in ("dest_path", "src_path"):
                    value = getattr(event, attr, "")
                    if value:
                        watcher.notice(Path(os.fsdecode(value)))

        if not self.options.polling:
            try:
                observer = Observer()
                observer.schedule(Handler(), str(self.inbox), recursive=True)
                observer.start()
                self.observer = observer
                log.info("watching %s (OS notifications)", self.inbox)
                return
            except OSError as exc:  # e.g. the inotify watch limit, or a file system without notifications
                log.warning("OS notifications unavailable (%s); polling every %g s instead", exc,
                            self.options.poll_interval)
        observer = PollingObserver(timeout=self.options.poll_interval)
        observer.schedule(Handler(), str(self.inbox), recursive=True)
        observer.start()
        self.observer = observer
        log.info("watching %s (polling every %g s)", self.inbox, self.options.poll_interval)

    # ------------------------------------------------------------------ main loop

    def run(self) -> list[Handled]:
        state = "stopped"
        try:
            if not self.options.once:
                self.start_observer()
            self.pool.start()
            _warm_reports()
            self.scan()
            while not self.options.stop():
                self._drain_events()
                if not self.options.once and time.monotonic() - self._last_scan > RESCAN_SECONDS:
                    self.scan()
                ready = self._settled()
                for candidate in ready:
                    if self.options.stop():
                        break
                    self._take(candidate)
                    if time.monotonic() - self._portfolio_at > PORTFOLIO_SECONDS:
                        self._refresh_portfolio()
                if not self.candidates or time.monotonic() - self._portfolio_at > PORTFOLIO_SECONDS:
                    self._refresh_portfolio()
                if self.options.once and not self.candidates:
                    break
                if not ready:
                    time.sleep(self.options.tick)
        except KeyboardInterrupt:
            state = "interrupted"
            raise
        finally:
            self.close(state)
        return self.handled

    def close(self, state: str = "stopped") -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(5)
        self.pool.close()
        self._refresh_portfolio()
        try:
            counts: dict[str, int] = {}
            for h in self.handled:
                counts[h.status] = counts.get(h.status, 0) + 1
            self.register.finish_run(self.run_id, state, counts)
        except RegisterError as exc:
            log.error("could not record the end of this watch in the register: %s", exc)
        self.register.close()
        log.info("stopped; %d file(s) handled", len(self.handled))

    def _drain_events(self) -> None:
        while True:
            try:
                path = self.events.get_nowait()
            except queue.Empty:
                return
            if path.is_dir() and not self._excluded(path):
                for root, _, files in os.walk(path):  # a folder moved in with files inside
                    for name in files:
                        self._consider(Path(root) / name)
            else:
                self._consider(path)

    def _settled(self) -> list[Candidate]:
        now = time.monotonic()
        ready = []
        for path, candidate in list(self.candidates.items()):
            if now < candidate.not_before:
                continue
            signature = _signature(path)
            if signature is None:
                del self.candidates[path]  # gone (moved away or deleted) before it settled
                continue
            if signature != candidate.signature:
                candidate.signature, candidate.stable_since = signature, now
                continue
            if now - candidate.stable_since >= self.options.settle:
                ready.append(candidate)
        return sorted(ready, key=lambda c: c.stable_since)

    # ------------------------------------------------------------------ one file

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.inbox).as_posix()
        except ValueError:
            return path.name

    def _take(self, candidate: Candidate) -> None:
        path = candidate.path
        relative = self._relative(path)
        taken = time.monotonic()
        as_of = self.options.as_of or dt.date.today()
        self.publisher.generated = _now()
        try:
            snap = snapshot(path)
        except FileChangedError:
            candidate.signature = None
            return
        except FileNotFoundError:
            self._forget(candidate, Handled(relative, "vanished", "vanished"))
            log.info("%s vanished before it could be read; nothing to do", relative)
            return
        except OSError as exc:
            self._forget(candidate, Handled(relative, "failed", "failed", code=errors.UNREADABLE_FILE.code))
            log.error("%s cannot be read (%s); leaving it where it is", relative, exc.strerror or exc)
            return
        try:
            handled = self._process(candidate, relative, snap, as_of, taken)
        except (OutputError, RegisterError) as exc:
            candidate.not_before = time.monotonic() + candidate.pause
            log.error("%s: %s %s: %s; the file stays in the inbox and is tried again in %g s",
                      relative, exc.code.code, exc.code.title, exc.detail, candidate.pause)
            candidate.pause = min(candidate.pause * 2, RETRY_MAX)
            self.handled.append(Handled(relative, "deferred", "deferred", code=exc.code.code))
            return
        if handled is not None:
            self._forget(candidate, handled)

    def _refresh_portfolio(self) -> None:
        """Rebuild the dashboard, calendar and tables if a file was handled since they were written."""
        if self._portfolio_as_of is None:
            return
        try:
            everything = self.publisher.placed(None)  # read from the register once for both
            exports = self.publisher.write_exports(everything, as_of=self._portfolio_as_of,
                                                   remind_days=self.options.remind)
            self.publisher.write_index(everything, as_of=self._portfolio_as_of, skipped=[],
                                       exports=[p.name for p in exports])
        except (OutputError, RegisterError) as exc:
            log.error("the dashboard, calendar and tables could not be rebuilt (%s %s: %s); tried again "
                      "in %g s", exc.code.code, exc.code.title, exc.detail, PORTFOLIO_SECONDS)
            return
        finally:
            self._portfolio_at = time.monotonic()
        self._portfolio_as_of = None

    def _forget(self, candidate: Candidate, handled: Handled) -> None:
        self.candidates.pop(candidate.path, None)
        self.handled.append(handled)

    def _process(self, candidate: Candidate, relative: str, snap: Snapshot, as_of: dt.date,
                 taken: float) -> Handled | None:
        path = candidate.path
        stored = self.register.reusable(snap.sha256, as_of)
        if stored is not None and not checks_current(stored.record, as_of, self.options.playbooks):
            stored = None  # made under other playbooks: read it again
        document = None
        affected: set[str] = set()
        if stored is not None:
            record, action = stored.record, "reused"
            document = self.register.document(snap.sha256)
            log.info("%s: same bytes as a document already in the register; not read again", relative)
        else:
            log.info("taking %s (%d bytes)", relative, snap.size)
            result = self.pool.run_one(Job(path, relative, as_of, self.options.playbooks))
            record, action = result.outcome.record, "processed"
            if not path.exists():
                log.info("%s vanished while it was read; nothing to do", relative)
                return Handled(relative, "vanished", "vanished")
            if not unchanged(path, snap, record.document.sha256):
                candidate.retries += 1
                if candidate.retries <= self.options.change_retries:
                    log.info("%s changed while it was read; waiting for it to settle again", relative)
                    candidate.signature = None
                    return None
                record = failed_record(path, relative, IngestError(
                    errors.FILE_CHANGED, f"it kept changing while it was read ({candidate.retries} tries)"), as_of)
            else:
                document = result.outcome.document
                affected = self.publisher.store(
                    sha256=snap.sha256, record=record, document=document, identity=result.output.identity,
                    amends=result.output.amends, changes=result.output.changes, seconds=result.seconds,
                    name=relative)
        sha = snap.sha256 if record.document.sha256 in ("", snap.sha256) else record.document.sha256
        if record.status.value in ("failed", "needs_ocr") and first_error(record) and \
                first_error(record).code == errors.FILE_CHANGED.code:
            sha = None  # not stored: what was read is not what is there
        published = self.publisher.publish(relative=relative, sha256=sha, record=record, document=document,
                                           action=action, seconds=None)
        if published.error is not None:
            raise published.error
        latency = time.monotonic() - taken
        for other in affected:
            self.publisher.rerender(other)
        self._portfolio_as_of = as_of
        failed = record.status.value in ("failed", "needs_ocr")
        destination = self._quarantine(path, relative, record, published) if failed else self._archive(path, relative, sha)
        error = first_error(record)
        log.info("%s: %s%s in %.2f s -> %s; moved to %s", relative, record.status.value,
                 f" ({error.code})" if failed and error else "", latency, published.html_path,
                 destination or "(left in the inbox: the move failed)")
        return Handled(relative, record.status.value, action, destination, error.code if failed and error else None,
                       latency)

    def _move(self, path: Path, target: Path) -> Path | None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(path, target)
            except OSError as exc:
                if exc.errno != 18:  # EXDEV: another file system
                    raise
                shutil.move(str(path), str(target))
            return target
        except OSError as exc:
            log.error("could not move %s to %s: %s", path, target, exc.strerror or exc)
            return None

    def _archive(self, path: Path, relative: str, sha: str | None) -> Path | None:
        return self._move(path, free_destination(self.processed_dir / relative, sha))

    def _quarantine(self, path: Path, relative: str, record: Record, published) -> Path | None:  # noqa: ANN001
        destination = free_destination(self.quarantine_dir / relative, record.document.sha256 or None)
        error = first_error(record)
        code = errors.lookup(error.code) if error and error.code in {c.code for c in errors.all_codes()} else None
        report = {
            "file": relative,
            "quarantined_at": _now().isoformat(),
            "sha256": record.document.sha256 or None,
            "status": record.status.value,
            "code": error.code if error else None,
            "title": code.title if code else None,
            "message": error.message if error else "the file could not be read",
            "what_to_do": (f"{code.advice[:1].upper()}{code.advice[1:]}. Then drop the corrected file into the "
                           "inbox again; this copy can be deleted." if code else
                           "Check the file, then drop it into the inbox again."),
            "diagnostics": [d.model_dump(exclude_none=True) for d in record.diagnostics],
            "record": str(published.json_path),
            "report": str(published.html_path),
            "pactwatch_version": __version__,
        }
        try:
            write_atomic(sidecar_path(destination), json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        except OutputError as exc:
            log.error("could not write %s: %s", sidecar_path(destination), exc.detail)
        return self._move(path, destination)


def _warm_reports() -> None:
    """Compile the report templates now, not while the first file waits."""
    from reports.html import assets, environment

    assets()
    for name in ("contract.html", "index.html"):
        environment().get_template(name)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def watch(inbox: Path, out_dir: Path, options: WatchOptions | None = None) -> list[Handled]:
    watcher = Watcher(inbox, out_dir, options or WatchOptions())
    return watcher.run()


__all__ = ["watch", "Watcher", "WatchOptions", "Handled", "sidecar_path", "free_destination"]
