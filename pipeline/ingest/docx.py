"""DOCX backend: the accepted text of a Word document, in reading order, with list numbers.

Text layout of `Document.text` (extractors and sentence splitting rely on it):
- Blocks (paragraphs, tables, text boxes) are separated by a blank line, "\\n\\n". A line break
  inside a paragraph (`w:br`, `w:cr`) is a single "\\n"; `w:tab` is "\\t".
- Word list numbering is rendered as a prefix: "4.2 Supplier shall ...", "(a) ...", "• ...".
- A table is one block: one line per row, cells joined by " | ". Paragraphs and line breaks
  inside a cell become spaces; a nested table is rendered inside its cell with rows joined by
  "; ".
- Tracked changes are shown accepted: insertions and move destinations kept, deletions and
  move sources dropped, a deleted paragraph mark joins the paragraph to the next one.
- Text boxes become blocks of their own, right after the paragraph they are anchored in.
- Hidden text (`w:vanish`), comments and field codes are not part of the text.
- Footnotes and endnotes are appended after the body under a "Footnotes" / "Endnotes" line,
  each as "[1] text" / "[i] text"; the body carries the matching "[1]" / "[i]" marker where
  the reference is. They stay in the text (not furniture) because notes can carry terms.
- Headers and footers go to `Document.furniture`, one entry per distinct header/footer part.

Pages: a DOCX has no fixed pages. Page boundaries come from explicit breaks (`w:br
w:type="page"`, `w:pageBreakBefore`, a section that starts on a new page) and from
`w:lastRenderedPageBreak`, where Word last laid out a page; a hint next to an explicit break is
the same boundary and is counted once. Documents never saved by Word have no hints, so their
natural page flow is unknown and they come out as fewer pages. Each page starts at its first
visible character; breaks before the first text or after the last are dropped.

Safety: the ZIP directory is checked (entry count, declared sizes, compression ratios) before
anything is inflated, and every part's XML prolog is scanned for DTD/entity declarations before
python-docx parses it.

Known limits: list numbers follow Word for decimal/letter/roman/ordinal formats, start values,
per-level restarts, w:startOverride, legal numbering and numbering inherited from paragraph
styles (one numStyleLink hop); other formats (cardinalText, chicago, East Asian counting) fall
back to digits, and w:lvlOverride restarts apply on the instance's first use only. Hidden text is
detected on the run itself, not through character styles. Comments, embedded objects and
w:altChunk content are not read (altChunk is reported). Footnotes sit on the last page.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from pipeline.document import Document, Page
from pipeline.errors import (
    CORRUPT_DOCX,
    DOCX_PART_SKIPPED,
    OVERSIZED_DOCX,
    UNSAFE_XML,
    UNSUPPORTED_TYPE,
    IngestError,
)
from pipeline.record import Diagnostic

MB = 1024 * 1024
MAX_TOTAL_UNCOMPRESSED = 200 * MB
MAX_ENTRIES = 10_000
MAX_RATIO = 200
RATIO_CHECK_MIN_SIZE = 10 * MB
PROLOG_SCAN_BYTES = 64 * 1024
TITLE_MAX_CHARS = 120
TITLE_SEARCH_PARAGRAPHS = 15

BLOCK_SEP = "\n\n"
ROW_SEP = "\n"
NESTED_ROW_SEP = "; "
CELL_SEP = " | "
BULLET = "\u2022"

MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"

# Parser for parts python-docx does not parse itself (footnotes, endnotes). python-docx's own
# parser (docx.oxml.parser.oxml_parser) is built with resolve_entities=False: it neither
# expands internal entities nor fetches external ones, but it silently keeps the references as
# unexpanded entity nodes, so text behind them would vanish without a word. That is why a part
# declaring a DTD is refused outright (UNSAFE_XML) rather than parsed.
_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_docx(path: str, data: bytes, sha256: str) -> Document:
    check_package(data)
    word = _open_docx(data)
    diagnostics: list[Diagnostic] = []
    parts = _Parts.of(word, diagnostics)
    body = word.element.body

    renderer = _Renderer(parts, diagnostics, section_types=_section_types(body), notes=True)
    sink = _PagedText()
    for block in renderer.blocks(body, top_level=True):
        sink.add_block(block)
    for heading, notes in (("Footnotes", renderer.footnotes), ("Endnotes", renderer.endnotes)):
        _append_notes(sink, heading, notes, parts, diagnostics)
    text, pages = sink.result()
    if renderer.numbering.unresolved:
        diagnostics.append(_skipped(
            f"{len(renderer.numbering.unresolved)} Word list(s) refer to numbering definitions "
            "that are missing from the package; their item numbers (e.g. '4.2') are not in the text"))

    return Document(
        path=path, sha256=sha256, format="docx", text=text, pages=pages,
        title=_title(parts, renderer.top_paragraphs), size_bytes=len(data),
        diagnostics=diagnostics, furniture=_furniture(body, parts, diagnostics))


# --------------------------------------------------------------------------- package safety


def check_package(data: bytes) -> None:
    """Refuse a package that is not a ZIP, would inflate too far, or declares XML entities."""
    with _open_zip(data) as zf:
        infos = zf.infolist()
        _check_sizes(infos)
        names = {info.filename for info in infos}
        for required, role in (("[Content_Types].xml", "content-type list"),
                               ("_rels/.rels", "package relationships")):
            if required not in names:
                raise IngestError(CORRUPT_DOCX, f"the package has no {required} ({role})")
        for info in infos:
            if not info.is_dir():
                _check_prolog(zf, info)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise IngestError(
            CORRUPT_DOCX, f"the file is not a readable ZIP package ({exc}); it may be truncated"
        ) from exc


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    # Declared sizes are a trustworthy bound: zipfile stops inflating an entry at its declared
    # file_size and fails the CRC check if the data disagree, so nothing is inflated here.
    if len(infos) > MAX_ENTRIES:
        raise IngestError(
            OVERSIZED_DOCX, f"the package has {len(infos)} entries (limit {MAX_ENTRIES})")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise IngestError(
            OVERSIZED_DOCX,
            f"its parts would inflate to {total / MB:.0f} MB (limit {MAX_TOTAL_UNCOMPRESSED // MB} MB)")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_SIZE and ratio > MAX_RATIO:
            raise IngestError(
                OVERSIZED_DOCX,
                f"part {info.filename} inflates from {info.compress_size} bytes to "
                f"{info.file_size / MB:.0f} MB (ratio {ratio:.0f}:1, limit {MAX_RATIO}:1)")


def _check_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part whose XML prolog holds a <!DOCTYPE> (the only place <!ENTITY> may appear)."""
    try:
        with zf.open(info) as fh:
            head = fh.read(PROLOG_SCAN_BYTES)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
            NotImplementedError) as exc:
        raise IngestError(CORRUPT_DOCX, f"part {info.filename} cannot be read ({exc})") from exc
    text = _prolog_text(head, info.filename)
    kind, snippet = _scan_prolog(text)
    if kind == "declaration":
        raise IngestError(
            UNSAFE_XML, f"part {info.filename} declares {snippet!r}; Word never writes DTDs")
    if kind == "incomplete" and info.file_size > len(head):
        raise IngestError(
            UNSAFE_XML,
            f"part {info.filename} has an XML prolog longer than {PROLOG_SCAN_BYTES // 1024} KB")
    declared = _XML_DECL_ENCODING.match(text)
    if declared and declared.group(1).lower() not in _SAFE_DECLARED_ENCODINGS:
        # libxml2 honours the declared encoding, so e.g. UTF-7 could spell "<!DOCTYPE" as
        # "+ADw-!DOCTYPE" and slip past a scan of the raw bytes.
        raise IngestError(
            UNSAFE_XML,
            f"part {info.filename} declares the text encoding {declared.group(1)!r}, which Word "
            "never writes and which can hide entity declarations")


