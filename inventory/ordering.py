"""Order quantities: economic lot (EOQ), pack / MOQ rounding, and a budget cap across lines.

Rounding (`round_order_quantity`): a quantity <= 0 orders nothing; any positive quantity
becomes a whole number of packs, at least the minimum order (the smallest multiple of the pack
size that is >= MOQ, and at least one pack). `up` (default) rounds up, so the order never
falls short of the policy's quantity; `nearest` rounds half up to the nearest pack but is still
raised to the minimum order, so MOQ and pack size hold in both modes.

Budget cap (`cap_to_budget`): while the total value exceeds the budget, lines are cut starting
from the lowest priority (ties: the later line first). A line loses whole packs, as few as
needed, down to its minimum order; if that is not enough it is dropped whole (never left below
its MOQ), and the next line is cut. Dropping can overshoot, leaving value under the budget
unspent: re-adding a lower-priority line instead would break the priority order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "BudgetCap",
    "Rounding",
    "cap_to_budget",
    "economic_order_quantity",
    "minimum_order",
    "round_order_quantity",
]

Rounding = Literal["up", "nearest"]
# Quantities like 24.000000001 from float maths must not round up a whole extra pack.
_EPS = 1e-9


@dataclass(frozen=True)
class BudgetCap:
    """Lines after the cap: quantities (units), which were dropped, and the total value."""

    quantities: np.ndarray
    dropped: np.ndarray
    total_value: float


def economic_order_quantity(
    annual_demand: ArrayLike, order_cost: ArrayLike, holding_cost: ArrayLike
) -> np.ndarray:
    """EOQ = sqrt(2 D K / h): D units per year, K per order, h per unit per year (> 0)."""
    d = np.asarray(annual_demand, dtype=np.float64)
    k = np.asarray(order_cost, dtype=np.float64)
    h = np.asarray(holding_cost, dtype=np.float64)
    if np.any(d < 0) or np.any(k < 0):
        raise ValueError("annual demand and order cost must be >= 0")
    if np.any(h <= 0):
        raise ValueError(
            "holding cost must be > 0 per unit per year (unit cost x carrying rate, e.g. 0.25)"
        )
    return np.asarray(np.sqrt(2.0 * d * k / h))


def _pack_and_moq(pack_size: ArrayLike, moq: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    pack = np.asarray(pack_size)
    floor = np.asarray(moq)
    if np.any(pack < 1) or np.any(pack != np.round(pack)):
        raise ValueError("pack size must be a whole number >= 1 (1 when sold by the unit)")
    if np.any(floor < 0) or np.any(floor != np.round(floor)):
        raise ValueError("MOQ must be a whole number >= 0 (0 when there is none)")
    return pack.astype(np.int64), floor.astype(np.int64)


def minimum_order(pack_size: ArrayLike = 1, moq: ArrayLike = 0) -> np.ndarray:
    """Smallest valid positive order: a multiple of the pack size, >= MOQ and >= one pack."""
    pack, floor = _pack_and_moq(pack_size, moq)
    return np.asarray(pack * np.maximum(1, -(-floor // pack)))


def round_order_quantity(
    quantity: ArrayLike, pack_size: ArrayLike = 1, moq: ArrayLike = 0, *, mode: Rounding = "up"
) -> np.ndarray:
    """Whole packs, never below the minimum order; 0 for quantities <= 0 (module docstring)."""
    q = np.asarray(quantity, dtype=np.float64)
    if not np.all(np.isfinite(q)):
        raise ValueError("order quantities must be finite")
    pack, _ = _pack_and_moq(pack_size, moq)
    if mode == "up":
        packs = np.ceil(q / pack - _EPS)
    elif mode == "nearest":
        packs = np.floor(q / pack + 0.5 + _EPS)
    else:
        raise ValueError(f"rounding mode must be 'up' or 'nearest'; got '{mode}'")
    at_least = minimum_order(pack_size, moq)
    rounded = np.maximum(packs.astype(np.int64) * pack, at_least)
    return np.asarray(np.where(q > 0, rounded, 0), dtype=np.int64)


def cap_to_budget(
    quantities: ArrayLike,
    unit_cost: ArrayLike,
    budget: float,
    pack_size: ArrayLike = 1,
    moq: ArrayLike = 0,
    priority: ArrayLike | None = None,
) -> BudgetCap:
    """Cut rounded lines until their value fits `budget` (module docstring for the rule).

    `priority`: higher keeps a line longer (e.g. stockout risk x margin); default equal.
    """
    q = np.array(quantities, dtype=np.int64)
    n = len(q)
    cost = np.broadcast_to(np.asarray(unit_cost, dtype=np.float64), (n,))
    pack = np.broadcast_to(_pack_and_moq(pack_size, moq)[0], (n,))
    floor = np.broadcast_to(minimum_order(pack_size, moq), (n,))
    rank = np.zeros(n) if priority is None else np.asarray(priority, dtype=np.float64)
    if rank.shape != q.shape:
        raise ValueError(f"got {rank.size} priorities for {n} lines")
    if budget < 0 or not math.isfinite(budget):
        raise ValueError(f"budget must be a finite amount >= 0; got {budget}")
    if np.any(cost < 0) or not np.all(np.isfinite(cost)):
        raise ValueError("unit costs must be finite and >= 0")
    bad = (q < 0) | (q % pack != 0) | ((q > 0) & (q < floor))
    if np.any(bad):
        raise ValueError(
            f"lines {np.flatnonzero(bad)[:5].tolist()} are not valid orders (negative, not whole "
            "packs, or below MOQ); round them with round_order_quantity first"
        )
    excess = float(q @ cost) - budget
    tolerance = _EPS * max(1.0, budget)
    dropped = np.zeros(n, dtype=bool)
    # Lowest priority first; among equals the later line (lexsort: last key is primary).
    for i in np.lexsort((-np.arange(n), rank)):
        if excess <= tolerance:
            break
        pack_value = float(pack[i] * cost[i])
        if q[i] == 0 or pack_value == 0:
            continue
        spare_packs = int((q[i] - floor[i]) // pack[i])
        needed = excess / pack_value - _EPS  # may be inf for a near-zero pack value
        if needed <= spare_packs:
            needed = math.ceil(needed)
            q[i] -= needed * pack[i]
            excess -= needed * pack_value
        else:
            excess -= float(q[i] * cost[i])
            q[i] = 0
            dropped[i] = True
    return BudgetCap(quantities=q, dropped=dropped, total_value=float(q @ cost))
