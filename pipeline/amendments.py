"""Amendments: recognise a contract that amends another, link the two, show what changed.

An amendment names the contract it amends ("Amendment No. 2 to the Master Services Agreement
dated March 1, 2021 between Acme Inc. and Beta LLC", or in its recitals "the parties are parties
to that certain Master Services Agreement dated as of March 1, 2024"). `read_amendment` finds
that reference (the amended contract's name, date and parties, with the quote) and the
amending clauses ("Section 12.1 ... is hereby deleted in its entirety and replaced with ...").
`identity_of` keeps, for every contract, what such a reference can be checked against: its
opening text, the dates written there and its parties.

`find_base` links an amendment to a contract in the register when the reference fits it: the
name appears in its opening text and the date or a party matches, or the date and a party
match. A reference that fits two contracts equally is left unlinked (a wrong link is worse
than none). The cue phrases live in `rules/amendments.yaml`.

`amendment_section` renders the "Amendments" part of a report: for the amended contract, each
amendment with the terms it changes (before -> after, quoted); for an amendment, the contract it
amends. It is inserted into the report made by `reports.html.render_contract`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from pipeline.document import Document
from pipeline.record import Evidence, Record
from rules import load_pack

HEAD_CHARS = 4000  # an amendment names its base, and a contract its own name, near the start
TITLE_CHARS = 300
DATE_WINDOW = 80
PARTIES_WINDOW = 400
MAX_CHANGES = 40
MAX_REFERENCES = 12
MAX_QUOTE = 1200
GENERIC_NAMES = {"agreement", "contract", "lease", "license", "licence", "deed", "terms and conditions"}
SMALL_WORDS = {"and", "of", "for", "to", "the", "&", "in", "on", "with", "between"}


@dataclass(frozen=True)
class Patterns:
    title: re.Pattern[str]
    references: list[re.Pattern[str]]
    date_lead: re.Pattern[str]
    parties: re.Pattern[str]
    changes: re.Pattern[str]
    section: re.Pattern[str]
    suffixes: frozenset[str]


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    pack = load_pack("amendments")

    def phrase(p: str) -> str:
        return p.replace(" ", r"\s+")

    words = "|".join(phrase(w) for w in sorted(pack["amendment_words"], key=len, reverse=True))
    nouns = "|".join(phrase(n) for n in sorted(pack["base_nouns"], key=len, reverse=True))
    base = rf"(?P<base>(?:[\w&'’.-]+\s+){{0,8}}?(?:{nouns}))\b"
    references = [
        re.compile(phrase(p).replace(r"{amendment}", words).replace(r"{number}", phrase(pack["amendment_number"]))
                   .replace(r"{ordinal}", pack["amendment_ordinal"]).replace(r"{base}", base), re.IGNORECASE)
        for p in pack["base_references"]
    ]
    title = re.compile(rf"^\W*(?:(?:this|the)\s+)?(?:{pack['amendment_ordinal']}\s+)?(?:{words})\b", re.IGNORECASE)
    return Patterns(
        title=title,
        references=references,
        date_lead=re.compile(phrase(pack["date_lead"]), re.IGNORECASE),
        parties=re.compile(r"[,(]?\s*(?:by\s+and\s+|made\s+)?(?:between|among)\s+", re.IGNORECASE),
        changes=re.compile("|".join(f"(?:{phrase(c)})" for c in pack["change_cues"]), re.IGNORECASE),
        section=re.compile(phrase(pack["section_reference"]), re.IGNORECASE),
        suffixes=frozenset(s.replace(".", "") for s in pack["company_suffixes"]),
    )


# ------------------------------------------------------------------------------- reading


def normalise(text: str) -> str:
    """Lower case, punctuation and legal-form suffixes dropped: 'Acme, Inc.' -> 'acme'."""
    words = re.sub(r"[^\w&]+", " ", text.lower().replace(".", "")).split()
    return " ".join(w for w in words if w not in patterns().suffixes)


def _title_line(document: Document, record: Record) -> str:
    title = record.document.title
    if title is not None and str(title.value).strip():
        return str(title.value)
    if document.title:
        return document.title
    for line in document.text[:TITLE_CHARS].splitlines():
        if line.strip():
            return line.strip()
    return ""


def identity_of(document: Document, record: Record) -> dict[str, Any]:
    """What an amendment's reference to this contract can be checked against."""
    from extractors.dateparse import scan

    head = document.text[:HEAD_CHARS]
    dates = {m.date.isoformat() for m in scan(head) if m.date is not None and m.precision == "day"}
    for f in (record.dates.agreement, record.dates.effective):
        if f is not None:
            dates.add(str(f.value))
    return {
        "title": _title_line(document, record),
        "head": normalise(head),
        "dates": sorted(dates),
        "parties": [p.name for p in record.parties],
    }


