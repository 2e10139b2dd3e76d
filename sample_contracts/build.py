"""Regenerate the sample contracts (PDF and DOCX) from `sources/*.md`.

    .venv/bin/python sample_contracts/build.py            # build every source
    .venv/bin/python sample_contracts/build.py msa_northwind nda_harborview
    .venv/bin/python sample_contracts/build.py --check    # fail if a committed file is stale

Needs the `samples` extra (reportlab, Pillow) and python-docx. Output is deterministic: PDFs are
written with reportlab's `invariant=1`, DOCX files with fixed core properties and fixed ZIP entry
timestamps, so an unchanged source yields identical bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import math
import random
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches, Mm, Pt, RGBColor
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak as RLPageBreak,
    PageTemplate,
    Paragraph as RLParagraph,
    Spacer,
    Table as RLTable,
    TableStyle,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from markup import (  # noqa: E402
    HERE,
    SOURCES,
    Block,
    Contract,
    Heading,
    ImagePage,
    Meta,
    PageBreak,
    Paragraph,
    Span,
    Table,
    Title,
    load,
    spans,
    split_clause_number,
)

FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
SCAN_DPI = 200
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))


# =============================================================================================
# PDF (reportlab)


@dataclass(frozen=True)
class PdfStyles:
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    center: ParagraphStyle
    left: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle

    @classmethod
    def make(cls) -> PdfStyles:
        body = ParagraphStyle("body", fontName="Times-Roman", fontSize=10.5, leading=13.2, alignment=TA_JUSTIFY, spaceAfter=6)
        return cls(
            title=ParagraphStyle("title", parent=body, fontName="Times-Bold", fontSize=14, leading=18, alignment=TA_CENTER, spaceAfter=12),
            heading=ParagraphStyle("heading", parent=body, fontName="Times-Bold", alignment=TA_LEFT, spaceBefore=6, spaceAfter=4, keepWithNext=1),
            subheading=ParagraphStyle("subheading", parent=body, fontName="Times-BoldItalic", alignment=TA_LEFT, spaceBefore=4, spaceAfter=3, keepWithNext=1),
            body=body,
            center=ParagraphStyle("center", parent=body, alignment=TA_CENTER),
            left=ParagraphStyle("left", parent=body, alignment=TA_LEFT),
            cell=ParagraphStyle("cell", parent=body, fontSize=9.5, leading=11.5, alignment=TA_LEFT, spaceAfter=0),
            cell_bold=ParagraphStyle("cell_bold", parent=body, fontName="Times-Bold", fontSize=9.5, leading=11.5, alignment=TA_LEFT, spaceAfter=0),
        )


def rl_markup(text: str) -> str:
    """Inline markup -> reportlab paragraph markup (tracked changes accepted)."""
    out: list[str] = []
    for span in spans(text):
        if span.change == "del":
            continue
        piece = escape(span.text).replace("\n", "<br/>")
        out.append(f"<b>{piece}</b>" if span.bold else piece)
    return "".join(out)


@dataclass
class PdfLayout:
    meta: Meta
    styles: PdfStyles = field(default_factory=PdfStyles.make)

    @property
    def pagesize(self) -> tuple[float, float]:
        return A4 if self.meta.page_size == "a4" else LETTER

    @property
    def margin(self) -> float:
        return inch

    @property
    def width(self) -> float:
        return self.pagesize[0] - 2 * self.margin


def column_widths(block: Table, total: float) -> list[float]:
    """Ruled tables: widths by the longest text in each column (clamped); layout tables: equal."""
    ncols = max(len(r) for r in block.rows)
    if not block.header:
        return [total / ncols] * ncols
    weights = []
    for c in range(ncols):
        longest = max((len(plain(r[c])) for r in block.rows if c < len(r)), default=0)
        weights.append(min(max(longest, 8), 60))
    scale = total / sum(weights)
    return [w * scale for w in weights]


def pdf_table(block: Table, layout: PdfLayout) -> RLTable:
    st = layout.styles
    ncols = max(len(r) for r in block.rows)
    rows = []
    for r, row in enumerate(block.rows):
        style = st.cell_bold if block.header and r == 0 else st.cell
        cells = [RLParagraph(rl_markup(c), style) for c in row] + [""] * (ncols - len(row))
        rows.append(cells)
    table = RLTable(rows, colWidths=column_widths(block, layout.width), repeatRows=1 if block.header else 0, hAlign="LEFT")
    commands: list[tuple] = [("VALIGN", (0, 0), (-1, -1), "TOP")]
    if block.header:
        commands += [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E6E6")),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    else:
        commands += [("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 2)]
    table.setStyle(TableStyle(commands))
    return table


def pdf_flowables(blocks: list[Block], layout: PdfLayout) -> list:
    st = layout.styles
    flow: list = []
    for block in blocks:
        if isinstance(block, Title):
            flow.append(RLParagraph(rl_markup(block.text), st.title))
        elif isinstance(block, Heading):
            flow.append(RLParagraph(rl_markup(block.text), st.heading if block.level == 1 else st.subheading))
        elif isinstance(block, Paragraph):
            base = {"center": st.center, "left": st.left}.get(block.align, st.body)
            style = ParagraphStyle(f"{base.name}_i{block.indent}", parent=base, leftIndent=0.4 * inch * block.indent) if block.indent else base
            flow.append(RLParagraph(rl_markup(block.text), style))
        elif isinstance(block, Table):
            table = pdf_table(block, layout)
            flow.append(KeepTogether([table, Spacer(1, 8)]) if not block.header else table)
            if block.header:
                flow.append(Spacer(1, 8))
        elif isinstance(block, PageBreak):
            flow.append(RLPageBreak())
        elif isinstance(block, ImagePage):
            flow += [NextPageTemplate("scan"), RLPageBreak(), Spacer(1, 1), NextPageTemplate("normal"), RLPageBreak()]
    return flow


@dataclass
class PdfBuild:
    contract: Contract
    total_pages: int | None = None  # known on the second pass, for "Page N of M"
    image_pages: list[int] = field(default_factory=list)
    page_count: int = 0

    def __post_init__(self) -> None:
        self.layout = PdfLayout(self.contract.meta)
        self._scans = [b for b in self.contract.blocks if isinstance(b, ImagePage)]

    def page_label(self, number: int) -> str:
        return f"Page {number} of {self.total_pages or '?'}"

    def draw_header(self, canv, doc) -> None:
        meta, (w, h), m = self.contract.meta, self.layout.pagesize, self.layout.margin
        canv.saveState()
        canv.setFont("Times-Roman", 8.5)
        if meta.header_left:
            canv.drawString(m, h - 0.6 * inch, meta.header_left)
        if meta.header_right:
            canv.drawRightString(w - m, h - 0.6 * inch, meta.header_right)
        canv.restoreState()

    def draw_footer(self, canv, doc) -> None:
        """Drawn after the body (onPageEnd), so extracted text reads header, body, footer."""
        meta, w, m = self.contract.meta, self.layout.pagesize[0], self.layout.margin
        canv.saveState()
        canv.setFont("Times-Roman", 8.5)
        if meta.footer_left:
            canv.drawString(m, 0.55 * inch, meta.footer_left)
        canv.drawRightString(w - m, 0.55 * inch, self.page_label(canv.getPageNumber()))
        canv.restoreState()

    def draw_scan(self, canv, doc) -> None:
        number = canv.getPageNumber()
        index = len(self.image_pages)
        self.image_pages.append(number)
        image = render_scan(self._scans[index], self.contract.meta, self.page_label(number), self.layout.pagesize, seed=f"{self.contract.meta.slug}:{index}")
        w, h = self.layout.pagesize
        canv.drawImage(ImageReader(image), 0, 0, width=w, height=h)

    def render(self) -> bytes:
        self.image_pages = []
        buf = io.BytesIO()
        meta, (w, h), m = self.contract.meta, self.layout.pagesize, self.layout.margin
        doc = BaseDocTemplate(
            buf,
            pagesize=(w, h),
            leftMargin=m,
            rightMargin=m,
            topMargin=m,
            bottomMargin=m,
            title=meta.title,
            author=meta.author,
            creator="pactwatch sample_contracts/build.py",
            producer="ReportLab",
            invariant=1,
        )
        frame = Frame(m, m, w - 2 * m, h - 2 * m, id="body")
        doc.addPageTemplates(
            [
                PageTemplate(id="normal", frames=[frame], onPage=self.draw_header, onPageEnd=self.draw_footer),
                PageTemplate(id="scan", frames=[Frame(m, m, w - 2 * m, h - 2 * m, id="scan")], onPage=self.draw_scan),
            ]
        )
        doc.build(pdf_flowables(self.contract.blocks, self.layout))
        self.page_count = doc.page
        return buf.getvalue()


def build_pdf(contract: Contract) -> bytes:
    first = PdfBuild(contract)
    first.render()
    final = PdfBuild(contract, total_pages=first.page_count)
    data = final.render()
    if final.page_count != first.page_count:
        raise RuntimeError(f"{contract.meta.slug}: page count changed between passes")
    return data


# =============================================================================================
# Scanned page (Pillow)


def find_font(name: str) -> Path | None:
    for folder in FONT_DIRS:
        candidate = folder / name
        if candidate.exists():
            return candidate
    return None


def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_font("DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf")
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def wrap(text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        words, line = raw.split(), ""
        for word in words:
            trial = f"{line} {word}".strip()
            if font.getlength(trial) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def plain(text: str) -> str:
    return "".join(s.text for s in spans(text) if s.change != "del")


def draw_signature(draw: ImageDraw.ImageDraw, x: int, y: int, width: int, rng: random.Random) -> None:
    """A pen-like cursive scribble above a signature line."""
    length = width * rng.uniform(0.55, 0.8)
    loops, height = rng.randint(3, 5), rng.randint(16, 24)
    phase = rng.uniform(0, math.pi)
    points = []
    for k in range(240):
        t = k / 239
        r = height * 0.7 * (1 - 0.4 * t)
        px = x + 15 + t * length + r * math.cos(2 * math.pi * loops * t + phase)
        py = y - 6 - height * (0.5 + 0.5 * math.sin(3 * math.pi * t)) - r * math.sin(2 * math.pi * loops * t + phase)
        points.append((px, py))
    draw.line(points, fill=15, width=3, joint="curve")
    draw.line([(x + 5, y - 4), (x + 15 + length * 1.05, y - 12)], fill=30, width=2)


def render_scan(page: ImagePage, meta: Meta, page_label: str, pagesize: tuple[float, float], seed: str) -> Image.Image:
    """Render a page's blocks into a 1-bit 'scanned' image: slightly skewed, with speckles."""
    scale = SCAN_DPI / 72
    w_px, h_px = int(pagesize[0] * scale), int(pagesize[1] * scale)
    margin = int(inch * scale)
    img = Image.new("L", (w_px, h_px), 255)
    draw = ImageDraw.Draw(img)
    rng = random.Random(hashlib.sha256(seed.encode()).hexdigest())
    body, bold, small = load_font(29), load_font(29, bold=True), load_font(23)
    title = load_font(38, bold=True)
    line_h, y, text_w = 38, margin, w_px - 2 * margin

    if meta.header_left:
        draw.text((margin, int(0.6 * inch * scale) - 20), meta.header_left, font=small, fill=0)
    if meta.header_right:
        draw.text((w_px - margin - small.getlength(meta.header_right), int(0.6 * inch * scale) - 20), meta.header_right, font=small, fill=0)

    def put_lines(lines: list[str], font, x0: int, width: int, centre: bool = False) -> None:
        nonlocal y
        for ln in lines:
            x = x0 + (width - font.getlength(ln)) / 2 if centre else x0
            draw.text((x, y), ln, font=font, fill=0)
            y += line_h

    for block in page.blocks:
        if isinstance(block, Title):
            put_lines(wrap(plain(block.text), title, text_w), title, margin, text_w, centre=True)
            y += 20
        elif isinstance(block, Heading):
            put_lines(wrap(plain(block.text), bold, text_w), bold, margin, text_w)
            y += 8
        elif isinstance(block, Paragraph):
            indent = int(0.4 * inch * scale) * block.indent
            put_lines(wrap(plain(block.text), body, text_w - indent), body, margin + indent, text_w - indent, centre=block.align == "center")
            y += 14
        elif isinstance(block, Table):
            ncols = max(len(r) for r in block.rows)
            col_w = text_w // ncols
            for row in block.rows:
                row_top, row_bottom = y, y
                for c, cell in enumerate(row):
                    y = row_top
                    x0 = margin + c * col_w
                    for ln in wrap(plain(cell), body, col_w - 30):
                        if ln.startswith("By:") and "_" in ln:
                            draw_signature(draw, x0 + int(body.getlength("By: ")), y + 30, col_w - 120, rng)
                        draw.text((x0, y), ln, font=body, fill=0)
                        y += line_h
                    row_bottom = max(row_bottom, y)
                y = row_bottom + 12

    footer_y = h_px - int(0.55 * inch * scale) - 22
    if meta.footer_left:
        draw.text((margin, footer_y), meta.footer_left, font=small, fill=0)
    draw.text((w_px - margin - small.getlength(page_label), footer_y), page_label, font=small, fill=0)

    for _ in range(900):  # scanner dust
        x, yy = rng.randrange(w_px), rng.randrange(h_px)
        draw.point((x, yy), fill=rng.randint(0, 90))
    img = img.rotate(0.45, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return img.point(lambda v: 0 if v < 150 else 255).convert("1")


# =============================================================================================
# DOCX (python-docx)


def _set_font(style, size: float, bold: bool | None = None, italic: bool | None = None) -> None:
    style.font.name = "Times New Roman"
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), "Times New Roman")
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme_attr), None)


