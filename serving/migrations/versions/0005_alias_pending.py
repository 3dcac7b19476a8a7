"""Alias moves written but not yet confirmed in MLflow: table `alias_pending`
(training.alias_history), so a move cut short by a kill is completed and a hand-made change is
never undone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

`AliasHistory` creates its tables on first use, so a database at 0004 may already hold it: it
is then kept. Types frozen here, as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "alias_pending"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("move_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model_name", sa.String(length=256), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("move_id"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
