"""The clause map: which of CUAD's 33 clause categories a contract has, quoting the sentences.

Every sentence of the contract is scored for every category by a linear model over hashed
features (`extractors/clause_features.py`): word 1-2-grams (sublinear TF, L2-normalised), the
words of the heading the sentence sits under, and the drafting cues of `rules/clauses.yaml` that
it matches. The model (`extractors/models/clauses.npz`, trained by `benchmarks/train_clauses.py`
on 211 lawyer-labelled CUAD contracts) holds only the weights of the features it kept, with IDF
folded in, so scoring is a sparse product in numpy. A contract has a category with the
probability its contract-level calibrator gives from its best sentence scores and from how many
of the category's cues it matches (`CONTRACT_FEATURES`); the best sentences are the evidence.

Some cues are nearly always right when they fire, even where the model is unsure. The trainer
measures that on its training contracts and stores a *floor* for such a cue in the model file:
where the cue matches a sentence, its category's confidence is at least the floor, and the
cue's sentences are quoted. No number here or in the rule pack is set by hand from the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from extractors.base import Context
from extractors.clause_features import (
    CUE_SLOTS, RULE_BASE, Cue, Headings, Hits, SparseRows, compile_cues, contract_features, prepare)
from pipeline.nlp import Sentence
from pipeline.record import Clause
from rules import load_pack, require

PACK = "clauses"
MODEL_PATH = Path(__file__).resolve().parent / "models" / "clauses.npz"
MIN_CONFIDENCE = 0.1  # below this a category is not reported at all
MIN_EVIDENCE_WORDS = 6  # a heading ("12. Assignment.") is never the quote
FLOOR_MIN_WORDS = 8  # a cue in a heading or a table of contents sets no floor as a sentence ...
HEADING = "#heading"  # ... but as a heading with sentences under it, it may: its floor is keyed apart


@dataclass(frozen=True)
class Rules:
    cues: Sequence[Cue]


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, "categories")
    return Rules(cues=compile_cues(pack))


# ---------------------------------------------------------------- the model
@dataclass(frozen=True)
class ClauseModel:
    categories: list[str]
    columns: np.ndarray  # sorted global feature ids the model kept
    weights: np.ndarray  # len(columns) x categories, IDF folded in
    bias: np.ndarray  # per category
    cue_keys: list[str]  # the model's cue features, in feature order
    head_weight: float
    calibration: np.ndarray  # categories x (len(CONTRACT_FEATURES) + 1): their weights, then the intercept
    evidence_margin: np.ndarray  # per category: quote sentences scoring within this of the best one ...
    evidence_max: np.ndarray  # ... at most this many
    floors: dict[str, float]  # cue key -> the least confidence of its category where it matches

    @cached_property
    def position(self) -> np.ndarray:
        """Global feature id -> row of `weights` (-1: a feature the model does not know)."""
        table = np.full(RULE_BASE + CUE_SLOTS * len(self.cue_keys), -1, np.int32)
        table[self.columns] = np.arange(len(self.columns), dtype=np.int32)
        return table

    def scores(self, features: SparseRows) -> np.ndarray:
        """Sentence-by-category logits."""
        out = np.empty((features.n_rows, len(self.bias)), np.float32)
        out[:] = self.bias
        if len(features.cols) == 0:
            return out
        pos = self.position[features.cols]
        known = pos >= 0
        rows, pos, vals = features.rows[known], pos[known], features.vals[known]
        if len(rows) == 0:
            return out
        contrib = np.take(self.weights, pos, axis=0)
        contrib *= vals[:, None]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        out[rows[starts]] += np.add.reduceat(contrib, starts, axis=0)
        return out

    @cached_property
    def cue_index(self) -> dict[str, int]:
        """Cue key -> the model's cue feature number."""
        return {key: j for j, key in enumerate(self.cue_keys)}


def best_scores(logits: np.ndarray) -> np.ndarray:
    """categories x 3: best sentence logit, second best, log1p(number of sentences above 0)."""
    k = logits.shape[1]
    if logits.shape[0] == 0:
        return np.tile(np.array([-10.0, -10.0, 0.0]), (k, 1))
    if logits.shape[0] == 1:
        best, second = logits[0], np.full(k, -10.0)
    else:
        top = np.partition(logits, logits.shape[0] - 2, axis=0)[-2:]
        best, second = top[1], top[0]
    count = np.log1p((logits > 0).sum(axis=0))
    return np.stack([best, np.maximum(second, -10.0), count], axis=1)


CONTRACT_FEATURES = ("best sentence logit", "second best", "log1p(#sentences above 0)",
                     "log1p(#cues matched in sentences)", "log1p(#cues matched in headings)")


def cue_counts(fired: set[str], categories: list[str], cues: Sequence[Cue]) -> np.ndarray:
    """categories x 2: how many of the category's cues match a sentence of FLOOR_MIN_WORDS words or
    more, and a heading with sentences under it (`fired`: the keys of the contract's floor events)."""
    index = {c: k for k, c in enumerate(categories)}
    out = np.zeros((len(categories), 2))
    for cue in cues:
        k = index.get(cue.category)
        if k is not None:
            out[k, 0] += cue.key in fired
            out[k, 1] += cue.key + HEADING in fired
    return np.log1p(out)


