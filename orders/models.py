"""Tables of the PO queue: `po_plans`, `purchase_orders`, `po_lines`, `po_plan_reviews`,
`po_decisions`, `approval_policy_changes` (SQLAlchemy 2 declarative).

Created on first use by `orders.schema.ensure_schema`, which also adds the columns introduced
since (migrations come later: include `OrdersBase.metadata`). Money is `Numeric(18, 4)`
(PostgreSQL keeps it exact; SQLite stores a float, exact to 4 places below ~10^11). Times are
UTC, `DateTime(timezone=True)`. Flags and drivers are JSON, which both backends store natively
enough for read-back.

`purchase_orders.value`, `line_count` and `flagged` repeat facts of the lines so the queue lists
and filters without reading lines; the repository is their only writer and sets them in the
same transaction as the lines. `version` is the mapper's `version_id_col`: every ORM update of a
PO checks and bumps it (optimistic locking for the approval workflow).

`po_plan_reviews` holds every series a plan reviewed, ordered or not (a plan's lines cover only
the ordered ones); plans saved before it existed have no rows there.

`po_decisions` is the workflow's history (`orders.workflow`): one row per transition, with the
caller's idempotency key when given (unique per actor) and the outcome it returned, so a retried
call replays instead of acting twice. `purchase_orders.edited_by` / `approved_by` are JSON lists
of actors the workflow keeps for segregation of duties; NULL (rows from before) reads as empty.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from orders.domain import POStatus, ServiceKind, SourceKind

__all__ = [
    "MONEY",
    "DecisionRow",
    "LineRow",
    "OrderRow",
    "OrdersBase",
    "PlanRow",
    "PolicyChangeRow",
    "ReviewRow",
]

MONEY = sa.Numeric(18, 4)


def _enum(kind: type[Any]) -> sa.Enum:
    # VARCHAR without a CHECK constraint: adding a state later needs no migration of the column.
    return sa.Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class OrdersBase(DeclarativeBase):
    """Metadata of the PO queue tables, for `create_all` now and migrations later."""


class PlanRow(OrdersBase):
    __tablename__ = "po_plans"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    created_by: Mapped[str] = mapped_column(sa.String(256))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    auto_approve_below: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)


class OrderRow(OrdersBase):
    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("po_plans.id"), index=True)
    source_kind: Mapped[SourceKind] = mapped_column(_enum(SourceKind))
    source: Mapped[str] = mapped_column(sa.String(256), index=True)
    destination: Mapped[str] = mapped_column(sa.String(256))
    status: Mapped[POStatus] = mapped_column(_enum(POStatus), index=True)
    value: Mapped[Decimal] = mapped_column(MONEY)
    line_count: Mapped[int] = mapped_column(sa.Integer)
    flagged: Mapped[bool] = mapped_column(sa.Boolean)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    created_by: Mapped[str] = mapped_column(sa.String(256))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    superseded_by_plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("po_plans.id"), nullable=True
    )
    edited_by: Mapped[list[str] | None] = mapped_column(sa.JSON(none_as_null=True), nullable=True)
    approved_by: Mapped[list[str] | None] = mapped_column(sa.JSON(none_as_null=True), nullable=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), nullable=True
    )

    lines: Mapped[list[LineRow]] = relationship(order_by="LineRow.id")

    __mapper_args__ = {"version_id_col": version}


class LineRow(OrdersBase):
    __tablename__ = "po_lines"
    # One line per sku-location per plan: makes "the previous cycle's demand" unambiguous.
    __table_args__ = (sa.UniqueConstraint("plan_id", "sku", "location"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("purchase_orders.id"), index=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("po_plans.id"))
    sku: Mapped[str] = mapped_column(sa.String(256))
    location: Mapped[str] = mapped_column(sa.String(256))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    unit_cost: Mapped[Decimal] = mapped_column(MONEY)
    value: Mapped[Decimal] = mapped_column(MONEY)
    # Server defaults: lines stored before these columns existed read as 1 and 0.
    pack_size: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    moq: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    inventory_position: Mapped[float] = mapped_column(sa.Double)
    on_hand: Mapped[float] = mapped_column(sa.Double)
    on_order: Mapped[float] = mapped_column(sa.Double)
    backorders: Mapped[float] = mapped_column(sa.Double)
    expected_demand: Mapped[float] = mapped_column(sa.Double)
    safety_stock: Mapped[float] = mapped_column(sa.Double)
    reorder_point: Mapped[float] = mapped_column(sa.Double)
    order_up_to: Mapped[float] = mapped_column(sa.Double)
    lead_time_p50: Mapped[float] = mapped_column(sa.Double)
    lead_time_p90: Mapped[float] = mapped_column(sa.Double)
    review_period: Mapped[float] = mapped_column(sa.Double)
    service_target: Mapped[float] = mapped_column(sa.Double)
    service_kind: Mapped[ServiceKind] = mapped_column(_enum(ServiceKind))
    stockout_probability: Mapped[float] = mapped_column(sa.Double)
    segment: Mapped[str] = mapped_column(sa.String(64))
    forecast_model_version: Mapped[str] = mapped_column(sa.String(256))
    leadtime_model_version: Mapped[str | None] = mapped_column(sa.String(256), nullable=True)

    flags: Mapped[list[str]] = mapped_column(sa.JSON)
    drivers: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)  # [{feature, contribution}]
    # All three set or all three NULL (no supply constraint on this line).
    alloc_requested: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    alloc_allocated: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    alloc_tier: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)


class ReviewRow(OrdersBase):
    __tablename__ = "po_plan_reviews"
    __table_args__ = (sa.UniqueConstraint("plan_id", "sku", "location"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("po_plans.id"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(256))
    location: Mapped[str] = mapped_column(sa.String(256))
    expected_demand: Mapped[float] = mapped_column(sa.Double)
    inventory_position: Mapped[float] = mapped_column(sa.Double)
    order_quantity: Mapped[int] = mapped_column(sa.Integer)  # 0: reviewed, not ordered


class DecisionRow(OrdersBase):
    __tablename__ = "po_decisions"
    # NULL keys never collide (SQL NULLs are distinct), so unkeyed decisions need no key.
    __table_args__ = (sa.UniqueConstraint("actor", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("purchase_orders.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(sa.String(256))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(256), nullable=True)
    request: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # what was asked, to spot reuse
    outcome: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # what was answered, to replay
    reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    decided_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class PolicyChangeRow(OrdersBase):
    """Append-only history of the approval thresholds (`orders.policy_store`)."""

    __tablename__ = "approval_policy_changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    auto_approve_below: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    dual_approval_above: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    actor: Mapped[str] = mapped_column(sa.String(256))
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
