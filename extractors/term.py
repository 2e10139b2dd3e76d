"""Term, expiration, renewal, non-renewal notice and termination for convenience.

Fills `record.term` and `record.dates.expiration`. Cue phrases and patterns live in
`rules/term.yaml`; this module finds candidate sentences with them, reads the durations and dates
in those sentences, decides what role each plays (the initial term, a renewal period, a notice
period) from the words around it, and keeps the best-placed clause for each field.

Expiration convention: a term of N years "from" a date ends on the day before the Nth anniversary
(a one-year term from 2024-01-01 ends 2024-12-31: its last day). Stated dates are kept as stated
("terminate on the fifth anniversary" ends on the anniversary). The CUAD scorer accepts both the
anniversary and the day before, and the day before is the last day a party is bound, which is the
day a contract manager needs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from extractors import dateparse
from extractors.base import Context
from extractors.durations import (ORDINAL_PATTERN, Duration, DurationMatch, add, find_durations, ordinal_to_number,
                                  words_to_number)
from pipeline import errors
from pipeline.nlp import Sentence, compile_folded, fold_case
from pipeline.record import Diagnostic
from rules import RulePackError, compile_patterns, load_pack, require
from rules import pattern as pack_pattern

PACK = "term"

# --- rule pack ---------------------------------------------------------------------------------


def _compile_any(patterns: list[str], name: str) -> re.Pattern[str]:
    return compile_patterns(patterns, PACK, name)


# Compiled rule-pack patterns, by the name the code uses -> the key in rules/term.yaml. A list in
# the pack becomes one alternation.
_PATTERN_KEYS = {
    "subject": "subjects", "not_subject_before": "not_subject_before", "term_verbs": "term_verbs",
    "term_heading": "term_heading", "not_term_context": "not_term_context",
    "end_before_date": "end_before_date", "start_before_date": "start_before_date",
    "initial_before": "initial_before", "initial_after": "initial_after",
    "not_initial_before": "not_initial_before", "not_initial_after": "not_initial_after",
    "end_verb_before": "end_verb_before", "perpetual": "perpetual",
    "renewal_cue": "renewal_cues", "not_renewal_context": "not_renewal_context",
    "renewal_denied": "renewal_denied", "renewal_explicitly_automatic": "renewal_explicitly_automatic",
    "renewal_by_agreement": "renewal_by_agreement", "renewal_by_option": "renewal_by_option",
    "renewal_automatic": "renewal_automatic", "renewal_same_as_initial": "renewal_same_as_initial",
    "renewal_before": "renewal_before_duration", "renewal_after": "renewal_after_duration",
    "notice_before": "notice_before_duration", "notice_after": "notice_after_duration",
    "non_renewal_context": "non_renewal_context", "non_renewal_sentence": "non_renewal_sentence",
    "breach_context": "breach_context", "convenience": "convenience_cues",
    "convenience_weak": "convenience_weak_cues", "convenience_denied": "convenience_denied",
    "terminate_right": "terminate_right", "terminate_object_after": "terminate_object_after",
    "terminate_object_before": "terminate_object_before", "not_convenience": "not_convenience",
    "option_notice_before_end": "option_notice_before_end",
}
_OTHER_KEYS = ("anchors", "anniversary", "periodic_renewal", "either_party",
               "table_end_labels", "table_start_labels", "table_term_labels")


@dataclass(frozen=True)
class Rules:
    subject: re.Pattern[str]
    not_subject_before: re.Pattern[str]
    term_verbs: re.Pattern[str]
    term_heading: re.Pattern[str]
    not_term_context: re.Pattern[str]
    end_before_date: re.Pattern[str]
    start_before_date: re.Pattern[str]
    initial_before: re.Pattern[str]
    initial_after: re.Pattern[str]
    not_initial_before: re.Pattern[str]
    not_initial_after: re.Pattern[str]
    end_verb_before: re.Pattern[str]
    perpetual: re.Pattern[str]
    renewal_cue: re.Pattern[str]
    not_renewal_context: re.Pattern[str]
    renewal_denied: re.Pattern[str]
    renewal_explicitly_automatic: re.Pattern[str]
    renewal_by_agreement: re.Pattern[str]
    renewal_by_option: re.Pattern[str]
    renewal_automatic: re.Pattern[str]
    renewal_same_as_initial: re.Pattern[str]
    renewal_before: re.Pattern[str]
    renewal_after: re.Pattern[str]
    notice_before: re.Pattern[str]
    notice_after: re.Pattern[str]
    non_renewal_context: re.Pattern[str]
    non_renewal_sentence: re.Pattern[str]
    breach_context: re.Pattern[str]
    option_notice_before_end: re.Pattern[str]
    option_holder: list[re.Pattern[str]]  # case matters for party names: not IGNORECASE
    convenience: re.Pattern[str]
    convenience_weak: re.Pattern[str]
    convenience_denied: re.Pattern[str]
    terminate_right: re.Pattern[str]
    terminate_object_after: re.Pattern[str]
    terminate_object_before: re.Pattern[str]
    not_convenience: re.Pattern[str]
    anchor_effective: re.Pattern[str]
    anchor_agreement: re.Pattern[str]
    anchor_link: re.Pattern[str]
    anniversary: re.Pattern[str]
    either_party: re.Pattern[str]
    table_row: re.Pattern[str]
    periodic_renewal: list[tuple[re.Pattern[str], Duration]]
    # The same patterns for the lower-cased text (`Scan.lower`), where the regex engine runs them
    # several times faster; None when a pattern cannot be folded (it then runs ignoring case).
    renewal_cue_folded: re.Pattern[str] | None = None
    non_renewal_sentence_folded: re.Pattern[str] | None = None
    not_subject_before_folded: re.Pattern[str] | None = None
    term_verbs_folded: re.Pattern[str] | None = None


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, *_PATTERN_KEYS.values(), *_OTHER_KEYS)
    compiled = {name: _compile_any(_as_list(pack[key]), key) for name, key in _PATTERN_KEYS.items()}
    anchors = pack["anchors"]
    anniversary = pack["anniversary"].replace("{ORDINAL}", ORDINAL_PATTERN).replace("{NUMBER}", _NUMBER_YEAR)
    try:
        periodic = [(_compile_any([p], "periodic_renewal"), Duration.from_iso(v))
                    for p, v in pack["periodic_renewal"].items()]
    except ValueError as exc:
        raise RulePackError(f"rule pack rules/{PACK}.yaml: periodic_renewal: {exc}") from exc
    option_holder = [compile_patterns(p.replace("{PARTY}", _OPTION_PARTY), PACK, "option_holder", flags=0)
                     for p in _as_list(pack["option_holder"])]
    return Rules(
        **compiled,
        option_holder=option_holder,
        anchor_effective=_compile_any(anchors["effective"], "anchors.effective"),
        anchor_agreement=_compile_any(anchors["agreement"], "anchors.agreement"),
        anchor_link=_compile_any([anchors["link"]], "anchors.link"),
        anniversary=_compile_any([anniversary], "anniversary"),
        either_party=_compile_any([rf"\b{p}\b" for p in sorted(pack["either_party"], key=len, reverse=True)],
                                  "either_party"),
        table_row=_table_row_pattern(pack),
        periodic_renewal=periodic,
        renewal_cue_folded=_folded(compiled["renewal_cue"]),
        non_renewal_sentence_folded=_folded(compiled["non_renewal_sentence"]),
        not_subject_before_folded=_folded(compiled["not_subject_before"]),
        term_verbs_folded=_folded(compiled["term_verbs"]),
    )


def _folded(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    try:
        return compile_folded(pattern.pattern, pattern.flags)
    except (ValueError, re.error):
        return None


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def _table_row_pattern(pack: dict[str, Any]) -> re.Pattern[str]:
    """A label on its own line (or before a colon) and its value: "Expiration Date\nJanuary 31, 2028"."""
    labels = {"end": pack["table_end_labels"], "start": pack["table_start_labels"], "term": pack["table_term_labels"]}
    alternation = "|".join(f"(?P<{k}>{pack_pattern(v)})" for k, v in labels.items())
    try:
        return re.compile(rf"(?im)^[ \t]*(?:{alternation})[ \t]*(?::[ \t]*|\n[ \t]*)(?P<value>[^\n]{{1,80}})$")
    except re.error as exc:
        raise RulePackError(f"rule pack rules/{PACK}.yaml: table labels do not compile: {exc}") from exc


# "five (5)-year", "four-year", "5 year" before "anniversary"
_NUMBER_YEAR = r"(?:\w+(?:[\s-]+\w+)?\s*(?:\(\s*\d{1,3}\s*\))?|\d{1,3})[\s-]*year"

# --- explicit dates ----------------------------------------------------------------------------


def _date_mentions(text: str, start: int, end: int) -> list[dateparse.DateMention]:
    """Full dates (day, month, year) written in text[start:end], read by the shared date reader.

    Only the span is scanned; the whole document is read (once, shared with the dates extractor)
    only when a numeric date needs the document's day/month convention."""
    found = dateparse.scan(text, None, start, end)
    if any(m.ambiguous for m in found):
        found = dateparse.dates_in(text).between(start, end)
    return [m for m in found if m.date is not None and m.precision == "day"]


