"""The `pactwatch` command behaves like a conventional Unix tool: help everywhere, exit code 0
when every file succeeded, 1 when some failed (saying which and why), 2 on usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pdf_factory import make_pdf

PACTWATCH = [sys.executable, "-m", "pipeline.cli"]


def pactwatch(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PACTWATCH, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["extract", "--help"], ["schema", "--help"]])
def test_every_command_has_help(args: list[str]) -> None:
    result = pactwatch(*args)
    assert result.returncode == 0
    assert "usage: pactwatch" in result.stdout


@pytest.mark.parametrize("args", [[], ["run"], ["run", "x.pdf"], ["frobnicate"], ["run", "x", "--out", "o", "--as-of", "soon"]])
def test_usage_errors_exit_with_2(args: list[str]) -> None:
    assert pactwatch(*args).returncode == 2


def test_run_on_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = pactwatch("run", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_schema_prints_a_json_schema_of_the_record() -> None:
    result = pactwatch("schema")
    schema = json.loads(result.stdout)
    assert result.returncode == 0
    assert schema["title"] == "Record"
    assert {"document", "parties", "dates", "term", "governing_law", "disputes", "obligations", "kpis",
            "clauses", "checks", "diagnostics"} <= set(schema["properties"])


def test_extract_prints_one_record_on_stdout(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "nda.pdf", [["MUTUAL NONDISCLOSURE AGREEMENT", "The parties agree as follows."]])
    result = pactwatch("extract", str(pdf), "--as-of", "2026-11-27")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["document"]["format"] == "pdf"
    assert record["as_of"] == "2026-11-27"


def test_extract_of_an_unreadable_file_exits_1_and_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "contract.pdf"
    bad.write_text("<!DOCTYPE html><html><body>Session expired</body></html>")
    result = pactwatch("extract", str(bad))
    assert result.returncode == 1
    assert "PW-E104" in result.stderr
    assert json.loads(result.stdout)["status"] == "failed"
