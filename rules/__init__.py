"""Declarative rule packs: YAML files a contract manager can read and extend.

`load_pack("governing_law")` returns the parsed contents of `rules/governing_law.yaml`.
A pack that does not parse, or lacks the keys its extractor needs, raises `RulePackError`
naming the file (and line, for YAML syntax errors).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).resolve().parent


class RulePackError(Exception):
    pass


@lru_cache(maxsize=None)
def load_pack(name: str) -> dict[str, Any]:
    path = RULES_DIR / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulePackError(f"rule pack {path}: cannot read: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RulePackError(f"rule pack {path}{where}: {exc}") from exc
    if not isinstance(data, dict):
        raise RulePackError(f"rule pack {path}: the top level must be a mapping of keys to rules")
    return data


def require(pack: dict[str, Any], name: str, *keys: str) -> None:
    missing = [k for k in keys if k not in pack]
    if missing:
        raise RulePackError(f"rule pack rules/{name}.yaml: missing key(s) {', '.join(missing)}")


def pattern(text: str) -> str:
    """A rule-pack pattern as a regex: a space matches a run of whitespace, " ?" any or none.

    Rule packs write patterns as they read in a contract ("prior written notice"); a line break or
    double space from a PDF must not stop them matching.
    """
    return text.replace(" ?", r"\s*").replace(" ", r"\s+")


def compile_patterns(patterns: str | list[str], pack: str, name: str,
                     flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One compiled regex matching any of a rule pack's patterns; a bad one names pack and key."""
    if isinstance(patterns, str):
        patterns = [patterns]
    try:
        return re.compile("|".join(f"(?:{pattern(p)})" for p in patterns), flags)
    except re.error as exc:
        raise RulePackError(f"rule pack rules/{pack}.yaml: pattern in '{name}' does not compile: {exc}") from exc


def phrase(words: str) -> str:
    """Literal words from a rule pack as a regex: each word escaped, any whitespace between."""
    return r"\s+".join(re.escape(word) for word in words.split())


def alternation(phrases: list[str]) -> str:
    """Literal phrases as one regex alternation, longest first so the longest phrase wins."""
    return "|".join(phrase(p) for p in sorted(phrases, key=len, reverse=True))