# --- findings ----------------------------------------------------------------------------------


@dataclass
class TermDate:
    """A date in a term clause and the role the words before it give it."""

    date: dt.date
    start: int  # offsets in the document text
    end: int
    role: str  # "start" | "end" | "other"


@dataclass
class TermClause:
    """The clause that sets the initial term, and what it says."""

    sentence: Sentence
    score: float
    initial: Duration | None = None
    anchor: str | None = None  # "effective" | "agreement" | "stated" | "event" | None (not said)
    anchor_text: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None  # stated expiration
    anniversary_of: str | None = None  # "effective" | "agreement" | "stated" | "event"
    anniversary_years: int | None = None
    anniversary_day_before: bool = False
    perpetual: bool = False
    spans: list[tuple[int, int]] = field(default_factory=list)  # evidence, when not the one sentence

    @property
    def evidence_spans(self) -> list[tuple[int, int]]:
        return self.spans or [(self.sentence.start, self.sentence.end)]


@dataclass
class RenewalClause:
    sentences: list[Sentence]
    # "automatic" | "by_option" | "by_agreement" (only if both agree: no right to renew) | "denied" (says it does not)
    kind: str
    duration: Duration | None
    score: float
    note: str | None = None


@dataclass
class NoticeFinding:
    sentence: Sentence
    duration: Duration
    by: str | None
    confidence: float


@dataclass
class ConvenienceRight:
    sentence: Sentence
    notice: Duration | None
    by: str | None
    explicit: bool  # "for convenience", "without cause" said in so many words


@dataclass
class Scan:
    """Per-document working state: the text, sentences and where the term section is."""

    ctx: Context
    text: str
    sentences: list[Sentence]
    term_section: set[int] = field(default_factory=set)  # sentence indexes under a "Term" heading
    lower: str = ""  # the text lower-cased offset for offset (pipeline.nlp.fold_case)

    def search(self, pattern: re.Pattern[str], folded: re.Pattern[str] | None, s: Sentence) -> re.Match[str] | None:
        """The first match of a rule in sentence `s` (offsets in the sentence), in the lower-cased
        text when the rule has a folded form."""
        if folded is not None:
            return folded.search(self.lower[s.start:s.end])
        return pattern.search(self.text[s.start:s.end])

    def window_before(self, offset: int, lower: int, size: int = 140) -> str:
        """The words just before `offset` (not before `lower`), whitespace folded to single spaces."""
        return _squash(self.text[max(lower, offset - size):offset], keep_trailing=True)

    def window_after(self, offset: int, upper: int, size: int = 140) -> str:
        return _squash(self.text[offset:min(upper, offset + size)], keep_leading=True)


def _squash(s: str, keep_trailing: bool = False, keep_leading: bool = False) -> str:
    out = re.sub(r"\s+", " ", s)
    if not keep_leading:
        out = out.lstrip()
    if not keep_trailing:
        out = out.rstrip()
    return out


# --- the extractor -----------------------------------------------------------------------------


def extract(ctx: Context) -> None:
    r = rules()
    scan = Scan(ctx=ctx, text=ctx.document.text, sentences=ctx.analysis.sentences, lower=ctx.analysis.folded_text)
    scan.term_section = _term_section_sentences(scan, r)

    term = _find_term_clause(scan, r)
    renewal = _find_renewal(scan, r, term)
    notice = _find_non_renewal_notice(scan, r, renewal)
    option_notice = _find_option_notice(scan, r, renewal)
    convenience = _find_convenience(scan, r)

    _fill_term(scan, term)
    _fill_expiration(scan, term)
    _fill_renewal(scan, term, renewal)
    _fill_notice(scan, notice, "non_renewal_notice")
    _fill_notice(scan, option_notice, "renewal_option_notice")
    _fill_convenience(scan, convenience)