def is_amendment(document: Document, record: Record) -> bool:
    return bool(patterns().title.match(_title_line(document, record)))


def _evidence(document: Document, start: int, end: int) -> dict[str, Any]:
    if end - start > MAX_QUOTE:  # cut a long restated clause at a word
        cut = document.text.rfind(" ", start, start + MAX_QUOTE)
        end = cut if cut > start + MAX_QUOTE // 2 else start + MAX_QUOTE
    ev = Evidence.from_span(document, start, end)
    return ev.model_dump()


def _capitalised(name: str) -> bool:
    words = name.split()
    return bool(words) and all(w[0].isupper() or w[0].isdigit() or w.lower() in SMALL_WORDS for w in words)


def _reference(document: Document) -> dict[str, Any] | None:
    """The first place in the opening text that names the amended contract, with its date."""
    from extractors.dateparse import scan

    text = document.text
    head_end = min(len(text), HEAD_CHARS)
    found: list[dict[str, Any]] = []
    for pattern in patterns().references:
        for match in pattern.finditer(text, 0, head_end):
            base = " ".join(match.group("base").split())
            if not _capitalised(base):
                continue
            end = match.end()
            date = None
            lead = patterns().date_lead.match(text, end)
            if lead:
                mentions = [m for m in scan(text, start=lead.end(), end=min(len(text), lead.end() + DATE_WINDOW))
                            if m.date is not None and m.precision == "day" and m.start <= lead.end() + 2]
                if mentions:
                    date, end = mentions[0].date.isoformat(), mentions[0].end
            parties = _parties_after(text, end)
            number = match.groupdict().get("number") or match.groupdict().get("ordinal")
            found.append({"base_title": base, "base_date": date, "parties": parties[0], "number": number,
                          "quote": _evidence(document, match.start(), max(parties[1], end))})
            if len(found) >= MAX_REFERENCES:
                break
    if not found:
        return None
    number = next((r["number"] for r in found if r["number"]), None)
    # the most specific reference: one with a date, then with parties, then the earliest
    found.sort(key=lambda r: (r["base_date"] is None, not r["parties"], r["quote"]["start"]))
    return {**found[0], "number": number}


def _parties_after(text: str, pos: int) -> tuple[list[str], int]:
    lead = patterns().parties.match(text, pos)
    if not lead:
        return [], pos
    window = text[lead.end():lead.end() + PARTIES_WINDOW]
    stop = re.search(r'\s\(|[;:]|\.\s+(?=[A-Z])|\.$|,\s+(?:as|and as|which|that|pursuant|under|is|are)\b|\n\n',
                     window)
    span = window[:stop.start()] if stop else window
    names = [n.strip(" ,") for n in re.split(r",?\s+and\s+|;\s*", span) if n.strip(" ,")]
    names = [re.sub(r",\s*an?\s.*$", "", n) for n in names]  # "Acme Inc., a Delaware corporation"
    return [n for n in names if n and _capitalised(n)][:6], lead.end() + len(span)


def _changes(document: Document) -> list[dict[str, Any]]:
    from pipeline.nlp import split_sentences

    text = document.text
    changes: list[dict[str, Any]] = []
    seen_sentences: set[int] = set()
    sentences = split_sentences(text)
    starts = [s.start for s in sentences]
    import bisect

    for match in patterns().changes.finditer(text):
        i = bisect.bisect_right(starts, match.start()) - 1
        if i < 0 or i in seen_sentences:
            continue
        seen_sentences.add(i)
        sentence = sentences[i]
        start, end = sentence.start, sentence.end
        sentence_text = text[start:end]
        opened_quote = (sentence_text.count('"') % 2 == 1) or sentence_text.count("“") > sentence_text.count("”")
        if ":" in text[match.end():end] or opened_quote:
            # "... replaced with the following:" + the new text, to the end of its paragraph
            paragraph_end = text.find("\n\n", end + 3)
            end = paragraph_end if paragraph_end > 0 else min(len(text), end + MAX_QUOTE)
        section = patterns().section.search(text, start, match.start()) or patterns().section.search(text, start, end)
        changes.append({
            "section": " ".join(section.group(0).split()) if section else None,
            "quote": _evidence(document, start, end),
        })
        if len(changes) >= MAX_CHANGES:
            break
    return changes


