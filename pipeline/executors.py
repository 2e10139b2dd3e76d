"""Where the per-file stage runs: local worker processes (the default) or a Ray cluster.

Both run the same function on each file (`pipeline.worker:process_job`: read, extract, check,
read the amendment reference) and return the same `JobResult`s; the driver (`pipeline.batch`)
then writes the records, the reports and the register, one file at a time, whichever ran them.

- `local`: `pipeline.worker.WorkerPool`, isolated processes on this machine with a memory
  limit (`RLIMIT_AS`) and a per-file timeout.
- `ray`: `RayExecutor`, tasks on a Ray cluster (`ray.init(address=...)`), or on a Ray instance
  started on this machine when no address is given. Install with `pip install 'pactwatch[ray]'`
  on the driver and on every node. The driver sends each file's bytes with its task (through
  Ray's object store), so the nodes need no access to the driver's files; results come back to
  the driver. A task still running after the timeout is cancelled (its Ray worker is killed);
  a task killed by Ray's memory monitor or lost with its node becomes a failed record, as with
  the local pool.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from pipeline import errors
from pipeline.worker import (
    DEFAULT_MEMORY_LIMIT_MB,
    DEFAULT_TARGET,
    DEFAULT_TIMEOUT,
    Job,
    JobResult,
    WorkerPool,
    WorkOutput,
    failure_output,
    job_result,
    resolve_target,
    run_target,
)

log = logging.getLogger(__name__)

EXECUTORS = ("local", "ray")
RAY_INSTALL_HINT = "install it with: pip install 'pactwatch[ray]'"


class Executor(Protocol):
    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...

    def imap_unordered(self, jobs: Iterable[Job], stop: Callable[[], bool] = ...) -> Iterator[JobResult]: ...


class ExecutorError(Exception):
    """The executor cannot start (Ray missing, cluster unreachable)."""


def make_executor(name: str = "local", *, workers: int = 1, timeout: float = DEFAULT_TIMEOUT,
                  memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB, target: str = DEFAULT_TARGET,
                  ray_address: str | None = None) -> Executor:
    if name == "local":
        return WorkerPool(workers, timeout=timeout, memory_limit_mb=memory_limit_mb, target=target)
    if name == "ray":
        return RayExecutor(workers, timeout=timeout, memory_limit_mb=memory_limit_mb, target=target,
                           address=ray_address)
    raise ExecutorError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")


# ----------------------------------------------------------------------------- Ray


_warm = False


def _warm_up_once() -> None:
    """A Ray worker process loads the pipeline on its first task, as a forked local worker does
    before its first file (and freezes it for the garbage collector: `pipeline.worker.warm_up`)."""
    global _warm
    if not _warm:
        from pipeline.worker import warm_up

        warm_up()
        _warm = True


def run_shipped_job(target: str, job: Job, data: bytes) -> tuple[str, Any]:
    """The Ray task: the same per-file stage as a local worker, on bytes sent by the driver.

    The bytes are written under the file's own name in a private temporary folder, so the stage
    reads them exactly as it reads a local file (format from the name and the bytes, hash and
    size of the same bytes)."""
    _warm_up_once()
    function = resolve_target(target)
    with tempfile.TemporaryDirectory(prefix="pactwatch-") as folder:
        local = Path(folder) / (job.path.name or "contract")
        local.write_bytes(data)
        message = run_target(function, dataclasses.replace(job, path=local))
    if message[0] == "ok":
        message[1].outcome.source = job.path
    return message


class RayExecutor:
    """Runs jobs as Ray tasks, at most `workers` at a time (0: one per CPU of the cluster).

    Results come back as they finish; a task running longer than `timeout` is cancelled and
    reported as PW-E114, exactly like a local worker that is stopped."""

    def __init__(self, workers: int = 0, *, timeout: float = DEFAULT_TIMEOUT,
                 memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB, target: str = DEFAULT_TARGET,
                 address: str | None = None, object_store_mb: int | None = None):
        self.requested = workers
        self.size = max(1, workers)
        self.timeout = timeout
        self.memory_limit = memory_limit_mb * 1024 * 1024 if memory_limit_mb else None
        self.target = target
        self.address = address or os.environ.get("PACTWATCH_RAY_ADDRESS") or None
        self.object_store_mb = object_store_mb
        self._ray: Any = None
        self._task: Any = None
        self._started_ray = False

    def __enter__(self) -> RayExecutor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self._ray is not None:
            return
        try:
            import ray
        except ImportError as exc:
            raise ExecutorError(f"the Ray executor needs the 'ray' package ({RAY_INSTALL_HINT})") from exc
        self._ray = ray
        if not ray.is_initialized():
            self._init(ray)
            self._started_ray = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.size = self.requested or max(1, cpus)
        # A memory request makes Ray place no more tasks on a node than its memory holds.
        resources: dict[str, Any] = {"num_cpus": 1, "max_retries": 0}
        if self.memory_limit:
            resources["memory"] = min(self.memory_limit, 512 * 1024 * 1024)
        self._task = ray.remote(run_shipped_job).options(**resources)

    def _init(self, ray: Any) -> None:
        # pactwatch's own settings (PACTWATCH_PDF_BACKEND, ...) hold on the workers too
        env_vars = {k: v for k, v in os.environ.items() if k.startswith("PACTWATCH_")}
        kwargs: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
        if self.address:
            kwargs["address"] = self.address
        else:
            # a private instance on this machine: loopback only, as many CPUs as workers asked for,
            # and this process's import path, so the workers import the same pactwatch
            env_vars["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
            kwargs.update(
                num_cpus=self.requested or os.cpu_count() or 1,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                object_store_memory=(self.object_store_mb or 512) * 1024 * 1024,
            )
        if env_vars:
            kwargs["runtime_env"] = {"env_vars": env_vars}
        try:
            ray.init(**kwargs)
        except Exception as exc:  # noqa: BLE001 - a cluster that cannot be reached is a usage error
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
            raise ExecutorError(f"cannot start {where} ({type(exc).__name__}: {exc})") from exc

    def close(self) -> None:
        if self._ray is not None and self._started_ray:
            self._ray.shutdown()
        self._ray = None
        self._started_ray = False

    def _submit(self, job: Job) -> Any:
        """The task reading `job`, or at once the failed result of a file the driver cannot send
        (gone, unreadable, over the size limit): the same record a local worker makes of it."""
        from pipeline.errors import IngestError
        from pipeline.ingest import read_bytes

        try:
            data = read_bytes(job.path)
        except IngestError as exc:
            from pipeline.process import Outcome, failed_record

            record = failed_record(job.path, job.display_path, exc, job.as_of)
            return JobResult(job, WorkOutput(Outcome(job.path, record, None)), 0.0)
        return self._task.remote(self.target, job, data)

    def imap_unordered(self, jobs: Iterable[Job], stop: Callable[[], bool] = lambda: False) -> Iterator[JobResult]:
        """Results as they finish. When `stop()` turns true no new task starts; those in hand finish."""
        self.start()
        ray = self._ray
        pending = iter(jobs)
        exhausted = False
        running: dict[Any, tuple[Job, float]] = {}
        unsent: list[JobResult] = []  # files the driver could not send: already failed

        def submit_more() -> None:
            nonlocal exhausted
            while not exhausted and len(running) < self.size and not stop():
                job = next(pending, None)
                if job is None:
                    exhausted = True
                    break
                task = self._submit(job)
                if isinstance(task, JobResult):
                    unsent.append(task)
                else:
                    running[task] = (job, time.monotonic())

        while True:
            submit_more()
            while unsent:
                yield unsent.pop(0)
            if not running:
                if exhausted or stop():
                    return
                continue
            now = time.monotonic()
            wait = max(0.0, min(started + self.timeout for _, started in running.values()) - now)
            ready, rest = ray.wait(list(running), num_returns=1, timeout=wait)
            if ready and rest:  # and any others that are done by now
                ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
            finished: list[JobResult] = []
            for ref in ready:
                job, started = running.pop(ref)
                finished.append(self._result(ref, job, time.monotonic() - started))
            now = time.monotonic()
            for ref, (job, started) in list(running.items()):
                if now - started >= self.timeout:
                    del running[ref]
                    ray.cancel(ref, force=True)
                    detail = f"it was still being read after {self.timeout:g} s, so its task was cancelled"
                    finished.append(JobResult(job, failure_output(job, errors.TIMEOUT, detail), self.timeout,
                                              errors.TIMEOUT))
            submit_more()  # the cluster goes on with the next files while the driver stores these
            yield from finished

    def run_one(self, job: Job) -> JobResult:
        return next(self.imap_unordered([job]))

    def _result(self, ref: Any, job: Job, seconds: float) -> JobResult:
        ray = self._ray
        try:
            message = ray.get(ref)
        except ray.exceptions.OutOfMemoryError:
            detail = "Ray's memory monitor stopped its task: the node was running out of memory"
            return JobResult(job, failure_output(job, errors.MEMORY_LIMIT, detail), seconds, errors.MEMORY_LIMIT)
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                ray.exceptions.LocalRayletDiedError) as exc:
            return JobResult(job, failure_output(job, errors.WORKER_CRASHED, f"its Ray worker died ({type(exc).__name__})"),
                             seconds, errors.WORKER_CRASHED)
        except ray.exceptions.RayError as exc:
            log.error("%s failed in Ray: %s", job.display_path, exc)
            return JobResult(job, failure_output(job, errors.INTERNAL_ERROR, f"{type(exc).__name__}: {str(exc)[:300]}"),
                             seconds, errors.INTERNAL_ERROR)
        return job_result(job, message, seconds, self.memory_limit)


__all__ = ["EXECUTORS", "Executor", "ExecutorError", "RayExecutor", "make_executor", "run_shipped_job"]
