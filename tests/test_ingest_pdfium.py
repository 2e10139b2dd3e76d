"""The optional PDFium text backend (PACTWATCH_PDF_BACKEND=pdfium) must read a PDF the way the
default pypdf backend does: the same cleaning (running headers, page numbers, hyphenation), the
same exact page ranges for evidence, the same errors for locked, scanned and broken files, and the
same extracted values on contracts written in prose. The PDF behaviours of test_ingest_pdf.py run
here again with PDFium."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

pytest.importorskip("pypdfium2", reason="the PDFium backend is an optional extra: pip install 'pactwatch[pdfium]'")

from pdf_factory import make_pdf  # noqa: E402
from test_ingest_pdf import (  # noqa: E402,F401 - collected here again, under the PDFium backend
    five_pages,
    test_a_scanned_page_inside_a_text_pdf_is_flagged_with_its_page_number,
    test_a_title_in_capitals_is_kept_when_the_running_header_repeats_it_in_title_case,
    test_a_word_hyphenated_at_line_end_is_joined_when_the_document_uses_it_whole,
    test_every_offset_maps_to_the_page_it_was_printed_on,
    test_pages_that_are_all_alike_are_kept_not_removed_as_headers,
    test_pdf_encrypted_with_an_empty_user_password_is_read,
    test_pdf_that_needs_a_password_gets_the_encrypted_error,
    test_running_header_and_page_numbers_do_not_appear_in_the_text,
    test_scanned_pdf_is_reported_as_needing_ocr_not_returned_empty,
    test_truncated_pdf_gets_the_corrupt_error,
    test_whitespace_runs_are_folded_within_lines,
)

from pipeline.ingest import ingest_file  # noqa: E402
from pipeline.process import process_file  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"


@pytest.fixture(autouse=True)
def pdfium_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACTWATCH_PDF_BACKEND", "pdfium")


def test_the_backend_in_use_is_pdfium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.ingest.pdfium as backend

    calls = []
    original = backend.read_pdf_pdfium
    monkeypatch.setattr(backend, "read_pdf_pdfium", lambda *a: calls.append(a[0]) or original(*a))
    ingest_file(make_pdf(tmp_path / "x.pdf", [["This Agreement is made on March 1, 2024."]], footer=None))
    assert calls == [str(tmp_path / "x.pdf")]


def test_both_backends_give_the_same_text_for_a_plain_pdf(five_pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_pdfium = ingest_file(five_pages)
    monkeypatch.setenv("PACTWATCH_PDF_BACKEND", "pypdf")
    with_pypdf = ingest_file(five_pages)
    assert with_pdfium.text == with_pypdf.text
    assert with_pdfium.pages == with_pypdf.pages


# Contracts in running prose. Where a cover page sets terms out as a table (lease_bluebonnet,
# nda_harborview) PDFium puts a label and its value on one line where pypdf breaks the line, and
# the table readers, tuned on pypdf's text, can read them differently.
@pytest.mark.parametrize("name", ["msa_northwind.pdf", "license_quarrystone.pdf", "distribution_maplecrest.pdf"])
def test_sample_contracts_get_the_same_values_with_either_backend(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = SAMPLES / name
    if not source.is_file():
        pytest.skip(f"sample contract {name} not present")
    as_of = dt.date(2026, 11, 27)
    with_pdfium = json.loads(process_file(source, name, as_of).record.to_json())
    monkeypatch.setenv("PACTWATCH_PDF_BACKEND", "pypdf")
    with_pypdf = json.loads(process_file(source, name, as_of).record.to_json())

    def values(record: dict) -> dict:
        keep = ("parties", "dates", "term", "governing_law", "disputes", "notices", "payment")
        return json.loads(json.dumps({k: record.get(k) for k in keep}, default=str),
                          object_hook=lambda d: {k: v for k, v in d.items() if k not in ("evidence", "confidence")})

    assert values(with_pdfium) == values(with_pypdf)
    assert with_pdfium["document"]["pages"] == with_pypdf["document"]["pages"]
