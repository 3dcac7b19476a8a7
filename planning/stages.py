"""The two decisions of a plan, as tables: stores (from their DC or supplier), then DCs.

Each stage returns one row per reviewed series with the policy numbers in units and days, the
rounded quantity, where the units come from (`source`, `source_kind`) and the lead-time source.
Lead times are converted to periods for the maths (days / frequency days) and back for display.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from inventory.allocation import allocate
from inventory.service_targets import ServiceTarget, ServiceTargets
from planning.decide import MonteCarlo, review_decisions
from planning.echelon import aggregate_quantiles, tier_priority
from planning.lead_times import LEAD_TIME_LEVELS, level_columns

__all__ = ["StageInput", "allocate_transfers", "decide_stage", "dc_stage_input"]

_KEYS = ["sku", "location"]


@dataclass
class StageInput:
    """Series of one stage: attributes (`series`), demand cube, lead times (days), targets and
    the forecasts' calibration."""

    series: pd.DataFrame  # sku, location, segment, source, source_kind, unit_cost, pack, moq, ...
    quantiles: np.ndarray  # (N, H, Q) per-period demand
    levels: tuple[float, ...]
    lead_days: pd.DataFrame  # row-aligned: p10 ... p95 (days) and `source`
    targets: list[ServiceTarget]
    # (N, len(inventory.calibration.GRID)) PIT maps of the forecasts; None: used as they are.
    calibration: np.ndarray | None = None


def decide_stage(
    stage: StageInput, *, period_days: int, sampling: MonteCarlo, apply_moq: bool = True
) -> pd.DataFrame:
    """Policy numbers and rounded quantities per series of the stage (`review_decisions`: the
    lost-sales fill-rate level, or the CSL quantile for a target without a fill rate)."""
    series = stage.series.reset_index(drop=True)
    lead_periods = stage.lead_days[level_columns()].to_numpy(dtype=np.float64) / period_days
    review = np.array([t.review_period or 1 for t in stage.targets], dtype=np.float64)
    position = (series["on_hand"] + series["on_order"] - series["backorders"]).to_numpy(
        dtype=np.float64
    )
    moq = series["moq"].to_numpy() if apply_moq else np.zeros(len(series), dtype=np.int64)
    decisions = review_decisions(
        stage.quantiles,
        stage.levels,
        lead_periods,
        LEAD_TIME_LEVELS,
        review_period=review,
        position=position,
        targets=stage.targets,
        pack_size=series["pack_size"].to_numpy(),
        moq=moq,
        sampling=sampling,
        segments=series["segment"].astype("str").tolist() if "segment" in series else None,
        calibration=stage.calibration,
    )
    numbers = decisions.numbers
    out = series.copy()
    out["position"] = position
    out["expected_demand"] = numbers.expected_demand
    out["safety_stock"] = numbers.safety_stock
    out["reorder_point"] = numbers.reorder_point
    out["order_up_to"] = numbers.order_up_to
    out["stockout_probability"] = numbers.stockout_risk
    out["stockout_after_order"] = numbers.stockout_risk_after_order
    out["lead_time_p50"] = decisions.lead_time_p50 * period_days
    out["lead_time_p90"] = decisions.lead_time_p90 * period_days
    out["lead_time_source"] = stage.lead_days["source"].to_numpy()
    out["review_days"] = review * period_days
    out["protection_periods"] = np.ceil(decisions.lead_time_p50 + review).astype(np.int64)
    out["service_kind"] = ["fill_rate" if t.fill_rate is not None else "csl" for t in stage.targets]
    out["service_target"] = [
        t.fill_rate if t.fill_rate is not None else t.cycle_service_level for t in stage.targets
    ]
    out["requested"] = decisions.quantity
    out["quantity"] = decisions.quantity
    return out


