"""Alembic environment of the restock database.

Run through `serving.database` (`restock db upgrade`), which passes an open connection in a
transaction it commits; there is no `alembic.ini` and no offline (SQL script) mode.
"""

from __future__ import annotations

from alembic import context

from serving.database import target_metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "restock migrations run on a live connection: use `restock db upgrade` or "
        "serving.database.upgrade(url), not the alembic command line"
    )

context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    # Future revisions autogenerate as batch operations, which SQLite needs to alter tables.
    render_as_batch=True,
    compare_type=True,
    compare_server_default=True,
)
with context.begin_transaction():
    context.run_migrations()
