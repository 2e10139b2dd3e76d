"""The HTML reports: what a contract manager opening them would see go wrong.

Contract text and names are shown, never run; every value's quote jumps to its place in the
contract text; an unreadable file says why with its code; the dashboard lists failed and skipped
files; and the page works offline with its own script allowed by its security policy.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline import __version__, errors
from pipeline.document import Document, Page
from pipeline.errors import IngestError
from pipeline.process import failed_record, process_document
from pipeline.record import (
    Clause, Deadline, Diagnostic, DocumentInfo, Evidence, Field, Party, Record, Status,
)
from pipeline.evidence import iter_evidence
from reports.html import IndexEntry, href, render_contract, render_index

GENERATED = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.timezone.utc)
AS_OF = dt.date(2026, 11, 27)
SAMPLE_PDF = Path(__file__).resolve().parents[1] / "sample_contracts" / "msa_northwind.pdf"

PAGE_1 = (
    "MASTER SERVICES AGREEMENT\n"
    'This Master Services Agreement (the "Agreement") is entered into as of March 1, 2024 (the '
    '"Effective Date") by and between Halvorsen Data Services, Inc., a Delaware corporation '
    '("Provider"), and Northwind Freight Holdings, Inc., a New York corporation ("Customer").\n'
    "12.1 Term. The initial term of this Agreement shall commence on the Effective Date and "
    'continue for a period of three (3) years (the "Initial Term"). Thereafter, this Agreement '
    "shall automatically renew for successive renewal terms of one (1) year each, unless either "
    "Party provides written notice of non-renewal at least ninety (90) days prior to the\n"
)
PAGE_2 = (
    "expiration of the then-current term.\n"
    "18.1 Governing Law. This Agreement shall be governed by the laws of the State of New York.\n"
    "Exhibit C lists the <script>alert(1)</script> integration endpoints & their owners.\n"
)
TEXT = PAGE_1 + PAGE_2


def make_document(text: str = TEXT, path: str = "contracts/msa.pdf") -> Document:
    split = len(PAGE_1) if text == TEXT else len(text)
    pages = [Page(1, 0, split)] + ([Page(2, split, len(text))] if split < len(text) else [])
    return Document(path=path, sha256="ab" * 32, format="pdf", text=text, pages=pages)


def span(document: Document, quote: str) -> tuple[int, int]:
    start = document.text.index(quote)
    return start, start + len(quote)


def evidence(document: Document, quote: str) -> Evidence:
    return Evidence.from_span(document, *span(document, quote))


def field(document: Document, value, *quotes: str, **extra) -> Field:
    return Field(value=value, confidence=0.9, evidence=[evidence(document, q) for q in quotes], **extra)


def make_record(document: Document, **extra) -> Record:
    return Record(
        pactwatch_version=__version__, status=Status.OK, as_of=AS_OF.isoformat(),
        document=DocumentInfo(path=document.path, sha256=document.sha256, format=document.format,
                              pages=document.page_count, characters=len(document.text)),
        **extra,
    )


def full_record(document: Document) -> Record:
    """Evidence that nests, overlaps partly, repeats exactly, shares a start, and crosses a page."""
    preamble = document.text[document.text.index("This Master"):document.text.index("\n12.1")]
    renewal = "Thereafter, this Agreement shall automatically renew for successive renewal terms of " \
              "one (1) year each, unless either Party provides written notice of non-renewal at least " \
              "ninety (90) days prior to the\nexpiration of the then-current term."
    record = make_record(document, parties=[
        Party(name="Halvorsen Data Services, Inc.", aliases=["Provider"], confidence=0.9,
              evidence=[evidence(document, "Halvorsen Data Services, Inc., a Delaware corporation")]),
        Party(name="Northwind Freight Holdings, Inc.", aliases=["Customer"], confidence=0.9,
              evidence=[evidence(document, "Northwind Freight Holdings, Inc.")]),
    ])
    record.document.title = field(document, "Master Services Agreement", "MASTER SERVICES AGREEMENT")
    record.dates.effective = field(document, "2024-03-01", preamble)
    record.dates.agreement = field(document, "2024-03-01", "This Master Services Agreement (the")
    record.dates.expiration = field(
        document, "2027-02-28", "The initial term of this Agreement shall commence on the Effective Date",
        derived=True, basis="2024-03-01 + P3Y - P1D")
    record.term.initial = field(document, "P3Y", "continue for a period of three (3) years")
    record.term.renewal = field(document, "P1Y", renewal)
    record.term.non_renewal_notice = field(document, "P90D", renewal)
    record.governing_law = field(document, "New York", "This Agreement shall be governed by the laws of the State of New York.")
    record.clauses = [Clause(category="Anti-Assignment", confidence=0.7,
                             evidence=[evidence(document, "Exhibit C lists the <script>alert(1)</script>")])]
    record.deadlines = [Deadline(kind="non_renewal_notice", date="2026-11-30", title="Last day to give notice of non-renewal",
                                 basis="2027-02-28 - P90D", status="upcoming", evidence=[evidence(document, renewal)])]
    return record


class ReportParser(HTMLParser):
    """Collects what a reader (or a browser following links) relies on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.scripts: list[str] = []
        self.csp = ""
        self.page_text: list[str] = []  # the contract text as shown, page blocks joined
        self.marked: dict[str, list[str]] = {}  # span id -> the text of its highlighted segments
        self._in_page = 0
        self._marks: list[list[str]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a["content"]
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if self._in_page:
            self._in_page += 1
        elif tag == "div" and a.get("class") == "page-text":
            self._in_page = 1
        if tag == "mark" and self._in_page:
            self._marks.append((a.get("data-ev") or "").split())

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if tag == "mark" and self._marks:
            self._marks.pop()
        if self._in_page:
            self._in_page -= 1

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        if self._in_page:
            self.page_text.append(data)
            for ident in self._marks[-1] if self._marks else []:
                self.marked.setdefault(ident, []).append(data)


def parse(html: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(html)
    return parser


def section(html: str, ident: str) -> str:
    match = re.search(rf'<section id="{ident}".*?</section>', html, re.S)
    assert match, f"no section #{ident}"
    return match.group(0)


# --- escaping ---------------------------------------------------------------------------------


def test_script_in_contract_text_is_shown_as_text_not_run():
    document = make_document()
    html = render_contract(full_record(document), document, generated=GENERATED)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script") == 1  # only the report's own script
    assert "<script>alert(1)</script>" in "".join(parse(html).page_text)


def test_script_in_party_name_alias_and_file_name_is_escaped():
    document = make_document(path="deals/<script>alert(1)</script>.pdf")
    record = make_record(document, parties=[
        Party(name="Evil <script>alert(1)</script> LLC", aliases=['"><img src=x onerror=alert(1)>'],
              confidence=0.9, evidence=[evidence(document, "Northwind Freight Holdings, Inc.")]),
    ])
    html = render_contract(record, document, generated=GENERATED)
    index = render_index([IndexEntry(record, "deals/x.html", "deals/x.json")],
                         generated=GENERATED, as_of=AS_OF, skipped=["<script>alert(2)</script>.xlsx"])

    for page in (html, index):
        assert "<script>alert(" not in page
        assert "<img src=x" not in page
        assert page.count("<script") == 1
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; LLC" in html


# --- evidence links ---------------------------------------------------------------------------


def test_every_quote_links_to_its_highlighted_span_in_the_contract_text():
    document = make_document()
    record = full_record(document)
    page = parse(render_contract(record, document, generated=GENERATED))

    quoted = list(iter_evidence(record))
    assert len(quoted) >= 12
    for path, ev in quoted:
        anchor = f"q{ev.start}-{ev.end}"
        assert anchor in page.ids, f"{path}: no anchor for {ev.text!r}"
        assert f"#{anchor}" in page.hrefs, f"{path}: no link to its quote"
        # the highlighted segments of this span, put together, are exactly the quote
        assert "".join(page.marked[anchor]) == ev.text, path


def test_contract_text_is_shown_whole_by_page_around_the_highlights():
    document = make_document()
    html = render_contract(full_record(document), document, generated=GENERATED)
    page = parse(html)

    assert "".join(page.page_text) == TEXT
    assert 'id="page-1"' in html and 'id="page-2"' in html
    assert re.search(r">Page 2\b", html)
    # the renewal sentence runs from page 1 onto page 2: its second part is still highlighted
    renewal = full_record(document).term.renewal.evidence[0]
    assert renewal.page == 1
    assert "".join(page.marked[f"q{renewal.start}-{renewal.end}"]).endswith("then-current term.")


def test_values_are_shown_readably_with_derived_basis():
    document = make_document()
    html = render_contract(full_record(document), document, generated=GENERATED)
    terms = section(html, "term")

    assert "1 Mar 2024" in terms
    assert "3 years" in terms and "90 days notice" in terms
    assert "derived" in terms and "2024-03-01 + P3Y - P1D" in terms
    assert "not found" in terms  # termination for convenience was not extracted
    assert "Anti-Assignment" in section(html, "clauses")
    assert "Last day to give notice of non-renewal" in section(html, "deadlines")


def test_an_obligations_condition_reads_as_the_contract_words_it(sample_outcomes):
    # conditions carry their own connective ("if", "provided that", "upon"): the report adds none
    outcome = sample_outcomes["distribution_maplecrest"]
    html = render_contract(outcome.record, outcome.document, generated=GENERATED)
    shown = [unescape(c) for c in re.findall(r'<div class="sub condition">([^<]*)</div>', html)]

    assert any(c.startswith("if the other party commits a material breach") for c in shown)
    assert any(c.startswith("provided that") for c in shown)
    assert not any(re.match(r"(?i)if (?:if|provided|upon|unless|in the event)\b", c) for c in shown)


def test_clauses_below_half_confidence_are_set_apart_as_only_possible():
    document = make_document()
    record = full_record(document)
    record.clauses.append(Clause(category="Change Of Control", confidence=0.12,
                                 evidence=[evidence(document, "18.1 Governing Law.")]))
    html = render_contract(record, document, generated=GENERATED)
    clauses = section(html, "clauses")
    found = re.search(r'<table class="data" id="clauses-table">.*?</table>', clauses, re.S).group(0)
    possible = re.search(r'<details class="possible-clauses".*?</details>', clauses, re.S).group(0)

    assert "Anti-Assignment" in found and "Change Of Control" not in found
    assert "Change Of Control" in possible and "low, check the quote" in possible
    assert "1 found; 1 more only possible" in unescape(re.sub(r"\s+", " ", clauses))


# --- unreadable files -------------------------------------------------------------------------


def test_failed_file_report_says_why_with_its_error_code(tmp_path):
    source = tmp_path / "locked.pdf"
    source.write_bytes(b"%PDF-1.7 encrypted")
    record = failed_record(source, "inbox/locked.pdf", IngestError(errors.ENCRYPTED_PDF, "a user password is set"), AS_OF)
    html = render_contract(record, None, generated=GENERATED)

    assert record.status is Status.FAILED
    assert "could not be read" in html
    callout = re.search(r'<section class="callout callout-error".*?</section>', html, re.S).group(0)
    assert "PW-E101" in callout and "a user password is set" in callout
    assert "badge-failed" in html
    assert 'id="text"' not in html  # no empty text section for a file that was never read


def test_scanned_file_report_says_it_needs_ocr(tmp_path):
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.4")
    record = failed_record(source, "scan.pdf", IngestError(errors.NO_TEXT_LAYER, "all 4 pages are images"), AS_OF)
    html = render_contract(record, None, generated=GENERATED)

    assert "needs OCR" in html and "PW-E120" in html and "all 4 pages are images" in html


def test_warnings_of_a_partly_read_file_are_listed_with_codes():
    document = make_document()
    record = make_record(document)
    record.status = Status.PARTIAL
    record.diagnostics = [Diagnostic(code="PW-W203", severity="warning", page=2, stage="ingest",
                                     message="page 2's content stream is damaged")]
    html = render_contract(record, document, generated=GENERATED)

    diagnostics = unescape(section(html, "diagnostics"))
    assert "PW-W203" in diagnostics and "page 2's content stream is damaged" in diagnostics
    assert "Read with warnings" in html


# --- the dashboard ----------------------------------------------------------------------------


def test_index_lists_contracts_failed_files_and_skipped_files(tmp_path):
    document = make_document()
    good = full_record(document)
    source = tmp_path / "old.doc"
    source.write_bytes(b"\xd0\xcf\x11\xe0")
    bad = failed_record(source, "archive/old.doc", IngestError(errors.LEGACY_DOC, "Word 97-2003 format"), AS_OF)
    html = render_index(
        [IndexEntry(good, "contracts/msa.pdf.html", "contracts/msa.pdf.json"),
         IndexEntry(bad, "archive/old.doc.html", "archive/old.doc.json")],
        generated=GENERATED, as_of=AS_OF, skipped=["archive/prices.xlsx"])

    contracts = section(html, "contracts")
    assert 'href="contracts/msa.pdf.html"' in contracts and 'href="contracts/msa.pdf.json"' in contracts
    assert "Master Services Agreement" in contracts and "New York" in contracts
    assert "Halvorsen Data Services, Inc." in contracts
    failed = section(html, "failed")
    assert "archive/old.doc" in failed and "PW-E105" in failed and "Word 97-2003 format" in failed
    assert "msa.pdf" not in failed
    assert "archive/prices.xlsx" in section(html, "skipped")


def test_reports_carry_run_date_as_of_date_and_version():
    document = make_document()
    record = full_record(document)
    for html in (render_contract(record, document, generated=GENERATED),
                 render_index([IndexEntry(record, "a.html", "a.json")], generated=GENERATED, as_of=AS_OF, skipped=[])):
        assert "2026-11-27 09:30 UTC" in html
        assert 'datetime="2026-11-27"' in html
        assert f"pactwatch {__version__}" in html


def test_links_to_files_with_spaces_and_hashes_in_their_names_work():
    assert href("deals/Contract #3 (final).pdf.html") == "deals/Contract%20%233%20%28final%29.pdf.html"
    assert href("deals/already%20encoded.pdf.html") == "deals/already%20encoded.pdf.html"


# --- self-contained and offline ---------------------------------------------------------------


def test_inline_script_and_style_are_allowed_by_the_pages_security_policy():
    document = make_document()
    html = render_contract(full_record(document), document, generated=GENERATED)
    page = parse(html)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)

    def digest(source: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"

    assert f"script-src {digest(page.scripts[0])}" in page.csp
    assert f"style-src {digest(style)}" in page.csp
    assert "default-src 'none'" in page.csp
    assert not re.search(r'<(?:link|img|script)[^>]+(?:src|href)="(?:https?:)?//', html)  # nothing fetched


def test_tables_have_header_scopes_and_filters_have_labels():
    document = make_document()
    html = render_contract(full_record(document), document, generated=GENERATED)

    assert '<th scope="col">' in html and '<th scope="row">' in html
    for ident in re.findall(r'<input id="([^"]+)"', html):
        assert f'<label for="{ident}">' in html


@pytest.mark.skipif(not SAMPLE_PDF.is_file(), reason="sample contract not generated")
def test_sample_contract_report_anchors_every_quote_the_pipeline_found():
    from pipeline.ingest import ingest_file

    document = ingest_file(SAMPLE_PDF, "sample_contracts/msa_northwind.pdf")
    record = process_document(document, AS_OF)
    page = parse(render_contract(record, document, generated=GENERATED))

    for path, ev in iter_evidence(record):
        assert f"q{ev.start}-{ev.end}" in page.ids, path
        assert "".join(page.marked[f"q{ev.start}-{ev.end}"]) == ev.text, path


def test_dashboard_shows_portfolio_deadlines_overdue_risk_matrix_and_counts(sample_outcomes, tmp_path):
    entries = [IndexEntry(o.record, f"{name}.html", f"{name}.json") for name, o in sorted(sample_outcomes.items())]
    bad = failed_record(tmp_path / "broken.pdf", "broken.pdf", IngestError(errors.CORRUPT_PDF, "no xref table"), AS_OF)
    entries.append(IndexEntry(bad, "broken.pdf.html", "broken.pdf.json"))
    html = render_index(entries, generated=GENERATED, as_of=AS_OF, skipped=[],
                        exports=["deadlines.ics", "obligations.csv", "deadlines.csv", "pactwatch.xlsx"])
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    windows = [int(n) for n in re.findall(r"(\d+) in the next (?:30|60|90) days", text)]
    assert len(windows) == 3 and 0 < windows[0] <= windows[1] <= windows[2]
    upcoming = html[html.index('id="upcoming-table"'):html.index("</table>", html.index('id="upcoming-table"'))]
    assert upcoming.count("<tr data-window=") == windows[2]
    assert "Last day to give notice of non-renewal" in upcoming and 'href="msa_northwind.html#compliance"' in upcoming
    assert "Earliest termination for convenience" not in upcoming  # moves with the as-of date: not a deadline
    matrix = html[html.index('id="risk-matrix"'):html.index("</table>", html.index('id="risk-matrix"'))]
    risk_ids = {c.id for o in sample_outcomes.values() for c in o.record.checks if c.kind == "risk"}
    assert matrix.count('class="rc"') + matrix.count('class="rc risk-') >= len(risk_ids) * len(sample_outcomes)
    assert 'href="msa_northwind.html#check-renewal-window"' in matrix
    assert "broken.pdf" not in matrix  # unreadable files are listed with why, not scored
    assert "By contract type" in text and "Lease 1" in text and "Services" in text
    assert re.search(r"Halvorsen Data Services, Inc\. 2", text)  # MSA and its amendment
    assert "Files that could not be read" in text and "no xref table" in text
    for name in ("deadlines.ics", "obligations.csv", "deadlines.csv", "pactwatch.xlsx"):
        assert f'href="{name}" download' in html


def test_report_timeline_splits_deadlines_at_the_as_of_date(sample_outcomes):
    outcome = sample_outcomes["saas_cloudpeak"]
    html = render_contract(outcome.record, outcome.document, generated=GENERATED)
    timeline = html[html.index('<ol class="timeline">'):html.index("</ol>", html.index('<ol class="timeline">'))]
    dates = re.findall(r'<time datetime="([\d-]+)">', timeline)
    today = timeline.index('class="tl-today"')
    assert dates == sorted(dates)
    assert all(d < AS_OF.isoformat() for d in re.findall(r'<time datetime="([\d-]+)">', timeline[:today]))
    assert all(d >= AS_OF.isoformat() for d in re.findall(r'<time datetime="([\d-]+)">', timeline[today:]))
    assert "overdue" in timeline[:today]  # the missed non-renewal window of 2026-11-15
