"""Notices: how a notice must be given to be valid, when it counts as received, and where it goes.

The notice clause is the sentence that sets the rules ("All notices ... shall be in writing and
shall be deemed given (a) when delivered personally, ...") and the text after it up to the next
section, where the addresses usually stand ("If to Provider: ... Attention: ... Email: ...").
Ways of delivery, the deemed-receipt wording and the address-block headers are in
`rules/notices.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from extractors.base import Context
from pipeline.nlp import Sentence
from pipeline.record import NoticeAddress
from rules import compile_patterns, load_pack, require

PACK = "notices"
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "twenty-four": 24, "forty-eight": 48,
    "seventy-two": 72,
}
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
             "seventh": "7th", "tenth": "10th"}
_EVENTS = {
    "mailed": "mailing", "mailing": "mailing", "posted": "posting", "posting": "posting", "postmark": "postmark",
    "deposit": "deposit", "deposited": "deposit", "dispatch": "dispatch", "dispatched": "dispatch",
    "sent": "sending", "sending": "sending", "transmission": "transmission", "transmitted": "transmission",
    "delivery": "delivery", "delivered": "delivery", "receipt": "receipt", "received": "receipt",
    "being": "sending", "placed": "posting", "its": "sending",
}


def _compile(pattern: str, flags: int = re.I) -> re.Pattern[str]:
    return compile_patterns(pattern, PACK, pattern[:40], flags)


@dataclass(frozen=True)
class _Rules:
    clause_cues: list[re.Pattern[str]]
    heading: re.Pattern[str]
    section_end: re.Pattern[str]
    continues_clause: re.Pattern[str]
    max_clause_chars: int
    methods: list[tuple[str, re.Pattern[str]]]
    method_negated: re.Pattern[str]
    method_copy: re.Pattern[str]
    method_label: re.Pattern[str]
    deemed_cue: re.Pattern[str]
    item_split: re.Pattern[str]
    address_headers: list[str]
    party_roles: list[str]
    copy_to: re.Pattern[str]
    attention: re.Pattern[str]
    email: re.Pattern[str]
    contact_label: re.Pattern[str]
    confidence: dict[str, float]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    pack: dict[str, Any] = load_pack(PACK)
    require(pack, PACK, "clause_cues", "methods", "deemed_cue", "address_headers", "confidence")
    methods = []
    for name, patterns in pack["methods"].items():
        methods.append((name, _compile("|".join(f"(?:{p})" for p in patterns))))
    return _Rules(
        clause_cues=[_compile(p) for p in pack["clause_cues"]],
        heading=_compile(pack["heading"], re.I),
        section_end=re.compile(pack["section_end"]),
        continues_clause=_compile(pack.get("continues_clause") or r"(?!x)x"),
        max_clause_chars=int(pack.get("max_clause_chars", 3500)),
        methods=methods,
        method_negated=_compile(pack["method_negated"]),
        method_copy=_compile(pack["method_copy"]),
        method_label=_compile(pack["method_label"]),
        deemed_cue=_compile(pack["deemed_cue"]),
        item_split=_compile(pack["item_split"]),
        address_headers=list(pack["address_headers"]),
        party_roles=list(pack.get("party_roles") or []),
        copy_to=_compile(pack["copy_to"]),
        attention=_compile(pack["attention"]),
        email=re.compile(pack["email"]),
        contact_label=_compile(pack["contact_label"], re.I | re.M),
        confidence={k: float(v) for k, v in pack["confidence"].items()},
    )


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    anchor: Sentence
    headed: bool  # under a "Notices" heading


# ---------------------------------------------------------------- the clause

def _method_mentions(text: str) -> list[tuple[int, str]]:
    """(offset, method) of every way of delivery named in `text`, skipping address-block labels
    ("Facsimile: (212) ...") and copies ("with a copy by email")."""
    r = _rules()
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in r.methods:
        for m in pattern.finditer(text):
            if name == "mail" and any(a < m.end() and m.start() < b for a, b in taken):
                continue  # "certified mail" is not also "mail"
            if r.method_label.match(text, m.end()) or r.method_copy.search(text[max(0, m.start() - 30):m.start()]):
                continue
            found.append((m.start(), name))
            taken.append((m.start(), m.end()))
    return sorted(found)


def _heading_before(text: str, start: int) -> re.Match[str] | None:
    window = text[max(0, start - 700):start + 40]
    matches = list(_rules().heading.finditer(window))
    if not matches:
        return None
    last = matches[-1]
    between = window[last.end():]
    if _rules().section_end.search(between[: max(0, len(between) - 40)]):
        return None  # another section starts between the heading and the sentence
    return last


def _find_clause(ctx: Context) -> _Clause | None:
    r = _rules()
    text = ctx.document.text
    best: tuple[int, Sentence, bool] | None = None
    for sentence in ctx.analysis.sentences:
        sentence_text = ctx.analysis.sentence_text(sentence)
        lower = sentence_text.lower()
        if "notice" not in lower and "communication" not in lower:
            continue
        headed = _heading_before(text, sentence.start) is not None
        # "Section 12. Notices. All communications hereunder ... shall be mailed": under the heading,
        # the first sentence need not say "notice"
        if not any(p.search(sentence_text) for p in r.clause_cues) and not (headed and _method_mentions(sentence_text)):
            continue
        score = 1 + 2 * bool(_method_mentions(sentence_text)) + 2 * headed
        score += bool(re.search(r"(?i)in writing", sentence_text)) + bool(re.search(r"(?i)address", sentence_text))
        if best is None or score > best[0]:
            best = (score, sentence, headed)
    if best is None or best[0] < 3:
        return None
    _, anchor, headed = best
    start = anchor.start
    heading = _heading_before(text, anchor.start)
    if heading is not None:
        start = max(0, anchor.start - 700) + heading.start()
    limit = min(anchor.start + r.max_clause_chars, len(text))
    end = limit
    for stop in r.section_end.finditer(text, anchor.end, limit):
        if not r.continues_clause.match(text, stop.start() + 1):
            end = stop.start()
            break
    return _Clause(start, max(end, anchor.end), anchor, headed)


def _clause_sentences(ctx: Context, clause: _Clause) -> list[Sentence]:
    return [s for s in ctx.analysis.sentences if s.end > clause.start and s.start < clause.end]


# ---------------------------------------------------------------- methods

def _methods(ctx: Context, sentences: list[Sentence]) -> tuple[list[str], list[Sentence]]:
    r = _rules()
    allowed: dict[str, int] = {}
    quoted: list[Sentence] = []
    for sentence in sentences:
        text = ctx.analysis.sentence_text(sentence)
        mentions = _method_mentions(text)
        if not mentions:
            continue
        if r.method_negated.search(text):
            continue  # "email alone shall not constitute notice": allowed only if said elsewhere
        new = False
        for offset, name in mentions:
            if name not in allowed:
                allowed[name] = sentence.start + offset
                new = True
        if new:
            quoted.append(sentence)
    names = sorted(allowed, key=allowed.get)
    if "mail" in names and ({"certified mail", "registered mail", "first-class post"} & set(names)):
        names.remove("mail")  # "if mailed, by certified mail" is one way, not two
    return names, quoted[:3]


# ---------------------------------------------------------------- deemed received

_NUM = r"(?:\d+|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_AFTER = r"\s+(?:after|following|from|of)(?P<tail>(?:\s+[\w’']+){1,7})"
_TIMINGS = [
    re.compile(
        rf"\b(?P<n>{_NUM})\s*(?:\(\s*\d+\s*\)\s*)?(?P<kind>business|calendar|working|full)?\s*(?P<unit>days?|hours?)" + _AFTER, re.I),
    re.compile(
        r"\b(?:on\s+)?the\s+(?P<ord>first|second|third|fourth|fifth|sixth|seventh|tenth|\d+(?:st|nd|rd|th))\s*(?:\(\s*\w+\s*\)\s*)?"
        r"(?P<kind>business|working|calendar)?\s*day" + _AFTER, re.I),
    re.compile(r"\b(?:on\s+)?the\s+next\s+(?P<kind>business|working)?\s*day\b", re.I),
    re.compile(
        r"\b(?:(?:upon|on|when|at\s+the\s+time\s+of|as\s+of|at)\s+(?:the\s+)?(?:date\s+(?:of\s+)?|day\s+(?:of\s+)?|time\s+(?:of\s+)?)?|the\s+date\s+of\s+)"
        r"(?:its\s+)?(?:actual\s+|confirmed\s+|successful\s+|personal\s+|(?:(?:electronic|written)\s+(?:or\s+(?:electronic|written)\s+)?))?(?P<ev>receipt|delivery|delivered|received|"
        r"transmission|transmitted|sent|sending|dispatch|confirmation\s+of\s+(?:receipt|transmission)|left)\b", re.I),
    re.compile(r"\bthe\s+(?P<kind>business\s+|working\s+)?day" + _AFTER, re.I),
    re.compile(r"\bleft\s+at\b", re.I),
]


def _event(tail: str) -> str:
    """'the date on which same was deposited in the mail' -> 'deposit'."""
    for word in re.findall(r"[\w’']+", tail.lower()):
        if word in _EVENTS and word not in ("being", "its"):
            return _EVENTS[word]
    return "sending" if re.search(r"(?i)\bbeing\b|\bits\b", tail) else tail.strip().split()[0].lower()


def _number(word: str) -> str:
    word = word.lower()
    return word if word.isdigit() else str(_NUMBER_WORDS.get(word, word))


def _timings(text: str) -> list[str]:
    """Canonical timing phrases in `text`, in order: '3 business days after mailing', 'on delivery'."""
    found: list[tuple[int, str]] = []
    covered: list[tuple[int, int]] = []
    for i, pattern in enumerate(_TIMINGS):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in covered):
                continue
            if i == 0:
                unit = m["unit"].lower()
                n = _number(m["n"])
                if n == "1" and unit.endswith("s"):
                    unit = unit[:-1]
                elif n != "1" and not unit.endswith("s"):
                    unit += "s"
                kind = f"{m['kind'].lower()} " if m["kind"] else ""
                phrase = f"{n} {kind}{unit} after {_event(m['tail'])}"
            elif i == 1:
                ordinal = _ORDINALS.get(m["ord"].lower(), m["ord"].lower())
                kind = f"{m['kind'].lower()} " if m["kind"] else ""
                phrase = f"{ordinal} {kind}day after {_event(m['tail'])}"
            elif i == 2:
                phrase = f"next {m['kind'].lower()} day" if m["kind"] else "next day"
            elif i == 5:
                phrase = "when left at the address"
            elif i == 4:
                kind = m["kind"].strip().lower() + " " if m["kind"] else ""
                phrase = f"1 {kind}day after {_event(m['tail'])}"
            else:
                ev = re.sub(r"\s+", " ", m["ev"].lower())
                ev = {"delivered": "delivery", "received": "receipt", "transmitted": "transmission", "sent": "sending",
                      "left": "being left at the address"}.get(ev, ev)
                phrase = f"on {ev}"
            found.append((m.start(), phrase))
            covered.append((m.start(), m.end()))
    out: list[str] = []
    for _, phrase in sorted(found):
        if phrase not in out:
            out.append(phrase)
    return out


_ENUMERATED = re.compile(r"^\s*\(?(?:[a-h]|i{1,3}|iv|vi{0,3}|\d)\)\s")


def _deemed(ctx: Context, sentences: list[Sentence]) -> tuple[str, tuple[int, int]] | None:
    r = _rules()
    for i, sentence in enumerate(sentences):
        text = ctx.analysis.sentence_text(sentence)
        if not r.deemed_cue.search(text):
            continue
        # "(a) the date of actual receipt; or" / "(b) if mailed, five days after ...": one provision
        end = sentence.end
        for following in sentences[i + 1:]:
            if not _ENUMERATED.match(ctx.analysis.sentence_text(following)):
                break
            end = following.end
        text = ctx.document.text[sentence.start:end]
        if not _timings(text):
            continue
        parts: list[str] = []
        for item in r.item_split.split(text):
            timing = _timings(item)
            if not timing:
                continue
            methods = []
            for _, name in _method_mentions(item):
                if name not in methods:
                    methods.append(name)
            when = " or ".join(timing)
            parts.append(f"{'/'.join(methods)}: {when}" if methods else when)
        if parts:
            return "; ".join(dict.fromkeys(parts)), (sentence.start, end)
    return None


# ---------------------------------------------------------------- addresses

def _party_terms(ctx: Context) -> dict[str, str]:
    """Every way the contract names a party, lower-cased, to the defined term pactwatch reports."""
    terms: dict[str, str] = {}
    for party in ctx.record.parties:
        label = party.aliases[0] if party.aliases else party.name
        for name in [party.name, *party.aliases]:
            terms[name.lower()] = label
    for role in _rules().party_roles:
        terms.setdefault(role.lower(), role)
    return terms


def _header_patterns(terms: dict[str, str]) -> list[re.Pattern[str]]:
    names = sorted({re.escape(t) for t in terms}, key=len, reverse=True)
    party = "|".join(n.replace(r"\ ", r"\s+") for n in names) or r"(?!x)x"
    return [re.compile(p.replace("{party}", party), re.I | re.M) for p in _rules().address_headers]


def _party_label(raw: str, terms: dict[str, str]) -> str | None:
    name = re.sub(r"\s+", " ", raw).strip(" ,.:;\"“”")
    name = re.sub(r"(?i)^(?:the|to)\s+", "", name)
    name = re.sub(r"(?i),?\s*notices? must be addressed to$|\s+at$", "", name).strip()
    if not name or len(name) > 60 or re.match(r"(?i)(?:a |an )?cop(?:y|ies)\b|such\b|the following\b|any\b", name):
        return None
    return terms.get(name.lower(), name)


def _block_fields(block: str) -> tuple[str | None, str | None, str | None]:
    """(attention, address, email) of one address block."""
    r = _rules()
    email_m = r.email.search(block)
    email = email_m.group(0).rstrip(".") if email_m else None
    attention = None
    att = r.attention.search(block)
    if att:
        rest = block[att.end():]
        line = re.split(r"\n|;|,?\s*(?:e-?mail|email|fax|facsimile|tel(?:ephone)?|phone)\b|,\s*with a copy|\s{3,}", rest, maxsplit=1, flags=re.I)[0]
        attention = re.sub(r"(?i)^of\s+", "", line.strip(" ,.:")) or None
    address_parts: list[str] = []
    lines = [ln.strip(" >\\\t") for ln in block.split("\n")]
    if len([ln for ln in lines if ln]) <= 1:
        lines = [p.strip() for p in block.replace("\n", " ").split(",")]
    started = False
    for line in lines:
        if not line:
            continue
        if r.contact_label.match(line) or "@" in line:
            if started:
                break
            continue
        if re.search(r"(?i)\b(?:shall|may|will|must)\b", line) and len(line) > 40 or re.match(r"\d+\.\d+\s", line):
            if started:
                break  # "Either party may change its address ...": prose after the block
            continue
        if not started and re.match(r"(?i)(?:\d|p\.?\s*o\.?\s*box|c/o|suite|unit|floor|building|no\.\s*\d)", line):
            started = True
        if started:
            address_parts.append(re.sub(r"\s+", " ", line))
    address = ", ".join(address_parts).strip(" ,") or None
    return attention, address, email


def _addresses(ctx: Context, clause: _Clause) -> list[NoticeAddress]:
    r = _rules()
    text = ctx.document.text
    terms = _party_terms(ctx)
    region = text[clause.start:clause.end]
    headers: list[tuple[int, int, str]] = []
    for pattern in _header_patterns(terms):
        for m in pattern.finditer(region):
            label = _party_label(m["party"], terms)
            if label and not any(a <= m.start("party") < b for a, b, _ in headers):
                headers.append((m.start(), m.end(), label))
    headers.sort()
    out: list[NoticeAddress] = []
    seen: set[str] = set()
    for i, (_, body_start, label) in enumerate(headers):
        body_end = headers[i + 1][0] if i + 1 < len(headers) else len(region)
        block = region[body_start:body_end]
        copy = r.copy_to.search(block)
        if copy and copy.start() > 0:
            block = block[: copy.start()]
        attention, address, email = _block_fields(block)
        if not (attention or address or email) or label in seen:
            continue
        seen.add(label)
        a = clause.start + body_start
        b = a + len(block.rstrip())
        if b <= a:
            continue
        out.append(NoticeAddress(party=label, attention=attention, address=address, email=email,
                                 evidence=[ctx.evidence(max(0, headers[i][0] + clause.start), b)]))
    return out


# ---------------------------------------------------------------- extract

def extract(ctx: Context) -> None:
    clause = _find_clause(ctx)
    if clause is None:
        return
    conf = _rules().confidence
    notices = ctx.record.notices
    sentences = _clause_sentences(ctx, clause)
    methods, quoted = _methods(ctx, sentences)
    if methods:
        c = conf["methods"] if clause.headed else conf["methods_no_heading"]
        notices.methods = ctx.field(methods, c, [(s.start, s.end) for s in quoted])
    deemed = _deemed(ctx, sentences)
    if deemed:
        value, span = deemed
        notices.deemed_received = ctx.field(value, conf["deemed_received"], [span])
    notices.addresses = _addresses(ctx, clause)
