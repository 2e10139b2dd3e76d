"""Payment terms as accounts payable relies on them: net days and what they count from, the late
interest, the currency and the sums. Net 45 read as net 30 pays a supplier early; an insurance limit
read as a fee inflates the contract value."""

from __future__ import annotations

import re

import pytest

from extractors import payment
from extractors.base import Context
from pipeline.document import Document, Page
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Payment, Record, Status
from rules import pattern
from rules.prefilter import Cue, Folded


def extract(text: str) -> Payment:
    document = Document(path="x.txt", sha256="0", format="txt", text=text, pages=[Page(1, 0, len(text))])
    record = Record(pactwatch_version="t", status=Status.OK,
                    document=DocumentInfo(path="x.txt", sha256="0", format="txt", pages=1))
    payment.extract(Context(document=document, analysis=analyse(document), record=record))
    return record.payment


def locate(text: str, quote: str) -> tuple[int, int] | None:
    pattern = r"(?:\s+|\s*\|\s*)".join(re.escape(w) for w in quote.split())
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def test_sample_contract_payment_terms_are_found_and_quoted(sample_outcomes, expected):
    keys = {"terms": "terms", "after": "terms_after", "late_interest": "late_interest", "currency": "currency"}
    found = missed = 0
    wrong = []
    for slug, exp in expected.items():
        outcome = sample_outcomes[slug]
        got: Payment = outcome.record.payment
        text = outcome.document.text
        for key, attr in keys.items():
            want = exp["payment"].get(key) or {}
            if want.get("value") is None or not want.get("quote"):
                continue
            field = getattr(got, attr)
            span = locate(text, want["quote"])
            if field is not None and span and any(e.start < span[1] and span[0] < e.end for e in field.evidence):
                found += 1
                if key in ("terms", "after", "currency") and field.value != want["value"]:
                    wrong.append((slug, key, want["value"], field.value))
            else:
                missed += 1
                wrong.append((slug, key, want["value"], field.value if field else None))
        for amount in exp["payment"].get("amounts", []):
            span = locate(text, amount["quote"])
            if span and any(any(e.start < span[1] and span[0] < e.end for e in f.evidence) for f in got.amounts):
                found += 1
            else:
                missed += 1
    assert found / (found + missed) >= 0.9, wrong
    assert not [w for w in wrong if w[1] in ("terms", "currency")], wrong


def test_a_contract_without_payment_has_no_payment_terms(sample_outcomes):
    nda = sample_outcomes["nda_harborview"].record.payment
    assert nda.terms is None and nda.late_interest is None and nda.amounts == []


@pytest.mark.parametrize("sentence, days, after", [
    ("Customer shall pay all undisputed amounts within thirty (30) days after receipt of a proper invoice.",
     "P30D", "receipt of invoice"),
    ("All amounts are payable in U.S. dollars net sixty (60) days from the date of Licensor's invoice.",
     "P60D", "date of invoice"),
    ("The Company shall pay each undisputed invoice within forty-five (45) days after its receipt.",
     "P45D", "receipt of invoice"),
    ("The Customer shall pay each valid invoice within thirty (30) days of receipt of a valid VAT invoice.",
     "P30D", "receipt of invoice"),
    ("Payment of FCC invoices shall be due within sixty (60) days of the respective invoice date.",
     "P60D", "date of invoice"),
])
def test_net_days_and_what_they_count_from(sentence, days, after):
    got = extract(sentence)
    assert got.terms is not None and got.terms.value == days
    assert got.terms_after is not None and got.terms_after.value == after


def test_refunds_and_audit_true_ups_are_not_the_payment_terms():
    got = extract("If an audit reveals an underpayment, Licensee shall pay the underpayment within ten (10) days. "
                  "Licensee shall pay each invoice within forty-five (45) days after the date of invoice. "
                  "Licensor shall refund any overpayment within fifteen (15) days.")
    assert got.terms.value == "P45D"
    assert got.terms.evidence[0].text.startswith("Licensee shall pay each invoice")


def test_notice_before_termination_is_not_a_payment_term():
    got = extract("Either party may terminate this Agreement upon thirty (30) days' prior written notice, and all "
                  "fees paid are non-refundable.")
    assert got.terms is None


def test_late_interest_reads_rate_period_base_and_cap():
    got = extract("Undisputed amounts not paid when due shall bear interest at the rate of one and one-half percent "
                  "(1.5%) per month, or the maximum rate permitted by applicable law, whichever is less.")
    assert got.late_interest.value == "1.5% per month (or the maximum lawful rate, if less)"
    uk = extract("If the Customer fails to make a payment due by the due date, the Customer shall pay interest on the "
                 "overdue sum. Interest will accrue each day at 4% a year above the Bank of England's base rate.")
    assert uk.late_interest.value == "4% per annum above Bank of England's base rate"


def test_currency_stated_in_words_wins_over_signs():
    got = extract("The Distributor shall pay $1,000 per order. All references to dollars or \"$\" are to the lawful "
                  "currency of the United States of America.")
    assert got.currency.value == "USD" and got.currency.confidence >= 0.9
    pounds = extract("The Customer shall pay a fixed monthly service charge of £18,450 per month.")
    assert pounds.currency.value == "GBP"


