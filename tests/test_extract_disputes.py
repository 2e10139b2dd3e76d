"""Dispute resolution: the steps a dispute takes (negotiation -> mediation -> arbitration or
litigation), the institution, arbitrators, seat and language, whether the chosen courts are
exclusive, jury waivers and injunctive-relief carve-outs, each quoted from its clause."""

from __future__ import annotations

import re

import pytest

from extractors import disputes
from extractors.base import Context
from extractors.disputes import normalise_place
from pipeline.ingest.txt import read_txt
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Record, Status


def read(text: str) -> Context:
    document = read_txt("contract.txt", text.encode("utf-8"), "0" * 64)
    record = Record(pactwatch_version="test", status=Status.OK,
                    document=DocumentInfo(path="contract.txt", sha256="0" * 64, format="txt", pages=1))
    return Context(document, analyse(document), record)


def extract(text: str):
    ctx = read(text)
    disputes.extract(ctx)
    return ctx.record.disputes


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


ICC_CLAUSE = """13.2 Negotiation. The parties shall attempt in good faith to resolve any dispute arising out of or in
connection with this Agreement through negotiation between their respective senior officers. Either party may
initiate negotiation by written notice, and if the dispute is not resolved within thirty (30) days after such
notice, either party may refer the dispute to arbitration under Section 13.3.

13.3 Arbitration. All disputes arising out of or in connection with this Agreement shall be finally settled under
the Rules of Arbitration of the International Chamber of Commerce by three (3) arbitrators appointed in accordance
with the said Rules. The seat of arbitration shall be Toronto, Ontario, Canada, and the language of the arbitration
shall be English. Judgment on the award may be entered in any court having jurisdiction thereof.

13.4 Interim Relief. Nothing in this Article 13 shall prevent either party from applying to the Ontario Superior
Court of Justice or any other court of competent jurisdiction for interim or injunctive relief.
"""


def test_negotiation_then_arbitration_with_its_rules_seat_panel_and_language():
    d = extract(ICC_CLAUSE)

    assert d.mechanisms.value == ["negotiation", "arbitration"]
    assert d.arbitration_rules.value == "ICC"
    assert d.arbitrators.value == 3
    assert d.seat.value == "Toronto, Ontario, Canada"
    assert d.language.value == "English"
    assert d.escalation.value == "senior officers within 30 days"
    assert "International Chamber of Commerce" in d.arbitration_rules.evidence[0].text
    assert fold(d.seat.evidence[0].text).startswith("The seat of arbitration shall be Toronto")


def test_courts_named_only_to_enter_judgment_are_not_a_litigation_step():
    d = extract(ICC_CLAUSE)

    assert "litigation" not in d.mechanisms.value
    assert d.courts_exclusive is None


def test_interim_relief_from_a_court_is_a_carve_out():
    d = extract(ICC_CLAUSE)

    assert d.injunctive_carveout.value is True
    assert "interim or injunctive relief" in fold(d.injunctive_carveout.evidence[0].text)


def test_escalation_names_who_meets_and_when():
    d = extract(
        "18.2 Executive Escalation. In the event of any dispute arising out of or relating to this Agreement (a "
        '"Dispute"), either Party may give the other Party written notice of the Dispute. Within fifteen (15) days '
        "after delivery of such notice, senior executives of each Party with authority to settle the Dispute shall "
        "meet in person and attempt in good faith to resolve the Dispute.\n"
        "18.3 Arbitration. Any Dispute not resolved under Section 18.2 shall be finally resolved by binding "
        "arbitration administered by the American Arbitration Association in accordance with its Commercial "
        "Arbitration Rules before a single arbitrator. The seat of the arbitration shall be New York, New York.\n"
    )

    assert d.mechanisms.value == ["negotiation", "arbitration"]
    assert d.escalation.value == "senior executives within 15 days"
    assert d.arbitration_rules.value == "AAA"
    assert d.arbitrators.value == 1
    assert d.seat.value == "New York, New York"


def test_exclusive_courts_make_litigation_with_its_seat():
    d = extract(
        "16.1 This Lease shall be governed by and construed in accordance with the laws of the State of Texas. Any "
        "action arising out of or relating to this Lease shall be brought exclusively in the state courts of Travis "
        "County, Texas, and the parties consent to the jurisdiction of such courts.\n"
        "16.2 LANDLORD AND TENANT EACH WAIVE TRIAL BY JURY IN ANY ACTION, PROCEEDING OR COUNTERCLAIM BROUGHT BY "
        "EITHER OF THEM AGAINST THE OTHER.\n"
    )

    assert d.mechanisms.value == ["litigation"]
    assert d.seat.value == "Travis County, Texas"
    assert d.courts_exclusive.value is True
    assert d.jury_waiver.value is True
    assert "WAIVE TRIAL BY JURY" in d.jury_waiver.evidence[0].text


def test_non_exclusive_jurisdiction_is_reported_as_not_exclusive():
    d = extract(
        "(a) The parties irrevocably submit to the non-exclusive jurisdiction of any New York State court sitting in "
        "New York City or the United States District Court for the Southern District of New York in any action or "
        "proceeding arising out of or relating to this Agreement.\n"
    )

    assert d.courts_exclusive.value is False
    assert d.seat.value == "New York, New York"


