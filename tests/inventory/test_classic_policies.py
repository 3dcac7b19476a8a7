"""Classic policies: textbook levels by hand, no peeking at future demand, direction of service."""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np
import pytest

from inventory.classic_policies import (
    min_max_policy,
    order_up_to_policy,
    precomputed_policy,
    trailing_demand_stats,
)
from inventory.simulation import LeadTimeDistribution, Levels, simulate

Z95 = NormalDist().inv_cdf(0.95)
# Alternating 8, 12: every 4-period window has mu = 10 and sample variance 4 * 4 / 3 = 16 / 3,
# so sigma sqrt(L + R) = sqrt(16 / 3) sqrt(3) = 4 with L = 2, R = 1.
ALTERNATING = np.tile([8.0, 12.0], (1, 10))
FIXED_2 = LeadTimeDistribution.fixed(2, 1)
# Knots P25 = 1, P75 = 3, flat tails: mean 2, E[L^2] = .25 + .5 * 13 / 3 + .25 * 9, variance 2/3.
SPREAD_2 = LeadTimeDistribution(np.array([0.25, 0.75]), np.array([[1.0, 3.0]]))


@pytest.mark.parametrize(
    ("target", "lead", "variance", "expected"),
    [
        (0.95, FIXED_2, False, 30.0 + 4.0 * Z95),
        (0.5, FIXED_2, False, 30.0),  # z = 0: no safety stock
        (0.95, SPREAD_2, False, 30.0 + 4.0 * Z95),  # only the mean lead time counts
        (0.95, SPREAD_2, True, 30.0 + Z95 * math.sqrt(3 * 16 / 3 + 100 * 2 / 3)),
        (0.95, FIXED_2, True, 30.0 + 4.0 * Z95),  # a fixed lead time adds nothing
    ],
)
def test_order_up_to_by_hand(
    target: float, lead: LeadTimeDistribution, variance: bool, expected: float
) -> None:
    levels = order_up_to_policy(
        ALTERNATING,
        target_csl=target,
        lead_time=lead,
        review_period=1,
        window=4,
        lead_time_variance=variance,
    )
    assert (levels.first_review, levels.review_period, levels.shape) == (4, 1, (1, 16))
    np.testing.assert_allclose(levels.order_up_to, expected)
    np.testing.assert_array_equal(levels.reorder_point, levels.order_up_to)  # (R, S): s = S


@pytest.mark.parametrize(
    ("review_period", "safety", "order", "low", "high"),
    [
        (1, 1.0, 2.0, 40.0, 60.0),  # min = 10 (2 + 1) + 10, max = min + 2 * 10
        (1, 0.0, 1.0, 30.0, 40.0),
        (2, 1.0, 2.0, 60.0, 100.0),  # min = 10 (2 + 2) + 20, max = min + 2 * 20
    ],
)
def test_min_max_by_hand(
    review_period: int, safety: float, order: float, low: float, high: float
) -> None:
    levels = min_max_policy(
        np.full((1, 20), 10.0),
        lead_time=FIXED_2,
        review_period=review_period,
        window=4,
        safety_reviews=safety,
        order_reviews=order,
    )
    np.testing.assert_allclose(levels.reorder_point, low)
    np.testing.assert_allclose(levels.order_up_to, high)


def test_trailing_stats_match_direct_computation_including_short_history() -> None:
    demand = np.random.default_rng(2).gamma(2.0, 50.0, size=(6, 40))
    times = np.array([2, 3, 10, 25, 40])
    mu, sigma = trailing_demand_stats(demand, times, window=7)
    for j, t in enumerate(times):
        history = demand[:, max(0, t - 7) : t]
        np.testing.assert_allclose(mu[:, j], history.mean(axis=1), rtol=1e-10)
        np.testing.assert_allclose(sigma[:, j], history.std(axis=1, ddof=1), rtol=1e-8)


