"""Term, expiration, renewal and notice, as a contract manager relies on them: a wrong expiration or
a missed non-renewal notice costs a renewal nobody wanted; a notice period read from a breach
clause sends a reviewer to the wrong deadline. Snippets are in the style of filed contracts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from extractors import term
from extractors.base import Context
from pipeline.document import Document, Page
from pipeline.ingest import ingest_file
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Field, Record, Status
from rules import RulePackError

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"


def extract(text: str, effective: str | None = None, agreement: str | None = None) -> Record:
    document = Document(path="x.txt", sha256="0", format="txt", text=text, pages=[Page(1, 0, len(text))])
    return _run(document, effective, agreement)


def _run(document: Document, effective: str | None, agreement: str | None) -> Record:
    record = Record(pactwatch_version="t", status=Status.OK,
                    document=DocumentInfo(path=document.path, sha256="0", format=document.format, pages=1))
    if effective:
        record.dates.effective = Field(value=effective, confidence=0.9)
    if agreement:
        record.dates.agreement = Field(value=agreement, confidence=0.9)
    term.extract(Context(document=document, analysis=analyse(document), record=record))
    return record


def fold(text: str) -> str:
    return " ".join(text.replace("“", '"').replace("”", '"').split())


def value(field: Field | None) -> object:
    return None if field is None else field.value


# --- expiration ---------------------------------------------------------------------------------


def test_stated_end_date_is_the_expiration_as_written() -> None:
    text = ("3.1 Term. This Agreement be deemed effective as of the Effective Date and shall terminate on "
            "December 31, 2020, unless terminated earlier in accordance with Section 3.2.")
    record = extract(text, effective="2019-11-01")
    assert value(record.dates.expiration) == "2020-12-31"
    assert record.dates.expiration.derived is False
    assert record.dates.expiration.confidence >= 0.8
    assert record.term.perpetual is False


def test_term_of_years_from_the_effective_date_ends_the_day_before_the_anniversary() -> None:
    text = ("The term of this Agreement will commence on the Effective Date and continue for a period of "
            "three (3) years after the Effective Date (the \"Initial Term\").")
    record = extract(text, effective="2012-11-02")
    assert value(record.term.initial) == "P3Y"
    assert value(record.dates.expiration) == "2015-11-01"
    assert record.dates.expiration.derived is True
    assert record.dates.expiration.basis == "effective date 2012-11-02 + P3Y - 1 day"


@pytest.mark.parametrize("text", [
    "The term of this Agreement will commence upon the Effective Date and will continue until the fifth (5th) "
    "anniversary of the Effective Date, unless earlier terminated under this Article 8.",
    "The term of this Agreement shall begin on the Effective Date and end on the fifth anniversary thereof.",
    "This Agreement shall commence on the Effective Date and shall continue until the five-year anniversary of the "
    "Effective Date.",
])
def test_term_ending_on_an_anniversary_ends_on_that_day(text: str) -> None:
    record = extract(text, effective="2019-05-06")
    assert value(record.dates.expiration) == "2024-05-06"
    assert "anniversary" in record.dates.expiration.basis


def test_term_counted_from_the_date_hereof_uses_the_agreement_date() -> None:
    text = ("7) Term The term of this Agreement is twelve (12) months from the date hereof, and will be "
            "automatically renewed for one (1) additional twelve month period unless either party shall notify "
            "the other in writing of its intention not to renew.")
    record = extract(text, effective="2018-02-01", agreement="2018-01-10")
    assert value(record.dates.expiration) == "2019-01-09"
    assert record.dates.expiration.basis.startswith("agreement date 2018-01-10")


def test_start_date_written_in_the_term_clause_is_used_over_the_effective_date() -> None:
    text = ("A. The initial term (\"Initial Term\") of this Agreement shall be for one year commencing on the "
            "1st day of May, 2006 (\"Effective Date\").")
    record = extract(text, effective="2006-04-15")
    assert value(record.dates.expiration) == "2007-04-30"
    assert record.dates.expiration.basis.startswith("start date 2006-05-01")


def test_no_expiration_is_invented_without_a_date_to_count_from() -> None:
    text = "This Agreement shall commence on the Effective Date and shall continue for a period of five (5) years."
    record = extract(text)
    assert value(record.term.initial) == "P5Y"
    assert record.dates.expiration is None


def test_term_running_from_an_event_is_an_assumption_with_low_confidence() -> None:
    text = ("This Agreement shall be effective as of the Effective Date and shall continue in force for three "
            "years from the Launch Date (the \"Initial Term\") unless earlier terminated.")
    record = extract(text, effective="2000-11-14")
    assert value(record.dates.expiration) == "2003-11-13"
    assert record.dates.expiration.confidence < 0.5
    assert "assumed" in record.dates.expiration.basis and "Launch Date" in record.dates.expiration.basis


def test_until_terminated_is_perpetual_and_has_no_expiration() -> None:
    text = ("10.1 Term. This Agreement shall commence on the Effective Date and shall remain in effect until "
            "terminated in accordance with this Section 10.")
    record = extract(text, effective="2021-09-30")
    assert record.term.perpetual is True
    assert record.dates.expiration is None
    assert value(record.term.auto_renewal) == "none"


def test_survival_and_audit_periods_are_not_the_term() -> None:
    text = ("During the term of this Agreement and for one year thereafter, VerticalNet shall have the right to "
            "appoint a certified public accountant to audit Impresse's financial records. The confidentiality "
            "obligations of this Agreement shall survive for a period of five (5) years after termination.")
    record = extract(text, effective="2000-03-03")
    assert record.term.initial is None
    assert record.dates.expiration is None


def test_evidence_quotes_the_term_clause() -> None:
    clause = ("This Agreement shall have an initial term of two (2) years commencing on the Effective Date "
              "(the \"Initial Term\").")
    text = "1. Services. Provider shall perform the Services. " + clause + " 3. Fees. Customer shall pay the fees."
    record = extract(text, effective="2024-09-03")
    assert [e.text for e in record.dates.expiration.evidence] == [clause]
    assert [e.text for e in record.term.initial.evidence] == [clause]


# --- renewal and non-renewal notice ------------------------------------------------------------


def test_automatic_renewal_period_and_non_renewal_notice_are_read() -> None:
    text = ("11.1 Term. The term of this Agreement shall commence on the Effective Date and shall continue in full "
            "force and effect for an initial period of five (5) years. Thereafter, this Agreement shall "
            "automatically renew for subsequent one (1) year periods unless either party provides the other party "
            "with written notification at least thirty (30) days prior to the expiration of the initial five (5) "
            "year term or any one (1) year renewal thereof of its intention to terminate this Agreement.")
    record = extract(text, effective="1999-10-29")
    assert value(record.term.auto_renewal) == "automatic"
    assert value(record.term.renewal) == "P1Y"
    assert value(record.term.non_renewal_notice) == "P30D"
    assert value(record.term.non_renewal_notice_by) == "either party"
    assert value(record.dates.expiration) == "2004-10-28"


@pytest.mark.parametrize(("clause", "iso"), [
    ("This Agreement will automatically renew at the end of the Initial Term on a year to year basis unless either "
     "party notifies the other at least 30 days prior to the end of the then current term.", "P1Y"),
    ("Thereafter, this Agreement shall be effective month to month, until terminated by either party upon sixty "
     "(60) days' written notice.", "P1M"),
    ("The Agreement shall automatically renew for successive five (5)-year terms, unless either Party gives written "
     "notice to the other Party of intent not to renew at least six (6) months prior to the expiration of the "
     "then-current Term.", "P5Y"),
    ("This Agreement will automatically renew for up to two (2) renewal terms of five (5) years each unless either "
     "Party provides written notice of its intent to terminate at least six (6) months prior to the end of the "
     "Initial Term.", "P5Y"),
])
def test_renewal_period_however_it_is_written(clause: str, iso: str) -> None:
    text = "The term of this Agreement shall be three (3) years from the Effective Date. " + clause
    record = extract(text, effective="2020-01-01")
    assert value(record.term.renewal) == iso


def test_notice_to_cure_a_breach_is_not_a_non_renewal_notice() -> None:
    text = ("This Agreement shall have an initial term of one (1) year and shall thereafter renew automatically for "
            "successive one (1) year periods. Either party may terminate this Agreement if the other party "
            "materially breaches it and fails to cure the breach within thirty (30) days after written notice.")
    record = extract(text, effective="2020-01-01")
    assert value(record.term.renewal) == "P1Y"
    assert record.term.non_renewal_notice is None
    assert record.term.termination_for_convenience is None


def test_insurance_policy_non_renewal_notice_is_not_the_contracts() -> None:
    text = ("The term of this Agreement shall be two (2) years from the Effective Date. All such policies shall "
            "require at least thirty (30) days' prior notice to Purchaser of cancellation, non-renewal or material "
            "change.")
    record = extract(text, effective="2020-01-01")
    assert record.term.non_renewal_notice is None


def test_option_to_renew_is_not_automatic_and_its_exercise_notice_is_not_a_non_renewal_notice() -> None:
    text = ("This Agreement shall become effective on the date first written above and shall continue in effect "
            "for a period of Three (3) years. Distributor shall have the option to renew this Agreement for an "
            "additional Three (3) year period by providing prior written notice to Company within Ninety (90) days "
            "of the end of the initial period of this Agreement.")
    record = extract(text, agreement="2019-08-01")
    assert value(record.term.auto_renewal) == "by_option"
    assert value(record.term.renewal) == "P3Y"
    assert record.term.non_renewal_notice is None


def test_renewal_only_by_mutual_agreement_is_no_renewal_right() -> None:
    text = ("The term of this Agreement will commence on the Effective Date and continue for a period of three (3) "
            "years. Thereafter, this Agreement can be renewed by mutual written agreement of the parties for "
            "successive one (1) year periods.")
    record = extract(text, effective="2012-11-02")
    assert value(record.term.auto_renewal) == "none"
    assert "both parties agree" in record.term.auto_renewal.note
    assert record.term.renewal is None


def test_contract_that_says_it_does_not_renew() -> None:
    text = ("This Agreement shall commence on the Effective Date and, unless terminated earlier in accordance with "
            "this Section 8, shall expire on April 2, 2027 (the \"Term\"). This Agreement shall not renew "
            "automatically; any extension of the Term shall require a written amendment signed by both Parties. "
            "The Parties shall begin good-faith discussions regarding any such extension no later than one hundred "
            "twenty (120) days before the expiration of the Term.")
    record = extract(text, effective="2023-04-03")
    assert value(record.term.auto_renewal) == "none"
    assert record.term.non_renewal_notice is None
    assert value(record.dates.expiration) == "2027-04-02"
    assert value(record.term.initial) == "P4Y" and record.term.initial.derived


# --- termination for convenience ----------------------------------------------------------------


def test_termination_for_convenience_notice_and_who_may_terminate() -> None:
    text = ("Customer may terminate this Agreement or any Statement of Work for convenience upon sixty (60) days' "
            "prior written notice to Provider.")
    record = extract(text)
    assert value(record.term.termination_for_convenience) == "P60D"
    assert value(record.term.termination_for_convenience_by) == "Customer"


def test_either_party_may_terminate_without_cause() -> None:
    text = ("Each of the Recipient and the Provider may, in their sole discretion, terminate this Agreement in whole "
            "or in part, at any time without cause, by providing at least 90 (ninety) days' prior written notice to "
            "the other party.")
    record = extract(text)
    assert value(record.term.termination_for_convenience) == "P90D"


def test_termination_rights_on_breach_or_insolvency_are_not_for_convenience() -> None:
    text = ("Either party may terminate this Agreement upon thirty (30) days' written notice if the other party "
            "becomes insolvent or materially breaches this Agreement. This Agreement may be terminated by Licensor "
            "upon the dissolution of the Joint Venture Company.")
    record = extract(text)
    assert record.term.termination_for_convenience is None


def test_a_denied_termination_right_is_not_one() -> None:
    text = ("Each of the parties acknowledges that the licenses granted hereunder are irrevocable and may not be "
            "terminated for any reason, even in the event of a material breach of this Agreement.")
    assert extract(text).term.termination_for_convenience is None


# --- the rule pack ------------------------------------------------------------------------------


def test_a_broken_pattern_is_reported_with_the_rule_pack_name() -> None:
    with pytest.raises(RulePackError, match="rules/term.yaml.*perpetual"):
        term._compile_any(["(unclosed"], "perpetual")


# --- sample contracts ---------------------------------------------------------------------------


def _sample(slug: str) -> tuple[Record, dict]:
    expected = json.loads((SAMPLES / "expected" / f"{slug}.json").read_text(encoding="utf-8"))
    source = next(p for p in SAMPLES.iterdir() if p.stem == slug and p.suffix in {".pdf", ".docx"})
    dates = expected["dates"]
    record = _run(ingest_file(source), dates["effective"]["value"], dates["agreement"]["value"])
    return record, expected


@pytest.mark.parametrize("slug", ["lease_bluebonnet", "distribution_maplecrest", "license_quarrystone",
                                  "uk_thamesgate", "maintenance_keystone"])
def test_sample_contract_term_matches_what_a_lawyer_reads(slug: str) -> None:
    if not (SAMPLES / "expected" / f"{slug}.json").exists():
        pytest.skip(f"sample contract {slug} not present")
    record, expected = _sample(slug)
    want = expected["term"]
    assert value(record.dates.expiration) == expected["dates"]["expiration"]["value"]
    assert record.term.perpetual is bool(want["perpetual"]["value"])
    for name in ("initial", "auto_renewal", "renewal", "non_renewal_notice", "termination_for_convenience"):
        if name in want:
            assert value(getattr(record.term, name)) == want[name]["value"], name
    if "renewal_option_notice" in want:  # the last day to exercise a renewal option, and who holds it
        option = want["renewal_option_notice"]
        assert value(record.term.renewal_option_notice) == option["value"]
        assert value(record.term.renewal_option_notice_by) == option["by"]
        assert any(fold(option["quote"]) in fold(e.text) for e in record.term.renewal_option_notice.evidence)
    else:
        assert record.term.renewal_option_notice is None
    if record.dates.expiration is not None:
        quote = fold(expected["dates"]["expiration"]["quote"])
        assert any(quote[:40] in fold(e.text) or fold(e.text) in quote for e in record.dates.expiration.evidence)


def test_expiration_computed_from_the_sample_effective_date_matches_the_calendar() -> None:
    record, expected = _sample("maintenance_keystone")
    assert dt.date.fromisoformat(record.dates.expiration.value) == dt.date(2026, 9, 2)
    assert record.dates.expiration.basis == "effective date 2024-09-03 + P2Y - 1 day"


def test_renewal_option_window_gives_its_last_day_and_the_option_holder() -> None:
    record = extract(
        "2.1 Term. This Agreement shall commence on the Effective Date and continue for a period of three (3) "
        "years. 2.2 Renewal. Reseller shall have the right to extend the term of this Agreement for two (2) "
        "additional one (1) year periods by written notice to the Company at any time between two (2) and "
        "six (6) months prior to the end of the then-current term.", effective="2024-01-01")
    assert value(record.term.auto_renewal) == "by_option"
    assert value(record.term.renewal_option_notice) == "P2M"  # six months opens the window, two closes it
    assert value(record.term.renewal_option_notice_by) == "Reseller"
    assert record.term.non_renewal_notice is None  # exercising an option is not stopping a renewal


def test_automatic_renewal_has_no_option_notice() -> None:
    record = extract(
        "This Agreement shall continue for one (1) year and shall renew automatically for successive one (1) "
        "year periods unless either party gives written notice of non-renewal at least sixty (60) days prior "
        "to the end of the then-current term.", effective="2024-01-01")
    assert value(record.term.non_renewal_notice) == "P60D"
    assert record.term.renewal_option_notice is None
