"""The forecast log: every forecast a plan used, kept so it can be scored when actuals arrive.

A forecast is judged against what it said *when it was made*, so the numbers are stored at
planning time (`record_forecasts`), not recomputed later by whatever model is champion then.
One row per (model, version, origin, sku, location, step): the target date, the quantiles
(p10 ... p98) and, when known, the segment and the method a routed series used. Recording the
same model version and origin again replaces those rows (a re-plan of the same date), so the
log never double-counts.

The table lives in the restock database beside the PO queue (SQLite by default, PostgreSQL by
URL), created on first use; migrations include `ForecastLogBase.metadata`. Size: one row per
series and step, e.g. 30,490 series x 28 days = 854k rows per daily plan; `prune` drops what
is older than the scoring window needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from restock.engines import open_engine

__all__ = [
    "QUANTILE_COLUMNS",
    "ForecastLog",
    "ForecastLogBase",
    "forecasts_from_cube",
    "record_forecasts",
]

# The quantiles the demand forecaster produces (training.quantiles), stored when present.
QUANTILE_COLUMNS: tuple[str, ...] = ("p10", "p50", "p90", "p95", "p98")
_CHUNK = 50_000  # rows per INSERT batch: bounded memory for the parameter lists


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ForecastLogBase(DeclarativeBase):
    """Metadata of the forecast log table (for `create_all` and migrations)."""


class _Row(ForecastLogBase):
    __tablename__ = "forecast_log"
    __table_args__ = (
        sa.Index("ix_forecast_log_model_date", "model_name", "date"),
        sa.Index("ix_forecast_log_origin", "model_name", "origin"),
    )

    model_name: Mapped[str] = mapped_column(sa.String(256), primary_key=True)
    model_version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    origin: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(256), primary_key=True)
    location: Mapped[str] = mapped_column(sa.String(256), primary_key=True)
    step: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    date: Mapped[dt.date] = mapped_column(sa.Date)
    segment: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    routed_to: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    p10: Mapped[float | None] = mapped_column(sa.Double, nullable=True)
    p50: Mapped[float] = mapped_column(sa.Double)
    p90: Mapped[float | None] = mapped_column(sa.Double, nullable=True)
    p95: Mapped[float | None] = mapped_column(sa.Double, nullable=True)
    p98: Mapped[float | None] = mapped_column(sa.Double, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


_TABLE: sa.Table = _Row.__table__  # type: ignore[assignment]
_READ_COLUMNS = (
    "model_name",
    "model_version",
    "origin",
    "sku",
    "location",
    "step",
    "date",
    "segment",
    "routed_to",
    *QUANTILE_COLUMNS,
)


def _validated(forecasts: pd.DataFrame, origin: dt.date) -> pd.DataFrame:
    required = ["sku", "location", "date", "step", "p50"]
    missing = [c for c in required if c not in forecasts.columns]
    if missing:
        raise ValueError(
            f"forecasts lack column(s) {missing}; pass one row per sku, location and step with "
            "date (the target date), step (1 = the period after the origin) and p50 at least"
        )
    frame = forecasts.reset_index(drop=True)
    dates = pd.to_datetime(frame["date"]).dt.date
    if (dates <= origin).any():
        first = frame.loc[(dates <= origin).to_numpy()].iloc[0]
        raise ValueError(
            f"forecast for {first['sku']}/{first['location']} targets {first['date']}, not after "
            f"its origin {origin}; the origin is the last date the forecast knew"
        )
    steps = pd.to_numeric(frame["step"], errors="coerce")
    if steps.isna().any() or (steps < 1).any():
        raise ValueError("step must be a whole number >= 1 on every row (1 = next period)")
    present = [c for c in QUANTILE_COLUMNS if c in frame.columns]
    values = frame[present].to_numpy(dtype=np.float64)
    if present and (~np.isfinite(values[:, present.index("p50")])).any():
        raise ValueError("p50 must be a finite number on every row")
    if np.any(values[np.isfinite(values)] < 0):
        raise ValueError("forecast quantiles must be >= 0 (demand is never negative)")
    keys = frame[["sku", "location", "step"]].astype("str")
    duplicated = keys.duplicated()
    if duplicated.any():
        row = keys[duplicated].iloc[0]
        raise ValueError(
            f"sku {row['sku']}, location {row['location']}, step {row['step']} appears twice; "
            "one forecast per series and step"
        )
    out = pd.DataFrame(
        {
            "sku": frame["sku"].astype("str"),
            "location": frame["location"].astype("str"),
            "step": steps.astype("int64"),
            "date": dates,
        }
    )
    for column in ("segment", "routed_to"):
        if column in frame.columns:
            text = frame[column].astype("object")
            out[column] = [None if pd.isna(v) else str(v) for v in text]
        else:
            out[column] = None
    for column in QUANTILE_COLUMNS:
        if column in frame.columns:
            number = pd.to_numeric(frame[column], errors="coerce").astype("float64")
            out[column] = number.astype("object").where(number.notna(), None)
        else:
            out[column] = None
    return out


class ForecastLog:
    """The forecast log of one database: `record`, `read`, `origins`, `prune`."""

    def __init__(self, database: str | Engine) -> None:
        self._engine = open_engine(database)
        self._ready = False

    def _ensure_table(self) -> None:
        if not self._ready:
            ForecastLogBase.metadata.create_all(self._engine)
            self._ready = True

    def record(
        self,
        forecasts: pd.DataFrame,
        *,
        model_name: str,
        model_version: int,
        origin: dt.date,
        recorded_at: dt.datetime | None = None,
    ) -> int:
        """Store the forecasts made at `origin` by `model_name` v`model_version`, replacing any
        earlier record of that same version and origin (one transaction); returns the rows."""
        if not model_name.strip() or model_version < 1:
            raise ValueError("a forecast record needs the model name and its version (>= 1)")
        frame = _validated(forecasts, origin)
        when = recorded_at or _utcnow()
        self._ensure_table()
        # Columns zipped into dicts: ~10x faster than DataFrame.to_dict("records").
        names = [str(c) for c in frame.columns]
        common = {
            "model_name": model_name,
            "model_version": int(model_version),
            "origin": origin,
            "recorded_at": when,
        }
        columns = [frame[c].tolist() for c in frame.columns]
        rows: list[dict[str, Any]] = [
            common | dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)
        ]
        with self._engine.begin() as conn:
            conn.execute(
                sa.delete(_TABLE).where(
                    (_TABLE.c.model_name == model_name)
                    & (_TABLE.c.model_version == int(model_version))
                    & (_TABLE.c.origin == origin)
                )
            )
            for start in range(0, len(rows), _CHUNK):
                conn.execute(sa.insert(_TABLE), rows[start : start + _CHUNK])
        return len(rows)

    def read(
        self,
        *,
        model_name: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        versions: Sequence[int] | None = None,
        max_step: int | None = None,
    ) -> pd.DataFrame:
        """Logged forecasts of `model_name` whose target date lies in [start, end] (open ends
        allowed), optionally of some versions and only steps up to `max_step` (on a big log,
        the near-term forecasts plans act on); `date` and `origin` as datetime64."""
        self._ensure_table()
        columns = [_TABLE.c[name] for name in _READ_COLUMNS]
        query = sa.select(*columns).where(_TABLE.c.model_name == model_name)
        if start is not None:
            query = query.where(_TABLE.c.date >= start)
        if end is not None:
            query = query.where(_TABLE.c.date <= end)
        if versions is not None:
            query = query.where(_TABLE.c.model_version.in_([int(v) for v in versions]))
        if max_step is not None:
            query = query.where(_TABLE.c.step <= max_step)
        query = query.order_by(_TABLE.c.origin, _TABLE.c.sku, _TABLE.c.location, _TABLE.c.step)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(rows, columns=list(_READ_COLUMNS))
        frame["date"] = pd.to_datetime(frame["date"])
        frame["origin"] = pd.to_datetime(frame["origin"])
        for column in QUANTILE_COLUMNS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return frame.astype({"model_version": "int64", "step": "int64"})

    def origins(self, *, model_name: str) -> pd.DataFrame:
        """One row per recorded (model_version, origin) with its row count, oldest first."""
        self._ensure_table()
        query = (
            sa.select(_TABLE.c.model_version, _TABLE.c.origin, sa.func.count())
            .where(_TABLE.c.model_name == model_name)
            .group_by(_TABLE.c.model_version, _TABLE.c.origin)
            .order_by(_TABLE.c.origin, _TABLE.c.model_version)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(rows, columns=["model_version", "origin", "rows"])
        frame["origin"] = pd.to_datetime(frame["origin"])
        return frame

    def prune(self, *, before: dt.date) -> int:
        """Delete forecasts whose target date is before `before`; returns the rows deleted."""
        self._ensure_table()
        with self._engine.begin() as conn:
            done = conn.execute(sa.delete(_TABLE).where(_TABLE.c.date < before))
        return int(done.rowcount or 0)


def record_forecasts(
    *,
    database: str | Engine,
    forecasts: pd.DataFrame,
    model_name: str,
    model_version: int,
    origin: dt.date,
) -> int:
    """Log the forecasts a plan (or a forecast run) just used; call it where they are made."""
    return ForecastLog(database).record(
        forecasts, model_name=model_name, model_version=model_version, origin=origin
    )


def forecasts_from_cube(
    keys: pd.DataFrame,
    quantiles: np.ndarray,
    levels: Sequence[float],
    dates: Sequence[dt.date | pd.Timestamp],
) -> pd.DataFrame:
    """Long rows (sku, location, [routed_to, segment], date, step, p10 ...) from planning's
    (series x steps x levels) cube: `SeriesForecasts` and `planning.overrides.horizon_dates`."""
    series, steps, n_levels = quantiles.shape
    if len(keys) != series or len(levels) != n_levels or len(dates) < steps:
        raise ValueError(
            f"cube {quantiles.shape} does not match {len(keys)} series, {len(levels)} levels "
            f"and {len(dates)} dates"
        )
    names = [f"p{round(q * 100, 6):g}" for q in levels]
    out = keys.loc[keys.index.repeat(steps)].reset_index(drop=True)
    out["step"] = np.tile(np.arange(1, steps + 1), series)
    out["date"] = np.tile(pd.to_datetime(pd.Series(list(dates[:steps]))).to_numpy(), series)
    flat = quantiles.reshape(series * steps, n_levels)
    for j, name in enumerate(names):
        out[name] = flat[:, j]
    return out
