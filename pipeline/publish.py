"""Publishing one file's result: its record and report in the output folder, its rows in the
register, the amendment links it makes, and the dashboard. Shared by `run` and `watch`.

Order matters for crash safety. A result is first stored in the register (one transaction),
then the record and report files are written (each to a temporary name, then renamed), then
the placement is recorded (one transaction). Killed between any two steps, a new run finds the
stored record and reuses it, so no file is ever processed twice and no row is half-written.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import errors
from pipeline.amendments import (
    AmendmentView,
    LinkedAmendment,
    amendment_section,
    find_base,
    fit,
    insert_section,
    term_changes,
)
from pipeline.document import Document
from pipeline.errors import ErrorCode
from pipeline.record import Record
from pipeline.store import Register, RegisterError, Stored, classify_os_error, first_error

if TYPE_CHECKING:
    from reports.html import IndexEntry

log = logging.getLogger(__name__)


class OutputError(Exception):
    """An output file cannot be written: E118 (not writable) or E119 (disk full)."""

    def __init__(self, code: ErrorCode, detail: str):
        super().__init__(f"{code.code} {code.title}: {detail}")
        self.code = code
        self.detail = detail


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file (text as UTF-8)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = path.with_name(f".{path.name[:200]}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise OutputError(classify_os_error(exc), f"{path}: {exc.strerror or exc}") from exc


def check_writable(folder: Path) -> None:
    """Raise OutputError unless a file can be created in `folder` (created if missing)."""
    probe = folder / f".pactwatch-probe-{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        code = classify_os_error(exc) if exc.errno in (errno.ENOSPC, errno.EDQUOT) else errors.OUTPUT_NOT_WRITABLE
        raise OutputError(code, f"{folder}: {exc.strerror or exc}") from exc


def output_paths(out_dir: Path, relative: str) -> tuple[Path, Path]:
    stem = out_dir / relative
    return stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".html")


@dataclass
class Published:
    relative: str
    sha256: str | None
    record: Record
    action: str  # processed | reused | failed
    json_path: Path
    html_path: Path
    error: OutputError | None = None  # the outputs could not be written


def _named(record: Record, relative: str) -> Record:
    """The record as shown under this file name (the same bytes may have several names)."""
    if record.document.path == relative:
        return record
    copy = record.model_copy(deep=True)
    copy.document.path = relative
    return copy


class Publisher:
    def __init__(self, register: Register, out_dir: Path, *, run_id: int | None, generated: dt.datetime):
        self.register = register
        self.out_dir = out_dir
        self.run_id = run_id
        self.generated = generated

    # ------------------------------------------------------------------ storing

    def store(self, *, sha256: str, record: Record, document: Document | None, identity: dict | None,
              amends: dict | None, changes: list[dict], seconds: float | None, name: str) -> set[str]:
        """Store a freshly made result and link amendments; returns the other documents whose
        reports now need the link shown."""
        self.register.save_result(sha256=sha256, record=record, document=document, identity=identity,
                                  amends=amends, changes=changes, seconds=seconds, run_id=self.run_id, name=name)
        return self.link(sha256, identity, amends)

    def link(self, sha256: str, identity: dict | None, amends: dict | None) -> set[str]:
        affected: set[str] = set()
        try:
            if amends:
                found = find_base(amends, self.register.amendment_candidates(), exclude=sha256)
                if found:
                    self.register.link_amendment(sha256, found[0], found[1])
                    affected.add(found[0])
                    log.info("%s amends %s (%s)", sha256[:12], found[0][:12], found[1])
            elif identity:
                for amendment_sha, reference, _ in self.register.unlinked_amendments():
                    if amendment_sha == sha256 or fit(reference, identity) is None:
                        continue
                    found = find_base(reference, self.register.amendment_candidates(), exclude=amendment_sha)
                    if found and found[0] == sha256:
                        self.register.link_amendment(amendment_sha, sha256, found[1])
                        affected.add(amendment_sha)
        except RegisterError:
            raise
        except Exception:  # noqa: BLE001 - a linking bug must not cost the record
            log.exception("linking amendments failed for %s", sha256[:12])
        return affected

    # ------------------------------------------------------------------ outputs

    def publish(self, *, relative: str, sha256: str | None, record: Record, document: Document | None,
                action: str, seconds: float | None) -> Published:
        """Write the record and report for one file name and record the placement."""
        record = _named(record, relative)
        json_path, html_path = output_paths(self.out_dir, relative)
        error_diag = first_error(record)
        failed = record.status.value in ("failed", "needs_ocr")
        code = error_diag.code if failed and error_diag else None
        message = error_diag.message if failed and error_diag else None
        outcome_action = "failed" if failed else action
        published = Published(relative, sha256, record, outcome_action, json_path, html_path)
        if action == "reused" and sha256 and self.is_current(relative, sha256, json_path, html_path):
            self.register.place(out_dir=self.out_dir, path=relative, sha256=sha256,
                                record_file=json_path.relative_to(self.out_dir).as_posix(),
                                report_file=html_path.relative_to(self.out_dir).as_posix(), run_id=self.run_id,
                                action=outcome_action, status=record.status.value, code=code, message=message,
                                seconds=0.0)
            return published
        try:
            write_atomic(json_path, record.to_json())
            write_atomic(html_path, self.render(record, document, sha256, html_path))
        except OutputError as exc:
            published.error = exc
            published.action = "failed"
            if self.run_id is not None:
                self.register.note_file(self.run_id, path=relative, sha256=sha256, action="failed",
                                        status=record.status.value, code=exc.code.code, message=exc.detail,
                                        seconds=seconds)
            return published
        if sha256:
            self.register.place(out_dir=self.out_dir, path=relative, sha256=sha256,
                                record_file=json_path.relative_to(self.out_dir).as_posix(),
                                report_file=html_path.relative_to(self.out_dir).as_posix(), run_id=self.run_id,
                                action=outcome_action, status=record.status.value, code=code, message=message,
                                seconds=seconds)
        elif self.run_id is not None:
            self.register.note_file(self.run_id, path=relative, sha256=None, action="failed",
                                    status=record.status.value, code=code, message=message, seconds=seconds)
        return published

    def is_current(self, relative: str, sha256: str, json_path: Path, html_path: Path) -> bool:
        """The outputs already hold this document, rendered by the current report code."""
        from pipeline.store import report_fingerprint

        row = self.register.placement(self.out_dir, relative)
        return (row is not None and row["sha256"] == sha256 and row["report_fingerprint"] == report_fingerprint()
                and json_path.is_file() and html_path.is_file())

    def render(self, record: Record, document: Document | None, sha256: str | None, html_path: Path) -> str:
        from reports.html import render_contract

        html = render_contract(record, document, generated=self.generated)
        if sha256 and document is not None:
            try:
                html = insert_section(html, amendment_section(self.amendment_view(sha256, html_path)))
            except Exception:  # noqa: BLE001 - the report without its amendment links beats no report
                log.exception("amendment section failed for %s", record.document.path)
        return html

    def rerender(self, sha256: str) -> None:
        """Write again the reports of a document placed in this output folder (a link changed)."""
        placements = self.register.placements_of(sha256, self.out_dir)
        stored = self.register.stored(sha256)
        if not placements or stored is None:
            return
        document = self.register.document(sha256)
        for row in placements:
            html_path = self.out_dir / row["report_file"]
            record = _named(stored.record, row["path"])
            try:
                write_atomic(html_path, self.render(record, document, sha256, html_path))
            except OutputError as exc:
                log.warning("could not update the report %s: %s", html_path, exc)

    def _href(self, sha256: str, from_html: Path) -> str | None:
        rows = self.register.placements_of(sha256, self.out_dir)
        if not rows:
            return None
        target = self.out_dir / rows[0]["report_file"]
        return Path(os.path.relpath(target, from_html.parent)).as_posix()

    def amendment_view(self, sha256: str, html_path: Path) -> AmendmentView:
        view = AmendmentView()
        own = self.register.stored(sha256)
        if own is None:
            return view
        base = self.register.base_of(sha256)
        if base is not None:
            base_sha, basis = base
            base_stored = self.register.stored(base_sha)
            if base_stored is not None:
                view.amends_title = _title(base_stored.record)
                view.amends_href = self._href(base_sha, html_path)
                view.amends_names = self.register.names(base_sha)
                view.amendments.append(LinkedAmendment(
                    title=_title(own.record), href=None, names=[], reference=own.amends or {},
                    changes=own.changes, term_changes=term_changes(base_stored.record, own.record), basis=basis))
        elif own.amends:
            view.unlinked_reference = own.amends
        for amendment_sha in self.register.amendments_of(sha256):
            amendment = self.register.stored(amendment_sha)
            if amendment is None:
                continue
            linked = self.register.base_of(amendment_sha)
            view.amendments.append(LinkedAmendment(
                title=_title(amendment.record), href=self._href(amendment_sha, html_path),
                names=self.register.names(amendment_sha), reference=amendment.amends or {},
                changes=amendment.changes, term_changes=term_changes(own.record, amendment.record),
                basis=linked[1] if linked else ""))
        return view

    # ------------------------------------------------------------------ dashboard

    def placed(self, published: list[Published] | None) -> list[IndexEntry]:
        """These results, or (None) everything placed in this output folder, as the register holds it."""
        from reports.html import IndexEntry

        entries: list[IndexEntry] = []
        if published is not None:
            for p in published:
                entries.append(IndexEntry(record=p.record, report_href=p.html_path.relative_to(self.out_dir).as_posix(),
                                          record_href=p.json_path.relative_to(self.out_dir).as_posix()))
            return entries
        cache: dict[str, Stored | None] = {}
        for row in self.register.placements(self.out_dir):
            sha = row["sha256"]
            if sha not in cache:
                cache[sha] = self.register.stored(sha)
            stored = cache[sha]
            if stored is None:
                continue
            entries.append(IndexEntry(record=_named(stored.record, row["path"]), report_href=row["report_file"],
                                      record_href=row["record_file"]))
        return entries

    def write_exports(self, entries: list[IndexEntry], *, as_of: dt.date,
                      remind_days: tuple[int, ...]) -> list[Path]:
        """The calendar (deadlines.ics) and tables (CSV, XLSX) for these entries (`placed`)."""
        from reports.exports import export_files

        records = [(e.record, e.report_href) for e in entries]
        written = []
        for name, content in export_files(records, as_of=as_of, remind_days=remind_days,
                                          generated=self.generated).items():
            path = self.out_dir / name
            write_atomic(path, content)
            written.append(path)
        return written

    def write_index(self, entries: list[IndexEntry], *, as_of: dt.date, skipped: list[str],
                    exports: list[str] | tuple[str, ...] = ()) -> Path:
        """index.html for these entries (`placed`)."""
        from reports.html import render_index

        index = self.out_dir / "index.html"
        write_atomic(index, render_index(entries, generated=self.generated, as_of=as_of, skipped=skipped,
                                         exports=exports))
        return index


def _title(record: Record) -> str:
    from reports.html import title_of

    return title_of(record)


__all__ = ["Publisher", "Published", "OutputError", "write_atomic", "check_writable", "output_paths"]
