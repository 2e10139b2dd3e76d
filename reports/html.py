"""HTML reports: one self-contained page per contract, and the run's dashboard (index.html).

Each page is a single file that works offline from file://: the stylesheet and the small script
in `reports/static/` are inlined at render time, and a Content-Security-Policy allows exactly
those two by hash, so nothing else can run even if a contract smuggled markup past the escaping.
Everything that comes from a contract is escaped (Jinja autoescape; the contract text is escaped
here, segment by segment).

Every extracted value is shown with its quoted evidence and a link to `#q<start>-<end>`, the
anchor of that span in the full contract text at the bottom of the report. The text is cut into
non-overlapping segments at every evidence boundary (one sweep over sorted boundaries), each
covered segment is a `<mark data-ev="...">` naming the spans covering it, so overlapping quotes
all highlight.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from pipeline import __version__, errors
from pipeline.document import Document
from pipeline.evidence import iter_evidence
from pipeline.record import Check, Diagnostic, Evidence, Field, Record, Status
from reports.checklist import STATUS_LABELS as CHECKLIST_LABELS
from reports.checklist import ChecklistItem, compliance_items, deadline_item, status_counts

STATUS_LABELS = {
    Status.OK: "ok",
    Status.PARTIAL: "partial",
    Status.NEEDS_OCR: "needs OCR",
    Status.FAILED: "failed",
}
UNREADABLE = (Status.FAILED, Status.NEEDS_OCR)
LOW_CONFIDENCE = 0.5  # below this a value is flagged "check"
QUOTE_CHARS = 420  # longer quotes are clipped in tables; the full text is one click away


@dataclass
class IndexEntry:
    record: Record
    report_href: str  # relative link from index.html to the contract's .html
    record_href: str  # relative link to its .json


# --------------------------------------------------------------------------------------------
# Environment and static assets (built once per process)


@dataclass(frozen=True)
class Assets:
    css: Markup
    js: Markup
    csp: str  # Content-Security-Policy allowing exactly the inlined style and script


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html", "htm", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date=format_date,
        id=id,
        duration=format_duration,
        quote=clip_quote,
        anchor_id=anchor_id,
        confidence=format_confidence,
        status_label=status_label,
        datetime=format_datetime,
        filesize=format_size,
        number=format_number,
    )
    return env


@lru_cache(maxsize=1)
def assets() -> Assets:
    static = resources.files("reports") / "static"
    css = (static / "report.css").read_text(encoding="utf-8")
    js = (static / "report.js").read_text(encoding="utf-8")
    csp = (
        "default-src 'none'; "
        f"style-src '{_sha256(css)}'; script-src '{_sha256(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return Assets(Markup(css), Markup(js), csp)


def _sha256(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")


# --------------------------------------------------------------------------------------------
# Formatting filters (plain strings out: the template escapes them)

_DURATION = re.compile(
    r"^P(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<M>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?(?:(?P<D>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?)?$"
)
_DURATION_UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day", "h": "hour", "m": "minute"}


def format_duration(value: Any) -> str:
    """'P1Y6M' -> '1 year 6 months'; anything not an ISO 8601 duration is shown as it is."""
    text = str(value)
    match = _DURATION.match(text)
    if not match or text in ("P", "PT"):
        return text
    parts = []
    for key, unit in _DURATION_UNITS.items():
        amount = match.group(key)
        if amount is None:
            continue
        number = amount.rstrip("0").rstrip(".") if "." in amount else amount
        parts.append(f"{number} {unit}{'' if number == '1' else 's'}")
    return " ".join(parts) or text


def format_date(value: Any) -> str:
    """ISO date -> '15 Mar 2024' (never ambiguous about day and month)."""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b %Y}"


def format_datetime(value: dt.datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M")
    if value.tzinfo is not None:
        text += " UTC" if value.utcoffset() == dt.timedelta(0) else value.strftime(" %z")
    return text


def format_confidence(value: float) -> str:
    return f"{value:.2f}"


def format_number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def status_label(status: Status) -> str:
    return STATUS_LABELS.get(status, str(status))


def clip_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The quote on one line (PDF line breaks folded), clipped at a word if very long."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit] + " …"


def anchor_id(evidence: Evidence) -> str:
    return f"q{evidence.start}-{evidence.end}"


def _yes_no(value: Any) -> str:
    return "Yes" if value else "No"


_RENEWAL = {"automatic": "Automatic", "by_option": "By option (must be exercised)", "none": "No renewal"}


def _format_value(value: Any, kind: str) -> str:
    if kind == "date":
        return format_date(value)
    if kind == "duration":
        return format_duration(value)
    if kind == "notice":
        return f"{format_duration(value)} notice"
    if kind == "steps":
        return " → ".join(str(v).capitalize() for v in value)
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "renewal":
        return _RENEWAL.get(str(value), str(value))
    if kind == "exclusive":
        return "Exclusive" if value else "Non-exclusive"
    if kind == "bool":
        return _yes_no(value)
    if kind == "money":
        return f"{value.currency} {value.amount:,.2f}"
    return str(value)


# --------------------------------------------------------------------------------------------
# Key terms: what the summary shows, in the order a contract manager reads it


@dataclass
class TermRow:
    label: str
    value: str | None  # formatted; None when not found
    field: Field | None  # the main field (confidence, derived, basis, note)
    evidence: list[Evidence]
    same_quote_as_above: bool = False  # several terms often come from one sentence


@dataclass
class TermGroup:
    title: str
    slug: str
    rows: list[TermRow]


def _spans(evidence: list[Evidence]) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in evidence]


def _row(label: str, main: Field | None, kind: str = "text", *,
         qualifier: Field | None = None, joiner: str = " — by ") -> TermRow:
    """A term's row; a qualifying field (who may give notice, what payment counts from) joins it."""
    if main is None:
        return TermRow(label, None, None, [])
    value = _format_value(main.value, kind)
    evidence = list(main.evidence)
    if qualifier is not None:
        value += f"{joiner}{qualifier.value}"
        seen = set(_spans(evidence))
        evidence += [e for e in qualifier.evidence if (e.start, e.end) not in seen]
    return TermRow(label, value, main, evidence)


