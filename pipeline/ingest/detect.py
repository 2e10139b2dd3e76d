"""Tell which backend can read a file from its bytes, not from its name.

`detect_format` returns "pdf", "docx" or "txt", or raises `IngestError` with a message that
says what the bytes actually are and what the user can do. Content wins over the extension
for the formats pactwatch reads (a real PDF named .docx is read as a PDF); a file whose name
promises a document but whose bytes are something else (an HTML login page saved as
contract.pdf, typical of a failed download) is reported as mislabelled.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from typing import NoReturn

from pipeline.errors import (
    CORRUPT_DOCX,
    EMPTY_FILE,
    ENCRYPTED_OFFICE,
    LEGACY_DOC,
    MACRO_DOCX,
    MISLABELLED_TYPE,
    UNSUPPORTED_TYPE,
    IngestError,
)

PDF_HEADER_WINDOW = 1024  # PDF readers accept %PDF- anywhere in the first 1024 bytes
SNIFF_BYTES = 64 * 1024
CONTENT_TYPES_READ_LIMIT = 1024 * 1024

TEXT_EXTENSIONS = {".txt", ".text", ".md", ""}
# Names that promise a binary document: text or HTML under these names is mislabelled.
DOCUMENT_EXTENSIONS = {
    ".pdf", ".docx", ".docm", ".doc", ".dotx", ".odt", ".zip",
    ".png", ".jpg", ".jpeg", ".tif", ".tiff",
}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml", ""}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"

WORD_MAIN_CONTENT_TYPE = b"wordprocessingml.document.main+xml"
MACRO_CONTENT_TYPES = (b"vnd.ms-word.document.macroenabled", b"vnd.ms-word.template.macroenabled")

# (magic at offset 0, what it is, what to do)
_BINARY_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "run OCR on it and save the result as a PDF (e.g. ocrmypdf)"),
    (b"\xff\xd8\xff", "a JPEG image", "run OCR on it and save the result as a PDF (e.g. ocrmypdf)"),
    (b"GIF87a", "a GIF image", "run OCR on it and save the result as a PDF"),
    (b"GIF89a", "a GIF image", "run OCR on it and save the result as a PDF"),
    (b"II*\x00", "a TIFF image (often a fax or scan)", "run OCR on it and save the result as a PDF"),
    (b"MM\x00*", "a TIFF image (often a fax or scan)", "run OCR on it and save the result as a PDF"),
    (b"{\\rtf", "an RTF document", "open it in Word and save it as .docx, or export it to PDF"),
    (b"%!PS", "a PostScript file", "convert it to PDF (e.g. ps2pdf)"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it and drop the contract inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and drop the contract inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it and drop the contract inside"),
    (b"\x7fELF", "a Linux executable", "drop the contract itself instead"),
]


def detect_format(data: bytes, filename: str) -> str:
    """Return "pdf", "docx" or "txt" for `data`, or raise `IngestError` saying what it is."""
    ext = _extension(filename)
    if not data:
        raise IngestError(EMPTY_FILE, f"{_name(filename)} is 0 bytes long; copy or export it again")
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return "pdf"
    if data.startswith(OLE2_MAGIC):
        _raise_for_ole2(data, filename)
    if data.startswith(ZIP_MAGICS):
        return _classify_zip(data, filename, ext)
    _raise_for_binary_signature(data, filename)
    head = _sniff_head(data)
    if _is_word_xml(head):
        raise IngestError(
            UNSUPPORTED_TYPE,
            f"{_name(filename)} is a Word XML file (Word 2003 XML or Flat OPC), not a .docx "
            "package; open it in Word and save it as Word Document (.docx)")
    if _is_html(head):
        return _classify_html(filename, ext)
    if _looks_like_text(data):
        return _classify_text(filename, ext)
    if ext == ".pdf":
        raise IngestError(
            UNSUPPORTED_TYPE,
            f"{_name(filename)} is named .pdf but is unrecognised binary data with no %PDF- "
            "header in its first 1024 bytes; it may be damaged or wrapped by a DRM tool - "
            "download or export the PDF again")
    raise IngestError(
        UNSUPPORTED_TYPE,
        f"{_name(filename)} is binary data of an unrecognised type; pactwatch reads PDF, DOCX "
        "and plain text - export the contract to PDF")


def _extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lower()


def _name(filename: str) -> str:
    return repr(os.path.basename(filename) or filename)


def _raise_for_ole2(data: bytes, filename: str) -> NoReturn:
    # OLE2 directory entries hold stream names in UTF-16LE; scanning for them tells an
    # encrypted OOXML file (Word wraps those in OLE2) from a legacy .doc or an .xls/.msg.
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise IngestError(
            ENCRYPTED_OFFICE,
            f"{_name(filename)} is a password-protected Office document (encrypted package); "
            "open it in Word, remove the password (File > Info > Protect Document > Encrypt "
            "with Password, clear it), save and drop it again")
    if "WordDocument".encode("utf-16-le") in data or _extension(filename) in {".doc", ".dot"}:
        raise IngestError(
            LEGACY_DOC,
            f"{_name(filename)} is a legacy Word 97-2003 .doc file (OLE2 compound file); "
            "open it in Word and save it as .docx, or export it to PDF")
    raise IngestError(
        UNSUPPORTED_TYPE,
        f"{_name(filename)} is a legacy Microsoft Office file (OLE2 compound file, e.g. .xls, "
        ".ppt or an Outlook .msg) that is not a Word document; export the contract to PDF")


def _classify_zip(data: bytes, filename: str, ext: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            content_types = _read_content_types(zf, names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            ValueError, RuntimeError, NotImplementedError) as exc:
        if ext in {".docx", ".docm"}:
            raise IngestError(
                CORRUPT_DOCX,
                f"{_name(filename)} starts like a Word package but its ZIP directory cannot be "
                f"read ({exc}); the file is probably truncated - download or save it again"
            ) from exc
        raise IngestError(
            UNSUPPORTED_TYPE,
            f"{_name(filename)} is a damaged ZIP archive ({exc}); pactwatch reads PDF, DOCX "
            "and plain text") from exc

    lower_names = {n.lower() for n in names}
    types = content_types or b""
    is_word = content_types is not None and (
        "word/document.xml" in lower_names
        or WORD_MAIN_CONTENT_TYPE in types
        or any(ct in types for ct in MACRO_CONTENT_TYPES))
    if not is_word:
        if any(n.startswith("word/") for n in lower_names):
            return "docx"  # a broken Word package: the reader says which part is missing
        raise IngestError(UNSUPPORTED_TYPE, f"{_name(filename)} is {_describe_zip(lower_names)}")

    has_macros = (
        ext in {".docm", ".dotm"}
        or any(ct in types for ct in MACRO_CONTENT_TYPES)
        or any(n.rsplit("/", 1)[-1] == "vbaproject.bin" for n in lower_names))
    if has_macros:
        raise IngestError(
            MACRO_DOCX,
            f"{_name(filename)} is a macro-enabled Word document (.docm, contains a VBA "
            "project); open it in Word and use Save As > Word Document (.docx) to drop the macros")
    return "docx"


def _read_content_types(zf: zipfile.ZipFile, names: list[str]) -> bytes | None:
    """The lower-cased start of [Content_Types].xml, read without inflating more than needed."""
    member = next((n for n in names if n.lower() == "[content_types].xml"), None)
    if member is None:
        return None
    with zf.open(member) as fh:
        return fh.read(CONTENT_TYPES_READ_LIMIT).lower()


def _describe_zip(lower_names: set[str]) -> str:
    if "xl/workbook.xml" in lower_names:
        what, todo = "an Excel workbook (.xlsx), not a Word document", "export the contract to PDF"
    elif "ppt/presentation.xml" in lower_names:
        what, todo = "a PowerPoint presentation (.pptx), not a Word document", "export the contract to PDF"
    elif "mimetype" in lower_names and "content.xml" in lower_names:
        what = "an OpenDocument file (e.g. .odt), not a Word document"
        todo = "save it as .docx or export it to PDF"
    else:
        what = f"a ZIP archive that is not a Word document ({len(lower_names)} entries)"
        todo = "extract it and drop the contract inside"
    return f"{what}; {todo}"


def _raise_for_binary_signature(data: bytes, filename: str) -> None:
    for magic, what, todo in _BINARY_SIGNATURES:
        if data.startswith(magic):
            raise IngestError(UNSUPPORTED_TYPE, f"{_name(filename)} is {what}; {todo}")
    if data[4:8] == b"ftyp" and data[8:12] in {b"heic", b"heix", b"mif1", b"msf1"}:
        raise IngestError(
            UNSUPPORTED_TYPE,
            f"{_name(filename)} is a HEIC photo; run OCR on it and save the result as a PDF")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        raise IngestError(
            UNSUPPORTED_TYPE,
            f"{_name(filename)} is a WebP image; run OCR on it and save the result as a PDF")
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        raise IngestError(
            UNSUPPORTED_TYPE, f"{_name(filename)} is a Windows executable; drop the contract itself")


def _sniff_head(data: bytes) -> str:
    """The first KiB as lower-case text, for markup sniffing (never used to decode content)."""
    head = data[:PDF_HEADER_WINDOW]
    if head.startswith(UTF16_BOMS):
        return head.decode("utf-16", errors="ignore").lower()
    return head.removeprefix(UTF8_BOM).decode("latin-1").lower()


def _is_word_xml(head: str) -> bool:
    return ('progid="word.document"' in head or "<w:worddocument" in head
            or "<pkg:package" in head)


def _is_html(head: str) -> bool:
    return "<!doctype html" in head or "<html" in head


def _classify_html(filename: str, ext: str) -> str:
    if ext in DOCUMENT_EXTENSIONS:
        raise IngestError(
            MISLABELLED_TYPE,
            f"{_name(filename)} is an HTML page saved under a {ext} name, typical of a failed "
            "download or a login/error page saved instead of the file; download the "
            f"{ext[1:].upper()} again from the original link")
    if ext in HTML_EXTENSIONS:
        raise IngestError(
            UNSUPPORTED_TYPE,
            f"{_name(filename)} is an HTML web page; print it to PDF, or save its text as .txt")
    if ext in TEXT_EXTENSIONS:
        return "txt"  # the user chose to call it text; the markup is read as text
    raise _text_under_other_name(filename, ext, "an HTML page")


def _looks_like_text(data: bytes) -> bool:
    """Text in a known encoding: UTF-16 with a BOM, or no NULs and hardly any control bytes.

    Any byte string decodes as Latin-1, so decodability alone proves nothing; control bytes
    other than tab, newlines, form feed (and DOS ^Z/ESC) are what binary data is made of.
    """
    if data.startswith(UTF16_BOMS):
        return True
    if b"\x00" in data:
        return False
    sample = data[:SNIFF_BYTES]
    controls = sum(1 for b in sample if (b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F)
    return controls <= len(sample) * 0.01


_TEXT_CONTROLS = {0x09, 0x0A, 0x0C, 0x0D, 0x1A, 0x1B}


def _classify_text(filename: str, ext: str) -> str:
    if ext in TEXT_EXTENSIONS:
        return "txt"
    raise _text_under_other_name(filename, ext, "plain text")


def _text_under_other_name(filename: str, ext: str, what: str) -> IngestError:
    if ext in DOCUMENT_EXTENSIONS:
        return IngestError(
            MISLABELLED_TYPE,
            f"{_name(filename)} is {what} saved under a {ext} name, not a real "
            f"{ext[1:].upper()} file; if it is the contract's text rename it to .txt, otherwise "
            f"export the {ext[1:].upper()} again")
    return IngestError(
        UNSUPPORTED_TYPE,
        f"{_name(filename)} is {what} under a {ext} name; pactwatch reads plain text only from "
        ".txt, .text and .md files - rename it to .txt if it is the contract's text")
