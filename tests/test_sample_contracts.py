"""Checks on the sample contracts in `sample_contracts/` and their expected values.

Needs only pypdf and python-docx (not the generator's reportlab/Pillow). For every contract:
the expected file names a generated file that opens; PDFs have 2-15 pages; every `quote` in
the expected file is in the source text and in the text of the generated file (outside any
scanned page); scanned pages have no text layer; tracked changes and Word numbering are really
in the DOCX; and the deadlines agree with the as-of date.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import docx
import pytest
from lxml import etree
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1] / "sample_contracts"
AS_OF = dt.date(2026, 11, 27)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _load_markup():
    spec = importlib.util.spec_from_file_location("sample_contracts_markup", ROOT / "markup.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


markup = _load_markup()
EXPECTED_PATHS = sorted((ROOT / "expected").glob("*.json"))
SOURCE_PATHS = sorted((ROOT / "sources").glob("*.md"))


@dataclass(frozen=True)
class Sample:
    slug: str
    expected: dict[str, Any]

    @property
    def path(self) -> Path:
        return ROOT / self.expected["file"]

    @property
    def contract(self):
        return _contract(self.slug)


@cache
def _contract(slug: str):
    return markup.load(ROOT / "sources" / f"{slug}.md")


def _sample(path: Path) -> Sample:
    return Sample(path.stem, json.loads(path.read_text(encoding="utf-8")))


SAMPLES = [_sample(p) for p in EXPECTED_PATHS]
IDS = [s.slug for s in SAMPLES]


def fold(text: str) -> str:
    return markup.fold(text)


def iter_quotes(node: Any, where: str = "$") -> Iterator[tuple[str, str]]:
    """Every quote with its JSON path: keys `quote`/`*_quote` (a string), `quotes`/`*_quotes` (a list)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "quote" or key.endswith("_quote"):
                yield f"{where}.{key}", value
            elif key == "quotes" or key.endswith("_quotes"):
                for i, q in enumerate(value):
                    yield f"{where}.{key}[{i}]", q
            else:
                yield from iter_quotes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from iter_quotes(item, f"{where}[{i}]")


# ---------------------------------------------------------------------------------------------
# Rendered text (what a reader of the generated file gets, without the generator)


@cache
def pdf_pages(path: Path) -> tuple[str, ...]:
    return tuple(page.extract_text() or "" for page in PdfReader(path).pages)


def pdf_body_text(sample: Sample) -> str:
    meta = sample.contract.meta
    furniture = {meta.header_left, meta.header_right, meta.footer_left} - {""}
    lines = [
        line
        for page in pdf_pages(sample.path)
        for line in page.splitlines()
        if line.strip() not in furniture and not re.fullmatch(r"Page \d+ of \d+", line.strip())
    ]
    return "\n".join(lines)


@cache
def docx_xml(path: Path, part: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(part))


def docx_body_text(path: Path) -> str:
    """Paragraph text with tracked insertions kept and deletions dropped (changes accepted)."""
    paras = []
    for p in docx_xml(path).iter(f"{W}p"):
        parts = []
        for el in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
            parts.append((el.text or "") if el.tag == f"{W}t" else ("\t" if el.tag == f"{W}tab" else "\n"))
        paras.append("".join(parts))
    return "\n".join(paras)


@cache
def rendered_text(slug: str) -> str:
    sample = next(s for s in SAMPLES if s.slug == slug)
    return pdf_body_text(sample) if sample.path.suffix == ".pdf" else docx_body_text(sample.path)


# ---------------------------------------------------------------------------------------------
# Files


def test_every_source_has_expected_values_and_output() -> None:
    assert len(SOURCE_PATHS) >= 11
    assert {p.stem for p in SOURCE_PATHS} == {p.stem for p in EXPECTED_PATHS}
    formats = {markup.load(p).meta.format for p in SOURCE_PATHS}
    assert formats == {"pdf", "docx"}


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_expected_names_generated_file(sample: Sample) -> None:
    assert sample.path.is_file(), f"{sample.expected['file']} missing: run sample_contracts/build.py"
    assert sample.expected["file"] == sample.contract.meta.output_name
    assert sample.expected["format"] == sample.contract.meta.format
    assert (ROOT / sample.expected["source"]).is_file()


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.expected["format"] == "pdf"], ids=lambda s: s.slug)
def test_pdf_opens_with_2_to_15_pages(sample: Sample) -> None:
    pages = pdf_pages(sample.path)
    assert 2 <= len(pages) <= 15
    assert len(pages) == sample.expected["pages"]
    assert PdfReader(sample.path).metadata.title == sample.contract.meta.title
    text_pages = [i + 1 for i, t in enumerate(pages) if t.strip()]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert len(text_pages) + len(sample.expected.get("image_pages", [])) == len(pages)


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.expected["format"] == "docx"], ids=lambda s: s.slug)
def test_docx_opens_with_header_footer_and_table(sample: Sample) -> None:
    document = docx.Document(str(sample.path))
    assert document.core_properties.title == sample.contract.meta.title
    assert document.tables, "every DOCX sample has at least one table"
    section = document.sections[0]
    header = " ".join(p.text for p in section.header.paragraphs)
    footer = "".join(p.text for p in section.footer.paragraphs)
    assert sample.contract.meta.header_left in header
    assert "Page" in footer
    assert header.strip() not in rendered_text(sample.slug)


