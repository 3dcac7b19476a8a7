"""BENCHMARK_PROTOCOL's accuracy metrics over a long frame of scored rows, one row per method.

Input rows: method, series (any hashable key), actual, p50 and, where a method has them, p10
and p90; optionally `weight` (WMAE: Walmart's holiday weeks weigh 5) and `scale` / `scale_sq`
(the series' in-sample mean absolute / squared one-step naive error). Scaled metrics (MASE,
RMSSE, scaled pinball) are computed per series and averaged over series (M4/M5 convention);
series without a positive scale are left out of them and counted in `no_scale`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["QUANTILES", "naive_scales", "score_methods"]

QUANTILES = (0.1, 0.5, 0.9)


def _pinball(y: np.ndarray, pred: np.ndarray, q: float) -> np.ndarray:
    diff = y - pred
    return np.maximum(q * diff, (q - 1) * diff)


def naive_scales(history: pd.DataFrame, *, min_pairs: int = 1) -> pd.DataFrame:
    """Per series (`series`, `y`, sorted by time within series) the mean absolute and mean
    squared one-step naive error; NaN with fewer than `min_pairs` differences."""
    diff = history.groupby("series", sort=False, observed=True)["y"].diff()
    frame = pd.DataFrame({"series": history["series"], "abs": diff.abs(), "sq": diff**2})
    grouped = frame.groupby("series", sort=False, observed=True)
    out = grouped[["abs", "sq"]].mean()
    enough = grouped["abs"].count() >= min_pairs
    out = out.where(enough)
    return out.rename(columns={"abs": "scale", "sq": "scale_sq"}).reset_index()


def _series_mean(values: np.ndarray, series: pd.Series) -> pd.Series:
    return pd.Series(values, index=series.to_numpy()).groupby(level=0, sort=False).mean()


def _one(rows: pd.DataFrame) -> dict[str, float]:
    y = rows["actual"].to_numpy(dtype=np.float64)
    p50 = rows["p50"].to_numpy(dtype=np.float64)
    err = p50 - y
    out: dict[str, float] = {
        "n": float(len(rows)),
        "MAE": float(np.mean(np.abs(err))),
        "RMSE": float(np.sqrt(np.mean(err**2))),
    }
    if "weight" in rows:
        w = rows["weight"].to_numpy(dtype=np.float64)
        out["WMAE"] = float(np.sum(w * np.abs(err)) / np.sum(w))
    has_band = all(c in rows and rows[c].notna().all() for c in ("p10", "p90")) and len(rows) > 0
    losses = None
    if has_band:
        p10, p90 = (rows[c].to_numpy(dtype=np.float64) for c in ("p10", "p90"))
        losses = (_pinball(y, p10, 0.1) + _pinball(y, p50, 0.5) + _pinball(y, p90, 0.9)) / 3
        out["pinball"] = float(np.mean(losses))
        out["coverage80"] = float(np.mean((y >= p10) & (y <= p90)))
        out["csl_p90"] = float(np.mean(y <= p90))
    else:
        out["pinball"] = out["coverage80"] = out["csl_p90"] = np.nan
    if "scale" in rows:
        scale = _series_mean(rows["scale"].to_numpy(dtype=np.float64), rows["series"])
        usable = scale[(scale > 0) & np.isfinite(scale)].index
        mae_s = _series_mean(np.abs(err), rows["series"])
        scaled = mae_s[usable] / scale[usable]
        out["MASE"] = float(scaled.mean())
        # The mean over series can hang on one series with a near-zero scale; the median not.
        out["MASE_median"] = float(scaled.median())
        out["no_scale"] = float(scale.size - usable.size)
        if "scale_sq" in rows:
            sq = _series_mean(rows["scale_sq"].to_numpy(dtype=np.float64), rows["series"])
            mse_s = _series_mean(err**2, rows["series"])
            out["RMSSE"] = float(np.sqrt(mse_s[usable] / sq[usable]).mean())
        if losses is not None:
            pin_s = _series_mean(losses, rows["series"])
            out["scaled_pinball"] = float((pin_s[usable] / scale[usable]).mean())
        else:
            out["scaled_pinball"] = np.nan
    return out


def score_methods(rows: pd.DataFrame) -> pd.DataFrame:
    """One row of metrics per method (index), in the order methods first appear."""
    order = list(dict.fromkeys(rows["method"]))
    table = {m: _one(rows[rows["method"] == m]) for m in order}
    return pd.DataFrame.from_dict(table, orient="index")