def calibration_inputs(logits: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """categories x len(CONTRACT_FEATURES): what the calibrator reads."""
    return np.hstack([best_scores(logits), counts])


def calibrate(calibration: np.ndarray, features: np.ndarray) -> np.ndarray:
    z = (features * calibration[:, :-1]).sum(axis=1) + calibration[:, -1]
    return 1.0 / (1.0 + np.exp(-z))


def load_model(path: Path) -> ClauseModel:
    with np.load(path, allow_pickle=False) as z:
        return ClauseModel(
            categories=[str(c) for c in z["categories"]],
            columns=z["columns"].astype(np.int64),
            weights=z["weights"].astype(np.float32),
            bias=z["bias"].astype(np.float32),
            cue_keys=[str(c) for c in z["cue_keys"]],
            head_weight=float(z["head_weight"]),
            calibration=z["calibration"].astype(np.float64),
            evidence_margin=z["evidence_margin"].astype(np.float64),
            evidence_max=z["evidence_max"].astype(np.int64),
            floors={str(k): float(v) for k, v in zip(z["floor_keys"], z["floor_values"])},
        )


@lru_cache(maxsize=1)
def model() -> ClauseModel:
    return load_model(MODEL_PATH)


# ---------------------------------------------------------------- the extractor
@dataclass
class FloorEvent:
    key: str  # the floor's key in the model: a cue key, "#heading" appended for a match in a heading
    category: str
    sentences: list[int]  # what to quote if the floor decides


@dataclass
class ClauseFinding:
    category: str
    confidence: float
    sentences: list[int]  # indices into the contract's sentences, best first


def floor_events(hits: Hits, headings: Headings, words: np.ndarray, cues: Sequence[Cue]) -> list[FloorEvent]:
    """Every cue match that can set a floor: in a sentence of FLOOR_MIN_WORDS words or more (key
    "<category>/<name>"), or in a heading with sentences under it ("<category>/<name>#heading"), with
    the sentences it would have quoted."""
    under: dict[int, list[int]] = {}  # heading line -> the quotable sentences under it
    for s, line in enumerate(headings.lines.tolist()):
        if line >= 0 and s != line and words[s] >= MIN_EVIDENCE_WORDS:
            under.setdefault(line, []).append(s)
    events = []
    for i, j in hits:
        cue = cues[j]
        if words[i] >= FLOOR_MIN_WORDS:
            events.append(FloorEvent(cue.key, cue.category, [i]))
        if i in under:
            events.append(FloorEvent(cue.key + HEADING, cue.category, under[i]))
    return events


def cue_floors(events: list[FloorEvent], floors: dict[str, float]) -> dict[str, tuple[float, list[int]]]:
    """category -> (its highest floor among the cue matches, the sentences those would quote)."""
    out: dict[str, tuple[float, list[int]]] = {}
    for event in events:
        floor = floors.get(event.key)
        if floor is None:
            continue
        best, sentences = out.get(event.category, (0.0, []))
        out[event.category] = (max(best, floor), sentences + event.sentences)
    return out


def find_clauses(texts: list[str], clause_model: ClauseModel, rule_set: Rules) -> list[ClauseFinding]:
    """The categories a contract (given as its sentences) has, with their best sentences."""
    if not texts:
        return []
    prepared = prepare(texts)
    features, hits, headings = contract_features(texts, prepared, rule_set.cues, clause_model.cue_index,
                                                 clause_model.head_weight)
    logits = clause_model.scores(features)
    events = floor_events(hits, headings, prepared.words, rule_set.cues)
    probability = calibrate(clause_model.calibration, calibration_inputs(
        logits, cue_counts({e.key for e in events}, clause_model.categories, rule_set.cues)))
    floors = cue_floors(events, clause_model.floors)
    quotable = prepared.words >= MIN_EVIDENCE_WORDS
    ranked = np.where(quotable[:, None], logits, -np.inf)
    top = np.argsort(-ranked, axis=0, kind="stable")[: int(clause_model.evidence_max.max())]
    findings = []
    for k, category in enumerate(clause_model.categories):
        learned = float(probability[k])
        floor, floor_sentences = floors.get(category, (0.0, []))
        if floor > learned:
            # the cue decided: quote the sentences it matched, the model's likeliest first
            cue_sentences = sorted(set(floor_sentences), key=lambda i: -logits[i, k])
            findings.append(ClauseFinding(category, floor, cue_sentences[: clause_model.evidence_max[k]]))
            continue
        if learned < MIN_CONFIDENCE:
            continue
        best = ranked[top[0, k], k]
        chosen = [int(i) for i in top[: clause_model.evidence_max[k], k]
                  if np.isfinite(ranked[i, k]) and ranked[i, k] >= best - clause_model.evidence_margin[k]]
        if chosen:
            findings.append(ClauseFinding(category, learned, chosen))
    return findings


def extract(ctx: Context) -> None:
    sentences: list[Sentence] = ctx.analysis.sentences
    text = ctx.document.text
    texts = [text[s.start:s.end] for s in sentences]
    for finding in find_clauses(texts, model(), rules()):
        ctx.record.clauses.append(Clause(
            category=finding.category,
            confidence=round(finding.confidence, 3),
            evidence=[ctx.sentence_evidence(sentences[i]) for i in finding.sentences],
        ))
