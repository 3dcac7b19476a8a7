"""Forecast log: table `forecast_log` (monitoring.forecast_log), the forecasts plans used.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

`monitoring.forecast_log.ForecastLog` creates its table on first use, so a database at 0003 may
already hold it, made by `create_all` from the same model: it is then kept with its rows.
Types frozen here, as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "forecast_log"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("model_name", sa.String(length=256), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("origin", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=256), nullable=False),
        sa.Column("location", sa.String(length=256), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=True),
        sa.Column("routed_to", sa.String(length=64), nullable=True),
        sa.Column("p10", sa.Double(), nullable=True),
        sa.Column("p50", sa.Double(), nullable=False),
        sa.Column("p90", sa.Double(), nullable=True),
        sa.Column("p95", sa.Double(), nullable=True),
        sa.Column("p98", sa.Double(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model_name", "model_version", "origin", "sku", "location", "step"),
    )
    op.create_index("ix_forecast_log_model_date", TABLE, ["model_name", "date"])
    op.create_index("ix_forecast_log_origin", TABLE, ["model_name", "origin"])


def downgrade() -> None:
    op.drop_index("ix_forecast_log_origin", table_name=TABLE)
    op.drop_index("ix_forecast_log_model_date", table_name=TABLE)
    op.drop_table(TABLE)
