"""Feature building: hand-computed values, no bleed between series, no leakage, chunking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from bench.naive import naive_features
from bench.synthetic import synthetic_items, synthetic_panel
from features.build import build_features, iter_feature_chunks, output_columns
from features.dataset import Frequency
from features.default_specs import default_spec
from features.series_codes import SeriesCodes
from features.spec import FeatureSpec, RollingFeature

NAN = np.nan


def make_panel(
    series: Mapping[tuple[str, str], tuple[str, Sequence[float]]],
    frequency: Frequency = Frequency.DAILY,
    **columns: list[object],
) -> pd.DataFrame:
    """A cleaned panel from {(sku, location): (first date, demand values)}."""
    step = {"daily": "D", "weekly": "7D", "monthly": "MS"}[frequency.value]
    frames = [
        pd.DataFrame(
            {
                "sku": sku,
                "location": loc,
                "date": pd.date_range(first, periods=len(values), freq=step),
                "demand": np.asarray(values, dtype=np.float32),
            }
        )
        for (sku, loc), (first, values) in series.items()
    ]
    panel = pd.concat(frames, ignore_index=True)
    for key in ("sku", "location"):
        panel[key] = panel[key].astype("category")
    n = len(panel)
    panel["price"] = np.asarray(columns.get("price", [2.0] * n), dtype=np.float32)
    panel["on_promo"] = np.asarray(columns.get("on_promo", [False] * n), dtype=bool)
    panel["censored"] = False
    panel["anomaly"] = False
    return panel


TOY = {
    ("A", "S1"): ("2024-01-01", [1, 2, 3, 4, 5, 6, 7, 8]),
    ("B", "S1"): ("2024-01-03", [10, 20, 30, 40, 50]),
}
TOY_SPEC = FeatureSpec(
    frequency=Frequency.DAILY,
    lags=(1, 2),
    rolling=(
        RollingFeature(3, "mean"),
        RollingFeature(3, "std"),
        RollingFeature(3, "max"),
        RollingFeature(2, "min"),
        RollingFeature(2, "mean", offset=2),
    ),
)
S2 = np.sqrt(0.5)  # std of (1, 2); std of (10, 20) is 10 * S2
# Series A then series B; B's first rows are NaN although A's rows come just before it.
TOY_EXPECTED = {
    "lag_1": [NAN, 1, 2, 3, 4, 5, 6, 7] + [NAN, 10, 20, 30, 40],
    "lag_2": [NAN, NAN, 1, 2, 3, 4, 5, 6] + [NAN, NAN, 10, 20, 30],
    "roll_mean_3": [NAN, 1, 1.5, 2, 3, 4, 5, 6] + [NAN, 10, 15, 20, 30],
    "roll_std_3": [NAN, NAN, S2, 1, 1, 1, 1, 1] + [NAN, NAN, 10 * S2, 10, 10],
    "roll_max_3": [NAN, 1, 2, 3, 4, 5, 6, 7] + [NAN, 10, 20, 30, 40],
    "roll_min_2": [NAN, 1, 1, 2, 3, 4, 5, 6] + [NAN, 10, 10, 20, 30],
    "roll_mean_2_lag2": [NAN, NAN, 1, 1.5, 2.5, 3.5, 4.5, 5.5] + [NAN, NAN, 10, 15, 25],
}


@pytest.mark.parametrize("feature", list(TOY_EXPECTED))
def test_hand_computed_target_features(feature: str) -> None:
    out = build_features(make_panel(TOY), TOY_SPEC)
    np.testing.assert_allclose(out[feature], TOY_EXPECTED[feature], rtol=1e-6)


def test_output_frame_shape_and_types() -> None:
    panel = make_panel(TOY)
    panel.index = pd.RangeIndex(100, 100 + len(panel))
    out = build_features(panel, TOY_SPEC)
    assert tuple(out.columns) == output_columns(TOY_SPEC)
    assert out.index.equals(panel.index)
    pd.testing.assert_series_equal(out["date"], panel["date"])
    assert out["sku"].dtype == panel["sku"].dtype
    assert {str(out[f].dtype) for f in TOY_SPEC.feature_names} == {"float32"}
    assert out["demand"].dtype == np.float32 and out["censored"].dtype == bool


def test_rolling_skips_missing_targets_and_needs_half_a_window() -> None:
    spec = FeatureSpec(frequency=Frequency.DAILY, rolling=(RollingFeature(4, "mean"),))
    out = build_features(make_panel({("A", "S"): ("2024-01-01", [1, NAN, NAN, 4, 5, 6])}), spec)
    # min_periods(4) = 2 observed values: [1], [1], [1] are too few; [1, 4] -> 2.5; [4, 5] -> 4.5.
    np.testing.assert_allclose(out["roll_mean_4"], [NAN, NAN, NAN, NAN, 2.5, 4.5])


def test_price_and_promo_features() -> None:
    spec = FeatureSpec(
        frequency=Frequency.DAILY,
        price_features=("price", "price_ratio", "price_change"),
        price_window=2,
        promo_features=("on_promo", "promo_lag1"),
    )
    panel = make_panel(
        {("A", "S"): ("2024-01-01", [1, 1, 1, 1, 1])},
        price=[2, 2, 1, 1, 2],
        on_promo=[False, True, True, False, False],
    )
    out = build_features(panel, spec)
    np.testing.assert_allclose(out["price"], [2, 2, 1, 1, 2])
    np.testing.assert_allclose(out["price_ratio"], [NAN, 1, 0.5, 1 / 1.5, 2], rtol=1e-6)
    np.testing.assert_allclose(out["price_change"], [NAN, 0, -0.5, 0, 1])
    np.testing.assert_allclose(out["on_promo"], [0, 1, 1, 0, 0])
    np.testing.assert_allclose(out["promo_lag1"], [NAN, 0, 1, 1, 0])


def test_daily_calendar_with_builtin_holidays() -> None:
    spec = FeatureSpec(
        frequency=Frequency.DAILY,
        calendar=(
            "dayofweek",
            "dayofmonth",
            "weekofyear",
            "month",
            "year",
            "is_weekend",
            "is_holiday",
            "days_to_holiday",
            "days_since_holiday",
        ),
    )
    out = build_features(make_panel({("A", "S"): ("2024-07-03", [1, 1, 1, 1])}), spec)
    np.testing.assert_array_equal(out["dayofweek"], [2, 3, 4, 5])  # Wednesday 3 July 2024
    np.testing.assert_array_equal(out["dayofmonth"], [3, 4, 5, 6])
    np.testing.assert_array_equal(out["weekofyear"], [27, 27, 27, 27])
    np.testing.assert_array_equal(out["is_weekend"], [0, 0, 0, 1])
    np.testing.assert_array_equal(out["is_holiday"], [0, 1, 0, 0])  # 4 July
    # After 4 July the next built-in holiday is Thanksgiving, 28 November 2024: 146 days on.
    np.testing.assert_array_equal(out["days_to_holiday"], [1, 0, 146, 145])
    np.testing.assert_array_equal(out["days_since_holiday"], [184, 0, 1, 2])  # since 1 Jan


def test_given_calendar_replaces_builtin_holidays() -> None:
    spec = FeatureSpec(frequency=Frequency.DAILY, calendar=("is_holiday", "days_to_holiday"))
    calendar = pd.DataFrame({"date": pd.to_datetime(["2024-07-05"]), "is_holiday": [True]})
    out = build_features(
        make_panel({("A", "S"): ("2024-07-03", [1, 1, 1, 1])}), spec, calendar=calendar
    )
    np.testing.assert_array_equal(out["is_holiday"], [0, 0, 1, 0])
    np.testing.assert_array_equal(out["days_to_holiday"], [2, 1, 0, NAN])


def test_weekly_panel_goes_through_the_same_code() -> None:
    spec = FeatureSpec(
        frequency=Frequency.WEEKLY,
        lags=(1, 2),
        rolling=(RollingFeature(2, "mean"),),
        calendar=("weekofyear", "is_holiday"),
    )
    # Mondays from 18 November 2024; the week of 25 November holds Thanksgiving (28th).
    panel = make_panel({("A", "S"): ("2024-11-18", [4, 8, 6, 2])}, Frequency.WEEKLY)
    out = build_features(panel, spec)
    np.testing.assert_allclose(out["lag_1"], [NAN, 4, 8, 6])
    np.testing.assert_allclose(out["lag_2"], [NAN, NAN, 4, 8])
    np.testing.assert_allclose(out["roll_mean_2"], [NAN, 4, 6, 7])
    np.testing.assert_array_equal(out["weekofyear"], [47, 48, 49, 50])
    np.testing.assert_array_equal(out["is_holiday"], [0, 1, 0, 0])


def test_monthly_panel_goes_through_the_same_code() -> None:
    spec = FeatureSpec(
        frequency=Frequency.MONTHLY,
        lags=(1, 12),
        rolling=(RollingFeature(3, "mean"),),
        calendar=("month", "is_holiday"),
    )
    values = list(range(1, 15))  # Nov 2023 .. Dec 2024
    out = build_features(make_panel({("A", "S"): ("2023-11-01", values)}, Frequency.MONTHLY), spec)
    np.testing.assert_allclose(out["lag_1"], [NAN, *values[:-1]])
    np.testing.assert_allclose(out["lag_12"], [NAN] * 12 + [1, 2])
    np.testing.assert_allclose(out["roll_mean_3"][:5], [NAN, 1, 1.5, 2, 3])
    assert list(out["month"][:3]) == [11, 12, 1]
    # November (Thanksgiving), December, January and July hold built-in holidays.
    assert list(out["is_holiday"][:10]) == [1, 1, 1, 0, 0, 0, 0, 0, 1, 0]


def test_series_codes_from_items() -> None:
    spec = FeatureSpec(
        frequency=Frequency.DAILY, encodings=("sku_code", "location_code", "category_code")
    )
    panel = make_panel({("B", "S2"): ("2024-01-01", [1, 1]), ("C", "S1"): ("2024-01-01", [1])})
    items = pd.DataFrame({"sku": ["A", "B", "C"], "category": ["toys", "food", "toys"]})
    codes = SeriesCodes.from_panel(panel, items)
    out = build_features(panel, spec, codes=codes)
    assert codes.skus == ("A", "B", "C") and codes.categories == ("food", "toys")
    np.testing.assert_array_equal(out["sku_code"], [1, 1, 2])
    np.testing.assert_array_equal(out["location_code"], [1, 1, 0])
    np.testing.assert_array_equal(out["category_code"], [0, 0, 1])
    assert out["sku_code"].dtype == np.int32
    assert SeriesCodes.from_json(codes.to_json()) == codes


def test_unknown_labels_encode_as_minus_one() -> None:
    codes = SeriesCodes(skus=("A",), locations=("S",))
    frame = pd.DataFrame({"sku": ["A", "Z"], "location": ["X", "S"]})
    np.testing.assert_array_equal(codes.encode("sku_code", frame), [0, -1])
    np.testing.assert_array_equal(codes.encode("location_code", frame), [-1, 0])
    np.testing.assert_array_equal(codes.encode("category_code", frame), [0, -1])


def _random_panel(frequency: Frequency, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = {"daily": "2023-01-01", "weekly": "2020-01-06", "monthly": "2015-01-01"}
    span = {"daily": 500, "weekly": 160, "monthly": 60}[frequency.value]
    step = {"daily": "D", "weekly": "7D", "monthly": "MS"}[frequency.value]
    start, later = pd.date_range(first[frequency.value], periods=8, freq=step)[[0, 7]]
    # Different starts and ends: A-S2 starts 7 periods later, B-S1 ends 12 periods earlier.
    series = {
        ("A", "S1"): (str(start.date()), rng.poisson(3, span).tolist()),
        ("A", "S2"): (str(later.date()), rng.poisson(5, span - 20).tolist()),
        ("B", "S1"): (str(start.date()), rng.poisson(1, span - 12).tolist()),
    }
    n = sum(len(v) for _, v in series.values())
    return make_panel(
        series,
        frequency,
        price=rng.uniform(1, 3, n).tolist(),
        on_promo=(rng.random(n) < 0.2).tolist(),
    )


def _features(panel: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    return build_features(panel, spec).loc[:, list(spec.feature_names)]


@pytest.mark.parametrize("frequency", list(Frequency))
@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_no_leakage_from_the_future(frequency: Frequency, cut: float) -> None:
    """Perturbing the target at t and later (values and NaNs) leaves every feature at rows <= t
    as is: features at t read t - 1 and earlier only."""
    spec = default_spec(frequency)
    panel = _random_panel(frequency)
    dates = np.sort(panel["date"].unique())
    t = dates[int(cut * len(dates))]  # a date of the grid, so some rows fall exactly on t
    before = _features(panel, spec)
    rng = np.random.default_rng(1)
    after = panel["date"] >= t
    noise = rng.uniform(0, 1000, after.sum()).astype(np.float32)
    noise[::5] = np.nan
    panel.loc[after, "demand"] = noise
    perturbed = _features(panel, spec)
    past = panel["date"] <= t
    pd.testing.assert_frame_equal(perturbed[past], before[past], check_exact=True)
    # Not vacuous: the periods after t do see the change.
    assert not perturbed[after].equals(before[after])


@pytest.mark.parametrize("horizon", [2, 7])
def test_shifted_spec_ignores_the_last_h_minus_1_periods(horizon: int) -> None:
    """For spec.shifted(h), target values at t-h+1 .. t do not reach the features at t."""
    spec = default_spec(Frequency.DAILY).shifted(horizon)
    panel = _random_panel(Frequency.DAILY)
    dates = np.sort(panel["date"].unique())
    for t in dates[[200, 350]]:
        window = (panel["date"] > t - pd.Timedelta(days=horizon)) & (panel["date"] <= t)
        changed = panel.copy()
        changed.loc[window, "demand"] = np.float32(999.0)
        at_t = panel["date"] == t
        pd.testing.assert_frame_equal(
            _features(changed, spec)[at_t], _features(panel, spec)[at_t], check_exact=True
        )
        # ... while t - h does reach them (lag h reads it).
        earlier = panel.copy()
        earlier.loc[panel["date"] == t - pd.Timedelta(days=horizon), "demand"] = np.float32(999)
        assert (_features(earlier, spec)[at_t][f"lag_{horizon}"] == 999).all()


@pytest.mark.parametrize("chunk_series", [1, 2, 5])
def test_chunked_equals_unchunked(chunk_series: int) -> None:
    panel = _random_panel(Frequency.DAILY)
    spec = default_spec(Frequency.DAILY)
    whole = build_features(panel, spec)
    chunks = list(iter_feature_chunks(panel, spec, chunk_series=chunk_series))
    assert len(chunks) == -(-3 // chunk_series)
    pd.testing.assert_frame_equal(pd.concat(chunks), whole, check_exact=True)


def test_matches_naive_pandas() -> None:
    """An independent implementation (groupby shift / rolling) gives the same features."""
    panel = synthetic_panel(40, 500, seed=3)
    spec = default_spec(Frequency.DAILY)
    codes = SeriesCodes.from_panel(panel, synthetic_items(40))
    ours = build_features(panel, spec, codes=codes)
    theirs = naive_features(panel, spec, codes)
    for name in spec.feature_names:
        np.testing.assert_allclose(
            ours[name], theirs[name].astype("float64"), rtol=1e-5, atol=1e-5, err_msg=name
        )


def test_progress_bar_does_not_change_output() -> None:
    panel = _random_panel(Frequency.DAILY)
    spec = default_spec(Frequency.DAILY)
    chunks = iter_feature_chunks(panel, spec, chunk_series=2, progress=True)
    pd.testing.assert_frame_equal(pd.concat(list(chunks)), build_features(panel, spec))


def test_gap_in_a_series_is_refused() -> None:
    panel = make_panel(TOY).drop(index=3)
    with pytest.raises(ValueError, match=r"\('A', 'S1'\) is not dense at 2024-01-05"):
        build_features(panel, TOY_SPEC)


def test_series_split_over_blocks_is_refused() -> None:
    panel = make_panel(TOY)
    shuffled = pd.concat([panel.iloc[:4], panel.iloc[8:], panel.iloc[4:8]])
    with pytest.raises(ValueError, match="more than one block"):
        build_features(shuffled, TOY_SPEC)


def test_missing_columns_are_named() -> None:
    panel = make_panel(TOY).drop(columns=["price"])
    with pytest.raises(ValueError, match=r"\['price'\]"):
        build_features(panel, default_spec(Frequency.DAILY))
    with pytest.raises(ValueError, match="chunk_series"):
        iter_feature_chunks(panel, TOY_SPEC, chunk_series=0)


def test_empty_panel_gives_empty_frame() -> None:
    out = build_features(make_panel(TOY).iloc[:0], TOY_SPEC)
    assert len(out) == 0 and tuple(out.columns) == output_columns(TOY_SPEC)


POOLED = FeatureSpec(
    frequency=Frequency.DAILY,
    lags=(1, 2),
    rolling=(RollingFeature(2, "mean"),),
    pooled=("lag_2", "roll_mean_2"),
)
# Item A at two stores (S2 starts a day later), item B alone.
ITEMS = {
    ("A", "S1"): ("2024-01-01", [1, 2, 3, 4, 5]),
    ("A", "S2"): ("2024-01-02", [10, 20, 30, 40]),
    ("B", "S1"): ("2024-01-01", [7, 7, 7]),
}


def test_pooled_features_read_the_items_total_over_its_locations() -> None:
    built = build_features(make_panel(ITEMS), POOLED)
    assert list(built.columns[-2:]) == ["item_lag_2", "item_roll_mean_2"]
    # Item A's total by day: 1, 12, 23, 34, 45 (S2 joins on day 2).
    a_total = [NAN, NAN, 1, 12, 23]
    np.testing.assert_allclose(built["item_lag_2"].iloc[:5], a_total)
    np.testing.assert_allclose(built["item_lag_2"].iloc[5:9], [NAN, NAN, 12, 23])
    np.testing.assert_allclose(built["item_lag_2"].iloc[9:], [NAN, NAN, 7])
    # A series reads the item's totals over its own dates only: S2 has no day 1.
    np.testing.assert_allclose(built["item_roll_mean_2"].iloc[5:9], [NAN, 12, 17.5, 28.5])


def test_a_given_item_total_column_wins_over_the_panels_own_sum() -> None:
    """Serving featurises one series' slice: it brings the item totals of the whole panel."""
    panel = make_panel(ITEMS)
    whole = build_features(panel, POOLED)
    alone = panel[panel["location"] == "S2"].copy()
    alone["item_total"] = panel.groupby(["sku", "date"], observed=True)["demand"].transform("sum")
    one = build_features(alone.reset_index(drop=True), POOLED)
    np.testing.assert_array_equal(one["item_lag_2"], whole["item_lag_2"].iloc[5:9])
    summed_alone = build_features(alone.drop(columns="item_total").reset_index(drop=True), POOLED)
    assert not np.allclose(summed_alone["item_lag_2"].iloc[2:], one["item_lag_2"].iloc[2:])


def test_pooled_features_do_not_leak_any_locations_future() -> None:
    panel = make_panel(ITEMS)
    before = build_features(panel, POOLED)
    later = panel["date"] >= pd.Timestamp("2024-01-04")
    panel.loc[later, "demand"] = 1e6
    after = build_features(panel, POOLED)
    keep = ~later.to_numpy()
    for name in ("item_lag_2", "item_roll_mean_2"):
        np.testing.assert_array_equal(before[name][keep], after[name][keep])
    # ...and a row on the 4th reads nothing of the 4th either.
    fourth = (panel["date"] == pd.Timestamp("2024-01-04")).to_numpy()
    np.testing.assert_array_equal(before["item_lag_2"][fourth], after["item_lag_2"][fourth])
