"""The contract's title as written: the register lists contracts by it, so an exhibit number, an SEC
confidentiality legend or a section heading must never stand in for it, and a title broken over
lines must be read whole. Snippets are in the style of filed contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors import title
from extractors.base import Context
from pipeline.document import Document, Page
from pipeline.ingest import ingest_file
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Record, Status

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
EXPECTED = sorted((SAMPLES / "expected").glob("*.json"))


def run(document: Document) -> str | None:
    record = Record(pactwatch_version="t", status=Status.OK,
                    document=DocumentInfo(path=document.path, sha256="0", format=document.format, pages=1))
    title.extract(Context(document=document, analysis=analyse(document), record=record))
    found = record.document.title
    if found is None:
        return None
    assert document.text[found.evidence[0].start:found.evidence[0].end] == found.evidence[0].text
    return found.value


def extract(text: str) -> str | None:
    return run(Document(path="x.txt", sha256="0", format="txt", text=text, pages=[Page(1, 0, len(text))]))


def test_the_exhibit_number_and_sec_legend_are_skipped_for_the_title():
    assert extract(
        "EXHIBIT 10.1\nCERTAIN CONFIDENTIAL PORTIONS OF THIS EXHIBIT HAVE BEEN OMITTED AND REPLACED WITH “[***]”.\n"
        "Execution Version\nMASTER SERVICES AGREEMENT\nThis Master Services Agreement (this “Agreement”) is entered "
        "into as of March 1, 2024 by and between Acme Corp. (“Supplier”) and Beta LLC (“Customer”).") \
        == "MASTER SERVICES AGREEMENT"


def test_a_legend_running_over_several_lines_does_not_join_the_title():
    assert extract(
        "REDACTED COPY\nCONFIDENTIAL TREATMENT REQUESTED\nCONFIDENTIAL PORTIONS OF THIS\nDOCUMENT HAVE BEEN REDACTED\n"
        "AND HAVE BEEN SEPARATELY\nFILED WITH THE COMMISSION\nENDORSEMENT AGREEMENT\nThis Agreement is entered into "
        "on January 13, 2005 between TOM WATSON (“CONSULTANT”) and ADAMS GOLF, LTD. (“ADAMS GOLF”).") \
        == "ENDORSEMENT AGREEMENT"


def test_a_title_broken_over_lines_is_read_whole():
    assert extract(
        "Exhibit 2.7\nFORM OF\nTRADEMARK LICENSE AGREEMENT\nTHIS TRADEMARK LICENSE AGREEMENT (this “Agreement”), made "
        "as of the [ ] day of [ ], 2020, by and between ARCONIC INC. (“Licensee”) and ARCONIC CORP. (“Licensor”).") \
        == "FORM OF TRADEMARK LICENSE AGREEMENT"
    assert extract(
        "Exhibit (k)(1)\nSERVICE AGREEMENT\nFOR\nTRANSFER AGENT SERVICES\nTO\nBLACKSTONE / GSO LONG-SHORT CREDIT "
        "INCOME FUND\nTHIS SERVICE AGREEMENT FOR TRANSFER AGENT SERVICES (this “Agreement”) between Blackstone Fund "
        "(“Client”) and Mellon Investor Services LLC (“Agent”), is dated as of January 26, 2011.") \
        == "SERVICE AGREEMENT FOR TRANSFER AGENT SERVICES"


def test_a_company_name_above_the_title_is_not_part_of_it():
    assert extract(
        "Exhibit 10.31\nACCURAY INCORPORATED\nDISTRIBUTOR AGREEMENT\nThis Distributor Agreement (“Agreement”) is "
        "entered into by and between ACCURAY INCORPORATED (“Accuray”) and SIEMENS AG (“Siemens”), as of June 8, "
        "2010.") == "DISTRIBUTOR AGREEMENT"


def test_the_preamble_gives_the_full_title_when_the_heading_is_shortened():
    assert extract(
        "Exhibit 10.31\nDISTRIBUTOR AGREEMENT\nThis Multiple LINAC and Multi-Modality Distributor Agreement "
        "(“Agreement”) is entered into by and between ACCURAY INCORPORATED (“Accuray”) and SIEMENS AG (“Siemens”).") \
        == "Multiple LINAC and Multi-Modality Distributor Agreement"


def test_without_a_heading_the_title_comes_from_the_preamble():
    assert extract(
        "This Intellectual Property Agreement (this “Agreement”) is entered into in ShenZhen on February 08, 2007 "
        "between the following two parties:\nParty A: JingWei HengTong Technology Co., Ltd.") \
        == "Intellectual Property Agreement"


def test_a_parties_line_after_the_title_is_cut_off():
    assert extract(
        "Promotion Agreement Between\nPageMaster Corporation and Go Call, Inc.\nThis Promotion Agreement (herein "
        "\"Agreement\") dated March 12, 1999, by and between Go Call, Inc. and PageMaster Corporation.") \
        == "Promotion Agreement"


def test_a_table_of_contents_or_section_heading_is_never_the_title():
    assert extract(
        "TABLE OF CONTENTS\n1.2 Scope of Agreement 1\nII. LICENSE AGREEMENT TERMS\nWHEREAS HEMISPHERX is a company "
        "and Scientific Products Co. LTD is a company, each a “Party”.") is None


@pytest.mark.skipif(not EXPECTED, reason="no sample contracts")
@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.stem)
def test_sample_contract_titles_are_what_a_lawyer_reads(expected_path):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    found = run(ingest_file(SAMPLES / expected["file"]))
    assert found is not None and found.casefold() == expected["title"]["value"].casefold()
