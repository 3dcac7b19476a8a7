"""Initial schema: every table the repositories created on first use before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Hand-reviewed from autogenerate, one block per owning module. Constraints stay unnamed as the
models declare them, so a database made here and one made by `create_all` get the same names
(PostgreSQL: `<table>_pkey`, `<table>_<cols>_key`, `<table>_<col>_fkey`) and `upgrade` can adopt
the latter by stamping. Types are frozen here, not imported: a migration must keep building the
same schema when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=18, scale=4)
UTC_TIME = sa.DateTime(timezone=True)
# orders.models._enum: a non-native Enum is VARCHAR(32) without a CHECK, so new states need no
# migration; the allowed values live in the code, not here.
ENUM_TEXT = sa.String(length=32)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def upgrade() -> None:
    # training.alias_history
    op.create_table(
        "alias_history",
        _id(),
        sa.Column("model_name", sa.String(length=256), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alias_history_model_name", "alias_history", ["model_name"])

    # monitoring.alerts
    op.create_table(
        "alerts",
        _id(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("model_name", sa.String(length=256), nullable=True),
        sa.Column("segment", sa.String(length=64), nullable=True),
        sa.Column("sku", sa.String(length=256), nullable=True),
        sa.Column("location", sa.String(length=256), nullable=True),
        sa.Column("raised_at", UTC_TIME, nullable=False),
        sa.Column("resolved_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alerts_kind", "alerts", ["kind"])
    op.create_index("ix_alerts_resolved_at", "alerts", ["resolved_at"])

    # orders.models
    op.create_table(
        "po_plans",
        _id(),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("auto_approve_below", MONEY, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_po_plans_review_date", "po_plans", ["review_date"])
    op.create_table(
        "purchase_orders",
        _id(),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("source_kind", ENUM_TEXT, nullable=False),
        sa.Column("source", sa.String(length=256), nullable=False),
        sa.Column("destination", sa.String(length=256), nullable=False),
        sa.Column("status", ENUM_TEXT, nullable=False),
        sa.Column("value", MONEY, nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("superseded_by_plan_id", sa.Integer(), nullable=True),
        sa.Column("edited_by", sa.JSON(), nullable=True),
        sa.Column("approved_by", sa.JSON(), nullable=True),
        sa.Column("released_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["po_plans.id"]),
        sa.ForeignKeyConstraint(["superseded_by_plan_id"], ["po_plans.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_purchase_orders_plan_id", "purchase_orders", ["plan_id"])
    op.create_index("ix_purchase_orders_source", "purchase_orders", ["source"])
    op.create_index("ix_purchase_orders_status", "purchase_orders", ["status"])
    op.create_table(
        "po_lines",
        _id(),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=256), nullable=False),
        sa.Column("location", sa.String(length=256), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_cost", MONEY, nullable=False),
        sa.Column("value", MONEY, nullable=False),
        sa.Column("pack_size", sa.Integer(), server_default="1", nullable=False),
        sa.Column("moq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inventory_position", sa.Double(), nullable=False),
        sa.Column("on_hand", sa.Double(), nullable=False),
        sa.Column("on_order", sa.Double(), nullable=False),
        sa.Column("backorders", sa.Double(), nullable=False),
        sa.Column("expected_demand", sa.Double(), nullable=False),
        sa.Column("safety_stock", sa.Double(), nullable=False),
        sa.Column("reorder_point", sa.Double(), nullable=False),
        sa.Column("order_up_to", sa.Double(), nullable=False),
        sa.Column("lead_time_p50", sa.Double(), nullable=False),
        sa.Column("lead_time_p90", sa.Double(), nullable=False),
        sa.Column("review_period", sa.Double(), nullable=False),
        sa.Column("service_target", sa.Double(), nullable=False),
        sa.Column("service_kind", ENUM_TEXT, nullable=False),
        sa.Column("stockout_probability", sa.Double(), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column("forecast_model_version", sa.String(length=256), nullable=False),
        sa.Column("leadtime_model_version", sa.String(length=256), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("drivers", sa.JSON(), nullable=False),
        sa.Column("alloc_requested", sa.Integer(), nullable=True),
        sa.Column("alloc_allocated", sa.Integer(), nullable=True),
        sa.Column("alloc_tier", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["purchase_orders.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["po_plans.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "sku", "location"),
    )
    op.create_index("ix_po_lines_order_id", "po_lines", ["order_id"])
    op.create_table(
        "po_plan_reviews",
        _id(),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=256), nullable=False),
        sa.Column("location", sa.String(length=256), nullable=False),
        sa.Column("expected_demand", sa.Double(), nullable=False),
        sa.Column("inventory_position", sa.Double(), nullable=False),
        sa.Column("order_quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["po_plans.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "sku", "location"),
    )
    op.create_index("ix_po_plan_reviews_plan_id", "po_plan_reviews", ["plan_id"])
    op.create_table(
        "po_decisions",
        _id(),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("idempotency_key", sa.String(length=256), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["purchase_orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor", "idempotency_key"),
    )
    op.create_index("ix_po_decisions_order_id", "po_decisions", ["order_id"])

    # serving.users
    op.create_table(
        "users",
        _id(),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=True),
        sa.Column("roles", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "api_tokens",
        _id(),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("last_used_at", UTC_TIME, nullable=True),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["username"], ["users.username"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_username", "api_tokens", ["username"])

    # serving.audit: ids are assigned by the log itself (no sequence), so a gap means a deletion.
    # The audit_head row is written by AuditLog when it finds an empty log, as after create_all,
    # so both ways of making the database hold the same rows.
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=256), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index("ix_audit_events_entity", "audit_events", ["entity_type", "entity_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    # Children before parents; a table's indexes go with it.
    for table in (
        "audit_head",
        "audit_events",
        "api_tokens",
        "users",
        "po_decisions",
        "po_plan_reviews",
        "po_lines",
        "purchase_orders",
        "po_plans",
        "alerts",
        "alias_history",
    ):
        op.drop_table(table)
