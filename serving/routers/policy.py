"""The approval thresholds: read by the queue's users, changed by an admin with a reason.

A change is in force for the next decision and the next plan, and is an audit event in the same
transaction as its history row (`orders.policy_store`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from orders.domain import money
from orders.thresholds import ApprovalThresholds
from serving.deps import StateDep, require
from serving.queue_service import AuditLogRecorder, approval_policy
from serving.roles import Principal, Role

router = APIRouter(prefix="/api/approval-policy", tags=["approval policy"])

Reader = Annotated[Principal, Depends(require(Role.BUYER, Role.PLANNER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


class Policy(BaseModel):
    auto_approve_below: Decimal | None = Field(
        description="POs below this value with no flag need nobody (null: never)"
    )
    dual_approval_above: Decimal | None = Field(
        description="POs above this value need two distinct approvers (null: never)"
    )


class PolicyChangeRequest(Policy):
    reason: str = Field(min_length=3, max_length=2000, description="why (kept in the audit)")


class PolicyChangeOut(Policy):
    actor: str
    reason: str
    changed_at: dt.datetime


def _policy(thresholds: ApprovalThresholds) -> Policy:
    return Policy(
        auto_approve_below=thresholds.auto_approve_below,
        dual_approval_above=thresholds.dual_approval_above,
    )


@router.get("", response_model=Policy)
def current_policy(state: StateDep, _: Reader) -> Policy:
    """The thresholds in force: an admin's latest change, else the settings'."""
    try:
        return _policy(approval_policy(state.queue, state.settings).current())
    except ValueError as e:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"approval thresholds are misconfigured: {e}"
        ) from None


@router.get("/history", response_model=list[PolicyChangeOut])
def policy_history(state: StateDep, _: Reader) -> list[PolicyChangeOut]:
    """Every change, oldest first."""
    return [
        PolicyChangeOut(
            **_policy(c.thresholds).model_dump(),
            actor=c.actor,
            reason=c.reason,
            changed_at=c.changed_at,
        )
        for c in approval_policy(state.queue, state.settings).history()
    ]


@router.put("", response_model=PolicyChangeOut)
def change_policy(body: PolicyChangeRequest, state: StateDep, who: Admin) -> PolicyChangeOut:
    """Put new thresholds in force (admin only); 422 when they contradict or are negative."""
    try:
        thresholds = ApprovalThresholds(
            auto_approve_below=None
            if body.auto_approve_below is None
            else money(body.auto_approve_below),
            dual_approval_above=None
            if body.dual_approval_above is None
            else money(body.dual_approval_above),
        )
        change = approval_policy(state.queue, state.settings).change(
            thresholds, actor=who.username, reason=body.reason, audit=AuditLogRecorder(state.audit)
        )
    except ValueError as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(e)) from None
    return PolicyChangeOut(
        **_policy(change.thresholds).model_dump(),
        actor=change.actor,
        reason=change.reason,
        changed_at=change.changed_at,
    )
