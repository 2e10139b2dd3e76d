"""A batch run that is killed (kill -9) or stopped (Ctrl-C) halfway is completed by running it
again: every file ends up processed exactly once, and the register holds no duplicate or
half-written rows. A second run over an unchanged archive reads nothing again."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bad_files import good_contract, good_text

FILES = 24

# Pinned so that extractors edited meanwhile in a shared tree do not change what is reused.
PINNED = {**os.environ, "PACTWATCH_FINGERPRINT": "pinned-for-these-tests"}


def start_run(archive: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(archive), "--out", str(out),
                             "--workers", "2", "--as-of", "2026-11-27", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=PINNED)


def run(archive: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(archive), "--out", str(out),
                           "--workers", "2", "--as-of", "2026-11-27", *extra], capture_output=True, text=True,
                          timeout=300, env=PINNED)


def files_done(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT count(*) FROM run_files").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def wait_until(condition, timeout: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    for n in range(FILES):
        good_contract(folder / f"c{n:02}.pdf", title=f"SUPPLY AGREEMENT NO. {n}", pages=4)
    return folder


def register(out: Path) -> sqlite3.Connection:
    db = sqlite3.connect(out / "pactwatch.db")
    db.row_factory = sqlite3.Row
    return db


def assert_register_is_whole(out: Path, expected_files: int) -> None:
    db = register(out)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    records = db.execute("SELECT sha256, record_json FROM records").fetchall()
    assert len(records) == expected_files
    for row in records:
        record = json.loads(row["record_json"])
        for table, key in (("deadlines", "deadlines"), ("checks", "checks"), ("obligations", "obligations"),
                           ("diagnostics", "diagnostics")):
            count = db.execute(f"SELECT count(*) FROM {table} WHERE sha256 = ?", (row["sha256"],)).fetchone()[0]
            assert count == len(record.get(key, [])), f"{table} rows of {row['sha256'][:8]} are whole"
    outputs = db.execute("SELECT path, sha256, record_file FROM outputs").fetchall()
    assert len(outputs) == expected_files
    for o in outputs:
        on_disk = json.loads((out / o["record_file"]).read_text(encoding="utf-8"))
        assert on_disk["document"]["sha256"] == o["sha256"]
    db.close()


def test_a_run_killed_halfway_is_completed_by_the_next_and_each_file_is_processed_once(archive: Path,
                                                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = start_run(archive, out)
    wait_until(lambda: files_done(out / "pactwatch.db") >= 5 or first.poll() is not None)
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    done_before = files_done(out / "pactwatch.db")
    assert 0 < done_before < FILES, "killed halfway"

    second = run(archive, out)
    assert second.returncode == 0, second.stdout + second.stderr

    db = register(out)
    runs = db.execute("SELECT id, state FROM runs ORDER BY id").fetchall()
    assert [r["state"] for r in runs] == ["interrupted", "finished"]
    first_id, second_id = runs[0]["id"], runs[1]["id"]
    processed_first = {r[0] for r in db.execute(
        "SELECT path FROM run_files WHERE run_id = ? AND action = 'processed'", (first_id,))}
    second_rows = {r["path"]: r["action"] for r in db.execute("SELECT * FROM run_files WHERE run_id = ?", (second_id,))}
    assert len(second_rows) == FILES
    assert not processed_first & {p for p, a in second_rows.items() if a == "processed"}, "nothing read twice"
    assert all(second_rows[p] == "reused" for p in processed_first)
    made_by = {r["run_id"] for r in db.execute("SELECT run_id FROM records")}
    assert made_by <= {first_id, second_id}
    reprocessed = db.execute("SELECT count(*) FROM records WHERE run_id = ?", (second_id,)).fetchone()[0]
    assert reprocessed == sum(a == "processed" for a in second_rows.values())
    db.close()
    assert_register_is_whole(out, FILES)
    assert not list(out.rglob("*.tmp")), "no half-written output files"


def test_ctrl_c_finishes_the_files_in_hand_and_the_next_run_completes(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = start_run(archive, out)
    wait_until(lambda: files_done(out / "pactwatch.db") >= 3 or first.poll() is not None)
    first.send_signal(signal.SIGINT)
    stdout, stderr = first.communicate(timeout=60)
    assert first.returncode == 1, stdout + stderr
    assert "finishing the file(s) in hand" in stderr
    assert "run the same command again" in stdout
    db = register(out)
    assert db.execute("SELECT state FROM runs").fetchone()[0] == "interrupted"
    db.close()

    second = run(archive, out)
    assert second.returncode == 0
    assert_register_is_whole(out, FILES)


def test_a_second_run_over_an_unchanged_archive_reads_nothing_again(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    for n in range(4):
        good_text(archive / f"t{n}.txt", title=f"CONSULTING AGREEMENT {n}")
    out = tmp_path / "out"
    assert run(archive, out).returncode == 0
    second = run(archive, out)
    assert second.returncode == 0
    assert "0 processed, 4 reused" in second.stdout
    assert (out / "index.html").is_file() and (out / "t0.txt.html").is_file()

    (archive / "t1.txt").write_text("CONSULTING AGREEMENT\n\nThe fee is now due monthly.\n", encoding="utf-8")
    third = run(archive, out)
    assert "1 processed, 3 reused" in third.stdout
    import hashlib

    new_sha = hashlib.sha256((archive / "t1.txt").read_bytes()).hexdigest()
    assert json.loads((out / "t1.txt.json").read_text())["document"]["sha256"] == new_sha

    assert "4 processed, 0 reused" in run(archive, out, "--no-reuse").stdout


def test_the_same_bytes_under_two_names_are_read_once(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    good_contract(archive / "msa.pdf")
    (archive / "copies").mkdir()
    (archive / "copies" / "msa (1).pdf").write_bytes((archive / "msa.pdf").read_bytes())
    result = run(archive, tmp_path / "out", "--workers", "1")
    assert "1 processed, 1 reused" in result.stdout
    db = register(tmp_path / "out")
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    assert sorted(r[0] for r in db.execute("SELECT path FROM names")) == ["copies/msa (1).pdf", "msa.pdf"]
    record = json.loads((tmp_path / "out" / "copies" / "msa (1).pdf.json").read_text())
    assert record["document"]["path"] == "copies/msa (1).pdf"


def test_progress_is_plain_lines_off_a_terminal_and_a_bar_on_one(tmp_path: Path) -> None:
    import io

    from pipeline.progress import Progress

    lines: list[str] = []
    plain = Progress(2, echo=lines.append, tty=False)
    plain.file_done("a.pdf", "ok", pages=3, action="processed", seconds=0.5)
    plain.file_done("b.pdf", "failed", pages=0, action="processed", seconds=0.1, reason="PW-E102 corrupt")
    assert lines[0].startswith("[1/2] ok") and "PW-E102" in lines[1]

    terminal = io.StringIO()
    bar = Progress(4, stream=terminal, tty=True)
    bar.file_done("a.pdf", "ok", pages=3, action="processed", seconds=0.5)
    bar.file_done("b.pdf", "failed", pages=0, action="processed", seconds=0.1, reason="PW-E102 corrupt")
    shown = terminal.getvalue()
    assert "\r[" in shown and "2/4 files" in shown and "3 pages" in shown and "1 failed" in shown
    assert "files/s" in shown and "ETA" in shown
    assert "[2/4] failed    b.pdf" in shown, "failures are printed above the bar"


def test_a_per_file_timeout_stops_only_that_file(tmp_path: Path) -> None:
    from bad_files import slow_pdf

    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "slow.pdf").write_bytes(slow_pdf())
    good_text(archive / "fine.txt")
    started = time.monotonic()
    result = run(archive, tmp_path / "out", "--timeout", "5")
    assert time.monotonic() - started < 25, "the half-minute file was stopped"
    assert "slow.pdf: PW-E114" in result.stdout
    assert json.loads((tmp_path / "out" / "fine.txt.json").read_text())["status"] == "ok"


@pytest.mark.parametrize("args", [["--workers", "0"], ["--timeout", "-1"], ["--memory-limit", "x"]])
def test_bad_worker_options_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    good_text(tmp_path / "a.txt")
    assert run(tmp_path / "a.txt", tmp_path / "out", *args).returncode == 2


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc (Linux)")
def test_workers_do_not_outlive_a_killed_run(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = start_run(archive, out)
    wait_until(lambda: files_done(out / "pactwatch.db") >= 2 or first.poll() is not None)
    children = _descendants(first.pid)
    assert children, "the run has worker processes"
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    wait_until(lambda: not [pid for pid in children if _alive(pid)], timeout=20)


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == parent:
                found.append(int(entry.name))
                frontier.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_new_pipeline_reads_everything_again(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    for n in range(2):
        good_text(archive / f"t{n}.txt", title=f"LICENSE AGREEMENT {n}")
    out = tmp_path / "out"
    for fingerprint, expected in (("v1", "2 processed, 0 reused"), ("v1", "0 processed, 2 reused"),
                                  ("v2", "2 processed, 0 reused")):
        result = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(archive), "--out", str(out)],
                                capture_output=True, text=True, timeout=300,
                                env={**os.environ, "PACTWATCH_FINGERPRINT": fingerprint})
        assert expected in result.stdout, (fingerprint, result.stdout)
