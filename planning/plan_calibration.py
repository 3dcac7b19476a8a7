"""Calibration of a plan's forecasts from how the earlier plans' forecasts turned out.

Every plan logs the forecasts it used (`monitoring.forecast_log`); by the next plan some of
their periods have been sold. The PIT of each such actual under its logged forecast, pooled per
XYZ variability class and weighted by the forecast's median (a fill rate pools units), gives
the quantile map of `inventory.calibration` the plan's fill-rate levels are solved on, as the
policy simulator does with its own reviews (`planning.forecast_calibration`). Rules:

- Only periods the panel has observed by the review date count (a gap period is not an actual);
  stockout periods count with their censored-demand estimate, as the simulator scores them,
  because dropping them would drop the high-demand periods the upper tail is about.
- The log is read over the last `window_days` of target dates, every logged model version:
  waiting for a new champion's own forecasts to be scored would leave each plan after a
  retrain uncalibrated for a window.
- A class with fewer than `min_count` PITs keeps its forecasts as they are (identity rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from inventory.calibration import identity_table, probability_integral_transform
from monitoring.forecast_log import QUANTILE_COLUMNS, ForecastLog
from monitoring.live import join_actuals
from planning.forecast_calibration import MIN_COUNT, group_table

__all__ = ["PlanCalibration", "calibration_table", "plan_calibration", "scored_pits"]

_KEYS = ["sku", "location"]
WINDOW_DAYS = 91  # 13 weeks of target dates: the simulator's window


@dataclass(frozen=True)
class PlanCalibration:
    """Calibration rows (N, len(inventory.calibration.GRID)) of the planned series and the
    PITs each class had."""

    table: np.ndarray
    pits_by_class: dict[str, int]
    min_count: int

    def describe(self) -> str:
        """One line for the plan's notes: which classes are recalibrated, from how many PITs."""
        if not self.pits_by_class:
            return "forecasts used as they are: no earlier forecast in the log has been sold yet"
        counts = sorted(self.pits_by_class.items())
        if all(count < self.min_count for _, count in counts):
            listed = ", ".join(f"{group or '?'} {count:,}" for group, count in counts)
            return (
                f"forecasts used as they are: every XYZ class has fewer than {self.min_count} "
                f"PITs of earlier plans' forecasts scored on the sales since ({listed})"
            )
        parts = [
            f"{group or '?'} {count:,} PITs ({'map' if count >= self.min_count else 'as is'})"
            for group, count in counts
        ]
        return (
            "forecasts recalibrated per XYZ class from earlier plans' forecasts scored on the "
            f"sales since (classes under {self.min_count} PITs as is): " + ", ".join(parts)
        )


def scored_pits(logged: pd.DataFrame, panel: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """sku, location, pit, weight per logged forecast step whose date the panel has observed
    (`ForecastLog.read` rows; the panel's `demand`, stockout estimates included)."""
    columns = [c for c in QUANTILE_COLUMNS if c in logged.columns and logged[c].notna().any()]
    empty = pd.DataFrame({"sku": [], "location": [], "pit": [], "weight": []})
    if logged.empty or "p50" not in columns:
        return empty
    usable = logged.dropna(subset=columns)
    if usable.empty:
        return empty
    # A stockout period's demand is an estimate, but the simulator scores it too (docstring).
    joined = join_actuals(usable, panel.drop(columns="censored", errors="ignore"))
    if joined.empty:
        return empty
    levels = [float(c[1:]) / 100 for c in columns]
    # Sorted per row: a log written by another producer may cross its quantiles.
    knots = np.sort(joined[columns].to_numpy(dtype=np.float64), axis=1)
    pits = probability_integral_transform(
        knots, levels, joined["demand"].to_numpy(dtype=np.float64), seed=seed
    )
    return pd.DataFrame(
        {
            "sku": joined["sku"].astype("str").to_numpy(),
            "location": joined["location"].astype("str").to_numpy(),
            "pit": pits,
            "weight": np.clip(joined["p50"].to_numpy(dtype=np.float64), 0.0, None),
        }
    )


def calibration_table(
    keys: pd.DataFrame,
    groups: Sequence[str],
    scored: pd.DataFrame,
    *,
    min_count: int = MIN_COUNT,
) -> PlanCalibration:
    """Rows for the series of `keys` (sku, location) in their `groups` (e.g. XYZ letters): each
    class's map from the PITs of its series in `scored`, identity under `min_count` PITs."""
    group = np.asarray([str(g) for g in groups], dtype=object)
    if len(group) != len(keys):
        raise ValueError(f"{len(group)} groups for {len(keys)} series; give one per series")
    index = keys[_KEYS].astype("str").assign(group=group)
    # PITs of series the plan no longer reviews have no class here and are left out.
    pits = scored.merge(index, on=_KEYS, how="inner")
    if pits.empty:
        return PlanCalibration(identity_table(len(keys)), {}, min_count)
    table = group_table(
        group,
        pits["group"].to_numpy(dtype=object),
        pits["pit"].to_numpy(dtype=np.float64),
        pits["weight"].to_numpy(dtype=np.float64),
        min_count=min_count,
    )
    counts = {str(k): int(v) for k, v in pits["group"].value_counts().items()}
    return PlanCalibration(table, counts, min_count)


def plan_calibration(
    database: str | Engine,
    panel: pd.DataFrame,
    keys: pd.DataFrame,
    groups: Sequence[str],
    *,
    model_name: str,
    review_date: pd.Timestamp,
    window_days: int = WINDOW_DAYS,
    min_count: int = MIN_COUNT,
    seed: int = 0,
) -> PlanCalibration:
    """The calibration of a plan at `review_date` from `model_name`'s forecast log (module
    docstring); `keys`, `groups` are the planned series and their classes."""
    end = pd.Timestamp(review_date).date()
    start = end - dt.timedelta(days=window_days - 1)
    logged = ForecastLog(database).read(model_name=model_name, start=start, end=end)
    observed = panel[panel["date"] <= pd.Timestamp(review_date)]
    scored = scored_pits(logged, observed, seed=seed)
    return calibration_table(keys, groups, scored, min_count=min_count)