def _mark_repeated_quotes(rows: list[TermRow]) -> list[TermRow]:
    for previous, row in zip(rows, rows[1:]):
        row.same_quote_as_above = bool(row.evidence) and _spans(row.evidence) == _spans(previous.evidence)
    return rows


def _present(rows: list[TermRow]) -> list[TermRow]:
    return [r for r in rows if r.value is not None]


def term_groups(record: Record) -> list[TermGroup]:
    dates, term, disputes, notices, payment = (
        record.dates, record.term, record.disputes, record.notices, record.payment)
    agreement = [
        _row("Title", record.document.title),
        _row("Agreement date", dates.agreement, "date"),
        _row("Effective date", dates.effective, "date"),
        _row("Expiration date", dates.expiration, "date"),
        _row("Initial term", term.initial, "duration"),
    ]
    if term.perpetual:
        agreement.append(TermRow("Perpetual", "Yes — runs until terminated", None, []))
    agreement += [
        _row("Renewal", term.auto_renewal, "renewal"),
        _row("Renewal term", term.renewal, "duration"),
        _row("Non-renewal notice", term.non_renewal_notice, "notice", qualifier=term.non_renewal_notice_by),
        _row("Notice to exercise the renewal option", term.renewal_option_notice, "notice",
             qualifier=term.renewal_option_notice_by),
        _row("Termination for convenience", term.termination_for_convenience, "notice",
             qualifier=term.termination_for_convenience_by),
    ]
    law = [
        _row("Governing law", record.governing_law),
        _row("Dispute resolution", disputes.mechanisms, "steps"),
        *_present([_row("Escalation", disputes.escalation)]),
        _row("Arbitration rules", disputes.arbitration_rules),
        *_present([_row("Arbitrators", disputes.arbitrators), _row("Language", disputes.language)]),
        _row("Seat / venue", disputes.seat),
        _row("Courts", disputes.courts_exclusive, "exclusive"),
        _row("Jury trial waived", disputes.jury_waiver, "bool"),
        _row("Injunctive relief carve-out", disputes.injunctive_carveout, "bool"),
    ]
    notice_rows = [
        _row("Notice methods", notices.methods, "list"),
        _row("Deemed received", notices.deemed_received),
    ]
    payment_rows = _present([
        _row("Payment terms", payment.terms, "duration", qualifier=payment.terms_after, joiner=" after "),
        _row("Late payment interest", payment.late_interest),
        _row("Currency", payment.currency),
        *[_row("Amount", amount, "money") for amount in payment.amounts],
        _row("Minimum commitment", payment.minimum_commitment),
        _row("Price change notice", payment.price_change_notice, "notice"),
    ])
    groups = [
        TermGroup("Dates and term", "term", agreement),
        TermGroup("Governing law and disputes", "law", law),
        TermGroup("Notices", "notices", notice_rows),
    ]
    if payment_rows:
        groups.append(TermGroup("Payment", "payment", payment_rows))
    for group in groups:
        _mark_repeated_quotes(group.rows)
    return groups


