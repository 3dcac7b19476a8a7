"""PIT recalibration: PITs of calibrated and miscalibrated forecasts, the map and its use."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from inventory.calibration import (
    GRID,
    TAIL_CAP,
    identity_table,
    pit_table,
    probability_integral_transform,
    remap,
)
from inventory.lead_time_demand import period_demand_paths, piecewise_linear_quantile

LEVELS = (0.1, 0.5, 0.9, 0.95, 0.98)
KNOTS = 100.0 + 10.0 * norm.ppf(LEVELS)  # forecast N(100, 10) at the levels


def _pits(actual_std: float, n: int = 20000) -> np.ndarray:
    rng = np.random.default_rng(3)
    actual = rng.normal(100.0, actual_std, n)
    return probability_integral_transform(np.tile(KNOTS, (n, 1)), LEVELS, actual)


def test_a_calibrated_forecast_has_uniform_pits() -> None:
    """Actuals drawn from the forecast's own inverse CDF have uniform PITs."""
    u = np.random.default_rng(5).random(20000)
    actual = piecewise_linear_quantile(LEVELS, np.tile(KNOTS, (u.size, 1)), u[:, None])[:, 0]
    pits = probability_integral_transform(np.tile(KNOTS, (u.size, 1)), LEVELS, actual)
    assert np.abs(pits - u).max() < 0.01
    deciles = np.quantile(pits, np.linspace(0.1, 0.9, 9))
    assert deciles == pytest.approx(np.linspace(0.1, 0.9, 9), abs=0.03)
    assert pit_table(pits) == pytest.approx(GRID, abs=0.03)


@pytest.mark.parametrize(("actual_std", "direction"), [(5.0, -1.0), (20.0, 1.0)])
def test_the_map_narrows_a_too_wide_forecast_and_widens_a_too_narrow_one(
    actual_std: float, direction: float
) -> None:
    """Actuals with half (twice) the forecast's spread: the calibrated P95 reads the model
    below (above) its own P95, so the recalibrated paths are narrower (wider)."""
    table = pit_table(_pits(actual_std))
    p95 = float(np.interp(0.95, GRID, table))
    assert direction * (p95 - 0.95) > 0.0
    forecast = np.tile(KNOTS, (1, 3, 1))
    plain = period_demand_paths(forecast, LEVELS, 3, n_samples=4000, rho=0.0)
    mapped = period_demand_paths(
        forecast, LEVELS, 3, n_samples=4000, rho=0.0, calibration=table[None, :]
    )
    assert direction * (mapped.std() - plain.std()) > 0.0


def test_actuals_beyond_the_forecast_read_the_extrapolated_tail() -> None:
    top = KNOTS[-1] + (KNOTS[-1] - KNOTS[-2]) / (LEVELS[-1] - LEVELS[-2]) * (1 - LEVELS[-1])
    slope = (KNOTS[-1] - KNOTS[-2]) / (LEVELS[-1] - LEVELS[-2])
    actual = np.array([top + 0.5 * slope, top + 100.0 * slope])
    knots = np.tile(KNOTS, (2, 1))
    pits = probability_integral_transform(knots, LEVELS, actual, tail_cap=3.0)
    assert pits == pytest.approx([1.5, 3.0])
    # Shipped with the extension off: beyond the top is the top.
    assert TAIL_CAP == 1.0
    assert probability_integral_transform(knots, LEVELS, actual) == pytest.approx([1.0, 1.0])


def test_ties_on_a_flat_forecast_spread_evenly() -> None:
    pits = probability_integral_transform(np.zeros((4000, len(LEVELS))), LEVELS, np.zeros(4000))
    assert pits.mean() == pytest.approx(0.5, abs=0.02)


def test_equal_weights_give_the_unweighted_map_and_big_series_weigh_more() -> None:
    pits = _pits(20.0, n=5000)
    assert pit_table(pits, np.ones(pits.size)) == pytest.approx(pit_table(pits), abs=0.01)
    low, high = np.full(100, 0.2), np.full(100, 0.8)
    weighted = pit_table(
        np.concatenate([low, high]), np.concatenate([np.ones(100), 9 * np.ones(100)])
    )
    assert float(np.interp(0.5, GRID, weighted)) == pytest.approx(0.8)


def test_identity_table_leaves_scores_and_paths_unchanged() -> None:
    u = np.random.default_rng(0).random((2, 50))
    assert remap(u, identity_table(2)) == pytest.approx(u)
    forecast = np.tile(KNOTS, (2, 4, 1))
    plain = period_demand_paths(forecast, LEVELS, 4, n_samples=50, seed=1)
    same = period_demand_paths(
        forecast, LEVELS, 4, n_samples=50, seed=1, calibration=identity_table(2)
    )
    assert same == pytest.approx(plain)


def test_bad_pits_say_what_to_fix() -> None:
    with pytest.raises(ValueError, match="PITs"):
        pit_table(np.array([0.5, -0.1]))
    with pytest.raises(ValueError, match="PITs"):
        pit_table(np.array([0.5, np.nan]))
    with pytest.raises(ValueError, match="weights"):
        pit_table(np.array([0.5, 0.6]), np.array([1.0]))
