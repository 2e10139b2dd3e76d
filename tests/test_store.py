"""The register: one document per sha256 whatever its names, rows replaced (never duplicated)
when a document is processed again, all-or-nothing transactions, WAL mode and a versioned schema."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from pipeline import errors
from pipeline.document import Document, Page
from pipeline.errors import IngestError
from pipeline.process import failed_record, process_document
from pipeline.store import MIGRATIONS, Register, RegisterError, document_from_blob, document_to_blob

AS_OF = dt.date(2026, 11, 27)
TEXT = ("MASTER SERVICES AGREEMENT\nThis Master Services Agreement is entered into as of March 1, 2024 by and "
        'between Acme Widgets, Inc. ("Provider") and Beta Freight LLC ("Customer"). The initial term of this '
        "Agreement is three (3) years. This Agreement shall be governed by the laws of the State of New York.")


def document(text: str = TEXT, sha: str = "a" * 64) -> Document:
    return Document("msa.txt", sha, "txt", text, [Page(1, 0, len(text))], size_bytes=len(text))


def save(register: Register, doc: Document, name: str) -> None:
    record = process_document(doc, AS_OF)
    register.save_result(sha256=doc.sha256, record=record, document=doc, identity=None, amends=None, changes=[],
                         seconds=0.1, run_id=None, name=name)


def counts(register: Register) -> dict[str, int]:
    return {t: register.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "names", "records", "checks", "diagnostics", "deadlines", "obligations")}


def test_the_same_bytes_under_two_names_are_one_document(tmp_path: Path) -> None:
    with Register(tmp_path / "r.db") as register:
        doc = document()
        save(register, doc, "inbox/msa.txt")
        register.add_name(doc.sha256, "archive/msa copy.txt")
        assert counts(register)["documents"] == 1
        assert register.names(doc.sha256) == ["inbox/msa.txt", "archive/msa copy.txt"]
        assert [c.sha256 for c in register.find("msa copy.txt")] == [doc.sha256]


def test_processing_a_document_again_replaces_its_rows(tmp_path: Path) -> None:
    with Register(tmp_path / "r.db") as register:
        doc = document()
        save(register, doc, "msa.txt")
        before = counts(register)
        save(register, doc, "msa.txt")
        assert counts(register) == before
        assert before["checks"] > 0, "the record's check results are rows"


def test_a_failing_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    with Register(tmp_path / "r.db") as register:
        with pytest.raises(RuntimeError), register.transaction() as db:
            db.execute("INSERT INTO documents (sha256, size_bytes, first_seen) VALUES ('x', 1, 'now')")
            raise RuntimeError("killed halfway")
        assert counts(register)["documents"] == 0


def test_the_register_uses_wal_and_records_its_schema_version(tmp_path: Path) -> None:
    with Register(tmp_path / "r.db") as register:
        assert register.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert register.schema_version == len(MIGRATIONS)
        assert register.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with Register(tmp_path / "r.db") as again:  # opening again migrates nothing and loses nothing
        assert again.schema_version == len(MIGRATIONS)


def test_a_register_from_a_newer_pactwatch_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "r.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(RegisterError, match="newer pactwatch"):
        Register(tmp_path / "r.db")


def test_a_register_that_cannot_be_created_has_the_output_code(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(RegisterError) as caught:
        Register(tmp_path / "file" / "r.db")
    assert caught.value.code is errors.OUTPUT_NOT_WRITABLE


def test_failures_of_circumstance_are_not_reused_but_failures_of_the_file_are(tmp_path: Path) -> None:
    source = tmp_path / "x.pdf"
    source.write_bytes(b"%PDF-1.7 broken")
    with Register(tmp_path / "r.db") as register:
        for code, sha in ((errors.TIMEOUT, "1" * 64), (errors.CORRUPT_PDF, "2" * 64)):
            record = failed_record(source, "x.pdf", IngestError(code, "detail"), AS_OF)
            register.save_result(sha256=sha, record=record, document=None, identity=None, amends=None, changes=[],
                                 seconds=None, run_id=None, name=f"{code.code}.pdf")
        assert register.reusable("1" * 64, AS_OF) is None, "a timeout may pass with a longer limit"
        assert register.reusable("2" * 64, AS_OF) is not None, "a corrupt file stays corrupt"
        assert register.reusable("2" * 64, AS_OF + dt.timedelta(days=1)) is None, "deadlines depend on the date"


def test_the_stored_text_gives_back_the_same_document() -> None:
    doc = document()
    again = document_from_blob(document_to_blob(doc))
    assert (again.text, again.pages, again.sha256) == (doc.text, doc.pages, doc.sha256)