# --- where the term section is -----------------------------------------------------------------


def _term_section_sentences(scan: Scan, r: Rules) -> set[int]:
    """Indexes of sentences under a heading that names the term ("11. TERM AND TERMINATION",
    "3.1 Term.", "Duration"), up to the next numbered heading of the same kind, at most 12."""
    found: set[int] = set()
    for i, s in enumerate(scan.sentences):
        head = scan.text[s.start:min(s.end, s.start + 80)]
        if r.term_heading.match(head):
            found.update(range(i, min(i + 12, len(scan.sentences))))
    return found


def _position_penalty(scan: Scan, s: Sentence) -> float:
    """Term clauses sit in the body; exhibits and schedules at the back restate or vary them."""
    return 0.15 if s.start > 0.8 * max(len(scan.text), 1) else 0.0


# --- initial term ------------------------------------------------------------------------------


def _find_term_clause(scan: Scan, r: Rules) -> TermClause | None:
    best: TermClause | None = _read_term_table(scan, r)
    for i, s in enumerate(scan.sentences):
        clause = _read_term_sentence(scan, r, i, s)
        if clause and (best is None or clause.score > best.score + 1e-9):
            best = clause
    return best


def _sentence_index(scan: Scan, offset: int) -> int | None:
    sentence = scan.ctx.analysis.sentence_at(offset)
    if sentence is None:
        return None
    i = bisect.bisect_left([x.start for x in scan.sentences], sentence.start)
    return i if i < len(scan.sentences) and scan.sentences[i] == sentence else None


def _read_term_table(scan: Scan, r: Rules) -> TermClause | None:
    """Term data set out as label/value rows: "Expiration Date\nJanuary 31, 2028", "Term: 36 months"."""
    end = start = initial = None
    for m in r.table_row.finditer(scan.text):
        value = m.group("value").strip()
        if m.group("end") or m.group("start"):
            dates = [d for d in dateparse.scan(value) if d.date is not None and d.precision == "day"]
            if not dates or dates[0].start > 3 or dates[0].end < len(value.rstrip(" .;")) - 3:
                continue  # the value must be the date itself, not a sentence that mentions one
            if m.group("end") and end is None:
                end = (dates[0].date, m)
            elif m.group("start") and start is None:
                start = (dates[0].date, m)
        elif initial is None:
            found = find_durations(value)
            if found and found[0].start <= 3 and len(value) < 60:
                initial = (found[0].duration, m)
    if end is None and initial is None:
        return None
    row = (end or initial)[1]
    clause = TermClause(sentence=Sentence(row.start(), row.end()), score=0.85)
    clause.spans = [(x[1].start(), x[1].end()) for x in (start, initial, end) if x]
    if end:
        clause.end_date = end[0]
    if start:
        clause.start_date = start[0]
        clause.anchor = "stated"
    if initial:
        clause.initial = initial[0]
    return clause


def _term_statement(scan: Scan, r: Rules, s: Sentence) -> re.Match[str] | None:
    """The subject of a term clause: "this Agreement", "the Initial Term" as the subject of its
    clause (not "during the Term", "terminate this Agreement"), followed by a verb."""
    for m in r.subject.finditer(scan.text, s.start, s.end):
        if _search_folded(r.not_subject_before, r.not_subject_before_folded, scan.window_before(m.start(), s.start, 60)):
            continue
        after = scan.window_after(m.end(), s.end, 200)
        if r.term_verbs_folded.match(fold_case(after)) if r.term_verbs_folded else r.term_verbs.match(after):
            return m
    return None


def _search_folded(pattern: re.Pattern[str], folded: re.Pattern[str] | None, text: str) -> re.Match[str] | None:
    return folded.search(fold_case(text)) if folded is not None else pattern.search(text)


def _term_heading_statement(scan: Scan, r: Rules, s: Sentence) -> re.Match[str] | None:
    """A term written as a heading and its dates: "TERM OF EXECUTION From January 30, 2012 until
    July 29, 2012", "Term: March 1, 2020 through February 28, 2021"."""
    m = r.term_heading.match(scan.text, s.start, min(s.end, s.start + 80))
    return m if m and _date_mentions(scan.text, m.end(), min(s.end, m.end() + 120)) else None


# "from the date of delivery": an event, not the date of this Agreement
_DATE_OF_AN_EVENT = re.compile(r"(?:the\s+)?date\s+(?:of|on\s+which|that|when)\s+(?!this)", re.IGNORECASE)
_STRONG_SUBJECT = re.compile(r"(?:initial\s+)?terms?\b|initial\s+period", re.IGNORECASE)


