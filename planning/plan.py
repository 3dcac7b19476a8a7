"""A replenishment plan end to end: champion forecasts and lead times, stock, service targets ->
suggested POs in the queue, each line with the numbers and flags behind it.

Order of work at one review date (DESIGN.md section 5):

1. stores: an (R, S) policy at the store's segment target made stricter by its customer tier:
   S = the lowest level whose lost-sales run on Monte-Carlo demand paths (the champion's
   quantiles, the lane's lead-time distribution) meets the fill-rate target, the forecasts
   recalibrated per XYZ class by how earlier plans' logged forecasts turned out
   (`planning.plan_calibration`); the CSL quantile of demand over lead time + review for a
   target without a fill rate (`planning.decide`); rounded to packs (and MOQ when a supplier
   ships directly);
2. DC stock is shared among the store requests it cannot all cover (tiers, then fair share);
3. DCs: demand = the sum of their stores' demand (used as it is: the log scores store
   forecasts only), target = the strictest among those stores, supplier lead times from the
   lead-time champion (else the lanes' recent receipts), MOQ/pack;
4. an optional budget cap on supplier lines, flags, then one transaction into the PO queue.

`build_plan` computes without writing; `plan_replenishment` writes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from inventory.ordering import cap_to_budget
from monitoring.forecast_log import forecasts_from_cube, record_forecasts
from orders.domain import (
    LineDraft,
    PlanDraft,
    PlanRecord,
    PlanSummary,
    SeriesReview,
    SourceKind,
    money,
)
from orders.policy_store import ApprovalPolicyStore
from orders.repository import PurchaseOrderQueue
from orders.thresholds import ApprovalThresholds
from planning.decide import MonteCarlo
from planning.forecasts import SeriesForecasts, forecast_series
from planning.inputs import PlanningInputs, load_inputs
from planning.lead_times import lane_lead_times, transfer_lead_times
from planning.lines import line_explanation, plan_flags
from planning.overrides import Overrides, apply_overrides, horizon_dates
from planning.plan_calibration import plan_calibration
from planning.stages import StageInput, allocate_transfers, dc_stage_input, decide_stage
from planning.targets import service_targets
from restock.settings import Settings
from training.loading import LoadedModel, load_registered
from training.registry import DEMAND_MODEL, LEADTIME_MODEL

__all__ = ["PlanResult", "PlanningError", "build_plan", "plan_replenishment"]

_KEYS = ["sku", "location"]


class PlanningError(RuntimeError):
    """A plan cannot be made; the message says what is missing and which command provides it."""


@dataclass
class PlanResult:
    """Every reviewed series (`table`), the draft for the queue, and what was written."""

    table: pd.DataFrame
    draft: PlanDraft
    notes: list[str] = field(default_factory=list)
    record: PlanRecord | None = None
    summary: PlanSummary | None = None
    # The model's own forecasts (before planner overrides) and their dates: what monitoring
    # scores once the actuals arrive.
    forecasts: SeriesForecasts | None = None
    forecast_dates: tuple[dt.date, ...] = ()
    model_version: int | None = None


def _store_series(inputs: PlanningInputs, forecasts: SeriesForecasts) -> pd.DataFrame:
    data = inputs.dataset
    items = data.items.astype({"sku": "str", "supplier": "str"})
    price = pd.to_numeric(items["unit_price"], errors="coerce")
    items = items.assign(unit_cost=pd.to_numeric(items["unit_cost"], errors="coerce").fillna(price))
    locations = data.locations.astype({"location": "str"})
    segments = inputs.segments.astype({"sku": "str", "location": "str"})[[*_KEYS, "segment"]]
    series = forecasts.keys.merge(segments, on=_KEYS, how="left")
    series = series.merge(
        items[["sku", "supplier", "unit_cost", "pack_size", "moq", "lifecycle", "category"]],
        on="sku",
        how="left",
    )
    series = series.merge(
        locations[["location", "kind", "parent", "tier"]], on="location", how="left"
    )
    series = series.merge(
        inputs.stock[[*_KEYS, "on_hand", "on_order", "backorders"]], on=_KEYS, how="left"
    )
    for column in ("on_hand", "on_order", "backorders"):
        series[column] = series[column].astype("float64").fillna(0.0)
    series["segment"] = series["segment"].fillna("*").astype("str")
    series["tier"] = series["tier"].fillna("standard").astype("str")
    series["supplier"] = series["supplier"].fillna("unknown").astype("str")
    series["pack_size"] = series["pack_size"].fillna(1).astype("int64")
    series["moq"] = series["moq"].fillna(0).astype("int64")
    parent = series["parent"].astype("str").where(series["parent"].notna(), "")
    series["source"] = np.where(parent != "", parent, series["supplier"])
    series["source_kind"] = np.where(parent != "", "dc", "supplier")
    # A transfer from the DC moves whole packs but owes no supplier minimum order.
    series["moq"] = np.where(parent != "", 0, series["moq"]).astype("int64")
    return series.drop(columns="parent")


def _lead_days(
    series: pd.DataFrame,
    inputs: PlanningInputs,
    leadtime: LoadedModel | None,
    settings: Settings,
) -> pd.DataFrame:
    lanes = series.assign(supplier=series["source"])[["supplier", "sku", "location"]]
    by_dc = (series["source_kind"] == "dc").to_numpy()
    out = transfer_lead_times(lanes, days=settings.planning.transfer_days)
    if (~by_dc).any():
        supplier = lane_lead_times(
            lanes[~by_dc],
            inputs.dataset.receipts,
            review_date=inputs.review_date,
            model=leadtime,
            assumed_days=settings.planning.assumed_lead_time_days,
        )
        out.loc[~by_dc, supplier.columns] = supplier.to_numpy()
    return out


def _dc_stock(inputs: PlanningInputs, stores: pd.DataFrame) -> pd.DataFrame:
    stock = inputs.stock.astype({"sku": "str", "location": "str"})
    moving = stores[stores["source_kind"] == "dc"]
    out = (
        moving.groupby(["sku", "source"])["allocated"]
        .sum()
        .rename("transfers_out")
        .reset_index()
        .rename(columns={"source": "location"})
    )
    out = out.merge(stock, on=_KEYS, how="left")
    for column in ("on_hand", "on_order", "backorders"):
        out[column] = out[column].astype("float64").fillna(0.0)
    return out


def _cap_budget(table: pd.DataFrame, budget: float | None, notes: list[str]) -> pd.DataFrame:
    supplier = (table["source_kind"] == "supplier").to_numpy() & (table["quantity"] > 0).to_numpy()
    if budget is None or not supplier.any():
        return table
    rows = np.flatnonzero(supplier)
    capped = cap_to_budget(
        table["quantity"].to_numpy()[rows],
        table["unit_cost"].to_numpy(dtype=np.float64)[rows],
        budget,
        table["pack_size"].to_numpy()[rows],
        table["moq"].to_numpy()[rows],
        priority=table["stockout_probability"].to_numpy()[rows],
    )
    cut = int((capped.quantities < table["quantity"].to_numpy()[rows]).sum())
    if cut:
        notes.append(f"budget {budget:,.0f}: {cut} supplier lines cut (lowest stockout risk first)")
    table.loc[table.index[rows], "quantity"] = capped.quantities
    return table


def build_plan(
    settings: Settings,
    *,
    inputs: PlanningInputs | None = None,
    actor: str = "restock plan",
    queue: PurchaseOrderQueue | None = None,
) -> PlanResult:
    """Compute the plan at the data's review date without writing it; `queue` (default: the
    settings' database) gives last cycle's forecasts and the approval policy in force."""
    inputs = inputs or load_inputs(settings)
    queue = queue or PurchaseOrderQueue(settings.database)
    notes = list(inputs.notes)
    demand = load_registered(settings, name=DEMAND_MODEL)
    if demand is None:
        raise PlanningError(
            f"no champion '{DEMAND_MODEL}' model: run `restock train`, or promote a version "
            "with `restock models promote VERSION`"
        )
    leadtime = load_registered(settings, name=LEADTIME_MODEL)
    if leadtime is None and not inputs.dataset.receipts.empty:
        notes.append("no champion lead-time model: supplier lead times from lanes' receipts")
    forecaster = demand.python_model.forecaster
    forecasts = forecast_series(forecaster, inputs.panel)
    model_forecasts = forecasts
    dates = horizon_dates(inputs.review_date, inputs.frequency, forecasts.quantiles.shape[1])
    in_force = Overrides(settings.database).active(dt.datetime.now(dt.UTC))
    if in_force:  # each touched line's drivers start with the override's note
        forecasts = apply_overrides(forecasts, in_force, dates)
        notes.append(f"{len(in_force)} planner override(s) in force applied to the forecasts")
    targets = service_targets(inputs.dataset.service_policy)
    sampling = MonteCarlo.from_settings(settings.planning)
    period_days = inputs.frequency.days
    stores = _store_series(inputs, forecasts)
    unknown = sorted(set(stores["tier"]) - set(targets.tiers))
    if unknown:
        raise PlanningError(
            f"locations use tier(s) {unknown} that service_policy does not define; add rows "
            f"for them (known: {sorted(targets.tiers)})"
        )
    store_targets = [
        targets.lookup(s, t) for s, t in zip(stores["segment"], stores["tier"], strict=True)
    ]
    calibration = plan_calibration(
        queue.engine,
        inputs.panel,
        stores[_KEYS],
        stores["segment"].astype("str").str[1:2].tolist(),
        model_name=DEMAND_MODEL,
        review_date=inputs.review_date,
        seed=settings.planning.seed,
    )
    notes.append(f"store fill-rate levels: {calibration.describe()}")
    stage = StageInput(
        series=stores,
        quantiles=forecasts.quantiles,
        levels=forecasts.levels,
        lead_days=_lead_days(stores, inputs, leadtime, settings),
        targets=store_targets,
        calibration=calibration.table,
    )
    store_table = decide_stage(stage, period_days=period_days, sampling=sampling)
    store_table = allocate_transfers(
        store_table, _dc_available(inputs), settings.planning.tier_order
    )
    tables = [store_table]
    dc_series, dc_cube, dc_targets = dc_stage_input(
        store_table,
        forecasts.quantiles,
        forecasts.levels,
        _dc_stock(inputs, store_table),
        targets,
        sampling=sampling,
    )
    if len(dc_series):
        dc_series = dc_series.assign(tier="standard", lifecycle=_lifecycle(inputs, dc_series))
        dc_lanes = dc_series.assign(supplier=dc_series["source"])
        dc_stage = StageInput(
            series=dc_series,
            quantiles=dc_cube,
            levels=forecasts.levels,
            lead_days=lane_lead_times(
                dc_lanes,
                inputs.dataset.receipts,
                review_date=inputs.review_date,
                model=leadtime,
                assumed_days=settings.planning.assumed_lead_time_days,
            ),
            targets=dc_targets,
        )
        dc_table = decide_stage(dc_stage, period_days=period_days, sampling=sampling)
        tables.append(dc_table.assign(allocated=dc_table["quantity"], short=False, priority=0))
    table = pd.concat(tables, ignore_index=True)
    table = _cap_budget(table, settings.planning.budget, notes)
    previous = queue.previous_expected_demand(before=inputs.review_date.date())
    table["flags"] = plan_flags(table, inputs, settings, previous)
    versions = (f"{DEMAND_MODEL} v{demand.version}", None)
    lines = []
    for _, row in table[table["quantity"] > 0].iterrows():
        lines.append(
            LineDraft(
                source=str(row["source"]),
                source_kind=SourceKind(row["source_kind"]),
                sku=str(row["sku"]),
                location=str(row["location"]),
                quantity=int(row["quantity"]),
                pack_size=int(row["pack_size"]),
                moq=int(row["moq"]),
                unit_cost=money(float(row["unit_cost"]) if pd.notna(row["unit_cost"]) else 0.0),
                explanation=line_explanation(row, versions, forecasts.drivers),
                flags=tuple(row["flags"]),
            )
        )
    threshold = _auto_approve_below(settings, queue)
    costless = int(table["unit_cost"].isna().sum())
    if costless and threshold is not None:
        notes.append(
            f"{costless} series have no unit cost or price: auto-approval is off for this plan"
        )
        threshold = None
    draft = PlanDraft(
        review_date=inputs.review_date.date(),
        created_by=actor,
        lines=tuple(lines),
        auto_approve_below=None if threshold is None else money(threshold),
        reviews=_reviews(table),
    )
    return PlanResult(
        table=table,
        draft=draft,
        notes=notes,
        forecasts=model_forecasts,
        forecast_dates=dates,
        model_version=demand.version,
    )


def _auto_approve_below(settings: Settings, queue: PurchaseOrderQueue) -> Decimal | None:
    """The auto-approval threshold in force: an admin's latest change, else the settings'."""
    low = settings.planning.auto_approve_below
    default = ApprovalThresholds(
        auto_approve_below=None if low is None else money(low),
        dual_approval_above=money(settings.planning.dual_approval_above),
    )
    store = ApprovalPolicyStore(queue, default=default)
    return store.current().auto_approve_below


def _dc_available(inputs: PlanningInputs) -> pd.DataFrame:
    stock = inputs.stock.astype({"sku": "str", "location": "str"})
    return stock.assign(available=(stock["on_hand"] - stock["backorders"]).clip(lower=0.0))


def _lifecycle(inputs: PlanningInputs, series: pd.DataFrame) -> np.ndarray:
    items = inputs.dataset.items.astype({"sku": "str"})
    lookup = dict(zip(items["sku"], items["lifecycle"].astype("str"), strict=True))
    return np.array([lookup.get(str(s), "active") for s in series["sku"]], dtype=object)


def _reviews(table: pd.DataFrame) -> tuple[SeriesReview, ...]:
    """Every reviewed series' expected demand, for next cycle's forecast-change flag."""
    return tuple(
        SeriesReview(
            sku=str(sku),
            location=str(location),
            expected_demand=float(expected),
            inventory_position=float(position),
            order_quantity=int(quantity),
        )
        for sku, location, expected, position, quantity in zip(
            table["sku"],
            table["location"],
            table["expected_demand"].to_numpy(dtype=np.float64),
            table["position"].to_numpy(dtype=np.float64),
            table["quantity"].to_numpy(dtype=np.int64),
            strict=True,
        )
    )


def plan_replenishment(settings: Settings, *, actor: str = "restock plan") -> PlanResult:
    """Build the plan and save it to the PO queue in one transaction."""
    # One engine for the whole run: the policy, last cycle's forecasts, the save, the log.
    queue = PurchaseOrderQueue(settings.database)
    result = build_plan(settings, actor=actor, queue=queue)
    record = queue.save_plan(result.draft)
    result.record = record
    result.summary = queue.plan_summary(record.plan_id)
    log_plan_forecasts(settings, result, database=queue.engine)
    return result


def log_plan_forecasts(
    settings: Settings, result: PlanResult, *, database: str | Engine | None = None
) -> int:
    """Keep the forecasts the plan used in the forecast log, so monitoring can score them
    against the actuals later; returns rows written (0 when the plan had none)."""
    if result.forecasts is None or result.model_version is None:
        return 0
    fc = result.forecasts
    rows = forecasts_from_cube(fc.keys, fc.quantiles, fc.levels, result.forecast_dates)
    return record_forecasts(
        database=settings.database if database is None else database,
        forecasts=rows,
        model_name=DEMAND_MODEL,
        model_version=result.model_version,
        origin=result.draft.review_date,
    )
