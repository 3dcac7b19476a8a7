"""Matrices of the direct multi-horizon demand model: horizons, buckets, future rows, X / y.

A horizon of H periods is split into buckets; bucket b (steps first..last) is one direct model
whose features come from `default_spec(frequency).shifted(last)`, so every feature of a row at
t reads the target at t - last or earlier. Trained on history, a row is "a forecast made `last`
periods before its date"; at prediction time step h <= last of origin T reads T + h - last <= T.
Columns of every bucket's matrix take the base spec's names (position by position), so all
boosters share one feature vocabulary for importance and SHAP; `lag_k` in bucket b is the target
k + last - 1 periods before the row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.build import build_features
from features.dataset import Frequency
from features.series_codes import SeriesCodes
from features.spec import FeatureSpec

__all__ = [
    "SERIES",
    "Bucket",
    "Matrix",
    "buckets_for",
    "extend_panel",
    "horizon_for",
    "periods_before",
    "step_dates",
    "trim_history",
    "bucket_matrix",
]

SERIES: list[str] = ["sku", "location"]

# A planning horizon per frequency: four weeks of days, a quarter of weeks, a year of months.
_HORIZONS = {Frequency.DAILY: 28, Frequency.WEEKLY: 13, Frequency.MONTHLY: 12}


@dataclass(frozen=True)
class Bucket:
    """Horizon steps first..last (inclusive) served by one direct model."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last:
            raise ValueError(f"a bucket needs 1 <= first <= last; got {self.first}..{self.last}")

    @property
    def name(self) -> str:
        return f"{self.first}-{self.last}"


# Short buckets where the latest lags matter most; a long one for the tail of the horizon.
_BUCKETS = {
    Frequency.DAILY: (Bucket(1, 7), Bucket(8, 14), Bucket(15, 28)),
    Frequency.WEEKLY: (Bucket(1, 4), Bucket(5, 13)),
    Frequency.MONTHLY: (Bucket(1, 3), Bucket(4, 12)),
}


def horizon_for(frequency: Frequency | str) -> int:
    """Forecast horizon in periods: daily 28, weekly 13, monthly 12."""
    return _HORIZONS[Frequency(frequency)]


def buckets_for(frequency: Frequency | str) -> tuple[Bucket, ...]:
    """The direct-model buckets covering 1..horizon_for(frequency)."""
    return _BUCKETS[Frequency(frequency)]


def step_dates(last: pd.Series, steps: np.ndarray, frequency: Frequency) -> np.ndarray:
    """Date `steps` periods after each `last` date, on the series' own grid (weekly keeps the
    weekday, monthly month starts)."""
    base = last.to_numpy()
    if frequency is Frequency.MONTHLY:
        months = base.astype("datetime64[M]") + steps.astype(np.int64)
        return months.astype("datetime64[D]").astype(base.dtype)
    days = steps.astype(np.int64) * frequency.days
    return base + days.astype("timedelta64[D]").astype(f"timedelta64[{_unit(base)}]")


def periods_before(date: pd.Timestamp, n: int, frequency: Frequency) -> pd.Timestamp:
    """The date n periods before `date` (a split point n periods from the end)."""
    if frequency is Frequency.MONTHLY:
        return pd.Timestamp(date) - pd.DateOffset(months=n)
    return pd.Timestamp(date) - pd.Timedelta(days=n * frequency.days)


def _unit(values: np.ndarray) -> str:
    return str(np.datetime_data(values.dtype)[0])


def _series_id(panel: pd.DataFrame) -> np.ndarray:
    ids: np.ndarray = panel.groupby(SERIES, observed=True, sort=False).ngroup().to_numpy()
    return ids


def trim_history(history: pd.DataFrame, keep: int) -> pd.DataFrame:
    """The last `keep` periods of each series: all a prediction reads, far less to featurise."""
    recent = history.groupby(SERIES, observed=True, sort=False).cumcount(ascending=False) < keep
    return history.loc[recent.to_numpy()]


