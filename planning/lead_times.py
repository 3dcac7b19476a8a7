"""Lead-time quantiles (days) per replenishment lane, for the Monte Carlo of the policy.

A lane is (supplier, sku, destination). Sources, in order of preference:

1. the champion `lead-time` model, asked about an order placed at the review date that looks
   like the lane's latest receipt (mode, origin, product group, quantity, value), its recent
   levels read from every receipt already received (`history=`, leakage-free by construction);
2. without a champion (the gate kept the model as challenger, e.g. on the stationary demo where
   a lane median is near optimal), the lane's own recent receipts: empirical quantiles of the
   last `window` receipts of (supplier, destination), else of the supplier, else of everyone;
3. without any receipt, the stated assumption `assumed_days` (a point mass).

Every lane says which source it used (`source`), so a buyer can see why a lead time is what it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from training.leadtime_features import lead_time_days
from training.loading import LoadedModel

__all__ = ["LEAD_TIME_LEVELS", "lane_lead_times", "level_columns", "transfer_lead_times"]

LEAD_TIME_LEVELS: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
_COLUMNS = [f"p{round(q * 100)}" for q in LEAD_TIME_LEVELS]
_LANE = ["supplier", "sku", "location"]


def _recent(receipts: pd.DataFrame, window: int) -> pd.DataFrame:
    lead = lead_time_days(receipts)
    ok = lead.notna().to_numpy() & (lead >= 0).to_numpy()
    frame = receipts.loc[ok].assign(lead_days=lead[ok].to_numpy())
    frame = frame.sort_values("received_on")
    for column in ("supplier", "location"):
        frame[column] = frame[column].astype("str")
    return frame.groupby(["supplier", "location"], observed=True).tail(window)


def _empirical(lanes: pd.DataFrame, receipts: pd.DataFrame, window: int) -> pd.DataFrame:
    """Quantiles of recent lead times per lane, at the finest level with at least 5 receipts."""
    recent = _recent(receipts, window)
    out = np.full((len(lanes), len(LEAD_TIME_LEVELS)), np.nan)
    source = np.full(len(lanes), "", dtype=object)
    finer_to_coarser: tuple[tuple[list[str], str], ...] = (
        (["supplier", "location"], "lane history"),
        (["supplier"], "supplier history"),
        ([], "all receipts"),
    )
    # No usable receipt (no date or received before ordered): every lane falls to the assumption.
    for keys, label in () if recent.empty else finer_to_coarser:
        todo = np.isnan(out[:, 0])
        if not todo.any():
            break
        groups = recent.groupby(keys, observed=True) if keys else None
        if groups is None:
            if len(recent) < 1:
                break
            values = np.quantile(recent["lead_days"].to_numpy(), LEAD_TIME_LEVELS)
            out[todo] = values
            source[todo] = label
            continue
        counts = groups["lead_days"].size()
        table = groups["lead_days"].quantile(np.asarray(LEAD_TIME_LEVELS)).unstack()
        table = table[counts.reindex(table.index) >= 5]
        joined = (
            lanes[keys]
            .astype("str")
            .merge(table.reset_index().astype({k: "str" for k in keys}), on=keys, how="left")
        )
        values = joined[list(LEAD_TIME_LEVELS)].to_numpy(dtype=np.float64)
        found = todo & ~np.isnan(values[:, 0])
        out[found] = values[found]
        source[found] = label
    result = lanes[_LANE].reset_index(drop=True).copy()
    result[_COLUMNS] = out
    result["source"] = source
    return result


def _from_model(
    lanes: pd.DataFrame, receipts: pd.DataFrame, model: LoadedModel, review_date: pd.Timestamp
) -> pd.DataFrame:
    """The model's quantiles for an order at `review_date` shaped like each lane's last receipt."""
    last = receipts.sort_values("ordered_on").astype({c: "str" for c in _LANE})
    last = last.drop_duplicates(_LANE, keep="last")
    orders = lanes[_LANE].astype("str").merge(last, on=_LANE, how="left")
    orders["ordered_on"] = review_date
    orders["supplier"] = lanes["supplier"].astype("str").to_numpy()
    known = orders["mode"].notna().to_numpy() if "mode" in orders else np.zeros(len(orders), bool)
    inner = model.python_model.model
    predicted = inner.predict(orders, history=receipts)
    result = lanes[_LANE].reset_index(drop=True).copy()
    levels = [float(c.removeprefix("p")) / 100 for c in predicted.columns]
    values = predicted.to_numpy(dtype=np.float64)
    # Re-express on the plan's levels; the model's own quantile set may differ.
    result[_COLUMNS] = np.stack([np.interp(LEAD_TIME_LEVELS, levels, row) for row in values])
    result["source"] = f"lead-time model v{model.version}"
    result.loc[~known, _COLUMNS] = np.nan  # no receipt on the lane: no shape to ask about
    return result


def lane_lead_times(
    lanes: pd.DataFrame,
    receipts: pd.DataFrame,
    *,
    review_date: pd.Timestamp,
    model: LoadedModel | None,
    assumed_days: float,
    window: int = 30,
) -> pd.DataFrame:
    """supplier, sku, location, p10 ... p95 (days, non-decreasing) and `source` per lane."""
    if lanes.empty:
        return pd.DataFrame(columns=[*_LANE, *_COLUMNS, "source"])
    lanes = lanes[_LANE].reset_index(drop=True)
    result = pd.DataFrame(columns=[*_LANE, *_COLUMNS, "source"])
    if model is not None and not receipts.empty:
        result = _from_model(lanes, receipts, model, review_date)
    missing = result[_COLUMNS[0]].isna().to_numpy() if len(result) else np.ones(len(lanes), bool)
    if missing.any():
        fallback = (
            _empirical(lanes, receipts, window)
            if not receipts.empty
            else lanes.assign(**{c: np.nan for c in _COLUMNS}, source="")
        )
        result = fallback if result.empty else result
        result.loc[missing, [*_COLUMNS, "source"]] = fallback.loc[
            missing, [*_COLUMNS, "source"]
        ].to_numpy()
    still = result[_COLUMNS[0]].isna().to_numpy()
    result.loc[still, _COLUMNS] = float(assumed_days)
    result.loc[still, "source"] = f"assumed {assumed_days:g} days (no receipts)"
    values = np.maximum.accumulate(result[_COLUMNS].to_numpy(dtype=np.float64), axis=1)
    result[_COLUMNS] = np.clip(values, 0.0, None)
    return result


def transfer_lead_times(lanes: pd.DataFrame, *, days: float) -> pd.DataFrame:
    """DC-to-store transfers: the stated transfer time for every lane (no receipts record them)."""
    result = lanes[_LANE].reset_index(drop=True).copy()
    result[_COLUMNS] = float(days)
    result["source"] = f"transfer time {days:g} days (setting)"
    return result


def level_columns(levels: Sequence[float] = LEAD_TIME_LEVELS) -> list[str]:
    """Column names of `levels` as written by `lane_lead_times`."""
    return [f"p{round(q * 100)}" for q in levels]
