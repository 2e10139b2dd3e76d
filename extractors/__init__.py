"""Extractors turn a document into findings, one concern per module.

`EXTRACTOR_MODULES` is the order they run in: later ones may read what earlier ones put in the
record (expiration needs the effective date; obligations need parties). Each module defines
`extract(ctx: Context) -> None`, filling only its own part of `ctx.record`.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from extractors.base import Context, Extractor

EXTRACTOR_MODULES: list[str] = [
    "title",
    "parties",
    "dates",
    "term",
    "law",
    "disputes",
    "notices",
    "obligations",
    "payment",  # before kpis: a bare "$" in a service-level cap is read in the contract's currency
    "kpis",
    "clauses",
    "deadlines",
    "execution",  # signature blocks, blank dates, missing exhibits (needs parties)
]


@lru_cache(maxsize=1)
def load_extractors() -> tuple[Extractor, ...]:
    return tuple(
        Extractor(name, importlib.import_module(f"extractors.{name}").extract) for name in EXTRACTOR_MODULES
    )


__all__ = ["Context", "Extractor", "EXTRACTOR_MODULES", "load_extractors"]
