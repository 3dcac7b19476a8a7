"""From `orders` domain objects to `/api/queue` answers: a PO with where it stands under the
approval thresholds, a decision, a bulk outcome; and `_decide`, which runs one workflow
transition and turns its domain errors into their status codes (`queue_errors.status_of`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from orders.decisions import BulkOutcome, Decision
from orders.domain import OrderSummary
from orders.errors import OrdersError
from orders.thresholds import ApprovalThresholds
from serving.queue_service import standing
from serving.routers.queue_errors import _http, status_of
from serving.routers.queue_schemas import BulkItemOut, DecisionOut, ErrorOut

__all__: list[str] = []  # private helpers of `serving.routers.queue`, imported from there


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


def _decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut.model_validate(decision, from_attributes=True)


def _decide(act: Callable[..., Decision], acting: dict[str, Any], **args: Any) -> DecisionOut:
    """Run one workflow transition; its domain errors become their status codes."""
    try:
        return _decision_out(act(**acting, **args))
    except OrdersError as e:
        raise _http(e) from None


def _bulk_item(outcome: BulkOutcome) -> BulkItemOut:
    error = outcome.error
    return BulkItemOut(
        order_id=outcome.order_id,
        ok=outcome.ok,
        decision=None if outcome.decision is None else _decision_out(outcome.decision),
        error=None if error is None else ErrorOut(status=status_of(error), detail=str(error)),
    )
