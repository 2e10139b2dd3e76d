"""The agreement date (when the contract was made) and the effective date (when it takes effect).

Agreement date, first found of:
  1. the preamble: a date after a cue such as "dated as of", "made and entered into this",
     "is entered into on" ("This Agreement, dated as of March 1, 2024, ...");
  2. the title block: "DATED AS OF FEBRUARY 4, 2020" under the title;
  3. anywhere, a sentence about this contract: "This Agreement is dated April 29, 2010",
     "IN WITNESS WHEREOF ... executed this Agreement as of this 4th day of April, 2003";
  4. the signature blocks: the latest "Date: 1/27/2020";
  5. a date alone on the first lines of a letter-style contract.

Effective date, first found of:
  1. a date defined as the Effective Date: "as of March 1, 2024 (the "Effective Date")",
     ""Effective Date" means October 31, 2019", "Effective Date: August 7, 2023";
  2. "effective as of <date>", "with effect from <date>" said of this contract;
  3. wording that makes it the date the contract was made or signed: "shall become effective
     as of the date first written above", "effective on the date of the last signature" (the
     agreement date, or the latest signature date);
  4. the start of the term: "The term of this Agreement shall commence on January 1, 1996";
  5. the agreement date, when the contract speaks of its "Effective Date" without dating it
     (as CUAD's lawyers read it); never when the contract defines it by some other event.

Cue phrases are in `rules/dates.yaml`; finding and parsing dates is `extractors.dateparse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.base import Context
from extractors.dateparse import DateMention, DocumentDates, dates_in
from extractors.parties import Preamble, find_preamble
from pipeline import errors
from pipeline.nlp import compile_folded
from pipeline.record import Diagnostic, Field
from rules import alternation, load_pack, phrase, require

PACK = "dates"
# A defined term follows its date within this many characters: 'March 1, 2024 (the "Effective Date")'.
TERM_AFTER_DATE = 40
# How far into the document the title block (title, "DATED AS OF ...") may reach without a preamble.
TITLE_BLOCK_CHARS = 2_500




@dataclass(frozen=True)
class Rules:
    agreement_cue: re.Pattern[str]
    effective_cue: re.Pattern[str]
    effective_term: re.Pattern[str]  # a quoted defined term right after a date
    agreement_term: re.Pattern[str]
    effective_term_definition: re.Pattern[str]  # "Effective Date" means <date>
    on_agreement_date: re.Pattern[str]
    on_signature: re.Pattern[str]
    commencement: re.Pattern[str]
    signature_label: re.Pattern[str]
    self_reference: re.Pattern[str]  # "this Agreement", "This Lease"
    any_document: re.Pattern[str]  # "Agreement", "Lease": any contract named
    effective_word: re.Pattern[str]
    window: int
    # on_agreement_date and on_signature for the lower-cased text, searched over the whole
    # document (pipeline.nlp.fold_case: several times faster than ignoring case)
    on_agreement_date_folded: re.Pattern[str]
    on_signature_folded: re.Pattern[str]


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, "agreement_cues", "effective_cues", "effective_terms", "agreement_terms",
            "effective_on_agreement_date", "effective_on_signature", "commencement_cues",
            "signature_date_labels", "cue_window")
    nouns = load_pack("title").get("document_nouns", ["Agreement"])
    effective_terms = alternation(pack["effective_terms"])
    quote_open, quote_close = "[\"“”'‘]", "[\"”“'’]"
    defined = r"\(\s*(?:the\s+|this\s+|herein(?:after)?\s+(?:called|referred\s+to\s+as)\s+(?:the\s+)?)?"
    return Rules(
        # "made" in "made effective as of" says when it takes effect, not when it was made
        agreement_cue=re.compile(rf"\b(?:{alternation(pack['agreement_cues'])})\b(?!\s+effective)", re.IGNORECASE),
        effective_cue=re.compile(rf"\b(?:made\s+)?(?:{alternation(pack['effective_cues'])})\b", re.IGNORECASE),
        effective_term=re.compile(
            rf"\s*,?\s*{defined}{quote_open}?\s*(?:{effective_terms})\s*{quote_close}?", re.IGNORECASE
        ),
        agreement_term=re.compile(
            rf"\s*,?\s*{defined}{quote_open}?\s*(?:{alternation(pack['agreement_terms'])})\s*{quote_close}?",
            re.IGNORECASE,
        ),
        effective_term_definition=re.compile(
            rf"{quote_open}?\b(?:{effective_terms})\b{quote_close}?\s*(?:of\s+this\s+\w+\s*)?"
            r"(?:\([^)]{0,60}\)\s*)?(?:shall\s+mean|means|shall\s+be|will\s+be|is|:|\||=|-)?\s*$",
            re.IGNORECASE,
        ),
        on_agreement_date=re.compile(alternation(pack["effective_on_agreement_date"]), re.IGNORECASE),
        on_signature=re.compile(alternation(pack["effective_on_signature"]), re.IGNORECASE),
        on_agreement_date_folded=compile_folded(alternation(pack["effective_on_agreement_date"])),
        on_signature_folded=compile_folded(alternation(pack["effective_on_signature"])),
        commencement=re.compile(rf"\b(?:{alternation(pack['commencement_cues'])})\b", re.IGNORECASE),
        signature_label=re.compile(
            rf"^[ \t]*(?:{alternation(pack['signature_date_labels'])})[ \t]*[:.]?[ \t]*"
            # a second column on the same line: "Date: 1/26/2020    Date: 1/27/2020"
            rf"|[ \t](?:{alternation(pack['signature_date_labels'])})[ \t]*:[ \t]*",
            re.IGNORECASE | re.MULTILINE,
        ),
        self_reference=re.compile(rf"\b(?:this|This|THIS)\s+(?:[\w-]+\s+){{0,5}}?(?i:{alternation(nouns)})\b"),
        any_document=re.compile(rf"\b(?i:{alternation(nouns)})\b"),
        # the contract *becomes* effective (not "after the effective date of this Agreement"), or its
        # term begins
        effective_word=re.compile(
            r"\b(?:be|become|becomes|is|are|made|deemed)\s+effective\b|\beffective\s+(?:as\s+of|on|upon|from|when|at)\b"
            r"|\btake[s]?\s+effect|\b(?:enter|come)s?\s+into\s+(?:force|effect)|\bEffective\s+Date\W{0,3}\s*(?:shall\s+)?"
            r"(?:mean|means|is|shall\s+be|will\s+be)\b|\b(?:commence|commences|commencing|begin|begins|beginning|start|starts)\b",
            re.IGNORECASE,
        ),
        window=int(pack["cue_window"]),
    )


@dataclass(frozen=True)
class Found:
    mention: DateMention | None  # None: the contract leaves the date blank
    confidence: float
    span: tuple[int, int]  # the clause quoted as evidence
    basis: str | None = None  # how it was chosen, when not stated outright
    derived: bool = False  # taken from the other date ("effective on the date first written above")
    also: tuple[int, int] | None = None  # where the date itself is written, when `span` only refers to it


# ------------------------------------------------------------------------------ evidence spans


def _clause_span(ctx: Context, mention: DateMention, extra_end: int | None = None) -> tuple[int, int]:
    """The sentence holding the date, cut after the date (and its defined term) when long."""
    sentence = ctx.analysis.sentence_at(mention.start)
    start, end = (sentence.start, sentence.end) if sentence else (mention.start, mention.end)
    preamble = find_preamble(ctx)
    if preamble is not None and preamble.start <= mention.start < preamble.end:
        start = max(start, preamble.start)  # not the title and cover lines the sentence splitter joined to it
    stop = max(mention.end, extra_end or 0)
    if end - start > 320 and stop < end:
        # quote up to the end of the clause that holds the date
        clause_end = re.search(r"[,;.]\s|\)\s*,|\n\s*\n", ctx.document.text[stop:end])
        end = stop + clause_end.start() + 1 if clause_end else end
        end = min(end, stop + 120)
    if end - start > 600:
        start = max(start, mention.start - 300)
        line_start = ctx.document.text.rfind("\n", start, mention.start)
        start = line_start + 1 if line_start >= 0 else start
    return start, max(end, mention.end)


# ------------------------------------------------------------------------------ cues before a date


def _cues_before(text: str, mention: DateMention, cue: re.Pattern[str], window: int, floor: int) -> list[re.Match[str]]:
    """Cue phrases ending at most `window` characters before the date, with no other date or
    sentence between the cue and the date."""
    found = []
    for m in cue.finditer(text, max(floor, mention.start - window), mention.start):
        if not re.search(r"\d{4}|[.;]\s", text[m.end():mention.start]):
            found.append(m)
    return found


def _agreement_cued(text: str, mention: DateMention, floor: int) -> bool:
    r = rules()
    effective = _cues_before(text, mention, r.effective_cue, r.window, max(0, floor - 30))
    inside_effective = [(e.start(), e.end()) for e in effective]
    cues = [cue for cue in _cues_before(text, mention, r.agreement_cue, r.window, floor)
            # "as of" inside "effective as of" says nothing about when the contract was made
            if not any(a <= cue.start() and cue.end() <= b for a, b in inside_effective)]
    # the cue nearest the date governs it: "entered into a ... Agreement, dated as of <date>"
    return bool(cues) and not _refers_to_another_contract(text, cues[-1].start())


_ANOTHER_CONTRACT = re.compile(
    r"\b(?:that\s+certain|the|an?|said|such|original|existing|prior)\s+(?:[A-Z&][\w&,-]*\s+){0,8}"
    r"(?i:Agreement|Contract|Lease|License|Plan|Amendment|Assignment)\s*,?\s*$"
)


def _refers_to_another_contract(text: str, cue_start: int) -> bool:
    """"... to that certain Joint Venture Agreement dated March 7, 2016": another contract's date."""
    return bool(_ANOTHER_CONTRACT.search(text[max(0, cue_start - 120):cue_start]))


