"""Payment terms: net days and what they count from, late interest, currency, amounts,
minimum commitments and notice of price changes.

Fills `record.payment`. Each value is a field quoting its clause:
- `terms`: the days a payer has to pay, as ISO 8601 ("within thirty (30) days after receipt of a
  proper invoice" -> P30D; "net sixty (60) days" -> P60D), from the sentence that pays invoices or
  all amounts (not refunds, underpayments or audit true-ups);
- `terms_after`: what those days count from, normalised ("receipt of invoice", "date of invoice");
- `late_interest`: the rate on overdue sums ("1.5% per month (or the maximum lawful rate, if less)");
- `currency`: ISO 4217, from a statement ("payable in United States dollars") or else from the
  sums written in the contract;
- `amounts`: the fees, prices and rents the contract states, in sentences and table rows;
- `minimum_commitment`, `price_change_notice` (ISO 8601 notice before a price change).

Cue phrases live in `rules/payment.yaml`. `find_money` and `find_percent` are shared with kpis.py.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from extractors import obligations as ob
from extractors.base import Context, iter_lines
from pipeline.nlp import Sentence
from pipeline.record import Money, Payment
from rules import compile_patterns, load_pack, require
from rules.prefilter import Cue, Folded, holding

PACK = "payment"
TABLE_WINDOW = 2500  # how far after a lead-in a table of sums may run


# --- the rule pack -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    payment_cue: Cue
    invoice_object: re.Pattern[str]
    not_terms_context: re.Pattern[str]
    net_before: re.Pattern[str]
    terms_after: tuple[tuple[str, re.Pattern[str]], ...]
    due_day_of_period: Cue
    interest_context: re.Pattern[str]
    interest_cue: Cue
    interest_rate: re.Pattern[str]
    interest_base: re.Pattern[str]
    interest_cap: re.Pattern[str]
    currency_statements: tuple[tuple[str, Cue], ...]
    amount_cue: re.Pattern[str]
    not_amount_cue: re.Pattern[str]
    amount_table_lead_in: Cue
    minimum_commitment: Cue
    price_change: Cue


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    require(pack, PACK, "payment_cue", "invoice_object", "not_terms_context", "net_before", "terms_after",
            "due_day_of_period", "interest_context", "interest_cue", "interest_rate", "interest_base", "interest_cap", "currency_statements", "amount_cue",
            "not_amount_cue", "amount_table_lead_in", "minimum_commitment", "price_change")
    return Rules(
        payment_cue=Cue.of(compile_patterns(pack["payment_cue"], PACK, "payment_cue")),
        invoice_object=compile_patterns(pack["invoice_object"], PACK, "invoice_object"),
        not_terms_context=compile_patterns(pack["not_terms_context"], PACK, "not_terms_context"),
        net_before=compile_patterns(pack["net_before"], PACK, "net_before"),
        terms_after=tuple((k, compile_patterns(v, PACK, f"terms_after.{k}")) for k, v in pack["terms_after"].items()),
        due_day_of_period=Cue.of(compile_patterns(pack["due_day_of_period"], PACK, "due_day_of_period")),
        interest_context=compile_patterns(pack["interest_context"], PACK, "interest_context"),
        interest_cue=Cue.of(compile_patterns(pack["interest_cue"], PACK, "interest_cue")),
        interest_rate=compile_patterns(pack["interest_rate"], PACK, "interest_rate"),
        interest_base=compile_patterns(pack["interest_base"], PACK, "interest_base"),
        interest_cap=compile_patterns(pack["interest_cap"], PACK, "interest_cap"),
        currency_statements=tuple((k, Cue.of(compile_patterns(v, PACK, f"currency_statements.{k}")))
                                  for k, v in pack["currency_statements"].items()),
        amount_cue=compile_patterns(pack["amount_cue"], PACK, "amount_cue"),
        not_amount_cue=compile_patterns(pack["not_amount_cue"], PACK, "not_amount_cue"),
        amount_table_lead_in=Cue.of(compile_patterns(pack["amount_table_lead_in"], PACK, "amount_table_lead_in")),
        minimum_commitment=Cue.of(compile_patterns(pack["minimum_commitment"], PACK, "minimum_commitment")),
        price_change=Cue.of(compile_patterns(pack["price_change"], PACK, "price_change")),
    )


# --- money and percentages -------------------------------------------------------------------

_SYMBOLS = {
    "us$": "USD", "u.s.$": "USD", "usd": "USD", "$": None, "c$": "CAD", "ca$": "CAD", "cad": "CAD", "a$": "AUD",
    "au$": "AUD", "aud": "AUD", "hk$": "HKD", "s$": "SGD", "nz$": "NZD", "£": "GBP", "gbp": "GBP", "€": "EUR",
    "eur": "EUR", "¥": "JPY", "jpy": "JPY", "rmb": "CNY", "cny": "CNY", "chf": "CHF", "inr": "INR", "rs.": "INR",
}
_NUM = r"(?P<num>\d{1,3}(?:[,\s]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
_SCALE = r"(?:\s?(?P<scale>million|billion|thousand|mm|m|bn|k)\b)?"
_MONEY = re.compile(
    r"(?P<cur>US\$|U\.S\.\s?\$|C\$|CA\$|A\$|AU\$|HK\$|S\$|NZ\$|\$|£|€|¥|\b(?:USD|EUR|GBP|CAD|AUD|CHF|JPY|CNY|RMB|INR)\b)\s?"
    + _NUM + _SCALE
    + r"|" + _NUM.replace("num", "num2") + r"\s?(?P<cur2>USD|EUR|GBP|CAD|AUD|CHF|JPY|CNY|INR|dollars|euros|pounds sterling)\b"
)
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "billion": 1e9, "bn": 1e9}


@dataclass(frozen=True)
class MoneyMatch:
    amount: float
    currency: str | None  # None: "$" with no other sign
    start: int
    end: int


# Every sum holds one of these: its sign or code, before the figure or after it. A sign or code
# added to _MONEY must be added here (or a sum starting with it is passed over).
_MONEY_MARKS = ("$", "£", "€", "¥", "USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "CNY", "RMB", "INR",
                "dollars", "euros", "pounds")
_MONEY_MARK = re.compile("|".join(map(re.escape, _MONEY_MARKS)))
_SIGN_LETTERS = 6  # how far before its "$" a sign may start: "U.S. $", "HK$"


def _money_matches(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """What `_MONEY.finditer(text, start, end)` finds, trying the pattern only just before each sign
    or code: a sum starts at most `_SIGN_LETTERS` before its "$", or at its sign or code, or at the
    figure running up to the code after it ("2,500,000 EUR"). Elsewhere no sum can start."""
    pos = start
    while (mark := _MONEY_MARK.search(text, pos, end)) is not None:
        first = max(pos, mark.start() - _SIGN_LETTERS)
        while first > pos and _in_figure(text[first - 1]):
            first -= 1
        for at in range(first, mark.start() + 1):
            m = _MONEY.match(text, at, end)
            if m is not None:
                yield m
                pos = m.end()
                break
        else:
            pos = mark.start() + 1


def _in_figure(char: str) -> bool:
    """A character of a written figure or the space after it, as `_NUM` and "\\s?" match them."""
    return char.isdecimal() or char.isspace() or char in ",."


def find_money(text: str, start: int = 0, end: int | None = None) -> list[MoneyMatch]:
    """Sums of money in text[start:end]: "$1,240,000.00", "£18,450", "US$5,000,000", "2 million EUR"."""
    found = []
    for m in _money_matches(text, start, len(text) if end is None else end):
        raw = m["num"] or m["num2"]
        try:
            amount = float(re.sub(r"[,\s]", "", raw))
        except ValueError:
            continue
        if m["scale"]:
            amount *= _SCALES[m["scale"].lower()]
        symbol = (m["cur"] or m["cur2"] or "").lower().replace(" ", "")
        currency = _SYMBOLS.get(symbol) if m["cur"] else {"dollars": None, "euros": "EUR", "poundssterling": "GBP"}.get(
            symbol, symbol.upper())
        found.append(MoneyMatch(amount, currency, m.start(), m.end()))
    return found


_PERCENT = re.compile(
    r"(?:(?P<words>(?:[a-z]+[\s-]+){0,6}?(?:and\s+)?(?:[a-z]+\s+)?)?(?:percent|per\s?cent)\s*\(\s*(?P<paren>\d+(?:\.\d+)?)\s*%\s*\)"
    r"|(?P<num>\d+(?:\.\d+)?)\s*(?:%|per\s?cent\b|percent\b))",
    re.IGNORECASE,
)


_PERCENT_WORD = re.compile(r"[cC][eE][nN][tT]")  # "cent" ignoring case, written so the search skips ahead to a "c"


@dataclass(frozen=True)
class PercentMatch:
    value: float
    start: int
    end: int


def find_percent(text: str, start: int = 0, end: int | None = None) -> list[PercentMatch]:
    """Percentages: "99.9%", "ninety-seven percent (97%)", "fifteen per cent (15%)", "4 percent"."""
    end = len(text) if end is None else end
    if text.find("%", start, end) < 0 and _PERCENT_WORD.search(text, start, end) is None:
        return []  # every percentage holds "%" or "cent"; the pattern is slow on long prose
    out = []
    for m in _PERCENT.finditer(text, start, end):
        value = float(m["paren"] or m["num"])
        a = m.start("paren") if m["paren"] and not m["words"] else m.start()
        out.append(PercentMatch(value, a, m.end()))
    return out


# --- the extractor ---------------------------------------------------------------------------------


class PaymentReader:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.text = ctx.document.text
        self.r = rules()
        self.payment = Payment()
        self.sentences = ctx.analysis.sentences
        self.starts = [s.start for s in self.sentences]
        self.doc = Folded.of(self.text, ctx.analysis.folded_text)  # for the cues' string tests

    def read(self) -> Payment:
        self._terms()
        self._interest()
        self._currency()
        self._amounts()
        self._minimum_commitment()
        self._price_change_notice()
        return self.payment

    def _body(self, s: Sentence) -> str:
        return self.text[s.start:s.end]

    def _may_match(self, cue: Cue) -> Iterable[int]:
        """The indices of the sentences `cue` may match, in order; in the others none of the
        strings its every match holds occurs, so the pattern need not run."""
        return holding(self.doc.lower, self.starts, cue.needles)

    def _sentences_with(self, cue: Cue) -> Iterator[tuple[int, Sentence, str, re.Match[str]]]:
        """(index, sentence, its text, the match in it) for the sentences `cue` matches, in order."""
        for i in self._may_match(cue):
            s = self.sentences[i]
            body = self.text[s.start:s.end]
            m = cue.pattern.search(body)
            if m is not None:
                yield i, s, body, m

    # -- net days

    def _terms(self) -> None:
        text, r = self.text, self.r
        best: tuple[float, Sentence, ob.TimeSpan, str | None, int] | None = None
        for _, s, body, _ in self._sentences_with(r.payment_cue):
            if ob.rules().definition.search(body):
                continue
            for span in ob.time_spans(text, s.start, s.end):
                if span.unit not in ("day", "week", "month") or ob.is_rate(text, span):
                    continue
                before = text[max(s.start, span.start - 30):span.start]
                net = bool(r.net_before.search(before))
                trigger, _, trigger_end = ob._trigger(text, span.start, span.end, s.end)
                within = bool(re.search(r"\b(?:within|no later than|not later than)\s*$", before, re.IGNORECASE))
                if not (net or trigger or within):
                    continue
                clause = text[max(s.start, span.start - 160):min(s.end, trigger_end + 40)]
                if not r.payment_cue.pattern.search(clause):
                    continue
                score = 3.0 * net + 3.0 * bool(trigger and "invoice" in trigger.lower()) + 1.0 * bool(trigger)
                score += 2.0 * bool(r.invoice_object.search(clause)) + 1.0 * within
                score -= 4.0 * bool(r.not_terms_context.search(clause))
                score -= 2.0 * bool(ob.rules().notice_after.match(text, span.end, s.end))
                if score < 3:
                    continue
                if best is None or score > best[0]:
                    best = (score, s, span, trigger, trigger_end)
        if best is None:
            self._due_day()
            return
        score, s, span, trigger, trigger_end = best
        confidence = min(0.95, 0.55 + 0.06 * score)
        self.payment.terms = self.ctx.field(span.iso, confidence, [(s.start, s.end)])
        body = self._body(s)
        after = self._normalise_after(trigger, body) if trigger else ("date of invoice" if re.search(
            r"\binvoice", body, re.IGNORECASE) and self.r.net_before.search(self.text[max(s.start, span.start - 30):span.start]) else None)
        if after:
            lead = ob.rules().time_lead.search(self.text, max(s.start, span.start - 40), span.start)
            start = lead.start() if lead and lead.group(0).strip() else span.start
            self.payment.terms_after = self.ctx.field(after, confidence - 0.05, [(start, max(trigger_end, span.end))])

    def _due_day(self) -> None:
        """Rent-style terms: due on a day of each month, with no number of days to pay."""
        for _, s, body, m in self._sentences_with(self.r.due_day_of_period):
            if self.r.payment_cue.pattern.search(body):
                day = {"1st": "first", "5th": "fifth", "10th": "tenth", "15th": "fifteenth"}.get(m["day"].lower(), m["day"].lower())
                kind = (m["kind"] or "").strip().lower()
                value = " ".join(w for w in (day, kind, "day of each", " ".join(m["period"].lower().split())) if w)
                self.payment.terms_after = self.ctx.field(value, 0.7, [(s.start + m.start(), s.start + m.end())])
                return

    def _normalise_after(self, trigger: str, sentence: str) -> str:
        for value, pattern in self.r.terms_after:
            if pattern.search(trigger):
                if value == "receipt of invoice" and not re.search(r"invoice", trigger + sentence, re.IGNORECASE):
                    continue
                return value
        return trigger

    # -- late interest

    def _interest(self) -> None:
        r = self.r
        for i, s, body, _ in self._sentences_with(r.interest_cue):
            m = r.interest_rate.search(body)
            before = self._body(self.sentences[i - 1]) if i else ""
            if m is None or not (r.interest_context.search(body) or r.interest_context.search(before)):
                continue
            period = m["period"].lower()
            unit = "month" if "month" in period else "day" if "da" in period else "annum"
            value = f"{_number(m['rate'])}% per {unit}"
            base = r.interest_base.search(body, m.start())
            if base:
                value += " above " + " ".join(base["base"].split())
            if r.interest_cap.search(body):
                value += " (or the maximum lawful rate, if less)"
            self.payment.late_interest = self.ctx.field(value, 0.85, [(s.start, s.end)])
            return

    # -- currency

    def _currency(self) -> None:
        text = self.text
        for code, statement in self.r.currency_statements:
            m = statement.search(self.doc)
            if m is None:
                continue
            s = self.ctx.analysis.sentence_at(m.start())
            span = (s.start, s.end) if s else (m.start(), m.end())
            # a statement in words beats the signs in front of sums
            strong = not re.fullmatch(r"[A-Z]{3}|US\$|[ACS]\$", m.group(0))
            self.payment.currency = self.ctx.field(code, 0.9 if strong else 0.75, [span])
            if strong:
                return
        if self.payment.currency is not None:
            return
        sums = [m for m in find_money(text) if self._is_price(m.start, m.end, 0, len(text))]
        signs = Counter(m.currency or "USD" for m in sums)
        if not signs:
            return
        code, _ = signs.most_common(1)[0]
        first = next(m for m in sums if (m.currency or "USD") == code)
        s = self.ctx.analysis.sentence_at(first.start)
        span = (s.start, s.end) if s else (first.start, first.end)
        self.payment.currency = self.ctx.field(code, 0.6, [span], note="read from the sums written in the contract")

    def _is_price(self, start: int, end: int, floor: int, ceiling: int) -> bool:
        near = self.text[max(floor, start - 90):min(ceiling, end + 40)]
        return bool(self.r.amount_cue.search(near)) and not self.r.not_amount_cue.search(near)

    def _default_currency(self) -> str:
        """The currency a bare "$" stands for: the contract's, when it is a dollar; else USD."""
        stated = self.payment.currency.value if self.payment.currency else None
        return stated if stated in ("USD", "CAD", "AUD", "NZD", "SGD", "HKD") else "USD"

    # -- amounts

    def _amounts(self) -> None:
        text, r = self.text, self.r
        seen: set[tuple[float, str]] = set()
        default = self._default_currency()

        def add(m: MoneyMatch, start: int, end: int, confidence: float) -> None:
            currency = m.currency or default
            key = (m.amount, currency)
            if key in seen or m.amount <= 0:
                return
            seen.add(key)
            self.payment.amounts.append(self.ctx.field(Money(amount=m.amount, currency=currency), confidence, [(start, end)]))

        # only sentences with a table row, a sum, or what may be the lead-in of a table of sums
        # can add one; rows and sums are added in the order of the text
        rows = holding(text, self.starts, (" | ",))
        sums = holding(text, self.starts, _MONEY_MARKS)
        lead_ins = self._may_match(r.amount_table_lead_in)
        for i in sorted({*rows, *sums, *lead_ins}):
            s = self.sentences[i]
            body = self._body(s)
            if ob.rules().definition.search(body):
                continue
            if " | " in body:
                for line_start, line in iter_lines(text, s.start, s.end):
                    if " | " in line:
                        self._row_amounts(line_start, line, add)
                continue
            for m in find_money(text, s.start, s.end):
                if self._is_price(m.start, m.end, s.start, s.end) and not self._table_cell(m):
                    add(m, s.start, s.end, 0.7)
            if r.amount_table_lead_in.pattern.search(body):
                self._table_amounts(s, add)
        self._label_amounts(add)

    def _table_cell(self, m: MoneyMatch) -> bool:
        """A sum alone on its line is a cell of a table (one cell per line in PDF text): read by
        row, not with whatever words happen to be near it."""
        line_start = self.text.rfind("\n", 0, m.start) + 1
        line_end = self.text.find("\n", m.end)
        line = self.text[line_start:line_end if line_end != -1 else len(self.text)].strip()
        return bool(_MONEY_ONLY.match(line))

    def _row_amounts(self, line_start: int, line: str, add) -> None:
        """A DOCX table row: "Annual Subscription Fee | $186,000.00 per year"."""
        cells = line.split(" | ")
        label = cells[0]
        if not self.r.amount_cue.search(label) or self.r.not_amount_cue.search(line):
            return
        for m in find_money(self.text, line_start + len(label), line_start + len(line)):
            add(m, line_start, line_start + len(line), 0.7)
            return

    def _table_amounts(self, s: Sentence, add) -> None:
        """Rows of a table of sums under a lead-in, one cell per line (PDF): the last sum of each row."""
        text = self.text
        end = min(len(text), s.end + TABLE_WINDOW)
        row_start: int | None = None
        row_money: list[MoneyMatch] = []
        for line_start, line in iter_lines(text, s.end, end):
            stripped = line.strip()
            if not stripped:
                continue
            if len(stripped) > 90 and re.search(r"[.;]$", stripped):
                break  # prose again
            sums = find_money(text, line_start, line_start + len(line))
            if sums and _MONEY_ONLY.match(stripped):
                row_money.extend(sums)
                continue
            if row_money and row_start is not None:
                add(row_money[-1], row_start, row_money[-1].end, 0.6)
            row_start, row_money = line_start, []
        if row_money and row_start is not None:
            add(row_money[-1], row_start, row_money[-1].end, 0.6)

    def _label_amounts(self, add) -> None:
        """A label on one line and its sum on the next (PDF key-value tables): "Security Deposit\\n$59,280.00"."""
        text = self.text
        for m in _LABEL_VALUE.finditer(text):
            label = m["label"]
            if not self.r.amount_cue.search(label) or self.r.not_amount_cue.search(label):
                continue
            for money in find_money(text, m.start("value"), m.end("value")):
                add(money, m.start("label"), m.end("value"), 0.65)
                break

    # -- commitments and price changes

    def _minimum_commitment(self) -> None:
        r = self.r
        for _, s, body, m in self._sentences_with(r.minimum_commitment):
            if ob.rules().definition.search(body):
                continue
            if not (ob.rules().modal.search(body) or re.search(r"\bcommits?\b", body, re.IGNORECASE)):
                continue
            value = ob._clean_phrase(body[m.start():], 24)
            self.payment.minimum_commitment = self.ctx.field(value, 0.7, [(s.start, s.end)])
            return

    def _price_change_notice(self) -> None:
        text, r = self.text, self.r
        for _, s, body, _ in self._sentences_with(r.price_change):
            for span in ob.time_spans(text, s.start, s.end):
                if ob.rules().notice_after.match(text, span.end, s.end) or re.match(
                        r"\W{0,3}(?:prior to|before|in advance)", text[span.end:span.end + 20], re.IGNORECASE):
                    self.payment.price_change_notice = self.ctx.field(span.iso, 0.8, [(s.start, s.end)])
                    return


_MONEY_ONLY = re.compile(r"^(?:(?:US|C|A)?\$|£|€)\s?[\d,]+(?:\.\d+)?(?:\s*(?:per|/)\s*\w+)?$")
_LABEL_VALUE = re.compile(r"(?m)^(?P<label>[A-Z][^\n$£€]{2,60})\n(?P<value>(?:(?:US|C|A)?\$|£|€)\s?[\d,]+(?:\.\d+)?[^\n]{0,30})$")



def _number(raw: str) -> str:
    value = float(raw)
    return f"{value:g}"


def extract(ctx: Context) -> None:
    ctx.record.payment = PaymentReader(ctx).read()
