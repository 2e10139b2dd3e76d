"""Service levels as a contract manager tracks them: each target with its number, unit and window,
who is measured and what a miss costs. A 99.9% availability read as 99.5%, or a response time
read from "24 hours a day", sends a supplier review the wrong way."""

from __future__ import annotations

import re

from extractors import kpis, payment
from extractors.base import Context
from pipeline.document import Document, Page
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Kpi, Party, Record, Status

PARTIES = [
    Party(name="CloudPeak Software, Inc.", aliases=["CloudPeak"], confidence=0.9),
    Party(name="Meridian Regional Health Partners, LLC", aliases=["Subscriber"], confidence=0.9),
]


def extract(text: str) -> list[Kpi]:
    document = Document(path="x.txt", sha256="0", format="txt", text=text, pages=[Page(1, 0, len(text))])
    record = Record(pactwatch_version="t", status=Status.OK,
                    document=DocumentInfo(path="x.txt", sha256="0", format="txt", pages=1))
    record.parties = list(PARTIES)
    ctx = Context(document=document, analysis=analyse(document), record=record)
    payment.extract(ctx)
    kpis.extract(ctx)
    return record.kpis


def target(kpi: Kpi) -> tuple[str, float, str] | None:
    return (kpi.target.comparator, kpi.target.value, kpi.target.unit) if kpi.target else None


def locate(text: str, quote: str) -> tuple[int, int] | None:
    pattern = r"(?:\s+|\s*\|\s*)".join(re.escape(w) for w in quote.split())
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


STANDARD_METRICS = {"availability", "response_time", "resolution_time", "on_time_delivery", "fill_rate", "defect_rate",
                    "minimum_volume", "service_credit_cap"}


def test_sample_contract_service_levels_are_found_with_their_targets(sample_outcomes, expected):
    found = missed = right_target = standard = 0
    misses = []
    for slug, exp in expected.items():
        outcome = sample_outcomes[slug]
        for k in exp["kpis"]:
            span = locate(outcome.document.text, k["quote"])
            if span is None:
                continue
            quoted = [g for g in outcome.record.kpis if any(e.start < span[1] and span[0] < e.end for e in g.evidence)]
            if not quoted:
                missed += 1
                misses.append((slug, k["quote"][:60]))
                continue
            found += 1
            if k["metric"] in STANDARD_METRICS:
                standard += 1
                want = k["target"]
                right_target += any(
                    g.target and g.target.comparator == want["comparator"] and g.target.value == want["value"]
                    and g.target.unit == want["unit"] for g in quoted)
    assert found / (found + missed) >= 0.9, misses
    assert right_target / standard >= 0.85, (right_target, standard)


def test_availability_commitment_reads_target_window_party_and_linked_remedies():
    text = """1.1 CloudPeak shall make the Service available 99.9% of the time in each calendar month.

3.1 If Availability in any calendar month falls below 99.9%, Subscriber shall be entitled to a service credit equal to the percentage of the monthly fee set forth below:

Monthly Availability | Service Credit
Less than 99.9% but at least 99.5% | 5%
Less than 99.5% | 10%

3.3 The total service credits for any calendar month shall not exceed thirty percent (30%) of the monthly fee.
"""
    found = extract(text)
    commitment = next(k for k in found if k.evidence[0].text.startswith("1.1"))
    assert (commitment.metric, target(commitment), commitment.window, commitment.party) == (
        "availability", (">=", 99.9, "%"), "monthly", "CloudPeak")
    assert "Less than 99.5%: 10%" in commitment.remedy
    assert "capped at 30%" in commitment.remedy
    cap = next(k for k in found if k.metric == "service_credit_cap")
    assert target(cap) == ("<=", 30.0, "%")
    # 3.1 restates the 1.1 target to attach credits: one service level, quoting both
    assert [k.metric for k in found].count("availability") == 1
    assert any(e.text.startswith("3.1 If Availability") for e in commitment.evidence)


