"""Segment series by value (ABC), variability (XYZ) and demand pattern (Syntetos-Boylan).

Every measure is taken on the window of `thresholds.window_days` days (window_days //
frequency.days periods) ending at the panel's last date, on `demand` (the censored-corrected
target of `features.clean`). Choices:

- **Value** = demand x price; when a period has no price, demand x the sku's `unit_cost`; when
  neither is known, demand alone. `value_basis` names the weakest basis a series needed
  (price, unit_cost, units). In the cleaned panel a series has a price on all its periods or on
  none, so one series uses one basis. Bases do not mix well in one ranking: give a unit cost.
- **ABC** ranks all series by value, descending (ties in sku, location order), over the
  cumulative share of total value. The series crossing a boundary belongs to the upper class: A
  while the share *before* it is below `abc_a` (so A holds every series with cumulative share
  <= abc_a plus the one crossing it), B while it is below `abc_b`, else C. With no value at all,
  every series is C.
- **XYZ** on the coefficient of variation (population std / mean) of demand per period. Daily
  demand is mostly day-to-day noise (and weekday pattern), so for daily data the CV is taken
  on complete 7-day buckets counted back from the last date (a partial bucket is dropped). A
  series with mean 0 or fewer than 2 buckets has no CV (NaN) and is Z: no evidence of stability.
- **Intermittency**: ADI = periods / non-zero periods (inf with no demand); CV^2 of the non-zero
  sizes (population, so 0 with a single one); smooth / intermittent / erratic / lumpy by the
  `adi` and `cv2` cut-offs, 'no_demand' when the window has no demand.

A series with no period in the window (it ended earlier) gets periods 0, value 0, mean_demand 0,
C, Z and 'no_demand'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.dataset import Frequency
from restock.settings import SegmentationThresholds

__all__ = ["SEGMENT_COLUMNS", "segment"]

SEGMENT_COLUMNS: tuple[str, ...] = (
    "sku",
    "location",
    "periods",
    "total_demand",
    "value",
    "value_basis",
    "value_share",
    "cum_share",
    "abc",
    "mean_demand",
    "cv",
    "xyz",
    "adi",
    "cv2",
    "intermittency",
    "segment",
)
_PANEL_COLUMNS = ("sku", "location", "date", "demand", "price")
_BASES = np.array(["price", "unit_cost", "units"], dtype=object)
_BUCKET_DAYS = 7
# Cumulative shares are ratios of float sums: a boundary hit exactly must not flip on rounding.
_SHARE_TOLERANCE = 1e-9


def segment(
    panel: pd.DataFrame,
    frequency: Frequency,
    thresholds: SegmentationThresholds,
    *,
    unit_cost: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per sku-location with its ABC, XYZ and intermittency class (module docstring).

    The segment drives service targets and model routing, so it is judged on recent demand only.
    """
    missing = [c for c in _PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise ValueError(f"panel lacks column(s) {missing}; pass the output of clean_sales")
    frequency = Frequency(frequency)
    groups = panel.groupby(["sku", "location"], observed=True, sort=True)
    sid_all = groups.ngroup().to_numpy()
    keys = groups.size().index
    n_series = len(keys)
    if n_series == 0:
        return _empty(keys)

    dates = panel["date"]
    last = dates.max()
    n_periods = max(1, thresholds.window_days // frequency.days)
    if frequency is Frequency.MONTHLY:
        cutoff = last - pd.DateOffset(months=n_periods)
    else:
        cutoff = last - pd.Timedelta(days=n_periods * frequency.days)
    window = (dates > cutoff).to_numpy()
    sid = sid_all[window]
    demand = panel["demand"].to_numpy()[window].astype(np.float64)
    price = panel["price"].to_numpy()[window].astype(np.float64)

    def per_series(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(sid, weights=weights, minlength=n_series).astype(np.float64)

    periods = per_series()
    total = per_series(demand)
    priced = ~np.isnan(price)
    cost = _series_unit_cost(keys.get_level_values("sku"), unit_cost)
    unpriced_demand = per_series(np.where(priced, 0.0, demand))
    value = per_series(np.where(priced, demand * price, 0.0)) + unpriced_demand * np.where(
        np.isnan(cost), 1.0, cost
    )
    # A series with no row in the window is labelled by its rows anywhere in the panel.
    unpriced = np.where(
        periods > 0,
        per_series((~priced).astype(np.float64)),
        np.bincount(sid_all, weights=panel["price"].isna().to_numpy(), minlength=n_series),
    )
    basis = np.where(unpriced == 0, 0, np.where(np.isnan(cost), 2, 1))

    share, cum_share, abc = _abc(value, thresholds)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_demand = np.where(periods > 0, total / np.maximum(periods, 1), 0.0)
    cv = _cv(sid, demand, panel["date"].to_numpy()[window], last, frequency, n_series)
    xyz = np.where(cv < thresholds.xyz_x, "X", np.where(cv < thresholds.xyz_y, "Y", "Z"))
    adi, cv2 = _intermittency_measures(sid, demand, periods, n_series)
    pattern = _intermittency(adi, cv2, thresholds)

    out = pd.DataFrame(
        {
            "sku": keys.get_level_values("sku"),
            "location": keys.get_level_values("location"),
            "periods": periods.astype(np.int64),
            "total_demand": total,
            "value": value,
            "value_basis": _BASES[basis].astype(str),
            "value_share": share,
            "cum_share": cum_share,
            "abc": abc,
            "mean_demand": mean_demand,
            "cv": cv,
            "xyz": xyz,
            "adi": adi,
            "cv2": cv2,
            "intermittency": pattern,
        }
    )
    out["segment"] = out["abc"] + out["xyz"]
    return out


def _empty(keys: pd.Index) -> pd.DataFrame:
    """The zero-series result, with the same columns and dtypes as a full one."""
    text = ("value_basis", "abc", "xyz", "intermittency", "segment")
    out = pd.DataFrame(
        {
            "sku": keys.get_level_values("sku"),
            "location": keys.get_level_values("location"),
            "periods": np.zeros(0, dtype=np.int64),
        }
    )
    for column in SEGMENT_COLUMNS[3:]:
        out[column] = pd.Series(dtype=str if column in text else np.float64)
    return out


def _series_unit_cost(skus: pd.Index, unit_cost: pd.Series | None) -> np.ndarray:
    """Unit cost of each series' sku (NaN when unknown)."""
    if unit_cost is None:
        return np.full(len(skus), np.nan)
    if not unit_cost.index.is_unique:
        raise ValueError("unit_cost has duplicate skus in its index; pass one cost per sku")
    labels = pd.Index(np.asarray(skus, dtype=object))
    return unit_cost.reindex(labels).to_numpy(dtype=np.float64, na_value=np.nan)


def _abc(
    value: np.ndarray, thresholds: SegmentationThresholds
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value share, cumulative share in descending-value rank, and the A/B/C class per series."""
    grand = value.sum()
    if not grand > 0:
        zeros = np.zeros(len(value))
        return zeros, zeros.copy(), np.full(len(value), "C")
    rank = np.lexsort((np.arange(len(value)), -value))
    cumulative = np.empty_like(value)
    cumulative[rank] = np.cumsum(value[rank])
    share = value / grand
    cum_share = cumulative / grand
    before = (cumulative - value) / grand
    abc = np.where(
        before < thresholds.abc_a - _SHARE_TOLERANCE,
        "A",
        np.where(before < thresholds.abc_b - _SHARE_TOLERANCE, "B", "C"),
    )
    return share, cum_share, abc


def _cv(
    sid: np.ndarray,
    demand: np.ndarray,
    dates: np.ndarray,
    last: pd.Timestamp,
    frequency: Frequency,
    n_series: int,
) -> np.ndarray:
    """CV of demand per period (per complete week for daily data); NaN without a usable mean."""
    if frequency is Frequency.DAILY:
        age = (np.datetime64(last, "D") - dates.astype("datetime64[D]")).astype(np.int64)
        n_buckets = int(age.max()) // _BUCKET_DAYS + 1 if len(age) else 1
        key = sid * n_buckets + age // _BUCKET_DAYS
        size = np.bincount(key, minlength=n_series * n_buckets)
        sums = np.bincount(key, weights=demand, minlength=n_series * n_buckets)
        complete = np.flatnonzero(size == _BUCKET_DAYS)
        sid, demand = complete // n_buckets, sums[complete]
    count = np.bincount(sid, minlength=n_series)
    mean, std = _moments(sid, demand, count)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((count >= 2) & (mean > 0), std / mean, np.nan)


def _moments(
    sid: np.ndarray, values: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-series mean and population std (two passes, for accuracy); NaN for empty series."""
    n_series = len(count)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(sid, weights=values, minlength=n_series) / count
        squares = np.bincount(sid, weights=(values - mean[sid]) ** 2, minlength=n_series)
        return mean, np.sqrt(squares / count)


def _intermittency_measures(
    sid: np.ndarray, demand: np.ndarray, periods: np.ndarray, n_series: int
) -> tuple[np.ndarray, np.ndarray]:
    """ADI (periods per non-zero period) and CV^2 of the non-zero sizes, per series."""
    nonzero = demand > 0
    sid_nz = sid[nonzero]
    count = np.bincount(sid_nz, minlength=n_series)
    mean, std = _moments(sid_nz, demand[nonzero], count)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(count > 0, periods / np.maximum(count, 1), np.inf)
        cv2 = np.where(count > 0, (std / mean) ** 2, np.nan)
    return adi, cv2


def _intermittency(
    adi: np.ndarray, cv2: np.ndarray, thresholds: SegmentationThresholds
) -> np.ndarray:
    """Syntetos-Boylan class from ADI and CV^2; 'no_demand' when there was none."""
    frequent = adi < thresholds.adi
    steady = cv2 < thresholds.cv2
    pattern = np.select(
        [frequent & steady, ~frequent & steady, frequent & ~steady],
        ["smooth", "intermittent", "erratic"],
        default="lumpy",
    )
    return np.where(np.isinf(adi), "no_demand", pattern)
