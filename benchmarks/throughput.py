"""Speed and memory of pactwatch against the PDF parser's own floor, measured in one run.

    python benchmarks/throughput.py [--cuad ../shared/cuad/dev] [--limit N] [--workers 1 2]
                                    [--executor local|ray] [--pdf-backend pypdf|pdfium]

For each worker count it measures:
(a) plain pypdf text extraction of the dev PDFs (`PdfReader(path)`, `page.extract_text()` for
    every page, nothing else) in fresh processes that have loaded only pypdf, and
(b) the full pipeline as `pactwatch run` does it (`pipeline.batch.run_batch`, reading nothing
    from an earlier run): hashing, ingest, NLP, extractors, checks and amendment reading in the
    workers; the register (SQLite), the JSON record, the HTML report and the dashboard written
    by the driver.
It prints pages/s, contracts/s, p50 / p95 / max seconds per contract, peak RSS per worker, the
time per stage, and the ratio (b)/(a); then 2 workers against 1, and the longest dev contract
processed alone. The machine's load average is printed next to every measurement: other jobs on
a shared machine slow both (a) and (b), so compare figures taken in the same run only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the workers import this file as `throughput`
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[2] / "shared"
AS_OF = dt.date(2026, 11, 27)
WORKER_STAGES = ("ingest", "nlp", "extract", "checks", "amend")
DRIVER_STAGES = ("hash", "store", "render", "write")
STAGE_NAMES = {"ingest": "ingest", "nlp": "NLP", "extract": "extractors", "checks": "checks",
               "amend": "amendments", "hash": "hash", "store": "store", "render": "render", "write": "write"}
# Targets from the issue, checked at the end.
MIN_RATIO, MIN_SCALING, MAX_RSS_MB, MAX_LONGEST_S = 0.6, 1.7, 400.0, 5.0


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over an
    exec, so a process spawned by a large parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# ----------------------------------------------------------------------------- worker targets


def plain_pypdf(path: str) -> dict:
    """(a): what reading the PDF costs with nothing of pactwatch on top (in a process that has
    loaded nothing else)."""
    from pypdf import PdfReader

    t0, c0 = time.perf_counter(), time.process_time()
    reader = PdfReader(path)
    pages = 0
    for page in reader.pages:
        page.extract_text()
        pages += 1
    return {"pages": pages, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "rss": peak_rss_mb(), "pid": os.getpid()}


def measured_job(job):  # noqa: ANN001, ANN201 - pipeline.worker.Job -> WorkOutput
    """(b): pactwatch's own per-file stage, with its stage times and the worker's peak RSS."""
    from pipeline.worker import process_job

    t0, c0 = time.perf_counter(), time.process_time()
    output = process_job(job)
    timings = output.outcome.timings
    timings["amend"] = max(0.0, time.perf_counter() - t0 - sum(timings.values()))
    timings["worker_seconds"] = time.perf_counter() - t0
    timings["cpu"] = time.process_time() - c0
    timings["rss"] = peak_rss_mb()
    timings["pid"] = os.getpid()
    return output


# ----------------------------------------------------------------------------- measuring


@dataclass
class Measurement:
    label: str
    wall: float
    pages: int
    per_contract: list[float]
    rss_by_worker: dict[int, float]
    stages: dict[str, float] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""
    outputs: str = ""  # bytes written per contract, by kind
    cpu: float = 0.0  # CPU seconds spent on it, in the workers and (for b) the driver

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall

    @property
    def pages_per_cpu_s(self) -> float:
        return self.pages / self.cpu if self.cpu else float("nan")

    def line(self) -> str:
        per = sorted(self.per_contract)
        p95 = per[min(len(per) - 1, round(0.95 * (len(per) - 1)))]
        rss = max(self.rss_by_worker.values()) if self.rss_by_worker else float("nan")
        return (f"  {self.label:<20} {self.pages_per_s:7.1f} pages/s {len(per) / self.wall:6.2f} contracts/s  "
                f"per contract p50 {statistics.median(per):.3f} s p95 {p95:.3f} s max {per[-1]:.3f} s  "
                f"peak RSS/worker {rss:.0f} MB  ({self.wall:.1f} s wall, {1000 * self.cpu / self.pages:.2f} CPU ms/page; "
                f"{self.load_before} -> {self.load_after})")


def _load_pypdf() -> None:
    import pypdf  # noqa: F401


def _started(_: int) -> int:
    time.sleep(0.2)  # long enough that every worker process gets one
    return os.getpid()


def plain(pdfs: list[Path], workers: int) -> Measurement:
    """(a) in fresh processes that import pypdf and nothing else: the honest floor."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_load_pypdf) as pool:
        list(pool.map(_started, range(2 * workers)))  # start-up is not throughput
        before = load()
        t0 = time.perf_counter()
        results = list(pool.map(plain_pypdf, [str(p) for p in pdfs], chunksize=1))
        wall = time.perf_counter() - t0
    rss: dict[int, float] = {}
    for r in results:
        rss[r["pid"]] = max(rss.get(r["pid"], 0.0), r["rss"])
    return Measurement("(a) plain pypdf", wall, sum(r["pages"] for r in results),
                       [r["seconds"] for r in results], rss, load_before=before, load_after=load(),
                       cpu=sum(r["cpu"] for r in results))


