"""Test doubles and builders for the approval workflow.

`TableRecorder` is a real recorder, not a mock: it inserts the event with the session it is
given, so an event commits or rolls back with its transition, as `serving.audit.AuditLog` must.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from orders.domain import POStatus
from orders.repository import PurchaseOrderQueue
from orders.thresholds import ApprovalThresholds
from tests.orders.factories import four_order_plan

# four_order_plan: 60 and 41 (flagged, pending), 393.31 (auto), 2999.9997 (pending, two people).
THRESHOLDS = ApprovalThresholds(Decimal("500"), Decimal("1000"))
PLANNER = "planner-flow"  # four_order_plan's created_by: the creator of every PO
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)

AUDIT_METADATA = sa.MetaData()
AUDIT = sa.Table(
    "test_audit_events",
    AUDIT_METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("actor", sa.String(256)),
    sa.Column("action", sa.String(64)),
    sa.Column("entity_type", sa.String(64)),
    sa.Column("entity_id", sa.String(64)),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
    sa.Column("reason", sa.Text, nullable=True),
)


class AuditStoreDown(RuntimeError):
    """What a failing recorder raises after writing its row."""


class TableRecorder:
    """An `AuditRecorder` that writes `test_audit_events` rows in the caller's session; with
    `fail`, it writes then raises, so a test can see the row vanish with the transition."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail

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
        if session is None:
            raise AssertionError("the workflow must pass its session to the recorder")
        inserted = session.scalar(
            sa.insert(AUDIT)
            .returning(AUDIT.c.id)
            .values(
                actor=actor,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
                after=after,
                reason=reason,
            )
        )
        if self.fail:
            raise AuditStoreDown("audit store unavailable")
        return inserted  # the event's id, as AuditLog returns its event


def audit_rows(engine: sa.Engine) -> list[dict[str, Any]]:
    """Committed audit events, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(AUDIT).order_by(AUDIT.c.id)).mappings().all()
    return [dict(row) for row in rows]


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def force_status(engine: sa.Engine, order_id: int, status: POStatus) -> None:
    """Put a PO in a status no workflow call reaches from a fresh plan (e.g. `proposed`)."""
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE purchase_orders SET status = :s WHERE id = :i"),
            {"s": status.value, "i": order_id},
        )


@dataclass(frozen=True)
class World:
    """`four_order_plan` saved, POs by name (statuses and values in the factory's docstring)."""

    queue: PurchaseOrderQueue
    recorder: TableRecorder
    dc: int  # DC1 -> S1, 60.0000, flagged, pending
    acme1: int  # ACME -> DC1, 393.3100, auto_approved
    acme2: int  # ACME -> DC2, 41.0000, flagged, pending
    bolt: int  # BOLT -> DC1, 2999.9997, pending, needs two approvers

    @property
    def engine(self) -> sa.Engine:
        return self.queue.engine

    def version(self, order_id: int) -> int:
        return self.queue.get_order(order_id).version

    def common(self) -> dict[str, Any]:
        """The arguments every workflow call takes."""
        return {"queue_or_engine": self.queue, "recorder": self.recorder}


def four_order_world(queue: PurchaseOrderQueue, recorder: TableRecorder) -> World:
    dc, acme1, acme2, bolt = queue.save_plan(four_order_plan()).order_ids
    return World(queue, recorder, dc, acme1, acme2, bolt)
