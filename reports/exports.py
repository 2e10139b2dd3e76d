"""The files `pactwatch run` writes beside the reports: a calendar and tables of the whole run.

    deadlines.ics      every dated item as an all-day event, with reminders (reports/calendar.py)
    obligations.csv    every obligation and prohibition, with status, owner and quote
    deadlines.csv      every deadline, with status, who acts, the arithmetic and quote
    pactwatch.xlsx     both tables as sheets of one workbook (reports/tables.py)

All of them come from the same checklist items as the reports (reports/checklist.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pipeline.record import Record, Status
from reports.calendar import render_calendar
from reports.tables import DEADLINE_COLUMNS, OBLIGATION_COLUMNS, deadline_rows, obligation_rows, render_csv, render_xlsx

CALENDAR, OBLIGATIONS_CSV, DEADLINES_CSV, WORKBOOK = "deadlines.ics", "obligations.csv", "deadlines.csv", "pactwatch.xlsx"
EXPORT_NAMES = (CALENDAR, OBLIGATIONS_CSV, DEADLINES_CSV, WORKBOOK)
DEFAULT_REMINDERS = (30, 7, 1)


def export_files(records: Iterable[tuple[Record, str | None]], *, as_of: dt.date,
                 remind_days: Iterable[int] = DEFAULT_REMINDERS, generated: dt.datetime) -> dict[str, bytes]:
    """File name -> content, for the readable records of a run (with each one's report link)."""
    readable = [(r, href) for r, href in records if r.status not in (Status.FAILED, Status.NEEDS_OCR)]
    obligations = obligation_rows(readable, as_of)
    deadlines = deadline_rows(readable, as_of)
    return {
        CALENDAR: render_calendar(readable, as_of=as_of, remind_days=remind_days, generated=generated).encode("utf-8"),
        OBLIGATIONS_CSV: render_csv(OBLIGATION_COLUMNS, obligations),
        DEADLINES_CSV: render_csv(DEADLINE_COLUMNS, deadlines),
        WORKBOOK: render_xlsx([("Deadlines", DEADLINE_COLUMNS, deadlines), ("Obligations", OBLIGATION_COLUMNS, obligations)],
                              created=generated),
    }


__all__ = ["export_files", "EXPORT_NAMES", "CALENDAR", "OBLIGATIONS_CSV", "DEADLINES_CSV", "WORKBOOK"]
