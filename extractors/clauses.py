"""The clause map: which of CUAD's 33 clause categories a contract has, quoting the sentences.

Every sentence of the contract is scored for every category by a linear model over hashed
features — word 1-2-grams (sublinear TF, L2-normalised), the words of the heading the sentence
sits under, and the drafting cues of `rules/clauses.yaml` that it matches. The model
(`extractors/models/clauses.npz`, trained by `benchmarks/train_clauses.py` on 211 lawyer-labelled
CUAD contracts) holds only the weights of the features it kept, with IDF folded in, so scoring
is a sparse product in numpy. A contract has a category with the probability its contract-level
calibrator gives from its best sentence scores; the best sentences are the evidence. A cue with
its own `confidence` (drafting that means the clause, such as an affirmative "third party
beneficiary") sets a floor under its category's confidence, and its sentence is quoted.
"""

from __future__ import annotations

import bisect
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from re import _constants as sre, _parser as sre_parse  # the regex parser (Python 3.11+)

import numpy as np

from extractors.base import Context
from pipeline.nlp import Sentence
from pipeline.record import Clause
from rules import load_pack, require

PACK = "clauses"
MODEL_PATH = Path(__file__).resolve().parent / "models" / "clauses.npz"
MIN_CONFIDENCE = 0.1  # below this a category is not reported at all
MIN_EVIDENCE_WORDS = 6  # a heading ("12. Assignment.") is never the quote
FLOOR_MIN_WORDS = 8  # a cue in a heading or a table of contents sets no floor

WORD_BITS = 20
HEAD_BITS = 16
WORD_BASE = 0
HEAD_BASE = 1 << WORD_BITS
RULE_BASE = HEAD_BASE + (1 << HEAD_BITS)  # cue j of the model is feature RULE_BASE + j
MAX_SENTENCE_CHARS = 2000  # a "sentence" longer than this is a table or a run-on paragraph: read its start

_WORD = re.compile(r"[a-z]+|\d+")
_SPACES = re.compile(r"\s+")
_MIX = np.uint64(0x9E3779B97F4A7C15)
_PAIR = np.uint64(0x100000001B3)
# A heading: "12.3 Assignment.", "Section 9 - Insurance", "ARTICLE VII INDEMNIFICATION", "LIMITATION OF LIABILITY"
_NUMBERED_HEADING = re.compile(
    r"^(?:(?:section|article|clause)\s+)?[\dIVXivx]+(?:\.\d+)*\.?\s*[-–:]?\s*([A-Z][A-Za-z ,;&/'’-]{2,70})\.?$")
_CAPS_HEADING = re.compile(r"^([A-Z][A-Z ,;&/'’-]{3,70})$")


# ---------------------------------------------------------------- features
@dataclass
class SparseRows:
    """A sparse matrix in coordinate form, sorted by row: the features of `n_rows` sentences."""

    rows: np.ndarray  # int64
    cols: np.ndarray  # int64, global feature ids
    vals: np.ndarray  # float32
    n_rows: int


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, so that nearby inputs land in unrelated buckets."""
    h = h ^ (h >> np.uint64(31))
    h = h * _MIX
    return h ^ (h >> np.uint64(29))


def _word_grams(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every word unigram and bigram, bucket in [0, 2**WORD_BITS)."""
    hashes: list[int] = []
    rows: list[int] = []
    known: dict[str, int] = {}
    for i, text in enumerate(texts):
        for token in _WORD.findall(text):
            h = known.get(token)
            if h is None:
                h = known[token] = zlib.crc32(token.encode("utf-8"))
            hashes.append(h)
            rows.append(i)
    if not hashes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    h = np.asarray(hashes, dtype=np.uint64)
    r = np.asarray(rows, dtype=np.int64)
    same_sentence = r[1:] == r[:-1]
    bigrams = _mix(h[:-1] * _PAIR + h[1:] + np.uint64(7))[same_sentence]
    mask = np.uint64((1 << WORD_BITS) - 1)
    buckets = np.concatenate([_mix(h) & mask, bigrams & mask]).astype(np.int64)
    return np.concatenate([r, r[1:][same_sentence]]), buckets


