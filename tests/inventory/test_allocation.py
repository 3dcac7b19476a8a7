"""Allocation of scarce DC stock: tiers first, largest-remainder fair share within a tier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.allocation import allocate


@pytest.mark.parametrize(
    ("available", "requests", "priority", "expected"),
    [
        # 10/15 of 5 = 3.33 each: floors 3, 3, 3; the one unit left goes to the earliest tie.
        (10, [5, 5, 5], None, [4, 3, 3]),
        # Exact proportional shares 1, 2, 4.
        (7, [2, 4, 8], None, [1, 2, 4]),
        # Shares .5, 1, 1.5, 2: floors 0, 1, 1, 2; remainders tie at .5, the larger request wins.
        (5, [1, 2, 3, 4], None, [0, 1, 2, 2]),
        # Tier 2 (9 units) is served in full, tier 1 gets the last unit.
        (10, [4, 6, 5], [2, 1, 2], [4, 1, 5]),
        # Tier 2 alone exceeds the stock: it shares, tier 1 gets nothing.
        (6, [4, 6, 8], [2, 1, 2], [2, 0, 4]),
        (100, [4, 6, 5], [2, 1, 2], [4, 6, 5]),  # enough for everyone
        (0, [4, 6], None, [0, 0]),
        (5, [0, 0], None, [0, 0]),
    ],
)
def test_allocate_hand_cases(
    available: int, requests: list[int], priority: list[int] | None, expected: list[int]
) -> None:
    result = allocate(available, requests, priority)
    np.testing.assert_array_equal(result.allocated, expected)
    np.testing.assert_array_equal(result.shortfall, np.array(requests) - np.array(expected))


def test_allocate_in_whole_packs() -> None:
    # 50 units = 4 packs of 12 (2 loose units stay); requests 2 and 3 packs share 4 packs:
    # 1.6 and 2.4 -> floors 1, 2 and the spare pack to the larger remainder (.6).
    result = allocate(50, [24, 36], pack_size=12)
    np.testing.assert_array_equal(result.allocated, [24, 24])
    np.testing.assert_array_equal(result.shortfall, [0, 12])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"available": 10, "requests": [5, 7], "pack_size": 6}, "not whole packs of 6"),
        ({"available": 10, "requests": [5, -1]}, ">= 0"),
        ({"available": 10, "requests": [5, 1.5]}, "whole units"),
        ({"available": 10, "requests": [5, 1], "priority": [1]}, "1 priorities for 2"),
    ],
)
def test_allocate_refuses_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate(**kwargs)  # type: ignore[arg-type]


@given(
    available=st.integers(0, 2000),
    lines=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 3)), min_size=1, max_size=30),
    pack=st.sampled_from([1, 1, 6, 12]),
)
def test_allocation_is_exact_capped_and_respects_tiers(
    available: int, lines: list[tuple[int, int]], pack: int
) -> None:
    packs, tier = (np.array(column) for column in zip(*lines, strict=True))
    requests = packs * pack
    result = allocate(available, requests, tier, pack_size=pack)
    given_units = result.allocated
    assert np.all(given_units >= 0) and np.all(given_units <= requests)
    assert np.all(given_units % pack == 0)
    assert int(given_units.sum()) == min(available // pack * pack, int(requests.sum()))
    np.testing.assert_array_equal(result.shortfall, requests - given_units)
    # Anyone in a lower tier receiving stock means every higher tier was served in full.
    for level in np.unique(tier):
        if given_units[tier < level].sum() > 0:
            assert np.all(given_units[tier >= level] == requests[tier >= level])
    # Within the tier that shares, nobody is more than one pack away from the exact share.
    short = tier[result.shortfall > 0]
    if short.size:
        sharing = tier == short.max()
        supply = int(given_units[sharing].sum())
        exact = requests[sharing] * supply / max(int(requests[sharing].sum()), 1)
        assert np.all(np.abs(given_units[sharing] - exact) < pack + 1e-9)
