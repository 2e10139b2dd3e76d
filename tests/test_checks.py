"""Compliance and risk checks from playbooks: a raised check cites the evidence that raised it, a
passed one says what was looked for, and a user's own playbook changes, disables or adds checks
without touching Python — with a clear error naming the file and line when it is wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.checks import PlaybookError, load_playbooks, run_checks
from pipeline.document import Document, Page
from pipeline.record import Clause, Deadline, DocumentInfo, Evidence, Field, Kpi, Record, Status, Target

TEXT = ("This Agreement renews automatically for successive one-year terms unless either party gives notice "
        "of non-renewal at least one hundred twenty (120) days before the end of the then-current term. "
        "Customer shall pay each invoice within ninety (90) days after receipt. "
        "IN NO EVENT SHALL SUPPLIER'S AGGREGATE LIABILITY EXCEED THE FEES PAID IN THE PRIOR TWELVE MONTHS.")
AS_OF = dt.date(2026, 11, 27)


def evidence(fragment: str) -> Evidence:
    doc = Document(path="t", sha256="0", format="txt", text=TEXT, pages=[Page(1, 0, len(TEXT))])
    start = TEXT.index(fragment)
    return Evidence.from_span(doc, start, start + len(fragment))


def record() -> Record:
    r = Record(pactwatch_version="t", status=Status.OK, as_of=AS_OF.isoformat(),
               document=DocumentInfo(path="t", sha256="0", format="txt", pages=1))
    renewal = evidence("This Agreement renews automatically")
    r.term.auto_renewal = Field(value="automatic", confidence=0.9, evidence=[renewal])
    r.term.non_renewal_notice = Field(value="P120D", confidence=0.9, evidence=[renewal])
    r.payment.terms = Field(value="P90D", confidence=0.9, evidence=[evidence("Customer shall pay")])
    r.clauses = [Clause(category="Cap On Liability", confidence=0.9, evidence=[evidence("IN NO EVENT")])]
    r.deadlines = [Deadline(kind="non_renewal_notice", date="2026-12-20", title="Last day to give notice",
                            basis="2027-04-19 - P120D", evidence=[renewal])]
    r.kpis = [Kpi(metric="availability", target=Target(comparator=">=", value=99.9, unit="%"), confidence=0.8)]
    return r


def by_id(checks):
    return {c.id: c for c in checks}


def test_a_raised_check_cites_the_clause_that_raised_it() -> None:
    checks = by_id(run_checks(record(), load_playbooks(), AS_OF))
    window = checks["renewal-window"]
    assert window.status == "raised"
    assert "2026-12-20" in window.message and "in 23 days" in window.message
    assert window.evidence[0].text.startswith("This Agreement renews automatically")
    long_notice = checks["long-renewal-notice"]
    assert long_notice.status == "raised" and "120 days" in long_notice.message
    assert checks["long-payment-terms"].status == "raised"
    assert checks["service-levels-without-remedy"].status == "raised"


def test_a_passed_check_says_what_was_looked_for() -> None:
    checks = by_id(run_checks(record(), load_playbooks(), AS_OF))
    assert checks["uncapped-liability"].status == "passed"  # a cap exists
    assert checks["liability-cap-exceptions"].status == "passed"  # and nothing is left outside it
    assert checks["liquidated-damages"].message.startswith("Looked for a liquidated damages clause")


def test_no_cap_is_a_high_risk_and_a_cap_with_exceptions_a_medium_one_quoting_both() -> None:
    without_cap = record()
    without_cap.clauses = []
    assert by_id(run_checks(without_cap, load_playbooks(), AS_OF))["uncapped-liability"].status == "raised"

    carved_out = record()
    carved_out.clauses.append(Clause(category="Uncapped Liability", confidence=0.8,
                                     evidence=[evidence("Customer shall pay")]))
    checks = by_id(run_checks(carved_out, load_playbooks(), AS_OF))
    assert checks["uncapped-liability"].status == "passed"
    exceptions = checks["liability-cap-exceptions"]
    assert (exceptions.status, exceptions.severity) == ("raised", "medium")
    assert {e.text for e in exceptions.evidence} >= {"IN NO EVENT", "Customer shall pay"}


def test_an_amendment_is_not_flagged_for_terms_the_amended_contract_holds() -> None:
    amendment = record()
    amendment.clauses, amendment.governing_law = [], None
    amendment.document.title = Field(value="Amendment No. 1 to Master Services Agreement", confidence=0.9,
                                     evidence=[evidence("This Agreement renews")])
    checks = by_id(run_checks(amendment, load_playbooks(), AS_OF))
    assert checks["uncapped-liability"].status == "passed"
    assert checks["no-governing-law-or-disputes"].status == "passed"

    contract = record()
    contract.clauses, contract.governing_law = [], None
    checks = by_id(run_checks(contract, load_playbooks(), AS_OF))
    assert checks["uncapped-liability"].status == "raised"
    message = checks["no-governing-law-or-disputes"].message
    assert "governing-law clause" in message and "dispute-resolution clause" in message  # both reasons kept


def test_a_contract_without_a_title_is_of_type_untitled() -> None:
    from pipeline.checks import evaluate

    untitled = record()
    assert untitled.document.title is None
    assert [h.values for h in evaluate(untitled, {"contract_type": "Untitled"}, AS_OF)] == [{"value": "Untitled"}]
    assert evaluate(untitled, {"contract_type": "Amendment"}, AS_OF) == []


def test_a_missed_window_is_raised_as_missed() -> None:
    checks = by_id(run_checks(record(), load_playbooks(), dt.date(2026, 12, 22)))
    assert "2 days ago, missed" in checks["renewal-window"].message


def test_missing_governing_law_is_raised_as_a_risk() -> None:
    check = by_id(run_checks(record(), load_playbooks(), AS_OF))["no-governing-law-or-disputes"]
    assert check.status == "raised" and "governing-law clause" in check.message


def test_a_user_playbook_changes_severity_disables_and_adds_checks(tmp_path: Path) -> None:
    mine = tmp_path / "ours.yaml"
    mine.write_text("""