def _effective_cued(text: str, mention: DateMention, floor: int) -> bool:
    r = rules()
    cues = _cues_before(text, mention, r.effective_cue, r.window, floor)
    return bool(cues) and not _refers_to_another_contract(text, cues[-1].start())


def _defined_after(text: str, mention: DateMention, term: re.Pattern[str]) -> re.Match[str] | None:
    return term.match(text, mention.end, mention.end + TERM_AFTER_DATE)


# ------------------------------------------------------------------------------ the agreement date


def _preamble_dates(ctx: Context, finder: DocumentDates, preamble: Preamble) -> list[DateMention]:
    # the opening sentence, and the parties clause after it (dates rarely come after the parties)
    return finder.between(preamble.start, preamble.end)


def agreement_in_preamble(ctx: Context, finder: DocumentDates, preamble: Preamble | None) -> Found | None:
    if preamble is None:
        return None
    text = ctx.document.text
    r = rules()
    mentions = _preamble_dates(ctx, finder, preamble)
    blank = None
    for mention in mentions:
        defined = _defined_after(text, mention, r.agreement_term)
        if _agreement_cued(text, mention, preamble.start) or defined:
            end = defined.end() if defined else None
            if mention.date is not None:
                return Found(mention, 0.95, _clause_span(ctx, mention, end))
            blank = blank or Found(mention, 0.5, _clause_span(ctx, mention, end))
    # "This Agreement, effective as of December 10, 2015 (the "Effective Date"), is by and
    # between ...": a preamble that gives only the effective date dates the contract by it (and
    # so does "dated as of this ____ day of ______, 2012, but made effective as of February 20, 2012")
    for mention in mentions:
        if mention.date is not None and _effective_cued(text, mention, preamble.start):
            defined = _defined_after(text, mention, r.effective_term)
            return Found(mention, 0.75, _clause_span(ctx, mention, defined.end() if defined else None))
    return blank