# --------------------------------------------------------------------------------------------
# Evidence in the contract text


@dataclass
class TextSpan:
    start: int
    end: int
    labels: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"q{self.start}-{self.end}"


@dataclass(frozen=True)
class PageText:
    number: int
    has_text: bool
    html: Markup


_INDEX = re.compile(r"\[\d+\]")
_PATH_LABELS = {
    "document.title": "Title",
    "dates.agreement": "Agreement date",
    "dates.effective": "Effective date",
    "dates.expiration": "Expiration date",
    "term.initial": "Initial term",
    "term.auto_renewal": "Renewal",
    "term.renewal": "Renewal term",
    "term.non_renewal_notice": "Non-renewal notice",
    "term.non_renewal_notice_by": "Non-renewal notice",
    "term.renewal_option_notice": "Renewal option notice",
    "term.renewal_option_notice_by": "Renewal option notice",
    "term.termination_for_convenience": "Termination for convenience",
    "term.termination_for_convenience_by": "Termination for convenience",
    "disputes.mechanisms": "Dispute resolution",
    "disputes.seat": "Seat / venue",
    "disputes.courts_exclusive": "Courts",
    "disputes.jury_waiver": "Jury trial waived",
    "disputes.injunctive_carveout": "Injunctive relief carve-out",
    "notices.methods": "Notice methods",
    "payment.terms": "Payment terms",
    "payment.terms_after": "Payment terms",
    "payment.late_interest": "Late payment interest",
    "governing_law": "Governing law",
    "notices.addresses": "Notice address",
    "payment.amounts": "Payment amount",
    "obligations": "Obligation",
    "kpis": "Service level",
    "deadlines": "Deadline",
    "checks": "Check",
}


_EVIDENCE_SUFFIX = re.compile(r"\.evidence\[\d+\]$")
_LIST_ITEM = re.compile(r"^(clauses|parties)\[(\d+)\]$")


def _label(record: Record, path: str) -> str:
    """What a quote supports, in the words of the report ("Renewal term", "Clause: Audit Rights")."""
    path = _EVIDENCE_SUFFIX.sub("", path)
    item = _LIST_ITEM.match(path)
    if item:
        kind, i = item.group(1), int(item.group(2))
        return f"Clause: {record.clauses[i].category}" if kind == "clauses" else f"Party: {record.parties[i].name}"
    key = _INDEX.sub("", path)
    if key in _PATH_LABELS:
        return _PATH_LABELS[key]
    return key.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def evidence_spans(record: Record, document: Document) -> list[TextSpan]:
    """One span per distinct [start, end) quoted by the record, with what each one supports."""
    spans: dict[tuple[int, int], TextSpan] = {}
    size = len(document.text)
    for path, evidence in iter_evidence(record):
        if not 0 <= evidence.start < evidence.end <= size:
            continue  # not in this text: shown in its table, but without a link
        span = spans.setdefault((evidence.start, evidence.end), TextSpan(evidence.start, evidence.end))
        label = _label(record, path)
        if label not in span.labels:
            span.labels.append(label)
    return list(spans.values())


def _page_ranges(document: Document) -> list[tuple[int, int, int, bool]]:
    """(number, start, end, has_text) tiling the whole text, whatever gaps the pages leave."""
    size = len(document.text)
    if not document.pages:
        return [(1, 0, size, bool(document.text.strip()))]
    ranges = []
    last = len(document.pages) - 1
    for i, page in enumerate(document.pages):
        start = 0 if i == 0 else ranges[-1][2]
        end = size if i == last else min(max(page.end, start), size)
        ranges.append((page.number, start, end, page.has_text))
    return ranges


