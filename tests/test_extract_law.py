"""Governing law: the jurisdiction the parties chose, never a party's state of incorporation or
the courts' location, reported by its usual name and quoted from the choice-of-law sentence."""

from __future__ import annotations

import re

import pytest

from extractors import law
from extractors.base import Context
from pipeline.ingest.txt import read_txt
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Record, Status


def read(text: str) -> Context:
    document = read_txt("contract.txt", text.encode("utf-8"), "0" * 64)
    record = Record(pactwatch_version="test", status=Status.OK,
                    document=DocumentInfo(path="contract.txt", sha256="0" * 64, format="txt", pages=1))
    return Context(document, analyse(document), record)


def governing_law(text: str):
    ctx = read(text)
    law.extract(ctx)
    return ctx.record.governing_law


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


PREAMBLE = (
    'This Supply Agreement is entered into by Acme Components, Inc., a Delaware corporation ("Supplier"), and '
    'Borealis Retail Ltd., a company organized and existing under the laws of the Province of Ontario ("Buyer").\n\n'
)


def test_governing_law_is_the_jurisdiction_quoted_from_its_sentence():
    field = governing_law(
        PREAMBLE + "14.3 Governing Law. This Agreement shall be governed by and construed in accordance with the "
        "laws of the State of New York, without regard to its conflict of laws principles.\n"
    )

    assert field.value == "New York"
    assert field.confidence >= 0.9
    assert fold(field.evidence[0].text).startswith("This Agreement shall be governed by and construed")
    assert "State of New York" in field.evidence[0].text


def test_party_incorporation_is_not_taken_for_governing_law():
    field = governing_law(
        PREAMBLE + "12. Miscellaneous. The laws of the State of California shall govern this Agreement and any "
        "dispute arising under it.\n"
    )

    assert field.value == "California"


def test_choice_of_courts_alone_is_not_a_governing_law():
    field = governing_law(
        PREAMBLE + "Each party irrevocably submits to the exclusive jurisdiction of the state and federal courts "
        "located in the Borough of Manhattan, New York, for any action arising out of this Agreement.\n"
    )

    assert field is None


def test_canadian_province_is_reported_with_its_country():
    field = governing_law(
        "This Agreement shall be governed by and construed in accordance with the laws of the Province of Ontario "
        "and the federal laws of Canada applicable therein.\n"
    )

    assert field.value == "Ontario, Canada"


@pytest.mark.parametrize(
    ("clause", "jurisdiction"),
    [
        ("This Agreement is governed by English law and the parties submit to the exclusive jurisdiction of the "
         "English courts.", "England and Wales"),
        ("The validity, implementation and interpretation of this Agreement shall be governed by the laws of PRC.",
         "People's Republic of China"),
        ("This Agreement shall be governed by and interpreted pursuant to the laws of the People’s Republic of "
         "China that are promulgated and publicly available.", "People's Republic of China"),
        ("This Agreement shall be governed by and construed under the laws of Hong Kong without regard to choice "
         "of laws principles.", "Hong Kong"),
        ("This Agreement shall be governed by, and construed in accordance with, the laws of the Federal Republic "
         "of Germany excluding the CISG.", "Germany"),
        ("This Agreement shall be governed by the laws of the Commonwealth of Massachusetts.", "Massachusetts"),
        ("This Agreement shall be governed and construed in accordance with the laws of New York State (without "
         "regard to the conflict of laws provisions thereof).", "New York"),
    ],
)
def test_jurisdiction_names_are_normalised(clause: str, jurisdiction: str):
    assert governing_law(clause + "\n").value == jurisdiction


def test_state_named_beside_federal_law_is_the_governing_law():
    field = governing_law(
        "This Agreement shall be governed by the laws of the United States of America and the State of Texas.\n"
    )

    assert field.value == "Texas"


def test_clause_in_capitals_is_read():
    field = governing_law(
        "THIS AGREEMENT SHALL BE GOVERNED BY AND INTERPRETED IN ACCORDANCE WITH THE LAWS OF THE STATE OF NEW YORK "
        "WITHOUT REGARD TO CONFLICTS OF LAW PRINCIPLES (OTHER THAN SECTION 5-1401 OF THE NEW YORK GENERAL "
        "OBLIGATIONS LAW).\n"
    )

    assert field.value == "New York"


def test_exception_for_federal_statute_does_not_hide_the_chosen_state():
    field = governing_law(
        'Except to the extent governed by the U.S. Trademark Act of 1946 (Lanham Act, 15 U.S.C. "1051 et seq.), '
        "this Agreement shall be governed in all respects by the laws of the Commonwealth of Pennsylvania.\n"
    )

    assert field.value == "Pennsylvania"


def test_law_interrupted_by_a_conflicts_aside_is_read():
    field = governing_law(
        "35.1 This Agreement shall be governed by the internal laws, and not by the laws regarding conflicts of "
        "laws, of the State of North Carolina.\n"
    )

    assert field.value == "North Carolina"


def test_agency_named_after_country_is_not_a_governing_law():
    field = governing_law(
        "If Supplier is subject to laws and regulations of the U.S. Securities & Exchange Commission (SEC), the "
        "reporting requirements herein shall be limited to information that can legally be provided.\n"
    )

    assert field is None


def test_redacted_jurisdiction_is_not_guessed_from_elsewhere():
    field = governing_law(
        PREAMBLE + "This Agreement shall be governed by and construed in accordance with the laws of [***], "
        "without regard to the conflicts of law principles thereof.\n"
    )

    assert field is None


def test_weak_cue_gets_lower_confidence_than_governed_by():
    weak = governing_law("By this Agreement the Members enter into a joint venture in accordance with the laws of "
                         "the State of Florida.\n")
    strong = governing_law("This Agreement shall be governed by the laws of the State of Florida.\n")

    assert weak.value == strong.value == "Florida"
    assert weak.confidence < 0.6 < 0.9 <= strong.confidence


def test_addendum_for_one_state_does_not_override_the_main_choice():
    field = governing_law(
        "25.1 This Agreement will be interpreted and construed exclusively under the laws of the State of Texas.\n\n"
        "ADDENDUM FOR MINNESOTA FRANCHISEES\n"
        "With respect to franchisees governed by Minnesota law, we will comply with Minn. Stat. Sec. 80C.14.\n"
    )

    assert field.value == "Texas"


def test_sample_contracts_governing_law(sample_outcomes, expected):
    for slug, exp in expected.items():
        field = sample_outcomes[slug].record.governing_law
        assert field is not None, slug
        assert field.value == exp["governing_law"]["value"], slug
        assert fold(exp["governing_law"]["quote"]) in fold(field.evidence[0].text), slug
