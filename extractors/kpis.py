"""Service levels and other measured targets: what is measured, the target, the window, who is
measured and what happens when the target is missed.

Fills `record.kpis`. Read from:
- sentences that commit to a level ("CloudPeak shall make the Service available 99.9% of the time
  in each calendar month") or a time ("Licensor shall respond to each Critical Error within two (2)
  hours ... and shall provide a workaround ... within twenty-four (24) hours") - one KPI per target;
- sentences that say what a miss costs ("If Availability falls below 99.9% in any three (3)
  consecutive calendar months, Subscriber may terminate ..."; "If Provider fails to achieve
  Milestone 5 within fifteen (15) Business Days ..., Provider shall credit Customer ...");
- caps ("The total service credits for any calendar month shall not exceed thirty percent (30%)");
- service-level tables (DOCX rows, cells joined by " | "): one KPI per row and target column,
  with the window and remedy columns; credit-band tables become the remedy scale of their metric;
- schedules of minimum purchases: one KPI per row (PDF rows come one cell per line).

A KPI without a remedy of its own takes the remedies stated elsewhere for the same metric (the
credit scale, the cap, the termination right), so each KPI says what happens when it is missed.
Cue phrases live in `rules/kpis.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from extractors import obligations as ob
from extractors.base import Context, iter_lines
from extractors.payment import find_money, find_percent
from pipeline.nlp import Sentence
from pipeline.record import Kpi, Target
from rules import compile_patterns, load_pack, require
from rules.prefilter import Cue, Folded, holding

PACK = "kpis"
SCHEDULE_WINDOW = 2000
LOWER_IS_BETTER = frozenset({"defect_rate", "response_time", "resolution_time", "service_credit_cap", "spend_cap"})

# A sentence about availability names it with one of these; a cap says "not (to) exceed".
_AVAILABILITY_WORDS = Cue.of(re.compile(r"availab|uptime|up-time|operational|accessible", re.IGNORECASE))
_NOT_EXCEED = Cue.of(re.compile(r"\bnot (?:to )?exceed\b", re.IGNORECASE))


@dataclass(frozen=True)
class Rules:
    metrics: tuple[tuple[str, re.Pattern[str]], ...]
    incident_words: Cue
    not_kpi_context: re.Pattern[str]
    level_before: re.Pattern[str]
    level_after: re.Pattern[str]
    availability_minimum: float
    at_least: re.Pattern[str]
    at_most: re.Pattern[str]
    failure: Cue
    remedy: re.Pattern[str]
    windows: tuple[tuple[re.Pattern[str], str], ...]
    table_header: re.Pattern[str]
    column_target: re.Pattern[str]
    column_response: re.Pattern[str]
    column_resolution: re.Pattern[str]
    column_remedy: re.Pattern[str]
    column_window: re.Pattern[str]
    column_skip: re.Pattern[str]
    minimum_schedule_heading: Cue
    metric: dict[str, re.Pattern[str]]  # `metrics` by name


@lru_cache(maxsize=1)
def rules() -> Rules:
    pack = load_pack(PACK)
    keys = ["metrics", "incident_words", "not_kpi_context", "level_before", "level_after", "at_least", "at_most", "failure", "remedy", "windows",
            "table_header", "column_target", "column_response", "column_resolution", "column_remedy", "column_window",
            "column_skip", "minimum_schedule_heading"]
    require(pack, PACK, *keys, "availability_minimum")
    cues = ("incident_words", "failure", "minimum_schedule_heading")  # run on every sentence or the whole text
    metrics = tuple((name, compile_patterns(p, PACK, f"metrics.{name}")) for name, p in pack["metrics"].items())
    return Rules(
        availability_minimum=float(pack["availability_minimum"]),
        metrics=metrics,
        metric=dict(metrics),
        windows=tuple((compile_patterns(p, PACK, "windows"), w) for p, w in pack["windows"].items()),
        **{k: Cue.of(compile_patterns(pack[k], PACK, k)) for k in cues},
        **{k: compile_patterns(pack[k], PACK, k) for k in keys if k not in ("metrics", "windows", *cues)},
    )


# --- reading targets -------------------------------------------------------------------------


def metric_of(words: str) -> str | None:
    for name, pattern in rules().metrics:
        if pattern.search(words):
            return name
    return None


def window_of(words: str) -> str | None:
    consecutive = re.search(r"\b((?:\w+ )?(?:\(\d+\) )?consecutive (?:calendar )?(?:months?|quarters?|years?))", words,
                            re.IGNORECASE)
    if consecutive:
        return re.sub(r"\s+", " ", consecutive[1])
    for pattern, window in rules().windows:
        if pattern.search(words):
            return window
    return None


def _time_unit(span: ob.TimeSpan) -> str:
    if span.unit in ("hour", "minute", "second"):
        return ("business_" if span.business else "") + span.unit + "s"
    if span.unit == "day":
        return "business_days" if span.business else "days"
    return span.unit + "s"


def _comparator(before: str, metric: str | None) -> str:
    r = rules()
    if r.at_least.search(before):
        return ">="
    if r.at_most.search(before):
        return "<="
    return "<=" if metric in LOWER_IS_BETTER else ">="


def _clip(text: str, words: int = 30) -> str:
    return ob._clean_phrase(text, words)


@dataclass
class Found:
    kpi: Kpi
    kind: str  # "level", "failure", "table", "schedule", "cap"


class KpiReader:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.text = ctx.document.text
        self.r = rules()
        self.doc = Folded.of(self.text, ctx.analysis.folded_text)  # for the cues' cheap tests
        self.found: list[Found] = []
        self.scales: list[tuple[str | None, str]] = []  # metric, "below 99.9%: 5%; ..."
        self._seen: set[tuple[tuple[int, int], str, float | None]] = set()

    def _candidates(self) -> list[int]:
        """The indices of the sentences that may hold a KPI, in order: a table row, a duration (a
        response time), or a cue of a missed target, a cap or an availability level."""
        sentences = self.ctx.analysis.sentences
        starts = [s.start for s in sentences]
        found = set(holding(self.text, starts, (" | ",)))
        found.update(i for i, s in enumerate(sentences) if ob.time_spans(self.text, s.start, s.end))
        for cue in (self.r.failure, _NOT_EXCEED, _AVAILABILITY_WORDS):
            found.update(holding(self.doc.lower, starts, cue.needles))
        return sorted(found)

    @cached_property
    def lexicon(self) -> ob.Lexicon:
        """The parties as the text names them: made only for a contract that has a KPI."""
        return ob.party_lexicon(self.ctx)

    def read(self) -> list[Kpi]:
        sentences = self.ctx.analysis.sentences
        for i in self._candidates():
            s = sentences[i]
            body = self.text[s.start:s.end]
            if " | " in body:
                self._tables(s)
                continue
            if ob.rules().definition.search(body):
                continue
            folded = self.doc.slice(s.start, s.end)
            if self._failure(s, folded) or self._cap(s, folded):
                continue
            self._levels(s, folded)
            self._times(s, folded)
        self._schedules()
        self._link_remedies()
        self._fold_restatements()
        return [f.kpi for f in self.found]

    def _add(self, kind: str, metric: str, target: Target | None, window: str | None, party: str | None,
             remedy: str | None, confidence: float, span: tuple[int, int]) -> None:
        key = (span, metric, target.value if target else None)
        if key in self._seen:
            return
        self._seen.add(key)
        self.found.append(Found(Kpi(metric=metric, target=target, window=window, party=party, remedy=remedy,
                                    confidence=round(confidence, 3), evidence=[self.ctx.evidence(*span)]), kind))

    def _party(self, s: Sentence, before: int) -> str | None:
        for m in ob.rules().modal.finditer(self.text, s.start, before if before > s.start else s.end):
            subject = ob.find_subject(self.text, m.start(), s.start, self.lexicon)
            if subject:
                return subject.obligor
        return ob.last_party_before(self.text, s.start, before, self.lexicon)

    # -- sentences

    def _levels(self, s: Sentence, folded: Folded) -> None:
        """"CloudPeak shall make the Service available 99.9% of the time in each calendar month",
        "each of the Core Systems shall have ninety-nine percent (99%) Availability"."""
        text, r = self.text, self.r
        body = text[s.start:s.end]
        if not _AVAILABILITY_WORDS.search(folded):
            return
        if not (ob.rules().modal.search(body) or re.search(r"\bmeans\b", body)):
            return
        for p in find_percent(text, s.start, s.end):
            if p.value < r.availability_minimum or p.value > 100:
                continue
            before = text[max(s.start, p.start - 80):p.start]
            if not (r.level_before.search(before) or r.level_after.match(text[p.end:min(s.end, p.end + 40)])):
                continue
            target = Target(comparator=_comparator(before, "availability"), value=p.value, unit="%")
            self._add("level", "availability", target, window_of(body), self._party(s, p.start), None, 0.85,
                      (s.start, s.end))
            return

    def _times(self, s: Sentence, folded: Folded) -> None:
        """Response and resolution times: one KPI for each "within <time>" after a response or fix verb."""
        text = self.text
        spans = ob.time_spans(text, s.start, s.end)
        if not spans:
            return
        body = text[s.start:s.end]
        if not self.r.incident_words.search(folded) or not ob.rules().modal.search(body) or self.r.not_kpi_context.search(body):
            return
        for span in spans:
            if span.unit not in ("minute", "hour", "day") or ob.is_rate(text, span):
                continue
            lead = text[max(s.start, span.start - 40):span.start]
            if not re.search(r"\b(?:within|no later than|not later than|in no event later than)\s*$", lead, re.IGNORECASE):
                continue
            clause_start = max(s.start, span.start - 320)
            clause = text[clause_start:span.start].rsplit(";", 1)[-1]
            metric = self._nearest_time_metric(clause)
            if metric is None:
                continue
            target = Target(comparator="<=", value=span.amount, unit=_time_unit(span))
            self._add("level", metric, target, "per incident", self._party(s, span.start), None, 0.8,
                      (s.start, s.end))

    def _nearest_time_metric(self, clause: str) -> str | None:
        """The response or fix verb nearest before a "within <time>": that is what the time measures."""
        best: tuple[int, str] | None = None
        for metric in ("response_time", "resolution_time"):
            pattern = self.r.metric[metric]
            for m in pattern.finditer(clause):
                if best is None or m.start() > best[0]:
                    best = (m.start(), metric)
        return best[1] if best else None

    def _failure(self, s: Sentence, folded: Folded) -> bool:
        """"If <metric> falls below X% / <party> fails to meet <target> ..., <remedy>"."""
        text, r = self.text, self.r
        body = text[s.start:s.end]
        fail = r.failure.search(folded)
        if fail is None or r.not_kpi_context.search(body):
            return False
        remedy = r.remedy.search(body, fail.end())
        if remedy is not None:
            condition = body[:remedy.start()]
            condition_end = remedy.start()
        else:
            remedy = r.remedy.search(body, 0, fail.start())  # "Buyer may terminate ... if Supplier fails to meet ..."
            if remedy is None:
                return self._defined_failure(s, fail)
            condition = body[fail.start():]
            condition_end = len(body)
        metric = metric_of(condition)
        if metric is None:
            named = re.search(r"\bfails? to (?:meet|achieve|satisfy|attain) (?:the |any |its )?([A-Z][\w-]*(?: [A-Z0-9][\w-]*){0,4})",
                              condition)
            if named is None:
                return False
            metric = re.sub(r"\W+", "_", named[1].lower()).strip("_")
            metric = re.sub(r"_\d+$", "", metric)
        target = None
        percents = [p for p in find_percent(text, s.start + fail.start(), s.start + condition_end)]
        if percents:
            target = Target(comparator=">=" if metric not in LOWER_IS_BETTER else "<=", value=percents[0].value, unit="%")
        else:
            for span in ob.time_spans(text, s.start + fail.start(), s.start + condition_end):
                between = text[s.start + fail.end():span.start]
                if "," in between or not re.search(r"\bwithin\s*$", between) or ob.is_rate(text, span):
                    continue  # "by notice given within sixty days": not the target
                target = Target(comparator="<=", value=span.amount, unit=_time_unit(span))
                break
        clause_end = re.search(r"[;.]\s|$", body[remedy.start():])
        remedy_text = _clip(body[remedy.start() - self._remedy_back(body, remedy.start()):remedy.start() + (
            clause_end.start() if clause_end else len(body))], 40)
        party = ob.last_party_before(text, s.start, s.start + fail.start(), self.lexicon)
        self._add("failure", metric, target, window_of(condition), party, remedy_text, 0.75, (s.start, s.end))
        return True

    def _defined_failure(self, s: Sentence, fail: re.Match[str]) -> bool:
        """"A Critical Service Level Failure occurs if Device Availability falls below 95% ...":
        the remedy is wherever the contract says what happens on that defined event."""
        text = self.text
        body = text[s.start:s.end]
        named = _DEFINED_EVENT.match(ob._CLAUSE_NUMBER.sub("", body, count=1))
        if named is None:
            return False
        metric = metric_of(body[fail.start():]) or metric_of(body) or _slug(named["term"])
        percents = find_percent(text, s.start + fail.start(), s.end)
        target = Target(comparator=">=", value=percents[0].value, unit="%") if percents else None
        remedy = None
        for m in re.finditer(rf"\b(?:if|upon|on|following) (?:a|an|the|any) {re.escape(named['term'])}\b[^.;]{{0,200}}", text):
            tail = m.group(0)
            cue = self.r.remedy.search(tail)
            if cue:
                remedy = _clip(tail[cue.start() - self._remedy_back(tail, cue.start()):], 30)
                break
        self._add("failure", metric, target, window_of(body), None, remedy or named["term"], 0.7, (s.start, s.end))
        return True

    @staticmethod
    def _remedy_back(body: str, at: int) -> int:
        """Include the party and modal before the remedy word: "Subscriber may terminate ..."."""
        head = body[max(0, at - 60):at]
        m = re.search(r"(?:,\s*|^)([^,;]{0,60})$", head)
        return len(m.group(1)) if m else 0

    def _cap(self, s: Sentence, folded: Folded) -> bool:
        text = self.text
        body = text[s.start:s.end]
        exceed = _NOT_EXCEED.search(folded)
        if exceed is None:
            return False
        metric = None
        for name in ("service_credit_cap", "spend_cap"):
            if self.r.metric[name].search(body):
                metric = name
                break
        if metric is None:
            return False
        at = exceed.end() + s.start
        percents = find_percent(text, at, s.end)
        sums = find_money(text, at, s.end)
        if percents and (not sums or percents[0].start < sums[0].start):
            target = Target(comparator="<=", value=percents[0].value, unit="%")
        elif sums:
            currency = sums[0].currency or _dollar(self.ctx)
            target = Target(comparator="<=", value=sums[0].amount, unit=currency)
        else:
            return False
        remedy = None
        approval = re.search(r"\bwithout (?:the )?prior written (?:approval|consent)[^.;]*", body, re.IGNORECASE)
        if approval:
            remedy = "excess requires " + _clip(approval.group(0).replace("without ", "", 1), 14)
        party = None
        if metric == "spend_cap":
            owner = re.match(r"\W*(?:\d+(?:\.\d+)*\s+)?(?:the\s+)?([A-Z][\w ]{1,40}?)['’]s\b", body)
            party = self.lexicon.name_of(owner[1]) if owner and self.lexicon.mentions_in(
                self.text, s.start, s.start + owner.end()) else self._party(s, s.end)
        self._add("cap", metric, target, window_of(body), party, remedy, 0.8, (s.start, s.end))
        return True

    # -- tables

    def _tables(self, s: Sentence) -> None:
        text = self.text
        lines = [(a, line) for a, line in iter_lines(text, s.start, s.end) if " | " in line]
        if len(lines) < 2:
            return
        header = [c.strip() for c in lines[0][1].split(" | ")]
        head_text = " ".join(header)
        if self.r.minimum_schedule_heading.pattern.search(head_text):
            for a, line in lines[1:]:
                self._schedule_row(a, a + len(line), line.replace(" | ", " "), head_text)
            return
        if not self.r.table_header.search(head_text):
            return
        lead = self._lead_in(s)
        roles = [self._role(h) for h in header]
        if len(header) == 2 and roles[1] == "remedy" and metric_of(header[0]) and not roles[0] == "target":
            scale = "; ".join(" | ".join(c.strip() for c in line.split(" | ")).replace(" | ", ": ") for _, line in lines[1:])
            self.scales.append((metric_of(header[0]), f"credit scale {scale}"))
            return
        party = self._lead_party(lead)
        lead_window = window_of(self.text[lead.start:lead.end]) if lead else None
        for a, line in lines[1:]:
            cells = [c.strip() for c in line.split(" | ")]
            if len(cells) != len(header):
                continue
            name = cells[0]
            remedy = next((c for c, role in zip(cells, roles) if role == "remedy"), None)
            window = next((window_of(c) for c, role in zip(cells, roles) if role == "window"), None)
            window = window or lead_window or window_of(name)
            for i, (cell, role) in enumerate(zip(cells, roles)):
                if i == 0 or role in ("skip", "remedy", "window", None):
                    continue
                metric = {"response": "response_time", "resolution": "resolution_time"}.get(role) or metric_of(name) \
                    or _slug(name)
                target = self._cell_target(cell, metric)
                if target is None:
                    continue
                if target.unit == "%" and metric in ("response_time", "resolution_time"):
                    metric = _slug(name) + "_rate"  # "calls answered within 60 seconds | 90% of calls"
                    target = Target(comparator=_comparator(cell[:cell.find("%")], None), value=target.value, unit="%")
                if role == "target" and target.unit not in ("%",) and metric not in LOWER_IS_BETTER:
                    metric = metric_of(name) or metric
                kpi_window = window if role == "target" else "per incident"
                self._add("table", metric, target, kpi_window, party, remedy, 0.75, (a, a + len(line)))

    def _role(self, header: str) -> str | None:
        r = self.r
        if r.column_skip.search(header):
            return "skip"
        if r.column_response.search(header):
            return "response"
        if r.column_resolution.search(header):
            return "resolution"
        if r.column_remedy.search(header):
            return "remedy"
        if r.column_window.search(header):
            return "window"
        if r.column_target.search(header):
            return "target"
        return None

    def _cell_target(self, cell: str, metric: str) -> Target | None:
        spans = [sp for sp in ob.time_spans(cell, 0, len(cell)) if not ob.is_rate(cell, sp)]
        percents = find_percent(cell)
        if spans and (metric in ("response_time", "resolution_time") or not percents):
            span = spans[0]
            if re.search(r"\bevery\b", cell[:span.start], re.IGNORECASE):
                return None
            return Target(comparator="<=", value=span.amount, unit=_time_unit(span))
        if percents:
            return Target(comparator=_comparator(cell[:percents[0].start], metric), value=percents[0].value, unit="%")
        return None

    def _lead_in(self, s: Sentence) -> Sentence | None:
        sentences = self.ctx.analysis.sentences
        i = sentences.index(s) if s in sentences else -1
        return sentences[i - 1] if i > 0 else None

    def _lead_party(self, lead: Sentence | None) -> str | None:
        if lead is None:
            return None
        return self._party(lead, lead.end)

    # -- minimum purchase schedules (PDF: one cell per line)

    def _schedules(self) -> None:
        text = self.text
        for heading in self.r.minimum_schedule_heading.finditer(self.doc):
            line_start = text.rfind("\n", 0, heading.start()) + 1
            line_end = text.find("\n", heading.end())
            line = text[line_start:line_end if line_end != -1 else len(text)]
            if len(line) > 90 or " | " in line:  # a sentence that mentions minimums, or a DOCX table
                continue
            self._schedule_region(line_end + 1 if line_end != -1 else len(text), line)

    def _schedule_region(self, start: int, heading: str) -> None:
        text = self.text
        end = min(len(text), start + SCHEDULE_WINDOW)
        lines = list(iter_lines(text, start, end))
        for i, (a, line) in enumerate(lines):
            stripped = line.strip()
            if len(stripped) > 90 and re.search(r"[.;]$", stripped):
                break
            if not find_money(stripped) or not _MONEY_ONLY.match(stripped):
                continue
            row_start = a
            for back in range(1, 3):
                if i - back < 0:
                    break
                prev = lines[i - back][1].strip()
                if not prev or _MONEY_ONLY.match(prev) or self.r.minimum_schedule_heading.pattern.search(prev):
                    break
                row_start = lines[i - back][0]
            self._schedule_row(row_start, a + len(line), text[row_start:a + len(line)], heading)

    def _schedule_row(self, start: int, end: int, row: str, heading: str) -> None:
        sums = find_money(row)
        if not sums:
            return
        money = sums[-1]
        currency = money.currency or ("USD" if re.search(r"US\$|USD", heading) else _dollar(self.ctx))
        dates = [m.date for m in ob.dateparse.scan(row) if m.date]
        window = f"{dates[0].isoformat()}/{dates[1].isoformat()}" if len(dates) >= 2 else window_of(row + " " + heading)
        target = Target(comparator=">=", value=money.amount, unit=currency)
        self._add("schedule", "minimum_volume", target, window, None, None, 0.7, (start, end))

    # -- remedies stated elsewhere

    def _link_remedies(self) -> None:
        by_metric: dict[str, list[str]] = {}
        for f in self.found:
            if f.kind == "failure" and f.kpi.remedy:
                by_metric.setdefault(f.kpi.metric, []).append(f.kpi.remedy)
        for metric, scale in self.scales:
            if metric:
                by_metric.setdefault(metric, []).insert(0, scale)
        caps = [f.kpi for f in self.found if f.kpi.metric == "service_credit_cap" and f.kpi.target]
        for f in self.found:
            kpi = f.kpi
            if f.kind in ("failure", "cap"):
                continue
            extra = by_metric.get(kpi.metric, [])
            parts = ([kpi.remedy] if kpi.remedy else []) + [e for e in extra if e != kpi.remedy]
            if caps and any("credit" in p.lower() for p in parts):
                parts.append(f"service credits capped at {caps[0].target.value:g}{caps[0].target.unit}")
            kpi.remedy = "; ".join(parts) if parts else None


    def _fold_restatements(self) -> None:
        """A remedy clause that restates a target ("If Availability in any calendar month falls below
        99.9%, Subscriber shall be entitled to a service credit ...") is no service level of its own when
        a stated service level has the same metric, target and window: its remedy is already linked
        there (`_link_remedies`), and its quote joins that level's evidence."""
        levels = [f.kpi for f in self.found if f.kind not in ("failure", "cap")]
        kept = []
        for f in self.found:
            same = None
            if f.kind == "failure" and f.kpi.target is not None:
                same = next((k for k in levels if (k.metric, k.target, k.window) == (f.kpi.metric, f.kpi.target,
                                                                                    f.kpi.window)
                             and k.remedy and f.kpi.remedy and f.kpi.remedy in k.remedy), None)
            if same is None:
                kept.append(f)
            else:
                same.evidence.extend(e for e in f.kpi.evidence if e not in same.evidence)
        self.found = kept


_DEFINED_EVENT = re.compile(r"(?i:an?|the)\s+(?P<term>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,5})\s+(?:occurs|shall occur|shall be deemed to (?:have )?occur(?:red)?|will occur)\s+(?:if|when|where|in the event)\b")
_MONEY_ONLY = re.compile(r"^(?:(?:US|C|A)?\$|£|€)\s?[\d,]+(?:\.\d+)?(?:\s*(?:per|/)\s*\w+)?$")



def _dollar(ctx: Context) -> str:
    """The currency a bare "$" stands for: the contract's, when it is a dollar; else USD."""
    stated = ctx.record.payment.currency.value if ctx.record.payment.currency else None
    return stated if stated in ("USD", "CAD", "AUD", "NZD", "SGD", "HKD") else "USD"


def _slug(name: str) -> str:
    head = re.split(r"[:(]", name)[0]
    words = re.findall(r"[a-z0-9]+", head.lower())[:4]
    return "_".join(words) or "other"


def extract(ctx: Context) -> None:
    ctx.record.kpis = KpiReader(ctx).read()
