"""One review of many series: the (R, s, S) numbers and rounded quantities on hand-made demand."""

from __future__ import annotations

import numpy as np
import pytest

from inventory.service_targets import ServiceTarget
from planning.decide import Decisions, MonteCarlo, review_decisions

DEMAND_LEVELS = (0.1, 0.5, 0.9)
LEAD_LEVELS = (0.1, 0.5, 0.9)
CSL = ServiceTarget(cycle_service_level=0.95, fill_rate=None, review_period=1)


def _decide(
    position: list[float],
    *,
    pack: int = 1,
    moq: int = 0,
    target: ServiceTarget = CSL,
    lead: list[float] | None = None,
    lead_levels: tuple[float, ...] = LEAD_LEVELS,
) -> Decisions:
    """Every series: demand exactly 10 per period over 3 horizon steps, lead time 2 periods
    (or `lead`), review 1 period, so demand over L + R is exactly 30."""
    n = len(position)
    knots = [2.0] * len(lead_levels) if lead is None else lead
    return review_decisions(
        np.full((n, 3, len(DEMAND_LEVELS)), 10.0),
        DEMAND_LEVELS,
        np.tile(np.asarray(knots, dtype=np.float64), (n, 1)),
        lead_levels,
        review_period=np.ones(n),
        position=np.asarray(position, dtype=np.float64),
        targets=[target] * n,
        pack_size=np.full(n, pack),
        moq=np.full(n, moq),
        sampling=MonteCarlo(n_samples=200, seed=1),
    )


