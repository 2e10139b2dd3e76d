"""The shared language pipeline: blank English spaCy plus a contract-aware sentence splitter.

Built once per process (`get_nlp`) and shared by every extractor. Contracts break sentences
where general-purpose splitters do not (numbered clauses, headings on their own line, list items
"(a)") and must not break where they do ("Acme Corp.", "U.S.", "Sec. 4.2", "No. 3").
"""

from __future__ import annotations

import re
import bisect
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.document import Document

# Abbreviations after which a period does not end a sentence (lower-cased, without the dot).
ABBREVIATIONS = frozenset(
    """inc corp co ltd llc l.l.c plc lp llp l.p n.a s.a s.a.r.l b.v n.v gmbh ag pty pte bhd
    mr mrs ms dr prof sr jr st no nos sec secs art arts para paras cl sch ex exh fig vol pp p
    u.s u.s.a u.s.c u.k e.g i.e etc viz cf vs v approx dept div assoc intl int'l corp mfg bros a.m p.m seq
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)

_SENT_END = re.compile(r"[.?!][\"”’')\]]*(?=\s)")
_REFERENCE_WORD = r"(?:ARTICLE|Article|SECTION|Section|SCHEDULE|Schedule|EXHIBIT|Exhibit|ANNEX|Annex)"
# A line that starts a new unit: "4.2 ", "(a) ", "ARTICLE V", "Section 3.", "SCHEDULE A", "• "
_BLOCK_START = re.compile(
    r"(?<!,)\n[ \t]*(?=(?:\d{1,3}(?:\.\d+)*\.?\s|\d+(?:\.\d+)+\.?\s|\(?[a-z]{1,3}\)\s|\(?[ivxlc]{1,6}\)\s|[A-Z]\.\s|"
    + _REFERENCE_WORD + r"\s|[•·▪-]\s))"
)
# The word before a one-letter reference whose dot may end a sentence: "attached as Exhibit D."
_LETTER_REFERENCE = re.compile(
    r"\b(?:exhibit|schedule|annex|appendix|attachment|addendum|rider|section|article|part|clause|item)\s+$",
    re.IGNORECASE)
# A reference at the start of a line that is not a heading but the middle of a sentence broken by
# the PDF's line wrap: "... pursuant to\nSection 4.4, Bioeq shall", "BREACH OF SECTION 9 OR\nSECTION 10, OR"
_REFERENCE_LINE = re.compile(r"[ \t]*" + _REFERENCE_WORD + r"\s")
_REFERENCE_GOES_ON = re.compile(
    r"[ \t]*\S+(?:,|\s+(?:or|and|of|to|in|hereof|hereto|herein|above|below)\b)", re.IGNORECASE)
_LINE_LEFT_OPEN = re.compile(
    r"\b(?:to|of|in|under|this|that|as|and|or|the|with|by|per|on|at|from|see|such|any|its|their|an?|"
    r"hereto|herein|hereunder|pursuant|including|between|than|into|within)[ \t]*$", re.IGNORECASE)
# A numbered heading on a line of its own, without a full stop ("14.1 Indemnification of Supplier"),
# before a line in sentence case: a unit apart, if `_is_title` agrees it is a title, not a sentence
# wrapped after a few words ("1.1 The Supplier shall deliver to\nCustomer ...").
_NUMBERED_HEADING = re.compile(
    r"^[ \t]*(?:(?:Section|SECTION|Article|ARTICLE|Clause|CLAUSE)\s+)?\d{1,2}(?:\.\d{1,2})*\.?[ \t]+"
    r"(?P<title>[A-Z][^\n.;:]{0,70}?[A-Za-z)])[ \t]*\n(?=[ \t]*[A-Z“\"(][a-z])", re.MULTILINE)
_TITLE_SMALL_WORDS = frozenset("a an and or of the to for in on at by with from into under upon than as per".split())
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# A short all-capitals line (a heading: "SERVICES AGREEMENT", "RECITALS") followed by a line in
# sentence case. Lines of an all-capitals clause are followed by more capitals, so stay joined.
_CAPS_HEADING = re.compile(r"^[^a-z\n]*[A-Z]{2}[^a-z\n]{0,80}\n(?=[ \t]*[A-Z“\"(][a-z])", re.MULTILINE)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Sentence (or clause) spans over `text`, as [start, end) offsets, whitespace trimmed."""
    cuts: set[int] = {0, len(text)}
    for m in _PARAGRAPH_BREAK.finditer(text):
        cuts.add(m.end())
    for m in _BLOCK_START.finditer(text):
        if not _wrapped_reference(text, m.start() + 1):
            cuts.add(m.start() + 1)
    for m in _CAPS_HEADING.finditer(text):
        cuts.add(m.end())
    for m in _NUMBERED_HEADING.finditer(text):
        if _is_title(m["title"]):
            cuts.add(m.end())
    for m in _SENT_END.finditer(text):
        if _ends_sentence(text, m.start(), m.end()):
            cuts.add(m.end())
    ordered = sorted(cuts)
    sentences = []
    for a, b in zip(ordered, ordered[1:]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            sentences.append(Sentence(a, b))
    return sentences


def _is_title(words: str) -> bool:
    """Whether a heading's words are written as a title: every word capitalised but the small ones."""
    seen = re.findall(r"[A-Za-z][\w’'-]*", words)
    return bool(seen) and seen[-1].lower() not in _TITLE_SMALL_WORDS and all(
        w[0].isupper() or w.lower() in _TITLE_SMALL_WORDS for w in seen)


def _wrapped_reference(text: str, line: int) -> bool:
    """Whether the line starting at `line` opens with a cross-reference that continues the sentence
    of the line before (so it starts no new unit)."""
    reference = _REFERENCE_LINE.match(text, line)
    if reference is None:
        return False
    if _REFERENCE_GOES_ON.match(text, reference.end()):
        return True
    return _LINE_LEFT_OPEN.search(text, max(0, line - 40), line - 1) is not None


def _ends_sentence(text: str, dot: int, after: int) -> bool:
    if text[dot] != ".":
        return True
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace() and text[word_start - 1] not in "(\"“":
        word_start -= 1
    word = text[word_start:dot].lower()
    if word.rstrip(".") in ABBREVIATIONS or word in ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():  # initials "J. Smith", list letters "A." ...
        if not _LETTER_REFERENCE.search(text, max(0, word_start - 16), word_start):
            return False  # ... but "as set out in Exhibit D. Tenant shall" ends at the letter
    if re.fullmatch(r"\d+(?:\.\d+)*", word):
        line_start = word_start == 0 or text[word_start - 1] == "\n"
        before = text[max(0, word_start - 12):word_start].lower()
        if line_start or re.search(r"(?:sections?|sec|clauses?|articles?|§)\s*$", before):
            return False  # a clause number "4." opening a line, or "Section 4." mid-reference
    nxt = text[after:after + 40].lstrip()
    if not nxt:
        return True
    # A sentence ends only before a capital, a digit, a quote or a bracket: "...Inc. and its" stays
    return nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in "(\"“'[§"


# Letters that re.IGNORECASE matches to an ASCII letter but str.lower() does not make one: the
# Turkish capital and dotless i, the long s and (already "k" once lower-cased) the Kelvin sign.
_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold_case(text: str) -> str:
    """`text` lower-cased, offset for offset, for phrase search with case-sensitive patterns.

    Python's regex engine runs an IGNORECASE alternation by trying every alternative at every
    position; a case-sensitive pattern whose alternatives start with plain letters skips ahead by
    first character, 3-9x faster on contract text. A lower-cased pattern of ASCII letters finds in
    it what the IGNORECASE pattern finds in `text`: "İ", "ı", "ſ" become "i", "i", "s" (one letter
    each, so offsets into the folded text are offsets into `text`; "İ".lower() is two)."""
    folded = text.lower()
    if len(folded) != len(text):
        folded = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return folded if folded.isascii() else folded.translate(_TO_ASCII)


_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]")


def fold_pattern(pattern: str) -> str | None:
    r"""A pattern meant to match ignoring case, rewritten to match case-sensitively in
    `fold_case(text)`: its letters lower-cased, escapes (\S, \W, \B) and group names kept.
    None when that cannot be done exactly (inline flags such as "(?-i:...)", \N{...})."""
    if _INLINE_FLAGS.search(pattern):
        return None
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            escaped = pattern[i + 1:i + 2]
            if escaped == "N":
                return None
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if pattern.startswith(("(?P<", "(?P="), i):
            close = pattern.find(">" if pattern[i + 3] == "<" else ")", i)
            if close < 0:
                return None
            out.append(pattern[i:close + 1])
            i = close + 1
            continue
        out.append(c.lower())
        i += 1
    return "".join(out)


def compile_folded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`pattern`, to be matched ignoring case, compiled for `fold_case(text)`; raises ValueError when it cannot
    be folded (callers then keep an IGNORECASE pattern on the original text)."""
    folded = fold_pattern(pattern)
    if folded is None:
        raise ValueError(f"pattern cannot be folded: {pattern[:80]}")
    return re.compile(folded, flags & ~re.IGNORECASE)


@Language.component("contract_sentencizer")
def contract_sentencizer(doc: Doc) -> Doc:
    starts = {s.start for s in split_sentences(doc.text)}
    # one array write: setting token.is_sent_start token by token is quadratic in spaCy
    flags = numpy.array([[1 if t.i == 0 or t.idx in starts else -1] for t in doc], dtype="int64").astype("uint64")
    doc.from_array([SENT_START], flags)
    return doc


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("contract_sentencizer")
    return nlp


@dataclass
class Analysis:
    """What the language stage knows about a document, shared by all extractors."""

    document: Document
    sentences: list[Sentence]

    @cached_property
    def doc(self) -> Doc:
        """The spaCy Doc of the whole text (tokens, sentences), made on first use only."""
        return get_nlp()(self.document.text)

    @cached_property
    def folded_text(self) -> str:
        """The text lower-cased offset for offset (`fold_case`), for fast case-insensitive search."""
        return fold_case(self.document.text)

    @cached_property
    def _starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def sentence_at(self, offset: int) -> Sentence | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and self.sentences[i].start <= offset < self.sentences[i].end:
            return self.sentences[i]
        return None

    def sentence_text(self, sentence: Sentence) -> str:
        return self.document.text[sentence.start:sentence.end]


def analyse(document: Document) -> Analysis:
    return Analysis(document=document, sentences=split_sentences(document.text))
