"""What a batch run shows while it works and when it ends.

On a terminal: one progress line redrawn in place (files, pages, failures, rate, ETA), with a
line printed above it for every file that fails. Elsewhere (a log file, CI, a pipe): one plain
line per file. At the end: a summary table of ok / partial / needs OCR / failed with the reasons
(diagnostic codes) behind each, and the files that could not be read.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from pipeline import errors

STATUS_ORDER = ["ok", "partial", "needs_ocr", "failed"]
STATUS_LABELS = {"ok": "ok", "partial": "partial", "needs_ocr": "needs OCR", "failed": "failed"}


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    def __init__(self, total: int, *, echo: Callable[[str], None] = print, stream: TextIO | None = None,
                 tty: bool | None = None):
        self.total = total
        self.echo = echo
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.done = 0
        self.pages = 0
        self.failures = 0
        self.reused = 0
        self.started = time.monotonic()
        self._drawn = False

    def file_done(self, relative: str, status: str, *, pages: int, action: str, seconds: float | None,
                  reason: str | None = None) -> None:
        self.done += 1
        self.pages += pages
        self.reused += action == "reused"
        failed = status in ("failed", "needs_ocr") or action == "failed"
        self.failures += failed
        note = "reused" if action == "reused" else (f"{seconds:.1f}s" if seconds is not None else "")
        line = f"[{self.done}/{self.total}] {STATUS_LABELS.get(status, status):9} {relative}  ({note})"
        if reason and failed:
            line += f"  {reason}"
        if self.tty:
            if failed:
                self._clear()
                self.stream.write(line + "\n")
            self._draw()
        else:
            self.echo(line)

    def _rate(self) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (self.done - self.reused) / elapsed if self.done > self.reused else self.done / elapsed

    def bar(self, width: int | None = None) -> str:
        width = width or shutil.get_terminal_size((100, 20)).columns
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        remaining = self.total - self.done
        eta = _duration(remaining / rate) if rate > 0 and remaining else ("0s" if not remaining else "?")
        stats = (f" {self.done}/{self.total} files  {self.pages} pages  {self.failures} failed  "
                 f"{rate:.1f} files/s  ETA {eta}")
        room = max(10, min(40, width - len(stats) - 3))
        filled = int(room * self.done / self.total) if self.total else room
        return f"[{'#' * filled}{'.' * (room - filled)}]{stats}"[: width - 1]

    def _draw(self) -> None:
        self.stream.write("\r" + self.bar() + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")

    def close(self) -> None:
        if self.tty and self._drawn:
            self._clear()
            self.stream.flush()


@dataclass
class Tally:
    """Counts per status, with the diagnostic codes behind each status."""

    counts: Counter = field(default_factory=Counter)
    reasons: dict[str, Counter] = field(default_factory=dict)
    processed: int = 0
    reused: int = 0

    def add(self, status: str, codes: list[str], action: str) -> None:
        self.counts[status] += 1
        self.processed += action != "reused"
        self.reused += action == "reused"
        if status != "ok":
            reasons = self.reasons.setdefault(status, Counter())
            for code in dict.fromkeys(codes):  # each code once per file
                reasons[code] += 1


def _title(code: str) -> str:
    try:
        return errors.lookup(code).title
    except KeyError:
        return ""


def summary_table(tally: Tally, *, skipped: int, seconds: float) -> str:
    total = sum(tally.counts.values())
    lines = ["", "Summary", f"  {'status':<10} {'files':>6}   reasons (files)", f"  {'-' * 10} {'-' * 6}   {'-' * 40}"]
    for status in STATUS_ORDER:
        n = tally.counts.get(status, 0)
        reasons = [f"{code} {_title(code)} ({count})" for code, count in
                   sorted(tally.reasons.get(status, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append(f"  {STATUS_LABELS[status]:<10} {n:>6}   {reasons[0] if reasons else ''}".rstrip())
        lines.extend(f"  {'':<10} {'':>6}   {reason}" for reason in reasons[1:])
    lines.append(f"  {'total':<10} {total:>6}   {tally.processed} processed, {tally.reused} reused,"
                 f" {skipped} skipped, in {_duration(seconds)}")
    return "\n".join(lines)


__all__ = ["Progress", "Tally", "summary_table"]
