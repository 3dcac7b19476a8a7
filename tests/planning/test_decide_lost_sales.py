"""The planner's S: the lost-sales fill-rate level for fill targets, the CSL quantile otherwise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from inventory.calibration import GRID, identity_table, pit_table
from inventory.lead_time_demand import LeadTimeDemand, sample_lead_time_demand
from inventory.lost_sales import lost_sales_order_up_to
from inventory.policy import plan_orders, stockout_probability
from inventory.service_targets import ServiceTarget
from planning.decide import Decisions, MonteCarlo, fill_rate_order_up_to, review_decisions

LEVELS = (0.1, 0.5, 0.9, 0.95, 0.98)
LEAD_LEVELS = (0.1, 0.5, 0.9)
SAMPLING = MonteCarlo(n_samples=300, seed=4, rho=0.0, rho_by_xyz={"Z": 0.3})
SEGMENTS = ["AX", "BZ", "CY", "AZ", "CX"]


def _forecast(mean: list[float], cv: list[float], horizon: int = 4) -> np.ndarray:
    """Normal per-period quantiles (N, H, Q), the same every step."""
    m, c = np.asarray(mean)[:, None], np.asarray(cv)[:, None]
    knots = np.clip(m * (1.0 + c * norm.ppf(LEVELS)), 0.0, None)
    return np.repeat(knots[:, None, :], horizon, axis=1)


QUANTILES = _forecast([20.0, 5.0, 60.0, 12.0, 2.0], [0.2, 0.7, 0.3, 0.5, 0.9])
LEAD = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 7.0], [3.0, 3.0, 3.0], [1.0, 1.5, 2.0], [5, 6, 9]])
POSITION = np.array([0.0, 40.0, 100.0, 10.0, 3.0])


def _decide(
    targets: list[ServiceTarget], calibration: np.ndarray | None = None, pack: int = 1
) -> Decisions:
    n = len(targets)
    return review_decisions(
        QUANTILES[:n],
        LEVELS,
        LEAD[:n],
        LEAD_LEVELS,
        review_period=np.ones(n),
        position=POSITION[:n],
        targets=targets,
        pack_size=np.full(n, pack),
        moq=np.zeros(n, dtype=np.int64),
        sampling=SAMPLING,
        segments=SEGMENTS[:n],
        calibration=calibration,
    )


def _fill(*rates: float) -> list[ServiceTarget]:
    # The cycle service level is set too (as the defaults do) and must not move S.
    return [ServiceTarget(cycle_service_level=0.99, fill_rate=f, review_period=1) for f in rates]


FILL = _fill(0.9, 0.95, 0.98, 0.97, 0.92)


def _too_narrow() -> np.ndarray:
    """Calibration rows from PITs piled in both tails: the forecasts were too narrow."""
    rng = np.random.default_rng(0)
    pits = np.concatenate(
        [rng.uniform(0.0, 0.05, 300), rng.uniform(0.0, 1.0, 400), rng.uniform(0.95, 1.0, 300)]
    )
    return np.tile(pit_table(pits), (5, 1))


def test_fill_rate_targets_get_the_lost_sales_level() -> None:
    out = _decide(FILL)
    direct = lost_sales_order_up_to(
        QUANTILES,
        LEVELS,
        LEAD,
        LEAD_LEVELS,
        1,
        [t.fill_rate for t in FILL],
        n_samples=300,
        seed=4,
        rho=[0.0, 0.3, 0.0, 0.3, 0.0],
    )
    numbers = out.numbers
    np.testing.assert_allclose(numbers.order_up_to, direct)
    np.testing.assert_array_equal(numbers.reorder_point, numbers.order_up_to)  # (R, S): s = S
    # Everything but S is read from the same lead-time demand samples as before.
    demand = _samples()
    np.testing.assert_allclose(numbers.expected_demand, demand.mean())
    np.testing.assert_allclose(numbers.safety_stock, direct - demand.mean())
    gap = np.maximum(direct - POSITION, 0.0)
    np.testing.assert_allclose(numbers.quantity, gap)
    np.testing.assert_array_equal(out.quantity, np.ceil(gap - 1e-9).astype(np.int64))
    np.testing.assert_allclose(
        numbers.stockout_risk, stockout_probability(demand.over_lead_time_and_review, POSITION)
    )
    np.testing.assert_allclose(
        numbers.stockout_risk_after_order,
        stockout_probability(demand.over_lead_time_and_review, POSITION + numbers.quantity),
    )


def _samples() -> LeadTimeDemand:
    """The lead-time demand samples `_decide` draws (same seed, size and rho per series)."""
    return sample_lead_time_demand(
        QUANTILES,
        LEVELS,
        LEAD,
        LEAD_LEVELS,
        np.ones(5),
        n_samples=300,
        seed=4,
        rho=[0, 0.3] * 2 + [0],
    )


def test_lost_sales_level_is_below_the_backorder_level() -> None:
    """Steady demand, lead time longer than the review: the backorder rule counts demand a
    stockout turned away as still using up stock, so it holds more (lost_sales docstring)."""
    targets = _fill(0.8, 0.9, 0.95)
    out = _decide(targets).numbers.order_up_to
    demand = sample_lead_time_demand(
        QUANTILES[:3], LEVELS, LEAD[:3], LEAD_LEVELS, np.ones(3), n_samples=300, seed=4, rho=0.0
    )
    backorder = plan_orders(demand, POSITION[:3], targets).order_up_to
    assert np.all(out < backorder)


@pytest.mark.parametrize("csl", [0.8, 0.95, 0.99])
def test_csl_only_targets_keep_the_csl_quantile(csl: float) -> None:
    targets = [ServiceTarget(cycle_service_level=csl, fill_rate=None, review_period=1)] * 5
    out = _decide(targets, calibration=_too_narrow())  # the map serves fill-rate levels only
    demand = _samples()
    before = plan_orders(demand, POSITION, targets)
    for name in ("order_up_to", "reorder_point", "safety_stock", "quantity", "stockout_risk"):
        np.testing.assert_array_equal(getattr(out.numbers, name), getattr(before, name), name)
    np.testing.assert_allclose(
        out.numbers.order_up_to, np.quantile(demand.over_lead_time_and_review, csl, axis=1)
    )


def test_mixed_targets_size_each_series_by_its_own_rule() -> None:
    csl = ServiceTarget(cycle_service_level=0.95, fill_rate=None, review_period=1)
    targets = [csl, FILL[1], csl, FILL[3], FILL[4]]
    out = _decide(targets).numbers.order_up_to
    rows = [1, 3, 4]
    direct = fill_rate_order_up_to(
        QUANTILES[rows],
        LEVELS,
        LEAD[rows],
        LEAD_LEVELS,
        review_period=np.ones(3),
        fill_rates=np.array([t.fill_rate for t in FILL])[rows],
        sampling=SAMPLING,
        segments=[SEGMENTS[i] for i in rows],
    )
    np.testing.assert_allclose(out[rows], direct)
    by_csl = _decide([csl] * 5).numbers.order_up_to
    np.testing.assert_allclose(out[[0, 2]], by_csl[[0, 2]])


def test_a_widening_calibration_raises_s_and_the_identity_changes_nothing() -> None:
    plain = _decide(FILL).numbers.order_up_to
    same = _decide(FILL, calibration=identity_table(5)).numbers.order_up_to
    np.testing.assert_allclose(same, plain)
    widened = _decide(FILL, calibration=_too_narrow()).numbers.order_up_to
    assert np.all(widened > plain)


def test_simulator_rows_use_the_same_rule_with_a_seed_per_review() -> None:
    targets = np.array([[0.9, 0.95], [0.97, 0.99]])
    ours = fill_rate_order_up_to(
        QUANTILES[:2],
        LEVELS,
        LEAD[:2],
        LEAD_LEVELS,
        review_period=np.full(2, 2),
        fill_rates=targets,
        sampling=SAMPLING,
        segments=SEGMENTS[:2],
        seed_offset=7,
    )
    direct = lost_sales_order_up_to(
        QUANTILES[:2],
        LEVELS,
        LEAD[:2],
        LEAD_LEVELS,
        2,
        targets,
        n_samples=300,
        seed=11,
        rho=[0, 0.3],
    )
    np.testing.assert_allclose(ours, direct)
    assert np.all(ours[1] > ours[0])


def test_a_calibration_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="one row of"):
        _decide(FILL, calibration=np.tile(GRID, (4, 1)))
