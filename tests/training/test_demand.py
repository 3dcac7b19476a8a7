"""The global demand model: horizons, future rows, leakage, quantile shape, pickling, SHAP."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.clean import clean_sales
from features.dataset import Frequency
from features.default_specs import default_spec
from features.ingest import validate_dataset
from features.loaders.demo import DemoConfig, generate_demo
from features.series_codes import SeriesCodes
from features.spec import FeatureSpec
from serving.panel_index import PanelIndex
from training.demand import DemandModel, training_weights
from training.demand_frame import (
    Bucket,
    bucket_matrix,
    buckets_for,
    extend_panel,
    has_season,
    horizon_for,
    horizon_rows,
    periods_before,
    union_spec,
)
from training.quantiles import QUANTILE_COLUMNS

H = 28
FAST = {"num_leaves": 15, "min_data_in_leaf": 20}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """The tiny demo (16 daily series x 760 days), cleaned."""
    raw = generate_demo(DemoConfig.preset("tiny"))
    dataset, _, _ = validate_dataset(raw, today=dt.date(2026, 11, 1))
    return clean_sales(dataset.sales, Frequency.DAILY)


@pytest.fixture(scope="module")
def origin(panel: pd.DataFrame) -> pd.Timestamp:
    return pd.Timestamp(panel["date"].max()) - pd.Timedelta(days=H)


@pytest.fixture(scope="module")
def history(panel: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    return panel[panel["date"] <= origin].reset_index(drop=True)


@pytest.fixture(scope="module")
def model(history: pd.DataFrame) -> DemandModel:
    return DemandModel.fit(history, Frequency.DAILY, params=FAST, num_boost_round=15)


@pytest.mark.parametrize(
    ("frequency", "horizon"),
    [(Frequency.DAILY, 28), (Frequency.WEEKLY, 13), (Frequency.MONTHLY, 12)],
)
def test_buckets_tile_the_horizon(frequency: Frequency, horizon: int) -> None:
    assert horizon_for(frequency) == horizon
    buckets = buckets_for(frequency)
    steps = [h for b in buckets for h in range(b.first, b.last + 1)]
    assert steps == list(range(1, horizon + 1))


def test_a_bucket_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError, match="first <= last"):
        Bucket(5, 4)


@pytest.mark.parametrize(
    ("frequency", "previous", "last", "expected"),
    [
        (Frequency.DAILY, "2026-02-26", "2026-02-27", ["2026-02-28", "2026-03-01"]),
        (Frequency.WEEKLY, "2012-10-19", "2012-10-26", ["2012-11-02", "2012-11-09"]),  # Fridays
        (Frequency.MONTHLY, "2024-11-01", "2024-12-01", ["2025-01-01", "2025-02-01"]),
    ],
)
def test_future_rows_continue_each_series_grid(
    frequency: Frequency, previous: str, last: str, expected: list[str]
) -> None:
    history = pd.DataFrame(
        {
            "sku": ["a", "a"],
            "location": ["x", "x"],
            "date": pd.to_datetime([previous, last]).astype("datetime64[us]"),
            "demand": np.array([1.0, 2.0], dtype=np.float32),
            "price": np.array([3.0, 4.0], dtype=np.float32),
            "on_promo": [True, True],
        }
    )
    out = extend_panel(history, frequency, 2)
    future = out[out["step"] > 0]
    assert list(future["date"].dt.strftime("%Y-%m-%d")) == expected
    assert list(future["step"]) == [1, 2]
    assert future["demand"].isna().all()
    assert list(future["price"]) == [4.0, 4.0]  # the last price, carried
    assert not future["on_promo"].any()  # no promotion unless planned
    assert out["date"].dtype == history["date"].dtype


def test_planned_promotions_and_prices_reach_the_future_rows(history: pd.DataFrame) -> None:
    first = history.iloc[0]
    day = pd.Timestamp(history.loc[history["sku"] == first["sku"], "date"].max()) + pd.Timedelta(
        days=3
    )
    plans = pd.DataFrame(
        {
            "sku": [str(first["sku"])],
            "location": [str(first["location"])],
            "date": [day],
            "price": [0.5],
            "on_promo": [True],
        }
    )
    out = extend_panel(history, Frequency.DAILY, 5, future=plans)
    planned = (out["sku"] == first["sku"]) & (out["location"] == first["location"])
    planned &= out["date"] == day
    assert out.loc[planned, "on_promo"].tolist() == [True]
    assert out.loc[planned, "price"].tolist() == [0.5]
    assert out.loc[~planned & (out["step"] > 0), "on_promo"].sum() == 0


def test_predict_returns_every_step_of_every_series(
    model: DemandModel, history: pd.DataFrame
) -> None:
    forecast = model.predict(history)
    last = history.groupby(["sku", "location"], observed=True)["date"].max()
    assert list(forecast.columns) == ["sku", "location", "date", "step", *QUANTILE_COLUMNS]
    assert len(forecast) == len(last) * H
    ends = forecast.merge(last.rename("last").reset_index(), on=["sku", "location"])
    np.testing.assert_array_equal(
        (ends["date"] - ends["last"]).dt.days.to_numpy(), ends["step"].to_numpy()
    )
    values = forecast[list(QUANTILE_COLUMNS)].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert (np.diff(values, axis=1) >= 0).all()  # non-crossing
    assert values[:, 2].mean() > values[:, 0].mean()  # a real band, not a point


def _spanning(frame: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Series observed from before the origin to the panel's end (phase-outs and launches out)."""
    by = frame.groupby(["sku", "location"], observed=True)["date"]
    first, last = by.transform("min"), by.transform("max")
    keep = (first < origin) & (last >= min(frame["date"].max(), origin + pd.Timedelta(days=H)))
    return frame[keep].reset_index(drop=True)


