"""Train the clause map's model on the CUAD dev set, report cross-validated scores, export it.

    .venv/bin/python benchmarks/train_clauses.py [--cuad ../shared/cuad/dev] [--out out/clauses]
                                                 [--folds 5] [--no-cv] [--no-export] [--reuse]

Needs the `train` extra (scikit-learn, which brings scipy); the exported model needs numpy only.

What is learned, and from what
------------------------------
1. Each dev PDF is ingested with our pipeline (pickle cache under OUT/.cache, as cuad_eval.py)
   and split with `pipeline.nlp.split_sentences`, exactly as the extractor sees it.
2. A sentence is positive for a category when it overlaps a lawyer's span: the span is located
   in our text by its word sequence (first/last words when page furniture interrupts it) and a
   sentence counts when half of it, or half of the span, lies inside the other; a span that cannot
   be located marks the sentences with word-set Jaccard >= 0.5 (the scorer's match).
3. Sentence model: features are `extractors.clause_features` (the runtime code): word 1-2-grams,
   heading words, and each cue of rules/clauses.yaml matched by the sentence, by a sentence at most
   two away, or by its heading. One logistic regression per category, balanced class weights,
   fitted jointly with L-BFGS; only features seen in at least MIN_CONTRACTS training contracts are
   kept (hashing collisions and one-contract words are noise), every cue feature is.
4. Contract calibrator: per category, a logistic regression from `clauses.CONTRACT_FEATURES` (best
   sentence logit, second best, log1p(#sentences above 0), log1p(#the category's cues matched in
   sentences), log1p(#matched in headings)) to "the lawyers labelled the category", fitted on
   sentence scores of contracts the sentence model did not see. The 33 regressions are fitted
   together, each one's weights drawn towards weights shared by all with an L2 penalty `shrink`:
   a category with 8 positive contracts cannot fit 6 numbers alone, and borrows the slope of the
   common ones. `shrink` is chosen from CALIBRATION_SHRINKS by held-out log loss in a 5-fold split
   of the training contracts (a proper score, not the F1 the scorer prints).
5. Cue floors: every cue of the pack is a candidate, once for its matches in sentences of
   FLOOR_MIN_WORDS words or more and once for its matches in headings with sentences under them
   (key "<cue>#heading"). Take the training contracts where it matches *and* the calibrated
   probability (from a sentence model that did not see the contract) is below 0.5: the contracts
   a floor would turn to "present". Of n such contracts, s have the clause; the estimate is
   (s + m q) / (n + m): the share of them that have it, drawn towards q, the share of all the
   training contracts the model is unsure about (probability below 0.5) that have the category
   anyway, with the weight of m = FLOOR_PRIOR_CONTRACTS (2) contracts. A cue the pack marks
   `decisive: true` (wording that is the clause by definition: "right of first refusal", an
   affirmative "third party beneficiary") is judged the same way on every training contract it
   matches, not only the unsure ones, q being the category's share of all training contracts.
   The cue gets a floor when the estimate is at least FLOOR_THRESHOLD (0.5, the scorer's presence
   threshold), and the floor is the estimate. Nothing in rules/clauses.yaml is a number.
6. Evidence: the sentences quoted are the best-scoring ones within a margin of the best, at most
   a maximum; per category, (margin, maximum) is the pair of EVIDENCE_MARGINS x EVIDENCE_MAXIMA
   that finds the most labelled span pieces while at least EVIDENCE_PRECISION (0.6, the issue's
   evidence target) of its quotes match one (word-set Jaccard >= 0.5, the scorer's test), where the
   calibrated model reports the category on held-out sentence scores of the training contracts
   (the most precise pair if none reaches 0.6).

Cross-validation (every figure printed comes from contracts nothing was fitted on)
--------------------------------------------------------------------------------
Folds are grouped by contract (GroupKFold). For outer fold k, the sentence model is fitted on the
other folds; 4-6 above are fitted on the other folds only, using for each training contract in
fold j the scores of a sentence model fitted without folds j and k (one model per fold pair, so
the calibrator, the floors and the evidence rule never see fold k's labels, not even through the
sentence scores). The outer fold's contracts are then mapped with that model, calibrator, floors
and evidence rule; the records (other extractors' fields + the held-out clause map) are written to
OUT/cv/ and scored with ../shared/eval/score_cuad.py. The floors of each fold are in
OUT/cv_floors.json.

The shipped model: the sentence model fitted on all contracts; calibrator, floors and evidence
rule fitted on the 5-fold held-out sentence scores of all contracts.

How the figure came about (read it with this in mind). The first protocol, fixed before its run,
estimated floors by the Wilson lower bound of s/n at z = 1.645 with no decisive cues (2-4 floors
per fold) and fitted one evidence rule for all categories by the F1 of quotes against span
pieces: with the first model's cues, CV macro F1 0.632, evidence hit 0.600, AUPR 0.443. Then,
each after seeing cross-validated figures: cues for the weak categories, the near/heading cue
features, the prior-smoothed floor estimate, `decisive` marks on 28 cues whose wording is the
clause by definition (3 of them added after seeing per-category results), heading floors, and the
per-category evidence rule (the pooled one gave 0.5996): macro F1 0.680, micro 0.807, evidence hit
0.607, AUPR 0.440; the same sentence models with no floors (`--no-floors`) 0.629, with the Wilson
floor rule (`--floor-rule wilson`) 0.657. Then three calibrator changes, each run once, on the
same sentence models: every category's best logit as an input of every calibrator (0.681,
dropped), the cue counts as inputs (0.685, kept), the shrinkage towards shared weights (0.723,
kept). Then the sentence splitter changed (a sentence ends after "Exhibit D."; a cross-reference
wrapped to the start of a line no longer cuts a sentence; a numbered title line is a unit of its
own) and the model was retrained from scratch: macro F1 0.722, micro 0.812, evidence hit 0.618,
AUPR 0.443. No number was fitted on a held-out fold, but those discrete choices were made looking
at these 211 contracts' CV results.

Fixed before any run, not fitted: MIN_CONTRACTS, L2_C, HEAD_WEIGHT, CALIBRATION_C (kept as the
first clause model had them), CUE_CONTEXT (two sentences), FLOOR_THRESHOLD, EVIDENCE_PRECISION,
the evidence grids, and in extractors/clauses.py MIN_CONFIDENCE (0.1: not reported below),
MIN_EVIDENCE_WORDS and FLOOR_MIN_WORDS (headings are never quoted, nor floor as a sentence).
FLOOR_PRIOR_CONTRACTS was fixed with the second floor rule, before its run; CALIBRATION_SHRINKS
with the shrinkage, before its run.

`--reuse` re-scores the saved sentence models (OUT/models.pickle) after a change to the
calibration, floors, evidence rule or to cues that only matter for floors, in ~2 min; a cue added
since the models were fitted can get a floor but is no model feature (a change to the features
themselves needs a full run). `--limit N --folds 3` is a smoke test. A full run fits 16 sentence
models (5 outer, 10 fold pairs, 1 final): ~15 min on an idle core, ~30 on a busy machine.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime as dt
import itertools
import json
import math
import pickle
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cuad_eval import cached_document  # noqa: E402

from extractors import clause_features as F  # noqa: E402
from extractors import clauses as C  # noqa: E402
from pipeline.nlp import split_sentences  # noqa: E402
from pipeline.process import process_document  # noqa: E402
from pipeline.record import Clause, DocumentInfo, Evidence, Record, Status  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIELD_CATEGORIES = {"Document Name", "Parties", "Agreement Date", "Effective Date", "Expiration Date",
                    "Renewal Term", "Notice Period To Terminate Renewal", "Governing Law"}
MIN_CONTRACTS = 3
L2_C = 1.0
MAX_ITER = 300
HEAD_WEIGHT = 0.5
CALIBRATION_C = 1.0
CALIBRATION_SHRINKS = (1.0, 3.0, 10.0, 30.0, 100.0)
FLOOR_PRIOR_CONTRACTS = 2.0
FLOOR_Z = 1.645  # the first protocol's rule (--floor-rule wilson)
FLOOR_THRESHOLD = 0.5
EVIDENCE_MARGINS = (0.5, 1.0, 1.5, 2.0, 3.0)
EVIDENCE_MAXIMA = (1, 2, 3)
EVIDENCE_PRECISION = 0.6  # the evidence target: at least 60 % of quotes on a labelled span
AS_OF = dt.date(2026, 11, 27)
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass
class Contract:
    id: str
    texts: list[str]  # sentence texts, as the extractor sees them
    labels: np.ndarray  # sentences x categories, 1.0 where the sentence overlaps a labelled span
    present: np.ndarray  # categories, bool: the lawyers labelled the category
    features: sp.csr_matrix  # sentences x global feature ids (no IDF)
    words: np.ndarray  # per sentence, its number of word tokens
    fired: set[str]  # the floor keys of the cue matches that could set a floor (clauses.floor_events)
    pieces: list[list[str]]  # per category, the lawyers' span pieces
    _matches: dict[tuple[int, int], bool] = dataclasses.field(default_factory=dict)

    def quote_hits(self, sentence: int, k: int) -> bool:
        """Whether quoting the sentence for category k matches a labelled span (the scorer's test)."""
        key = (sentence, k)
        if key not in self._matches:
            self._matches[key] = any(jaccard(self.texts[sentence], p) >= 0.5 for p in self.pieces[k])
        return self._matches[key]


# ---------------------------------------------------------------- labels
def _words(s: str) -> set[str]:
    for t in ".,;:":
        s = s.replace(t, "")
    return set(s.lower().replace("/", " ").split())


def jaccard(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def span_pieces(spans: list[str]) -> list[str]:
    return [p.strip() for s in spans for p in s.split("<omitted>") if p.strip()]


def locate(piece: str, joined: str, starts: list[int], tokens: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The character range of a labelled span in our text, found by its word sequence."""
    words = _TOKEN.findall(piece.lower())
    if not words:
        return None
    at = joined.find(" ".join(words))
    if at >= 0:
        first = bisect.bisect_left(starts, at)
        return tokens[first][0], tokens[first + len(words) - 1][1]
    k = min(6, len(words))  # page furniture inside the span: anchor on its first and last words
    a = joined.find(" ".join(words[:k]))
    b = joined.find(" ".join(words[-k:]), max(a, 0))
    if a >= 0 and b > a:
        first, last = bisect.bisect_left(starts, a), bisect.bisect_left(starts, b) + k - 1
        if last - first < 1.5 * len(words) + 20:
            return tokens[first][0], tokens[last][1]
    return None


def sentence_labels(text: str, sentences: list, spans: list[str]) -> set[int]:
    low = text.lower()
    token_spans = [(m.start(), m.end()) for m in _TOKEN.finditer(low)]
    joined_parts, starts, p = [], [], 0
    for a, b in token_spans:
        starts.append(p)
        joined_parts.append(low[a:b])
        p += b - a + 1
    joined = " ".join(joined_parts)
    positive: set[int] = set()
    sentence_starts = [s.start for s in sentences]
    for piece in span_pieces(spans):
        where = locate(piece, joined, starts, token_spans)
        if where is None:
            positive |= {i for i, s in enumerate(sentences) if jaccard(text[s.start:s.end], piece) >= 0.5}
            continue
        lo, hi = where
        i = max(bisect.bisect_right(sentence_starts, lo) - 1, 0)
        while i < len(sentences) and sentences[i].start < hi:
            s = sentences[i]
            overlap = min(s.end, hi) - max(s.start, lo)
            if overlap > 0 and (overlap >= 0.5 * (s.end - s.start) or overlap >= 0.5 * (hi - lo)):
                positive.add(i)
            i += 1
    return positive


# ---------------------------------------------------------------- data
def load_contracts(root: Path, cache: Path, categories: list[str], cues: list[F.Cue], cue_keys: list[str],
                   limit: int) -> list[Contract]:
    rows = {r["id"]: r for r in map(json.loads, (root / "labels.jsonl").open(encoding="utf-8")) if r}
    if limit:
        rows = {cid: rows[cid] for cid in sorted(rows)[:limit]}
    cue_index = {key: j for j, key in enumerate(cue_keys)}  # the model's cue features, in its order
    width = F.RULE_BASE + F.CUE_SLOTS * len(cue_keys)
    contracts = []
    for cid in sorted(rows):
        doc = cached_document(root / "contracts" / cid / "contract.pdf", cache)
        sentences = split_sentences(doc.text)
        texts = [doc.text[s.start:s.end] for s in sentences]
        labels = np.zeros((len(texts), len(categories)), np.float32)
        for k, cat in enumerate(categories):
            labels[sorted(sentence_labels(doc.text, sentences, rows[cid]["labels"][cat])), k] = 1.0
        present = np.array([bool(span_pieces(rows[cid]["labels"][c])) for c in categories])
        prepared = F.prepare(texts)
        f, hits, headings = F.contract_features(texts, prepared, cues, cue_index, HEAD_WEIGHT)
        matrix = sp.csr_matrix((f.vals, (f.rows, f.cols)), shape=(f.n_rows, width))
        fired = {event.key for event in C.floor_events(hits, headings, prepared.words, cues)}
        pieces = [span_pieces(rows[cid]["labels"][c]) for c in categories]
        contracts.append(Contract(cid, texts, labels, present, matrix, prepared.words, fired, pieces))
    return contracts


# ---------------------------------------------------------------- the sentence model
@dataclass
class SentenceModel:
    columns: np.ndarray
    weights: np.ndarray  # IDF folded in, float32
    bias: np.ndarray

    def logits(self, features: sp.csr_matrix) -> np.ndarray:
        return np.asarray(features[:, self.columns] @ self.weights) + self.bias


def fit_sentences(train: list[Contract], n_cues: int) -> SentenceModel:
    x_all = sp.vstack([c.features for c in train]).tocsr()
    y = np.concatenate([c.labels for c in train])
    seen_in = np.zeros(x_all.shape[1])
    for c in train:
        seen_in[np.unique(c.features.indices)] += 1
    cue_columns = slice(F.RULE_BASE, F.RULE_BASE + F.CUE_SLOTS * n_cues)  # every cue feature is kept
    seen_in[cue_columns] = np.maximum(seen_in[cue_columns], MIN_CONTRACTS)
    columns = np.flatnonzero(seen_in >= MIN_CONTRACTS)
    x = x_all[:, columns].tocsc()
    n = x.shape[0]
    sentence_df = np.diff(x.indptr)
    idf = (np.log((1 + n) / (1 + sentence_df)) + 1).astype(np.float32)
    idf[columns >= F.RULE_BASE] = 1.0  # a cue is a flag, not a term
    x = (x @ sp.diags(idf)).tocsr()
    w, b = _lbfgs(x, y)
    return SentenceModel(columns.astype(np.int64), (w * idf[:, None]).astype(np.float32), b.astype(np.float32))


def _lbfgs(x: sp.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One L2 logistic regression per column of y, balanced class weights, fitted together."""
    n, d = x.shape
    k = y.shape[1]
    positives = y.sum(0)
    weight = np.where(y > 0, n / (2 * np.maximum(positives, 1)), n / (2 * (n - positives))).astype(np.float32)
    xt = x.T.tocsr()

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[:d * k].reshape(d, k)
        z = x @ w + theta[d * k:]
        loss = (weight * (np.logaddexp(0, z) - y * z)).sum() + 0.5 / L2_C * (w * w).sum()
        r = weight * (1 / (1 + np.exp(-z)) - y)
        grad = np.concatenate([(xt @ r + w / L2_C).ravel(), r.sum(0)])
        return float(loss), grad.astype(np.float64)

    result = minimize(loss_and_grad, np.zeros(d * k + k), jac=True, method="L-BFGS-B",
                      options={"maxiter": MAX_ITER})
    return result.x[:d * k].reshape(d, k), result.x[d * k:]


# ---------------------------------------------------------------- what is fitted on held-out sentence scores
@dataclass
class ContractRules:
    """Everything fitted on top of the sentence model, from held-out scores of training contracts."""

    calibration: np.ndarray
    floors: dict[str, float]
    evidence_margin: np.ndarray  # per category
    evidence_max: np.ndarray


def fit_calibration(features: np.ndarray, present: np.ndarray, shrink: float | None = None) -> np.ndarray:
    """categories x (features + 1) (weights, intercept) from contract features (contracts x categories x
    features): one logistic regression per category, its weights drawn towards weights shared by all
    categories with an L2 penalty `shrink` (rare categories borrow the slope of the common ones); the
    shared weights have the L2 penalty 1 / CALIBRATION_C. None: `shrink` chosen by `choose_shrink`."""
    if shrink is None:
        shrink = choose_shrink(features, present)
    _, n_categories, n_features = features.shape
    y = present.astype(np.float64)
    degenerate = y.all(0) | ~y.any(0)
    x = features.transpose(1, 0, 2)  # categories x contracts x features

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[:n_categories * n_features].reshape(n_categories, n_features)
        b = theta[n_categories * n_features:n_categories * (n_features + 1)]
        shared = theta[n_categories * (n_features + 1):]
        z = np.einsum("knf,kf->kn", x, w) + b[:, None]
        live = ~degenerate[:, None]
        loss = (live * (np.logaddexp(0, z) - y.T * z)).sum()
        r = live * (1 / (1 + np.exp(-z)) - y.T)
        d = w - shared
        loss += 0.5 * shrink * (d * d).sum() + 0.5 / CALIBRATION_C * (shared * shared).sum()
        grad_w = np.einsum("kn,knf->kf", r, x) + shrink * d
        grad_shared = -shrink * d.sum(0) + shared / CALIBRATION_C
        return float(loss), np.concatenate([grad_w.ravel(), r.sum(1), grad_shared])

    theta = minimize(loss_and_grad, np.zeros(n_categories * (n_features + 1) + n_features), jac=True,
                     method="L-BFGS-B", options={"maxiter": 2000}).x
    out = np.zeros((n_categories, n_features + 1))
    out[:, :-1] = theta[:n_categories * n_features].reshape(n_categories, n_features)
    out[:, -1] = theta[n_categories * n_features:n_categories * (n_features + 1)]
    out[degenerate, :-1] = 0.0
    out[degenerate, -1] = np.where(y.all(0), 10.0, -10.0)[degenerate]
    return out


def choose_shrink(features: np.ndarray, present: np.ndarray) -> float:
    """The CALIBRATION_SHRINKS value with the least held-out log loss (5-fold over these contracts)."""
    folds = list(GroupKFold(5).split(features, groups=np.arange(len(features))))
    losses = []
    for shrink in CALIBRATION_SHRINKS:
        loss = 0.0
        for train, test in folds:
            calibration = fit_calibration(features[train], present[train], shrink)
            p = np.array([C.calibrate(calibration, f) for f in features[test]]).clip(1e-6, 1 - 1e-6)
            y = present[test]
            loss -= (y * np.log(p) + (1 - y) * np.log(1 - p)).sum()
        losses.append(loss)
    chosen = CALIBRATION_SHRINKS[int(np.argmin(losses))]
    print(f"  calibration shrink {chosen:g} (held-out log loss "
          + ", ".join(f"{s:g}: {v:.1f}" for s, v in zip(CALIBRATION_SHRINKS, losses)) + ")", flush=True)
    return chosen


def wilson_lower(successes: int, n: int, z: float = FLOOR_Z) -> float:
    if n == 0:
        return 0.0
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def fit_floors(contracts: list[Contract], probability: np.ndarray, cues: list[F.Cue],
               categories: list[str], rule: str = "prior") -> dict[str, float]:
    """floor key -> floor, for the cue matches whose would-be flips are right often enough (docstring, 5)."""
    index = {c: k for k, c in enumerate(categories)}
    present = np.array([c.present for c in contracts])
    unsure = probability < 0.5
    floors = {}
    for cue, key in ((cue, key) for cue in cues for key in (cue.key, cue.key + C.HEADING)):
        k = index.get(cue.category)
        if k is None:
            continue
        # a decisive cue is judged on every contract it matches, any other on those the model is unsure of
        judged = np.ones(len(contracts), bool) if cue.decisive and key == cue.key else unsure[:, k]
        prior = present[judged, k].mean() if judged.any() else 0.0
        flips = [i for i, c in enumerate(contracts) if key in c.fired and judged[i]]
        right = int(present[flips, k].sum())
        if rule == "wilson":
            estimate = wilson_lower(right, len(flips))
        else:
            estimate = (right + FLOOR_PRIOR_CONTRACTS * prior) / (len(flips) + FLOOR_PRIOR_CONTRACTS)
        if flips and estimate >= FLOOR_THRESHOLD:
            floors[key] = round(float(estimate), 4)
    return floors


def quoted(logits: np.ndarray, quotable: np.ndarray, k: int, margin: float, most: int) -> list[int]:
    """The sentences the extractor quotes for category k (its learned path, see clauses.find_clauses)."""
    column = np.where(quotable, logits[:, k], -np.inf)
    order = np.argsort(-column, kind="stable")[:most]
    best = column[order[0]]
    return [int(i) for i in order if np.isfinite(column[i]) and column[i] >= best - margin]


def fit_evidence(contracts: list[Contract], logits: list[np.ndarray], probability: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per category, the (margin, maximum) that finds the most labelled span pieces while at least
    EVIDENCE_PRECISION of its quotes match one (the scorer's test, word-set Jaccard >= 0.5), where the
    model reports the category on training contracts; the most precise one if none is that
    precise, and the rule chosen for all categories together where the model never reports it."""
    grid = list(itertools.product(EVIDENCE_MARGINS, EVIDENCE_MAXIMA))
    n_categories = probability.shape[1]
    hits = np.zeros((len(grid), n_categories))
    quotes = np.zeros((len(grid), n_categories))
    found = np.zeros((len(grid), n_categories))
    for i, c in enumerate(contracts):
        quotable = c.words >= C.MIN_EVIDENCE_WORDS
        for k in np.flatnonzero(probability[i] >= 0.5):
            for g, (margin, most) in enumerate(grid):
                chosen = quoted(logits[i], quotable, k, margin, most)
                quotes[g, k] += len(chosen)
                hits[g, k] += sum(c.quote_hits(q, k) for q in chosen)
                found[g, k] += sum(any(jaccard(c.texts[q], p) >= 0.5 for q in chosen) for p in c.pieces[k])

    def best(h: np.ndarray, q: np.ndarray, f: np.ndarray) -> tuple[float, int]:
        precision = np.divide(h, q, out=np.zeros_like(h), where=q > 0)
        scored = [(precision[g] >= EVIDENCE_PRECISION, f[g], precision[g], -most, -margin)
                  for g, (margin, most) in enumerate(grid)]
        return grid[max(range(len(grid)), key=scored.__getitem__)]

    pooled = best(hits.sum(1), quotes.sum(1), found.sum(1))
    chosen = [best(hits[:, k], quotes[:, k], found[:, k]) if quotes[:, k].any() else pooled
              for k in range(n_categories)]
    return np.array([m for m, _ in chosen]), np.array([n for _, n in chosen])


def fit_contract_rules(contracts: list[Contract], logits: list[np.ndarray], cues: list[F.Cue],
                       categories: list[str], floor_rule: str = "prior", shrink: float | None = None,
                       ) -> tuple[ContractRules, np.ndarray]:
    """Calibrator, floors and evidence rule from held-out sentence scores; also the probabilities."""
    features = np.array([C.calibration_inputs(h, C.cue_counts(c.fired, categories, cues))
                         for h, c in zip(logits, contracts)])
    present = np.array([c.present for c in contracts])
    calibration = fit_calibration(features, present, shrink)
    probability = np.array([C.calibrate(calibration, f) for f in features])
    floors = fit_floors(contracts, probability, cues, categories, floor_rule)
    margin, most = fit_evidence(contracts, logits, probability)
    return ContractRules(calibration, floors, margin, most), probability


def runtime_model(m: SentenceModel, rules_: ContractRules, categories: list[str], cue_keys: list[str],
                  dtype=np.float32) -> C.ClauseModel:
    return C.ClauseModel(categories=categories, columns=m.columns, weights=m.weights.astype(dtype).astype(np.float32),
                         bias=m.bias, cue_keys=cue_keys, head_weight=HEAD_WEIGHT, calibration=rules_.calibration,
                         evidence_margin=rules_.evidence_margin, evidence_max=rules_.evidence_max,
                         floors=rules_.floors)


def export(path: Path, m: SentenceModel, rules_: ContractRules, categories: list[str], cue_keys: list[str],
           check_texts: list[str], check_logits: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, categories=np.array(categories), columns=m.columns.astype(np.int32),
        weights=m.weights.astype(np.float16), bias=m.bias, cue_keys=np.array(cue_keys),
        head_weight=np.float32(HEAD_WEIGHT), calibration=rules_.calibration,
        evidence_margin=rules_.evidence_margin.astype(np.float32), evidence_max=rules_.evidence_max.astype(np.int32),
        floor_keys=np.array(sorted(rules_.floors), dtype=str),
        floor_values=np.array([rules_.floors[k] for k in sorted(rules_.floors)], dtype=np.float32),
        check_texts=np.array(check_texts), check_logits=check_logits.astype(np.float32))


# ---------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cuad", type=Path, default=SHARED / "cuad" / "dev")
    ap.add_argument("--out", type=Path, default=Path("out/clauses"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-cv", action="store_true", help="fit and export the shipped model only (no figures)")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--model", type=Path, default=C.MODEL_PATH)
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the sentence models of the last run (OUT/models.pickle): re-evaluate a change to "
                         "the calibration, floors, evidence rule or floor-only cues")
    ap.add_argument("--no-floors", action="store_true", help="ablation: fit no cue floors")
    ap.add_argument("--floor-rule", choices=("prior", "wilson"), default="prior",
                    help="how a cue's flip precision is estimated (docstring, 5); wilson: the first protocol")
    ap.add_argument("--shrink", type=float, default=None,
                    help="ablation: this calibration shrink instead of the one chosen in-fold (1e-3: each "
                         "category alone)")
    ap.add_argument("--split-seed", type=int, default=None,
                    help="folds drawn at random with this seed instead of GroupKFold's: how much the "
                         "cross-validated figure owes to one split")
    ap.add_argument("--limit", type=int, default=0, help="only the first N contracts (a smoke test)")
    args = ap.parse_args()
    t0 = time.perf_counter()

    def log(message: str) -> None:
        print(f"{message} ({time.perf_counter() - t0:.0f} s)", flush=True)

    rows = [json.loads(line) for line in (args.cuad / "labels.jsonl").open(encoding="utf-8") if line.strip()]
    categories = [c for c in rows[0]["labels"] if c not in FIELD_CATEGORIES]
    cues = C.rules().cues
    saved_path = args.out / "models.pickle"
    saved = pickle.loads(saved_path.read_bytes()) if args.reuse else None
    # a reused model keeps the cue features it was trained with; cues added since can only get floors
    cue_keys = saved["cue_keys"] if saved else [cue.key for cue in cues]
    contracts = load_contracts(args.cuad, args.out / ".cache", categories, cues, cue_keys, args.limit)
    log(f"{len(contracts)} contracts, {sum(len(c.texts) for c in contracts)} sentences, {len(cues)} cues")
    if saved and saved["ids"] != [c.id for c in contracts]:
        sys.exit("--reuse: the saved models were fitted on other contracts (--limit?); run without --reuse")
    if saved and saved.get("split_seed") != args.split_seed:
        sys.exit("--reuse: the saved models were fitted on another fold split (--split-seed); run without --reuse")
    models: dict[tuple[int, ...], SentenceModel] = saved["models"] if saved else {}

    def model_without(folds_out: tuple[int, ...], train: list[Contract]) -> SentenceModel:
        if folds_out not in models:
            models[folds_out] = fit_sentences(train, len(cue_keys))
            saved_path.parent.mkdir(parents=True, exist_ok=True)
            saved_path.write_bytes(pickle.dumps({"models": models, "cue_keys": cue_keys,
                                                 "ids": [c.id for c in contracts], "split_seed": args.split_seed}))
            log(f"sentence model without folds {folds_out}: {len(models[folds_out].columns)} features")
        return models[folds_out]

    def fitted_rules(members: np.ndarray, logits: list[np.ndarray]) -> ContractRules:
        subset = [contracts[i] for i in members]
        found, _ = fit_contract_rules(subset, [logits[i] for i in members], cues, categories, args.floor_rule,
                                      args.shrink)
        if args.no_floors:
            found.floors = {}
        return found

    held_out: list[np.ndarray] = [np.zeros(0)] * len(contracts)
    if not args.no_cv:
        ids = np.arange(len(contracts))
        fold = np.zeros(len(contracts), int)
        for k, (_, te) in enumerate(GroupKFold(args.folds).split(ids, groups=ids)):
            fold[te] = k
        if args.split_seed is not None:  # another split of the same contracts: how much the figure owes to one
            fold = np.random.default_rng(args.split_seed).permutation(len(contracts)) % args.folds
        for k in range(args.folds):
            outer = model_without((k,), [c for c, f in zip(contracts, fold) if f != k])
            for i in np.flatnonzero(fold == k):
                held_out[i] = outer.logits(contracts[i].features)
        cv_dir = args.out / "cv"
        cv_dir.mkdir(parents=True, exist_ok=True)
        fold_report = {}
        for k in range(args.folds):
            inner: list[np.ndarray] = [np.zeros(0)] * len(contracts)
            for j in range(args.folds):
                if j == k:
                    continue
                pair = tuple(sorted((j, k)))
                m = model_without(pair, [c for c, f in zip(contracts, fold) if f not in pair])
                for i in np.flatnonzero(fold == j):
                    inner[i] = m.logits(contracts[i].features)
            found = fitted_rules(np.flatnonzero(fold != k), inner)
            fold_report[k] = {"floors": found.floors, "evidence_margin": found.evidence_margin.tolist(),
                              "evidence_max": found.evidence_max.tolist()}
            log(f"fold {k}: {len(found.floors)} cue floors, evidence margins {describe(found.evidence_margin)}, "
                f"maxima {describe(found.evidence_max)}")
            fold_model = runtime_model(models[(k,)], found, categories, cue_keys, np.float16)
            for i in np.flatnonzero(fold == k):
                write_cv_record(contracts[i], fold_model, C.Rules(cues), args, cv_dir, keep_fields=bool(saved))
        (args.out / "cv_floors.json").write_text(json.dumps(fold_report, indent=1), encoding="utf-8")
        log(f"cross-validated records in {cv_dir}")
        only = ["--only", *[c.id for c in contracts]] if args.limit else []
        subprocess.call([sys.executable, str(SHARED / "eval" / "score_cuad.py"), str(cv_dir),
                         str(args.cuad / "labels.jsonl"), "--json", str(args.out / "cv_scores.json"), *only])
    if args.no_export:
        return 0
    final = model_without((), contracts)
    if args.no_cv:
        identity = np.zeros((len(categories), len(C.CONTRACT_FEATURES) + 1))
        identity[:, 0] = 1.0
        found = ContractRules(identity, {},
                              np.full(len(categories), 1.0), np.full(len(categories), 2))
        print("warning: no CV run, calibration is the identity on the best logit and there are no floors",
              file=sys.stderr)
    else:
        found = fitted_rules(np.arange(len(contracts)), held_out)
    # one whole contract's opening, so that the headings seen at run time are those of training
    check = contracts[0].texts[:150]
    export(args.model, final, found, categories, cue_keys, check, final.logits(contracts[0].features[:150]))
    log(f"model: {args.model} ({args.model.stat().st_size / 1e6:.2f} MB, {len(final.columns)} features, "
        f"{len(found.floors)} cue floors, evidence margins {describe(found.evidence_margin)}, "
        f"maxima {describe(found.evidence_max)})")
    return 0


def describe(values: np.ndarray) -> str:
    """How often each value occurs: "3.0 x20, 1.0 x13"."""
    kinds, counts = np.unique(values, return_counts=True)
    return ", ".join(f"{v:g} x{n}" for v, n in sorted(zip(kinds.tolist(), counts.tolist()), key=lambda x: -x[1]))


def write_cv_record(contract: Contract, fold_model: C.ClauseModel, rule_set: C.Rules, args, cv_dir: Path,
                    keep_fields: bool) -> None:
    """The full pipeline's record with its clause map replaced by the held-out fold's.

    With `keep_fields` (a --reuse run) the other fields come from the last run's record."""
    doc = cached_document(args.cuad / "contracts" / contract.id / "contract.pdf", args.out / ".cache")
    path = cv_dir / f"{contract.id}.json"
    try:
        if keep_fields and path.is_file():
            record = Record.model_validate_json(path.read_text(encoding="utf-8"))
        else:
            shipped, C.model = C.model, lambda: fold_model  # the pipeline maps clauses with the fold's model
            try:
                record = process_document(doc, AS_OF)
            finally:
                C.model = shipped
    except Exception as exc:  # noqa: BLE001 - another extractor mid-edit must not cost the CV run
        print(f"{contract.id}: pipeline failed ({exc}); record holds the clause map only", file=sys.stderr)
        record = Record(pactwatch_version="cv", status=Status.OK, document=DocumentInfo(
            path=doc.path, sha256=doc.sha256, format=doc.format, pages=doc.page_count))
    sentences = split_sentences(doc.text)
    record.clauses = [
        Clause(category=f.category, confidence=round(f.confidence, 3),
               evidence=[Evidence.from_span(doc, sentences[i].start, sentences[i].end) for i in f.sentences])
        for f in C.find_clauses(contract.texts, fold_model, rule_set)
    ]
    path.write_text(record.to_json(), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
