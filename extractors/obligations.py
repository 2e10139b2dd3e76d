"""Obligations, prohibitions and rights: who must, must not or may do what, and by when.

Fills `record.obligations`. A clause binds a party when a modal cue ("shall", "must", "will",
"agrees to", "shall not", "may not", "may terminate", "is entitled to"; `rules/obligations.yaml`)
has a party right before it: a party's name or defined term (from `record.parties`, filled by the
parties extractor), a role noun ("the Receiving Party", "Licensee"), "each Party"/"either party",
a pronoun standing for the party named earlier in the sentence, or nothing at all after "and"
("Provider shall assign ... and shall not remove ..."). Everything else binds no one: "This
Agreement shall be governed by ...", "Each Statement of Work shall describe ...". Definitions,
recitals, interpretation clauses and headings are skipped before any cue is looked for.

For each obligation the clause it sits in (from the previous obligation in the sentence to the
next) gives its timing: the duration allowed and what it counts from ("within thirty (30) days
after receipt of a proper invoice"), a due date (written out, or the effective date plus the
duration, so the deadlines calendar can use it), and a recurrence ("each calendar month").
Enumerated duties ("Customer shall (a) ..., (b) ...") and list items under a lead-in ("the
Supplier shall:") become one obligation each; a table of dated deliverables under a lead-in
("shall deliver the following Deliverables on or before the milestone dates set forth below")
becomes one dated obligation per row. Payment stated in the passive ("All amounts are payable net
sixty (60) days") binds the party that pays elsewhere in the contract.

The helpers `time_spans`, `party_lexicon` and `Lexicon` are shared with kpis.py and payment.py.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import islice
from typing import Iterator

from extractors import dateparse
from extractors.base import Context
from extractors.durations import Duration, add, find_durations, words_to_number
from pipeline.nlp import Sentence, compile_folded, fold_case
from pipeline.record import Field, Obligation, Party, Timing
from rules import RulePackError, compile_patterns, load_pack, pattern, require
from rules.prefilter import Cue, Folded, fold_safe, trie_pattern

PACK = "obligations"
MAX_ACTION_WORDS = 14
SUBJECT_WINDOW = 160  # how far before a modal verb its subject may start
SCHEDULE_WINDOW = 3000  # how far after a lead-in a table of dated rows may run
MAX_RECITALS = 12_000  # a recitals section longer than this is not one

# --- rule patterns run on every sentence (the shortcuts: rules/prefilter.py) -------------------


@dataclass(frozen=True)
class Cues:
    """The rule patterns run on every sentence or every obligation, as `Cue`s."""

    modal: Cue
    payment_passive: Cue
    definition: Cue
    interpretation: tuple[Cue, ...]  # one a pattern of the pack: each looks for its own needles
    disclaimer_before: Cue
    schedule_lead_in: Cue
    condition: Cue
    exception: Cue
    action_soft_end: Cue
    recurrence: tuple[tuple[Cue, str], ...]
    category_by_verb: tuple[tuple[str, Cue], ...]
    categories: tuple[tuple[str, Cue, bool], ...]


# --- rule pack ---------------------------------------------------------------------------------


def _words(phrases: list[str]) -> str:
    """Plain phrases as one alternation, longest first, any whitespace between words."""
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in sorted(phrases, key=len, reverse=True))


@dataclass(frozen=True)
class Rules:
    roles: tuple[str, ...]
    confidentiality_roles: frozenset[str]
    not_party_name_words: frozenset[str]
    quantifiers: dict[str, str]
    quantifier_alt: str
    pronoun: str
    adverbs: str
    helpers: str
    modal: re.Pattern[str]
    modal_kind: dict[str, str]  # named group -> modality
    explicit_right: re.Pattern[str]
    right_verb: re.Pattern[str]
    non_binding: re.Pattern[str]
    non_binding_after_not: re.Pattern[str]
    disclaimer_before: re.Pattern[str]
    definition: re.Pattern[str]
    definition_label: re.Pattern[str]
    recital_start: re.Pattern[str]
    recital_end: re.Pattern[str]
    interpretation: tuple[re.Pattern[str], ...]  # one a pattern of the pack: each is tried on its own
    heading: re.Pattern[str]
    not_subject_before: re.Pattern[str]
    action_end: re.Pattern[str]
    action_soft_end: re.Pattern[str]
    action_aside: re.Pattern[str]
    time_lead: re.Pattern[str]
    action_lead: re.Pattern[str]
    condition: re.Pattern[str]
    exception: re.Pattern[str]
    duration_link: re.Pattern[str]
    deadline_before: re.Pattern[str]
    notice_after: re.Pattern[str]
    trigger_end: re.Pattern[str]
    anchor_effective: re.Pattern[str]
    anchor_agreement: re.Pattern[str]
    anchor_expiration: re.Pattern[str]
    due_date_before: re.Pattern[str]
    recurrence: tuple[tuple[re.Pattern[str], str], ...]
    recurrence_every: re.Pattern[str]
    category_by_verb: tuple[tuple[str, re.Pattern[str]], ...]
    categories: tuple[tuple[str, re.Pattern[str], bool], ...]  # name, cue, may match the whole clause
    schedule_lead_in: re.Pattern[str]
    payment_passive: re.Pattern[str]
    not_payment_passive: re.Pattern[str]
    fee_for_service: re.Pattern[str]
    coordination: re.Pattern[str]
    pronoun_subject: re.Pattern[str]
    cues: Cues = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cues", Cues(
            modal=Cue.of(self.modal),
            payment_passive=Cue.of(self.payment_passive),
            definition=Cue.of(self.definition),
            interpretation=tuple(Cue.of(p) for p in self.interpretation),
            disclaimer_before=Cue.of(self.disclaimer_before),
            schedule_lead_in=Cue.of(self.schedule_lead_in),
            condition=Cue.of(self.condition),
            exception=Cue.of(self.exception),
            action_soft_end=Cue.of(self.action_soft_end),
            recurrence=tuple((Cue.of(p), value) for p, value in self.recurrence),
            category_by_verb=tuple((name, Cue.of(p)) for name, p in self.category_by_verb),
            categories=tuple((name, Cue.of(p), in_clause) for name, p, in_clause in self.categories),
        ))


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, "party_roles", "party_roles_always", "not_party_name_words", "party_quantifiers", "pronoun_subjects", "subject_adverbs",
            "party_with_helpers", "modal_cues", "explicit_right_cues", "right_verbs", "non_binding_predicates", "non_binding_after_not", "disclaimer_before",
            "definition_sentence", "definition_label", "recital_start", "recital_end", "interpretation_sentence", "heading_sentence",
            "not_subject_before", "action_end", "action_soft_end", "action_aside", "time_lead", "action_lead", "condition_cues", "exception_cues", "duration_link",
            "duration_deadline_before", "duration_notice_after", "trigger_end", "anchor_effective",
            "anchor_agreement", "anchor_expiration", "due_date_before", "recurrence", "recurrence_every",
            "category_by_verb", "categories", "schedule_lead_in", "payment_passive", "not_payment_passive", "fee_for_service")
    cues = pack["modal_cues"]
    # Order matters at one position: "shall not" before "shall have the right to" before "shall",
    # and "may" (a right only with a tracked verb) last.
    groups = [
        ("p", "prohibition", cues["prohibition"]),
        ("r", "right", [c for c in cues["right"] if c != "may"]),
        ("o", "obligation", cues["obligation"]),
        ("m", "right", [c for c in cues["right"] if c == "may"]),
    ]
    parts, kinds = [], {}
    for i, (prefix, modality, patterns) in enumerate(groups):
        name = f"{prefix}{i}"
        kinds[name] = modality
        alt = "|".join(pattern(p) for p in sorted(patterns, key=len, reverse=True))
        parts.append(f"(?P<{name}>{alt})")
    try:
        # "May 31" is a date, not a right
        modal = re.compile(rf"\b(?:{'|'.join(parts)})\b(?!\s+\d)", re.IGNORECASE)
    except re.error as exc:
        raise RulePackError(f"rule pack rules/{PACK}.yaml: pattern in 'modal_cues' does not compile: {exc}") from exc
    quantifiers: dict[str, str] = pack["party_quantifiers"]
    adverbs = pattern(pack["subject_adverbs"])
    return Rules(
        roles=tuple(pack["party_roles"]),
        confidentiality_roles=frozenset(pack["party_roles_always"]),
        not_party_name_words=frozenset(str(w).lower() for w in pack["not_party_name_words"]),
        quantifiers={k.lower(): v for k, v in quantifiers.items()},
        quantifier_alt=_words(list(quantifiers)),
        pronoun=pattern(pack["pronoun_subjects"]),
        adverbs=adverbs,
        helpers=pattern(pack["party_with_helpers"]),
        modal=modal,
        modal_kind=kinds,
        explicit_right=compile_patterns(pack["explicit_right_cues"], PACK, "explicit_right_cues"),
        right_verb=compile_patterns(pack["right_verbs"], PACK, "right_verbs"),
        non_binding=compile_patterns(["^(?:" + p + ")" for p in pack["non_binding_predicates"]], PACK, "non_binding_predicates"),
        non_binding_after_not=compile_patterns(["^(?:" + p + ")" for p in pack["non_binding_after_not"]], PACK, "non_binding_after_not"),
        disclaimer_before=compile_patterns(pack["disclaimer_before"], PACK, "disclaimer_before"),
        definition=compile_patterns(pack["definition_sentence"], PACK, "definition_sentence"),
        definition_label=compile_patterns(pack["definition_label"], PACK, "definition_label"),
        recital_start=compile_patterns(pack["recital_start"], PACK, "recital_start"),
        recital_end=compile_patterns(pack["recital_end"], PACK, "recital_end"),
        interpretation=tuple(compile_patterns(p, PACK, "interpretation_sentence") for p in pack["interpretation_sentence"]),
        heading=compile_patterns(pack["heading_sentence"], PACK, "heading_sentence", 0),
        not_subject_before=compile_patterns(pack["not_subject_before"], PACK, "not_subject_before"),
        action_end=compile_patterns(pack["action_end"], PACK, "action_end"),
        action_soft_end=compile_patterns(pack["action_soft_end"], PACK, "action_soft_end"),
        action_aside=compile_patterns(pack["action_aside"], PACK, "action_aside"),
        time_lead=compile_patterns(pack["time_lead"], PACK, "time_lead"),
        action_lead=compile_patterns(["^(?:" + "|".join(pack["action_lead"]) + ")+"], PACK, "action_lead"),
        condition=compile_patterns(pack["condition_cues"], PACK, "condition_cues"),
        exception=compile_patterns(pack["exception_cues"], PACK, "exception_cues"),
        duration_link=compile_patterns(pack["duration_link"], PACK, "duration_link"),
        deadline_before=compile_patterns(pack["duration_deadline_before"], PACK, "duration_deadline_before"),
        notice_after=compile_patterns(pack["duration_notice_after"], PACK, "duration_notice_after"),
        trigger_end=compile_patterns(pack["trigger_end"], PACK, "trigger_end"),
        anchor_effective=compile_patterns(pack["anchor_effective"], PACK, "anchor_effective"),
        anchor_agreement=compile_patterns(pack["anchor_agreement"], PACK, "anchor_agreement"),
        anchor_expiration=compile_patterns(pack["anchor_expiration"], PACK, "anchor_expiration"),
        due_date_before=compile_patterns(pack["due_date_before"], PACK, "due_date_before"),
        recurrence=tuple((compile_patterns(p, PACK, f"recurrence {v}"), v) for p, v in pack["recurrence"].items()),
        recurrence_every=compile_patterns(pack["recurrence_every"], PACK, "recurrence_every"),
        category_by_verb=tuple((name, compile_patterns(p, PACK, f"category_by_verb.{name}")) for name, p in pack["category_by_verb"].items()),
        categories=tuple((name, compile_patterns(c["cue"], PACK, f"categories.{name}"), bool(c.get("clause")))
                         for name, c in pack["categories"].items()),
        schedule_lead_in=compile_patterns(pack["schedule_lead_in"], PACK, "schedule_lead_in"),
        payment_passive=compile_patterns(pack["payment_passive"], PACK, "payment_passive"),
        not_payment_passive=compile_patterns(pack["not_payment_passive"], PACK, "not_payment_passive"),
        fee_for_service=compile_patterns(pack["fee_for_service"], PACK, "fee_for_service"),
        coordination=re.compile(
            rf"(?:^|[,;]|\b(?:and|or|but|nor|and/or)\b)[\s,]*(?:(?:{adverbs})[\s,]*)*$", re.IGNORECASE),
        pronoun_subject=re.compile(rf"\b({pattern(pack['pronoun_subjects'])})[\s,]*(?:(?:{adverbs})[\s,]*)*$",
                                   re.IGNORECASE),
    )


# --- who can be bound --------------------------------------------------------------------------

_ENTITY_SUFFIX = re.compile(
    r"\b(?:(?i:inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|company|llp|l\.p|gmbh|plc|b\.v|n\.v|"
    r"pty|pte|partnership|individual|trust|university|bank|association|s\.r\.l|s\.p\.a)|Co|LP|AG|S\.A|SA|KK|AB|AS|Oy)\b\.?",
)
_DEFINED_TERM = re.compile(r"\((?:[^()\"“”]{0,120}?)[\"“]\s*([^\"”]{1,40})[\"”]\s*\)")
_NOT_PARTY_TERM = re.compile(
    r"\b(?:agreement|date|term|amendment|lease|contract|schedule|exhibit|services?|products?|territory|"
    r"software|premises|plan|fee|price|information|property|act|rules|sow|order|documents?)\b",
    re.IGNORECASE,
)
_FUNCTION_WORDS = frozenset(
    "if when where while unless upon and or but then thereafter accordingly further also however otherwise "
    "additionally finally similarly except provided nevertheless thus notwithstanding after before once "
    "the each either neither both such said any no in on at for of to by with from that this".split()
)
_GENERIC = frozenset({"party", "parties"})
_WORD_START = re.compile(r"\b\w")
_TOKEN = re.compile(r"[A-Za-z0-9][\w&'’.-]*")


def _norm_word(word: str) -> str:
    """A word as party terms are compared: lower case, without a possessive or a final dot."""
    word = word.lower().rstrip(".,")
    if word.endswith(("'s", "’s")):
        return word[:-2]
    return word.rstrip("'’")


@dataclass
class Lexicon:
    """The ways this contract names its parties, and what each obligor is recorded as."""

    subject: re.Pattern[str]  # a party reference at the end of a string
    mention_pattern: str  # any party reference; compiled on first use (`mention`), which few contracts need
    canonical: dict[str, str]  # lower-cased term -> recorded obligor ("provider" -> "Provider")
    principals: list[str]  # the contracting parties' recorded names, in order
    terms: tuple[str, ...] = ()  # every term, lower-cased
    _indexed: str | None = None
    _spans: list[tuple[int, int]] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    @cached_property
    def mention(self) -> re.Pattern[str]:
        return re.compile(self.mention_pattern, re.IGNORECASE)

    def name_of(self, term: str) -> str:
        term = " ".join(term.split())
        key = _fold(term)
        if key in self.canonical:
            return self.canonical[key]
        return term[:1].upper() + term[1:] if term.isupper() is False else term.title()

    def mentions_in(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Party mentions lying wholly in text[start:end], found once per text."""
        if self._indexed is not text:
            self._spans = self._index(text)
            self._starts = [a for a, _ in self._spans]
            self._indexed = text
        i = bisect.bisect_left(self._starts, start)
        out = []
        while i < len(self._spans) and self._spans[i][0] < end:
            if self._spans[i][1] <= end:
                out.append(self._spans[i])
            i += 1
        return out

    def _index(self, text: str) -> list[tuple[int, int]]:
        """Every mention of a party term, by words: a word matches a term's word when they are equal
        as `_norm_word` compares them, and a mention starts at a word with which a term starts.
        Those words are found by one case-sensitive scan of the lower-cased text for the terms'
        first words; only the words found there are split off and compared."""
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for term in self.terms:
            words = tuple(_norm_word(w) for w in term.split())
            by_first.setdefault(words[0], []).append(words)
        for seqs in by_first.values():
            seqs.sort(key=len, reverse=True)
        if not fold_safe(text):
            return _index_every_word(text, by_first)
        first_words = tuple(sorted(w for w in by_first if _TOKEN_SHAPED.fullmatch(w)))
        if not first_words:
            return []
        spans = []
        resume = 0  # the words before this offset belong to the last mention
        for candidate in _first_word_finder(first_words).finditer(fold_case(text)):
            start = candidate.start()
            if start < resume or not _token_starts_at(text, start):
                continue
            first = _TOKEN.match(text, start)
            seqs = by_first.get(_norm_word(first.group()))
            if not seqs:
                continue
            tokens = [(m.start(), m.end(), m.group()) for m in islice(_TOKEN.finditer(text, start), len(seqs[0]))]
            words = [_norm_word(t[2]) for t in tokens]
            found = _term_at(text, tokens, words, 0, by_first)
            if found is not None:
                end, n = found
                spans.append((start, end))
                resume = tokens[n - 1][1]
        return spans

    def other(self, obligor: str | None) -> str | None:
        if obligor is None or len(self.principals) != 2:
            return None
        key = _fold(obligor)
        folded = [_fold(p) for p in self.principals]
        if key in folded:
            return self.principals[1 - folded.index(key)]
        return None


