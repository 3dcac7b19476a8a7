"""Alerts raised by monitoring (drift, accuracy decay, service level, decisions): a table in the
restock database.

Planning reads the active ones to flag purchase-order lines whose forecast is under a drift
alert; the UI and on-call read them too. An alert is scoped to a model and optionally to a
segment, sku or location (None = all of them). Alerts are never deleted: resolving one stamps
`resolved_at`. An alert raised with `resolved_at` already set is a record that needs no action
(e.g. the monitor's "no action" decision): kept for the history, never active.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from restock.engines import open_engine

__all__ = ["Alert", "AlertBase", "AlertKind", "Alerts", "Severity"]

AlertKind = Literal[
    "data_drift",
    "prediction_drift",
    "accuracy_decay",
    "service_level",
    "rollback",
    "retrain",
    "no_action",
]
Severity = Literal["info", "warning", "critical"]
KINDS: tuple[str, ...] = get_args(AlertKind)
SEVERITIES: tuple[str, ...] = get_args(Severity)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(frozen=True)
class Alert:
    """One alert; scope fields None mean 'all'."""

    kind: AlertKind
    severity: Severity
    message: str
    model_name: str | None = None
    segment: str | None = None
    sku: str | None = None
    location: str | None = None
    raised_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    id: int | None = None

    def covers(self, *, sku: str, location: str, segment: str | None) -> bool:
        """Whether this alert concerns the series (sku, location) of `segment`."""
        return (
            (self.sku is None or self.sku == sku)
            and (self.location is None or self.location == location)
            and (self.segment is None or self.segment == segment)
        )


class AlertBase(DeclarativeBase):
    """Metadata of the alerts table."""


class _Row(AlertBase):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    severity: Mapped[str] = mapped_column(sa.String(16))
    message: Mapped[str] = mapped_column(sa.Text)
    model_name: Mapped[str | None] = mapped_column(sa.String(256), nullable=True)
    segment: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    sku: Mapped[str | None] = mapped_column(sa.String(256), nullable=True)
    location: Mapped[str | None] = mapped_column(sa.String(256), nullable=True)
    raised_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), nullable=True, index=True
    )


def _to_alert(row: _Row) -> Alert:
    return Alert(
        kind=row.kind,  # type: ignore[arg-type]  # validated on raise
        severity=row.severity,  # type: ignore[arg-type]
        message=row.message,
        model_name=row.model_name,
        segment=row.segment,
        sku=row.sku,
        location=row.location,
        raised_at=_as_utc(row.raised_at),
        resolved_at=_as_utc(row.resolved_at),
        id=row.id,
    )


class Alerts:
    """The alerts of one database: `raise_alert`, `active`, `resolve`."""

    def __init__(self, database: str | Engine) -> None:
        self._engine = open_engine(database)
        self._ready = False

    def _ensure_table(self) -> None:
        if not self._ready:
            AlertBase.metadata.create_all(self._engine)
            self._ready = True

    def raise_alert(self, alert: Alert) -> Alert:
        """Store `alert` (raised now unless it says when) and return it with its id; one given
        `resolved_at` is stored resolved (not before it was raised)."""
        if alert.kind not in KINDS:
            raise ValueError(f"alert kind {alert.kind!r} is not one of {list(KINDS)}")
        if alert.severity not in SEVERITIES:
            raise ValueError(f"severity {alert.severity!r} is not one of {list(SEVERITIES)}")
        if not alert.message.strip():
            raise ValueError("an alert needs a message saying what happened and what to do")
        self._ensure_table()
        row = _Row(
            kind=alert.kind,
            severity=alert.severity,
            message=alert.message,
            model_name=alert.model_name,
            segment=alert.segment,
            sku=alert.sku,
            location=alert.location,
            raised_at=_as_utc(alert.raised_at) or _utcnow(),
        )
        if alert.resolved_at is not None:
            row.resolved_at = max(_as_utc(alert.resolved_at) or row.raised_at, row.raised_at)
        with Session(self._engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _to_alert(row)

    def active(self, *, kinds: tuple[str, ...] | None = None) -> list[Alert]:
        """Unresolved alerts, oldest first, optionally of some kinds only."""
        self._ensure_table()
        query = sa.select(_Row).where(_Row.resolved_at.is_(None)).order_by(_Row.id)
        if kinds is not None:
            query = query.where(_Row.kind.in_(kinds))
        with Session(self._engine) as session:
            return [_to_alert(row) for row in session.scalars(query)]

    def recent(self, *, limit: int = 100, kinds: tuple[str, ...] | None = None) -> list[Alert]:
        """The latest alerts, resolved or not, newest first (the UI's history)."""
        if limit < 1:
            raise ValueError(f"limit must be >= 1; got {limit}")
        self._ensure_table()
        query = sa.select(_Row).order_by(_Row.id.desc()).limit(limit)
        if kinds is not None:
            query = query.where(_Row.kind.in_(kinds))
        with Session(self._engine) as session:
            return [_to_alert(row) for row in session.scalars(query)]

    def find_active(self, like: Alert) -> Alert | None:
        """The oldest unresolved alert of the same kind, model and scope as `like`, if any."""
        self._ensure_table()
        query = sa.select(_Row).where(_Row.resolved_at.is_(None), _Row.kind == like.kind)
        for column, value in (
            (_Row.model_name, like.model_name),
            (_Row.segment, like.segment),
            (_Row.sku, like.sku),
            (_Row.location, like.location),
        ):
            query = query.where(column.is_(None) if value is None else column == value)
        with Session(self._engine) as session:
            row = session.scalars(query.order_by(_Row.id).limit(1)).first()
            return None if row is None else _to_alert(row)

    def resolve(self, alert_id: int, *, at: dt.datetime | None = None) -> Alert:
        """Mark an alert resolved; resolving twice keeps the first time."""
        self._ensure_table()
        with Session(self._engine) as session, session.begin():
            row = session.get(_Row, alert_id)
            if row is None:
                raise LookupError(f"no alert with id {alert_id}; `Alerts.active()` lists open ones")
            if row.resolved_at is None:
                row.resolved_at = _as_utc(at) or _utcnow()
            session.flush()
            return _to_alert(row)
