"""Lead-time demand: inverse CDFs, Monte Carlo sums over L + R, and the normal approximation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from inventory.lead_time_demand import (
    normal_lead_time_demand,
    piecewise_linear_quantile,
    sample_lead_time_demand,
)

LEVELS = (0.1, 0.5, 0.9, 0.95, 0.98)
LEAD_LEVELS = (0.1, 0.5, 0.9)
NORMAL_10_2 = 10.0 + 2.0 * norm.ppf(LEVELS)  # per-period demand ~ N(10, 2) at the levels


def fixed_lead_time(periods: float) -> list[float]:
    return [periods] * len(LEAD_LEVELS)


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        (0.5, 10.0),
        (0.3, 6.0),  # halfway between P10 = 2 and P50 = 10
        (0.7, 14.0),
        (0.05, 1.0),  # lower tail: slope of the first piece (20 per unit of probability)
        (0.0, 0.0),
        (1.0, 20.0),  # upper tail: slope of the last piece
    ],
)
def test_piecewise_linear_quantile_hand_values(u: float, expected: float) -> None:
    value = piecewise_linear_quantile((0.1, 0.5, 0.9), [[2.0, 10.0, 18.0]], [[u]])
    assert float(value[0, 0]) == pytest.approx(expected)


def test_piecewise_linear_quantile_is_never_negative() -> None:
    # Extrapolating P10 = 1 down with slope 22.5 would give -1.25 at u = 0.
    value = piecewise_linear_quantile((0.1, 0.5, 0.9), [[1.0, 10.0, 18.0]], [[0.0, 0.02]])
    np.testing.assert_allclose(value, [[0.0, 0.0]])


def test_single_quantile_is_a_fixed_value() -> None:
    value = piecewise_linear_quantile((0.5,), [[4.0], [7.0]], [[0.01, 0.99], [0.3, 0.6]])
    np.testing.assert_array_equal(value, [[4.0, 4.0], [7.0, 7.0]])


@pytest.mark.parametrize(
    ("lead_time", "review", "expected_lr", "expected_l"),
    [(2.0, 1.0, 15.0, 10.0), (2.5, 1.0, 17.5, 12.5), (0.0, 1.0, 5.0, 0.0), (3.0, 0.5, 17.5, 15.0)],
)
def test_constant_demand_gives_exactly_constant_sums(
    lead_time: float, review: float, expected_lr: float, expected_l: float
) -> None:
    demand = np.full((4, len(LEVELS)), 5.0)
    result = sample_lead_time_demand(
        demand, LEVELS, fixed_lead_time(lead_time), LEAD_LEVELS, review, n_samples=500, seed=1
    )
    assert np.all(result.over_lead_time_and_review == expected_lr)
    assert np.all(result.over_lead_time == expected_l)
    assert np.all(result.lead_time == lead_time)


def test_beyond_the_horizon_the_last_step_repeats() -> None:
    demand = np.array([np.full(len(LEVELS), 1.0), np.full(len(LEVELS), 100.0)])
    result = sample_lead_time_demand(
        demand, LEVELS, fixed_lead_time(3.0), LEAD_LEVELS, 1.0, n_samples=10
    )
    assert np.all(result.over_lead_time_and_review == 1.0 + 3 * 100.0)


@pytest.mark.parametrize("rho", [0.0, 0.2, 0.5])
def test_mean_over_l_plus_r_is_three_period_medians(rho: float) -> None:
    demand = np.tile(NORMAL_10_2, (6, 1))
    result = sample_lead_time_demand(
        demand, LEVELS, fixed_lead_time(2.0), LEAD_LEVELS, 1.0, n_samples=50_000, rho=rho
    )
    assert float(result.mean()[0]) == pytest.approx(30.0, rel=0.01)
    assert float(result.over_lead_time.mean()) == pytest.approx(20.0, rel=0.01)
    assert float(result.review_demand_mean()[0]) == pytest.approx(10.0, rel=0.01)


def test_common_factor_widens_the_sum_as_the_equicorrelation_formula_says() -> None:
    # Var(sum of 3 periods) = 3 s^2 (1 + 2 rho): the sd ratio rho 0.5 / rho 0 is sqrt(2).
    demand = np.tile(NORMAL_10_2, (6, 1))
    spread = [
        float(
            sample_lead_time_demand(
                demand, LEVELS, fixed_lead_time(2.0), LEAD_LEVELS, 1.0, n_samples=50_000, rho=rho
            ).over_lead_time_and_review.std()
        )
        for rho in (0.0, 0.5)
    ]
    assert spread[0] == pytest.approx(2.0 * np.sqrt(3.0), rel=0.05)
    assert spread[1] / spread[0] == pytest.approx(np.sqrt(2.0), rel=0.03)


def test_samples_are_paired_so_lead_time_demand_never_exceeds_the_protection_sum() -> None:
    demand = np.tile(NORMAL_10_2, (2, 5, 1))
    result = sample_lead_time_demand(demand, LEVELS, [1.0, 3.0, 6.0], LEAD_LEVELS, 2.0, seed=4)
    assert np.all(result.over_lead_time <= result.over_lead_time_and_review)
    assert result.over_lead_time_and_review.shape == (2, 1000)


def test_same_seed_same_samples_other_seed_other_samples() -> None:
    demand = np.tile(NORMAL_10_2, (3, 4, 1))
    args = (demand, LEVELS, [1.0, 2.0, 4.0], LEAD_LEVELS, 1.0)
    first = sample_lead_time_demand(*args, n_samples=200, seed=7)
    again = sample_lead_time_demand(*args, n_samples=200, seed=7)
    other = sample_lead_time_demand(*args, n_samples=200, seed=8)
    np.testing.assert_array_equal(first.over_lead_time_and_review, again.over_lead_time_and_review)
    np.testing.assert_array_equal(first.over_lead_time, again.over_lead_time)
    assert not np.array_equal(first.over_lead_time_and_review, other.over_lead_time_and_review)


def test_random_lead_time_matches_the_normal_approximation_mean() -> None:
    # Lead time P10/P50/P90 = 4 -/+ 1.2816: mean 4 periods; D_{L+R} mean = 10 x (4 + 1).
    lead = 4.0 + norm.ppf(LEAD_LEVELS)
    result = sample_lead_time_demand(
        np.tile(NORMAL_10_2, (8, 1)), LEVELS, lead, LEAD_LEVELS, 1.0, n_samples=50_000, rho=0.0
    )
    approx = normal_lead_time_demand(10.0, 2.0, 4.0, 1.0, 1.0)
    assert float(result.mean()[0]) == pytest.approx(float(approx.mean), rel=0.01)
    assert float(result.lead_time.mean()) == pytest.approx(4.0, abs=0.02)


def test_per_series_inputs_stay_in_their_rows() -> None:
    demand = np.stack([np.full((2, len(LEVELS)), 1.0), np.full((2, len(LEVELS)), 3.0)])
    lead = np.array([fixed_lead_time(1.0), fixed_lead_time(4.0)])
    result = sample_lead_time_demand(demand, LEVELS, lead, LEAD_LEVELS, [1.0, 2.0], n_samples=5)
    np.testing.assert_array_equal(result.over_lead_time_and_review[:, 0], [2.0, 18.0])
    np.testing.assert_array_equal(result.review_period, [1.0, 2.0])


def test_summary_reports_mean_and_quantiles() -> None:
    demand = np.full((1, len(LEVELS)), 2.0)
    summary = sample_lead_time_demand(
        demand, LEVELS, fixed_lead_time(1.0), LEAD_LEVELS, 1.0, n_samples=3
    ).summary((0.5, 0.9))
    np.testing.assert_array_equal(summary.mean, [4.0])
    np.testing.assert_array_equal(summary.std, [0.0])
    np.testing.assert_array_equal(summary.quantiles, [[4.0, 4.0]])


@pytest.mark.parametrize(
    ("demand_mean", "demand_std", "lead_mean", "lead_std", "review", "mean", "std"),
    [
        (10.0, 2.0, 4.0, 0.0, 1.0, 50.0, np.sqrt(5 * 4.0)),
        # (L + R) s^2 + d^2 s_L^2 = 5 x 4 + 100 x 1 = 120.
        (10.0, 2.0, 4.0, 1.0, 1.0, 50.0, np.sqrt(120.0)),
        (0.0, 0.0, 7.0, 2.0, 7.0, 0.0, 0.0),
    ],
)
def test_normal_approximation_hand_values(
    demand_mean: float,
    demand_std: float,
    lead_mean: float,
    lead_std: float,
    review: float,
    mean: float,
    std: float,
) -> None:
    approx = normal_lead_time_demand(demand_mean, demand_std, lead_mean, lead_std, review)
    assert float(approx.mean) == pytest.approx(mean)
    assert float(approx.std) == pytest.approx(std)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"demand_quantiles": [[3.0, 2.0, 4.0, 5.0, 6.0]]}, "non-decreasing"),
        ({"demand_quantiles": [[1.0, np.nan, 4.0, 5.0, 6.0]]}, "NaN"),
        ({"demand_quantiles": [[1.0, 2.0]]}, "one column per level"),
        ({"rho": 1.5}, "rho"),
        ({"review_period": -1.0}, "review period"),
        ({"lead_time_quantiles": [[1.0, 2.0, 3.0]] * 2}, "rows for 1 series"),
    ],
)
def test_bad_inputs_are_refused_with_the_fix(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "demand_quantiles": [[1.0, 2.0, 3.0, 4.0, 5.0]],
        "demand_levels": LEVELS,
        "lead_time_quantiles": [1.0, 2.0, 3.0],
        "lead_time_levels": LEAD_LEVELS,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        sample_lead_time_demand(**args)  # type: ignore[arg-type]


def test_rho_per_series_widens_only_the_correlated_series() -> None:
    demand = np.tile(NORMAL_10_2, (2, 1, 1))
    mixed = sample_lead_time_demand(
        demand, LEVELS, fixed_lead_time(2.0), LEAD_LEVELS, 1.0, n_samples=50_000, rho=[0.0, 0.5]
    )
    sd = mixed.over_lead_time_and_review.std(axis=1)
    # Var(sum of 3 periods) = 3 s^2 (1 + 2 rho): the correlated series spreads sqrt(2) wider.
    assert sd[1] / sd[0] == pytest.approx(np.sqrt(2.0), rel=0.05)
    with pytest.raises(ValueError, match="rho"):
        sample_lead_time_demand(
            demand, LEVELS, fixed_lead_time(2.0), LEAD_LEVELS, 1.0, rho=[0.0, 1.5]
        )
