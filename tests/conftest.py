"""Shared fixtures: the sample contracts, processed once per test session."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.process import Outcome, process_file

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
AS_OF = dt.date(2026, 11, 27)


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in {".pdf", ".docx"})


@pytest.fixture(scope="session")
def sample_outcomes() -> dict[str, Outcome]:
    """Each sample contract's outcome, keyed by its slug (file name without extension)."""
    return {p.stem: process_file(p, p.name, AS_OF) for p in sample_files()}


@pytest.fixture(scope="session")
def expected() -> dict[str, dict]:
    """What a careful lawyer reads in each sample contract (sample_contracts/expected/<slug>.json)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((SAMPLES / "expected").glob("*.json"))}
