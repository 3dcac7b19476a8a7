"""`/api/queue`: the PO approval queue (issue 5): list, read with the numbers behind each line,
approve, reject, edit a quantity, release, bulk-approve, and export released POs for an ERP.

Who: buyers decide (approve, reject, edit, release); buyers and planners read the queue and the
export (planners check what their plans turned into); ML engineers have no access; admin passes
every check (`serving.deps.require`). The work is `orders.workflow`; this module maps its domain
errors to status codes (`status_of`) and records each transition in the app's audit log, in the
transition's own transaction, so a decision and its audit event commit together
(`serving.queue_service`, shared with the buyer's web pages).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, model_validator

from orders import workflow
from orders.decisions import BulkOutcome, Decision
from orders.domain import Flag, Order, OrderSummary, POStatus, ServiceKind, SourceKind
from orders.errors import (
    IdempotencyConflict,
    InvalidPlan,
    InvalidRequest,
    InvalidTransition,
    LineNotFound,
    OrderNotFound,
    OrdersError,
    PlanNotFound,
    SegregationOfDuties,
    StaleVersion,
)
from orders.export import export_released, to_csv, to_json
from orders.listing import OrderSort
from orders.repository import MAX_PAGE
from orders.thresholds import ApprovalThresholds
from orders.transitions import Action
from serving.api_types import DB_INT_MAX, RowId
from serving.deps import StateDep, require
from serving.queue_service import AuditLogRecorder, approval_policy, order_history, standing
from serving.roles import Principal, Role

__all__ = ["AuditLogRecorder", "router", "status_of", "thresholds_from"]

router = APIRouter(prefix="/api/queue", tags=["queue"])

Reader = Annotated[Principal, Depends(require(Role.BUYER, Role.PLANNER))]
Buyer = Annotated[Principal, Depends(require(Role.BUYER))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=256,
        description="repeat it on a retry: the first answer comes back and nothing acts twice",
    ),
]
MAX_BULK = 500

# Checked in order: the first matching class wins (subclasses sit before their bases).
_STATUS: tuple[tuple[type[OrdersError], int], ...] = (
    (OrderNotFound, status.HTTP_404_NOT_FOUND),
    (PlanNotFound, status.HTTP_404_NOT_FOUND),
    (LineNotFound, status.HTTP_404_NOT_FOUND),
    (InvalidRequest, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (InvalidPlan, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (SegregationOfDuties, status.HTTP_403_FORBIDDEN),  # DuplicateApprover too
    (InvalidTransition, status.HTTP_409_CONFLICT),  # AlreadyDecided too
    (StaleVersion, status.HTTP_409_CONFLICT),
    (IdempotencyConflict, status.HTTP_409_CONFLICT),
)


def status_of(error: OrdersError) -> int:
    """The HTTP status of a domain error (`orders.errors`); 409 for any other conflict."""
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 409)


def _http(error: OrdersError) -> HTTPException:
    return HTTPException(status_of(error), str(error))


def thresholds_from(state: StateDep) -> ApprovalThresholds:
    """The approval thresholds in force (an admin's change, else the settings'); 503 when the
    settings' two thresholds contradict."""
    try:
        return approval_policy(state.queue, state.settings).current()
    except ValueError as e:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"approval thresholds are misconfigured: {e}"
        ) from None


Thresholds = Annotated[ApprovalThresholds, Depends(thresholds_from)]


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


# Conversions.


def _order_out(order: OrderSummary, policy: ApprovalThresholds) -> dict[str, Any]:
    fields = {f.name: getattr(order, f.name) for f in dataclasses.fields(OrderSummary)}
    now = standing(order, policy)
    return {
        **fields,
        "edited_by": list(order.edited_by),
        "approved_by": list(order.approved_by),
        "approvals_required": now.required,
        "approvals_missing": now.missing,
        "actions": list(now.actions),
    }


def _acting(state: StateDep, who: Buyer, key: IdempotencyKey = None) -> dict[str, Any]:
    """What every decision hands the workflow besides its own arguments."""
    return {
        "queue_or_engine": state.queue,
        "actor": who.username,
        "recorder": AuditLogRecorder(state.audit),
        "idempotency_key": key,
    }


Acting = Annotated[dict[str, Any], Depends(_acting)]


def _decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut.model_validate(decision, from_attributes=True)


def _decide(act: Callable[..., Decision], acting: dict[str, Any], **args: Any) -> DecisionOut:
    """Run one workflow transition; its domain errors become their status codes."""
    try:
        return _decision_out(act(**acting, **args))
    except OrdersError as e:
        raise _http(e) from None


# Routes.


