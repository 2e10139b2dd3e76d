"""`pactwatch watch`: files dropped into the inbox are processed once complete, moved to
processed/ or quarantine/ (with an error report), and registered; nothing is lost when the
watcher is stopped or killed, and duplicates are not read twice."""

from __future__ import annotations

import hashlib
import json
import shutil
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from bad_files import good_contract, good_text, slow_pdf, zip_bomb_docx
from pdf_factory import SCAN, make_pdf
from pipeline.watch import free_destination, sidecar_path

# Pinned so that extractors edited meanwhile in a shared tree do not change what is reused.
PINNED = {**os.environ, "PACTWATCH_FINGERPRINT": "pinned-for-these-tests"}


class Watcher:
    """`pactwatch watch` in a subprocess, with its log lines readable as they come."""

    def __init__(self, inbox: Path, out: Path, *extra: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "watch", str(inbox), "--out", str(out), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=PINNED)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        for line in self.log:
            if text in line:
                return line
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.log.append(line)
            if text in line:
                return line
        raise AssertionError(f"no log line with {text!r}; log:\n{''.join(self.log)}")

    def finish(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        time.sleep(0.1)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        return code


def wait_until(condition, timeout: float = 120.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def copy_slowly(source: bytes, target: Path, chunks: int = 4, pause: float = 0.3) -> None:
    step = len(source) // chunks + 1
    with open(target, "wb") as fh:
        for i in range(0, len(source), step):
            fh.write(source[i:i + step])
            fh.flush()
            time.sleep(pause)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_fifty_files_slow_copies_duplicates_and_broken_ones_end_where_they_belong(tmp_path: Path) -> None:
    inbox, out, staging = tmp_path / "inbox", tmp_path / "out", tmp_path / "staging"
    inbox.mkdir()
    good: dict[str, bytes] = {}
    for n in range(30):
        good[f"contracts/msa-{n:02}.pdf"] = good_contract(staging / f"g{n}.pdf", title=f"SERVICES AGREEMENT {n}").read_bytes()
    slow = {f"slow/supply-{n}.pdf": good_contract(staging / f"s{n}.pdf", title=f"SUPPLY AGREEMENT {n}", pages=3).read_bytes()
            for n in range(6)}
    duplicates = {f"copies/copy of msa-{n:02}.pdf": good[f"contracts/msa-{n:02}.pdf"] for n in range(8)}
    broken = {
        "broken/empty.pdf": (b"", "PW-E100"),
        "broken/corrupt.pdf": (b"%PDF-1.7\n1 0 obj <<", "PW-E102"),
        "broken/login.pdf": (b"<!DOCTYPE html><html><body>Session expired</body></html>", "PW-E104"),
        "broken/bomb.docx": (zip_bomb_docx(), "PW-E107"),
        "broken/old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 512, "PW-E105"),
        "broken/scan.pdf": (make_pdf(staging / "scan.pdf", [SCAN]).read_bytes(), "PW-E120"),
    }
    assert len(good) + len(slow) + len(duplicates) + len(broken) == 50

    # five were there before the watcher started
    early = list(good)[:5]
    for name in early:
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(good[name])
    watcher = Watcher(inbox, out, "--settle", "1")
    watcher.wait_for("watching")
    (inbox / "~$msa-00.pdf").write_bytes(b"lock")  # Word's lock file and a partial download: ignored
    (inbox / "download.pdf.part").write_bytes(b"%PDF-1.7 partial")
    for folder in ("contracts", "slow", "copies", "broken"):
        (inbox / folder).mkdir(exist_ok=True)
    copiers = [threading.Thread(target=copy_slowly, args=(data, inbox / name)) for name, data in slow.items()]
    for t in copiers:
        t.start()
    for name in list(good)[5:]:
        (inbox / name).write_bytes(good[name])
    for name, data in duplicates.items():
        (inbox / name).write_bytes(data)
    for name, (data, _) in broken.items():
        (inbox / name).write_bytes(data)
    for t in copiers:
        t.join()

    processed, quarantine = inbox / "processed", inbox / "quarantine"
    wait_until(lambda: len(files_in(processed)) + len([f for f in files_in(quarantine) if not f.endswith(".json")]) >= 50)
    assert watcher.finish() == 0
    log = "".join(watcher.log)

    assert files_in(processed) == sorted([*good, *slow, *duplicates])
    assert files_in(quarantine) == sorted([*broken, *(f"{name}.error.json" for name in broken)])
    left = [f for f in files_in(inbox) if not f.startswith(("processed/", "quarantine/"))]
    assert left == ["download.pdf.part", "~$msa-00.pdf"], "only the lock and partial files stay"
    for name, (_, code) in broken.items():
        report = json.loads((quarantine / f"{name}.error.json").read_text(encoding="utf-8"))
        assert report["code"] == code and report["what_to_do"], name
    for name, data in slow.items():
        record = json.loads((out / f"{name}.json").read_text())
        assert record["status"] == "ok" and record["document"]["sha256"] == sha(data), "read once complete"

    db = sqlite3.connect(out / "pactwatch.db")
    distinct = {sha(d) for d in [*good.values(), *slow.values()]} | {sha(d) for d, _ in broken.values()}
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == len(distinct)
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == len(distinct)
    assert db.execute("SELECT count(*) FROM names").fetchone()[0] == 50
    assert db.execute("SELECT count(*) FROM outputs").fetchone()[0] == 50
    assert db.execute("SELECT count(*) FROM run_files WHERE action = 'reused'").fetchone()[0] == len(duplicates)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "copies/copy of msa-07.pdf" in index and "broken/bomb.docx" in index
    assert "msa-00.pdf" in log and "moved to" in log


def test_a_watcher_killed_with_a_file_in_hand_finishes_it_after_a_restart(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    good_text(inbox / "a.txt")
    (inbox / "slow.pdf").write_bytes(slow_pdf())
    good_text(inbox / "z.txt", title="SERVICES AGREEMENT")
    first = Watcher(inbox, out, "--settle", "0.2", "--timeout", "60")
    first.wait_for("taking slow.pdf")
    first.process.kill()  # kill -9 while slow.pdf is being read
    first.process.wait(30)
    assert (inbox / "slow.pdf").is_file(), "the file in hand stays in the inbox"

    second = Watcher(inbox, out, "--settle", "0.2", "--timeout", "5", "--once")
    assert second.process.wait(120) == 0
    assert files_in(inbox / "processed") == ["a.txt", "z.txt"]
    assert files_in(inbox / "quarantine") == ["slow.pdf", "slow.pdf.error.json"]
    assert json.loads((inbox / "quarantine" / "slow.pdf.error.json").read_text())["code"] == "PW-E114"
    db = sqlite3.connect(out / "pactwatch.db")
    assert [r[0] for r in db.execute("SELECT state FROM runs ORDER BY id")] == ["interrupted", "stopped"]
    processed = [r[0] for r in db.execute("SELECT path FROM run_files WHERE action IN ('processed', 'failed')")]
    assert sorted(processed) == ["a.txt", "slow.pdf", "z.txt"], "each file processed once"
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 3
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_file_whose_move_was_cut_short_is_not_read_again(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    good_text(inbox / "a.txt")
    data = (inbox / "a.txt").read_bytes()
    assert Watcher(inbox, out, "--settle", "0.2", "--once").process.wait(60) == 0
    (inbox / "a.txt").write_bytes(data)  # as if the watcher died before moving it
    again = subprocess.run([sys.executable, "-m", "pipeline.cli", "watch", str(inbox), "--out", str(out),
                            "--settle", "0.2", "--once"], capture_output=True, text=True, timeout=60, env=PINNED)
    assert again.returncode == 0
    assert "same bytes as a document already in the register; not read again" in again.stderr
    assert files_in(inbox / "processed") == ["a.txt"], "identical bytes replace themselves, nothing doubles"
    db = sqlite3.connect(out / "pactwatch.db")
    assert [r[0] for r in db.execute("SELECT action FROM run_files ORDER BY run_id")] == ["processed", "reused"]


def test_sigterm_finishes_the_file_in_hand_and_exits_cleanly(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "slowish.pdf").write_bytes(slow_pdf(pages=1, operations=60_000))
    watcher = Watcher(inbox, out, "--settle", "0.2")
    watcher.wait_for("taking slowish.pdf")
    assert watcher.finish(signal.SIGTERM) == 0
    log = "".join(watcher.log)
    assert "finishing the file(s) in hand" in log
    assert (out / "slowish.pdf.json").is_file(), "the file in hand was finished"
    assert not (inbox / "slowish.pdf").exists()
    assert "stopped" in log


def test_polling_picks_up_files_on_drives_without_notifications(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    watcher = Watcher(inbox, out, "--polling", "--poll-interval", "0.2", "--settle", "0.3")
    watcher.wait_for("polling every")
    good_text(inbox / "late.txt")
    watcher.wait_for("late.txt: ok")
    assert watcher.finish() == 0
    assert files_in(inbox / "processed") == ["late.txt"]


def test_an_output_folder_that_is_not_writable_stops_the_watcher_at_start(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    good_text(inbox / "a.txt")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "watch", str(inbox), "--out", str(blocker / "out"),
                             "--once"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "PW-E118" in result.stderr
    assert (inbox / "a.txt").is_file(), "nothing is moved when nothing can be written"


def test_quarantine_names_never_collide_or_grow_too_long(tmp_path: Path) -> None:
    target = tmp_path / "contract.pdf"
    target.write_bytes(b"first")
    assert free_destination(target, sha(b"first")) == target, "the same bytes may replace themselves"
    assert free_destination(target, sha(b"other")).name == "contract (2).pdf"
    long = tmp_path / ("y" * 250 + ".pdf")
    assert len(sidecar_path(long).name.encode()) <= 255
    assert sidecar_path(tmp_path / "x.pdf").name == "x.pdf.error.json"


def test_watch_and_every_command_have_help() -> None:
    for command in ("watch", "list", "show", "due", "run"):
        result = subprocess.run([sys.executable, "-m", "pipeline.cli", command, "--help"], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0 and "usage: pactwatch" in result.stdout, command


def test_a_dropped_contract_reaches_the_calendar_and_tables(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    samples = Path(__file__).resolve().parents[1] / "sample_contracts"
    shutil.copy(samples / "msa_northwind.pdf", inbox / "msa.pdf")
    shutil.copy(samples / "distribution_maplecrest.pdf", inbox / "distribution.pdf")
    watcher = Watcher(inbox, out, "--settle", "0.2", "--once", "--remind", "14", "--as-of", "2026-11-27")
    assert watcher.process.wait(120) == 0
    calendar = (out / "deadlines.ics").read_text(encoding="utf-8")
    assert "non-renewal" in calendar.lower(), "the MSA's notice window is in the calendar"
    assert "renewal option" in calendar.lower(), "the distribution agreement's option deadline too"
    assert "TRIGGER;RELATED=START:-P14D" in calendar and "-P30D" not in calendar, "reminders as asked with --remind"
    assert "msa.pdf" in (out / "deadlines.csv").read_text(encoding="utf-8")
    assert (out / "obligations.csv").is_file() and (out / "pactwatch.xlsx").is_file()
    assert 'href="deadlines.ics"' in (out / "index.html").read_text(encoding="utf-8")


def test_files_dropped_together_rebuild_the_dashboard_once_with_all_of_them(tmp_path: Path, monkeypatch) -> None:
    import datetime as dt

    from pipeline import publish
    from pipeline.watch import WatchOptions, watch

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for n in range(4):
        good_text(inbox / f"nda-{n}.txt", title=f"MUTUAL NONDISCLOSURE AGREEMENT {n}")
    rebuilt = []
    write_index = publish.Publisher.write_index
    monkeypatch.setattr(publish.Publisher, "write_index",
                        lambda self, *a, **k: rebuilt.append(1) or write_index(self, *a, **k))

    handled = watch(inbox, out, WatchOptions(once=True, settle=0.2, as_of=dt.date(2026, 11, 27)))

    assert sorted(h.status for h in handled) == ["ok"] * 4
    assert len(rebuilt) == 1, "the whole-register rebuild ran once for the batch, not once per file"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"nda-{n}.txt" in index for n in range(4))
