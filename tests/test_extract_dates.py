"""Agreement and effective dates as a contract manager relies on them: the effective date starts
the term, so a date taken from a recital about another contract, or a blank form filled from the
signature page, moves every deadline. Snippets are in the style of filed contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors import dates, parties
from extractors.base import Context
from pipeline.document import Document, Page
from pipeline.ingest import ingest_file
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Record, Status

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
EXPECTED = sorted((SAMPLES / "expected").glob("*.json"))


def run(document: Document) -> Record:
    record = Record(pactwatch_version="t", status=Status.OK,
                    document=DocumentInfo(path=document.path, sha256="0", format=document.format, pages=1))
    ctx = Context(document=document, analysis=analyse(document), record=record)
    parties.extract(ctx)
    dates.extract(ctx)
    return record


def extract(text: str) -> Record:
    return run(Document(path="x.txt", sha256="0", format="txt", text=text, pages=[Page(1, 0, len(text))]))


def fold(text: str) -> str:
    return " ".join(text.replace("“", '"').replace("”", '"').split())


def values(record: Record) -> tuple[str | None, str | None]:
    d = record.dates
    return (d.agreement.value if d.agreement else None, d.effective.value if d.effective else None)


def test_a_contract_made_on_one_day_and_effective_on_another_keeps_both_dates():
    record = extract(
        "SERVICES AGREEMENT\nThis Services Agreement (this “Agreement”) is entered into on October 1, 2019 and is made "
        "effective as of November 1, 2019 (the “Effective Date”), by and between Acme Corp., a Delaware corporation "
        "(the “Provider”), and Beta LLC (“Recipient”).\nRECITALS\nA. Recipient wishes to engage the Provider.")
    assert values(record) == ("2019-10-01", "2019-11-01")
    assert "November 1, 2019" in record.dates.effective.evidence[0].text


def test_dated_as_of_with_the_effective_date_defined_there_gives_both_dates():
    record = extract(
        "This License, Development and Commercialization Agreement (this “Agreement”), dated as of February 4, 2020 "
        "(the “Effective Date”), is made by and between Xencor, Inc. (“Xencor”), and Aimmune Therapeutics, Inc. "
        "(“Aimmune”).\nRECITALS\nWHEREAS, Xencor has developed the Antibody.")
    assert values(record) == ("2020-02-04", "2020-02-04")
    assert record.dates.agreement.confidence >= 0.9


def test_the_date_of_another_contract_in_the_preamble_is_not_this_contracts_date():
    record = extract(
        "This AMENDMENT AND TERMINATION OF JOINT VENTURE AGREEMENT (this “Amendment”) is made and entered into "
        "effective as of October 30, 2019 (the “Effective Date”) by and among Veoneer AB (“Veoneer AB”) and Nissin "
        "Kogyo Co., Ltd. (“Nissin”), as an amendment to that certain Joint Venture Agreement dated March 7, 2016 by "
        "and among Autoliv ASP, Inc. and Nissin.\nRECITALS")
    assert values(record) == ("2019-10-30", "2019-10-30")


def test_a_recital_about_a_prior_agreement_does_not_date_this_one():
    record = extract(
        "ENDORSEMENT AGREEMENT\nWHEREAS, Movado Group, Inc. (the \"Company\") and the Trust entered into a Split Dollar "
        "Agreement, dated as of December 5, 1995 (the \"Split Dollar Agreement\");\nNOW, THEREFORE, the parties agree "
        "as follows:\n1. Term. This Agreement shall continue until terminated.\nIN WITNESS WHEREOF, the parties hereto "
        "have executed this Agreement as of this 4th day of April, 2003.\nMOVADO GROUP, INC.\nBy: /s/ T. Michno")
    assert values(record)[0] == "2003-04-04"


def test_effective_on_the_date_first_written_above_is_the_agreement_date():
    record = extract(
        "DISTRIBUTION AGREEMENT\nThis Distribution Agreement (the \"Agreement\") is made and entered into as of this "
        "19th day of July 2018, by and between iMine Corporation (\"JRVS\") and SUNWAI Technology (\"Distributor\").\n"
        "1. Term. This Agreement shall become effective upon the date first written above and shall remain in full "
        "force and effect for a period of two years.")
    assert values(record) == ("2018-07-19", "2018-07-19")
    assert record.dates.effective.derived and "first written above" in record.dates.effective.evidence[0].text


def test_effective_on_the_last_signature_takes_the_latest_signature_date():
    record = extract(
        "MASTER JOINT DEVELOPMENT AGREEMENT\nThis Agreement is entered into by and between iBio, Inc. (\"iBio\") and "
        "Beijing CC-Pharming Ltd. (\"CC-Pharming\").\n5. Term. The term of this Agreement (\"Term\") will begin on the "
        "date this Agreement is signed by the last signatory (\"Effective Date\") and remain in effect for three years."
        "\nIN WITNESS WHEREOF\nBy: /s/ Robert Erwin By: /s/ Kevin Wang\nName: Robert Erwin Name: Kevin Wang\n"
        "Date: August 7, 2018 Date: August 8, 2018\n")
    assert values(record) == ("2018-08-08", "2018-08-08")


def test_an_effective_date_defined_by_an_event_is_not_replaced_by_the_signing_date():
    record = extract(
        "SERVICE AGREEMENT\nTHIS SERVICE AGREEMENT (this “Agreement”) between Blackstone Fund (“Client”) and Mellon "
        "Investor Services LLC (“Agent”), is dated as of January 26, 2011.\n1. Term. This Agreement shall become "
        "effective on the date on which Agent has confirmed that Client's records have been converted to Agent's "
        "system (the “Effective Date”), and shall continue for three years thereafter.")
    assert values(record) == ("2011-01-26", None)


def test_a_definition_of_the_effective_date_in_the_definitions_gives_it():
    record = extract(
        "JOINT DEVELOPMENT AGREEMENT\nThis Joint Development Agreement (“Agreement”) is entered into by and between "
        "ExxonMobil Research and Engineering Company (“ExxonMobil”) and FuelCell Energy, Inc. (“FCE”).\n"
        "1. DEFINITIONS\n1.12 “Effective Date” means October 31, 2019.\n")
    assert values(record)[1] == "2019-10-31"


def test_the_start_of_the_term_is_the_effective_date_when_nothing_else_says_so():
    record = extract(
        "ENDORSEMENT AGREEMENT\nThis Agreement is entered into on January 13, 2005 between professional golfer, TOM "
        "WATSON, (hereinafter referred to as “CONSULTANT”) and ADAMS GOLF, LTD. (hereinafter referred to as “ADAMS "
        "GOLF”).\nCONTRACT PERIOD\n1. TERM OF CONTRACT\nThe Term of this Agreement shall be for a period of two years "
        "commencing the 1st day of September 2004 and terminating on the 31st day of August 2006.")
    assert values(record) == ("2005-01-13", "2004-09-01")


def test_a_renewal_period_starting_on_a_date_is_not_the_effective_date():
    record = extract(
        "SUPPLY AGREEMENT\nThis Supply Agreement is made as of March 3, 2020 by and between Acme Inc. (\"Buyer\") and "
        "Beta LLC (\"Supplier\").\n2. Term. Each Renewal Term commencing on January 1, 2025 shall last one year.")
    assert values(record) == ("2020-03-03", None)


def test_a_blank_agreement_date_is_left_blank_not_filled_from_the_signature_page():
    record = extract(
        "RESELLER AGREEMENT\nThis Reseller Agreement is entered as of this ___ day of _________, 2004 (\"Effective "
        "Date\") by and between PivX Corporation (\"PivX\") and Detto Technologies (\"Detto\").\nNOW THEREFORE, the "
        "parties agree.\nIN WITNESS WHEREOF\nBy: ____________ Date: 3/9/2004\nBy: ____________ Date: 3/10/2004")
    assert values(record) == (None, None)


def test_a_preamble_giving_only_the_effective_date_dates_the_contract_by_it():
    record = extract(
        "STRATEGIC ALLIANCE AGREEMENT\nThis Strategic Alliance Agreement (this “Agreement”), effective as of December "
        "10, 2015 (the “Effective Date”), is by and between Allscripts Healthcare, LLC (“Allscripts”) and Phreesia, "
        "Inc. (the “Company”).\nRECITALS")
    assert values(record) == ("2015-12-10", "2015-12-10")
    assert record.dates.agreement.confidence < record.dates.effective.confidence


def test_an_ambiguous_numeric_signing_date_is_flagged_for_review():
    record = extract(
        "HOSTING AGREEMENT\nThis is a managed hosting agreement between AstroNutrition.com and Deep Systems Inc.\n"
        "IN WITNESS WHEREOF\nBy: /s/ J. Doe\nName: J. Doe\nDate: 03/04/2022\n")
    assert values(record)[0] == "2022-03-04"
    assert [d.code for d in record.diagnostics] == ["PW-W202"]
    assert record.dates.agreement.note and record.dates.agreement.confidence < 0.6


def test_a_uk_contract_reads_its_numeric_dates_day_first_without_a_warning():
    record = extract(
        "SERVICES AGREEMENT\nTHIS AGREEMENT is dated 03/04/2022\nPARTIES\n(1) ACME LIMITED incorporated and registered "
        "in England and Wales with company number 0812 (the “Supplier”); and\n(2) BETA LLP (the “Customer”).\n"
        "AGREED TERMS")
    assert values(record)[0] == "2022-04-03"
    assert record.diagnostics == []


def test_date_evidence_quotes_the_clause_not_the_title_lines_above_it():
    record = extract(
        "Exhibit 10.1\nJOINT VENTURE AGREEMENT\nTHIS JOINT VENTURE AGREEMENT (the “Agreement”) made and entered into "
        "this 20th day of March 2020 (the “Execution Date”),\nBETWEEN:\nJVLS, LLC (the “Member”).\nBACKGROUND:")
    quote = record.dates.agreement.evidence[0].text
    assert quote.startswith("THIS JOINT VENTURE AGREEMENT") and "20th day of March 2020" in quote


@pytest.mark.skipif(not EXPECTED, reason="no sample contracts")
@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.stem)
def test_sample_contract_dates_are_what_a_lawyer_reads(expected_path):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    record = run(ingest_file(SAMPLES / expected["file"]))
    for slot in ("agreement", "effective"):
        want = (expected.get("dates") or {}).get(slot) or {}
        got = getattr(record.dates, slot)
        assert (got.value if got else None) == want.get("value"), slot
        if got and want.get("quote"):
            quote, ours = fold(want["quote"]), fold(got.evidence[0].text)
            date_words = [w for w in quote.split() if w.rstrip(",.")[:1].isdigit()]
            assert all(w in ours for w in date_words), (slot, ours)