@pytest.mark.parametrize("bucket", buckets_for(Frequency.DAILY))
def test_bucket_features_only_read_data_up_to_the_origin(
    panel: pd.DataFrame, history: pd.DataFrame, origin: pd.Timestamp, bucket: Bucket
) -> None:
    """Features of steps T+h (h in the bucket) are the same whatever happens after T."""
    panel, history = _spanning(panel, origin), _spanning(history, origin)
    base = default_spec(Frequency.DAILY)
    codes = SeriesCodes.from_panel(panel)
    steps = ((panel["date"] - origin).dt.days).to_numpy()
    rows = (steps >= bucket.first) & (steps <= bucket.last)
    real = bucket_matrix(panel, base, bucket, calendar=None, codes=codes, rows=rows)
    wild = panel.copy()
    after = (wild["date"] > origin).to_numpy()
    wild.loc[after, "demand"] = wild.loc[after, "demand"] * 100 + 7
    perturbed = bucket_matrix(wild, base, bucket, calendar=None, codes=codes, rows=rows)
    np.testing.assert_array_equal(real.x, perturbed.x)
    # Prediction from the history alone (plus the planned prices and promotions, which are
    # known in advance) builds the very same features.
    plans = panel.loc[after, ["sku", "location", "date", "price", "on_promo"]]
    extended = extend_panel(history, Frequency.DAILY, H, future=plans)
    ext_rows = extended["step"].between(bucket.first, bucket.last).to_numpy()
    served = bucket_matrix(extended, base, bucket, calendar=None, codes=codes, rows=ext_rows)
    np.testing.assert_array_equal(real.x, served.x)
    # The bucket's last step reads the origin itself through its most recent lag.
    lag = base.feature_names.index("lag_1")
    at_last = (served.frame["step"] == bucket.last).to_numpy()
    at_origin = history.loc[history["date"] == origin, "demand"].to_numpy()
    np.testing.assert_array_equal(served.x[at_last, lag], at_origin)


def test_served_features_match_an_untrimmed_build(
    model: DemandModel, history: pd.DataFrame
) -> None:
    """predict trims history to its lookback: the features must be those of the full history."""
    frame = model.prediction_frame(history)
    extended = extend_panel(history, Frequency.DAILY, H)
    for b, bucket in enumerate(model.buckets):
        rows = extended["step"].between(bucket.first, bucket.last).to_numpy()
        full = bucket_matrix(
            extended, model.feature_spec, bucket, calendar=None, codes=model.codes, rows=rows
        )
        mine = frame[frame["bucket"] == b]
        keys = ["sku", "location", "date"]
        expected = full.frame[keys].assign(i=np.arange(len(full.frame)))
        order = mine[keys].merge(expected, on=keys, how="left")["i"].to_numpy()
        served = mine[list(model.feature_names)].to_numpy(dtype=np.float32)
        np.testing.assert_array_equal(served, full.x[order])