def test_fees_are_amounts_and_insurance_limits_are_not():
    got = extract("Licensee shall pay Licensor a one-time license fee of Two Million Dollars ($2,000,000). "
                  "Licensor shall maintain commercial general liability insurance with limits of not less than "
                  "$5,000,000 per occurrence.")
    assert [(f.value.amount, f.value.currency) for f in got.amounts] == [(2_000_000.0, "USD")]


def test_rows_of_a_rent_table_are_amounts():
    text = ("Tenant shall pay to Landlord base rent in the following amounts:\nMonths\nAnnual Rent\nMonthly Installment\n"
            "1 - 12\n$355,680.00\n$29,640.00\n13 - 24\n$366,412.80\n$30,534.40\nSecurity Deposit\n$59,280.00\n")
    got = extract(text)
    assert [f.value.amount for f in got.amounts] == [29_640.0, 30_534.4, 59_280.0]
    assert got.amounts[0].evidence[0].text == "1 - 12\n$355,680.00\n$29,640.00"


def test_price_change_notice_and_minimum_commitment():
    got = extract("Supplier may adjust the prices once per calendar year by giving Buyer not less than ninety (90) "
                  "days' written notice. Buyer commits to purchase from Supplier not less than seventy percent (70%) "
                  "of its requirements for each Product.")
    assert got.price_change_notice.value == "P90D"
    assert got.minimum_commitment.value.startswith("commits to purchase from Supplier not less than seventy percent")


SUMS = ["US$5,000", "U.S. $ 12,500.50", "C$300", "CA$ 40", "A$1.5 million", "AU$7", "HK$ 900", "S$60", "NZ$8",
        "$ 2,000,000", "£18,450", "€ 3 m", "¥700", "USD 1,000", "EUR 250k", "GBP 99", "CAD 5", "AUD 6", "CHF 7",
        "JPY 8", "CNY 9", "RMB 10", "INR 11", "2,500,000 EUR", "1 000 000 USD", "75 dollars", "20 euros",
        "30 pounds sterling", "4.25 CHF"]


def test_every_way_of_writing_a_sum_is_read_wherever_the_reading_starts_and_stops():
    # find_money looks only near signs and codes; a sum it passes over is a fee nobody is told about
    text = "Fees: " + "; ".join(SUMS) + ". Sections 12, 14 and 16 of the USDA rules, in 2021 and 2022."
    every_position = [m.span() for m in payment._MONEY.finditer(text)]
    assert len(every_position) == len(SUMS)
    assert [(m.start, m.end) for m in payment.find_money(text)] == every_position
    for start in range(0, len(text), 7):
        for end in range(start, len(text) + 1, 11):
            assert [(m.start, m.end) for m in payment.find_money(text, start, end)] == [
                m.span() for m in payment._MONEY.finditer(text, start, end)], (start, end)


def test_currency_statement_far_into_the_text_wins_over_words_that_look_like_codes():
    # "Europe" and "audit" hold the letters of EUR and AUD; only the statement names the currency
    statement = "All amounts due under this Agreement shall be paid in Euros."
    got = extract("The Distributor shall market the Products in Europe and submit to an annual audit. "
                  + "Each party shall perform its obligations in good faith. " * 60 + statement)
    assert got.currency.value == "EUR" and got.currency.confidence >= 0.9
    assert got.currency.evidence[0].text == statement


@pytest.mark.parametrize("rule, text", [
    (r"\bA\$|\bAUD\b|\baustralian dollars\b", "fees in Australian\ndollars"),
    (r"\b(?:lawful )?(?:currency|money) of the united states\b", "the lawful currency of the United States"),
    (r"\bpa(?:y|ys|id|yment|yments|yable)\b", "all amounts PAYABLE hereunder"),
    (r"\bdate of (?:the |such )?(?:[\w’']+ ){0,2}invoices?\b", "the date of Licensor’s invoice"),
    (r"\b(?:purchase|buy|order)(?:s|es|ed|ing)? (?:[^.;]{0,60}?)\bnot less than\b",
     "Buyer orders each year not less than"),
])
def test_the_quick_word_test_before_a_rule_never_hides_what_the_rule_finds(rule, text):
    cue = Cue.of(re.compile(pattern(rule), re.IGNORECASE))
    match = cue.pattern.search(text)
    assert cue.needles and match is not None
    assert any(needle in match.group(0).lower() for needle in cue.needles)
    assert cue.search(Folded.of(text)).span() == match.span()
    assert cue.search(Folded.of("Each party shall perform its obligations.")) is None


def test_clauses_are_read_in_a_text_whose_letters_do_not_lower_case_one_to_one():
    # the rules ignore case, and to them a dotless "ı" is an "i": the quick tests on lower-cased
    # text must not drop the clause ("ınterest".lower() holds no "interest")
    got = extract("Customer shall pay all undisputed amounts within thirty (30) days after receipt of a proper "
                  "invoice. Overdue amounts shall bear ınterest at one and one-half percent (1.5%) per month.")
    assert (got.terms.value, got.terms_after.value) == ("P30D", "receipt of invoice")
    assert got.late_interest.value == "1.5% per month"
