"""The check stage: compliance and risk checks from declarative playbooks, run on a record.

A playbook (`rules/playbooks/*.yaml`, format documented at the top of `default.yaml`) lists
checks; each has a condition on the record built from a few named conditions. Running a check
gives a `Check` that is `raised` (with the evidence that raised it and an explanation) or
`passed` (saying what was looked for and not found). Users add, change or disable checks in
a playbook of their own, merged over the default by check id.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from extractors.durations import Duration
from extractors.title import contract_type
from pipeline.record import Check, Evidence, Field, Record
from rules import RULES_DIR

DEFAULT_PLAYBOOK = RULES_DIR / "playbooks" / "default.yaml"
KINDS = ("risk", "compliance")
SEVERITIES = ("high", "medium", "low", "info")


class PlaybookError(Exception):
    """A playbook that cannot be used; the message names the file, line and check."""


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    kind: str
    severity: str
    when: dict[str, Any]
    explain: str
    looked_for: str
    enabled: bool = True
    source: str = ""


@dataclass
class Hit:
    """One reason a condition holds: values for the explanation, and the evidence."""

    values: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)


Condition = Callable[[Record, Any, dt.date], list[Hit]]


# --- conditions ---------------------------------------------------------------------------------

def _resolve(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


# How a record path reads in an explanation.
FIELD_LABELS = {
    "governing_law": "governing-law clause",
    "disputes.mechanisms": "dispute-resolution clause",
    "term.termination_for_convenience": "termination-for-convenience right",
    "term.non_renewal_notice": "notice period to stop a renewal",
    "term.renewal_option_notice": "notice period to exercise a renewal option",
    "payment.terms": "payment term",
}


def _label(path: str) -> str:
    return FIELD_LABELS.get(path, path.split(".")[-1].replace("_", " "))


def _readable(value: Any) -> Any:
    """ISO durations as words ("P90D" -> "90 days"); anything else as it is."""
    if isinstance(value, str) and value.startswith("P"):
        try:
            return str(Duration.from_iso(value))
        except ValueError:
            return value
    return value


def _field_hit(path: str, found: Any) -> Hit:
    if isinstance(found, Field):
        return Hit({"field": _label(path), "value": _readable(found.value)}, list(found.evidence))
    return Hit({"field": _label(path), "value": _readable(found)})


def _missing(record: Record, path: str, as_of: dt.date) -> list[Hit]:
    found = _resolve(record, path)
    empty = found is None or (isinstance(found, Field) and found.value in (None, [], ""))
    return [Hit({"field": _label(path)})] if empty else []


def _present(record: Record, path: str, as_of: dt.date) -> list[Hit]:
    return [] if _missing(record, path, as_of) else [_field_hit(path, _resolve(record, path))]


def _is_true(record: Record, path: str, as_of: dt.date) -> list[Hit]:
    found = _resolve(record, path)
    value = found.value if isinstance(found, Field) else found
    return [_field_hit(path, found)] if value is True else []


def _equals(record: Record, spec: dict[str, Any], as_of: dt.date) -> list[Hit]:
    found = _resolve(record, spec["field"])
    value = found.value if isinstance(found, Field) else found
    return [_field_hit(spec["field"], found)] if value == spec["value"] else []


def _duration_over(record: Record, spec: dict[str, Any], as_of: dt.date) -> list[Hit]:
    found = _resolve(record, spec["field"])
    if not isinstance(found, Field) or not isinstance(found.value, str):
        return []
    try:
        duration = Duration.from_iso(found.value)
    except ValueError:
        return []
    return [_field_hit(spec["field"], found)] if duration.days > float(spec["days"]) else []


def _clauses(record: Record, spec: dict[str, Any]) -> list[Any]:
    threshold = float(spec.get("min_confidence", 0.5))
    return [c for c in record.clauses if c.category == spec["category"] and c.confidence >= threshold]


def _clause(record: Record, spec: dict[str, Any], as_of: dt.date) -> list[Hit]:
    return [Hit({"category": c.category, "reason": f"The contract has a {c.category} clause.",
                 "confidence": c.confidence}, list(c.evidence[:3])) for c in _clauses(record, spec)]


def _no_clause(record: Record, spec: dict[str, Any], as_of: dt.date) -> list[Hit]:
    if _clauses(record, spec):
        return []
    return [Hit({"category": spec["category"], "reason": f"No {spec['category']} clause was found."})]


def _deadline(record: Record, spec: dict[str, Any], as_of: dt.date) -> list[Hit]:
    kind = spec.get("kind", "any")
    ahead = int(spec.get("within_days", 90))
    behind = int(spec.get("past_days", 31)) if spec.get("include_missed") else 0
    hits = []
    for d in record.deadlines:
        if kind != "any" and d.kind != kind:
            continue
        days = (dt.date.fromisoformat(d.date) - as_of).days
        if -behind <= days <= ahead and (days >= 0 or spec.get("include_missed")):
            when = "today" if days == 0 else (f"in {days} days" if days > 0 else f"{-days} days ago, missed")
            hits.append(Hit({"date": d.date, "days": days, "when": when, "title": d.title, "kind": d.kind},
                            list(d.evidence)))
    return hits


def _kpi_without_remedy(record: Record, spec: Any, as_of: dt.date) -> list[Hit]:
    return [Hit({"value": k.metric.replace("_", " ")}, list(k.evidence)) for k in record.kpis if not k.remedy]


def _contract_type(record: Record, wanted: str, as_of: dt.date) -> list[Hit]:
    found = contract_type(record)
    if found != wanted:
        return []
    title = record.document.title  # None for "Untitled"
    return [Hit({"value": found}, list(title.evidence) if title else [])]


def _all(record: Record, specs: list[dict[str, Any]], as_of: dt.date) -> list[Hit]:
    """Every condition holds: one hit per combination of their hits (each condition's reason kept,
    so "any: [missing: a, missing: b]" inside an "all" still says which one is missing)."""
    combined = [Hit()]
    for spec in specs:
        found = evaluate(record, spec, as_of)
        if not found:
            return []
        combined = [_merge([a, b]) for a in combined for b in found][:MAX_HITS]
    return combined


def _any(record: Record, specs: list[dict[str, Any]], as_of: dt.date) -> list[Hit]:
    return [hit for spec in specs for hit in evaluate(record, spec, as_of)]


def _not(record: Record, spec: dict[str, Any], as_of: dt.date) -> list[Hit]:
    return [] if evaluate(record, spec, as_of) else [Hit()]


MAX_HITS = 20  # combinations an "all" keeps: enough for any message, not a product that explodes


def _merge(hits: list[Hit]) -> Hit:
    """One hit of an `all`: later conditions' values win, being the more specific ones."""
    merged = Hit()
    for hit in hits:
        merged.values.update(hit.values)
        merged.evidence += [e for e in hit.evidence if e not in merged.evidence]
    return merged


