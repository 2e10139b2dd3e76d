"""Every record pactwatch writes validates against the published JSON Schema, and every quote in
it is the document's own text at the offsets and on the page it claims."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pipeline.evidence import evidence_problems, iter_evidence
from pipeline.record import json_schema


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_sample_record_validates_against_the_schema(sample_outcomes, validator) -> None:
    assert len(sample_outcomes) >= 10
    for slug, outcome in sample_outcomes.items():
        errors = sorted(validator.iter_errors(json.loads(outcome.record.to_json())), key=str)
        assert not errors, f"{slug}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_every_quote_is_the_text_at_its_offsets_and_on_its_page(sample_outcomes) -> None:
    quotes = 0
    for slug, outcome in sample_outcomes.items():
        assert outcome.document is not None, f"{slug} could not be read: {outcome.record.diagnostics}"
        assert evidence_problems(outcome.record, outcome.document) == [], slug
        quotes += sum(1 for _ in iter_evidence(outcome.record))
    assert quotes > 0, "no evidence at all was extracted from the sample contracts"


def test_a_failed_record_validates_too(tmp_path, validator) -> None:
    import datetime as dt

    from pipeline.process import process_file

    broken = tmp_path / "x.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    record = process_file(broken, "x.pdf", dt.date(2026, 11, 27)).record
    assert record.status.value == "failed"
    assert not list(validator.iter_errors(json.loads(record.to_json())))