@router.get("", response_model=list[OrderOut])
def list_queue(
    state: StateDep,
    _: Reader,
    policy: Thresholds,
    by_status: Annotated[POStatus | None, Query(alias="status")] = None,
    source: Annotated[str | None, Query(description="supplier id, or the DC of a store")] = None,
    flagged: bool | None = None,
    min_value: Annotated[Decimal | None, Query(ge=0)] = None,
    max_value: Annotated[Decimal | None, Query(ge=0)] = None,
    plan_id: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
    sort: OrderSort = "id",
    order: Literal["asc", "desc"] = "asc",
    needs_approval_first: Annotated[
        bool, Query(description="POs waiting for a person before the rest")
    ] = True,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[OrderOut]:
    """One page of POs, filtered (values inclusive) and sorted; waiting ones first by default."""
    try:
        found = state.queue.list_orders(
            status=by_status,
            source=source,
            plan_id=plan_id,
            flagged=flagged,
            min_value=min_value,
            max_value=max_value,
            sort=sort,
            descending=order == "desc",
            needs_approval_first=needs_approval_first,
            limit=limit,
            offset=offset,
        )
    except ValueError as e:  # min_value above max_value
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from None
    return [OrderOut(**_order_out(o, policy)) for o in found]


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "one row per line of each released PO (orders.export columns)",
            "content": {"text/csv": {}, "application/json": {}},
        }
    },
)
def export(
    state: StateDep,
    _: Reader,
    fmt: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
    since: Annotated[
        dt.datetime | None,
        Query(description="only POs released strictly after this time (ISO 8601 with offset)"),
    ] = None,
) -> Response:
    """Released POs for an ERP, oldest release first; CSV comes as a file download."""
    try:
        rows = export_released(queue_or_engine=state.queue, since=since)
    except ValueError as e:  # a naive `since`
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from None
    if fmt == "json":
        return Response(to_json(rows), media_type="application/json")
    return Response(
        to_csv(rows),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="released-purchase-orders.csv"'},
    )


@router.get("/orders/{order_id}", response_model=OrderDetail)
def get_order(order_id: RowId, state: StateDep, _: Reader, policy: Thresholds) -> OrderDetail:
    """One PO: its lines with every number behind them, drivers, flags, allocation, and its
    audited history (who approved, edited or rejected it, when and why)."""
    try:
        found: Order = state.queue.get_order(order_id)
    except OrdersError as e:
        raise _http(e) from None
    events = order_history(state.audit, order_id)
    return OrderDetail(
        **_order_out(found, policy),
        lines=[LineOut.model_validate(ln, from_attributes=True) for ln in found.lines],
        history=[EventOut.model_validate(e, from_attributes=True) for e in events],
    )


@router.post("/orders/{order_id}/approve", response_model=DecisionOut)
def approve(
    order_id: RowId, body: ApproveRequest, acting: Acting, policy: Thresholds
) -> DecisionOut:
    """Approve a waiting PO; above the dual threshold a first approval is 1 of 2. 403 for its
    creator, an editor or a second approval by the same person; 409 when it changed."""
    args = body.model_dump()
    return _decide(workflow.approve, acting, order_id=order_id, thresholds=policy, **args)


@router.post("/orders/{order_id}/reject", response_model=DecisionOut)
def reject(order_id: RowId, body: RejectRequest, acting: Acting) -> DecisionOut:
    """Reject a PO before release (an auto-approved one too); the reason is required."""
    return _decide(workflow.reject, acting, order_id=order_id, **body.model_dump())


@router.post("/orders/{order_id}/lines/{line_id}/edit", response_model=DecisionOut)
def edit_line(order_id: RowId, line_id: RowId, body: EditRequest, acting: Acting) -> DecisionOut:
    """Change one line's quantity (whole packs, at least the MOQ): the PO becomes `edited`, its
    approvals so far are cleared and the editor may not approve it."""
    args = body.model_dump()
    return _decide(workflow.edit_quantity, acting, order_id=order_id, line_id=line_id, **args)


@router.post("/orders/{order_id}/release", response_model=DecisionOut)
def release(order_id: RowId, body: ReleaseRequest, acting: Acting) -> DecisionOut:
    """Release an approved (or auto-approved) PO to its supplier; it then appears in the export."""
    return _decide(workflow.release, acting, order_id=order_id, **body.model_dump())


def _bulk_item(outcome: BulkOutcome) -> BulkItemOut:
    error = outcome.error
    return BulkItemOut(
        order_id=outcome.order_id,
        ok=outcome.ok,
        decision=None if outcome.decision is None else _decision_out(outcome.decision),
        error=None if error is None else ErrorOut(status=status_of(error), detail=str(error)),
    )


@router.post("/bulk-approve", response_model=BulkOut)
def bulk_approve(body: BulkApproveRequest, acting: Acting, policy: Thresholds) -> BulkOut:
    """Approve several POs, each on its own: one refused PO (stale, not yours to approve, ...)
    does not stop the others; each outcome carries the status code it would have had alone."""
    outcomes = workflow.bulk_approve(
        **acting,
        expected_versions={entry.id: entry.expected_version for entry in body.orders},
        thresholds=policy,
        reason=body.reason,
    )
    items = [_bulk_item(outcome) for outcome in outcomes]
    done = sum(item.ok for item in items)
    return BulkOut(approved=done, failed=len(items) - done, outcomes=items)
