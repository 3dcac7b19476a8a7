"""The deployed forecaster applies the backtest's routes: routed classes get their baseline's
level, everything else is the model, untouched."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest

from features.clean import clean_sales
from features.dataset import Frequency
from features.ingest import validate_dataset
from features.loaders.demo import DemoConfig, generate_demo
from training.backtest import MODEL_METHOD
from training.baselines import baseline_forecasts
from training.blend import Blend
from training.demand import DemandModel
from training.quantiles import QUANTILE_COLUMNS
from training.routed import RoutedForecaster

FAST = {"num_leaves": 15, "min_data_in_leaf": 20}


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    raw = generate_demo(DemoConfig.preset("tiny"))
    dataset, _, _ = validate_dataset(raw, today=dt.date(2026, 11, 1))
    return clean_sales(dataset.sales, Frequency.DAILY)


@pytest.fixture(scope="module")
def model(history: pd.DataFrame) -> DemandModel:
    return DemandModel.fit(history, Frequency.DAILY, params=FAST, num_boost_round=15)


def test_without_routes_it_is_the_model(model: DemandModel, history: pd.DataFrame) -> None:
    plain = model.predict(history)
    routed = RoutedForecaster(model).predict(history)
    assert (routed["routed_to"] == MODEL_METHOD).all()
    pd.testing.assert_frame_equal(routed.drop(columns="routed_to"), plain)


def test_routed_class_follows_its_baseline(model: DemandModel, history: pd.DataFrame) -> None:
    forecaster = RoutedForecaster(model, routes={"intermittent": "moving_average"}, min_history=10)
    classes = forecaster.classes(history)
    chosen = classes[classes["route_class"] == "intermittent"]
    assert 0 < len(chosen) < len(classes), "the tiny demo has intermittent and lumpy series"
    out = forecaster.predict(history)
    plain = model.predict(history)
    keys = ["sku", "location", "date"]
    merged = out.merge(plain, on=keys, suffixes=("", "_model"))
    is_routed = merged["routed_to"] == "moving_average"
    routed_series = set(zip(chosen["sku"], chosen["location"], strict=True))
    picked = merged[is_routed]
    assert set(zip(picked["sku"], picked["location"], strict=True)) == routed_series
    # Untouched series are exactly the model; routed ones have the baseline's median.
    for column in QUANTILE_COLUMNS:
        np.testing.assert_allclose(
            merged.loc[~is_routed, column], merged.loc[~is_routed, f"{column}_model"]
        )
    baseline = baseline_forecasts(
        history, horizon=model.horizon, frequency=Frequency.DAILY, methods=("moving_average",)
    )
    as_text = {"sku": "str", "location": "str"}
    check = (
        merged[is_routed]
        .astype(as_text)
        .merge(baseline.astype(as_text), on=keys, suffixes=("", "_baseline"))
    )
    assert len(check) == is_routed.sum()
    np.testing.assert_allclose(check["p50"], check["p50_baseline"], rtol=1e-9, atol=1e-9)
    values = out[list(QUANTILE_COLUMNS)].to_numpy()
    assert (values >= 0).all() and (np.diff(values, axis=1) >= -1e-12).all()


def test_pickles_with_its_routes(model: DemandModel, history: pd.DataFrame) -> None:
    forecaster = RoutedForecaster(model, routes={"intermittent": "moving_average"}, min_history=10)
    again = pickle.loads(pickle.dumps(forecaster))
    pd.testing.assert_frame_equal(again.predict(history), forecaster.predict(history))


def test_a_blended_forecaster_moves_every_model_median_to_the_combination(
    model: DemandModel, history: pd.DataFrame
) -> None:
    blend = Blend("mstl", 0.3)
    forecaster = RoutedForecaster(
        model, routes={"intermittent": "moving_average"}, min_history=10, blend=blend
    )
    out = forecaster.predict(history)
    plain = RoutedForecaster(model, routes={"intermittent": "moving_average"}, min_history=10)
    before = plain.predict(history)
    member = baseline_forecasts(
        history, horizon=model.horizon, frequency=Frequency.DAILY, methods=("mstl",)
    )
    keys = ["sku", "location", "date"]
    as_text = {"sku": "str", "location": "str"}
    merged = (
        out.astype(as_text)
        .merge(before.astype(as_text), on=keys, suffixes=("", "_plain"))
        .merge(member.astype(as_text)[[*keys, "p50"]], on=keys, suffixes=("", "_member"))
    )
    own = merged["routed_to"] == MODEL_METHOD
    assert own.any() and (~own).any()
    expected = 0.7 * merged.loc[own, "p50_plain"] + 0.3 * merged.loc[own, "p50_member"]
    np.testing.assert_allclose(merged.loc[own, "p50"], expected, rtol=1e-9, atol=1e-9)
    # Routed series still take their baseline's level, as without a blend.
    np.testing.assert_allclose(merged.loc[~own, "p50"], merged.loc[~own, "p50_plain"])
    # Serving scores the model itself and combines per row: the same numbers.
    raw = model.predict(history)
    rows = raw[keys]
    values = raw[list(QUANTILE_COLUMNS)].to_numpy(dtype=np.float64)
    served = pd.DataFrame(forecaster.combine_rows(history, rows, values), columns=QUANTILE_COLUMNS)
    served = pd.concat([rows.astype(as_text), served], axis=1)
    check = merged.loc[own, [*keys, *QUANTILE_COLUMNS]].merge(
        served, on=keys, suffixes=("", "_served")
    )
    assert len(check) == own.sum()
    for column in QUANTILE_COLUMNS:
        np.testing.assert_allclose(check[column], check[f"{column}_served"], rtol=1e-12)
    again = pickle.loads(pickle.dumps(forecaster))
    assert again.blend == blend


def test_a_forecaster_pickled_before_blends_existed_loads_unblended(
    model: DemandModel, history: pd.DataFrame
) -> None:
    forecaster = RoutedForecaster(model)
    del forecaster.__dict__["blend"]  # what an older pickle restores
    again = pickle.loads(pickle.dumps(forecaster))
    assert again.blend is None
    pd.testing.assert_frame_equal(again.predict(history), forecaster.predict(history))