def _read_term_sentence(scan: Scan, r: Rules, index: int, s: Sentence) -> TermClause | None:
    if s.end - s.start > 2500:
        return None
    lower = scan.lower[s.start:s.end]
    if not (_TERM_CONTENT.search(lower) or _NUMERIC_DATE.search(lower)) or not _TERM_WORDS.search(lower):
        return None
    text = scan.text
    body = text[s.start:s.end]
    stmt = _term_statement(scan, r, s) or _term_heading_statement(scan, r, s)
    if stmt is None:
        return None
    strong = bool(_STRONG_SUBJECT.search(stmt.group()))
    if r.not_term_context.search(body) and not strong:
        return None
    if r.breach_context.search(body) and not strong:
        return None
    after_subject = stmt.start()
    durations = [d for d in find_durations(text, after_subject, s.end)]
    dates = [d for d in _dates_in(scan, r, s) if d.start >= after_subject]
    anniversary = r.anniversary.search(text, after_subject, s.end)
    perpetual = r.perpetual.search(text, after_subject, s.end)
    if not durations and not dates and not anniversary and not perpetual:
        return None

    clause = TermClause(sentence=s, score=0.0)
    strength = 0.0

    end_dates = [d for d in dates if d.role == "end"]
    start_dates = [d for d in dates if d.role == "start"]
    if start_dates:
        clause.start_date = start_dates[0].date
    if end_dates:
        clause.end_date = end_dates[0].date
        strength = 0.85

    if anniversary:
        years = _anniversary_years(anniversary.group("nth"))
        if years:
            clause.anniversary_years = years
            clause.anniversary_day_before = bool(anniversary.group("prior"))
            anchor_text = anniversary.group("anchor")
            clause.anniversary_of = (_anchor_kind(r, anchor_text, clause) if anchor_text
                                     else _anchor_before(r, text[s.start:anniversary.start()], clause))
            clause.initial = Duration(years, "year")
            strength = max(strength, 0.85)

    if clause.initial is None:
        for d in durations:
            if not _is_initial(scan, r, s, d):
                continue
            anchor, anchor_text = _anchor_after(scan, r, s, d, clause)
            if anchor == "event" and r.end_verb_before.search(scan.window_before(d.start, s.start)):
                continue  # "shall terminate one year after the closing of a sale": a condition, not a term
            clause.initial = d.duration
            clause.anchor, clause.anchor_text = anchor, anchor_text
            strength = max(strength, 0.6 if anchor == "event" else 0.75)
            break

    if not strength and perpetual and not r.renewal_cue.search(body):
        clause.perpetual = True
        strength = 0.7

    if not strength:
        return None
    score = strength + (0.05 if strong else 0.0)
    if index in scan.term_section:
        score += 0.15
    score -= _position_penalty(scan, s)
    if clause.end_date and clause.initial:
        score += 0.05  # a stated date and a duration together: the clause is surely the term
    clause.score = score
    return clause


# Prefilters, searched case-sensitively in the lower-cased sentence (see pipeline.nlp.fold_case).
_TERM_WORDS = re.compile(r"\b(?:term|agreement|amendment|contract|lease|period|promotion|venture|appointment|"
                         r"perpetu|indefinite)")
# What a term clause must contain to say anything: a unit of time, a month name or numeric date,
# an anniversary, or a word of unlimited duration. Checked first: most sentences have none. The
# numeric date is a pattern of its own: an alternative starting with a digit class would stop the
# regex engine from skipping ahead by first letter.
_TERM_CONTENT = re.compile(
    r"year|month|week|days?\b|quarter|fortnight|anniversar|perpetu|indefinite|unlimited|terminat|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_NUMERIC_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")


def _dates_in(scan: Scan, r: Rules, s: Sentence) -> list[TermDate]:
    found = []
    # a date may run past the sentence end when a line break inside it was read as a new clause
    # ("shall terminate June 1,\n2000"): read on a little past the end
    for m in _date_mentions(scan.text, s.start, min(len(scan.text), s.end + 12)):
        if m.start >= s.end:
            break
        if m.ambiguous:
            _diagnose_ambiguous(scan, m.start, m.text)
        before = scan.window_before(m.start, s.start, 90)
        if r.end_before_date.search(before):
            role = "end"
        elif r.start_before_date.search(before):
            role = "start"
        else:
            role = "other"
        found.append(TermDate(m.date, m.start, m.end, role))
    return found


def _diagnose_ambiguous(scan: Scan, offset: int, span: str) -> None:
    code = errors.AMBIGUOUS_DATE
    if any(d.code == code.code and span in d.message for d in scan.ctx.record.diagnostics):
        return
    scan.ctx.record.diagnostics.append(Diagnostic(
        code=code.code, severity="warning", stage="extract:term", page=scan.ctx.document.page_at(offset),
        message=f"term date '{span}' read as month/day/year; {code.advice}"))


def _anniversary_years(nth: str) -> int | None:
    n = ordinal_to_number(nth)
    if n:
        return n
    found = find_durations(nth + "s" if not nth.endswith("s") else nth)
    return found[0].duration.amount if found and found[0].duration.unit == "year" else None


def _is_initial(scan: Scan, r: Rules, s: Sentence, d: DurationMatch) -> bool:
    before = scan.window_before(d.start, s.start)
    after = scan.window_after(d.end, s.end)
    if r.notice_after.match(after) or r.notice_before.search(before):
        return False
    if r.not_initial_before.search(before) or r.not_initial_after.match(after):
        return False
    if r.renewal_before.search(before) or r.renewal_after.match(after):
        return False
    if _follows_renewal_cue(scan, r, s, d):
        return False
    if d.duration.unit == "day" and d.duration.amount < 28:
        return False  # a term is not counted in a few days: that is a notice or cure period
    return bool(r.initial_before.search(before) or r.initial_after.match(after))


_CONTINUE_VERB = re.compile(r"\b(?:shall|will)\s+(?:\w+\s+)?(?:continue|remain|be\s+in\s+(?:full\s+)?(?:force|effect))",
                            re.IGNORECASE)


def _follows_renewal_cue(scan: Scan, r: Rules, s: Sentence, d: DurationMatch) -> bool:
    """A duration after "renew"/"extend" in the same sentence is a renewal period, unless the term
    is stated after it ("unless ... extended by mutual agreement, shall continue for 36 months")."""
    cues = list(r.renewal_cue.finditer(scan.text, s.start, d.start))
    return bool(cues) and not _CONTINUE_VERB.search(scan.text, cues[-1].end(), d.start)


def _anchor_kind(r: Rules, anchor_text: str, clause: TermClause) -> str:
    if r.anchor_effective.match(anchor_text):
        return "effective"
    if r.anchor_agreement.match(anchor_text):
        return "agreement"
    if clause.start_date and re.match(r"(?:the\s+)?(?:commencement|start)\s+date", anchor_text, re.I):
        return "stated"
    return "event"


def _anchor_after(scan: Scan, r: Rules, s: Sentence, d: DurationMatch,
                  clause: TermClause) -> tuple[str | None, str | None]:
    """What the initial term counts from, read after the duration ("from the Effective Date")."""
    after = scan.window_after(d.end, s.end, 120).lstrip()
    after = re.sub(r"^\(\s*\d+\s*\)\s*", "", after)  # "two years (2) from"
    m = r.anchor_link.match(after)
    if m:
        target = after[m.end():]
        if r.anchor_effective.match(target):
            return "effective", target[:40]
        if r.anchor_agreement.match(target):
            return "agreement", target[:40]
        if re.match(r"(?:the\s+)?(?:commencement|start)\s+date", target, re.I) and clause.start_date:
            return "stated", target[:40]
        if clause.start_date and dateparse.parse_date(re.sub(r"^(?:the\s+)", "", target, flags=re.I)[:40]):
            return "stated", target[:40]
        if re.match(r"(?:the\s+)?(?:date|day)\b", target, re.I) and not _DATE_OF_AN_EVENT.match(target):
            return "agreement", target[:40]  # "from the date first written above"
        if re.match(r"(?:a|the|its|such|each|any)\b|[A-Z]", target):
            if re.match(r"(?:the\s+)?(?:termination|expiration|expiry)", target, re.I):
                return None, None
            return "event", target[:60]
    return _anchor_before(r, scan.text[s.start:d.start], clause), None


