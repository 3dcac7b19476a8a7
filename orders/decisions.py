"""What a workflow call answers (`Decision`, `BulkOutcome`) and how it is kept for replay.

Every transition writes a `po_decisions` row with the request and the answer. A call that
repeats an idempotency key its actor already used gets the stored answer back (`replayed=True`)
and acts no second time; the same key with a different request is an `IdempotencyConflict`.
A failed call writes nothing, so retrying it with the same key runs it again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from orders.domain import POStatus
from orders.errors import IdempotencyConflict, OrdersError
from orders.models import DecisionRow
from orders.rows import as_utc
from orders.transitions import Action

__all__ = ["BulkOutcome", "Decision", "decision_row", "describe", "replay"]


@dataclass(frozen=True, kw_only=True)
class Decision:
    """A PO after one transition.

    `approved_by` / `approvals_required`: approvals since the last edit and how many the PO's
    value needs (an approve that leaves `status` pending is 1 of 2). `line_id` / `quantity`:
    the line an edit changed. `replayed`: this is the stored answer to an earlier call with the
    same idempotency key; nothing was done this time.
    """

    order_id: int
    action: Action
    actor: str
    status: POStatus
    version: int
    value: Decimal
    approved_by: tuple[str, ...] = ()
    approvals_required: int | None = None
    line_id: int | None = None
    quantity: int | None = None
    reason: str | None = None
    decided_at: dt.datetime
    replayed: bool = False

    @property
    def approvals_missing(self) -> int:
        """Approvals still needed before the PO is approved (0 once it is)."""
        if self.approvals_required is None or self.status == POStatus.APPROVED:
            return 0
        return max(0, self.approvals_required - len(self.approved_by))


@dataclass(frozen=True, kw_only=True)
class BulkOutcome:
    """One PO of a bulk call: its decision, or the domain error that stopped it."""

    order_id: int
    decision: Decision | None = None
    error: OrdersError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _outcome(decision: Decision) -> dict[str, Any]:
    return {
        "order_id": decision.order_id,
        "action": decision.action.value,
        "actor": decision.actor,
        "status": decision.status.value,
        "version": decision.version,
        "value": str(decision.value),
        "approved_by": list(decision.approved_by),
        "approvals_required": decision.approvals_required,
        "line_id": decision.line_id,
        "quantity": decision.quantity,
        "reason": decision.reason,
        "decided_at": decision.decided_at.isoformat(),
    }


def _decision(outcome: dict[str, Any]) -> Decision:
    return Decision(
        order_id=int(outcome["order_id"]),
        action=Action(outcome["action"]),
        actor=str(outcome["actor"]),
        status=POStatus(outcome["status"]),
        version=int(outcome["version"]),
        value=Decimal(outcome["value"]),
        approved_by=tuple(outcome["approved_by"]),
        approvals_required=outcome["approvals_required"],
        line_id=outcome["line_id"],
        quantity=outcome["quantity"],
        reason=outcome["reason"],
        decided_at=as_utc(dt.datetime.fromisoformat(outcome["decided_at"])),
        replayed=True,
    )


def describe(request: dict[str, Any]) -> str:
    """A request as an error message names it: `approve of PO 7 at version 2`."""
    extra = "".join(
        f", {name} {request[name]!r}"
        for name in ("line_id", "quantity", "reason")
        if request.get(name) is not None
    )
    return (
        f"{request['action']} of PO {request['order_id']} at version "
        f"{request['expected_version']}{extra}"
    )


def replay(
    session: Session, *, actor: str, key: str | None, request: dict[str, Any]
) -> Decision | None:
    """The stored answer to the actor's earlier call with `key`, if any; raises
    `IdempotencyConflict` when that call asked something else."""
    if key is None:
        return None
    row = session.scalars(
        sa.select(DecisionRow).where(DecisionRow.actor == actor, DecisionRow.idempotency_key == key)
    ).one_or_none()
    if row is None:
        return None
    if row.request != request:
        raise IdempotencyConflict(
            key, actor=actor, first=describe(row.request), now=describe(request)
        )
    return _decision(row.outcome)


def decision_row(decision: Decision, *, key: str | None, request: dict[str, Any]) -> DecisionRow:
    """The `po_decisions` row that records `decision` (and replays it for `key`)."""
    return DecisionRow(
        order_id=decision.order_id,
        action=decision.action.value,
        actor=decision.actor,
        idempotency_key=key,
        request=request,
        outcome=_outcome(decision),
        reason=decision.reason,
        decided_at=decision.decided_at,
    )
