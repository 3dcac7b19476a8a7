"""The recent history of one sku-location as the planner's chart draws it: demand, sales,
promotions and stockouts, read from the home's cleaned panel.

Only the asked series' rows are read (a parquet filter), so the page stays quick on a large
panel; the forecast service keeps its own copy for the models.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["HISTORY_PERIODS", "HistoryPoint", "series_history"]

# About half a year of days, two years of weeks, three of months: enough to see the season.
HISTORY_PERIODS = {"daily": 182, "weekly": 104, "monthly": 36}
_COLUMNS = ["date", "units", "demand", "on_promo", "stockout"]


@dataclass(frozen=True)
class HistoryPoint:
    date: dt.date
    units: float  # sold
    demand: float  # estimated demand (sales uncensored on stockout days)
    on_promo: bool
    stockout: bool


def series_history(
    panel_path: Path, sku: str, location: str, *, frequency: str
) -> tuple[HistoryPoint, ...]:
    """The last `HISTORY_PERIODS[frequency]` periods of the series, oldest first (empty when the
    panel is missing or does not hold the series)."""
    if not panel_path.is_file():
        return ()
    frame = pd.read_parquet(
        panel_path,
        columns=["sku", "location", *_COLUMNS],
        filters=[("sku", "==", sku), ("location", "==", location)],
    )
    keep = HISTORY_PERIODS.get(frequency, HISTORY_PERIODS["daily"])
    frame = frame.sort_values("date").tail(keep)
    dates = pd.to_datetime(frame["date"]).dt.date.tolist()
    units = frame["units"].fillna(0.0).to_numpy(dtype=float).tolist()
    demand = frame["demand"].fillna(0.0).to_numpy(dtype=float).tolist()
    promo = frame["on_promo"].fillna(False).to_numpy(dtype=bool).tolist()
    stockout = frame["stockout"].fillna(False).to_numpy(dtype=bool).tolist()
    return tuple(
        HistoryPoint(date=d, units=u, demand=q, on_promo=p, stockout=s)
        for d, u, q, p, s in zip(dates, units, demand, promo, stockout, strict=True)
    )
