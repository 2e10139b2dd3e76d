"""Where the time after ingest goes: milliseconds per page for the NLP stage, every extractor,
the evidence check and the checks, over the CUAD dev PDFs.

    python benchmarks/extractor_times.py [--cuad ../shared/cuad/dev] [--cache out/cuad-dev/.cache]
                                         [--repeat 3] [--limit N] [--only ID ...]

Ingest is taken from the same pickle cache as `cuad_eval.py` (so the PDF parser is not measured
here; `throughput.py` measures it). Each document is processed `--repeat` times and the fastest
CPU time per stage is kept: CPU time, and the best of several, keep the other jobs of a busy
machine from inflating a stage. The figures are the
ones to watch when making an extractor faster; `cuad_eval.py` must print the same fields after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from cuad_eval import SHARED, cached_document  # noqa: E402

from extractors import load_extractors  # noqa: E402
from extractors.base import Context  # noqa: E402
from pipeline import __version__  # noqa: E402
from pipeline.checks import load_playbooks, run_checks  # noqa: E402
from pipeline.evidence import evidence_problems  # noqa: E402
from pipeline.nlp import analyse  # noqa: E402
from pipeline.record import DocumentInfo, Record, Status  # noqa: E402

AS_OF = dt.date(2026, 11, 27)
FAILED: dict[str, str] = {}  # extractor -> its first error (its figure is then meaningless)


def stage_times(document) -> dict[str, float]:  # noqa: ANN001 - pipeline.document.Document
    """One pass of everything `process_document` does, timed per stage."""
    times: dict[str, float] = {}
    record = Record(
        pactwatch_version=__version__, status=Status.OK, as_of=AS_OF.isoformat(),
        document=DocumentInfo(path=document.path, sha256=document.sha256, format=document.format,
                              pages=document.page_count, size_bytes=document.size_bytes,
                              characters=len(document.text)),
    )
    t0 = time.process_time()
    analysis = analyse(document)
    times["nlp"] = time.process_time() - t0
    context = Context(document=document, analysis=analysis, record=record)
    for extractor in load_extractors():
        t0 = time.process_time()
        try:
            extractor.extract(context)
        except Exception as exc:  # noqa: BLE001 - as in process_document: the others still run
            FAILED.setdefault(extractor.name, f"{type(exc).__name__}: {exc}")
        times[f"extract:{extractor.name}"] = time.process_time() - t0
    t0 = time.process_time()
    evidence_problems(record, document)
    times["verify"] = time.process_time() - t0
    t0 = time.process_time()
    record.checks = run_checks(record, load_playbooks(()), AS_OF)
    times["checks"] = time.process_time() - t0
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cuad", type=Path, default=SHARED / "cuad" / "dev")
    ap.add_argument("--cache", type=Path, default=Path("out/cuad-dev/.cache"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()

    ids = sorted(p.name for p in (args.cuad / "contracts").iterdir() if (p / "contract.pdf").is_file())
    if args.only:
        ids = [i for i in ids if i in set(args.only)]
    ids = ids[: args.limit] if args.limit else ids
    documents = []
    for cid in ids:
        try:
            documents.append(cached_document(args.cuad / "contracts" / cid / "contract.pdf", args.cache))
        except Exception as exc:  # noqa: BLE001 - a PDF we cannot read is not an extractor's cost
            print(f"skipped {cid}: {exc}", file=sys.stderr)
    pages = sum(d.page_count for d in documents)
    load_playbooks(())
    stage_times(documents[0])  # import and compile everything once: start-up is not per page

    totals: dict[str, float] = defaultdict(float)
    for document in documents:
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            for stage, seconds in stage_times(document).items():
                best[stage] = min(best.get(stage, seconds), seconds)
        for stage, seconds in best.items():
            totals[stage] += seconds

    print(f"{len(documents)} documents, {pages} pages, best of {args.repeat} per document")
    print(f"{'stage':<24}{'ms/page':>9}{'share':>8}")
    whole = sum(totals.values())
    for stage, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{stage:<24}{1000 * seconds / pages:9.3f}{seconds / whole:8.1%}")
    print(f"{'total after ingest':<24}{1000 * whole / pages:9.3f}")
    for name, error in FAILED.items():
        print(f"extractor {name} FAILED ({error}); its figure does not count")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
