"""One document through the flow: ingest -> extract (deadlines last) -> check, into a `Record`.

`process_file` never raises for a bad document: an unreadable file becomes a record with status
`failed` (or `needs_ocr`) and a diagnostic saying why; an extractor that crashes costs only its
own fields and leaves a `PW-W204` diagnostic. Only programming errors outside the extractors raise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from extractors import Context, load_extractors
from pipeline import __version__, errors
from pipeline.document import Document
from pipeline.checks import load_playbooks, run_checks
from pipeline.errors import IngestError
from pipeline.evidence import evidence_problems
from pipeline.ingest import ingest_file
from pipeline.nlp import analyse
from pipeline.record import Diagnostic, DocumentInfo, Record, Status

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What processing one file produced: the record, the document (None when unreadable)."""

    source: Path
    record: Record
    document: Document | None
    timings: dict[str, float] = field(default_factory=dict)


def process_file(source: Path, display_path: str, as_of: dt.date, playbooks: tuple[Path, ...] = ()) -> Outcome:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        document = ingest_file(source, display_path)
    except IngestError as exc:
        return Outcome(source, failed_record(source, display_path, exc, as_of), None, timings)
    timings["ingest"] = time.perf_counter() - t0
    record = process_document(document, as_of, timings, playbooks)
    return Outcome(source, record, document, timings)


def process_document(document: Document, as_of: dt.date, timings: dict[str, float] | None = None,
                     playbooks: tuple[Path, ...] = ()) -> Record:
    timings = timings if timings is not None else {}
    record = Record(
        pactwatch_version=__version__,
        status=Status.OK,
        as_of=as_of.isoformat(),
        document=DocumentInfo(
            path=document.path, sha256=document.sha256, format=document.format,
            pages=document.page_count, size_bytes=document.size_bytes, characters=len(document.text),
        ),
        diagnostics=list(document.diagnostics),
    )
    t0 = time.perf_counter()
    analysis = analyse(document)
    timings["nlp"] = time.perf_counter() - t0
    context = Context(document=document, analysis=analysis, record=record)
    t0 = time.perf_counter()
    for extractor in load_extractors():
        try:
            extractor.extract(context)
        except Exception as exc:  # noqa: BLE001 - one extractor's bug must not cost the others
            log.exception("extractor %s failed on %s", extractor.name, document.path)
            record.diagnostics.append(Diagnostic(
                code=errors.EXTRACTOR_FAILED.code, severity="warning", stage=f"extract:{extractor.name}",
                message=f"extractor '{extractor.name}' failed ({type(exc).__name__}: {exc}); its fields are missing"))
    timings["extract"] = time.perf_counter() - t0
    for problem in evidence_problems(record, document):
        record.diagnostics.append(Diagnostic(
            code=errors.EVIDENCE_MISMATCH.code, severity="warning", stage="verify",
            message=f"evidence does not match the document: {problem}"))
    t0 = time.perf_counter()
    record.checks = run_checks(record, load_playbooks(playbooks), as_of)
    timings["checks"] = time.perf_counter() - t0
    record.status = _status(record)
    return record


def _status(record: Record) -> Status:
    if any(d.severity == "error" for d in record.diagnostics):
        return Status.FAILED
    if any(d.severity == "warning" for d in record.diagnostics):
        return Status.PARTIAL
    return Status.OK


def failed_record(source: Path, display_path: str, exc: IngestError, as_of: dt.date) -> Record:
    try:
        data = source.read_bytes()
        sha256, size = hashlib.sha256(data).hexdigest(), len(data)
    except OSError:
        sha256, size = "", 0
    status = Status.NEEDS_OCR if exc.code is errors.NO_TEXT_LAYER else Status.FAILED
    return Record(
        pactwatch_version=__version__,
        status=status,
        as_of=as_of.isoformat(),
        document=DocumentInfo(path=display_path, sha256=sha256, format=source.suffix.lstrip(".").lower() or "unknown",
                              pages=0, size_bytes=size),
        diagnostics=[Diagnostic(code=exc.code.code, severity=exc.code.severity.value, stage="ingest",
                                message=f"{exc.code.title}: {exc.detail}. {exc.code.advice[:1].upper()}{exc.code.advice[1:]}.")],
    )


__all__ = ["Outcome", "process_file", "process_document", "failed_record"]
