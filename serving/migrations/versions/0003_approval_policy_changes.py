"""Approval thresholds changed at run time: table `approval_policy_changes` (orders.policy_store).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

The PO queue creates its tables on first use (`orders.schema`), so a database may already hold
this one, made by `create_all` from the same model: it is then kept with its rows. Types frozen
here, as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "approval_policy_changes"
MONEY = sa.Numeric(precision=18, scale=4)


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("auto_approve_below", MONEY, nullable=True),
        sa.Column("dual_approval_above", MONEY, nullable=True),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
