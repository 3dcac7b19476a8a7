"""The audit log: every state change as an append-only, hash-chained event (DESIGN.md section 6).

Each event's `hash` is sha256 over the canonical JSON (sorted keys, no spaces, UTF-8) of
`{action, actor, after, at, before, entity_id, entity_type, prev_hash, reason}`, `at` as
ISO 8601 UTC with microseconds; `prev_hash` is the previous event's hash (64 zeros for the
first). Ids are 1, 2, 3, ... without gaps: the log assigns them itself under the append lock, so
a rolled-back append leaves no hole and a hole always means a deleted row. The single-row table
`audit_head` holds the last id and hash, which exposes a deleted tail.

What the chain proves: rows edited, deleted or reordered with plain SQL are found by `verify`.
What it cannot prove: someone with write access who recomputes every later hash and the head.
Record `VerifyReport.head_hash` somewhere else (a ticket, a release note) to anchor it.

Appends never fork the chain. On PostgreSQL the appender takes a transaction-level advisory
lock (`pg_advisory_xact_lock`) before reading the head, so appenders queue until the holder
commits or rolls back; callers must use READ COMMITTED (the default). On SQLite a no-op write
to `audit_head` first takes the database's single write lock (pysqlite only begins a
transaction at the first write, so a read first would race); an own transaction starts with
`BEGIN IMMEDIATE`. Either way a racing appender waits (SQLite: up to its busy timeout).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

__all__ = [
    "GENESIS_HASH",
    "AuditBase",
    "AuditEvent",
    "AuditLog",
    "Tampering",
    "VerifyReport",
    "event_hash",
]

GENESIS_HASH = "0" * 64
# One lock for the whole database (advisory locks are per database, not per schema).
_PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"restock.audit_events").digest()[:8], "big") >> 1
_HEAD_ID = 1

Tampering = Literal["edited", "deleted", "reordered"]


class AuditBase(DeclarativeBase):
    """Metadata of `audit_events` and `audit_head`, for `create_all` now and migrations later."""


class _EventRow(AuditBase):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.String(256))
    action: Mapped[str] = mapped_column(sa.String(64))
    entity_type: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str] = mapped_column(sa.String(256))
    before: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    after: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),)


class _HeadRow(AuditBase):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(sa.Integer)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


@dataclass(frozen=True)
class AuditEvent:
    """One recorded state change; `before` / `after` are JSON values (None: did not exist)."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: Any
    after: Any
    reason: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of `AuditLog.verify`: `checked` events were intact before the first bad one."""

    ok: bool
    checked: int
    head_id: int
    head_hash: str
    first_bad_id: int | None = None
    kind: Tampering | None = None
    detail: str = ""


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)  # exact: a float would round money
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(
        f"audit before/after values must be JSON-like; got {type(value).__name__}: "
        "convert it to a dict, list, str or number first"
    )


def _canonical(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _normalise(value: Any) -> Any:
    """The value exactly as it will read back from a JSON column, so stored == hashed."""
    try:
        # Not sorted here: keys only become strings (comparable) on this round trip.
        return json.loads(json.dumps(value, allow_nan=False, default=_json_default))
    except ValueError as exc:  # NaN / inf
        raise ValueError(f"audit before/after values must be finite numbers: {exc}") from None


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite drops the offset on the way back; every stored time is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def event_hash(
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any,
    after: Any,
    reason: str,
    prev_hash: str,
) -> str:
    """sha256 hex of the event's canonical JSON (see the module docstring for the exact form)."""
    fields = {
        "action": action,
        "actor": actor,
        "after": after,
        "at": _as_utc(at).isoformat(timespec="microseconds"),
        "before": before,
        "entity_id": entity_id,
        "entity_type": entity_type,
        "prev_hash": prev_hash,
        "reason": reason,
    }
    return hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()


def _row_hash(row: _EventRow) -> str:
    return event_hash(
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
        prev_hash=row.prev_hash,
    )


def _event(row: _EventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        at=_as_utc(row.at),
        actor=row.actor,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _create_tables(conn: Connection) -> None:
    AuditBase.metadata.create_all(conn)
    # A head only for a new log: re-creating a deleted head would hide the deletion.
    if (
        conn.execute(sa.select(_HeadRow.id)).first() is None
        and conn.execute(sa.select(_EventRow.id).limit(1)).first() is None
    ):
        conn.execute(sa.insert(_HeadRow).values(id=_HEAD_ID, last_id=0, last_hash=GENESIS_HASH))


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


class AuditLog:
    """The audit log of one database: `record` events, read them with `events`, `verify` them."""

    def __init__(self, database: str | Engine) -> None:
        if isinstance(database, Engine):
            self._engine = database
        else:
            url = make_url(database)
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            self._engine = sa.create_engine(url)
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


def _walk(rows: Iterable[_EventRow], head_id: int, head_hash: str) -> VerifyReport:
    def bad(event_id: int | None, kind: Tampering, detail: str) -> VerifyReport:
        return VerifyReport(False, checked, head_id, head_hash, event_id, kind, detail)

    checked, prev_hash = 0, GENESIS_HASH
    for row in rows:
        expected_id = checked + 1
        if row.id != expected_id:
            return bad(
                expected_id,
                "deleted",
                f"event {expected_id} is missing (ids jump from {checked} to {row.id}): "
                "a row was deleted",
            )
        if _row_hash(row) != row.hash:
            return bad(
                row.id,
                "edited",
                f"event {row.id} does not match its hash: a field was changed after it was "
                "recorded",
            )
        if row.prev_hash != prev_hash:
            return bad(
                row.id,
                "reordered",
                f"event {row.id} does not follow event {checked} (its prev_hash is not that "
                "event's hash): rows were reordered, or one was rewritten with a new hash",
            )
        checked, prev_hash = row.id, row.hash
    if checked < head_id:
        return bad(
            checked + 1,
            "deleted",
            f"the chain head records {head_id} events but only {checked} remain: "
            f"events {checked + 1}..{head_id} were deleted",
        )
    if head_hash != prev_hash:
        return bad(
            checked or None,
            "edited",
            f"event {checked} is not the event the chain head recorded: it was rewritten",
        )
    return VerifyReport(True, checked, head_id, head_hash)
