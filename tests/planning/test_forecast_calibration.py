"""Online PIT history of the policy simulator: no look-ahead, per-class maps, warm start."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from inventory.calibration import GRID
from planning.forecast_calibration import PitHistory

LEVELS = (0.1, 0.5, 0.9, 0.95, 0.98)


def _forecast(n_series: int, horizon: int, std: float) -> np.ndarray:
    knots = 100.0 + std * norm.ppf(LEVELS)
    return np.broadcast_to(knots, (n_series, horizon, len(LEVELS))).copy()


def _history(groups: list[str], min_count: int = 10) -> PitHistory:
    return PitHistory(groups=np.array(groups), min_count=min_count)


def test_identity_until_a_class_has_enough_pits() -> None:
    history = _history(["X", "X"], min_count=100)
    history.record(0, _forecast(2, 5, 10.0), LEVELS)
    history.observe(np.full((2, 5), 100.0), 5)
    assert history.table() == pytest.approx(np.tile(GRID, (2, 1)))


def test_only_periods_before_the_review_are_scored() -> None:
    rng = np.random.default_rng(0)
    demand = rng.normal(100.0, 10.0, size=(40, 6))
    history = _history(["X"] * 40)
    history.record(0, _forecast(40, 6, 10.0), LEVELS)
    history.observe(demand, 3)
    before = history.table()
    changed = demand.copy()
    changed[:, 3:] = 1000.0  # the future must not move the map
    again = _history(["X"] * 40)
    again.record(0, _forecast(40, 6, 10.0), LEVELS)
    again.observe(changed, 3)
    assert again.table() == pytest.approx(before)


def test_each_class_gets_its_own_map() -> None:
    """X actuals tighter than their forecast, Z actuals wider: X's calibrated P95 reads the
    model lower than Z's."""
    rng = np.random.default_rng(1)
    n = 200
    groups = ["X"] * n + ["Z"] * n
    demand = np.concatenate(
        [rng.normal(100.0, 3.0, size=(n, 8)), rng.normal(100.0, 30.0, size=(n, 8))]
    )
    history = _history(groups)
    for origin in range(4):
        history.observe(demand, origin)
        history.record(origin, _forecast(2 * n, 4, 10.0), LEVELS)
    history.observe(demand, 8)
    table = history.table()
    x95 = float(np.interp(0.95, GRID, table[0]))
    z95 = float(np.interp(0.95, GRID, table[-1]))
    assert x95 < 0.95 < z95


def test_a_forecast_for_other_series_is_refused() -> None:
    with pytest.raises(ValueError, match="series"):
        _history(["X"]).record(0, _forecast(2, 3, 10.0), LEVELS)