def test_degenerate_demand_gives_the_textbook_numbers() -> None:
    out = _decide([12.0, 30.0, 35.0])
    numbers = out.numbers
    np.testing.assert_array_equal(numbers.expected_demand, [30.0, 30.0, 30.0])
    np.testing.assert_array_equal(numbers.order_up_to, [30.0, 30.0, 30.0])
    np.testing.assert_array_equal(numbers.reorder_point, [30.0, 30.0, 30.0])
    np.testing.assert_array_equal(numbers.safety_stock, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(numbers.expected_lead_time, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(numbers.quantity, [18.0, 0.0, 0.0])  # S - position, unrounded
    np.testing.assert_array_equal(out.quantity, [18, 0, 0])
    assert out.quantity.dtype == np.int64


@pytest.mark.parametrize(
    ("position", "pack", "moq", "quantity"),
    [
        (12.0, 5, 0, 20),  # 18 -> 4 packs of 5 (round up: a pack short is short of target)
        (12.0, 1, 0, 18),
        (12.0, 5, 25, 25),  # MOQ 25 is 5 packs
        (12.0, 5, 22, 25),  # MOQ 22 -> the smallest whole-pack order above it
        (12.0, 6, 0, 18),  # exactly 3 packs of 6
        (29.5, 5, 0, 5),  # half a unit short still buys a pack
        (29.5, 1, 10, 10),
        (30.0, 5, 25, 0),  # at S: nothing, and MOQ does not create an order
        (35.0, 5, 25, 0),
        (-6.0, 12, 0, 36),  # backorders: 36 to reach S
    ],
)
def test_rounding_to_pack_and_moq(position: float, pack: int, moq: int, quantity: int) -> None:
    out = _decide([position], pack=pack, moq=moq)
    assert out.quantity.tolist() == [quantity]


@pytest.mark.parametrize(
    ("position", "risk", "risk_after"),
    [
        (12.0, 1.0, 0.0),  # below demand: a sure stockout unless we order up to 30
        (29.0, 1.0, 0.0),
        (30.0, 0.0, 0.0),  # P(D > 30) with D = 30 exactly
        (45.0, 0.0, 0.0),
    ],
)
def test_stockout_probability(position: float, risk: float, risk_after: float) -> None:
    out = _decide([position])
    assert out.numbers.stockout_risk.tolist() == [risk]
    assert out.numbers.stockout_risk_after_order.tolist() == [risk_after]


def test_fill_rate_target_on_degenerate_demand() -> None:
    # S is the lost-sales level (test_decide_lost_sales). Demand exactly 10 a period, L = 2,
    # R = 1: the shelf sells 10, 10 and S - 20 in turn, and the cycle the solver measures is
    # such a short one, so 5% of 10 short needs S = 29.5 (as with backorders here); from
    # position 12: 17.5 -> 4 packs of 5.
    target = ServiceTarget(cycle_service_level=None, fill_rate=0.95, review_period=1)
    out = _decide([12.0], pack=5, target=target)
    assert out.numbers.order_up_to.tolist() == pytest.approx([29.5])
    assert out.quantity.tolist() == [20]


@pytest.mark.parametrize(
    ("lead", "levels", "p50", "p90"),
    [
        ([1.0, 2.0, 4.0], (0.1, 0.5, 0.9), 2.0, 4.0),  # on the knots
        ([1.0, 3.0], (0.25, 0.75), 2.0, 3.6),  # between; beyond 0.75 extrapolated, as sampled
        ([1.0, 2.0, 3.0, 5.0], (0.2, 0.4, 0.6, 0.95), 2.5, 3.0 + 2.0 * 0.3 / 0.35),
        ([2.0], (0.5,), 2.0, 2.0),  # one level: a fixed lead time
    ],
)
def test_lead_time_p50_p90(
    lead: list[float], levels: tuple[float, ...], p50: float, p90: float
) -> None:
    out = _decide([12.0, 40.0], lead=lead, lead_levels=levels)
    np.testing.assert_allclose(out.lead_time_p50, [p50, p50])
    np.testing.assert_allclose(out.lead_time_p90, [p90, p90])


def test_shared_lead_time_row_broadcasts() -> None:
    out = review_decisions(
        np.full((3, 2, 3), 10.0),
        DEMAND_LEVELS,
        np.array([1.0, 2.0, 4.0]),  # one lead-time distribution for every series
        LEAD_LEVELS,
        review_period=np.ones(3),
        position=np.zeros(3),
        targets=[CSL] * 3,
        pack_size=np.ones(3, dtype=np.int64),
        moq=np.zeros(3, dtype=np.int64),
        sampling=MonteCarlo(n_samples=100, seed=0),
    )
    np.testing.assert_array_equal(out.lead_time_p50, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(out.lead_time_p90, [4.0, 4.0, 4.0])


def test_same_seed_same_decisions() -> None:
    rng = np.random.default_rng(5)
    demand = np.sort(rng.gamma(2.0, 5.0, size=(4, 3, 3)), axis=2)
    position = np.array([0.0, 10.0, 20.0, 80.0])

    def run() -> Decisions:
        return review_decisions(
            demand,
            DEMAND_LEVELS,
            np.tile([1.0, 2.0, 4.0], (4, 1)),
            LEAD_LEVELS,
            review_period=np.ones(4),
            position=position,
            targets=[CSL] * 4,
            pack_size=np.ones(4, dtype=np.int64),
            moq=np.zeros(4, dtype=np.int64),
        )

    first, again = run(), run()
    np.testing.assert_array_equal(first.quantity, again.quantity)
    np.testing.assert_array_equal(first.numbers.order_up_to, again.numbers.order_up_to)
    # An order-up-to policy (no lot size) tops up to S: quantity = max(S - position, 0).
    gap = np.maximum(first.numbers.order_up_to - position, 0.0)
    np.testing.assert_allclose(first.numbers.quantity, gap)
    np.testing.assert_array_equal(first.quantity, np.ceil(gap - 1e-9).astype(np.int64))


def test_no_series_is_refused() -> None:
    with pytest.raises(ValueError, match="no series to review"):
        _decide([])


def test_rho_follows_the_xyz_class_of_each_segment() -> None:
    sampling = MonteCarlo(rho=0.1, rho_by_xyz={"Z": 0.3})
    np.testing.assert_allclose(sampling.rho_for(["AX", "BZ", "*", "CZ"], 4), [0.1, 0.3, 0.1, 0.3])
    np.testing.assert_allclose(sampling.rho_for(None, 2), [0.1, 0.1])
