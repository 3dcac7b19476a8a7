"""Applying planner overrides to a forecast: the plan's cube (`SeriesForecasts`) or a long frame
of quantiles, each period's band replaced by the override covering it.

Where overrides overlap the later one in the sequence wins (`Overrides.active` returns oldest
first), and each applies to the model's band, never to another override's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import overload

import numpy as np
import pandas as pd

from features.dataset import Frequency
from planning.forecasts import SeriesForecasts
from planning.override_record import Override
from training.demand_frame import step_dates
from training.quantiles import QUANTILE_COLUMNS, QUANTILES

__all__ = ["apply_overrides", "horizon_dates"]

_KEYS = ["sku", "location"]


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
