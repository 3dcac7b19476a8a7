"""Planner overrides of the demand forecast: stored with a rationale and an expiry, applied in
planning, shown beside the model, and scored against actuals afterwards (was the override right?).

An override covers one sku-location over the forecast periods dated `start`..`end` (inclusive,
the periods' own dates on the data's grid). `units` sets the per-period P50 to `value` and
shifts the whole band with it (shape kept, clipped at 0); `percent` scales every quantile by
`1 + value / 100`. Where overrides overlap the later one in the sequence wins (`active` returns
oldest first), and each applies to the model's band, never to another override's.

Table `forecast_overrides` lives in the restock database, created on first use (migrations
later: include `OverrideBase.metadata`). Rows are never deleted: revoking stamps who and when.
The model's P50 on the covered periods is kept with the override when it is made, so accuracy
is judged against what the planner overrode, not against a later model.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args, overload

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from features.dataset import Frequency
from planning.forecasts import SeriesForecasts
from training.demand_frame import step_dates
from training.quantiles import QUANTILE_COLUMNS, QUANTILES

__all__ = [
    "ACCURACY_COLUMNS",
    "InvalidOverride",
    "Kind",
    "Override",
    "OverrideBase",
    "OverrideConflict",
    "OverrideError",
    "Overrides",
    "UnknownOverride",
    "apply_overrides",
    "baseline_frame",
    "horizon_dates",
    "override_accuracy",
]

Kind = Literal["units", "percent"]
KINDS: tuple[str, ...] = get_args(Kind)
_KEYS = ["sku", "location"]
ACCURACY_COLUMNS = [
    "override_id", "sku", "location", "kind", "value", "created_by", "revoked",
    "periods", "pending", "mae_model", "mae_override", "improvement", "override_better",
]  # fmt: skip


class OverrideError(Exception):
    """An override request cannot be done; the message says why and what to do."""


class InvalidOverride(OverrideError, ValueError):
    """Fields out of range (the API answers 422)."""


class UnknownOverride(OverrideError, LookupError):
    """No override with that id (404)."""


class OverrideConflict(OverrideError):
    """Overlaps an override in force, or is already revoked (409)."""


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite drops the offset on the way back; every stored time is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _instant(on: dt.datetime | dt.date | None) -> dt.datetime:
    if on is None:
        return dt.datetime.now(dt.UTC)
    if isinstance(on, dt.datetime):
        return _utc(on)
    return dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Override:
    """One planner override; `id` and `created_at` are set when stored."""

    sku: str
    location: str
    start: dt.date
    end: dt.date
    kind: Kind
    value: float
    rationale: str
    created_by: str
    expires_at: dt.datetime
    baseline: tuple[tuple[dt.date, float], ...] = ()  # the model's P50 per covered period
    model_version: int | None = None
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    id: int | None = None

    def in_force(self, at: dt.datetime | dt.date | None = None) -> bool:
        """Not expired and not revoked at `at` (a date means its first instant, UTC)."""
        return self.status(at) == "active"

    def status(self, at: dt.datetime | dt.date | None = None) -> str:
        """`active`, `expired` or `revoked` at `at` (default now)."""
        when = _instant(at)
        if self.revoked_at is not None and self.revoked_at <= when:
            return "revoked"
        return "active" if when < self.expires_at else "expired"

    def covers(self, dates: np.ndarray) -> np.ndarray:
        """Mask of `dates` (datetime64) inside start..end."""
        days = np.asarray(dates).astype("datetime64[D]")
        return (days >= np.datetime64(self.start, "D")) & (days <= np.datetime64(self.end, "D"))

    def adjust(self, band: np.ndarray, p50: int) -> np.ndarray:
        """The overridden band (... x quantiles) of the model's `band`; column `p50` is P50."""
        if self.kind == "percent":
            return band * (1.0 + self.value / 100.0)
        return np.maximum(band + (self.value - band[..., p50 : p50 + 1]), 0.0)

    def note(self) -> str:
        """One line for a plan's explanation."""
        change = f"{self.value:+g}%" if self.kind == "percent" else f"{self.value:g} units/period"
        return (
            f"planner override #{self.id}: {change} on {self.start}..{self.end} "
            f"({self.created_by}: {self.rationale})"
        )