@pytest.mark.parametrize("first", [0, 1])
def test_one_pass_over_the_union_spec_equals_a_pass_per_bucket(
    model: DemandModel, history: pd.DataFrame, first: int
) -> None:
    """Serving featurises every bucket in one pass; the rows, their order (series, then step)
    and every value must be those of one pass per bucket, also for a tail of the buckets."""
    buckets = model.buckets[first:]
    extended = extend_panel(history, Frequency.DAILY, buckets[-1].last)
    base = model.feature_spec
    union = union_spec(base, buckets)
    for bucket in buckets:
        assert set(base.shifted(bucket.last).feature_names) <= set(union.feature_names)
    got = horizon_rows(extended, base, buckets, calendar=None, codes=model.codes)
    assert got["step"].min() == buckets[0].first
    parts = []
    for b, bucket in enumerate(buckets):
        rows = extended["step"].between(bucket.first, bucket.last).to_numpy()
        each = bucket_matrix(extended, base, bucket, calendar=None, codes=model.codes, rows=rows)
        parts.append(
            pd.concat(
                [
                    each.frame[["sku", "location", "date", "step"]].assign(bucket=b),
                    pd.DataFrame(each.x, columns=list(base.feature_names)),
                ],
                axis=1,
            )
        )
    expected = pd.concat(parts, ignore_index=True)
    order = expected.groupby(["sku", "location"], observed=True, sort=False).ngroup()
    expected = expected.iloc[np.lexsort((expected["step"], order))].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_model_pickles_and_predicts_identically(model: DemandModel, history: pd.DataFrame) -> None:
    clone = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(clone.predict(history), model.predict(history))


def test_contributions_sum_to_the_raw_score(model: DemandModel, history: pd.DataFrame) -> None:
    frame = model.prediction_frame(history).head(40)
    shap = model.contributions(frame)
    names = list(model.feature_names)
    assert list(shap.columns) == ["sku", "location", "date", "step", *names, "bias"]
    _assert_additive(model, frame, shap)
    with pytest.raises(ValueError, match="prediction_frame"):
        model.contributions(frame.drop(columns="bucket"))


def _assert_additive(model: DemandModel, frame: pd.DataFrame, shap: pd.DataFrame) -> None:
    """features + bias = log(expected demand), row by row."""
    names = list(model.feature_names)
    x = frame[names].to_numpy(dtype=np.float32)
    for b in range(len(model.boosters)):
        rows = (frame["bucket"] == b).to_numpy()
        if rows.any():
            total = shap.loc[rows, [*names, "bias"]].sum(axis=1).to_numpy()
            np.testing.assert_allclose(total, np.log(model.mean(b, x[rows])), rtol=1e-6)


def test_feature_importance_covers_every_feature(model: DemandModel) -> None:
    importance = model.feature_importance()
    assert sorted(importance["feature"]) == sorted(model.feature_names)
    assert importance["share"].sum() == pytest.approx(1.0)
    assert importance["gain"].is_monotonic_decreasing


def test_fit_records_its_window_and_a_table_per_bucket(
    model: DemandModel, history: pd.DataFrame, origin: pd.Timestamp
) -> None:
    assert len(model.boosters) == len(model.residuals) == len(model.buckets) == 3
    assert model.info["train_end"] == str(origin.date())
    assert model.info["calibration_start"] == str(
        (periods_before(origin, H, Frequency.DAILY) + pd.Timedelta(days=1)).date()
    )
    assert all(1 <= it <= 15 for it in model.info["best_iterations"])


