"""Per-file stages for the worker pool that misbehave the way the world does around a file: the
file vanishes or changes while it is read, or the worker dies. Each then runs the real stage."""

from __future__ import annotations

import os
import signal

from pipeline.worker import Job, WorkOutput, process_job


def vanish_while_read(job: Job) -> WorkOutput:
    if "vanish" in job.display_path:
        job.path.unlink()
    return process_job(job)


def change_while_read(job: Job) -> WorkOutput:
    """Files named *growing* get a line appended every time they are read (a copy still running)."""
    output = process_job(job)
    if "growing" in job.display_path:
        with open(job.path, "a", encoding="utf-8") as fh:
            fh.write("More text arrives.\n")
    return output


def change_once(job: Job) -> WorkOutput:
    """Files named *touched* change during their first read only."""
    output = process_job(job)
    marker = job.path.with_name(job.path.name + ".seen")
    if "touched" in job.display_path and not marker.exists():
        marker.write_text("")
        with open(job.path, "a", encoding="utf-8") as fh:
            fh.write("Appended while it was read.\n")
    return output


def crash_on_some(job: Job) -> WorkOutput:
    if "crash" in job.display_path:
        os.kill(os.getpid(), signal.SIGSEGV)
    return process_job(job)
