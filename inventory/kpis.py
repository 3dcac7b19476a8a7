"""Inventory KPIs: turns, weeks of supply, fill rate, cycle service level, GMROI, carrying cost.

Conventions: values at cost unless named otherwise; per-period inputs are arrays whose last
axis is time (aggregated over it), so one call handles one series or many. A ratio with a zero
denominator is inf when the numerator is positive and NaN when it is 0 too (undefined: e.g. a
fill rate with no demand), except weeks of supply (0 without stock) and GMROI (NaN without
inventory: a margin can be negative).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "average_inventory_value",
    "carrying_cost",
    "cycle_service_level",
    "fill_rate",
    "gmroi",
    "inventory_turns",
    "weeks_of_supply",
]


def _array(value: ArrayLike, name: str) -> np.ndarray:
    out = np.asarray(value, dtype=np.float64)
    if np.any(out < 0) or np.any(np.isnan(out)):
        raise ValueError(f"{name} must be >= 0 and not NaN")
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / denominator
    zero = denominator == 0
    return np.asarray(np.where(zero, np.where(numerator > 0, np.inf, np.nan), out))


def average_inventory_value(on_hand: ArrayLike, unit_cost: ArrayLike) -> np.ndarray:
    """Mean over time of on-hand units x unit cost (unit cost per series, broadcast)."""
    units = _array(on_hand, "on-hand units")
    cost = _array(unit_cost, "unit cost")
    return np.asarray(units.mean(axis=-1) * cost)


def inventory_turns(cost_of_goods_sold: ArrayLike, average_inventory: ArrayLike) -> np.ndarray:
    """COGS over a period / average inventory value at cost over the same period."""
    return _ratio(_array(cost_of_goods_sold, "COGS"), _array(average_inventory, "inventory"))


def weeks_of_supply(stock: ArrayLike, weekly_demand: ArrayLike) -> np.ndarray:
    """How many weeks current stock lasts at the average weekly demand (0 without stock)."""
    units = _array(stock, "stock")
    out = _ratio(units, _array(weekly_demand, "weekly demand"))
    return np.asarray(np.where(units == 0, 0.0, out))


def fill_rate(demand: ArrayLike, served: ArrayLike) -> np.ndarray:
    """Share of demand served from stock over the periods: sum(served) / sum(demand)."""
    asked, got = _array(demand, "demand"), _array(served, "served units")
    if np.any(got > asked):
        raise ValueError("served units cannot exceed demand in a period; check the inputs")
    return _ratio(got.sum(axis=-1), asked.sum(axis=-1))


def cycle_service_level(stockout_in_cycle: ArrayLike) -> np.ndarray:
    """Share of replenishment cycles without a stockout (booleans per cycle, last axis)."""
    out = np.asarray(stockout_in_cycle, dtype=bool)
    if out.shape[-1:] == (0,):
        raise ValueError("need at least one replenishment cycle")
    return np.asarray(1.0 - out.mean(axis=-1))


def gmroi(gross_margin: ArrayLike, average_inventory: ArrayLike) -> np.ndarray:
    """Gross margin return on inventory: gross margin / average inventory value at cost."""
    margin = np.asarray(gross_margin, dtype=np.float64)  # a margin may be negative
    inventory = _array(average_inventory, "inventory")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = margin / inventory
    return np.asarray(np.where(inventory == 0, np.nan, out))


def carrying_cost(
    average_inventory: ArrayLike, annual_rate: ArrayLike, years: ArrayLike = 1.0
) -> np.ndarray:
    """Cost of holding stock: rate per year x average inventory value x years held."""
    value = _array(average_inventory, "inventory")
    rate = _array(annual_rate, "carrying rate")
    return np.asarray(rate * value * _array(years, "years"))
