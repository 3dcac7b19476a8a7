"""Make the PO queue's schema ready on first use: migrate it, or create it as before migrations.

A database under Alembic (an `alembic_version` row: `restock db upgrade` or `restock serve` ran
on it) is brought to the newest revision by `serving.database.upgrade`, the one path that
changes its schema, so no column is ever added behind a revision's back (the revision adding it
would then fail). Already at the newest revision, that is one read.

Any other database (a new home, a repository-level test's engine) gets the queue's tables from
`create_all`, and a home created before issue 5 the columns added since, in place: additive
changes only (a nullable column, or one with a server default); anything else is refused with a
message saying so. `upgrade` adopts such a database later, with the same rule.
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


def _under_migrations(engine: Engine) -> bool:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return False
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).first() is not None


def ensure_schema(engine: Engine) -> None:
    """Migrate a database under Alembic to head; otherwise create missing tables, then add
    missing additive columns, each step in one transaction."""
    if _under_migrations(engine):
        # Imported here: the migrations know every package's tables, the queue needs them only
        # on a migrated database.
        from serving.database import upgrade

        upgrade(engine)
        return
    OrdersBase.metadata.create_all(engine)
    columns = missing_columns(engine)
    if not columns:
        return
    unsafe = [c for c in columns if not c.nullable and c.server_default is None]
    if unsafe:
        names = ", ".join(f"{c.table.name}.{c.name}" for c in unsafe)
        raise RuntimeError(
            f"{engine.url.render_as_string(hide_password=True)} lacks {names}, which cannot be "
            "added in place (NOT NULL, no default); migrate it with `restock db upgrade`"
        )
    with engine.begin() as conn:
        for column in columns:
            ddl = CreateColumn(column).compile(dialect=engine.dialect)
            conn.execute(sa.text(f'ALTER TABLE "{column.table.name}" ADD COLUMN {ddl}'))
