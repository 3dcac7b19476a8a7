"""Policy simulator: replay the last weeks of real demand with each policy in the loop.

Set-up (stated, so the numbers can be judged):

- Window: the last `periods` periods of the cleaned panel (default 13 weeks); everything before
  is history. Demand replayed is the panel's `demand` (stockout days carry their censored-demand
  estimate), every sku-location is one stocking point replenished from its supplier.
- Lead time per series: the supplier's recent receipts (`planning.lead_times`, the same lanes the
  plan uses; without receipts the stated assumption `assumed_lead_time_days`), sampled per order.
- Review every R periods, R = the service policy's most common review period; pack and MOQ from
  items; unmet demand is lost; value at unit cost.
- **restock**: a demand model fitted on the history before the window (no routing, no look-ahead)
  forecasts at every review from the demand seen so far and the promotion calendar and price
  plan of the next weeks (known to a buyer at review time; demand itself is never shown);
  the forecasts are recalibrated per XYZ class by the PITs of the earlier reviews' forecasts
  on the periods sold since (`forecast_calibration`); s = S = the level meeting the series'
  fill-rate target (segment target, stricter customer tier) when unmet demand is lost, found
  by running the policy on Monte-Carlo demand paths with the lane's lead-time distribution
  (`inventory.lost_sales`: the backorder formula overshoots a lost-sales fill rate), sized by
  the planner's own `planning.decide.fill_rate_order_up_to` (the plan calibrates from its
  forecast log instead, `planning.plan_calibration`). A target without a fill rate is held
  to its cycle service level as a fill rate here (the planner would use the CSL quantile; the
  default customer tiers give every target a fill rate).
- Warm-up: the lead time plus one review before the window is replayed with the first review's
  levels and not measured, so the window opens with orders in transit, not a full shelf.
- **z·sqrt(L)·σ**: S = μ(L+R) + z σ sqrt(L+R) with z from the segment's cycle service level, μ
  and σ over a trailing window; **min/max**: min = μ(L + 2R), max = min + 2μR. Same demand,
  same lead-time draws (common random numbers).
- Trade-off curve: each policy is also run with every target's shortfall scaled (`SCALES`: x4
  .. x0.1), so "less stock at equal service" is read off curves, not single points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.series_codes import SeriesCodes
from inventory.classic_policies import min_max_policy, order_up_to_policy, precomputed_policy
from inventory.simulation import LeadTimeDistribution, SimulationResult, simulate
from planning.decide import MonteCarlo, fill_rate_order_up_to
from planning.forecast_calibration import PitHistory
from planning.inputs import PlanningInputs
from planning.launches import analogue_quantiles
from planning.lead_times import LEAD_TIME_LEVELS, lane_lead_times, level_columns
from planning.targets import service_targets
from restock.progress import progress_bar
from restock.settings import Settings
from training.demand import DemandModel

__all__ = ["SCALES", "SimulationReport", "run_simulation"]

# Shortfall multipliers of the targets: x4 (a 99% target plays 96%) .. x0.1 (99.9%).
SCALES: tuple[float, ...] = (4.0, 2.0, 1.5, 1.0, 0.5, 0.25, 0.1)
POLICIES = ("restock", "z_sqrt_l_sigma", "min_max")
_KEYS = ["sku", "location"]


@dataclass
class SimulationReport:
    """Per segment and policy at the nominal targets (`table`), the trade-off curve points
    (`curve`: policy, scale, fill_rate, inventory_value) and the set-up in words."""

    table: pd.DataFrame
    curve: pd.DataFrame
    setup: list[str] = field(default_factory=list)
    series: pd.DataFrame = field(default_factory=pd.DataFrame)


def _scaled(target: np.ndarray, scale: float) -> np.ndarray:
    return np.clip(1.0 - (1.0 - target) * scale, 0.5, 0.999)


def _matrix(panel: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex]:
    wide = panel.pivot_table(
        index=_KEYS, columns="date", values="demand", aggfunc="sum", observed=True
    )
    wide = wide.sort_index(axis=1).fillna(0.0)
    keys = wide.index.to_frame(index=False).astype("str")
    return keys, np.clip(wide.to_numpy(dtype=np.float64), 0.0, None), pd.DatetimeIndex(wide.columns)


def _restock_levels(
    model: DemandModel,
    panel: pd.DataFrame,
    actual: np.ndarray,
    keys: pd.DataFrame,
    dates: pd.DatetimeIndex,
    times: np.ndarray,
    lead: np.ndarray,
    review: int,
    fill: np.ndarray,
    series: pd.DataFrame,
    settings: Settings,
    *,
    progress: bool,
) -> dict[float, np.ndarray]:
    """s = S per (scale, series, review): the lost-sales fill-rate level on Monte-Carlo demand
    paths, from forecasts made with the demand seen before each review and recalibrated by the
    PITs of the earlier reviews' forecasts per XYZ class. Launches (a price plan ahead, no sales
    yet: the panel starts a series at its launch) borrow their analogues'."""
    levels = {scale: np.zeros((len(keys), len(times))) for scale in SCALES}
    xyz = series["segment"].astype("str").str[1:2].to_numpy()
    pits = PitHistory(groups=xyz, seed=settings.planning.seed)
    horizon, frequency = model.horizon, pd.Timedelta(dates[1] - dates[0])
    sampling = MonteCarlo.from_settings(settings.planning)
    segments = series["segment"].astype("str").tolist()
    order = keys.astype("str").apply(tuple, axis=1).tolist()
    category = series["category"].fillna("").astype("str").to_numpy()
    location = series["location"].astype("str").to_numpy()
    with progress_bar("restock policy reviews", len(times), enabled=progress) as advance:
        for j, t in enumerate(times):
            history = panel[panel["date"] < dates[t]]
            ahead = dates[min(t + model.horizon, len(dates)) - 1]
            # The promotion calendar and price plan are known when a buyer reviews.
            planned = panel[(panel["date"] >= dates[t]) & (panel["date"] <= ahead)]
            plans = planned[[*_KEYS, "date", "price", "on_promo"]]
            forecast = model.predict(history, future=plans)
            forecast = forecast.astype({"sku": "str", "location": "str"})
            forecast = forecast.sort_values([*_KEYS, "step"])
            columns = [c for c in forecast.columns if c.startswith("p")]
            quantiles = [float(c[1:]) / 100 for c in columns]
            cube = forecast[columns].to_numpy().reshape(-1, model.horizon, len(columns))
            got = forecast.drop_duplicates(_KEYS)[_KEYS].apply(tuple, axis=1).tolist()
            position = {k: i for i, k in enumerate(got)}
            padded = np.concatenate([cube, np.zeros((1, *cube.shape[1:]))])
            rows = np.array([position.get(k, len(cube)) for k in order])
            first_plan = planned.groupby(_KEYS, observed=True)["date"].min()
            first_plan.index = first_plan.index.map(lambda k: (str(k[0]), str(k[1])))
            launch = np.array(
                [
                    (first_plan[k] - dates[t]) // frequency if k in first_plan.index else horizon
                    for k in order
                ]
            )
            filled = analogue_quantiles(padded[rows], rows < len(cube), category, location, launch)
            pits.observe(actual, t)
            # The planner's own sizing rule (`planning.decide`), one seed per review.
            solved = fill_rate_order_up_to(
                filled,
                quantiles,
                lead,
                LEAD_TIME_LEVELS,
                review_period=np.full(len(keys), review),
                fill_rates=np.stack([_scaled(fill, scale) for scale in SCALES]),
                sampling=sampling,
                segments=segments,
                calibration=pits.table(),
                seed_offset=j,
            )
            pits.record(t, filled, quantiles)
            for k, scale in enumerate(SCALES):
                levels[scale][:, j] = solved[k]
            advance(1)
    return levels


