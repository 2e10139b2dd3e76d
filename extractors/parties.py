"""The contracting parties: their names, defined terms, roles, entity types and jurisdictions.

Read, in order of trust, from:
  1. the preamble's parties clause: "... by and between Acme Corp., a Delaware corporation
     ("Supplier"), and Beta LLC ("Customer")", or a parties block "BETWEEN: (1) ACME LIMITED
     ... (the "Supplier"); and (2) ..."; for a letter agreement, its first paragraph after
     "Ladies and Gentlemen:" / "Dear ...:";
  2. "Party A: ..." lines (Chinese-style contracts, cover tables);
  3. a cover-page block "BETWEEN / ACME CORP. / AND / BETA LLC";
  4. signature blocks (the entity above "By:", or after "For and on behalf of"), only when the
     above found fewer than two.

The clause is parsed around its defined-term parentheses: each `("Supplier")` closes a party;
the name is read forwards from the connector ("between", "and", "(2)", ";") that starts it, as a
run of capitalised words ending at its company-form suffix ("Inc.", "GmbH"). Cue words (suffixes,
entity types, roles, jurisdictions, the words that end a preamble) are in `rules/parties.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from extractors.base import Context
from pipeline.record import Party
from rules import alternation, load_pack, phrase, require

PACK = "parties"
# How far into a document the preamble may start: covers and tables of contents come first.
PREAMBLE_SEARCH_SHARE = 0.4
PREAMBLE_SEARCH_MAX = 60_000
# The parties clause ends at the first recital or clause heading, or after this many characters.
PARTIES_CLAUSE_MAX = 4_000




@dataclass(frozen=True)
class Rules:
    openers: re.Pattern[str]
    stops: re.Pattern[str]
    suffix_types: dict[str, str]  # "Inc" -> "corporation" (keys without their final dot)
    word_types: dict[str, str]  # "Corporation" -> "corporation"
    entity_types: re.Pattern[str]
    entity_type_names: dict[str, str]  # lower-cased written type -> recorded type
    roles: dict[str, str]  # lower-cased role word ("buyer") -> role ("customer")
    counterparts: dict[str, str]  # role -> the other side's role
    non_party_terms: frozenset[str]  # lower-cased
    non_party_words: re.Pattern[str]
    group_words: re.Pattern[str]
    connectors: frozenset[str]
    not_starts: frozenset[str]
    jurisdiction: re.Pattern[str]
    jurisdictions: frozenset[str]  # lower-cased
    address_words: frozenset[str]
    document_nouns: re.Pattern[str]


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, "party_list_openers", "preamble_stops", "entity_suffixes", "entity_words",
            "entity_types", "roles", "role_counterparts", "non_party_terms", "non_party_words",
            "group_words", "name_connectors", "not_name_starts", "jurisdictions", "address_words")
    nouns = load_pack("title").get("document_nouns", ["Agreement"])
    openers = [p for p in pack["party_list_openers"] if p.lower() != "parties"]
    types: dict[str, str] = pack["entity_types"]
    jurisdictions: list[str] = pack["jurisdictions"]
    return Rules(
        openers=re.compile(
            rf"\b(?:{alternation(openers)})\b|^[ \t>*]*PARTIES[ \t*]*:?[ \t]*$",
            re.IGNORECASE | re.MULTILINE,
        ),
        stops=re.compile(
            rf"^[ \t>*\d.()]*(?:{alternation(pack['preamble_stops'])})\b"
            # or a numbered clause heading: "1. Services", "1.0 Scope", "2.1 Definitions"
            r"|^[ \t]*\d{1,2}(?:\.\d{1,2})*\.?[ \t]+[A-Z][A-Za-z]",
            re.MULTILINE,
        ),
        suffix_types={k.rstrip("."): v for k, v in pack["entity_suffixes"].items()},
        word_types=dict(pack["entity_words"]),
        entity_types=re.compile(rf"\b(?:{alternation(list(types))})\b", re.IGNORECASE),
        entity_type_names={k.lower(): v for k, v in types.items()},
        roles={word.lower(): role for role, words in pack["roles"].items() for word in words},
        counterparts=dict(pack["role_counterparts"]),
        non_party_terms=frozenset(t.lower() for t in pack["non_party_terms"]),
        non_party_words=re.compile(rf"\b(?:{alternation(pack['non_party_words'])})\b"),
        group_words=re.compile(rf"\b(?:{alternation(pack['group_words'])})\b", re.IGNORECASE),
        connectors=frozenset(pack["name_connectors"]),
        not_starts=frozenset(pack["not_name_starts"]),
        jurisdiction=re.compile(rf"\b(?:{alternation(jurisdictions)})\b"),
        jurisdictions=frozenset(j.lower() for j in jurisdictions),
        address_words=frozenset(pack["address_words"]),
        document_nouns=re.compile(rf"\b(?:{alternation(nouns)})\b", re.IGNORECASE),
    )


# ------------------------------------------------------------------------------ the preamble


@dataclass(frozen=True)
class Preamble:
    start: int  # the opening sentence ("This Agreement is made ...")
    sentence_end: int
    end: int  # where the parties clause ends (first recital, clause 1, or a length cap)


_OPENING_START = re.compile(r"[\s>*\"“]*(?:THIS|This|The|THE)\b")
_OPENING_VERBS = re.compile(
    r"\b(?:made|entered|dated|executed|between|among|effective|concluded|agreed|confirm)",
    re.IGNORECASE,
)


_FIRST_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])(?<!Inc)(?<!Corp)(?<!Ltd)(?<!Co)(?<!No)\.\s+(?=[A-Z])|\n[ \t]*\n|\n[ \t]*[•●▪◦·]"
)
_STRONG_OPENING_VERBS = re.compile(
    r"\b(?:is|are)\s+(?:hereby\s+)?(?:made|entered|dated|executed)|\bmade\s+and\s+entered|\bdated\s+as\s+of"
    r"|\bby\s+and\s+(?:between|among)",
    re.IGNORECASE,
)
_MODAL = re.compile(r"\b(?:shall|may|will|must|should|can)\b", re.IGNORECASE)
_LINE_START = re.compile(r"(?:^|\n)[ \t>*]*(?=\S)")


def _is_opening(head: str) -> bool:
    """Does the text at this point open the contract ("This Agreement is made ...", "Agreement made this")?"""
    head = head[:700]
    sentence_end = _FIRST_SENTENCE_END.search(head)
    if sentence_end:
        head = head[:sentence_end.start()]
    nouns = rules().document_nouns
    if start_word := _OPENING_START.match(head):
        # "This Software License, Customization and Maintenance Agreement"; "The Agreement"
        reach = 250 if start_word.group().strip(" \t\n>*\"“").lower() == "this" else 60
        noun = nouns.search(head, 0, reach)
        if noun is None:
            return False
        if _STRONG_OPENING_VERBS.search(head, noun.end()):
            return True
        verb = _OPENING_VERBS.search(head, noun.end())
        return verb is not None and not _MODAL.search(head, noun.end(), verb.start())
    return bool(_title_opening().match(head))


@lru_cache(maxsize=1)
def _title_opening() -> re.Pattern[str]:
    """"AGREEMENT made this ...", "EXCLUSIVE DISTRIBUTOR AGREEMENT ("Agreement") dated as April 15, 1994"."""
    nouns = rules().document_nouns.pattern
    return re.compile(
        rf"[ \t>*\"“]*(?:[A-Z][\w,&-]*[ \t]+){{0,8}}?(?i:{nouns})"
        r"(?:\s*\([^)]{0,40}\))?\s*,?\s+(?:is\s+)?(?:made|dated|entered)\b"
    )


def _mid_sentence(text: str, start: int) -> bool:
    """Does the line at `start` continue a sentence from the line before ("... into a Split\nDollar
    Agreement, dated ...")?"""
    before = text[max(0, start - 80):start].rstrip(" \t>*\n")
    if "\n" not in text[max(0, start - 80):start] or not before:
        return False
    last_line = before.rsplit("\n", 1)[-1]
    if re.search(r"\b(?:the|and|or|of|a|an|to|by|between)$|,$", last_line):
        return True
    # a heading ("Manufacturing Agreement") ends in a lower-case letter too, but is short
    return bool(re.search(r"[a-z]$", last_line)) and len(last_line.split()) > 8


_preamble_cache: tuple[str, Preamble | None] | None = None


def find_preamble(ctx: Context) -> Preamble | None:
    """The contract's opening sentence and the parties clause around it (cached per document)."""
    global _preamble_cache
    text = ctx.document.text
    cached = _preamble_cache
    if cached is not None and cached[0] is text:
        return cached[1]
    limit = min(int(len(text) * PREAMBLE_SEARCH_SHARE) + 2_000, PREAMBLE_SEARCH_MAX)
    # headings run into the first sentence (no full stop after a title), so look at every line
    # start as well as every sentence start
    starts = {m.end() for m in _LINE_START.finditer(text, 0, limit)}
    starts.update(s.start for s in ctx.analysis.sentences if s.start < limit)
    found = None
    for start in sorted(starts):
        if _is_opening(text[start:start + 700]) and not _mid_sentence(text, start):
            sentence = ctx.analysis.sentence_at(start)
            sentence_end = sentence.end if sentence else min(len(text), start + 700)
            stop = rules().stops.search(text, start + 20, start + PARTIES_CLAUSE_MAX)
            end = stop.start() if stop else min(len(text), start + PARTIES_CLAUSE_MAX)
            found = Preamble(start, min(sentence_end, end), end)
            break
    _preamble_cache = (text, found)
    return found


# ------------------------------------------------------------------------------ names

_TOKEN = re.compile(
    r"(?P<paren>\((?:[A-Z][\w.&'’-]*)(?:[ \t][A-Z][\w.&'’-]*){0,3}\))"
    r"|(?P<word>[A-Z0-9À-Ý][\w'’.&@/™®+-]*"
    r"|[a-z]+[A-Z][\w'’.&@/™®-]*"  # eGain, iBio
    r"|[a-z][\w-]*\.(?:com|net|org|co|io)\b[\w.]*"  # drkoop.com
    r"|[a-z](?:\.[a-z])+\.?)"  # e.l.f.
    r"|(?P<amp>&|/|[-–](?=[ \t]))"
    r"|(?P<lower>[a-z][a-z'’]*\.?)"
)
# the space between two words of a name: one line break at most (a line of dashes, a PDF
# artifact, may sit in it)
_GAP = re.compile(r"[ \t]*(?:\n[ \t]*(?:[-_=]{3,}[ \t]*\n[ \t]*)?)?")
_COMMA_GAP = re.compile(r"[ \t]*,[ \t]*(?:\n[ \t]*)?")
_CONNECTOR_LINE = re.compile(r"[ \t]*(?:and|AND|And|between|BETWEEN|Between)\b[ \t:]*$", re.MULTILINE)
_CAP_CONNECTORS = frozenset({"AND", "And", "OF", "Of", "THE", "FOR", "DE", "DU", "DES", "LA", "LE", "ET", "Y"})


def _base(token: str) -> str:
    return token.rstrip(".,")


def _is_suffix(token: str) -> bool:
    return _base(token) in rules().suffix_types


def _after_gap(text: str, pos: int, end: int) -> int:
    gap = _GAP.match(text, pos, end)
    return gap.end() if gap else pos


def _next_token(text: str, pos: int, end: int) -> re.Match[str] | None:
    return _TOKEN.match(text, _after_gap(text, pos, end), end)


def read_name(text: str, pos: int, end: int) -> tuple[int, int] | None:
    """The span of the party name starting at `pos` (after spaces), or None.

    A name is a run of capitalised words, with "of", "and", "&", "de" ... between them,
    commas only before a company-form suffix ("Acme, Inc."), and ends after its suffix.
    """
    r = rules()
    end = min(end, len(text))
    i = start = _after_gap(text, pos, end)
    name_end: int | None = None
    after_entity_word = False
    while i < end:
        token = _TOKEN.match(text, i, end)
        if token is None:
            break
        kind, word = token.lastgroup, token.group()
        if name_end is None and kind != "word":
            return None
        if kind in ("lower", "amp") or (kind == "word" and word in _CAP_CONNECTORS and name_end is not None):
            lowered = word.lower()
            if kind == "lower" and _is_suffix(word):  # "BorrowMoney.com, inc."
                name_end = token.end()
                break
            if lowered not in r.connectors and kind != "amp":
                if kind == "lower" and _suffix_ahead(text, token.end(), end):
                    i = _after_gap(text, token.end(), end)
                    continue
                break
            if lowered == "and" and after_entity_word:
                break
            nxt = _next_token(text, token.end(), end)
            if nxt is None or nxt.lastgroup != "word":
                break
            i = nxt.start()
            continue
        if kind == "paren":
            nxt = _next_token(text, token.end(), end)
            if nxt is None or nxt.lastgroup != "word":
                break
            i = nxt.start()
            continue
        name_end = token.end()
        after_entity_word = _base(word) in r.word_types
        if _is_suffix(word):
            # "Co., Ltd." / "Company LLC" continue; anything else ends the name
            comma = _COMMA_GAP.match(text, token.end(), end)
            for nxt_pos in ([comma.end()] if comma else []) + [token.end()]:
                nxt = _next_token(text, nxt_pos, end)
                if nxt is not None and nxt.lastgroup in ("word", "lower") and _is_suffix(nxt.group()):
                    i = nxt.start()
                    break
            else:
                break
            continue
        gap_end = _after_gap(text, token.end(), end)
        if gap_end == token.end() and token.end() < end and not text[token.end()].isspace():
            # the word is followed directly by punctuation
            comma = _COMMA_GAP.match(text, token.end(), end)
            if comma:
                nxt = _TOKEN.match(text, comma.end(), end)
                if nxt is not None and nxt.lastgroup == "paren":  # "Columbia Laboratories, (Bermuda) Ltd."
                    after = _next_token(text, nxt.end(), end)
                    nxt = nxt if after is not None and _is_suffix(after.group()) else None
                if nxt is not None and (nxt.lastgroup == "paren" or _is_suffix(nxt.group())):
                    i = nxt.start()
                    continue
            break
        if "\n" in text[token.end():gap_end] and _CONNECTOR_LINE.match(text, gap_end):
            break  # "ACME CORP\nAND\nBETA LLC": a connector line separates two names
        i = gap_end
    if name_end is None:
        return None
    return start, _trim_name_end(text, start, name_end)


def _suffix_ahead(text: str, pos: int, end: int, lowercase_left: int = 2) -> bool:
    """Do a few more words lead to a company suffix ("... data Management Services Limited")?"""
    for _ in range(5):
        token = _next_token(text, pos, end)
        if token is None:
            return False
        if _is_suffix(token.group()):
            return True
        if token.lastgroup == "lower":
            lowercase_left -= 1
            if lowercase_left < 0:
                return False
        elif token.lastgroup != "word":
            return False
        pos = token.end()
    return False


def _trim_name_end(text: str, start: int, end: int) -> int:
    """Drop a sentence's full stop from the last word, unless the word is an abbreviation."""
    if text[end - 1] != ".":
        return end
    last = text[start:end].split()[-1]
    if _is_suffix(last) or last.count(".") > 1 or len(last) <= 3:
        return end
    return end - 1


def clean_name(raw: str) -> str:
    raw = re.sub(r"\s+[-_=]{3,}\s+", " ", raw)  # "Mail\n-------\nBoxes Etc." (a PDF artifact)
    return re.sub(r"\.{2,}", ".", re.sub(r"\s+", " ", raw)).strip(" ,;:")


_MONTH_DATE = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)(?:\s+\d.*)?"
)


