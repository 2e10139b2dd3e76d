"""The ingested document: one cleaned text string, with pages as [start, end) ranges in it.

Every backend (PDF, DOCX, TXT) produces a `Document`. Extractors read only `Document.text`, and
every piece of evidence is an offset range into that same string, so a quote can always be
checked against the text and located on its page.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pipeline.record import Diagnostic


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, as a reader counts pages
    start: int  # [start, end) in Document.text
    end: int
    has_text: bool = True


@dataclass
class Document:
    path: str
    sha256: str
    format: str  # "pdf", "docx", "txt"
    text: str
    pages: list[Page]
    title: str | None = None
    size_bytes: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Text kept apart from the body (running headers and footers, DOCX header/footer parts).
    furniture: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._page_starts = [p.start for p in self.pages]

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def page_at(self, offset: int) -> int:
        """The 1-based page number holding the character at `offset`."""
        if not self.pages:
            return 1
        i = bisect.bisect_right(self._page_starts, offset) - 1
        return self.pages[max(i, 0)].number

    def page_text(self, number: int) -> str:
        page = self.pages[number - 1]
        return self.text[page.start:page.end]
