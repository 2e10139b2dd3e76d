"""Governing law: the jurisdiction whose law the parties chose, quoting the choice-of-law sentence.

A sentence chooses a law when a choice cue ("governed by", "construed in accordance with", "The
laws of X shall govern") meets a law mention ("the laws of the State of New York", "Texas law").
Courts and venues ("the courts of the State of New York") are never law mentions, and a law mention
inside a party description ("a corporation organized under the laws of Delaware") is skipped.
Cue phrases, the gazetteer of jurisdictions and the scoring live in `rules/governing_law.yaml`.

The gazetteer (`Gazetteer`, `gazetteer()`) is shared with the dispute extractor, which names
the seat of an arbitration or the courts' location with the same canonical names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.base import Context
from pipeline.nlp import Sentence
from rules import load_pack, require

PACK = "governing_law"

# The sentence is about the contract itself, not about "franchisees governed by Minnesota law".
_THIS_AGREEMENT = re.compile(
    r"\b(?:this|the)\s+(?:[\w-]+\s+)?(?:agreement|amendment|contract|assignment|addendum|license|licence|lease|"
    r"guarantee|guaranty|manual|terms|order)\b|\bhere(?:under|to|of|in)\b|\bthe\s+parties\b",
    re.I,
)
# Law mentions more than this far after their cue are probably about something else.
_FAR = 160
MIN_CONFIDENCE = 0.4


def _words(text: str) -> str:
    """A literal phrase as a regex that allows any run of whitespace between its words."""
    parts = [re.sub(r"['’]", "['’]", re.escape(w)) for w in text.split()]
    return r"\s+".join(parts)


def _alias_regex(alias: str) -> str:
    pattern = _words(alias)
    # "US", "PRC", "ROC": short capitals are names only in capitals ("us" is a pronoun)
    bare = alias.replace(".", "")
    if bare.isupper() and len(bare) <= 5:
        return f"(?-i:{pattern})"
    return pattern


def _spaces(pattern: str) -> str:
    """A YAML pattern with each literal space widened to any whitespace (PDF line breaks)."""
    return pattern.replace(" ", r"\s+")


_CASE_SENSITIVE = "(?-i:"


def _by_first_letter(alternatives: list[str]) -> str:
    """One alternation of `alternatives`, grouped by first letter behind a one-letter lookahead.

    The regex engine tries an alternation's branches one by one at every position of the text;
    with hundreds of place names that is most of the governing-law extractor's time. Behind
    "(?=[nN])" only the names starting with N are tried (4x faster on the dev set). Same matches:
    at any position only names starting with that letter can match, and their order (longest
    first) is kept within the group."""
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        first = alternative[len(_CASE_SENSITIVE)] if alternative.startswith(_CASE_SENSITIVE) else alternative[:1]
        if not first.isalpha():
            return "(?:" + "|".join(alternatives) + ")"  # a name starting otherwise: keep the plain alternation
        groups.setdefault(first.lower(), []).append(alternative)
    return "(?:" + "|".join(f"(?=[{k}{k.upper()}])(?:{'|'.join(v)})" for k, v in groups.items()) + ")"


@dataclass(frozen=True)
class Place:
    name: str  # the canonical name: "New York", "Ontario, Canada", "England and Wales"
    country: str | None  # for a state or province, its country; None for a country


class Gazetteer:
    """Jurisdictions by canonical name, with one regex alternation over every alias."""

    def __init__(self, pack: dict) -> None:
        self.places: dict[str, Place] = {}
        alias_to_name: dict[str, str] = {}
        spellings: dict[str, str] = {}  # lower-cased alias -> the alias as written in the pack
        entries = [(name, aliases, None) for name, aliases in (pack.get("countries") or {}).items()]
        for country, states in (pack.get("subdivisions") or {}).items():
            entries += [(name, aliases, country) for name, aliases in states.items()]
        for name, aliases, country in entries:
            self.places[name] = Place(name, country)
            for alias in [name, *(aliases or [])]:
                spellings.setdefault(alias.lower(), alias)
                if country is not None or alias.lower() not in alias_to_name:
                    alias_to_name[alias.lower()] = name  # a state's name wins over a country alias
        adjectives = {a.lower(): a for a in (pack.get("adjectives") or {})}
        for adjective, name in (pack.get("adjectives") or {}).items():
            alias_to_name.setdefault(adjective.lower(), name)
        for alias, name in list(alias_to_name.items()):
            alias_to_name.setdefault(alias.replace(".", ""), name)  # "U.S.A" at the end of a phrase
        self._alias_to_name = alias_to_name
        # longest first, so "New York State" beats "New York" and "People's Republic of China"
        # beats "Republic of China"
        names = sorted(spellings.values(), key=len, reverse=True)
        self.names_regex = _by_first_letter([_alias_regex(a) for a in names]) + r"(?![\w'’])"
        with_adjectives = sorted([*names, *adjectives.values()], key=len, reverse=True)
        self.adjectives_regex = _by_first_letter([_alias_regex(a) for a in with_adjectives]) + r"(?![\w'’])"

    def canonical(self, mention: str) -> Place | None:
        key = re.sub(r"\s+", " ", mention).replace("’", "'").strip().lower()
        name = self._alias_to_name.get(key) or self._alias_to_name.get(key.replace(".", ""))
        return self.places.get(name) if name else None


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer(load_pack(PACK))


@dataclass(frozen=True)
class _Patterns:
    cues: list[tuple[re.Pattern[str], float]]
    law_of: re.Pattern[str]  # "the laws of the State of <name>"
    adjectival: re.Pattern[str]  # "<name> law"
    party_description: re.Pattern[str]
    redacted: re.Pattern[str]
    heading: re.Pattern[str]
    exception: re.Pattern[str]
    scoring: dict[str, float]


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    pack = load_pack(PACK)
    require(pack, PACK, "choice_cues", "law_nouns", "name_prefixes", "party_description", "countries", "scoring")
    places = gazetteer()
    nouns = pack["law_nouns"]
    prefixes = _spaces(pack["name_prefixes"]).replace("'", "['’]")
    law_of = re.compile(
        # "the internal laws, and not by the laws regarding conflicts of laws, of the State of X"
        rf"\b(?:{nouns})\b(?:\s+and\s+decisions)?(?:\s*,[^,;]{{1,80}},)?\s+(?:of\s+)?(?:(?:{prefixes})\s+(?:of\s+)?)*?"
        rf"(?P<name>{places.names_regex})",
        re.I,
    )
    adjectival = re.compile(
        rf"(?<![\w'’])(?P<name>{places.adjectives_regex})\s+(?:(?:{pack['adjective_qualifiers']})\s+)?"
        rf"(?:{nouns})\b",
        re.I,
    )
    cues = [(re.compile(_spaces(c["pattern"]), re.I), float(c["weight"])) for c in pack["choice_cues"]]
    return _Patterns(
        cues=cues,
        law_of=law_of,
        adjectival=adjectival,
        party_description=re.compile(_spaces(pack["party_description"]), re.I),
        redacted=re.compile(pack.get("redacted") or r"(?!x)x"),
        heading=re.compile(_spaces(pack.get("headings") or r"(?!x)x"), re.I),
        exception=re.compile(_spaces(pack.get("exceptions") or r"(?!x)x"), re.I),
        scoring={k: float(v) for k, v in pack["scoring"].items()},
    )


@dataclass(frozen=True)
class Choice:
    """One sentence that chooses a law."""

    place: Place
    sentence: Sentence
    score: float


# "the laws of the U.S. Securities and Exchange Commission": the name runs on into an agency's or
# an act's name, so it is not a jurisdiction.
_NAME_RUNS_ON = re.compile(r"\s+(?:[A-Z][a-z]+|&)")


def _mentions(text: str) -> list[tuple[int, Place]]:
    """(offset, place) of every law mention in a sentence, in text order."""
    p = _patterns()
    places = gazetteer()
    found: dict[int, Place] = {}
    for regex in (p.law_of, p.adjectival):
        for m in regex.finditer(text):
            place = places.canonical(m["name"])
            if place is None:
                continue
            before = re.sub(r"\s+", " ", text[max(0, m.start() - 90):m.start()])
            if p.party_description.search(before):
                continue
            if regex is p.law_of and _runs_on(text, m.end("name")):
                continue
            found.setdefault(m.start("name"), place)
    return sorted(found.items())


def _runs_on(text: str, end: int) -> bool:
    m = _NAME_RUNS_ON.match(text, end)
    if not m:
        return False
    following = text[m.start():m.start() + 40].strip()
    return gazetteer().canonical(following.split(",")[0]) is None and not re.match(r"(?i)laws?\b", following)


def _federal_to_state(text: str, mentions: list[tuple[int, Place]]) -> Place:
    """'the laws of the United States and the State of New York' -> New York."""
    at, first = mentions[0]
    if first.country is not None:
        return first
    places = gazetteer()
    for _, place in mentions[1:]:
        if place.country == first.name:
            return place
    for m in re.finditer(places.names_regex, text[at:at + 120], re.I):
        place = places.canonical(m.group(0))
        if place is not None and place.country == first.name:
            return place
    return first


def _best_cue(text: str, mention_at: int) -> tuple[float, int] | None:
    """The strongest choice cue for a law mention at `mention_at`, with its distance to it."""
    p = _patterns()
    # "Except to the extent governed by the Lanham Act, ...": a cue inside an exception is not
    # the choice; blank the exception out (same length, so offsets hold)
    text = p.exception.sub(lambda m: " " * len(m.group(0)), text)
    best: tuple[float, int] | None = None
    for regex, weight in p.cues:
        for m in regex.finditer(text):
            if m.end() <= mention_at:
                distance = mention_at - m.end()
            elif m.start() > mention_at:  # "The laws of X shall govern this Agreement"
                distance = m.start() - mention_at
            else:
                continue
            if best is None or weight > best[0] or (weight == best[0] and distance < best[1]):
                best = (weight, distance)
    return best


def _is_heading_before(ctx: Context, sentence: Sentence) -> bool:
    heading = _patterns().heading
    before = ctx.document.text[max(0, sentence.start - 60):sentence.start]
    return bool(heading.search(before) or heading.search(ctx.document.text[sentence.start:sentence.start + 40]))


_LAW_WORD = re.compile(r"law|regulation|legislation")  # in the lower-cased text


def find_choices(ctx: Context) -> list[Choice]:
    p = _patterns()
    choices = []
    folded = ctx.analysis.folded_text
    for sentence in ctx.analysis.sentences:
        if not _LAW_WORD.search(folded, sentence.start, sentence.end):
            continue
        text = ctx.analysis.sentence_text(sentence)
        mentions = _mentions(text)
        if not mentions:
            continue
        cue = _best_cue(text, mentions[0][0])
        if cue is None:
            continue
        weight, distance = cue
        score = weight
        if not _THIS_AGREEMENT.search(text):
            score += p.scoring.get("no_agreement", 0.0)
        if _is_heading_before(ctx, sentence):
            score += p.scoring.get("heading", 0.0)
        if distance > _FAR:
            score += p.scoring.get("far_mention", 0.0)
        choices.append(Choice(_federal_to_state(text, mentions), sentence, min(max(score, 0.05), 0.97)))
    return choices


_GOVERNED_WORD = re.compile(r"governed|construed")  # in the lower-cased text: most sentences have neither
_GOVERNED_BY_LAWS_OF = re.compile(r"\b(?:governed|construed)\b.{0,120}?\blaws?\s+of\s+(?:the\s+)?", re.I | re.S)


def _redacted_choice(ctx: Context) -> bool:
    """'governed by the laws of [***]': the jurisdiction was redacted, so do not guess another."""
    p = _patterns()
    folded = ctx.analysis.folded_text
    for sentence in ctx.analysis.sentences:
        if not _GOVERNED_WORD.search(folded, sentence.start, sentence.end):
            continue
        text = ctx.analysis.sentence_text(sentence)
        m = _GOVERNED_BY_LAWS_OF.search(text)
        if m and p.redacted.match(text[m.end():m.end() + 12]):
            return True
    return False


def extract(ctx: Context) -> None:
    choices = [c for c in find_choices(ctx) if c.score >= MIN_CONFIDENCE]
    if not choices:
        return
    best = max(choices, key=lambda c: (c.score, -c.sentence.start))
    if best.score < 0.9 and _redacted_choice(ctx):
        return
    score = best.score
    note = None
    rivals = sorted({c.place.name for c in choices if c.place != best.place and c.score >= 0.8})
    if rivals:
        score += _patterns().scoring.get("disagreement", 0.0)
        note = "other choice-of-law sentences name " + ", ".join(rivals)
    ctx.record.governing_law = ctx.field(
        best.place.name, max(score, 0.05), [(best.sentence.start, best.sentence.end)], note=note
    )