# "DATED AS OF FEBRUARY 4, 2020", "AFFILIATE AGREEMENT DATED JULY 15, 2005", "Last Updated: April 6, 2007"
_TITLE_DATE_LABEL = re.compile(
    r"[ \t]*(?:[A-Z][\w,&-]*[ \t]+){0,8}?(?:dated|date|last\s+updated|updated)"
    r"(?:\s+as\s+of|\s+for\s+reference)?[ \t]*:?[ \t]*",
    re.IGNORECASE,
)


def agreement_in_title_block(ctx: Context, finder: DocumentDates, preamble: Preamble | None) -> Found | None:
    """"DATED AS OF FEBRUARY 4, 2020" or a date alone on a line, between the top and the preamble."""
    text = ctx.document.text
    end = preamble.start if preamble else min(len(text), TITLE_BLOCK_CHARS)
    end = min(end, TITLE_BLOCK_CHARS * 4)
    for mention in finder.between(0, end):
        line_start = text.rfind("\n", 0, mention.start) + 1
        line_end = text.find("\n", mention.end)
        line_end = len(text) if line_end < 0 else line_end
        before, after = text[line_start:mention.start], text[mention.end:line_end]
        # "Dated: ...", "Last Updated: ...", or a title line in capitals "AFFILIATE AGREEMENT DATED ..."
        labelled = _TITLE_DATE_LABEL.fullmatch(before) and (
            before.isupper() or re.match(r"\s*(?:dated|date|last|updated)\b", before, re.IGNORECASE))
        alone = not before.strip() and not after.strip(" \t.,")
        if labelled or (alone and mention.precision == "day" and (preamble is not None or mention.start < 1_500)):
            if mention.precision != "day" and mention.date is not None:
                continue
            return Found(mention, 0.85 if labelled else 0.6, (line_start, line_end))
    return None


