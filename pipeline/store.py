"""The contract register: an embedded SQLite database of everything pactwatch has read.

One row per *document* (identified by the sha256 of its bytes, so the same bytes under two
names are one document; every name it was seen under is kept in `names`), its current
*record* (the full JSON plus the columns `list` and `due` query: title, parties, dates,
status), the record's obligations, deadlines, check results and diagnostics as rows, the
*runs* (batch or watch sessions) and what each run did with each file (`run_files`), and the
files each output folder holds (`outputs`), from which a watcher rebuilds its dashboard.

Safety: WAL mode (readers never block the writer, a crash never leaves a torn page), foreign
keys on, and every change is one transaction, so a run killed at any instant leaves either the
whole result of a file or nothing of it. A document's rows are replaced, never appended, so
processing a file again cannot duplicate them. The schema is versioned with `PRAGMA
user_version`; `MIGRATIONS` are applied in order, each in its own transaction, and are only
ever appended.

Reuse: a record is reused when the bytes (sha256), the pipeline fingerprint (the code, rule
packs, trained model and PDF reader that make records, see `pipeline_fingerprint`) and the
as-of date are unchanged, and it did not fail for a reason outside the file (a timeout, a crash, a full disk...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline import __version__, errors
from pipeline.document import Document, Page
from pipeline.record import Diagnostic, Record, Status

DEFAULT_DB_NAME = "pactwatch.db"
BUSY_TIMEOUT_MS = 30_000

# Failures caused by the circumstances of a run, not by the file's bytes: never reused.
TRANSIENT_CODES = frozenset(c.code for c in (
    errors.UNREADABLE_FILE, errors.TIMEOUT, errors.MEMORY_LIMIT, errors.WORKER_CRASHED,
    errors.FILE_CHANGED, errors.OUTPUT_NOT_WRITABLE, errors.DISK_FULL, errors.INTERNAL_ERROR,
))

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE documents (
        sha256      TEXT PRIMARY KEY,
        size_bytes  INTEGER NOT NULL,
        format      TEXT,
        pages       INTEGER,
        first_seen  TEXT NOT NULL,
        content     BLOB              -- zlib-compressed JSON of the ingested text, to re-render reports
    );
    CREATE TABLE names (
        sha256      TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        PRIMARY KEY (sha256, path)
    );
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('run', 'watch')),
        state       TEXT NOT NULL CHECK (state IN ('running', 'finished', 'interrupted', 'stopped')),
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        pid         INTEGER,
        host        TEXT,
        version     TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        as_of       TEXT,
        inputs      TEXT,
        out_dir     TEXT,
        workers     INTEGER,
        counts      TEXT
    );
    CREATE TABLE records (
        sha256        TEXT PRIMARY KEY REFERENCES documents(sha256) ON DELETE CASCADE,
        fingerprint   TEXT NOT NULL,
        as_of         TEXT NOT NULL,
        status        TEXT NOT NULL,
        code          TEXT,           -- the first error's code when the file could not be read
        title         TEXT,
        parties       TEXT,
        effective     TEXT,
        expiration    TEXT,
        governing_law TEXT,
        record_json   TEXT NOT NULL,
        identity      TEXT,           -- JSON: how an amendment can refer to this contract
        amends        TEXT,           -- JSON: the contract this one amends, as it names it
        changes       TEXT,           -- JSON: the amending clauses, with quotes
        seconds       REAL,
        processed_at  TEXT NOT NULL,
        run_id        INTEGER REFERENCES runs(id)
    );
    CREATE TABLE obligations (
        sha256 TEXT NOT NULL REFERENCES records(sha256) ON DELETE CASCADE,
        seq INTEGER NOT NULL, modality TEXT, category TEXT, obligor TEXT, counterparty TEXT,
        action TEXT, due_date TEXT, recurrence TEXT, confidence REAL, quote TEXT, page INTEGER,
        PRIMARY KEY (sha256, seq)
    );
    CREATE TABLE deadlines (
        sha256 TEXT NOT NULL REFERENCES records(sha256) ON DELETE CASCADE,
        seq INTEGER NOT NULL, kind TEXT NOT NULL, date TEXT NOT NULL, title TEXT, basis TEXT,
        status TEXT, quote TEXT, page INTEGER,
        PRIMARY KEY (sha256, seq)
    );
    CREATE INDEX deadlines_by_date ON deadlines(date);
    CREATE TABLE checks (
        sha256 TEXT NOT NULL REFERENCES records(sha256) ON DELETE CASCADE,
        seq INTEGER NOT NULL, check_id TEXT, title TEXT, kind TEXT, severity TEXT, status TEXT,
        message TEXT,
        PRIMARY KEY (sha256, seq)
    );
    CREATE TABLE diagnostics (
        sha256 TEXT NOT NULL REFERENCES records(sha256) ON DELETE CASCADE,
        seq INTEGER NOT NULL, code TEXT NOT NULL, severity TEXT, stage TEXT, page INTEGER,
        message TEXT,
        PRIMARY KEY (sha256, seq)
    );
    CREATE TABLE amendments (
        amendment_sha256 TEXT PRIMARY KEY REFERENCES records(sha256) ON DELETE CASCADE,
        base_sha256      TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
        basis            TEXT,
        linked_at        TEXT NOT NULL
    );
    CREATE INDEX amendments_by_base ON amendments(base_sha256);
    CREATE TABLE run_files (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        sha256      TEXT,
        action      TEXT NOT NULL CHECK (action IN ('processed', 'reused', 'failed')),
        status      TEXT,
        code        TEXT,
        message     TEXT,
        seconds     REAL,
        finished_at TEXT NOT NULL,
        PRIMARY KEY (run_id, path)
    );
    CREATE TABLE outputs (
        out_dir     TEXT NOT NULL,
        path        TEXT NOT NULL,     -- the file's name relative to its input folder
        sha256      TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
        record_file TEXT NOT NULL,     -- relative to out_dir
        report_file TEXT NOT NULL,
        report_fingerprint TEXT,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (out_dir, path)
    );
    """,
]

