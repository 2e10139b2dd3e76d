"""Execution: signature blocks (present, signed), dates left blank, attachments referenced but missing.

Fills `record.execution`; the playbook's execution checks (rules/playbooks/default.yaml) raise
flags over it. Patterns live in rules/execution.yaml.

The text of a signed PDF does not show a handwritten signature (it is an image), so a block
whose signature line is blank is reported as "unsigned in the text" with a modest confidence:
it asks a person to look at the signed copy. A conformed signature ("/s/ Jane Roe") or a typed
name on the signature line counts as signed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from extractors.base import Context
from rules import load_pack, require
from rules.prefilter import fold_safe, holding, required_strings

PACK = "execution"
MAX_ITEMS = 12  # a form full of blanks needs only the first few quoted
CONF_BLOCKS, CONF_UNSIGNED, CONF_BLANKS, CONF_ATTACHED, CONF_MISSING = 0.85, 0.6, 0.85, 0.8, 0.7


@dataclass(frozen=True)
class Rules:
    signature_line: re.Pattern[str]
    bare_signature_line: re.Pattern[str]
    authority_chain: re.Pattern[str]
    conformed: re.Pattern[str]
    blank_mark: re.Pattern[str]
    field_line: re.Pattern[str]
    field_label: re.Pattern[str]
    lines_above: int
    lines_below: int
    blank_dates: tuple[re.Pattern[str], ...]
    reference: re.Pattern[str]
    label: re.Pattern[str]
    heading: re.Pattern[str]
    other_document: re.Pattern[str]
    header_chars: int
    heading_max: int
    heading_skip: float
    omitted: re.Pattern[str]
    amendment_title: re.Pattern[str]
    attached_cue: re.Pattern[str]
    # Strings one of which every line that can start a block holds ("By", "Signature", "/s/"...),
    # and every line that can name an attachment (lower case: "exhibit", "schedule"...). None: any line.
    block_strings: tuple[str, ...] | None
    attachment_strings: tuple[str, ...] | None


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, "signature_line", "authority_chain", "conformed_signature", "blank_mark",
            "block_field_line", "blank_dates", "attachment_kinds", "attachment_label", "attachment_list_joiner",
            "other_document", "omitted")
    kinds = "|".join(re.escape(k) for k in pack["attachment_kinds"])
    label, joiner = pack["attachment_label"], pack["attachment_list_joiner"]
    signature_line = re.compile(pack["signature_line"])
    bare_signature_line = re.compile(pack["bare_signature_line"])
    conformed = re.compile(pack["conformed_signature"])
    heading = re.compile(rf"^[^\w\n]{{0,4}}(?P<kind>{kinds})[ \t]+(?P<label>{label})", re.IGNORECASE)
    return Rules(
        signature_line=signature_line,
        bare_signature_line=bare_signature_line,
        authority_chain=re.compile(pack["authority_chain"]),
        conformed=conformed,
        blank_mark=re.compile(pack["blank_mark"]),
        field_line=re.compile(pack["block_field_line"]),
        field_label=re.compile(pack.get("block_field_label", r"(?!)")),
        lines_above=int(pack.get("party_lines_above", 4)),
        lines_below=int(pack.get("block_lines_below", 4)),
        blank_dates=tuple(re.compile(p, re.IGNORECASE) for p in pack["blank_dates"]),
        reference=re.compile(rf"\b(?P<kind>{kinds})(?P<plural>s)?[ \t]+(?P<labels>{label}(?:{joiner}{label})*)"),
        label=re.compile(label),
        heading=heading,
        other_document=re.compile(pack["other_document"]),
        header_chars=int(pack.get("filing_header_chars", 600)),
        heading_max=int(pack.get("heading_max_chars", 140)),
        heading_skip=float(pack.get("heading_skip_share", 0.1)),
        omitted=re.compile(pack["omitted"]),
        amendment_title=re.compile(pack.get("amendment_title", r"(?!)")),
        attached_cue=re.compile(pack.get("attached_cue", r"")),
        block_strings=_any_of(required_strings(p) for p in (signature_line, bare_signature_line, conformed)),
        attachment_strings=tuple(k.lower() for k in pack["attachment_kinds"]),  # headings and references name one
    )


def _any_of(string_sets: Iterable[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """The strings of all sets: a line matching any of their patterns holds one (None: unknown)."""
    found: set[str] = set()
    for strings in string_sets:
        if strings is None:
            return None
        found.update(strings)
    return tuple(sorted(found))


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


class Lines:
    """The lines of a text, each made a `Line` only when asked for: a contract has hundreds, and
    only the few holding a signature line, a blank or an exhibit's name are read."""

    def __init__(self, text: str, folded: str | None = None):
        self.text = text
        self.folded = folded  # fold_case(text), None when that is not exact
        self.raw = text.split("\n")
        self.starts = [0, *(end + i + 1 for i, end in enumerate(accumulate(map(len, self.raw[:-1]))))]

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, i: int) -> Line:
        start = self.starts[i]
        return Line(start, start + len(self.raw[i]), self.raw[i])

    def holding(self, strings: tuple[str, ...] | None, lower: bool = False) -> Iterable[int]:
        """The indices, in order, of the lines holding one of `strings` (in lower case: in the
        lower-cased text); every index when `strings` is None."""
        return holding(self.folded if lower else self.text, self.starts, strings)


