"""What the JSON queue API and the buyer's web pages share around `orders.workflow`.

- `AuditLogRecorder`: the workflow's audit port over the app's `AuditLog`, writing in the
  transition's own session so a decision and its audit event commit together;
- `approval_thresholds`: the approval policy of the settings (a `ValueError` when the two
  thresholds contradict);
- `standing`: how many approvals a PO needs, how many are missing, what a person may do now;
- `order_history`: a PO's audited transitions, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from orders.audit import ENTITY_TYPE
from orders.domain import OrderSummary, money
from orders.listing import NEEDS_APPROVAL
from orders.policy_store import ApprovalPolicyStore
from orders.repository import PurchaseOrderQueue
from orders.thresholds import ApprovalThresholds
from orders.transitions import Action, allowed_actions
from restock.settings import Settings
from serving.audit import AuditEvent, AuditLog

__all__ = [
    "HTTP_ACTIONS",
    "AuditLogRecorder",
    "Standing",
    "approval_policy",
    "approval_thresholds",
    "order_history",
    "standing",
]

# Actions a person takes; submit and supersede belong to the planning flow.
HTTP_ACTIONS: tuple[Action, ...] = (Action.APPROVE, Action.EDIT, Action.REJECT, Action.RELEASE)


class AuditLogRecorder:
    """`orders.audit.AuditRecorder` over the app's `AuditLog`: writes in the transition's session
    (so decision and event commit together); a missing reason is stored as empty text."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    def record(
        self,
        *,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None,
        session: Session | None = None,
    ) -> object:
        return self.audit.record(
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            reason=reason or "",
            session=session,
        )


def approval_policy(queue: PurchaseOrderQueue, settings: Settings) -> ApprovalPolicyStore:
    """The thresholds in force: an admin's latest change, else the settings'."""
    return ApprovalPolicyStore(queue, default=approval_thresholds(settings))


def approval_thresholds(settings: Settings) -> ApprovalThresholds:
    """The approval policy of `settings.planning`; `ValueError` when the thresholds contradict."""
    planning = settings.planning
    low = planning.auto_approve_below
    return ApprovalThresholds(
        auto_approve_below=None if low is None else money(low),
        dual_approval_above=money(planning.dual_approval_above),
    )


@dataclass(frozen=True)
class Standing:
    """Where a PO stands with its approvers: `required` people for its value (1 or 2),
    `missing` still to come while it waits, `actions` a person may take now (sorted)."""

    required: int
    missing: int
    actions: tuple[str, ...]


def standing(order: OrderSummary, policy: ApprovalThresholds) -> Standing:
    """The approvals and actions of `order` under `policy`."""
    required = policy.approvals_required(order.value)
    waiting = order.status in NEEDS_APPROVAL
    return Standing(
        required=required,
        missing=max(0, required - len(order.approved_by)) if waiting else 0,
        actions=tuple(sorted(a.value for a in allowed_actions(order.status) if a in HTTP_ACTIONS)),
    )


def order_history(audit: AuditLog, order_id: int) -> list[AuditEvent]:
    """The PO's audited transitions (who approved, edited, rejected, when and why), oldest
    first."""
    return audit.events(entity_type=ENTITY_TYPE, entity_id=order_id)