def valid_name(name: str) -> bool:
    """Could this run of capitalised words be a party? Not a role ("the Company"), a place, an
    address, a date, a bare company suffix, or a heading word ("Section", "Whereas")."""
    r = rules()
    words = name.split()
    if not words or len(words) > 14 or sum(ch.isalpha() for ch in name) < 2:
        return False
    if all(_is_suffix(w) for w in words):
        return False
    has_suffix = any(_is_suffix(w) for w in words[1:])
    bare = re.sub(r"^(?:the|The|THE)(?:\s+|$)", "", name)
    lowered = bare.lower()
    if not bare:
        return False
    if lowered in r.roles or lowered in r.non_party_terms or lowered in r.jurisdictions:
        return False
    if not has_suffix and (words[0].rstrip(".,:") in r.not_starts or name in r.not_starts):
        return False
    if not has_suffix and r.document_nouns.search(name):
        return False
    if re.search(r"\bDate\b", name):
        return False
    if re.fullmatch(r"[\d,.]+", words[-1]) and len(words[-1]) >= 4:
        return False  # "MA 02110": the end of an address
    if any(w.rstrip(",") in r.address_words for w in words) and any(ch.isdigit() for ch in name):
        return False
    return not _MONTH_DATE.fullmatch(bare)


# ------------------------------------------------------------------------------ defined terms