def extract(ctx: Context) -> None:
    text = ctx.document.text
    if not text.strip():
        return
    lines = Lines(text, ctx.analysis.folded_text if fold_safe(text) else None)
    execution = ctx.record.execution
    blocks = find_signature_blocks(lines, _party_names(ctx))
    if blocks:
        execution.signature_blocks = ctx.field([b.label for b in blocks], CONF_BLOCKS, [b.span for b in blocks])
        unsigned = [b for b in blocks if not b.signed]
        if unsigned:
            execution.unsigned = ctx.field([b.label for b in unsigned], CONF_UNSIGNED, [b.span for b in unsigned])
    blanks = find_blank_dates(lines)
    if blanks:
        execution.blank_dates = ctx.field([b.text.strip()[:100] for b in blanks], CONF_BLANKS,
                                          [(b.start, b.end) for b in blanks])
    title = ctx.record.document.title
    amendment = bool(title and rules().amendment_title.search(str(title.value)))
    attached, missing = find_attachments(lines, len(text), _sentence_span(ctx), only_attached=amendment)
    if attached:
        execution.attachments = ctx.field([a.name for a in attached], CONF_ATTACHED, [a.span for a in attached])
    if missing:
        execution.missing_attachments = ctx.field([a.name for a in missing], CONF_MISSING, [a.span for a in missing])


# --- signature blocks ----------------------------------------------------------------------------

@dataclass
class Block:
    label: str
    signed: bool
    span: tuple[int, int]


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


_ENTITY_SUFFIXES = {"inc", "llc", "ltd", "limited", "corp", "corporation", "co", "company", "lp", "llp", "plc",
                    "l", "p", "s", "a", "ag", "gmbh", "bv", "nv", "sa", "the"}


def _party_names(ctx: Context) -> list[tuple[str, str]]:
    """(how the party is shown, its normalised core name) for each party and defined role."""
    names = []
    for party in ctx.record.parties:
        words = [w for w in _normal(party.name).split() if w not in _ENTITY_SUFFIXES]
        if words:
            names.append((party.name, " ".join(words)))
        for alias in party.aliases:
            if len(alias) > 2:
                names.append((party.name, _normal(alias)))
    return names


def _segments(rules_: Rules, line: str) -> list[tuple[int, str]]:
    """Where each signature starts in the line, and its text up to the next one."""
    starts = [m.start() for m in rules_.signature_line.finditer(line)]
    return [(a, line[a:b]) for a, b in zip(starts, starts[1:] + [len(line)])]


def _signed_text(rules_: Rules, segment: str) -> tuple[bool, bool]:
    """(conformed signature shown, signature line blank) for one signature segment."""
    if rules_.conformed.search(segment):
        return True, False
    if not segment:
        return False, True  # a bare "By" / "Signature" label line
    marker = rules_.signature_line.match(segment)
    after = segment[marker.end():] if marker else segment
    label = rules_.field_label.search(after)
    if label:
        after = after[:label.start()]
    if marker and marker.group(0).lower().startswith("signed") and "behalf" in segment.lower():
        return False, True  # "Signed by NAME for and on behalf of X": the name is printed, not a signature
    return False, bool(rules_.blank_mark.match(after))


def find_signature_blocks(lines: Lines, parties: list[tuple[str, str]]) -> list[Block]:
    r = rules()
    blocks: list[Block] = []
    previous_end = -1  # index of the last line used by a block: a party line is looked for below it
    i = 0
    for candidate in lines.holding(r.block_strings):  # the other lines start no block
        if candidate < i:
            continue  # inside the block just read
        i = candidate
        line = lines[i]
        cells = _cells(r, line)
        if not cells and r.conformed.search(line.text) and not _near_signature_line(r, lines, i):
            # conformed signatures standing alone ("/s/ Chen Wei  /s/ Zheng Qing"), one block each
            cells = [_Cell(line.start, line.end, "", "/s/") for _ in re.finditer(r"/s/", line.text)]
        if not cells:
            continue
        last = _block_end(r, lines, i)
        top = _party_line(r, lines, i, previous_end, parties)
        above = lines[top].text if top is not None else ""
        whole = ((lines[top].start if top is not None else line.start), lines[last].end)
        for column, cell in enumerate(cells):
            conformed, blank = _signed_text(r, cell.segment)
            if not conformed:
                conformed = _conformed_nearby(r, lines, i, last)
            label = (_block_label(cell.prefix, 0, 1, parties) if cell.prefix.strip() else None) \
                or _block_label(cell.segment, 0, 1, parties, loose=False) \
                or _block_label(above, column, len(cells), parties) or f"signature block {len(blocks) + 1}"
            span = (cell.start, cell.end) if cell.prefix.strip() else whole
            blocks.append(Block(label, conformed or not blank, span))
        previous_end = last
        i = last + 1
    return blocks