def _anchor_before(r: Rules, before: str, clause: TermClause) -> str | None:
    """The start the clause names before its duration: "commence on the Effective Date and continue
    for five (5) years", "commencing on May 1, 2006 ... for one year"."""
    if clause.start_date:
        return "stated"
    if r.anchor_effective.search(before):
        return "effective"
    if r.anchor_agreement.search(before):
        return "agreement"
    return None


# --- renewal -----------------------------------------------------------------------------------


# a clause, not a heading ("4.2. Right to Renew.")
_HAS_VERB = re.compile(r"\b(?:shall|will|may|can|is|are|be|has|have|must)\b", re.IGNORECASE)
_RENEWS_CONTRACT = re.compile(
    r"\b(?:renewal|extension)\s+(?:terms?|periods?)\b|\b(?:right|option)\s+to\s+(?:renew|extend)\b"
    r"|\bit\s+(?:shall|will|may)\s+(?:\w+\s+)?(?:renew|be\s+renewed|extend|be\s+extended|continue)", re.IGNORECASE)


def _renews_contract(scan: Scan, r: Rules, s: Sentence) -> bool:
    """The renewal is of the contract: a renewal cue shortly after a term subject in subject position
    ("this Agreement shall automatically renew"), a renewal term, or a right to renew; not "as such
    date may be extended"."""
    if _RENEWS_CONTRACT.search(scan.text, s.start, s.end):
        return True
    cues = [m.start() for m in r.renewal_cue.finditer(scan.text, s.start, s.end)]
    for m in r.subject.finditer(scan.text, s.start, s.end):
        if r.not_subject_before.search(scan.window_before(m.start(), s.start, 60)):
            continue
        near = any(0 <= cue - m.end() <= 160 for cue in cues)
        if near and r.term_verbs.match(scan.window_after(m.end(), s.end, 200)):
            return True
    return False


def _find_renewal(scan: Scan, r: Rules, term: TermClause | None) -> RenewalClause | None:
    best: RenewalClause | None = None
    term_index = _sentence_index(scan, term.sentence.start) if term else None
    for i, s in enumerate(scan.sentences):
        if s.end - s.start > 2500:
            continue
        cue = scan.search(r.renewal_cue, r.renewal_cue_folded, s)
        if not cue:
            continue
        body = scan.text[s.start:s.end]
        if not _HAS_VERB.search(body) or r.not_renewal_context.search(body):
            continue
        if not _renews_contract(scan, r, s):
            continue
        if r.breach_context.search(body) and not re.search(r"\brenew", body, re.I):
            continue
        kind = _renewal_kind(r, body)
        if kind is None:
            continue
        duration, note = _renewal_duration(scan, r, s, cue.start(), term)
        score = 0.5 + (0.25 if duration else 0.0) + (0.1 if kind == "automatic" else 0.0)
        if kind == "by_agreement":
            score -= 0.3  # no right to renew: any real renewal clause elsewhere says more
        elif kind == "denied":
            duration, note, score = None, None, 0.8
        if i in scan.term_section:
            score += 0.1
        if term_index is not None and 0 <= i - term_index <= 3:
            score += 0.15
        score -= _position_penalty(scan, s)
        if best is None or score > best.score + 1e-9:
            best = RenewalClause([s], kind, duration, score, note)
    return best


def _renewal_kind(r: Rules, body: str) -> str | None:
    if r.renewal_denied.search(body):
        return "denied"
    if r.renewal_explicitly_automatic.search(body):
        return "automatic"
    if r.renewal_by_agreement.search(body):
        return "by_agreement"
    if r.renewal_by_option.search(body):
        return "by_option"
    if r.renewal_automatic.search(body):
        return "automatic"
    return None


_CAP_BEFORE = re.compile(r"\b(?:up\s+to|maximum\s+of|not\s+(?:to\s+)?exceed(?:ing)?)\s+$", re.IGNORECASE)


def _renewal_duration(scan: Scan, r: Rules, s: Sentence, cue_offset: int,
                      term: TermClause | None) -> tuple[Duration | None, str | None]:
    """How long each renewal lasts: a duration written as a renewal period ("for successive one (1)
    year periods", "three (3) year renewal terms"), else a period word ("year to year"), else the
    initial term's length when renewals equal it, else the first plain duration after the cue."""
    text = scan.text
    body = text[s.start:s.end]
    cue_at = s.start + cue_offset
    has_period_word = any(p.search(body) for p, _ in r.periodic_renewal)
    fallback = None
    for d in find_durations(text, s.start, s.end):
        before = scan.window_before(d.start, s.start)
        after = scan.window_after(d.end, s.end)
        if r.notice_after.match(after):
            continue
        if re.search(r"\b(?:initial|original|first)\s+(?:\w+\s+){0,2}$", before, re.I):
            continue
        if has_period_word and _CAP_BEFORE.search(before):
            continue  # "on a yearly basis up to ten (10) years": the cap, not the period
        if r.renewal_before.search(before) or r.renewal_after.match(after):
            return d.duration, None
        if fallback is None and d.start >= cue_at and not r.notice_before.search(before) \
                and not r.not_initial_after.match(after) and not re.search(r"\bwithin\b[^,;]{0,20}$", before, re.I) \
                and not _is_initial(scan, r, s, d):
            fallback = d.duration
    for pattern, duration in r.periodic_renewal:
        if pattern.search(body):
            return duration, None
    if term and term.initial and r.renewal_same_as_initial.search(body):
        return term.initial, "each renewal as long as the initial term"
    return fallback, None


# --- non-renewal notice ------------------------------------------------------------------------


