"""Create the PO queue's tables, and add the columns introduced since a database was created.

`create_all` makes missing tables but never changes an existing one, so a restock home created
before issue 5 would lack `po_lines.pack_size` and the workflow columns. Additive changes only
(a nullable column, or one with a server default) are applied here, on first use; anything else
is a real migration and is refused with a message saying so (serving's Alembic migrations
include `OrdersBase.metadata` and replace this in production).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn

from orders.models import OrdersBase

__all__ = ["ensure_schema", "missing_columns"]


def missing_columns(engine: Engine) -> list[sa.Column[object]]:
    """Columns of the PO queue's existing tables that the database does not have yet."""
    inspector = sa.inspect(engine)
    existing = set(inspector.get_table_names())
    missing = []
    for table in OrdersBase.metadata.sorted_tables:
        if table.name not in existing:
            continue  # create_all makes it whole
        have = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [column for column in table.columns if column.name not in have]
    return missing


def ensure_schema(engine: Engine) -> None:
    """Create missing tables, then add missing additive columns; each step in one transaction."""
    OrdersBase.metadata.create_all(engine)
    columns = missing_columns(engine)
    if not columns:
        return
    unsafe = [c for c in columns if not c.nullable and c.server_default is None]
    if unsafe:
        names = ", ".join(f"{c.table.name}.{c.name}" for c in unsafe)
        raise RuntimeError(
            f"{engine.url.render_as_string(hide_password=True)} lacks {names}, which cannot be "
            "added in place (NOT NULL, no default); migrate it with Alembic"
        )
    with engine.begin() as conn:
        for column in columns:
            ddl = CreateColumn(column).compile(dialect=engine.dialect)
            conn.execute(sa.text(f'ALTER TABLE "{column.table.name}" ADD COLUMN {ddl}'))