# Modules that orchestrate runs but do not shape a record: editing them keeps records reusable.
_ORCHESTRATION = {"batch.py", "cli.py", "watch.py", "store.py", "worker.py", "worker_preload.py", "progress.py",
                  "publish.py", "register_cli.py", "executors.py",
                  "amendments.py"}


def pipeline_fingerprint() -> str:
    """The version plus a hash of the code, rule packs and trained model that make a record, and
    the PDF reader when it is not the default.

    Records are reused only under the same fingerprint, so editing an extractor or a rule pack
    (without bumping the version) still makes the next run read the files again.
    `$PACTWATCH_FINGERPRINT` pins it (tests do, so that code edited meanwhile by someone else in
    the same tree does not change what they measure).
    """
    return os.environ.get("PACTWATCH_FINGERPRINT") or _code_fingerprint() + _reader_suffix()


def _reader_suffix() -> str:
    """The PDF text reader is part of what makes a record (`PACTWATCH_PDF_BACKEND`): the two read
    cover-page tables differently, so a record made by one is not reused under the other."""
    from pipeline.ingest.pdf import PDF_BACKEND_VARIABLE

    reader = os.environ.get(PDF_BACKEND_VARIABLE, "pypdf").strip().lower() or "pypdf"
    return "" if reader == "pypdf" else f"+{reader}"


@lru_cache(maxsize=4)
def _code_fingerprint(root: Path = Path(__file__).resolve().parents[1]) -> str:
    digest = hashlib.sha256(__version__.encode())
    for package in ("pipeline", "extractors", "rules"):
        for path in sorted((root / package).rglob("*")):
            if path.suffix not in {".py", ".yaml", ".yml", ".npz"} or path.name in _ORCHESTRATION:
                continue
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


@lru_cache(maxsize=1)
def report_fingerprint() -> str:
    """A hash of the report templates and code: reports are re-rendered when it changes."""
    root = Path(__file__).resolve().parents[1] / "reports"
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".html", ".css", ".js"}:
            digest.update(path.read_bytes())
    digest.update(Path(__file__).with_name("amendments.py").read_bytes())
    return digest.hexdigest()[:12]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class RegisterError(Exception):
    """The register cannot be opened or written; carries a stable code (E118 or E119)."""

    def __init__(self, code: errors.ErrorCode, detail: str):
        super().__init__(f"{code.code} {code.title}: {detail}")
        self.code = code
        self.detail = detail


