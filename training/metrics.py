"""Forecast accuracy metrics and the per-method, per-segment score table of a backtest.

Pure numpy/pandas, no I/O. Conventions:

- errors are `yhat - y`; **bias** = sum(yhat - y) / sum(y), positive = over-forecast;
- **WAPE** = sum|yhat - y| / sum|y|;
- **MASE** and **RMSSE** follow the M-competitions (M4 / M5): per series, the out-of-sample MAE
  (MSE) is divided by the in-sample mean absolute (squared) naive error of that series
  (`series_scales`), RMSSE takes the square root, and the result is the unweighted **mean over
  series**, not a pooled ratio. Series without a scale (constant history, too short) are left out
  of both means and counted;
- **pinball** is the mean pinball loss; in `score` it is averaged over the requested quantiles a
  method provides, so a point-only method is scored at 0.5 alone (= MAE / 2).

Quantile forecasts live in columns named after their percentile (`quantile_column`): p10, p50,
p90, p2.5 ...; p50 is the point forecast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "ALL_SEGMENTS",
    "KEYS",
    "SCORE_COLUMNS",
    "UNKNOWN_SEGMENT",
    "bias",
    "coverage",
    "mae",
    "mase",
    "pinball",
    "quantile_column",
    "rmse",
    "rmsse",
    "score",
    "series_scales",
    "wape",
]

KEYS: tuple[str, ...] = ("sku", "location", "date")
SCORE_COLUMNS: tuple[str, ...] = (
    "method",
    "segment",
    "n",
    "series",
    "series_no_scale",
    "MAE",
    "RMSE",
    "MASE",
    "RMSSE",
    "WAPE",
    "bias",
    "pinball",
    "pinball_quantiles",
    "coverage80",
)
ALL_SEGMENTS = "all"
UNKNOWN_SEGMENT = "unknown"
_QUANTILE_COLUMN = re.compile(r"^p(\d+(?:\.\d+)?)$")


def quantile_column(q: float) -> str:
    """Column name of quantile `q` (0.1 -> 'p10', 0.025 -> 'p2.5')."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile {q} is outside (0, 1); use e.g. 0.1 for P10")
    return f"p{round(q * 100, 6):g}"


def _floats(*values: ArrayLike) -> list[np.ndarray]:
    arrays = [np.asarray(v, dtype=np.float64).ravel() for v in values]
    if len({a.size for a in arrays}) > 1:
        sizes = ", ".join(str(a.size) for a in arrays)
        raise ValueError(f"arrays differ in length ({sizes}); align them row by row first")
    return arrays


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator != 0 else float("nan")


def mae(y: ArrayLike, yhat: ArrayLike) -> float:
    """Mean absolute error; NaN when empty."""
    a, b = _floats(y, yhat)
    return float(np.mean(np.abs(b - a))) if a.size else float("nan")


def rmse(y: ArrayLike, yhat: ArrayLike) -> float:
    """Root mean squared error; NaN when empty."""
    a, b = _floats(y, yhat)
    return float(np.sqrt(np.mean((b - a) ** 2))) if a.size else float("nan")


def wape(y: ArrayLike, yhat: ArrayLike) -> float:
    """Weighted absolute percentage error sum|e| / sum|y| (NaN when all actuals are 0)."""
    a, b = _floats(y, yhat)
    return _ratio(float(np.abs(b - a).sum()), float(np.abs(a).sum()))


def bias(y: ArrayLike, yhat: ArrayLike) -> float:
    """sum(yhat - y) / sum(y): positive means over-forecast (NaN when the actuals sum to 0)."""
    a, b = _floats(y, yhat)
    return _ratio(float((b - a).sum()), float(a.sum()))


def pinball(y: ArrayLike, q_pred: ArrayLike, q: float) -> float:
    """Mean pinball (quantile) loss of the `q` quantile forecast; at q = 0.5 it is MAE / 2."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile {q} is outside (0, 1)")
    a, b = _floats(y, q_pred)
    if not a.size:
        return float("nan")
    diff = a - b
    return float(np.mean(np.maximum(q * diff, (q - 1.0) * diff)))


def coverage(y: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> float:
    """Share of actuals inside [lo, hi], bounds included; NaN when empty."""
    a, low, high = _floats(y, lo, hi)
    return float(np.mean((a >= low) & (a <= high))) if a.size else float("nan")


def _per_series_mean(values: np.ndarray, series: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean of `values` per series label, and the label index of each row."""
    codes, uniques = pd.factorize(np.asarray(series).ravel())
    if codes.size != values.size:
        raise ValueError("series labels must give one label per row")
    counts = np.bincount(codes, minlength=len(uniques))
    return np.bincount(codes, weights=values, minlength=len(uniques)) / counts, codes


