"""(R, s, S) policy numbers: position, levels, the order decision and stockout risk."""

from __future__ import annotations

import numpy as np
import pytest

from inventory.lead_time_demand import LeadTimeDemand
from inventory.policy import (
    inventory_position,
    order_decision,
    plan_orders,
    protection_level,
    reorder_levels,
    safety_stock,
    stockout_probability,
)
from inventory.service_targets import ServiceTarget

# Five equally likely outcomes of D_{L+R}; D_L is a fixed share so every path has D_L <= D_{L+R}.
D_LR = np.array([[0.0, 10.0, 20.0, 30.0, 40.0]])


def demand(d_lr: np.ndarray = D_LR, share_l: float = 0.5) -> LeadTimeDemand:
    return LeadTimeDemand(
        over_lead_time_and_review=d_lr,
        over_lead_time=share_l * d_lr,
        lead_time=np.full(d_lr.shape, 1.0),
        review_period=np.ones(d_lr.shape[0]),
    )


@pytest.mark.parametrize(
    ("on_hand", "on_order", "backorders", "expected"),
    [(10, 5, 2, 13), (0, 0, 4, -4), (7, 0, 0, 7), (0, 12, 0, 12)],
)
def test_inventory_position(on_hand: int, on_order: int, backorders: int, expected: int) -> None:
    assert float(inventory_position(on_hand, on_order, backorders)) == expected


def test_safety_stock_is_reorder_point_minus_expected_demand() -> None:
    np.testing.assert_array_equal(safety_stock([120.0, 90.0], [100.0, 100.0]), [20.0, -10.0])


def test_reorder_levels_add_the_lot_to_the_protection_level() -> None:
    levels = reorder_levels([50.0, 50.0], [20.0, 0.0])
    np.testing.assert_array_equal(levels.reorder_point, [50.0, 50.0])
    np.testing.assert_array_equal(levels.order_up_to, [70.0, 50.0])
    with pytest.raises(ValueError, match="lot size"):
        reorder_levels(50.0, -1.0)


@pytest.mark.parametrize(
    ("position", "s", "big_s", "place", "quantity"),
    [
        (40.0, 50.0, 70.0, True, 30.0),
        (50.0, 50.0, 70.0, True, 20.0),  # at the reorder point: order
        (51.0, 50.0, 70.0, False, 0.0),
        (70.0, 70.0, 70.0, False, 0.0),  # (R, S) already at S: nothing to order
        (69.5, 70.0, 70.0, True, 0.5),
        (-10.0, 5.0, 5.0, True, 15.0),  # backorders are made up too
    ],
)
def test_order_decision(
    position: float, s: float, big_s: float, place: bool, quantity: float
) -> None:
    decision = order_decision(position, s, big_s)
    assert bool(decision.place) is place
    assert float(decision.quantity) == quantity


def test_order_decision_refuses_s_above_big_s() -> None:
    with pytest.raises(ValueError, match="S must be >= reorder point"):
        order_decision(10.0, 50.0, 40.0)


@pytest.mark.parametrize(
    ("stock", "risk"), [(-1.0, 1.0), (0.0, 0.8), (7.0, 0.8), (10.0, 0.6), (40.0, 0.0)]
)
def test_stockout_probability_counts_samples_above_stock(stock: float, risk: float) -> None:
    assert float(stockout_probability(D_LR, stock)[0]) == pytest.approx(risk)


@pytest.mark.parametrize(
    ("csl", "fill", "expected"),
    [
        (0.75, None, 30.0),  # the P75 of 0..40
        # Cycle demand mean(D_LR - D_L) = 10; D_L <= 20 is never short above 20, so the
        # shortage is (40 - S)/5 on [30, 40] and (70 - 2S)/5 on [20, 30].
        (None, 0.9, 35.0),
        (None, 0.5, 22.5),
        (0.95, 0.9, 38.0),  # both set: the stricter (larger) level wins
        (0.25, 0.9, 35.0),
    ],
)
def test_protection_level_takes_the_stricter_target(
    csl: float | None, fill: float | None, expected: float
) -> None:
    assert float(protection_level(demand(), csl, fill)[0]) == pytest.approx(expected)


def test_protection_level_needs_a_target_per_series() -> None:
    with pytest.raises(ValueError, match="neither a cycle service level nor a fill rate"):
        protection_level(demand(), [np.nan], [np.nan])


def test_plan_orders_gives_the_numbers_behind_a_suggestion() -> None:
    plan = plan_orders(demand(), position=12.0, targets=ServiceTarget(cycle_service_level=0.75))
    assert float(plan.expected_demand[0]) == 20.0
    assert float(plan.reorder_point[0]) == 30.0
    assert float(plan.order_up_to[0]) == 30.0
    assert float(plan.safety_stock[0]) == 10.0
    assert bool(plan.place[0]) and float(plan.quantity[0]) == 18.0
    assert float(plan.stockout_risk[0]) == pytest.approx(0.6)  # 20, 30, 40 exceed 12
    assert float(plan.stockout_risk_after_order[0]) == pytest.approx(0.2)  # only 40 exceeds 30
    assert float(plan.expected_lead_time[0]) == 1.0


def test_plan_orders_with_a_lot_and_one_target_per_series() -> None:
    two = demand(np.vstack([D_LR, D_LR]))
    targets = [ServiceTarget(cycle_service_level=0.75), ServiceTarget(cycle_service_level=0.5)]
    plan = plan_orders(two, position=[25.0, 25.0], targets=targets, lot_size=10.0)
    np.testing.assert_array_equal(plan.reorder_point, [30.0, 20.0])
    np.testing.assert_array_equal(plan.order_up_to, [40.0, 30.0])
    np.testing.assert_array_equal(plan.place, [True, False])
    np.testing.assert_array_equal(plan.quantity, [15.0, 0.0])
    with pytest.raises(ValueError, match="3 service targets for 2 series"):
        plan_orders(two, position=0.0, targets=targets + targets[:1])
