"""The clause map: which CUAD clause categories a contract has, with the sentences that say so."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from extractors import clauses
from extractors.base import Context
from pipeline.ingest.txt import read_txt
from pipeline.nlp import analyse
from pipeline.process import process_file
from pipeline.record import Record, Status, DocumentInfo
from rules import RULES_DIR

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
CUAD_CATEGORIES = {
    "Most Favored Nation", "Competitive Restriction Exception", "Non-Compete", "Exclusivity",
    "No-Solicit Of Customers", "No-Solicit Of Employees", "Non-Disparagement", "Termination For Convenience",
    "Rofr/Rofo/Rofn", "Change Of Control", "Anti-Assignment", "Revenue/Profit Sharing", "Price Restrictions",
    "Minimum Commitment", "Volume Restriction", "Ip Ownership Assignment", "Joint Ip Ownership", "License Grant",
    "Non-Transferable License", "Affiliate License-Licensor", "Affiliate License-Licensee",
    "Unlimited/All-You-Can-Eat-License", "Irrevocable Or Perpetual License", "Source Code Escrow",
    "Post-Termination Services", "Audit Rights", "Uncapped Liability", "Cap On Liability", "Liquidated Damages",
    "Warranty Duration", "Insurance", "Covenant Not To Sue", "Third Party Beneficiary",
}

DISTRIBUTION = """DISTRIBUTION AGREEMENT

This Distribution Agreement (the "Agreement") is entered into as of March 1, 2021 by and between Kestrel Medical, Inc., a Delaware corporation ("Supplier"), and Harbor Health Supply LLC ("Distributor").

1. Appointment. Supplier hereby appoints Distributor as its exclusive distributor of the Products in the Territory, and Supplier shall not appoint any other distributor or agent for the Products in the Territory during the Term.

2. Minimum Purchase. Distributor shall purchase from Supplier a minimum of 10,000 units of Products during each Contract Year.

3. Records and Audit. Distributor shall keep complete and accurate books and records relating to the sale of the Products, and Supplier may audit such books and records upon ten (10) days' prior written notice once per calendar year.

4. Insurance. Distributor shall maintain commercial general liability insurance with limits of not less than $1,000,000 per occurrence and shall name Supplier as an additional insured.

5. Limitation of Liability. IN NO EVENT SHALL EITHER PARTY'S AGGREGATE LIABILITY ARISING OUT OF THIS AGREEMENT EXCEED THE AMOUNTS PAID BY DISTRIBUTOR TO SUPPLIER DURING THE TWELVE (12) MONTHS PRECEDING THE CLAIM.

6. Assignment. Neither party may assign this Agreement or any of its rights or obligations hereunder without the prior written consent of the other party, and any attempted assignment without such consent shall be null and void.

7. Governing Law. This Agreement shall be governed by the laws of the State of New York.
"""

BOILERPLATE = """SERVICES AGREEMENT

This Services Agreement is entered into as of June 1, 2020 between Alder Analytics LLC ("Provider") and Finch Retail Inc. ("Customer").

1. Services. Provider shall perform the services described in each statement of work.

2. Fees. Customer shall pay the fees set out in each statement of work within thirty (30) days of receipt of invoice.

3. No Third Party Beneficiaries. This Agreement is for the sole benefit of the parties and nothing herein, express or implied, shall confer upon any other person any legal or equitable right, and there are no third party beneficiaries of this Agreement.

4. Notices. All notices shall be in writing and delivered to the addresses set out above.

