"""Plain-text backend.

Decoding order: a byte-order mark decides (UTF-32, UTF-16 LE/BE, UTF-8, BOM stripped); without
one, strict UTF-8, then Windows-1252, then Latin-1 (which cannot fail), with a warning naming the
fallback. Line endings become "\\n". A form feed marks a page break: it is kept in the text as
"\\n" (so offsets and sentence boundaries survive) and the next page starts right after it.
"""

from __future__ import annotations

import codecs

from pipeline.document import Document, Page
from pipeline.errors import EMPTY_FILE, ENCODING_GUESSED, UNDECODABLE_TEXT, IngestError
from pipeline.record import Diagnostic

TITLE_MAX_CHARS = 100


_BOMS: list[tuple[bytes, str, str]] = [  # UTF-32 first: its LE BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
]


def read_txt(path: str, data: bytes, sha256: str) -> Document:
    if not data:
        raise IngestError(EMPTY_FILE, f"{path} is 0 bytes long; copy or export it again")
    diagnostics: list[Diagnostic] = []
    raw = decode_text(data, path, diagnostics)
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    pages = _split_pages(text)
    text = text.replace("\f", "\n")
    return Document(
        path=path, sha256=sha256, format="txt", text=text, pages=pages,
        title=_title(text), size_bytes=len(data), diagnostics=diagnostics)


def decode_text(data: bytes, path: str, diagnostics: list[Diagnostic]) -> str:
    """Decode `data` as described in the module docstring, noting any guessed encoding."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _decode_strict(data, len(bom), codec, label, path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            UNDECODABLE_TEXT,
            f"{path} contains a NUL byte at offset {nul} and has no byte-order mark; it is "
            "binary, or UTF-16 saved without a BOM - save the text as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02X} at offset {exc.start}"
    for codec, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1 (ISO-8859-1)")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        diagnostics.append(Diagnostic(
            code=ENCODING_GUESSED.code, severity="warning", stage="ingest",
            message=f"{path} is not valid UTF-8 ({bad}); read it as {label}. Check quotes, "
                    "dashes and currency signs in quotes, and save the file as UTF-8"))
        return text
    raise AssertionError("latin-1 decodes any byte string")  # pragma: no cover


def _decode_strict(data: bytes, bom_len: int, codec: str, label: str, path: str) -> str:
    try:
        return data[bom_len:].decode(codec)
    except UnicodeDecodeError as exc:
        raise IngestError(
            UNDECODABLE_TEXT,
            f"{path} starts with a {label} byte-order mark but is not valid {label} "
            f"({exc.reason} at offset {exc.start + bom_len}); save the text as UTF-8") from exc


def _split_pages(text: str) -> list[Page]:
    """Pages split after each form feed; a blank tail (e.g. a final "\\f") joins the last page."""
    bounds = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\f"]
    ranges = [[start, end] for start, end in zip(bounds, bounds[1:] + [len(text)])]
    while len(ranges) > 1 and not text[ranges[-1][0]:ranges[-1][1]].strip():
        tail = ranges.pop()
        ranges[-1][1] = tail[1]
    return [
        Page(number=i, start=start, end=end, has_text=bool(text[start:end].strip()))
        for i, (start, end) in enumerate(ranges, start=1)
    ]


def _title(text: str) -> str | None:
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return line if len(line) <= TITLE_MAX_CHARS else None
    return None