def _problems(o: Override, now: dt.datetime) -> list[str]:
    problems = []
    if not o.sku.strip() or not o.location.strip():
        problems.append("sku and location must not be empty")
    if o.end < o.start:
        problems.append(f"end {o.end} is before start {o.start}; give end >= start")
    if o.kind not in KINDS:
        problems.append(f"kind {o.kind!r} is not one of {list(KINDS)}")
    if not math.isfinite(o.value):
        problems.append("value must be a finite number")
    elif o.kind == "percent" and o.value <= -100:
        problems.append(f"a percent change must be above -100 (got {o.value:g}); -100 is no demand")
    elif o.kind == "units" and o.value < 0:
        problems.append(f"units per period cannot be negative (got {o.value:g})")
    if not o.rationale.strip():
        problems.append("rationale is required: say why the model is wrong here")
    if not o.created_by.strip():
        problems.append("created_by must name the planner")
    if o.expires_at.tzinfo is None:
        problems.append("expires_at must be timezone-aware (UTC)")
    elif o.expires_at <= now:
        problems.append(f"expires_at {o.expires_at.isoformat()} is not after now ({now:%Y-%m-%d})")
    return problems


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
        if isinstance(database, Engine):
            self._engine = database
        else:
            url = make_url(database)
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            self._engine = sa.create_engine(url)
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


# -- pure maths --------------------------------------------------------------------------------


def horizon_dates(
    review_date: dt.date | pd.Timestamp, frequency: Frequency, horizon: int
) -> tuple[dt.date, ...]:
    """Dates of forecast steps 1..horizon after `review_date`, on the data's grid."""
    last = pd.Series(pd.to_datetime([review_date] * horizon))
    out = step_dates(last, np.arange(1, horizon + 1), Frequency(frequency))
    return tuple(pd.Timestamp(d).date() for d in out)


def _p50_index(levels: Sequence[float]) -> int:
    if 0.5 not in levels:
        raise ValueError(f"quantile levels {list(levels)} lack 0.5; an override sets or scales P50")
    return list(levels).index(0.5)


@overload
def apply_overrides(
    forecast: SeriesForecasts, overrides: Iterable[Override], dates: Sequence[dt.date]
) -> SeriesForecasts: ...
@overload
def apply_overrides(
    forecast: pd.DataFrame, overrides: Iterable[Override], dates: None = None
) -> pd.DataFrame: ...
def apply_overrides(
    forecast: SeriesForecasts | pd.DataFrame,
    overrides: Iterable[Override],
    dates: Sequence[dt.date] | None = None,
) -> SeriesForecasts | pd.DataFrame:
    """The forecast with every quantile of the covered periods overridden.

    - `SeriesForecasts` (the plan's cube) with `dates` of its horizon steps: a new one whose
      `drivers` start with each applied override's note, so the line explanation says so.
    - A long frame (sku, location, date, p10..p98): a copy plus `override_id` (nullable).
    """
    chosen = list(overrides)
    if isinstance(forecast, pd.DataFrame):
        return _apply_frame(forecast, chosen)
    if dates is None or len(dates) != forecast.quantiles.shape[1]:
        raise ValueError(
            f"give one date per horizon step ({forecast.quantiles.shape[1]}); see horizon_dates"
        )
    p50 = _p50_index(forecast.levels)
    days = np.array(dates, dtype="datetime64[D]")
    index = forecast.index()
    cube = forecast.quantiles.copy()
    drivers = dict(forecast.drivers)
    for o in chosen:
        row = index.get((o.sku, o.location))
        mask = o.covers(days)
        if row is None or not mask.any():
            continue
        cube[row, mask] = o.adjust(forecast.quantiles[row, mask], p50)
        key = (o.sku, o.location)
        drivers[key] = [{"feature": o.note(), "contribution": 0.0}, *drivers.get(key, [])]
    return dataclasses.replace(forecast, quantiles=cube, drivers=drivers)