@lru_cache(maxsize=4096)
def _fold(term: str) -> str:
    return " ".join(term.replace("’", "'").split()).lower()


_TOKEN_CHAR = re.compile(r"[\w&'’.-]")  # a character a _TOKEN goes on with
_TOKEN_SHAPED = re.compile(r"[a-z0-9][\w&'’.-]*")  # a lower-cased word a _TOKEN can normalise to
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)


@lru_cache(maxsize=16)
def _first_word_finder(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of `words`, as a trie ("part(?:y|ies)"): the regex engine then tests a position letter
    by letter instead of word by word, twice as fast over a contract as a plain alternation."""
    return re.compile(trie_pattern(sorted(words)))


def _token_starts_at(text: str, start: int) -> bool:
    """Does a _TOKEN start at text[start] (an ASCII letter or digit)? Not inside a word, nor after
    a letter or digit joined to it by token characters ("x-Party", "Co.Party")."""
    i = start - 1
    while i >= 0 and _TOKEN_CHAR.match(text, i):
        if text[i] in _ASCII_ALNUM:
            return False
        i -= 1
    return True


def _term_at(text: str, tokens: list[tuple[int, int, str]], words: list[str], i: int,
             by_first: dict[str, list[tuple[str, ...]]]) -> tuple[int, int] | None:
    """The longest party term whose words are words[i:]: where its mention ends in the text
    (without a possessive or a final dot) and how many words it takes; None if no term starts there."""
    for seq in by_first.get(words[i], ()):
        n = len(seq)
        if i + n <= len(tokens) and tuple(words[i:i + n]) == seq:
            end = tokens[i + n - 1][1]
            last = tokens[i + n - 1][2]
            end -= len(last) - len(last.rstrip(".'’")) + (2 if re.search(r"['’]s\.?$", last) else 0)
            if text[end:end + 1] == "-":  # "Customer-owned"
                continue
            return end, n
    return None


def _index_every_word(text: str, by_first: dict[str, list[tuple[str, ...]]]) -> list[tuple[int, int]]:
    """`Lexicon._index` word by word, for a text that cannot be searched lower-cased."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    words = [_norm_word(t[2]) for t in tokens]
    spans = []
    i = 0
    while i < len(tokens):
        found = _term_at(text, tokens, words, i, by_first)
        if found is None:
            i += 1
            continue
        spans.append((tokens[i][0], found[0]))
        i += found[1]
    return spans


_ENTITY_SUFFIX_END = re.compile(r"[,\s]+(?:" + _ENTITY_SUFFIX.pattern + r")\s*$")


def _short_name(name: str) -> str:
    """'Halvorsen Data Services, Inc.' -> 'Halvorsen Data Services'."""
    return _ENTITY_SUFFIX_END.sub("", name).strip(" ,")


_ACRONYM_SUBJECT = re.compile(r"\b([A-Z][A-Z0-9&]{1,5})\s+(?:shall|will|must|may|agrees)\b")


def _name_words(name: str) -> list[str]:
    """Words that name a party on their own: the first word of its name ("Chase"), and acronyms
    in it ("DCL and SEV" -> DCL, SEV)."""
    stop = rules().not_party_name_words
    words = re.findall(r"[A-Za-z][\w&-]*", name)
    out = []
    if words and len(words[0]) >= 3 and words[0][0].isupper() and words[0].lower() not in stop and len(words) > 1:
        out.append(words[0])
    out += [w for w in words[1:] if w.isupper() and 2 <= len(w) <= 6 and w.lower() not in stop]
    return [w if not w.isupper() or len(w) <= 4 else w.title() for w in out]  # "MEMBER" -> "Member", "FCC" stays


_PARTY_DEFINED = re.compile(
    r"\b(?:party|parties)\s*\((?:the\s+|each,?\s+(?:a|the)\s+|as\s+(?:the\s+)?)?[\"“]([A-Z][^\"”]{1,30})[\"”]\)"
    r"|\bas\s+(?:the\s+|a\s+)?[\"“]((?:Disclosing|Receiving|Indemnifying|Indemnified)[^\"”]{0,20}|Recipient|Discloser)[\"”]",
    re.IGNORECASE)


def _body_party_terms(text: str) -> list[str]:
    """Roles a party takes in a clause, defined where it is: 'disclosed by a Party (the "Discloser")
    to the other Party (the "Recipient")', 'Each party (the "Receiving Party")'."""
    return [m[1] or m[2] for m in _PARTY_DEFINED.finditer(text)]


def _preamble_terms(text: str) -> list[tuple[str, bool]]:
    """Defined terms the opening of the contract gives to entities: '... Inc., a Delaware corporation
    ("FCC")', and whether the term names a group of them ('collectively referred to as ...')."""
    head = text[:6000]
    found = []
    for m in _DEFINED_TERM.finditer(head):
        term = m[1].strip()
        if not term or _NOT_PARTY_TERM.search(term) or len(term.split()) > 4:
            continue
        collective = bool(re.search(r"\b(?:collectively|together|jointly)\b", m.group(0), re.IGNORECASE))
        if collective or _ENTITY_SUFFIX.search(head, max(0, m.start() - 200), m.start()):
            found.append((term, collective))
    return found


def party_lexicon(ctx: Context) -> Lexicon:
    """The ways the document names the record's parties. Made once per document (obligations and
    kpis both read it, and its index of mentions is costly)."""
    parties = ctx.record.parties
    key = ("party_lexicon", tuple((p.name, tuple(p.aliases)) for p in parties))
    return ctx.made_once(key, lambda: _make_lexicon(parties, ctx.document.text))


def _make_lexicon(parties: list[Party], text: str) -> Lexicon:
    r = rules()
    canonical: dict[str, str] = {}
    principals: list[str] = []
    for party in parties:
        recorded = party.aliases[0] if party.aliases else party.name
        principals.append(recorded)
        for alias in party.aliases:
            canonical.setdefault(_fold(alias), alias)
        for name in (party.name, _short_name(party.name)):
            if len(name) >= 2:
                canonical.setdefault(_fold(name), recorded)
        for word in _name_words(party.name):
            canonical.setdefault(_fold(word), recorded if party.aliases else word)
    for word, count in Counter(_ACRONYM_SUBJECT.findall(text)).items():
        if count >= 2 and word.lower() not in r.not_party_name_words:
            canonical.setdefault(_fold(word), word)
    for term, collective in _preamble_terms(text):
        # what the parties extractor did not give: all the preamble's parties when it found too
        # little, and group names ("individually and collectively referred to as "CONTENT PROVIDER"")
        if len(parties) < 2 or collective:
            canonical.setdefault(_fold(term), term)
            if len(parties) < 2 and term not in principals:
                principals.append(term)
    aliased = sum(1 for p in parties if p.aliases)
    # With two parties named by their defined terms, a role noun that is not one of them names
    # someone else ("such Customer" of a distributor); only "... party" roles stay generic.
    roles = [role for role in r.roles if aliased < 2 or role.split()[-1] in _GENERIC or role in r.confidentiality_roles]
    for term in _body_party_terms(text):
        canonical.setdefault(_fold(term), term)
    terms = sorted({*canonical, *roles}, key=len, reverse=True)
    alternation = "|".join(r"\s+".join(re.escape(w) for w in t.split()) for t in terms)
    term = rf"(?:{alternation})(?:['’]s)?(?![\w-])"
    subject = (
        rf"(?:(?P<first>{term})\s+(?:and|or|and/or)\s+(?:the\s+)?)?"
        rf"(?P<quant>\b(?:{r.quantifier_alt})\s+)?(?P<term>(?<![\w-]){term})"
        rf"(?P<helpers>{r.helpers})?"
        rf"(?P<aside>\s*,[^,;:]{{1,80}},)?[\s,]*(?:(?:{r.adverbs})[\s,]*)*$"
    )
    mention = rf"(?<![\w-])(?:{alternation})(?![\w-])"
    return Lexicon(
        subject=re.compile(subject, re.IGNORECASE),
        mention_pattern=mention,
        canonical=canonical,
        principals=principals[:2] if len(principals) >= 2 else principals,
        terms=tuple(terms),
    )


@dataclass(frozen=True)
class Subject:
    obligor: str
    start: int  # offset in the document where the subject starts
    quantifier: str  # "", "each", "either", "neither", "both", "other"
    how: str  # "named", "pronoun", "coordinated", "passive"


def _acceptable_term(written: str, lexicon: Lexicon) -> bool:
    """Role nouns count only capitalised ("Licensee", "LICENSEE"); "party"/"parties" in any case."""
    if written[:1].isupper():
        return True
    folded = _fold(written).removesuffix("'s")
    if folded.split()[-1] in _GENERIC:
        return True
    return folded in lexicon.canonical and any(c.isupper() for c in written)  # "eGain", "iPass"


def _obligor_name(m: re.Match[str], lexicon: Lexicon) -> tuple[str, str]:
    r = rules()
    quant_written = (m["quant"] or "").strip().lower()
    quant = r.quantifiers.get(re.sub(r"\s+", " ", quant_written), "")
    written = re.sub(r"['’]s$", "", m["term"].strip())
    name = lexicon.name_of(written)
    if m["first"]:
        first = lexicon.name_of(re.sub(r"['’]s$", "", m["first"].strip()))
        joined = re.search(r"\b(and|or|and/or)\b", m.group(0)[len(m["first"]):], re.IGNORECASE)
        word = joined[1].lower() if joined else "and"
        either = re.search(r"\beither\s*\Z", m.string[max(0, m.start() - 10):m.start()], re.IGNORECASE)
        if _fold(first) == _fold(name):
            return name, ""
        return (f"{first} or {name}", "either") if word == "or" or either else (f"{first} and {name}", "both")
    if _fold(written) in _GENERIC:
        word = written if not written.isupper() else written.title()
        if quant in ("each", "neither", "both") or word.lower() == "parties":
            return ("the Parties" if word.lower() == "parties" else f"each {word}"), quant or "both"
        if quant == "either":
            return f"either {word}", quant
        if quant == "other":
            return f"the other {word}", quant
        return word, quant
    if quant == "other":
        return f"the other {name}", quant
    return name, quant


def find_subject(text: str, modal_start: int, floor: int, lexicon: Lexicon) -> Subject | None:
    """The party named right before the modal verb at `modal_start`, or None.

    Only the party mentions ending just before the modal are tried, each anchored where a subject
    could start (at the mention, at a quantifier before it, at a first party "X and"), so the
    subject pattern never runs over the whole window."""
    lo = max(floor, modal_start - SUBJECT_WINDOW)
    mentions = lexicon.mentions_in(text, lo, modal_start)
    if not mentions:
        return None
    last_start = mentions[-1][0]
    starts = {last_start}
    if len(mentions) > 1:
        starts.add(mentions[-2][0])
    for w in _WORD_START.finditer(text, max(lo, last_start - 25), last_start):
        starts.add(w.start())
    for k in sorted(starts):  # the longest subject first; a rejected one gives way to a shorter
        m = lexicon.subject.match(text, k, modal_start)
        if m is not None:
            subject = _checked_subject(m, text, floor, lexicon)
            if subject is not None:
                return subject
    return None


def _checked_subject(m: re.Match[str], text: str, floor: int, lexicon: Lexicon) -> Subject | None:
    start = m.start("first") if m["first"] else m.start("quant") if m["quant"] else m.start("term")
    written = m["term"].strip()
    if re.search(r"['’]s$", written):  # "Customer's Affiliates may" is not Customer
        return None
    if not _acceptable_term(written, lexicon):
        return None
    before = text[max(floor, start - 40):start]
    if _compound_before(before):
        return None  # "the Escrow Agent shall": a compound name, not the party "Agent"
    if rules().not_subject_before.search(before):
        return None
    obligor, quant = _obligor_name(m, lexicon)
    if not m["quant"] and not m["first"] and _fold(m["term"]) in _GENERIC:
        adjective = re.search(r"\b([a-z][a-z-]{2,})[ \t]+\Z", before)
        if adjective and adjective[1] not in _FUNCTION_WORDS:  # "the recipient party", "the prevailing party"
            return Subject(f"{adjective[1]} {obligor}", start - len(adjective.group(0)), quant, "named")
    return Subject(obligor, start, quant, "named")


def _compound_before(before: str) -> bool:
    """Is the word right before a party term a capitalised word of the same name ("the Escrow Agent")?
    A line break counts as a space when the line before is wrapped prose, not a short heading."""
    prev_word = re.search(r"([A-Za-z][\w-]*)([ \t\"“]*\n?[ \t]*)\Z", before)
    if not prev_word or not prev_word[1][:1].isupper() or prev_word[1].lower() in _FUNCTION_WORDS:
        return False
    if "\n" in prev_word[2]:
        line = before[:prev_word.end(1)].rsplit("\n", 1)[-1]
        return len(line) >= 60
    return True


def last_party_before(text: str, start: int, end: int, lexicon: Lexicon) -> str | None:
    """The party last named in text[start:end] ("each party" when that is how it is named)."""
    last = None
    for a, b in lexicon.mentions_in(text, start, end):
        written = text[a:b]
        if not _acceptable_term(written, lexicon):
            continue
        if _fold(written) in _GENERIC:
            quant = re.search(r"\b(each|either|neither|both|the other)\s+\Z", text[max(start, a - 12):a], re.IGNORECASE)
            if quant:
                word = quant[1].lower()
                last = f"{'each' if word in ('neither', 'both') else word} {written}"
            continue
        last = lexicon.name_of(written)
    return last


# --- time: durations, hours, dates, recurrence ---------------------------------------------------

_NUMBER = (
    r"(?:(?P<words>(?:\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
    r"(?:[\s-]+|\s+and\s+)?)+)\s*(?:\(\s*(?P<paren>\d{1,4})\s*\))?|\(\s*(?P<pdigits>\d{1,4})\s*\)|(?<![\d.,])(?P<digits>\d{1,4}))"
)
_CLOCK = re.compile(
    _NUMBER + r"\s*-?\s*(?P<biz>business\s+|working\s+)?(?P<unit>hours?|minutes?|seconds?)\b",
    re.IGNORECASE,
)
_CLOCK_FOLDED = compile_folded(_CLOCK.pattern)
_CLOCK_UNIT = re.compile("hour|minute|second")  # in every _CLOCK match, lower-cased
_CLOCK_BARRIERS = ".,;:"  # characters no _CLOCK match holds: a scan for one can start and stop there


@dataclass(frozen=True)
class TimeSpan:
    iso: str  # P30D, P3M, PT48H, PT30M
    business: bool
    start: int
    end: int
    duration: Duration | None  # None for hours and minutes
    unit: str  # day, week, month, year, hour, minute, second
    amount: int


def _clock_amount(m: re.Match[str]) -> int | None:
    if m["words"]:
        value = words_to_number(m["words"].strip())
        return value if value is not None else (int(m["paren"]) if m["paren"] else None)
    return int(m["pdigits"] or m["digits"] or 0) or None


class _SpanIndex:
    """Every time span of one text, found once; ranges are then read by bisection."""

    def __init__(self, text: str):
        self.text = text
        self.spans = _scan_time_spans(text, 0, len(text))
        self.starts = [s.start for s in self.spans]

    def between(self, start: int, end: int) -> list[TimeSpan]:
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.spans) and self.spans[i].start < end:
            if self.spans[i].end <= end:
                out.append(self.spans[i])
            i += 1
        return out