def agreement_anywhere(ctx: Context, finder: DocumentDates, preamble: Preamble | None) -> Found | None:
    """A sentence about this contract: "This Agreement is dated April 29, 2010", "IN WITNESS WHEREOF ..."."""
    text = ctx.document.text
    r = rules()
    for mention in finder.mentions:
        if mention.precision != "day" or not _agreement_cued(text, mention, mention.start - r.window):
            continue
        sentence = ctx.analysis.sentence_at(mention.start)
        head = text[sentence.start:mention.start] if sentence else text[max(0, mention.start - 200):mention.start]
        if re.search(r"\b(?:that\s+certain|the\s+\w+\s+Agreement\s+(?:dated|between))", head):
            continue
        # the contract named nearest before the date must be this one: not "... this Agreement ...
        # the Joint Use Agreement between the City and Padres, L.P. dated as of February 1, 2000"
        nouns = list(r.any_document.finditer(head))
        about_this = (nouns and r.self_reference.search(head, max(0, nouns[-1].start() - 60)) is not None
                      and r.self_reference.search(head, max(0, nouns[-1].start() - 60)).end() == nouns[-1].end()) \
            or re.search(r"IN\s+WITNESS\s+WHEREOF", head, re.IGNORECASE)
        if about_this and not re.search(r"\b(?:amended|supersede|prior|previous|original)\b", head, re.IGNORECASE):
            return Found(mention, 0.8, _clause_span(ctx, mention))
    return None


