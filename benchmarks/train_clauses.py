"""Train the clause map's sentence model on the CUAD dev set, report cross-validated scores, export it.

    .venv/bin/python benchmarks/train_clauses.py [--cuad ../shared/cuad/dev] [--out out/clauses]
                                                 [--folds 5] [--no-cv] [--no-export]

Needs the `train` extra (scikit-learn, which brings scipy); the exported model needs numpy only.

1. Each dev PDF is ingested with our pipeline (pickle cache under OUT/.cache, as cuad_eval.py)
   and split with `pipeline.nlp.split_sentences`, exactly as the extractor sees it.
2. A sentence is positive for a category when it overlaps a lawyer's span: the span is located
   in our text by its word sequence (first/last words when page furniture interrupts it) and a
   sentence counts when half of it, or half of the span, lies inside the other; a span that cannot
   be located marks the sentences with word-set Jaccard >= 0.5 (the scorer's match).
3. Features are `extractors.clauses.sentence_features` (the runtime code). One logistic regression
   per category, balanced class weights, fitted jointly with L-BFGS; only features seen in at least
   MIN_CONTRACTS training contracts are kept (hashing collisions and one-contract words are noise).
4. Cross-validation: folds grouped by contract (GroupKFold); each contract's sentence scores come
   from a model that never saw it. The contract-level calibrator (logistic regression on the best,
   second-best logit and the count of positive sentences) for fold k is fitted on the other folds'
   held-out scores. The CV records (other extractors' fields + the held-out clause map) are
   written to OUT/cv/ and scored with ../shared/eval/score_cuad.py.
5. The shipped model is fitted on all contracts; its calibrator on all held-out scores.

The cue floors (`confidence:` in rules/clauses.yaml) are rules, not fitted here: they were set from
the cues' contract-level precision on these same 211 contracts, so the CV figures with floors are
optimistic by their share; `--no-floors` measures the learned model alone. `--reuse` re-scores the
saved fold models (OUT/models.pickle) after a change to evidence selection or floors, in ~2 min;
`--limit N --folds 3` is a smoke test. A full run takes ~10 min on 2 cores.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime as dt
import json
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
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cuad_eval import cached_document  # noqa: E402

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
EVIDENCE_MARGIN = 1.5
EVIDENCE_MAX = 2
CALIBRATION_C = 1.0
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass
class Contract:
    id: str
    texts: list[str]  # sentence texts, as the extractor sees them
    labels: np.ndarray  # sentences x categories, 1.0 where the sentence overlaps a labelled span
    present: np.ndarray  # categories, bool: the lawyers labelled the category
    features: sp.csr_matrix  # sentences x global feature ids (no IDF)


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
def load_contracts(root: Path, cache: Path, categories: list[str], cues: list[C.Cue], cue_keys: list[str],
                   limit: int) -> list[Contract]:
    rows = {r["id"]: r for r in map(json.loads, (root / "labels.jsonl").open(encoding="utf-8")) if r}
    if limit:
        rows = {cid: rows[cid] for cid in sorted(rows)[:limit]}
    cue_index = {key: j for j, key in enumerate(cue_keys)}  # the model's cue features, in its order
    contracts = []
    for cid in sorted(rows):
        doc = cached_document(root / "contracts" / cid / "contract.pdf", cache)
        sentences = split_sentences(doc.text)
        texts = [doc.text[s.start:s.end] for s in sentences]
        labels = np.zeros((len(texts), len(categories)), np.float32)
        for k, cat in enumerate(categories):
            labels[sorted(sentence_labels(doc.text, sentences, rows[cid]["labels"][cat])), k] = 1.0
        present = np.array([bool(span_pieces(rows[cid]["labels"][c])) for c in categories])
        hits = [(i, cue_index[cues[j].key]) for i, j in C.cue_hits(texts, cues) if cues[j].key in cue_index]
        f = C.sentence_features(texts, C.headings_of(texts), hits, HEAD_WEIGHT)
        width = C.RULE_BASE + len(cue_keys)
        matrix = sp.csr_matrix((f.vals, (f.rows, f.cols)), shape=(f.n_rows, width))
        contracts.append(Contract(cid, texts, labels, present, matrix))
    return contracts


# ---------------------------------------------------------------- fitting
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
    seen_in[C.RULE_BASE:C.RULE_BASE + n_cues] = np.maximum(seen_in[C.RULE_BASE:C.RULE_BASE + n_cues], MIN_CONTRACTS)
    columns = np.flatnonzero(seen_in >= MIN_CONTRACTS)
    x = x_all[:, columns].tocsc()
    n = x.shape[0]
    sentence_df = np.diff(x.indptr)
    idf = (np.log((1 + n) / (1 + sentence_df)) + 1).astype(np.float32)
    idf[columns >= C.RULE_BASE] = 1.0  # a cue is a flag, not a term
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


def fit_calibration(features: np.ndarray, present: np.ndarray) -> np.ndarray:
    """categories x 4 (three weights, intercept) from contract features (contracts x categories x 3)."""
    out = np.zeros((features.shape[1], 4))
    for k in range(features.shape[1]):
        y = present[:, k]
        if y.all() or not y.any():
            out[k, 3] = 10.0 if y.all() else -10.0
            continue
        m = LogisticRegression(C=CALIBRATION_C, max_iter=1000).fit(features[:, k, :], y)
        out[k, :3], out[k, 3] = m.coef_[0], m.intercept_[0]
    return out


def runtime_model(m: SentenceModel, calibration: np.ndarray, categories: list[str], cue_keys: list[str],
                  dtype=np.float32) -> C.ClauseModel:
    return C.ClauseModel(categories=categories, columns=m.columns, weights=m.weights.astype(dtype).astype(np.float32),
                         bias=m.bias, cue_keys=cue_keys, head_weight=HEAD_WEIGHT, calibration=calibration,
                         evidence_margin=EVIDENCE_MARGIN, evidence_max=EVIDENCE_MAX)


def export(path: Path, m: SentenceModel, calibration: np.ndarray, categories: list[str], cue_keys: list[str],
           check_texts: list[str], check_logits: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, categories=np.array(categories), columns=m.columns.astype(np.int32),
        weights=m.weights.astype(np.float16), bias=m.bias, cue_keys=np.array(cue_keys),
        head_weight=np.float32(HEAD_WEIGHT), calibration=calibration,
        evidence_margin=np.float32(EVIDENCE_MARGIN), evidence_max=np.int32(EVIDENCE_MAX),
        check_texts=np.array(check_texts), check_logits=check_logits.astype(np.float32))


# ---------------------------------------------------------------- main
def main() -> int:
    global EVIDENCE_MARGIN, EVIDENCE_MAX, HEAD_WEIGHT, MIN_CONTRACTS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cuad", type=Path, default=SHARED / "cuad" / "dev")
    ap.add_argument("--out", type=Path, default=Path("out/clauses"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--model", type=Path, default=C.MODEL_PATH)
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the fold and final sentence models of the last run (OUT/models.pickle): "
                         "re-evaluate a change to evidence selection, cue floors or calibration only")
    ap.add_argument("--evidence-margin", type=float, default=EVIDENCE_MARGIN,
                    help="quote sentences whose logit is within this of the best one")
    ap.add_argument("--evidence-max", type=int, default=EVIDENCE_MAX, help="quote at most this many sentences")
    ap.add_argument("--head-weight", type=float, default=HEAD_WEIGHT, help="weight of the heading-word block")
    ap.add_argument("--min-contracts", type=int, default=MIN_CONTRACTS,
                    help="keep features seen in at least this many training contracts")
    ap.add_argument("--no-floors", action="store_true",
                    help="ablation: ignore the cues' confidence floors (the learned model alone decides)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N contracts (a smoke test)")
    args = ap.parse_args()
    EVIDENCE_MARGIN, EVIDENCE_MAX = args.evidence_margin, args.evidence_max
    HEAD_WEIGHT, MIN_CONTRACTS = args.head_weight, args.min_contracts
    t0 = time.perf_counter()
    rows = [json.loads(line) for line in (args.cuad / "labels.jsonl").open(encoding="utf-8") if line.strip()]
    categories = [c for c in rows[0]["labels"] if c not in FIELD_CATEGORIES]
    rule_set = C.rules()
    if args.no_floors:
        rule_set = C.Rules(cues=[dataclasses.replace(cue, floor=0.0) for cue in rule_set.cues])
    held_out: list[np.ndarray] = [np.zeros(0)] * len(rows)
    saved_path = args.out / "models.pickle"
    saved = pickle.loads(saved_path.read_bytes()) if args.reuse else None
    # a reused model keeps the cue features it was trained with; cues added since only set floors
    cue_keys = saved["cue_keys"] if saved else [cue.key for cue in rule_set.cues]
    contracts = load_contracts(args.cuad, args.out / ".cache", categories, rule_set.cues, cue_keys, args.limit)
    print(f"{len(contracts)} contracts, {sum(len(c.texts) for c in contracts)} sentences, "
          f"{len(cue_keys)} cues ({time.perf_counter() - t0:.0f} s)", flush=True)
    present = np.array([c.present for c in contracts])

    held_out = held_out[:len(contracts)]
    if not args.no_cv:
        folds = np.zeros(len(contracts), int)
        ids = np.arange(len(contracts))
        fold_models = saved["folds"] if saved else []
        for k, (tr, te) in enumerate(GroupKFold(args.folds).split(ids, groups=ids)):
            folds[te] = k
            if not saved:
                fold_models.append(fit_sentences([contracts[i] for i in tr], len(cue_keys)))
            m = fold_models[k]
            for i in te:
                held_out[i] = m.logits(contracts[i].features)
            print(f"fold {k}: {len(m.columns)} features ({time.perf_counter() - t0:.0f} s)", flush=True)
        if not saved:
            saved_path.write_bytes(pickle.dumps({"folds": fold_models, "cue_keys": cue_keys}))
        feats = np.array([C.contract_features(h) for h in held_out])
        cv_dir = args.out / "cv"
        cv_dir.mkdir(parents=True, exist_ok=True)
        as_of = dt.date(2026, 11, 27)
        for k in range(args.folds):
            calibration = fit_calibration(feats[folds != k], present[folds != k])
            fold_model = runtime_model(fold_models[k], calibration, categories, cue_keys, np.float16)
            for i in np.flatnonzero(folds == k):
                write_cv_record(contracts[i], fold_model, rule_set, args, cv_dir, as_of, keep_fields=bool(saved))
        print(f"cross-validated records in {cv_dir} ({time.perf_counter() - t0:.0f} s)", flush=True)
        only = ["--only", *[c.id for c in contracts]] if args.limit else []
        subprocess.call([sys.executable, str(SHARED / "eval" / "score_cuad.py"), str(cv_dir),
                         str(args.cuad / "labels.jsonl"), "--json", str(args.out / "cv_scores.json"), *only])
    if args.no_export:
        return 0
    final = saved.get("final") if saved else None
    if final is None:
        final = fit_sentences(contracts, len(cue_keys))
        if not args.no_cv:
            saved_path.write_bytes(pickle.dumps({"folds": fold_models, "final": final, "cue_keys": cue_keys}))
    if args.no_cv:
        calibration = np.tile([1.0, 0.0, 0.0, 0.0], (len(categories), 1))
        print("warning: no CV run, calibration is the identity on the best logit", file=sys.stderr)
    else:
        calibration = fit_calibration(np.array([C.contract_features(h) for h in held_out]), present)
    # one whole contract's opening, so that the headings seen at run time are those of training
    check = contracts[0].texts[:150]
    check_features = contracts[0].features[:150]
    export(args.model, final, calibration, categories, cue_keys, check, final.logits(check_features))
    print(f"model: {args.model} ({args.model.stat().st_size / 1e6:.2f} MB, {len(final.columns)} features) "
          f"({time.perf_counter() - t0:.0f} s)")
    return 0


def write_cv_record(contract: Contract, fold_model: C.ClauseModel, rule_set: C.Rules, args, cv_dir: Path,
                    as_of: dt.date, keep_fields: bool) -> None:
    """The full pipeline's record with its clause map replaced by the held-out fold's.

    With `keep_fields` (a --reuse run) the other fields come from the last run's record."""
    doc = cached_document(args.cuad / "contracts" / contract.id / "contract.pdf", args.out / ".cache")
    path = cv_dir / f"{contract.id}.json"
    try:
        if keep_fields and path.is_file():
            record = Record.model_validate_json(path.read_text(encoding="utf-8"))
        else:
            record = process_document(doc, as_of)
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
