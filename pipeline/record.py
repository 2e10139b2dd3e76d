"""The pactwatch record: the single definition of what pactwatch knows about a contract.

Every stage reads and writes this model; it is serialised to JSON (one file per contract) and
its JSON Schema is generated from it (`pactwatch schema`). The paths listed in
`../shared/eval/README.md` (document.title, parties[], dates.*, term.*, governing_law,
disputes.*, obligations[], kpis[], clauses[]) are part of the public contract: keep them.

A *field* is `{value, confidence, evidence: [{page, start, end, text}]}`, where `text` is exactly
`document.text[start:end]`. Evidence is made only through `Evidence.from_span`, so it cannot
disagree with the document.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

if TYPE_CHECKING:
    from pipeline.document import Document

SCHEMA_VERSION = "1.0"

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Evidence(Model):
    page: int = PydanticField(ge=1, description="1-based page number of `start`")
    start: int = PydanticField(ge=0, description="offset into the document text")
    end: int = PydanticField(ge=0, description="exclusive end offset")
    text: str = PydanticField(description="verbatim: document text[start:end]")

    @classmethod
    def from_span(cls, document: Document, start: int, end: int) -> Evidence:
        """The one way to make evidence: the quote and page come from the document itself."""
        if not 0 <= start < end <= len(document.text):
            raise ValueError(f"evidence span [{start}, {end}) outside document of {len(document.text)} chars")
        text = document.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return cls(page=document.page_at(start), start=start, end=end, text=text[start:end])


class Field(Model, Generic[T]):
    value: T
    confidence: float = PydanticField(ge=0.0, le=1.0)
    evidence: list[Evidence] = PydanticField(default_factory=list)
    derived: bool = PydanticField(False, description="computed from other values, not stated")
    basis: str | None = PydanticField(None, description="how a derived value was computed")
    note: str | None = None


class Status(str, Enum):
    OK = "ok"
    PARTIAL = "partial"  # read, with warnings (some pages or parts missing)
    NEEDS_OCR = "needs_ocr"
    FAILED = "failed"


class Diagnostic(Model):
    code: str = PydanticField(description="stable code, e.g. PW-E101")
    severity: Literal["error", "warning", "info"]
    message: str
    page: int | None = None
    stage: str | None = None  # ingest, extract:<name>, check, report


class DocumentInfo(Model):
    path: str
    sha256: str
    format: str
    pages: int
    size_bytes: int = 0
    title: Field[str] | None = None
    characters: int = 0


class Party(Model):
    name: str
    aliases: list[str] = PydanticField(default_factory=list, description='defined terms, e.g. "Supplier"')
    role: str | None = None
    entity_type: str | None = None
    jurisdiction: str | None = None
    confidence: float = PydanticField(ge=0.0, le=1.0)
    evidence: list[Evidence] = PydanticField(default_factory=list)


class Dates(Model):
    agreement: Field[str] | None = None  # ISO date
    effective: Field[str] | None = None
    expiration: Field[str] | None = None  # end of the initial term, stated or derived


class Term(Model):
    initial: Field[str] | None = None  # ISO 8601 duration of the initial term
    perpetual: bool | None = None
    auto_renewal: Field[Literal["automatic", "by_option", "none"]] | None = None
    renewal: Field[str] | None = None  # ISO 8601 duration of each renewal
    non_renewal_notice: Field[str] | None = None  # ISO 8601 duration
    non_renewal_notice_by: Field[str] | None = None  # "either party", a party's defined term
    # renewal by option: the latest notice that exercises it, before the term ends (ISO 8601 duration)
    renewal_option_notice: Field[str] | None = None
    renewal_option_notice_by: Field[str] | None = None  # the party holding the option
    termination_for_convenience: Field[str] | None = None  # notice as ISO 8601 duration
    termination_for_convenience_by: Field[str] | None = None


class Disputes(Model):
    mechanisms: Field[list[Literal["negotiation", "mediation", "arbitration", "litigation"]]] | None = None
    escalation: Field[str] | None = None
    arbitration_rules: Field[str] | None = None
    arbitrators: Field[int] | None = None
    language: Field[str] | None = None
    seat: Field[str] | None = None
    courts_exclusive: Field[bool] | None = None
    jury_waiver: Field[bool] | None = None
    injunctive_carveout: Field[bool] | None = None


class NoticeAddress(Model):
    party: str | None = None
    attention: str | None = None
    address: str | None = None
    email: str | None = None
    evidence: list[Evidence] = PydanticField(default_factory=list)


class Notices(Model):
    methods: Field[list[str]] | None = None  # "certified mail", "courier", "email", "hand delivery"
    deemed_received: Field[str] | None = None
    addresses: list[NoticeAddress] = PydanticField(default_factory=list)


class Money(Model):
    amount: float
    currency: str  # ISO 4217


class Payment(Model):
    terms: Field[str] | None = None  # ISO 8601 duration, e.g. P30D for net 30
    terms_after: Field[str] | None = None  # "receipt of invoice"
    late_interest: Field[str] | None = None
    currency: Field[str] | None = None
    amounts: list[Field[Money]] = PydanticField(default_factory=list)
    minimum_commitment: Field[str] | None = None
    price_change_notice: Field[str] | None = None


class Timing(Model):
    due_date: str | None = None  # ISO date
    duration: str | None = None  # ISO 8601 duration
    after: str | None = None  # the trigger the duration counts from
    recurrence: str | None = None  # monthly / quarterly / annually / ISO 8601


class Obligation(Model):
    obligor: str | None = None
    counterparty: str | None = None
    modality: Literal["obligation", "prohibition", "right"]
    category: str = "other"
    action: str
    condition: str | None = None
    timing: Timing | None = None
    confidence: float = PydanticField(ge=0.0, le=1.0)
    evidence: list[Evidence] = PydanticField(default_factory=list)


class Target(Model):
    comparator: Literal[">=", ">", "<=", "<", "="]
    value: float
    unit: str


class Kpi(Model):
    metric: str
    target: Target | None = None
    window: str | None = None
    party: str | None = None
    remedy: str | None = None
    confidence: float = PydanticField(ge=0.0, le=1.0)
    evidence: list[Evidence] = PydanticField(default_factory=list)


class Clause(Model):
    category: str  # CUAD's category name, exactly
    confidence: float = PydanticField(ge=0.0, le=1.0)
    evidence: list[Evidence] = PydanticField(default_factory=list)


class Execution(Model):
    """How the document was executed, as its text shows (extractors/execution.py).

    Each value is a list whose evidence quotes the items in the same order.
    """

    signature_blocks: Field[list[str]] | None = None  # who each block found is for
    unsigned: Field[list[str]] | None = None  # blocks whose signature line is blank in the text
    blank_dates: Field[list[str]] | None = None  # dates left to fill in ("____ day of ______, 20__")
    attachments: Field[list[str]] | None = None  # exhibits/schedules referenced and attached
    missing_attachments: Field[list[str]] | None = None  # referenced but not found attached


class Deadline(Model):
    kind: str  # effective, initial_term_end, non_renewal_notice, renewal, termination_for_convenience
    date: str  # ISO date
    title: str
    basis: str  # the arithmetic, e.g. "2025-03-01 + P1Y - P90D"
    status: Literal["past", "upcoming"] | None = None
    evidence: list[Evidence] = PydanticField(default_factory=list)


class Check(Model):
    id: str
    title: str
    kind: Literal["compliance", "risk"]
    severity: Literal["high", "medium", "low", "info"]
    status: Literal["raised", "passed", "not_found"]
    message: str
    evidence: list[Evidence] = PydanticField(default_factory=list)


class Record(Model):
    schema_version: str = SCHEMA_VERSION
    pactwatch_version: str
    status: Status
    as_of: str | None = None  # ISO date the deadlines were computed for
    document: DocumentInfo
    parties: list[Party] = PydanticField(default_factory=list)
    dates: Dates = PydanticField(default_factory=Dates)
    term: Term = PydanticField(default_factory=Term)
    governing_law: Field[str] | None = None
    disputes: Disputes = PydanticField(default_factory=Disputes)
    notices: Notices = PydanticField(default_factory=Notices)
    payment: Payment = PydanticField(default_factory=Payment)
    obligations: list[Obligation] = PydanticField(default_factory=list)
    kpis: list[Kpi] = PydanticField(default_factory=list)
    clauses: list[Clause] = PydanticField(default_factory=list)
    deadlines: list[Deadline] = PydanticField(default_factory=list)
    execution: Execution = PydanticField(default_factory=Execution)
    checks: list[Check] = PydanticField(default_factory=list)
    diagnostics: list[Diagnostic] = PydanticField(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True)


def json_schema() -> dict[str, Any]:
    schema = Record.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://pactwatch.dev/schema/record-{SCHEMA_VERSION}.json"
    return schema