CONDITIONS: dict[str, Condition] = {
    "deadline": _deadline,
    "clause": _clause,
    "no_clause": _no_clause,
    "missing": _missing,
    "present": _present,
    "equals": _equals,
    "duration_over": _duration_over,
    "is_true": _is_true,
    "kpi_without_remedy": _kpi_without_remedy,
    "contract_type": _contract_type,
    "all": _all,
    "any": _any,
    "not": _not,
}
# What each condition's argument must be, to reject a playbook before running it.
_ARGUMENTS: dict[str, tuple[type, tuple[str, ...]]] = {
    "deadline": (dict, ("kind",)),
    "clause": (dict, ("category",)),
    "no_clause": (dict, ("category",)),
    "missing": (str, ()),
    "present": (str, ()),
    "equals": (dict, ("field", "value")),
    "duration_over": (dict, ("field", "days")),
    "is_true": (str, ()),
    "kpi_without_remedy": (bool, ()),
    "contract_type": (str, ()),
    "all": (list, ()),
    "any": (list, ()),
    "not": (dict, ()),
}


def evaluate(record: Record, condition: dict[str, Any], as_of: dt.date) -> list[Hit]:
    (name, argument), = condition.items()
    return CONDITIONS[name](record, argument, as_of)


# --- running ------------------------------------------------------------------------------------