def test_fit_refuses_a_history_too_short_to_calibrate(history: pd.DataFrame) -> None:
    short = history[history["date"] > history["date"].max() - pd.Timedelta(days=10)]
    with pytest.raises(ValueError, match="calibration"):
        DemandModel.fit(short, Frequency.DAILY, params=FAST, num_boost_round=2)


def _weekly_panel() -> pd.DataFrame:
    """Six weekly series of very different scales with a yearly wave, 150 weeks."""
    rng = np.random.default_rng(3)
    dates = pd.date_range("2020-01-03", periods=150, freq="W-FRI").astype("datetime64[us]")
    rows = []
    for s in range(6):
        level = 20 + 10 * s
        demand = rng.poisson(level * (1 + 0.3 * np.sin(np.arange(150) * 2 * np.pi / 52)))
        rows.append(
            pd.DataFrame(
                {
                    "sku": f"sku{s}",
                    "location": "store1",
                    "date": dates,
                    "demand": demand.astype(np.float32),
                    "price": np.float32(2.0),
                    "on_promo": False,
                    "censored": False,
                    "anomaly": False,
                    "gap": False,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_weekly_panel_goes_through_the_same_path() -> None:
    weekly = _weekly_panel()
    model = DemandModel.fit(weekly, Frequency.WEEKLY, params=FAST, num_boost_round=10)
    forecast = model.predict(weekly)
    assert len(forecast) == 6 * 13
    assert (forecast["date"].dt.dayofweek == 4).all()  # Fridays, like the data
    assert forecast["date"].min() == pd.Timestamp("2022-11-18")  # last Friday 2022-11-11 + 1 week


def test_a_level_spec_learns_demand_relative_to_the_series_level() -> None:
    """Series 100x apart: with a level the booster starts each row at log(level), relative
    columns join the matrix, and SHAP (level credited to its feature) still adds up."""
    weekly = _weekly_panel()
    weekly["demand"] = weekly["demand"] * np.where(weekly["sku"] == "sku5", 100, 1)
    spec = replace(_no_base(), level=("roll_mean_13", "roll_mean_4"), relative=("lag_52", "lag_1"))
    assert spec.model_names == (*spec.feature_names, "lag_52_rel", "lag_1_rel")
    model = DemandModel.fit(weekly, Frequency.WEEKLY, spec=spec, params=FAST, num_boost_round=10)
    frame = model.prediction_frame(weekly)
    assert list(frame.columns[-2:]) == ["lag_52_rel", "lag_1_rel"]
    x = frame[list(model.feature_names)].to_numpy(dtype=np.float32)
    level = x[:, spec.feature_names.index("roll_mean_13")]
    np.testing.assert_allclose(x[:, -1], x[:, spec.feature_names.index("lag_1")] / level, rtol=1e-6)
    np.testing.assert_allclose(model.offset(x), np.log(level), rtol=1e-6)
    forecast = model.predict(weekly)
    big = forecast.loc[forecast["sku"] == "sku5", "p50"].mean()
    small = forecast.loc[forecast["sku"] == "sku4", "p50"].mean()
    assert big > 30 * small  # ten trees could not have learnt a 100x scale from the lags alone
    _assert_additive(model, frame, model.contributions(frame))
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict(weekly), forecast)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": ("lag_1",)}, "rolling means"),
        ({"relative": ("lag_1",)}, "need a level"),
        ({"level": ("roll_mean_4",), "relative": ("month",)}, "lags or rolling"),
    ],
)
def test_level_and_relative_features_are_checked(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(_no_base(), **change)


def _no_base() -> FeatureSpec:
    return replace(default_spec(Frequency.WEEKLY), level=(), seasonal=(), relative=())


def _one_season() -> FeatureSpec:
    spec = default_spec(Frequency.WEEKLY)
    return replace(spec, seasonal=spec.seasonal[:3], pooled=(), pooling=0.0)


def test_a_seasonal_base_grows_the_same_week_last_year() -> None:
    """Base = the same week last year x the year-on-year growth of 13-week means (bounded),
    the recent level where last year is unknown; growth is a model column."""
    weekly = _weekly_panel()
    spec = _one_season()
    model = DemandModel.fit(weekly, Frequency.WEEKLY, spec=spec, params=FAST, num_boost_round=10)
    frame = model.prediction_frame(weekly)
    x = frame[list(model.feature_names)].to_numpy(dtype=np.float32)
    col = {n: x[:, j].astype(np.float64) for j, n in enumerate(model.feature_names)}
    growth = np.clip(col["roll_mean_13"] / col["roll_mean_13_lag52"], 0.5, 2.0)
    np.testing.assert_allclose(col["season_growth"], growth, rtol=1e-5)
    np.testing.assert_allclose(np.exp(model.offset(x)), col["lag_52"] * growth, rtol=1e-5)
    np.testing.assert_allclose(col["lag_1_rel"], col["lag_1"] / (col["lag_52"] * growth), rtol=1e-5)
    assert spec.model_names[-1] == "season_growth"
    _assert_additive(model, frame, model.contributions(frame))
    young = weekly.groupby("sku").tail(30)  # no year of history: the level is the base
    frame = model.prediction_frame(young)
    x = frame[list(model.feature_names)].to_numpy(dtype=np.float32)
    level = x[:, spec.feature_names.index("roll_mean_13")]
    np.testing.assert_allclose(np.exp(model.offset(x)), level, rtol=1e-5)


def test_the_weekly_default_averages_two_seasons_partly_pooled_over_locations() -> None:
    """Each season back: 0.7 x the series' own week + 0.3 x its 13-week mean then shaped like
    the item's total over its stores, grown by the change of the mean since; the two seasons
    averaged where both growths are known, last year alone where two years back is not."""
    one = _weekly_panel()
    two = one.assign(location="store2", demand=(one["demand"] * 3 + 5).astype(np.float32))
    weekly = pd.concat([one, two], ignore_index=True).sort_values(["sku", "location", "date"])
    weekly = weekly.reset_index(drop=True)
    model = DemandModel.fit(weekly, Frequency.WEEKLY, params=FAST, num_boost_round=10)
    spec = model.feature_spec
    assert spec.pooling == 0.3
    for history, both_known in (
        (weekly, True),
        (weekly.groupby(["sku", "location"]).tail(110), False),
    ):
        frame = model.prediction_frame(history.reset_index(drop=True))
        x = frame[list(model.feature_names)].to_numpy(dtype=np.float32)
        col = {n: x[:, j].astype(np.float64) for j, n in enumerate(model.feature_names)}
        total = pd.Series(col["lag_52"]).groupby([frame["sku"], frame["date"]]).transform("sum")
        np.testing.assert_allclose(col["item_lag_52"], total, rtol=1e-5)

        def season(k: int, col: dict[str, np.ndarray] = col) -> tuple[np.ndarray, np.ndarray]:
            earlier = col[f"roll_mean_13_lag{k}"]
            shaped = earlier * col[f"item_lag_{k}"] / col[f"item_roll_mean_13_lag{k}"]
            growth = np.clip(col["roll_mean_13"] / earlier, 0.5, 2.0)
            return (0.7 * col[f"lag_{k}"] + 0.3 * shaped) * growth, growth

        last, _ = season(52)
        before, growth = season(104)
        assert np.isfinite(growth).all() == both_known
        expected = np.where(np.isfinite(growth), (last + before) / 2, last)
        np.testing.assert_allclose(np.exp(model.offset(x)), expected, rtol=1e-4)
    _assert_additive(model, frame, model.contributions(frame))


def test_rows_without_a_season_back_train_at_a_fifth_of_the_weight() -> None:
    """A series' first year has no season back, so its base is the plain level: those rows
    teach corrections to another base and weigh 0.2; censored rows keep their half on top."""
    weekly = _weekly_panel()
    weekly["censored"] = np.arange(len(weekly)) % 10 == 0
    spec = default_spec(Frequency.WEEKLY)
    codes = SeriesCodes.from_panel(weekly)
    matrix = bucket_matrix(weekly, spec, Bucket(1, 4), calendar=None, codes=codes)
    seasoned = has_season(matrix.x, spec)
    assert seasoned is not None
    first_year = (matrix.frame["date"] < pd.Timestamp("2021-01-01")).to_numpy()
    np.testing.assert_array_equal(seasoned, ~first_year)
    censored = matrix.frame["censored"].to_numpy()
    expected = np.where(censored, 0.5, 1.0) * np.where(seasoned, 1.0, 0.2)
    np.testing.assert_allclose(training_weights(matrix, spec), expected)
    plain = _no_base()
    matrix = bucket_matrix(weekly, plain, Bucket(1, 4), calendar=None, codes=codes)
    assert has_season(matrix.x, plain) is None
    np.testing.assert_allclose(training_weights(matrix, plain), np.where(censored, 0.5, 1.0))


def test_p50_over_a_seasonal_base_is_the_point_forecast(model: DemandModel) -> None:
    """A seasonal base's large counts have a mean close to their median, and its calibration
    window is another season: P50 is the point forecast there, the residual median elsewhere."""
    weekly = _weekly_panel()
    seasonal = DemandModel.fit(weekly, Frequency.WEEKLY, params=FAST, num_boost_round=10)
    assert seasonal.median == "point" and model.median == "residual"
    frame = seasonal.prediction_frame(weekly)
    x = frame[list(seasonal.feature_names)].to_numpy(dtype=np.float32)
    point = np.concatenate([seasonal.mean(b, x[frame["bucket"].to_numpy() == b]) for b in range(2)])
    order = np.argsort(frame["bucket"].to_numpy(), kind="stable")
    out = seasonal.score(frame)[order]
    p10, p50, p90 = (out[:, QUANTILE_COLUMNS.index(q)] for q in ("p10", "p50", "p90"))
    inside = (p10 <= point) & (point <= p90)  # sorting per row keeps those in place
    assert inside.mean() > 0.9
    np.testing.assert_allclose(p50[inside], point[inside], rtol=1e-6)
    forced = DemandModel.fit(
        weekly, Frequency.WEEKLY, params=FAST, num_boost_round=10, median="residual"
    )
    assert forced.median == "residual"


def test_one_series_served_from_the_panel_index_forecasts_as_in_the_whole_panel(
    tmp_path: Path,
) -> None:
    """Pooled features need every location's sales: serving's index carries the item totals,
    so one series' slice forecasts exactly what the plan's whole-panel predict does."""
    one = _weekly_panel()
    # Another weekly shape at the second store, so the item's total is not a copy of a series.
    noise = np.random.default_rng(3).uniform(0.5, 1.5, len(one))
    two = one.assign(location="store2", demand=(one["demand"] * 2 * noise).astype(np.float32))
    weekly = pd.concat([one, two], ignore_index=True)
    model = DemandModel.fit(weekly, Frequency.WEEKLY, params=FAST, num_boost_round=10)
    whole = model.predict(weekly)
    weekly.to_parquet(tmp_path / "panel.parquet")
    index = PanelIndex.load(tmp_path / "panel.parquet", "v1")
    keep = model.feature_spec.max_lookback + model.horizon + 1
    assert "item_total" not in index.history([("sku2", "store2")], keep).columns  # paid on use
    served = model.predict(index.history([("sku2", "store2")], keep, item_totals=True))
    expected = whole[(whole["sku"] == "sku2") & (whole["location"] == "store2")]
    columns = list(QUANTILE_COLUMNS)
    np.testing.assert_allclose(served[columns], expected[columns], rtol=1e-6)
    alone = model.predict(weekly[(weekly["sku"] == "sku2") & (weekly["location"] == "store2")])
    assert not np.allclose(alone[columns], expected[columns])  # the totals did matter


@pytest.mark.parametrize(
    "seasonal",
    [("lag_52", "roll_mean_13"), ("roll_mean_4", "roll_mean_13", "roll_mean_52")],
)
def test_a_seasonal_base_names_a_lag_and_two_means(seasonal: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="seasonal"):
        replace(default_spec(Frequency.WEEKLY), seasonal=seasonal)


def test_a_level_needs_a_log_link_objective() -> None:
    spec = replace(_no_base(), level=("roll_mean_13",))
    with pytest.raises(ValueError, match="log-link"):
        DemandModel.fit(
            _weekly_panel(), Frequency.WEEKLY, spec=spec, params={"objective": "regression"}
        )
