"""Metrics on hand-computed examples: elementwise functions, series scales, the score table."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from training.metrics import (
    SCORE_COLUMNS,
    bias,
    coverage,
    mae,
    mase,
    pinball,
    quantile_column,
    rmse,
    rmsse,
    score,
    series_scales,
    wape,
)

Metric = Callable[..., float]
Y = [1.0, 2.0, 3.0, 4.0]
YHAT = [2.0, 2.0, 1.0, 4.0]  # errors yhat - y: +1, 0, -2, 0; sum|y| = 10


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (mae, 3 / 4),
        (rmse, math.sqrt(5 / 4)),
        (wape, 3 / 10),
        (bias, -1 / 10),  # under-forecast overall: negative
    ],
)
def test_point_metrics_by_hand(metric: Metric, expected: float) -> None:
    assert metric(Y, YHAT) == pytest.approx(expected)
    assert metric(np.array(Y), pd.Series(YHAT)) == pytest.approx(expected)


@pytest.mark.parametrize("metric", [mae, rmse, wape, bias])
def test_point_metrics_empty_is_nan(metric: Metric) -> None:
    assert math.isnan(metric([], []))


@pytest.mark.parametrize("metric", [wape, bias])
def test_ratio_metrics_with_zero_actuals_are_nan(metric: Metric) -> None:
    assert math.isnan(metric([0.0, 0.0], [1.0, 2.0]))


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        mae([1.0, 2.0], [1.0])


@pytest.mark.parametrize(
    ("y", "pred", "q", "expected"),
    [
        ([10.0], [8.0], 0.9, 1.8),  # under the actual: q * 2
        ([10.0], [12.0], 0.9, 0.2),  # over the actual: (1 - q) * 2
        ([10.0, 10.0], [8.0, 12.0], 0.9, 1.0),
        ([10.0], [8.0], 0.1, 0.2),
        ([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 1.0, 4.0], 0.5, 3 / 8),  # MAE / 2
    ],
)
def test_pinball_by_hand(y: list[float], pred: list[float], q: float, expected: float) -> None:
    assert pinball(y, pred, q) == pytest.approx(expected)


def test_pinball_refuses_quantile_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match="outside"):
        pinball([1.0], [1.0], 90)


@pytest.mark.parametrize(
    ("y", "lo", "hi", "expected"),
    [
        ([1.0, 5.0, 10.0], [0.0, 5.0, 11.0], [2.0, 6.0, 12.0], 2 / 3),  # bound 5 counts
        ([3.0], [3.0], [3.0], 1.0),
        ([3.0], [4.0], [5.0], 0.0),
    ],
)
def test_coverage_by_hand(
    y: list[float], lo: list[float], hi: list[float], expected: float
) -> None:
    assert coverage(y, lo, hi) == pytest.approx(expected)


# Two scaled series and one without a scale: a (MAE 0.5, MSE 0.5), b (MAE 1.5, MSE 4.5).
SERIES = ["a", "a", "b", "b", "c", "c"]
SY = [2.0, 4.0, 10.0, 10.0, 1.0, 1.0]
SYHAT = [3.0, 4.0, 7.0, 10.0, 9.0, 9.0]


def test_mase_is_the_mean_over_series_of_scaled_mae() -> None:
    scale = [0.5, 0.5, 3.0, 3.0, np.nan, np.nan]  # c has no scale: left out
    # a: 0.5 / 0.5 = 1; b: 1.5 / 3 = 0.5; mean over series 0.75 (not a pooled ratio).
    assert mase(SY, SYHAT, scale, SERIES) == pytest.approx(0.75)


def test_rmsse_is_the_mean_over_series_of_root_scaled_mse() -> None:
    scale_sq = [0.5, 0.5, 2.0, 2.0, 0.0, 0.0]  # c's zero scale: left out
    # a: sqrt(0.5 / 0.5) = 1; b: sqrt(4.5 / 2) = 1.5.
    assert rmsse(SY, SYHAT, scale_sq, SERIES) == pytest.approx(1.25)


def test_mase_without_any_scale_is_nan() -> None:
    assert math.isnan(mase([1.0], [2.0], [np.nan], ["a"]))


def test_quantile_column_names() -> None:
    assert [quantile_column(q) for q in (0.1, 0.5, 0.9, 0.025, 0.98)] == [
        "p10",
        "p50",
        "p90",
        "p2.5",
        "p98",
    ]


def _history() -> pd.DataFrame:
    rows = [
        ("A", "L1", "2024-01-01", 1.0),
        ("A", "L1", "2024-01-02", 3.0),
        ("A", "L1", "2024-01-03", 2.0),
        ("A", "L1", "2024-01-04", 2.0),
        ("B", "L1", "2024-01-01", 5.0),  # constant: zero scale
        ("B", "L1", "2024-01-02", 5.0),
        ("B", "L1", "2024-01-03", 5.0),
        ("C", "L2", "2024-01-01", 4.0),  # one period: no naive error at all
    ]
    frame = pd.DataFrame(rows, columns=["sku", "location", "date", "demand"])
    frame["date"] = pd.to_datetime(frame["date"])
    # Row order must not matter: scales follow dates within each series.
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_series_scales_one_step_naive_by_hand() -> None:
    scales = series_scales(_history(), 1).set_index("sku")
    # A: naive errors 2, -1, 0 -> mean |e| 1, mean e^2 5/3.
    assert scales.loc["A", "mae_scale"] == pytest.approx(1.0)
    assert scales.loc["A", "mse_scale"] == pytest.approx(5 / 3)
    assert scales.loc[["B", "C"], ["mae_scale", "mse_scale"]].isna().all().all()
    assert scales.attrs["no_scale"] == 2
    assert scales.loc["A", "periods"] == 4


@pytest.mark.parametrize(("min_pairs", "has_scale"), [(3, True), (4, False)])
def test_series_scales_need_enough_naive_errors(min_pairs: int, has_scale: bool) -> None:
    # A has 3 one-step naive errors: a scale from fewer than `min_pairs` is no scale.
    scales = series_scales(_history(), 1, min_pairs=min_pairs).set_index("sku")
    assert np.isfinite(scales.loc["A", "mae_scale"]) == has_scale
    assert scales.attrs["no_scale"] == (2 if has_scale else 3)


def test_series_scales_seasonal_lag() -> None:
    scales = series_scales(_history(), 2).set_index("sku")
    # A at lag 2: errors 2 - 1 = 1 and 2 - 3 = -1.
    assert scales.loc["A", "mae_scale"] == pytest.approx(1.0)
    assert scales.loc["A", "mse_scale"] == pytest.approx(1.0)


def _score_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    d1, d2, d3 = pd.Timestamp("2024-02-02"), pd.Timestamp("2024-02-09"), pd.Timestamp("2024-02-16")
    forecasts = pd.DataFrame(
        [
            # method a has P10/P50/P90
            ("s1", "L1", d1, "a", 12.0, 8.0, 14.0),
            ("s1", "L1", d2, "a", 18.0, 15.0, 25.0),
            ("s2", "L1", d1, "a", 1.0, 0.0, 2.0),
            ("s2", "L1", d2, "a", 4.0, 2.0, 3.0),
            ("s2", "L1", d3, "a", 9.0, 9.0, 9.0),  # no actual: not scored
            # method b is point-only
            ("s1", "L1", d1, "b", 10.0, np.nan, np.nan),
            ("s1", "L1", d2, "b", 10.0, np.nan, np.nan),
            ("s2", "L1", d1, "b", 0.0, np.nan, np.nan),
            ("s2", "L1", d2, "b", 0.0, np.nan, np.nan),
        ],
        columns=["sku", "location", "date", "method", "p50", "p10", "p90"],
    )
    forecasts["sku"] = forecasts["sku"].astype("category")  # keys as the panel has them
    actuals = pd.DataFrame(
        {
            "sku": ["s1", "s1", "s2", "s2", "s2", "s3"],
            "location": ["L1"] * 6,
            "date": [d1, d2, d1, d2, d3, d1],
            "actual": [10.0, 20.0, 0.0, 4.0, np.nan, 7.0],
        }
    )
    scales = pd.DataFrame(
        {"sku": ["s1", "s2"], "location": ["L1", "L1"], "mae_scale": [5.0, np.nan]}
    ).assign(mse_scale=[25.0, np.nan])
    segments = pd.DataFrame(
        {"sku": ["s1", "s2"], "location": ["L1", "L1"], "segment": ["AX", "CZ"]}
    )
    return forecasts, actuals, scales, segments


# Hand-computed: method a errors s1 (+2, -2), s2 (+1, 0); method b s1 (0, -10), s2 (0, -4).
# Pinball of a: q0.1 -> 0.225, q0.5 -> 0.625, q0.9 -> 0.5.
EXPECTED = {
    ("a", "all"): dict(
        n=4,
        series=2,
        series_no_scale=1,
        MAE=1.25,
        RMSE=1.5,
        MASE=0.4,
        RMSSE=0.4,
        WAPE=5 / 34,
        bias=1 / 34,
        pinball=0.45,
        pinball_quantiles="0.1,0.5,0.9",
        coverage80=0.75,
    ),
    ("a", "AX"): dict(
        n=2,
        series=1,
        series_no_scale=0,
        MAE=2.0,
        RMSE=2.0,
        MASE=0.4,
        RMSSE=0.4,
        WAPE=4 / 30,
        bias=0.0,
        pinball=0.6,
        pinball_quantiles="0.1,0.5,0.9",
        coverage80=1.0,
    ),
    ("a", "CZ"): dict(
        n=2,
        series=1,
        series_no_scale=1,
        MAE=0.5,
        RMSE=math.sqrt(0.5),
        MASE=np.nan,
        RMSSE=np.nan,
        WAPE=0.25,
        bias=0.25,
        pinball=0.3,
        pinball_quantiles="0.1,0.5,0.9",
        coverage80=0.5,
    ),
    ("b", "all"): dict(
        n=4,
        series=2,
        series_no_scale=1,
        MAE=3.5,
        RMSE=math.sqrt(29),
        MASE=1.0,
        RMSSE=math.sqrt(2),
        WAPE=14 / 34,
        bias=-14 / 34,
        pinball=1.75,  # only P50: MAE / 2
        pinball_quantiles="0.5",
        coverage80=np.nan,
    ),
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return score(*_score_inputs()).set_index(["method", "segment"])


@pytest.mark.parametrize("key", list(EXPECTED))
def test_score_by_hand(table: pd.DataFrame, key: tuple[str, str]) -> None:
    row = table.loc[[key]].iloc[0].to_dict()
    for column, expected in EXPECTED[key].items():
        if isinstance(expected, str):
            assert row[column] == expected, column
        elif isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(row[column]), column
        else:
            assert row[column] == pytest.approx(expected), column


def test_score_rows_and_columns(table: pd.DataFrame) -> None:
    assert list(table.reset_index().columns) == list(SCORE_COLUMNS)
    assert list(table.index) == [
        ("a", "all"),
        ("a", "AX"),
        ("a", "CZ"),
        ("b", "all"),
        ("b", "AX"),
        ("b", "CZ"),
    ]


def test_score_without_segments_gives_all_only() -> None:
    forecasts, actuals, scales, _ = _score_inputs()
    table = score(forecasts, actuals, scales)
    assert table["segment"].tolist() == ["all", "all"]
    assert table["MAE"].tolist() == pytest.approx([1.25, 3.5])


def test_score_pinball_uses_only_requested_quantiles() -> None:
    forecasts, actuals, scales, _ = _score_inputs()
    table = score(forecasts, actuals, scales, quantiles=(0.1, 0.9)).set_index("method")
    pinballs = table["pinball"].to_dict()
    assert pinballs["a"] == pytest.approx((0.225 + 0.5) / 2)
    assert math.isnan(pinballs["b"])  # b provides neither


def test_score_series_missing_from_segments_is_unknown() -> None:
    forecasts, actuals, scales, segments = _score_inputs()
    table = score(forecasts, actuals, scales, segments.iloc[:1])
    assert set(table["segment"]) == {"all", "AX", "unknown"}


def test_score_refuses_missing_point_forecasts() -> None:
    forecasts, actuals, scales, _ = _score_inputs()
    forecasts.loc[0, "p50"] = np.nan
    with pytest.raises(ValueError, match="p50 forecasts missing"):
        score(forecasts, actuals, scales)


def test_score_refuses_duplicate_actuals() -> None:
    forecasts, actuals, scales, _ = _score_inputs()
    with pytest.raises(ValueError, match="duplicate"):
        score(forecasts, pd.concat([actuals, actuals.iloc[:1]]), scales)


def test_score_names_missing_columns() -> None:
    forecasts, actuals, scales, _ = _score_inputs()
    with pytest.raises(ValueError, match="actuals lacks"):
        score(forecasts, actuals.drop(columns="actual"), scales)


def test_score_refuses_two_segments_for_one_series() -> None:
    forecasts, actuals, scales, segments = _score_inputs()
    with pytest.raises(ValueError, match="segments has several rows"):
        score(forecasts, actuals, scales, pd.concat([segments, segments.iloc[:1]]))
