"""Plain-text backend: encodings, line endings, form-feed pages, titles."""

from __future__ import annotations

import codecs

import pytest

from pipeline import errors
from pipeline.document import Document
from pipeline.errors import IngestError
from pipeline.ingest.txt import read_txt

CONTRACT = "MASTER SERVICES AGREEMENT\n\nThe Supplier shall deliver the “Services” – on time.\n"


def read(data: bytes) -> Document:
    return read_txt("contract.txt", data, "0" * 64)


def assert_pages_tile(doc: Document) -> None:
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    for before, after in zip(doc.pages, doc.pages[1:]):
        assert before.end == after.start


def test_utf8_text_is_read_verbatim_without_warnings():
    doc = read(CONTRACT.encode("utf-8"))

    assert doc.text == CONTRACT
    assert doc.diagnostics == []
    assert doc.format == "txt"


def test_utf8_byte_order_mark_does_not_leak_into_text():
    doc = read(codecs.BOM_UTF8 + CONTRACT.encode("utf-8"))

    assert doc.text == CONTRACT
    assert doc.title == "MASTER SERVICES AGREEMENT"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_byte_order_mark_are_decoded(codec):
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    doc = read(bom + CONTRACT.encode(codec))

    assert doc.text == CONTRACT
    assert doc.diagnostics == []


def test_cp1252_smart_quotes_are_decoded_with_a_warning():
    data = b"The \x93Services\x94 cost \x80100 \x96 payable monthly."

    doc = read(data)

    assert doc.text == "The “Services” cost €100 – payable monthly."
    assert len(doc.diagnostics) == 1
    warning = doc.diagnostics[0]
    assert warning.severity == "warning" and warning.stage == "ingest"
    assert "Windows-1252" in warning.message and "0x93" in warning.message


def test_bytes_undefined_in_cp1252_fall_back_to_latin1_with_a_warning():
    data = b"Clause \x81 caf\xe9"  # 0x81 is unassigned in Windows-1252

    doc = read(data)

    assert doc.text == "Clause \x81 café"
    assert "Latin-1" in doc.diagnostics[0].message


def test_windows_and_old_mac_line_endings_become_newlines():
    doc = read(b"Line one\r\nLine two\rLine three\n")

    assert doc.text == "Line one\nLine two\nLine three\n"


def test_form_feed_splits_pages_and_pages_tile_the_text():
    doc = read(b"Page one.\r\n\fPage two.\fPage three.")

    assert doc.page_count == 3
    assert "\f" not in doc.text
    assert [doc.page_text(n).strip() for n in (1, 2, 3)] == ["Page one.", "Page two.", "Page three."]
    assert doc.page_at(doc.text.index("three")) == 3
    assert_pages_tile(doc)


def test_trailing_form_feed_does_not_add_an_empty_page():
    doc = read(b"Page one.\fPage two.\f\n")

    assert doc.page_count == 2
    assert_pages_tile(doc)


def test_blank_page_between_form_feeds_is_kept_and_marked_empty():
    doc = read(b"One.\f\fThree.")

    assert [page.has_text for page in doc.pages] == [True, False, True]
    assert doc.page_at(doc.text.index("Three")) == 3


def test_file_without_form_feeds_is_one_page():
    doc = read(b"Just one page.")

    assert len(doc.pages) == 1 and doc.pages[0].end == len(doc.text)


def test_nul_bytes_in_non_utf16_text_are_refused():
    with pytest.raises(IngestError) as caught:
        read("Terms".encode("utf-16-le"))  # UTF-16 without its byte-order mark

    assert caught.value.code is errors.UNDECODABLE_TEXT
    assert "NUL" in caught.value.detail and "UTF-8" in caught.value.detail


def test_broken_utf16_after_its_byte_order_mark_is_refused():
    with pytest.raises(IngestError) as caught:
        read(codecs.BOM_UTF16_LE + "Terms".encode("utf-16-le") + b"\x00")  # odd length

    assert caught.value.code is errors.UNDECODABLE_TEXT
    assert "UTF-16 LE" in caught.value.detail


def test_empty_file_is_refused():
    with pytest.raises(IngestError) as caught:
        read(b"")

    assert caught.value.code is errors.EMPTY_FILE


def test_title_is_first_non_empty_line():
    doc = read(b"\n\n   Software Licence Agreement  \nThis Agreement ...")

    assert doc.title == "Software Licence Agreement"


def test_long_first_line_is_not_taken_as_title():
    doc = read(("This Agreement is made between " + "a party " * 20).encode())

    assert doc.title is None


def test_document_metadata_is_filled():
    data = CONTRACT.encode()

    doc = read_txt("in/c.txt", data, "ab" * 32)

    assert (doc.path, doc.sha256, doc.size_bytes) == ("in/c.txt", "ab" * 32, len(data))
