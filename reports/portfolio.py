"""The portfolio view of a run for the dashboard: what falls due across all contracts, what is
overdue, which risks each contract raises, and how the contracts divide by type and party.

Everything here is computed from the records and the checklist items (reports/checklist.py), so
the dashboard, the per-contract reports and the exported tables agree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from extractors.title import contract_type
from pipeline.record import Check, Record
from reports.checklist import ChecklistItem, compliance_items
from rules import load_pack

WINDOWS = (30, 60, 90)
OVERDUE_LOOKBACK_DAYS = 365  # older overdue items are counted, and listed in each contract's report
TOP_PARTIES = 25


@dataclass(frozen=True)
class PortfolioItem:
    item: ChecklistItem
    contract: str
    report_href: str

    @property
    def window(self) -> int | None:
        """The smallest of 30 / 60 / 90 days that the item falls within."""
        days = self.item.days
        if days is None or days < 0:
            return None
        return next((w for w in WINDOWS if days <= w), None)


@dataclass(frozen=True)
class RiskColumn:
    id: str
    title: str
    severity: str

    @property
    def label(self) -> str:
        """A short header: the check's id in words ("renewal-window" -> "Renewal window")."""
        words = self.id.replace("-", " ").replace("_", " ")
        return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class RiskCell:
    raised: bool
    severity: str
    message: str
    anchor: str  # the check's row in the report


@dataclass(frozen=True)
class RiskRow:
    title: str
    report_href: str
    path: str  # the file: several contracts often share a title
    cells: list[RiskCell | None]  # None: the check did not run on this contract
    raised: int


@dataclass
class Portfolio:
    upcoming: list[PortfolioItem]
    window_counts: dict[int, int]
    overdue: list[PortfolioItem]
    older_overdue: int
    risk_columns: list[RiskColumn]
    risk_rows: list[RiskRow]
    risk_totals: list[int]
    by_type: list[tuple[str, int]]
    by_party: list[tuple[str, int]]
    more_parties: int


_SUFFIX = re.compile(r"[\s,.]+(?:inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc|lp|llp|"
                     r"gmbh|ag|s\.a|sa|n\.v|b\.v)\.?$", re.IGNORECASE)


def party_key(name: str) -> str:
    """'Acme, Inc.' and 'ACME INC' count as one party."""
    core = _SUFFIX.sub("", name.strip())
    return " ".join(re.findall(r"[a-z0-9&]+", core.lower()))


def check_anchor(check: Check) -> str:
    return f"check-{check.id}"


def build_portfolio(entries: list[tuple[Record, str, str]], as_of: dt.date) -> Portfolio:
    """entries: (record, contract title, report link) for every readable contract of the run."""
    upcoming: list[PortfolioItem] = []
    overdue: list[PortfolioItem] = []
    older = 0
    columns: dict[str, RiskColumn] = {}
    types: Counter[str] = Counter()
    parties: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for record, title, href in entries:
        types[contract_type(record)] += 1
        for key in {party_key(p.name): p.name for p in record.parties if party_key(p.name)}.items():
            parties[key[0]] += 1
            shown.setdefault(key[0], key[1])
        for item in compliance_items(record, as_of):
            if item.hypothetical:
                continue
            if item.status in ("due_soon", "upcoming") and item.days is not None and item.days <= WINDOWS[-1]:
                upcoming.append(PortfolioItem(item, title, href))
            elif item.status == "overdue":
                if item.days is not None and -item.days <= OVERDUE_LOOKBACK_DAYS:
                    overdue.append(PortfolioItem(item, title, href))
                else:
                    older += 1
        for check in record.checks:
            if check.kind == "risk" and check.id not in columns:
                columns[check.id] = RiskColumn(check.id, check.title, check.severity)
    order = list(columns)
    rows = []
    totals = [0] * len(order)
    for record, title, href in entries:
        by_id = {c.id: c for c in record.checks if c.kind == "risk"}
        cells: list[RiskCell | None] = []
        for i, check_id in enumerate(order):
            check = by_id.get(check_id)
            if check is None:
                cells.append(None)
                continue
            raised = check.status == "raised"
            totals[i] += raised
            cells.append(RiskCell(raised, check.severity, check.message, check_anchor(check)))
        rows.append(RiskRow(title, href, record.document.path, cells, sum(1 for c in cells if c and c.raised)))
    upcoming.sort(key=lambda p: (p.item.date, p.contract))
    overdue.sort(key=lambda p: (p.item.date, p.contract), reverse=True)
    counts = {w: sum(1 for p in upcoming if p.item.days is not None and p.item.days <= w) for w in WINDOWS}
    ranked_parties = sorted(parties.items(), key=lambda kv: (-kv[1], shown[kv[0]].lower()))
    return Portfolio(
        upcoming=upcoming, window_counts=counts, overdue=overdue, older_overdue=older,
        risk_columns=[columns[c] for c in order], risk_rows=rows, risk_totals=totals,
        by_type=sorted(types.items(), key=lambda kv: (-kv[1], kv[0])),
        by_party=[(shown[k], n) for k, n in ranked_parties[:TOP_PARTIES]],
        more_parties=max(0, len(ranked_parties) - TOP_PARTIES),
    )


__all__ = ["Portfolio", "PortfolioItem", "RiskColumn", "RiskCell", "RiskRow", "build_portfolio",
           "party_key", "check_anchor", "WINDOWS"]
