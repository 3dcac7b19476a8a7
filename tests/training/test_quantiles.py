"""Residual quantile tables: binning, hand-computed quantiles, clipping and non-crossing."""

from __future__ import annotations

import numpy as np
import pytest

from training.quantiles import (
    QUANTILE_COLUMNS,
    QUANTILES,
    ResidualTable,
    finalize_quantiles,
    fit_residual_table,
    quantile_column,
)


@pytest.mark.parametrize(
    ("level", "name"), [(0.1, "p10"), (0.5, "p50"), (0.98, "p98"), (0.975, "p97.5"), (0.05, "p5")]
)
def test_quantile_column_names(level: float, name: str) -> None:
    assert quantile_column(level) == name


def test_default_quantiles_and_columns_agree() -> None:
    assert QUANTILES == (0.1, 0.5, 0.9, 0.95, 0.98)
    assert QUANTILE_COLUMNS == ("p10", "p50", "p90", "p95", "p98")


def _two_levels() -> tuple[np.ndarray, np.ndarray]:
    """Predictions 1 (101 rows, residuals 0..100) and 10 (101 rows, residuals 0..200 by 2)."""
    r = np.arange(101, dtype=float)
    pred = np.r_[np.full(101, 1.0), np.full(101, 10.0)]
    return pred, pred + np.r_[r, 2 * r]


def test_additive_table_per_bin_hand_computed() -> None:
    pred, actual = _two_levels()
    table = fit_residual_table(pred, actual, (0.1, 0.5, 0.9), n_bins=2, min_count=50)
    assert table.edges == (10.0,)
    assert table.counts == (101, 101)
    # Linear empirical quantiles of 0..100 are exactly 10, 50, 90.
    assert table.values == ((10.0, 50.0, 90.0), (20.0, 100.0, 180.0))
    out = table.apply(np.array([1.0, 10.0, 5.0, 50.0]))
    expected = [[11, 51, 91], [30, 110, 190], [15, 55, 95], [70, 150, 230]]
    np.testing.assert_allclose(out, expected)


def test_relative_table_scales_by_level_with_a_floor() -> None:
    pred = np.full(101, 4.0)
    actual = pred + 4.0 * np.arange(-50, 51) / 50  # relative residuals -1 .. 1
    table = fit_residual_table(pred, actual, (0.1, 0.5, 0.9), n_bins=1, mode="relative")
    np.testing.assert_allclose(table.values, [[-0.8, 0.0, 0.8]], atol=1e-12)
    out = table.apply(np.array([4.0, 0.5]))
    # 0.5 is below the floor 1: the residual scales by 1, not by 0.5.
    np.testing.assert_allclose(out, [[0.8, 4.0, 7.2], [-0.3, 0.5, 1.3]])


@pytest.mark.parametrize(
    ("pred", "n_bins", "min_count", "edges", "counts"),
    [
        # too few residuals for 10 bins of 50: two bins
        (np.arange(120.0), 10, 50, (60.0,), (60, 60)),
        # all predictions tied: one bin
        (np.full(80, 3.0), 5, 10, (), (80,)),
        # 90 tied zeros swallow the lower cut points; the empty bin below 0 is merged
        (np.r_[np.zeros(90), np.arange(1.0, 11.0)], 10, 5, (1.0,), (90, 10)),
        # a middle bin of 10 (51..60) is merged into its upper neighbour
        (np.r_[np.arange(1.0, 61.0), np.full(40, 100.0)], 4, 20, (26.0, 51.0), (25, 25, 50)),
    ],
)
def test_bins_are_equal_count_and_large_enough(
    pred: np.ndarray,
    n_bins: int,
    min_count: int,
    edges: tuple[float, ...],
    counts: tuple[int, ...],
) -> None:
    table = fit_residual_table(pred, pred, (0.5,), n_bins=n_bins, min_count=min_count)
    assert table.edges == edges
    assert table.counts == counts


def test_non_finite_pairs_are_ignored() -> None:
    pred = np.array([1.0, 2.0, np.nan, 4.0])
    actual = np.array([2.0, np.inf, 5.0, 5.0])
    table = fit_residual_table(pred, actual, (0.5,), n_bins=1)
    assert table.counts == (2,)
    assert table.values == ((1.0,),)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prediction": np.ones(3), "actual": np.ones(2)}, "equally long"),
        ({"prediction": np.full(2, np.nan), "actual": np.ones(2)}, "no finite"),
        ({"prediction": np.ones(2), "actual": np.ones(2), "quantiles": (0.0,)}, "strictly"),
        ({"prediction": np.ones(2), "actual": np.ones(2), "mode": "log"}, "mode"),
        ({"prediction": np.ones(2), "actual": np.ones(2), "min_count": 0}, ">= 1"),
    ],
)
def test_bad_input_is_refused_with_a_reason(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_residual_table(**kwargs)  # type: ignore[arg-type]


def test_table_validates_its_shape_and_round_trips() -> None:
    with pytest.raises(ValueError, match="bins"):
        ResidualTable(quantiles=(0.5,), edges=(1.0,), values=((0.0,),), counts=(1,))
    with pytest.raises(ValueError, match="ascending"):
        ResidualTable(
            quantiles=(0.5,), edges=(2.0, 1.0), values=((0,), (0,), (0,)), counts=(1, 1, 1)
        )
    with pytest.raises(ValueError, match="floor"):
        ResidualTable(quantiles=(0.5,), edges=(), values=((0.0,),), counts=(1,), floor=0.0)
    pred, actual = _two_levels()
    table = fit_residual_table(pred, actual, mode="relative", n_bins=2, min_count=50)
    assert ResidualTable.from_dict(table.to_dict()) == table


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([[-1.0, 3.0, 2.0]], [[0.0, 2.0, 3.0]]),  # clipped then sorted
        ([[-3.0, -2.0, -1.0]], [[0.0, 0.0, 0.0]]),  # all negative: all zero
        ([[1.0, 2.0, 3.0], [5.0, 4.0, 4.5]], [[1.0, 2.0, 3.0], [4.0, 4.5, 5.0]]),
    ],
)
def test_finalize_clips_and_sorts(values: list[list[float]], expected: list[list[float]]) -> None:
    np.testing.assert_allclose(finalize_quantiles(np.array(values)), expected)


def test_finalized_table_output_never_crosses_or_goes_negative() -> None:
    rng = np.random.default_rng(0)
    pred = rng.gamma(0.5, 4.0, 2_000)
    actual = rng.poisson(pred)
    table = fit_residual_table(pred, actual, mode="relative")
    out = finalize_quantiles(table.apply(rng.gamma(0.5, 4.0, 500)))
    assert out.shape == (500, len(QUANTILES))
    assert (out >= 0).all()
    assert (np.diff(out, axis=1) >= 0).all()