class DriverClock:
    """Times the driver's side of a run (hashing, register, report, files) by wrapping the same
    functions `pactwatch run` calls; nothing else changes."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = defaultdict(float)
        self.per_file: dict[tuple[str, str], float] = defaultdict(float)  # (stage, file) -> seconds
        self._saved: list[tuple[object, str, object]] = []

    def _wrap(self, owner: object, name: str, stage: str, key=None) -> None:  # noqa: ANN001
        original = getattr(owner, name)
        clock = self

        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.perf_counter() - t0
                clock.stages[stage] += spent
                if key is not None:
                    clock.per_file[stage, key(args, kwargs)] += spent

        self._saved.append((owner, name, original))
        setattr(owner, name, timed)

    @contextmanager
    def installed(self):  # noqa: ANN201
        import pipeline.batch as batch
        import pipeline.publish as publish

        self._wrap(batch, "snapshot", "hash", key=lambda a, k: str(a[0].resolve()))
        self._wrap(publish.Publisher, "store", "store", key=lambda a, k: k["name"])
        self._wrap(publish.Publisher, "render", "render")
        self._wrap(publish, "write_atomic", "write")
        self._wrap(publish.Publisher, "publish", "_publish", key=lambda a, k: k["relative"])
        try:
            yield self
        finally:
            for owner, name, original in reversed(self._saved):
                setattr(owner, name, original)
            self._saved.clear()


def full(pdfs: list[Path], workers: int, out: Path, executor: str) -> Measurement:
    import pipeline.batch as batch
    from pipeline.batch import RunOptions, run_batch

    shutil.rmtree(out, ignore_errors=True)
    worker_results = []
    original_handle = batch._Run._handle

    def handle(self, result):  # noqa: ANN001, ANN202 - keep each worker result for its timings
        worker_results.append(result)
        return original_handle(self, result)

    batch._Run._handle = handle
    clock = DriverClock()
    try:
        with clock.installed():
            options = RunOptions(workers=workers, reuse=False, progress=False, target="throughput:measured_job",
                                 db=out / "pactwatch.db", timeout=600, executor=executor)
            before = load()
            t0, driver_cpu = time.perf_counter(), time.process_time()
            summary = run_batch(pdfs, out, AS_OF, echo=lambda _: None, options=options)
            wall, driver_cpu = time.perf_counter() - t0, time.process_time() - driver_cpu
    finally:
        batch._Run._handle = original_handle
    if summary.failures or summary.fatal:
        raise SystemExit(f"the run failed: {summary.failures[:3]} {summary.fatal}")
    stages: dict[str, float] = defaultdict(float)
    rss: dict[int, float] = {}
    per_contract = []
    pages = 0
    by_name = {}
    for result in worker_results:
        timings = result.outcome.timings
        for stage in WORKER_STAGES:
            stages[stage] += timings.get(stage, 0.0)
        pid = int(timings["pid"])
        rss[pid] = max(rss.get(pid, 0.0), timings["rss"])
        pages += result.outcome.record.document.pages
        by_name[result.job.display_path] = result
    for stage in ("hash", "store", "render"):
        stages[stage] = clock.stages.get(stage, 0.0)
    # publishing = record serialised + files written + placement noted + report rendered
    stages["write"] = max(0.0, clock.stages.get("_publish", 0.0) - stages["render"])
    root = Path(os.path.commonpath([p.resolve().parent for p in pdfs])) if len(pdfs) > 1 else pdfs[0].resolve().parent
    for name, result in by_name.items():
        # the worker's time as the driver saw it, plus the driver's own work on this file
        per_contract.append(result.seconds + clock.per_file.get(("store", name), 0.0)
                            + clock.per_file.get(("_publish", name), 0.0)
                            + clock.per_file.get(("hash", str(root / name)), 0.0))
    worker_cpu = sum(r.outcome.timings.get("cpu", 0.0) for r in worker_results)
    return Measurement("(b) full pipeline", wall, pages, per_contract, rss, dict(stages), before, load(),
                       outputs=output_sizes(out, len(worker_results)), cpu=worker_cpu + driver_cpu)


def output_sizes(out: Path, contracts: int) -> str:
    """What a run writes per contract: records, reports, register (sizes a large archive's disk)."""
    sizes = {"record JSON": 0, "report HTML": 0, "register": 0}
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        if path.name.startswith("pactwatch.db"):
            sizes["register"] += path.stat().st_size
        elif path.suffix == ".json":
            sizes["record JSON"] += path.stat().st_size
        elif path.suffix == ".html" and path.name != "index.html":
            sizes["report HTML"] += path.stat().st_size
    return ", ".join(f"{kind} {size / max(contracts, 1) / 1024:.0f} KB" for kind, size in sizes.items())


def stage_table(stages: dict[str, float], pages: int) -> str:
    total = sum(stages.values()) or 1.0
    rows = [f"    {STAGE_NAMES[s]:<11} {stages.get(s, 0.0):7.2f} s {100 * stages.get(s, 0.0) / total:5.1f}%  "
            f"{1000 * stages.get(s, 0.0) / max(pages, 1):6.2f} ms/page" for s in WORKER_STAGES + DRIVER_STAGES]
    return "\n".join(rows)


def longest_alone(pdfs: list[Path], out: Path, executor: str) -> tuple[Path, Measurement]:
    from pypdf import PdfReader

    longest = max(pdfs, key=lambda p: len(PdfReader(p).pages))
    measured = full([longest], 1, out, executor)
    return longest, measured


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cuad", default=str(SHARED / "cuad" / "dev"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N PDFs (a quick look; targets need all)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure (a) and (b) this many times, alternating, and keep the best of each")
    ap.add_argument("--executor", default="local", choices=["local", "ray"])
    ap.add_argument("--pdf-backend", default=None, choices=["pypdf", "pdfium"],
                    help="pactwatch's PDF text backend for (b) (default: pactwatch's default, pypdf)")
    args = ap.parse_args()
    if args.pdf_backend:
        os.environ["PACTWATCH_PDF_BACKEND"] = args.pdf_backend
    pdfs = sorted(Path(args.cuad).glob("contracts/*/contract.pdf"))
    if not pdfs:
        print(f"no CUAD PDFs under {args.cuad}", file=sys.stderr)
        return 2
    if args.limit:
        pdfs = pdfs[: args.limit]
    import pypdf

    from pipeline.worker import warm_up

    print(f"{len(pdfs)} dev PDFs, {os.cpu_count()} CPUs, pypdf {pypdf.__version__}, "
          f"PDF backend {os.environ.get('PACTWATCH_PDF_BACKEND', 'pypdf')}, executor {args.executor}, {load()}")
    warm_up()
    cluster = None
    if args.executor == "ray":  # one Ray instance for the whole benchmark: its start-up is not throughput
        from pipeline.executors import RayExecutor

        cluster = RayExecutor(max(args.workers))
        cluster.start()
    scratch = Path(tempfile.mkdtemp(prefix="pactwatch-bench-"))
    full([pdfs[0]], 1, scratch / "warm", args.executor)  # starts the forkserver: start-up is not throughput
    results: dict[int, tuple[Measurement, Measurement]] = {}
    for workers in args.workers:
        print(f"\nworkers = {workers}")
        tries = []
        for _ in range(max(1, args.repeat)):
            tries.append((plain(pdfs, workers), full(pdfs, workers, scratch / f"out-{workers}", args.executor)))
        a = max((t[0] for t in tries), key=lambda m: m.pages_per_s)
        b = max((t[1] for t in tries), key=lambda m: m.pages_per_s)
        if len(tries) > 1:
            print(f"  best of {len(tries)} runs each (pages/s of each run: (a) "
                  + ", ".join(f"{t[0].pages_per_s:.1f}" for t in tries) + "; (b) "
                  + ", ".join(f"{t[1].pages_per_s:.1f}" for t in tries) + ")")
        print(a.line())
        print(b.line())
        print(f"  written per contract: {b.outputs}")
        print("  time per stage (summed over contracts; ingest includes pypdf itself):")
        print(stage_table(b.stages, b.pages))
        print(f"  ratio (b)/(a) pages/s: {b.pages_per_s / a.pages_per_s:.2f}   "
              f"(by CPU time, which other jobs on the machine disturb less: {b.pages_per_cpu_s / a.pages_per_cpu_s:.2f})")
        results[workers] = (a, b)
    longest, alone = longest_alone(pdfs, scratch / "longest", args.executor)
    print(f"\nlongest dev contract alone ({longest.parent.name[:60]}): {alone.pages} pages in "
          f"{alone.per_contract[0]:.2f} s ({alone.wall:.2f} s wall for the whole run of one file), "
          f"peak RSS {max(alone.rss_by_worker.values()):.0f} MB; {alone.load_before} -> {alone.load_after}")
    print(stage_table(alone.stages, alone.pages))

    print("\ntargets (same run):")
    checks = []
    for workers, (a, b) in results.items():
        ratio = b.pages_per_s / a.pages_per_s
        checks.append((f"full pipeline >= {MIN_RATIO}x plain pypdf pages/s, {workers} worker(s)",
                       f"{ratio:.2f}x", ratio >= MIN_RATIO))
        rss = max(b.rss_by_worker.values())
        checks.append((f"peak RSS <= {MAX_RSS_MB:.0f} MB per worker, {workers} worker(s)", f"{rss:.0f} MB",
                       rss <= MAX_RSS_MB))
    if 1 in results and 2 in results:
        scaling = results[2][1].pages_per_s / results[1][1].pages_per_s
        plain_scaling = results[2][0].pages_per_s / results[1][0].pages_per_s
        checks.append((f"2 workers >= {MIN_SCALING}x one worker (full pipeline; plain pypdf: {plain_scaling:.2f}x)",
                       f"{scaling:.2f}x", scaling >= MIN_SCALING))
    seconds = alone.per_contract[0]
    checks.append((f"longest dev contract ({alone.pages} pages) <= {MAX_LONGEST_S:g} s", f"{seconds:.2f} s",
                   seconds <= MAX_LONGEST_S))
    for what, value, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {what}: {value}")
    print(f"\n{load()}")
    shutil.rmtree(scratch, ignore_errors=True)
    if cluster is not None:
        cluster.close()
    return 0 if all(ok for _, _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