def _strip_border(style) -> None:
    ppr = style.element.pPr
    if ppr is not None:
        for bdr in ppr.findall(qn("w:pBdr")):
            ppr.remove(bdr)


def setup_docx_styles(doc) -> None:
    normal = doc.styles["Normal"]
    _set_font(normal, 11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.08
    title = doc.styles["Title"]
    _set_font(title, 14, bold=True)
    _strip_border(title)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    for name, size, italic in (("Heading 1", 11, False), ("Heading 2", 11, True)):
        st = doc.styles[name]
        _set_font(st, size, bold=True, italic=italic)
        st.paragraph_format.space_before = Pt(10)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.keep_with_next = True
    for name in ("Header", "Footer"):
        _set_font(doc.styles[name], 8.5)


NUMBERING_ABSTRACT_ID = 90
NUMBERING_NUM_ID = 90


def add_clause_numbering(doc) -> None:
    """A multilevel list: level 0 '1.' (articles, Heading 1), level 1 '1.1' (clauses)."""
    numbering = doc.part.numbering_part.element
    abstract = parse_xml(
        f"""<w:abstractNum {nsdecls('w')} w:abstractNumId="{NUMBERING_ABSTRACT_ID}">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>
    <w:lvlJc w:val="left"/><w:pPr><w:tabs><w:tab w:val="num" w:pos="720"/></w:tabs><w:ind w:left="720" w:hanging="720"/></w:pPr></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/>
    <w:lvlJc w:val="left"/><w:pPr><w:tabs><w:tab w:val="num" w:pos="720"/></w:tabs><w:ind w:left="0" w:firstLine="0"/></w:pPr>
    <w:rPr><w:b w:val="0"/></w:rPr></w:lvl>
</w:abstractNum>"""
    )
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="{NUMBERING_NUM_ID}"><w:abstractNumId w:val="{NUMBERING_ABSTRACT_ID}"/></w:num>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)


