"""The policy simulator on hand-traced cases: service, stock, orders, lead times, segments."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from inventory.simulation import (
    LeadTimeDistribution,
    Levels,
    SimulationResult,
    review_times,
    simulate,
)


def _levels(
    n_periods: int,
    order_up_to: float | list[float],
    *,
    reorder_point: float | list[float] | None = None,
    first_review: int = 0,
    review_period: int = 1,
    n_series: int = 1,
) -> Levels:
    """The same levels at every review (one value for all series, or one per series)."""
    n_reviews = review_times(n_periods, first_review, review_period).size
    big_s = np.broadcast_to(np.asarray(order_up_to, dtype=float), (n_series,))[:, None]
    s = big_s if reorder_point is None else np.full_like(big_s, reorder_point)
    return Levels(
        reorder_point=np.repeat(s.astype(float), n_reviews, axis=1),
        order_up_to=np.repeat(big_s, n_reviews, axis=1),
        first_review=first_review,
        review_period=review_period,
    )


def _constant(value: float, n_periods: int, n_series: int = 1) -> np.ndarray:
    return np.full((n_series, n_periods), value)


# Constant demand 10, fixed lead time 2, R = 1, s = S, lost sales, ten periods.
# S = 30 = mu (L + R): end-of-period on hand 20, 10, then 0 forever; orders of 10 from t = 1.
# S = 20: every third period (t = 2, 5, 8) starts empty while an order is still on its way.
@pytest.mark.parametrize(
    ("order_up_to", "fill", "unmet", "on_hand", "orders", "stockouts", "empty", "csl"),
    [
        (30.0, 1.0, 0.0, 3.0, 9, 0, 8, 1.0),
        (20.0, 0.7, 30.0, 1.0, 6, 3, 9, 0.7),
    ],
)
def test_constant_demand_by_hand(
    order_up_to: float,
    fill: float,
    unmet: float,
    on_hand: float,
    orders: int,
    stockouts: int,
    empty: int,
    csl: float,
) -> None:
    result = simulate(
        _constant(10.0, 10),
        _levels(10, order_up_to),
        LeadTimeDistribution.fixed(2, 1),
        unit_cost=2.5,
    )
    assert result.total_demand[0] == 100.0
    assert result.fill_rate[0] == pytest.approx(fill)
    assert result.unmet[0] == pytest.approx(unmet)
    assert result.average_on_hand[0] == pytest.approx(on_hand)
    assert result.average_inventory_value[0] == pytest.approx(2.5 * on_hand)
    assert result.orders_placed[0] == orders
    assert result.ordered_units[0] == pytest.approx(10.0 * orders)
    assert result.stockout_periods[0] == stockouts
    assert result.empty_shelf_periods[0] == empty
    assert result.cycle_service_level[0] == pytest.approx(csl)
    assert (result.periods, result.cycles) == (10, 10)


# Demand 10 with a spike of 25 at t = 3, S = 30, L = 2. Lost sales lose 15 at t = 3 and recover;
# backorders carry -15 net stock, so t = 4 and t = 5 also start empty (unmet 15 + 10 + 10) and
# the t = 4 review orders 25 (position -5 + 10 on order).
@pytest.mark.parametrize(
    ("backorder", "unmet", "stockouts", "ordered"),
    [(False, 15.0, 1, 70.0), (True, 35.0, 3, 85.0)],
)
def test_spike_lost_sales_versus_backorders(
    backorder: bool, unmet: float, stockouts: int, ordered: float
) -> None:
    demand = np.array([[10.0, 10.0, 10.0, 25.0, 10.0, 10.0, 10.0, 10.0]])
    result = simulate(
        demand, _levels(8, 30.0), LeadTimeDistribution.fixed(2, 1), backorder=backorder
    )
    assert result.unmet[0] == pytest.approx(unmet)
    assert result.served[0] == pytest.approx(95.0 - unmet)
    assert result.fill_rate[0] == pytest.approx((95.0 - unmet) / 95.0)
    assert result.stockout_periods[0] == stockouts
    assert result.ordered_units[0] == pytest.approx(ordered)
    assert result.orders_placed[0] == 7


def test_backorders_stay_behind_when_levels_only_cover_the_lead_time() -> None:
    # S = 20 = mu L under backorders: from t = 2 every period is short by 10 and never recovers.
    result = simulate(
        _constant(10.0, 10), _levels(10, 20.0), LeadTimeDistribution.fixed(2, 1), backorder=True
    )
    assert result.served[0] == pytest.approx(20.0)
    assert result.unmet[0] == pytest.approx(80.0)
    assert result.stockout_periods[0] == 8
    assert result.orders_placed[0] == 9


# R = 3, L = 0, demand 10: each review orders back to S and the order is on the shelf at once.
@pytest.mark.parametrize(
    ("demand", "order_up_to", "csl", "fill"),
    [
        ([10, 10, 10, 10, 10, 10], 30.0, 1.0, 1.0),
        ([10, 10, 10, 10, 10, 15], 30.0, 0.5, 60 / 65),  # only the second cycle runs short
        ([10, 10, 10, 10, 10, 10], 25.0, 0.0, 50 / 60),  # both cycles lose 5 on their last day
        ([10, 10, 10, 10, 10, 10, 10], 30.0, 1.0, 1.0),  # a third, one-period cycle at t = 6
    ],
)
def test_cycle_service_level_counts_review_cycles(
    demand: list[float], order_up_to: float, csl: float, fill: float
) -> None:
    d = np.array([demand], dtype=float)
    result = simulate(
        d, _levels(d.shape[1], order_up_to, review_period=3), LeadTimeDistribution.fixed(0, 1)
    )
    assert result.cycles == math.ceil(d.shape[1] / 3)
    assert result.cycle_service_level[0] == pytest.approx(csl)
    assert result.fill_rate[0] == pytest.approx(fill)


def test_lead_time_zero_serves_the_review_period() -> None:
    result = simulate(
        _constant(10.0, 5), _levels(5, 10.0), LeadTimeDistribution.fixed(0, 1), trace=True
    )
    assert result.fill_rate[0] == 1.0
    assert result.trace is not None
    np.testing.assert_array_equal(result.trace.receipts[0], [0, 10, 10, 10, 10])


def test_min_max_orders_only_at_or_below_min() -> None:
    # s = 20, S = 50, demand 10, L = 1: position 50, 40, 30 at t = 0..2 (no order), 20 at t = 3:
    # order 30 up to S, on the shelf at t = 4; the position next falls to 20 at t = 6.
    result = simulate(
        _constant(10.0, 8),
        _levels(8, 50.0, reorder_point=20.0),
        LeadTimeDistribution.fixed(1, 1),
        trace=True,
    )
    assert result.trace is not None
    np.testing.assert_array_equal(result.trace.orders[0], [0, 0, 0, 30, 0, 0, 30, 0])
    assert result.fill_rate[0] == 1.0


# Demand 7, S = 21, L = 1: the t = 1 review wants 7 units.
@pytest.mark.parametrize(
    ("pack", "moq", "expected"),
    [
        (None, None, 7.0),
        (12.0, None, 12.0),
        (5.0, None, 10.0),
        (None, 25.0, 25.0),
        (10.0, 25.0, 30.0),  # MOQ first, then whole packs
        (7.0, 0.0, 7.0),  # exactly one pack: no extra pack from float dust
    ],
)
def test_orders_respect_pack_and_moq(
    pack: float | None, moq: float | None, expected: float
) -> None:
    result = simulate(
        _constant(7.0, 20),
        _levels(20, 21.0),
        LeadTimeDistribution.fixed(1, 1),
        pack_size=pack,
        moq=moq,
        trace=True,
    )
    assert result.trace is not None
    placed = result.trace.orders[0][result.trace.orders[0] > 0]
    assert placed[0] == pytest.approx(expected)
    assert result.trace.receipts[0, 2] == pytest.approx(expected)
    assert np.all(placed >= (moq or 0.0))
    if pack is not None:
        np.testing.assert_allclose(placed / pack, np.round(placed / pack))


@pytest.mark.parametrize("lead", [0, 1, 3])
def test_orders_arrive_exactly_after_a_fixed_lead_time(lead: int) -> None:
    demand = np.random.default_rng(3).poisson(5.0, size=(4, 30)).astype(float)
    result = simulate(
        demand, _levels(30, 25.0, n_series=4), LeadTimeDistribution.fixed(lead, 4), trace=True
    )
    assert result.trace is not None
    orders, receipts = result.trace.orders, result.trace.receipts
    np.testing.assert_array_equal(receipts[:, lead:], orders[:, : 30 - lead])
    assert orders.sum() > 0


def _random_lead_run(seed: int) -> SimulationResult:
    demand = np.random.default_rng(11).poisson(6.0, size=(20, 60)).astype(float)
    lead = LeadTimeDistribution(np.array([0.1, 0.5, 0.9]), np.tile([1.0, 3.0, 7.0], (20, 1)))
    return simulate(demand, _levels(60, 40.0, n_series=20), lead, seed=seed, trace=True)


def test_same_seed_same_result_and_stock_is_conserved() -> None:
    first, again, other = _random_lead_run(5), _random_lead_run(5), _random_lead_run(6)
    assert first.trace is not None and again.trace is not None and other.trace is not None
    np.testing.assert_array_equal(first.trace.receipts, again.trace.receipts)
    np.testing.assert_array_equal(first.fill_rate, again.fill_rate)
    assert not np.array_equal(first.trace.receipts, other.trace.receipts)
    # Lost sales: final on hand = initial + everything received - everything served.
    np.testing.assert_allclose(
        first.trace.on_hand[:, -1], 40.0 + first.trace.receipts.sum(axis=1) - first.served
    )


def test_only_periods_from_the_first_review_are_simulated() -> None:
    demand = np.array([[999.0, 10.0, 10.0, 10.0]])
    result = simulate(demand, _levels(4, 30.0, first_review=1), LeadTimeDistribution.fixed(2, 1))
    assert result.total_demand[0] == 30.0
    assert result.periods == 3
    assert result.fill_rate[0] == 1.0


def test_lead_time_distribution_moments_and_draws() -> None:
    # Knots P10 = 2, P50 = 4, P90 = 6, flat tails: mean = .1*2 + .4*3 + .4*5 + .1*6 = 4;
    # E[L^2] = .1*4 + .4*(4+8+16)/3 + .4*(16+24+36)/3 + .1*36 = 17.8667, variance 1.8667.
    dist = LeadTimeDistribution(np.array([0.1, 0.5, 0.9]), np.array([[2.0, 4.0, 6.0]]))
    assert dist.mean()[0] == pytest.approx(4.0)
    assert dist.std()[0] == pytest.approx(math.sqrt(17.8 + 0.2 / 3 - 16.0))
    rows = np.zeros(3, dtype=np.int64)
    np.testing.assert_allclose(dist.quantile(np.array([0.05, 0.3, 0.95]), rows), [2.0, 3.0, 6.0])
    rng = np.random.default_rng(0)
    n = 200_000
    draws = dist.sample(rng.random(n), rng.random(n), np.zeros(n, dtype=np.int64))
    assert draws.dtype == np.int64
    assert draws.min() == 2 and draws.max() == 6
    assert draws.mean() == pytest.approx(4.0, abs=0.02)  # rounding at random keeps the mean


def test_fixed_lead_time_has_no_spread() -> None:
    dist = LeadTimeDistribution.fixed([2, 5], 2)
    np.testing.assert_array_equal(dist.mean(), [2.0, 5.0])
    np.testing.assert_array_equal(dist.std(), [0.0, 0.0])
    rows = np.array([0, 1, 1])
    np.testing.assert_array_equal(dist.sample(np.full(3, 0.9), np.full(3, 0.9), rows), [2, 5, 5])


def _result(demand: list[float], served: list[float], csl: list[float]) -> SimulationResult:
    n = len(demand)
    zeros = np.zeros(n)
    return SimulationResult(
        periods=10,
        cycles=10,
        backorder=False,
        total_demand=np.array(demand),
        served=np.array(served),
        unmet=np.array(demand) - np.array(served),
        fill_rate=np.array(served) / np.array(demand),
        cycle_service_level=np.array(csl),
        average_on_hand=np.array([2.0, 4.0, 6.0]),
        average_inventory_value=np.array([20.0, 40.0, 60.0]),
        orders_placed=np.array([1, 3, 5]),
        ordered_units=zeros,
        stockout_periods=np.array([0, 2, 4]),
        empty_shelf_periods=np.zeros(n, dtype=np.int64),
    )


def test_segments_pool_fill_rate_and_average_the_rest() -> None:
    result = _result([100.0, 50.0, 50.0], [100.0, 35.0, 50.0], [1.0, 0.6, 0.9])
    table = result.by_segment(["A", "A", "B"])
    assert table.segment.tolist() == ["A", "B", "all"]
    assert table.series.tolist() == [2, 1, 3]
    # Pooled: A = 135 / 150 = 0.9, not the mean of 1.0 and 0.7.
    np.testing.assert_allclose(table.fill_rate, [0.9, 1.0, 185 / 200])
    np.testing.assert_allclose(table.demand, [150.0, 50.0, 200.0])
    np.testing.assert_allclose(table.cycle_service_level, [0.8, 0.9, 2.5 / 3])
    np.testing.assert_allclose(table.average_on_hand, [3.0, 6.0, 4.0])
    np.testing.assert_allclose(table.inventory_value, [60.0, 60.0, 120.0])
    np.testing.assert_allclose(table.orders_placed, [2.0, 5.0, 3.0])
    np.testing.assert_allclose(table.stockout_periods, [1.0, 4.0, 2.0])
    frame = pd.DataFrame(table.columns())
    assert frame.loc[frame["segment"] == "A", "fill_rate"].item() == pytest.approx(0.9)
    assert result.by_segment([1, 1, 2], include_all=False).segment.tolist() == ["1", "2"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: simulate(-_constant(1.0, 4), _levels(4, 5.0), LeadTimeDistribution.fixed(1, 1)),
            "units >= 0",
        ),
        (
            lambda: simulate(_constant(1.0, 4), _levels(5, 5.0), LeadTimeDistribution.fixed(1, 1)),
            "compute levels for this horizon",
        ),
        (
            lambda: simulate(_constant(1.0, 4), _levels(4, 5.0), LeadTimeDistribution.fixed(1, 2)),
            "lead time is given for 2 series",
        ),
        (
            lambda: simulate(
                _constant(1.0, 4),
                _levels(4, 5.0),
                LeadTimeDistribution.fixed(1, 1),
                pack_size=[1.0, 2.0],
            ),
            "pack_size has shape",
        ),
        (lambda: _levels(4, 5.0, reorder_point=6.0), "s must be <= S"),
        (
            lambda: LeadTimeDistribution(np.array([0.1, 0.9]), np.array([[3.0, 2.0]])),
            "must not decrease",
        ),
        (
            lambda: LeadTimeDistribution(np.array([0.5, 0.5]), np.array([[1.0, 2.0]])),
            "increase strictly",
        ),
        (lambda: review_times(4, 4, 1), "outside the 4 periods"),
    ],
)
def test_bad_inputs_say_what_to_fix(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# Constant demand 10, lead time 2, S = 30 = mu (L + R): in steady state every period starts
# with 10 on hand after its receipt and ends empty. Without a warm-up the window opens on a
# full shelf (ends 20, 10 before the pipeline fills); warming up by L + R periods removes that.
@pytest.mark.parametrize(("warm_up", "on_hand"), [(0, 3.0), (3, 0.0)])
def test_warm_up_opens_the_window_with_orders_in_transit(warm_up: int, on_hand: float) -> None:
    demand = _constant(10.0, 20)
    result = simulate(
        demand,
        _levels(20, 30.0, first_review=10),
        LeadTimeDistribution.fixed(2, 1),
        warm_up=warm_up,
    )
    assert result.periods == 10
    assert result.fill_rate[0] == pytest.approx(1.0)
    assert result.average_on_hand[0] == pytest.approx(on_hand)
    # Orders placed during the warm-up are not the window's orders.
    assert result.orders_placed[0] == (9 if warm_up == 0 else 10)


def test_warm_up_is_bounded_by_the_history_before_the_first_review() -> None:
    demand = _constant(10.0, 8)
    short = simulate(
        demand, _levels(8, 30.0, first_review=1), LeadTimeDistribution.fixed(2, 1), warm_up=50
    )
    assert short.periods == 7
    with pytest.raises(ValueError, match="warm_up"):
        simulate(
            demand, _levels(8, 30.0, first_review=1), LeadTimeDistribution.fixed(2, 1), warm_up=-1
        )
