"""Deadlines: the dated events a reviewer acts on, computed from dates and term as of a date.

Runs after the key-term extractors. As of `record.as_of` it lists the effective date, the end
of the initial term, and for auto-renewing contracts the term in force, the last day to send
notice of non-renewal and the next renewal — rolling renewals forward until the first notice
window that can still be met, and keeping the window that has just closed so a reader sees it
was missed. Each deadline shows its arithmetic (`basis`) and quotes the clauses it comes from.

Conventions: a term "of N years from the Effective Date" ends the day before the anniversary;
a renewal starts the day after the previous term ends; notice "at least N days before the end"
must be given on or before end - N.
"""

from __future__ import annotations

import datetime as dt

from extractors.base import Context
from extractors.durations import Duration, add, subtract
from pipeline.record import Deadline, Evidence, Field

MAX_RENEWALS = 200  # enough for monthly renewals over 16 years; guards a zero-length loop
DAY = dt.timedelta(days=1)


def extract(ctx: Context) -> None:
    record = ctx.record
    as_of = dt.date.fromisoformat(record.as_of) if record.as_of else dt.date.today()
    planner = _Planner(as_of)
    dates, term = record.dates, record.term

    if (effective := _date(dates.effective)) is not None:
        planner.add("effective", effective, "Effective date", "stated", dates.effective)
    end = _date(dates.expiration)
    if end is not None and not term.perpetual:
        basis = dates.expiration.basis if dates.expiration and dates.expiration.basis else "stated"
        planner.add("initial_term_end", end, "End of the initial term", basis, dates.expiration)
        mode = term.auto_renewal.value if term.auto_renewal else None
        renewal = _duration(term.renewal)
        if mode == "automatic" and renewal is not None:
            _plan_automatic(planner, end, renewal, _duration(term.non_renewal_notice), ctx)
        elif mode == "by_option":
            _plan_option(planner, end, renewal, _duration(term.renewal_option_notice), ctx)

    convenience = _duration(term.termination_for_convenience)
    if convenience is not None:
        who = term.termination_for_convenience_by.value if term.termination_for_convenience_by else "a party"
        planner.add("termination_for_convenience", add(as_of, convenience),
                    f"Earliest termination for convenience by {who} if notice is given on {as_of.isoformat()}",
                    f"{as_of.isoformat()} + {convenience.iso}", term.termination_for_convenience)
    record.deadlines = sorted(planner.deadlines, key=lambda d: (d.date, d.kind))


def _plan_automatic(planner: _Planner, end: dt.date, renewal: Duration, notice: Duration | None,
                    ctx: Context) -> None:
    term = ctx.record.term
    sources = (term.renewal, term.non_renewal_notice, term.auto_renewal)
    as_of = planner.as_of
    ends = [end]
    while ends[-1] < as_of and len(ends) < MAX_RENEWALS:
        ends.append(_next_end(ends[-1], renewal))
    current = ends[-1]
    if len(ends) > 1:
        planner.add("renewal", ends[-2] + DAY, f"Renewed for {renewal} (renewal {len(ends) - 1})",
                    f"{ends[-2].isoformat()} + 1 day", *sources)
        planner.add("current_term_end", current, "End of the term now in force",
                    f"{ends[-2].isoformat()} + 1 day + {renewal.iso} - 1 day", *sources)
    if notice is None:
        planner.add("renewal", current + DAY, f"Renews automatically for {renewal}",
                    f"{current.isoformat()} + 1 day", *sources)
        return
    last_day = subtract(current, notice)
    if last_day < as_of:
        # the window to stop the current term's renewal has closed: show it, then the next one
        planner.add("non_renewal_notice", last_day,
                    f"Window to give notice of non-renewal closed: the term renews on {(current + DAY).isoformat()}",
                    f"{current.isoformat()} - {notice.iso}", *sources)
        planner.add("renewal", current + DAY, f"Renews automatically for {renewal}",
                    f"{current.isoformat()} + 1 day", *sources)
        current = _next_end(current, renewal)
        planner.add("next_term_end", current,
                    "End of the next renewal term", f"{ends[-1].isoformat()} + 1 day + {renewal.iso} - 1 day",
                    *sources)
        last_day = subtract(current, notice)
    planner.add("non_renewal_notice", last_day,
                f"Last day to give notice of non-renewal ({notice} before {current.isoformat()})",
                f"{current.isoformat()} - {notice.iso}", *sources)
    planner.add("renewal", current + DAY, f"Renews automatically for {renewal} unless notice is given",
                f"{current.isoformat()} + 1 day", *sources)


def _plan_option(planner: _Planner, end: dt.date, renewal: Duration | None, notice: Duration | None,
                 ctx: Context) -> None:
    term = ctx.record.term
    sources = (term.renewal, term.renewal_option_notice, term.auto_renewal)
    if notice is not None:
        planner.add("renewal_option_notice", subtract(end, notice),
                    f"Last day to exercise the renewal option ({notice} before {end.isoformat()})",
                    f"{end.isoformat()} - {notice.iso}", *sources)
    length = f" for {renewal}" if renewal else ""
    planner.add("renewal", end + DAY, f"Renewal{length} starts only if the option is exercised",
                f"{end.isoformat()} + 1 day", *sources)


def _next_end(end: dt.date, renewal: Duration) -> dt.date:
    return add(end + DAY, renewal) - DAY


class _Planner:
    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.deadlines: list[Deadline] = []

    def add(self, kind: str, date: dt.date, title: str, basis: str, *sources: Field | None) -> None:
        evidence: list[Evidence] = []
        for source in sources:
            for ev in source.evidence if source else []:
                if ev not in evidence:
                    evidence.append(ev)
        self.deadlines.append(Deadline(
            kind=kind, date=date.isoformat(), title=title, basis=basis,
            status="past" if date < self.as_of else "upcoming", evidence=evidence,
        ))


def _date(field: Field | None) -> dt.date | None:
    if field is None or not isinstance(field.value, str):
        return None
    try:
        return dt.date.fromisoformat(field.value)
    except ValueError:
        return None


def _duration(field: Field | None) -> Duration | None:
    if field is None or not isinstance(field.value, str):
        return None
    try:
        duration = Duration.from_iso(field.value)
    except ValueError:
        return None
    return duration if duration.amount > 0 else None