_XML_DECL_ENCODING = re.compile(r"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_SAFE_DECLARED_ENCODINGS = {
    "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii",
    "iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252"}

# How libxml2 guesses a part's encoding from its first bytes, before any declaration.
_SNIFFED_ENCODINGS: list[tuple[bytes, str]] = [
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
    (b"\xef\xbb\xbf", "utf-8"),
]
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC


def _prolog_text(head: bytes, name: str) -> str:
    if head.startswith(_EBCDIC_XML):
        raise IngestError(UNSAFE_XML, f"part {name} is EBCDIC-encoded XML, which Word never writes")
    for prefix, codec in _SNIFFED_ENCODINGS:
        if head.startswith(prefix):
            return head.decode(codec, errors="ignore").lstrip("\ufeff")
    return head.decode("latin-1")  # ASCII-compatible; only markup characters matter here


def _scan_prolog(text: str) -> tuple[str, str]:
    """Walk the XML prolog: ("root"|"declaration"|"incomplete"|"not-xml", snippet)."""
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return "incomplete", ""
        for opener, closer in (("<?", "?>"), ("<!--", "-->")):
            if text.startswith(opener, i):
                end = text.find(closer, i + len(opener))
                if end < 0:
                    return "incomplete", ""
                i = end + len(closer)
                break
        else:
            if text.startswith("<!", i):
                return "declaration", text[i:i + 40].split("\n")[0]
            return ("root" if text.startswith("<", i) else "not-xml"), ""