def classify_os_error(exc: BaseException) -> errors.ErrorCode:
    """Disk full (ENOSPC, EDQUOT, SQLite's "database or disk is full") or not writable."""
    text = str(exc).lower()
    if getattr(exc, "errno", None) in (28, 122) or "disk is full" in text or "no space" in text:
        return errors.DISK_FULL
    return errors.OUTPUT_NOT_WRITABLE


@dataclass(frozen=True)
class ContractRow:
    sha256: str
    title: str
    status: str
    code: str | None
    parties: str
    effective: str | None
    expiration: str | None
    governing_law: str | None
    names: list[str]
    as_of: str
    processed_at: str


@dataclass(frozen=True)
class DueRow:
    date: str
    kind: str
    title: str
    basis: str | None
    quote: str | None
    page: int | None
    sha256: str
    contract: str
    names: list[str]


@dataclass(frozen=True)
class Stored:
    """A document's result as the register holds it."""

    record: Record
    identity: dict | None
    amends: dict | None
    changes: list[dict]


def document_to_blob(document: Document) -> bytes:
    data = {
        "path": document.path, "sha256": document.sha256, "format": document.format,
        "text": document.text, "title": document.title, "size_bytes": document.size_bytes,
        "pages": [[p.number, p.start, p.end, p.has_text] for p in document.pages],
        "diagnostics": [d.model_dump(exclude_none=True) for d in document.diagnostics],
        "furniture": document.furniture,
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), 6)


def document_from_blob(blob: bytes) -> Document:
    data = json.loads(zlib.decompress(blob).decode("utf-8"))
    return Document(
        path=data["path"], sha256=data["sha256"], format=data["format"], text=data["text"],
        pages=[Page(n, s, e, bool(t)) for n, s, e, t in data["pages"]], title=data.get("title"),
        size_bytes=data.get("size_bytes", 0),
        diagnostics=[Diagnostic(**d) for d in data.get("diagnostics", [])],
        furniture=data.get("furniture", []),
    )


def first_error(record: Record) -> Diagnostic | None:
    return next((d for d in record.diagnostics if d.severity == "error"), None)


def _title_of(record: Record) -> str:
    title = record.document.title
    if title is not None and str(title.value).strip():
        return str(title.value)
    return Path(record.document.path).name


def _value(field) -> str | None:  # noqa: ANN001 - any Field
    return None if field is None else str(field.value)


