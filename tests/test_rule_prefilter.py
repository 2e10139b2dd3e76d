"""The cheap tests run before a rule pattern (rules/prefilter.py) must never make an extractor miss
a clause the rule pack's pattern finds: the strings read from a pattern are ones every match holds,
an unreadable pattern or a text whose letters do not lower-case one to one runs the plain pattern,
and `Cue.search` / `Cue.finditer` return exactly what the pattern returns."""

from __future__ import annotations

import random
import re

import pytest

from extractors import kpis, obligations, payment
from rules.prefilter import Cue, Folded, fold_safe, holding, required_strings

INTEREST = re.compile(r"\binterest\b|\blate (?:payment )?(?:charge|fee)\b", re.IGNORECASE)


@pytest.mark.parametrize("rule, strings", [
    (r"\binterest\b|\blate (?:payment )?(?:charge|fee)\b", ("interest", "late charge", "late fee", "late payment")),
    (r"\bpa(?:y|ys|id|yment|yments|yable)\b", ("paid", "pay")),
    (r"\beuros?\b|\bEUR\b", ("eur",)),
    (r"\bthis\s+agreement\s+(?:shall|will)\s+be\s+governed\b", ("agreement",)),
    (r"\bnet\s+(?:thirty|sixty|\d+)\s+days\b", ("days",)),
])
def test_the_strings_read_from_a_rule_are_ones_every_match_holds(rule, strings):
    assert required_strings(re.compile(rule, re.IGNORECASE)) == strings


@pytest.mark.parametrize("rule", [
    r"(?-i:Licensee)\s+shall",  # inline flags: lower-casing the pattern would change it
    r"\w+\s+\d+",  # no literal text at all
])
def test_a_rule_that_cannot_be_read_runs_on_every_sentence(rule):
    pattern = re.compile(rule, re.IGNORECASE)
    cue = Cue.of(pattern)
    text = "Licensee shall pay within 30 days. Nothing else here."
    doc = Folded.of(text)
    assert cue.needles is None and cue.may_match(doc)
    assert list(holding(doc.lower, [0, 35], cue.needles)) == [0, 1]
    assert [m.span() for m in cue.finditer(doc)] == [m.span() for m in pattern.finditer(text)]


def test_a_case_sensitive_rule_gets_no_lower_case_shortcut():
    cue = Cue.of(re.compile(r"\bCOMPANY\b"))
    assert (cue.needles, cue.lead, cue.folded) == (None, None, None)
    assert cue.search(Folded.of("the company and the COMPANY")).span() == (20, 27)


@pytest.mark.parametrize("text", [
    "Overdue amounts shall bear \u0131nterest at 1.5% per month.",  # dotless ı: "ınterest".lower() holds no "interest"
    "Overdue amounts shall bear interest at 1.5% per month; \u0130stanbul office.",  # İ lower-cases to two letters
    "A late payment fee (\u017fee Schedule A) applies at 5 \u212a per month.",  # long ſ, Kelvin sign
])
def test_a_text_with_letters_that_do_not_lower_case_one_to_one_runs_the_plain_rule(text):
    assert not fold_safe(text)
    doc = Folded.of(text)
    assert doc.lower is None
    cue = Cue.of(INTEREST)
    assert cue.may_match(doc)
    expected = INTEREST.search(text)
    assert expected is not None and cue.search(doc).span() == expected.span()


def test_only_the_sentences_holding_a_rules_strings_are_read():
    sentences = ["Customer shall pay all invoices. ", "Late fees apply to overdue sums. ",
                 "Notices go to the address above. ", "Interest accrues monthly."]
    text = "".join(sentences)
    starts = [sum(map(len, sentences[:i])) for i in range(len(sentences))]
    cue = Cue.of(INTEREST)
    assert list(holding(Folded.of(text).lower, starts, cue.needles)) == [1, 3]


def _rule_pack_cues() -> list[Cue]:
    p, k, o = payment.rules(), kpis.rules(), obligations.rules().cues
    return [p.payment_cue, p.due_day_of_period, p.interest_cue, p.amount_table_lead_in, p.minimum_commitment,
            p.price_change, *(c for _, c in p.currency_statements),
            k.failure, k.incident_words, k.minimum_schedule_heading, kpis._AVAILABILITY_WORDS, kpis._NOT_EXCEED,
            o.modal, o.payment_passive, o.definition, o.disclaimer_before, o.schedule_lead_in, o.condition,
            o.action_soft_end, *o.interpretation, *(c for c, _ in o.recurrence),
            *(c for _, c in o.category_by_verb), *(c for _, c, _ in o.categories)]


WORDS = ("shall", "SHALL", "Shall not", "may", "will", "agrees to", "is entitled to", "pay", "payable", "paid",
         "within", "thirty (30)", "days", "after", "receipt", "of", "invoice", "interest", "late", "fee",
         "1.5%", "per", "month", "US$", "USD", "Euros", "EUR", "Europe", "dollars", "not to exceed", "minimum",
         "purchase", "price", "increase", "notice", "headings", "this", "Agreement", "governed", "means",
         "\u201cTerm\u201d", "if", "in", "the", "event", "following", "below", "available", "uptime", "99.9%",
         "fails", "to", "meet", "service", "credit", "Licensee", "Party", ",", ";", ".", ":", "\n", "\n\n", "(a)")


def _random_text(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(1, 40))
    return " ".join(w.upper() if rng.random() < 0.1 else w for w in words)


def test_no_match_of_a_rule_pack_pattern_is_ever_skipped():
    rng = random.Random(20240611)
    cues = _rule_pack_cues()
    for _ in range(300):
        text = _random_text(rng)
        doc = Folded.of(text)
        pos = rng.randrange(len(text))
        endpos = rng.randint(pos, len(text))
        for cue in cues:
            expected = cue.pattern.search(text, pos, endpos)
            found = cue.search(doc, pos, endpos)
            assert (found and (found.span(), found.groups())) == (expected and (expected.span(), expected.groups())), \
                (cue.pattern.pattern[:60], text)
            spans = [m.span() for m in cue.pattern.finditer(text, pos, endpos)]
            assert [m.span() for m in cue.finditer(doc, pos, endpos)] == spans, (cue.pattern.pattern[:60], text)
            starts = cue.starts(doc)
            if starts is not None:
                assert [m.span() for m in cue.finditer(doc, pos, endpos, starts)] == spans, (cue.pattern.pattern[:60], text)
