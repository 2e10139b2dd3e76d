"""A stored record is reused only when what made it is unchanged: switching the PDF reader or
retraining the clause model must make the next run read the files again, or a user would keep
records from the old reader or model without knowing."""

from __future__ import annotations

from pathlib import Path

from pipeline import store


def test_switching_the_pdf_reader_changes_the_fingerprint(monkeypatch) -> None:
    monkeypatch.delenv("PACTWATCH_FINGERPRINT", raising=False)
    monkeypatch.delenv("PACTWATCH_PDF_BACKEND", raising=False)
    default = store.pipeline_fingerprint()
    monkeypatch.setenv("PACTWATCH_PDF_BACKEND", "pypdf")
    assert store.pipeline_fingerprint() == default
    monkeypatch.setenv("PACTWATCH_PDF_BACKEND", "pdfium")
    assert store.pipeline_fingerprint() != default


def test_a_retrained_model_or_edited_rule_pack_changes_the_fingerprint(tmp_path: Path) -> None:
    for name, data in (("pipeline/process.py", b"x = 1\n"), ("rules/term.yaml", b"a: 1\n"),
                       ("extractors/models/clauses.npz", b"weights v1")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    first = store._code_fingerprint(tmp_path)
    (tmp_path / "extractors/models/clauses.npz").write_bytes(b"weights v2")
    retrained = store._code_fingerprint.__wrapped__(tmp_path)
    assert retrained != first
    (tmp_path / "rules/term.yaml").write_bytes(b"a: 2\n")
    edited = store._code_fingerprint.__wrapped__(tmp_path)
    assert edited != retrained
    (tmp_path / "pipeline/cli.py").write_bytes(b"# orchestration only\n")  # does not make records
    assert store._code_fingerprint.__wrapped__(tmp_path) == edited