def _apply_frame(frame: pd.DataFrame, overrides: list[Override]) -> pd.DataFrame:
    missing = [c for c in (*_KEYS, "date", "p50") if c not in frame.columns]
    if missing:
        raise ValueError(f"forecast frame lacks column(s) {missing}; give sku, location, date, p50")
    present = [(c, q) for c, q in zip(QUANTILE_COLUMNS, QUANTILES, strict=True) if c in frame]
    columns = [c for c, _ in present]
    p50 = _p50_index([q for _, q in present])
    model = frame[columns].to_numpy(dtype=np.float64)
    values = model.copy()
    ids = pd.array([pd.NA] * len(frame), dtype="Int64")
    sku, location = frame["sku"].astype(str).to_numpy(), frame["location"].astype(str).to_numpy()
    days = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]")
    for o in overrides:
        rows = (sku == o.sku) & (location == o.location) & o.covers(days)
        if rows.any():
            values[rows] = o.adjust(model[rows], p50)
            ids[rows] = o.id
    out = frame.copy()
    out[columns] = values
    out["override_id"] = ids
    return out


def baseline_frame(overrides: Iterable[Override]) -> pd.DataFrame:
    """The model P50 each override was made against: override_id, sku, location, date, p50."""
    rows = [
        (o.id, o.sku, o.location, pd.Timestamp(d), p50) for o in overrides for d, p50 in o.baseline
    ]
    frame = pd.DataFrame(rows, columns=["override_id", *_KEYS, "date", "p50"])
    return frame.astype({"date": "datetime64[ns]", "p50": "float64"})


def override_accuracy(
    overrides: Iterable[Override],
    model_forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    actual: str = "demand",
) -> pd.DataFrame:
    """Per override, MAE of its P50 and of the model's P50 on the covered periods with actuals.

    `model_forecasts`: sku, location, date, p50 (and `override_id` to give each override its
    own baseline, as `baseline_frame` does); `actuals`: sku, location, date, `actual`.
    `improvement` = model MAE - override MAE (> 0: the override was right); `pending` counts
    covered periods without an actual yet. Overrides without a model P50 on their periods are
    left out (nothing to compare with).
    """
    model = model_forecasts.assign(
        sku=model_forecasts["sku"].astype(str),
        location=model_forecasts["location"].astype(str),
        date=pd.to_datetime(model_forecasts["date"]),
    )
    truth = actuals.assign(
        sku=actuals["sku"].astype(str),
        location=actuals["location"].astype(str),
        date=pd.to_datetime(actuals["date"]),
    )[[*_KEYS, "date", actual]].rename(columns={actual: "_actual"})
    by_id = "override_id" in model.columns
    out = []
    for o in overrides:
        own = model["override_id"] == o.id if by_id else True
        mine = model[own & (model["sku"] == o.sku) & (model["location"] == o.location)]
        mine = mine[o.covers(mine["date"].to_numpy())]
        if mine.empty:
            continue
        both = mine.merge(truth, on=[*_KEYS, "date"], how="left")
        seen = both[both["_actual"].notna()]
        p50 = seen["p50"].to_numpy(dtype=np.float64)
        real = seen["_actual"].to_numpy(dtype=np.float64)
        mine_p50 = p50 * (1 + o.value / 100) if o.kind == "percent" else np.full_like(p50, o.value)
        mae_model = float(np.abs(p50 - real).mean()) if len(seen) else math.nan
        mae_override = float(np.abs(mine_p50 - real).mean()) if len(seen) else math.nan
        gain = mae_model - mae_override
        out.append(
            (o.id, o.sku, o.location, o.kind, o.value, o.created_by, o.revoked_at is not None,
             len(seen), len(both) - len(seen), mae_model, mae_override, gain,
             None if not len(seen) else bool(gain > 0))
        )  # fmt: skip
    return pd.DataFrame(out, columns=ACCURACY_COLUMNS)
