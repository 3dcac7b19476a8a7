"""Serialising audit appenders, so that appends never fork the chain.

On PostgreSQL the appender takes a transaction-level advisory lock (`pg_advisory_xact_lock`)
before reading the head, so appenders queue until the holder commits or rolls back; callers
must use READ COMMITTED (the default). On SQLite a no-op write to `audit_head` first takes the
database's single write lock (pysqlite only begins a transaction at the first write, so a read
first would race); an own transaction starts with `BEGIN IMMEDIATE`. Either way a racing
appender waits (SQLite: up to its busy timeout).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serving.audit_tables import _HEAD_ID, _HeadRow

__all__: list[str] = []

# One lock for the whole database (advisory locks are per database, not per schema).
_PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"restock.audit_events").digest()[:8], "big") >> 1


def _lock(conn: Connection) -> None:
    """Serialise appenders before the head is read (see the module docstring)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))


def _lock_head(conn: Connection) -> tuple[int, str]:
    if conn.dialect.name == "sqlite":
        touch = sa.update(_HeadRow).where(_HeadRow.id == _HEAD_ID)
        conn.execute(touch.values(last_id=_HeadRow.last_id))
    query = sa.select(_HeadRow.last_id, _HeadRow.last_hash).where(_HeadRow.id == _HEAD_ID)
    if conn.dialect.name not in ("postgresql", "sqlite"):
        query = query.with_for_update()
    head = conn.execute(query).one_or_none()
    if head is None:
        raise RuntimeError(
            "the audit_head row is missing, so the log was tampered with; nothing can be "
            "appended until an admin investigates (run `restock audit verify`)"
        )
    return head.last_id, head.last_hash
