"""Rule-pack patterns made cheap to run over a whole contract.

Most of an extractor's time goes into running a rule pattern (re.IGNORECASE) over every sentence
or line, and most sentences cannot match it. Every match of "\\binterest\\b|\\blate (?:payment
)?(?:charge|fee)\\b" contains "interest" or "late"; every match of "\\beuros?\\b|\\bEUR\\b" starts
with "eur". This module reads such strings from the pattern's parse tree once, when the rule pack
is loaded, so that a `str.find` (far cheaper than the pattern) rules out the text first:

- `required_strings(pattern)`: strings one of which every match contains;
- `Cue.of(pattern)`: the pattern with those strings (`needles`), the strings every match starts
  with (`lead`) and its lower-cased copy; `Cue.search` / `Cue.finditer` find exactly what
  `pattern.search` / `pattern.finditer` find, on the original text, only faster;
- `Cue.starts`: for a pattern run on nearly every sentence ("shall", "may"), where in the whole
  document a match may start, found once, for `Cue.finditer` over each sentence;
- `holding(text, starts, strings)`: which of a document's sentences or lines hold one of them.

The strings are lower-case, looked for in `fold_case(text)` (`Folded.lower`). That is exact unless
the text holds one of the few letters whose lower case is not one to one (`fold_safe`): then
`Folded.lower` is None and the plain pattern runs everywhere. The parse tree comes from Python's
private `re._parser`; when it cannot be read (inline flags, a changed parser) nothing is skipped
either: the plain pattern runs everywhere.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.nlp import compile_folded, fold_case, fold_pattern

MAX_NEEDLES = 24  # more alternatives than this cost more to look for than the pattern itself
MAX_LEAD = 12  # the longest start of a match read
# İ (two letters in lower case), dotless ı and long ſ (equal to "i"/"s" only when ignoring case),
# the Kelvin sign K (lower case "k"): in a text holding one, a lower-case string test can miss
# what re.IGNORECASE finds.
UNFOLDABLE = "\u0130\u0131\u017f\u212a"

Parsed = list  # the items of a `re._parser` SubPattern: (opcode, argument) pairs


def fold_safe(text: str) -> bool:
    """Does a lower-cased pattern find in `fold_case(text)` exactly what re.IGNORECASE finds in `text`?"""
    return not any(c in text for c in UNFOLDABLE)


class Folded(NamedTuple):
    """A text and, when that is exact (`fold_safe`), its lower-cased copy, offset for offset."""

    text: str
    lower: str | None

    @classmethod
    def of(cls, text: str, lower: str | None = None) -> Folded:
        """`lower`, when given, is `fold_case(text)` already made (`Analysis.folded_text`)."""
        if not fold_safe(text):
            return cls(text, None)
        return cls(text, fold_case(text) if lower is None else lower)

    def slice(self, start: int, end: int) -> Folded:
        return Folded(self.text[start:end], None if self.lower is None else self.lower[start:end])


# --- reading a pattern's parse tree ------------------------------------------------------------


def required_strings(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings one of which every match of `pattern` contains, read from its parse tree; lower-case
    when the pattern ignores case (then look for them in `fold_case` text):
    "\\binterest\\b|\\blate (?:payment )?(?:charge|fee)\\b" -> ("interest", "late charge", "late fee",
    "late payment").
    None when the pattern cannot be read that way (inline flags, no literal text)."""
    items = _parsed(pattern)
    strings = _required(items) if items is not None else None
    return tuple(sorted(strings)) if strings else None


def _parsed(pattern: re.Pattern[str]) -> Parsed | None:
    """The parse tree of `pattern` (lower-cased when it ignores case), None when it cannot be read."""
    source = fold_pattern(pattern.pattern) if pattern.flags & re.IGNORECASE else pattern.pattern
    if source is None:
        return None
    try:
        parsed = sre_parse.parse(source, pattern.flags & ~re.IGNORECASE)
        if parsed.state.flags & re.IGNORECASE:
            return None  # "(?i)" in a case-sensitive pattern
        return list(parsed.data)
    except (re.error, AttributeError, TypeError, ValueError, IndexError):  # the private parser changed: read nothing
        return None


def _required(items: Parsed) -> set[str] | None:
    """The best set of strings every match of the parsed `items` holds one of: the one whose
    shortest string is longest, as a shorter string is found in more sentences; then the smallest."""
    best: set[str] | None = None
    for i, (op, av) in enumerate(items):
        candidates = [_leading(items[i:])]
        if op is sre.SUBPATTERN and not (av[1] or av[2]):
            candidates.append(_required(av[3].data))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            candidates.append(_required(av[2].data))
        elif op is sre.BRANCH:
            each = [_required(branch.data) for branch in av[1]]
            candidates.append(set().union(*each) if all(each) else None)
        for found in candidates:
            if found and "" not in found and len(found) <= MAX_NEEDLES and (
                    best is None or (min(map(len, found)), -len(found)) > (min(map(len, best)), -len(best))):
                best = found
    # "payment" adds nothing to "pay": a text holding the one holds the other
    return best and {s for s in best if not any(o != s and o in s for o in best)}


