"""What each line of a plan carries besides its quantity: its flags and its explanation.

Glue between a plan's decision table and `orders.domain`: the flags read the drift alerts and
the sales history (the pure rules are `planning.flags`), the explanation copies the numbers
behind the decision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitoring.alerts import Alerts
from orders.domain import Allocation, Driver, Explanation, ServiceKind
from planning.flags import busiest_window, forecast_changed, line_flags, under_drift_alert
from planning.inputs import PlanningInputs
from restock.settings import Settings

__all__ = ["line_explanation", "plan_flags"]

_KEYS = ["sku", "location"]


def plan_flags(
    table: pd.DataFrame, inputs: PlanningInputs, settings: Settings, previous: dict
) -> pd.Series:
    """Each line's flags (`planning.flags`): against the previous plan's expected demand, the
    active drift alerts, the item's lifecycle, the busiest window of its (or its stores') last
    year and the DC's allocation."""
    keys = list(zip(table["sku"].astype("str"), table["location"].astype("str"), strict=True))
    expected = table["expected_demand"].to_numpy(dtype=np.float64)
    changed = forecast_changed(expected, keys, previous, settings.planning.forecast_change)
    active = Alerts(settings.database).active()
    drift = under_drift_alert(active, keys, table["segment"].astype("str").tolist())
    # A DC's history is the sum of its stores' sales.
    panel = inputs.panel.astype({"sku": "str", "location": "str"})
    parents = inputs.dataset.locations
    parents = parents[parents["parent"].notna()]
    parent_of = dict(
        zip(parents["location"].astype("str"), parents["parent"].astype("str"), strict=True)
    )
    dc_panel = panel.assign(location=panel["location"].map(parent_of))
    dc_panel = dc_panel[dc_panel["location"].notna()]
    dc_sums = dc_panel.groupby(["sku", "location", "date"])["demand"].sum().reset_index()
    history = pd.concat([panel[[*_KEYS, "date", "demand"]], dc_sums], ignore_index=True)
    per_year = inputs.frequency.periods_per_year
    windows = table["protection_periods"].to_numpy()
    busiest = busiest_window(history, table[_KEYS], windows, periods_back=per_year)
    far = (table["quantity"].to_numpy() > settings.planning.far_above_history * busiest) & (
        busiest > 0
    )
    flags = line_flags(
        changed=changed,
        new_item=(table["lifecycle"].astype("str") == "new").to_numpy(),
        drift=drift,
        far_above=far,
        shortfall=table["short"].fillna(False).to_numpy(dtype=bool),
    )
    return pd.Series(flags, index=table.index)


def line_explanation(
    row: pd.Series, versions: tuple[str, str | None], drivers: dict
) -> Explanation:
    """The numbers behind a line, as the queue stores and the approver reads them."""
    allocation = None
    if row["source_kind"] == "dc" and bool(row["short"]):
        allocation = Allocation(
            requested=int(row["requested"]),
            allocated=int(row["allocated"]),
            tier=int(row["priority"]),
        )
    key = (str(row["sku"]), str(row["location"]))
    return Explanation(
        inventory_position=float(row["on_hand"] + row["on_order"] - row["backorders"]),
        on_hand=float(row["on_hand"]),
        on_order=float(row["on_order"]),
        backorders=float(row["backorders"]),
        expected_demand=float(row["expected_demand"]),
        safety_stock=float(row["safety_stock"]),
        reorder_point=float(row["reorder_point"]),
        order_up_to=float(row["order_up_to"]),
        lead_time_p50=float(row["lead_time_p50"]),
        lead_time_p90=float(row["lead_time_p90"]),
        review_period=float(row["review_days"]),
        service_target=float(row["service_target"]),
        service_kind=ServiceKind(row["service_kind"]),
        stockout_probability=float(row["stockout_probability"]),
        segment=str(row["segment"]),
        forecast_model_version=versions[0],
        leadtime_model_version=str(row["lead_time_source"]),
        drivers=tuple(
            Driver(feature=str(d["feature"]), contribution=float(d["contribution"]))
            for d in drivers.get(key, [])
        ),
        allocation=allocation,
    )