def allocate_transfers(
    stores: pd.DataFrame, dc_stock: pd.DataFrame, tier_order: tuple[str, ...]
) -> pd.DataFrame:
    """Cut store requests to what each DC holds for the sku, by tier then fair share.

    `dc_stock`: sku, location (the DC), available units. Stores replenished by a supplier are
    untouched. Adds `allocated`, `priority` and `short` (the DC could not cover the request).
    """
    out = stores.copy()
    out["allocated"] = out["requested"].to_numpy()
    out["priority"] = tier_priority(out["tier"].astype("str").tolist(), tier_order)
    out["short"] = False
    available = {
        (str(s), str(loc)): max(0, int(np.floor(a)))
        for s, loc, a in dc_stock[["sku", "location", "available"]].itertuples(index=False)
    }
    from_dc = (out["source_kind"] == "dc").to_numpy()
    for (sku, dc), group in out[from_dc].groupby(["sku", "source"]):
        index = group.index.to_numpy()
        requests = group["requested"].to_numpy(dtype=np.int64)
        stock = available.get((str(sku), str(dc)), 0)
        if requests.sum() <= stock:
            continue
        pack = int(group["pack_size"].iloc[0])
        result = allocate(stock, requests, group["priority"].to_numpy(), pack_size=pack)
        out.loc[index, "allocated"] = result.allocated
        out.loc[index, "short"] = result.shortfall > 0
    out["quantity"] = out["allocated"]
    return out


def _rank(target: ServiceTarget) -> tuple[float, float]:
    return (target.fill_rate or 0.0, target.cycle_service_level or 0.0)


def dc_stage_input(
    stores: pd.DataFrame,
    store_quantiles: np.ndarray,
    levels: tuple[float, ...],
    dcs: pd.DataFrame,
    targets: ServiceTargets,
    *,
    sampling: MonteCarlo,
) -> tuple[pd.DataFrame, np.ndarray, list[ServiceTarget]]:
    """DC series (one per DC and sku its stores sell) with their aggregated demand cube and the
    strictest segment target among their stores (a DC serves all of them).

    `dcs`: location, sku, on_hand, on_order, backorders, transfers_out (units leaving now).
    """
    from_dc = (stores["source_kind"] == "dc").to_numpy()
    # Rows of `store_quantiles` are positions in `stores`, whatever its index labels are.
    rows = np.flatnonzero(from_dc)
    members = stores[from_dc].reset_index(drop=True)
    if members.empty:
        return pd.DataFrame(), np.zeros((0, store_quantiles.shape[1], len(levels))), []
    members["dc"] = members["source"].astype("str")
    groups = members.groupby(["dc", "sku"], sort=True).ngroup().to_numpy()
    keys = members.assign(group=groups).drop_duplicates("group").sort_values("group")
    series = keys[["dc", "sku", "segment", "supplier", "unit_cost", "pack_size", "moq"]]
    series = series.rename(columns={"dc": "location"}).reset_index(drop=True)
    cube = aggregate_quantiles(
        store_quantiles[rows],
        levels,
        groups,
        len(series),
        n_samples=max(2000, sampling.n_samples),
        seed=sampling.seed,
    )
    strictest: list[ServiceTarget] = []
    labels: list[str] = []
    for g in range(len(series)):
        segs = sorted(members.loc[groups == g, "segment"].astype("str").unique())
        found = [targets.lookup(s) for s in segs]
        best = found[0]
        for other in found[1:]:
            best = best.stricter(other)
        strictest.append(best)
        # The DC line shows the segment whose target it plans for (the highest fill rate).
        labels.append(max(zip(segs, found, strict=True), key=lambda p: _rank(p[1]))[0])
    series["segment"] = labels
    stock = dcs.astype({"sku": "str", "location": "str"})
    series = series.merge(stock, on=_KEYS, how="left")
    for column in ("on_hand", "on_order", "backorders", "transfers_out"):
        series[column] = series[column].fillna(0.0)
    # Units promised to stores today leave the DC now: they are no longer the DC's to count.
    series["on_hand"] = np.maximum(series["on_hand"] - series["transfers_out"], 0.0)
    series["source"] = series["supplier"].astype("str")
    series["source_kind"] = "supplier"
    return series, cube, strictest