def _open_docx(data: bytes) -> WordDocument:
    try:
        return docx.Document(io.BytesIO(data))
    except etree.XMLSyntaxError as exc:
        raise IngestError(CORRUPT_DOCX, _malformed_part(data) or f"malformed XML ({exc})") from exc
    except KeyError as exc:
        raise IngestError(CORRUPT_DOCX, f"a required part is missing: {exc.args[0]}") from exc
    except ValueError as exc:
        if "template" in str(exc):
            raise IngestError(
                UNSUPPORTED_TYPE,
                "the file is a Word template (.dotx), not a document; open it in Word and save "
                "it as Word Document (.docx)") from exc
        raise IngestError(CORRUPT_DOCX, f"the package is not a Word document ({exc})") from exc
    except (PackageNotFoundError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise IngestError(CORRUPT_DOCX, f"the package cannot be read ({exc})") from exc


def _malformed_part(data: bytes) -> str | None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not name.lower().endswith((".xml", ".rels")):
                continue
            try:
                etree.fromstring(zf.read(name), _SAFE_PARSER)
            except etree.XMLSyntaxError as exc:
                return f"part {name} is not well-formed XML ({exc})"
    return None


# --------------------------------------------------------------------------- package parts


@dataclass
class _Parts:
    """The parts the renderer needs, found through relationships without creating defaults."""

    document: WordDocument
    styles: _Styles
    numbering: etree._Element | None
    notes: dict[str, etree._Element]  # "footnotes"/"endnotes" -> root element
    broken_notes: set[str]

    @classmethod
    def of(cls, word: WordDocument, diagnostics: list[Diagnostic]) -> _Parts:
        rels = {rel.reltype: rel for rel in word.part.rels.values() if not rel.is_external}
        styles = rels.get(RT.STYLES)
        numbering = rels.get(RT.NUMBERING)
        notes: dict[str, etree._Element] = {}
        broken: set[str] = set()
        for kind, reltype in (("footnotes", RT.FOOTNOTES), ("endnotes", RT.ENDNOTES)):
            if reltype in rels:
                try:
                    notes[kind] = etree.fromstring(rels[reltype].target_part.blob, _SAFE_PARSER)
                except etree.XMLSyntaxError as exc:
                    broken.add(kind)
                    diagnostics.append(_skipped(f"the {kind} part is malformed ({exc}); notes are missing"))
        return cls(
            document=word,
            styles=_Styles(_element(styles.target_part) if styles else None),
            numbering=_element(numbering.target_part) if numbering else None,
            notes=notes, broken_notes=broken)

    def related_element(self, r_id: str) -> etree._Element | None:
        rel = self.document.part.rels.get(r_id)
        if rel is None or rel.is_external:
            return None
        return _element(rel.target_part)

    def core_title(self) -> str | None:
        for rel in self.document.part.package.rels.values():
            if rel.reltype == RT.CORE_PROPERTIES and not rel.is_external:
                core = getattr(rel.target_part, "core_properties", None)
                title = (core.title or "").strip() if core is not None else ""
                return title or None
        return None


def _element(part: object) -> etree._Element | None:
    """The parsed root of an XML part (python-docx XmlPart); None for a part it keeps as bytes."""
    return getattr(part, "element", None)


def _skipped(message: str) -> Diagnostic:
    return Diagnostic(code=DOCX_PART_SKIPPED.code, severity="warning", message=message, stage="ingest")


def _on(el: etree._Element | None) -> bool:
    """A WordprocessingML on/off property: present and not switched off."""
    return el is not None and el.get(qn("w:val"), "true").lower() not in {"0", "false", "off"}


def _to_int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _val_int(el: etree._Element | None) -> int | None:
    """The integer w:val of an optional element; None when absent or not a number."""
    try:
        return int(_attr(el))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class _Styles:
    def __init__(self, root: etree._Element | None):
        self._by_id: dict[str, etree._Element] = {}
        self.default_paragraph: str | None = None
        if root is None:
            return
        for style in root.iter(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            if style_id:
                self._by_id[style_id] = style
                if style.get(qn("w:type")) == "paragraph" and _on_attr(style.get(qn("w:default"))):
                    self.default_paragraph = style_id

    def chain(self, style_id: str | None) -> Iterator[etree._Element]:
        """The style and the styles it is based on, nearest first."""
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self._by_id:
            seen.add(style_id)
            style = self._by_id[style_id]
            yield style
            based_on = style.find(qn("w:basedOn"))
            style_id = based_on.get(qn("w:val")) if based_on is not None else None

    def ppr_child(self, style_id: str | None, tag: str) -> etree._Element | None:
        for style in self.chain(style_id):
            found = style.find(f"{qn('w:pPr')}/{qn(tag)}")
            if found is not None:
                return found
        return None

    def num_pr_value(self, style_id: str | None, tag: str) -> str | None:
        """w:numPr/`tag` (numId or ilvl) of the style; each may come from a different base style."""
        path = f"{qn('w:pPr')}/{qn('w:numPr')}/{qn(tag)}"
        for style in self.chain(style_id):
            found = style.find(path)
            if found is not None:
                return found.get(qn("w:val"))
        return None

    def name(self, style_id: str | None) -> str:
        style = self._by_id.get(style_id or "")
        name = style.find(qn("w:name")) if style is not None else None
        return name.get(qn("w:val"), "") if name is not None else ""


def _attr(el: etree._Element | None, name: str = "w:val") -> str | None:
    return el.get(qn(name)) if el is not None else None


def _on_attr(value: str | None) -> bool:
    return value is not None and value.lower() in {"1", "true", "on"}


# --------------------------------------------------------------------------- numbering


@dataclass(frozen=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # w:lvlRestart: 1-based level whose use restarts this; 0 = never
    legal: bool = False
    style: str | None = None


def _parse_level(lvl: etree._Element) -> _Level:
    fmt = lvl.find(qn("w:numFmt"))
    text = lvl.find(qn("w:lvlText"))
    style = lvl.find(qn("w:pStyle"))
    return _Level(
        start=_to_int(_attr(lvl.find(qn("w:start"))), 1),
        fmt=fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
        text=text.get(qn("w:val"), "") if text is not None else "",
        restart=_val_int(lvl.find(qn("w:lvlRestart"))),
        legal=_on(lvl.find(qn("w:isLgl"))),
        style=style.get(qn("w:val")) if style is not None else None)


class _Numbering:
    """Word list numbering: numId -> abstractNum levels, with counters kept in document order.

    Instances (w:num) of the same abstractNum share one sequence, as in Word; a
    w:lvlOverride/w:startOverride restarts its level the first time that instance is used.
    """

    def __init__(self, root: etree._Element | None, styles: _Styles):
        self._styles = styles
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._style_links: dict[str, str] = {}  # abstractNumId -> numbering style it points to
        self._num_abstract: dict[str, str] = {}
        self._overrides: dict[str, dict[int, _Level]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._used: set[str] = set()
        self.unresolved: set[str] = set()
        if root is not None:
            self._load(root)

    def _load(self, root: etree._Element) -> None:
        for abstract in root.iter(qn("w:abstractNum")):
            abstract_id = abstract.get(qn("w:abstractNumId"), "")
            self._abstract[abstract_id] = {
                _to_int(lvl.get(qn("w:ilvl")), 0): _parse_level(lvl) for lvl in abstract.iter(qn("w:lvl"))}
            link = abstract.find(qn("w:numStyleLink"))
            if link is not None and link.get(qn("w:val")):
                self._style_links[abstract_id] = link.get(qn("w:val"))
        for num in root.iter(qn("w:num")):
            num_id = num.get(qn("w:numId"), "")
            ref = num.find(qn("w:abstractNumId"))
            if ref is None:
                continue
            self._num_abstract[num_id] = ref.get(qn("w:val"), "")
            self._overrides[num_id] = self._parse_overrides(num_id, num)

    def _parse_overrides(self, num_id: str, num: etree._Element) -> dict[int, _Level]:
        overrides: dict[int, _Level] = {}
        for override in num.iter(qn("w:lvlOverride")):
            ilvl = _to_int(override.get(qn("w:ilvl")), 0)
            lvl = override.find(qn("w:lvl"))
            start = _val_int(override.find(qn("w:startOverride")))
            base = _parse_level(lvl) if lvl is not None else self._base_level(num_id, ilvl)
            overrides[ilvl] = replace(base, start=start) if start is not None else base
        return overrides

    def _abstract_id(self, num_id: str) -> str | None:
        abstract_id = self._num_abstract.get(num_id)
        link = self._style_links.get(abstract_id or "")
        if link and not self._abstract.get(abstract_id or ""):
            # numStyleLink: the levels live in the abstractNum of the numbering style's own list.
            linked_num = self._styles.num_pr_value(link, "w:numId")
            if linked_num is not None:
                abstract_id = self._num_abstract.get(linked_num, abstract_id)
        return abstract_id if abstract_id in self._abstract else None

    def _base_level(self, num_id: str, ilvl: int) -> _Level:
        abstract_id = self._abstract_id(num_id)
        return self._abstract.get(abstract_id or "", {}).get(ilvl, _Level())

    def _level(self, num_id: str, ilvl: int) -> _Level:
        return self._overrides.get(num_id, {}).get(ilvl) or self._base_level(num_id, ilvl)

    def level_for_style(self, num_id: str, style_id: str | None) -> int | None:
        abstract_id = self._abstract_id(num_id)
        for ilvl, level in self._abstract.get(abstract_id or "", {}).items():
            if style_id and level.style == style_id:
                return ilvl
        return None

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the list's counter for this paragraph and return its label ("4.2", "(a)")."""
        abstract_id = self._abstract_id(num_id)
        if abstract_id is None:
            self.unresolved.add(num_id)
            return ""
        counters = self._counters.setdefault(abstract_id, {})
        if num_id not in self._used:
            self._used.add(num_id)
            for overridden in self._overrides.get(num_id, {}):
                counters.pop(overridden, None)
        level = self._level(num_id, ilvl)
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [d for d in counters if d > ilvl]:
            restart = self._level(num_id, deeper).restart
            if restart is None or (restart > 0 and ilvl <= restart - 1):
                del counters[deeper]
        return self._format_label(num_id, ilvl, level, counters)

    def _format_label(self, num_id: str, ilvl: int, level: _Level, counters: dict[int, int]) -> str:
        if level.fmt == "bullet":
            return BULLET
        if level.fmt == "none" and "%" not in level.text:
            return level.text.strip()

        def number(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            ref = self._level(num_id, k)
            value = counters.get(k, ref.start)
            return _format_number(value, "decimal" if level.legal else ref.fmt)

        return re.sub(r"%([1-9])", number, level.text).strip()


_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def _roman(value: int) -> str:
    out = []
    for number, letters in _ROMAN:
        count, value = divmod(value, number)
        out.append(letters * count)
    return "".join(out)


def _letter(value: int) -> str:
    # Word's letter numbering repeats the letter past z: y, z, aa, bb, ...
    index, repeat = (value - 1) % 26, (value - 1) // 26 + 1
    return chr(ord("a") + index) * repeat


def _format_number(value: int, fmt: str) -> str:
    if fmt == "none":
        return ""
    # Past Word's own ranges (roman to 3999, letters to 780 = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
    # and for a hostile w:start, plain digits keep the label short.
    if value <= 0 or fmt in {"decimal", "decimalZero"} or value > 3999 or (value > 780 and "Letter" in fmt):
        return f"{value:02d}" if fmt == "decimalZero" else str(value)
    formats = {
        "lowerRoman": lambda v: _roman(v),
        "upperRoman": lambda v: _roman(v).upper(),
        "lowerLetter": lambda v: _letter(v),
        "upperLetter": lambda v: _letter(v).upper(),
        "ordinal": lambda v: f"{v}{_ordinal_suffix(v)}",
    }
    return formats.get(fmt, str)(value)


def _ordinal_suffix(value: int) -> str:
    if 10 <= value % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


# --------------------------------------------------------------------------- rendering


class _Break(Enum):
    EXPLICIT = "explicit"  # w:br type=page, pageBreakBefore, new-page section
    RENDERED = "rendered"  # w:lastRenderedPageBreak: where Word last laid out a new page


Piece = str | _Break
Block = list[Piece]

W_P, W_TBL, W_R = qn("w:p"), qn("w:tbl"), qn("w:r")
W_SDT, W_SDT_CONTENT = qn("w:sdt"), qn("w:sdtContent")
_INLINE_CONTAINERS = {qn(f"w:{t}") for t in (
    "ins", "moveTo", "hyperlink", "smartTag", "customXml", "fldSimple", "dir", "bdo")}
_BLOCK_CONTAINERS = {qn("w:customXml"), qn("w:ins"), qn("w:moveTo")}
_TEXT_BOX_HOSTS = {qn("w:drawing"), qn("w:pict"), qn("w:object"), f"{{{MC_NS}}}AlternateContent"}
_MATH = {f"{{{M_NS}}}oMath", f"{{{M_NS}}}oMathPara"}


def _has_text(pieces: Iterable[Piece]) -> bool:
    return any(isinstance(p, str) and p.strip() for p in pieces)


def _breaks(pieces: Iterable[Piece]) -> list[_Break]:
    return [p for p in pieces if isinstance(p, _Break)]


def _join(blocks: Iterable[Block], sep: str) -> Block:
    """Join blocks that have text with `sep`; keep the page breaks of blocks that have none."""
    out: Block = []
    wrote = False
    for block in blocks:
        if not _has_text(block):
            out.extend(_breaks(block))
            continue
        if wrote:
            out.append(sep)
        out.extend(block)
        wrote = True
    return out


@dataclass
class _Renderer:
    parts: _Parts
    diagnostics: list[Diagnostic]
    section_types: list[str] = field(default_factory=list)
    notes: bool = False  # collect footnote/endnote references (body only)
    numbering: _Numbering = field(init=False)
    footnotes: list[str] = field(default_factory=list)  # note ids in reference order
    endnotes: list[str] = field(default_factory=list)
    top_paragraphs: list[tuple[str | None, str]] = field(default_factory=list)
    _sections_seen: int = 0

    def __post_init__(self) -> None:
        self.numbering = _Numbering(self.parts.numbering, self.parts.styles)

    def blocks(self, container: etree._Element, top_level: bool = False, in_cell: bool = False) -> list[Block]:
        """The blocks (paragraphs, tables, text boxes) of a body, cell, note or header."""
        blocks: list[Block] = []
        carry: Block = []  # text of paragraphs whose mark was deleted: joins the next paragraph
        for child in container:
            tag = child.tag
            if tag == W_P:
                content, floating = self._paragraph_content(child)
                if self._mark_deleted(child):
                    carry.extend(content)
                    blocks.extend(floating)
                    continue
                blocks.append(self._paragraph(child, carry + content, top_level))
                blocks.extend(floating)
                carry = []
                continue
            if carry:
                blocks.append(carry)
                carry = []
            if tag == W_TBL:
                blocks.append(self._table(child, nested=in_cell))
            elif tag == W_SDT:
                content = child.find(W_SDT_CONTENT)
                if content is not None:
                    blocks.extend(self.blocks(content, top_level, in_cell))
            elif tag in _BLOCK_CONTAINERS:
                blocks.extend(self.blocks(child, top_level, in_cell))
            elif tag == qn("w:altChunk"):
                self.diagnostics.append(_skipped(
                    "the document embeds imported content (w:altChunk) that Word converts on "
                    "opening; that content is missing - open and save the file in Word first"))
        if carry:
            blocks.append(carry)
        return blocks

    # -- paragraphs

    def _paragraph(self, p: etree._Element, content: Block, top_level: bool) -> Block:
        ppr = p.find(qn("w:pPr"))
        style_id = self._style_id(ppr)
        label = self._label(ppr, style_id)
        block: Block = []
        if _on(self._ppr_prop(ppr, style_id, "w:pageBreakBefore")):
            block.append(_Break.EXPLICIT)
        if label and _has_text(content):
            block.append(f"{label} ")
        block.extend(content)
        if ppr is not None and ppr.find(qn("w:sectPr")) is not None and self._next_section_on_new_page():
            block.append(_Break.EXPLICIT)
        if top_level and len(self.top_paragraphs) < TITLE_SEARCH_PARAGRAPHS and _has_text(content):
            self.top_paragraphs.append((style_id, "".join(p for p in content if isinstance(p, str))))
        return block

    def _style_id(self, ppr: etree._Element | None) -> str | None:
        style = ppr.find(qn("w:pStyle")) if ppr is not None else None
        if style is not None:
            return style.get(qn("w:val"))
        return self.parts.styles.default_paragraph

    def _ppr_prop(self, ppr: etree._Element | None, style_id: str | None, tag: str) -> etree._Element | None:
        direct = ppr.find(qn(tag)) if ppr is not None else None
        return direct if direct is not None else self.parts.styles.ppr_child(style_id, tag)

    def _label(self, ppr: etree._Element | None, style_id: str | None) -> str:
        direct = ppr.find(qn("w:numPr")) if ppr is not None else None
        num_id = self._num_pr_value(direct, style_id, "w:numId")
        if num_id is None or num_id == "0":  # numId 0 switches numbering off
            return ""
        ilvl_text = self._num_pr_value(direct, style_id, "w:ilvl")
        if ilvl_text is not None and ilvl_text.isdigit():
            ilvl = int(ilvl_text)
        else:
            ilvl = self.numbering.level_for_style(num_id, style_id) or 0
        return self.numbering.label(num_id, min(ilvl, 8))

    def _num_pr_value(self, direct: etree._Element | None, style_id: str | None, tag: str) -> str | None:
        el = direct.find(qn(tag)) if direct is not None else None
        if el is not None:
            return el.get(qn("w:val"))
        return self.parts.styles.num_pr_value(style_id, tag)

    @staticmethod
    def _mark_deleted(p: etree._Element) -> bool:
        rpr = p.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
        return rpr is not None and (rpr.find(qn("w:del")) is not None
                                    or rpr.find(qn("w:moveFrom")) is not None)

    def _next_section_on_new_page(self) -> bool:
        self._sections_seen += 1
        if self._sections_seen >= len(self.section_types):
            return False
        return self.section_types[self._sections_seen] != "continuous"

    def _paragraph_content(self, p: etree._Element) -> tuple[Block, list[Block]]:
        """The paragraph's accepted inline text, and the text boxes anchored in it."""
        pieces: Block = []
        floating: list[Block] = []
        self._inline(p, pieces, floating)
        return pieces, floating

    def _inline(self, parent: etree._Element, out: Block, floating: list[Block]) -> None:
        for child in parent:
            tag = child.tag
            if tag == W_R:
                self._run(child, out, floating)
            elif tag in _INLINE_CONTAINERS:
                self._inline(child, out, floating)
            elif tag == W_SDT:
                content = child.find(W_SDT_CONTENT)
                if content is not None:
                    self._inline(content, out, floating)
            elif tag in _MATH:
                out.append("".join(t.text or "" for t in child.iter(f"{{{M_NS}}}t")))
            # w:del, w:moveFrom (rejected text), w:pPr, bookmarks, comment ranges: no text

    def _run(self, run: etree._Element, out: Block, floating: list[Block]) -> None:
        if _on(run.find(f"{qn('w:rPr')}/{qn('w:vanish')}")):
            return
        for child in run:
            piece = self._run_child(child, floating)
            if piece is not None:
                out.append(piece)

    def _run_child(self, el: etree._Element, floating: list[Block]) -> Piece | None:
        tag = el.tag
        if tag == qn("w:t"):
            return el.text or ""
        if tag in (qn("w:tab"), qn("w:ptab")):
            return "\t"
        if tag == qn("w:br"):
            return _Break.EXPLICIT if el.get(qn("w:type")) == "page" else "\n"
        if tag == qn("w:cr"):
            return "\n"
        if tag == qn("w:noBreakHyphen"):
            return "-"
        if tag == qn("w:lastRenderedPageBreak"):
            return _Break.RENDERED
        if tag == qn("w:sym"):
            return _symbol(el)
        if tag == qn("w:footnoteReference"):
            return self._note_marker(el, self.footnotes, str)
        if tag == qn("w:endnoteReference"):
            return self._note_marker(el, self.endnotes, _roman)
        if tag in _TEXT_BOX_HOSTS:
            for box in _text_boxes(el):
                floating.extend(self.blocks(box))
        # w:delText, w:instrText (field codes), w:fldChar, w:softHyphen, w:footnoteRef: no text
        return None

    def _note_marker(self, ref: etree._Element, seen: list[str], fmt: Callable[[int], str]) -> str | None:
        if not self.notes:
            return None
        note_id = ref.get(qn("w:id"), "")
        if note_id not in seen:
            seen.append(note_id)
        if _on_attr(ref.get(qn("w:customMarkFollows"))):
            return None  # the author's own mark (e.g. "*") follows as ordinary text
        return f"[{fmt(seen.index(note_id) + 1)}]"

    # -- tables

    def _table(self, tbl: etree._Element, nested: bool) -> Block:
        rows: list[Block] = []
        for tr in _children(tbl, qn("w:tr")):
            if tr.find(f"{qn('w:trPr')}/{qn('w:del')}") is not None:
                continue  # a row deletion tracked as a change
            cells = [self._cell(tc) for tc in _children(tr, qn("w:tc"))]
            if any(_has_text(cell) for cell in cells):
                rows.append(_interleave(cells, CELL_SEP))
            else:
                rows.append([p for cell in cells for p in _breaks(cell)])
        return _join(rows, NESTED_ROW_SEP if nested else ROW_SEP)

    def _cell(self, tc: etree._Element) -> Block:
        # One line per row: line breaks inside a cell become spaces.
        block = _join(self.blocks(tc, in_cell=True), " ")
        return [p.replace("\n", " ") if isinstance(p, str) else p for p in block]


def _children(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Direct children with `tag`, looking through content controls and custom XML wrappers."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag in {qn("w:customXml"), qn("w:ins"), qn("w:moveTo")}:
            yield from _children(child, tag)


def _interleave(cells: list[Block], sep: str) -> Block:
    """Cells joined by `sep`, empty cells included so columns stay aligned."""
    out: Block = []
    for i, cell in enumerate(cells):
        if i:
            out.append(sep)
        out.extend(cell)
    return out


def _symbol(sym: etree._Element) -> str | None:
    try:
        code = int(sym.get(qn("w:char"), ""), 16)
    except ValueError:
        return None
    # Symbol-font glyphs live in the private-use range F000-F0FF and have no text meaning.
    return None if 0xF000 <= code <= 0xF0FF else chr(code)


def _text_boxes(host: etree._Element) -> list[etree._Element]:
    """Outermost w:txbxContent under a drawing; mc:Choice only, as mc:Fallback repeats it."""
    if host.tag == f"{{{MC_NS}}}AlternateContent":
        choice = host.find(f"{{{MC_NS}}}Choice")
        host = choice if choice is not None else host.find(f"{{{MC_NS}}}Fallback")
        if host is None:
            return []
    tag = qn("w:txbxContent")
    boxes = []
    for box in host.iter(tag):
        nested = False
        for ancestor in box.iterancestors():
            if ancestor is host:
                break
            if ancestor.tag == tag:
                nested = True
                break
        if not nested:
            boxes.append(box)
    return boxes


def _section_types(body: etree._Element) -> list[str]:
    """w:type of every section in order (default nextPage): how each section starts."""
    types = []
    for sect in body.iter(qn("w:sectPr")):
        kind = sect.find(qn("w:type"))
        types.append(kind.get(qn("w:val"), "nextPage") if kind is not None else "nextPage")
    return types


# --------------------------------------------------------------------------- text and pages


class _PagedText:
    """Accumulates blocks into one string and records where pages start."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._page_starts: list[int] = []
        self._pending: list[_Break] = []

    def add_block(self, block: Block, sep: str = BLOCK_SEP) -> None:
        if not _has_text(block):
            for piece in _breaks(block):
                self._page_break(piece)
            return
        if self._length:
            self._write(sep)
        for item in block:
            if isinstance(item, _Break):
                self._page_break(item)
            else:
                self._write(item)

    def _page_break(self, kind: _Break) -> None:
        if not self._length:
            return  # page 1 always starts at the first text
        if kind is _Break.RENDERED and self._pending:
            return  # Word's layout hint for a break already counted
        if kind is _Break.EXPLICIT and self._pending == [_Break.RENDERED]:
            self._pending = [kind]
            return
        self._pending.append(kind)

    def _write(self, text: str) -> None:
        if not text:
            return
        visible = text.lstrip()
        if self._pending and visible:
            lead = text[:len(text) - len(visible)]
            self._append(lead)
            self._page_starts.extend([self._length] * len(self._pending))
            self._pending.clear()
            text = visible
        self._append(text)

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def result(self) -> tuple[str, list[Page]]:
        text = "".join(self._parts)
        starts = [0] + self._page_starts
        ends = self._page_starts + [len(text)]
        pages = [
            Page(number=i, start=s, end=e, has_text=bool(text[s:e].strip()))
            for i, (s, e) in enumerate(zip(starts, ends), start=1)
        ]
        return text, pages


def _append_notes(sink: _PagedText, heading: str, note_ids: list[str], parts: _Parts,
                  diagnostics: list[Diagnostic]) -> None:
    if not note_ids:
        return
    kind = heading.lower()
    root = parts.notes.get(kind)
    if root is None:
        if kind not in parts.broken_notes:
            diagnostics.append(_skipped(f"the document refers to {kind} but has no {kind} part"))
        return
    renderer = _Renderer(parts, diagnostics)
    by_id = {note.get(qn("w:id")): note for note in root if note.tag in (qn("w:footnote"), qn("w:endnote"))}
    fmt = str if kind == "footnotes" else _roman
    sink.add_block([heading])
    for number, note_id in enumerate(note_ids, start=1):
        note = by_id.get(note_id)
        content = _join(renderer.blocks(note), " ") if note is not None else []
        text = "".join(p for p in content if isinstance(p, str)).strip()
        sink.add_block([f"[{fmt(number)}] {text}"])


# --------------------------------------------------------------------------- furniture, title


def _furniture(body: etree._Element, parts: _Parts, diagnostics: list[Diagnostic]) -> list[str]:
    """Text of each distinct header/footer part, in the order sections refer to them."""
    texts: list[str] = []
    seen_ids: set[str] = set()
    for sect in body.iter(qn("w:sectPr")):
        for ref in sect:
            if ref.tag not in (qn("w:headerReference"), qn("w:footerReference")):
                continue
            r_id = ref.get(qn("r:id"), "")
            if r_id in seen_ids:
                continue
            seen_ids.add(r_id)
            root = parts.related_element(r_id)
            if root is None:
                diagnostics.append(_skipped(f"a header or footer ({r_id}) is missing from the package"))
                continue
            renderer = _Renderer(parts, diagnostics)
            block = _join(renderer.blocks(root), "\n")
            text = "".join(p for p in block if isinstance(p, str)).strip()
            if text and text not in texts:
                texts.append(text)
    return texts


def _title(parts: _Parts, top_paragraphs: list[tuple[str | None, str]]) -> str | None:
    core = parts.core_title()
    if core and not core.lower().startswith("microsoft word - ") and not core.lower().endswith((".doc", ".docx")):
        return core
    for style_id, text in top_paragraphs:
        text = " ".join(text.split())
        if not text or len(text) > TITLE_MAX_CHARS:
            continue
        style_name = parts.styles.name(style_id).lower()
        has_letters = any(ch.isalpha() for ch in text)
        if style_name in {"title", "heading 1"} or (has_letters and text.upper() == text):
            return text
    return None
