"""Planner forecast overrides: table `forecast_overrides` (planning.overrides).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

`planning.overrides.Overrides` shipped creating its table on first use, so a database migrated
to 0001 may already hold it, made by `create_all` from the same model: the table is then kept
with its rows (a second CREATE would fail). Check constraints are named as the model names
them, so both ways of making the table agree. Types frozen here, as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "forecast_overrides"
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(length=256), nullable=False),
        sa.Column("location", sa.String(length=256), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.Column("revoked_by", sa.String(length=256), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("baseline", sa.JSON(), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name="ck_forecast_overrides_period"),
        sa.CheckConstraint("kind IN ('units', 'percent')", name="ck_forecast_overrides_kind"),
        sa.CheckConstraint("length(trim(rationale)) > 0", name="ck_forecast_overrides_why"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_forecast_overrides_series", TABLE, ["sku", "location"])


def downgrade() -> None:
    op.drop_table(TABLE)  # its index goes with it