def test_each_response_and_fix_time_in_a_sentence_is_its_own_target():
    found = extract("CloudPeak shall respond to each Critical Error within two (2) hours after notification and shall "
                    "provide a workaround or correction for a Critical Error within twenty-four (24) hours after "
                    "notification, and shall respond to all other Errors within one (1) business day.")
    assert [(k.metric, target(k)) for k in found] == [
        ("response_time", ("<=", 2.0, "hours")),
        ("resolution_time", ("<=", 24.0, "hours")),
        ("response_time", ("<=", 1.0, "business_days")),
    ]
    assert {k.window for k in found} == {"per incident"}


def test_support_hours_and_answers_to_requests_for_consent_are_not_service_levels():
    assert extract("CloudPeak shall provide support twenty-four (24) hours a day, seven (7) days a week. "
                   "Subscriber shall respond to any request for consent within fifteen (15) business days.") == []


def test_service_level_table_rows_become_targets_with_window_and_credit():
    text = """1. The Supplier shall meet the following Service Levels, measured for each calendar month:

Service Level | Target | Service Credit if missed
Device Availability: percentage of Business Hours during which Devices are operational | At least 98.5% | 3% of the monthly Charges
Engineer response: time from logging of a fault to arrival on site | Within eight (8) Business Hours for 95% of faults | 2% of the monthly Charges
"""
    found = extract(text)
    assert [(k.metric, target(k), k.window, k.remedy) for k in found] == [
        ("availability", (">=", 98.5, "%"), "monthly", "3% of the monthly Charges"),
        ("response_time", ("<=", 8.0, "business_hours"), "monthly", "2% of the monthly Charges"),
    ]
    assert found[0].evidence[0].text.startswith("Device Availability")


def test_a_missed_target_with_a_termination_right_is_a_kpi_with_that_remedy():
    found = extract("If Availability falls below 99.9% in any three (3) consecutive calendar months, Subscriber may "
                    "terminate this Agreement upon written notice given within sixty (60) days after the last such month.")
    assert len(found) == 1
    kpi = found[0]
    assert (kpi.metric, target(kpi), kpi.window) == ("availability", (">=", 99.9, "%"), "three (3) consecutive calendar months")
    assert kpi.remedy.startswith("Subscriber may terminate this Agreement")


def test_shares_and_discounts_are_not_availability_targets():
    assert extract("Training will be available to Subscriber at a rate of 25% off the list price. CloudPeak will make "
                   "available ten percent (10%) of its advertising impressions to Subscriber.") == []


SLA = ("1.1 CloudPeak shall make the Service available 99.9% of the time in each calendar month. "
       "1.2 The total service credits for any calendar month shall not exceed thirty percent (30%) of the monthly fee.")
NOT_SLA = ("The parties are not obliged to meet in person, and documents are available on request; the Subscriber's "
           "failure to attend is not a breach. ")


def test_service_levels_are_found_among_many_sentences_that_only_share_their_words():
    # sentences with "not", "are" or "available" are looked at closely, the others skipped: same KPIs either way
    alone = [(k.metric, target(k), k.window) for k in extract(SLA)]
    assert alone == [("availability", (">=", 99.9, "%"), "monthly"),
                     ("service_credit_cap", ("<=", 30.0, "%"), "monthly")]
    assert [(k.metric, target(k), k.window) for k in extract(NOT_SLA * 40 + SLA + " " + NOT_SLA * 40)] == alone


def test_service_levels_are_read_in_a_text_whose_letters_do_not_lower_case_one_to_one():
    # to rules that ignore case a dotless "ı" is an "i"; "avaılable".lower() holds no "availab"
    found = extract(SLA.replace("available", "avaılable"))
    assert [(k.metric, target(k)) for k in found] == [("availability", (">=", 99.9, "%")),
                                                     ("service_credit_cap", ("<=", 30.0, "%"))]
