"""Run pactwatch on the CUAD dev PDFs and print the scorer's tables.

    python benchmarks/cuad_eval.py [--out out/cuad-dev] [--only ID ...] [--limit N] [--no-cache]
                                   [--show-misses N] [--as-of 2026-11-27]

Ingested documents are cached (pickled, keyed by the PDF's sha256 and the ingest code's hash)
under OUT/.cache, so that iterating on extractors costs only extraction. Records are written as
OUT/<id>.json and scored with ../shared/eval/score_cuad.py.

The clause table it prints is in-sample: the shipped clause model was trained on these very
contracts, so that table says nothing about new ones. The clause map's valid figures are the
cross-validated ones of `benchmarks/train_clauses.py` (it prints the same scorer's tables for
records whose clause maps come from held-out folds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path

from pipeline.ingest import ingest_file
from pipeline.errors import IngestError
from pipeline.evidence import evidence_problems, iter_evidence
from pipeline.process import process_document

SHARED = Path(__file__).resolve().parents[2] / "shared"
INGEST_CODE = Path(__file__).resolve().parents[1] / "pipeline" / "ingest"


def ingest_version() -> str:
    h = hashlib.sha256()
    for p in sorted(INGEST_CODE.glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def cached_document(pdf: Path, cache: Path | None):
    if cache is None:
        return ingest_file(pdf)
    key = hashlib.sha256(pdf.read_bytes()).hexdigest()[:16] + "-" + ingest_version()
    path = cache / f"{key}.pickle"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    doc = ingest_file(pdf)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(doc))
    return doc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cuad", default=str(SHARED / "cuad" / "dev"))
    ap.add_argument("--out", default="out/cuad-dev")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--show-misses", type=int, default=0)
    ap.add_argument("--as-of", default="2026-11-27")
    ap.add_argument("--no-score", action="store_true")
    args = ap.parse_args()
    root, out = Path(args.cuad), Path(args.out)
    if not (root / "labels.jsonl").is_file():
        print(f"no CUAD data at {root}", file=sys.stderr)
        return 2
    ids = sorted(p.name for p in (root / "contracts").iterdir() if p.is_dir())
    if args.only:
        ids = [i for i in ids if i in set(args.only)]
    if args.limit:
        ids = ids[: args.limit]
    out.mkdir(parents=True, exist_ok=True)
    cache = None if args.no_cache else out / ".cache"
    as_of = dt.date.fromisoformat(args.as_of)
    t0 = time.perf_counter()
    failed = evidence_items = 0
    mismatches: list[str] = []
    for cid in ids:
        try:
            doc = cached_document(root / "contracts" / cid / "contract.pdf", cache)
        except IngestError as exc:
            print(f"{cid}: {exc}", file=sys.stderr)
            failed += 1
            continue
        record = process_document(doc, as_of)
        evidence_items += sum(1 for _ in iter_evidence(record))
        mismatches += [f"{cid}: {p}" for p in evidence_problems(record, doc)]
        (out / f"{cid}.json").write_text(record.to_json(), encoding="utf-8")
    print(f"{len(ids)} contracts in {time.perf_counter() - t0:.1f} s, {failed} unreadable", file=sys.stderr)
    print(f"evidence: {evidence_items} quotes checked against the document text and page, "
          f"{len(mismatches)} mismatches", file=sys.stderr)
    for problem in mismatches[:20]:
        print(f"  {problem}", file=sys.stderr)
    if args.no_score:
        return 0
    cmd = [sys.executable, str(SHARED / "eval" / "score_cuad.py"), str(out), str(root / "labels.jsonl")]
    if args.only:
        cmd += ["--only", *args.only]
    if args.show_misses:
        cmd += ["--show-misses", str(args.show_misses)]
    code = subprocess.call(cmd)
    print("\nThe clause table and the span metric above are IN-SAMPLE (the clause model was trained on these "
          "contracts);\nfor held-out figures run: python benchmarks/train_clauses.py --no-export", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
