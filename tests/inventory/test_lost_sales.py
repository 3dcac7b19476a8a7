"""Lost-sales fill-rate levels: the path chain against the simulator, and the levels it solves."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from inventory.lead_time_demand import sample_lead_time_demand
from inventory.lost_sales import _burn_in, lost_sales_fill_rate, lost_sales_order_up_to
from inventory.service_level import order_up_to_for_fill_rate
from inventory.simulation import LeadTimeDistribution, Levels, simulate

LEVELS = (0.1, 0.5, 0.9, 0.95, 0.98)


def _normal_forecast(mean: float, std: float, n_series: int = 1, horizon: int = 4) -> np.ndarray:
    knots = np.maximum(mean + std * norm.ppf(LEVELS), 0.0)
    return np.broadcast_to(knots, (n_series, horizon, len(LEVELS))).copy()


@pytest.mark.parametrize(
    ("lead", "review", "level"),
    [(0, 1, 8.0), (2, 1, 25.0), (3, 2, 40.0), (5, 3, 60.0), (1, 4, 35.0)],
)
def test_chain_matches_the_simulator(lead: int, review: int, level: float) -> None:
    """The chain's measured cycle is the simulator's on the same demand (one series per path)."""
    rng = np.random.default_rng(lead * 10 + review)
    paths = 300
    burn_in = int(_burn_in(np.array([[lead]]), np.array([review]))[0])
    periods = burn_in + lead + review
    demand = rng.gamma(0.7, 10.0, size=(1, paths, periods))
    chain = lost_sales_fill_rate(demand, np.full((1, paths), lead), review, level)[0]

    reviews = len(range(0, periods, review))
    levels = Levels(np.full((paths, reviews), level), np.full((paths, reviews), level), 0, review)
    result = simulate(demand[0], levels, LeadTimeDistribution.fixed(lead, paths), trace=True)
    assert result.trace is not None
    start = np.concatenate([np.full((paths, 1), level), result.trace.on_hand[:, :-1]], axis=1)
    start += result.trace.receipts
    start[:, 0] = level + result.trace.receipts[:, 0]
    served = np.minimum(start, demand[0])
    cycle = slice(burn_in + lead, burn_in + lead + review)
    assert chain == pytest.approx(served[:, cycle].sum() / demand[0][:, cycle].sum(), rel=1e-6)


def test_lost_sales_level_meets_its_target_below_the_backorder_level() -> None:
    """Weekly N(100, 10), L = 2, R = 1, 92% fill: the backorder rule charges each cycle for
    demand a stockout already turned away, so it holds more than lost sales need; the lost-sales
    level delivers its target when replayed on fresh demand."""
    forecast = _normal_forecast(100.0, 10.0)
    target = 0.92
    level = float(
        lost_sales_order_up_to(forecast, LEVELS, [2.0], (0.5,), 1, [target], n_samples=4000)[0]
    )
    demand = sample_lead_time_demand(forecast, LEVELS, [2.0], (0.5,), 1.0, n_samples=4000, rho=0.0)
    backorder = float(
        order_up_to_for_fill_rate(
            demand.over_lead_time_and_review, target, demand_l=demand.over_lead_time
        )[0]
    )
    assert level < backorder - 2.0

    rng = np.random.default_rng(7)
    weeks = 4000
    actual = np.clip(rng.normal(100.0, 10.0, size=(1, weeks)), 0.0, None)
    reviews = weeks - 10
    levels = Levels(np.full((1, reviews), level), np.full((1, reviews), level), 10, 1)
    replay = simulate(actual, levels, LeadTimeDistribution.fixed(2, 1), warm_up=10)
    assert replay.fill_rate[0] == pytest.approx(target, abs=0.01)


def test_levels_rise_with_the_target_and_solve_every_row() -> None:
    forecast = _normal_forecast(50.0, 20.0, n_series=2)
    targets = np.array([[0.8, 0.8], [0.95, 0.95], [0.99, 0.99]])
    levels = lost_sales_order_up_to(forecast, LEVELS, [1.0, 3.0], (0.1, 0.9), 1, targets)
    assert levels.shape == (3, 2)
    assert np.all(np.diff(levels, axis=0) > 0.0)


def test_a_series_without_demand_needs_no_stock() -> None:
    forecast = np.zeros((1, 4, len(LEVELS)))
    assert lost_sales_order_up_to(forecast, LEVELS, [2.0], (0.5,), 1, [0.95])[0] == 0.0


@pytest.mark.parametrize(
    ("review", "fill", "message"),
    [(1, 1.0, "strictly between"), (1.5, 0.9, "whole periods"), (0, 0.9, "whole periods")],
)
def test_bad_inputs_say_what_to_fix(review: float, fill: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lost_sales_order_up_to(_normal_forecast(10.0, 2.0), LEVELS, [1.0], (0.5,), review, [fill])