def _leading(items: Parsed, limit: int = MAX_LEAD) -> set[str]:
    """Strings (of at most `limit` characters) one of which every match of the parsed `items`
    starts with: "\\bpa(?:y|id)\\b" -> {"pay", "paid"}; {""} when a match may start with anything."""
    if not items or limit == 0:
        return {""}
    (op, av), rest = items[0], list(items[1:])
    if op is sre.LITERAL:
        return {chr(av) + h for h in _leading(rest, limit - 1)}
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return _leading(rest, limit)  # takes no text
    if op is sre.SUBPATTERN and not (av[1] or av[2]):
        return _leading([*av[3].data, *rest], limit)
    if op is sre.BRANCH:
        alternatives = [[*branch.data, *rest] for branch in av[1]]
    elif op is sre.IN and all(kind is sre.LITERAL for kind, _ in av):
        alternatives = [[(sre.LITERAL, c), *rest] for _, c in av]
    elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
        alternatives = [[*av[2].data, *rest], rest]  # "(?:lawful )?currency": with it or without
    elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _leading(list(av[2].data), limit)  # the first repetition starts the match
    else:
        return {""}
    heads = set().union(*(_leading(a, limit) for a in alternatives))
    return heads if len(heads) <= MAX_NEEDLES else {""}


def _anchored(items: Parsed) -> bool:
    """Does every match start at the start of the text ("^...")? Such a pattern fails fast anyway."""
    if not items:
        return False
    op, av = items[0]
    if op is sre.AT:
        return av in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING)
    if op is sre.SUBPATTERN and not (av[1] or av[2]):
        return _anchored(list(av[3].data))
    return op is sre.BRANCH and all(_anchored(list(branch.data)) for branch in av[1])


def _rare(head: str) -> bool:
    """Is a string a match starts with rare enough to search from? "in" is in every sentence;
    three letters or a sign ("a$") are not."""
    return len(head) >= 3 or (len(head) == 2 and not head.isalpha())


def _opens_word(items: Parsed) -> bool:
    """Does every match start at a word boundary ("\\bshall|\\bmay")?"""
    if not items:
        return False
    op, av = items[0]
    if op is sre.AT:
        return av is sre.AT_BOUNDARY
    if op is sre.SUBPATTERN and not (av[1] or av[2]):
        return _opens_word(list(av[3].data))
    return op is sre.BRANCH and all(_opens_word(list(branch.data)) for branch in av[1])


def _shortest(heads: set[str]) -> list[str]:
    """`heads` without those another starts: "pay" covers "payment"."""
    return sorted(h for h in heads if not any(o != h and h.startswith(o) for o in heads))


def _lead_pattern(heads: set[str]) -> re.Pattern[str]:
    """`heads` as one pattern to search `fold_case` text with, from each place one may start."""
    return re.compile(trie_pattern(_shortest(heads)))


def _word_lead_pattern(heads: set[str]) -> re.Pattern[str]:
    """Each word start in `fold_case` text where one of `heads` starts; a lookahead, so that
    `finditer` hides no start inside another ("shall not" holds the start of "not")."""
    return re.compile("\\b(?=" + trie_pattern(_shortest(heads)) + ")")


def trie_pattern(words: list[str]) -> str:
    """A regex matching exactly `words` (sorted, non-empty), written as a trie: faster to search
    than the same words as alternatives."""
    if words == [""]:
        return ""
    by_letter: dict[str, list[str]] = {}
    for word in words:
        if word:
            by_letter.setdefault(word[0], []).append(word[1:])
    branches = [re.escape(letter) + trie_pattern(rests) for letter, rests in by_letter.items()]
    pattern = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in words:  # a word ends here and longer ones go on
        pattern = f"(?:{pattern})?"
    return pattern


