"""The compliance checklist: every deadline and every obligation of a contract as one item to track.

Each item has a status as of the run date:

    overdue    an action whose date has passed (a notice window that closed, a delivery date missed)
    due_soon   its date falls within the next `due_soon_days` (30 by default)
    upcoming   its date is later than that
    no_date    it has no calendar date: it is recurring ("monthly") or counts from an event
               ("within 30 days after receipt of invoice")
    passed     an event that needed no action and has happened (the effective date, a renewal)

and an owner (the party that must act), and the evidence it comes from. The same items feed the
HTML report, the dashboard, the calendar and the CSV/XLSX tables, so they always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.record import Deadline, Evidence, Obligation, Record

DUE_SOON_DAYS = 30

# Deadlines by which someone must act; the other kinds are events that simply happen.
ACTION_KINDS = {"non_renewal_notice", "renewal_option_notice"}
# Deadlines that hold only if someone acts today ("earliest termination if notice is given on the
# as-of date"): shown in the contract's report, but not put in calendars or portfolio windows,
# where they would move with every run.
HYPOTHETICAL_KINDS = {"termination_for_convenience"}
STATUS_ORDER = {"overdue": 0, "due_soon": 1, "upcoming": 2, "no_date": 3, "passed": 4}
STATUS_LABELS = {
    "overdue": "overdue",
    "due_soon": "due soon",
    "upcoming": "upcoming",
    "no_date": "no date",
    "passed": "passed",
}
ALL_PARTIES = "all parties"


@dataclass(frozen=True)
class ChecklistItem:
    source: str  # "deadline" | "obligation"
    title: str  # what happens or must be done
    kind: str  # the deadline kind, or the obligation's category
    owner: str | None  # who must act
    date: dt.date | None
    status: str  # a key of STATUS_ORDER
    days: int | None  # from the as-of date; negative when past
    timing: str  # how the date is set: the deadline's arithmetic, or the obligation's timing in words
    evidence: list[Evidence]
    modality: str | None = None  # obligations: obligation / prohibition
    counterparty: str | None = None
    condition: str | None = None
    confidence: float | None = None
    hypothetical: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (STATUS_ORDER[self.status], self.date.isoformat() if self.date else "9999", self.title)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def status_for(date: dt.date | None, as_of: dt.date, *, action: bool, due_soon_days: int = DUE_SOON_DAYS) -> str:
    if date is None:
        return "no_date"
    days = (date - as_of).days
    if days < 0:
        return "overdue" if action else "passed"
    return "due_soon" if days <= due_soon_days else "upcoming"


def deadline_owner(record: Record, deadline: Deadline) -> str:
    term = record.term
    if deadline.kind == "non_renewal_notice" and term.non_renewal_notice_by:
        return str(term.non_renewal_notice_by.value)
    if deadline.kind == "renewal_option_notice" and term.renewal_option_notice_by:
        return str(term.renewal_option_notice_by.value)
    if deadline.kind == "termination_for_convenience" and term.termination_for_convenience_by:
        return str(term.termination_for_convenience_by.value)
    if deadline.kind == "renewal_option_notice":
        return "the party holding the option"
    if deadline.kind == "non_renewal_notice":
        return "either party"
    return ALL_PARTIES


def deadline_item(record: Record, deadline: Deadline, as_of: dt.date, due_soon_days: int = DUE_SOON_DAYS) -> ChecklistItem:
    date = _date(deadline.date)
    action = deadline.kind in ACTION_KINDS
    return ChecklistItem(
        source="deadline", title=deadline.title, kind=deadline.kind.replace("_", " "),
        owner=deadline_owner(record, deadline), date=date,
        status=status_for(date, as_of, action=action, due_soon_days=due_soon_days),
        days=(date - as_of).days if date else None, timing=deadline.basis, evidence=list(deadline.evidence),
        hypothetical=deadline.kind in HYPOTHETICAL_KINDS)


_RECURRENCE = {"P1M": "monthly", "P3M": "quarterly", "P1Y": "annually", "P1W": "weekly", "P1D": "daily"}


def timing_text(obligation: Obligation) -> str:
    """'within 30 days after receipt of invoice', 'by 2026-08-14', 'monthly', or ''."""
    from reports.html import format_date, format_duration

    t = obligation.timing
    if t is None:
        return ""
    parts = []
    if t.due_date:
        parts.append(f"by {format_date(t.due_date)}")
    if t.duration:
        parts.append(f"within {format_duration(t.duration)}")
    if t.after:
        parts.append(f"after {t.after}")
    if t.recurrence:
        parts.append(_RECURRENCE.get(t.recurrence, f"every {format_duration(t.recurrence)}"
                                     if t.recurrence.startswith("P") else t.recurrence))
    return " ".join(parts)


def obligation_item(obligation: Obligation, as_of: dt.date, due_soon_days: int = DUE_SOON_DAYS) -> ChecklistItem:
    date = _date(obligation.timing.due_date) if obligation.timing else None
    verb = "Must not: " if obligation.modality == "prohibition" else ""
    action = obligation.action[:1].upper() + obligation.action[1:]
    return ChecklistItem(
        source="obligation", title=f"{verb}{action}", kind=obligation.category.replace("_", " "),
        owner=obligation.obligor, date=date,
        status=status_for(date, as_of, action=True, due_soon_days=due_soon_days),
        days=(date - as_of).days if date else None, timing=timing_text(obligation),
        evidence=list(obligation.evidence), modality=obligation.modality, counterparty=obligation.counterparty,
        condition=obligation.condition, confidence=obligation.confidence)


def compliance_items(record: Record, as_of: dt.date, due_soon_days: int = DUE_SOON_DAYS) -> list[ChecklistItem]:
    """Every deadline and every obligation or prohibition (rights are not things to comply with)."""
    items = [deadline_item(record, d, as_of, due_soon_days) for d in record.deadlines]
    items += [obligation_item(o, as_of, due_soon_days) for o in record.obligations if o.modality != "right"]
    return sorted(items, key=lambda item: item.sort_key)


def status_counts(items: list[ChecklistItem]) -> dict[str, int]:
    counts = {status: 0 for status in STATUS_ORDER}
    for item in items:
        counts[item.status] += 1
    return counts


__all__ = ["ChecklistItem", "compliance_items", "deadline_item", "obligation_item", "status_for", "status_counts",
           "DUE_SOON_DAYS", "STATUS_LABELS", "STATUS_ORDER", "timing_text", "deadline_owner"]
