"""`/api/queue`: the PO approval queue (issue 5): list, read with the numbers behind each line,
approve, reject, edit a quantity, release, bulk-approve, and export released POs for an ERP.

Who: buyers decide (approve, reject, edit, release); buyers and planners read the queue and the
export (planners check what their plans turned into); ML engineers have no access; admin passes
every check (`serving.deps.require`). The work is `orders.workflow`; this module maps its domain
errors to status codes (`status_of`) and records each transition in the app's audit log, in the
transition's own transaction, so a decision and its audit event commit together
(`serving.queue_service`, shared with the buyer's web pages).

This module holds the routes; around them, one concept each: `queue_schemas` (request and
response models), `queue_deps` (roles, Idempotency-Key, thresholds, `Acting`), `queue_errors`
(`status_of`), `queue_convert` (domain objects to answers, `_decide`). Their names stay
importable from here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from orders import workflow
from orders.domain import Order, POStatus
from orders.errors import OrdersError
from orders.export import export_released, to_csv, to_json
from orders.listing import OrderSort
from orders.repository import MAX_PAGE
from serving.api_types import DB_INT_MAX, RowId
from serving.deps import StateDep
from serving.queue_service import AuditLogRecorder, order_history
from serving.routers.queue_convert import _bulk_item, _decide, _order_out
from serving.routers.queue_convert import _decision_out as _decision_out
from serving.routers.queue_deps import Acting, Reader, Thresholds, thresholds_from
from serving.routers.queue_deps import Buyer as Buyer
from serving.routers.queue_deps import IdempotencyKey as IdempotencyKey
from serving.routers.queue_deps import _acting as _acting
from serving.routers.queue_errors import _STATUS as _STATUS
from serving.routers.queue_errors import _http, status_of
from serving.routers.queue_schemas import MAX_BULK as MAX_BULK
from serving.routers.queue_schemas import AllocationOut as AllocationOut
from serving.routers.queue_schemas import (
    ApproveRequest,
    BulkApproveRequest,
    BulkOut,
    DecisionOut,
    EditRequest,
    EventOut,
    LineOut,
    OrderDetail,
    OrderOut,
    RejectRequest,
    ReleaseRequest,
)
from serving.routers.queue_schemas import BulkEntry as BulkEntry
from serving.routers.queue_schemas import BulkItemOut as BulkItemOut
from serving.routers.queue_schemas import DriverOut as DriverOut
from serving.routers.queue_schemas import ErrorOut as ErrorOut
from serving.routers.queue_schemas import ExplanationOut as ExplanationOut

__all__ = ["AuditLogRecorder", "router", "status_of", "thresholds_from"]

router = APIRouter(prefix="/api/queue", tags=["queue"])


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
