"""Deadlines as of a date: a reviewer must see the last day to stop a renewal that can still be
met, see a window that has just closed, and never be shown a stale initial-term date as current."""

from __future__ import annotations

import datetime as dt

from extractors import deadlines
from extractors.base import Context
from pipeline.document import Document, Page
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Field, Record, Status

TEXT = ("The initial term ends on February 28, 2027. Thereafter this Agreement renews automatically for "
        "successive one (1) year periods unless either party gives notice of non-renewal at least ninety "
        "(90) days before the end of the then-current term. Either party may terminate this Agreement for "
        "convenience on sixty (60) days' written notice.")


def run(as_of: str, auto_renewal: str = "automatic", notice: str | None = "P90D") -> dict[str, list[tuple[str, str]]]:
    document = Document(path="x.txt", sha256="0", format="txt", text=TEXT, pages=[Page(1, 0, len(TEXT))])
    record = Record(pactwatch_version="t", status=Status.OK, as_of=as_of,
                    document=DocumentInfo(path="x.txt", sha256="0", format="txt", pages=1))
    ctx = Context(document=document, analysis=analyse(document), record=record)
    renewal_at = TEXT.index("Thereafter")
    record.dates.effective = ctx.field("2024-03-01", 0.9, [(0, 10)])
    record.dates.expiration = ctx.field("2027-02-28", 0.9, [(0, renewal_at)])
    record.term.auto_renewal = ctx.field(auto_renewal, 0.9, [(renewal_at, TEXT.index("Either"))])
    record.term.renewal = ctx.field("P1Y", 0.9, [(renewal_at, TEXT.index("Either"))])
    if notice and auto_renewal == "by_option":
        record.term.renewal_option_notice = ctx.field(notice, 0.9, [(renewal_at, TEXT.index("Either"))])
    elif notice:
        record.term.non_renewal_notice = ctx.field(notice, 0.9, [(renewal_at, TEXT.index("Either"))])
    record.term.termination_for_convenience = ctx.field("P60D", 0.9, [(TEXT.index("Either"), len(TEXT))])
    deadlines.extract(ctx)
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for d in record.deadlines:
        by_kind.setdefault(d.kind, []).append((d.date, d.status))
        assert d.evidence, f"deadline {d.kind} quotes no clause"
    return by_kind


def test_notice_window_still_open_shows_its_last_day() -> None:
    found = run("2026-11-27")
    assert found["non_renewal_notice"] == [("2026-11-30", "upcoming")]
    assert found["initial_term_end"] == [("2027-02-28", "upcoming")]
    assert found["renewal"] == [("2027-03-01", "upcoming")]


def test_window_closed_yesterday_is_shown_missed_and_the_next_window_is_given() -> None:
    found = run("2026-12-01")
    assert ("2026-11-30", "past") in found["non_renewal_notice"]
    assert ("2027-12-01", "upcoming") in found["non_renewal_notice"]  # 2028-02-29 - P90D (leap year)
    assert found["next_term_end"] == [("2028-02-29", "upcoming")]


def test_renewals_roll_forward_to_the_term_in_force() -> None:
    found = run("2029-06-15")
    assert found["initial_term_end"] == [("2027-02-28", "past")]
    assert found["current_term_end"] == [("2030-02-28", "upcoming")]
    assert found["non_renewal_notice"] == [("2029-11-30", "upcoming")]
    assert ("2030-03-01", "upcoming") in found["renewal"]


def test_renewal_by_option_gives_the_exercise_deadline_not_a_non_renewal_one() -> None:
    found = run("2026-11-27", auto_renewal="by_option")
    assert found["renewal_option_notice"] == [("2026-11-30", "upcoming")]
    assert "non_renewal_notice" not in found


def test_termination_for_convenience_earliest_date_counts_from_the_as_of_date() -> None:
    found = run("2026-11-27")
    assert found["termination_for_convenience"] == [(str(dt.date(2026, 11, 27) + dt.timedelta(days=60)), "upcoming")]
