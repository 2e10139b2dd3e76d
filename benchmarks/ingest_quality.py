"""Ingestion quality on real filings: the share of CUAD's labelled spans found in our text.

    python benchmarks/ingest_quality.py [--cuad ../shared/cuad/dev] [--limit N] [--misses N]

For each dev contract, the PDF is ingested and every labelled span (pieces split at <omitted>)
is looked for in the cleaned document text, both sides case-folded, whitespace runs folded to
one space, curly quotes and apostrophes to straight ones, and dashes to '-'. It also prints the
same figure for plain pypdf page text joined with spaces, the baseline, and checks that every
page range tiles the text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from pipeline.ingest.pdf import read_pdf

_WS = re.compile(r"\s+")
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'",
                       "–": "-", "—": "-", "‒": "-", "―": "-", "‐": "-", "‑": "-", "\u00ad": ""})


def fold(s: str) -> str:
    return _WS.sub(" ", s.translate(_FOLD).casefold()).strip()


def spans(row: dict) -> list[str]:
    out = []
    for cat, labelled in row["labels"].items():
        for span in labelled:
            for piece in span.split("<omitted>"):
                piece = fold(piece)
                if piece:
                    out.append((cat, piece))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cuad", default=str(Path(__file__).resolve().parents[2] / "shared" / "cuad" / "dev"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--misses", type=int, default=0, help="print this many missed spans")
    args = ap.parse_args()
    root = Path(args.cuad)
    if not (root / "labels.jsonl").is_file():
        print(f"no CUAD data at {root}", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in (root / "labels.jsonl").open(encoding="utf-8")]
    if args.limit:
        rows = rows[: args.limit]
    found = found_plain = total = 0
    misses = []
    t_ours = t_plain = 0.0
    for row in rows:
        pdf = root / "contracts" / row["id"] / "contract.pdf"
        data = pdf.read_bytes()
        t0 = time.perf_counter()
        plain = " ".join((p.extract_text() or "") for p in PdfReader(pdf).pages)
        t1 = time.perf_counter()
        doc = read_pdf(str(pdf), data, hashlib.sha256(data).hexdigest())
        t2 = time.perf_counter()
        t_plain += t1 - t0
        t_ours += t2 - t1
        assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
        assert all(a.end == b.start for a, b in zip(doc.pages, doc.pages[1:])), row["id"]
        ours, base = fold(doc.text), fold(plain)
        for cat, piece in spans(row):
            total += 1
            found_plain += piece in base
            if piece in ours:
                found += 1
            else:
                misses.append((row["id"], cat, piece))
    print(f"contracts: {len(rows)}  labelled span pieces: {total}")
    print(f"plain pypdf pages joined: {found_plain / total:.4f}  ({t_plain:.1f} s)")
    print(f"pactwatch cleaned text:   {found / total:.4f}  ({t_ours:.1f} s)")
    for cid, cat, piece in misses[: args.misses]:
        print(f"- {cid[:40]} [{cat}] {piece[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
