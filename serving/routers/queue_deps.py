"""The FastAPI dependencies of `/api/queue`: who may read (buyers, planners) and decide
(buyers), the `Idempotency-Key` header, the approval thresholds in force, and what every
decision hands `orders.workflow` besides its own arguments (`Acting`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, status

from orders.thresholds import ApprovalThresholds
from serving.deps import StateDep, require
from serving.queue_service import AuditLogRecorder, approval_policy
from serving.roles import Principal, Role

__all__ = [
    "Acting",
    "Buyer",
    "IdempotencyKey",
    "Reader",
    "Thresholds",
    "thresholds_from",
]

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


def _acting(state: StateDep, who: Buyer, key: IdempotencyKey = None) -> dict[str, Any]:
    """What every decision hands the workflow besides its own arguments."""
    return {
        "queue_or_engine": state.queue,
        "actor": who.username,
        "recorder": AuditLogRecorder(state.audit),
        "idempotency_key": key,
    }


Acting = Annotated[dict[str, Any], Depends(_acting)]