def test_franchise_addendum_voiding_jury_waivers_is_not_a_waiver():
    d = extract(
        "The following provisions are void under North Dakota law: F. Waiver of Trial by Jury: Requiring North "
        "Dakota franchisees to consent to the waiver of a trial by jury.\n"
    )

    assert d.jury_waiver is None


def test_absent_jury_waiver_is_left_empty_not_false():
    d = extract(ICC_CLAUSE)

    assert d.jury_waiver is None  # nothing to quote for "no waiver"


def test_clause_denying_injunctive_relief_is_not_a_carve_out():
    d = extract(
        "IN NO EVENT SHALL THE NON-BREACHING PARTY BE ENTITLED TO EQUITABLE OR INJUNCTIVE RELIEF OF ANY KIND.\n"
    )

    assert d.injunctive_carveout.value is False


def test_generic_legal_and_equitable_remedies_are_not_an_injunctive_carve_out():
    d = extract(
        "14.4 If Newegg fails to cure such breach within fifteen (15) days, Allied shall have the right to pursue "
        "any additional legal and equitable remedies in connection with the Agreement.\n"
    )

    assert d.injunctive_carveout is None


def test_mediation_under_aaa_procedures_then_courts_is_not_arbitration():
    d = extract(
        "10.2 Management Meeting. Any dispute arising under this Agreement shall first be referred to the parties' "
        "senior management, who shall meet within ten (10) business days after a written request by either party "
        "and attempt in good faith to resolve the dispute.\n"
        "10.3 Mediation. If the dispute is not resolved within thirty (30) days after such request, the parties "
        "shall submit the dispute to non-binding mediation in Pittsburgh, Pennsylvania under the Commercial "
        "Mediation Procedures of the American Arbitration Association.\n"
        "10.4 Venue. Any litigation arising out of or relating to this Agreement shall be brought exclusively in the "
        "Court of Common Pleas of Allegheny County, Pennsylvania.\n"
    )

    assert d.mechanisms.value == ["negotiation", "mediation", "litigation"]
    assert d.arbitration_rules is None
    assert d.seat.value == "Allegheny County, Pennsylvania"
    assert d.escalation.value == "senior management within 10 business days"


def test_rent_arbitration_in_a_lease_is_not_the_dispute_mechanism():
    d = extract(
        "If Landlord and Tenant cannot agree on the Fair Market Rent, the Fair Market Rent shall be determined by "
        "broker arbitration, each party appointing one broker.\n"
    )

    assert d.mechanisms is None
    assert d.arbitration_rules is None


def test_passing_mention_of_arbitration_in_representations_is_not_a_clause():
    d = extract(
        "(f) there is no pending or threatened litigation, arbitration or government proceeding which alleges that "
        "AMAG's activities infringe the rights of any third party.\n"
    )

    assert d.mechanisms is None


def test_each_party_appointing_an_arbitrator_means_a_panel_of_three():
    d = extract(
        "Any dispute arising out of this Agreement shall be settled by binding arbitration in accordance with the "
        "rules of the American Arbitration Association. TouchStar shall appoint one (1) arbitrator, Customer shall "
        "appoint one (1) arbitrator, and the third arbitrator shall be selected by the two so appointed.\n"
    )

    assert d.arbitrators.value == 3


def test_contract_without_a_dispute_clause_reports_nothing():
    d = extract("1. Services. Supplier shall provide the Services described in Exhibit A.\n")

    assert d.model_dump(exclude_none=True) == {}


@pytest.mark.parametrize(
    ("written", "reported"),
    [
        ("the County of Los Angeles, California", "Los Angeles County, California"),
        ("New York, NY", "New York, New York"),
        ("London", "London, United Kingdom"),
        ("London, England", "London, United Kingdom"),
        ("Orange County, California, U.S.A.", "Orange County, California"),
        ("Charlotte, N.C.", "Charlotte, North Carolina"),
        ("Borough of Manhattan, New York County, New York", "New York County, New York"),
        ("City and County of San Francisco, California", "San Francisco, California"),
        ("the State of Delaware", "Delaware"),
        ("THE STATE OF CALIFORNIA, COUNTY OF SAN DIEGO", "San Diego County, California"),
    ],
)
def test_seat_is_named_the_same_way_whatever_the_drafting(written: str, reported: str):
    assert normalise_place(written) == reported


# The fields whose expected value a quote can support: true/strings/lists (absent clauses are
# expected as false in the sample files, which pactwatch leaves empty rather than unquoted).
SAMPLE_FIELDS = ["mechanisms", "arbitration_rules", "arbitrators", "seat", "language", "courts_exclusive",
                 "jury_waiver", "injunctive_carveout"]


def test_sample_contracts_disputes(sample_outcomes, expected):
    checked = 0
    for slug, exp in expected.items():
        got = sample_outcomes[slug].record.disputes
        for name in SAMPLE_FIELDS:
            want = exp.get("disputes", {}).get(name)
            if not want or "by_reference" in want or want.get("value") in (None, False) and name == "jury_waiver":
                continue
            if want.get("value") is False and "quote" not in want:
                continue
            field = getattr(got, name)
            if want.get("value") is None:
                assert field is None, f"{slug}: {name}"
                continue
            assert field is not None and field.value == want["value"], f"{slug}: {name} = {field and field.value}"
            assert field.evidence, f"{slug}: {name} has no quote"
            checked += 1
    assert checked >= 40