def signature_dates(ctx: Context, finder: DocumentDates) -> list[DateMention]:
    """Dates written after "Date:" labels in signature blocks (near "By:", "Name:", "Title:")."""
    text = ctx.document.text
    r = rules()
    found = []
    for label in r.signature_label.finditer(text):
        mention = finder.first_after(label.end(), 30)
        if mention is None or mention.date is None or mention.precision != "day":
            continue
        if "\n" in text[label.end():mention.start]:
            continue
        block = text[max(0, label.start() - 400):label.end() + 400]
        if re.search(r"\b(?:By|Name|Title|Signature|Signed)\s*:|/s/|IN\s+WITNESS", block, re.IGNORECASE):
            found.append(mention)
    # labels under the values: "4/24/2018 04/25/2018\nDate Date", "Markham, ON 24 OCT 2011\nPlace Date"
    for label in re.finditer(r"^[ \t]*(?:(?:Place|Date|Title|Name)[ \t]*){0,3}Date[ \t]*(?:(?:Place|Date)[ \t]*){0,3}$",
                             text, re.MULTILINE):
        line_end = label.start() - 1
        line_start = text.rfind("\n", 0, max(0, line_end)) + 1
        for mention in finder.between(line_start, max(line_start, line_end)):
            if mention.date is not None and mention.precision == "day":
                found.append(mention)
    return found


def agreement_from_signatures(ctx: Context, finder: DocumentDates) -> Found | None:
    dates = signature_dates(ctx, finder)
    if not dates:
        return None
    latest = max(dates, key=lambda m: (m.date, m.start))
    basis = "the latest signature date" if len(dates) > 1 else None
    line_start = ctx.document.text.rfind("\n", 0, latest.start) + 1
    return Found(latest, 0.6, (line_start, latest.end), basis)


def agreement_date(ctx: Context, finder: DocumentDates, preamble: Preamble | None) -> Found | None:
    for find in (agreement_in_preamble, agreement_in_title_block, agreement_anywhere):
        found = find(ctx, finder, preamble)
        if found is not None:
            return found
    return agreement_from_signatures(ctx, finder)


# ------------------------------------------------------------------------------ the effective date


def effective_defined(ctx: Context, finder: DocumentDates, preamble: Preamble | None) -> Found | None:
    """A date defined as the Effective Date, before or after the term; the preamble first."""
    text = ctx.document.text
    r = rules()
    regions = ([(preamble.start, preamble.end)] if preamble else []) + [(0, len(text))]
    for start, end in regions:
        for mention in finder.between(start, end):
            if mention.precision != "day" and mention.date is not None:
                continue
            defined = _defined_after(text, mention, r.effective_term)
            if defined:
                return Found(mention, 0.95 if mention.date else 0.5, _clause_span(ctx, mention, defined.end()))
            lo = max(start, mention.start - 90)  # "Commencement Date\nFebruary 1, 2021" in a table
            definition = r.effective_term_definition.search(text, lo, mention.start)
            if definition is not None and definition.end() == mention.start:
                # a table row ("Effective Date\nAugust 7, 2023") is quoted as it stands; a definition
                # ('"Effective Date" means October 31, 2019.') by its sentence
                table = "\n" in text[definition.start():mention.start]
                span = (definition.start(), mention.end) if table else _clause_span(ctx, mention)
                return Found(mention, 0.9 if mention.date else 0.5, span)
    return None


def effective_cued(ctx: Context, finder: DocumentDates, preamble: Preamble | None) -> Found | None:
    """"This letter agreement will be effective as of July 1, 2018", "made effective as of ..."."""
    text = ctx.document.text
    r = rules()
    if preamble is not None:
        for mention in _preamble_dates(ctx, finder, preamble):
            if _effective_cued(text, mention, preamble.start):
                return Found(mention, 0.9 if mention.date else 0.5, _clause_span(ctx, mention))
    for mention in finder.mentions:
        if mention.precision != "day" or not _effective_cued(text, mention, mention.start - r.window):
            continue
        sentence = ctx.analysis.sentence_at(mention.start)
        head = text[sentence.start:mention.start] if sentence else text[max(0, mention.start - 180):mention.start]
        if r.self_reference.search(head[-180:]) or re.match(r"\s*(?:It|it)\s+(?:shall|will|is)\b", head):
            if not re.search(r"\b(?:amendment|supersede|prior|previous|original|terminat)", head[-180:], re.IGNORECASE) \
                    or re.match(r"\s*This\s+Amendment", head):
                return Found(mention, 0.85, _clause_span(ctx, mention))
    return None


