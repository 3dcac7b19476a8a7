"""Baseline forecasts on hand-built series: each method's rule, the date grid, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.dataset import Frequency
from training.baselines import (
    DEFAULT_METHODS,
    baseline_forecasts,
    interval_quantiles,
    moving_average_window,
)


def _series(sku: str, values: np.ndarray, start: str, freq: str) -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(values), freq=freq)
    return pd.DataFrame(
        {"sku": sku, "location": "L1", "date": dates, "demand": np.asarray(values, np.float32)}
    )


def _panel(*frames: pd.DataFrame) -> pd.DataFrame:
    panel = pd.concat(frames, ignore_index=True)
    for key in ("sku", "location"):
        panel[key] = panel[key].astype("category")  # as features.clean gives them
    return panel


def _p50(forecasts: pd.DataFrame, method: str, sku: str) -> np.ndarray:
    rows = forecasts[(forecasts["method"] == method) & (forecasts["sku"] == sku)]
    return rows.sort_values("date")["p50"].to_numpy()


RNG = np.random.default_rng(7)
DAILY_SEASONAL = np.tile([3.0, 5.0, 8.0, 2.0, 0.0, 9.0, 4.0], 9)[:60] + RNG.integers(0, 3, 60)
INTERMITTENT = np.zeros(60)
INTERMITTENT[::6] = [4, 2, 6, 3, 5, 4, 2, 6, 3, 5]


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    """All methods once on four daily series: seasonal, intermittent, constant, all zeros."""
    panel = _panel(
        _series("seasonal", DAILY_SEASONAL, "2024-01-01", "D"),
        _series("intermittent", INTERMITTENT, "2024-01-01", "D"),
        _series("constant", np.full(60, 5.0), "2024-01-01", "D"),
        _series("zeros", np.zeros(45), "2024-01-16", "D"),
    )
    return baseline_forecasts(panel, horizon=10, frequency=Frequency.DAILY)


def test_output_shape_columns_and_dtypes(daily: pd.DataFrame) -> None:
    assert list(daily.columns) == ["sku", "location", "date", "method", "p50", "p10", "p90"]
    assert len(daily) == 4 * len(DEFAULT_METHODS) * 10
    assert isinstance(daily["sku"].dtype, pd.CategoricalDtype)
    assert daily["method"].unique().tolist() == list(DEFAULT_METHODS)
    assert (daily[["p50", "p10", "p90"]].fillna(0) >= 0).all().all()


def test_seasonal_naive_repeats_the_last_season(daily: pd.DataFrame) -> None:
    # Step k forecasts the value 7 days before it: y[60 - 7 + (k - 1) % 7].
    expected = DAILY_SEASONAL[[53 + (k % 7) for k in range(10)]]
    np.testing.assert_allclose(_p50(daily, "seasonal_naive", "seasonal"), expected)


def test_moving_average_is_the_mean_of_the_last_window(daily: pd.DataFrame) -> None:
    assert moving_average_window(Frequency.DAILY) == 28
    expected = DAILY_SEASONAL[-28:].mean()
    np.testing.assert_allclose(_p50(daily, "moving_average", "seasonal"), expected, rtol=1e-6)


@pytest.mark.parametrize("method", ["croston", "tsb"])
def test_intermittent_methods_give_a_flat_positive_forecast(
    daily: pd.DataFrame, method: str
) -> None:
    p50 = _p50(daily, method, "intermittent")
    assert np.ptp(p50) == pytest.approx(0.0)
    # Mean demand per day is 40 / 60; both methods land in its neighbourhood.
    assert 0.2 < p50[0] < 2.0


@pytest.mark.parametrize("method", DEFAULT_METHODS)
def test_constant_series_forecasts_the_constant(daily: pd.DataFrame, method: str) -> None:
    np.testing.assert_allclose(_p50(daily, method, "constant"), 5.0, rtol=1e-3)


@pytest.mark.parametrize("method", DEFAULT_METHODS)
def test_all_zero_series_forecasts_zero(daily: pd.DataFrame, method: str) -> None:
    np.testing.assert_allclose(_p50(daily, method, "zeros"), 0.0, atol=1e-9)


def test_only_interval_methods_fill_the_bounds(daily: pd.DataFrame) -> None:
    filled = daily[["p10", "p90"]].notna().groupby(daily["method"]).all().all(axis=1)
    assert filled.to_dict() == {
        "auto_ets": True,
        "croston": False,
        "moving_average": False,
        "seasonal_naive": True,
        "tsb": False,
    }
    rows = daily.dropna(subset=["p10"])
    assert (rows["p10"] <= rows["p50"] + 1e-9).all() and (rows["p50"] <= rows["p90"] + 1e-9).all()


def test_daily_dates_follow_each_series_end(daily: pd.DataFrame) -> None:
    dates = daily[(daily["method"] == "tsb") & (daily["sku"] == "zeros")]["date"]
    expected = pd.date_range("2024-03-01", periods=10, freq="D")  # zeros ends 2024-02-29
    assert dates.sort_values().tolist() == expected.tolist()


def test_weekly_keeps_each_series_weekday_and_short_series_fall_back() -> None:
    long = 60 + np.arange(60.0) % 52  # 60 Fridays: one full season and a bit
    panel = _panel(
        _series("friday", long, "2011-01-07", "W-FRI"),
        _series("monday", np.arange(1.0, 11.0), "2011-03-07", "W-MON"),  # 10 weeks only
    )
    out = baseline_forecasts(
        panel,
        horizon=13,
        frequency=Frequency.WEEKLY,
        methods=("seasonal_naive", "moving_average", "auto_ets"),
    )
    friday = out[out["sku"] == "friday"]
    assert set(friday["date"].dt.dayofweek) == {4}
    assert friday["date"].min() == pd.Timestamp("2011-01-07") + pd.Timedelta(weeks=60)
    assert friday["date"].nunique() == 13
    monday = out[out["sku"] == "monday"]
    assert set(monday["date"].dt.dayofweek) == {0}
    # Seasonal naive on 60 weeks: step k repeats week 60 - 52 + k - 1.
    np.testing.assert_allclose(_p50(out, "seasonal_naive", "friday"), long[8:21])
    # Under one season: naive (last value) for seasonal_naive and auto_ets, mean for the average.
    np.testing.assert_allclose(_p50(out, "seasonal_naive", "monday"), 10.0)
    np.testing.assert_allclose(_p50(out, "auto_ets", "monday"), 10.0)
    np.testing.assert_allclose(_p50(out, "moving_average", "monday"), 5.5)
    models = out.attrs["models"]
    assert models["auto_ets"] == {"SeasonalNaive(52)": 1, "Naive": 1}  # 60 < 2 seasons
    assert models["moving_average"] == {"WindowAverage(52)": 1, "HistoricAverage": 1}


def test_monthly_dates_are_month_starts() -> None:
    panel = _panel(_series("m", np.arange(1.0, 31.0), "2020-01-01", "MS"))
    out = baseline_forecasts(
        panel, horizon=3, frequency=Frequency.MONTHLY, methods=("moving_average",), level=()
    )
    assert out["date"].tolist() == list(pd.date_range("2022-07-01", periods=3, freq="MS"))
    assert list(out.columns) == ["sku", "location", "date", "method", "p50"]
    np.testing.assert_allclose(out["p50"], np.arange(19.0, 31.0).mean())


def test_interval_levels_name_their_quantiles() -> None:
    assert interval_quantiles(80) == (0.1, 0.9)
    assert interval_quantiles(96) == (0.02, 0.98)
    panel = _panel(_series("s", DAILY_SEASONAL, "2024-01-01", "D"))
    out = baseline_forecasts(
        panel, horizon=2, frequency=Frequency.DAILY, methods=("seasonal_naive",), level=(80, 96)
    )
    assert list(out.columns)[4:] == ["p50", "p2", "p10", "p90", "p98"]
    assert (out["p2"] <= out["p10"]).all() and (out["p90"] <= out["p98"]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"methods": ("prophet",)}, "must be distinct names"),
        ({"horizon": 0}, "horizon"),
        ({"level": (100,)}, "between 0 and 100"),
        ({"ets_model": "AAdA"}, "not an ETS code"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    panel = _panel(_series("s", np.ones(10), "2024-01-01", "D"))
    arguments: dict = {"horizon": 3, "frequency": Frequency.DAILY, **kwargs}
    with pytest.raises(ValueError, match=message):
        baseline_forecasts(panel, **arguments)


def test_history_with_a_gap_is_refused() -> None:
    panel = _panel(_series("s", np.ones(10), "2024-01-01", "D").drop(index=4))
    with pytest.raises(ValueError, match="dense cleaned panel"):
        baseline_forecasts(panel, horizon=3, frequency=Frequency.DAILY, methods=("tsb",))


def test_mstl_follows_a_seasonal_series_and_short_ones_fall_back() -> None:
    weeks = np.arange(156)
    season = 100 + 40 * np.sin(2 * np.pi * weeks / 52)
    panel = _panel(
        _series("three_years", season + 0.5 * weeks, "2011-01-07", "W-FRI"),
        _series("one_year", 60 + np.arange(60.0) % 52, "2011-01-07", "W-FRI"),
    )
    out = baseline_forecasts(panel, horizon=13, frequency=Frequency.WEEKLY, methods=("mstl",))
    assert out.attrs["models"]["mstl"] == {
        "MSTL(52, AutoETS ZZN trend)": 1,
        "SeasonalNaive(52)": 1,  # 60 weeks: under the two seasons STL needs
    }
    # Next year's same weeks, on the trend: within a few units of the truth.
    ahead = np.arange(156, 169)
    truth = 100 + 40 * np.sin(2 * np.pi * ahead / 52) + 0.5 * ahead
    np.testing.assert_allclose(_p50(out, "mstl", "three_years"), truth, atol=6.0)
    long = 60 + np.arange(60.0) % 52
    np.testing.assert_allclose(_p50(out, "mstl", "one_year"), long[8:21])
    rows = out[out["sku"] == "three_years"]
    assert (rows["p10"] <= rows["p50"]).all() and (rows["p50"] <= rows["p90"]).all()
