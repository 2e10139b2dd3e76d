"""`pactwatch list`, `show` and `due`: reading the register from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from pipeline.store import Register, default_db

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2
# Deadline kinds an amendment's own deadline of the same kind replaces in the amended contract.
SUPERSEDED_KINDS = {"initial_term_end", "non_renewal_notice", "renewal", "expiration", "option_window"}


def _db_path(args: argparse.Namespace) -> Path:
    if args.db:
        return args.db
    if args.out:
        return args.out / "pactwatch.db"
    return default_db(None)


def _open(args: argparse.Namespace) -> Register | None:
    path = _db_path(args)
    if not path.is_file():
        print(f"pactwatch: error: no register at {path}; run `pactwatch run PATH --out DIR` first, "
              "then pass --out DIR or --db FILE", file=sys.stderr)
        return None
    return Register(path)


def main(args: argparse.Namespace) -> int:
    register = _open(args)
    if register is None:
        return EXIT_USAGE
    with register:
        if args.command == "list":
            return _list(register, args)
        if args.command == "show":
            return _show(register, args)
        return _due(register, args)


def _clip(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _list(register: Register, args: argparse.Namespace) -> int:
    rows = [r for r in register.contracts() if not args.status or r.status == args.status]
    if args.json:
        print(json.dumps([{
            "sha256": r.sha256, "title": r.title, "status": r.status, "code": r.code, "parties": r.parties,
            "effective": r.effective, "expiration": r.expiration, "governing_law": r.governing_law,
            "files": r.names, "as_of": r.as_of, "processed_at": r.processed_at,
        } for r in rows], indent=2))
        return EXIT_OK
    if not rows:
        print("The register holds no contracts yet.")
        return EXIT_OK
    print(f"{'status':9}  {'sha256':12}  {'title':40}  {'parties':40}  {'effective':10}  {'expires':10}  file")
    for r in rows:
        status = r.status if not r.code else f"{r.status}"
        names = r.names[0] + (f" (+{len(r.names) - 1})" if len(r.names) > 1 else "") if r.names else ""
        print(f"{status:9}  {r.sha256[:12]}  {_clip(r.title, 40):40}  {_clip(r.parties, 40):40}  "
              f"{r.effective or '—':10}  {r.expiration or '—':10}  {names}")
    print(f"\n{len(rows)} contract(s)")
    return EXIT_OK


def _field_text(field) -> str | None:  # noqa: ANN001
    return None if field is None else str(field.value)


def _show(register: Register, args: argparse.Namespace) -> int:
    from reports.html import format_duration

    from pipeline.amendments import term_changes

    hits = register.find(args.contract)
    if not hits:
        print(f"pactwatch: no contract in the register matches {args.contract!r} (try `pactwatch list`)",
              file=sys.stderr)
        return EXIT_FAILURES
    if len(hits) > 1:
        print(f"pactwatch: {len(hits)} contracts match {args.contract!r}; name one by file or sha256 prefix:",
              file=sys.stderr)
        for h in hits[:20]:
            print(f"  {h.sha256[:12]}  {h.title}  ({', '.join(h.names)})", file=sys.stderr)
        return EXIT_FAILURES
    row = hits[0]
    stored = register.stored(row.sha256)
    assert stored is not None
    record = stored.record
    base = register.base_of(row.sha256)
    base_stored = register.stored(base[0]) if base else None
    amended_by = [(sha, register.stored(sha)) for sha in register.amendments_of(row.sha256)]
    if args.json:
        data = json.loads(record.to_json())
        data["register"] = {
            "sha256": row.sha256, "files": row.names,
            "amends": {"sha256": base[0], "title": base_stored.record.document.path if base_stored else None,
                       "basis": base[1], "changes": stored.changes} if base else stored.amends,
            "amended_by": [{"sha256": sha, "files": register.names(sha),
                            "changes": s.changes if s else []} for sha, s in amended_by],
        }
        print(json.dumps(data, indent=2))
        return EXIT_OK

    out = [row.title, "=" * min(len(row.title), 80)]
    out.append(f"files:      {', '.join(row.names)}")
    out.append(f"sha256:     {row.sha256}")
    out.append(f"status:     {row.status}   (deadlines as of {row.as_of}; processed {row.processed_at})")
    if record.parties:
        out.append("parties:    " + "; ".join(
            p.name + (f' ("{p.aliases[0]}")' if p.aliases else "") for p in record.parties))
    dates = [(k, _field_text(getattr(record.dates, k))) for k in ("agreement", "effective", "expiration")]
    if any(v for _, v in dates):
        out.append("dates:      " + "; ".join(f"{k} {v}" for k, v in dates if v))
    term = record.term
    terms = []
    if term.initial:
        terms.append(f"initial {format_duration(term.initial.value)}")
    if term.auto_renewal:
        terms.append(f"renewal {term.auto_renewal.value}" + (f" {format_duration(term.renewal.value)}" if term.renewal else ""))
    if term.non_renewal_notice:
        terms.append(f"non-renewal notice {format_duration(term.non_renewal_notice.value)}")
    if term.renewal_option_notice:
        terms.append(f"option exercised by notice {format_duration(term.renewal_option_notice.value)} before the end")
    if term.termination_for_convenience:
        terms.append(f"termination for convenience on {format_duration(term.termination_for_convenience.value)}")
    if terms:
        out.append("term:       " + "; ".join(terms))
    if record.governing_law:
        out.append(f"law:        {record.governing_law.value}")
    if record.deadlines:
        out.append("deadlines:")
        for d in sorted(record.deadlines, key=lambda d: d.date):
            out.append(f"  {d.date}  {d.title}  [{d.status or ''}]  ({d.basis})")
    raised = [c for c in record.checks if c.status == "raised"]
    if record.obligations:
        out.append(f"obligations: {len(record.obligations)}")
    if raised:
        out.append("checks raised:")
        for c in raised:
            out.append(f"  [{c.severity}] {c.title}: {c.message}")
    if record.diagnostics:
        out.append("diagnostics:")
        for d in record.diagnostics:
            out.append(f"  {d.code} {d.severity}: {d.message}")
    if base and base_stored:
        out.append(f"amends:     {base_stored.record.document.path} ({base[1]})")
        for change in term_changes(base_stored.record, record):
            out.append(f"  {change.label}: {change.before or '—'} -> {change.after}")
        for c in stored.changes:
            out.append(f"  {c.get('section') or 'change'}: “{_clip(c['quote']['text'], 160)}” (p. {c['quote']['page']})")
    elif stored.amends:
        ref = stored.amends
        out.append(f"amends:     {ref['base_title']} {('dated ' + ref['base_date']) if ref.get('base_date') else ''}"
                   " (not in the register)")
    for sha, amendment in amended_by:
        if amendment is None:
            continue
        out.append(f"amended by: {', '.join(register.names(sha))}")
        for change in term_changes(record, amendment.record):
            out.append(f"  {change.label}: {change.before or '—'} -> {change.after}")
        for c in amendment.changes:
            out.append(f"  {c.get('section') or 'change'}: “{_clip(c['quote']['text'], 160)}” (p. {c['quote']['page']})")
    print("\n".join(out))
    return EXIT_OK


def _due(register: Register, args: argparse.Namespace) -> int:
    as_of = args.as_of or dt.date.today()
    end = as_of + args.within
    rows = register.due(as_of, end)
    superseded: dict[tuple[str, str], str] = {}
    for row in {r.sha256 for r in rows}:
        for amendment_sha in register.amendments_of(row):
            amendment = register.stored(amendment_sha)
            if amendment is None:
                continue
            for d in amendment.record.deadlines:
                if d.kind in SUPERSEDED_KINDS:
                    superseded[(row, d.kind)] = ", ".join(register.names(amendment_sha)) or amendment_sha[:12]
    items = []
    for r in rows:
        by = superseded.get((r.sha256, r.kind))
        if by and not args.all:
            continue
        items.append({
            "date": r.date, "days": (dt.date.fromisoformat(r.date) - as_of).days, "kind": r.kind, "title": r.title,
            "basis": r.basis, "contract": r.contract, "sha256": r.sha256, "files": r.names,
            "quote": r.quote, "page": r.page, **({"superseded_by": by} if by else {}),
        })
    if args.json:
        print(json.dumps({"as_of": as_of.isoformat(), "until": end.isoformat(), "deadlines": items}, indent=2))
        return EXIT_OK
    if not items:
        print(f"No deadlines between {as_of} and {end}.")
        return EXIT_OK
    print(f"Deadlines from {as_of} to {end}:")
    print(f"{'date':10}  {'in':>5}  {'what':44}  {'contract':36}  file")
    for i in items:
        note = f"  (superseded by {i['superseded_by']})" if "superseded_by" in i else ""
        print(f"{i['date']:10}  {str(i['days']) + 'd':>5}  {_clip(i['title'], 44):44}  {_clip(i['contract'], 36):36}  "
              f"{i['files'][0] if i['files'] else ''}{note}")
    print(f"\n{len(items)} deadline(s)")
    return EXIT_OK