_PARENS = re.compile(r"\((?:[^()]|\([^()]*\))*\)")
_QUOTED = re.compile(r"[\"“”]\s*([^\"“”]{1,80}?)\s*[\"“”]|‘([^‘’]{1,60})’")
# "(Bioeq)": a defined term whose quotation marks the PDF's text layer lost; "(hereinafter Sabco)"
_BARE_TERM = re.compile(
    r"\(\s*(?i:(?:hereinafter|hereafter)\s*,?\s+(?:(?:to\s+be\s+)?referred\s+to\s+as\s+|called\s+)?)?(?:the\s+)?"
    r"([A-Z][\w&.'’-]*(?:[ \t]+[A-Z][\w&.'’-]*){0,3})\s*\)"
)
_HEREINAFTER = re.compile(
    r"\b(?:hereinafter|hereafter|herein)\s*,?\s*(?:collectively\s+|individually\s+)?"
    r"(?:(?:to\s+be\s+)?referred\s+to\s+as|called(?:\s+as)?|known\s+as|designated\s+as|the)\s*:?\s*"
    r"(?:the\s+)?[\"“][^\"“”\n]{1,60}[\"”](?:\s*(?:,|or|and|/)\s*(?:the\s+)?[\"“][^\"“”\n]{1,60}[\"”])*",
    re.IGNORECASE,
)


