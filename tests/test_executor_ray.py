"""`pactwatch run --executor ray`: the same per-file stage on a Ray cluster (here a local Ray
instance) gives the same records as the local worker pool, the driver still writes the outputs
and the register, and a file that runs too long costs only itself. Without Ray installed the
user is told how to get it."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.batch import RunOptions, run_batch
from pipeline.executors import ExecutorError, RayExecutor
from pipeline.worker import Job, WorkOutput, process_job

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
AS_OF = dt.date(2026, 11, 27)
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is an optional extra: pip install 'pactwatch[ray]' to run this test")


def sleep_on_slow(job: Job) -> WorkOutput:
    """A per-file stage that hangs on files named slow* (imported by name in the Ray workers)."""
    if job.display_path.startswith("slow"):
        time.sleep(120)
    return process_job(job)


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[None]:
    """One local Ray instance for the module: executors find it running and leave it running."""
    owner = RayExecutor(2)
    owner.start()
    yield
    owner.close()


def records(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*.json"))}


@pytest.fixture(scope="module")
def local_and_ray(tmp_path_factory: pytest.TempPathFactory, ray_instance: None) -> tuple[Path, Path]:
    if not any(SAMPLES.glob("*.pdf")):
        pytest.skip("no sample contracts")
    local = tmp_path_factory.mktemp("local")
    on_ray = tmp_path_factory.mktemp("ray")
    run_batch([SAMPLES], local, AS_OF, echo=lambda _: None, options=RunOptions(workers=2, progress=False))
    summary = run_batch([SAMPLES], on_ray, AS_OF, echo=lambda _: None,
                        options=RunOptions(workers=2, progress=False, executor="ray"))
    assert summary.counts and not summary.fatal
    return local, on_ray


@needs_ray
def test_ray_gives_the_same_records_as_local_workers(local_and_ray: tuple[Path, Path]) -> None:
    local, on_ray = local_and_ray
    expected = records(local)
    assert len(expected) >= 5
    assert records(on_ray) == expected  # byte for byte: values, evidence offsets, diagnostics


@needs_ray
def test_the_driver_writes_reports_and_the_register_for_ray_results(local_and_ray: tuple[Path, Path]) -> None:
    _, on_ray = local_and_ray
    names = set(records(on_ray))
    assert all((on_ray / name.replace(".json", ".html")).is_file() for name in names)
    assert (on_ray / "index.html").is_file()
    db = sqlite3.connect(on_ray / "pactwatch.db")
    stored = db.execute("SELECT count(*) FROM records").fetchone()[0]
    db.close()
    assert stored == len(names)


@needs_ray
def test_a_file_the_driver_cannot_read_gets_the_record_a_local_worker_gives(tmp_path: Path,
                                                                            ray_instance: None) -> None:
    gone = Job(tmp_path / "gone.pdf", "gone.pdf", AS_OF)
    with RayExecutor(1) as executor:
        result = next(executor.imap_unordered([gone]))
    assert result.outcome.record.to_json() == process_job(gone).outcome.record.to_json()
    assert result.outcome.record.diagnostics[0].code == "PW-E111"


@needs_ray
def test_a_file_that_runs_too_long_on_ray_times_out_alone(tmp_path: Path, ray_instance: None) -> None:
    slow, quick = tmp_path / "slow.txt", tmp_path / "quick.txt"
    slow.write_text("CONSULTING AGREEMENT\n\nConsultant shall deliver monthly reports.\n")
    quick.write_text("CONSULTING AGREEMENT\n\nConsultant shall deliver weekly reports.\n")
    jobs = [Job(slow, "slow.txt", AS_OF), Job(quick, "quick.txt", AS_OF)]
    with RayExecutor(2, timeout=6, target="test_executor_ray:sleep_on_slow") as executor:
        results = {r.job.display_path: r for r in executor.imap_unordered(jobs)}
    assert results["slow.txt"].failure is not None and results["slow.txt"].failure.code == "PW-E114"
    assert results["slow.txt"].outcome.record.status.value == "failed"
    assert results["quick.txt"].failure is None
    assert json.loads(results["quick.txt"].outcome.record.to_json())["status"] == "ok"


def test_without_ray_installed_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ExecutorError, match=r"pip install 'pactwatch\[ray\]'"):
        RayExecutor(1).start()