@dataclass(frozen=True)
class _Cell:
    start: int  # document offsets of the cell (a Word table cell) or of the whole line
    end: int
    prefix: str  # the cell's text before its signature line: who signs, in a Word table
    segment: str  # the signature line's text


def _cells(r: Rules, line: Line) -> list[_Cell]:
    """The signature blocks on a line: side-by-side columns, or Word table cells joined by " | "."""
    if r.bare_signature_line.match(line.text):
        return [_Cell(line.start, line.end, "", "") for _ in line.text.split()]
    found: list[_Cell] = []
    offset = 0
    for part in line.text.split(" | "):
        segments = [(col, seg) for col, seg in _segments(r, part) if not r.authority_chain.search(seg)]
        for n, (col, seg) in enumerate(segments):
            prefix = part[:col] if n == 0 else ""
            if r.signature_line.search(prefix):
                prefix = ""  # "By: X, its manager  By: /s/ ...": the chain, not a party name
            found.append(_Cell(line.start + offset, line.start + offset + len(part), prefix, seg))
        offset += len(part) + 3
    return found


def _is_signature_line(r: Rules, text: str) -> bool:
    return bool(r.signature_line.search(text) or r.bare_signature_line.match(text))


def _near_signature_line(r: Rules, lines: Lines, i: int) -> bool:
    """A "/s/ Name" line just above or below a "By:" line belongs to that block."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(lines) and _is_signature_line(r, lines[j].text):
            return True
    return False


def _conformed_nearby(r: Rules, lines: Lines, i: int, last: int) -> bool:
    """"/s/ Name" on the line above the signature line, or on the lines of the block below it."""
    if i > 0 and r.conformed.search(lines[i - 1].text) and not _is_signature_line(r, lines[i - 1].text):
        return True
    return any(r.conformed.search(lines[j].text) for j in range(i + 1, last + 1))


def _block_end(r: Rules, lines: Lines, i: int) -> int:
    """The last line of the block: the Name:/Title:/Date: lines (or a bare /s/ or name line) below."""
    last = i
    for j in range(i + 1, min(len(lines), i + 1 + r.lines_below)):
        text = lines[j].text
        if _is_signature_line(r, text):
            break
        if r.field_line.match(text) or r.conformed.search(text):
            last = j
            continue
        break
    return last


def _party_line(r: Rules, lines: Lines, i: int, floor: int, parties: list[tuple[str, str]]) -> int | None:
    """The line above the block naming who signs: one naming a party, else the nearest entity-like line."""
    fallback = None
    for j in range(i - 1, max(floor, i - 1 - r.lines_above), -1):
        text = lines[j].text.strip()
        if not text or r.field_line.match(text) or r.conformed.search(text):
            continue
        if _is_signature_line(r, text):
            continue  # a chain line ("By: X, its manager"): keep looking above it
        if text.upper().startswith("IN WITNESS") or len(text) > 160:
            break
        if _block_label(text, 0, 1, parties, loose=False):
            return j
        if fallback is None and not text[0].islower():
            fallback = j
    return fallback


def _block_label(above: str, column: int, count: int, parties: list[tuple[str, str]], loose: bool = True) -> str | None:
    """The party a block is for: matched against the record's parties, else the line above as written."""
    if not above:
        return None
    normal = _normal(above)
    found: list[tuple[int, str]] = []
    for name, core in parties:
        at = normal.find(core)
        if at >= 0 and name not in (n for _, n in found):
            found.append((at, name))
    found.sort()
    if found:
        return found[column][1] if column < len(found) else found[-1][1]
    text = above.strip().rstrip(":,")
    if count > 1 or not loose:
        return None
    return text[:80] if 2 < len(text) else None


# --- blank dates ---------------------------------------------------------------------------------

def find_blank_dates(lines: Lines) -> list[Line]:
    r = rules()
    found = []
    for i in lines.holding(("_", "[", ":")):  # a blank date has one of these
        line = lines[i]
        if any(p.search(line.text) for p in r.blank_dates):
            found.append(line)
            if len(found) >= MAX_ITEMS:
                break
    return [ln for ln in found if ln.text.strip()]