def render_text(document: Document, spans: list[TextSpan]) -> list[PageText]:
    """The contract text by page, escaped, with every span marked. Linear in text + spans."""
    text = document.text
    by_start = sorted(spans, key=lambda s: (s.start, -s.end))
    by_end = sorted(spans, key=lambda s: s.end)
    next_start = next_end = 0
    active: dict[str, TextSpan] = {}
    pages: list[PageText] = []
    for number, low, high, has_text in _page_ranges(document):
        out: list[str] = []
        pos = low
        while pos < high:
            while next_end < len(by_end) and by_end[next_end].end <= pos:
                active.pop(by_end[next_end].anchor, None)
                next_end += 1
            starting: list[TextSpan] = []
            while next_start < len(by_start) and by_start[next_start].start <= pos:
                span = by_start[next_start]
                next_start += 1
                if span.end > pos:
                    active[span.anchor] = span
                    starting.append(span)
            cut = high
            if next_start < len(by_start):
                cut = min(cut, by_start[next_start].start)
            if next_end < len(by_end):
                cut = min(cut, by_end[next_end].end)
            raw = text[pos:cut]
            if active:
                out.append(_mark(escape(raw), active, starting))
            else:
                # the line break that separates pages would show as a blank first line
                out.append(escape(raw.lstrip("\n") if pos == low else raw))
            pos = cut
        pages.append(PageText(number, has_text, Markup("".join(out))))
    return pages


def _mark(segment: str, active: dict[str, TextSpan], starting: list[TextSpan]) -> str:
    labels: list[str] = []
    for span in active.values():
        labels.extend(label for label in span.labels if label not in labels)
    # A second span starting at the same offset gets an empty anchor just before the mark.
    anchors = "".join(f'<span class="anchor" id="{s.anchor}"></span>' for s in starting[1:])
    ident = f' id="{starting[0].anchor}"' if starting else ""
    kind = "ev ev-overlap" if len(active) > 1 else "ev"
    return (f'{anchors}<mark class="{kind}"{ident} data-ev="{" ".join(active)}" '
            f'title="{escape("; ".join(labels))}">{segment}</mark>')


# --------------------------------------------------------------------------------------------
# Diagnostics


@dataclass(frozen=True)
class DiagnosticView:
    code: str
    title: str | None  # the code's registered title
    severity: str
    message: str
    advice: str | None  # shown when the message does not already say it
    page: int | None
    stage: str | None


def diagnostic_view(diagnostic: Diagnostic) -> DiagnosticView:
    try:
        registered = errors.lookup(diagnostic.code)
    except KeyError:
        title = advice = None
    else:
        title = registered.title
        advice = None if registered.advice.lower() in diagnostic.message.lower() else registered.advice
    message = diagnostic.message
    if title and message.lower().startswith(title.lower() + ": "):
        message = message[len(title) + 2:]  # the title is shown beside it already
    return DiagnosticView(diagnostic.code, title, diagnostic.severity, message, advice,
                          diagnostic.page, diagnostic.stage)


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def diagnostic_views(record: Record) -> list[DiagnosticView]:
    ordered = sorted(record.diagnostics, key=lambda d: _SEVERITY_ORDER.get(d.severity, 3))
    return [diagnostic_view(d) for d in ordered]


# --------------------------------------------------------------------------------------------
# Deadlines


@dataclass(frozen=True)
class DeadlineView:
    date: str
    title: str
    kind: str
    basis: str
    status: str  # past / upcoming / "" when unknown
    days: int | None  # from the as-of date
    evidence: list[Evidence]


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def deadline_views(record: Record, as_of: dt.date | None) -> list[DeadlineView]:
    views = []
    for deadline in sorted(record.deadlines, key=lambda d: d.date):
        day = _parse_date(deadline.date)
        days = (day - as_of).days if day and as_of else None
        status = deadline.status or ("" if days is None else "past" if days < 0 else "upcoming")
        views.append(DeadlineView(deadline.date, deadline.title, deadline.kind.replace("_", " "),
                                  deadline.basis, status, days, deadline.evidence))
    return views


def next_deadline(record: Record, as_of: dt.date) -> DeadlineView | None:
    upcoming = [d for d in deadline_views(record, as_of) if d.status == "upcoming"]
    return upcoming[0] if upcoming else None


# --------------------------------------------------------------------------------------------
# Checks: raised ones first, most severe first


