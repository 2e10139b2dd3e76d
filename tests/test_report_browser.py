"""The reports in a real browser (headless Chromium from Debian, driven by Playwright), from file://,
as a contract manager uses them: the deadline table in date order and sortable, filters that
narrow the obligations and the dashboard's deadlines, a quote's link highlighting its clause in
the contract text, no console errors, and nothing from a contract ever running as script.

Needs /usr/bin/chromium (`tests/ensure_browser.sh` installs it) and the `playwright` package;
skipped without them, except under CI (CI=true), where their absence fails the run.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from pipeline.record import Deadline, Evidence, Obligation, Party, Timing
from reports.html import IndexEntry, render_contract, render_index

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AS_OF = dt.date(2026, 11, 27)
GENERATED = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.timezone.utc)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must install it (tests/ensure_browser.sh, the test extra)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not CHROMIUM.exists():
        _unavailable("/usr/bin/chromium is not installed")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page whose console errors and uncaught exceptions are collected."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: Path, fragment: str = "") -> None:
        self.page.goto(path.as_uri() + fragment, wait_until="load")


@pytest.fixture
def watched(browser):
    page = Watched(browser)
    yield page
    page.page.close()


@pytest.fixture(scope="module")
def site(sample_outcomes, tmp_path_factory):
    """The sample contracts' reports and dashboard, and a report of a contract full of markup."""
    root = tmp_path_factory.mktemp("site")
    entries = []
    for name, outcome in sorted(sample_outcomes.items()):
        (root / f"{name}.html").write_text(render_contract(outcome.record, outcome.document, generated=GENERATED),
                                           encoding="utf-8")
        entries.append(IndexEntry(outcome.record, f"{name}.html", f"{name}.json"))
    (root / "index.html").write_text(render_index(entries, generated=GENERATED, as_of=AS_OF, skipped=[]),
                                     encoding="utf-8")
    (root / "hostile.html").write_text(hostile_report(), encoding="utf-8")
    return root


def hostile_report() -> str:
    from tests.test_report_html import make_document, make_record

    text = ("SERVICES AGREEMENT\nThis Agreement is made on March 1, 2024 between <script>window.__pwned = 1</script> "
            "Evil Corp (\"Vendor\") and <img src=x onerror=\"window.__pwned = 2\"> Buyer Inc.\n"
            "4.1 Vendor shall deliver the <svg onload=\"window.__pwned = 3\"></svg> report by December 15, 2026.\n"
            "9.2 Either party may give notice of non-renewal at least 60 days before the end of the term.\n")
    document = make_document(text, path='deals/"><script>window.__pwned=4</script>.pdf')
    quote = lambda q: Evidence.from_span(document, text.index(q), text.index(q) + len(q))  # noqa: E731
    record = make_record(
        document,
        parties=[Party(name="<script>window.__pwned = 5</script> Evil Corp", aliases=["Vendor"], confidence=0.9,
                       evidence=[quote("<script>window.__pwned = 1</script> Evil Corp")])],
        obligations=[Obligation(obligor="Vendor", modality="obligation", category="delivery",
                                action='deliver the <svg onload="window.__pwned = 3"></svg> report',
                                timing=Timing(due_date="2026-12-15"), confidence=0.9,
                                evidence=[quote("4.1 Vendor shall deliver")])],
        deadlines=[Deadline(kind="non_renewal_notice", date="2026-12-30", title="Last day <b>notice</b>",
                            basis="2027-02-28 - P60D", status="upcoming",
                            evidence=[quote("9.2 Either party may give notice")])],
    )
    return render_contract(record, document, generated=GENERATED)


def column_dates(page, table: str) -> list[str]:
    return page.eval_on_selector_all(f"{table} tbody tr:not([hidden]) th[scope=row] time",
                                     "els => els.map(e => e.getAttribute('datetime'))")


def test_deadline_table_reads_in_date_order_and_sorts_by_its_header(site, watched):
    watched.open(site / "saas_cloudpeak.html")
    page = watched.page
    dates = column_dates(page, "#deadlines-table")
    assert len(dates) >= 3 and dates == sorted(dates)
    header = page.locator("#deadlines-table thead th").first
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert column_dates(page, "#deadlines-table") == sorted(dates, reverse=True)
    assert watched.errors == []