def _summary(
    result: SimulationResult, segment: np.ndarray, policy: str, target: pd.Series
) -> pd.DataFrame:
    frame = pd.DataFrame(result.by_segment(segment).columns())
    frame["segment"] = frame["segment"].astype("str")
    frame["target_fill_rate"] = frame["segment"].map(target)
    return frame.assign(policy=policy)


def _per_series(
    result: SimulationResult, series: pd.DataFrame, fill: np.ndarray, policy: str
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "policy": policy,
            "sku": series["sku"].to_numpy(),
            "location": series["location"].to_numpy(),
            "segment": series["segment"].to_numpy(),
            "tier": series["tier"].to_numpy(),
            "target_fill_rate": fill,
            "demand": result.total_demand,
            "fill_rate": result.fill_rate,
            "cycle_service_level": result.cycle_service_level,
            "inventory_value": result.average_inventory_value,
            "stockout_periods": result.stockout_periods,
        }
    )


def run_simulation(
    settings: Settings,
    inputs: PlanningInputs,
    *,
    periods: int | None = None,
    num_boost_round: int | None = None,
    progress: bool = False,
) -> SimulationReport:
    """Simulate restock, z·sqrt(L)·σ and min/max on the last `periods` of the panel."""
    frequency = inputs.frequency
    periods = periods or (91 if frequency.days == 1 else 13)
    keys, demand, dates = _matrix(inputs.panel)
    first = demand.shape[1] - periods
    if first < 2 * periods:
        raise ValueError(
            f"{demand.shape[1]} periods of history cannot hold a {periods}-period window after "
            f"twice as much history; simulate fewer periods"
        )
    targets = service_targets(inputs.dataset.service_policy)
    review = int(pd.Series([t.review_period or 1 for t in targets.segments.values()]).mode()[0])
    segments = inputs.segments.astype({"sku": "str", "location": "str"})
    series = keys.merge(segments[[*_KEYS, "segment"]], on=_KEYS, how="left")
    series["segment"] = series["segment"].fillna("*").astype("str")
    locations = inputs.dataset.locations.astype({"location": "str"})
    series = series.merge(locations[["location", "tier"]], on="location", how="left")
    series["tier"] = series["tier"].fillna("standard").astype("str")
    items = inputs.dataset.items.astype({"sku": "str", "supplier": "str"})
    series = series.merge(
        items[["sku", "category", "supplier", "unit_cost", "unit_price", "pack_size", "moq"]],
        on="sku",
        how="left",
    )
    cost = series["unit_cost"].fillna(series["unit_price"]).fillna(1.0).to_numpy(dtype=np.float64)
    resolved = [
        targets.lookup(s, t) for s, t in zip(series["segment"], series["tier"], strict=True)
    ]
    fill = np.array([t.fill_rate or t.cycle_service_level or 0.95 for t in resolved])
    csl = np.array([t.cycle_service_level or t.fill_rate or 0.95 for t in resolved])
    lanes = lane_lead_times(
        series.assign(supplier=series["supplier"].fillna("unknown"))[
            ["supplier", "sku", "location"]
        ],
        inputs.dataset.receipts,
        review_date=dates[first],
        model=None,
        assumed_days=settings.planning.assumed_lead_time_days,
    )
    lead = lanes[level_columns()].to_numpy(dtype=np.float64) / frequency.days
    lead_time = LeadTimeDistribution(levels=np.asarray(LEAD_TIME_LEVELS), values=lead)
    history = inputs.panel[inputs.panel["date"] < dates[first]]
    model = DemandModel.fit(
        history,
        frequency,
        calendar=inputs.dataset.calendar,
        codes=SeriesCodes.from_panel(inputs.panel, inputs.dataset.items),
        num_boost_round=num_boost_round or settings.training.num_boost_round,
    )
    times = np.arange(first, demand.shape[1], review)
    restock = _restock_levels(
        model,
        inputs.panel,
        demand,
        keys,
        dates,
        times,
        lead,
        review,
        fill,
        series,
        settings,
        progress=progress,
    )
    window = max(4 * review, 8 * int(np.ceil(np.median(lead[:, 2]) + review)))
    window = min(window, first)
    # Replay the lead time plus a review before the window so it opens with orders in transit.
    warm_up = min(int(np.ceil(lead.max())) + review, first)
    common = {
        "lead_time": lead_time,
        "warm_up": warm_up,
        "seed": settings.planning.seed,
        "unit_cost": cost,
        "pack_size": series["pack_size"].fillna(1).to_numpy(),
        "moq": series["moq"].fillna(0).to_numpy(),
    }
    n, total = demand.shape
    segment = series["segment"].to_numpy()
    # A segment's fill rate weighs its series by demand, so its target does too.
    weight = demand[:, first:].sum(axis=1) + 1e-9
    weighted = pd.DataFrame({"segment": segment, "w": weight, "wt": weight * fill})
    sums = weighted.groupby("segment")[["w", "wt"]].sum()
    target_by_segment = sums["wt"] / sums["w"]
    target_by_segment["all"] = float(np.average(fill, weights=weight))
    tables, curve, per_series = [], [], []
    for scale in SCALES:
        runs = {
            "restock": precomputed_policy(
                restock[scale],
                restock[scale],
                n_series=n,
                n_periods=total,
                first_review=first,
                review_period=review,
            ),
            "z_sqrt_l_sigma": order_up_to_policy(
                demand,
                target_csl=_scaled(csl, scale),
                lead_time=lead_time,
                review_period=review,
                window=window,
                first_review=first,
            ),
        }
        if scale == 1.0:
            runs["min_max"] = min_max_policy(
                demand,
                lead_time=lead_time,
                review_period=review,
                window=window,
                first_review=first,
            )
        for policy, levels in runs.items():
            result = simulate(demand, levels, **common)
            summary = _summary(result, segment, policy, target_by_segment)
            if scale == 1.0:
                tables.append(summary)
                per_series.append(_per_series(result, series, fill, policy))
            overall = summary[summary["segment"] == "all"].iloc[0]
            curve.append(
                {
                    "policy": policy,
                    "scale": scale,
                    "fill_rate": float(overall["fill_rate"]),
                    "inventory_value": float(overall["inventory_value"]),
                }
            )
    setup = [
        f"window: last {periods} periods ({dates[first].date()} .. {dates[-1].date()}), "
        f"{n} series, review every {review} period(s), lost sales",
        f"lead times: {lanes['source'].value_counts().to_dict()}",
        f"restock model fitted on {history['date'].min().date()} .. {history['date'].max().date()}",
        f"classic policies: trailing window {window} periods",
        f"warm-up: {warm_up} periods before the window replayed unmeasured with the first "
        "review's levels",
    ]
    return SimulationReport(
        table=pd.concat(tables, ignore_index=True),
        curve=pd.DataFrame(curve),
        setup=setup,
        series=pd.concat(per_series, ignore_index=True),
    )
