"""Why each stockout happened, so the right team acts: data, supply, forecast, or policy.

Every stockout period of a series (a panel row with `stockout`) inside the forecast log's span
gets exactly one cause, by the first rule that holds, in this order:

1. **data_failure** (data / platform team): the series' data was missing or rejected shortly
   before the stockout (a `gap` period or a quarantined sales row in the `data_days` up to and
   including the stockout date), or no forecast was logged for the series and date (the
   planning run failed or skipped it). Checked first: with bad inputs, the other judgments
   are not reliable.
2. **supply_failure** (purchasing / supplier management): a receipt for the sku at the location
   or at the DC that replenishes it was promised within `lookback_days` before the stockout (or
   on its day) and arrived after the stockout date, or has not arrived; or it arrived short
   (qty below `ordered_qty`, when the receipts carry an ordered quantity).
3. **forecast_error** (demand planning / ML): demand on the stockout period was above the
   planned quantile of the latest logged forecast for that date, the quantile being the
   segment's cycle service level rounded up to a logged one (0.95 -> P95, 0.97 -> P98, at most
   the highest logged).
4. **policy** (inventory policy owners): none of the above: data present, supply on time,
   demand within the planned quantile, and stock still ran out, so the target or parameters
   (service level, review period, safety stock) were too low.

Stockouts before the first logged forecast date are outside what can be judged and are left
out (`outside_log` in the counts' attrs). Pure function over frames; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["CAUSES", "Cause", "cause_counts", "classify_stockouts", "planned_quantile_column"]

Cause = Literal["data_failure", "supply_failure", "forecast_error", "policy"]
CAUSES: tuple[Cause, ...] = ("data_failure", "supply_failure", "forecast_error", "policy")
_KEYS = ["sku", "location"]
_LOGGED = {"p10": 0.10, "p50": 0.50, "p90": 0.90, "p95": 0.95, "p98": 0.98}
DEFAULT_LEVEL = 0.95


def planned_quantile_column(level: float, available: list[str]) -> str:
    """The logged quantile column at or above `level` (the highest one when none is)."""
    levels = sorted((_LOGGED[c], c) for c in available if c in _LOGGED)
    if not levels:
        raise ValueError(f"no quantile columns among {available}; log p50 ... p98 forecasts")
    for value, column in levels:
        if value >= level - 1e-9:
            return column
    return levels[-1][1]


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="ISO8601")


def _recent_data_problems(
    stockouts: pd.DataFrame, panel: pd.DataFrame, quarantined: pd.DataFrame | None, days: int
) -> np.ndarray:
    bad_parts = []
    if "gap" in panel.columns:
        gaps = panel.loc[panel["gap"].to_numpy(dtype=bool), [*_KEYS, "date"]]
        bad_parts.append(gaps.astype({"sku": "str", "location": "str"}))
    if quarantined is not None and len(quarantined):
        rejected = quarantined[[*_KEYS, "date"]].astype({"sku": "str", "location": "str"})
        bad_parts.append(rejected.assign(date=_dates(quarantined["date"])).dropna())
    if not bad_parts:
        return np.zeros(len(stockouts), dtype=bool)
    bad = pd.concat(bad_parts, ignore_index=True).rename(columns={"date": "bad_date"})
    pairs = stockouts[[*_KEYS, "date"]].reset_index().merge(bad, on=_KEYS, how="inner")
    near = (pairs["bad_date"] <= pairs["date"]) & (
        pairs["bad_date"] > pairs["date"] - pd.Timedelta(days=days)
    )
    flagged = np.zeros(len(stockouts), dtype=bool)
    flagged[pairs.loc[near, "index"].to_numpy(dtype=np.int64)] = True
    return flagged


def _supply_problems(
    stockouts: pd.DataFrame,
    receipts: pd.DataFrame | None,
    parents: Mapping[str, str],
    days: int,
) -> tuple[np.ndarray, list[str]]:
    flagged = np.zeros(len(stockouts), dtype=bool)
    details = [""] * len(stockouts)
    if receipts is None or receipts.empty:
        return flagged, details
    cols = ["sku", "location", "promised_on", "received_on", "qty"]
    missing = [c for c in cols if c not in receipts.columns]
    if missing:
        raise ValueError(f"receipts lack column(s) {missing}; pass the receipts contract table")
    table = receipts.astype({"sku": "str", "location": "str"}).assign(
        promised_on=_dates(receipts["promised_on"]), received_on=_dates(receipts["received_on"])
    )
    ordered = receipts["ordered_qty"] if "ordered_qty" in receipts.columns else None
    table["short"] = False if ordered is None else (receipts["qty"] < ordered).to_numpy()
    base = stockouts[[*_KEYS, "date"]].reset_index()
    # A store is served by its DC: a late DC receipt explains a store stockout too.
    at_dc = base.assign(location=base["location"].map(dict(parents))).dropna(subset=["location"])
    pairs = pd.concat([base, at_dc], ignore_index=True).merge(table, on=_KEYS, how="inner")
    promised = (pairs["promised_on"] <= pairs["date"]) & (
        pairs["promised_on"] >= pairs["date"] - pd.Timedelta(days=days)
    )
    late = pairs["received_on"].isna() | (pairs["received_on"] > pairs["date"])
    hit = pairs[promised & (late | pairs["short"])]
    for i, location, promised_on, received_on, short in zip(
        hit["index"].to_numpy(dtype=np.int64),
        hit["location"],
        hit["promised_on"].dt.date,
        hit["received_on"],
        hit["short"].to_numpy(dtype=bool),
        strict=True,
    ):
        if flagged[i]:
            continue
        flagged[i] = True
        receipt = f"receipt at {location} promised {promised_on}"
        if short:
            details[i] = f"{receipt} arrived short"
        elif pd.isna(received_on):
            details[i] = f"{receipt} not received"
        else:
            details[i] = f"{receipt} arrived {pd.Timestamp(received_on).date()}"
    return flagged, details


def classify_stockouts(
    panel: pd.DataFrame,
    *,
    forecasts: pd.DataFrame,
    receipts: pd.DataFrame | None = None,
    quarantined: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    service_levels: Mapping[str, float] | None = None,
    parents: Mapping[str, str] | None = None,
    lookback_days: int = 28,
    data_days: int = 7,
) -> pd.DataFrame:
    """One row per judged stockout: sku, location, date, segment, cause, detail.

    `panel` is the cleaned panel (its stockout rows are judged, its gaps are data problems);
    `forecasts` the forecast log rows (`ForecastLog.read`); `service_levels` maps a segment to
    its cycle service level (default 0.95); `parents` maps a store to its DC.
    """
    if lookback_days < 0 or data_days < 1:
        raise ValueError("lookback_days must be >= 0 and data_days >= 1")
    columns = ["sku", "location", "date", "segment", "cause", "detail"]
    required = {"sku", "location", "date", "demand", "stockout"}
    if required - set(panel.columns):
        raise ValueError(f"panel lacks column(s) {sorted(required - set(panel.columns))}")
    panel = panel.assign(date=pd.to_datetime(panel["date"]))
    panel = panel.astype({"sku": "str", "location": "str"})
    if forecasts.empty:
        out = pd.DataFrame(columns=columns)
        out.attrs["outside_log"] = int(panel["stockout"].to_numpy(dtype=bool).sum())
        return out
    logged = forecasts.astype({"sku": "str", "location": "str"}).assign(
        date=pd.to_datetime(forecasts["date"])
    )
    first, last = logged["date"].min(), logged["date"].max()
    is_stockout = panel["stockout"].to_numpy(dtype=bool)
    stockouts = panel[is_stockout & (panel["date"] >= first) & (panel["date"] <= last)]
    stockouts = stockouts.reset_index(drop=True)
    outside = int(is_stockout.sum()) - len(stockouts)
    if segments is not None and len(segments):
        seg = segments[[*_KEYS, "segment"]].astype("str").drop_duplicates(_KEYS)
        stockouts = stockouts.drop(columns=["segment"], errors="ignore").merge(
            seg, on=_KEYS, how="left"
        )
    if "segment" not in stockouts.columns:
        stockouts["segment"] = None
    stockouts["segment"] = stockouts["segment"].astype("object").fillna("unknown").astype("str")

    # The forecast the plan acted on for each date: the latest one (smallest step).
    latest = logged.sort_values([*_KEYS, "date", "step"], kind="stable")
    latest = latest.drop_duplicates([*_KEYS, "date"], keep="first")
    available = [c for c in _LOGGED if c in latest.columns and latest[c].notna().any()]
    joined = stockouts.merge(latest[[*_KEYS, "date", *available]], on=[*_KEYS, "date"], how="left")
    levels = service_levels or {}
    planned = np.full(len(joined), np.nan)
    planned_name = np.full(len(joined), "", dtype=object)
    for segment in joined["segment"].unique():
        column = planned_quantile_column(float(levels.get(segment, DEFAULT_LEVEL)), available)
        rows = (joined["segment"] == segment).to_numpy()
        planned[rows] = joined.loc[rows, column].to_numpy(dtype=np.float64)
        planned_name[rows] = column
    no_forecast = joined["p50"].isna().to_numpy() if "p50" in joined else np.ones(len(joined), bool)

    data_bad = _recent_data_problems(stockouts, panel, quarantined, data_days)
    supply_bad, supply_detail = _supply_problems(stockouts, receipts, parents or {}, lookback_days)
    demand = joined["demand"].to_numpy(dtype=np.float64)
    causes, details = [], []
    for i in range(len(joined)):
        if data_bad[i]:
            causes.append("data_failure")
            details.append(f"missing or quarantined sales within {data_days} days before")
        elif no_forecast[i]:
            causes.append("data_failure")
            details.append("no forecast logged for this series and date (failed or skipped run)")
        elif supply_bad[i]:
            causes.append("supply_failure")
            details.append(supply_detail[i])
        elif demand[i] > planned[i]:
            causes.append("forecast_error")
            details.append(
                f"demand {demand[i]:.1f} above planned {planned_name[i]} {planned[i]:.1f}"
            )
        else:
            causes.append("policy")
            details.append(
                f"demand {demand[i]:.1f} within planned {planned_name[i]} {planned[i]:.1f}, "
                "supply on time: target or parameters too low"
            )
    out = joined[["sku", "location", "date", "segment"]].assign(cause=causes, detail=details)
    out.attrs["outside_log"] = outside
    return out[columns]


def cause_counts(classified: pd.DataFrame) -> pd.DataFrame:
    """Stockouts per segment (rows, 'all' last) and cause (columns, every cause present)."""
    if classified.empty:
        table = pd.DataFrame(0, index=pd.Index(["all"], name="segment"), columns=list(CAUSES))
    else:
        table = pd.crosstab(classified["segment"], classified["cause"])
        table = table.reindex(columns=list(CAUSES), fill_value=0)
        table.loc["all"] = table.sum(axis=0)
    table["total"] = table[list(CAUSES)].sum(axis=1)
    table.columns.name = None
    table.attrs = dict(classified.attrs)
    return table.astype("int64")
