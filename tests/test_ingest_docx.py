"""DOCX backend: real packages built in the test, from python-docx or from raw WordprocessingML."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from pipeline import errors
from pipeline.document import Document
from pipeline.errors import IngestError
from pipeline.ingest import docx as docx_backend
from pipeline.ingest.docx import read_docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"

# part name -> (relationship type, content type)
_PART_KINDS = {
    "numbering": (f"{REL}/numbering", f"{CT_WML}.numbering+xml"),
    "styles": (f"{REL}/styles", f"{CT_WML}.styles+xml"),
    "footnotes": (f"{REL}/footnotes", f"{CT_WML}.footnotes+xml"),
    "endnotes": (f"{REL}/endnotes", f"{CT_WML}.endnotes+xml"),
    "header": (f"{REL}/header", f"{CT_WML}.header+xml"),
    "footer": (f"{REL}/footer", f"{CT_WML}.footer+xml"),
}


# ----------------------------------------------------------------------------- helpers


def p(text: str = "", ppr: str = "", runs: str | None = None) -> str:
    """A paragraph: plain text in one run, or raw run XML."""
    body = runs if runs is not None else (f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else "")
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{body}</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def numbered(text: str, num_id: int, ilvl: int = 0) -> str:
    return p(text, ppr=f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')


def build_docx(
    body: str,
    *,
    parts: dict[str, str] | None = None,
    sect: str = "",
    core_title: str | None = None,
    extra_entries: dict[str, bytes] | None = None,
    document_xml: str | bytes | None = None,
    main_content_type: str = f"{CT_WML}.document.main+xml",
) -> bytes:
    """A real .docx package. `parts` maps a kind from _PART_KINDS (optionally "header:2") to the
    part's full XML; headers/footers get relationship ids rHeader1, rFooter1, ..."""
    parts = parts or {}
    overrides = [f'<Override PartName="/word/document.xml" ContentType="{main_content_type}"/>']
    rels = []
    entries: dict[str, bytes] = {}
    for key, xml in parts.items():
        kind, _, n = key.partition(":")
        reltype, content_type = _PART_KINDS[kind]
        name = f"{kind}{n or '1'}.xml" if kind in {"header", "footer"} else f"{kind}.xml"
        rid = f"r{kind.capitalize()}{n or '1'}"
        overrides.append(f'<Override PartName="/word/{name}" ContentType="{content_type}"/>')
        rels.append(f'<Relationship Id="{rid}" Type="{reltype}" Target="{name}"/>')
        entries[f"word/{name}"] = (XML_DECL + xml).encode()
    package_rels = [f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>']
    if core_title is not None:
        overrides.append('<Override PartName="/docProps/core.xml" '
                         'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>')
        package_rels.append('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/'
                            '2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>')
        entries["docProps/core.xml"] = (
            XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{core_title}</dc:title></cp:coreProperties>").encode()
    content_types = (
        XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>")
    if document_xml is None:
        document_xml = XML_DECL + f"<w:document {NS}><w:body>{body}<w:sectPr>{sect}</w:sectPr></w:body></w:document>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", _rels(package_rels))
        zf.writestr("word/document.xml", document_xml)
        zf.writestr("word/_rels/document.xml.rels", _rels(rels))
        for name, blob in {**entries, **(extra_entries or {})}.items():
            zf.writestr(name, blob)
    return out.getvalue()


def _rels(items: list[str]) -> str:
    return (XML_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(items) + "</Relationships>")


def numbering_xml(abstracts: dict[int, list[tuple[str, str, int]]], nums: dict[int, str]) -> str:
    """abstracts: abstractNumId -> [(numFmt, lvlText, start) per level]; nums: numId -> inner XML
    after the abstractNumId reference (e.g. lvlOverride), keyed to abstract id by `nums_abs`."""
    out = [f"<w:numbering {NS}>"]
    for abs_id, levels in abstracts.items():
        out.append(f'<w:abstractNum w:abstractNumId="{abs_id}">')
        for ilvl, (fmt, text, start) in enumerate(levels):
            out.append(f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
                       f'<w:lvlText w:val="{text}"/></w:lvl>')
        out.append("</w:abstractNum>")
    out.extend(nums.values())
    out.append("</w:numbering>")
    return "".join(out)


def num(num_id: int, abstract_id: int, inner: str = "") -> str:
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{inner}</w:num>'


LEGAL_LEVELS = [("decimal", "%1.", 1), ("decimal", "%1.%2", 1), ("lowerLetter", "(%3)", 1),
                ("lowerRoman", "(%4)", 1)]


def read(data: bytes, name: str = "contract.docx") -> Document:
    return read_docx(name, data, "0" * 64)


def python_docx_bytes(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def assert_pages_tile(doc: Document) -> None:
    assert doc.pages[0].start == 0
    assert doc.pages[-1].end == len(doc.text)
    for before, after in zip(doc.pages, doc.pages[1:]):
        assert before.end == after.start
    assert [page.number for page in doc.pages] == list(range(1, len(doc.pages) + 1))


def error_of(data: bytes) -> IngestError:
    with pytest.raises(IngestError) as caught:
        read(data)
    return caught.value


# ----------------------------------------------------------------------------- body text


def test_paragraphs_and_tables_keep_document_order():
    document = docx.Document()
    document.add_paragraph("1. Services. Supplier shall provide the Services.")
    table = document.add_table(rows=2, cols=3)
    for i, row in enumerate([("Service level", "Target", "Credit"), ("Availability", "99.9%", "5%")]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    document.add_paragraph("2. Fees. Customer shall pay the fees.")

    doc = read(python_docx_bytes(document))

    services = doc.text.index("Supplier shall provide")
    table_at = doc.text.index("Availability")
    fees = doc.text.index("Customer shall pay")
    assert services < table_at < fees


def test_table_rows_are_lines_and_cells_are_pipe_separated():
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for i, row in enumerate([("Service level", "Target", "Credit"), ("Availability", "99.9%", "5%")]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value

    doc = read(python_docx_bytes(document))

    assert "Service level | Target | Credit\nAvailability | 99.9% | 5%" in doc.text


def test_paragraphs_are_separated_by_a_blank_line():
    doc = read(build_docx(p("Supplier shall deliver.") + p("Customer shall pay.")))

    assert doc.text == "Supplier shall deliver.\n\nCustomer shall pay."


def test_line_breaks_inside_a_cell_keep_one_line_per_row():
    cell = p(runs="<w:r><w:t>By: /s/ Jane Roe</w:t><w:br/><w:t>Title: CFO</w:t></w:r>")
    tbl = f"<w:tbl><w:tr><w:tc>{cell}</w:tc><w:tc>{p('By: /s/ John Doe')}{p('Title: CEO')}</w:tc></w:tr></w:tbl>"

    doc = read(build_docx(tbl))

    assert doc.text == "By: /s/ Jane Roe Title: CFO | By: /s/ John Doe Title: CEO"


def test_nested_table_text_is_not_lost():
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Signed for Supplier"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "Name"
    inner.cell(0, 1).text = "Jane Roe"
    inner.cell(1, 0).text = "Title"
    inner.cell(1, 1).text = "CFO"

    doc = read(python_docx_bytes(document))

    assert "Signed for Supplier |" in doc.text
    assert "Name | Jane Roe; Title | CFO" in doc.text


def test_hyperlink_smarttag_and_content_control_text_is_kept():
    runs = (r("See ") + f'<w:hyperlink r:id="rIdX">{r("the Portal")}</w:hyperlink>'
            + f"<w:smartTag>{r(' at Acme')}</w:smartTag>"
            + f"<w:sdt><w:sdtPr/><w:sdtContent>{r(' on 1 May 2025')}</w:sdtContent></w:sdt>" + r("."))
    block_sdt = f"<w:sdt><w:sdtPr/><w:sdtContent>{p('Block control paragraph.')}</w:sdtContent></w:sdt>"

    doc = read(build_docx(p(runs=runs) + block_sdt))

    assert doc.text == "See the Portal at Acme on 1 May 2025.\n\nBlock control paragraph."


def test_tabs_line_breaks_and_nonbreaking_hyphens_are_rendered():
    runs = ('<w:r><w:t>Fee</w:t><w:tab/><w:t>USD 100</w:t><w:br/><w:t>per month</w:t><w:cr/>'
            '<w:t>e</w:t><w:noBreakHyphen/><w:t>mail</w:t></w:r>')

    doc = read(build_docx(p(runs=runs)))

    assert doc.text == "Fee\tUSD 100\nper month\ne-mail"


def test_field_codes_do_not_appear_but_field_results_do():
    runs = (r("as set out in ")
            + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            + '<w:r><w:instrText xml:space="preserve"> REF _Ref123 \\r \\h </w:instrText></w:r>'
            + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + r("Section 4.2")
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>' + r("."))

    doc = read(build_docx(p(runs=runs)))

    assert doc.text == "as set out in Section 4.2."


def test_hidden_text_does_not_appear():
    runs = r("Payment is due in 30 days.") + '<w:r><w:rPr><w:vanish/></w:rPr><w:t> DRAFTING NOTE: check</w:t></w:r>'

    doc = read(build_docx(p(runs=runs)))

    assert doc.text == "Payment is due in 30 days."


def test_text_box_text_is_kept_once():
    box = f"<w:txbxContent>{p('Boxed term: no set-off.')}</w:txbxContent>"
    runs = r("Main text.") + (
        '<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f'<mc:Choice Requires="wps"><w:drawing><wrap>{box}</wrap></w:drawing></mc:Choice>'
        f"<mc:Fallback><w:pict><textbox>{box}</textbox></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>")

    doc = read(build_docx(p(runs=runs)))

    assert doc.text == "Main text.\n\nBoxed term: no set-off."


# ----------------------------------------------------------------------------- tracked changes


def test_tracked_insertion_appears_in_text():
    runs = r("Customer shall pay within ") + (
        '<w:ins w:id="1" w:author="Counsel" w:date="2025-01-01T00:00:00Z">'
        + r("thirty (30) ") + "</w:ins>") + r("days.")

    doc = read(build_docx(p(runs=runs)))

    assert doc.text == "Customer shall pay within thirty (30) days."


def test_tracked_deletion_does_not_appear_in_text():
    runs = r("Customer shall pay within ") + (
        '<w:del w:id="2" w:author="Counsel"><w:r><w:delText xml:space="preserve">sixty (60) </w:delText>'
        "</w:r></w:del>") + r("thirty (30) days.")

    doc = read(build_docx(p(runs=runs)))

    assert doc.text == "Customer shall pay within thirty (30) days."
    assert "sixty" not in doc.text


def test_tracked_deletion_written_with_plain_text_runs_does_not_appear():
    # Some generators put w:t (not w:delText) inside w:del; it is still deleted text.
    runs = r("Liability is capped at ") + '<w:del w:id="2" w:author="A">' + r("twice ") + "</w:del>" + r("the fees.")

    doc = read(build_docx(p(runs=runs)))

    assert doc.text == "Liability is capped at the fees."


def test_moved_text_appears_once_at_its_destination():
    moved_from = ('<w:moveFrom w:id="3" w:author="A">' + r("Fees are exclusive of VAT. ") + "</w:moveFrom>")
    moved_to = ('<w:moveTo w:id="4" w:author="A">' + r(" Fees are exclusive of VAT.") + "</w:moveTo>")

    doc = read(build_docx(p(runs=moved_from + r("Invoices are monthly.")) + p(runs=r("Pay in 30 days.") + moved_to)))

    assert doc.text.count("exclusive of VAT") == 1
    assert doc.text == "Invoices are monthly.\n\nPay in 30 days. Fees are exclusive of VAT."


def test_deleted_paragraph_disappears_and_deleted_mark_joins_paragraphs():
    deleted_mark = '<w:rPr><w:del w:id="5" w:author="A"/></w:rPr>'
    fully_deleted = p(ppr=deleted_mark, runs='<w:del w:id="6" w:author="A"><w:r><w:delText>Old clause.</w:delText></w:r></w:del>')
    joined = p(ppr=deleted_mark, runs=r("The Supplier shall ")) + p("deliver on time.")

    doc = read(build_docx(p("Intro.") + fully_deleted + joined))

    assert doc.text == "Intro.\n\nThe Supplier shall deliver on time."


def test_deleted_table_row_does_not_appear():
    gone = p("Gone")  # some tools mark only the row as deleted, not each run in it
    tbl = ("<w:tbl>"
           f"<w:tr><w:tc>{p('Kept row')}</w:tc></w:tr>"
           f'<w:tr><w:trPr><w:del w:id="7" w:author="A"/></w:trPr><w:tc>{gone}</w:tc></w:tr>'
           "</w:tbl>")

    doc = read(build_docx(tbl))

    assert doc.text == "Kept row"


# ----------------------------------------------------------------------------- numbering


def test_word_numbering_prefix_lets_section_references_resolve():
    numbering = numbering_xml({0: LEGAL_LEVELS}, {1: num(1, 0)})
    body = "".join([
        numbered("Definitions", 1), numbered("Services", 1), numbered("Fees", 1), numbered("Term", 1),
        numbered("Initial term.", 1, 1), numbered("Renewal. Either party may give notice.", 1, 1),
        p("Notice under Section 4.2 must be written."),
    ])

    doc = read(build_docx(body, parts={"numbering": numbering}))

    assert "4. Term" in doc.text
    assert "4.1 Initial term." in doc.text
    assert "\n\n4.2 Renewal. Either party may give notice." in doc.text


def test_sub_levels_restart_after_a_new_parent_item():
    numbering = numbering_xml({0: LEGAL_LEVELS}, {1: num(1, 0)})
    body = "".join([numbered("One", 1), numbered("a", 1, 1), numbered("b", 1, 1),
                    numbered("Two", 1), numbered("c", 1, 1)])

    doc = read(build_docx(body, parts={"numbering": numbering}))

    assert doc.text.split("\n\n") == ["1. One", "1.1 a", "1.2 b", "2. Two", "2.1 c"]


def test_letter_and_roman_list_formats_are_rendered():
    numbering = numbering_xml(
        {0: LEGAL_LEVELS, 1: [("upperLetter", "%1.", 1)], 2: [("upperRoman", "Article %1", 1)]},
        {1: num(1, 0), 2: num(2, 1), 3: num(3, 2)})
    body = "".join([
        numbered("Scope", 1), numbered("General", 1, 1),
        numbered("first", 1, 2), numbered("second", 1, 2), numbered("i", 1, 3), numbered("ii", 1, 3),
        numbered("Alpha", 2), numbered("Beta", 2), numbered("Art", 3), numbered("Art", 3), numbered("Art", 3),
        numbered("Art", 3),
    ])

    doc = read(build_docx(body, parts={"numbering": numbering}))

    assert doc.text.split("\n\n") == [
        "1. Scope", "1.1 General", "(a) first", "(b) second", "(i) i", "(ii) ii",
        "A. Alpha", "B. Beta", "Article I Art", "Article II Art", "Article III Art", "Article IV Art"]


def test_list_start_value_and_start_override_are_honoured():
    numbering = numbering_xml(
        {0: [("decimal", "%1.", 5)]},
        {1: num(1, 0), 2: num(2, 0, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>')})
    body = numbered("five", 1) + numbered("six", 1) + numbered("restart", 2) + numbered("next", 2)

    doc = read(build_docx(body, parts={"numbering": numbering}))

    assert doc.text.split("\n\n") == ["5. five", "6. six", "1. restart", "2. next"]


def test_two_list_instances_of_one_definition_continue_numbering():
    numbering = numbering_xml({0: [("decimal", "%1.", 1)]}, {1: num(1, 0), 2: num(2, 0)})
    body = numbered("a", 1) + p("Interlude.") + numbered("b", 2)

    doc = read(build_docx(body, parts={"numbering": numbering}))

    assert "2. b" in doc.text


def test_heading_style_numbering_is_prefixed():
    numbering = numbering_xml({0: [("decimal", "%1.", 1), ("decimal", "%1.%2", 1)]}, {7: num(7, 0)})
    styles = (f"<w:styles {NS}>"
              '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
              '<w:basedOn w:val="Normal"/><w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style>'
              '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
              '<w:basedOn w:val="Heading1"/><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>'
              "</w:styles>")
    body = (p("Confidentiality", ppr='<w:pStyle w:val="Heading1"/>')
            + p("Obligations", ppr='<w:pStyle w:val="Heading2"/>')
            + p("Exceptions", ppr='<w:pStyle w:val="Heading2"/>')
            + p("Plain body text."))

    doc = read(build_docx(body, parts={"numbering": numbering, "styles": styles}))

    assert doc.text.split("\n\n") == ["1. Confidentiality", "1.1 Obligations", "1.2 Exceptions",
                                      "Plain body text."]


def test_numbering_switched_off_with_num_id_zero_has_no_prefix():
    numbering = numbering_xml({0: [("decimal", "%1.", 1)]}, {1: num(1, 0)})
    styles = (f"<w:styles {NS}><w:style w:type=\"paragraph\" w:styleId=\"ListPara\"><w:name w:val=\"List\"/>"
              '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style></w:styles>')
    body = p("Not numbered", ppr='<w:pStyle w:val="ListPara"/><w:numPr><w:numId w:val="0"/></w:numPr>')

    doc = read(build_docx(body, parts={"numbering": numbering, "styles": styles}))

    assert doc.text == "Not numbered"


def test_missing_numbering_definitions_are_reported():
    doc = read(build_docx(numbered("Term", 3)))

    assert doc.text == "Term"
    assert [d.code for d in doc.diagnostics] == [errors.DOCX_PART_SKIPPED.code]
    assert "4.2" in doc.diagnostics[0].message


def test_python_docx_list_styles_get_numbers_and_bullets():
    document = docx.Document()
    document.add_paragraph("Deliver the goods.", style="List Number")
    document.add_paragraph("Install the goods.", style="List Number")
    document.add_paragraph("On site", style="List Bullet")

    doc = read(python_docx_bytes(document))

    assert doc.text.split("\n\n") == ["1. Deliver the goods.", "2. Install the goods.", "\u2022 On site"]


# ----------------------------------------------------------------------------- furniture, notes


def test_header_and_footer_text_is_kept_out_of_body():
    document = docx.Document()
    document.add_paragraph("Supplier shall keep records.")
    section = document.sections[0]
    section.header.paragraphs[0].text = "CONFIDENTIAL - Acme / Beta MSA"
    section.footer.paragraphs[0].text = "Page 1 of 3"

    doc = read(python_docx_bytes(document))

    assert doc.text == "Supplier shall keep records."
    assert doc.furniture == ["CONFIDENTIAL - Acme / Beta MSA", "Page 1 of 3"]


def test_headers_of_every_section_are_collected_once_each():
    def header(text: str) -> str:
        return f"<w:hdr {NS}>{p(text)}</w:hdr>"

    body = p("Part one.", ppr='<w:sectPr><w:headerReference w:type="default" r:id="rHeader1"/></w:sectPr>') + p("Part two.")
    sect = '<w:headerReference w:type="default" r:id="rHeader2"/><w:footerReference w:type="default" r:id="rFooter1"/>'
    parts = {"header": header("Draft A"), "header:2": header("Schedule header"),
             "footer": f"<w:ftr {NS}>{p('Footer text')}</w:ftr>"}

    doc = read(build_docx(body, parts=parts, sect=sect))

    assert doc.furniture == ["Draft A", "Schedule header", "Footer text"]
    assert "Draft A" not in doc.text and "Footer text" not in doc.text


def test_footnote_text_is_appended_after_body_with_its_marker():
    footnotes = (f"<w:footnotes {NS}>"
                 '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                 '<w:footnote w:id="2">' + p(runs='<w:r><w:footnoteRef/></w:r>' + r(" Excluding VAT.")) + "</w:footnote>"
                 "</w:footnotes>")
    body = p(runs=r("Fees are USD 100") + '<w:r><w:footnoteReference w:id="2"/></w:r>' + r(" per month."))

    doc = read(build_docx(body, parts={"footnotes": footnotes}))

    assert doc.text == "Fees are USD 100[1] per month.\n\nFootnotes\n\n[1] Excluding VAT."


def test_endnote_text_is_appended_after_footnotes():
    endnotes = (f"<w:endnotes {NS}>"
                '<w:endnote w:id="1">' + p(runs='<w:r><w:endnoteRef/></w:r>' + r(" Subject to audit.")) + "</w:endnote>"
                "</w:endnotes>")
    body = p(runs=r("Credits apply") + '<w:r><w:endnoteReference w:id="1"/></w:r>' + r("."))

    doc = read(build_docx(body, parts={"endnotes": endnotes}))

    assert doc.text == "Credits apply[i].\n\nEndnotes\n\n[i] Subject to audit."


def test_missing_footnotes_part_is_reported_not_fatal():
    body = p(runs=r("Fees") + '<w:r><w:footnoteReference w:id="2"/></w:r>')

    doc = read(build_docx(body))

    assert doc.text.startswith("Fees[1]")
    assert [d.code for d in doc.diagnostics] == [errors.DOCX_PART_SKIPPED.code]


# ----------------------------------------------------------------------------- pages


def test_explicit_page_break_starts_a_new_page():
    document = docx.Document()
    document.add_paragraph("Page one terms.")
    document.add_page_break()
    document.add_paragraph("Page two terms.")

    doc = read(python_docx_bytes(document))

    assert doc.page_count == 2
    assert doc.page_text(1).strip() == "Page one terms."
    assert doc.page_text(2) == "Page two terms."
    assert doc.page_at(doc.text.index("two")) == 2
    assert_pages_tile(doc)


def test_rendered_page_break_hint_next_to_explicit_break_counts_once():
    body = (p("One.") + p(runs='<w:r><w:br w:type="page"/></w:r>')
            + p(runs="<w:r><w:lastRenderedPageBreak/><w:t>Two.</w:t></w:r>")
            + p(runs="<w:r><w:t>Still two. </w:t><w:lastRenderedPageBreak/><w:t>Three.</w:t></w:r>"))

    doc = read(build_docx(body))

    assert [doc.page_text(n).strip() for n in (1, 2, 3)] == ["One.", "Two.\n\nStill two.", "Three."]
    assert_pages_tile(doc)


def test_page_break_before_and_new_page_sections_start_new_pages():
    # A section's w:type says how *that* section starts: section 2 starts on a new page,
    # section 3 continues on the same page.
    body = (p("Cover.", ppr='<w:sectPr><w:type w:val="continuous"/></w:sectPr>')
            + p("Section two.", ppr='<w:sectPr><w:type w:val="nextPage"/></w:sectPr>')
            + p("Same page as section two.")
            + p("Schedule 1", ppr="<w:pageBreakBefore/>"))

    doc = read(build_docx(body, sect='<w:type w:val="continuous"/>'))

    assert [doc.page_text(n).strip() for n in range(1, doc.page_count + 1)] == [
        "Cover.", "Section two.\n\nSame page as section two.", "Schedule 1"]
    assert_pages_tile(doc)


def test_breaks_before_first_text_and_after_last_text_add_no_empty_pages():
    body = (p(runs='<w:r><w:br w:type="page"/></w:r>') + p("Only page.")
            + p(runs='<w:r><w:br w:type="page"/></w:r>'))

    doc = read(build_docx(body))

    assert doc.page_count == 1
    assert doc.pages[0].has_text
    assert_pages_tile(doc)


def test_document_without_breaks_is_one_page():
    doc = read(build_docx(p("A.") + p("B.")))

    assert doc.pages == [docx_backend.Page(number=1, start=0, end=len(doc.text), has_text=True)]


# ----------------------------------------------------------------------------- title


def test_title_comes_from_core_properties():
    doc = read(build_docx(p("MASTER SERVICES AGREEMENT"), core_title="Acme MSA 2025"))

    assert doc.title == "Acme MSA 2025"


def test_title_falls_back_to_first_caps_paragraph():
    body = p("Contract no. 2025/17") + p("MASTER SERVICES AGREEMENT") + p("This Agreement is made between ...")

    doc = read(build_docx(body, core_title=""))

    assert doc.title == "MASTER SERVICES AGREEMENT"


def test_title_from_title_style_when_not_in_caps():
    document = docx.Document()
    document.add_paragraph("Software Licence Agreement", style="Title")
    document.add_paragraph("This Agreement is made on 1 May 2025.")

    doc = read(python_docx_bytes(document))

    assert doc.title == "Software Licence Agreement"


def test_no_title_when_nothing_looks_like_one():
    doc = read(build_docx(p("This agreement is made between Acme Ltd and Beta GmbH on 1 May 2025.")))

    assert doc.title is None


# ----------------------------------------------------------------------------- safety and damage


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A valid docx plus a part of 300 MB of zeros: about 1.4 MB on disk."""
    out = io.BytesIO(build_docx(p("Looks harmless.")))
    chunk = b"\0" * (1 << 20)
    with (zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
          zf.open("word/media/image1.bin", "w") as fh):
        for _ in range(300):
            fh.write(chunk)
    return out.getvalue()


def test_zip_bomb_is_refused_without_inflating_it(zip_bomb, monkeypatch):
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    assert len(zip_bomb) < 2 * 1024 * 1024

    error = error_of(zip_bomb)

    assert error.code is errors.OVERSIZED_DOCX
    assert "300 MB" in error.detail
    assert "word/media/image1.bin" not in opened


def test_part_with_absurd_compression_ratio_is_refused():
    data = build_docx(p("x"), extra_entries={"word/media/pad.bin": b"\0" * (20 * 1024 * 1024)})

    error = error_of(data)

    assert error.code is errors.OVERSIZED_DOCX
    assert "word/media/pad.bin" in error.detail and "ratio" in error.detail


def test_package_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(docx_backend, "MAX_ENTRIES", 20)
    data = build_docx(p("x"), extra_entries={f"customXml/item{i}.xml": b"<a/>" for i in range(30)})

    error = error_of(data)

    assert error.code is errors.OVERSIZED_DOCX
    assert "entries" in error.detail


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    ' <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    ' <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n'
    ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
    f"<w:document {NS}><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>")


def test_billion_laughs_entity_bomb_is_refused():
    error = error_of(build_docx("", document_xml=BILLION_LAUGHS))

    assert error.code is errors.UNSAFE_XML
    assert "word/document.xml" in error.detail and "<!DOCTYPE" in error.detail


def test_external_entity_is_refused_and_never_resolved():
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f"<w:document {NS}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>")

    error = error_of(build_docx("", document_xml=xxe))

    assert error.code is errors.UNSAFE_XML
    assert "root:" not in str(error)


@pytest.mark.parametrize("part", ["[Content_Types].xml", "_rels/.rels", "word/styles.xml"])
def test_doctype_in_any_package_part_is_refused(part):
    data = build_docx(p("x"), parts={"styles": f"<w:styles {NS}/>"})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == part:
                blob = blob.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)
            dst.writestr(name, blob)

    error = error_of(out.getvalue())

    assert error.code is errors.UNSAFE_XML
    assert part in error.detail


@pytest.mark.parametrize("encode", [
    pytest.param(lambda xml: b"\xef\xbb\xbf" + xml.encode(), id="utf-8 with BOM"),
    pytest.param(lambda xml: xml.replace("UTF-8", "UTF-16").encode("utf-16-le"), id="utf-16 without BOM"),
    pytest.param(lambda xml: xml.replace("UTF-8", "UTF-16").encode("utf-16"), id="utf-16 with BOM"),
])
def test_doctype_in_another_encoding_is_refused(encode):
    xml = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d [<!ENTITY e "x">]>'
           f"<w:document {NS}><w:body/></w:document>")

    error = error_of(build_docx("", document_xml=encode(xml)))

    assert error.code is errors.UNSAFE_XML


def test_doctype_spelled_in_utf7_is_refused():
    # lxml decodes UTF-7, where "+ADw-" is "<": a raw byte scan alone would miss this DTD.
    xml = (b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE d +AFsAPA-!ENTITY e +ACI-x+ACIAPgBd-+AD4-'
           + f"<w:document {NS}><w:body/></w:document>".encode())

    error = error_of(build_docx("", document_xml=xml))

    assert error.code is errors.UNSAFE_XML
    assert "UTF-7" in error.detail


def test_doctype_hidden_behind_comment_and_padding_is_refused():
    sneaky = ('<?xml version="1.0"?>\n<!-- ' + "pad " * 2000 + ' -->\n   <!DOCTYPE d [<!ENTITY e "x">]>'
              f"<w:document {NS}><w:body/></w:document>")

    error = error_of(build_docx("", document_xml=sneaky))

    assert error.code is errors.UNSAFE_XML


def test_xml_prolog_too_long_to_check_is_refused():
    padded = '<?xml version="1.0"?>' + "<!-- " + "x" * (70 * 1024) + f" --><w:document {NS}><w:body/></w:document>"

    error = error_of(build_docx("", document_xml=padded))

    assert error.code is errors.UNSAFE_XML
    assert "prolog" in error.detail


def test_truncated_docx_is_reported_corrupt():
    data = build_docx(p("Complete text."))

    error = error_of(data[: len(data) // 2])

    assert error.code is errors.CORRUPT_DOCX
    assert "truncated" in error.detail


def test_missing_main_document_part_is_named():
    data = build_docx(p("x"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name != "word/document.xml":
                dst.writestr(name, src.read(name))

    error = error_of(out.getvalue())

    assert error.code is errors.CORRUPT_DOCX
    assert "word/document.xml" in error.detail


def test_package_without_content_types_is_reported_corrupt():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", f"<w:document {NS}/>")

    error = error_of(out.getvalue())

    assert error.code is errors.CORRUPT_DOCX
    assert "[Content_Types].xml" in error.detail


def test_malformed_document_xml_names_the_broken_part():
    broken = XML_DECL + f"<w:document {NS}><w:body><w:p><w:r><w:t>unclosed</w:r></w:p></w:body></w:document>"

    error = error_of(build_docx("", document_xml=broken))

    assert error.code is errors.CORRUPT_DOCX
    assert "word/document.xml" in error.detail


def test_word_template_is_reported_unsupported_with_advice():
    data = build_docx(p("x"), main_content_type=f"{CT_WML}.template.main+xml")

    error = error_of(data)

    assert error.code is errors.UNSUPPORTED_TYPE
    assert ".docx" in error.detail


def test_imported_alt_chunk_content_is_reported_missing():
    doc = read(build_docx(p("Before.") + '<w:altChunk r:id="rChunk"/>'))

    assert doc.text == "Before."
    assert [d.code for d in doc.diagnostics] == [errors.DOCX_PART_SKIPPED.code]


def test_document_metadata_is_filled():
    data = build_docx(p("Text."))

    doc = read_docx("in/contract.docx", data, "ab" * 32)

    assert (doc.path, doc.sha256, doc.format, doc.size_bytes) == ("in/contract.docx", "ab" * 32, "docx", len(data))