def read_amendment(document: Document, record: Record) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the reference to the amended contract, the amending clauses), or (None, []) if this
    document is not an amendment."""
    if not is_amendment(document, record):
        return None, []
    reference = _reference(document)
    if reference is None:
        return None, []
    if not reference["parties"]:
        reference["parties"] = [p.name for p in record.parties]
    return reference, _changes(document)


# ------------------------------------------------------------------------------- linking


@dataclass(frozen=True)
class Fit:
    score: int
    basis: str


def fit(reference: dict[str, Any], identity: dict[str, Any]) -> Fit | None:
    """How well an amendment's reference fits a contract; None when it does not."""
    name = normalise(reference["base_title"])
    generic = name in GENERIC_NAMES or len(name.split()) < 2
    head = identity.get("head", "")
    title_ok = not generic and (name in head or name == normalise(identity.get("title", "")))
    date_ok = bool(reference.get("base_date")) and reference["base_date"] in identity.get("dates", [])
    party_hits = sum(1 for p in reference.get("parties", []) if len(normalise(p)) >= 3 and normalise(p) in head)
    reasons = []
    if title_ok:
        reasons.append(f"its name ({reference['base_title']})")
    if date_ok:
        reasons.append(f"its date ({reference['base_date']})")
    if party_hits:
        reasons.append(f"{party_hits} of its parties")
    if not ((title_ok and (date_ok or party_hits)) or (date_ok and party_hits)):
        return None
    return Fit(2 * title_ok + 2 * date_ok + min(party_hits, 2), "matches " + ", ".join(reasons))


def find_base(reference: dict[str, Any], candidates: list[tuple[str, dict[str, Any]]],
              exclude: str | None = None) -> tuple[str, str] | None:
    """(sha256, why) of the one contract the reference fits best; None if none or a tie."""
    scored = [(f, sha) for sha, identity in candidates if sha != exclude
              for f in [fit(reference, identity)] if f is not None]
    if not scored:
        return None
    scored.sort(key=lambda x: -x[0].score)
    if len(scored) > 1 and scored[1][0].score == scored[0][0].score:
        return None
    best, sha = scored[0]
    return sha, best.basis


# ------------------------------------------------------------------------------- report section

# (label, path into the record, how to show it): the terms an amendment typically changes
COMPARED_TERMS: list[tuple[str, str, str]] = [
    ("Expiration (end of initial term)", "dates.expiration", "date"),
    ("Initial term", "term.initial", "duration"),
    ("Renewal", "term.auto_renewal", "text"),
    ("Renewal term", "term.renewal", "duration"),
    ("Non-renewal notice", "term.non_renewal_notice", "duration"),
    ("Renewal option notice", "term.renewal_option_notice", "duration"),
    ("Termination for convenience", "term.termination_for_convenience", "duration"),
    ("Governing law", "governing_law", "text"),
    ("Payment terms", "payment.terms", "duration"),
]


def _field(record: Record, path: str) -> Any:
    node: Any = record
    for part in path.split("."):
        node = getattr(node, part, None)
        if node is None:
            return None
    return node


def _show(value: Any, kind: str) -> str:
    from reports.html import format_date, format_duration

    if kind == "date":
        return format_date(value)
    if kind == "duration":
        return format_duration(value)
    return str(value)


@dataclass
class TermChange:
    label: str
    before: str | None
    after: str
    quote: dict[str, Any] | None


def term_changes(base: Record, amendment: Record) -> list[TermChange]:
    """Terms the amendment states with a value other than the amended contract's."""
    out = []
    for label, path, kind in COMPARED_TERMS:
        new, old = _field(amendment, path), _field(base, path)
        if new is None or (old is not None and old.value == new.value):
            continue
        out.append(TermChange(label, _show(old.value, kind) if old is not None else None, _show(new.value, kind),
                              new.evidence[0].model_dump() if new.evidence else None))
    return out


@dataclass
class LinkedAmendment:
    """An amendment as shown in a report: its title, link, reference and changes."""

    title: str
    href: str | None  # to its report, relative to the report it is shown in; None: own report
    names: list[str]
    reference: dict[str, Any]
    changes: list[dict[str, Any]]
    term_changes: list[TermChange] = field(default_factory=list)
    basis: str = ""


@dataclass
class AmendmentView:
    amends_title: str | None = None  # set in an amendment's own report
    amends_href: str | None = None
    amends_names: list[str] = field(default_factory=list)
    amendments: list[LinkedAmendment] = field(default_factory=list)
    unlinked_reference: dict[str, Any] | None = None  # an amendment whose base is not in the register

    @property
    def empty(self) -> bool:
        return not (self.amends_title or self.amendments or self.unlinked_reference)