checks:
  - id: long-payment-terms
    severity: high
    when: {duration_over: {field: payment.terms, days: 120}}
  - id: liquidated-damages
    enabled: false
  - id: no-audit-right
    title: We have no audit right
    kind: compliance
    severity: medium
    when: {no_clause: {category: Audit Rights}}
    explain: "No audit right was found."
""")
    checks = by_id(run_checks(record(), load_playbooks((mine,)), AS_OF))
    assert checks["long-payment-terms"].severity == "high"
    assert checks["long-payment-terms"].status == "passed"  # 90 days is within the user's 120
    assert "liquidated-damages" not in checks
    assert checks["no-audit-right"].status == "raised"


@pytest.mark.parametrize("body, expected", [
    ("checks:\n  - id: x\n    title: X\n    kind: risky\n    severity: low\n    when: {missing: a}\n    explain: e\n",
     "kind must be one of risk, compliance"),
    ("checks:\n  - id: x\n    title: X\n    kind: risk\n    severity: low\n    when: {sometimes: a}\n    explain: e\n",
     "unknown condition 'sometimes'"),
    ("checks:\n  - id: x\n    title: X\n    kind: risk\n    severity: low\n    when: {clause: {kategory: Insurance}}\n    explain: e\n",
     "'clause' needs category"),
    ("checks:\n  - id: x\n    title: X\n", "lacks kind, severity, when, explain"),
    ("checks:\n  - id: x\n    title: [unclosed\n", "not valid YAML"),
])
def test_a_wrong_playbook_is_refused_naming_file_line_and_check(tmp_path: Path, body: str, expected: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(body)
    with pytest.raises(PlaybookError) as caught:
        load_playbooks((bad,))
    assert str(bad) in str(caught.value)
    assert expected in str(caught.value)
    if "YAML" not in expected:
        assert f"{bad}:2" in str(caught.value)
