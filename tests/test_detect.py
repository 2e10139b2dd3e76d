"""Format detection from bytes: what users drop, and what they are told when it is not readable."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from pipeline import errors
from pipeline.errors import IngestError
from pipeline.ingest.detect import detect_format

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Session expired</body></html>"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def zip_bytes(entries: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in entries.items():
            zf.writestr(name, blob)
    return out.getvalue()


def word_package(main_content_type: str = WORD_MAIN, extra: dict[str, str | bytes] | None = None) -> bytes:
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/word/document.xml" ContentType="{main_content_type}"/></Types>')
    return zip_bytes({"[Content_Types].xml": content_types, "word/document.xml": "<w:document/>",
                      **(extra or {})})


def real_docx() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Agreement")
    document.save(out)
    return out.getvalue()


def refusal(data: bytes, filename: str) -> IngestError:
    with pytest.raises(IngestError) as caught:
        detect_format(data, filename)
    return caught.value


def test_empty_file_is_refused_as_empty():
    error = refusal(b"", "contract.pdf")

    assert error.code is errors.EMPTY_FILE
    assert "contract.pdf" in error.detail


def test_pdf_is_detected_from_its_header():
    assert detect_format(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "contract.pdf") == "pdf"


def test_pdf_with_junk_before_header_is_still_a_pdf():
    assert detect_format(b"\r\n" * 200 + b"%PDF-1.4\n...", "scan.pdf") == "pdf"


def test_pdf_header_beyond_first_kilobyte_is_not_a_pdf():
    error = refusal(b"\x01\x02" * 600 + b"%PDF-1.4\n", "scan.pdf")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert "%PDF-" in error.detail


def test_real_pdf_is_read_as_pdf_whatever_its_name():
    assert detect_format(b"%PDF-1.7\n...", "contract.docx") == "pdf"


def test_real_docx_is_detected():
    assert detect_format(real_docx(), "contract.docx") == "docx"


def test_docx_without_extension_is_detected_by_content():
    assert detect_format(real_docx(), "download") == "docx"


def test_docm_name_is_refused_as_macro_enabled():
    error = refusal(word_package(), "contract.docm")

    assert error.code is errors.MACRO_DOCX
    assert ".docx" in error.detail


def test_macro_enabled_content_type_is_refused_even_when_named_docx():
    error = refusal(word_package(MACRO_MAIN), "contract.docx")

    assert error.code is errors.MACRO_DOCX


def test_vba_project_part_is_refused_as_macro_enabled():
    error = refusal(word_package(extra={"word/vbaProject.bin": b"\x00VBA"}), "contract.docx")

    assert error.code is errors.MACRO_DOCX


def test_legacy_word_doc_is_refused_with_save_as_docx_advice():
    data = OLE2 + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 100

    error = refusal(data, "contract.doc")

    assert error.code is errors.LEGACY_DOC
    assert ".doc" in error.detail and ".docx" in error.detail


def test_legacy_doc_under_docx_name_is_still_called_a_legacy_doc():
    error = refusal(OLE2 + b"\x00" * 504 + "WordDocument".encode("utf-16-le"), "contract.docx")

    assert error.code is errors.LEGACY_DOC


def test_password_protected_word_file_says_to_remove_the_password():
    data = OLE2 + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64

    error = refusal(data, "contract.docx")

    assert error.code is errors.ENCRYPTED_OFFICE
    assert "password" in error.detail


def test_other_ole2_office_file_is_not_called_a_word_document():
    error = refusal(OLE2 + b"\x00" * 504 + "Workbook".encode("utf-16-le"), "figures.xls")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert "not a Word document" in error.detail


def test_zip_that_is_not_a_docx_says_what_it_is():
    error = refusal(zip_bytes({"contract.pdf": b"%PDF-1.4", "readme.txt": "hi"}), "contract.docx")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert "a ZIP archive that is not a Word document" in error.detail


def test_excel_workbook_is_named_as_such():
    data = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})

    error = refusal(data, "fees.xlsx")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert "Excel" in error.detail


def test_word_package_missing_parts_goes_to_the_docx_reader_to_explain():
    data = zip_bytes({"word/document.xml": "<w:document/>", "word/styles.xml": "<w:styles/>"})

    assert detect_format(data, "contract.docx") == "docx"


def test_truncated_docx_download_is_reported_corrupt():
    data = real_docx()

    error = refusal(data[: len(data) // 3], "contract.docx")

    assert error.code is errors.CORRUPT_DOCX
    assert "truncated" in error.detail


@pytest.mark.parametrize("name", ["contract.pdf", "contract.docx"])
def test_html_page_saved_under_document_name_is_mislabelled(name):
    error = refusal(HTML_PAGE, name)

    assert error.code is errors.MISLABELLED_TYPE
    ext = name.rsplit(".", 1)[1]
    assert f"an HTML page saved under a .{ext} name" in error.detail
    assert "download" in error.detail


def test_html_without_doctype_is_recognised():
    error = refusal(b"\n  <html lang='en'><body>404</body></html>", "contract.pdf")

    assert error.code is errors.MISLABELLED_TYPE


def test_html_file_named_html_is_unsupported_with_print_to_pdf_advice():
    error = refusal(HTML_PAGE, "contract.html")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert "PDF" in error.detail


@pytest.mark.parametrize(("data", "what"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG image"),
    (b"{\\rtf1\\ansi\\deff0 {\\fonttbl}", "RTF document"),
    (b"II*\x00\x08\x00\x00\x00", "TIFF image"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
])
def test_other_binary_formats_are_refused_naming_the_type(data, what):
    error = refusal(data, "contract.pdf")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert what in error.detail


def test_unknown_binary_is_refused():
    error = refusal(bytes(range(256)) * 4, "blob.bin")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert "unrecognised" in error.detail


def test_word_2003_xml_is_refused_with_save_as_docx_advice():
    data = b'<?xml version="1.0"?>\n<?mso-application progid="Word.Document"?>\n<w:wordDocument/>'

    error = refusal(data, "contract.xml")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert ".docx" in error.detail


@pytest.mark.parametrize("name", ["contract.txt", "contract.TEXT", "notes.md", "CONTRACT"])
def test_plain_text_with_text_name_is_text(name):
    assert detect_format(b"This Agreement is made on 1 May 2025.\n", name) == "txt"


def test_utf16_text_with_bom_is_text_despite_nul_bytes():
    data = "\ufeffThis Agreement is made on 1 May 2025.".encode("utf-16-le")

    assert detect_format(data, "contract.txt") == "txt"


def test_cp1252_text_with_smart_quotes_is_text():
    assert detect_format(b"The \x93Services\x94 \x96 as defined.", "contract.txt") == "txt"


@pytest.mark.parametrize("name", ["contract.pdf", "contract.docx"])
def test_text_saved_under_document_name_is_mislabelled(name):
    error = refusal(b"This Agreement is made on 1 May 2025.\n", name)

    assert error.code is errors.MISLABELLED_TYPE
    assert "plain text" in error.detail and ".txt" in error.detail


def test_text_under_unrelated_extension_suggests_renaming():
    error = refusal(b"party,amount\nAcme,100\n", "fees.csv")

    assert error.code is errors.UNSUPPORTED_TYPE
    assert "rename it to .txt" in error.detail


def test_text_with_nul_bytes_and_no_bom_is_not_text():
    error = refusal("Agreement".encode("utf-16-le"), "contract.txt")

    assert error.code is errors.UNSUPPORTED_TYPE
