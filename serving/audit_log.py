"""`AuditLog`: the audit log of one database, which records events, reads them and verifies them.

How events hash and chain is in `audit_chain`, the tables in `audit_tables`, how appenders are
serialised in `audit_lock` and how the chain is checked in `audit_verify`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from restock.engines import open_engine
from serving.audit_chain import GENESIS_HASH, _normalise, event_hash
from serving.audit_lock import _lock, _lock_head
from serving.audit_tables import _HEAD_ID, AuditEvent, _create_tables, _event, _EventRow, _HeadRow
from serving.audit_verify import VerifyReport, _walk

__all__ = ["AuditLog"]


class AuditLog:
    """The audit log of one database: `record` events, read them with `events`, `verify` them."""

    def __init__(self, database: str | Engine) -> None:
        self._engine = open_engine(database)
        self._ready = False

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def _own_transaction(self) -> Iterator[Connection]:
        """A transaction holding the append lock, tables created on first use."""
        with Session(self._engine) as session, session.begin():
            conn = session.connection()
            raw = conn.connection.dbapi_connection
            if conn.dialect.name == "sqlite" and not getattr(raw, "in_transaction", True):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            _lock(conn)
            if not self._ready:
                _create_tables(conn)
            yield conn
        self._ready = True

    def create_tables(self) -> None:
        """Create the tables now (idempotent); the app calls it at start-up."""
        if not self._ready:
            with self._own_transaction():
                pass

    def record(
        self,
        *,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str | int,
        before: Any,
        after: Any,
        reason: str = "",
        session: Session | None = None,
    ) -> AuditEvent:
        """Append one event and return it.

        With `session`, the event joins the caller's transaction: the state change and its
        event commit or roll back together (the caller commits). Without, it commits at once.
        """
        for name, value in (("actor", actor), ("action", action), ("entity_type", entity_type)):
            if not value.strip():
                raise ValueError(f"audit event needs a non-empty {name}")
        fields = {
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "before": _normalise(before),
            "after": _normalise(after),
            "reason": reason,
        }
        if session is not None:
            conn = session.connection()
            _lock(conn)
            if not self._ready:
                # In the caller's connection: a second connection would wait on its lock.
                _create_tables(conn)
            return self._append(conn, fields)
        with self._own_transaction() as own:
            return self._append(own, fields)

    def _append(self, conn: Connection, fields: dict[str, Any]) -> AuditEvent:
        last_id, last_hash = _lock_head(conn)
        # Stamped under the lock, so times never go backwards along the chain.
        fields = {**fields, "at": dt.datetime.now(dt.UTC)}
        digest = event_hash(prev_hash=last_hash, **fields)
        new_id = last_id + 1
        row = {"id": new_id, "prev_hash": last_hash, "hash": digest, **fields}
        conn.execute(sa.insert(_EventRow).values(**row))
        conn.execute(
            sa.update(_HeadRow)
            .where(_HeadRow.id == _HEAD_ID)
            .values(last_id=new_id, last_hash=digest)
        )
        return AuditEvent(**row)

    def events(
        self, entity_type: str | None = None, entity_id: str | int | None = None
    ) -> list[AuditEvent]:
        """Events oldest first, optionally of one entity type and/or one entity."""
        query = sa.select(_EventRow).order_by(_EventRow.id)
        if entity_type is not None:
            query = query.where(_EventRow.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(_EventRow.entity_id == str(entity_id))
        self.create_tables()
        with Session(self._engine) as session:
            return [_event(row) for row in session.scalars(query)]

    def verify(self) -> VerifyReport:
        """Walk the chain from the first event; report the first edited, missing or moved one.

        Takes no lock: it checks the events up to the head it read first, so appends racing
        with it are left for the next run instead of looking like tampering.
        """
        self.create_tables()
        with Session(self._engine) as session:
            head = session.get(_HeadRow, _HEAD_ID)
            if head is None:
                detail = "the audit_head row is missing: the end of the chain cannot be checked"
                return VerifyReport(False, 0, 0, GENESIS_HASH, None, "deleted", detail)
            rows = session.scalars(
                sa.select(_EventRow)
                .where(_EventRow.id <= head.last_id)
                .order_by(_EventRow.id)
                .execution_options(yield_per=1000)
            )
            return _walk(rows, head.last_id, head.last_hash)