def effective_by_reference(ctx: Context, finder: DocumentDates, agreement: Found | None) -> Found | None:
    """"This Agreement shall become effective as of the date first written above": the agreement date;
    "effective on the date of the last signature": the latest signature date."""
    text = ctx.document.text
    r = rules()
    lower = ctx.analysis.folded_text
    references = sorted(
        [(m, "signature") for m in r.on_signature_folded.finditer(lower)]
        + [(m, "made") for m in r.on_agreement_date_folded.finditer(lower)],
        key=lambda item: item[0].start(),
    )
    for reference, kind in references:
        verb = None
        for verb in r.effective_word.finditer(text, max(0, reference.start() - 70), reference.start()):
            pass
        if verb is None or re.search(r"[.;]\s", text[verb.end():reference.start()]):
            continue
        sentence = ctx.analysis.sentence_at(verb.start())
        if sentence is None or sentence.end - sentence.start > 1_500:
            continue
        head = text[sentence.start:verb.start()]
        about_this = r.self_reference.search(head) or re.search(r"\bTerm\b|\bterm\s+of\s+this|Effective\s+Date|^\W*It\s", head)
        if not about_this or _OTHER_PERIOD.search(head) or re.search(r"\b[A-Z]\w+\s+Period\b", head):
            continue
        span = (sentence.start, sentence.end)
        if kind == "signature":
            signed = signature_dates(ctx, finder)
            if signed:
                latest = max(signed, key=lambda m: (m.date, m.start))
                line_start = text.rfind("\n", 0, latest.start) + 1
                return Found(latest, 0.75, span, "the latest signature date", also=(line_start, latest.end))
        if agreement is not None and agreement.mention is not None:
            basis = "the date the agreement was made" if kind == "made" else "the date the agreement was signed"
            return Found(agreement.mention, 0.8, span, basis, derived=True, also=agreement.span)
    return None


def effective_from_commencement(ctx: Context, finder: DocumentDates) -> Found | None:
    """"The term of this Agreement shall commence on January 1, 1996", "commencing the 1st day of ..."."""
    text = ctx.document.text
    r = rules()
    for mention in finder.mentions:
        if mention.date is None or mention.precision != "day":
            continue
        cue = None
        for cue in r.commencement.finditer(text, max(0, mention.start - 30), mention.start):
            pass
        if cue is None or re.search(r"[.;]\s|\d{4}", text[cue.end():mention.start]):
            continue
        sentence = ctx.analysis.sentence_at(cue.start())
        head = text[sentence.start:cue.start()] if sentence else text[max(0, cue.start() - 150):cue.start()]
        if re.search(r"\b(?:term|Term|TERM|duration|this\s+Agreement|this\s+promotion|All\s+terms)\b", head) and \
                not _OTHER_PERIOD.search(head[-80:]):
            return Found(mention, 0.75, _clause_span(ctx, mention))
    return None


# a period other than the contract's own term: "each Renewal Term commencing on ...", "the first Contract Year"
_OTHER_PERIOD = re.compile(r"\b(?:Renewal|renewal|Contract\s+Year|Lease\s+Year|Year\s+\d|Extension|extension|Option\s+Period)\b")
_EFFECTIVE_DATE_DEFINED = re.compile(r"\(\s*(?:the\s+|herein\s+called\s+the\s+)?[\"“]\s*Effective\s+Date\s*[\"”]\s*\)", re.IGNORECASE)


