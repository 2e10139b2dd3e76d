"""Amendments: an amendment in the register is linked to the contract it amends, both reports
show the amended terms with the amending clauses quoted, `show` lists them and `due` drops the
deadlines the amendment replaced. A reference that fits no contract (or two) links nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.amendments import find_base, fit, read_amendment
from pipeline.document import Document, Page
from pipeline.process import process_document

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
MSA, AMENDMENT = SAMPLES / "msa_northwind.pdf", SAMPLES / "amendment1_msa_northwind.docx"
# Pinned so that extractors edited meanwhile in a shared tree do not change what is reused.
PINNED = {**os.environ, "PACTWATCH_FINGERPRINT": "pinned-for-these-tests"}

needs_samples = pytest.mark.skipif(not (MSA.exists() and AMENDMENT.exists()),
                                   reason="the sample MSA and its amendment are not in sample_contracts/")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, timeout=300,
                          env=PINNED)


def text_document(text: str) -> Document:
    return Document("x.txt", "0" * 64, "txt", text, [Page(1, 0, len(text))])


AMENDMENT_2 = (
    "AMENDMENT NO. 2 TO THE MASTER SERVICES AGREEMENT\n\n"
    "This Amendment No. 2 to the Master Services Agreement dated March 1, 2021 between Orion Data Corp. and "
    "Pelican Foods, Inc. (the \"Agreement\") is made as of June 1, 2023.\n\n"
    "1. Section 4.2 of the Agreement is hereby deleted in its entirety and replaced with the following: "
    "\"4.2 Fees. Customer shall pay the fees within forty-five (45) days of receipt of invoice.\"\n\n"
    "2. All other terms of the Agreement remain in full force and effect.")


def test_the_reference_names_the_amended_contract_its_date_and_parties() -> None:
    doc = text_document(AMENDMENT_2)
    reference, changes = read_amendment(doc, process_document(doc, dt.date(2026, 11, 27)))
    assert reference is not None
    assert reference["base_title"] == "Master Services Agreement"
    assert reference["base_date"] == "2021-03-01"
    assert reference["parties"] == ["Orion Data Corp.", "Pelican Foods, Inc."]
    assert reference["number"] == "2"
    assert [c["section"] for c in changes] == ["Section 4.2"]
    assert "forty-five (45) days" in changes[0]["quote"]["text"], "the new text is quoted with the clause"


def identity(head: str, dates: list[str]) -> dict:
    from pipeline.amendments import normalise

    return {"title": head.split("\n")[0], "head": normalise(head), "dates": dates, "parties": []}


def test_a_reference_links_only_the_contract_it_fits() -> None:
    reference = {"base_title": "Master Services Agreement", "base_date": "2021-03-01",
                 "parties": ["Orion Data Corp.", "Pelican Foods, Inc."]}
    right = identity("MASTER SERVICES AGREEMENT\nbetween Orion Data Corp and Pelican Foods Inc", ["2021-03-01"])
    other_date = identity("MASTER SERVICES AGREEMENT\nbetween Orion Data Corp and Pelican Foods Inc", ["2019-05-05"])
    other_parties = identity("MASTER SERVICES AGREEMENT\nbetween Acme Ltd and Beta LLC", ["2022-01-01"])
    assert find_base(reference, [("right", right), ("date", other_date), ("other", other_parties)])[0] == "right"
    assert fit(reference, other_parties) is None
    assert find_base(reference, [("a", right), ("b", dict(right))]) is None, "a tie links nothing"


def test_a_contract_that_merely_mentions_another_is_not_an_amendment() -> None:
    text = ("SUPPLY AGREEMENT\n\nThis Supply Agreement is made between Acme Inc. and Beta LLC, who are parties to "
            "that certain Master Services Agreement dated March 1, 2021.")
    doc = text_document(text)
    assert read_amendment(doc, process_document(doc, dt.date(2026, 11, 27))) == (None, [])


@needs_samples
def test_the_amendment_is_linked_and_both_reports_show_the_amended_terms(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(AMENDMENT, inbox)  # the amendment arrives first: nothing to link yet
    out = tmp_path / "out"
    assert cli("run", str(inbox), "--out", str(out), "--as-of", "2026-11-27").returncode == 0
    alone = (out / AMENDMENT.name).with_name(AMENDMENT.name + ".html").read_text(encoding="utf-8")
    assert "not in the register" in alone

    shutil.copy(MSA, inbox)
    assert cli("run", str(inbox), "--out", str(out), "--as-of", "2026-11-27").returncode == 0
    base_report = (out / f"{MSA.name}.html").read_text(encoding="utf-8")
    amendment_report = (out / f"{AMENDMENT.name}.html").read_text(encoding="utf-8")
    assert 'id="amendments"' in base_report
    assert f'href="{AMENDMENT.name}.html"' in base_report
    assert "Section 12.1" in base_report and "February 28, 2029" in base_report
    assert "28 Feb 2029" in base_report, "the amended term is shown next to the old one"
    assert "This document amends" in amendment_report and f'href="{MSA.name}.html"' in amendment_report

    shown = cli("show", MSA.name, "--out", str(out))
    assert shown.returncode == 0
    assert f"amended by: {AMENDMENT.name}" in shown.stdout and "Section 12.1" in shown.stdout
    data = json.loads(cli("show", AMENDMENT.name, "--out", str(out), "--json").stdout)
    assert data["register"]["amends"]["basis"].startswith("matches its name (Master Services Agreement)")
