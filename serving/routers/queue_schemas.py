"""What `/api/queue` answers and accepts: the response models (a PO, its lines with the numbers
behind each quantity, its audited history, a decision, a bulk outcome) and the request bodies of
the decisions (each carrying the `expected_version` read, for optimistic locking)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from orders.domain import Flag, POStatus, ServiceKind, SourceKind
from orders.transitions import Action
from serving.api_types import DB_INT_MAX

__all__ = [
    "MAX_BULK",
    "AllocationOut",
    "ApproveRequest",
    "BulkApproveRequest",
    "BulkEntry",
    "BulkItemOut",
    "BulkOut",
    "DecisionOut",
    "DriverOut",
    "EditRequest",
    "ErrorOut",
    "EventOut",
    "ExplanationOut",
    "LineOut",
    "OrderDetail",
    "OrderOut",
    "RejectRequest",
    "ReleaseRequest",
]

MAX_BULK = 500


# Responses.


class OrderOut(BaseModel):
    """A PO as the queue lists it. `approvals_required`: people its value needs (1 or 2);
    `approvals_missing`: still to come while it waits; `actions`: what may be done now."""

    id: int
    plan_id: int
    review_date: dt.date
    source: str
    source_kind: SourceKind
    destination: str
    status: POStatus
    value: Decimal
    line_count: int
    flagged: bool
    version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    superseded_by_plan_id: int | None
    edited_by: list[str]
    approved_by: list[str]
    released_at: dt.datetime | None
    approvals_required: int
    approvals_missing: int
    actions: list[str]


class DriverOut(BaseModel):
    feature: str
    contribution: float = Field(description="demand units; + raises the forecast")


class AllocationOut(BaseModel):
    requested: int
    allocated: int
    tier: int


class ExplanationOut(BaseModel):
    """The numbers behind a suggested quantity: units, days, probabilities (orders.domain)."""

    inventory_position: float
    on_hand: float
    on_order: float
    backorders: float
    expected_demand: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    lead_time_p50: float
    lead_time_p90: float
    review_period: float
    service_target: float
    service_kind: ServiceKind
    stockout_probability: float
    segment: str
    forecast_model_version: str
    leadtime_model_version: str | None
    drivers: list[DriverOut] = Field(description="SHAP drivers of the forecast (units)")
    allocation: AllocationOut | None = Field(description="set when supply was constrained")


class LineOut(BaseModel):
    id: int
    sku: str
    location: str
    quantity: int
    unit_cost: Decimal
    value: Decimal
    pack_size: int
    moq: int
    flags: list[Flag]
    explanation: ExplanationOut


class EventOut(BaseModel):
    """One audited transition of the PO, oldest first."""

    at: dt.datetime
    actor: str
    action: str
    reason: str
    before: Any
    after: Any


class OrderDetail(OrderOut):
    lines: list[LineOut]
    history: list[EventOut]


class DecisionOut(BaseModel):
    """The PO after one transition; `replayed`: the stored answer to a repeated
    Idempotency-Key, nothing was done this time."""

    order_id: int
    action: Action
    actor: str
    status: POStatus
    version: int
    value: Decimal
    approved_by: list[str]
    approvals_required: int | None
    approvals_missing: int
    line_id: int | None
    quantity: int | None
    reason: str | None
    decided_at: dt.datetime
    replayed: bool


class ErrorOut(BaseModel):
    status: int
    detail: str


class BulkItemOut(BaseModel):
    order_id: int
    ok: bool
    decision: DecisionOut | None
    error: ErrorOut | None


class BulkOut(BaseModel):
    approved: int = Field(description="POs whose approval went through (1 of 2 counts)")
    failed: int
    outcomes: list[BulkItemOut]


# Requests.


class ApproveRequest(BaseModel):
    expected_version: int = Field(ge=1, le=DB_INT_MAX, description="the PO version you read")
    reason: str | None = Field(None, max_length=2000)


class RejectRequest(BaseModel):
    expected_version: int = Field(ge=1, le=DB_INT_MAX)
    reason: str = Field(max_length=2000, description="why; kept in the audit trail")


class EditRequest(BaseModel):
    expected_version: int = Field(ge=1, le=DB_INT_MAX)
    quantity: int = Field(
        ge=-DB_INT_MAX, le=DB_INT_MAX, description="whole packs, at least the minimum order"
    )
    reason: str = Field(max_length=2000)


class ReleaseRequest(BaseModel):
    expected_version: int = Field(ge=1, le=DB_INT_MAX)
    reason: str | None = Field(None, max_length=2000)


class BulkEntry(BaseModel):
    id: int = Field(ge=1, le=DB_INT_MAX)
    expected_version: int = Field(ge=1, le=DB_INT_MAX)


class BulkApproveRequest(BaseModel):
    orders: list[BulkEntry] = Field(min_length=1, max_length=MAX_BULK)
    reason: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _distinct(self) -> BulkApproveRequest:
        ids = [entry.id for entry in self.orders]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"orders {repeated} are listed more than once; list each PO once")
        return self
