"""What every extractor shares: its context, and the one way it makes a field with evidence."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator
from typing import Any, Callable

from pipeline.document import Document
from pipeline.nlp import Analysis, Sentence
from pipeline.record import Evidence, Field, Record


@dataclass
class Context:
    document: Document
    analysis: Analysis
    record: Record  # what earlier extractors found; each extractor fills only its own part

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