def set_numbering(paragraph, level: int) -> None:
    """Attach the clause list to a paragraph (python-docx keeps w:pPr children in schema order)."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = NUMBERING_NUM_ID


@dataclass
class ChangeIds:
    next_id: int = 1

    def take(self) -> int:
        self.next_id += 1
        return self.next_id


def add_spans(paragraph, text: str, meta: Meta, ids: ChangeIds, bold_all: bool = False) -> None:
    for span in spans(text):
        if span.change is None:
            parts = span.text.split("\n")
            for k, part in enumerate(parts):
                run = paragraph.add_run(part)
                run.bold = True if (span.bold or bold_all) else None
                if k < len(parts) - 1:
                    run.add_break()
        else:
            add_tracked_change(paragraph, span, meta, ids)


def add_tracked_change(paragraph, span: Span, meta: Meta, ids: ChangeIds) -> None:
    text = escape(span.text)
    tag, text_tag = ("w:ins", "w:t") if span.change == "ins" else ("w:del", "w:delText")
    paragraph._p.append(
        parse_xml(
            f'<{tag} {nsdecls("w")} w:id="{ids.take()}" w:author="{escape(meta.change_author)}" w:date="{meta.change_date}">'
            f'<w:r><{text_tag} xml:space="preserve">{text}</{text_tag}></w:r></{tag}>'
        )
    )


_DOCX_ALIGN = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT}


_TBL_PR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")


def _no_borders(table) -> None:
    """Borderless layout table; w:tblBorders goes before shd/tblLayout/tblCellMar/tblLook (schema order)."""
    tbl_pr = table._tbl.tblPr
    borders = parse_xml(
        f'<w:tblBorders {nsdecls("w")}>'
        + "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        + "</w:tblBorders>"
    )
    successor = next((child for child in tbl_pr if child.tag in {qn(t) for t in _TBL_PR_AFTER_BORDERS}), None)
    if successor is not None:
        successor.addprevious(borders)
    else:
        tbl_pr.append(borders)


def docx_table(doc, block: Table, meta: Meta, ids: ChangeIds) -> None:
    ncols = max(len(r) for r in block.rows)
    table = doc.add_table(rows=len(block.rows), cols=ncols)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    if block.header:
        table.style = doc.styles["Table Grid"]
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    else:
        _no_borders(table)
    for r, row in enumerate(block.rows):
        for c in range(ncols):
            cell = table.cell(r, c)
            para = cell.paragraphs[0]
            para.paragraph_format.space_after = Pt(2)
            add_spans(para, row[c] if c < len(row) else "", meta, ids, bold_all=block.header and r == 0)
            for run in para.runs:
                run.font.size = Pt(10)
    doc.add_paragraph()


@dataclass
class NumberingCheck:
    """Word numbering replaces literal clause numbers; make sure Word would print the same ones."""

    article: int = 0
    clause: int = 0

    def next(self, number: str, heading: bool) -> int:
        parts = [int(p) for p in number.split(".")]
        if heading and len(parts) == 1:
            self.article, self.clause = self.article + 1, 0
            expected = [self.article]
        elif not heading and len(parts) == 2:
            self.clause += 1
            expected = [self.article, self.clause]
        else:
            raise ValueError(f"cannot express clause number {number!r} with Word numbering here")
        if parts != expected:
            raise ValueError(f"Word numbering would print {'.'.join(map(str, expected))}, source says {number}")
        return len(parts) - 1


def add_field(paragraph, instruction: str) -> None:
    paragraph._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


def docx_furniture(doc, meta: Meta) -> None:
    section = doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    header.add_run(meta.header_left + ("\t" + meta.header_right if meta.header_right else ""))
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(meta.footer_left + "\tPage ")
    add_field(footer, "PAGE")
    footer.add_run(" of ")
    add_field(footer, "NUMPAGES")


def drop_thumbnail(doc) -> None:
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rel_id]


def build_docx(contract: Contract) -> bytes:
    meta = contract.meta
    doc = new_docx()
    drop_thumbnail(doc)
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    if meta.page_size == "a4":
        section.page_width, section.page_height = Mm(210), Mm(297)
        margin = Mm(25)
    else:
        section.page_width, section.page_height = Inches(8.5), Inches(11)
        margin = Inches(1)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = margin
    setup_docx_styles(doc)
    docx_furniture(doc, meta)
    word_numbering = meta.numbering == "word"
    if word_numbering:
        add_clause_numbering(doc)
    check, ids = NumberingCheck(), ChangeIds(100)
    body_started = False

    for block in contract.blocks:
        if isinstance(block, Title):
            add_spans(doc.add_paragraph(style="Title"), block.text, meta, ids)
        elif isinstance(block, Heading):
            text = block.text
            para = doc.add_paragraph(style="Heading 1" if block.level == 1 else "Heading 2")
            number, rest = split_clause_number(text)
            if word_numbering and number is not None and block.level == 1:
                set_numbering(para, check.next(number, heading=True))
                text, body_started = rest, True
            add_spans(para, text, meta, ids)
        elif isinstance(block, Paragraph):
            para = doc.add_paragraph()
            para.alignment = _DOCX_ALIGN[block.align]
            if block.indent:
                para.paragraph_format.left_indent = Inches(0.5 * block.indent)
            text = block.text
            number, rest = split_clause_number(text)
            if word_numbering and body_started and number is not None and "." in number and not block.indent:
                set_numbering(para, check.next(number, heading=False))
                text = rest
            add_spans(para, text, meta, ids)
        elif isinstance(block, Table):
            docx_table(doc, block, meta, ids)
        elif isinstance(block, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, ImagePage):
            raise ValueError(f"{meta.slug}: image pages are supported in PDF output only")

    props = doc.core_properties
    props.title, props.author, props.last_modified_by = meta.title, meta.author, meta.author
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision, props.subject, props.keywords, props.comments = 1, meta.kind, "", ""
    props.category = "sample contract"
    buf = io.BytesIO()
    doc.save(buf)
    return normalise_zip(buf.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps and attributes, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


# =============================================================================================
# Driver


def build(contract: Contract) -> bytes:
    return build_pdf(contract) if contract.meta.format == "pdf" else build_docx(contract)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="build only these sources (default: all)")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if an output differs")
    args = parser.parse_args(argv)
    paths = [SOURCES / f"{s}.md" for s in args.slugs] if args.slugs else sorted(SOURCES.glob("*.md"))
    stale = 0
    for path in paths:
        contract = load(path)
        data = build(contract)
        target = HERE / contract.meta.output_name
        same = target.exists() and target.read_bytes() == data
        if args.check:
            stale += not same
            print(f"{'ok   ' if same else 'STALE'} {target.name}")
            continue
        if not same:
            target.write_bytes(data)
        print(f"{'unchanged' if same else 'wrote    '} {target.name} ({len(data):,} bytes)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
