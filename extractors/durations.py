"""Durations the way contracts write them, and the date arithmetic that uses them.

    find_durations("at least ninety (90) days prior to ...")  -> [DurationMatch(P90D, 9, 25)]
    parse_duration("two (2) successive one-year periods")     -> Duration(1, "year")
    add(date(2024, 1, 31), Duration(1, "month"))              -> date(2024, 2, 29)

Contracts write an amount in words, in figures or both ("ninety (90)", "(30)", "one hundred
and twenty (120)", "a", "an additional"), glue it to the unit ("twelve-month", "five (5)-year",
"thirty-day"), qualify the unit ("calendar", "full", "business", "working") and put it in the
possessive ("six (6) months' notice", "one year's notice"). When the words and the figure
disagree the words are taken, as courts do (UCC 3-114).

Business days stay apart (`Duration.business`): ISO 8601 has no unit for them, so `iso` gives the
calendar span that holds that many business days around weekends (n * 7 / 5, rounded up), which
errs on the side of giving notice early; `add` counts weekdays exactly (no holiday calendar).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.nlp import compile_folded, fold_case

UNITS = ("day", "week", "month", "year")

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-fifth": 25, "thirtieth": 30,
}
# Unit words, longest first; each maps to (unit, multiplier)
_UNIT_WORDS = {
    "fortnight": ("day", 14), "quarter": ("month", 3), "year": ("year", 1),
    "month": ("month", 1), "week": ("week", 1), "day": ("day", 1),
}
_BUSINESS = {"business", "working", "banking"}


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # one of UNITS
    business: bool = False  # business (working, banking) days; unit is then "day"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown duration unit {self.unit!r}")
        if self.business and self.unit != "day":
            raise ValueError("only days can be business days")

    @property
    def iso(self) -> str:
        """ISO 8601: P90D, P6M, P1Y, P2W. Business days as the calendar span holding them."""
        if self.business:
            return f"P{math.ceil(self.amount * 7 / 5)}D"
        return f"P{self.amount}{self.unit[0].upper()}"

    @property
    def days(self) -> float:
        """Approximate length in days, for comparing durations of different units."""
        per = {"day": 1.4 if self.business else 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
        return self.amount * per[self.unit]

    def __str__(self) -> str:
        unit = ("business day" if self.business else self.unit) + ("" if self.amount == 1 else "s")
        return f"{self.amount} {unit}"

    @classmethod
    def from_iso(cls, text: str) -> Duration:
        """The inverse of `iso` for single-unit durations ("P90D", "P1Y"); business days are lost."""
        m = re.fullmatch(r"P(\d+)([YMWD])", text.strip().upper())
        if not m:
            raise ValueError(f"not a single-unit ISO 8601 duration: {text!r}")
        return cls(int(m[1]), {"Y": "year", "M": "month", "W": "week", "D": "day"}[m[2]])


@dataclass(frozen=True)
class DurationMatch:
    duration: Duration
    start: int  # [start, end) in the searched text
    end: int


# --- the pattern -------------------------------------------------------------------------------

_NUMBER_WORD = "|".join(sorted([*_ONES, *_TENS, *_SCALES], key=len, reverse=True))
_ORDINAL_WORD = "|".join(sorted(_ORDINALS, key=len, reverse=True))


@lru_cache(maxsize=1)
def _duration_pattern() -> re.Pattern[str]:
    words = rf"(?:{_NUMBER_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_NUMBER_WORD}))*"
    amount = (
        rf"(?P<words>\b{words})(?:\s*\(\s*(?P<paren>\d{{1,4}})\s*\))?"  # ninety (90)
        rf"|(?P<fdigits>\d{{1,4}})\s*\(\s*{words}\s*\)"  # 90 (ninety)
        rf"|\(\s*(?P<pdigits>\d{{1,4}})\s*\)"  # (30)
        rf"|(?<![\d.,/])(?P<digits>\d{{1,4}})(?![\d.,/]\d)"  # 90 (not 1,000 or 1.5 or 12/31)
        rf"|(?P<article>\ban?\b)(?=\s+(?:(?:additional|further|subsequent|successive|single|full|"
        rf"consecutive|renewal|extension|calendar|contract)\s+)?(?:year|month|week|day|quarter)\b)"
    )
    qualifier = r"(?:(?:additional|further|subsequent|successive|single|full|consecutive|renewal|extension|" \
                r"calendar|contract|business|working|banking)\s+)*"
    unit = "|".join(_UNIT_WORDS)
    # matched in the lower-cased text (pipeline.nlp.fold_case), 1.6x faster than ignoring case
    return compile_folded(
        rf"(?:{amount})\s*(?:-\s*)?(?P<qual>{qualifier})(?P<unit>{unit})s?(?:'s|’s|'|’)?(?![a-z])"
        # "year to year", "month-to-month" name a renewal pattern, not an amount of time
        rf"(?![\s-]+to[\s-]+(?:{unit}))",
    )


# The last long text folded: extractors call find_durations on sentence ranges of one document.
_last_folded: tuple[str, str] | None = None


def _folded(text: str) -> str:
    global _last_folded
    if _last_folded is not None and _last_folded[0] is text:
        return _last_folded[1]
    folded = fold_case(text)
    if len(text) > 2000:
        _last_folded = (text, folded)
    return folded


def words_to_number(text: str) -> int | None:
    """'one hundred and twenty' -> 120, 'thirty-six' -> 36; None when a word is not a number."""
    total, current = 0, 0
    for word in re.split(r"[\s-]+", text.lower().strip()):
        if not word or word == "and":
            continue
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
    return total + current


def ordinal_to_number(text: str) -> int | None:
    """'fifth' -> 5, '5th' -> 5, 'fifth (5th)' -> 5, 'twenty-fifth' -> 25."""
    t = text.lower().strip()
    m = re.match(r"(\d{1,3})\s*(?:st|nd|rd|th)\b", t)
    if m:
        return int(m[1])
    m = re.match(rf"({_ORDINAL_WORD})\b", t)
    return _ORDINALS[m[1]] if m else None


ORDINAL_PATTERN = rf"(?:(?:{_ORDINAL_WORD})(?:\s*\(\s*\d{{1,3}}\s*(?:st|nd|rd|th)\s*\))?|\d{{1,3}}\s*(?:st|nd|rd|th))"


def _amount(m: re.Match[str]) -> int | None:
    if m["words"]:
        value = words_to_number(m["words"])
        # "five (5)" agree; "sixty (90)" do not: the words govern, but a figure alone is read
        if value is None:
            return int(m["paren"]) if m["paren"] else None
        return value
    if m["fdigits"]:
        return int(m["fdigits"])
    if m["pdigits"]:
        return int(m["pdigits"])
    if m["digits"]:
        return int(m["digits"])
    if m["article"]:
        return 1
    return None


def find_durations(text: str, start: int = 0, end: int | None = None) -> list[DurationMatch]:
    """Every duration written in text[start:end], with offsets into `text`, in reading order."""
    found = []
    for m in _duration_pattern().finditer(_folded(text), start, len(text) if end is None else end):
        amount = _amount(m)
        if amount is None or amount <= 0:
            continue
        unit, times = _UNIT_WORDS[m["unit"]]
        business = bool(set(m["qual"].split()) & _BUSINESS) and unit == "day"
        found.append(DurationMatch(Duration(amount * times, unit, business), m.start(), m.end()))
    return found


def parse_duration(text: str) -> Duration | None:
    """The first duration written in `text`, or None."""
    found = find_durations(text)
    return found[0].duration if found else None


# --- arithmetic --------------------------------------------------------------------------------

def _add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end: Jan 31 + 1 month = Feb 28 (29 in leap years)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _add_business_days(day: dt.date, count: int) -> dt.date:
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def add(day: dt.date, duration: Duration, sign: int = 1) -> dt.date:
    """`day` moved by `duration` (backwards when sign is -1).

    Months and years are calendar months with month-end clamping (2024-02-29 + P1Y = 2025-02-28);
    business days skip Saturdays and Sundays.
    """
    n = duration.amount * sign
    if duration.business:
        return _add_business_days(day, n)
    if duration.unit == "day":
        return day + dt.timedelta(days=n)
    if duration.unit == "week":
        return day + dt.timedelta(weeks=n)
    if duration.unit == "month":
        return _add_months(day, n)
    return _add_months(day, 12 * n)


def subtract(day: dt.date, duration: Duration) -> dt.date:
    return add(day, duration, sign=-1)
