"""Inventory KPIs on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inventory.kpis import (
    average_inventory_value,
    carrying_cost,
    cycle_service_level,
    fill_rate,
    gmroi,
    inventory_turns,
    weeks_of_supply,
)


def same(actual: np.ndarray, expected: float) -> bool:
    value = float(actual)
    return math.isnan(expected) and math.isnan(value) or value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("cogs", "inventory", "turns"),
    [(1200.0, 300.0, 4.0), (500.0, 1000.0, 0.5), (100.0, 0.0, math.inf), (0.0, 0.0, math.nan)],
)
def test_inventory_turns(cogs: float, inventory: float, turns: float) -> None:
    assert same(inventory_turns(cogs, inventory), turns)


@pytest.mark.parametrize(
    ("stock", "weekly", "weeks"),
    [(30.0, 10.0, 3.0), (5.0, 20.0, 0.25), (5.0, 0.0, math.inf), (0.0, 0.0, 0.0)],
)
def test_weeks_of_supply(stock: float, weekly: float, weeks: float) -> None:
    assert same(weeks_of_supply(stock, weekly), weeks)


@pytest.mark.parametrize(
    ("demand", "served", "rate"),
    [
        ([10, 10, 0, 20], [10, 5, 0, 20], 0.875),
        ([4, 4], [4, 4], 1.0),
        ([0, 0], [0, 0], math.nan),  # no demand: undefined, not perfect
    ],
)
def test_fill_rate(demand: list[float], served: list[float], rate: float) -> None:
    assert same(fill_rate(demand, served), rate)


def test_fill_rate_per_series_rows() -> None:
    rates = fill_rate([[10, 10], [5, 15]], [[10, 0], [5, 15]])
    np.testing.assert_allclose(rates, [0.5, 1.0])
    with pytest.raises(ValueError, match="cannot exceed demand"):
        fill_rate([1, 1], [2, 1])


@pytest.mark.parametrize(
    ("stockouts", "level"),
    [([False, False, True, False], 0.75), ([True], 0.0), ([False] * 5, 1.0)],
)
def test_cycle_service_level(stockouts: list[bool], level: float) -> None:
    assert same(cycle_service_level(stockouts), level)


@pytest.mark.parametrize(
    ("margin", "inventory", "ratio"),
    [(600.0, 200.0, 3.0), (-50.0, 100.0, -0.5), (10.0, 0.0, math.nan)],
)
def test_gmroi(margin: float, inventory: float, ratio: float) -> None:
    assert same(gmroi(margin, inventory), ratio)


@pytest.mark.parametrize(
    ("inventory", "rate", "years", "cost"),
    [(10_000.0, 0.25, 1.0, 2500.0), (10_000.0, 0.25, 0.5, 1250.0), (0.0, 0.3, 1.0, 0.0)],
)
def test_carrying_cost(inventory: float, rate: float, years: float, cost: float) -> None:
    assert same(carrying_cost(inventory, rate, years), cost)


def test_average_inventory_value_over_time_per_series() -> None:
    value = average_inventory_value([[10, 20, 30], [0, 0, 6]], [2.0, 5.0])
    np.testing.assert_allclose(value, [40.0, 10.0])


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="stock must be >= 0"):
        weeks_of_supply(-1.0, 3.0)
