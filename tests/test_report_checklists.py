"""The compliance and risk checklists: every deadline and obligation with its status and owner, every
risk check with the clause that raised it or what was looked for, and a user's own playbook.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

from pipeline.record import Deadline, Evidence, Obligation, Record, Timing
from reports.checklist import compliance_items, status_for
from reports.html import render_contract

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 27)
GENERATED = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc)


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def section(html: str, ident: str) -> str:
    start = html.index(f'<section id="{ident}"')
    return html[start:html.index("</section>", start)]


def test_status_is_overdue_due_soon_upcoming_no_date_or_passed_as_of_the_run_date():
    assert status_for(AS_OF - dt.timedelta(days=1), AS_OF, action=True) == "overdue"
    assert status_for(AS_OF - dt.timedelta(days=1), AS_OF, action=False) == "passed"
    assert status_for(AS_OF, AS_OF, action=True) == "due_soon"
    assert status_for(AS_OF + dt.timedelta(days=30), AS_OF, action=True) == "due_soon"
    assert status_for(AS_OF + dt.timedelta(days=31), AS_OF, action=True) == "upcoming"
    assert status_for(None, AS_OF, action=True) == "no_date"


def test_sample_msa_checklist_has_every_deadline_and_obligation_with_owner_and_quote(sample_outcomes):
    record = sample_outcomes["msa_northwind"].record
    items = compliance_items(record, AS_OF)
    duties = [o for o in record.obligations if o.modality != "right"]
    assert len(items) == len(record.deadlines) + len(duties)
    notice = next(i for i in items if i.kind == "non renewal notice")
    assert (notice.date, notice.status, notice.days) == (dt.date(2026, 11, 30), "due_soon", 3)
    assert notice.owner and notice.owner.lower() == "either party"
    assert "at least ninety (90)\ndays prior" in notice.evidence[0].text
    effective = next(i for i in items if i.kind == "effective")
    assert effective.status == "passed"  # an event, not a missed action
    insurance = next(i for i in items if i.source == "obligation" and "certificates of insurance" in i.title)
    assert insurance.owner == "Provider" and insurance.status == "overdue"
    assert any(i.status == "no_date" and i.timing for i in items)  # "within 10 business days after ..."
    assert [i.status for i in items] == sorted((i.status for i in items),
                                               key=["overdue", "due_soon", "upcoming", "no_date", "passed"].index)


def test_report_shows_both_checklists_with_severity_and_evidence_or_what_was_looked_for(sample_outcomes):
    outcome = sample_outcomes["msa_northwind"]
    html = render_contract(outcome.record, outcome.document, generated=GENERATED)
    compliance = text_of(section(html, "compliance"))
    assert "due soon" in compliance and "Last day to give notice of non-renewal" in compliance
    assert "Execution and compliance checks" in compliance and "No signature block found" in compliance
    risks = section(html, "checks")
    for check in (c for c in outcome.record.checks if c.kind == "risk"):
        row = risks[risks.index(f'id="check-{check.id}"'):]
        row = row[:row.index("</tr>")]
        assert f"tag-sev-{check.severity}" in row
        if check.status == "raised" and check.evidence:
            assert 'class="ev-link"' in row  # the clause that raised it, one click from the text
        elif check.status == "raised":
            assert "looked for and not found" in text_of(row)
        else:
            assert "Looked for" in text_of(row) and "none found" in text_of(row)
    window = risks[risks.index('id="check-renewal-window"'):]
    assert "flagged" in text_of(window[:window.index("</tr>")])


def test_summary_names_parties_type_key_dates_and_the_next_action(sample_outcomes):
    outcome = sample_outcomes["saas_cloudpeak"]
    summary = text_of(section(render_contract(outcome.record, outcome.document, generated=GENERATED), "summary"))
    assert "CloudPeak Software, Inc." in summary and "Meridian Regional Health Partners" in summary
    assert "Hosting and SaaS" in summary
    assert "Effective 15 Jan 2023" in summary
    assert re.search(r"Next action \d+ \w+ 20\d\d — ", summary)


def test_dated_obligation_and_contract_text_in_the_checklist_are_escaped():
    from tests.test_report_html import make_document, make_record

    document = make_document()
    quote = "Exhibit C lists the <script>alert(1)</script> integration endpoints"
    start = document.text.index(quote)
    evidence = Evidence.from_span(document, start, start + len(quote))
    record = make_record(document, obligations=[Obligation(
        obligor="<b>Provider</b>", modality="obligation", category="delivery", action="deliver <img src=x> specs",
        timing=Timing(due_date="2026-12-01"), confidence=0.9, evidence=[evidence])],
        deadlines=[Deadline(kind="non_renewal_notice", date="2026-11-01", title="Last day <i>notice</i>",
                            basis="2027-01-30 - P90D", status="past", evidence=[evidence])])
    html = render_contract(record, document, generated=GENERATED)
    checklist = section(html, "compliance")
    assert "<script>alert(1)" not in html and "<img src=x>" not in html and "<b>Provider" not in html
    assert "&lt;img src=x&gt;" in checklist and "Last day &lt;i&gt;notice&lt;/i&gt;" in checklist
    assert 'data-status="overdue"' in checklist and 'data-status="due_soon"' in checklist


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_a_users_playbook_changes_the_checklist_and_a_bad_one_is_a_usage_error(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "nda.txt").write_text(
        'MUTUAL NONDISCLOSURE AGREEMENT\nThis Agreement is made as of June 1, 2024 between Alder Labs, Inc. '
        '("Alder") and Birch Robotics LLC ("Birch").\n1. Each party shall keep the Confidential Information '
        "of the other party confidential.\n", encoding="utf-8")
    playbook = tmp_path / "ours.yaml"
    playbook.write_text(
        "checks:\n"
        "  - id: uncapped-liability\n    enabled: false\n"
        "  - id: no-signature-block\n    severity: high\n"
        "  - id: needs-governing-law\n    title: Our policy - governing law must be stated\n"
        "    kind: compliance\n    severity: high\n    when: {missing: governing_law}\n"
        "    explain: \"No governing law: ask legal.\"\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("run", str(inbox), "--out", str(out), "--as-of", "2026-11-27", "--workers", "1",
                     "--no-progress", "--playbook", str(playbook), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    record = Record.model_validate_json((out / "nda.txt.json").read_text())
    checks = {c.id: c for c in record.checks}
    assert "uncapped-liability" not in checks
    assert checks["no-signature-block"].severity == "high"
    assert checks["needs-governing-law"].status == "raised"
    assert "Our policy - governing law must be stated" in (out / "nda.txt.html").read_text()

    # the same file again without the playbook: the stored record is not reused with the old checks
    result = run_cli("run", str(inbox), "--out", str(out), "--as-of", "2026-11-27", "--workers", "1",
                     "--no-progress", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    checks = {c.id for c in Record.model_validate_json((out / "nda.txt.json").read_text()).checks}
    assert "uncapped-liability" in checks and "needs-governing-law" not in checks

    bad = tmp_path / "bad.yaml"
    bad.write_text("checks:\n  - id: x\n    title: X\n    kind: risk\n    severity: urgent\n"
                   "    when: {missing: governing_law}\n    explain: x\n", encoding="utf-8")
    result = run_cli("run", str(inbox), "--out", str(out), "--playbook", str(bad), cwd=ROOT)
    assert result.returncode == 2
    assert f"{bad}:2" in result.stderr and "severity must be one of" in result.stderr