def extend_panel(
    history: pd.DataFrame,
    frequency: Frequency,
    horizon: int,
    *,
    future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """History plus `horizon` future rows per series, with a `step` column (0 = history).

    Future rows have unknown demand (NaN), the series' last price and no promotion unless
    `future` (sku, location, date and price and/or on_promo) plans them. Each series continues
    its own grid from its own last date. Rows stay grouped by series and sorted by date.
    """
    if len(history) == 0:
        raise ValueError("history is empty; give at least one period per series to forecast")
    sid = _series_id(history)
    last_pos = np.flatnonzero(np.r_[sid[1:] != sid[:-1], True])
    steps = np.tile(np.arange(1, horizon + 1), len(last_pos))
    rows = np.repeat(last_pos, horizon)
    fut = history.iloc[rows].copy()
    fut["date"] = step_dates(fut["date"], steps, frequency)
    fut["step"] = steps
    for column in ("units", "demand"):
        if column in fut.columns:
            fut[column] = np.float32(np.nan)
    for flag in ("on_promo", "stockout", "censored", "anomaly", "gap"):
        if flag in fut.columns:
            fut[flag] = False
    if future is not None:
        fut = _apply_plans(fut, future)
    past = history.assign(step=np.zeros(len(history), dtype=np.int64))
    fut.index = pd.RangeIndex(len(history), len(history) + len(fut))
    both = pd.concat([past.reset_index(drop=True), fut])
    order = np.lexsort((both["date"].to_numpy(), np.concatenate([sid, sid[rows]])))
    return both.iloc[order].reset_index(drop=True)


def _apply_plans(fut: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
    """Overwrite price / on_promo of future rows with planned values where `future` gives them."""
    missing = [c for c in (*SERIES, "date") if c not in future.columns]
    if missing:
        raise ValueError(f"future frame lacks key column(s) {missing}; give sku, location, date")
    planned = [c for c in ("price", "on_promo") if c in future.columns]
    if not planned:
        return fut
    keys = future[[*SERIES, "date"]].astype({"sku": str, "location": str})
    keys["date"] = pd.to_datetime(keys["date"]).astype(fut["date"].dtype)
    plans = pd.concat([keys, future[planned]], axis=1).drop_duplicates([*SERIES, "date"])
    left = fut[[*SERIES, "date"]].astype({"sku": str, "location": str})
    merged = left.merge(plans, on=[*SERIES, "date"], how="left", validate="many_to_one")
    out = fut.copy()
    if "price" in planned:
        price = merged["price"].to_numpy(dtype=np.float64, na_value=np.nan)
        out["price"] = np.where(np.isnan(price), out["price"], price).astype(np.float32)
    if "on_promo" in planned:
        promo = merged["on_promo"].to_numpy(dtype=object)
        known = pd.notna(promo)
        out["on_promo"] = np.where(known, promo, out["on_promo"].to_numpy()).astype(bool)
    return out


@dataclass(frozen=True)
class Matrix:
    """One bucket's model matrix: features (base names), target, and the rows' key and flags."""

    x: np.ndarray  # float32 (rows x features)
    y: np.ndarray  # float64 target (NaN on future rows)
    frame: pd.DataFrame  # sku, location, date, step (when present), censored, anomaly, gap


def bucket_matrix(
    panel: pd.DataFrame,
    base: FeatureSpec,
    bucket: Bucket,
    *,
    calendar: pd.DataFrame | None,
    codes: SeriesCodes,
    rows: np.ndarray | None = None,
) -> Matrix:
    """Features of `base.shifted(bucket.last)` for the panel, renamed to the base names; `rows`
    (a boolean mask) keeps a subset after building (features need the full history)."""
    spec = base.shifted(bucket.last)
    built = build_features(panel, spec, calendar=calendar, codes=codes)
    keep = np.ones(len(panel), dtype=bool) if rows is None else rows
    x = np.column_stack(
        [built[name].to_numpy(dtype=np.float32)[keep] for name in spec.feature_names]
    )
    info = [c for c in (*SERIES, "date", "step", "censored", "anomaly", "gap") if c in panel]
    frame = panel.loc[keep, info].reset_index(drop=True)
    y = built[spec.target].to_numpy(dtype=np.float64, na_value=np.nan)[keep]
    return Matrix(x=x, y=y, frame=frame)