def _head_words(headings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of each word (3+ letters) of the heading a sentence sits under."""
    rows, buckets = [], []
    mask = (1 << HEAD_BITS) - 1
    known: dict[str, int] = {}
    for i, heading in enumerate(headings):
        for token in set(_WORD.findall(heading)):
            if len(token) > 2:
                if token not in known:
                    known[token] = zlib.crc32(("h:" + token).encode("utf-8")) & mask
                rows.append(i)
                buckets.append(known[token])
    return np.asarray(rows, dtype=np.int64), np.asarray(buckets, dtype=np.int64)


def _normalised_tf(rows: np.ndarray, cols: np.ndarray, width: int, n_rows: int) -> tuple[np.ndarray, ...]:
    """Sublinear term frequency, each row L2-normalised (IDF lives in the model's weights)."""
    keys, counts = np.unique(rows * width + cols, return_counts=True)
    r, c = keys // width, keys % width
    v = 1.0 + np.log(counts.astype(np.float32))
    norms = np.sqrt(np.bincount(r, weights=v * v, minlength=n_rows))
    return r, c, (v / np.maximum(norms[r], 1e-9)).astype(np.float32)


def sentence_features(texts: list[str], headings: list[str], hits: list[tuple[int, int]],
                      head_weight: float) -> SparseRows:
    """The features of each sentence: word 1-2-grams, heading words, and (sentence, cue) hits."""
    n = len(texts)
    lowered = [_SPACES.sub(" ", t[:MAX_SENTENCE_CHARS].lower()) for t in texts]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for (rows, cols), width, base, scale in (
        (_word_grams(lowered), 1 << WORD_BITS, WORD_BASE, 1.0),
        (_head_words([h.lower() for h in headings]), 1 << HEAD_BITS, HEAD_BASE, head_weight),
    ):
        if len(rows):
            r, c, v = _normalised_tf(rows, cols, width, n)
            parts.append((r, c + base, v * np.float32(scale)))
    if hits:
        h = np.asarray(sorted(set(hits)), dtype=np.int64)
        parts.append((h[:, 0], h[:, 1] + RULE_BASE, np.ones(len(h), np.float32)))
    if not parts:
        empty = np.zeros(0, np.int64)
        return SparseRows(empty, empty, np.zeros(0, np.float32), n)
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    vals = np.concatenate([p[2] for p in parts])
    order = np.argsort(rows, kind="stable")
    return SparseRows(rows[order], cols[order], vals[order], n)


def headings_of(texts: list[str]) -> list[str]:
    """For each sentence, the text of the heading it sits under (itself, if it is one)."""
    out, current = [], ""
    for text in texts:
        if len(text) < 90:
            line = " ".join(text.split())
            m = _NUMBERED_HEADING.match(line) or _CAPS_HEADING.match(line)
            if m:
                current = m.group(1)
            elif len(line) < 60 and line.istitle() and not line.endswith((".", ",", ";")):
                current = line
        out.append(current)
    return out


# ---------------------------------------------------------------- cues (rules/clauses.yaml)
@dataclass(frozen=True)
class Cue:
    """One drafting pattern; `key` ("<category>/<name>") is how the model refers to it."""

    category: str
    name: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    floor: float  # the category's least confidence where the cue matches a sentence; 0 for a hint
    anchors: tuple[str, ...] | None  # one of these strings is in every match (None: unknown)

    @property
    def key(self) -> str:
        return f"{self.category}/{self.name}"


def _compile_lower(pattern: str) -> re.Pattern[str]:
    """Cues run on lower-cased text; IGNORECASE (twice as slow) only for a pattern with capitals."""
    literal = re.sub(r"\\.", "", pattern)
    return re.compile(pattern, re.I if any(ch.isupper() for ch in literal) else 0)


def _anchors_of(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Literal strings one of which every match contains, read from the parsed pattern.

    Lets the matcher skip the regex on sentences (most of them) that hold none of them."""
    if pattern.flags & re.I:
        return None

    def sequence(items) -> set[str] | None:
        options: list[set[str]] = []
        run = ""
        for op, arg in list(items) + [(None, None)]:
            if op is sre.LITERAL:
                run += chr(arg)
                continue
            if run:
                options.append({run})
                run = ""
            if op is sre.SUBPATTERN:
                got = sequence(arg[3])
            elif op is sre.BRANCH:
                alternatives = [sequence(alt) for alt in arg[1]]
                got = None if any(a is None for a in alternatives) else set().union(*alternatives)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and arg[0] >= 1:
                got = sequence(arg[2])
            else:
                got = None
            if got:
                options.append(got)
        if not options:
            return None
        return max(options, key=lambda o: (min(map(len, o)), -len(o)))

    found = sequence(sre_parse.parse(pattern.pattern))
    return tuple(sorted(found)) if found and min(map(len, found)) >= 2 else None


def compile_cues(pack: dict) -> list[Cue]:
    cues = []
    for category, entries in (pack.get("categories") or {}).items():
        for entry in entries or []:
            unless = entry.get("unless")
            pattern = _compile_lower(entry["pattern"])
            cues.append(Cue(category=category, name=str(entry["name"]), pattern=pattern,
                            unless=_compile_lower(unless) if unless else None,
                            floor=float(entry.get("confidence", 0.0)), anchors=_anchors_of(pattern)))
    return cues


def cue_hits(texts: list[str], cues: list[Cue]) -> list[tuple[int, int]]:
    """(sentence index, cue index) for every cue that matches a sentence (lower-cased, spaces folded)."""
    folded = [_SPACES.sub(" ", t[:MAX_SENTENCE_CHARS].lower()) for t in texts]
    joined = "\n".join(folded)
    starts = list(np.cumsum([0] + [len(t) + 1 for t in folded[:-1]])) if folded else []
    holding: dict[str, set[int]] = {}  # anchor -> the sentences that contain it

    def sentences_with(anchor: str) -> set[int]:
        if anchor not in holding:
            found, at = set(), joined.find(anchor)
            while at >= 0:
                found.add(bisect.bisect_right(starts, at) - 1)
                at = joined.find(anchor, at + 1)
            holding[anchor] = found
        return holding[anchor]

    hits = []
    for j, cue in enumerate(cues):
        search, unless = cue.pattern.search, cue.unless
        if cue.anchors is None:
            candidates: range | list[int] = range(len(folded))
        else:
            candidates = sorted(set().union(*(sentences_with(a) for a in cue.anchors)))
        for i in candidates:
            text = folded[i]
            if search(text) and not (unless and unless.search(text)):
                hits.append((i, j))
    return hits


@dataclass(frozen=True)
class Rules:
    cues: list[Cue]


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
    calibration: np.ndarray  # categories x 4: weights of (best, second best, log1p(#positive)), intercept
    evidence_margin: float  # quote sentences scoring within this of the best one
    evidence_max: int

    def scores(self, features: SparseRows) -> np.ndarray:
        """Sentence-by-category logits."""
        out = np.tile(self.bias, (features.n_rows, 1)).astype(np.float32)
        if len(features.cols) == 0:
            return out
        pos = np.searchsorted(self.columns, features.cols)
        pos = np.minimum(pos, len(self.columns) - 1)
        known = self.columns[pos] == features.cols
        rows, pos, vals = features.rows[known], pos[known], features.vals[known]
        if len(rows) == 0:
            return out
        contrib = self.weights[pos] * vals[:, None]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        out[rows[starts]] += np.add.reduceat(contrib, starts, axis=0)
        return out

    def contract_probability(self, logits: np.ndarray) -> np.ndarray:
        """Per category, the calibrated probability that the contract has the clause."""
        return calibrate(self.calibration, contract_features(logits))


def contract_features(logits: np.ndarray) -> np.ndarray:
    """categories x 3: best sentence logit, second best, log1p(number of sentences above 0)."""
    k = logits.shape[1]
    if logits.shape[0] == 0:
        return np.tile(np.array([-10.0, -10.0, 0.0]), (k, 1))
    top = -np.sort(-logits, axis=0)
    best = top[0]
    second = top[1] if logits.shape[0] > 1 else np.full(k, -10.0)
    count = np.log1p((logits > 0).sum(axis=0))
    return np.stack([best, np.maximum(second, -10.0), count], axis=1)


def calibrate(calibration: np.ndarray, features: np.ndarray) -> np.ndarray:
    z = (features * calibration[:, :3]).sum(axis=1) + calibration[:, 3]
    return 1.0 / (1.0 + np.exp(-z))


def load_model(path: Path = MODEL_PATH) -> ClauseModel:
    with np.load(path, allow_pickle=False) as z:
        return ClauseModel(
            categories=[str(c) for c in z["categories"]],
            columns=z["columns"].astype(np.int64),
            weights=z["weights"].astype(np.float32),
            bias=z["bias"].astype(np.float32),
            cue_keys=[str(c) for c in z["cue_keys"]],
            head_weight=float(z["head_weight"]),
            calibration=z["calibration"].astype(np.float64),
            evidence_margin=float(z["evidence_margin"]),
            evidence_max=int(z["evidence_max"]),
        )


@lru_cache(maxsize=1)
def model() -> ClauseModel:
    return load_model()


# ---------------------------------------------------------------- the extractor
@dataclass
class ClauseFinding:
    category: str
    confidence: float
    sentences: list[int]  # indices into the contract's sentences, best first


Hits = list[tuple[int, int]]


def model_hits(texts: list[str], cues: list[Cue], clause_model: ClauseModel) -> tuple[Hits, Hits]:
    """(sentence, model feature) for the cues the model knows, and (sentence, cue) for every hit."""
    hits = cue_hits(texts, cues)
    index = {key: j for j, key in enumerate(clause_model.cue_keys)}
    known = [(i, index[cues[j].key]) for i, j in hits if cues[j].key in index]
    return known, hits


def find_clauses(texts: list[str], clause_model: ClauseModel, rule_set: Rules) -> list[ClauseFinding]:
    """The categories a contract (given as its sentences) has, with their best sentences."""
    if not texts:
        return []
    known, hits = model_hits(texts, rule_set.cues, clause_model)
    features = sentence_features(texts, headings_of(texts), known, clause_model.head_weight)
    logits = clause_model.scores(features)
    probability = clause_model.contract_probability(logits)
    n_words = np.array([len(t.split()) for t in texts])
    quotable = n_words >= MIN_EVIDENCE_WORDS
    floors: dict[str, float] = {}
    floor_sentences: dict[str, list[int]] = {}
    for i, j in hits:
        cue = rule_set.cues[j]
        if cue.floor > 0 and n_words[i] >= FLOOR_MIN_WORDS:
            floors[cue.category] = max(floors.get(cue.category, 0.0), cue.floor)
            floor_sentences.setdefault(cue.category, []).append(i)
    findings = []
    for k, category in enumerate(clause_model.categories):
        learned = float(probability[k])
        if floors.get(category, 0.0) > learned:
            # the cue decided: quote the sentences it matched, the model's likeliest first
            cue_sentences = sorted(set(floor_sentences[category]), key=lambda i: -logits[i, k])
            findings.append(ClauseFinding(category, floors[category], cue_sentences[: clause_model.evidence_max]))
            continue
        if learned < MIN_CONFIDENCE:
            continue
        column = np.where(quotable, logits[:, k], -np.inf)
        order = np.argsort(-column, kind="stable")[: clause_model.evidence_max]
        best = column[order[0]]
        chosen = [int(i) for i in order if np.isfinite(column[i]) and column[i] >= best - clause_model.evidence_margin]
        if chosen:
            findings.append(ClauseFinding(category, learned, chosen))
    return findings


def extract(ctx: Context) -> None:
    sentences: list[Sentence] = ctx.analysis.sentences
    texts = [ctx.analysis.sentence_text(s) for s in sentences]
    for finding in find_clauses(texts, model(), rules()):
        ctx.record.clauses.append(Clause(
            category=finding.category,
            confidence=round(finding.confidence, 3),
            evidence=[ctx.sentence_evidence(sentences[i]) for i in finding.sentences],
        ))
