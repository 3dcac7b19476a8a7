"""Why a suggested line deserves a human look (any flag stops its PO from auto-approving).

- forecast_change: expected demand over L+R moved more than `threshold` (share) against the
  previous plan's number for the same sku-location;
- new_item: the item's lifecycle is `new` (little history: the forecast leans on its category);
- drift_alert: an active data or prediction drift alert covers the series;
- far_above_history: the quantity exceeds `factor` x the most the series ever sold in a window
  as long as the protection interval (L + R), over the last year;
- allocation_shortfall: the DC could not cover the request (set by the echelon step).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from monitoring.alerts import Alert
from orders.domain import Flag

__all__ = ["busiest_window", "forecast_changed", "line_flags", "under_drift_alert"]

_DRIFT_KINDS = ("data_drift", "prediction_drift")
# A change of exactly the threshold is not "more than" it, whatever float division says
# (85 / 100 - 1 is -0.15000000000000002).
_TOLERANCE = 1e-9


def forecast_changed(
    expected: np.ndarray,
    keys: Sequence[tuple[str, str]],
    previous: Mapping[tuple[str, str], float],
    threshold: float,
) -> np.ndarray:
    """True where |expected / previous - 1| > threshold; False without a previous number."""
    before = np.array([previous.get(k, np.nan) for k in keys], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(expected / before - 1.0)
    moved = np.where(before > 0, change > threshold + _TOLERANCE, expected > 0)
    return np.asarray(np.isfinite(before) & moved)


def under_drift_alert(
    alerts: Sequence[Alert], keys: Sequence[tuple[str, str]], segments: Sequence[str]
) -> np.ndarray:
    """True where an active drift alert covers (sku, location, segment)."""
    drift = [a for a in alerts if a.kind in _DRIFT_KINDS]
    return np.array(
        [
            any(a.covers(sku=sku, location=loc, segment=seg) for a in drift)
            for (sku, loc), seg in zip(keys, segments, strict=True)
        ],
        dtype=bool,
    )


def busiest_window(
    panel: pd.DataFrame, keys: pd.DataFrame, windows: np.ndarray, *, periods_back: int
) -> np.ndarray:
    """Per row of `keys` (sku, location) the largest demand summed over `windows[i]` consecutive
    periods within the last `periods_back` periods of the panel (0 without history)."""
    if periods_back < 1:
        raise ValueError(f"periods_back must be >= 1 period; got {periods_back}")
    if panel.empty:
        return np.zeros(len(keys))
    last = panel["date"].max()
    dates = np.sort(panel["date"].unique())
    start = dates[max(0, len(dates) - periods_back)]
    recent = panel[(panel["date"] >= start) & (panel["date"] <= last)]
    recent = recent.astype({"sku": "str", "location": "str"}).sort_values(
        ["sku", "location", "date"]
    )
    series = {
        k: g["demand"].to_numpy(dtype=np.float64) for k, g in recent.groupby(["sku", "location"])
    }
    out = np.zeros(len(keys))
    for i, (sku, location) in enumerate(keys[["sku", "location"]].itertuples(index=False)):
        values = series.get((sku, location))
        if values is None or not len(values):
            continue
        width = int(max(1, min(windows[i], len(values))))
        sums = np.convolve(values, np.ones(width), mode="valid")
        out[i] = float(sums.max())
    return out


def line_flags(
    *,
    changed: np.ndarray,
    new_item: np.ndarray,
    drift: np.ndarray,
    far_above: np.ndarray,
    shortfall: np.ndarray,
) -> list[tuple[Flag, ...]]:
    """The flags of each row, in a fixed order."""
    columns = (
        (changed, Flag.FORECAST_CHANGE),
        (new_item, Flag.NEW_ITEM),
        (drift, Flag.DRIFT_ALERT),
        (far_above, Flag.FAR_ABOVE_HISTORY),
        (shortfall, Flag.ALLOCATION_SHORTFALL),
    )
    n = len(changed)
    return [tuple(flag for mask, flag in columns if mask[i]) for i in range(n)]
