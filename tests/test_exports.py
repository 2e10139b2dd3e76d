"""Exports a contract manager imports elsewhere: the deadline calendar and the CSV/XLSX tables.

The calendar must import into calendar programs (it parses with the `icalendar` library, lines
are folded at 75 octets with CRLF, text escaped, UIDs stable, all-day dates, reminders before
each deadline still ahead); tables must open in a spreadsheet without running contract text as
a formula; `pactwatch run` writes them and the dashboard links them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pipeline.record import Deadline, Evidence, Obligation, Timing
from reports.calendar import fold, render_calendar
from reports.exports import export_files
from reports.tables import DEADLINE_COLUMNS, OBLIGATION_COLUMNS

icalendar = pytest.importorskip("icalendar")

AS_OF = dt.date(2026, 11, 27)
GENERATED = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.timezone.utc)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def samples(sample_outcomes):
    return [(o.record, f"{name}.html") for name, o in sorted(sample_outcomes.items())]


def dated_items(records) -> int:
    deadlines = sum(1 for r, _ in records for d in r.deadlines if d.kind != "termination_for_convenience")
    obligations = sum(1 for r, _ in records for o in r.obligations
                      if o.modality != "right" and o.timing and o.timing.due_date)
    return deadlines + obligations


def test_calendar_parses_with_one_event_per_deadline_and_reminders_ahead(samples):
    text = render_calendar(samples, as_of=AS_OF, remind_days=(30, 7, 1), generated=GENERATED)
    calendar = icalendar.Calendar.from_ical(text)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == dated_items(samples) > 20
    assert len({str(e["UID"]) for e in events}) == len(events)
    msa_notice = next(e for e in events if "notice of non-renewal" in str(e["SUMMARY"])
                      and str(e["SUMMARY"]).upper().endswith("— MASTER SERVICES AGREEMENT"))
    assert msa_notice.decoded("DTSTART") == dt.date(2026, 11, 30)  # VALUE=DATE: all day
    assert msa_notice.decoded("DTEND") == dt.date(2026, 12, 1)
    alarms = msa_notice.walk("VALARM")
    assert sorted(a.decoded("TRIGGER") for a in alarms) == [-dt.timedelta(days=d) for d in (30, 7, 1)]
    assert all(str(a["ACTION"]) == "DISPLAY" and str(a["DESCRIPTION"]) for a in alarms)
    description = str(msa_notice["DESCRIPTION"])
    assert "ninety (90)" in description and "Clause (page 4)" in description
    past = [e for e in events if e.decoded("DTSTART") < AS_OF]
    assert past and all(not e.walk("VALARM") for e in past)  # no reminder for what has passed


def test_calendar_lines_are_folded_crlf_and_text_is_escaped():
    line = "DESCRIPTION:" + "Cláusula de notificación; renovación, automática " * 6
    folded = fold(line)
    physical = folded.split("\r\n")[:-1]
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join([physical[0]] + [p[1:] for p in physical[1:]]) == line  # unfolds to the same text

    from tests.test_report_html import make_document, make_record

    document = make_document()
    quote = "Exhibit C lists the <script>alert(1)</script> integration endpoints & their owners."
    start = document.text.index(quote)
    record = make_record(document, deadlines=[Deadline(
        kind="non_renewal_notice", date="2026-12-15", title="Notice; renewal, \\ now", basis="x",
        evidence=[Evidence.from_span(document, start, start + len(quote))])])
    text = render_calendar([(record, "a b.html")], as_of=AS_OF, remind_days=(7,), generated=GENERATED)
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert "SUMMARY:Notice\\; renewal\\, \\\\ now" in text.replace("\r\n ", "")
    event = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))
    assert str(event["SUMMARY"]).startswith("Notice; renewal, \\ now")
    assert "<script>alert(1)</script> integration endpoints & their owners." in str(event["DESCRIPTION"])


def test_uids_are_stable_across_runs_and_dates(samples):
    first = render_calendar(samples, as_of=AS_OF, remind_days=(30,), generated=GENERATED)
    again = render_calendar(samples, as_of=AS_OF, remind_days=(30,), generated=GENERATED + dt.timedelta(days=1))
    uids = lambda t: [str(e["UID"]) for e in icalendar.Calendar.from_ical(t).walk("VEVENT")]  # noqa: E731
    assert uids(first) == uids(again)
    assert "DTSTAMP:20261127T093000Z" in first


def test_tables_hold_every_obligation_and_deadline_and_never_a_formula(samples):
    from tests.test_report_html import make_document, make_record

    document = make_document()
    start = document.text.index("Exhibit C")
    hostile = make_record(document, obligations=[Obligation(
        obligor="=HYPERLINK(\"http://x\")", modality="obligation", category="payment", action="+pay -1 @once",
        timing=Timing(due_date="2026-12-01"), confidence=0.9, evidence=[Evidence.from_span(document, start, start + 9)])])
    files = export_files(samples + [(hostile, "h.html")], as_of=AS_OF, generated=GENERATED)
    obligations = list(csv.reader(io.StringIO(files["obligations.csv"].decode("utf-8-sig"))))
    assert obligations[0] == [c.title for c in OBLIGATION_COLUMNS]
    expected = sum(1 for r, _ in samples for o in r.obligations if o.modality != "right") + 1
    assert len(obligations) - 1 == expected
    row = obligations[-1]
    assert row[2] == "'=HYPERLINK(\"http://x\")" and row[6].startswith("'+pay")
    assert row[8] == "2026-12-01" and row[10] == "due soon" and row[11] == "4"
    deadlines = list(csv.reader(io.StringIO(files["deadlines.csv"].decode("utf-8-sig"))))
    assert deadlines[0] == [c.title for c in DEADLINE_COLUMNS]
    dates = [r[2] for r in deadlines[1:]]
    assert dates == sorted(dates) and len(dates) == sum(len(r.deadlines) for r, _ in samples)

    workbook = zipfile.ZipFile(io.BytesIO(files["pactwatch.xlsx"]))
    assert workbook.testzip() is None
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    sheets = ElementTree.fromstring(workbook.read("xl/workbook.xml")).findall(".//m:sheet", ns)
    assert [s.get("name") for s in sheets] == ["Deadlines", "Obligations"]
    rows = ElementTree.fromstring(workbook.read("xl/worksheets/sheet2.xml")).findall(".//m:row", ns)
    assert len(rows) == len(obligations)
    assert not ElementTree.fromstring(workbook.read("xl/worksheets/sheet2.xml")).findall(".//m:f", ns)


def test_workbook_opens_in_a_spreadsheet_library_with_real_dates(samples):
    openpyxl = pytest.importorskip("openpyxl")
    files = export_files(samples, as_of=AS_OF, generated=GENERATED)
    book = openpyxl.load_workbook(io.BytesIO(files["pactwatch.xlsx"]))
    sheet = book["Deadlines"]
    assert [c.value for c in sheet[1]] == [c.title for c in DEADLINE_COLUMNS]
    first = sheet.cell(row=2, column=3).value
    assert isinstance(first, dt.datetime) and first.date().isoformat() == \
        min(d.date for r, _ in samples for d in r.deadlines)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")


def test_run_writes_the_exports_and_the_dashboard_links_them(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    source = ROOT / "sample_contracts" / "msa_northwind.pdf"
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(source), "--out", str(out),
                             "--as-of", "2026-11-27", "--remind", "14,2", "--no-progress", "--workers", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in ("deadlines.ics", "obligations.csv", "deadlines.csv", "pactwatch.xlsx"):
        assert (out / name).is_file() and f'href="{name}"' in index
    calendar = icalendar.Calendar.from_ical((out / "deadlines.ics").read_bytes())
    triggers = {a.decoded("TRIGGER") for e in calendar.walk("VEVENT") for a in e.walk("VALARM")}
    assert triggers == {-dt.timedelta(days=14), -dt.timedelta(days=2)}