5. Counterparts. This Agreement may be executed in counterparts, each of which shall be deemed an original.
"""

TPB_AFFIRMATIVE = BOILERPLATE.replace(
    "3. No Third Party Beneficiaries. This Agreement is for the sole benefit of the parties and nothing herein, "
    "express or implied, shall confer upon any other person any legal or equitable right, and there are no third "
    "party beneficiaries of this Agreement.",
    "3. Franchisor. Member hereby acknowledges and agrees that Franchisor is an intended third-party beneficiary "
    "of this Agreement with the right to enforce it, independently or jointly with Franchisee.")


def clause_map(text: str) -> dict[str, object]:
    document = read_txt("contract.txt", text.encode("utf-8"), "0" * 64)
    record = Record(pactwatch_version="test", status=Status.OK,
                    document=DocumentInfo(path="contract.txt", sha256="0" * 64, format="txt", pages=1))
    ctx = Context(document=document, analysis=analyse(document), record=record)
    clauses.extract(ctx)
    for clause in record.clauses:
        for ev in clause.evidence:
            assert document.text[ev.start:ev.end] == ev.text
    return {c.category: c for c in record.clauses}


def present(found: dict[str, object]) -> set[str]:
    return {name for name, c in found.items() if c.confidence >= 0.5}


def test_drafted_clauses_are_found_and_quoted_by_their_sentence():
    found = clause_map(DISTRIBUTION)

    assert {"Exclusivity", "Minimum Commitment", "Audit Rights", "Insurance", "Cap On Liability",
            "Anti-Assignment"} <= present(found)
    quotes = [e.text for e in found["Anti-Assignment"].evidence]
    assert any(q.startswith("Neither party may assign this Agreement") and q.endswith("null and void.")
               for q in quotes)
    assert any("IN NO EVENT SHALL EITHER PARTY" in e.text for e in found["Cap On Liability"].evidence)


def test_boilerplate_contract_reports_no_restrictive_clauses():
    found = present(clause_map(BOILERPLATE))

    assert not found & {"Non-Compete", "Exclusivity", "Anti-Assignment", "Cap On Liability", "Insurance",
                        "Third Party Beneficiary", "Source Code Escrow", "Most Favored Nation"}


def test_third_party_beneficiary_is_reported_only_when_someone_is_one():
    assert "Third Party Beneficiary" not in present(clause_map(BOILERPLATE))

    found = clause_map(TPB_AFFIRMATIVE)
    assert "Third Party Beneficiary" in present(found)
    assert any("intended third-party beneficiary" in e.text for e in found["Third Party Beneficiary"].evidence)


def test_categories_are_cuad_names_with_calibrated_confidence():
    found = clause_map(DISTRIBUTION)

    assert set(found) <= CUAD_CATEGORIES
    assert all(clauses.MIN_CONFIDENCE <= c.confidence <= 1 and c.evidence for c in found.values())
    assert set(clauses.model().categories) == CUAD_CATEGORIES


def test_runtime_scorer_reproduces_the_trained_models_scores():
    with np.load(clauses.MODEL_PATH) as z:
        texts = [str(t) for t in z["check_texts"]]
        trained = z["check_logits"]
    model, rule_set = clauses.model(), clauses.rules()
    known, _ = clauses.model_hits(texts, rule_set.cues, model)
    features = clauses.sentence_features(texts, clauses.headings_of(texts), known, model.head_weight)
    # only the weights' float16 rounding separates the two
    np.testing.assert_allclose(model.scores(features), trained, atol=0.05)


def test_model_ships_small_and_knows_every_cue_it_was_trained_with():
    assert clauses.MODEL_PATH.stat().st_size < 5_000_000
    pack_keys = {cue.key for cue in clauses.rules().cues}
    assert set(clauses.model().cue_keys) <= pack_keys, "a cue was renamed or removed: retrain the clause model"


def test_rule_pack_names_only_cuad_categories_and_unique_cues():
    pack = yaml.safe_load((RULES_DIR / "clauses.yaml").read_text(encoding="utf-8"))
    assert set(pack["categories"]) <= CUAD_CATEGORIES
    for category, cues in pack["categories"].items():
        names = [c["name"] for c in cues]
        assert len(names) == len(set(names)), category
        for cue in cues:
            re.compile(cue["pattern"])


def test_a_hundred_page_contract_is_mapped_in_well_under_a_second():
    text = DISTRIBUTION + "\n\n".join(
        f"{n}. Services. Provider shall perform the services described in Statement of Work {n} in a "
        f"professional manner and in accordance with the specifications, and Customer shall pay the fees "
        f"set out therein within thirty (30) days of receipt of a proper invoice." for n in range(8, 1600))
    clause_map(DISTRIBUTION)  # load the model and rules first
    start = time.perf_counter()
    clause_map(text)
    assert time.perf_counter() - start < 2.0  # ~0.3 s on an idle machine; the bound catches quadratic work


@pytest.mark.skipif(not (SAMPLES / "msa_northwind.pdf").exists(), reason="sample contract not built")
def test_sample_msa_clauses_are_found_in_the_pipeline():
    record = process_file(SAMPLES / "msa_northwind.pdf", "msa_northwind.pdf", dt.date(2026, 11, 27)).record
    found = {c.category: c for c in record.clauses if c.confidence >= 0.5}

    assert {"Audit Rights", "Insurance", "Cap On Liability", "Anti-Assignment", "Termination For Convenience",
            "Ip Ownership Assignment"} <= set(found)
    quotes = [" ".join(e.text.split()) for e in found["Termination For Convenience"].evidence]
    assert any("may terminate this Agreement or any Statement of Work for convenience upon sixty (60) days" in q
               for q in quotes)
