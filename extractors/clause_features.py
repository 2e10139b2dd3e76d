"""The clause model's inputs: what a sentence says, the heading it sits under, and the cues it matches.

Shared by the extractor (`extractors/clauses.py`) and its trainer (`benchmarks/train_clauses.py`), so
that the model is trained on exactly the features it is scored on. Everything here is per contract
and vectorised: the contract's sentences are lower-cased, whitespace-folded and tokenised in one
pass (`prepare`), and a cue's regex runs only on the sentences that hold the words it cannot match
without (read from the pattern by `required_words`).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

WORD_BITS = 20
HEAD_BITS = 16
WORD_BASE = 0
HEAD_BASE = 1 << WORD_BITS
RULE_BASE = HEAD_BASE + (1 << HEAD_BITS)  # model cue j: features RULE_BASE + CUE_SLOTS * j + slot
CUE_SLOTS = 3  # the sentence matches the cue, a sentence near it does, its heading does
CUE_CONTEXT = 2  # "near": within this many sentences before or after
_FLAG_WIDTH = 1 << 24  # room for the cue features of any pack, to make (sentence, feature) one number
ANCHOR_CHARS = 6  # a word a cue requires to start a token is looked up by its first six letters
MAX_SENTENCE_CHARS = 2000  # a "sentence" longer than this is a table or a run-on paragraph: read its start

_SEPARATOR = "\x00"  # between sentences in the joined text: not whitespace, not a word
_TOKEN = re.compile(r"[a-z]+|\d+")
_MIX = np.uint64(0x9E3779B97F4A7C15)
_PAIR = np.uint64(0x100000001B3)
_WORD_MASK = np.uint64((1 << WORD_BITS) - 1)
_HEAD_MASK = (1 << HEAD_BITS) - 1
# A heading: "12.3 Assignment.", "Section 9 - Insurance", "ARTICLE VII INDEMNIFICATION", "LIMITATION OF LIABILITY"
_NUMBERED_HEADING = re.compile(
    r"^(?:(?:section|article|clause)\s+)?[\dIVXivx]+(?:\.\d+)*\.?\s*[-–:]?\s*([A-Z][A-Za-z ,;&/'’-]{2,70})\.?$")
_CAPS_HEADING = re.compile(r"^([A-Z][A-Z ,;&/'’-]{3,70})$")


@dataclass
class SparseRows:
    """A sparse matrix in coordinate form, sorted by row: the features of `n_rows` sentences."""

    rows: np.ndarray  # int64
    cols: np.ndarray  # int64, global feature ids
    vals: np.ndarray  # float32
    n_rows: int


@dataclass
class Prepared:
    """A contract's sentences as the features read them: folded text and its word tokens.

    A token is a run of ASCII letters or of digits in the folded text (what `[a-z]+|\\d+` finds);
    it is known by a polynomial hash of its characters, and any prefix of it by the same hash of
    the prefix, which is how a cue finds the sentences holding the words it requires."""

    folded: list[str]  # lower-cased, whitespace folded to single spaces, at most MAX_SENTENCE_CHARS
    token_rows: np.ndarray  # int64: the sentence of each token, in text order
    token_hashes: np.ndarray  # uint64: word_hash of each token
    token_lengths: np.ndarray  # int64
    words: np.ndarray  # int64 per sentence: how many tokens it has
    char_sums: np.ndarray  # uint64: running sum of the tokens' hash terms, 0 first ...
    token_first: np.ndarray  # ... token t's prefix of length k hashes to char_sums[first + k] - char_sums[first]
    keys: np.ndarray  # uint64: each token's _key
    heads: np.ndarray  # uint64: the word_hash of each token's first ANCHOR_CHARS characters (0: shorter)

    @property
    def n(self) -> int:
        return len(self.folded)

    def prefix_hashes(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """(token numbers, hash of their first `length` characters) for the tokens that long or longer."""
        tokens = np.flatnonzero(self.token_lengths >= length)
        first = self.token_first[tokens]
        return tokens, self.char_sums[first + length] - self.char_sums[first]


_HASH_POWERS = np.array([pow(0x100000001B3, k, 1 << 64) for k in range(64)], dtype=np.uint64)


def word_hash(word: str) -> int:
    """The hash `prepare` gives a token (or a token's prefix) spelt `word`."""
    powers = _HASH_POWERS.tolist()
    return sum(ord(ch) * powers[min(k, 63)] for k, ch in enumerate(word)) % (1 << 64)


def _key(word: str) -> int:
    """A token's lookup key: its hash and its length."""
    return word_hash(word) ^ (len(word) % 256) << 56


def _fold(texts: list[str]) -> tuple[list[str], str]:
    """The sentences lower-cased with whitespace folded, and the same joined by the separator."""
    joined = " ".join(_SEPARATOR.join(t[:MAX_SENTENCE_CHARS] for t in texts).lower().split())
    folded = joined.split(_SEPARATOR)
    if len(folded) != len(texts):  # a sentence held the separator itself
        folded = [" ".join(t[:MAX_SENTENCE_CHARS].replace(_SEPARATOR, " ").lower().split()) for t in texts]
        joined = _SEPARATOR.join(folded)
    return folded, joined


def prepare(texts: list[str]) -> Prepared:
    folded, joined = _fold(texts)
    # one byte per character: the tokens are ASCII, anything else separates them like a space does
    codes = np.frombuffer(joined.encode("ascii", "replace"), dtype=np.uint8)
    kind = ((codes >= 97) & (codes <= 122)).astype(np.int8) + 2 * ((codes >= 48) & (codes <= 57))
    changes = np.r_[True, kind[1:] != kind[:-1], True]
    in_token = kind != 0
    starts = np.flatnonzero(in_token & changes[:-1])
    ends = np.flatnonzero(in_token & changes[1:]) + 1
    lengths = (ends - starts).astype(np.int64)
    first = np.cumsum(lengths) - lengths  # where each token's characters begin among all tokens' characters
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(first, lengths)
    terms = codes[np.repeat(starts, lengths) + offsets].astype(np.uint64) * _HASH_POWERS[np.minimum(offsets, 63)]
    char_sums = np.concatenate([np.zeros(1, np.uint64), np.cumsum(terms, dtype=np.uint64)])
    rows = np.cumsum(codes == 0)[starts].astype(np.int64)  # the separator is the only NUL
    hashes = char_sums[first + lengths] - char_sums[first]
    long_enough = lengths >= ANCHOR_CHARS
    heads = np.where(long_enough, char_sums[first + np.minimum(lengths, ANCHOR_CHARS)] - char_sums[first], 0)
    return Prepared(
        folded=folded, token_rows=rows, token_hashes=hashes, token_lengths=lengths,
        words=np.bincount(rows, minlength=len(folded)), char_sums=char_sums, token_first=first,
        keys=hashes ^ ((lengths % 256).astype(np.uint64) << np.uint64(56)), heads=heads)


# ---------------------------------------------------------------- word and heading features
def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, so that nearby inputs land in unrelated buckets."""
    h = h ^ (h >> np.uint64(31))
    h = h * _MIX
    return h ^ (h >> np.uint64(29))


def _word_grams(prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every word unigram and bigram, bucket in [0, 2**WORD_BITS)."""
    h, r = prepared.token_hashes, prepared.token_rows
    if len(h) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    same_sentence = r[1:] == r[:-1]
    bigrams = _mix(h[:-1] * _PAIR + h[1:] + np.uint64(7))[same_sentence]
    buckets = np.concatenate([_mix(h) & _WORD_MASK, bigrams & _WORD_MASK]).astype(np.int64)
    return np.concatenate([r, r[1:][same_sentence]]), buckets


def _head_words(headings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of each distinct word (3+ letters) of the heading a sentence sits under."""
    heading_ids: dict[str, int] = {"": 0}
    ids = [heading_ids.setdefault(h, len(heading_ids)) for h in headings]
    buckets = [[]] + [sorted({zlib.crc32(("h:" + t).encode("utf-8")) & _HEAD_MASK
                              for t in _TOKEN.findall(h.lower()) if len(t) > 2}) for h in list(heading_ids)[1:]]
    flat = np.asarray([b for bs in buckets for b in bs], dtype=np.int64)
    per_heading = np.asarray([len(bs) for bs in buckets], dtype=np.int64)
    offsets = np.cumsum(per_heading) - per_heading
    heading = np.asarray(ids, dtype=np.int64)
    counts = per_heading[heading]
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows = np.repeat(np.arange(len(headings), dtype=np.int64), counts)
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, flat[np.repeat(offsets[heading], counts) + within]


def _normalised_tf(rows: np.ndarray, cols: np.ndarray, width: int, n_rows: int) -> tuple[np.ndarray, ...]:
    """Sublinear term frequency, each row L2-normalised (IDF lives in the model's weights)."""
    keys, counts = np.unique(rows * width + cols, return_counts=True)
    r, c = keys // width, keys % width
    v = 1.0 + np.log(counts.astype(np.float32))
    norms = np.sqrt(np.bincount(r, weights=v * v, minlength=n_rows))
    return r, c, (v / np.maximum(norms[r], 1e-9)).astype(np.float32)


def cue_feature(j: int, slot: int = 0) -> int:
    """The global feature id of model cue j in one of its CUE_SLOTS: 0 the sentence matches it, 1 a
    sentence near it does, 2 the heading it sits under does."""
    return RULE_BASE + CUE_SLOTS * j + slot


Hits = list[tuple[int, int]]  # (sentence, cue)


def sentence_features(prepared: Prepared, headings: list[str], hits: Hits, heading_hits: Hits,
                      head_weight: float) -> SparseRows:
    """The features of each sentence: word 1-2-grams, heading words, and the model cues matched by
    the sentence, by a sentence at most CUE_CONTEXT sentences before or after it (an exception reads
    as one next to a non-compete: "Notwithstanding the foregoing, X may ..."), and by its heading
    ("Right of First Refusal", "Non-Disparagement")."""
    n = prepared.n
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for (rows, cols), width, base, scale in (
        (_word_grams(prepared), 1 << WORD_BITS, WORD_BASE, 1.0),
        (_head_words(headings), 1 << HEAD_BITS, HEAD_BASE, head_weight),
    ):
        if len(rows):
            r, c, v = _normalised_tf(rows, cols, width, n)
            parts.append((r, c + base, v * np.float32(scale)))
    flags = []
    if hits:
        h = np.asarray(hits, dtype=np.int64)
        flags.append(np.stack([h[:, 0], cue_feature(0) + CUE_SLOTS * h[:, 1]], axis=1))
        near = np.concatenate([np.stack([h[:, 0] + d, cue_feature(0, 1) + CUE_SLOTS * h[:, 1]], axis=1)
                               for d in range(-CUE_CONTEXT, CUE_CONTEXT + 1) if d])
        flags.append(near[(near[:, 0] >= 0) & (near[:, 0] < n)])
    if heading_hits:
        h = np.asarray(heading_hits, dtype=np.int64)
        flags.append(np.stack([h[:, 0], cue_feature(0, 2) + CUE_SLOTS * h[:, 1]], axis=1))
    if flags:
        f = np.concatenate(flags)
        keys = np.unique(f[:, 0] * _FLAG_WIDTH + (f[:, 1] - RULE_BASE))
        parts.append((keys // _FLAG_WIDTH, keys % _FLAG_WIDTH + RULE_BASE, np.ones(len(keys), np.float32)))
    if not parts:
        empty = np.zeros(0, np.int64)
        return SparseRows(empty, empty, np.zeros(0, np.float32), n)
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    vals = np.concatenate([p[2] for p in parts])
    order = np.argsort(rows, kind="stable")
    return SparseRows(rows[order], cols[order], vals[order], n)


def heading_cue_hits(headings: Headings, hits: Hits) -> Hits:
    """(sentence, cue) for every cue that matches the heading line a sentence sits under."""
    at_heading: dict[int, list[int]] = {}
    heading_lines = set(headings.lines.tolist())
    for i, j in hits:
        if i in heading_lines:
            at_heading.setdefault(i, []).append(j)
    out: Hits = []
    for line, cues in at_heading.items():
        for i in np.flatnonzero(headings.lines == line).tolist():
            out.extend((i, j) for j in cues)
    return out


def contract_features(texts: list[str], prepared: Prepared, cues: Sequence[Cue], model_cues: dict[str, int],
                      head_weight: float) -> tuple[SparseRows, Hits, Headings]:
    """A contract's sentence features for a model whose cue features are `model_cues` (key -> j),
    every (sentence, cue) hit of the pack, and the headings the sentences sit under."""
    headings = headings_of(texts)
    hits = cue_hits(prepared, cues)

    def known(pairs: Hits) -> Hits:
        return [(i, model_cues[cues[j].key]) for i, j in pairs if cues[j].key in model_cues]

    features = sentence_features(prepared, headings.texts, known(hits), known(heading_cue_hits(headings, hits)),
                                 head_weight)
    return features, hits, headings


@dataclass
class Headings:
    """For each sentence, the heading it sits under (itself, if it is one)."""

    texts: list[str]  # the heading's words ("" before the first heading)
    lines: np.ndarray  # int64: the sentence that is the heading (-1 before the first heading)


def headings_of(texts: list[str]) -> Headings:
    out, lines, current, line_of = [], [], "", -1
    for i, text in enumerate(texts):
        if len(text) < 90:
            line = " ".join(text.split())
            m = _NUMBERED_HEADING.match(line) or _CAPS_HEADING.match(line)
            if m:
                current, line_of = m.group(1), i
            elif len(line) < 60 and line.istitle() and not line.endswith((".", ",", ";")):
                current, line_of = line, i
        out.append(current)
        lines.append(line_of)
    return Headings(out, np.asarray(lines, dtype=np.int64))


# ---------------------------------------------------------------- cues (rules/clauses.yaml)
Anchor = tuple[str, bool]  # a word every match holds as a token of its own (True) or a token's start (False)
Requirement = frozenset[Anchor]  # every match holds at least one of these


@dataclass(frozen=True)
class Cue:
    """One drafting pattern; `key` ("<category>/<name>") is how the model refers to it."""

    category: str
    name: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    requirements: tuple[Requirement, ...]  # () when nothing is known: the cue runs on every sentence
    decisive: bool = False  # the pack says the wording is the clause whatever the model thinks

    @property
    def key(self) -> str:
        return f"{self.category}/{self.name}"


def compile_lower(pattern: str) -> re.Pattern[str]:
    """Cues run on lower-cased text; IGNORECASE (twice as slow) only for a pattern with capitals."""
    literal = re.sub(r"\\.", "", pattern)
    return re.compile(pattern, re.I if any(ch.isupper() for ch in literal) else 0)


class CueSet(Sequence[Cue]):
    """The pack's cues, with the words their patterns require laid out so that one contract's
    counts of every required word, and so which cues cannot match it, are found at once."""

    def __init__(self, cues: Iterable[Cue]) -> None:
        self.cues = list(cues)
        self.anchors: list[Anchor] = sorted({a for cue in self.cues for r in cue.requirements for a in r})
        position = {a: k for k, a in enumerate(self.anchors)}
        self.requirements: list[list[int]] = []  # each requirement's anchors (positions in `anchors`)
        self.requirements_of: list[range] = []  # each cue's requirements (positions in `requirements`)
        for cue in self.cues:
            first = len(self.requirements)
            self.requirements += [sorted(position[a] for a in r) for r in cue.requirements]
            self.requirements_of.append(range(first, len(self.requirements)))
        lengths = [len(r) for r in self.requirements]
        self._anchor_of_pair = np.asarray([k for r in self.requirements for k in r], dtype=np.int64)
        self._first_pair = np.cumsum([0] + lengths[:-1]).astype(np.int64)
        self._constrained = np.asarray([j for j, r in enumerate(self.requirements_of) if len(r)], dtype=np.int64)
        self._first_requirement = np.asarray([self.requirements_of[j].start for j in self._constrained],
                                             dtype=np.int64)
        # Each anchor is one lookup in one of the contract-wide searches: a whole word by its _key
        # among all tokens' (search "whole"); the start of a word by the hash of its first
        # ANCHOR_CHARS letters among the tokens' (search "head": a longer start is looked up by its
        # beginning, more candidates, never fewer), or if shorter among the tokens' starts of its
        # length (search n).
        searches: dict[str | int, dict[int, int]] = {}
        self._lookup_of_anchor = np.zeros(len(self.anchors), dtype=np.int64)
        for k, (word, whole) in enumerate(self.anchors):
            if whole:
                search, key = "whole", _key(word)
            elif len(word) >= ANCHOR_CHARS:
                search, key = "head", word_hash(word[:ANCHOR_CHARS])
            else:
                search, key = len(word), word_hash(word)
            keys = searches.setdefault(search, {})
            if key not in keys:
                keys[key] = sum(len(x) for x in searches.values())
            self._lookup_of_anchor[k] = keys[key]
        self._n_lookups = sum(len(x) for x in searches.values())
        self._searches = [(search, np.array(sorted(keys), dtype=np.uint64),
                           np.array([keys[h] for h in sorted(keys)], dtype=np.int64))
                          for search, keys in searches.items()]

    def __getitem__(self, j):  # noqa: ANN001 - int or slice, as a list
        return self.cues[j]

    def __len__(self) -> int:
        return len(self.cues)

    def _found(self, prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
        """(lookup, sentence) for every token a lookup finds, unordered."""
        found_lookup, found_row = [], []
        for search, hashes, lookups in self._searches:
            if search == "whole":
                tokens, prefix = np.arange(len(prepared.keys)), prepared.keys
            elif search == "head":
                tokens = np.flatnonzero(prepared.token_lengths >= ANCHOR_CHARS)
                prefix = prepared.heads[tokens]
            else:
                tokens, prefix = prepared.prefix_hashes(search)
            at = np.minimum(np.searchsorted(hashes, prefix), len(hashes) - 1)
            hit = hashes[at] == prefix
            found_lookup.append(lookups[at[hit]])
            found_row.append(prepared.token_rows[tokens[hit]])
        if not found_lookup:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(found_lookup), np.concatenate(found_row)

    def candidates(self, prepared: Prepared) -> list[list[int] | range]:
        """For each cue, the sentences its regex must run on: those holding a word of each of its two
        rarest requirements in this contract; none when the contract never says one of them; all
        when the cue has no requirement."""
        out: list[list[int] | range] = [range(prepared.n)] * len(self.cues)
        if not len(self._constrained):
            return out
        lookup, row = self._found(prepared)
        counts = np.bincount(lookup, minlength=self._n_lookups)[self._lookup_of_anchor]
        per_requirement = np.add.reduceat(counts[self._anchor_of_pair], self._first_pair)
        rarest = np.minimum.reduceat(per_requirement, self._first_requirement)
        lookup_of = self._lookup_of_anchor.tolist()
        plans: list[tuple[int, list[set[int]]]] = []  # cue, the lookups of its two rarest requirements
        for j, least in zip(self._constrained.tolist(), rarest.tolist()):
            if least == 0:
                out[j] = []
                continue
            ranked = sorted(self.requirements_of[j], key=per_requirement.__getitem__)[:2]
            plans.append((j, [{lookup_of[a] for a in self.requirements[r]} for r in ranked]))
        # only the sentences of the lookups some plan uses (rare words, mostly) are gathered
        needed = np.zeros(self._n_lookups, dtype=bool)
        needed[[k for _, lookups in plans for ks in lookups for k in ks]] = True
        keep = needed[lookup]
        lookup, row = lookup[keep], row[keep]
        order = np.argsort(lookup, kind="stable")
        starts = np.searchsorted(lookup[order], np.arange(self._n_lookups + 1)).tolist()
        row = row[order]
        rows_of_lookup: dict[int, set[int]] = {}

        def sentences(lookups: set[int]) -> set[int]:
            found: set[int] = set()
            for k in lookups:
                got = rows_of_lookup.get(k)
                if got is None:
                    got = rows_of_lookup[k] = set(row[starts[k]:starts[k + 1]].tolist())
                found |= got
            return found

        for j, lookups in plans:
            found = sentences(lookups[0])
            if len(lookups) > 1 and len(found) > 2:
                found &= sentences(lookups[1])
            out[j] = sorted(found)
        return out


def compile_cues(pack: dict) -> CueSet:
    cues = []
    for category, entries in (pack.get("categories") or {}).items():
        for entry in entries or []:
            unless = entry.get("unless")
            cues.append(Cue(category=category, name=str(entry["name"]), pattern=compile_lower(entry["pattern"]),
                            unless=compile_lower(unless) if unless else None,
                            requirements=required_words(entry["pattern"]), decisive=bool(entry.get("decisive"))))
    return CueSet(cues)


def cue_hits(prepared: Prepared, cues: Sequence[Cue]) -> Hits:
    """(sentence index, cue index) for every cue that matches a sentence."""
    cue_set = cues if isinstance(cues, CueSet) else CueSet(cues)
    folded = prepared.folded
    hits: Hits = []
    for j, candidates in enumerate(cue_set.candidates(prepared)):
        cue = cue_set.cues[j]
        search, unless = cue.pattern.search, cue.unless
        for i in candidates:
            text = folded[i]
            if search(text) and not (unless and unless.search(text)):
                hits.append((i, j))
    return hits


# ---------------------------------------------------------------- reading a cue's required words
_LETTER, _DIGIT, _OTHER, _BOUNDARY = "letter", "digit", "other", "boundary"
_ANY = frozenset({_LETTER, _DIGIT, _OTHER})
_CLASS_ESCAPES = {"d": frozenset({_DIGIT}), "s": frozenset({_OTHER}), "w": _ANY, "D": _ANY, "S": _ANY, "W": _ANY}
_ZERO_WIDTH_ESCAPES = {"b": _BOUNDARY, "B": None, "A": _BOUNDARY, "Z": None}
# words in most contract sentences: a poor prefilter when an alternative offers a better one
_EVERYDAY = frozenset("""a an and any all as at be by can do for from has have in is it its may no not of on or
    other party shall such than that the their this to under upon which will with agreement right rights
    you we our your""".split())
_QUANTIFIER = re.compile(r"\*\??|\+\??|\?\??|\{(\d*)(,?)(\d*)\}\??")


def _kind(ch: str) -> str:
    return _LETTER if "a" <= ch <= "z" else _DIGIT if "0" <= ch <= "9" else _OTHER


class _Reader:
    """A reader of the regex syntax cues are written in, into nested lists of parts:
    ("lit", ch), ("set", kinds), ("zero", boundary-or-None), ("group", [alternatives]), ("rep", part, min).

    Anything it does not understand is read as "any character": it can only lose anchors, never
    invent one."""

    def __init__(self, pattern: str) -> None:
        self.s, self.i = pattern, 0

    def alternatives(self) -> list[list[tuple]]:
        out = [self.sequence()]
        while self.i < len(self.s) and self.s[self.i] == "|":
            self.i += 1
            out.append(self.sequence())
        return out

    def sequence(self) -> list[tuple]:
        parts: list[tuple] = []
        while self.i < len(self.s) and self.s[self.i] not in "|)":
            part = self.atom()
            m = _QUANTIFIER.match(self.s, self.i)
            if m:
                self.i = m.end()
                q = m.group(0)
                least = 1 if q[0] == "+" else int(m.group(1) or 0) if q[0] == "{" else 0
                part = ("rep", part, least)
            parts.append(part)
        return parts

    def atom(self) -> tuple:
        s, ch = self.s, self.s[self.i]
        self.i += 1
        if ch == "(":
            lookaround = opaque = False
            if s.startswith("?", self.i):
                if s.startswith(("?:", "?P<", "?>"), self.i):
                    self.i = s.index(">", self.i) + 1 if s[self.i + 1] == "P" else self.i + 2
                elif s.startswith(("?=", "?!", "?<=", "?<!"), self.i):
                    lookaround = True
                    self.i += 3 if s[self.i + 1] == "<" else 2
                else:  # inline flags, back-references, conditionals: read as any character
                    opaque = True
                    self.i += 1
            inner = self.alternatives()
            self.i += 1  # ")"
            return ("set", _ANY) if opaque else ("zero", None) if lookaround else ("group", inner)
        if ch == "[":
            return self.char_set()
        if ch == "\\":
            esc = s[self.i]
            self.i += 1
            if esc in _ZERO_WIDTH_ESCAPES:
                return ("zero", _ZERO_WIDTH_ESCAPES[esc])
            if esc in _CLASS_ESCAPES:
                return ("set", _CLASS_ESCAPES[esc])
            if esc.isalnum():  # \n, \t, \1, \x41 ...: not a literal we can read
                return ("set", _ANY)
            return ("lit", esc)
        if ch == ".":
            return ("set", _ANY)
        if ch in "^$":
            return ("zero", _BOUNDARY)
        return ("lit", ch.lower())

    def char_set(self) -> tuple:
        s = self.s
        negated = s.startswith("^", self.i)
        self.i += negated
        kinds: set[str] = set()
        first = True
        while self.i < len(s) and (s[self.i] != "]" or first):
            first = False
            ch = s[self.i]
            if ch == "\\":
                esc = s[self.i + 1]
                self.i += 2
                kinds |= _CLASS_ESCAPES.get(esc, _ANY if esc.isalnum() else {_kind(esc)})
            elif s.startswith("-", self.i + 1) and self.i + 2 < len(s) and s[self.i + 2] != "]":
                lo, hi = ch.lower(), s[self.i + 2].lower()
                kinds |= {_kind(c) for c in (lo, hi)} | ({_OTHER} if _kind(lo) != _kind(hi) else set())
                self.i += 3
            else:
                kinds.add(_kind(ch.lower()))
                self.i += 1
        self.i += 1  # "]"
        return ("set", _ANY if negated else frozenset(kinds))


def _starts_token(before: frozenset[str], kind: str) -> bool:
    """Whether a letter (digit) run preceded by a character of one of `before` kinds starts a token."""
    allowed = {_OTHER, _BOUNDARY, _DIGIT if kind == _LETTER else _LETTER}
    return bool(before) and before <= allowed


def _analyse(parts: list[tuple], before: frozenset[str], follow: frozenset[str] = frozenset(),
             ) -> tuple[list[Requirement], frozenset[str], bool]:
    """(requirements, kinds the last character can have, whether the parts can match nothing), for
    parts preceded by a character of `before` kinds and followed by one of `follow` kinds (empty:
    unknown)."""
    requirements: list[Requirement] = []
    run, run_kind, run_starts = "", "", False
    empty = True

    def close_run(followed_by: frozenset[str]) -> None:
        nonlocal run
        if run and run_starts and len(run) >= 2:
            whole = bool(followed_by) and followed_by <= {_OTHER, _BOUNDARY, _DIGIT if run_kind == _LETTER else _LETTER}
            requirements.append(frozenset({(run, whole)}))
        run = ""

    for p, part in enumerate(parts):
        tag = part[0]
        if tag == "lit" and _kind(part[1]) != _OTHER:
            kind = _kind(part[1])
            if run and kind == run_kind:
                run += part[1]
            else:
                close_run(frozenset({kind}))
                run, run_kind, run_starts = part[1], kind, _starts_token(before, kind)
            before, empty = frozenset({kind}), False
            continue
        if tag == "zero":
            if part[1] == _BOUNDARY:
                close_run(frozenset({_BOUNDARY}))
                before = frozenset({_BOUNDARY})
            continue
        if tag == "lit":
            close_run(frozenset({_OTHER}))
            before, empty = frozenset({_OTHER}), False
            continue
        if tag == "set":
            close_run(part[1])
            before, empty = part[1], False
            continue
        # a group or a repetition: its first characters (or what follows, if it can be skipped)
        # decide whether the open run ends a token; what follows it, whether its own runs do
        inner, least = (part[1], part[2]) if tag == "rep" else (part, 1)
        after_part = _next_kinds(parts, p + 1, follow)
        optional = least == 0 or _can_be_empty(inner)
        close_run(_first_kinds(inner) | after_part if optional and after_part else
                  frozenset() if optional else _first_kinds(inner))
        inner_follow = (after_part | _first_kinds(inner)) if tag == "rep" and after_part else after_part
        group_requirements, after, can_be_empty = _analyse_part(inner, before, inner_follow)
        if least >= 1:
            requirements.extend(group_requirements)
            before = after | (before if can_be_empty else frozenset())
            empty = empty and can_be_empty
        else:
            before = after | before
    close_run(follow)
    return requirements, before, empty


def _analyse_part(part: tuple, before: frozenset[str], follow: frozenset[str] = frozenset(),
                  ) -> tuple[list[Requirement], frozenset[str], bool]:
    if part[0] == "group":
        results = [_analyse(alt, before, follow) for alt in part[1]]
        after = frozenset().union(*(r[1] for r in results))
        can_be_empty = any(r[2] for r in results)
        if len(results) == 1:
            return results[0][0], after, can_be_empty
        if any(not r[0] for r in results):
            return [], after, can_be_empty
        # one requirement per alternative (its most telling word) joined: a match holds one of them
        joined = frozenset().union(*(max(r[0], key=_selectivity) for r in results))
        return [joined], after, can_be_empty
    return _analyse([part], before, follow)


def _can_be_empty(part: tuple) -> bool:
    tag = part[0]
    if tag == "zero":
        return True
    if tag == "rep":
        return part[2] == 0 or _can_be_empty(part[1])
    if tag == "group":
        return any(all(_can_be_empty(p) for p in alt) for alt in part[1])
    return False


def _next_kinds(parts: list[tuple], start: int, follow: frozenset[str]) -> frozenset[str]:
    """The kinds the character after parts[:start] can have (empty: unknown)."""
    kinds: set[str] = set()
    for part in parts[start:]:
        tag = part[0]
        if tag == "zero":
            if part[1] == _BOUNDARY:
                return frozenset(kinds | {_BOUNDARY})
            continue
        if tag in ("lit", "set"):
            return frozenset(kinds | _first_kinds(part))
        kinds |= _first_kinds(part)
        if not _can_be_empty(part):
            return frozenset(kinds)
    return frozenset(kinds | follow) if follow else frozenset()


def _selectivity(requirement: Requirement) -> tuple[int, int, int]:
    """How few sentences a requirement is likely to let through: no everyday word, long words, few."""
    return (not any(w in _EVERYDAY for w, _ in requirement), min(len(w) for w, _ in requirement), -len(requirement))


def _first_kinds(part: tuple) -> frozenset[str]:
    """The kinds the first character matched by a part can have (any, when unsure)."""
    tag = part[0]
    if tag == "lit":
        return frozenset({_kind(part[1])})
    if tag == "set":
        return part[1]
    if tag == "rep":
        return _first_kinds(part[1])
    if tag == "group":
        kinds: set[str] = set()
        for alt in part[1]:
            if not alt or alt[0][0] in ("zero", "rep"):
                return _ANY
            kinds |= _first_kinds(alt[0])
        return frozenset(kinds)
    return _ANY


def required_words(pattern: str) -> tuple[Requirement, ...]:
    """Words every match of `pattern` holds: for each requirement, one of its anchors is a token of
    the matched text (or starts one). `\\bmost[- ]favou?red` requires ("most", whole) and
    ("favo", start). Empty when the reader cannot tell (the cue then runs on every sentence)."""
    try:
        reader = _Reader(pattern)
        parts = reader.alternatives()
        if reader.i < len(pattern):
            return ()
        requirements, _, _ = _analyse_part(("group", parts), frozenset(_ANY))
    except (IndexError, ValueError):
        return ()
    return tuple(dict.fromkeys(requirements))
