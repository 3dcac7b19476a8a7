"""Live accuracy: past forecasts (the forecast log) scored against the actuals that arrived since.

Metrics follow `training.metrics`, so live numbers compare with the backtest's: errors are
forecast - actual; bias = sum(f - a) / sum(a) (positive = over-forecast); WAPE; MASE (per series
MAE over its one-step naive scale from the history before the first scored origin, then the mean
over series); P10-P90 coverage. Only observed periods count: gap periods (no data) and stockout
periods (demand was censored, the actual is an estimate) are left out, as in the backtest.

**Tracking signal** = cumulative error / mean absolute error, on the latest forecast of each
target date (the one the plan acted on). Per series it says whether that series is persistently
biased (|TS| > the limit, 4 by default: out of control); per segment it is computed on the
segment's summed forecast and actual per date. A target date is forecast by every plan within
the horizon, so the other metrics pool all (origin, step) rows.

Pure pandas/numpy; the caller reads the log and the panel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from training.metrics import UNKNOWN_SEGMENT, bias, coverage, mase, series_scales, wape

__all__ = [
    "ALL",
    "LivePerformance",
    "VersionScore",
    "join_actuals",
    "score_live",
    "tracking_signal",
]

ALL = "all"
_KEYS = ["sku", "location"]
TABLE_COLUMNS = (
    "model_version",
    "segment",
    "n",
    "series",
    "MAE",
    "MASE",
    "WAPE",
    "bias",
    "coverage80",
    "tracking_signal",
    "series_out_of_control",
    "first_date",
    "last_date",
)


@dataclass(frozen=True)
class VersionScore:
    """A model version's live accuracy over everything scored (segment 'all')."""

    model_version: int
    n: int
    series: int
    MAE: float  # noqa: N815 - metric names as the backtest spells them
    MASE: float  # noqa: N815
    WAPE: float  # noqa: N815
    bias: float
    coverage80: float
    tracking_signal: float
    first_date: dt.date | None
    last_date: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("first_date", "last_date"):
            out[key] = None if out[key] is None else out[key].isoformat()
        return out


@dataclass(frozen=True)
class LivePerformance:
    """Per (model version, segment) scores, segment 'all' included, and the per-version view."""

    table: pd.DataFrame
    versions: dict[int, VersionScore]

    def to_dict(self) -> dict[str, Any]:
        table = self.table.copy()
        for column in ("first_date", "last_date"):
            table[column] = table[column].astype("str")
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        return {
            "table": records,
            "versions": {str(v): s.to_dict() for v, s in self.versions.items()},
        }


