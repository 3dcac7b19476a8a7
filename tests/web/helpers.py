"""Helpers of the web tests: POs of their own in the shared home's queue, a real series."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from orders.domain import money
from orders.repository import PurchaseOrderQueue
from tests.orders.factories import line, plan
from tests.serving.conftest import served_settings

_PLANS = itertools.count()


def store_series(home: Path) -> tuple[str, str]:
    """The panel's first sku-location (the serving tests' overrides use its last)."""
    panel = pd.read_parquet(
        home / "data" / "cleaned" / "panel.parquet", columns=["sku", "location"]
    )
    row = panel.iloc[0]
    return str(row["sku"]), str(row["location"])


def new_orders(home: Path, *specs: dict[str, Any], created_by: str = "planner-web") -> list[int]:
    """One PO per spec (`line()` overrides), each in a plan of its own (a plan holds one line
    per series, and every PO here orders the same real series, so its page shows the live
    model's drivers) on a review date of its own in 2003, so it supersedes nothing and never
    becomes the latest plan; returns the PO ids in the order of `specs`."""
    sku, location = store_series(home)
    queue = PurchaseOrderQueue(served_settings(home).database)
    ids = []
    for spec in specs:
        n = next(_PLANS)
        draft = plan(
            line(**{"source": f"WEB{n:03d}", "sku": sku, "location": location, **spec}),
            review_date=dt.date(2003, 1, 1) + dt.timedelta(days=n),
            created_by=created_by,
            auto_approve_below=money(1000),
            created_at=dt.datetime.now(dt.UTC),
        )
        (order_id,) = queue.save_plan(draft).order_ids
        ids.append(order_id)
    return ids


def pending(quantity: int = 12, unit_cost: str = "150", **more: Any) -> dict[str, Any]:
    """A line whose PO waits for one approver (above auto-approval, below dual approval)."""
    return {"quantity": quantity, "unit_cost": Decimal(unit_cost), **more}


def order_status(home: Path, order_id: int) -> str:
    return PurchaseOrderQueue(served_settings(home).database).get_order(order_id).status.value
