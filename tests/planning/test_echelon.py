"""DC demand as the independent sum of its stores' demand, and store priority by tier."""

from __future__ import annotations

import numpy as np
import pytest

from planning.echelon import aggregate_quantiles, tier_priority

LEVELS = (0.1, 0.5, 0.9)


def _constant(values: list[list[float]]) -> np.ndarray:
    """(N, H, Q) quantiles of series whose demand per step is a known constant."""
    return np.repeat(np.asarray(values, dtype=np.float64)[:, :, None], len(LEVELS), axis=2)


@pytest.mark.parametrize(
    ("per_series", "groups", "n_groups", "expected"),
    [
        # Two stores of DC 0 (10 + 3, then 4 + 7), one of DC 1.
        ([[10, 4], [3, 7], [5, 5]], [0, 0, 1], 2, [[13, 11], [5, 5]]),
        # DC 1 has no store: it pulls nothing.
        ([[10, 4], [3, 7], [1, 1]], [0, 2, 0], 3, [[11, 5], [0, 0], [3, 7]]),
        # Fractional constants add exactly too.
        ([[0.5, 0.0], [2.25, 1.5], [0.25, 0.5]], [0, 0, 0], 1, [[3.0, 2.0]]),
        # No series at all: every group is 0.
        (np.zeros((0, 2)).tolist(), [], 2, [[0, 0], [0, 0]]),
    ],
)
def test_degenerate_store_demand_sums_exactly(
    per_series: list[list[float]],
    groups: list[int],
    n_groups: int,
    expected: list[list[float]],
) -> None:
    quantiles = _constant(per_series) if per_series else np.zeros((0, 2, len(LEVELS)))
    out = aggregate_quantiles(quantiles, LEVELS, np.asarray(groups, dtype=np.int64), n_groups)
    assert out.shape == (n_groups, 2, len(LEVELS))
    want = np.repeat(np.asarray(expected, dtype=np.float64)[:, :, None], len(LEVELS), axis=2)
    np.testing.assert_array_equal(out, want)


def _two_uniform_stores() -> np.ndarray:
    # Knots 5, 10, 15 at 0.1, 0.5, 0.9: x = 3.75 + 12.5 u, i.e. uniform on [3.75, 16.25].
    return np.tile(np.array([5.0, 10.0, 15.0]), (2, 1, 1))


def test_independent_sum_is_narrower_than_the_sum_of_quantiles() -> None:
    out = aggregate_quantiles(
        _two_uniform_stores(), LEVELS, np.array([0, 0]), 1, n_samples=20_000, seed=3
    )
    p10, p50, p90 = out[0, 0]
    # Sum of two independent U(0, w), w = 12.5, shifted by 7.5: triangular on [7.5, 32.5].
    # P(S > s) = (2w - (s - 7.5))^2 / (2 w^2) = 0.1 gives s = 7.5 + w (2 - sqrt(0.2)) = 26.91.
    w = 12.5
    textbook_p90 = 7.5 + w * (2 - np.sqrt(0.2))
    assert p90 == pytest.approx(textbook_p90, abs=0.3)
    assert p10 == pytest.approx(40.0 - textbook_p90, abs=0.3)
    assert p50 == pytest.approx(20.0, abs=0.3)
    # Summing the quantiles would say 30 and 10: every store peaking (or idling) together.
    assert p90 < 15.0 + 15.0 - 2.0
    assert p10 > 5.0 + 5.0 + 2.0


def test_quantiles_are_non_decreasing_and_seeded() -> None:
    rng = np.random.default_rng(7)
    # Random sorted quantiles over 6 stores, 3 steps, 5 levels.
    quantiles = np.sort(rng.gamma(2.0, 3.0, size=(6, 3, 5)), axis=2)
    levels = (0.1, 0.25, 0.5, 0.75, 0.9)
    groups = np.array([0, 1, 0, 2, 1, 0])
    first = aggregate_quantiles(quantiles, levels, groups, 3, n_samples=500, seed=11)
    again = aggregate_quantiles(quantiles, levels, groups, 3, n_samples=500, seed=11)
    other = aggregate_quantiles(quantiles, levels, groups, 3, n_samples=500, seed=12)
    assert np.all(np.diff(first, axis=2) >= 0)
    assert np.all(first >= 0)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("groups", "n_groups", "message"),
    [
        ([0, 2], 2, r"group codes must lie in 0\.\.1"),
        ([-1, 0], 2, r"group codes must lie in 0\.\.1"),
        ([0], 2, r"groups has shape \(1,\), expected \(2,\)"),
    ],
)
def test_bad_group_codes_are_refused(groups: list[int], n_groups: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        aggregate_quantiles(_two_uniform_stores(), LEVELS, np.array(groups), n_groups)


@pytest.mark.parametrize(
    ("tiers", "order", "expected"),
    [
        (["gold", "platinum", "standard"], ("platinum", "gold", "standard"), [2, 3, 1]),
        # Tiers the order does not name come last, below its last tier.
        (["bronze", "standard", "platinum"], ("platinum", "gold", "standard"), [0, 1, 3]),
        (["gold", "gold"], ("gold",), [1, 1]),
        ([], ("platinum",), []),
    ],
)
def test_tier_priority(tiers: list[str], order: tuple[str, ...], expected: list[int]) -> None:
    np.testing.assert_array_equal(tier_priority(tiers, order), np.asarray(expected))
