"""The contracting parties as a contract manager needs them: every party named once, by its name as
written, with the defined terms the contract uses for it; never an agent, a signatory, a town in
an address, or a group term ("the Parties"). Snippets are in the style of filed contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors import parties
from extractors.base import Context
from pipeline.document import Document, Page
from pipeline.ingest import ingest_file
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Party, Record, Status

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
EXPECTED = sorted((SAMPLES / "expected").glob("*.json"))


def run(document: Document) -> list[Party]:
    record = Record(pactwatch_version="t", status=Status.OK,
                    document=DocumentInfo(path=document.path, sha256="0", format=document.format, pages=1))
    parties.extract(Context(document=document, analysis=analyse(document), record=record))
    for party in record.parties:
        for evidence in party.evidence:
            assert document.text[evidence.start:evidence.end] == evidence.text
    return record.parties


def extract(text: str) -> list[Party]:
    return run(Document(path="x.txt", sha256="0", format="txt", text=text, pages=[Page(1, 0, len(text))]))


def names(found: list[Party]) -> list[str]:
    return [p.name for p in found]


def test_a_us_preamble_gives_each_party_with_its_term_role_type_and_state():
    found = extract(
        "MASTER SERVICES AGREEMENT\nThis Master Services Agreement (this \"Agreement\") is entered into as of March 1, "
        "2024 by and between Halvorsen Data Services, Inc., a Delaware corporation with its principal place of "
        "business at 400 Meridian Plaza, Suite 1200, Hoboken, New Jersey 07030 (\"Provider\"), and Northwind Freight "
        "Holdings, LLC, a New York limited liability company (\"Customer\"). Provider and Customer are each referred "
        "to herein as a \"Party\" and together as the \"Parties.\"\nRECITALS\nWHEREAS, Provider provides services.")
    assert names(found) == ["Halvorsen Data Services, Inc.", "Northwind Freight Holdings, LLC"]
    provider, customer = found
    assert (provider.aliases, provider.role, provider.entity_type, provider.jurisdiction) == (
        ["Provider"], "provider", "corporation", "Delaware")
    assert (customer.aliases, customer.role, customer.entity_type, customer.jurisdiction) == (
        ["Customer"], "customer", "limited liability company", "New York")
    assert provider.evidence[0].text.startswith("Halvorsen Data Services, Inc.")
    assert provider.evidence[0].text.endswith('("Provider")')


def test_a_uk_parties_block_gives_both_parties_and_their_registration():
    found = extract(
        "THIS AGREEMENT is dated 26th February 2024\nPARTIES\n(1) THAMESGATE DOCUMENT SOLUTIONS LIMITED incorporated "
        "and registered in England and Wales with company number 08745216 whose registered office is at Unit 4, "
        "Riverside Business Park, Dartford DA1 4QX (“Supplier”); and\n(2) HOLLOWAY & PRIESTLEY LLP a limited "
        "liability partnership incorporated and registered in England and Wales with registered number OC398127 "
        "(“Customer”).\nBACKGROUND\n(A) The Supplier provides managed print services.")
    assert names(found) == ["THAMESGATE DOCUMENT SOLUTIONS LIMITED", "HOLLOWAY & PRIESTLEY LLP"]
    assert [p.jurisdiction for p in found] == ["England and Wales", "England and Wales"]
    assert found[1].entity_type == "limited liability partnership"


def test_england_and_wales_in_a_description_is_not_a_party():
    found = extract(
        "THIS AGREEMENT is dated 1 April 2020\nBETWEEN\n(1) ACME LIMITED, a company incorporated and registered in "
        "England and Wales with company number 123 (the \"Employer\"); and\n(2) Brett Haumann of [address removed] "
        "(the \"Executive\").\nAGREED TERMS")
    assert names(found) == ["ACME LIMITED", "Brett Haumann"]
    assert [p.role for p in found] == ["employer", "employee"]


def test_a_town_in_an_address_is_not_a_party():
    found = extract(
        "This Support Agreement (\"Agreement\") is entered into as of the ____ day of ______ 2000 by and between "
        "XACCT Technologies, Inc., a Delaware corporation (\"XACCT\") with its principal place of business at 2900 "
        "Lakeside Drive, Suite 100, Santa Clara, California 95054 and ____________, a ________ corporation "
        "(\"Licensee\").\n1. DEFINITIONS")
    assert names(found) == ["XACCT Technologies, Inc."]


def test_parties_restated_by_their_defined_terms_are_not_new_parties():
    found = extract(
        "This Manufacturing Agreement (“Agreement”) is made and entered into as of the 20th day of March, 2018 by and "
        "between Antares Pharma, Inc., a Delaware corporation (“Antares”), and AMAG Pharmaceuticals, Inc., a Delaware "
        "corporation (“AMAG”). Antares and AMAG are sometimes referred to herein individually as a “Party” and "
        "collectively as the “Parties”.\nRecitals\nWHEREAS, AMAG Pharma USA, Inc. was acquired by AMAG.")
    assert names(found) == ["Antares Pharma, Inc.", "AMAG Pharmaceuticals, Inc."]


def test_a_list_of_affiliated_parties_under_one_group_term_keeps_every_member():
    found = extract(
        "This Cooperation Agreement (“Agreement”) is entered into as of July 1, 2020, by and between e.l.f. Beauty, "
        "Inc., a Delaware corporation (the “Company”), and Marathon Partners Equity Management, LLC (“Marathon "
        "Partners”), Marathon Partners L.P., Marathon Focus Fund L.P., Cibelli Research & Management, LLC and Mario "
        "Cibelli (collectively, the “Marathon Parties”) (each of the Company and the Marathon Parties, a “Party”).\n"
        "WHEREAS, the Company and the Marathon Parties have engaged in discussions.")
    assert names(found) == ["e.l.f. Beauty, Inc.", "Marathon Partners Equity Management, LLC", "Marathon Partners L.P.",
                            "Marathon Focus Fund L.P.", "Cibelli Research & Management, LLC", "Mario Cibelli"]


def test_a_town_and_a_later_entity_in_the_description_do_not_steal_the_defined_term():
    found = extract(
        "This Distributor Agreement (“Agreement”) is entered into by and between ACCURAY INCORPORATED, a Delaware "
        "corporation (“Accuray”), and SIEMENS AKTIENGESELLSCHAFT, a corporation formed under the laws of the Federal "
        "Republic of Germany, with its registered offices located at Berlin and Munich (“Siemens”), as of June 8, "
        "2010 (“Effective Date”).\nRECITALS")
    assert names(found) == ["ACCURAY INCORPORATED", "SIEMENS AKTIENGESELLSCHAFT"]
    assert found[1].aliases == ["Siemens"] and found[1].jurisdiction == "Federal Republic of Germany"


def test_chinese_style_party_lines_give_the_parties():
    found = extract(
        "Road Transportation Agreement\nParty A (Shipper): ZTO Express Co., Ltd.\nAddress: Building 1, Huazhi Road, "
        "Shanghai\nParty B (Carrier): Tonglu Tongze Logistics Ltd.\nAddress: 12 Floor, HSBC Tower, Tonglu County\n"
        "Due to the need for logistics business, Party A and Party B enter into this Agreement.")
    assert names(found) == ["ZTO Express Co., Ltd.", "Tonglu Tongze Logistics Ltd."]
    assert found[0].aliases == ["Party A", "Shipper"] and found[0].role == "customer"


def test_a_joint_filing_without_a_preamble_takes_the_parties_from_the_signature_blocks():
    found = extract(
        "JOINT FILING AGREEMENT\nThe undersigned hereby agree to the joint filing of the Statement on Schedule 13D.\n"
        "Dated: July 6, 2020\nHPS INVESTMENT PARTNERS, LLC\n/s/ John Madden\nName: John Madden\nTitle: Authorized "
        "Signatory\nHPS MEZZANINE PARTNERS II, LLC\nBy: HPS Investment Partners, LLC, its sole member\n/s/ John Madden\n"
        "Name: John Madden\n")
    assert names(found) == ["HPS INVESTMENT PARTNERS, LLC", "HPS MEZZANINE PARTNERS II, LLC"]
    assert all(p.confidence <= 0.6 for p in found)


def test_a_letter_agreement_takes_the_parties_from_its_first_paragraph():
    found = extract(
        "CONSULTING AGREEMENT\nJuly 20, 2018\nGianluca Rotino\nDear Gianluca:\nKiromic, Inc, a Delaware corporation "
        "(the “Company”), is pleased to offer this Consulting Agreement (this “Agreement”) to retain Gianluca Rotino "
        "(“Consultant”) to perform certain consulting activities as described below:\n1. Services.")
    assert names(found) == ["Kiromic, Inc", "Gianluca Rotino"]
    assert [p.role for p in found] == ["client", "consultant"]


def test_names_broken_by_pdf_artifacts_are_read_whole():
    found = extract(
        "This Co-Branding Agreement (\"Agreement\") is made and entered into as of April 27, 1999, by and between "
        "iShip.com, Inc., a Washington corporation (the \"Company\"), and Mail\n-------\nBoxes Etc. USA, Inc., a "
        "California corporation (\"MBE\").\n1. DEFINITIONS")
    assert names(found) == ["iShip.com, Inc.", "Mail Boxes Etc. USA, Inc."]


def test_a_mutual_contract_without_role_words_calls_both_sides_party():
    found = extract(
        "This Mutual Nondisclosure Agreement is entered into as of May 1, 2023 by and between Harborview Biologics, "
        "Inc., a Delaware corporation (\"Harborview\"), and Sundial Robotics Corporation, a Washington corporation "
        "(\"Sundial\").\n1. Purpose.")
    assert [p.role for p in found] == ["party", "party"]


@pytest.mark.skipif(not EXPECTED, reason="no sample contracts")
@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.stem)
def test_sample_contract_parties_are_what_a_lawyer_reads(expected_path):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    found = run(ingest_file(SAMPLES / expected["file"]))
    assert [p.name.casefold() for p in found] == [p["name"].casefold() for p in expected["parties"]]
    for ours, theirs in zip(found, expected["parties"]):
        assert set(theirs.get("aliases") or []) <= set(ours.aliases), ours.name
        assert ours.role == theirs.get("role"), ours.name
        assert ours.entity_type == theirs.get("entity_type"), ours.name
        assert ours.jurisdiction and ours.jurisdiction in (theirs.get("jurisdiction") or ""), ours.name
