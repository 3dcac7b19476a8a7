"""One workflow transition in one transaction: the steps every `orders.workflow` call shares.

In order: lock the PO row (`SELECT ... FOR UPDATE` on PostgreSQL; `BEGIN IMMEDIATE` on SQLite,
which has one writer at a time), replay the answer if the actor's idempotency key was used
before (`orders.decisions`), check the version the caller read (optimistic locking:
`StaleVersion`), check the transition (`orders.transitions`), apply it, write the decision
row, then the audit event through the injected recorder in the same session. Anything raised
rolls all of it back. The ORM's version column (`version_id_col`) guards the UPDATE as well,
so the check also holds on a backend that ignores FOR UPDATE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from orders.audit import ENTITY_TYPE, AuditRecorder
from orders.decisions import Decision, decision_row, describe, replay
from orders.domain import POStatus
from orders.errors import (
    IdempotencyConflict,
    InvalidRequest,
    OrderNotFound,
    ReasonRequired,
    StaleVersion,
)
from orders.models import OrderRow
from orders.repository import PurchaseOrderQueue
from orders.transitions import Action, check_transition
from orders.validation import MAX_NAME

__all__ = [
    "Apply",
    "Change",
    "QueueOrEngine",
    "as_queue",
    "checked_reason",
    "checked_time",
    "run_transition",
]

QueueOrEngine = PurchaseOrderQueue | Engine


@dataclass(frozen=True)
class Change:
    """What a transition did beyond the PO header, for the decision and the audit event."""

    approvals_required: int | None = None
    line_id: int | None = None
    quantity: int | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


Apply = Callable[[Session, OrderRow], Change]


def as_queue(queue_or_engine: QueueOrEngine) -> PurchaseOrderQueue:
    """The queue itself, or a queue over the engine."""
    # A bare Engine checks the schema on every call; pass the long-lived queue to do it once.
    if isinstance(queue_or_engine, PurchaseOrderQueue):
        return queue_or_engine
    return PurchaseOrderQueue(queue_or_engine)


def _checked_actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip() or len(actor) > MAX_NAME:
        raise InvalidRequest(
            f"actor {actor!r} must name who acts (1..{MAX_NAME} characters): pass the "
            "signed-in user's id"
        )
    return actor


def checked_reason(action: Action, reason: str | None, *, required: bool) -> str | None:
    """`reason` if it is text (non-blank when `required`), else `InvalidRequest`."""
    if reason is not None and not isinstance(reason, str):
        raise InvalidRequest(f"reason {reason!r} must be text")
    if required and (reason is None or not reason.strip()):
        raise ReasonRequired(action.value)
    return reason


def checked_time(at: dt.datetime | None) -> dt.datetime:
    """`at` in UTC (now when None); naive times are refused."""
    if at is None:
        return dt.datetime.now(dt.UTC)
    if at.tzinfo is None:
        raise InvalidRequest(f"at {at} must be timezone-aware (UTC)")
    return at.astimezone(dt.UTC)


def _state(row: OrderRow) -> dict[str, Any]:
    """The PO header as an audit event shows it (JSON-ready)."""
    return {
        "status": POStatus(row.status).value,
        "version": row.version,
        "value": str(row.value),
        "approved_by": list(row.approved_by or ()),
        "edited_by": list(row.edited_by or ()),
    }


def _lock_for_writing(session: Session) -> None:
    """On SQLite, take the write lock before reading (`BEGIN IMMEDIATE`). pysqlite otherwise
    reads outside any transaction, so lines loaded after the header could be newer than the
    version checked (a concurrent edit then read as "nothing to change", 422, not 409), and a
    read lock upgraded to a write lock can fail at once with "database is locked"."""
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite" and not getattr(raw, "in_transaction", True):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def run_transition(
    queue_or_engine: QueueOrEngine,
    *,
    action: Action,
    order_id: int,
    actor: str,
    expected_version: int,
    reason: str | None,
    idempotency_key: str | None,
    recorder: AuditRecorder,
    at: dt.datetime | None,
    apply: Apply,
    request: Mapping[str, Any] | None = None,
) -> Decision:
    """Run `apply` on the locked PO as `action` of `actor` (module docstring for the steps);
    `request` adds the call's own arguments to what an idempotency key must repeat."""
    actor = _checked_actor(actor)
    when = checked_time(at)
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise InvalidRequest(f"expected_version {expected_version!r} must be the version read")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_NAME:
        raise InvalidRequest(f"idempotency key must be 1..{MAX_NAME} characters")
    asked = {
        "action": action.value,
        "order_id": order_id,
        "expected_version": expected_version,
        "reason": reason,
        **(request or {}),
    }
    queue = as_queue(queue_or_engine)
    try:
        with queue.session() as session, session.begin():
            _lock_for_writing(session)
            row = session.get(OrderRow, order_id, with_for_update=True)
            if row is None:
                raise OrderNotFound(order_id, database=queue.url)
            earlier = replay(session, actor=actor, key=idempotency_key, request=asked)
            if earlier is not None:
                return earlier
            if row.version != expected_version:
                raise StaleVersion(
                    order_id,
                    expected=expected_version,
                    current=row.version,
                    status=POStatus(row.status).value,
                )
            check_transition(action, row.status, order_id=order_id)
            before = _state(row)
            change = apply(session, row)
            row.updated_at = when
            session.flush()  # UPDATE ... WHERE version = read version; bumps it
            decision = Decision(
                order_id=order_id,
                action=action,
                actor=actor,
                status=POStatus(row.status),
                version=row.version,
                value=Decimal(row.value),
                approved_by=tuple(row.approved_by or ()),
                approvals_required=change.approvals_required,
                line_id=change.line_id,
                quantity=change.quantity,
                reason=reason,
                decided_at=when,
            )
            session.add(decision_row(decision, key=idempotency_key, request=asked))
            try:
                session.flush()
            except IntegrityError as e:  # the same key, used at the same time for another PO
                raise IdempotencyConflict(
                    str(idempotency_key),
                    actor=actor,
                    first="another request made at the same time",
                    now=describe(asked),
                ) from e
            recorder.record(
                actor=actor,
                action=f"po.{action.value}",
                entity_type=ENTITY_TYPE,
                entity_id=str(order_id),
                before={**before, **change.before},
                after={**_state(row), **change.after},
                reason=reason,
                session=session,
            )
            return decision
    except StaleDataError as e:
        raise StaleVersion(order_id, expected=expected_version, current=None, status=None) from e