def tracking_signal(forecast: np.ndarray, actual: np.ndarray) -> float:
    """sum(f - a) / mean|f - a|: NaN without error (a perfect or empty record)."""
    error = np.asarray(forecast, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    mad = float(np.mean(np.abs(error))) if error.size else 0.0
    return float(error.sum() / mad) if mad > 0 else float("nan")


def join_actuals(forecasts: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Logged forecasts with the panel's actual demand on observed periods only (inner join)."""
    needed = {"sku", "location", "date", "demand"}
    missing = sorted(needed - set(panel.columns))
    if missing:
        raise ValueError(f"panel lacks column(s) {missing}; pass the cleaned panel")
    dates = pd.to_datetime(forecasts["date"])
    observed = panel[(panel["date"] >= dates.min()) & (panel["date"] <= dates.max())]
    for flag in ("gap", "censored"):
        if flag in panel.columns:
            observed = observed[~observed[flag].to_numpy(dtype=bool)]
    actuals = observed[[*_KEYS, "date", "demand"]].astype({"sku": "str", "location": "str"})
    actuals = actuals.assign(date=pd.to_datetime(actuals["date"]))
    left = forecasts.astype({"sku": "str", "location": "str"})
    left = left.assign(date=pd.to_datetime(left["date"]))
    return left.merge(actuals, on=[*_KEYS, "date"], how="inner", validate="many_to_one")


def _latest_per_date(scored: pd.DataFrame) -> pd.DataFrame:
    # The forecast a plan acted on for a date is the most recent one: the smallest step.
    order = scored.sort_values([*_KEYS, "date", "step"], kind="stable")
    return order.drop_duplicates([*_KEYS, "date"], keep="first")


def _series_tracking(latest: pd.DataFrame) -> pd.Series:
    # Vectorised tracking_signal per series: sum(e) / mean|e|.
    error = latest["p50"].to_numpy(dtype=np.float64) - latest["demand"].to_numpy(dtype=np.float64)
    frame = latest[_KEYS].assign(e=error, abs_e=np.abs(error))
    grouped = frame.groupby(_KEYS, sort=False)
    total, mad = grouped["e"].sum(), grouped["abs_e"].mean()
    return (total / mad.where(mad > 0)).astype("float64")


def _group_row(rows: pd.DataFrame, latest: pd.DataFrame, limit: float) -> dict[str, Any]:
    y = rows["demand"].to_numpy(dtype=np.float64)
    f = rows["p50"].to_numpy(dtype=np.float64)
    has_band = rows["p10"].notna() & rows["p90"].notna()
    series_ids = rows["sku"] + "\x1f" + rows["location"]
    per_date = latest.groupby("date", sort=True)[["p50", "demand"]].sum()
    per_series = _series_tracking(latest).dropna()
    return {
        "n": len(rows),
        "series": int(series_ids.nunique()),
        "MAE": float(np.mean(np.abs(f - y))) if len(rows) else float("nan"),
        "MASE": mase(y, f, rows["scale"].to_numpy(dtype=np.float64), series_ids.to_numpy()),
        "WAPE": wape(y, f),
        "bias": bias(y, f),
        "coverage80": coverage(
            y[has_band.to_numpy()],
            rows.loc[has_band, "p10"].to_numpy(),
            rows.loc[has_band, "p90"].to_numpy(),
        ),
        "tracking_signal": tracking_signal(
            per_date["p50"].to_numpy(), per_date["demand"].to_numpy()
        ),
        "series_out_of_control": float((per_series.abs() > limit).mean())
        if len(per_series)
        else float("nan"),
        "first_date": rows["date"].min().date() if len(rows) else None,
        "last_date": rows["date"].max().date() if len(rows) else None,
    }


def _with_segments(scored: pd.DataFrame, segments: pd.DataFrame | None) -> pd.DataFrame:
    if segments is not None and len(segments):
        table = segments[[*_KEYS, "segment"]].astype("str").drop_duplicates(_KEYS)
        scored = scored.drop(columns=["segment"], errors="ignore")
        scored = scored.merge(table, on=_KEYS, how="left")
    elif "segment" not in scored.columns:
        scored = scored.assign(segment=None)
    segment = scored["segment"].astype("object")
    return scored.assign(segment=segment.where(segment.notna(), UNKNOWN_SEGMENT).astype("str"))


def score_live(
    forecasts: pd.DataFrame,
    panel: pd.DataFrame,
    *,
    segments: pd.DataFrame | None = None,
    tracking_limit: float = 4.0,
) -> LivePerformance:
    """Score logged forecasts (`ForecastLog.read`) against the cleaned panel's actual demand,
    per model version and segment ('all' included). `segments` (sku, location, segment)
    overrides the segment logged with each forecast."""
    if tracking_limit <= 0:
        raise ValueError(f"tracking_limit must be > 0; got {tracking_limit}")
    missing = sorted({"sku", "location", "date", "step", "model_version", "p50"} - set(forecasts))
    if missing:
        raise ValueError(f"forecasts lack column(s) {missing}; pass ForecastLog.read() rows")
    empty = pd.DataFrame(columns=list(TABLE_COLUMNS))
    if forecasts.empty:
        return LivePerformance(table=empty, versions={})
    for band in ("p10", "p90"):  # coverage needs both; a log without them scores the rest
        if band not in forecasts.columns:
            forecasts = forecasts.assign(**{band: np.nan})
    scored = join_actuals(forecasts, panel)
    if scored.empty:
        return LivePerformance(table=empty, versions={})
    first_origin = pd.to_datetime(scored["origin"]).min() if "origin" in scored else None
    history = panel if first_origin is None else panel[panel["date"] <= first_origin]
    min_pairs = int(scored["step"].max())  # as the backtest: a horizon of naive errors
    scales = series_scales(history, min_pairs=min_pairs).astype({"sku": "str", "location": "str"})
    scored = scored.merge(
        scales[[*_KEYS, "mae_scale"]].rename(columns={"mae_scale": "scale"}), on=_KEYS, how="left"
    )
    scored = _with_segments(scored, segments)
    rows = []
    for version in sorted(int(v) for v in scored["model_version"].unique()):
        by_version = scored[scored["model_version"] == version]
        latest = _latest_per_date(by_version)
        rows.append(
            {"model_version": version, "segment": ALL}
            | _group_row(by_version, latest, tracking_limit)
        )
        for segment in sorted(str(s) for s in by_version["segment"].unique()):
            part = by_version[by_version["segment"] == segment]
            part_latest = latest[latest["segment"] == segment]
            rows.append(
                {"model_version": version, "segment": segment}
                | _group_row(part, part_latest, tracking_limit)
            )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    overall = table[table["segment"] == ALL]
    versions = {
        int(r["model_version"]): VersionScore(
            **{k: r[k] for k in VersionScore.__dataclass_fields__ if k in r}
        )
        for r in overall.to_dict("records")
    }
    return LivePerformance(table=table, versions=versions)
