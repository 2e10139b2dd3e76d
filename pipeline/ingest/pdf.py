"""PDF backend (pypdf): page text, cleaned of what filings carry, with page ranges kept exact.

pypdf is the default text extractor. `PACTWATCH_PDF_BACKEND=pdfium` reads the page text with
PDFium instead (`pipeline.ingest.pdfium`, the `pdfium` extra), several times faster; the cleaning
below is the same for both (`page_lines`, `build_document`).

Cleaning works line by line on each page and builds the document text from the kept lines, so
offsets are offsets into the cleaned text and each page is a [start, end) range of it:
- running headers and footers: lines near the top or bottom of a page that recur (digits
  ignored) on many pages, and bare page numbers ("3", "Page 3 of 9", "- 3 -");
- hyphenation at line ends: "com-\\nmercial" -> "commercial" when the joined word is used
  elsewhere in the same document (or the break is a soft hyphen). Filings converted from HTML
  break lines at real hyphens ("non-\\nexclusive"), which must stay as written;
- whitespace runs inside lines folded to one space.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from pipeline import errors
from pipeline.document import Document, Page
from pipeline.errors import IngestError
from pipeline.record import Diagnostic

# Lines within this many non-empty lines of a page's top or bottom may be furniture.
EDGE_LINES = 3
# A line is a running header/footer when it recurs on at least this share of pages (and >= 3).
FURNITURE_SHARE = 0.3
MAX_PAGES = 5000

_PAGE_NUMBER = re.compile(
    r"(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlc]{1,7})\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?\.?",
    re.IGNORECASE,
)
_SPACE_RUN = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_HYPHEN_END = re.compile(r"([A-Za-z]+)[-\u00ad]$")
_WORD_START = re.compile(r"[a-z]+")
_WORDS = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"\d+")
_LIGATURE_CHARS = re.compile("[\ufb00-\ufb06]")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})


@dataclass
class _PageLines:
    number: int
    lines: list[str]
    failed: bool = False


PDF_BACKEND_VARIABLE = "PACTWATCH_PDF_BACKEND"


def read_pdf(path: str, data: bytes, sha256: str) -> Document:
    if os.environ.get(PDF_BACKEND_VARIABLE, "pypdf").strip().lower() == "pdfium":
        from pipeline.ingest.pdfium import read_pdf_pdfium

        return read_pdf_pdfium(path, data, sha256)
    reader = _open(data)
    try:
        page_count = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        # a page tree that refers to itself surfaces as AttributeError or RecursionError in pypdf
        raise IngestError(errors.CORRUPT_PDF, f"the page tree cannot be read ({type(exc).__name__}: {exc})") from exc
    if page_count == 0:
        raise IngestError(errors.CORRUPT_PDF, "the PDF has no pages")
    if page_count > MAX_PAGES:
        raise IngestError(errors.TOO_LARGE, f"{page_count} pages; the limit is {MAX_PAGES}")

    pages = [_extract_page(reader, i) for i in range(page_count)]
    return build_document(path, data, sha256, pages, _metadata_title(reader))


def build_document(path: str, data: bytes, sha256: str, pages: list[_PageLines], title: str | None) -> Document:
    """The cleaned document from each page's lines, whichever library extracted them."""
    diagnostics: list[Diagnostic] = []
    page_count = len(pages)
    for p in pages:
        if p.failed:
            diagnostics.append(Diagnostic(
                code=errors.PAGE_EXTRACTION_FAILED.code, severity="warning", page=p.number, stage="ingest",
                message=f"page {p.number}: its text could not be extracted; it is missing from the record"))

    furniture = _furniture_lines(pages)
    text, page_ranges, removed = _assemble(pages, furniture)
    if not text.strip() and any(p.lines for p in pages):
        # every line looked like a running header (identical pages): keep the text as printed
        text, page_ranges, removed = _assemble(pages, set(), clean_edges=False)

    empty = [p.number for p, r in zip(pages, page_ranges) if not r.has_text]
    if len(empty) == page_count:
        raise IngestError(errors.NO_TEXT_LAYER, f"none of its {page_count} pages has a text layer")
    if empty:
        diagnostics.append(Diagnostic(
            code=errors.PAGES_WITHOUT_TEXT.code, severity="warning", page=empty[0], stage="ingest",
            message=f"page(s) {_ranges(empty)} of {page_count} have no text layer (scanned images?); "
                    "their content is not in the record"))
    return Document(
        path=path, sha256=sha256, format="pdf", text=text, pages=page_ranges,
        title=title, size_bytes=len(data), diagnostics=diagnostics,
        furniture=sorted(removed),
    )


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            OSError) as exc:
        raise IngestError(errors.CORRUPT_PDF, f"pypdf cannot parse it ({type(exc).__name__}: {exc})") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise IngestError(errors.ENCRYPTED_PDF, f"its encryption needs a library that is missing ({exc})") from exc
        except (PdfReadError, FileNotDecryptedError, ValueError, NotImplementedError) as exc:
            raise IngestError(errors.ENCRYPTED_PDF, f"it cannot be decrypted ({exc})") from exc
        if not opened:
            raise IngestError(errors.ENCRYPTED_PDF, "it is protected by a password that is not empty")
    return reader


def _extract_page(reader: PdfReader, index: int) -> _PageLines:
    try:
        raw = reader.pages[index].extract_text() or ""
    except MemoryError:
        raise  # the worker's memory limit: the file is reported as too large, not as a bad page
    except Exception:  # noqa: BLE001 - a damaged content stream must cost one page, not the file
        return _PageLines(index + 1, [], failed=True)
    return page_lines(index + 1, raw)