def _find_non_renewal_notice(scan: Scan, r: Rules, renewal: RenewalClause | None) -> NoticeFinding | None:
    """The notice that stops a renewal: read in the renewal clause and the two sentences after it
    when renewal is automatic, then in any sentence that speaks of non-renewal of the contract.
    When renewal needs someone to act, a notice near it is the notice to exercise the option."""
    candidates: list[tuple[Sentence, float, bool]] = []  # sentence, confidence, explicit non-renewal needed
    if renewal and renewal.kind != "denied":
        i = scan.sentences.index(renewal.sentences[0])
        automatic = renewal.kind == "automatic"
        candidates.append((scan.sentences[i], 0.85 if automatic else 0.6, not automatic))
        for j in range(i + 1, min(i + 3, len(scan.sentences))):
            candidates.append((scan.sentences[j], 0.7 if automatic else 0.5, not automatic))
    for s in scan.sentences:
        if s.end - s.start >= 2500 or not scan.search(r.non_renewal_sentence, r.non_renewal_sentence_folded, s):
            continue
        body = scan.text[s.start:s.end]
        if not r.not_renewal_context.search(body) and r.subject.search(body):
            candidates.append((s, 0.7, True))
    for s, confidence, needs_explicit in candidates:
        finding = _notice_in(scan, r, s, confidence, needs_explicit)
        if finding:
            return finding
    return None


def _notice_in(scan: Scan, r: Rules, s: Sentence, confidence: float, needs_explicit: bool) -> NoticeFinding | None:
    body = scan.text[s.start:s.end]
    explicit = r.non_renewal_sentence.search(body)
    if needs_explicit and not explicit:
        return None
    if not (explicit or r.non_renewal_context.search(body)):
        return None
    if r.breach_context.search(body) and not explicit:
        return None
    for d in find_durations(scan.text, s.start, s.end):
        before = scan.window_before(d.start, s.start)
        after = scan.window_after(d.end, s.end)
        if r.notice_after.match(after) or r.notice_before.search(before):
            return NoticeFinding(s, d.duration, _notice_giver(scan, r, s, d.start), confidence)
    return None


def _find_option_notice(scan: Scan, r: Rules, renewal: RenewalClause | None) -> NoticeFinding | None:
    """Renewal by option: the notice that exercises it, read in the option clause and the two
    sentences after it. Of a window ("not more than twelve (12) months nor less than nine (9) months
    prior to the expiration"), the period just before "prior to" is the last day to act."""
    if renewal is None or renewal.kind != "by_option":
        return None
    first = scan.sentences.index(renewal.sentences[0])
    clause = scan.sentences[first:first + 3]
    for k, s in enumerate(clause):
        body = scan.text[s.start:s.end]
        if r.breach_context.search(body) or "notice" not in body.lower():
            continue
        for d in find_durations(scan.text, s.start, s.end):
            if r.option_notice_before_end.match(scan.window_after(d.end, s.end)):
                holder = _option_holder(scan, r, clause)
                last_day = _window_near_end(scan.window_before(d.start, s.start, 60), d.duration)
                return NoticeFinding(s, last_day, holder, 0.8 if k == 0 else 0.7)
    return None


_BETWEEN = re.compile(r"\bbetween\s+(?P<low>\S.{0,40}?)\s+(?:and|to)\s+$", re.IGNORECASE)
_PAREN_NUMBER = re.compile(r"\((\d{1,4})\)|^(\d{1,4})$")


def _window_near_end(before: str, duration: Duration) -> Duration:
    """'between two (2) and six (6) months prior to the end': notice can be given from six months
    before until two months before, so the last day to act is two months before the end."""
    m = _BETWEEN.search(before)
    if m is None:
        return duration
    low_text = m.group("low")
    found = find_durations(low_text)
    if found:
        low = found[0].duration
    else:
        number = _PAREN_NUMBER.search(low_text.strip())
        amount = int(number.group(1) or number.group(2)) if number else words_to_number(low_text)
        if not amount:
            return duration
        low = Duration(amount, duration.unit, duration.business)
    return low if low.days < duration.days else duration


def _option_holder(scan: Scan, r: Rules, clause: list[Sentence]) -> str | None:
    for s in clause:
        body = _squash(scan.text[s.start:s.end])
        for pattern in r.option_holder:
            m = pattern.search(body)
            if m and (party := _normalise_party(r, m.group("by"))) and party != "either party":
                return party
    return None


# A party: "either party" and its kin, or a capitalised name or defined term ("Customer", "the
# Distributor", "Bank of America"). Case matters for names, so these patterns are not IGNORECASE.
_GENERIC_PARTY = (r"(?i:either\s+of\s+the\s+parties|each\s+of\s+the\s+parties|either\s+party|each\s+party|any\s+party|"
                  r"one\s+party|a\s+party|both\s+parties|the\s+parties)")
_NAMED_PARTY = r"(?:[Tt]he\s+)?[A-Z][\w&.'’-]*(?:\s+(?:of\s+)?[A-Z][\w&.'’-]*){0,3}"
_PARTY_BEFORE_VERB = re.compile(
    r"(?:^|(?i:\bunless|\buntil|\bif|\bthat|\band|\bor)\s+|,\s*)"
    rf"(?P<by>{_GENERIC_PARTY}|{_NAMED_PARTY})\s+(?i:(?:shall\s+|may\s+|will\s+|must\s+)?"
    r"(?:gives?|provides?|notif(?:y|ies)|serves?|delivers?|sends?|elects?|requests?|has\s+given|terminates?)\b)",
)
# an option holder is named by its defined term: no dots, so "Exhibit D. Tenant" yields "Tenant"
_OPTION_PARTY = r"(?:[Tt]he )?[A-Z][\w&'’-]*(?: [A-Z][\w&'’-]*){0,3}"
_NOT_A_PARTY = re.compile(r"^(?:(?:the|this|such)\s+)?(?:[\w-]+\s+){0,2}?(?:agreement|term|notice|written|such|this|it|"
                          r"unless|until|if|amendment|contract|lease|section|article|schedule|exhibit)$", re.I)
# "Either Consultant or Company", "Each of the Recipient and the Provider": both parties
_BOTH_NAMED = re.compile(r"\b(?i:either|each\s+of|both)\s+(?:[Tt]he\s+)?[A-Z][\w-]*\s+(?:or|and)\s+"
                         r"(?:[Tt]he\s+)?[A-Z][\w-]*")


