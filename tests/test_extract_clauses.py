"""The clause map: which CUAD clause categories a contract has, with the sentences that say so."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from extractors import clause_features, clauses
from extractors.base import Context
from pipeline.ingest.txt import read_txt
from pipeline.nlp import analyse, split_sentences
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


def sentence_texts(text: str) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text)]


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
    features, _, _ = clause_features.contract_features(texts, clause_features.prepare(texts), rule_set.cues,
                                                    model.cue_index, model.head_weight)
    # only the weights' float16 rounding separates the two
    np.testing.assert_allclose(model.scores(features), trained, atol=0.05)


def test_model_ships_small_and_knows_every_cue_it_was_trained_with():
    assert clauses.MODEL_PATH.stat().st_size < 6_000_000
    pack_keys = {cue.key for cue in clauses.rules().cues}
    assert set(clauses.model().cue_keys) <= pack_keys, "a cue was renamed or removed: retrain the clause model"
    floor_cues = {key.removesuffix(clauses.HEADING) for key in clauses.model().floors}
    assert floor_cues <= pack_keys, "a cue with a floor was renamed or removed: retrain"


def test_confidence_floors_come_from_training_not_from_the_rule_pack():
    pack = yaml.safe_load((RULES_DIR / "clauses.yaml").read_text(encoding="utf-8"))
    numbers = [f"{category}/{cue['name']}: {key}" for category, cues in pack["categories"].items()
               for cue in cues for key, value in cue.items()
               if isinstance(value, (int, float)) and not isinstance(value, bool)]
    assert not numbers, "numbers fitted on data belong in the model file (benchmarks/train_clauses.py)"
    assert all(0.5 <= floor <= 1 for floor in clauses.model().floors.values())


def test_a_cue_with_a_learned_floor_reports_its_clause_and_quotes_its_sentence():
    text = BOILERPLATE.replace(
        "4. Notices.", "4. Refusal. Customer shall have a right of first refusal to purchase any additional "
                       "services Provider offers to third parties on the same terms.\n\n5. Notices.")
    cue = next(c for c in clauses.rules().cues if c.key == "Rofr/Rofo/Rofn/first_refusal")
    with_floor = dataclasses.replace(clauses.model(), floors={cue.key: 0.93})
    no_floor = dataclasses.replace(clauses.model(), floors={})

    found = {f.category: f for f in clauses.find_clauses(sentence_texts(text), with_floor, clauses.rules())}
    assert found["Rofr/Rofo/Rofn"].confidence >= 0.93
    quotes = [sentence_texts(text)[i] for i in found["Rofr/Rofo/Rofn"].sentences]
    assert any("right of first refusal" in q for q in quotes)
    without = {f.category: f for f in clauses.find_clauses(sentence_texts(text), no_floor, clauses.rules())}
    assert without.get("Rofr/Rofo/Rofn") is None or without["Rofr/Rofo/Rofn"].confidence < 0.93


def test_a_heading_with_a_learned_floor_quotes_the_sentences_under_it():
    text = BOILERPLATE.replace(
        "4. Notices.", "4. Right of First Refusal\n\nBefore selling the Equipment to any third party, Provider shall "
                       "first offer it to Customer on the same terms, and Customer may accept within thirty days."
                       "\n\n5. Notices.")
    with_floor = dataclasses.replace(clauses.model(), floors={"Rofr/Rofo/Rofn/first_refusal" + clauses.HEADING: 0.91})

    found = {f.category: f for f in clauses.find_clauses(sentence_texts(text), with_floor, clauses.rules())}
    assert found["Rofr/Rofo/Rofn"].confidence >= 0.91
    quotes = [sentence_texts(text)[i] for i in found["Rofr/Rofo/Rofn"].sentences]
    assert any(q.startswith("Before selling the Equipment") for q in quotes)
    assert not any("Right of First Refusal" == q.strip() for q in quotes)  # the heading itself is no quote


def test_rule_pack_names_only_cuad_categories_and_unique_cues():
    pack = yaml.safe_load((RULES_DIR / "clauses.yaml").read_text(encoding="utf-8"))
    assert set(pack["categories"]) <= CUAD_CATEGORIES
    for category, cues in pack["categories"].items():
        names = [c["name"] for c in cues]
        assert len(names) == len(set(names)), category
        for cue in cues:
            re.compile(cue["pattern"])


def test_a_hundred_page_contract_is_mapped_as_its_clauses_say():
    # the speed of the clause map is measured by benchmarks/extractor_times.py, not here
    text = DISTRIBUTION + "\n\n".join(
        f"{n}. Services. Provider shall perform the services described in Statement of Work {n} in a "
        f"professional manner and in accordance with the specifications, and Customer shall pay the fees "
        f"set out therein within thirty (30) days of receipt of a proper invoice." for n in range(8, 1600))

    long_map, short_map = present(clause_map(text)), present(clause_map(DISTRIBUTION))

    assert {"Exclusivity", "Audit Rights", "Insurance", "Cap On Liability", "Anti-Assignment"} <= long_map
    assert long_map <= short_map | {"Post-Termination Services"}


def test_the_calibrator_counts_each_cue_once_and_headings_apart():
    cues = clauses.rules().cues
    model = clauses.model()
    rofr = [c.key for c in cues if c.category == "Rofr/Rofo/Rofn"][:2]
    fired = {rofr[0], rofr[1], rofr[0] + clauses.HEADING}

    counts = clauses.cue_counts(fired, model.categories, cues)

    k = model.categories.index("Rofr/Rofo/Rofn")
    np.testing.assert_allclose(counts[k], [np.log1p(2), np.log1p(1)])
    assert counts[np.arange(len(counts)) != k].sum() == 0
    assert model.calibration.shape == (len(model.categories), len(clauses.CONTRACT_FEATURES) + 1)


# Sentences in the style of real contracts, chosen so that most cues of the pack match one of them
# and word boundaries are tested at hyphens, digits, brackets and line breaks.
CUE_SENTENCES = [
    "Supplier agrees that the prices charged to Buyer shall be no less favorable than the prices charged to any "
    "other similarly situated customer, and if Supplier grants any other customer more favorable pricing, "
    "Supplier shall offer the same to Buyer.",
    "Licensee shall receive most-favoured-nation treatment and shall not be charged higher fees than other licensees.",
    "Notwithstanding the foregoing, Distributor may own less than five percent (5%) of the outstanding stock of "
    "any company listed on a national securities exchange, and the foregoing restrictions shall not apply to such "
    "passive investment.",
    "During the Term and for two (2) years thereafter, Consultant shall not, directly or indirectly, engage in "
    "any business that competes with the Company, nor solicit, divert or attempt to divert any customer of the "
    "Company, nor hire or solicit any employee of the Company (a non-compete and non-solicitation covenant).",
    "Neither party shall make any disparaging remarks or statements about the other party, nor take any action "
    "that would tarnish the goodwill or reputation of the other party or place it in a negative light.",
    "Distributor is hereby appointed the exclusive distributor of the Products in the Territory and Supplier "
    "shall not appoint any other distributor, agent or reseller in the Territory.",
    "Either party may terminate this Agreement for convenience upon ninety (90) days' prior written notice, and "
    "Customer may terminate without cause at any time upon thirty (30) days notice.",
    "Company shall have a right of first refusal and a right of first negotiation to acquire the Assets, and may "
    "match any offer received from a third party.",
    "A change of control, including a merger or the sale of all or substantially all of the assets or fifty "
    "percent (50%) of the voting securities, shall be deemed an assignment, and any assignment without consent "
    "shall be null and void.",
    "Licensee shall pay royalties of ten percent (10%) of Net Sales, and the parties shall share the net "
    "revenues equally; prices shall not be increased more than once per calendar year and any increase shall "
    "not exceed 3% or the change in the Consumer Price Index.",
    "Customer shall purchase a minimum annual quantity of 10,000 units, with a take-or-pay shortfall payment, "
    "and orders shall not exceed 12,000 units per year or the Maximum Quantity.",
    "Consultant hereby irrevocably assigns to Company all right, title and interest in the Work Product, which "
    "shall be works made for hire and the sole and exclusive property of Company; jointly developed inventions "
    "shall be jointly owned, each party holding an undivided interest, and co-owned patents may be licensed.",
    "Licensor hereby grants to Licensee and its Affiliates a non-exclusive, non-transferable, perpetual, "
    "irrevocable, royalty-free, worldwide license, without the right to sublicense, for an unlimited number of "
    "users, under the Patents owned or controlled by Licensor or its Affiliates.",
    "The Source Code shall be deposited with the escrow agent and released upon a Release Condition; Provider "
    "shall provide transition services for a period of six (6) months following termination, and Sections 7 and "
    "9 shall survive termination.",
    "Licensee shall keep accurate books and records, and Licensor may audit and inspect such records; "
    "Provider shall maintain insurance, name Customer as an additional insured, and provide certificates of "
    "insurance with limits of $1,000,000 per occurrence.",
    "Except for breach of Section 8 (Confidentiality), gross negligence or willful misconduct, in no event shall "
    "either party's liability exceed the amounts paid in the twelve (12) months preceding the claim, and neither "
    "party shall be liable for consequential damages; the limitations shall not apply to indemnification.",
    "Supplier shall pay liquidated damages of $500 per day of delay, which are not a penalty, and warrants the "
    "Products free from defects for a period of twelve (12) months (the Warranty Period).",
    "Licensee shall not contest the validity of the Licensed Marks and covenants not to sue Licensor, and "
    "releases all claims; Franchisor is an intended third-party beneficiary of this Agreement.",
]


def test_the_word_prefilter_never_changes_what_a_cue_matches():
    texts = [t for text in CUE_SENTENCES + [DISTRIBUTION, BOILERPLATE] for t in sentence_texts(text)]
    texts += [t.replace(" ", "\n  ") for t in CUE_SENTENCES[:4]]  # PDF line breaks inside a sentence
    cues = clauses.rules().cues
    prepared = clause_features.prepare(texts)
    every_sentence = {(i, j) for j, cue in enumerate(cues) for i, text in enumerate(prepared.folded)
                      if cue.pattern.search(text) and not (cue.unless and cue.unless.search(text))}

    assert set(clause_features.cue_hits(prepared, cues)) == every_sentence
    assert len({j for _, j in every_sentence}) >= 0.6 * len(cues)  # the sentences exercise most cues


def test_cue_words_are_read_from_the_pattern():
    read = clause_features.required_words

    assert read(r"\bmost[- ]favou?red[- ](?:nation|customer)") == (
        frozenset({("most", True)}), frozenset({("favo", False)}), frozenset({("nation", False), ("customer", False)}))
    assert read(r"\bco-?own\w*") == (frozenset({("co", False)}),)  # "co-own" and "coown" both start with "co"
    assert read(r"most favou?red") == (frozenset({("favo", False)}),)  # "most" may end "almost"
    assert read(r"\b(?:\d+|thirty) days") == (frozenset({("days", False)}),)  # one alternative has no word
    assert read(r"\bfor convenience\b|\bwithout cause\b") == (frozenset({("convenience", True), ("without", True)}),)


@pytest.mark.skipif(not (SAMPLES / "msa_northwind.pdf").exists(), reason="sample contract not built")
def test_sample_msa_clauses_are_found_in_the_pipeline():
    record = process_file(SAMPLES / "msa_northwind.pdf", "msa_northwind.pdf", dt.date(2026, 11, 27)).record
    found = {c.category: c for c in record.clauses if c.confidence >= 0.5}

    assert {"Audit Rights", "Insurance", "Cap On Liability", "Anti-Assignment", "Termination For Convenience",
            "Ip Ownership Assignment"} <= set(found)
    quotes = [" ".join(e.text.split()) for e in found["Termination For Convenience"].evidence]
    assert any("may terminate this Agreement or any Statement of Work for convenience upon sixty (60) days" in q
               for q in quotes)
