"""The audit log's storage: tables `audit_events` and `audit_head`, and the `AuditEvent` a row
reads back as.

Ids are 1, 2, 3, ... without gaps: the log assigns them itself under the append lock, so a
rolled-back append leaves no hole and a hole always means a deleted row. The single-row table
`audit_head` holds the last id and hash, which exposes a deleted tail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from serving.audit_chain import GENESIS_HASH, _as_utc

__all__ = ["AuditBase", "AuditEvent"]

_HEAD_ID = 1


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
