"""Reading dates as contracts write them: a wrong day or month here moves every deadline computed
from the agreement or effective date, so each form filed contracts use must parse exactly, and a
numeric date that could be read two ways must say so."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.dateparse import DocumentDates, numeric_order, parse_date, scan


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("March 1, 2024", dt.date(2024, 3, 1)),
        ("FEBRUARY 4,2020", dt.date(2020, 2, 4)),
        ("Sept. 4 2020", dt.date(2020, 9, 4)),
        ("November 30th, 2019", dt.date(2019, 11, 30)),
        ("1st March 2024", dt.date(2024, 3, 1)),
        ("16 May, 2022", dt.date(2022, 5, 16)),
        ("24 OCT 2011", dt.date(2011, 10, 24)),
        ("the 15th day of January, 2023", dt.date(2023, 1, 15)),
        ("this first (1st) day of May, 2006", dt.date(2006, 5, 1)),
        ("the twenty-first day of June, 2010", dt.date(2010, 6, 21)),
        ("(1st)  day of January, 1996", dt.date(1996, 1, 1)),
        ("20th day of Friday, March 2020", dt.date(2020, 3, 20)),
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("3-31-16", dt.date(2016, 3, 31)),
        ("9/28/2004", dt.date(2004, 9, 28)),
    ],
)
def test_every_way_contracts_write_a_date_gives_the_right_day(written, expected):
    assert parse_date(f"This Agreement is made as of {written} by and between") == expected


def test_pdf_text_that_splits_ordinal_suffixes_still_gives_the_date():
    # text layers of filed PDFs break "14th" into "14t h" and "1st" into "1 st"
    assert parse_date("executed this Agreement this 14t h day of February 2020.") == dt.date(2020, 2, 14)
    assert parse_date("is executed as of this 1 st  day of May 2006, by and between") == dt.date(2006, 5, 1)


def test_a_blank_date_in_an_unsigned_form_is_found_as_blank_not_as_another_date():
    for blank in ("this ___ day of _________, 2004", "[ ] day of [ ], 2020", "as of [___], 2020",
                  "dated July __, 2000", "DATED AS OF [●]"):
        mentions = scan(blank)
        assert len(mentions) == 1 and mentions[0].is_blank, blank
        assert parse_date(blank) is None


def test_section_numbers_phone_numbers_and_ratios_are_not_dates():
    text = "See Section 2.1.10 and call 604.684.2255; support is 24/7/365 under Rule 13d-1(k)(1)."
    assert scan(text) == []


def test_a_month_and_year_is_kept_at_month_precision_and_a_modal_may_is_no_month():
    (mention,) = scan("The Parties shall meet in July 2013 to review the plan.")
    assert mention.precision == "month" and mention.date == dt.date(2013, 7, 1)
    assert scan("the Licensee may 2020 units") == []


def test_a_day_first_document_reads_its_ambiguous_numeric_dates_day_first():
    uk = "Signed on 25/12/2023 by the Supplier. The Services start on 01/02/2024."
    dates = DocumentDates(uk)
    assert dates.order == "dmy"
    start = [m for m in dates.mentions if m.text == "01/02/2024"][0]
    assert start.date == dt.date(2024, 2, 1) and not start.ambiguous


def test_dates_written_out_day_first_set_the_convention_for_numeric_ones():
    assert numeric_order("THIS AGREEMENT is dated 16 May 2022. Invoices dated 03/04/2022 are payable.") == "dmy"
    assert numeric_order("This Agreement is dated May 16, 2022. Invoices dated 03/04/2022 are payable.") == "mdy"


def test_uk_drafting_cues_set_day_first_when_no_date_shows_the_convention():
    text = "ACME LIMITED, incorporated in England and Wales with company number 0123, signed on 03/04/2022."
    assert numeric_order(text) == "dmy"


def test_an_ambiguous_numeric_date_without_any_convention_is_flagged():
    (mention,) = DocumentDates("Signed: 03/04/2022").mentions
    assert mention.ambiguous
    assert mention.date == dt.date(2022, 3, 4)  # read month-first, but flagged


def test_two_digit_years_fall_in_the_right_century():
    assert parse_date("Date: 9/21/98") == dt.date(1998, 9, 21)
    assert parse_date("Date: 03/01/05") == dt.date(2005, 3, 1)
