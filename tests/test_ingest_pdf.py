"""PDF ingestion: the text a reviewer reads and quotes must be the contract's own words, on the
right page, without running headers, footers and page numbers cutting through clauses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pdf_factory import SCAN, encrypt, make_pdf
from pipeline import errors
from pipeline.errors import IngestError
from pipeline.ingest import ingest_file
from pipeline.process import process_file
from pipeline.record import Status

HEADER = "Northwind Freight Holdings, Inc. - CONFIDENTIAL"


CLAUSES = [
    ["Supplier shall deliver the Goods described in each Purchase Order within thirty (30)",
     "days after its receipt, DDP Customer's facility, in accordance with the Specifications."],
    ["Customer shall pay each undisputed invoice within forty-five (45) days after receipt.",
     "Late payments bear interest at one percent (1%) per month."],
    ["Either party may terminate this Agreement for convenience on ninety (90) days'",
     "prior written notice to the other party."],
    ["Supplier shall maintain commercial general liability insurance of not less than",
     "$2,000,000 per occurrence and shall deliver certificates on request."],
    ["This Agreement is governed by the laws of the State of New York, without regard to",
     "its conflict of laws principles."],
]


def body(n: int) -> list[str]:
    return [*CLAUSES[(n - 1) % len(CLAUSES)],
            f"The parties acknowledge the clause marker PAGEMARK{n} for this test.",
            *CLAUSES[n % len(CLAUSES)]]


@pytest.fixture
def five_pages(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "supply.pdf", [body(n) for n in range(1, 6)], header=HEADER)


def test_running_header_and_page_numbers_do_not_appear_in_the_text(five_pages: Path) -> None:
    doc = ingest_file(five_pages)
    assert HEADER not in doc.text
    assert "Page 3 of 5" not in doc.text
    assert all(clause[0] in doc.text for clause in CLAUSES)
    assert HEADER in doc.furniture


def test_every_offset_maps_to_the_page_it_was_printed_on(five_pages: Path) -> None:
    doc = ingest_file(five_pages)
    assert doc.page_count == 5
    for n in range(1, 6):
        offset = doc.text.index(f"PAGEMARK{n}")
        assert doc.page_at(offset) == n
        assert f"PAGEMARK{n}" in doc.page_text(n)
    # pages tile the text: no character belongs to no page, none to two
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    assert all(a.end == b.start for a, b in zip(doc.pages, doc.pages[1:]))


def test_a_word_hyphenated_at_line_end_is_joined_when_the_document_uses_it_whole(tmp_path: Path) -> None:
    lines = ["This Agreement governs the com-", "mercial terms of supply. The commercial terms prevail.",
             "Distributor is appointed on a non-", "exclusive basis in the Territory."]
    doc = ingest_file(make_pdf(tmp_path / "h.pdf", [lines], footer=None))
    assert "the commercial terms of supply" in doc.text.replace("\n", " ")
    # "nonexclusive" never occurs whole, so the hyphen is real and stays
    assert "non-\nexclusive" in doc.text


def test_whitespace_runs_are_folded_within_lines(tmp_path: Path) -> None:
    doc = ingest_file(make_pdf(tmp_path / "w.pdf", [["Term.      The   initial term is three (3) years."]],
                               footer=None))
    assert "Term. The initial term is three (3) years." in doc.text


def test_pdf_encrypted_with_an_empty_user_password_is_read(five_pages: Path, tmp_path: Path) -> None:
    locked = encrypt(five_pages, tmp_path / "locked.pdf", user_password="")
    doc = ingest_file(locked)
    assert "PAGEMARK4" in doc.text


def test_pdf_that_needs_a_password_gets_the_encrypted_error(five_pages: Path, tmp_path: Path) -> None:
    locked = encrypt(five_pages, tmp_path / "locked.pdf", user_password="s3cret")
    with pytest.raises(IngestError) as caught:
        ingest_file(locked)
    assert caught.value.code is errors.ENCRYPTED_PDF
    record = process_file(locked, "locked.pdf", dt.date(2026, 11, 27)).record
    assert record.status is Status.FAILED
    assert record.diagnostics[0].code == "PW-E101"
    assert "password" in record.diagnostics[0].message


def test_scanned_pdf_is_reported_as_needing_ocr_not_returned_empty(tmp_path: Path) -> None:
    scan = make_pdf(tmp_path / "scan.pdf", [SCAN, SCAN], footer=None)
    with pytest.raises(IngestError) as caught:
        ingest_file(scan)
    assert caught.value.code is errors.NO_TEXT_LAYER
    record = process_file(scan, "scan.pdf", dt.date(2026, 11, 27)).record
    assert record.status is Status.NEEDS_OCR
    assert record.diagnostics[0].code == "PW-E120"


def test_a_scanned_page_inside_a_text_pdf_is_flagged_with_its_page_number(tmp_path: Path) -> None:
    mixed = make_pdf(tmp_path / "signed.pdf", [body(1), body(2), SCAN], header=HEADER)
    doc = ingest_file(mixed)
    flagged = [d for d in doc.diagnostics if d.code == errors.PAGES_WITHOUT_TEXT.code]
    assert flagged and "3" in flagged[0].message and flagged[0].page == 3
    assert doc.pages[2].has_text is False
    record = process_file(mixed, "signed.pdf", dt.date(2026, 11, 27)).record
    assert record.status is Status.PARTIAL


def test_truncated_pdf_gets_the_corrupt_error(five_pages: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(five_pages.read_bytes()[:400])
    with pytest.raises(IngestError) as caught:
        ingest_file(broken)
    assert caught.value.code in (errors.CORRUPT_PDF, errors.NO_TEXT_LAYER)
    assert caught.value.code.code.startswith("PW-E1")


def test_a_title_in_capitals_is_kept_when_the_running_header_repeats_it_in_title_case(tmp_path: Path) -> None:
    pages = [["SUPPLY AGREEMENT", *body(1)], body(2), body(3), body(4)]
    doc = ingest_file(make_pdf(tmp_path / "t.pdf", pages, header="Supply Agreement"))
    assert doc.text.startswith("SUPPLY AGREEMENT")
    assert "Supply Agreement" not in doc.text


def test_pages_that_are_all_alike_are_kept_not_removed_as_headers(tmp_path: Path) -> None:
    same = ["ACKNOWLEDGEMENT OF RECEIPT", "The undersigned acknowledges receipt of the Confidential Information."]
    doc = ingest_file(make_pdf(tmp_path / "same.pdf", [same] * 4, footer=None))
    assert doc.text.count("acknowledges receipt") == 4
