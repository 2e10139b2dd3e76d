"""Speed and memory of pactwatch against the PDF parser's own floor, in one run.

    python benchmarks/throughput.py [--cuad ../shared/cuad/dev] [--limit N] [--workers 1 2]

For each worker count it measures (a) plain pypdf text extraction of the dev PDFs and (b) the
full pipeline (ingest, NLP, extractors, checks, JSON record and HTML report written), and
prints pages/s, contracts/s, p50 / p95 / max seconds per contract, peak RSS per worker, the time
per stage, and the ratio (b)/(a). It also times the longest dev contract alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pypdf import PdfReader

SHARED = Path(__file__).resolve().parents[2] / "shared"
AS_OF = dt.date(2026, 11, 27)
STAGES = ("ingest", "nlp", "extract", "checks", "render", "write")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_pypdf(path: str) -> tuple[int, float, float]:
    t0 = time.perf_counter()
    reader = PdfReader(path)
    pages = 0
    for page in reader.pages:
        page.extract_text()
        pages += 1
    return pages, time.perf_counter() - t0, peak_rss_mb()


def full_pipeline(job: tuple[str, str]) -> tuple[int, float, float, dict[str, float]]:
    from pipeline.process import process_file
    from reports.html import render_contract

    path, out_dir = job
    t0 = time.perf_counter()
    outcome = process_file(Path(path), path, AS_OF)
    timings = dict(outcome.timings)
    t1 = time.perf_counter()
    html = render_contract(outcome.record, outcome.document, generated=dt.datetime(2026, 11, 27))
    t2 = time.perf_counter()
    name = Path(out_dir) / (Path(path).parent.name + ".json")
    name.write_text(outcome.record.to_json(), encoding="utf-8")
    name.with_suffix(".html").write_text(html, encoding="utf-8")
    t3 = time.perf_counter()
    timings["render"], timings["write"] = t2 - t1, t3 - t2
    return outcome.record.document.pages, t3 - t0, peak_rss_mb(), timings


def warm() -> float:
    """Load everything a worker loads once (spaCy, rule packs, templates, models)."""
    from pipeline.process import process_document  # noqa: F401
    from reports.html import render_contract  # noqa: F401
    from extractors import load_extractors

    load_extractors()
    return peak_rss_mb()


def run(fn, jobs: list, workers: int) -> tuple[float, list]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_warm_job, range(workers)))  # start-up costs are not throughput
        t0 = time.perf_counter()
        results = list(pool.map(fn, jobs, chunksize=1))
        return time.perf_counter() - t0, results


def _warm_job(_: int) -> float:
    return warm()


def report(label: str, wall: float, results: list) -> dict[str, float]:
    pages = sum(r[0] for r in results)
    per = sorted(r[1] for r in results)
    rss = max(r[2] for r in results)
    p95 = per[min(len(per) - 1, int(0.95 * len(per)))]
    print(f"  {label:<22} {pages / wall:8.1f} pages/s {len(results) / wall:7.2f} contracts/s   "
          f"per contract p50 {statistics.median(per):.2f} s  p95 {p95:.2f} s  max {per[-1]:.2f} s   "
          f"peak RSS/worker {rss:.0f} MB")
    return {"pages_per_s": pages / wall}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cuad", default=str(SHARED / "cuad" / "dev"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    pdfs = sorted(str(p) for p in Path(args.cuad).glob("contracts/*/contract.pdf"))
    if not pdfs:
        print(f"no CUAD PDFs under {args.cuad}", file=sys.stderr)
        return 2
    if args.limit:
        pdfs = pdfs[: args.limit]
    print(f"{len(pdfs)} dev PDFs, {os.cpu_count()} CPUs")
    out = Path(tempfile.mkdtemp(prefix="pactwatch-bench-"))
    full_by_workers: dict[int, float] = {}
    for workers in args.workers:
        print(f"\nworkers = {workers}")
        wall_a, plain = run(plain_pypdf, pdfs, workers)
        a = report("(a) plain pypdf", wall_a, [(p, t, m) for p, t, m in plain])
        wall_b, full = run(full_pipeline, [(p, str(out)) for p in pdfs], workers)
        b = report("(b) full pipeline", wall_b, [(p, t, m) for p, t, m, _ in full])
        full_by_workers[workers] = b["pages_per_s"]
        totals = {s: sum(r[3].get(s, 0.0) for r in full) for s in STAGES}
        whole = sum(totals.values()) or 1.0
        print("  time per stage (summed over contracts): " + ", ".join(
            f"{s} {totals[s]:.1f} s ({100 * totals[s] / whole:.0f}%)" for s in STAGES))
        print(f"  ratio (b)/(a) pages/s: {b['pages_per_s'] / a['pages_per_s']:.2f}")
    if 1 in full_by_workers and 2 in full_by_workers:
        print(f"\nscaling, full pipeline 2 workers / 1 worker: {full_by_workers[2] / full_by_workers[1]:.2f}x")
    longest = max(pdfs, key=lambda p: len(PdfReader(p).pages))
    warm()
    pages, seconds, rss, timings = full_pipeline((longest, str(out)))
    print(f"\nlongest dev contract: {pages} pages in {seconds:.2f} s (" +
          ", ".join(f"{k} {v:.2f}" for k, v in timings.items()) + f"), peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
