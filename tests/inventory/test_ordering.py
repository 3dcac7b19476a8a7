"""Ordering: EOQ, pack / MOQ rounding and the budget cap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.ordering import (
    cap_to_budget,
    economic_order_quantity,
    minimum_order,
    round_order_quantity,
)


@pytest.mark.parametrize(
    ("demand", "order_cost", "holding_cost", "eoq"),
    [
        (1000.0, 10.0, 0.5, 200.0),  # textbook: sqrt(2 x 1000 x 10 / 0.5)
        (2400.0, 30.0, 4.0, np.sqrt(36_000.0)),
        (0.0, 10.0, 1.0, 0.0),
    ],
)
def test_economic_order_quantity(
    demand: float, order_cost: float, holding_cost: float, eoq: float
) -> None:
    assert float(economic_order_quantity(demand, order_cost, holding_cost)) == pytest.approx(eoq)


def test_eoq_needs_a_holding_cost() -> None:
    with pytest.raises(ValueError, match="holding cost must be > 0"):
        economic_order_quantity(1000.0, 10.0, 0.0)


@pytest.mark.parametrize(
    ("pack", "moq", "expected"), [(12, 0, 12), (12, 50, 60), (1, 7, 7), (10, 30, 30), (1, 0, 1)]
)
def test_minimum_order(pack: int, moq: int, expected: int) -> None:
    assert int(minimum_order(pack, moq)) == expected


@pytest.mark.parametrize(
    ("quantity", "pack", "moq", "mode", "expected"),
    [
        (0.0, 12, 0, "up", 0),
        (-3.0, 12, 50, "up", 0),
        (1.0, 12, 0, "up", 12),
        (13.0, 12, 0, "up", 24),
        (24.0, 12, 0, "up", 24),
        (24.000000001, 12, 0, "up", 24),  # float noise does not cost a pack
        (13.0, 12, 0, "nearest", 12),
        (18.0, 12, 0, "nearest", 24),  # half rounds up
        (5.0, 12, 0, "nearest", 12),  # an order is at least one pack
        (30.0, 10, 50, "up", 50),
        (30.0, 12, 50, "up", 60),  # MOQ 50 is not whole packs: 5 packs
        (55.0, 12, 50, "nearest", 60),
        (49.0, 1, 50, "nearest", 50),
        (62.0, 12, 50, "nearest", 60),
    ],
)
def test_round_order_quantity(
    quantity: float, pack: int, moq: int, mode: str, expected: int
) -> None:
    assert int(round_order_quantity(quantity, pack, moq, mode=mode)) == expected  # type: ignore[arg-type]


def test_round_order_quantity_is_vectorised_per_line() -> None:
    rounded = round_order_quantity([5.0, 5.0, 0.0], [1, 6, 6], [0, 0, 12])
    np.testing.assert_array_equal(rounded, [5, 6, 0])


@pytest.mark.parametrize(("pack", "moq"), [(0, 0), (1.5, 0), (1, -1)])
def test_bad_pack_or_moq_is_refused(pack: float, moq: int) -> None:
    with pytest.raises(ValueError, match="whole number"):
        round_order_quantity(10.0, pack, moq)


@given(
    quantity=st.floats(-50.0, 5000.0, allow_nan=False),
    pack=st.integers(1, 48),
    moq=st.integers(0, 500),
    mode=st.sampled_from(["up", "nearest"]),
)
def test_rounding_never_violates_moq_or_pack(
    quantity: float, pack: int, moq: int, mode: str
) -> None:
    result = int(round_order_quantity(quantity, pack, moq, mode=mode))  # type: ignore[arg-type]
    smallest = int(minimum_order(pack, moq))
    if quantity <= 0:
        assert result == 0
        return
    assert result % pack == 0
    assert result >= moq and result >= smallest
    if mode == "up":
        assert quantity - 1e-6 <= result < max(quantity, smallest) + pack
    else:
        assert abs(result - quantity) <= pack / 2 + 1e-6 or result == smallest


def test_budget_cap_cuts_lowest_priority_first_and_drops_below_moq() -> None:
    # Values 100 + 120 + 40 = 260 against 200. Line 2 (lowest) could only lose one pack above
    # its MOQ of 30, not the 6 needed: dropped (-40). Line 1 then loses one pack of 12 x 2 = 24.
    cap = cap_to_budget(
        quantities=[100, 60, 40],
        unit_cost=[1.0, 2.0, 1.0],
        budget=200.0,
        pack_size=[10, 12, 10],
        moq=[0, 24, 30],
        priority=[3, 2, 1],
    )
    np.testing.assert_array_equal(cap.quantities, [100, 48, 0])
    np.testing.assert_array_equal(cap.dropped, [False, False, True])
    assert cap.total_value == 196.0


def test_budget_cap_shrinks_whole_packs_only_as_far_as_needed() -> None:
    cap = cap_to_budget([120, 120], 1.0, budget=215.0, pack_size=12, priority=[1, 2])
    np.testing.assert_array_equal(cap.quantities, [84, 120])
    assert cap.total_value == 204.0


def test_budget_cap_ties_cut_the_later_line_first() -> None:
    cap = cap_to_budget([10, 10, 10], 1.0, budget=25.0)
    np.testing.assert_array_equal(cap.quantities, [10, 10, 5])


def test_budget_cap_within_budget_changes_nothing() -> None:
    cap = cap_to_budget([12, 24], [2.0, 1.0], budget=48.0, pack_size=12)
    np.testing.assert_array_equal(cap.quantities, [12, 24])
    assert not cap.dropped.any()


def test_budget_cap_refuses_unrounded_lines_and_mismatched_priorities() -> None:
    with pytest.raises(ValueError, match="round them with round_order_quantity first"):
        cap_to_budget([13], 1.0, budget=10.0, pack_size=12)
    with pytest.raises(ValueError, match="2 priorities for 1 lines"):
        cap_to_budget([12], 1.0, budget=10.0, pack_size=12, priority=[1, 2])


@given(
    lines=st.lists(
        st.tuples(
            st.integers(0, 20),  # packs wanted
            st.integers(1, 24),  # pack size
            st.integers(0, 100),  # MOQ
            st.floats(0.0, 50.0, allow_nan=False),  # unit cost
            st.integers(0, 3),  # priority
        ),
        min_size=1,
        max_size=12,
    ),
    budget=st.floats(0.0, 20_000.0, allow_nan=False),
)
def test_budget_cap_fits_budget_and_keeps_lines_valid(
    lines: list[tuple[int, int, int, float, int]], budget: float
) -> None:
    packs, pack, moq, cost, priority = (np.array(column) for column in zip(*lines, strict=True))
    wanted = round_order_quantity(packs * pack, pack, moq)
    cap = cap_to_budget(wanted, cost, budget, pack, moq, priority)
    smallest = minimum_order(pack, moq)
    assert cap.total_value <= budget + 1e-6
    assert np.all(cap.quantities <= wanted)
    assert np.all(cap.quantities % pack == 0)
    assert np.all((cap.quantities == 0) | (cap.quantities >= smallest))
    # A line is only cut once every lower-priority line that costs anything has been dropped.
    cut = cap.quantities < wanted
    if cut.any():
        lower = (priority < priority[cut].max()) & (cost > 0)
        assert np.all(cap.quantities[lower] == 0)
