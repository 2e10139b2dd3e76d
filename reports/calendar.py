"""Deadlines as an iCalendar file (RFC 5545) that calendar programs import.

One all-day event (`DTSTART;VALUE=DATE`, `DTEND` the next day) per dated item of every contract
its computed deadlines (notice windows, term ends, renewals) and the obligations that carry a due
date. Events still ahead get a `VALARM` per reminder lead time (`--remind 30,7,1`: 30, 7 and 1 days
before). UIDs are stable across runs (a hash of the document's bytes, the kind, the date and the
title), so importing the file again updates events instead of duplicating them.

Text is escaped (backslash, semicolon, comma, newline) and content lines are folded at 75 octets
with CRLF + space, never inside a UTF-8 character.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline import __version__
from pipeline.record import Record
from reports.checklist import ChecklistItem, compliance_items

PRODID = f"-//pactwatch//pactwatch {__version__}//EN"
UID_DOMAIN = "pactwatch.invalid"  # a UID needs a domain part; .invalid can never be anyone's
QUOTE_CHARS = 600
LINE_OCTETS = 75


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    date: dt.date
    summary: str
    description: str
    categories: str
    upcoming: bool


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32 and ord(ch) != 127)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded so that no physical line exceeds 75 octets (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line + "\r\n"
    pieces, start, limit = [], 0, LINE_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start, limit = end, LINE_OCTETS - 1  # continuation lines start with a space
    return "\r\n ".join(pieces) + "\r\n"


def _uid(record: Record, item: ChecklistItem) -> str:
    key = "\x1f".join([record.document.sha256 or record.document.path, item.source, item.kind,
                       item.date.isoformat() if item.date else "", item.title])
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{UID_DOMAIN}"


def _contract_name(record: Record) -> str:
    from reports.html import title_of

    return title_of(record)


def events_for(record: Record, as_of: dt.date, report_href: str | None = None) -> list[CalendarEvent]:
    events = []
    contract = _contract_name(record)
    for item in compliance_items(record, as_of):
        if item.date is None or item.hypothetical:
            continue
        lines = [f"Contract: {contract}", f"File: {record.document.path}"]
        if item.owner:
            lines.append(f"Who acts: {item.owner}")
        if item.timing:
            lines.append(f"{'Basis' if item.source == 'deadline' else 'Timing'}: {item.timing}")
        for ev in item.evidence[:2]:
            quote = " ".join(ev.text.split())
            if len(quote) > QUOTE_CHARS:
                quote = quote[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
            lines.append(f"Clause (page {ev.page}): “{quote}”")
        if report_href:
            lines.append(f"Report: {report_href}")
        lines.append("Read automatically by pactwatch: check the clause before relying on the date.")
        events.append(CalendarEvent(
            uid=_uid(record, item), date=item.date, summary=f"{item.title} — {contract}",
            description="\n".join(lines), categories=item.kind, upcoming=item.date >= as_of))
    return events


def _reminder_text(days: int, summary: str) -> str:
    if days == 0:
        return f"Today: {summary}"
    return f"In {days} day{'s' if days != 1 else ''}: {summary}"


def render_calendar(records: Iterable[tuple[Record, str | None]], *, as_of: dt.date, remind_days: Iterable[int],
                    generated: dt.datetime, name: str = "pactwatch deadlines") -> str:
    """The whole calendar: records with (optionally) the relative link to each one's report."""
    stamp = generated.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    reminders = sorted(set(remind_days), reverse=True)
    out = [fold(line) for line in ("BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
                                   "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}")]
    seen: set[str] = set()
    for record, href in records:
        for event in events_for(record, as_of, href):
            if event.uid in seen:  # the same bytes filed under two names: one event
                continue
            seen.add(event.uid)
            lines = [
                "BEGIN:VEVENT",
                f"UID:{event.uid}",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}",
                f"DTEND;VALUE=DATE:{event.date + dt.timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{escape_text(event.summary)}",
                f"DESCRIPTION:{escape_text(event.description)}",
                f"CATEGORIES:{escape_text(event.categories)}",
                "TRANSP:TRANSPARENT",
            ]
            if event.upcoming:
                for days in reminders:
                    lines += [
                        "BEGIN:VALARM",
                        "ACTION:DISPLAY",
                        f"DESCRIPTION:{escape_text(_reminder_text(days, event.summary))}",
                        f"TRIGGER;RELATED=START:-P{days}D" if days else "TRIGGER;RELATED=START:PT0S",
                        "END:VALARM",
                    ]
            lines.append("END:VEVENT")
            out += [fold(line) for line in lines]
    out.append(fold("END:VCALENDAR"))
    return "".join(out)


__all__ = ["render_calendar", "events_for", "escape_text", "fold", "CalendarEvent"]