PolicyBuilder = Callable[[np.ndarray], Levels]
POLICIES: dict[str, PolicyBuilder] = {
    "order_up_to": lambda d: order_up_to_policy(
        d,
        target_csl=0.9,
        lead_time=LeadTimeDistribution.fixed(3, d.shape[0]),
        review_period=2,
        window=8,
        lead_time_variance=True,
    ),
    "min_max": lambda d: min_max_policy(
        d, lead_time=LeadTimeDistribution.fixed(3, d.shape[0]), review_period=2, window=8
    ),
}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_levels_at_a_review_never_see_demand_from_that_period_on(name: str) -> None:
    build = POLICIES[name]
    demand = np.random.default_rng(7).poisson(5.0, size=(5, 40)).astype(float)
    base = build(demand)
    times = base.review_times()
    j = 6
    changed = demand.copy()
    changed[:, times[j] :] = np.random.default_rng(8).poisson(
        50.0, size=changed[:, times[j] :].shape
    )
    after = build(changed)
    np.testing.assert_array_equal(after.order_up_to[:, : j + 1], base.order_up_to[:, : j + 1])
    np.testing.assert_array_equal(after.reorder_point[:, : j + 1], base.reorder_point[:, : j + 1])
    # The next review does see the change: the test is not vacuous.
    assert np.all(after.order_up_to[:, j + 1] > base.order_up_to[:, j + 1])


def test_higher_target_service_means_higher_levels_and_fill_rate() -> None:
    rng = np.random.default_rng(4)
    demand = rng.poisson(rng.gamma(2.0, 4.0, size=(200, 1)), size=(200, 200)).astype(float)
    lead = LeadTimeDistribution.fixed(4, 200)
    results = {}
    for target in (0.8, 0.98):
        levels = order_up_to_policy(
            demand, target_csl=target, lead_time=lead, review_period=1, window=28
        )
        results[target] = (levels, simulate(demand, levels, lead, seed=1))
    low_levels, low = results[0.8]
    high_levels, high = results[0.98]
    assert np.all(high_levels.order_up_to >= low_levels.order_up_to)
    pooled = {t: r.served.sum() / r.total_demand.sum() for t, (_, r) in results.items()}
    assert pooled[0.98] > pooled[0.8] + 0.03
    assert high.cycle_service_level.mean() > low.cycle_service_level.mean()
    assert high.average_on_hand.sum() > low.average_on_hand.sum()


def test_per_series_targets() -> None:
    levels = order_up_to_policy(
        np.vstack([ALTERNATING, ALTERNATING]),
        target_csl=[0.5, 0.95],
        lead_time=LeadTimeDistribution.fixed(2, 2),
        review_period=1,
        window=4,
    )
    np.testing.assert_allclose(levels.order_up_to[:, 0], [30.0, 30.0 + 4.0 * Z95])


def test_precomputed_levels_are_checked_against_the_horizon() -> None:
    s = np.full((3, 5), 4.0)
    levels = precomputed_policy(
        s, s + 6.0, n_series=3, n_periods=20, first_review=10, review_period=2
    )
    np.testing.assert_array_equal(levels.review_times(), [10, 12, 14, 16, 18])
    with pytest.raises(ValueError, match=r"need \(3, 4\)"):
        precomputed_policy(s, s, n_series=3, n_periods=18, first_review=10, review_period=2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: order_up_to_policy(
                ALTERNATING, target_csl=1.0, lead_time=FIXED_2, review_period=1, window=4
            ),
            "strictly between 0 and 1",
        ),
        (
            lambda: order_up_to_policy(
                ALTERNATING, target_csl=0.9, lead_time=FIXED_2, review_period=1, window=1
            ),
            "too short",
        ),
        (
            lambda: min_max_policy(
                ALTERNATING, lead_time=FIXED_2, review_period=1, window=4, first_review=1
            ),
            "fewer than 2 periods",
        ),
        (
            lambda: min_max_policy(
                ALTERNATING, lead_time=FIXED_2, review_period=1, window=4, safety_reviews=-1.0
            ),
            "use >= 0",
        ),
    ],
)
def test_bad_policy_inputs_say_what_to_fix(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