# ---------------------------------------------------------------------------------------------
# Quotes


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_quotes_are_in_source_text(sample: Sample) -> None:
    source = fold(markup.plain_text(sample.contract))
    quotes = list(iter_quotes(sample.expected))
    assert len(quotes) >= 15, "each key value carries a quote"
    missing = [(where, q) for where, q in quotes if not q or fold(q) not in source]
    assert not missing, "\n".join(f"{w}: {q!r}" for w, q in missing)


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_quotes_are_in_generated_file(sample: Sample) -> None:
    rendered = fold(rendered_text(sample.slug))
    scanned = [fold(t) for t in markup.image_page_text(sample.contract)]
    missing = [
        (where, q)
        for where, q in iter_quotes(sample.expected)
        if fold(q) not in rendered and not any(fold(q) in s for s in scanned)
    ]
    assert not missing, "\n".join(f"{w}: {q!r}" for w, q in missing)


# ---------------------------------------------------------------------------------------------
# Special features


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.expected.get("image_pages")], ids=lambda s: s.slug)
def test_scanned_page_has_no_text_layer(sample: Sample) -> None:
    reader = PdfReader(sample.path)
    for number in sample.expected["image_pages"]:
        page = reader.pages[number - 1]
        assert (page.extract_text() or "").strip() == ""
        assert page.images, f"page {number} should carry the scanned image"
    on_scan = [q for _, q in iter_quotes(sample.expected) if fold(q) not in fold(rendered_text(sample.slug))]
    assert on_scan, "some expected values are only on the scanned page (OCR needed)"


def test_there_is_a_scanned_contract() -> None:
    assert any(s.expected.get("image_pages") for s in SAMPLES)


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.expected.get("tracked_changes")], ids=lambda s: s.slug)
def test_tracked_changes_are_real_revisions(sample: Sample) -> None:
    root = docx_xml(sample.path)
    deleted = ["".join(t.text for t in d.iter(f"{W}delText")) for d in root.iter(f"{W}del")]
    inserted = ["".join(t.text for t in i.iter(f"{W}t")) for i in root.iter(f"{W}ins")]
    accepted = fold(rendered_text(sample.slug))
    for change in sample.expected["tracked_changes"]:
        assert change["deleted"] in deleted
        assert change["inserted"] in inserted
        assert fold(change["accepted_quote"]) in accepted
        assert fold(change["accepted_quote"].replace(change["inserted"], change["deleted"])) not in accepted


def test_one_docx_has_tracked_changes() -> None:
    assert any(s.expected.get("tracked_changes") for s in SAMPLES)


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.contract.meta.numbering == "word"], ids=lambda s: s.slug)
def test_word_numbering_replaces_literal_numbers(sample: Sample) -> None:
    root = docx_xml(sample.path)
    numbered = [p for p in root.iter(f"{W}p") if p.find(f"{W}pPr/{W}numPr") is not None]
    assert len(numbered) >= 20
    for p in numbered:
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        assert not re.match(r"\d+(\.\d+)*\.?\s", text), text


# ---------------------------------------------------------------------------------------------
# Expected values are well-formed


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DURATION = re.compile(r"P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?)?")


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_expected_values_are_well_formed(sample: Sample) -> None:
    exp = sample.expected
    assert exp["parties"] and all(p["name"] and isinstance(p["aliases"], list) for p in exp["parties"])
    for key in ("agreement", "effective", "expiration"):
        value = exp["dates"][key]["value"]
        assert value is None or ISO_DATE.fullmatch(value), (key, value)
    for key in ("initial", "renewal", "non_renewal_notice"):
        value = exp["term"][key]["value"]
        assert value is None or ISO_DURATION.fullmatch(value), (key, value)
    assert exp["term"]["auto_renewal"]["value"] in ("automatic", "by_option", "none")
    mechanisms = exp["disputes"]["mechanisms"]["value"]
    assert mechanisms and set(mechanisms) <= {"negotiation", "mediation", "arbitration", "litigation"}
    for ob in exp["obligations"]:
        assert ob["modality"] in ("obligation", "prohibition", "right")
        timing = ob.get("timing") or {}
        assert set(timing) <= {"due_date", "duration", "business_days", "after", "recurrence"}, timing
        assert "due_date" not in timing or ISO_DATE.fullmatch(timing["due_date"])
        assert "duration" not in timing or ISO_DURATION.fullmatch(timing["duration"])
    for kpi in exp["kpis"]:
        assert kpi["target"]["comparator"] in (">=", ">", "<=", "<", "=")


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_deadline_status_matches_as_of_date(sample: Sample) -> None:
    deadlines = sample.expected["deadlines_as_of_2026_11_27"]
    assert deadlines
    dates = [dt.date.fromisoformat(d["date"]) for d in deadlines]
    assert dates == sorted(dates)
    for deadline, date in zip(deadlines, dates):
        assert deadline["status"] == ("past" if date < AS_OF else "upcoming"), deadline


def test_deadlines_include_past_and_upcoming_renewal_windows() -> None:
    notices = [d for s in SAMPLES for d in s.expected["deadlines_as_of_2026_11_27"] if "notice" in d["kind"]]
    assert {d["status"] for d in notices} == {"past", "upcoming"}