_CHECK_SEVERITY = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass(frozen=True)
class CheckSummary:
    raised: list[Check]
    others: list[Check]  # passed or not found

    def of_kind(self, kind: str) -> list[Check]:
        """The checks of one kind (risk, compliance) as a checklist: raised first, most severe first."""
        return [c for c in self.raised + self.others if c.kind == kind]

    def raised_of_kind(self, kind: str) -> list[Check]:
        return [c for c in self.raised if c.kind == kind]

    @property
    def top_severity(self) -> str | None:
        return self.raised[0].severity if self.raised else None

    @property
    def sort_key(self) -> str:
        """For the dashboard: most severe, then most raised, first."""
        if not self.raised:
            return ""
        return f"{_CHECK_SEVERITY.get(self.raised[0].severity, 9)}{999 - len(self.raised):03d}"


def check_summary(record: Record) -> CheckSummary:
    raised = sorted((c for c in record.checks if c.status == "raised"),
                    key=lambda c: _CHECK_SEVERITY.get(c.severity, 9))
    others = sorted((c for c in record.checks if c.status != "raised"),
                    key=lambda c: _CHECK_SEVERITY.get(c.severity, 9))
    return CheckSummary(raised, others)


# --------------------------------------------------------------------------------------------
# Summary and timeline


@dataclass(frozen=True)
class Summary:
    parties: list[tuple[str, str | None]]  # (name, role or defined term)
    contract_type: str
    effective: str | None
    expiration: str | None
    perpetual: bool
    next_action: ChecklistItem | None  # the first item still ahead (overdue ones are counted apart)
    counts: dict[str, int]  # checklist items by status


def summary_of(record: Record, items: list[ChecklistItem]) -> Summary:
    from extractors.title import contract_type

    parties = [(p.name, p.role or (p.aliases[0] if p.aliases else None)) for p in record.parties]
    actionable = sorted((i for i in items if i.date is not None and not i.hypothetical
                         and i.status in ("due_soon", "upcoming")),
                        key=lambda i: i.date)
    return Summary(
        parties=parties, contract_type=contract_type(record),
        effective=_value(record.dates.effective), expiration=_value(record.dates.expiration),
        perpetual=bool(record.term.perpetual), next_action=actionable[0] if actionable else None,
        counts=status_counts(items))


@dataclass(frozen=True)
class TimelineEntry:
    date: str
    title: str
    kind: str
    status: str  # checklist status
    days: int | None
    anchor: str | None  # the first quote's anchor in the contract text


@dataclass(frozen=True)
class Timeline:
    before: list[TimelineEntry]  # up to the as-of date
    after: list[TimelineEntry]


def timeline_of(record: Record, as_of: dt.date) -> Timeline:
    """The deadlines in date order, split at the as-of date ("today" in the report)."""
    before, after = [], []
    for d in sorted(record.deadlines, key=lambda d: (d.date, d.kind)):
        item = deadline_item(record, d, as_of)
        entry = TimelineEntry(d.date, d.title, d.kind.replace("_", " "), item.status, item.days,
                              anchor_id(d.evidence[0]) if d.evidence else None)
        (before if item.days is not None and item.days < 0 else after).append(entry)
    return Timeline(before, after)


# --------------------------------------------------------------------------------------------
# Rendering


def extracted_title(record: Record) -> str | None:
    title = record.document.title
    return str(title.value) if title is not None and str(title.value).strip() else None


def title_of(record: Record) -> str:
    """The contract's title, or else its path (archives hold many files named contract.pdf)."""
    return extracted_title(record) or record.document.path


def render_contract(record: Record, document: Document | None, *, generated: dt.datetime) -> str:
    """One contract's report. document is None when the file could not be read (record.status failed/needs_ocr)."""
    spans = evidence_spans(record, document) if document is not None else []
    pages = render_text(document, spans) if document is not None else []
    as_of = _parse_date(record.as_of)
    day = as_of or generated.date()
    items = compliance_items(record, day)
    obligations = [o for o in record.obligations]
    template = environment().get_template("contract.html")
    return template.render(
        summary=summary_of(record, items),
        items=items,
        item_labels=CHECKLIST_LABELS,
        timeline=timeline_of(record, day),
        obligation_parties=sorted({o.obligor for o in obligations if o.obligor}, key=str.lower),
        obligation_categories=sorted({o.category for o in obligations}),
        obligation_status={id(o): _obligation_status(o, day) for o in obligations},
        assets=assets(),
        version=__version__,
        generated=generated,
        as_of=as_of,
        record=record,
        title=title_of(record),
        titled=extracted_title(record) is not None,
        status=record.status,
        unreadable=record.status in UNREADABLE,
        diagnostics=diagnostic_views(record),
        groups=term_groups(record),
        deadlines=deadline_views(record, as_of),
        checks=check_summary(record),
        pages=pages,
        has_text=document is not None,
        anchors={span.anchor for span in spans},
        low_confidence=LOW_CONFIDENCE,
    )


