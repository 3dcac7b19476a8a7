"""Forecast combination: the weight comes from scored rows, the median moves to the combined
value and the band keeps its shape around it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.dataset import Frequency
from training.blend import BLEND_GRID, Blend, apply_blend, blend_members, choose_blend, combine
from training.quantiles import QUANTILE_COLUMNS

MODEL = "restock_lgbm"


def _scored(model: np.ndarray, member: np.ndarray, actual: np.ndarray) -> pd.DataFrame:
    n = len(actual)
    keys = {
        "sku": [f"s{i % 7}" for i in range(n)],
        "location": "L1",
        "date": pd.date_range("2024-01-05", periods=n, freq="W-FRI"),
        "actual": actual,
    }
    return pd.concat(
        [
            pd.DataFrame({**keys, "method": MODEL, "p50": model}),
            pd.DataFrame({**keys, "method": "mstl", "p50": member}),
        ],
        ignore_index=True,
    )


def test_the_weight_is_the_grid_point_with_the_lowest_mae() -> None:
    rng = np.random.default_rng(0)
    actual = rng.uniform(50, 150, 400)
    # The model errs +10 on every row, the member -30: 0.25 cancels; the grid has 0.2 and 0.3.
    scored = _scored(actual + 10, actual - 30, actual)
    chosen = choose_blend(scored, model=MODEL, members=("mstl",))
    assert chosen == Blend("mstl", 0.2) or chosen == Blend("mstl", 0.3)
    errors = {
        w: np.abs((1 - w) * (actual + 10) + w * (actual - 30) - actual).mean() for w in BLEND_GRID
    }
    assert chosen is not None and errors[chosen.weight] == min(errors.values())


def test_a_member_that_only_adds_noise_is_not_blended() -> None:
    rng = np.random.default_rng(1)
    actual = rng.uniform(50, 150, 400)
    scored = _scored(actual + rng.normal(0, 1, 400), actual + rng.normal(0, 60, 400), actual)
    assert choose_blend(scored, model=MODEL, members=("mstl",)) is None


def test_too_few_rows_or_no_member_rows_mean_no_blend() -> None:
    actual = np.full(20, 100.0)
    few = _scored(actual + 10, actual - 10, actual)
    assert choose_blend(few, model=MODEL, members=("mstl",)) is None
    only_model = few[few["method"] == MODEL]
    assert choose_blend(only_model, model=MODEL, members=("mstl",), min_rows=1) is None
    assert choose_blend(few, model=MODEL, members=(), min_rows=1) is None


def test_combining_moves_the_median_and_keeps_the_band_shape() -> None:
    values = np.array([[8.0, 10.0, 14.0, 16.0, 20.0], [0.0, 0.0, 1.0, 2.0, 3.0]])
    out = combine(values, values[:, 1], np.array([20.0, 4.0]), 0.5)
    # Positive median: every quantile scaled by 15/10.
    np.testing.assert_allclose(out[0], values[0] * 1.5)
    # Zero median: shifted by the combined median (2), so the band still opens upwards.
    np.testing.assert_allclose(out[1], values[1] + 2.0)
    # No member value: unchanged.
    same = combine(values, values[:, 1], np.array([np.nan, np.nan]), 0.5)
    np.testing.assert_array_equal(same, values)


def test_apply_blend_touches_only_the_models_rows_it_can_pair() -> None:
    dates = pd.date_range("2024-01-05", periods=3, freq="W-FRI")
    band = {c: [10.0 * (1 + i * 0.1)] * 3 for i, c in enumerate(QUANTILE_COLUMNS)}
    band["p50"] = [10.0, 10.0, 10.0]
    model = pd.DataFrame({"sku": "a", "location": "L", "date": dates, "method": MODEL, **band})
    member = pd.DataFrame(
        {"sku": "a", "location": "L", "date": dates[:2], "method": "mstl", "p50": [30.0, 0.0]}
    )
    forecasts = pd.concat([model, member], ignore_index=True)
    out = apply_blend(forecasts, Blend("mstl", 0.5), model=MODEL)
    assert (out["method"] == MODEL).all() and len(out) == 3
    np.testing.assert_allclose(out["p50"], [20.0, 5.0, 10.0])
    np.testing.assert_allclose(out["p98"], [2 * model["p98"][0], model["p98"][1] / 2, 14.0])
    values = out[list(QUANTILE_COLUMNS)].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()
    untouched = apply_blend(forecasts, None, model=MODEL)
    pd.testing.assert_frame_equal(untouched, model)


@pytest.mark.parametrize("weight", [0.0, -0.1, 0.6])
def test_a_weight_outside_the_grid_is_refused(weight: float) -> None:
    with pytest.raises(ValueError, match="model keeps the majority"):
        Blend("mstl", weight)


def test_only_weekly_models_are_combined_and_the_blend_describes_itself() -> None:
    assert blend_members(Frequency.WEEKLY) == ("mstl",)
    assert blend_members(Frequency.DAILY) == () == blend_members(Frequency.MONTHLY)
    assert Blend("mstl", 0.3).describe() == "70% model + 30% mstl"
