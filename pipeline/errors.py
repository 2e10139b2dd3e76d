"""Stable diagnostic codes.

Every problem pactwatch reports about a document carries one of these codes, so that users,
logs and the register can refer to it. Codes never change meaning; new ones are appended.
PW-E1xx: the file cannot be read at all. PW-W2xx: read, but something is missing or doubtful.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class ErrorCode:
    code: str
    severity: Severity
    title: str
    advice: str  # what the user can do about it


_CODES: dict[str, ErrorCode] = {}


def _register(code: str, severity: Severity, title: str, advice: str) -> ErrorCode:
    entry = ErrorCode(code, severity, title, advice)
    _CODES[code] = entry
    return entry


E = Severity.ERROR
W = Severity.WARNING

EMPTY_FILE = _register("PW-E100", E, "empty file", "the file has no bytes; export or copy it again")
ENCRYPTED_PDF = _register(
    "PW-E101", E, "encrypted PDF",
    "a password is needed to open it; remove the password and drop the file again")
CORRUPT_PDF = _register(
    "PW-E102", E, "corrupt or truncated PDF",
    "the PDF structure cannot be read; download or export the file again")
UNSUPPORTED_TYPE = _register(
    "PW-E103", E, "unsupported file type",
    "pactwatch reads PDF, DOCX and plain text; convert the file to one of these")
MISLABELLED_TYPE = _register(
    "PW-E104", E, "file content does not match its extension",
    "the bytes are of another type than the name says; save it in the format its name claims")
LEGACY_DOC = _register(
    "PW-E105", E, "legacy Word .doc file",
    "save it as .docx (Word: File > Save As > Word Document) or export it to PDF")
CORRUPT_DOCX = _register(
    "PW-E106", E, "corrupt DOCX",
    "the Word package cannot be read; open and save it again in Word, or export it to PDF")
OVERSIZED_DOCX = _register(
    "PW-E107", E, "DOCX expands too much (possible zip bomb)",
    "its parts inflate beyond the safety limit; check where the file came from")
UNSAFE_XML = _register(
    "PW-E108", E, "DOCX contains unsafe XML (entity declarations)",
    "the document declares XML entities, which Word never writes; check where the file came from")
UNDECODABLE_TEXT = _register(
    "PW-E109", E, "text file encoding cannot be read",
    "save the text as UTF-8")
MACRO_DOCX = _register(
    "PW-E110", E, "macro-enabled Word file (.docm)",
    "pactwatch does not open macro-enabled files; save a copy as .docx without macros")
UNREADABLE_FILE = _register(
    "PW-E111", E, "file cannot be read",
    "check that the file exists and that pactwatch may read it")
TOO_LARGE = _register(
    "PW-E112", E, "document exceeds the size limit",
    "split the document or raise the limit if it is genuine")
NO_TEXT_LAYER = _register(
    "PW-E120", E, "no text layer: needs OCR",
    "the PDF holds only images of pages; run OCR on it (e.g. ocrmypdf) and drop the result")
ENCRYPTED_OFFICE = _register(
    "PW-E113", E, "password-protected Word document",
    "open it in Word, remove the password (File > Info > Protect Document), save and drop it again")
INTERNAL_ERROR = _register(
    "PW-E199", E, "internal error",
    "this is a bug in pactwatch; please report it with the file if you can share it")

PAGES_WITHOUT_TEXT = _register(
    "PW-W201", W, "some pages have no text layer",
    "those pages are images (scans, signature pages); OCR them if they carry terms")
AMBIGUOUS_DATE = _register(
    "PW-W202", W, "ambiguous numeric date",
    "the day/month order cannot be told from the document; check the date against the quote")
PAGE_EXTRACTION_FAILED = _register(
    "PW-W203", W, "a page could not be read",
    "the page's content stream is damaged; its text is missing from the record")
EXTRACTOR_FAILED = _register(
    "PW-W204", W, "an extractor failed on this document",
    "some fields may be missing; this is a bug in pactwatch, please report it")
DOCX_PART_SKIPPED = _register(
    "PW-W205", W, "part of the DOCX could not be read",
    "some content (e.g. a header, footnote or embedded object) is missing from the text")
EVIDENCE_MISMATCH = _register(
    "PW-W206", W, "a quote does not match the document",
    "the value is kept but its quote is wrong; this is a bug in pactwatch, please report it")

ENCODING_GUESSED = _register(
    "PW-W207", W, "text encoding guessed",
    "the file is not UTF-8; check accented letters and symbols in the quotes, or save it as UTF-8")


# Failures of the run around a document rather than of its bytes (batch runs and the watcher).
TIMEOUT = _register(
    "PW-E114", E, "processing timed out",
    "the file took longer than the per-file time limit and its worker was stopped; if it is a "
    "genuine very long contract raise --timeout, otherwise check where the file came from")
MEMORY_LIMIT = _register(
    "PW-E115", E, "processing exceeded the memory limit",
    "reading the file needed more memory than the per-file limit; if it is a genuine very large "
    "contract raise --memory-limit, otherwise check where the file came from")
WORKER_CRASHED = _register(
    "PW-E116", E, "the worker reading this file crashed",
    "a parser died on this file (often a damaged or hostile file); export or download it again, "
    "and report it to pactwatch if you can share it")
FILE_CHANGED = _register(
    "PW-E117", E, "file changed while it was being read",
    "something was still writing the file; wait until the copy or download has finished, then "
    "drop or run it again")
OUTPUT_NOT_WRITABLE = _register(
    "PW-E118", E, "output cannot be written",
    "pactwatch may not write to the output folder or the register; fix its permissions or choose "
    "another --out / --db, then run again (finished files are kept)")
DISK_FULL = _register(
    "PW-E119", E, "disk full",
    "the disk holding the output folder or the register is full; free some space and run again "
    "(finished files are kept and not processed again)")


def lookup(code: str) -> ErrorCode:
    return _CODES[code]


def all_codes() -> list[ErrorCode]:
    return list(_CODES.values())


class IngestError(Exception):
    """A document cannot be read. Carries a stable code and a specific message for this file."""

    def __init__(self, code: ErrorCode, detail: str):
        super().__init__(f"{code.code} {code.title}: {detail}")
        self.code = code
        self.detail = detail
