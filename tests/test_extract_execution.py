"""Execution checks: a contract manager is told when a copy looks unsigned, undated or incomplete.

Signature blocks are found in the layouts filings use (stacked, side by side, Word table cells,
English "Signed by ... for and on behalf of"); a blank signature line is reported, a conformed
"/s/" signature is not; "____ day of ______, 20__" is a blank date; an exhibit the text refers to
must be attached, and references to another document's exhibits do not count.
"""

from __future__ import annotations

import datetime as dt

from pipeline.document import Document, Page
from pipeline.process import process_document
from pipeline.record import Record

AS_OF = dt.date(2026, 11, 27)

BODY = (
    "SUPPLY AGREEMENT\n"
    'This Supply Agreement (the "Agreement") is entered into as of March 3, 2021 by and between Ridgeline '
    'Components, Inc., a Delaware corporation ("Supplier"), and Harbor Appliance Company, an Ohio corporation '
    '("Buyer").\n'
    "1.1 Supplier shall supply the products listed in Schedule A at the prices set out in Exhibit B attached "
    "hereto.\n"
    "1.2 Buyer shall comply with the Supplier Code of Conduct attached as Exhibit C.\n"
    "1.3 The parties acknowledge the terms of Schedule 4.2 of the Credit Agreement and Exhibit 99.1 to the Form 8-K.\n"
    + "2.1 Each party shall perform its obligations diligently and in good faith. " * 40 + "\n"
)


def record_for(text: str, title: str | None = None) -> Record:
    document = Document(path="contract.txt", sha256="cd" * 32, format="txt", text=text,
                        pages=[Page(1, 0, len(text))])
    return process_document(document, AS_OF)


def test_conformed_signatures_are_signed_blocks_named_for_their_party():
    text = BODY + (
        "IN WITNESS WHEREOF, the parties have executed this Agreement as of the date first written above.\n"
        "RIDGELINE COMPONENTS, INC.\nBy: /s/ Walter J. Kowalczyk\nName: Walter J. Kowalczyk\nTitle: President\n"
        "HARBOR APPLIANCE COMPANY\nBy: /s/ Lorraine M. Becker\nName: Lorraine M. Becker\nTitle: Vice President\n"
        "SCHEDULE A - PRODUCTS\nValve housings.\nEXHIBIT B - PRICES\n[***]\nEXHIBIT C - SUPPLIER CODE OF CONDUCT\nText.\n")
    execution = record_for(text).execution
    assert execution.signature_blocks is not None
    assert len(execution.signature_blocks.value) == 2
    assert execution.signature_blocks.value[0].lower().startswith("ridgeline")
    assert "/s/ Walter J. Kowalczyk" in execution.signature_blocks.evidence[0].text
    assert execution.unsigned is None


def test_blank_signature_lines_side_by_side_are_each_reported_unsigned():
    text = BODY + (
        "IN WITNESS WHEREOF, the parties have executed this Agreement as of the date first written above.\n"
        "RIDGELINE COMPONENTS, INC. HARBOR APPLIANCE COMPANY\n"
        "By: ______________________ By: ______________________\n"
        "Name: Name:\nTitle: Title:\n")
    record = record_for(text)
    unsigned = record.execution.unsigned
    assert unsigned is not None and len(unsigned.value) == 2
    assert {v.split()[0].lower() for v in unsigned.value} == {"ridgeline", "harbor"}
    check = next(c for c in record.checks if c.id == "unsigned-signature-block")
    assert check.status == "raised" and check.kind == "compliance"
    assert "By: ______________________" in check.evidence[0].text


def test_a_word_table_of_signature_cells_and_an_english_execution_block():
    word = BODY + (
        "IN WITNESS WHEREOF, the parties have executed this Agreement.\n\n"
        "RIDGELINE COMPONENTS, INC. By: /s/ Walter Kowalczyk Name: Walter Kowalczyk | "
        "HARBOR APPLIANCE COMPANY By: Name: Title:\n")
    execution = record_for(word).execution
    assert len(execution.signature_blocks.value) == 2
    assert execution.unsigned.value[0].lower().startswith("harbor")
    assert execution.unsigned.evidence[0].text.startswith("HARBOR APPLIANCE COMPANY By:")
    english = BODY + (
        "Signed by Daniel Whitfield, Director, for and on behalf of RIDGELINE COMPONENTS, INC.  /s/ Daniel Whitfield "
        "Director | Signed by Amelia Priestley for and on behalf of HARBOR APPLIANCE COMPANY ....................\n")
    execution = record_for(english).execution
    assert len(execution.signature_blocks.value) == 2
    assert execution.unsigned is not None and len(execution.unsigned.value) == 1


def test_no_signature_block_is_a_flag_saying_what_was_looked_for():
    record = record_for(BODY)
    assert record.execution.signature_blocks is None
    check = next(c for c in record.checks if c.id == "no-signature-block")
    assert check.status == "raised"
    assert "No signature block" in check.message and not check.evidence


def test_prose_ending_in_by_or_signature_is_not_a_signature_block():
    text = BODY + ("THE PARTIES IRREVOCABLY WAIVE, TO THE FULLEST EXTENT PERMITTED BY\n"
                   "LAW, ANY RIGHT TO A JURY TRIAL. The platform includes the product known as Signature\n"
                   "Series by the Supplier.\n")
    assert record_for(text).execution.signature_blocks is None


