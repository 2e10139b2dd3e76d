"""`pactwatch list`, `show` and `due` read the register a run left: a table or JSON, deadlines
across the portfolio within a span, and exit codes that say when nothing matched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bad_files import good_text

TERM_CONTRACT = (
    "SERVICES AGREEMENT\n\nThis Services Agreement is entered into as of March 1, 2024 by and between Acme "
    'Widgets, Inc., a Delaware corporation ("Provider"), and Beta Freight LLC, a New York limited liability '
    'company ("Customer").\n\n1. Term. The initial term of this Agreement shall commence on March 1, 2024 and '
    "continue until December 31, 2026. This Agreement shall be governed by the laws of the State of New York.\n")


# Pinned so that extractors edited meanwhile in a shared tree do not change what is reused.
PINNED = {**os.environ, "PACTWATCH_FINGERPRINT": "pinned-for-these-tests"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, timeout=300,
                          env=PINNED)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reg")
    (root / "in").mkdir()
    (root / "in" / "services.txt").write_text(TERM_CONTRACT, encoding="utf-8")
    good_text(root / "in" / "consulting.txt")
    (root / "in" / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    result = cli("run", str(root / "in"), "--out", str(root / "out"), "--as-of", "2026-11-27")
    assert result.returncode == 1, result.stdout
    return root / "out"


def test_list_shows_every_contract_with_its_status(out: Path) -> None:
    result = cli("list", "--out", str(out))
    assert result.returncode == 0
    assert "services.txt" in result.stdout and "broken.pdf" in result.stdout and "3 contract(s)" in result.stdout
    rows = json.loads(cli("list", "--out", str(out), "--json").stdout)
    assert {r["files"][0]: r["status"] for r in rows}["broken.pdf"] == "failed"
    assert [r["files"][0] for r in json.loads(cli("list", "--out", str(out), "--status", "failed", "--json").stdout)] \
        == ["broken.pdf"]


def test_show_prints_one_contract_and_says_when_nothing_matches(out: Path) -> None:
    shown = cli("show", "services.txt", "--out", str(out))
    assert shown.returncode == 0
    assert "Acme Widgets, Inc." in shown.stdout and "files:      services.txt" in shown.stdout
    record = json.loads(cli("show", "services.txt", "--out", str(out), "--json").stdout)
    assert record["register"]["files"] == ["services.txt"]
    assert cli("show", "no-such-contract", "--out", str(out)).returncode == 1
    assert cli("show", ".txt", "--out", str(out)).returncode == 1, "two matches: name one"


def test_due_lists_deadlines_within_the_span_as_text_and_json(out: Path) -> None:
    wide = json.loads(cli("due", "--within", "2y", "--as-of", "2026-11-27", "--out", str(out), "--json").stdout)
    assert wide["as_of"] == "2026-11-27" and wide["until"] == "2028-11-26"
    dates = [d["date"] for d in wide["deadlines"]]
    assert dates == sorted(dates)
    assert all("2026-11-27" <= d <= "2028-11-26" for d in dates)
    if "2026-12-31" in dates:
        narrow = cli("due", "--within", "30d", "--as-of", "2026-11-27", "--out", str(out))
        assert "2026-12-31" not in narrow.stdout or "34d" not in narrow.stdout
        soon = cli("due", "--within", "5w", "--as-of", "2026-11-27", "--out", str(out))
        assert "2026-12-31" in soon.stdout and "services.txt" in soon.stdout


@pytest.mark.parametrize("args", [["--within", "soon"], ["--within", "30x"]])
def test_due_with_a_bad_span_is_a_usage_error(out: Path, args: list[str]) -> None:
    assert cli("due", *args, "--out", str(out)).returncode == 2


def test_commands_without_a_register_say_how_to_make_one(tmp_path: Path) -> None:
    result = cli("list", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "pactwatch run" in result.stderr
