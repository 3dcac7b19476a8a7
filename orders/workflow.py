"""The PO approval workflow (issue 5): keyword-only service functions, one transaction each.

Each function checks its arguments, then runs as one transition (`orders.transition_runner`:
row lock, idempotent replay, version check, state machine, decision row, audit event, all in
one transaction). The router maps the domain errors (`orders.errors`) to status codes.

Segregation of duties: nobody approves a PO they created or edited; above
`ApprovalThresholds.dual_approval_above` two distinct people approve, and an edit clears the
approvals given so far (they approved other quantities).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.orm import Session

from orders.audit import AuditRecorder
from orders.decisions import BulkOutcome, Decision
from orders.domain import POStatus
from orders.errors import (
    DuplicateApprover,
    InvalidQuantity,
    LineNotFound,
    OrdersError,
    SegregationOfDuties,
)
from orders.models import OrderRow
from orders.thresholds import ApprovalThresholds
from orders.transition_runner import (
    Change,
    QueueOrEngine,
    as_queue,
    checked_reason,
    checked_time,
    run_transition,
)
from orders.transitions import Action
from orders.validation import quantity_problems

__all__ = [
    "QueueOrEngine",
    "approve",
    "bulk_approve",
    "edit_quantity",
    "reject",
    "release",
    "submit",
]


def submit(
    *,
    queue_or_engine: QueueOrEngine,
    order_id: int,
    actor: str,
    expected_version: int,
    thresholds: ApprovalThresholds,
    recorder: AuditRecorder,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """Send a proposed PO for approval: `auto_approved` when the policy allows (below the
    threshold, no flag), else `pending_approval`."""

    def apply(session: Session, row: OrderRow) -> Change:
        row.status = thresholds.submitted_status(value=row.value, flagged=row.flagged)
        return Change()

    return run_transition(
        queue_or_engine,
        action=Action.SUBMIT,
        order_id=order_id,
        actor=actor,
        expected_version=expected_version,
        reason=None,
        idempotency_key=idempotency_key,
        recorder=recorder,
        at=at,
        apply=apply,
    )


def approve(
    *,
    queue_or_engine: QueueOrEngine,
    order_id: int,
    actor: str,
    expected_version: int,
    thresholds: ApprovalThresholds,
    recorder: AuditRecorder,
    reason: str | None = None,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """Approve a pending or edited PO; above the dual threshold the first approval is 1 of 2
    (status unchanged) and a second, different person approves it. Raises
    `SegregationOfDuties` for its creator or an editor, `DuplicateApprover` for a second
    approval by the same person, `StaleVersion`, `AlreadyDecided`, `InvalidTransition`."""
    reason = checked_reason(Action.APPROVE, reason, required=False)

    def apply(session: Session, row: OrderRow) -> Change:
        if actor == row.created_by:
            raise SegregationOfDuties(order_id, actor=actor, role="created")
        if actor in (row.edited_by or ()):
            raise SegregationOfDuties(order_id, actor=actor, role="edited")
        required = thresholds.approvals_required(Decimal(row.value))
        approvers = list(row.approved_by or ())
        if actor in approvers:
            raise DuplicateApprover(order_id, actor=actor, required=required)
        row.approved_by = [*approvers, actor]
        if len(row.approved_by) >= required:
            row.status = POStatus.APPROVED
        return Change(approvals_required=required, after={"approvals_required": required})

    return run_transition(
        queue_or_engine,
        action=Action.APPROVE,
        order_id=order_id,
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        idempotency_key=idempotency_key,
        recorder=recorder,
        at=at,
        apply=apply,
    )


def reject(
    *,
    queue_or_engine: QueueOrEngine,
    order_id: int,
    actor: str,
    expected_version: int,
    reason: str,
    recorder: AuditRecorder,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """Reject a PO before release (an auto-approved one too); `reason` is required."""
    reason = str(checked_reason(Action.REJECT, reason, required=True))

    def apply(session: Session, row: OrderRow) -> Change:
        row.status = POStatus.REJECTED
        return Change()

    return run_transition(
        queue_or_engine,
        action=Action.REJECT,
        order_id=order_id,
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        idempotency_key=idempotency_key,
        recorder=recorder,
        at=at,
        apply=apply,
    )


def edit_quantity(
    *,
    queue_or_engine: QueueOrEngine,
    order_id: int,
    line_id: int,
    quantity: int,
    actor: str,
    reason: str,
    expected_version: int,
    recorder: AuditRecorder,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """Change one line's quantity (whole packs, at least the MOQ), recompute line and PO value;
    the PO becomes `edited`, its approvals so far are cleared and the editor may not approve
    it. Raises `ReasonRequired`, `InvalidQuantity`, `LineNotFound` and the transition errors."""
    reason = str(checked_reason(Action.EDIT, reason, required=True))

    def apply(session: Session, row: OrderRow) -> Change:
        lines = {line.id: line for line in row.lines}
        line = lines.get(line_id)
        if line is None:
            raise LineNotFound(order_id, line_id, line_ids=lines)
        problems = quantity_problems(quantity, pack_size=line.pack_size, moq=line.moq)
        if not problems and quantity == line.quantity:
            problems = [f"quantity is already {quantity}; nothing to change"]
        if problems:
            raise InvalidQuantity(order_id, line_id, problems)
        before = {"line_id": line_id, "sku": line.sku, "quantity": line.quantity}
        before["line_value"] = str(line.value)
        line.quantity = quantity
        line.value = quantity * Decimal(line.unit_cost)
        row.value = sum((Decimal(each.value) for each in row.lines), Decimal(0))
        row.status = POStatus.EDITED
        editors = list(row.edited_by or ())
        row.edited_by = editors if actor in editors else [*editors, actor]
        row.approved_by = []
        after = {**before, "quantity": quantity, "line_value": str(line.value)}
        return Change(line_id=line_id, quantity=quantity, before=before, after=after)

    return run_transition(
        queue_or_engine,
        action=Action.EDIT,
        order_id=order_id,
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        idempotency_key=idempotency_key,
        recorder=recorder,
        at=at,
        apply=apply,
        request={"line_id": line_id, "quantity": quantity},
    )


def release(
    *,
    queue_or_engine: QueueOrEngine,
    order_id: int,
    actor: str,
    expected_version: int,
    recorder: AuditRecorder,
    reason: str | None = None,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """Release an approved or auto-approved PO to its supplier (or DC); stamps `released_at`,
    which the ERP export (`orders.export`) reads."""
    reason = checked_reason(Action.RELEASE, reason, required=False)
    when = checked_time(at)

    def apply(session: Session, row: OrderRow) -> Change:
        row.status = POStatus.RELEASED
        row.released_at = when
        return Change(after={"released_at": when.isoformat()})

    return run_transition(
        queue_or_engine,
        action=Action.RELEASE,
        order_id=order_id,
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        idempotency_key=idempotency_key,
        recorder=recorder,
        at=when,
        apply=apply,
    )


def bulk_approve(
    *,
    queue_or_engine: QueueOrEngine,
    expected_versions: Mapping[int, int],
    actor: str,
    thresholds: ApprovalThresholds,
    recorder: AuditRecorder,
    reason: str | None = None,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> list[BulkOutcome]:
    """Approve each PO (order id -> the version the caller read), each in its own transaction,
    in the mapping's order; a domain error stops only its PO and is returned in its outcome.
    With `idempotency_key`, PO `n` uses `<key>/<n>`, so a retried bulk call replays the POs
    already done and carries on with the rest. Errors that are not domain errors (database
    down, recorder failure) propagate: POs before them stay decided."""
    queue = as_queue(queue_or_engine)
    outcomes = []
    for order_id, version in expected_versions.items():
        try:
            decision = approve(
                queue_or_engine=queue,
                order_id=order_id,
                actor=actor,
                expected_version=version,
                thresholds=thresholds,
                recorder=recorder,
                reason=reason,
                idempotency_key=None
                if idempotency_key is None
                else f"{idempotency_key}/{order_id}",
                at=at,
            )
        except OrdersError as e:
            outcomes.append(BulkOutcome(order_id=order_id, error=e))
        else:
            outcomes.append(BulkOutcome(order_id=order_id, decision=decision))
    return outcomes