class _Lenient(string.Formatter):
    def get_value(self, key: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        value = kwargs.get(key, "{" + str(key) + "}") if isinstance(key, str) else super().get_value(key, args, kwargs)
        return ", ".join(map(str, value)) if isinstance(value, list) else value


_FORMATTER = _Lenient()


def run_checks(record: Record, checks: tuple[CheckSpec, ...], as_of: dt.date) -> list[Check]:
    results = []
    for spec in checks:
        if not spec.enabled:
            continue
        hits = evaluate(record, spec.when, as_of)
        if hits:
            messages = list(dict.fromkeys(_FORMATTER.format(spec.explain, **h.values) for h in hits))
            evidence: list[Evidence] = []
            for hit in hits:
                evidence += [e for e in hit.evidence if e not in evidence]
            results.append(Check(id=spec.id, title=spec.title, kind=spec.kind, severity=spec.severity,
                                 status="raised", message=" ".join(messages), evidence=evidence))
        else:
            results.append(Check(id=spec.id, title=spec.title, kind=spec.kind, severity=spec.severity,
                                 status="passed", message=f"Looked for {spec.looked_for}: none found."))
    return results


# --- loading ------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def load_playbooks(extra: tuple[Path, ...] = ()) -> tuple[CheckSpec, ...]:
    """The default playbook, with each extra playbook merged over it by check id."""
    merged: dict[str, CheckSpec] = {}
    for path in (DEFAULT_PLAYBOOK, *extra):
        for entry, line in _read(path):
            where = f"{path}:{line}"
            check_id = entry.get("id")
            if not isinstance(check_id, str) or not check_id:
                raise PlaybookError(f"{where}: every check needs an 'id'")
            if check_id in merged:
                merged[check_id] = _override(merged[check_id], entry, where)
            else:
                merged[check_id] = _new(entry, where)
    return tuple(merged.values())


def _read(path: Path) -> list[tuple[dict[str, Any], int]]:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise PlaybookError(f"{path}: cannot read the playbook: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PlaybookError(f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        raise PlaybookError(f"{path}: a playbook is a mapping with a 'checks:' list")
    checks_node = next(v for k, v in root.value if k.value == "checks")
    lines = [node.start_mark.line + 1 for node in checks_node.value]
    for entry, line in zip(data["checks"], lines):
        if not isinstance(entry, dict):
            raise PlaybookError(f"{path}:{line}: each check is a mapping of keys (id, title, kind, ...)")
    return list(zip(data["checks"], lines))


_KEYS = {"id", "title", "kind", "severity", "when", "explain", "looked_for", "enabled"}


def _new(entry: dict[str, Any], where: str) -> CheckSpec:
    missing = [k for k in ("title", "kind", "severity", "when", "explain") if k not in entry]
    if missing:
        raise PlaybookError(f"{where}: check '{entry['id']}' lacks {', '.join(missing)}")
    spec = CheckSpec(id=entry["id"], title=entry["title"], kind=entry["kind"], severity=entry["severity"],
                     when=entry["when"], explain=entry["explain"],
                     looked_for=entry.get("looked_for", entry["title"].lower()),
                     enabled=entry.get("enabled", True), source=where)
    _validate(spec, entry, where)
    return spec


def _override(base: CheckSpec, entry: dict[str, Any], where: str) -> CheckSpec:
    changes = {k: v for k, v in entry.items() if k != "id"}
    spec = replace(base, **changes, source=where)
    _validate(spec, entry, where)
    return spec


def _validate(spec: CheckSpec, entry: dict[str, Any], where: str) -> None:
    unknown = set(entry) - _KEYS
    if unknown:
        raise PlaybookError(f"{where}: check '{spec.id}' has unknown key(s) {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(sorted(_KEYS))}")
    if spec.kind not in KINDS:
        raise PlaybookError(f"{where}: check '{spec.id}': kind must be one of {', '.join(KINDS)}, not {spec.kind!r}")
    if spec.severity not in SEVERITIES:
        raise PlaybookError(f"{where}: check '{spec.id}': severity must be one of {', '.join(SEVERITIES)}, "
                            f"not {spec.severity!r}")
    if not isinstance(spec.enabled, bool):
        raise PlaybookError(f"{where}: check '{spec.id}': enabled must be true or false")
    _validate_condition(spec.when, f"{where}: check '{spec.id}'")


def _validate_condition(condition: Any, where: str) -> None:
    if not isinstance(condition, dict) or len(condition) != 1:
        raise PlaybookError(f"{where}: a condition is one of {', '.join(CONDITIONS)} with its argument, "
                            f"e.g. 'missing: governing_law'")
    (name, argument), = condition.items()
    if name not in CONDITIONS:
        raise PlaybookError(f"{where}: unknown condition '{name}'; known: {', '.join(CONDITIONS)}")
    kind, required = _ARGUMENTS[name]
    if not isinstance(argument, kind):
        raise PlaybookError(f"{where}: '{name}' takes a {kind.__name__}, not {type(argument).__name__}")
    lacking = [k for k in required if k not in argument]
    if lacking:
        raise PlaybookError(f"{where}: '{name}' needs {', '.join(lacking)}")
    if name in ("all", "any"):
        for sub in argument:
            _validate_condition(sub, where)
    elif name == "not":
        _validate_condition(argument, where)
