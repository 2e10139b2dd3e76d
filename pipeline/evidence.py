"""Checks that every quote in a record is the document's own text, on the page it claims.

Evidence is only ever made by `Evidence.from_span`, so a mismatch here is a bug; the process
stage runs this on every record and reports any mismatch rather than shipping a wrong quote.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from pipeline.document import Document
from pipeline.record import Evidence, Field


def iter_evidence(model: BaseModel, path: str = "") -> Iterator[tuple[str, Evidence]]:
    """Every Evidence in a record, with the path of the value it supports."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        yield from _walk(value, f"{path}.{name}" if path else name)


def _walk(value: object, path: str) -> Iterator[tuple[str, Evidence]]:
    if isinstance(value, Evidence):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from iter_evidence(value, path)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def unquoted_fields(model: BaseModel, path: str = "") -> Iterator[str]:
    """Paths of fields that carry a value but no quote: every value must be checkable."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        where = f"{path}.{name}" if path else name
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for i, item in items:
            item_path = where if i is None else f"{where}[{i}]"
            if isinstance(item, Field) and not item.evidence:
                yield item_path
            elif isinstance(item, BaseModel):
                yield from unquoted_fields(item, item_path)


def evidence_problems(model: BaseModel, document: Document) -> list[str]:
    problems = [f"{path}: has a value but no quote" for path in unquoted_fields(model)]
    for path, ev in iter_evidence(model):
        if document.text[ev.start:ev.end] != ev.text:
            problems.append(f"{path}: quote differs from the text at [{ev.start}:{ev.end}]")
        elif document.page_at(ev.start) != ev.page:
            problems.append(f"{path}: says page {ev.page}, the text at {ev.start} is on page {document.page_at(ev.start)}")
    return problems