@dataclass
class Anchor:
    """A defined-term parenthesis ("(the "Supplier")"): it closes the party named before it."""

    start: int
    end: int
    aliases: list[str]  # the party's own defined terms
    group: bool  # a collective term only ("(each a "Party")")
    group_terms: list[str] = field(default_factory=list)  # "Parties", "Marathon Parties"


def _clean_alias(raw: str) -> str:
    return re.sub(r"\s+", " ", raw).strip(" ,.;:'’")


def _anchor(text: str, start: int, end: int) -> Anchor | None:
    body = text[start:end]
    quotes = list(_QUOTED.finditer(body))
    r = rules()
    if not quotes:
        bare = _BARE_TERM.fullmatch(body)
        if bare is None or r.jurisdiction.fullmatch(bare.group(1)) or _is_suffix(bare.group(1)) \
                or bare.group(1) in r.word_types or re.search(r"\d", bare.group(1)):
            return None
        alias = _clean_alias(bare.group(1))
        return Anchor(start, end, [alias], False) if _is_party_term(alias) else None
    first_group = r.group_words.search(body)
    aliases, group_terms = [], []
    for q in quotes:
        term = _clean_alias(q.group(1) or q.group(2) or "")
        if first_group is not None and q.start() > first_group.start():
            group_terms.append(term)
        elif term and _is_party_term(term):
            aliases.append(term)
    group = first_group is not None and first_group.start() < quotes[0].start()
    if group:
        group_terms = [_clean_alias(q.group(1) or q.group(2) or "") for q in quotes]
    return Anchor(start, end, [] if group else aliases, group, group_terms)


def _is_party_term(term: str) -> bool:
    """Could this defined term name a party? Not "Agreement", "Effective Date", "Offering Price"."""
    r = rules()
    return bool(term) and term.lower() not in r.non_party_terms and not r.non_party_words.search(term) \
        and not r.document_nouns.search(term)


def find_anchors(text: str, start: int, end: int) -> list[Anchor]:
    found: list[Anchor] = []
    for m in _PARENS.finditer(text, start, end):
        anchor = _anchor(text, m.start(), m.end())
        if anchor is not None:
            found.append(anchor)
    found = [a for a in found if not _continues_name(text, a)]
    for m in _HEREINAFTER.finditer(text, start, end):
        if any(a.start <= m.start() < a.end for a in found):
            continue
        anchor = _anchor(text, m.start(), m.end())
        if anchor is not None:
            found.append(anchor)
    return sorted(found, key=lambda a: a.start)


def _continues_name(text: str, anchor: Anchor) -> bool:
    """A bare "(ShenZhen)" inside "JingWei Technology (ShenZhen) Co., Ltd." is part of the name."""
    if text[anchor.start:anchor.end].count('"') + text[anchor.start:anchor.end].count("“"):
        return False
    nxt = _next_token(text, anchor.end, min(len(text), anchor.end + 40))
    return nxt is not None and nxt.lastgroup == "word" and "\n" not in text[anchor.end:nxt.start()]