# --- running a pattern less --------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """A rule-pack pattern with what its parse tree tells about its matches, to run it less:
    `needles`, lower-case strings one of which every match contains (a membership test is far
    cheaper than the pattern, and most sentences hold none: "interest", "late" or "finance" for
    the late-interest cue); `lead`, the strings every match starts with ("eur" for
    "\\beuros?\\b|\\bEUR\\b"), so the pattern is tried only where one of them is; and `folded`, the
    pattern lower-cased for `fold_case` text (Python's engine skips ahead by first letter when
    matching case-sensitively, but tries every alternative at every position ignoring case).

    `search` and `finditer` return what `pattern.search` / `pattern.finditer` return: matches of
    the original text, with its case. Only patterns that ignore case get shortcuts."""

    pattern: re.Pattern[str]
    needles: tuple[str, ...] | None = None  # None: no such strings could be read from the pattern
    lead: re.Pattern[str] | None = None
    folded: re.Pattern[str] | None = None
    never_empty: bool = False  # every match starts with a string: `finditer` may step from match to match
    # where a match may start, for a pattern opening at a word boundary whose words are too common
    # for `lead` ("is", "shall"): worth finding once for a whole document (`starts`)
    word_lead: re.Pattern[str] | None = None

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> Cue:
        if not pattern.flags & re.IGNORECASE:
            return cls(pattern)  # the strings would be looked for in lower-cased text
        items = _parsed(pattern)
        if items is None:
            return cls(pattern)
        needles = None if _anchored(items) else _required(items)
        if needles and not all(map(_rare, needles)):
            needles = None  # "in" or "at": in every sentence
        heads = _leading(items)
        try:
            folded = compile_folded(pattern.pattern, pattern.flags)
        except (ValueError, re.error):
            folded = None
        return cls(pattern, tuple(sorted(needles)) if needles else None,
                   _lead_pattern(heads) if all(map(_rare, heads)) else None,
                   folded, "" not in heads,
                   _word_lead_pattern(heads) if _opens_word(items) and "" not in heads else None)

    def may_match(self, t: Folded, pos: int = 0, endpos: int = sys.maxsize) -> bool:
        """False only when `t.text[pos:endpos]` cannot hold a match: it lacks every needle."""
        if self.needles is None or t.lower is None:
            return True
        lower = t.lower
        for needle in self.needles:
            if lower.find(needle, pos, endpos) >= 0:
                return True
        return False

    def search(self, t: Folded, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """`pattern.search(t.text, pos, endpos)`."""
        if t.lower is None:
            return self.pattern.search(t.text, pos, endpos)
        if not self.may_match(t, pos, endpos):
            return None
        return self._first(t, pos, endpos)

    def starts(self, t: Folded) -> list[int] | None:
        """The offsets in `t` where a match may start, found in one pass over it, for `finditer`
        over many of its sentences; None when not known (then the pattern runs everywhere)."""
        if t.lower is None or self.word_lead is None:
            return None
        return [m.start() for m in self.word_lead.finditer(t.lower)]

    def finditer(self, t: Folded, pos: int = 0, endpos: int = sys.maxsize,
                 starts: list[int] | None = None) -> Iterator[re.Match[str]]:
        """`pattern.finditer(t.text, pos, endpos)`; `starts` are `self.starts(t)`, when known."""
        if starts is not None:
            yield from self._at_starts(t, pos, min(endpos, len(t.text)), starts)
            return
        if t.lower is None or not self.never_empty:
            if self.may_match(t, pos, endpos):
                yield from self.pattern.finditer(t.text, pos, endpos)
            return
        if not self.may_match(t, pos, endpos):
            return
        while (m := self._first(t, pos, endpos)) is not None:
            yield m
            pos = m.end()  # as finditer does after a match that is not empty

    def _at_starts(self, t: Folded, pos: int, endpos: int, starts: list[int]) -> Iterator[re.Match[str]]:
        for i in range(bisect_left(starts, pos), len(starts)):
            start = starts[i]
            if start >= endpos:
                return
            if start >= pos and (m := self._match(t, start, endpos)) is not None:
                yield m
                pos = m.end()

    def _match(self, t: Folded, start: int, endpos: int) -> re.Match[str] | None:
        """`pattern.match(t.text, start, endpos)`; the lower-cased pattern, case-sensitive, fails faster."""
        assert t.lower is not None
        if self.folded is not None and self.folded.match(t.lower, start, endpos) is None:
            return None
        return self.pattern.match(t.text, start, endpos)

    def _first(self, t: Folded, pos: int, endpos: int) -> re.Match[str] | None:
        """The first match at or after `pos`, in fold-safe text. Where `lead` is known the pattern
        is tried only where a lead string starts; else the lower-cased pattern finds where the
        match starts, and the pattern reads it there in the original text."""
        assert t.lower is not None
        if self.lead is not None:
            while (lead := self.lead.search(t.lower, pos, endpos)) is not None:
                m = self._match(t, lead.start(), endpos)
                if m is not None:
                    return m
                pos = lead.start() + 1
            return None
        if self.folded is not None:
            found = self.folded.search(t.lower, pos, endpos)
            return None if found is None else self.pattern.match(t.text, found.start(), endpos)
        return self.pattern.search(t.text, pos, endpos)


def holding(text: str | None, starts: list[int], strings: tuple[str, ...] | None) -> Iterable[int]:
    """The indices, in order, of the stretches of `text` beginning at `starts` (a document's
    sentences or lines, in order; each runs to the next) in which one of `strings` begins: one
    `str.find` pass per string instead of a test per sentence. Every index when `text` or
    `strings` is None (pass `Folded.lower` and a cue's `needles`)."""
    if text is None or strings is None:
        return range(len(starts))
    found: set[int] = set()
    for string in strings:
        at = text.find(string, starts[0]) if starts else -1
        while at >= 0:
            i = bisect_right(starts, at) - 1
            found.add(i)
            at = text.find(string, starts[i + 1]) if i + 1 < len(starts) else -1
    return sorted(found)
