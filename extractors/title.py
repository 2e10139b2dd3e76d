"""The contract's title as written: "MASTER SERVICES AGREEMENT", "Distributor Agreement".

The title is the first heading that names a contract document (a noun from
`rules/title.yaml`: Agreement, Contract, Lease, Amendment ...), read from the top of the first
page down to the preamble, past exhibit numbers ("EXHIBIT 10.1"), version stamps and SEC
confidentiality legends. A title broken over lines is joined: "FORM OF" / "TRADEMARK LICENSE
AGREEMENT", "SERVICE AGREEMENT" / "FOR" / "TRANSFER AGENT SERVICES". Without such a heading the
preamble's own words are used: "This Reseller Agreement (the "Agreement") ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.base import Context
from pipeline.record import Record
from extractors.parties import find_preamble, rules as party_rules
from rules import alternation, load_pack, phrase, require

PACK = "title"
MAX_LINE_CHARS = 140




@dataclass(frozen=True)
class Rules:
    noun: re.Pattern[str]
    skip_start: re.Pattern[str]
    legend: re.Pattern[str]
    continuation: re.Pattern[str]
    block_break: re.Pattern[str]
    search_chars: int
    max_words: int


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, "document_nouns", "skip_line_starts", "legend_words", "continuation_starts",
            "title_block_breaks", "search_chars", "max_words")
    return Rules(
        noun=re.compile(rf"\b(?:{alternation(pack['document_nouns'])})\b", re.IGNORECASE),
        skip_start=re.compile(rf"\s*(?:{alternation(pack['skip_line_starts'])})", re.IGNORECASE),
        legend=re.compile(alternation(pack["legend_words"]), re.IGNORECASE),
        continuation=re.compile(rf"\s*(?:{alternation(pack['continuation_starts'])})(?:\s|$)", re.IGNORECASE),
        block_break=re.compile(rf"\s*(?:{alternation(pack['title_block_breaks'])})\b", re.IGNORECASE),
        search_chars=int(pack["search_chars"]),
        max_words=int(pack["max_words"]),
    )


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str  # stripped


_LINE = re.compile(r"[^\n]+")
_SMALL_WORDS = frozenset("a an and or of the for to in on by with between among under n° no. &".split())
# a sentence, not a heading: it runs on with verbs
_SENTENCE_WORDS = re.compile(
    r"\b(?:is|are|shall|will|may|hereby|has|have|was|were|made|entered|between|sets\s+forth)\b", re.IGNORECASE
)


def _lines(text: str, start: int, end: int) -> list[Line]:
    out = []
    for m in _LINE.finditer(text, start, end):
        raw = m.group()
        lead = len(raw) - len(raw.lstrip(" \t>*#•"))
        stripped = raw.strip(" \t>*#•")
        if stripped:
            out.append(Line(m.start() + lead, m.start() + lead + len(stripped), stripped))
    return out


def _is_heading_like(line: str) -> bool:
    """Capitalised words only (ALL CAPS or Title Case), short, no sentence verbs."""
    words = re.findall(r"[^\s]+", line)
    if not words or len(words) > rules().max_words or len(line) > MAX_LINE_CHARS:
        return False
    if line.isupper():
        return True
    capitalised = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit() or w[:1] in "([{\"“'‘")
    small = sum(1 for w in words if w.lower() in _SMALL_WORDS)
    return capitalised + small >= len(words) and not _SENTENCE_WORDS.search(line.lower() if line.isupper() else line)


def _is_legend(line: str) -> bool:
    r = rules()
    return bool(r.skip_start.match(line)) or bool(r.legend.search(line))


def _is_title_line(line: str) -> bool:
    r = rules()
    if _is_legend(line) or _NUMBERED.match(line) or re.match(r"\s*(?:This|THIS|The\s+parties|THE\s+PARTIES)\b", line):
        return False
    noun = r.noun.search(line)
    if noun is None or len(line.split()) < 2 or not _is_heading_like(line):
        return False
    if re.search(r",$|[a-z]{4,}\.$", line):  # a legend's line, or a sentence ("Amendment Effective Date.")
        return False
    # "Jiangsu Telecom Contract No.: JSXCS1200166CC000" is a reference, not a title
    return not re.match(r"\s*(?:No\.?|Number|#|Ref\.?)\s*:", line[noun.end():], re.IGNORECASE)


# a numbered clause heading: "1. Services", "II. LICENSE", "(a)", "Section 2", "ARTICLE 5"
_NUMBERED = re.compile(r"\s*(?:\d|\(?[ivxIVX]+[.)]\s|\([a-z]\)|[A-Z]\.\s|Section\b|Article\b|ARTICLE\b|SECTION\b)")


def _cut_at_block_break(text: str, line: Line) -> Line:
    """"SPONSORSHIP AGREEMENT BETWEEN ACME AND BETA" -> "SPONSORSHIP AGREEMENT"."""
    r = rules()
    noun = None
    for noun in r.noun.finditer(line.text):
        pass
    if noun is None:
        return line
    cut = re.search(r"\s+(?:by\s+and\s+between|between|among|dated|made|entered)\b", line.text[noun.end():], re.IGNORECASE)
    if cut is None:
        return line
    end = noun.end() + cut.start()
    return Line(line.start, line.start + end, line.text[:end])


def _can_lead(line: Line, title: Line) -> bool:
    """May `line`, right above the title line, be its first part? Only when it cannot stand alone:
    "FORM OF", "SECOND AMENDED AND RESTATED EXCLUSIVE AGENCY AND"."""
    text = line.text
    if _is_legend(text) or re.search(r"\d|\$|@", text) or not _is_heading_like(text) or len(text.split()) > 10:
        return False
    if not re.search(r"\b(?:of|for|and|to|the|on|&)$|[-–]$", text, re.IGNORECASE):
        return False
    last = text.split()[-1].rstrip(".,")
    pr = party_rules()
    if last in pr.suffix_types or last in pr.word_types or text.rstrip().endswith(","):
        return False  # a company name above the title
    if title.text.isupper() != text.isupper():
        return False
    return not rules().block_break.match(text)


def _can_follow(line: Line, title_so_far: str) -> bool:
    r = rules()
    text = line.text
    if _is_legend(text) or r.block_break.match(text) or len(text) > 90:
        return False
    start = r.continuation.match(text)
    if not start:
        return False
    if re.match(r"\s*to\b", text, re.IGNORECASE) and not re.search(
            r"\b(?:Amendment|Addendum|Supplement|Attachment|Appendix|Annex|Joinder|Exhibit)\b", title_so_far, re.IGNORECASE):
        return False  # "SERVICE AGREEMENT ... TO BLACKSTONE FUND": the party it is made to, not the title
    return True


@dataclass(frozen=True)
class Title:
    value: str
    start: int
    end: int
    confidence: float


def find_title(ctx: Context) -> Title | None:
    text = ctx.document.text
    r = rules()
    preamble = find_preamble(ctx)
    end = min(len(text), max(r.search_chars, preamble.start if preamble else 0))
    lines = _lines(text, 0, end)
    for i, line in enumerate(lines):
        title_line = _cut_at_block_break(text, line)  # "Promotion Agreement Between"
        if not _is_title_line(title_line.text):
            continue
        parts = [title_line]
        # a first part on the line(s) above ("FORM OF" / "MULTIPLE LINAC AND MULTI-MODALITY")
        j = i - 1
        while j >= 0 and j >= i - 2 and _can_lead(lines[j], title_line) and lines[j].end >= parts[0].start - 3:
            parts.insert(0, lines[j])
            j -= 1
        # and a continuation below ("FOR" / "TRANSFER AGENT SERVICES"; "to the Global Maintenance Agreement")
        k = i + 1
        while k < len(lines) and k <= i + 3 and title_line.end == line.end:
            joined = " ".join(p.text for p in parts)
            if _can_follow(lines[k], joined):
                parts.append(lines[k])
                if lines[k].text.strip().lower() in ("for", "of", "to", "on") and k + 1 < len(lines):
                    parts.append(lines[k + 1])  # a connector alone on its line takes the next line too
                    k += 1
                k += 1
                continue
            break
        value = re.sub(r"\s+", " ", " ".join(p.text for p in parts)).strip(" ,;:")
        in_preamble = _title_from_preamble(ctx)
        if preamble is not None and parts[0].start > preamble.start:
            # the heading comes after the preamble ("TERMS AND CONDITIONS"): the preamble names it
            return in_preamble or Title(value, parts[0].start, parts[-1].end, 0.6)
        if in_preamble is not None and _extends(in_preamble.value, value):
            # "DISTRIBUTOR AGREEMENT" under "This Multiple LINAC and Multi-Modality Distributor Agreement"
            return Title(in_preamble.value, in_preamble.start, in_preamble.end, 0.8)
        return Title(value, parts[0].start, parts[-1].end, 0.9)
    return _title_from_preamble(ctx)


def _extends(longer: str, shorter: str) -> bool:
    """Does `longer` end with `shorter` (case and spacing aside) and add a few words before it?"""
    a, b = longer.lower().split(), shorter.lower().split()
    return len(b) < len(a) <= len(b) + 6 and a[-len(b):] == b


@lru_cache(maxsize=1)
def _preamble_title() -> re.Pattern[str]:
    """"This Multiple LINAC and Multi-Modality Distributor Agreement (...)": capitalised words up to a noun."""
    return re.compile(
        r"(?:This|THIS)\s+((?:[A-Z][\w,&'’/-]*\s+(?:(?:and|of|for|to|on)\s+)?){1,10}?"
        rf"(?i:{rules().noun.pattern}))(?!\s+[A-Z])"  # "This Software License Agreement": up to the last noun
    )


def _title_from_preamble(ctx: Context) -> Title | None:
    """"This Reseller Agreement (the "Agreement") is entered ...": the title as the preamble writes it."""
    preamble = find_preamble(ctx)
    if preamble is None:
        return None
    text = ctx.document.text
    found = _preamble_title().match(text, preamble.start)
    if found is None:
        return None
    return Title(re.sub(r"\s+", " ", found.group(1)), found.start(1), found.end(1), 0.6)


def extract(ctx: Context) -> None:
    title = find_title(ctx)
    if title is not None:
        ctx.record.document.title = ctx.field(title.value, title.confidence, [(title.start, title.end)])


@lru_cache(maxsize=1)
def _type_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    pack = load_pack("contract_types")
    return tuple((entry["type"], re.compile(entry["pattern"], re.IGNORECASE)) for entry in pack["types"])


def contract_type(record: Record) -> str:
    """The kind of contract its title says it is (rules/contract_types.yaml): "Lease", "Amendment", ..."""
    title = record.document.title
    if title is None or not str(title.value).strip():
        return "Untitled"
    text = str(title.value)
    return next((name for name, pattern in _type_patterns() if pattern.search(text)), "Other")
