"""Dispute resolution: the steps a dispute takes, and the rules, seat and courts that apply.

Sentences are sorted into kinds (negotiation, mediation, arbitration, litigation, jury waiver,
injunctive relief) by the phrases in `rules/disputes.yaml`; the fields are then read from the
sentences of each kind. The dispute clause is anchored on its binding step (a general arbitration
clause, else a choice of courts); negotiation and mediation sentences count when they speak of
disputes in general or sit near that anchor, so that "the parties shall negotiate in good faith to
resolve the disputed invoice" in a payment clause does not make negotiation a step of its own.

Places (the seat of an arbitration, where the chosen courts sit) are read as the capitalised phrase
after "seat of arbitration shall be", "courts located in" and the like, and normalised with the
governing-law gazetteer: "the County of Los Angeles, California" -> "Los Angeles County,
California"; "New York, NY" -> "New York, New York"; "London" -> "London, United Kingdom".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from extractors.base import Context
from extractors.law import gazetteer
from pipeline.nlp import Sentence
from rules import compile_patterns, load_pack, require
from rules import pattern as pack_pattern

PACK = "disputes"
STEP_ORDER = ("negotiation", "mediation", "arbitration", "litigation")
# Negotiation / mediation this close to the binding clause belong to the same dispute clause.
_CLAUSE_WINDOW = 5000
# Sentences this close to an arbitration sentence are read for its rules, seat and language.
_ARBITRATION_WINDOW = 2500
# Words without which a sentence is not about disputes, searched in the lower-cased sentence with
# a case-sensitive pattern: every alternative then starts with a plain letter, which lets the regex
# engine skip ahead by first character (IGNORECASE tries every alternative at every position,
# 6x slower on the dev set). "\bseat\b" is written "seat\b(?<!\wseat)" for that reason.
_PREFILTER = re.compile(
    r"arbitra|mediat|conciliat|jurisdiction|court|venue|forum|jury|injunct|equitable|specific performance|"
    r"interim relief|provisional|negotiat|amicabl|escalat|dispute|controvers|seat\b(?<!\wseat)|language"
)
_NUMBER_WORDS = {
    "one": 1, "single": 1, "sole": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60, "ninety": 90,
}


def _compile(pattern: str, flags: int = re.I) -> re.Pattern[str]:
    return compile_patterns(pattern, PACK, pattern[:40], flags)


def _compile_any(patterns: list[str]) -> re.Pattern[str]:
    return _compile("|".join(f"(?:{p})" for p in patterns))


def _alias(pattern: str) -> re.Pattern[str]:
    """Acronyms ("AAA", "ICC") match only in capitals; names match in any case."""
    core = pattern.replace(r"\b", "")
    flags = 0 if re.fullmatch(r"[A-Z.]+", core) else re.I
    return _compile(pattern, flags)


@dataclass(frozen=True)
class _Rules:
    dispute_nouns: re.Pattern[str]
    negotiation_nouns: re.Pattern[str]
    general_scope: re.Pattern[str]
    narrow: re.Pattern[str]
    not_arbitration: re.Pattern[str]
    court_scope: re.Pattern[str]
    institution_words: re.Pattern[str]
    steps: dict[str, re.Pattern[str]]
    litigation_fallback: re.Pattern[str]
    litigation_weak: re.Pattern[str]
    court_adjective: re.Pattern[str]
    ancillary_court: re.Pattern[str]
    generic_court: re.Pattern[str]
    exclusive: re.Pattern[str]
    non_exclusive: re.Pattern[str]
    roles: re.Pattern[str]
    institutions: list[tuple[str, list[re.Pattern[str]]]]
    other_institution: re.Pattern[str]
    arbitrators: list[re.Pattern[str]]
    three_arbitrators: re.Pattern[str]
    languages: dict[str, str]
    language_patterns: list[re.Pattern[str]]
    seat_patterns: list[re.Pattern[str]]
    court_place_patterns: list[re.Pattern[str]]
    cities: dict[str, str]
    seat_countries: dict[str, str]
    state_abbreviations: dict[str, str]
    jury_waiver: re.Pattern[str]
    jury_negated: re.Pattern[str]
    injunctive: re.Pattern[str]
    injunctive_permission: re.Pattern[str]
    injunctive_strong: re.Pattern[str]
    not_places: frozenset[str]
    injunctive_negated: re.Pattern[str]
    confidence: dict[str, float]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    pack: dict[str, Any] = load_pack(PACK)
    require(pack, PACK, "dispute_nouns", "mechanisms", "institutions", "arbitrators", "jury_waiver",
            "injunctive_relief", "confidence")
    mech = pack["mechanisms"]
    roles = sorted(pack.get("escalation_roles") or [], key=len, reverse=True)
    return _Rules(
        dispute_nouns=_compile(pack["dispute_nouns"]),
        negotiation_nouns=_compile(pack.get("negotiation_nouns") or pack["dispute_nouns"]),
        general_scope=_compile(pack["general_scope"]),
        narrow=_compile(pack["narrow_determinations"]),
        not_arbitration=_compile(pack.get("not_arbitration") or r"(?!x)x"),
        court_scope=_compile(pack.get("court_scope") or pack["general_scope"]),
        institution_words=_compile(pack.get("institution_words") or r"(?!x)x"),
        steps={name: _compile_any(mech[name]) for name in STEP_ORDER},
        litigation_fallback=_compile_any(mech.get("litigation_fallback") or [r"(?!x)x"]),
        litigation_weak=_compile_any(mech.get("litigation_weak") or [r"(?!x)x"]),
        # "the Delaware Court of Chancery", "any New York state or federal court", "the English courts"
        court_adjective=re.compile(
            r"(?<![\w'’])(?P<name>" + gazetteer().adjectives_regex + r")\s+(?:(?:state|federal|provincial|superior|"
            r"district|supreme|or|and)\s+)*courts?\b(?!\s+of\b)", re.I),
        ancillary_court=_compile(mech["court_is_ancillary"]),
        generic_court=_compile(pack["generic_court"]),
        exclusive=_compile(pack["exclusive"]),
        non_exclusive=_compile(pack["non_exclusive"]),
        roles=_compile(r"\b(?P<role>" + "|".join(re.escape(r).replace(r"\ ", " ") for r in roles) + r")\b"),
        institutions=[(name, [_alias(a) for a in aliases]) for name, aliases in pack["institutions"].items()],
        other_institution=re.compile(pack_pattern(pack["other_institution"])),
        arbitrators=[_compile(p) for p in pack["arbitrators"]],
        three_arbitrators=_compile(pack["three_arbitrators"]),
        languages={lang.lower(): lang for lang in pack.get("languages") or []},
        language_patterns=[_compile(p) for p in pack.get("language_patterns") or []],
        seat_patterns=[_compile(p, re.I | re.M) for p in pack.get("seat_patterns") or []],
        court_place_patterns=[_compile(p) for p in pack.get("court_place_patterns") or []],
        cities=dict(pack.get("cities") or {}),
        seat_countries=dict(pack.get("seat_countries") or {}),
        state_abbreviations=dict(pack.get("state_abbreviations") or {}),
        jury_waiver=_compile(pack["jury_waiver"]),
        jury_negated=_compile(pack["jury_negated"]),
        injunctive=_compile(pack["injunctive_relief"]),
        injunctive_permission=_compile_any(
            [p.replace("{relief}", pack["injunctive_relief"]) for p in pack["injunctive_permission"]]),
        injunctive_strong=_compile(pack["injunctive_strong"]),
        not_places=frozenset(w.lower() for w in pack.get("not_places") or []),
        injunctive_negated=_compile(pack["injunctive_negated"]),
        confidence={k: float(v) for k, v in pack["confidence"].items()},
    )


@dataclass
class _Found:
    """Sentences of each kind, in document order."""

    steps: dict[str, list[Sentence]] = field(default_factory=lambda: {k: [] for k in STEP_ORDER})
    general_arbitration: list[Sentence] = field(default_factory=list)
    ancillary_courts: list[Sentence] = field(default_factory=list)  # courts for an award or interim relief
    litigation_fallback: list[Sentence] = field(default_factory=list)
    # any sentence naming arbitration, an arbitrator, a seat or venue, or a language
    arbitration_related: list[Sentence] = field(default_factory=list)
    jury: list[Sentence] = field(default_factory=list)
    injunctive: list[tuple[Sentence, bool]] = field(default_factory=list)  # (sentence, names a court / overrides)
    injunctive_denied: list[Sentence] = field(default_factory=list)


# '1.5 "Authorized Designee" shall mean ...': a definition, not a procedure
_DEFINITION = re.compile(r"^\s*(?:\(?[\w.]+\)?\s+)?[“\"][^”\"]{1,60}[”\"]\s+(?:shall\s+)?(?:mean|means|has|have|includes?)\b")
_HEADING_VERBS = re.compile(r"(?i)\b(?:shall|will|may|must|hereby|is|are|agrees?|submits?)\b")


def _is_heading(text: str) -> bool:
    """'17. Governing Law; Consent to Jurisdiction.': a heading names a clause, it does not make one."""
    return len(text.split()) <= 8 and not _HEADING_VERBS.search(text)


def _classify(ctx: Context) -> _Found:
    r = _rules()
    found = _Found()
    for sentence in ctx.analysis.sentences:
        text = ctx.analysis.sentence_text(sentence)
        lower = text.lower()
        if not _PREFILTER.search(lower):
            continue
        has_dispute = bool(r.dispute_nouns.search(text))
        if re.search(r"arbitra|venue|\bseat\b|language", lower):
            found.arbitration_related.append(sentence)
        if "arbitra" in lower:
            # "mediation ... under the Procedures of the American Arbitration Association": the
            # institution's name alone does not make an arbitration when mediation is the subject
            arbitration_text = r.institution_words.sub(" ", text) if "mediat" in lower else text
            if (r.steps["arbitration"].search(arbitration_text) and not r.narrow.search(text)
                    and not r.not_arbitration.search(text)):
                found.steps["arbitration"].append(sentence)
                if r.general_scope.search(text):
                    found.general_arbitration.append(sentence)
        if r.steps["mediation"].search(text) and (has_dispute or re.search(r"(?i)mediat\w+\b[^.;]{0,40}\b(?:shall|will|must)\b|mediator", text)):
            found.steps["mediation"].append(sentence)
        if r.negotiation_nouns.search(text) and r.steps["negotiation"].search(text) and not _DEFINITION.match(text):
            found.steps["negotiation"].append(sentence)
        if has_dispute and r.litigation_fallback.search(text):
            found.litigation_fallback.append(sentence)
        if re.search(r"court|jurisdiction|venue|forum", lower) and not _is_heading(text) and (
            r.steps["litigation"].search(text)
            or (r.litigation_weak.search(text) and _first_place(text, r.court_place_patterns))
        ):
            without_generic = r.generic_court.sub(" ", text)
            # "the courts of competent jurisdiction residing in Tel Aviv": generic words, a real place
            if re.search(r"(?i)court|jurisdiction|venue|forum|\b(?:located|residing|sitting|situated) in\b", without_generic):
                # courts named to enforce an award or grant interim relief, unless the sentence
                # sends disputes in general to them ("..., save that either party may seek an injunction")
                if "arbitra" in lower or (r.ancillary_court.search(text) and not r.court_scope.search(text)):
                    found.ancillary_courts.append(sentence)
                else:
                    found.steps["litigation"].append(sentence)
        if "jury" in lower and r.jury_waiver.search(text) and not r.jury_negated.search(text) and not _is_heading(text):
            found.jury.append(sentence)
        if r.injunctive.search(text):
            if r.injunctive_negated.search(text):
                found.injunctive_denied.append(sentence)
            elif r.injunctive_permission.search(text):
                found.injunctive.append((sentence, bool(r.injunctive_strong.search(text))))
    return found


def _mechanism_steps(ctx: Context, found: _Found) -> dict[str, list[Sentence]]:
    """The steps of the contract's dispute clause, each with the sentences that establish it."""
    r = _rules()
    steps: dict[str, list[Sentence]] = {}
    anchor: Sentence | None = None
    if found.steps["arbitration"]:
        steps["arbitration"] = found.general_arbitration or found.steps["arbitration"]
        anchor = steps["arbitration"][0]
    elif found.steps["litigation"]:
        steps["litigation"] = found.steps["litigation"]
        anchor = steps["litigation"][0]
    for kind in ("negotiation", "mediation"):
        kept: list[Sentence] = []
        for sentence in found.steps[kind]:
            text = ctx.analysis.sentence_text(sentence)
            near_anchor = anchor is not None and abs(sentence.start - anchor.start) <= _CLAUSE_WINDOW
            if near_anchor or r.general_scope.search(text):
                kept.append(sentence)
        if kept:
            steps[kind] = kept
    if anchor is None and (steps.get("negotiation") or steps.get("mediation")):
        # "If the dispute is not resolved ..., either Party may pursue its remedies at law"
        last = (steps.get("mediation") or steps["negotiation"])[-1]
        fallback = [s for s in found.litigation_fallback if 0 <= s.start - last.start <= _CLAUSE_WINDOW // 2]
        if fallback:
            steps["litigation"] = fallback
    return {k: steps[k] for k in STEP_ORDER if k in steps}


# ---------------------------------------------------------------- places

_PLACE_STOP = frozenset(
    """with for to and or in any that which as by on at shall will having respect over under upon if
    where whose who is are be been its their his her such each all other said same this these those
    from into within without between among against regarding relating arising except including
    provided""".split()
)


def _place_after(text: str, at: int) -> str | None:
    """The capitalised place phrase starting at `at`: "San Francisco County, California"."""
    tokens = re.finditer(r"[A-Za-z][\w.'’-]*|,|\(|\)|;|:|\n", text[at:at + 160])
    words: list[str] = []
    for m in tokens:
        token = m.group(0)
        if token == ",":
            if words and words[-1] != ",":
                words.append(",")
                continue
            break
        if token in "();:\n":
            if token == "\n":
                continue
            break
        lowered = token.lower().rstrip(".")
        if lowered in ("of", "the", "and", "de", "du", "la") and words and words[-1] != ",":
            words.append(token)
            continue
        if lowered == "the" and words and words[-1] == ",":
            continue
        if not token[0].isupper() or lowered in _PLACE_STOP or (not words and lowered in _rules().not_places):
            break
        if lowered in ("court", "courts") or (lowered == "district" and words and words[-1] == ","):
            break
        words.append(token)
    while words and (words[-1] == "," or words[-1].lower() in ("of", "the", "and", "de", "du", "la")):
        words.pop()
    if not words:
        return None
    phrase = " ".join(words).replace(" ,", ",")
    return phrase.rstrip(".") if not re.search(r"\b[A-Z]\.$", phrase) else phrase


def normalise_place(phrase: str) -> str | None:
    """'the County of Los Angeles, California' -> 'Los Angeles County, California'."""
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,.")
    phrase = ", ".join(p.strip().title() if p.strip().isupper() and len(p.strip()) > 3 else p.strip() for p in phrase.split(","))
    phrase = re.sub(r"(?i)^(?:the )?(?:court of )?(?:chancery(?: court)?|common pleas) (?:of|for) (?:the )?", "", phrase)
    phrase = re.sub(r"(?i)^(?:the )?borough of \w+ (?:of|in) (?:the )?", "", phrase)
    phrase = re.sub(r" (?:and|or) (?:the|a|an|any|such)\b.*$", "", phrase)
    phrase = re.sub(r"(?i)^(?:the )?(?:city and county of|town of|borough of [^,]+, )", "", phrase).strip()
    if not re.match(r"(?i)(?:the )?city of new york", phrase):
        phrase = re.sub(r"(?i)^(?:the )?city of ", "", phrase)
    phrase = re.sub(r"(?i)^(?:the )?(?:northern|southern|eastern|western|central|middle) district of ", "", phrase)
    phrase = re.sub(r"(?i)^(?:the )?county of ([^,]+)", r"\1 County", phrase)
    out: list[str] = []
    implied: set[str] = set()  # parts an earlier segment already said: "Toronto" implies Ontario, Canada
    us_state = False
    for raw in phrase.split(","):
        segment = re.sub(r"(?i)^(?:the )?(?:state|commonwealth|province|republic) of ", "", raw.strip()).strip()
        segment = re.sub(r"(?i)^the ", "", segment)
        # "California USA": the country written into the state's segment
        segment = re.sub(r"(?i)\s+(?:U\.?S\.?A?\.?|United States(?: of America)?)$", "", segment) or segment
        if not segment:
            continue
        name, expansion = _segment_name(segment, first=not out)
        parts = [p.strip() for p in name.split(",")]
        was_us = us_state
        us_state = us_state or any(_is_us_state(p) for p in parts)
        if all(p in implied for p in parts) or (name == "United States" and was_us):
            continue
        out.append(name)
        implied |= set(parts[1:])
    # "the State of California, County of San Diego" -> "San Diego County, California"
    for i, part in enumerate(out[1:], 1):
        m = re.fullmatch(r"(?i)(?:county of (.+)|(.+) county|city of (.+))", part)
        if m and gazetteer().canonical(out[0]) is not None:
            local = f"{m[1]} County" if m[1] else part if m[2] else m[3]
            out = [local] + out[:i] + out[i + 1:]
            break
    return ", ".join(out) or None


def _is_us_state(name: str) -> bool:
    place = gazetteer().canonical(name)
    return place is not None and place.country == "United States"


def _segment_name(segment: str, first: bool) -> tuple[str, bool]:
    """A segment's reported name, and whether it was expanded from a well-known city."""
    r = _rules()
    key = segment.replace(".", "")
    if key in r.state_abbreviations:
        return r.state_abbreviations[key], False
    if first and segment in r.cities:
        return r.cities[segment], True
    place = gazetteer().canonical(segment)
    if place is not None:
        return r.seat_countries.get(place.name, place.name), False
    return segment, False


def _is_known_place(place: str) -> bool:
    """A place is believed when one of its parts is a known jurisdiction, city or county."""
    r = _rules()
    cities = {c.split(",")[0] for c in r.cities.values()} | set(r.cities)
    for part in (p.strip() for p in place.split(",")):
        if gazetteer().canonical(part) or part in cities or re.search(r"\b(?:County|Parish)$", part):
            return True
    return False


def _first_place(text: str, patterns: list[re.Pattern[str]]) -> tuple[str, int, int] | None:
    best: tuple[str, int, int] | None = None
    for pattern in patterns:
        for m in pattern.finditer(text):
            raw = _place_after(text, m.end())
            if not raw:
                continue
            place = normalise_place(raw)
            if place and _is_known_place(place):
                if best is None or m.start() < best[1]:
                    best = (place, m.start(), m.end() + len(raw))
                break
    return best


def _court_adjective_place(text: str) -> str | None:
    """'the Delaware Court of Chancery' -> Delaware; 'the English courts' -> England and Wales."""
    m = _rules().court_adjective.search(text)
    place = gazetteer().canonical(m["name"]) if m else None
    return place.name if place else None


# ---------------------------------------------------------------- small readers

def _number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


_PERIOD = re.compile(
    r"\b(?:within|for(?:\s+a\s+period\s+of)?|after|at\s+least|of)\s+(?:(?:a|an|the|further|additional|period\s+of)\s+)*(?:(?P<word>[a-z-]+)\s+)?"
    r"(?:\(\s*(?P<paren>\d+)\s*\)\s*|(?P<digits>\d+)\s+)?(?P<unit>business\s+days?|calendar\s+days?|working\s+days?|days?|weeks?|months?)\b",
    re.I,
)


def _period(text: str) -> str | None:
    for m in _PERIOD.finditer(text):
        n = None
        for part in (m["paren"], m["digits"], m["word"]):
            if part:
                n = _number(part)
                if n:
                    break
        if n:
            unit = re.sub(r"\s+", " ", m["unit"].lower())
            unit = unit if unit.endswith("s") or n != 1 else unit
            if n != 1 and not unit.endswith("s"):
                unit += "s"
            if n == 1 and unit.endswith("s"):
                unit = unit[:-1]
            return f"{n} {unit}"
    return None


def _escalation(ctx: Context, sentences: list[Sentence]) -> tuple[str, list[Sentence]] | None:
    """'senior executives within 15 days; then chief executive officers within 10 days'."""
    r = _rules()
    steps: list[str] = []
    used: list[Sentence] = []
    for sentence in sentences:
        text = ctx.analysis.sentence_text(sentence)
        roles = [re.sub(r"\s+", " ", m["role"].lower()) for m in r.roles.finditer(text)]
        role = next((x for x in roles if not any(step.startswith(x) for step in steps)), None)
        if role is None:
            continue
        period = _period(text) or _period(_next_sentence_text(ctx, sentence))
        steps.append(f"{role} within {period}" if period else role)
        used.append(sentence)
    if not steps:
        return None
    return "; then ".join(steps), used


def _next_sentence_text(ctx: Context, sentence: Sentence) -> str:
    """The sentence after `sentence` ("If the dispute is not resolved within thirty (30) days ...")."""
    following = ctx.analysis.sentence_at(sentence.end + 1) or ctx.analysis.sentence_at(sentence.end + 2)
    if following is None or following.start - sentence.end > 400:
        return ""
    return ctx.analysis.sentence_text(following)


def _arbitration_context(found: _Found, steps: dict[str, list[Sentence]]) -> list[Sentence]:
    """The sentences of the arbitration clause: every sentence naming arbitration near it."""
    anchors = steps.get("arbitration") or []
    if not anchors:
        return []
    return [s for s in found.arbitration_related if any(abs(s.start - a.start) <= _ARBITRATION_WINDOW for a in anchors)]


def _institution(ctx: Context, sentences: list[Sentence]) -> tuple[str, Sentence, float] | None:
    r = _rules()
    best: tuple[int, int, str, Sentence] | None = None
    for sentence in sentences:
        text = ctx.analysis.sentence_text(sentence)
        for name, patterns in r.institutions:
            for pattern in patterns:
                m = pattern.search(text)
                if m and (best is None or (sentence.start, m.start()) < (best[0], best[1])):
                    best = (sentence.start, m.start(), name, sentence)
    if best:
        return best[2], best[3], r.confidence["rules"]
    for sentence in sentences:
        text = ctx.analysis.sentence_text(sentence)
        m = r.other_institution.search(text)
        if m:
            name = re.sub(r"\s+", " ", m["name"]).strip()
            return name, sentence, r.confidence["other_institution"]
    return None


def _arbitrator_count(ctx: Context, sentences: list[Sentence]) -> tuple[int, Sentence] | None:
    r = _rules()
    for sentence in sentences:
        if r.three_arbitrators.search(ctx.analysis.sentence_text(sentence)):
            return 3, sentence
    for sentence in sentences:
        text = ctx.analysis.sentence_text(sentence)
        for pattern in r.arbitrators:
            m = pattern.search(text)
            if m:
                n = _number(m["n"])
                if n:
                    return n, sentence
    return None


def _language(ctx: Context, sentences: list[Sentence]) -> tuple[str, Sentence] | None:
    r = _rules()
    for sentence in sentences:
        text = ctx.analysis.sentence_text(sentence)
        for pattern in r.language_patterns:
            m = pattern.search(text)
            if m:
                lang = r.languages.get(re.sub(r"\s+", " ", m["lang"]).lower())
                if lang:
                    return lang, sentence
    return None


# ---------------------------------------------------------------- extract

def _span(sentence: Sentence) -> list[tuple[int, int]]:
    return [(sentence.start, sentence.end)]


def extract(ctx: Context) -> None:
    r = _rules()
    conf = r.confidence
    found = _classify(ctx)
    steps = _mechanism_steps(ctx, found)
    disputes = ctx.record.disputes

    escalation = _escalation(ctx, steps["negotiation"]) if "negotiation" in steps else None
    if steps:
        kinds = list(steps)
        binding = "arbitration" if "arbitration" in steps else "litigation" if "litigation" in steps else None
        confidence = conf[binding] if binding else min(conf[k] for k in kinds) - 0.1
        if binding == "arbitration" and not found.general_arbitration:
            confidence -= 0.15  # arbitration for some disputes only, or worded unusually
        if binding == "litigation" and not found.steps["litigation"]:
            confidence -= 0.2  # "may pursue its remedies at law": no courts named
        quoted = {k: steps[k][0] for k in kinds}
        if escalation:
            quoted["negotiation"] = escalation[1][0]  # the sentence naming who negotiates
        spans = sorted({(s.start, s.end) for s in quoted.values()})
        disputes.mechanisms = ctx.field(kinds, confidence, spans)
    if escalation:
        text, used = escalation
        disputes.escalation = ctx.field(text, conf["negotiation"], [(s.start, s.end) for s in used])

    arbitration = _arbitration_context(found, steps)
    if arbitration:
        institution = _institution(ctx, arbitration)
        if institution:
            name, sentence, c = institution
            disputes.arbitration_rules = ctx.field(name, c, _span(sentence))
        count = _arbitrator_count(ctx, arbitration)
        if count:
            disputes.arbitrators = ctx.field(count[0], conf["arbitrators"], _span(count[1]))
        language = _language(ctx, arbitration)
        if language:
            disputes.language = ctx.field(language[0], conf["language"], _span(language[1]))
        for sentence in arbitration:
            seat = _first_place(ctx.analysis.sentence_text(sentence), r.seat_patterns)
            if seat:
                disputes.seat = ctx.field(seat[0], conf["seat_arbitration"], _span(sentence))
                break

    courts = found.steps["litigation"]
    if courts:
        for sentence in courts:
            text = ctx.analysis.sentence_text(sentence)
            if r.non_exclusive.search(text):
                disputes.courts_exclusive = ctx.field(False, conf["courts_exclusive"], _span(sentence))
                break
            if r.exclusive.search(text):
                disputes.courts_exclusive = ctx.field(True, conf["courts_exclusive"], _span(sentence))
                break
        if "litigation" in steps and disputes.seat is None:
            for sentence in courts:
                text = ctx.analysis.sentence_text(sentence)
                seat = _first_place(text, r.court_place_patterns)
                name = seat[0] if seat else _court_adjective_place(text)
                if name:
                    disputes.seat = ctx.field(name, conf["seat_courts"], _span(sentence))
                    break

    # Only what the contract says is reported: no waiver found is left empty, not false, since a
    # value needs a quote (the lack of a clause cannot be quoted).
    if found.jury:
        disputes.jury_waiver = ctx.field(True, conf["jury_waiver"], _span(found.jury[0]))

    if found.injunctive:
        strong = [s for s, is_strong in found.injunctive if is_strong]
        sentence = (strong or [s for s, _ in found.injunctive])[0]
        c = conf["injunctive"] if strong else conf["injunctive_no_permission"]
        disputes.injunctive_carveout = ctx.field(True, c, _span(sentence))
    elif found.injunctive_denied:
        disputes.injunctive_carveout = ctx.field(False, conf["injunctive_denied"], _span(found.injunctive_denied[0]),
                                                 note="the contract excludes injunctive or equitable relief")
