"""Durations as contracts write them: a misread "ninety (90) days" puts a notice deadline on the
wrong day, and a month added without month-end handling lands on a date that does not exist."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.durations import Duration, add, find_durations, parse_duration, subtract


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("at least ninety (90) days prior to the end of the term", "P90D"),
        ("six (6) months' written notice", "P6M"),
        ("for a period of one year", "P1Y"),
        ("shall continue for 1 year", "P1Y"),
        ("successive twelve-month periods", "P12M"),
        ("two (2) successive one-year periods", "P1Y"),
        ("one hundred and twenty (120) days", "P120D"),
        ("one hundred twenty (120) days", "P120D"),
        ("successive five (5)-year terms", "P5Y"),
        ("an additional four (4) -year period", "P4Y"),
        ("a thirty-day notice of written termination", "P30D"),
        ("twelve (12) full calendar months", "P12M"),
        ("at least one year's prior notice", "P1Y"),
        ("for an additional year period", "P1Y"),
        ("upon (30) days written notice", "P30D"),
        ("by providing at least 90 (ninety) days' prior written notice", "P90D"),
        ("thirty six (36) months following the Effective Date", "P36M"),
        ("sixty (60) calendar days", "P60D"),
        ("two (2) weeks' notice", "P2W"),
        ("one quarter", "P3M"),
    ],
)
def test_contract_phrasings_read_as_iso_durations(text: str, iso: str) -> None:
    duration = parse_duration(text)
    assert duration is not None, text
    assert duration.iso == iso


def test_business_days_are_kept_apart_from_calendar_days() -> None:
    duration = parse_duration("within thirty (30) business days after receipt")
    assert duration == Duration(30, "day", business=True)
    assert str(duration) == "30 business days"
    # ISO 8601 has no business days: the calendar span that holds them, so a deadline errs early
    assert duration.iso == "P42D"
    assert parse_duration("ten (10) working days").business


def test_words_govern_when_words_and_figures_disagree() -> None:
    assert parse_duration("sixty (90) days") == Duration(60, "day")


@pytest.mark.parametrize("text", ["Section 5.2 applies", "1,000 days", "on a year-to-year basis",
                                  "month to month", "the 1.5 year mark", "12/31/2020"])
def test_numbers_that_are_not_durations_are_not_read_as_durations(text: str) -> None:
    assert find_durations(text) == []


def test_offsets_point_at_the_written_duration() -> None:
    text = "renew for successive one (1) year periods unless notice is given ninety (90) days before"
    found = find_durations(text)
    assert [text[m.start:m.end] for m in found] == ["one (1) year", "ninety (90) days"]
    assert [m.duration.iso for m in found] == ["P1Y", "P90D"]


def test_iso_round_trip() -> None:
    for iso in ("P90D", "P6M", "P1Y", "P2W"):
        assert Duration.from_iso(iso).iso == iso
    with pytest.raises(ValueError):
        Duration.from_iso("P1Y6M")


def test_adding_a_month_to_the_31st_lands_on_the_last_day_of_the_next_month() -> None:
    assert add(dt.date(2024, 1, 31), Duration(1, "month")) == dt.date(2024, 2, 29)
    assert add(dt.date(2023, 1, 31), Duration(1, "month")) == dt.date(2023, 2, 28)
    assert add(dt.date(2024, 8, 31), Duration(1, "month")) == dt.date(2024, 9, 30)


def test_a_year_from_a_leap_day_ends_on_the_28th() -> None:
    assert add(dt.date(2024, 2, 29), Duration(1, "year")) == dt.date(2025, 2, 28)
    assert add(dt.date(2024, 2, 29), Duration(4, "year")) == dt.date(2028, 2, 29)


def test_days_weeks_and_subtraction() -> None:
    assert add(dt.date(2027, 2, 28), Duration(90, "day"), sign=-1) == dt.date(2026, 11, 30)
    assert subtract(dt.date(2027, 3, 31), Duration(1, "month")) == dt.date(2027, 2, 28)
    assert add(dt.date(2024, 1, 1), Duration(2, "week")) == dt.date(2024, 1, 15)


def test_business_days_skip_weekends() -> None:
    friday = dt.date(2024, 3, 1)
    assert add(friday, Duration(1, "day", business=True)) == dt.date(2024, 3, 4)
    assert add(friday, Duration(5, "day", business=True)) == dt.date(2024, 3, 8)
    assert subtract(dt.date(2024, 3, 4), Duration(1, "day", business=True)) == friday


def test_a_duration_typed_with_turkish_capitals_is_read():
    # "İ" and "ı" match "i" when case is ignored; the lower-cased text must agree, offset for offset
    text = "Payment is due WİTHİN THİRTY DAYS after receipt; notice of ſixty days."
    found = find_durations(text)
    assert [(m.duration.amount, m.duration.unit) for m in found] == [(30, "day"), (60, "day")]
    assert text[found[0].start:found[0].end] == "THİRTY DAYS"