def _obligation_status(obligation: Any, as_of: dt.date) -> tuple[str, int | None]:
    from reports.checklist import obligation_item

    item = obligation_item(obligation, as_of)
    return item.status, item.days


@dataclass(frozen=True)
class IndexRow:
    title: str | None  # as extracted; the path stands in for it when None
    path: str
    report_href: str
    record_href: str
    status: Status
    parties: str
    effective: str | None
    expiration: str | None
    governing_law: str | None
    errors: int
    warnings: int
    next_deadline: DeadlineView | None
    checks: CheckSummary
    contract_type: str = ""


@dataclass(frozen=True)
class FailedRow:
    path: str
    report_href: str
    status: Status
    code: str
    title: str | None
    message: str


_MAX_PARTIES = 3


def _parties_text(record: Record) -> str:
    names = [p.name for p in record.parties]
    if len(names) > _MAX_PARTIES:
        return "; ".join(names[:_MAX_PARTIES]) + f"; +{len(names) - _MAX_PARTIES} more"
    return "; ".join(names)


def _value(f: Field | None) -> str | None:
    return None if f is None else str(f.value)


def index_row(entry: IndexEntry, as_of: dt.date) -> IndexRow:
    from extractors.title import contract_type

    record = entry.record
    return IndexRow(
        title=extracted_title(record),
        path=record.document.path,
        report_href=href(entry.report_href),
        record_href=href(entry.record_href),
        status=record.status,
        parties=_parties_text(record),
        effective=_value(record.dates.effective),
        expiration=_value(record.dates.expiration),
        governing_law=_value(record.governing_law),
        errors=sum(d.severity == "error" for d in record.diagnostics),
        warnings=sum(d.severity == "warning" for d in record.diagnostics),
        next_deadline=next_deadline(record, as_of),
        checks=check_summary(record),
        contract_type=contract_type(record),
    )


def failed_row(entry: IndexEntry) -> FailedRow:
    record = entry.record
    first = next((d for d in record.diagnostics if d.severity == "error"),
                 record.diagnostics[0] if record.diagnostics else None)
    view = diagnostic_view(first) if first else None
    return FailedRow(
        path=record.document.path,
        report_href=href(entry.report_href),
        status=record.status,
        code=view.code if view else "",
        title=view.title if view else None,
        message=view.message if view else "no diagnostic was recorded",
    )


_PERCENT_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def href(path: str) -> str:
    """A relative path as a URL: '#', '?', spaces etc. encoded; existing %XX escapes kept."""
    parts = _PERCENT_ESCAPE.split(path.replace("\\", "/"))
    return "".join(p if _PERCENT_ESCAPE.fullmatch(p) else urllib.parse.quote(p, safe="/") for p in parts)


def render_index(entries: list[IndexEntry], *, generated: dt.datetime, as_of: dt.date, skipped: list[str],
                 exports: list[str] | tuple[str, ...] = ()) -> str:
    """The run's dashboard (index.html); `exports` names the calendar and table files written beside it."""
    from reports.portfolio import build_portfolio

    counts = {status: 0 for status in STATUS_LABELS}
    for entry in entries:
        counts[entry.record.status] = counts.get(entry.record.status, 0) + 1
    readable = [e for e in entries if e.record.status not in UNREADABLE]
    portfolio = build_portfolio([(e.record, title_of(e.record), href(e.report_href)) for e in readable], as_of)
    template = environment().get_template("index.html")
    return template.render(
        portfolio=portfolio,
        exports=list(exports),
        item_labels=CHECKLIST_LABELS,
        assets=assets(),
        version=__version__,
        generated=generated,
        as_of=as_of,
        rows=[index_row(e, as_of) for e in entries],
        failed=[failed_row(e) for e in entries if e.record.status in UNREADABLE],
        skipped=skipped,
        counts=counts,
        total=len(entries),
    )


__all__ = ["IndexEntry", "render_contract", "render_index"]