_span_index: _SpanIndex | None = None


def time_spans(text: str, start: int, end: int) -> list[TimeSpan]:
    """Durations in text[start:end], days to years and hours/minutes, in reading order.
    Long texts (a document) are scanned once and then read by range."""
    global _span_index
    if len(text) < 2000:
        return _scan_time_spans(text, start, end)
    if _span_index is None or _span_index.text is not text:
        _span_index = _SpanIndex(text)
    return _span_index.between(start, end)


def _scan_time_spans(text: str, start: int, end: int) -> list[TimeSpan]:
    found = [
        TimeSpan(d.duration.iso if not d.duration.business else f"P{d.duration.amount}D", d.duration.business,
                 d.start, d.end, d.duration, d.duration.unit, d.duration.amount)
        for d in find_durations(text, start, end)
    ]
    for m in _clock_matches(text, start, end):
        amount = _clock_amount(m)
        if not amount:
            continue
        unit = m["unit"].lower().rstrip("s")
        letter = {"hour": "H", "minute": "M", "second": "S"}[unit]
        found.append(TimeSpan(f"PT{amount}{letter}", bool(m["biz"]), m.start(), m.end(), None, unit, amount))
    return sorted(found, key=lambda s: s.start)


def _clock_matches(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """`_CLOCK.finditer(text, start, end)`, scanning only the stretches between punctuation that
    hold a unit word ("hours"): most of a contract has none, and the pattern is slow to scan.
    Matches are read from the lower-cased text: their groups are lower-cased."""
    if not fold_safe(text):
        yield from _CLOCK.finditer(text, start, end)
        return
    lower = fold_case(text)
    scanned = start
    for unit in _CLOCK_UNIT.finditer(lower, start, end):
        if unit.start() < scanned:
            continue
        stretch_start = max([scanned] + [lower.rfind(c, scanned, unit.start()) + 1 for c in _CLOCK_BARRIERS])
        stretch_end = min([end] + [i for c in _CLOCK_BARRIERS if (i := lower.find(c, unit.end(), end)) != -1])
        yield from _CLOCK_FOLDED.finditer(lower, stretch_start, stretch_end)
        scanned = stretch_end


_DANGLING = re.compile(r"(?:\s+(?:and|or|and/or|but|the|a|an|of|to|for|with|in|by|that|its|their|at|during|on|from|any|such))+$")


def _strip_dangling(phrase: str) -> str:
    """Without the function words a cut left at its end: 'disclosure of the' -> 'disclosure'."""
    return _DANGLING.sub("", phrase).strip(" ,;:(")


_LIST_TAIL = re.compile(r",\s+[^,;.]{1,60}?\s+(?:or|and)\s+[^,;.]{1,60}?(?=[,;.]|$)")
_VERB_PHRASE_TAIL = re.compile(r",\s+\w+\s+(?:its|the|a|an|all|any|such|each|their|to|that|with|for)\b", re.IGNORECASE)
_RATE_AFTER = re.compile(r"[\s-]*(?:a|an|per|each|every)[\s-]+(?:calendar\s+)?(?:day|week|month|year|quarter|annum)\b", re.IGNORECASE)
_RATE_BEFORE = re.compile(r"(?:\b(?:a|per|each)|\b(?:hours?|days?|times?|minutes?|weeks?),?)\s*$", re.IGNORECASE)


def is_rate(text: str, span: TimeSpan) -> bool:
    """"120 hours per month", "24 hours a day, seven days a week": how much, not how soon."""
    return bool(_RATE_AFTER.match(text, span.end) or _RATE_BEFORE.search(text, max(0, span.start - 20), span.start))


def _clean_phrase(text: str, max_words: int = 10) -> str:
    """At most `max_words` words of `text`, whitespace folded, without a leading article."""
    words = re.sub(r"\s+", " ", text).strip(" ,;:.\"“”'").split(" ")
    phrase = " ".join(words[:max_words]).strip(" ,;:")
    return re.sub(r"^(?:the|a|an)\s+(?=\S)", "", phrase, flags=re.IGNORECASE)


def _trigger(text: str, span_start: int, start: int, end: int) -> tuple[str | None, int, int]:
    """What the duration text[span_start:start] counts from ("receipt of a proper invoice"), its
    sign (-1 for "before") and where the trigger ends; (None, 1, start) when nothing follows."""
    r = rules()
    link = r.duration_link.match(text, start, end)
    if link is None:
        return None, 1, start
    word = re.search(r"(after|following|from|of|before|prior to|preceding|in advance of|thereafter|beginning on|"
                     r"commencing on)\s*$", link.group(0), re.IGNORECASE)
    linker = word[1].lower() if word else ""
    if linker == "thereafter":
        return "thereafter", 1, link.end()
    if linker == "of" and not _WITHIN_BEFORE.search(text, max(0, span_start - 40), span_start):
        return None, 1, start  # "sixty (60) days of anticipated demand" counts from nothing
    sign = -1 if linker in ("before", "prior to", "preceding", "in advance of") else 1
    stop = r.trigger_end.search(text, link.end(), min(end, link.end() + 160))
    rest_end = stop.start() if stop else min(end, link.end() + 160)
    next_clause = _NEXT_SUBJECT.search(text, link.end(), rest_end)
    if next_clause:  # "within fifteen days of the end of each calendar quarter FCC shall provide"
        rest_end = next_clause.start()
    phrase = _strip_dangling(_clean_phrase(text[link.end():rest_end], 10))
    return (phrase or None), sign, rest_end


@dataclass
class Clock:
    """The timing read from one clause."""

    duration: TimeSpan | None = None
    after: str | None = None
    sign: int = 1
    notice: bool = False
    due: dt.date | None = None
    recurrence: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


def _recurrence(doc: Folded, start: int, end: int, spans: list[TimeSpan]) -> tuple[str | None, set[int]]:
    """The recurrence of a clause, and the durations that only say how often (not how soon)."""
    r = rules()
    used: set[int] = set()
    for span in spans:
        before = doc.text[max(start, span.start - 40):span.start]
        if r.recurrence_every.search(before):
            used.add(span.start)
            return span.iso, used
    clause = doc.slice(start, end)
    for cue, value in r.cues.recurrence:
        if cue.search(clause):
            return value, used
    return None, used


# A duration right after "additional term of" is the length of a contract term, not the time a duty
# allows ("provide support for a term of two years" is: that one stays timing).
_TERM_LENGTH = re.compile(
    r"\b(?:additional|renewal|renewed|extension|extended|initial|further|successive|subsequent|new)\s+"
    r"(?:\w+\s+)?terms?\s+of\s+(?:up\s+to\s+)?$", re.IGNORECASE)


def read_clock(doc: Folded, start: int, end: int, mentions: list[dateparse.DateMention]) -> Clock:
    """Timing of the clause doc.text[start:end]: duration and trigger, due date, recurrence."""
    r = rules()
    text = doc.text
    spans = time_spans(text, start, end)
    clock = Clock()
    clock.recurrence, every = _recurrence(doc, start, end, spans)
    best: tuple[float, TimeSpan, str | None, int, bool] | None = None
    for span in spans:
        if span.start in every:
            continue
        before = text[max(start, span.start - 40):span.start]
        if is_rate(text, span):
            continue
        if _ARTICLE.match(text, span.start) and not _ARTICLE_DEADLINE.search(before):
            continue  # "for a Year exceeds": a unit of measure, not a time allowed
        if _TERM_LENGTH.search(before):
            continue  # "renew for an additional term of three (3) years": what is renewed, not when
        trigger, sign, _ = _trigger(text, span.start, span.end, end)
        notice = bool(r.notice_after.match(text, span.end, end))
        score = (2.5 if trigger else 0.0) + (2.0 if r.deadline_before.search(before) else 0.0) + (0.5 if notice else 0.0)
        if re.search(r"\bfor\s*(?:a\s+(?:period|term)\s+of\s*)?(?:at\s+least\s*)?$", before, re.IGNORECASE) and not trigger:
            score -= 0.5
        if best is None or score > best[0]:
            best = (score, span, trigger, sign, notice)
    if best is not None:
        _, span, trigger, sign, notice = best
        clock.duration, clock.after, clock.sign, clock.notice = span, trigger, sign, notice and not trigger
        clock.spans.append((span.start, span.end))
    for mention in mentions:
        if mention.date is None or mention.precision != "day" or not (start <= mention.start < end):
            continue
        if r.due_date_before.search(text[max(start, mention.start - 30):mention.start]):
            clock.due = mention.date
            clock.spans.append((mention.start, mention.end))
            break
    return clock


@dataclass(frozen=True)
class Anchors:
    effective: dt.date | None
    agreement: dt.date | None
    expiration: dt.date | None
    defined: dict[str, dt.date]  # "lease date" -> the date it names


def _iso(value: Field | None) -> dt.date | None:
    if value is None or not isinstance(value.value, str):
        return None
    try:
        return dt.date.fromisoformat(value.value)
    except ValueError:
        return None


def anchors_of(ctx: Context) -> Anchors:
    dates = ctx.record.dates
    defined: dict[str, dt.date] = {}
    for fld in (dates.agreement, dates.effective):
        date = _iso(fld)
        if date is None or fld is None:
            continue
        for ev in fld.evidence:
            for name in re.findall(r"[\"“]([A-Z][\w ]{0,40}?Date)[\"”]", ev.text):
                defined.setdefault(name.lower(), date)
    return Anchors(_iso(dates.effective), _iso(dates.agreement), _iso(dates.expiration), defined)


def due_from(clock: Clock, anchors: Anchors) -> dt.date | None:
    """The due date a duration counted from a known date gives: 30 days after the Effective Date."""
    if clock.due is not None:
        return clock.due
    span, trigger = clock.duration, clock.after
    if span is None or span.duration is None or not trigger or clock.notice:
        return None
    r = rules()
    anchor: dt.date | None = None
    if r.anchor_effective.search(trigger):
        anchor = anchors.effective or anchors.agreement
    elif r.anchor_agreement.search(trigger):
        anchor = anchors.agreement or anchors.effective
    elif r.anchor_expiration.search(trigger):  # "the then-current Term": the first one is the initial term
        anchor = anchors.expiration
    else:
        named = re.match(r"(?:the )?([A-Za-z][\w ]{0,40}?date)\b", trigger, re.IGNORECASE)
        if named:
            anchor = anchors.defined.get(named[1].lower())
    if anchor is None:
        return None
    return add(anchor, span.duration, clock.sign)


def timing_of(clock: Clock, anchors: Anchors) -> Timing | None:
    due = due_from(clock, anchors)
    span = clock.duration
    timing = Timing(
        due_date=due.isoformat() if due else None,
        duration=span.iso if span else None,
        after=("notice" if clock.notice else clock.after) if span else None,
        recurrence=clock.recurrence,
    )
    if not any((timing.due_date, timing.duration, timing.after, timing.recurrence)):
        return None
    return timing


# --- reading one clause ----------------------------------------------------------------------------


def _strip_lead(text: str) -> tuple[str, int]:
    m = rules().action_lead.match(text)
    if m:
        return text[m.end():], m.end()
    return text, 0


def _time_cuts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The time expressions in text[start:end] with their lead words and triggers:
    "within thirty (30) days after receipt of a proper invoice", "no later than April 1, 2024"."""
    r = rules()
    cuts = []
    for span in time_spans(text, start, end):
        if _ARTICLE.match(text, span.start) or is_rate(text, span):
            continue  # "24 hours a day" stays in the action: it says how, not when
        if _TERM_LENGTH.search(text, max(start, span.start - 40), span.start):
            continue  # "an additional term of three (3) years" is part of what is done
        lead = r.time_lead.search(text, max(start, span.start - 40), span.start)
        a = lead.start() if lead else span.start
        b = span.end
        notice = r.notice_after.match(text, b, end)
        if notice:  # "upon at least fifteen (15) days' prior written notice": keep "upon prior written notice"
            minimum = _MINIMUM_BEFORE.search(text, max(start, span.start - 30), span.start)
            possessive = re.match(r"[’']?s?[’']?", text[b:end])
            cuts.append((minimum.start() if minimum else span.start, b + (possessive.end() if possessive else 0)))
            continue
        period = re.match(r"\s+period\b", text[b:end])
        if period:
            b += period.end()
        _, _, trigger_end = _trigger(text, span.start, b, end)
        if trigger_end > b:
            more = _LIST_TAIL.match(text, trigger_end, end)
            if more and not _VERB_PHRASE_TAIL.match(text, trigger_end, end):  # "after becoming aware of any defect, safety incident or regulatory inquiry"
                trigger_end = more.end()
        cuts.append((a, max(b, trigger_end)))
    for mention in dateparse.dates_in(text).between(start, end):
        lead = r.time_lead.search(text, max(start, mention.start - 30), mention.start)
        cuts.append((lead.start() if lead else mention.start, mention.end))
    return sorted(cuts)


_LEAD_SPACE = re.compile(r"[\s:]*")
_SPACES = re.compile(r"\s+")
_ITEM_MARK = re.compile(r"\s*\((?:\d[\d,.]*%?|[ivx]{1,4}|[a-z])\)(?=[\s,;.]|$)")
_SPACE_COMMA = re.compile(r"\s+,")
_NOTICE_TAIL = re.compile(r"^\s*,?\s*[’']?s?[’']?\s+(?=(?:prior|advance|written)\b)")  # "days' prior written notice"
_COMMAS = re.compile(r"(?:,\s*)+")
_SPACE_APOSTROPHE = re.compile(r"\s+[’'](?=s?\s)")


def action_of(text: str, start: int, end: int, max_words: int = MAX_ACTION_WORDS) -> str:
    """A short verb phrase from text[start:end]: 'deliver to Customer a written status report'.

    The clause is cut at its end (or at a condition); asides set off by commas, durations and
    dates are dropped (they are read as timing); then it is cut at a manner or reference phrase
    and kept to `max_words` words."""
    r = rules()
    start = _LEAD_SPACE.match(text, start, end).end()
    hard = r.action_end.search(text, start + 2, end)
    stop = hard.start() if hard else end
    pieces, pos = [], start
    for a, b in _time_cuts(text, start, stop):
        if a < pos:
            continue
        before = re.search(r",\s*\Z", text[max(pos, a - 3):a])
        after = re.match(r"\s*,", text[b:stop])
        if before and after:  # "pay, within thirty (30) days after receipt, the fees": drop both commas
            a -= len(before.group(0))
            b += after.end()
        pieces.append(text[pos:a])
        pieces.append(" ")
        pos = b
    pieces.append(text[pos:stop])
    piece = _SPACES.sub(" ", " " + "".join(pieces))
    if "(" in piece:
        piece = _ITEM_MARK.sub("", piece)  # "(142)", "(5%)", "(a)"
    if "," in piece:
        piece = _SPACE_COMMA.sub(",", piece)
    piece = _NOTICE_TAIL.sub(" ", piece)
    piece = r.action_aside.sub(" ", piece + " ").strip()
    for _ in range(3):
        piece, cut = _strip_lead(piece.lstrip(" ,"))
        if not cut:
            break
    soft = r.cues.action_soft_end.search(Folded.of(piece), 2)
    if soft and len(piece[:soft.start()].split()) >= 2:
        piece = piece[:soft.start()]
    if "," in piece:
        piece = _COMMAS.sub(", ", piece)
    if "'" in piece or "’" in piece:
        piece = _SPACE_APOSTROPHE.sub("", piece)
    words = piece.strip(" ,;:").split(" ")
    action = " ".join(words[:max_words]).strip(" ,;:(")
    return _strip_dangling(action)


def grammatical_subject(text: str, start: int, end: int) -> str:
    """The noun phrase a clause in the passive is about: 'Base Rent and Tenant's Share of Operating
    Expenses (together with ...)' -> "Base Rent and Tenant's Share of Operating Expenses";
    'VAT, which' -> 'VAT'; 'Payment of FCC invoices' -> 'FCC invoices'."""
    piece = re.sub(r"\([^()]*\)", " ", text[start:end])
    piece = _CLAUSE_NUMBER.sub("", piece, count=1)
    piece = piece.rsplit("\n\n", 1)[-1]
    piece = re.sub(r"^(?:[\s\d$£€,.%|-]+|\[\*+\])+(?=[A-Za-z])", "", piece)  # the tail of a table before the sentence
    parts = [p.strip() for p in re.split(r"[,;:]|\b(?:if|when|where|unless|provided)\b", piece)]
    parts = [p for p in parts if p]
    relative = False
    while parts and re.fullmatch(r"(?:which|that|who|whose|it|they|and|or)(?:\s+\w+)?", parts[-1], re.IGNORECASE):
        if re.match(r"whose\s+\w+", parts[-1], re.IGNORECASE):
            return re.sub(r"^whose\s+", "", parts[-1], flags=re.IGNORECASE)
        parts.pop()
        relative = True
    if not parts:
        return ""
    if re.search(r"\b(?:shall|will|must|may)\b", parts[-1]) and " and " in parts[-1]:
        parts[-1] = parts[-1].rsplit(" and ", 1)[-1]  # "X shall have its own crews and the parcel [shall be loaded]"
    if relative:  # "The Charges are exclusive of VAT, which": the antecedent is "VAT"
        parts[-1] = re.split(r"\b(?:of|to|for|with|by|on|in|are|is|include|includes)\s+", parts[-1])[-1]
    phrase = re.sub(r"^(?:payment of|all|the|any|such|each)\s+", "", parts[-1], flags=re.IGNORECASE)
    phrase = re.sub(r"\s+(?:are|is|shall|will|must)$", "", phrase)
    return _clean_phrase(phrase, 10)


def category_of(action: str, clause: Folded) -> str:
    cues = rules().cues
    action_folded = Folded.of(action)
    for name, cue in cues.category_by_verb:
        if cue.search(action_folded):
            return name
    for name, cue, _ in cues.categories:
        if cue.search(action_folded):
            return name
    for name, cue, in_clause in cues.categories:
        if in_clause and cue.search(clause):
            return name
    return "other"


def condition_of(doc: Folded, start: int, end: int) -> str | None:
    """The trigger of a duty ("if ...", "upon receipt ..."); failing one, its exception ("except as ...")."""
    cues = rules().cues
    m = cues.condition.search(doc, start, end) or cues.exception.search(doc, start, end)
    if m is None:
        return None
    return _clean_phrase(doc.text[m.start():m.end()], 16) or None


# --- the extractor -------------------------------------------------------------------------------------


@dataclass
class Hit:
    """A modal cue with the party it binds."""

    modality: str
    cue_start: int
    cue_end: int
    subject: Subject | None
    explicit_right: bool = False
    action_start: int = -1  # where the duty's verb phrase starts, when not right after the cue


@dataclass
class Found:
    obligation: Obligation
    sentence: Sentence


_ENUM = re.compile(r"(?:^|(?<=[\s:;,]))\((?:[a-z]|[ivx]{1,5}|\d{1,2})\)\s+")
_ITEM_START = re.compile(r"\s*(?:\(?(?:[a-z]|[ivx]{1,5}|\d{1,2})\)|[a-z]\.|[•·▪-])\s+")
_LIST_LEAD = re.compile(r"(?::|\bthe following\b[^.;]{0,60}?:?)\s*$", re.IGNORECASE)
def _rejoin_wrapped(text: str, sentences: list[Sentence]) -> list[Sentence]:
    """Sentences cut where a wrapped line happens to start with "Section 16 within thirty days":
    a sentence that does not end a sentence, followed by a cross-reference that goes on in lower
    case, is one sentence."""
    out: list[Sentence] = []
    for s in sentences:
        if out and _XREF_CONTINUES.match(text, s.start, s.end) and not _SENTENCE_END.search(text, out[-1].start, out[-1].end):
            out[-1] = Sentence(out[-1].start, s.end)
        else:
            out.append(s)
    return out


_LAST_WORD = re.compile(r"([A-Za-z]+(?:-[A-Za-z]+)?)\s*$")


def _numeral_echo(text: str, mark: int) -> bool:
    """Whether the "(3)" at `mark` repeats a number in words ("three (3) years"): no list marker."""
    word = _LAST_WORD.search(text, max(0, mark - 30), mark)
    return word is not None and bool(words_to_number(word[1]))  # "and (2)" is a marker: "and" reads as 0


def _marker_kind(head: str) -> str | None:
    """The numbering style a clause starts with: "(a)" letter, "(iv)" roman, "(2)" digit."""
    m = re.match(r"\s*\(?([a-z]{1,5}|\d{1,2})[).]", head)
    if m is None:
        return None
    mark = m[1]
    if mark.isdigit():
        return "digit"
    return "roman" if re.fullmatch(r"[ivx]+", mark) and mark not in ("v", "x") else "letter"


def _is_list_lead(tail: str) -> bool:
    """Does the text after the last modal verb introduce a list of duties ("shall:", "agrees to the
    following:")? A long tail ("may terminate ... when one of the following events occurs:")
    introduces conditions, not duties."""
    if not tail.strip(" :"):
        return True
    if not _LIST_LEAD.search(tail):
        return False
    if tail.rstrip().endswith(":") and not _CONDITION_LEAD.search(tail):
        return True  # "shall not, either directly or indirectly, ... or entity:"
    return len(tail.split()) <= 8 or bool(re.search(r"\bthe following\s*(?:obligations|duties|services|tasks|actions|steps)?\s*:?\s*$",
                                                    tail, re.IGNORECASE))


_CONDITION_LEAD = re.compile(r"\b(?:if|when|upon|in the event|occurrence|following events|any of the following)\b", re.IGNORECASE)
_XREF_CONTINUES = re.compile(r"(?:Section|Article|Clause|Exhibit|Schedule|Annex|Appendix)\s+[\dA-Z][\w.()]*,?\s+(?:[a-z]|\()")
_SENTENCE_END = re.compile(r"[.;:!?][\"”’')\]]*\s*\Z")
_NOT_START = re.compile(r"^\s*not\b", re.IGNORECASE)
_CLAUSE_NUMBER = re.compile(r"^\s*(?:\(?[\w]{1,3}(?:\.\w{1,3})*\)?\.?\s+)?")


class ObligationReader:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.text = ctx.document.text
        self.doc = Folded.of(self.text, ctx.analysis.folded_text)
        self.r = rules()
        self._modal_starts = self.r.cues.modal.starts(self.doc)  # found once: modal cues are in most sentences
        self.lexicon = party_lexicon(ctx)
        self.anchors = anchors_of(ctx)
        self.dates = dateparse.dates_in(self.text)
        self.found: list[Found] = []
        self.recitals: list[tuple[int, int]] = []
        self._recital_starts: list[int] = []
        self.passives: list[tuple[Sentence, int, int]] = []
        self.fees: list[tuple[Sentence, Hit, int, int]] = []

    # -- sentences worth reading

    def operative_sentences(self) -> Iterator[tuple[Sentence, list[re.Match[str]]]]:
        """The sentences that may bind someone, with their modal cues."""
        sentences = _rejoin_wrapped(self.text, self.ctx.analysis.sentences)
        self.recitals = self._recital_ranges()
        cues = self.r.cues
        for s in sentences:
            if self._in_recitals(s.start) and self._in_recitals(s.end - 1):
                continue
            modal = self._modal_cues(s)
            if not (modal or _ITEM_START.match(self.text, s.start, s.end)
                    or cues.payment_passive.search(self.doc, s.start, s.end)):
                continue
            body = self.doc.slice(s.start, s.end)
            if self._boilerplate(body):
                continue
            if self.r.definition_label.search(body.text) and (s.start == 0 or self.text[max(0, s.start - 2):s.start] == "\n\n"):
                continue
            yield s, modal

    def _modal_cues(self, s: Sentence) -> list[re.Match[str]]:
        return list(self.r.cues.modal.finditer(self.doc, s.start, s.end, self._modal_starts))

    def _recital_ranges(self) -> list[tuple[int, int]]:
        """Recitals, by lines: from a RECITALS / BACKGROUND heading or a WHEREAS line to the
        operative words ("NOW, THEREFORE, the parties agree as follows")."""
        ranges: list[tuple[int, int]] = []
        text = self.text
        for m in _RECITAL_LINE.finditer(text):
            if ranges and m.start() < ranges[-1][1]:
                continue
            if not self.r.recital_start.match(text[m.start(1):m.start(1) + 40]):
                continue
            end = self.r.recital_end.search(text, m.start(), min(len(text), m.start() + MAX_RECITALS))
            if end is not None:
                ranges.append((m.start(), end.end()))
            else:  # no operative words: only the WHEREAS line itself
                stop = text.find("\n", m.end())
                ranges.append((m.start(), stop if stop != -1 else len(text)))
        self._recital_starts = [a for a, _ in ranges]
        return ranges

    def _in_recitals(self, offset: int) -> bool:
        i = bisect.bisect_right(self._recital_starts, offset) - 1
        return i >= 0 and self.recitals[i][0] <= offset < self.recitals[i][1]

    def _boilerplate(self, body: Folded) -> bool:
        cues = self.r.cues
        core = body.slice(_CLAUSE_NUMBER.match(body.text).end(), len(body.text))
        if cues.definition.search(core) or cues.definition.search(body):
            return True
        if any(cue.search(body) for cue in cues.interpretation):
            return True
        text = body.text
        if len(text) < 160 and "\n" not in text.strip() and self.r.heading.match(text.strip()):
            return True
        return False

    # -- cues and subjects

    def hits_in(self, s: Sentence, modal: list[re.Match[str]], carried: list[Hit]) -> list[Hit]:
        """The modal cues of a sentence (`modal`) that bind a party. `carried` are the previous
        sentence's, when the splitter cut a sentence after an initialism ("21 C.F.R. Part 1020 ...,
        and shall")."""
        text, r = self.text, self.r
        hits: list[Hit] = list(carried)
        disclaimer_possible = bool(modal) and r.cues.disclaimer_before.may_match(self.doc, s.start, s.end)
        for m in modal:
            if self.recitals and self._in_recitals(m.start()):
                continue
            kind = next(name for name, value in m.groupdict().items() if value is not None)
            modality = r.modal_kind[kind]
            explicit = kind.startswith("r")
            after = text[m.end():min(s.end, m.end() + 240)]
            predicate = _LEADING_COMMAS.sub("", _LEADING_ASIDE.sub("", after))  # ", for any purpose, be deemed"
            if disclaimer_possible and r.cues.disclaimer_before.search(self.doc, s.start, m.start()):
                continue  # "Licensor does not warrant that it will meet Licensee's requirements"
            if not explicit and r.non_binding.match(predicate):
                continue
            if modality == "prohibition" and r.non_binding_after_not.match(predicate):
                continue
            if modality != "prohibition" and _NEITHER_BEFORE.search(text, max(s.start, m.start() - 40), m.start()) \
                    and r.non_binding_after_not.match(predicate):
                continue  # "Neither party shall be liable ..."
            if kind.startswith("m") and not self._tracked_right(after):
                continue
            subject = find_subject(text, m.start(), s.start, self.lexicon)
            inverted = None
            if subject is None and _NOR_BEFORE.search(text, max(s.start, m.start() - 30), m.start()):
                inverted = self.lexicon.mention.match(text, m.end() + len(after) - len(after.lstrip()))
                rest = text[inverted.end():inverted.end() + 60] if inverted is not None else ""
                if inverted is not None and _acceptable_term(inverted.group(0), self.lexicon) \
                        and not re.match(r"['’][sS]\b", rest) and not r.non_binding.match(rest.lstrip(" ,")) \
                        and not r.non_binding_after_not.match(rest.lstrip(" ,")) \
                        and not _LIABLE_AHEAD.search(text, inverted.end(), min(s.end, inverted.end() + 160)):
                    # "nor shall Customer use ...": the party follows the modal
                    subject = Subject(self.lexicon.name_of(inverted.group(0)), inverted.start(), "", "named")
                    modality = "prohibition"
                else:
                    inverted = None
            if subject is None:
                subject = self._implicit_subject(s, m.start(), hits)
            hit = Hit(modality, m.start(), m.end(), subject, explicit)
            if inverted is not None:
                hit.action_start = inverted.end()
            self._permission(hit, after)
            hits.append(hit)
        return hits[len(carried):]

    def _permission(self, hit: Hit, after: str) -> None:
        """"shall be required to take" is a duty to take; "shall be permitted to sell" a right to
        sell; "shall not be restricted from purchasing" a right to purchase."""
        m = _BE_PERMITTED.match(after)
        if m is None:
            return
        kind = m["kind"].lower()
        if kind.startswith(("required", "obligated", "obliged")):
            if hit.modality == "prohibition":  # "shall not be obligated to indemnify": no duty at all
                hit.subject = None
                return
            hit.modality = "obligation"
        elif kind.startswith(("restricted", "prevented", "prohibited", "precluded")):
            hit.modality = "right" if hit.modality == "prohibition" else "prohibition"
            hit.explicit_right = hit.modality == "right"
        elif hit.modality != "prohibition":
            hit.modality, hit.explicit_right = "right", True
        hit.action_start = hit.cue_end + m.end()

    def _tracked_right(self, after: str) -> bool:
        head = " " + " ".join(after.split())
        for _ in range(3):  # "may, by written notice given on or before September 30, 2023, elect"
            stripped = re.sub(r"^\s*,[^;.]{0,160}?,\s*(?=[a-z])", " ", head)
            if stripped == head:
                break
            head = stripped
        head = re.sub(r"^\s*(?:(?:\([a-z]{1,3}\)|also|then|thereafter|immediately|at any time|at its (?:sole )?(?:option|discretion)|"
                      r"in its (?:sole )?discretion|upon (?:\w+ ){0,6}?notice|by (?:written )?notice(?: to [\w ]{1,30}?)?|"
                      r"either|elect to|,)\s*)+", " ", head, flags=re.IGNORECASE)
        return bool(self.r.right_verb.match(head.strip()))

    def _implicit_subject(self, s: Sentence, cue_start: int, hits: list[Hit]) -> Subject | None:
        text = self.text
        window = text[max(s.start, cue_start - 60):cue_start]
        pronoun = self.r.pronoun_subject.search(window)
        if pronoun:
            at = cue_start - len(window) + pronoun.start()
            if _SUBORDINATE_BEFORE.search(text, max(s.start, at - 20), at):
                return None  # "inform FCC whether it will order ...": not a duty of its own
            if _PASSIVE.match(text, self._cue_word_end(cue_start), s.end) and not _PASSIVE_BY.match(
                    text, self._cue_word_end(cue_start), s.end):
                return None  # "it shall be referred to ...": a thing, not a party
            who = self._main_subject(s, at) or last_party_before(text, s.start, at, self.lexicon)
            sentence_initial = not text[s.start:at].strip(" \t\n(0123456789.)")
            if who is None and sentence_initial and self.found and self.found[-1].sentence.end <= s.start:
                who = self.found[-1].obligation.obligor  # "It shall ..." continues the previous sentence
            if who:
                return Subject(who, cue_start - len(window) + pronoun.start(), "", "pronoun")
            return None
        previous = next((h for h in reversed(hits) if h.subject is not None), None)
        if previous is not None:
            window_start = max(previous.cue_end, cue_start - 80)
            between = text[window_start:cue_start] if cue_start - previous.cue_end < 600 else ""
            if between and self.r.coordination.search(between) and not re.search(
                    r"\b(?:which|who|that|whom)\b[^,;]*$", between, re.IGNORECASE):
                conj = self.r.coordination.search(between)
                local = between[:conj.start()] if conj else between
                # the words before "and" belong to the previous action, not to a new subject
                if not re.search(r"[,;]\s*(?:the|this|such|any|each|all|no)\s+[\w\s]{1,40}$", local, re.IGNORECASE):
                    return Subject(previous.subject.obligor, window_start + (conj.start() if conj else 0),
                                   previous.subject.quantifier, "coordinated")
        passive = _PASSIVE_BY.match(text, self._cue_word_end(cue_start), s.end)
        if passive and not re.search(r"\b(?:that|whether|if|which|when|unless|whom|as)\b[^,;]*\Z|^\W*(?:no|neither)\b",
                                     text[max(s.start, cue_start - 100):cue_start], re.IGNORECASE):
            m = self.lexicon.mention.match(text, passive.end())
            if m and _acceptable_term(m.group(0), self.lexicon):
                return Subject(self.lexicon.name_of(m.group(0)), cue_start, "", "passive")
        return None

    def _clause_start(self, floor: int, subject_start: int) -> int:
        """Where the clause of the next party starts: its subject, or a time or condition phrase
        before it ("..., and within fifteen (15) days after termination, Customer shall pay")."""
        lead = _LEADING_PHRASE.search(self.text, floor, subject_start)
        return lead.start() + len(lead.group(1)) if lead else subject_start

    def _passive_action(self, s: Sentence, hit: Hit, action: str) -> str:
        """'commissions shall be paid by Landlord' -> 'pay commissions';
        'Transportation shall be arranged by Flotek' -> 'Transportation to be arranged'."""
        what = grammatical_subject(self.text, s.start, hit.cue_start)
        verb = re.match(r"(?:not\s+)?be\s+(\w+)", action)
        if not what or not verb:
            return action
        if verb[1].lower() in ("paid", "payable", "due"):
            return f"pay {what}"
        return f"{what} to be {verb[1]}"

    def _main_subject(self, s: Sentence, before: int) -> str | None:
        """The party a sentence opens with ("The receiving party further agrees that ... it will"),
        which a later "it" usually stands for."""
        head_end = min(before, s.start + 60)
        opening = last_party_before(self.text, s.start, head_end, self.lexicon)
        if opening is None:
            return None
        first = self.lexicon.mentions_in(self.text, s.start, head_end)
        lead = self.text[s.start:first[0][0]] if first else ""
        return opening if len(lead.split()) <= 4 and not re.search(r"\b(?:if|when|unless|where)\b", lead, re.IGNORECASE) else None

    def _cue_word_end(self, cue_start: int) -> int:
        m = re.compile(r"\w+").match(self.text, cue_start)
        return m.end() if m else cue_start

    # -- making obligations

    def read(self) -> list[Obligation]:
        lead: tuple[Subject, str, Sentence, str] | None = None  # list lead-in: subject, modality, sentence, verb
        carried: list[Hit] = []
        for s, modal in self.operative_sentences():
            folded_body = self.doc.slice(s.start, s.end)
            body = folded_body.text
            hits = self.hits_in(s, modal, carried)
            carried = [h for h in hits if h.subject is not None] if _INITIALISM_END.search(body) else []
            item = _ITEM_START.match(body)
            if lead is not None and item and _marker_kind(item.group(0)) == _marker_kind(
                    self.text[lead[2].start:lead[2].start + 12]):
                lead = None  # "(c)" after a lead-in "(b) ... shall not:" is the next clause, not an item
            if lead is not None and item:
                if not any(h.subject is not None and h.subject.how == "named" for h in hits):
                    self._list_item(s, lead)
            elif not item:
                lead = None
            bound = [h for h in hits if h.subject is not None]
            scope_start = s.start
            for i, hit in enumerate(bound):
                scope_end = s.end
                if i + 1 < len(bound):
                    nxt = bound[i + 1]
                    scope_end = max(self._clause_start(hit.cue_end, min(nxt.subject.start, nxt.cue_start)), hit.cue_end)
                self._clause(s, hit, scope_start, scope_end)
                scope_start = scope_end
            if not bound and self.r.cues.payment_passive.search(folded_body) and not self.r.not_payment_passive.search(body):
                self.passives.append((s, s.start, s.end))
            if bound:
                last = bound[-1]
                tail = self.text[last.cue_end:s.end]
                if _is_list_lead(tail):
                    verb = action_of(self.text, last.cue_end, s.end).split(" ")[0] if tail.strip(" :") else ""
                    lead = (last.subject, last.modality, s, verb)
                if self.r.cues.schedule_lead_in.search(folded_body):
                    self._schedule_rows(s, last)
        self._resolve_passives()
        self._resolve_fees()
        return self._dedupe()

    def _modality(self, hit: Hit, action_text: str) -> str:
        modality = hit.modality
        if hit.subject and hit.subject.quantifier == "neither" and modality != "prohibition":
            modality = "prohibition"
        if _NOT_START.match(action_text) and modality == "obligation":
            modality = "prohibition"
        return modality

    def _confidence(self, hit: Hit) -> float:
        cue = self.text[hit.cue_start:hit.cue_end].lower()
        base = {"obligation": 0.85, "prohibition": 0.85, "right": 0.8 if hit.explicit_right else 0.75}[hit.modality]
        if cue.startswith("will"):
            base -= 0.15
        how = hit.subject.how if hit.subject else "named"
        base -= {"named": 0.0, "coordinated": 0.05, "pronoun": 0.15, "passive": 0.1}.get(how, 0.0)
        if hit.subject and _fold(hit.subject.obligor) in self.lexicon.canonical:
            base += 0.05
        return max(0.3, min(0.95, base))

    def _clause(self, s: Sentence, hit: Hit, scope_start: int, scope_end: int) -> None:
        text = self.text
        subject = hit.subject
        assert subject is not None
        after_cue = hit.action_start if hit.action_start >= 0 else hit.cue_end
        if re.match(r"hereby\s+(?:irrevocably\s+)?assign", self.text[hit.cue_start:hit.cue_end], re.IGNORECASE):
            after_cue = hit.cue_start + len("hereby ")  # "hereby assigns" -> "assigns ..."
        items = self._enumerated(after_cue, scope_end)
        if self.r.fee_for_service.search(text, scope_start, scope_end) and not _BUYER_VERB.match(text, after_cue):
            self.fees.append((s, hit, scope_start, scope_end))
        if items:
            lead_verb = action_of(text, after_cue, items[0][0], 6)
            for a, b in items:
                self._emit(s, hit, a, b, a, b, prefix=lead_verb if self._is_noun_item(a) else "")
            return
        self._emit(s, hit, after_cue, scope_end, scope_start, scope_end)

    def _enumerated(self, start: int, end: int) -> list[tuple[int, int]]:
        """Item spans when the duty is a list right after the modal: 'shall (a) ..., (b) ...'."""
        text = self.text
        head = re.match(r"[\s,:]*(?:not\s+)?(?:the following[^(]{0,40}|[^(),;:.]{0,50}?(?=\((?:a|i|1)\)))?",
                        text[start:end])
        first = _ENUM.match(text, start + (head.end() if head else 0))
        if first is None:
            return []
        kind = _marker_kind(first.group(0).strip())
        marks = [m for m in _ENUM.finditer(text, first.start(), end)
                 if _marker_kind(m.group(0).strip()) == kind and not _numeral_echo(text, m.start())]
        if len(marks) < 2:
            return []
        spans = []
        for i, m in enumerate(marks):
            item_end = marks[i + 1].start() if i + 1 < len(marks) else end
            spans.append((m.end(), item_end))
        return spans

    def _is_noun_item(self, start: int) -> bool:
        return bool(re.match(r"\s*(?:a|an|the|all|any|each|such|its|their|\d)\b", self.text[start:start + 10],
                             re.IGNORECASE))

    def _emit(self, s: Sentence, hit: Hit, action_start: int, action_end: int, scope_start: int, scope_end: int,
              prefix: str = "", confidence_delta: float = 0.0) -> None:
        text = self.text
        action = action_of(text, action_start, action_end)
        if hit.subject is not None and hit.subject.how == "passive":
            action = self._passive_action(s, hit, action)
        if prefix:
            action = f"{prefix} {action}".strip()
        cue = text[hit.cue_start:hit.cue_end].lower()
        action = _BE_REQUIRED.sub("", action)  # "shall be required to take all steps" -> "take all steps"
        if "responsible for" in cue:
            action = f"be responsible for {action}"
        elif hit.explicit_right:
            action = re.sub(r"^(?:to\s+)", "", action)
            if re.search(r"\bnot\s+to$", cue):  # "shall have the right not to renew"
                action = f"not {action}"
            if "entitled" in cue and re.match(r"(?:a|an|the|any|all|such|its|their|\d|receive)\b", action, re.IGNORECASE) \
                    and not action.lower().startswith("receive"):
                action = f"receive {action}"
        if not re.search(r"[A-Za-z]{2}", action):
            return
        modality = self._modality(hit, action)
        if modality == "prohibition":
            action = _NOT_START.sub("", action).strip() or action
        clock = read_clock(self.doc, scope_start, scope_end, self.dates.between(scope_start, scope_end))
        obligor = hit.subject.obligor if hit.subject else None
        counterparty = self._counterparty(obligor, action_start, text[action_start:min(action_end, action_start + 200)])
        ob = Obligation(
            obligor=obligor,
            counterparty=counterparty,
            modality=modality,
            category=category_of(action, self.doc.slice(scope_start, scope_end)),
            action=action,
            condition=condition_of(self.doc, scope_start, scope_end),
            timing=timing_of(clock, self.anchors),
            confidence=round(max(0.3, self._confidence(hit) + confidence_delta), 3),
            evidence=[self.ctx.sentence_evidence(s)],
        )
        self.found.append(Found(ob, s))

    def _counterparty(self, obligor: str | None, action_start: int, action_text: str) -> str | None:
        if obligor and obligor.lower().startswith(("each", "either", "the parties")):
            return "the other party" if not obligor.lower().startswith("the parties") else None
        for a, b in self.lexicon.mentions_in(self.text, action_start, action_start + len(action_text)):
            written = self.text[a:b]
            if not _acceptable_term(written, self.lexicon) or _fold(written) in _GENERIC:
                continue
            if _compound_before(self.text[max(0, a - 40):a]):
                continue
            name = self.lexicon.name_of(written)
            if _fold(name) == "other party":
                return "the other party"
            if obligor is None or _fold(name) != _fold(obligor):
                return name
        return None

    def _list_item(self, s: Sentence, lead: tuple[Subject, str, Sentence, str]) -> None:
        subject, modality, lead_sentence, verb = lead
        body_start = s.start + _ITEM_START.match(self.text[s.start:s.end]).end()
        hit = Hit(modality, lead_sentence.start, lead_sentence.start, Subject(subject.obligor, s.start, subject.quantifier, "coordinated"))
        before = len(self.found)
        prefix = verb if self._is_noun_item(body_start) else ""
        self._emit(s, hit, body_start, s.end, s.start, s.end, prefix=prefix, confidence_delta=-0.05)
        if len(self.found) > before:
            self.found[-1].obligation.evidence.append(self.ctx.sentence_evidence(lead_sentence))

    # -- tables of dated rows under a lead-in

    def _schedule_rows(self, s: Sentence, hit: Hit) -> None:
        text = self.text
        end = min(len(text), s.end + SCHEDULE_WINDOW)
        stop = re.compile(r"[.;]\s*$")
        pos = s.end
        region_end = end
        for line in re.finditer(r"[^\n]+", text[s.end:end]):
            content = line.group(0)
            if len(content) > 90 and " | " not in content and stop.search(content):
                region_end = s.end + line.start()
                break
        if region_end <= pos:
            return
        verb = action_of(text, hit.cue_end, s.end, 3).split(" ")[0]
        for mention in self.dates.between(pos, region_end):
            if mention.date is None or mention.precision != "day":
                continue
            row_start, label = self._row_label(mention.start, mention.end, pos)
            if not label:
                continue
            subject = hit.subject
            assert subject is not None
            ob = Obligation(
                obligor=subject.obligor,
                counterparty=None,
                modality="obligation",
                category=category_of(f"{verb} {label}", self.doc.slice(s.start, s.end)),
                action=f"{verb} {label}".strip(),
                timing=Timing(due_date=mention.date.isoformat()),
                confidence=0.6,
                evidence=[self.ctx.evidence(row_start, mention.end), self.ctx.sentence_evidence(s)],
            )
            self.found.append(Found(ob, s))

    def _row_label(self, date_start: int, date_end: int, floor: int) -> tuple[int, str]:
        """The row a date sits in: its label cell(s), walking back over the lines before the date."""
        text = self.text
        line_start = text.rfind("\n", floor, date_start) + 1 if text.rfind("\n", floor, date_start) >= 0 else floor
        line = text[line_start:text.find("\n", date_end) if text.find("\n", date_end) != -1 else len(text)]
        if " | " in line:  # a DOCX table row: the first cell that is not a date or a figure
            for cell in line.split(" | "):
                cell = cell.strip()
                if cell and not _VALUE_ONLY.match(cell) and not dateparse.parse_date(cell):
                    return line_start, _clean_phrase(cell, 12)
            return line_start, ""
        own = text[line_start:date_start].strip()
        labels = [own] if own and not _VALUE_ONLY.match(own) else []
        start = line_start
        cursor = line_start - 1
        for _ in range(3):
            if cursor <= floor:
                break
            prev_start = text.rfind("\n", floor, cursor) + 1
            prev = text[prev_start:cursor].strip()
            if not prev or _VALUE_ONLY.match(prev) or dateparse.parse_date(prev):
                break
            labels.insert(0, prev)
            start = prev_start
            cursor = prev_start - 1
            if labels and len(" ".join(labels)) > 30:
                break
        return start, _clean_phrase(" ".join(labels), 12)

    # -- payment in the passive, and fees for services

    def _payer(self) -> str | None:
        payers = Counter(
            f.obligation.obligor for f in self.found
            if f.obligation.category == "payment" and f.obligation.obligor
            and re.match(r"pay\b", f.obligation.action, re.IGNORECASE)
            and not f.obligation.obligor.lower().startswith(("each", "either", "the parties"))
        )
        if payers:
            return payers.most_common(1)[0][0]
        invoiced = Counter(  # "FCC shall invoice Flotek": Flotek pays
            f.obligation.counterparty for f in self.found
            if f.obligation.counterparty and re.match(r"invoice\b", f.obligation.action, re.IGNORECASE)
            and not f.obligation.counterparty.lower().startswith(("each", "either", "the other"))
        )
        return invoiced.most_common(1)[0][0] if invoiced else None

    def _resolve_passives(self) -> None:
        payer = self._payer()
        for s, start, end in self.passives:
            m = self.r.payment_passive.search(self.text, start, end)
            assert m is not None
            clause_start = max(self.text.rfind(c, start, m.start()) for c in ",;:(")
            if re.search(r"\b(?:if|unless|when|until|whether|once|whereupon)\b", self.text[max(start, clause_start):m.start()],
                         re.IGNORECASE):
                continue  # "if no further invoice is due": a condition, not a duty
            named = re.match(r"payment\s+of\s+(.+?)\s+(?:shall|will)\b", m.group(0), re.IGNORECASE | re.DOTALL)
            what = _clean_phrase(named[1], 10) if named else grammatical_subject(self.text, start, m.start())
            by = re.match(r"payments?\s+(?:from|by)\s+(?:the\s+)?", m.group(0), re.IGNORECASE)
            payer_here = payer
            if by:  # "payment from Kubient to Customer shall be made within seven (7) days"
                who = self.lexicon.mention.match(self.text, m.start() + by.end())
                payer_here = self.lexicon.name_of(who.group(0)) if who else payer
                what = "amounts due"
            if not what or payer_here is None:
                continue
            action = f"pay {what}"
            clock = read_clock(self.doc, start, end, self.dates.between(start, end))
            ob = Obligation(
                obligor=payer_here,
                counterparty=self.lexicon.other(payer_here),
                modality="obligation",
                category="payment",
                action=action.strip(),
                condition=condition_of(self.doc, start, end),
                timing=timing_of(clock, self.anchors),
                confidence=0.55,
                evidence=[self.ctx.sentence_evidence(s)],
            )
            self.found.append(Found(ob, s))

    def _resolve_fees(self) -> None:
        for s, hit, start, end in self.fees:
            provider = hit.subject.obligor if hit.subject else None
            payer = self.lexicon.other(provider)
            if payer is None:
                continue
            m = self.r.fee_for_service.search(self.text, start, end)
            assert m is not None
            fee_start = m.start() + len(re.match(r"\w+\s+", m.group(0))[0])
            action = "pay " + action_of(self.text, fee_start, end, 12)
            clock = read_clock(self.doc, m.start(), end, self.dates.between(m.start(), end))
            ob = Obligation(
                obligor=payer,
                counterparty=provider,
                modality="obligation",
                category="payment",
                action=action,
                timing=timing_of(clock, self.anchors),
                confidence=0.55,
                evidence=[self.ctx.sentence_evidence(s)],
            )
            self.found.append(Found(ob, s))

    def _dedupe(self) -> list[Obligation]:
        seen: set[tuple[int, str, str, str]] = set()
        out = []
        for f in self.found:
            ob = f.obligation
            key = (ob.evidence[0].start, _fold(ob.obligor or ""), ob.modality, ob.action.lower())
            if key in seen:
                continue
            seen.add(key)
            out.append(ob)
        out.sort(key=lambda o: (o.evidence[0].start, o.evidence[0].end))
        return out


_LEADING_ASIDE = re.compile(r"^\s*,[^,;.]{1,60},")
_LEADING_COMMAS = re.compile(r"^[\s,]+")
_SUBORDINATE_BEFORE = re.compile(r"\b(?:whether|if|when|whenever|unless|because|since|as|than|where|until|once)\s*\Z",
                                 re.IGNORECASE)
_BUYER_VERB = re.compile(r"\s*(?:\w+\s+){0,2}?(?:purchase|buy|pay|order|acquire|subscribe|license|lease|rent)\b", re.IGNORECASE)
_RECITAL_LINE = re.compile(r"(?m)^[ \t>*(\dA-Z.)]{0,8}?((?:RECITALS?|Recitals?|BACKGROUND|Background|WITNESSETH|W\s?I\s?T\s?N\s?E\s?S\s?S\s?E\s?T\s?H|WHEREAS|Whereas)\b)")
_LIABLE_AHEAD = re.compile(r"\b(?:be|become)\s+(?:held\s+)?(?:liable|responsible|obligated)\b", re.IGNORECASE)
_NEITHER_BEFORE = re.compile(r"\b(?:neither|no)\s+(?:of\s+the\s+)?(?:party|parties)\b[^,;]{0,12}\Z", re.IGNORECASE)
_NOR_BEFORE = re.compile(r"\b(?:nor|under\s+no\s+circumstances|in\s+no\s+event|at\s+no\s+time)\s*\Z", re.IGNORECASE)
_BE_PERMITTED = re.compile(
    r"\s*be\s+(?P<kind>required|obligated|obliged|permitted|allowed|authori[sz]ed|entitled|free|restricted|prevented|prohibited|precluded)"
    r"\s+(?:\([^)]*\)\s+)?(?:[^,;.()]{0,40}?\s+)??(?:to|from)\s+", re.IGNORECASE)
_BE_REQUIRED = re.compile(r"^be\s+(?:required|obligated|obliged|permitted|allowed|authori[sz]ed)\s+(?:\([^)]*\)\s+)?to\s+",
                          re.IGNORECASE)
_ARTICLE = re.compile(r"an?\s", re.IGNORECASE)
_ARTICLE_DEADLINE = re.compile(r"\b(?:within|no\s+later\s+than|not\s+later\s+than|for\s+a\s+period\s+of|after|before|prior\s+to)\s*$",
                               re.IGNORECASE)
_LEADING_PHRASE = re.compile(
    r"([.;:]\s+|,\s+(?:and\s+|but\s+)?)(?:within|no later than|not later than|upon|after|before|during|following|"
    r"on or before|if|in the event|at any time|thereafter|unless|promptly)\b[^.;]*\Z", re.IGNORECASE)
_NEXT_SUBJECT = re.compile(r"\s+(?:the\s+)?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2}\s+(?:shall|will|must|may|agrees)\b")
_WITHIN_BEFORE = re.compile(r"\b(?:within|no\s+later\s+than|not\s+later\s+than)\s*$", re.IGNORECASE)
_INITIALISM_END = re.compile(r"\b(?:[A-Za-z]\.){2,}\Z")
_MINIMUM_BEFORE = re.compile(r"\b(?:at\s+least|not\s+less\s+than|no\s+less\s+than|a\s+minimum\s+of|not\s+fewer\s+than)\s*$",
                             re.IGNORECASE)
_PASSIVE = re.compile(r"\s+(?:not\s+)?be\s+(?:\w+(?:ed|en|id|t)|payable|due)\b", re.IGNORECASE)
_PASSIVE_BY = re.compile(r"\s+(?:not\s+)?be\s+(?:\w+)\s+(?:[\w’']+\s+){0,3}?by\s+(?:the\s+)?", re.IGNORECASE)
_VALUE_ONLY = re.compile(
    r"^(?:[\d.,%$£€()\s-]+|(?:US)?\$\s?[\d,.]+|[\d.]+\s?%|\[\*+\]|n/?a|none|included|\d+\s*-\s*\d+)$", re.IGNORECASE)


def extract(ctx: Context) -> None:
    ctx.record.obligations = ObligationReader(ctx).read()