def _scaled_mean(per_row: np.ndarray, scale: np.ndarray, series: ArrayLike, root: bool) -> float:
    if not per_row.size:
        return float("nan")
    means, codes = _per_series_mean(per_row, series)
    series_scale = np.full(len(means), np.nan)
    series_scale[codes] = scale  # a series has one scale; the last row's wins
    ok = np.isfinite(series_scale) & (series_scale > 0)
    if not ok.any():
        return float("nan")
    ratio = means[ok] / series_scale[ok]
    return float(np.mean(np.sqrt(ratio) if root else ratio))


def mase(y: ArrayLike, yhat: ArrayLike, scale: ArrayLike, series: ArrayLike) -> float:
    """Mean over series of (series MAE / series scale), the M4 definition.

    `scale` (the series' in-sample naive MAE, see `series_scales`) and `series` are given per
    row; rows whose scale is NaN or 0 are left out.
    """
    a, b, s = _floats(y, yhat, scale)
    return _scaled_mean(np.abs(b - a), s, series, root=False)


def rmsse(y: ArrayLike, yhat: ArrayLike, scale_sq: ArrayLike, series: ArrayLike) -> float:
    """Mean over series of sqrt(series MSE / series scale), the M5 definition (unweighted).

    `scale_sq` is the series' in-sample mean squared naive error, given per row.
    """
    a, b, s = _floats(y, yhat, scale_sq)
    return _scaled_mean((b - a) ** 2, s, series, root=True)