class Register:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":  # e.g. on a network share without shared memory
                self.db.execute("PRAGMA journal_mode = DELETE")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.row_factory = sqlite3.Row
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            code = classify_os_error(exc)
            raise RegisterError(code, f"the register {self.path} cannot be opened ({exc})") from exc

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: everything inside is committed together or not at all."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise RegisterError(classify_os_error(exc), f"the register {self.path} cannot be written ({exc})") from exc
        try:
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise RegisterError(classify_os_error(exc), f"the register {self.path} cannot be written ({exc})") from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (e.g. after SQLITE_FULL)

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        current = self.schema_version
        if current > len(MIGRATIONS):
            raise RegisterError(errors.OUTPUT_NOT_WRITABLE,
                                f"the register {self.path} was written by a newer pactwatch (schema {current})")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if self.schema_version >= version:  # another process migrated meanwhile
                    self.db.execute("COMMIT")
                    continue
                for statement in _statements(MIGRATIONS[version - 1]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {version}")
                self.db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    # ------------------------------------------------------------------ runs

    def start_run(self, kind: str, *, inputs: list[str], out_dir: str | None, workers: int,
                  as_of: dt.date | None) -> int:
        with self.transaction() as db:
            self._close_abandoned_runs(db)
            cursor = db.execute(
                "INSERT INTO runs (kind, state, started_at, pid, host, version, fingerprint, as_of, inputs,"
                " out_dir, workers) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, now(), os.getpid(), socket.gethostname(), __version__, pipeline_fingerprint(),
                 as_of.isoformat() if as_of else None, json.dumps(inputs), out_dir, workers))
            return int(cursor.lastrowid)

    def _close_abandoned_runs(self, db: sqlite3.Connection) -> None:
        """Runs still marked running whose process is gone were killed: say so."""
        host = socket.gethostname()
        for row in db.execute("SELECT id, pid, host FROM runs WHERE state = 'running'").fetchall():
            if row["host"] == host and not _pid_alive(row["pid"]):
                db.execute("UPDATE runs SET state = 'interrupted', finished_at = ? WHERE id = ?", (now(), row["id"]))

    def finish_run(self, run_id: int, state: str, counts: dict[str, int]) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET state = ?, finished_at = ?, counts = ? WHERE id = ?",
                       (state, now(), json.dumps(counts, sort_keys=True), run_id))

    def run_files(self, run_id: int) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM run_files WHERE run_id = ? ORDER BY path", (run_id,)).fetchall()

    # ------------------------------------------------------------------ results

    def reusable(self, sha256: str, as_of: dt.date) -> Stored | None:
        """The stored result for these bytes, if made by this pipeline for this date and not a
        failure of circumstance."""
        row = self.db.execute(
            "SELECT record_json, identity, amends, changes, code FROM records"
            " WHERE sha256 = ? AND fingerprint = ? AND as_of = ?",
            (sha256, pipeline_fingerprint(), as_of.isoformat())).fetchone()
        if row is None or (row["code"] in TRANSIENT_CODES):
            return None
        return self._stored(row)

    def stored(self, sha256: str) -> Stored | None:
        row = self.db.execute("SELECT record_json, identity, amends, changes FROM records WHERE sha256 = ?",
                              (sha256,)).fetchone()
        return self._stored(row) if row else None

    @staticmethod
    def _stored(row: sqlite3.Row) -> Stored:
        return Stored(
            record=Record.model_validate_json(row["record_json"]),
            identity=json.loads(row["identity"]) if row["identity"] else None,
            amends=json.loads(row["amends"]) if row["amends"] else None,
            changes=json.loads(row["changes"]) if row["changes"] else [],
        )

    def document(self, sha256: str) -> Document | None:
        row = self.db.execute("SELECT content FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        return document_from_blob(row["content"]) if row and row["content"] else None

    def save_result(self, *, sha256: str, record: Record, document: Document | None, identity: dict | None,
                    amends: dict | None, changes: list[dict], seconds: float | None, run_id: int | None,
                    name: str) -> None:
        """Store one document's record and its rows, replacing any earlier ones, atomically."""
        stamp = now()
        error = first_error(record)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO documents (sha256, size_bytes, format, pages, first_seen, content)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET"
                " format = excluded.format, pages = excluded.pages,"
                " content = COALESCE(excluded.content, documents.content)",
                (sha256, record.document.size_bytes, record.document.format, record.document.pages, stamp,
                 document_to_blob(document) if document is not None else None))
            self._add_name(db, sha256, name, stamp)
            db.execute("DELETE FROM records WHERE sha256 = ?", (sha256,))  # cascades to its rows
            db.execute(
                "INSERT INTO records (sha256, fingerprint, as_of, status, code, title, parties, effective,"
                " expiration, governing_law, record_json, identity, amends, changes, seconds, processed_at,"
                " run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, pipeline_fingerprint(), record.as_of or "", record.status.value,
                 error.code if error and record.status in (Status.FAILED, Status.NEEDS_OCR) else None,
                 _title_of(record), "; ".join(p.name for p in record.parties),
                 _value(record.dates.effective) or _value(record.dates.agreement), _value(record.dates.expiration),
                 _value(record.governing_law), record.to_json(),
                 json.dumps(identity) if identity else None, json.dumps(amends) if amends else None,
                 json.dumps(changes) if changes else None, seconds, stamp, run_id))
            self._insert_rows(db, sha256, record)

    def add_name(self, sha256: str, name: str) -> None:
        with self.transaction() as db:
            self._add_name(db, sha256, name, now())

    @staticmethod
    def _add_name(db: sqlite3.Connection, sha256: str, name: str, stamp: str) -> None:
        db.execute("INSERT INTO names (sha256, path, first_seen, last_seen) VALUES (?, ?, ?, ?)"
                   " ON CONFLICT(sha256, path) DO UPDATE SET last_seen = excluded.last_seen",
                   (sha256, name, stamp, stamp))

    @staticmethod
    def _insert_rows(db: sqlite3.Connection, sha256: str, record: Record) -> None:
        def quote(evidence: list) -> tuple[str | None, int | None]:  # noqa: ANN001
            return (evidence[0].text, evidence[0].page) if evidence else (None, None)

        db.executemany(
            "INSERT INTO obligations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(sha256, i, o.modality, o.category, o.obligor, o.counterparty, o.action,
              o.timing.due_date if o.timing else None, o.timing.recurrence if o.timing else None,
              o.confidence, *quote(o.evidence)) for i, o in enumerate(record.obligations)])
        db.executemany(
            "INSERT INTO deadlines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(sha256, i, d.kind, d.date, d.title, d.basis, d.status, *quote(d.evidence))
             for i, d in enumerate(record.deadlines)])
        db.executemany(
            "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(sha256, i, c.id, c.title, c.kind, c.severity, c.status, c.message) for i, c in enumerate(record.checks)])
        db.executemany(
            "INSERT INTO diagnostics VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(sha256, i, d.code, d.severity, d.stage, d.page, d.message) for i, d in enumerate(record.diagnostics)])

    def note_file(self, run_id: int, *, path: str, sha256: str | None, action: str, status: str | None,
                  code: str | None, message: str | None, seconds: float | None) -> None:
        """What a run did with one file; written after its outputs, so a row means it is done."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO run_files (run_id, path, sha256, action, status, code, message, seconds, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, path) DO UPDATE SET"
                " sha256 = excluded.sha256, action = excluded.action, status = excluded.status,"
                " code = excluded.code, message = excluded.message, seconds = excluded.seconds,"
                " finished_at = excluded.finished_at",
                (run_id, path, sha256, action, status, code, message, seconds, now()))

    def place(self, *, out_dir: Path, path: str, sha256: str, record_file: str, report_file: str,
              run_id: int | None, action: str, status: str, code: str | None, message: str | None,
              seconds: float | None) -> None:
        """The file's outputs are written: remember them and what the run did, in one transaction."""
        stamp = now()
        with self.transaction() as db:
            self._add_name(db, sha256, path, stamp)
            db.execute(
                "INSERT INTO outputs (out_dir, path, sha256, record_file, report_file, report_fingerprint, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(out_dir, path) DO UPDATE SET"
                " sha256 = excluded.sha256, record_file = excluded.record_file,"
                " report_file = excluded.report_file, report_fingerprint = excluded.report_fingerprint,"
                " updated_at = excluded.updated_at",
                (_dir_key(out_dir), path, sha256, record_file, report_file, report_fingerprint(), stamp))
            if run_id is not None:
                db.execute(
                    "INSERT INTO run_files (run_id, path, sha256, action, status, code, message, seconds, finished_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, path) DO UPDATE SET"
                    " sha256 = excluded.sha256, action = excluded.action, status = excluded.status,"
                    " code = excluded.code, message = excluded.message, seconds = excluded.seconds,"
                    " finished_at = excluded.finished_at",
                    (run_id, path, sha256, action, status, code, message, seconds, stamp))

    def placement(self, out_dir: Path, path: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM outputs WHERE out_dir = ? AND path = ?",
                               (_dir_key(out_dir), path)).fetchone()

    def placements(self, out_dir: Path) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM outputs WHERE out_dir = ? ORDER BY path", (_dir_key(out_dir),)).fetchall()

    def placements_of(self, sha256: str, out_dir: Path) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM outputs WHERE sha256 = ? AND out_dir = ? ORDER BY path",
                               (sha256, _dir_key(out_dir))).fetchall()

    # ------------------------------------------------------------------ amendments

    def amendment_candidates(self) -> list[tuple[str, dict]]:
        """(sha256, identity) of every readable contract that is not itself an amendment."""
        rows = self.db.execute("SELECT sha256, identity FROM records WHERE identity IS NOT NULL AND amends IS NULL"
                               " AND status IN ('ok', 'partial')").fetchall()
        return [(r["sha256"], json.loads(r["identity"])) for r in rows]

    def unlinked_amendments(self) -> list[tuple[str, dict, dict | None]]:
        rows = self.db.execute(
            "SELECT r.sha256, r.amends, r.identity FROM records r LEFT JOIN amendments a"
            " ON a.amendment_sha256 = r.sha256 WHERE r.amends IS NOT NULL AND a.base_sha256 IS NULL").fetchall()
        return [(r["sha256"], json.loads(r["amends"]), json.loads(r["identity"]) if r["identity"] else None)
                for r in rows]

    def link_amendment(self, amendment_sha256: str, base_sha256: str, basis: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO amendments (amendment_sha256, base_sha256, basis, linked_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT(amendment_sha256) DO UPDATE SET base_sha256 = excluded.base_sha256,"
                       " basis = excluded.basis, linked_at = excluded.linked_at",
                       (amendment_sha256, base_sha256, basis, now()))

    def base_of(self, amendment_sha256: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT base_sha256, basis FROM amendments WHERE amendment_sha256 = ?",
                              (amendment_sha256,)).fetchone()
        return (row["base_sha256"], row["basis"]) if row else None

    def amendments_of(self, base_sha256: str) -> list[str]:
        rows = self.db.execute(
            "SELECT a.amendment_sha256 FROM amendments a JOIN records r ON r.sha256 = a.amendment_sha256"
            " WHERE a.base_sha256 = ? ORDER BY r.effective, r.title", (base_sha256,)).fetchall()
        return [r["amendment_sha256"] for r in rows]

    # ------------------------------------------------------------------ queries for list / show / due

    def names(self, sha256: str) -> list[str]:
        return [r["path"] for r in self.db.execute(
            "SELECT path FROM names WHERE sha256 = ? ORDER BY first_seen, rowid", (sha256,))]

    def contracts(self) -> list[ContractRow]:
        rows = self.db.execute("SELECT * FROM records ORDER BY title COLLATE NOCASE, sha256").fetchall()
        return [ContractRow(
            sha256=r["sha256"], title=r["title"], status=r["status"], code=r["code"], parties=r["parties"] or "",
            effective=r["effective"], expiration=r["expiration"], governing_law=r["governing_law"],
            names=self.names(r["sha256"]), as_of=r["as_of"], processed_at=r["processed_at"]) for r in rows]

    def find(self, query: str) -> list[ContractRow]:
        """Contracts matching a sha256 prefix, a file name or path, or words of the title."""
        everything = self.contracts()
        q = query.strip()
        if len(q) >= 6 and all(c in "0123456789abcdef" for c in q.lower()):
            hits = [c for c in everything if c.sha256.startswith(q.lower())]
            if hits:
                return hits
        exact = [c for c in everything if any(n == q or n.endswith("/" + q) for n in c.names)]
        if exact:
            return exact
        low = q.lower()
        named = [c for c in everything if any(low in n.lower() for n in c.names)]
        if named:
            return named
        return [c for c in everything if low in c.title.lower()]

    def due(self, start: dt.date, end: dt.date) -> list[DueRow]:
        rows = self.db.execute(
            "SELECT d.*, r.title AS contract FROM deadlines d JOIN records r ON r.sha256 = d.sha256"
            " WHERE d.date >= ? AND d.date <= ? ORDER BY d.date, r.title, d.seq",
            (start.isoformat(), end.isoformat())).fetchall()
        return [DueRow(date=r["date"], kind=r["kind"], title=r["title"] or r["kind"], basis=r["basis"],
                       quote=r["quote"], page=r["page"], sha256=r["sha256"], contract=r["contract"],
                       names=self.names(r["sha256"])) for r in rows]

    def integrity_problems(self) -> list[str]:
        """SQLite's own check plus foreign keys: empty when the register is sound."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self.db.execute("PRAGMA foreign_key_check")]
        return problems


def _statements(script: str) -> list[str]:
    parts, buf = [], []
    for line in script.splitlines():
        buf.append(line.split("--", 1)[0])
        if line.split("--", 1)[0].rstrip().endswith(";"):
            statement = "\n".join(buf).strip()
            if statement.strip(";").strip():
                parts.append(statement)
            buf = []
    return parts


def _dir_key(out_dir: Path) -> str:
    return str(Path(out_dir).resolve())


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_db(out_dir: Path | None) -> Path:
    """`$PACTWATCH_DB`, else `OUT/pactwatch.db`, else `./pactwatch.db`."""
    env = os.environ.get("PACTWATCH_DB")
    if env:
        return Path(env)
    return (out_dir or Path.cwd()) / DEFAULT_DB_NAME


__all__ = ["Register", "RegisterError", "Stored", "pipeline_fingerprint", "report_fingerprint", "default_db",
           "TRANSIENT_CODES", "MIGRATIONS"]