def _notice_giver(scan: Scan, r: Rules, s: Sentence, before_offset: int) -> str | None:
    window = scan.text[s.start:before_offset]
    found = None
    for m in _PARTY_BEFORE_VERB.finditer(window):
        found = m.group("by")
    if not found:
        return None
    return _normalise_party(r, found)


def _normalise_party(r: Rules, name: str) -> str | None:
    name = re.sub(r"\s+", " ", name).strip()
    if _BOTH_NAMED.match(name):
        return "either party"
    if r.either_party.fullmatch(name) or re.fullmatch(r"(?:either|each|any|one|a)\s+party", name, re.I):
        return "either party"
    if _NOT_A_PARTY.match(name):
        return None
    return re.sub(r"^the\s+", "", name, flags=re.I) if name[:4].lower() == "the " and name[4:5].isupper() else name


# --- termination for convenience ---------------------------------------------------------------


_TERMINATING_PARTY = re.compile(
    rf"(?P<by>{_GENERIC_PARTY}|{_NAMED_PARTY})\s*(?:,[^,]{{0,60}},\s*)?"
    r"(?i:shall\s+have\s+the\s+(?:unilateral\s+)?right\s+to|has\s+the\s+(?:unilateral\s+)?right\s+to|may|is\s+entitled\s+to|"
    r"shall\s+be\s+entitled\s+to|reserves\s+the\s+right\s+to|retains\s+the\s+right\s+(?:\w+\s+){0,12}?to|can)\b",
)
_TERMINATED_BY = re.compile(
    rf"(?i:terminated|cancell?ed|terminable)\s+(?:\w+\s+){{0,4}}?(?i:by)\s+(?P<by>{_GENERIC_PARTY}|{_NAMED_PARTY})")


_CLAUSE_BREAK = re.compile(r";|\s(?=\(?(?:[a-h]|i{1,3}|iv|v|vi{0,3})[.)]\s+[A-Z(])")


def _clauses(text: str, s: Sentence) -> list[Sentence]:
    """The sentence cut at semicolons and list markers ("; (b)", " d. Theismann"): termination
    rights are often listed, one with a condition, the next without."""
    pieces, start = [], s.start
    for m in _CLAUSE_BREAK.finditer(text, s.start, s.end):
        if m.start() > start:
            pieces.append(Sentence(start, m.start()))
        start = m.end()
    pieces.append(Sentence(start, s.end))
    return [p for p in pieces if text[p.start:p.end].strip()]


_TERMINATE_WORD = re.compile(r"terminat|cancel")  # in the lower-cased text


def _find_convenience(scan: Scan, r: Rules) -> list[ConvenienceRight]:
    """Rights to end the contract without a reason: a right to terminate this Agreement that says
    "for convenience" / "without cause", or that has no condition attached and is exercised by notice."""
    rights = []
    for sentence in scan.sentences:
        if sentence.end - sentence.start > 2000 or not _TERMINATE_WORD.search(scan.lower, sentence.start, sentence.end):
            continue
        for s in _clauses(scan.text, sentence):
            right = _convenience_in(scan, r, s)
            if right:
                rights.append(right)
    return rights


def _convenience_in(scan: Scan, r: Rules, s: Sentence) -> ConvenienceRight | None:
    body = scan.text[s.start:s.end]
    right = _termination_right(r, body)
    if right is None or r.convenience_denied.search(body):
        return None
    strong = bool(r.convenience.search(body))
    weak = bool(r.convenience_weak.search(body))
    conditional = bool(r.breach_context.search(body) or r.not_convenience.search(body))
    if not strong and conditional:
        return None
    if r.non_renewal_sentence.search(body) and not strong:
        return None  # "may terminate effective at the end of the then-current term": non-renewal
    notice = _convenience_notice(scan, r, s)
    if notice is None and not (strong or weak) and not re.search(r"\bnotice|\bnotif", body, re.I):
        return None
    return ConvenienceRight(s, notice, _terminating_party(r, body, right.start()), strong)


def _termination_right(r: Rules, body: str) -> re.Match[str] | None:
    """A right to terminate the contract itself: the object named within a few words of the verb,
    after it ("may terminate this Agreement") or, in the passive, before it ("This Agreement may be
    terminated")."""
    for right in r.terminate_right.finditer(body):
        if r.terminate_object_after.match(body[right.end():right.end() + 80]) or \
                r.terminate_object_before.search(body[max(0, right.start() - 80):right.start()]):
            return right
    return None


def _convenience_notice(scan: Scan, r: Rules, s: Sentence) -> Duration | None:
    for d in find_durations(scan.text, s.start, s.end):
        before = scan.window_before(d.start, s.start)
        after = scan.window_after(d.end, s.end)
        if r.notice_after.match(after) or r.notice_before.search(before):
            return d.duration
    return None


def _terminating_party(r: Rules, body: str, right_at: int) -> str | None:
    by = None
    for m in _TERMINATING_PARTY.finditer(body[:right_at + 60]):
        if m.start() <= right_at + 5 and not _NOT_A_PARTY.match(m.group("by")):
            by = m.group("by")
    both = _BOTH_NAMED.search(body[:right_at + 5])
    if both:
        by = both.group()
    if by is None:
        m = _TERMINATED_BY.search(body)
        by = m.group("by") if m else None
    return _normalise_party(r, by) if by else None


# --- filling the record ------------------------------------------------------------------------


def _span(s: Sentence) -> tuple[int, int]:
    return (s.start, s.end)


def _fill_term(scan: Scan, term: TermClause | None) -> None:
    record = scan.ctx.record
    if term is None:
        return
    confidence = min(0.95, term.score)
    if term.perpetual:
        record.term.perpetual = True
        return
    record.term.perpetual = False
    if term.initial:
        record.term.initial = scan.ctx.field(term.initial.iso, confidence, term.evidence_spans,
                                             note=None if not term.initial.business else str(term.initial))
    elif term.end_date:
        _fill_initial_from_dates(scan, term, confidence)


