"""The approval thresholds in force, changeable at run time by an admin, every change audited.

The settings (`planning.auto_approve_below`, `planning.dual_approval_above`) give the policy
until an admin changes it; from then on the latest row of `approval_policy_changes` rules. The
table is append-only: it is the policy's history, and each row commits in the same transaction
as its audit event (through the `AuditRecorder` port), so a change is never in force unrecorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from orders.audit import AuditRecorder
from orders.models import PolicyChangeRow
from orders.repository import PurchaseOrderQueue
from orders.thresholds import ApprovalThresholds

__all__ = ["POLICY_ENTITY", "ApprovalPolicyStore", "PolicyChange"]

POLICY_ENTITY = "approval_policy"


@dataclass(frozen=True)
class PolicyChange:
    """One change of the thresholds: what they became, who, when and why."""

    thresholds: ApprovalThresholds
    actor: str
    reason: str
    changed_at: dt.datetime


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def _as_dict(thresholds: ApprovalThresholds) -> dict[str, str | None]:
    return {
        "auto_approve_below": _amount(thresholds.auto_approve_below),
        "dual_approval_above": _amount(thresholds.dual_approval_above),
    }


def _quantised(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.0001"))


def _to_change(row: PolicyChangeRow) -> PolicyChange:
    return PolicyChange(
        thresholds=ApprovalThresholds(
            _quantised(row.auto_approve_below), _quantised(row.dual_approval_above)
        ),
        actor=row.actor,
        reason=row.reason,
        changed_at=row.changed_at.replace(tzinfo=row.changed_at.tzinfo or dt.UTC),
    )


class ApprovalPolicyStore:
    """Reads and changes the approval thresholds kept beside the PO queue."""

    def __init__(self, queue: PurchaseOrderQueue, *, default: ApprovalThresholds) -> None:
        self._queue = queue
        self._default = default

    def history(self) -> list[PolicyChange]:
        """Every change, oldest first (empty while the settings' thresholds rule)."""
        with self._queue.session() as session:
            rows = session.scalars(sa.select(PolicyChangeRow).order_by(PolicyChangeRow.id))
            return [_to_change(row) for row in rows]

    def current(self) -> ApprovalThresholds:
        """The thresholds in force: the latest change, else the settings'."""
        with self._queue.session() as session:
            row = session.scalars(
                sa.select(PolicyChangeRow).order_by(PolicyChangeRow.id.desc()).limit(1)
            ).first()
            return self._default if row is None else _to_change(row).thresholds

    def change(
        self,
        thresholds: ApprovalThresholds,
        *,
        actor: str,
        reason: str,
        audit: AuditRecorder,
        now: dt.datetime | None = None,
    ) -> PolicyChange:
        """Put `thresholds` in force; the row and its audit event commit together or not at
        all. `ValueError` without a reason (the audit trail must say why)."""
        if not reason or not reason.strip():
            raise ValueError("changing the approval thresholds needs a reason; say why")
        if not actor or not actor.strip():
            raise ValueError("changing the approval thresholds needs an actor")
        at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        with self._queue.session() as session, session.begin():
            last = session.scalars(
                sa.select(PolicyChangeRow).order_by(PolicyChangeRow.id.desc()).limit(1)
            ).first()
            before = self._default if last is None else _to_change(last).thresholds
            row = PolicyChangeRow(
                auto_approve_below=thresholds.auto_approve_below,
                dual_approval_above=thresholds.dual_approval_above,
                actor=actor,
                reason=reason.strip(),
                changed_at=at,
            )
            session.add(row)
            session.flush()
            audit.record(
                actor=actor,
                action="approval_policy.change",
                entity_type=POLICY_ENTITY,
                entity_id=str(row.id),
                before=_as_dict(before),
                after=_as_dict(thresholds),
                reason=reason.strip(),
                session=session,
            )
        return PolicyChange(thresholds, actor, reason.strip(), at)