def _quote(q: dict[str, Any] | None, href: str | None) -> Markup:
    if not q:
        return Markup("")
    text = " ".join(q["text"].split())
    link = f"{href or ''}#page-{q['page']}"
    return Markup('<blockquote class="quote">“{}” <a href="{}">p. {}</a></blockquote>').format(
        text, link, q["page"])


def _describe_reference(ref: dict[str, Any]) -> str:
    parts = [ref["base_title"]]
    if ref.get("base_date"):
        parts.append(f"dated {ref['base_date']}")
    if ref.get("parties"):
        parts.append("between " + " and ".join(ref["parties"]))
    return " ".join(parts)


def _amendment_block(a: LinkedAmendment, heading: bool) -> Markup:
    out = []
    if heading:
        title = Markup('<a href="{}">{}</a>').format(a.href, a.title) if a.href else escape(a.title)
        out.append(Markup('<h3>{}</h3>').format(title))
        if a.names and [a.title] != a.names:
            out.append(Markup('<p class="muted">File: {}</p>').format(", ".join(a.names)))
    if a.basis:
        out.append(Markup("<p>Linked because the amendment's reference — <em>{}</em> — {}.</p>").format(
            _describe_reference(a.reference), a.basis))
    if a.term_changes:
        rows = Markup("").join(
            Markup("<tr><th scope=\"row\">{}</th><td>{}</td><td><strong>{}</strong></td><td>{}</td></tr>").format(
                t.label, t.before or "—", t.after, _quote(t.quote, a.href)) for t in a.term_changes)
        out.append(Markup(
            '<div class="table-wrap"><table class="data"><thead><tr><th scope="col">Term</th>'
            '<th scope="col">Before</th><th scope="col">As amended</th><th scope="col">Quote</th></tr></thead>'
            "<tbody>{}</tbody></table></div>").format(rows))
    if a.changes:
        items = Markup("").join(
            Markup("<li>{}{}</li>").format(
                Markup("<strong>{}</strong>: ").format(c["section"]) if c.get("section") else "",
                _quote(c["quote"], a.href)) for c in a.changes)
        out.append(Markup("<p>Amending clauses:</p><ul class=\"changes\">{}</ul>").format(items))
    return Markup("\n").join(out)


def amendment_section(view: AmendmentView) -> Markup:
    if view.empty:
        return Markup("")
    out = [Markup('<section id="amendments" aria-labelledby="amendments-title">'),
           Markup('<h2 id="amendments-title">Amendments</h2>')]
    if view.amends_title:
        target = (Markup('<a href="{}">{}</a>').format(view.amends_href, view.amends_title)
                  if view.amends_href else escape(view.amends_title))
        names = Markup(" ({})").format(", ".join(view.amends_names)) if view.amends_names else ""
        out.append(Markup("<p>This document amends {}{}. The amended contract's report shows these changes"
                          " next to its own terms.</p>").format(target, names))
        for a in view.amendments:
            out.append(_amendment_block(a, heading=False))
    elif view.unlinked_reference:
        out.append(Markup("<p>This document amends <em>{}</em>, which is not in the register (or could not be"
                          " told apart from another contract). Add it to link the two.</p>").format(
            _describe_reference(view.unlinked_reference)))
        out.append(_quote(view.unlinked_reference.get("quote"), None))
    else:
        count = len(view.amendments)
        out.append(Markup("<p>This contract is amended by {} document{}. Where an amendment states a term,"
                          " the amended value applies from the amendment's effective date.</p>").format(
            count, "" if count == 1 else "s"))
        for a in view.amendments:
            out.append(_amendment_block(a, heading=True))
    out.append(Markup("</section>"))
    return Markup("\n").join(out)


_INSERT_BEFORE = ('<section id="parties"', '<section id="text"', "</main>")


def insert_section(report_html: str, section: Markup) -> str:
    """Put the section into a report from `render_contract`, before the parties."""
    if not section:
        return report_html
    for marker in _INSERT_BEFORE:
        i = report_html.find(marker)
        if i >= 0:
            return report_html[:i] + str(section) + "\n\n" + report_html[i:]
    return report_html


__all__ = ["read_amendment", "identity_of", "find_base", "fit", "term_changes", "AmendmentView", "LinkedAmendment",
           "amendment_section", "insert_section", "normalise"]