def _fill_initial_from_dates(scan: Scan, term: TermClause, confidence: float) -> None:
    """A term stated by its dates ("commence on the Effective Date and expire on April 2, 2027")
    has the length between them, when that is a whole number of months."""
    start = (term.start_date, "start date") if term.start_date else _effective_or_agreement(scan, "effective")
    if start is None or term.end_date is None or start[0] >= term.end_date:
        return
    day, label = start
    months = (term.end_date.year - day.year) * 12 + term.end_date.month - day.month
    title = scan.ctx.record.document.title
    if title is not None and re.search(r"\bamend", str(title.value), re.I):
        return  # in an amendment "the Effective Date" is often the amended contract's, not this one's
    for n in (months, months + 1, months - 1):
        if n % 12 and n > 24:
            continue  # a 41-month term is a sign the start date is not the term's start
        if n > 0 and add(day, Duration(n, "month")) - dt.timedelta(days=1) == term.end_date:
            duration = Duration(n // 12, "year") if n % 12 == 0 else Duration(n, "month")
            scan.ctx.record.term.initial = scan.ctx.field(
                duration.iso, max(0.2, confidence - 0.1), term.evidence_spans, derived=True,
                basis=f"{label} {day.isoformat()} .. {term.end_date.isoformat()}")
            return


def _effective_or_agreement(scan: Scan, prefer: str) -> tuple[dt.date, str] | None:
    dates = scan.ctx.record.dates
    order = ["effective", "agreement"] if prefer != "agreement" else ["agreement", "effective"]
    for name in order:
        f = getattr(dates, name)
        if f is not None and isinstance(f.value, str):
            try:
                return dt.date.fromisoformat(f.value[:10]), f"{name} date"
            except ValueError:
                continue
    return None


def _fill_expiration(scan: Scan, term: TermClause | None) -> None:
    if term is None or term.perpetual:
        return
    record = scan.ctx.record
    confidence = min(0.95, term.score)
    span = term.evidence_spans
    if term.end_date:
        record.dates.expiration = scan.ctx.field(term.end_date.isoformat(), confidence, span)
        return
    if term.anniversary_years:
        base = _anchor_date(scan, term, term.anniversary_of)
        if base is None:
            return
        day, label, penalty = base
        end = add(day, Duration(term.anniversary_years, "year"))
        basis = f"{label} {day.isoformat()} + P{term.anniversary_years}Y (anniversary)"
        if term.anniversary_day_before:
            end -= dt.timedelta(days=1)
            basis += " - 1 day"
        record.dates.expiration = scan.ctx.field(end.isoformat(), max(0.2, confidence - penalty), span,
                                                 derived=True, basis=basis)
        return
    if term.initial:
        base = _anchor_date(scan, term, term.anchor)
        if base is None:
            return
        day, label, penalty = base
        end = add(day, term.initial) - dt.timedelta(days=1)
        basis = f"{label} {day.isoformat()} + {term.initial.iso} - 1 day"
        record.dates.expiration = scan.ctx.field(end.isoformat(), max(0.2, confidence - penalty), span,
                                                 derived=True, basis=basis)


def _anchor_date(scan: Scan, term: TermClause, anchor: str | None) -> tuple[dt.date, str, float] | None:
    """The date the term counts from, what it is, and how much it lowers confidence."""
    if term.start_date and anchor in ("stated", None, "event"):
        return term.start_date, "start date", 0.0
    if anchor == "agreement":
        found = _effective_or_agreement(scan, "agreement")
        return (found[0], found[1], 0.05) if found else None
    found = _effective_or_agreement(scan, "effective")
    if found is None:
        return None
    day, label = found
    if anchor == "event":
        what = (term.anchor_text or "an event").strip()
        return day, f"{label} (assumed; the term runs from {what[:40].rstrip(',. ')})", 0.35
    return day, label, 0.05 if anchor == "effective" else 0.15


def _fill_renewal(scan: Scan, term: TermClause | None, renewal: RenewalClause | None) -> None:
    record = scan.ctx.record
    if renewal is None:
        if term is not None and term.perpetual:
            record.term.auto_renewal = scan.ctx.field("none", 0.7, term.evidence_spans,
                                                      note="runs until terminated: there is no term to renew")
        elif term is not None and (term.initial or term.end_date):
            record.term.auto_renewal = scan.ctx.field("none", 0.5, term.evidence_spans,
                                                      note="no renewal clause found")
        return
    spans = [_span(s) for s in renewal.sentences]
    confidence = min(0.95, renewal.score)
    if renewal.kind == "denied":
        record.term.auto_renewal = scan.ctx.field("none", 0.85, spans, note="the contract says it does not renew")
        return
    if renewal.kind == "by_agreement":
        what = f" for {renewal.duration}" if renewal.duration else ""
        record.term.auto_renewal = scan.ctx.field("none", confidence - 0.2, spans,
                                                  note=f"renewal{what} only if both parties agree")
        return
    record.term.auto_renewal = scan.ctx.field(renewal.kind, confidence, spans)
    if renewal.duration:
        record.term.renewal = scan.ctx.field(renewal.duration.iso, confidence, spans, note=renewal.note)


def _fill_notice(scan: Scan, notice: NoticeFinding | None, field_name: str) -> None:
    """A notice period into `term.<field_name>`, and who gives it into `term.<field_name>_by`."""
    if notice is None:
        return
    term = scan.ctx.record.term
    note = str(notice.duration) if notice.duration.business else None
    spans = [_span(notice.sentence)]
    setattr(term, field_name, scan.ctx.field(notice.duration.iso, notice.confidence, spans, note=note))
    if notice.by:
        setattr(term, f"{field_name}_by", scan.ctx.field(notice.by, notice.confidence - 0.1, spans))


def _fill_convenience(scan: Scan, rights: list[ConvenienceRight]) -> None:
    if not rights:
        return
    record = scan.ctx.record
    chosen = next((x for x in rights if x.by == "either party"), rights[0])
    confidence = 0.85 if chosen.explicit else 0.65
    note = None
    if chosen.notice is None:
        note = "terminable on notice; no notice period stated"
    others = [x for x in rights if x is not chosen and x.by and x.by != chosen.by]
    if others:
        extra = "; ".join(f"{x.by}: {x.notice.iso if x.notice else 'on notice'}" for x in others[:3])
        note = (note + "; " if note else "") + f"also {extra}"
    value = chosen.notice.iso if chosen.notice else "P0D"
    spans = [_span(chosen.sentence)] + [_span(x.sentence) for x in others[:3]]
    record.term.termination_for_convenience = scan.ctx.field(value, confidence, spans, note=note)
    if chosen.by:
        record.term.termination_for_convenience_by = scan.ctx.field(chosen.by, confidence - 0.1, spans[:1])


__all__ = ["extract", "rules"]

