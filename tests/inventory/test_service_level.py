"""Service levels: normal tables, loss-function inverse, and sample-based order-up-to levels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from inventory.service_level import (
    empirical_quantile,
    expected_shortage,
    inverse_normal_loss,
    normal_loss,
    normal_order_up_to,
    order_up_to_for_cycle_service_level,
    order_up_to_for_fill_rate,
    z_for_cycle_service_level,
    z_for_fill_rate,
)


@pytest.mark.parametrize(
    ("level", "z"),
    [(0.5, 0.0), (0.9, 1.2816), (0.95, 1.6449), (0.975, 1.9600), (0.99, 2.3263)],
)
def test_z_for_cycle_service_level_matches_normal_table(level: float, z: float) -> None:
    assert round(float(z_for_cycle_service_level(level)), 4) == z


@pytest.mark.parametrize(
    ("z", "loss"),
    # Standard normal loss table (e.g. Silver, Pyke & Thomas, appendix); G(-z) = G(z) + z.
    [(0.0, 0.3989), (1.0, 0.0833), (2.0, 0.0085), (3.0, 0.0004), (-1.0, 1.0833)],
)
def test_normal_loss_matches_table(z: float, loss: float) -> None:
    assert round(float(normal_loss(z)), 4) == loss


@pytest.mark.parametrize("z", [-3.0, -0.5, 0.0, 1.0, 2.5, 5.0])
def test_inverse_normal_loss_round_trips(z: float) -> None:
    assert float(inverse_normal_loss(normal_loss(z))) == pytest.approx(z, abs=1e-9)


def test_inverse_normal_loss_is_vectorised() -> None:
    z = np.array([-1.0, 0.0, 1.0, 2.0])
    np.testing.assert_allclose(inverse_normal_loss(normal_loss(z)), z, atol=1e-9)


def test_z_for_fill_rate_solves_the_loss_equation() -> None:
    # beta 0.99, Q 100, sigma 50: G(z) = 0.01 * 100 / 50 = 0.02.
    expected = brentq(lambda z: norm.pdf(z) - z * norm.sf(z) - 0.02, -5, 5)
    z = float(z_for_fill_rate(0.99, 100.0, 50.0))
    assert z == pytest.approx(expected, abs=1e-9)
    assert round(z, 3) == 1.663


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.2, -0.1])
def test_service_levels_outside_zero_one_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        z_for_cycle_service_level(bad)


def test_inverse_normal_loss_refuses_zero() -> None:
    with pytest.raises(ValueError, match="> 0"):
        inverse_normal_loss(0.0)


def test_normal_order_up_to_for_either_target() -> None:
    assert float(normal_order_up_to(100, 20, cycle_service_level=0.95)) == pytest.approx(
        100 + 20 * 1.644854, abs=1e-5
    )
    by_fill = normal_order_up_to(100, 20, fill_rate=0.99, review_demand_mean=40)
    assert float(by_fill) == pytest.approx(100 + 20 * float(inverse_normal_loss(0.02)))
    with pytest.raises(ValueError, match="exactly one"):
        normal_order_up_to(100, 20)


@pytest.mark.parametrize("levels", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_empirical_quantile_matches_numpy(levels: float) -> None:
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 5.0, size=(4, 101))
    np.testing.assert_allclose(empirical_quantile(x, levels), np.quantile(x, levels, axis=1))


def test_empirical_quantile_takes_one_level_per_row() -> None:
    x = np.tile(np.arange(11.0), (2, 1))
    np.testing.assert_allclose(empirical_quantile(x, [0.5, 0.95]), [5.0, 9.5])


def test_order_up_to_for_cycle_service_level_is_the_quantile() -> None:
    assert float(order_up_to_for_cycle_service_level([0, 10, 20, 30, 40], 0.75)[0]) == 30.0


@pytest.mark.parametrize(
    ("demand_lr", "demand_l", "mu_r", "fill", "expected"),
    [
        # E[(D - S)+] = (40 - S) / 5 on [30, 40] equals (1 - 0.9) x 10 at S = 35.
        ([0, 10, 20, 30, 40], None, 10.0, 0.9, 35.0),
        # g(S) = 10 - S/2 on [0, 10]; mu_R = mean(D_LR - D_L) = 10, target 5 -> S = 10.
        ([10, 20], [0, 10], None, 0.5, 10.0),
        # Target 2: on [10, 20] g(S) = (20 - S) / 2 -> S = 16.
        ([10, 20], [0, 10], None, 0.8, 16.0),
        # Below every sample the simple shortage is mean - S: S = 25 - 0.5 x 40 = 5.
        ([20, 30], None, 40.0, 0.5, 5.0),
    ],
)
def test_fill_rate_level_hand_cases(
    demand_lr: list[float],
    demand_l: list[float] | None,
    mu_r: float | None,
    fill: float,
    expected: float,
) -> None:
    level = order_up_to_for_fill_rate(demand_lr, fill, demand_l=demand_l, review_demand_mean=mu_r)
    assert float(level[0]) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fill_rate_level_is_the_smallest_meeting_the_target(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d_l = rng.gamma(2.0, 5.0, size=(3, 50))
    d_lr = d_l + rng.gamma(1.5, 4.0, size=(3, 50))
    beta = np.array([0.8, 0.95, 0.99])
    level = order_up_to_for_fill_rate(d_lr, beta, demand_l=d_l)
    target = (1 - beta) * (d_lr - d_l).mean(axis=1)

    def shortage(s: np.ndarray) -> np.ndarray:
        return expected_shortage(d_lr, s) - expected_shortage(d_l, s)

    np.testing.assert_array_less(shortage(level), target + 1e-9)
    assert np.all(shortage(level - 1e-6) > target)


def test_fill_rate_level_agrees_with_the_normal_loss_formula() -> None:
    rng = np.random.default_rng(11)
    demand = rng.normal(100.0, 20.0, size=(2, 200_000))
    level = order_up_to_for_fill_rate(demand, [0.95, 0.99], review_demand_mean=20.0)
    expected = 100 + 20 * z_for_fill_rate(np.array([0.95, 0.99]), 20.0, 20.0)
    np.testing.assert_allclose(level, expected, atol=0.3)


def test_fill_rate_level_with_lead_time_term_agrees_when_it_is_negligible() -> None:
    # L short against R: D_L (mean 20) almost never exceeds S (~110), so the periodic-review
    # rule reduces to the normal-loss formula with Q = mu_R = 80 and sigma of D_{L+R}.
    rng = np.random.default_rng(5)
    d_l = rng.normal(20.0, 4.0, size=(1, 200_000))
    d_lr = d_l + rng.normal(80.0, np.sqrt(400.0 - 16.0), size=(1, 200_000))
    level = order_up_to_for_fill_rate(d_lr, 0.95, demand_l=d_l)
    expected = 100 + 20 * float(z_for_fill_rate(0.95, 80.0, 20.0))
    assert float(level[0]) == pytest.approx(expected, abs=0.3)


def test_fill_rate_level_needs_cycle_demand_without_lead_time_samples() -> None:
    with pytest.raises(ValueError, match="review_demand_mean"):
        order_up_to_for_fill_rate([1.0, 2.0], 0.9)
