"""Deadlines on the sample contracts, end to end (ingest -> extract -> deadlines): the dates a
contract manager acts on must come out of the signed files themselves, as of the run date."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.process import process_document

# Deadline kinds the key-terms extractors own (others, such as insurance certificates or
# deliverables, come from obligations).
TERM_KINDS = {"effective", "initial_term_end", "non_renewal_notice", "renewal", "current_term_end",
              "renewal_option_notice"}


def deadlines(outcome) -> set[tuple[str, str, str]]:
    return {(d.kind, d.date, d.status) for d in outcome.record.deadlines}


@pytest.mark.parametrize("slug", ["msa_northwind", "amendment1_msa_northwind", "consulting_alderfinch",
                                  "saas_cloudpeak", "uk_thamesgate", "supply_ridgeway", "license_quarrystone",
                                  "distribution_maplecrest", "lease_bluebonnet"])
def test_expected_upcoming_term_deadlines_are_computed(slug, sample_outcomes, expected) -> None:
    wanted = {(d["kind"], d["date"], d["status"]) for d in expected[slug]["deadlines_as_of_2026_11_27"]
              if d["kind"] in TERM_KINDS}
    assert wanted <= deadlines(sample_outcomes[slug])


def test_a_window_that_closed_before_the_run_date_is_shown_missed_and_the_next_one_given(sample_outcomes) -> None:
    found = deadlines(sample_outcomes["saas_cloudpeak"])
    assert ("non_renewal_notice", "2026-11-15", "past") in found  # the window for the term ending 2027-01-14
    assert ("renewal", "2027-01-15", "upcoming") in found
    assert ("non_renewal_notice", "2027-11-15", "upcoming") in found  # the next window that can be met


def test_a_later_as_of_date_rolls_the_renewals_forward(sample_outcomes) -> None:
    outcome = sample_outcomes["msa_northwind"]
    record = process_document(outcome.document, dt.date(2031, 1, 1))
    found = {(d.kind, d.date, d.status) for d in record.deadlines}
    assert ("initial_term_end", "2027-02-28", "past") in found
    assert ("current_term_end", "2031-02-28", "upcoming") in found
    assert ("non_renewal_notice", "2030-11-30", "past") in found
    assert ("non_renewal_notice", "2031-12-01", "upcoming") in found  # 2032-02-29 - 90 days
    assert all(d.evidence for d in record.deadlines), "every deadline quotes the clause it comes from"
