"""A batch run over a folder: every file gets a record and a report, outputs mirror the input
tree so same-named contracts never overwrite each other, and a bad file never stops the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pdf_factory import make_pdf

PAGE = ["MASTER SERVICES AGREEMENT", "This Master Services Agreement is entered into as of March 1, 2024.",
        "Provider shall perform the Services described in each Statement of Work."]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "run", *args],
                          capture_output=True, text=True, timeout=300)


def make_archive(root: Path) -> None:
    make_pdf(root / "a" / "contract.pdf", [PAGE, PAGE[1:]])
    make_pdf(root / "b" / "contract.pdf", [PAGE])
    (root / "b" / "contract.txt").write_text("CONSULTING AGREEMENT\n\nConsultant shall deliver monthly reports.\n")
    (root / "b" / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (root / "b" / "notes.xlsx").write_bytes(b"PK\x03\x04not really")


def test_outputs_mirror_the_input_tree_and_never_collide(tmp_path: Path) -> None:
    make_archive(tmp_path / "archive")
    out = tmp_path / "out"
    result = run(str(tmp_path / "archive"), "--out", str(out), "--as-of", "2026-11-27")
    for name in ("a/contract.pdf", "b/contract.pdf", "b/contract.txt", "b/broken.pdf"):
        record = json.loads((out / f"{name}.json").read_text())
        assert record["document"]["path"] == name
        assert (out / f"{name}.html").is_file()
    assert (out / "index.html").is_file()
    assert json.loads((out / "a/contract.pdf.json").read_text())["document"]["pages"] == 2
    assert json.loads((out / "b/contract.pdf.json").read_text())["document"]["pages"] == 1
    assert str(out.resolve()) in result.stdout


def test_a_broken_file_fails_alone_and_the_run_exits_1_naming_it(tmp_path: Path) -> None:
    make_archive(tmp_path / "archive")
    out = tmp_path / "out"
    result = run(str(tmp_path / "archive"), "--out", str(out))
    assert result.returncode == 1
    assert "b/broken.pdf: PW-E102" in result.stdout
    assert json.loads((out / "b/broken.pdf.json").read_text())["status"] == "failed"
    assert json.loads((out / "b/contract.txt.json").read_text())["status"] == "ok"
    assert "b/broken.pdf" in (out / "index.html").read_text()


def test_files_that_are_not_contracts_are_skipped_and_listed(tmp_path: Path) -> None:
    make_archive(tmp_path / "archive")
    out = tmp_path / "out"
    result = run(str(tmp_path / "archive"), "--out", str(out))
    assert not (out / "b/notes.xlsx.json").exists()
    assert "1 file(s) skipped" in result.stdout
    assert "notes.xlsx" in (out / "index.html").read_text()


def test_a_run_where_every_file_succeeds_exits_0(tmp_path: Path) -> None:
    make_pdf(tmp_path / "in" / "msa.pdf", [PAGE])
    result = run(str(tmp_path / "in" / "msa.pdf"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "out" / "msa.pdf.json").is_file()


def test_output_folder_inside_the_input_folder_is_not_read_back(tmp_path: Path) -> None:
    make_pdf(tmp_path / "msa.pdf", [PAGE])
    run(str(tmp_path), "--out", str(tmp_path / "out"))
    second = run(str(tmp_path), "--out", str(tmp_path / "out"))
    assert "1 contract(s)" in second.stdout