def series_scales(history: pd.DataFrame, season: int = 1, *, min_pairs: int = 1) -> pd.DataFrame:
    """Per sku-location the in-sample naive errors that scale MASE (mae_scale) and RMSSE
    (mse_scale), from `demand` of the training history only.

    `season` is the naive's lag: 1 (default) is the one-step naive of M5 and BENCHMARK_PROTOCOL,
    the frequency's season length gives the M4 seasonal scale. Lags count rows, so pass the dense
    cleaned panel (`features.clean.clean_sales`). A series with fewer than `min_pairs` lagged
    pairs or a zero scale (e.g. constant) gets NaN in both; their number is `attrs["no_scale"]`.
    A scale from a handful of in-sample errors is noise, and one series divided by a near-zero
    scale can dominate the mean over thousands (a Walmart department open for three weeks).
    """
    missing = [c for c in ("sku", "location", "date", "demand") if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks column(s) {missing}; pass the cleaned panel")
    if season < 1:
        raise ValueError(f"season must be >= 1 (the naive's lag), got {season}")
    if min_pairs < 1:
        raise ValueError(f"min_pairs must be >= 1, got {min_pairs}")
    groups = history.groupby(["sku", "location"], observed=True, sort=True)
    sid = groups.ngroup().to_numpy()
    n_series = groups.ngroups
    order = np.lexsort((history["date"].to_numpy(), sid))
    sid, y = sid[order], history["demand"].to_numpy(dtype=np.float64)[order]
    same = sid[season:] == sid[:-season] if len(sid) > season else np.zeros(0, dtype=bool)
    diff = (y[season:] - y[:-season])[same]
    owner = sid[season:][same]
    pairs = np.bincount(owner, minlength=n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae_scale = np.bincount(owner, weights=np.abs(diff), minlength=n_series) / pairs
        mse_scale = np.bincount(owner, weights=diff**2, minlength=n_series) / pairs
    no_scale = ~(np.isfinite(mae_scale) & (mae_scale > 0)) | (pairs < min_pairs)
    mae_scale[no_scale] = np.nan
    mse_scale[no_scale] = np.nan
    out = groups.size().index.to_frame(index=False)
    out["periods"] = groups.size().to_numpy()
    out["mae_scale"] = mae_scale
    out["mse_scale"] = mse_scale
    out.attrs["no_scale"] = int(no_scale.sum())
    return out


def _string_keys(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Keys as plain strings (and dates at one unit) so tables built apart merge exactly."""
    out = frame.copy()
    for key in keys:
        if key == "date":
            out[key] = pd.to_datetime(out[key]).astype("datetime64[us]")
        else:
            out[key] = out[key].astype("str")
    return out


def _require(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it needs {list(columns)}")


def _unique_series(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if frame.duplicated(["sku", "location"]).any():
        raise ValueError(f"{name} has several rows for one (sku, location); keep one per series")
    return frame


def _scored_rows(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    scales: pd.DataFrame,
    segments: pd.DataFrame | None,
    quantile_cols: list[str],
) -> pd.DataFrame:
    """Forecast rows that have an actual, with their series' scales, segment and code."""
    fc = _string_keys(forecasts[[*KEYS, "method", *quantile_cols]], KEYS)
    act = _string_keys(actuals[[*KEYS, "actual"]], KEYS).dropna(subset=["actual"])
    if act.duplicated(list(KEYS)).any():
        raise ValueError("actuals has duplicate (sku, location, date) rows; keep one per period")
    data = fc.merge(act, on=list(KEYS), how="inner")
    scale = _string_keys(scales[["sku", "location", "mae_scale", "mse_scale"]], KEYS[:2])
    data = data.merge(_unique_series(scale, "scales"), on=["sku", "location"], how="left")
    if segments is not None:
        seg = _string_keys(segments[["sku", "location", "segment"]], KEYS[:2])
        data = data.merge(_unique_series(seg, "segments"), on=["sku", "location"], how="left")
        data["segment"] = data["segment"].fillna(UNKNOWN_SEGMENT).astype("str")
    else:
        data["segment"] = ALL_SEGMENTS
    data["series_id"] = data.groupby(["sku", "location"], sort=False).ngroup()
    return data


def _metrics_row(
    rows: pd.DataFrame, quantile_cols: dict[float, str], quantiles: Sequence[float]
) -> dict[str, object]:
    y = rows["actual"].to_numpy(dtype=np.float64)
    p50 = rows["p50"].to_numpy(dtype=np.float64)
    sid = rows["series_id"].to_numpy()
    mae_scale = rows["mae_scale"].to_numpy(dtype=np.float64)
    no_scale = pd.unique(sid[~(np.isfinite(mae_scale) & (mae_scale > 0))])
    # A quantile counts for a method only where it forecast it on every row of the group.
    provided = [q for q in quantiles if q in quantile_cols and rows[quantile_cols[q]].notna().all()]
    losses = [pinball(y, rows[quantile_cols[q]], q) for q in provided]
    has_80 = all(q in quantile_cols and rows[quantile_cols[q]].notna().all() for q in (0.1, 0.9))
    return {
        "n": len(rows),
        "series": len(pd.unique(sid)),
        "series_no_scale": len(no_scale),
        "MAE": mae(y, p50),
        "RMSE": rmse(y, p50),
        "MASE": mase(y, p50, mae_scale, sid),
        "RMSSE": rmsse(y, p50, rows["mse_scale"], sid),
        "WAPE": wape(y, p50),
        "bias": bias(y, p50),
        "pinball": float(np.mean(losses)) if losses else float("nan"),
        "pinball_quantiles": ",".join(f"{q:g}" for q in provided),
        "coverage80": (
            coverage(y, rows[quantile_cols[0.1]], rows[quantile_cols[0.9]])
            if has_80
            else float("nan")
        ),
    }


def score(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    scales: pd.DataFrame,
    segments: pd.DataFrame | None = None,
    *,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
) -> pd.DataFrame:
    """One row of metrics per (method, segment), plus segment 'all' per method (SCORE_COLUMNS).

    Scores forecast rows that have a non-missing actual (inner join on sku, location, date).
    `scales` is `series_scales` of the training history; series missing from it or without a
    scale are counted in `series_no_scale` and left out of MASE/RMSSE. Series missing from
    `segments` fall in segment 'unknown'. `pinball` averages the pinball loss over those of
    `quantiles` whose column (`quantile_column`) the method fills on every row of the group,
    listed in `pinball_quantiles`; `coverage80` is the share of actuals in [p10, p90], NaN
    without both.
    """
    _require(forecasts, "forecasts", [*KEYS, "method", "p50"])
    _require(actuals, "actuals", [*KEYS, "actual"])
    _require(scales, "scales", ["sku", "location", "mae_scale", "mse_scale"])
    if segments is not None:
        _require(segments, "segments", ["sku", "location", "segment"])
    quantile_cols = {
        round(float(m.group(1)) / 100, 9): c
        for c in forecasts.columns
        if (m := _QUANTILE_COLUMN.match(str(c)))
    }
    missing_p50 = forecasts.loc[forecasts["p50"].isna(), "method"]
    if len(missing_p50):
        counts = missing_p50.value_counts().to_dict()
        raise ValueError(f"p50 forecasts missing {counts} (method: rows); fill or drop them first")
    data = _scored_rows(forecasts, actuals, scales, segments, list(quantile_cols.values()))
    wanted = [round(float(q), 9) for q in quantiles]
    records = []
    for method, rows in data.groupby("method", sort=True):
        records.append(
            {"method": method, "segment": ALL_SEGMENTS, **_metrics_row(rows, quantile_cols, wanted)}
        )
        if segments is None:
            continue
        for seg, seg_rows in rows.groupby("segment", sort=True):
            records.append(
                {"method": method, "segment": seg, **_metrics_row(seg_rows, quantile_cols, wanted)}
            )
    return pd.DataFrame.from_records(records, columns=list(SCORE_COLUMNS))
