"""What every extractor shares: its context, and the one way it makes a field with evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Hashable, Iterator
from typing import Any, Callable

from pipeline.document import Document
from pipeline.nlp import Analysis, Sentence
from pipeline.record import Evidence, Field, Record


@dataclass
class Context:
    document: Document
    analysis: Analysis
    record: Record  # what earlier extractors found; each extractor fills only its own part
    _made: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def made_once(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """What `make` returns, made once per document for every extractor that asks by `key`
        (an index several extractors read, such as the parties' mentions)."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def evidence(self, start: int, end: int) -> Evidence:
        return Evidence.from_span(self.document, start, end)

    def sentence_evidence(self, sentence: Sentence) -> Evidence:
        return Evidence.from_span(self.document, sentence.start, sentence.end)

    def field(self, value: Any, confidence: float, spans: list[tuple[int, int]], **extra: Any) -> Field:
        """A field whose evidence quotes the given [start, end) spans of the document text."""
        return Field(
            value=value,
            confidence=round(confidence, 3),
            evidence=[self.evidence(a, b) for a, b in spans],
            **extra,
        )


def iter_lines(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(offset, line) for each line of text[start:end], without building a list of lines."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        yield pos, text[pos:stop]
        pos = stop + 1


ExtractFn = Callable[[Context], None]


@dataclass(frozen=True)
class Extractor:
    name: str
    extract: ExtractFn
