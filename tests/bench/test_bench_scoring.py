"""The protocol metrics and the Walmart protocol input, on frames small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.scoring import naive_scales, score_methods
from bench.walmart_protocol import eval_rows, model_input


def _rows(**columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"method": ["m"] * n, "series": ["a"] * (n // 2) + ["b"] * (n - n // 2)}
    return pd.DataFrame({**base, **columns})


def test_wmae_weights_holiday_rows_and_mae_does_not() -> None:
    rows = _rows(actual=[10.0, 10.0], p50=[12.0, 4.0], weight=[1.0, 5.0])
    table = score_methods(rows)
    assert table.loc["m", "MAE"] == pytest.approx(4.0)
    assert table.loc["m", "WMAE"] == pytest.approx((2 * 1 + 6 * 5) / 6)
    assert table.loc["m", "RMSE"] == pytest.approx(np.sqrt((4 + 36) / 2))


def test_mase_is_a_mean_over_series_and_skips_series_without_scale() -> None:
    # a: errors 1, 3 over scale 2 -> 1.0; b: errors 4, 4 over scale 1 -> 4.0; c: no scale.
    rows = pd.DataFrame(
        {
            "method": ["m"] * 6,
            "series": ["a", "a", "b", "b", "c", "c"],
            "actual": [0.0] * 6,
            "p50": [1.0, 3.0, 4.0, 4.0, 9.0, 9.0],
            "scale": [2.0, 2.0, 1.0, 1.0, 0.0, 0.0],
            "scale_sq": [4.0, 4.0, 1.0, 1.0, 0.0, 0.0],
        }
    )
    table = score_methods(rows)
    assert table.loc["m", "MASE"] == pytest.approx((1.0 + 4.0) / 2)
    assert table.loc["m", "no_scale"] == 1
    assert table.loc["m", "RMSSE"] == pytest.approx((np.sqrt(5 / 4) + 4.0) / 2)
    assert table.loc["m", "MAE"] == pytest.approx(30 / 6)  # every row, c included


@pytest.mark.parametrize(
    ("actual", "coverage", "csl"),
    [([5.0, 5.0], 1.0, 1.0), ([0.0, 5.0], 0.5, 1.0), ([20.0, 5.0], 0.5, 0.5)],
)
def test_band_metrics(actual: list[float], coverage: float, csl: float) -> None:
    rows = _rows(actual=actual, p50=[5.0, 5.0], p10=[1.0, 1.0], p90=[9.0, 9.0])
    table = score_methods(rows)
    assert table.loc["m", "coverage80"] == pytest.approx(coverage)
    assert table.loc["m", "csl_p90"] == pytest.approx(csl)


def test_pinball_averages_the_three_quantiles_and_is_missing_without_a_band() -> None:
    banded = score_methods(
        _rows(actual=[10.0, 10.0], p50=[10.0, 10.0], p10=[8.0, 8.0], p90=[14.0, 14.0])
    )
    # per row: 0.1 * 2 + 0 + 0.1 * 4 = 0.6, over three quantiles
    assert banded.loc["m", "pinball"] == pytest.approx(0.6 / 3)
    point = score_methods(_rows(actual=[10.0, 10.0], p50=[10.0, 10.0]))
    assert point["pinball"].isna().all()


def test_naive_scales_need_enough_pairs() -> None:
    history = pd.DataFrame({"series": ["a"] * 4 + ["b"] * 2, "y": [1, 3, 2, 2, 5, 5]})
    scales = naive_scales(history, min_pairs=2).set_index("series")
    assert scales.loc["a", "scale"] == pytest.approx((2 + 1 + 0) / 3)
    assert scales.loc["a", "scale_sq"] == pytest.approx((4 + 1 + 0) / 3)
    assert scales["scale"].isna().tolist() == [False, True]  # one pair only


def _train() -> pd.DataFrame:
    dates = pd.to_datetime(["2012-01-06", "2012-01-20", "2012-01-27", "2012-02-03"])
    late = pd.Timestamp("2012-02-03")
    return pd.DataFrame(
        {
            "series": ["1_1"] * 4 + ["1_2"],
            "sku": ["dept1"] * 4 + ["dept2"],
            "location": ["store1"] * 5,
            "store": [1] * 5,
            "dept": [1] * 4 + [2],
            "date": [*dates, late],
            "sales": [10.0, -3.0, 7.0, -2.0, 4.0],
            "weight": [1.0, 1.0, 1.0, 5.0, 1.0],
        }
    )


def test_model_input_fills_missing_weeks_with_zero_and_clips_returns() -> None:
    inputs = model_input(_train())
    one = inputs[inputs["series"] == "1_1"]
    assert one["ds"].dt.strftime("%m-%d").tolist() == ["01-06", "01-13", "01-20", "01-27", "02-03"]
    assert one["y"].tolist() == [10.0, 0.0, 0.0, 7.0, 0.0]


def test_eval_rows_keep_negative_sales_and_drop_series_born_after_the_cutoff() -> None:
    train = _train()
    rows = eval_rows(train, model_input(train), pd.Timestamp("2012-01-27"))
    assert rows["series"].tolist() == ["1_1"]  # 1_2 starts after the cutoff
    assert rows["actual"].tolist() == [-2.0]
    assert rows["weight"].tolist() == [5.0]
