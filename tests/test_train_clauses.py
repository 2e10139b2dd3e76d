"""The clause model's trainer (benchmarks/train_clauses.py): labels and the contract calibrator.

A wrong label or a calibrator that cannot learn from rare categories shows up only as worse
cross-validated figures, long after the change; these tests name it at once."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import train_clauses as T  # noqa: E402

from extractors import clauses  # noqa: E402
from pipeline.nlp import split_sentences  # noqa: E402

TEXT = ("1. Assignment. Neither party may assign this Agreement without the prior written consent of the other "
        "party.\n\nAny attempted assignment in violation of this Section shall be null and void.\n\n"
        "2. Audit. Supplier may audit the books and records of Distributor once per year.\n")


def test_a_labelled_span_marks_the_sentences_it_covers_and_no_others():
    sentences = split_sentences(TEXT)
    texts = [TEXT[s.start:s.end] for s in sentences]
    span = "Neither party may assign this Agreement without the prior written consent of the other party."

    marked = T.sentence_labels(TEXT, sentences, [span])

    assert [texts[i] for i in marked] == [t for t in texts if t.startswith("Neither party may assign")]
    assert not any("audit" in texts[i] for i in marked)


def test_a_span_broken_by_page_furniture_is_still_located():
    text = TEXT.replace("the other party.", "the other\nPage 3 of 9\nparty.")
    sentences = split_sentences(text)
    span = "Neither party may assign this Agreement without the prior written consent of the other party."

    marked = T.sentence_labels(text, sentences, [span])

    assert any("Neither party may assign" in text[sentences[i].start:sentences[i].end] for i in marked)


def synthetic_contracts(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """200 contracts x 6 categories x the calibrator's features; category 5 has 4 positive contracts.
    In every category the lawyers label the clause where the best sentence scores high."""
    rng = np.random.default_rng(seed)
    n, k = 200, 6
    present = np.zeros((n, k), bool)
    present[:, :5] = rng.random((n, 5)) < 0.4
    present[rng.choice(n, 4, replace=False), 5] = True
    best = np.where(present, rng.normal(3, 1.5, (n, k)), rng.normal(-3, 1.5, (n, k)))
    features = np.zeros((n, k, len(clauses.CONTRACT_FEATURES)))
    features[:, :, 0] = best
    features[:, :, 1] = best - np.abs(rng.normal(1, 0.5, (n, k)))
    features[:, :, 2] = np.log1p(np.maximum(best, 0))
    return features, present


def test_a_rare_category_borrows_the_slope_of_the_common_ones():
    features, present = synthetic_contracts()

    alone = T.fit_calibration(features, present, shrink=1e-3)
    shared = T.fit_calibration(features, present, shrink=100.0)

    # fitted alone, 4 positive contracts are separated by an extreme intercept and slope
    assert alone[5, -1] < shared[5, -1] - 3
    # drawn together, the rare category's slope is the common one ...
    common = shared[:5, 0].mean()
    assert abs(shared[5, 0] - common) < 0.1 * common
    # ... and a contract whose best sentence scores like the common categories' clauses has it
    clear_case = np.zeros((6, len(clauses.CONTRACT_FEATURES)))
    clear_case[:, 0], clear_case[:, 1], clear_case[:, 2] = 3.0, 2.0, np.log1p(3.0)
    assert clauses.calibrate(shared, clear_case)[5] > 0.5


def test_the_calibration_is_a_probability_that_follows_the_labels():
    features, present = synthetic_contracts(1)
    calibration = T.fit_calibration(features, present, shrink=10.0)
    probability = np.array([clauses.calibrate(calibration, f) for f in features])

    assert calibration.shape == (6, len(clauses.CONTRACT_FEATURES) + 1)
    assert ((probability >= 0.5) == present)[:, :5].mean() > 0.95
    # calibrated: the mean probability is close to the share of contracts that have the clause
    np.testing.assert_allclose(probability[:, :5].mean(0), present[:, :5].mean(0), atol=0.05)


def test_shrink_is_chosen_by_held_out_log_loss_from_the_grid():
    features, present = synthetic_contracts(2)

    assert T.choose_shrink(features, present) in T.CALIBRATION_SHRINKS