def test_dates_left_blank_are_quoted_and_filled_dates_are_not():
    text = BODY.replace("entered into as of March 3, 2021", "entered into as of this ____ day of __________, 20__") + (
        "IN WITNESS WHEREOF, the parties have executed this Agreement.\n"
        "RIDGELINE COMPONENTS, INC.\nBy: /s/ W. Kowalczyk\nName: W. Kowalczyk\nDate: ______________\n"
        "HARBOR APPLIANCE COMPANY\nBy: /s/ L. Becker\nName: L. Becker\nDate: March 3, 2021\n")
    record = record_for(text)
    blanks = record.execution.blank_dates
    assert blanks is not None and len(blanks.value) == 2
    assert "____ day of __________, 20__" in blanks.evidence[0].text
    assert blanks.evidence[1].text.strip() == "Date: ______________"
    check = next(c for c in record.checks if c.id == "blank-dates")
    assert check.status == "raised" and len(check.evidence) == 2


def test_referenced_exhibits_must_be_attached_and_other_documents_exhibits_do_not_count():
    text = BODY + (
        "IN WITNESS WHEREOF, the parties have executed this Agreement.\n"
        "RIDGELINE COMPONENTS, INC.\nBy: /s/ W. Kowalczyk\n"
        "SCHEDULE A - PRODUCTS\nValve housings and die-cast brackets.\n"
        "EXHIBIT B\nPRICES\n[***]\n")
    record = record_for(text)
    execution = record.execution
    assert execution.attachments.value == ["Exhibit B", "Schedule A"]
    assert execution.missing_attachments.value == ["Exhibit C"]
    assert "attached as Exhibit C" in execution.missing_attachments.evidence[0].text
    check = next(c for c in record.checks if c.id == "missing-attachments")
    assert check.status == "raised" and "Exhibit C" in check.message


def test_an_amendment_refers_to_the_amended_agreements_exhibits_without_attaching_them():
    text = ("AMENDMENT NO. 1 TO SUPPLY AGREEMENT\n"
            "2.1 Section 2 of Exhibit B (Prices) to the Agreement is hereby amended by deleting the words \"$40\".\n"
            "2.2 Section 3 of Exhibit B is further amended by adding a new paragraph at the end thereof.\n"
            + "3.1 Except as amended hereby, the Agreement remains in full force and effect. " * 30 + "\n")
    record = record_for(text)
    assert record.document.title is not None and "AMENDMENT" in str(record.document.title.value).upper()
    assert record.execution.missing_attachments is None


def test_the_filings_own_exhibit_number_and_a_table_of_contents_do_not_attach_anything():
    text = ("Exhibit 10.14\n" + "EXHIBIT C - SUPPLIER CODE OF CONDUCT\n" + BODY
            + "IN WITNESS WHEREOF, the parties have executed this Agreement.\nBy: /s/ W. Kowalczyk\n")
    execution = record_for(text).execution
    assert "Exhibit 10.14" not in (execution.missing_attachments.value if execution.missing_attachments else [])
    assert "Exhibit C" in execution.missing_attachments.value  # listed in the contents, never attached


def test_sample_contracts_scanned_signature_page_and_attached_exhibits(sample_outcomes):
    maintenance = sample_outcomes["maintenance_keystone"].record
    assert maintenance.execution.signature_blocks is None  # page 5, with the signatures, is a scan
    assert next(c for c in maintenance.checks if c.id == "no-signature-block").status == "raised"
    lease = sample_outcomes["lease_bluebonnet"].record
    assert [v.split(",")[0].upper() for v in lease.execution.signature_blocks.value] == [
        "BLUEBONNET PLAZA OWNER", "PINECREST DIAGNOSTICS"]
    assert lease.execution.attachments.value == ["Exhibit B", "Exhibit C", "Exhibit D"]
    assert lease.execution.missing_attachments is None
    for slug in ("msa_northwind", "saas_cloudpeak", "uk_thamesgate", "amendment1_msa_northwind"):
        execution = sample_outcomes[slug].record.execution
        assert execution.signature_blocks is not None and execution.unsigned is None, slug
        assert execution.missing_attachments is None and execution.blank_dates is None, slug


def test_blocks_on_the_first_and_the_last_line_of_the_text_are_found():
    text = ("RIDGELINE COMPONENTS, INC. By: /s/ Walter Kowalczyk\n" + BODY
            + "SCHEDULE A - PRODUCTS\nValve housings.\nEXHIBIT B - PRICES\n[***]\nExhibit C - Code of Conduct\nText.\n"
            + "HARBOR APPLIANCE COMPANY\nBy: ______________________")  # no line break at the end
    execution = record_for(text).execution
    assert len(execution.signature_blocks.value) == 2
    assert execution.unsigned.value[0].lower().startswith("harbor")
    assert execution.unsigned.evidence[0].text.endswith("By: ______________________")
    assert execution.attachments.value == ["Exhibit B", "Exhibit C", "Schedule A"]
    assert execution.missing_attachments is None
