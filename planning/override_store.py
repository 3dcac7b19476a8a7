"""Storage of planner overrides: table `forecast_overrides` and the `Overrides` repository that
adds, gets, lists and revokes them.

Table `forecast_overrides` lives in the restock database, created on first use (migrations
later: include `OverrideBase.metadata`). Rows are never deleted: revoking stamps who and when.
The model's P50 on the covered periods is kept with the override when it is made, so accuracy
is judged against what the planner overrode, not against a later model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from planning.override_errors import InvalidOverride, OverrideConflict, UnknownOverride
from planning.override_record import Override, _instant, _problems, _utc
from restock.engines import open_engine

__all__ = ["OverrideBase", "Overrides"]


class OverrideBase(DeclarativeBase):
    """Metadata of `forecast_overrides`, for `create_all` now and migrations later."""


class _Row(OverrideBase):
    __tablename__ = "forecast_overrides"
    __table_args__ = (
        sa.Index("ix_forecast_overrides_series", "sku", "location"),
        sa.CheckConstraint("end_date >= start_date", name="ck_forecast_overrides_period"),
        sa.CheckConstraint("kind IN ('units', 'percent')", name="ck_forecast_overrides_kind"),
        sa.CheckConstraint("length(trim(rationale)) > 0", name="ck_forecast_overrides_why"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(sa.String(256))
    location: Mapped[str] = mapped_column(sa.String(256))
    start_date: Mapped[dt.date] = mapped_column(sa.Date)
    end_date: Mapped[dt.date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[float] = mapped_column(sa.Float)
    rationale: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.String(256))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(sa.String(256))
    revoke_reason: Mapped[str | None] = mapped_column(sa.Text)
    model_version: Mapped[int | None] = mapped_column(sa.Integer)
    baseline: Mapped[dict[str, float]] = mapped_column(sa.JSON)  # ISO date -> model P50


def _from_row(row: _Row) -> Override:
    return Override(
        sku=row.sku,
        location=row.location,
        start=row.start_date,
        end=row.end_date,
        kind=row.kind,  # type: ignore[arg-type]  # checked on add and by the table
        value=float(row.value),
        rationale=row.rationale,
        created_by=row.created_by,
        expires_at=_utc(row.expires_at),
        baseline=tuple(
            sorted((dt.date.fromisoformat(k), float(v)) for k, v in row.baseline.items())
        ),
        model_version=row.model_version,
        created_at=_utc(row.created_at),
        revoked_at=None if row.revoked_at is None else _utc(row.revoked_at),
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
        id=row.id,
    )


class Overrides:
    """The overrides of one database: `add`, `get`, `active`, `revoke`, `list`.

    Writes take an optional `session` so the caller can commit its audit event with them.
    """

    def __init__(self, database: str | Engine) -> None:
        self._engine = open_engine(database)
        self._ready = False

    def _ensure_table(self, session: Session | None = None) -> None:
        if not self._ready:
            # In the caller's connection when given: a second one would wait on its write lock.
            OverrideBase.metadata.create_all(
                self._engine if session is None else session.connection()
            )
            self._ready = True

    def session(self) -> Session:
        """A new session on the database, the table made on first use."""
        self._ensure_table()
        return Session(self._engine)

    def _write(self, session: Session | None, work: Callable[[Session], Override]) -> Override:
        if session is not None:
            self._ensure_table(session)
            return work(session)
        with self.session() as own, own.begin():
            return work(own)

    def add(
        self, override: Override, *, now: dt.datetime | None = None, session: Session | None = None
    ) -> Override:
        """Store a new override (validated) and return it with its id and `created_at`.

        Raises `InvalidOverride` for bad fields, `OverrideConflict` when an override of the same
        series in force at `now` covers any of its periods (revoke that one first).
        """
        at = _instant(now)
        problems = _problems(override, at)
        if problems:
            raise InvalidOverride("invalid override: " + "; ".join(problems))

        def work(s: Session) -> Override:
            clash = s.scalars(
                sa.select(_Row).where(
                    _Row.sku == override.sku,
                    _Row.location == override.location,
                    _Row.start_date <= override.end,
                    _Row.end_date >= override.start,
                )
            )
            for row in clash:
                found = _from_row(row)
                if found.in_force(at):
                    raise OverrideConflict(
                        f"override #{found.id} of {override.sku} at {override.location} already "
                        f"covers {found.start}..{found.end}; revoke it first, then add this one"
                    )
            row = _Row(
                sku=override.sku,
                location=override.location,
                start_date=override.start,
                end_date=override.end,
                kind=override.kind,
                value=float(override.value),
                rationale=override.rationale.strip(),
                created_by=override.created_by,
                created_at=at,
                expires_at=_utc(override.expires_at),
                model_version=override.model_version,
                baseline={d.isoformat(): float(v) for d, v in override.baseline},
            )
            s.add(row)
            s.flush()
            return _from_row(row)

        return self._write(session, work)

    def get(self, override_id: int) -> Override:
        """One override by id; `UnknownOverride` when there is none."""
        with self.session() as s:
            row = s.get(_Row, override_id)
            if row is None:
                raise UnknownOverride(f"no forecast override #{override_id}; list them first")
            return _from_row(row)

    def revoke(
        self,
        override_id: int,
        *,
        by: str,
        reason: str,
        now: dt.datetime | None = None,
        session: Session | None = None,
    ) -> Override:
        """Stop an override from applying (the row stays, for audit and accuracy)."""
        if not by.strip() or not reason.strip():
            raise InvalidOverride("revoking needs who (`by`) and why (`reason`)")
        at = _instant(now)

        def work(s: Session) -> Override:
            row = s.get(_Row, override_id, with_for_update=True)
            if row is None:
                raise UnknownOverride(f"no forecast override #{override_id}; list them first")
            if row.revoked_at is not None:
                raise OverrideConflict(
                    f"override #{override_id} was already revoked by {row.revoked_by} on "
                    f"{_utc(row.revoked_at):%Y-%m-%d %H:%M} UTC"
                )
            row.revoked_at, row.revoked_by, row.revoke_reason = at, by, reason.strip()
            s.flush()
            return _from_row(row)

        return self._write(session, work)

    def active(
        self,
        on: dt.datetime | dt.date | None = None,
        *,
        sku: str | None = None,
        location: str | None = None,
    ) -> list[Override]:
        """Overrides in force at `on` (default now; a date means its first instant, UTC),
        oldest first, optionally of one sku and/or location."""
        at = _instant(on)
        return [o for o in self.list(sku=sku, location=location) if o.in_force(at)]

    def list(self, *, sku: str | None = None, location: str | None = None) -> list[Override]:
        """Every override ever made (revoked and expired too), oldest first."""
        query = sa.select(_Row).order_by(_Row.id)
        if sku is not None:
            query = query.where(_Row.sku == sku)
        if location is not None:
            query = query.where(_Row.location == location)
        with self.session() as s:
            return [_from_row(row) for row in s.scalars(query)]