def test_obligation_filters_narrow_the_table_by_party_category_and_due_date(site, watched):
    watched.open(site / "msa_northwind.html")
    page = watched.page
    rows = page.locator("#obligations-table tbody tr")
    total = rows.count()
    visible = lambda: page.locator("#obligations-table tbody tr:not([hidden])")  # noqa: E731
    page.select_option("#party-obligations-table", "Customer")
    customer = visible().count()
    assert 0 < customer < total
    assert set(visible().evaluate_all("rows => rows.map(r => r.dataset.party)")) == {"Customer"}
    assert page.locator("#obligations-table").is_visible()
    assert page.text_content(".filter:has(#party-obligations-table) .filter-count") == f"{customer} of {total} shown"
    page.select_option("#category-obligations-table", "payment")
    both = visible().count()
    assert 0 < both < customer
    page.select_option("#party-obligations-table", "")
    page.select_option("#category-obligations-table", "")
    page.select_option("#due-obligations-table", "overdue")
    overdue = visible().evaluate_all("rows => rows.map(r => r.dataset.due)")
    assert overdue and all(d.split()[0] == "overdue" for d in overdue)
    page.select_option("#due-obligations-table", "")
    page.fill("#filter-obligations-table", "certificates of insurance")
    assert 0 < visible().count() < 3
    assert watched.errors == []


def test_clicking_a_quote_highlights_its_clause_in_the_contract_text(site, watched):
    watched.open(site / "msa_northwind.html")
    page = watched.page
    row = page.locator("#deadlines-table tbody tr", has_text="Last day to give notice of non-renewal")
    link = row.locator("a.ev-link").first
    anchor = link.get_attribute("href").lstrip("#")
    link.click()
    assert page.evaluate("location.hash") == f"#{anchor}"
    marks = page.locator(f'mark.ev[data-ev~="{anchor}"]')
    assert marks.count() >= 1
    assert marks.evaluate_all("ms => ms.every(m => m.classList.contains('is-active'))")
    first = marks.first
    assert first.is_visible()
    box = first.bounding_box()
    assert box is not None and 0 <= box["y"] < 800  # scrolled into view
    colour = first.evaluate("m => getComputedStyle(m).backgroundColor")
    other = page.locator("mark.ev:not(.is-active)").first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert colour != other  # the clicked quote stands out from the other highlights
    assert "at least ninety (90)" in "".join(marks.all_text_contents())
    assert watched.errors == []


def test_markup_from_a_contract_is_shown_and_never_runs(site, watched):
    watched.open(site / "hostile.html")
    page = watched.page
    page.wait_for_timeout(100)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main script, main img, main svg").count() == 0
    text = page.inner_text("#text")
    assert "<script>window.__pwned = 1</script>" in text
    assert '<img src=x onerror="window.__pwned = 2">' in text
    assert "<script>window.__pwned = 5</script> Evil Corp" in page.inner_text("#summary")
    assert "Last day <b>notice</b>" in page.inner_text("#timeline")
    page.locator("#compliance a.ev-link").first.click()
    assert page.evaluate("window.__pwned") is None
    assert watched.errors == []  # no CSP violation either: nothing tried to run


def test_dashboard_windows_narrow_the_portfolio_deadlines_and_link_to_findings(site, watched):
    watched.open(site / "index.html")
    page = watched.page
    rows = page.locator("#upcoming-table tbody tr:not([hidden])")
    ninety = rows.count()
    days = rows.evaluate_all("rs => rs.map(r => Number(r.cells[1].dataset.sort))")
    assert ninety > 0 and max(days) <= 90
    page.select_option("#window-upcoming-table", "30")
    thirty = rows.evaluate_all("rs => rs.map(r => Number(r.cells[1].dataset.sort))")
    assert 0 < len(thirty) < ninety and max(thirty) <= 30
    assert page.locator("#upcoming .count-card").first.inner_text().startswith(str(len(thirty)))
    flagged = page.locator("#risk-matrix td.rc a").first
    href = flagged.get_attribute("href")
    flagged.click()
    page.wait_for_load_state("load")
    target = href.split("#", 1)[1]
    assert page.url.endswith(f"#{target}")
    assert page.locator(f"#{target}").is_visible()
    assert "flagged" in page.inner_text(f"#{target}")
    assert watched.errors == []