def page_lines(number: int, raw: str) -> _PageLines:
    """A page's extracted text as its non-empty lines, normalised and with spaces folded."""
    # NFC folds font-mapping oddities such as U+037E (Greek question mark) back to ";"
    raw = unicodedata.normalize("NFC", raw)
    if _LIGATURE_CHARS.search(raw):
        raw = raw.translate(_LIGATURES)
    lines = [_SPACE_RUN.sub(" ", line).strip() for line in raw.splitlines()]
    return _PageLines(number, [line for line in lines if line])


def failed_page(number: int) -> _PageLines:
    return _PageLines(number, [], failed=True)


def _furniture_key(line: str) -> str:
    return _DIGITS.sub("#", line)  # case kept: a title "SUPPLY AGREEMENT" is not the header "Supply Agreement"


def _furniture_lines(pages: list[_PageLines]) -> set[str]:
    """Lines that recur at the top or bottom of many pages: identical ones, or ones whose only
    varying numbers count the pages ("Page 3 of 9", "Acme - 14 - Confidential")."""
    with_text = [p for p in pages if p.lines]
    if len(with_text) < 3:
        return set()
    seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for p in with_text:
        for line in set(p.lines[:EDGE_LINES] + p.lines[-EDGE_LINES:]):
            if len(line) < 200:
                seen[_furniture_key(line)].append((p.number, line))
    threshold = max(3, FURNITURE_SHARE * len(with_text))
    furniture: set[str] = set()
    for occurrences in seen.values():
        if len({n for n, _ in occurrences}) < threshold:
            continue
        counter = _page_counter_lines(occurrences)
        furniture |= counter
    return furniture


def _page_counter_lines(occurrences: list[tuple[int, str]]) -> set[str]:
    """The occurrences that are running furniture: identical lines, or lines whose varying
    numbers stay at a fixed offset from the page number."""
    numbers = [[int(d) for d in _DIGITS.findall(line)] for _, line in occurrences]
    width = min(len(n) for n in numbers)
    varying = [i for i in range(width) if len({n[i] for n in numbers}) > 1]
    if not varying:
        return {line for _, line in occurrences}
    kept = set()
    for i in varying:
        offsets = Counter(n[i] - page for n, (page, _) in zip(numbers, occurrences))
        offset, count = offsets.most_common(1)[0]
        if count < 0.8 * len(occurrences):
            return set()
        kept = {line for n, (page, line) in zip(numbers, occurrences) if n[i] - page == offset}
    return kept


def _is_page_number(line: str) -> bool:
    return len(line) <= 20 and _PAGE_NUMBER.fullmatch(line) is not None


def _strip_edges(lines: list[str], furniture: set[str], removed: set[str]) -> list[str]:
    """Drop furniture and page numbers from the top and bottom edges of a page."""
    def drop(line: str) -> bool:
        if _is_page_number(line) or line in furniture:
            removed.add(line)
            return True
        return False

    start, end = 0, len(lines)
    while start < end and start < EDGE_LINES + 1 and drop(lines[start]):
        start += 1
    while end > start and len(lines) - end < EDGE_LINES + 1 and drop(lines[end - 1]):
        end -= 1
    return lines[start:end]


def _assemble(pages: list[_PageLines], furniture: set[str],
              clean_edges: bool = True) -> tuple[str, list[Page], set[str]]:
    parts: list[str] = []
    ranges: list[Page] = []
    removed: set[str] = set()
    vocabulary = _Vocabulary(pages)
    length = 0
    for p in pages:
        lines = _strip_edges(p.lines, furniture, removed) if clean_edges else p.lines
        start = length
        for k, line in enumerate(lines):
            if k > 0 and _is_soft_break(parts[-1], line, vocabulary):
                # "com-" + "mercial": drop the hyphen and the line break
                parts[-1] = parts[-1][:-1]
                length -= 1
                parts.append(line)
            else:
                if parts:
                    parts.append("\n")
                    length += 1
                parts.append(line)
            length += len(line)
        ranges.append(Page(number=p.number, start=start, end=length, has_text=bool(lines)))
    text = "".join(parts)
    # pages must tile the text: the separator before a page belongs to that page
    tiled = []
    for i, r in enumerate(ranges):
        start = 0 if i == 0 else tiled[-1].end
        end = len(text) if i == len(ranges) - 1 else max(r.end, start)
        tiled.append(Page(r.number, start, end, r.has_text))
    return text, tiled, removed


class _Vocabulary:
    """The document's words, lower-cased; collected on first use (most documents never ask)."""

    def __init__(self, pages: list[_PageLines]) -> None:
        self._pages = pages
        self._words: set[str] | None = None

    def __contains__(self, word: str) -> bool:
        if self._words is None:
            self._words = {w.lower() for p in self._pages for line in p.lines for w in _WORDS.findall(line)}
        return word in self._words


def _is_soft_break(previous: str, line: str, vocabulary: _Vocabulary) -> bool:
    if not previous.endswith(("-", "\u00ad")):
        return False
    end = _HYPHEN_END.search(previous)
    if end is None:
        return False
    start = _WORD_START.match(line)
    if start is None:
        return False
    if previous.endswith("\u00ad"):
        return True
    return (end.group(1) + start.group(0)).lower() in vocabulary


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        title = (reader.metadata or {}).get("/Title")
    except Exception:  # noqa: BLE001 - broken metadata is not worth failing the file
        return None
    if isinstance(title, str) and 3 <= len(title.strip()) <= 200:
        return title.strip()
    return None


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)
