"""Ingest: a file's bytes -> `Document`, by the backend its content calls for.

`ingest_file` reads the file once, hashes it, detects the format from the bytes and hands them
to one backend per format (pdf.py, docx.py, txt.py). A file that cannot be read raises
`IngestError` with a stable code and a message for this file; callers turn it into a record.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Callable

from pipeline import errors
from pipeline.document import Document
from pipeline.errors import IngestError
from pipeline.ingest.detect import detect_format

# Detected format -> "module:function"; modules are imported on first use.
BACKENDS: dict[str, str] = {
    "pdf": "pipeline.ingest.pdf:read_pdf",
    "docx": "pipeline.ingest.docx:read_docx",
    "txt": "pipeline.ingest.txt:read_txt",
}
MAX_FILE_BYTES = 512 * 1024 * 1024

Backend = Callable[[str, bytes, str], Document]


def backend_for(fmt: str) -> Backend:
    module_name, function_name = BACKENDS[fmt].split(":")
    return getattr(importlib.import_module(module_name), function_name)


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(errors.TOO_LARGE, f"{size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError(errors.UNREADABLE_FILE, "the file disappeared before it could be read") from exc
    except IsADirectoryError as exc:
        raise IngestError(errors.UNREADABLE_FILE, "this is a folder, not a file") from exc
    except PermissionError as exc:
        raise IngestError(errors.UNREADABLE_FILE, "permission denied") from exc
    except OSError as exc:
        raise IngestError(errors.UNREADABLE_FILE, str(exc)) from exc


def ingest_bytes(display_path: str, data: bytes) -> Document:
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = detect_format(data, display_path)
    document = backend_for(fmt)(display_path, data, sha256)
    if not document.text.strip():
        # A Word file holding only pasted scans, a text file of blank lines
        raise IngestError(errors.NO_TEXT_LAYER, f"the {fmt.upper()} file holds no text (only images or blank space)")
    return document


def ingest_file(path: Path, display_path: str | None = None) -> Document:
    return ingest_bytes(display_path or str(path), read_bytes(path))
