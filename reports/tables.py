"""Obligations and deadlines of a whole run as tables: CSV, and an XLSX workbook.

The XLSX is written with the standard library (zipfile + SpreadsheetML): two sheets, a bold frozen
header row with filters, real dates, fixed column widths. Cells are inline strings, so nothing
from a contract is ever read as a formula; in the CSV, text that a spreadsheet would take for a
formula (starting with = + - @) is prefixed with an apostrophe. CSV is UTF-8 with a byte-order
mark, so spreadsheet programs read accented names correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from pipeline.record import Record
from reports.checklist import ChecklistItem, compliance_items

QUOTE_CHARS = 2000  # a cell holds up to 32,767 characters; long quotes are clipped well before


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # in characters, for the XLSX
    kind: str = "text"  # text | date | number


OBLIGATION_COLUMNS = [
    Column("Contract", 34), Column("File", 30), Column("Party", 20), Column("To", 18), Column("Type", 12),
    Column("Category", 16), Column("What", 60), Column("Condition", 30), Column("Due date", 12, "date"),
    Column("Timing", 30), Column("Status", 10), Column("Days from as-of", 10, "number"),
    Column("Confidence", 10, "number"), Column("Page", 6, "number"), Column("Quote", 80), Column("Report", 30),
]
DEADLINE_COLUMNS = [
    Column("Contract", 34), Column("File", 30), Column("Date", 12, "date"), Column("Deadline", 50),
    Column("Kind", 22), Column("Who acts", 20), Column("Status", 10), Column("Days from as-of", 10, "number"),
    Column("Basis", 32), Column("Page", 6, "number"), Column("Quote", 80), Column("Report", 30),
]

Row = list[object]


def _quote(item: ChecklistItem) -> tuple[int | None, str]:
    if not item.evidence:
        return None, ""
    text = " ".join(item.evidence[0].text.split())
    return item.evidence[0].page, text[:QUOTE_CHARS]


def _contract(record: Record) -> str:
    from reports.html import title_of

    return title_of(record)


def obligation_rows(records: Iterable[tuple[Record, str | None]], as_of: dt.date) -> list[Row]:
    rows: list[Row] = []
    for record, href in records:
        for item in compliance_items(record, as_of):
            if item.source != "obligation":
                continue
            page, quote = _quote(item)
            rows.append([
                _contract(record), record.document.path, item.owner or "", item.counterparty or "",
                item.modality or "", item.kind, item.title, item.condition or "",
                item.date, item.timing, item.status_label, item.days, item.confidence, page, quote, href or "",
            ])
    return rows


def deadline_rows(records: Iterable[tuple[Record, str | None]], as_of: dt.date) -> list[Row]:
    rows: list[Row] = []
    for record, href in records:
        for item in compliance_items(record, as_of):
            if item.source != "deadline":
                continue
            page, quote = _quote(item)
            rows.append([
                _contract(record), record.document.path, item.date, item.title, item.kind, item.owner or "",
                item.status_label, item.days, item.timing, page, quote, href or "",
            ])
    rows.sort(key=lambda r: (r[2] or dt.date.max, r[0]))
    return rows


# --- CSV -------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # a spreadsheet would run it as a formula
    return value


def render_csv(columns: list[Column], rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.title for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk already absorbed)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry times: the same workbook bytes for the same data

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>
</Relationships>"""
_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>pactwatch obligations and deadlines</dc:title><dc:creator>pactwatch</dc:creator>
<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>
</cp:coreProperties>"""
_APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>pactwatch</Application></Properties>"""
# Styles: 0 plain (wrapped, top-aligned), 1 bold header, 2 date yyyy-mm-dd.
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyAlignment="1"><alignment vertical="top"/></xf>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    return xml_escape(_XML_ILLEGAL.sub("", value)[:32767])


def _cell(ref: str, value: object, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}" s="{style}"><v>{value:g}</v></c>' if isinstance(value, float) else \
            f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


def _sheet(columns: list[Column], rows: list[Row]) -> str:
    last = _column_name(len(columns) - 1)
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
             'state="frozen"/></sheetView></sheetViews><cols>']
    parts += [f'<col min="{i + 1}" max="{i + 1}" width="{c.width}" customWidth="1"/>' for i, c in enumerate(columns)]
    parts.append('</cols><sheetData><row r="1">')
    parts += [_cell(f"{_column_name(i)}1", c.title, 1) for i, c in enumerate(columns)]
    parts.append("</row>")
    for n, row in enumerate(rows, start=2):
        parts.append(f'<row r="{n}">')
        parts += [_cell(f"{_column_name(i)}{n}", v) for i, v in enumerate(row)]
        parts.append("</row>")
    parts.append(f'</sheetData><autoFilter ref="A1:{last}{max(len(rows) + 1, 1)}"/></worksheet>')
    return "".join(parts)


def render_xlsx(sheets: list[tuple[str, list[Column], list[Row]]], *, created: dt.datetime) -> bytes:
    """A workbook with one sheet per (name, columns, rows)."""
    buffer = io.BytesIO()
    overrides = "\n".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    workbook = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>']
    rels = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    for i, (name, _, _) in enumerate(sheets, start=1):
        workbook.append(f'<sheet name="{_text(name[:31])}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>')
    n = len(sheets) + 1
    rels.append(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/styles" Target="styles.xml"/></Relationships>')
    workbook.append("</sheets>")
    workbook.append("".join(
        f'<definedNames>' + "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"'{_text(name[:31])}'!$A$1:${_column_name(len(cols) - 1)}${max(len(rows) + 1, 1)}</definedName>"
            for i, (name, cols, rows) in enumerate(sheets)) + "</definedNames>"))
    workbook.append("</workbook>")
    files = {
        "[Content_Types].xml": _CONTENT_TYPES.format(sheets=overrides),
        "_rels/.rels": _ROOT_RELS,
        "docProps/core.xml": _CORE.format(created=created.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")),
        "docProps/app.xml": _APP,
        "xl/workbook.xml": "".join(workbook),
        "xl/_rels/workbook.xml.rels": "".join(rels),
        "xl/styles.xml": _STYLES,
    }
    for i, (_, columns, rows) in enumerate(sheets, start=1):
        files[f"xl/worksheets/sheet{i}.xml"] = _sheet(columns, rows)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8"))
    return buffer.getvalue()


__all__ = ["OBLIGATION_COLUMNS", "DEADLINE_COLUMNS", "obligation_rows", "deadline_rows", "render_csv",
           "render_xlsx", "Column"]