# --- attachments ---------------------------------------------------------------------------------

@dataclass
class Attachment:
    name: str  # "Exhibit B"
    span: tuple[int, int]


@dataclass
class _Seen:
    name: str
    reference: tuple[int, int] | None = None
    heading: tuple[int, int] | None = None
    omitted: bool = False
    order: list[int] = field(default_factory=list)


def _key(kind: str, label: str) -> str:
    return f"{kind.capitalize()} {label.upper() if len(label) <= 2 or label.isalpha() else label}"


def _expand(labels: str, plural: bool) -> list[str]:
    r = rules()
    found = [m.group(0) for m in r.label.finditer(labels)]
    if not plural:
        return found[:1]
    if len(found) == 2 and re.search(r"\b(?:through|to)\b|[-–]", labels):
        a, b = found
        if a.isdigit() and b.isdigit() and int(a) < int(b) <= int(a) + 26:
            return [str(n) for n in range(int(a), int(b) + 1)]
        if len(a) == len(b) == 1 and a.isalpha() and b.isalpha() and a < b:
            return [chr(c) for c in range(ord(a), ord(b) + 1)]
    return found


def find_attachments(lines: Lines, size: int, sentence_span,
                     only_attached: bool = False) -> tuple[list[Attachment], list[Attachment]]:
    """(attached, missing): attachments the text refers to, found attached as a heading or not."""
    r = rules()
    text_of = sentence_span.text
    seen: dict[str, _Seen] = {}
    skip_before = size * r.heading_skip
    for i in lines.holding(r.attachment_strings, lower=True):  # the other lines name no attachment
        line = lines[i]
        text = line.text
        if not text.strip():
            continue
        heading = r.heading.match(text)
        if heading and len(text.strip()) <= r.heading_max and line.start >= skip_before \
                and _reads_as_heading(text[heading.end():]):
            key = _key(heading.group("kind"), heading.group("label"))
            entry = seen.setdefault(key, _Seen(key))
            if entry.heading is None:
                entry.heading = (line.start, line.end)
                entry.omitted = bool(r.omitted.search(text))
            continue
        for match in r.reference.finditer(text):
            if line.start < r.header_chars and text.strip() == match.group(0).strip():
                continue  # the filing's own exhibit number
            if r.other_document.match(text[match.end():]):
                continue
            reference = sentence_span(line.start + match.start(), line.start + match.end(), line)
            if only_attached and not r.attached_cue.search(text_of(reference)):
                continue
            for label in _expand(match.group("labels"), bool(match.group("plural"))):
                key = _key(match.group("kind"), label)
                entry = seen.setdefault(key, _Seen(key))
                if entry.reference is None:
                    entry.reference = reference
    attached, missing = [], []
    for entry in seen.values():
        if entry.reference is None:
            continue  # a heading nothing refers to is still attached, but there is nothing to check
        if entry.heading is None:
            parts = [e for key, e in seen.items() if key.startswith((entry.name + "-", entry.name + "."))]
            heading = next((e for e in parts if e.heading is not None and not e.omitted), None)
            if heading is not None:  # "Exhibit F" attached as Exhibits F-1, F-2...
                entry.heading = heading.heading
        if entry.heading is not None and not entry.omitted:
            attached.append(Attachment(entry.name, entry.heading))
        else:
            missing.append(Attachment(entry.name, entry.reference))
    return sorted(attached, key=_natural)[:40], sorted(missing, key=_natural)[:MAX_ITEMS]


def _natural(attachment: Attachment) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", attachment.name)]


def _reads_as_heading(rest: str) -> bool:
    """What follows the label on a heading line: nothing, or a title, not the rest of a sentence."""
    rest = rest.strip(" *#")
    if not rest:
        return True
    if rest[0] in "-–—:.(":
        return True
    words = rest.split()
    return rest[0].isupper() and len(words) <= 12 and not rest.rstrip().endswith((",", ";"))


def _sentence_span(ctx: Context):
    """The sentence holding a reference (clipped to 400 characters around it), for the quote."""
    starts = [s.start for s in ctx.analysis.sentences]

    def span(start: int, end: int, line: Line) -> tuple[int, int]:
        i = bisect_right(starts, start) - 1
        if i >= 0 and ctx.analysis.sentences[i].start <= start < ctx.analysis.sentences[i].end:
            sentence = ctx.analysis.sentences[i]
            a, b = sentence.start, sentence.end
            if b - a > 400:
                a, b = max(a, start - 200), min(b, end + 200)
            return a, b
        return line.start, max(line.end, end)

    span.text = lambda bounds: ctx.document.text[bounds[0]:bounds[1]]
    return span