def effective_date_undated(ctx: Context, finder: DocumentDates) -> bool:
    """Does the contract define its Effective Date by an event, not a date ("... converted to
    Agent's system (the "Effective Date")")?"""
    text = ctx.document.text
    r = rules()
    for m in _EFFECTIVE_DATE_DEFINED.finditer(text):
        before = finder.between(max(0, m.start() - TERM_AFTER_DATE - 20), m.start())
        if before:
            continue
        sentence = ctx.analysis.sentence_at(m.start())
        body = text[sentence.start:sentence.end] if sentence else ""
        if not (r.on_agreement_date.search(body) or r.on_signature.search(body)):
            return True
    return False


def effective_date(ctx: Context, finder: DocumentDates, preamble: Preamble | None, agreement: Found | None) -> Found | None:
    for found in (effective_defined(ctx, finder, preamble), effective_cued(ctx, finder, preamble)):
        if found is not None:
            return found
    found = effective_by_reference(ctx, finder, agreement) or effective_from_commencement(ctx, finder)
    if found is not None:
        return found
    if agreement is not None and agreement.mention is not None and re.search(r"\bEffective\s+Date\b", ctx.document.text) \
            and not effective_date_undated(ctx, finder):
        # the contract relies on an "Effective Date" it never dates: the date it was made
        return Found(agreement.mention, 0.6, agreement.span, "the date the agreement was made", derived=True)
    return None


# ------------------------------------------------------------------------------ the extractor


def _field(ctx: Context, found: Found) -> Field[str]:
    mention = found.mention
    assert mention is not None and mention.date is not None
    note = None
    if mention.ambiguous:
        note = f"numeric date {mention.text!r} read month-first; the document does not show its convention"
    return ctx.field(
        mention.date.isoformat(), found.confidence * (0.7 if mention.ambiguous else 1.0),
        [found.span] + ([found.also] if found.also and found.also != found.span else []),
        derived=found.derived, basis=found.basis, note=note,
    )


def _ambiguity_diagnostic(ctx: Context, mention: DateMention, what: str) -> Diagnostic:
    return Diagnostic(
        code=errors.AMBIGUOUS_DATE.code, severity="warning", stage="extract:dates",
        page=ctx.document.page_at(mention.start),
        message=f"the {what} {mention.text!r} could be read day-first or month-first; "
                f"read as {mention.date.isoformat() if mention.date else '?'} (month-first)",
    )


_MADE_ON_EFFECTIVE_DATE = re.compile(
    r"\b(?:dated|entered\s+into|made|executed)(?:\s+and\s+agreed\s+upon)?\s+(?:as\s+of\s+|on\s+)?the\s+Effective\s+Date\b",
    re.IGNORECASE,
)


def extract(ctx: Context) -> None:
    finder = dates_in(ctx.document.text)
    preamble = find_preamble(ctx)
    text = ctx.document.text
    if preamble is not None and _MADE_ON_EFFECTIVE_DATE.search(text, preamble.start, preamble.sentence_end):
        # "entered into as of the Effective Date" (dated in a cover table or header): the
        # agreement date is the effective date
        effective = effective_date(ctx, finder, preamble, None)
        if effective is not None and effective.mention is not None:
            agreement = Found(effective.mention, effective.confidence * 0.9, effective.span, "the Effective Date",
                              derived=True)
        else:
            agreement = agreement_date(ctx, finder, preamble)
            effective = effective_date(ctx, finder, preamble, agreement)
    else:
        agreement = agreement_date(ctx, finder, preamble)
        effective = effective_date(ctx, finder, preamble, agreement)
    flagged: set[int] = set()
    for found, slot in ((agreement, "agreement"), (effective, "effective")):
        if found is None or found.mention is None or found.mention.date is None:
            continue
        setattr(ctx.record.dates, slot, _field(ctx, found))
        if found.mention.ambiguous and found.mention.start not in flagged:
            flagged.add(found.mention.start)
            ctx.record.diagnostics.append(_ambiguity_diagnostic(ctx, found.mention, f"{slot} date"))