# ------------------------------------------------------------------------------ the parties clause


@dataclass
class Found:
    name: str
    start: int  # of the name
    end: int
    aliases: list[str] = field(default_factory=list)
    anchor_end: int | None = None
    descriptor: str = ""  # the text describing the party ("a Delaware corporation with ...")
    confidence: float = 0.9
    source: str = "preamble"


_LEAD_JUNK = re.compile(
    r"(?:[\s,;:.\-–—>*●•▪◦·]+|(?:by\s+and\s+)?(?:between|among|amongst)\b:?|parties\b:?|and\b:?|or\b|"
    r"(?:entered\s+into|made|executed)\s+by\b|"
    r"\(\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})\s*\)|\d{1,2}\.(?=\s))+",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(
    r"(?:\band\b|\bAND\b|\bAnd\b|;|,|\n[ \t]*\(\s*(?:\d{1,2}|[a-z])\s*\)|\(\s*(?:\d{1,2}|[a-z])\s*\)[ \t])[ \t]*:?\s*"
)
_DESCRIPTOR_START = re.compile(
    r"\s*,?\s*(?:an?\s|having\b|with\b|whose\b|located\b|organi[sz]ed\b|incorporated\b|existing\b|"
    r"doing business|d/b/a)"
)


_POSTCODE_AFTER = re.compile(r"[\s,]*\d{4,6}\b")


def _name_at(text: str, pos: int, end: int) -> Found | None:
    span = read_name(text, pos, end)
    if span is None or _POSTCODE_AFTER.match(text, span[1]):  # "Boulder, CO 80301" is an address
        return None
    name = clean_name(text[span[0]:span[1]])
    return Found(name, span[0], span[1]) if valid_name(name) else None


def _first_name(text: str, start: int, end: int, closes_party: bool) -> Found | None:
    lead = _LEAD_JUNK.match(text, start, end)
    pos = lead.end() if lead else start
    found = _name_at(text, pos, end)
    if found:
        return found
    for m in _CONNECTOR.finditer(text, pos, end):
        if m.group().strip() != "," and (found := _name_at(text, m.end(), end)):
            return found
    if not closes_party:
        return None
    # "professional golfer, TOM WATSON", "its Reseller, Schoolpop, Inc." (not the town of an address)
    for comma in re.finditer(r",\s*", text[pos:min(end, pos + 80)]):
        if re.search(r"\d", text[pos:pos + comma.start()]):
            break
        if found := _name_at(text, pos + comma.end(), end):
            return found
    return None


def _name_before(text: str, start: int, end: int) -> Found | None:
    """The name written right before a defined term: "furnishing the services of Kathy Ireland ("KI")"."""
    stop = end
    while stop > start and text[stop - 1] in " \t\n,":
        stop -= 1
    words = list(re.finditer(r"\S+", text[start:stop]))
    for word in words[-8:]:
        pos = start + word.start()
        if not text[pos].isupper():
            continue
        span = read_name(text, pos, stop)
        if span and span[1] == stop:
            name = clean_name(text[span[0]:span[1]])
            return Found(name, span[0], span[1]) if valid_name(name) else None
    return None


def _strong_name(text: str, found: Found, end: int) -> bool:
    """Is a second name in one segment clearly a party (suffix, or a description follows)?"""
    words = found.name.split()
    if any(_is_suffix(w) for w in words[1:]) and found.name.lower() not in rules().jurisdictions:
        return True
    return bool(_DESCRIPTOR_START.match(text, found.end, end)) and not rules().jurisdiction.fullmatch(found.name)


def names_in_segment(text: str, start: int, end: int, closes_party: bool = True) -> list[Found]:
    """The party names in the text between two defined-term parentheses.

    `closes_party`: the parenthesis at `end` gives a party's own defined term, so a name written
    right before it is a party even without a connector ("... services of Kathy Ireland ("KI")").
    """
    first = _first_name(text, start, end, closes_party)
    if first is None:
        before = _name_before(text, start, end) if closes_party else None
        return [before] if before else []
    names = [first]
    pos = first.end
    for m in _CONNECTOR.finditer(text, pos, end):
        if m.start() < pos:
            continue
        found = _name_at(text, m.end(), end)
        if found is None:
            continue
        listed = not text[names[-1].end:m.start()].strip(" ,\t")  # "A, B and C": right after a name
        own_line = "\n" in text[m.start():found.start] and (m.start() == 0 or "\n" in text[m.start() - 2:m.start() + 1])
        ends_segment = not text[found.end:end].strip(" ,\t\n")
        if _strong_name(text, found, end) or own_line or (listed and ends_segment and "and" in m.group().lower()):
            names.append(found)
            pos = found.end
    return names


@dataclass
class Clause:
    parties: list[Found]
    group_terms: list[str]  # collective defined terms ("Parties", "Marathon Parties")


def parse_parties_clause(text: str, start: int, end: int, confidence: float, source: str) -> Clause:
    """Parties named in text[start:end], a clause listing them with their defined terms.

    The list ends at the first sentence that does not go on naming parties, at a
    "(... the "Parties")" parenthesis, or at `end`.
    """
    end = min(end, len(text))
    found: list[Found] = []
    group_terms: list[str] = []
    segment_start = start
    anchors = find_anchors(text, start, end)
    for anchor in anchors + [None]:
        segment_end = anchor.start if anchor else end
        cut = _sentence_end(text, segment_start, segment_end)
        names_from = segment_start
        if cut is not None and (more := _LIST_GOES_ON.match(text, cut + 1, segment_end)):
            # "... Hong Kong.\nAND:\nMr. Zheng Qing ...": a parties block goes on after a full stop
            names_from, cut = more.start(), _sentence_end(text, more.end(), segment_end)
        # "... number 09.296.295/0001-60.\nHereafter referred to as the "Company"": the term still
        # belongs to the sentence before
        continues = cut is None or not text[cut:segment_end].strip(" .;,\t\n")
        closes_party = bool(anchor and anchor.aliases) and continues
        names = names_in_segment(text, names_from, cut if cut is not None else segment_end, closes_party)
        for name in names:
            name.confidence, name.source = confidence, source
            name.descriptor = text[name.end:segment_end]
        if anchor is not None and continues:
            group_terms.extend(anchor.group_terms)
            if names and anchor.aliases:
                names[-1].aliases.extend(anchor.aliases)
                names[-1].anchor_end = anchor.end
            elif not names and anchor.aliases and found and not found[-1].aliases:
                found[-1].aliases.extend(anchor.aliases)
                found[-1].anchor_end = anchor.end
            # what follows a party's defined term often describes it: ", a Delaware corporation"
            tail = text[anchor.end:min(end, anchor.end + 200)]
            owner = names[-1] if names else (found[-1] if found else None)
            if owner is not None:
                owner.descriptor += " " + tail.split(" and ", 1)[0]
        found.extend(names)
        if anchor is None or not continues:
            break
        segment_start = anchor.end
        # "(each a "Party" and together the "Parties")" closes the list of parties
        if len(found) >= 2 and any(t.lower() == "parties" for t in anchor.group_terms + anchor.aliases):
            break
    return Clause(found, group_terms)


_LIST_GOES_ON = re.compile(r"[\"”’)]*\s*(?:(?:AND|And|and)[ \t]*:?[ \t]*\n|(?:AND|And)[ \t]*:|\(\s*\d{1,2}\s*\)|-\s*and\s*-)")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?=\s+[\"“(]?[A-Z])|\n[ \t]*\n")
_NOT_SENTENCE_END = frozenset("no nos st corp inc co ltd mr ms mrs dr jr sr sec art para vs approx etc bros mfg assoc intl".split())


def _sentence_end(text: str, start: int, end: int) -> int | None:
    """Where the first sentence ending in text[start:end] ends ("Inc." and "U.S." end none)."""
    for m in _SENTENCE_END.finditer(text, start, end):
        if text[m.start()] == "." and text[m.start() - 1:m.start()] not in (")", '"', "”"):
            words = text[max(0, m.start() - 20):m.start()].split()
            last = words[-1].lstrip("(\"“") if words else ""
            if not last or _is_suffix(last) or len(last) <= 2 or "." in last or last.lower() in _NOT_SENTENCE_END:
                continue
        return m.start()
    return None


# ------------------------------------------------------------------------------ other sources

_ON_BEHALF_OF = re.compile(r"\b(?:for\s+and\s+)?on\s+behalf\s+of[ \t:]*(?:\n[ \t]*)?", re.IGNORECASE)
_SALUTATION = re.compile(r"^[ \t]*(?:Ladies\s+and\s+Gentlemen|Gentlemen|Dear\s+[^\n:,]{1,60})[ \t]*[:,][ \t]*$", re.MULTILINE)
# "Party A: ...", "Party A (Shipper): ...", and a table row "Party A | Harborview Biologics, Inc., ..."
_PARTY_LETTER = re.compile(r"^[ \t]*Party\s+([A-Z])\b\s*(?:\(([^)\n]{1,30})\)\s*)?(?:[:：|][ \t]*|[ \t]*$)(.*)$", re.MULTILINE)
_BLOCK_OPENER = re.compile(r"^[ \t]*(?:by\s+and\s+)?(?:between|among)[ \t]*:?[ \t]*$", re.IGNORECASE | re.MULTILINE)
_AND_LINE = re.compile(r"[ \t]*(?:and|AND|And)[ \t]*:?[ \t]*$")
_SIGNATURE_LINE = re.compile(r"^[ \t]*(?:By|BY|Per|PER)\s*:|^[ \t]*/s/|^[ \t]*Signature\s*:", re.MULTILINE)


def party_letter_lines(text: str, limit: int) -> list[Found]:
    """"Party A: Dazzle Interactive Network Technologies Co., Ltd." (the name may be on the next line)."""
    found = []
    for m in _PARTY_LETTER.finditer(text, 0, limit):
        pos = m.start(3)
        if not m.group(3).strip():
            nxt = re.compile(r"\s*").match(text, m.end())
            pos = nxt.end() if nxt else m.end()
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        name = _name_at(text, pos, line_end)
        if name:
            name.aliases.append(f"Party {m.group(1)}")
            if m.group(2):  # "Party A (Shipper): ..."
                name.aliases.append(_clean_alias(m.group(2)))
            name.confidence, name.source = 0.85, "party lines"
            name.descriptor = text[name.end:line_end]
            found.append(name)
    return found


def cover_block(text: str, limit: int) -> list[Found]:
    """A cover-page block: "BETWEEN" / "ACME CORP." / "AND" / "BETA LLC", one name per line."""
    m = _BLOCK_OPENER.search(text, 0, limit)
    if m is None:
        return []
    found: list[Found] = []
    pos = m.end()
    expect_name = True
    for _ in range(12):
        line_match = re.compile(r"\s*([^\n]*)").match(text, pos)
        if line_match is None or not line_match.group(1).strip():
            break
        line_start, line_end = line_match.start(1), line_match.end(1)
        pos = line_end
        line = text[line_start:line_end]
        if _AND_LINE.fullmatch(line):
            expect_name = True
            continue
        anchor = _anchor(text, line_start, line_end) if line.lstrip().startswith("(") else None
        if anchor is not None:
            if found and anchor.aliases:
                found[-1].aliases.extend(anchor.aliases)
            continue
        if not expect_name:
            break
        name = _name_at(text, line_start, line_end)
        if name is None or name.end - name.start < 0.6 * len(line.strip()):
            break
        name.confidence, name.source = 0.7, "cover"
        found.append(name)
        expect_name = False
    if len(found) >= 2:
        return found
    # "between / Rogers Cable Communications Inc. ("Rogers") and / EuroMedia Holdings Corp. ..."
    stop = rules().stops.search(text, m.end(), m.end() + 1_000)
    clause = parse_parties_clause(text, m.start(), stop.start() if stop else m.end() + 1_000, 0.75, "cover")
    return clause.parties if len(clause.parties) >= 2 else []


def signature_parties(text: str) -> list[Found]:
    """Entities named above "By:" or "/s/" lines in signature blocks."""
    witness = text.rfind("IN WITNESS WHEREOF")
    found: list[Found] = []
    for m in _SIGNATURE_LINE.finditer(text, max(witness, 0)):
        prev_end = text.rfind("\n", 0, m.start())
        while prev_end > 0 and text[prev_end - 1].isspace():
            prev_end -= 1
        prev_start = text.rfind("\n", 0, prev_end) + 1
        if _is_suffix(text[prev_start:prev_end].strip()) and prev_start > 0:
            prev_start = text.rfind("\n", 0, prev_start - 1) + 1  # "... FUND II,\nL.P."
        line = text[prev_start:prev_end].strip()
        if not line or re.match(r"(?:By|BY|Name|NAME|Title|TITLE|Date|Its|/s/)\b", line) or not line[:1].isupper():
            continue
        name = _name_at(text, prev_start, prev_end)
        if name is None or not (any(_is_suffix(w) for w in name.name.split()) or name.name.isupper()):
            continue
        name.confidence, name.source = 0.5, "signature"
        found.append(name)
    # "For and on behalf of\nDeutsche Telekom AG": the label names the party outright
    for m in _ON_BEHALF_OF.finditer(text, max(witness, 0)):
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        name = _name_at(text, m.end(), line_end)
        if name is not None:
            name.confidence, name.source = 0.55, "signature"
            found.append(name)
    return found


# ------------------------------------------------------------------------------ describing a party


def _jurisdiction(descriptor: str) -> str | None:
    laws = re.search(
        r"(?:laws?\s+of|organi[sz]ed\s+in|incorporated\s+in|registered\s+in|established\s+in|formed\s+in)"
        r"\s+(?:the\s+)?(?:(?:State|Commonwealth|Province|Republic|Kingdom|Territory)\s+of\s+(?:the\s+)?)?",
        descriptor,
    )
    if laws:
        j = rules().jurisdiction.match(descriptor, laws.end())
        if j:
            return j.group()
    return None


def describe(found: Found) -> tuple[str | None, str | None]:
    """(entity type, jurisdiction) from the words after the name, else from its suffix."""
    r = rules()
    descriptor = re.sub(r"\s+", " ", found.descriptor[:400])
    entity_type = jurisdiction = None
    typed = re.match(
        rf"\W*(?:an?|the)\s+((?:[A-Z][\w.'-]*\s+){{0,4}}?)({r.entity_types.pattern})",
        descriptor, re.IGNORECASE,
    )
    if typed:
        entity_type = r.entity_type_names.get(typed.group(2).lower())
        place = typed.group(1).strip()
        j = r.jurisdiction.fullmatch(place) if place else None
        jurisdiction = j.group() if j else None
    else:
        typed = r.entity_types.search(descriptor[:120])
        if typed and re.match(r"\W*(?:an?\s|is\s+an?\s|a\s+company|being\s)", descriptor):
            entity_type = r.entity_type_names.get(typed.group().lower())
    jurisdiction = jurisdiction or _jurisdiction(descriptor[:250])
    if entity_type is None:
        for word in reversed(found.name.split()):
            base = _base(word)
            if base in r.suffix_types:
                entity_type = r.suffix_types[base]
                break
            if base in r.word_types:
                entity_type = r.word_types[base]
                break
    return entity_type, jurisdiction


# ------------------------------------------------------------------------------ merging


def _key(name: str) -> frozenset[str]:
    r = rules()
    words = re.sub(r"[^\w\s&]", " ", name.lower()).split()
    kept = [w for w in words if w not in {"the", "and", "of", "&"} and w not in {s.lower() for s in r.suffix_types}]
    return frozenset(kept or words)


def _suffix_type(name: str) -> str | None:
    words = name.split()
    return next((rules().suffix_types[_base(w)] for w in reversed(words[1:]) if _is_suffix(w)), None)


def _same_party(a: Found, b: Found) -> bool:
    """One party written twice: "ACCURAY INCORPORATED" / "Accuray Incorporated", "Xencor" / "Xencor, Inc."."""
    ka, kb = _key(a.name), _key(b.name)
    if not ka or not kb:
        return False
    ta, tb = _suffix_type(a.name), _suffix_type(b.name)
    if ta and tb and ta != tb:
        return False  # "Hoffmann-La Roche Inc." is not "F. Hoffmann-La Roche Ltd"
    small, large = sorted((ka, kb), key=len)
    if small <= large and len(large - small) <= 1:
        return True
    return len(ka & kb) / len(ka | kb) >= 0.75


def _is_alias_of_known(name: str, known: list[Found]) -> bool:
    lowered = name.lower()
    return any(lowered == alias.lower() for f in known for alias in f.aliases)


def merge(primary: list[Found], extra: list[Found]) -> list[Found]:
    """`primary` parties, plus those of `extra` that are not one of them written another way.

    Names from one clause are distinct parties (each has its own defined term) unless written
    identically; names from another source are matched loosely ("ACME CORP." / "Acme Corp.").
    """
    parties: list[Found] = []
    for found in primary:
        if not any(_key(p.name) == _key(found.name) for p in parties):
            parties.append(found)
    for found in extra:
        if _is_alias_of_known(found.name, parties):
            continue
        same = next((p for p in parties if _key(p.name) == _key(found.name)), None) \
            or next((p for p in parties if _same_party(p, found)), None)
        if same is None:
            parties.append(found)
            continue
        for alias in found.aliases:
            if alias.lower() not in {a.lower() for a in same.aliases}:
                same.aliases.append(alias)
        if not same.descriptor.strip():
            same.descriptor = found.descriptor
    return parties


# ------------------------------------------------------------------------------ the extractor


def find_parties(ctx: Context) -> list[Found]:
    text = ctx.document.text
    limit = min(int(len(text) * PREAMBLE_SEARCH_SHARE) + 2_000, PREAMBLE_SEARCH_MAX)
    preamble = find_preamble(ctx)
    clause = Clause([], [])
    if preamble is not None:
        openers = list(rules().openers.finditer(text, preamble.start, preamble.end))
        # a "PARTIES" / "BETWEEN:" heading beats "between" in running text ("entered into
        # between the parties on 1 April, 2020. PARTIES (1) ...")
        headings = [o for o in openers if _alone_on_line(text, o.start(), o.end())]
        opener = headings[0] if headings else (openers[0] if openers else None)
        if opener is not None:
            clause = parse_parties_clause(text, opener.start(), preamble.end, 0.9, "preamble")
    if not clause.parties and (salutation := _SALUTATION.search(text, 0, limit)):
        # a letter agreement: "Ladies and Gentlemen: Acme Corp. (the "Company") ... confirms its
        # agreement with ..."
        stop = rules().stops.search(text, salutation.end(), salutation.end() + 2_000)
        clause = parse_parties_clause(text, salutation.end(), stop.start() if stop else salutation.end() + 2_000,
                                      0.75, "letter")
    found = merge(clause.parties, party_letter_lines(text, limit) + cover_block(text, limit))
    if len(found) < 2:
        found = merge(found, signature_parties(text))
    group_terms = {t.lower() for t in clause.group_terms}
    return [f for f in found if not _restates_known_parties(f, found, group_terms)]


def _restates_known_parties(found: Found, parties: list[Found], group_terms: set[str]) -> bool:
    """"Antares and AMAG", "ACSI and Company": other parties' defined terms, not a new party."""
    known = {a.lower() for p in parties if p is not found for a in p.aliases} | set(rules().roles) | group_terms
    pieces = [p.strip().lower() for p in re.split(r",|\band\b|&", found.name) if p.strip()]
    pieces = [re.sub(r"^the\s+", "", p) for p in pieces]
    return bool(pieces) and all(p in known for p in pieces)


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return not text[line_start:start].strip(" \t>*") and not text[end:line_end].strip(" \t:*")


def assign_roles(parties: list[Found]) -> list[str | None]:
    """Each party's role: from its own defined terms, else opposite the other party's."""
    r = rules()
    roles = [next((r.roles[a.lower()] for a in p.aliases if a.lower() in r.roles), None) for p in parties]
    if len(parties) == 2:
        for i, j in ((0, 1), (1, 0)):
            other = roles[j]
            if (roles[i] is None or roles[i] == "company") and other in r.counterparts:
                roles[i] = r.counterparts[other]
        if roles == [None, None]:
            roles = ["party", "party"]  # a mutual contract: neither side has a role of its own
    return roles


def to_party(ctx: Context, found: Found, role: str | None) -> Party:
    entity_type, jurisdiction = describe(found)
    end = found.anchor_end or found.end
    confidence = found.confidence if found.aliases or found.source != "preamble" else found.confidence - 0.1
    return Party(
        name=found.name,
        aliases=found.aliases,
        role=role,
        entity_type=entity_type,
        jurisdiction=jurisdiction,
        confidence=round(confidence, 3),
        evidence=[ctx.evidence(found.start, end)],
    )


def extract(ctx: Context) -> None:
    found = find_parties(ctx)
    ctx.record.parties = [to_party(ctx, f, role) for f, role in zip(found, assign_roles(found))]
