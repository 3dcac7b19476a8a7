"""Drivers: every feature has a business group, TreeSHAP adds up to the booster's raw score, and
the Shapley split into units adds up to the expected demand minus the typical level."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from features.clean import clean_sales
from features.dataset import Frequency
from features.default_specs import default_spec
from features.ingest import validate_dataset
from features.loaders.demo import DemoConfig, generate_demo
from features.spec import CALENDAR_FEATURES, ENCODINGS, PRICE_FEATURES, PROMO_FEATURES
from serving.drivers import (
    DRIVER_GROUPS,
    StepDrivers,
    explain_steps,
    feature_group,
    global_importance,
    routed_explanation,
    shapley_units,
    step_drivers,
)
from training.demand import DemandModel

FAST = {"num_leaves": 15, "min_data_in_leaf": 20}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    raw = generate_demo(DemoConfig.preset("tiny"))
    dataset, _, _ = validate_dataset(raw, today=dt.date(2026, 11, 1))
    return clean_sales(dataset.sales, Frequency.DAILY)


@pytest.fixture(scope="module")
def model(panel: pd.DataFrame) -> DemandModel:
    return DemandModel.fit(panel, Frequency.DAILY, params=FAST, num_boost_round=15)


@pytest.fixture(scope="module")
def frame(model: DemandModel, panel: pd.DataFrame) -> pd.DataFrame:
    """Prediction rows (all 28 steps) of two series."""
    two = panel[panel["sku"].isin(["SKU00002", "SKU00003"]) & (panel["location"] == "S001")]
    return model.prediction_frame(two)


@pytest.mark.parametrize("frequency", list(Frequency))
def test_every_default_feature_has_a_group(frequency: Frequency) -> None:
    names = default_spec(frequency).feature_names
    groups = {feature_group(name, frequency) for name in names}
    assert groups <= set(DRIVER_GROUPS)
    assert {"recent sales level", "seasonality", "price", "promotion"} <= groups


@pytest.mark.parametrize("name", [*CALENDAR_FEATURES, *PRICE_FEATURES, *PROMO_FEATURES, *ENCODINGS])
def test_every_feature_a_spec_may_declare_has_a_group(name: str) -> None:
    assert feature_group(name, Frequency.DAILY) in DRIVER_GROUPS


@pytest.mark.parametrize(
    ("name", "frequency", "group"),
    [
        ("lag_1", Frequency.DAILY, "recent sales level"),
        ("lag_28", Frequency.DAILY, "recent sales level"),
        ("lag_364", Frequency.DAILY, "seasonality"),  # the same weekday a year ago
        ("lag_52", Frequency.WEEKLY, "seasonality"),
        ("lag_12", Frequency.MONTHLY, "seasonality"),
        ("lag_12", Frequency.DAILY, "recent sales level"),  # 12 days, not a year
        ("roll_std_28", Frequency.DAILY, "recent sales level"),
        ("roll_mean_7_lag3", Frequency.DAILY, "recent sales level"),
        ("dayofweek", Frequency.DAILY, "seasonality"),
        ("year", Frequency.WEEKLY, "trend"),
        ("days_to_holiday", Frequency.WEEKLY, "holidays and events"),
        ("price_ratio", Frequency.DAILY, "price"),
        ("promo_lag1", Frequency.DAILY, "promotion"),
        ("category_code", Frequency.DAILY, "item and store identity"),
    ],
)
def test_feature_groups(name: str, frequency: Frequency, group: str) -> None:
    assert feature_group(name, frequency) == group


@pytest.mark.parametrize("name", ["weather", "lag_x", "roll_median_7"])
def test_an_unknown_feature_is_refused_with_the_file_to_fix(name: str) -> None:
    with pytest.raises(ValueError, match="serving/drivers.py"):
        feature_group(name, Frequency.DAILY)


@pytest.mark.parametrize(
    ("bias", "logs", "expected"),
    [
        # f({})=1, f(a)=2, f(b)=3, f(ab)=6: a = ((2-1)+(6-3))/2 = 2, b = ((3-1)+(6-2))/2 = 3.
        (0.0, [math.log(2), math.log(3)], [2.0, 3.0]),
        # f(a)=0.5, f(b)=4, f(ab)=2: a = ((0.5-1)+(2-4))/2 = -1.25, b = ((4-1)+(2-0.5))/2 = 2.25.
        (0.0, [math.log(0.5), math.log(4)], [-1.25, 2.25]),
        # One group takes the whole move: 10 * (e^0.5 - 1).
        (math.log(10), [0.5], [10 * (math.exp(0.5) - 1)]),
        # A null player gets nothing; the others as without it (times the level 5).
        (math.log(5), [math.log(2), 0.0, math.log(3)], [10.0, 0.0, 15.0]),
    ],
)
def test_shapley_units_by_hand(bias: float, logs: list[float], expected: list[float]) -> None:
    out = shapley_units(np.array([bias]), np.array([logs]))
    np.testing.assert_allclose(out[0], expected, rtol=1e-12, atol=1e-12)


def test_shapley_units_add_up_and_keep_each_sign() -> None:
    rng = np.random.default_rng(0)
    bias = rng.normal(1.0, 1.0, size=50)
    logs = rng.normal(0.0, 0.7, size=(50, 7))
    impacts = shapley_units(bias, logs)
    total = np.exp(bias + logs.sum(axis=1)) - np.exp(bias)
    np.testing.assert_allclose(impacts.sum(axis=1), total, rtol=1e-10)
    assert (np.sign(impacts) == np.sign(logs)).all()


def test_tree_shap_adds_up_to_the_raw_score(model: DemandModel, frame: pd.DataFrame) -> None:
    contributions = model.contributions(frame)
    names = list(model.feature_names)
    total = contributions[names].sum(axis=1).to_numpy() + contributions["bias"].to_numpy()
    x = frame[names].to_numpy(dtype=np.float32)
    for b, booster in enumerate(model.boosters):
        rows = np.flatnonzero(frame["bucket"].to_numpy() == b)
        assert len(rows) == 2 * (model.buckets[b].last - model.buckets[b].first + 1)
        raw = booster.predict(x[rows], raw_score=True)
        np.testing.assert_allclose(total[rows], raw, rtol=1e-9, atol=1e-9)
        # Tweedie's log link: the mean is exp(raw score).
        np.testing.assert_allclose(np.exp(raw), booster.predict(x[rows]), rtol=1e-9)


def test_step_drivers_explain_the_model_mean(model: DemandModel, frame: pd.DataFrame) -> None:
    rows = frame[frame["sku"] == "SKU00002"].reset_index(drop=True)
    drivers = step_drivers(model, rows)
    assert drivers.groups == DRIVER_GROUPS  # the daily default spec feeds all seven
    assert drivers.impacts.shape == (28, 7)
    x = rows[list(model.feature_names)].to_numpy(dtype=np.float32)
    buckets = rows["bucket"].to_numpy()
    point = np.array([model.boosters[b].predict(x[i : i + 1])[0] for i, b in enumerate(buckets)])
    np.testing.assert_allclose(drivers.mean, point, rtol=1e-9)
    np.testing.assert_allclose(
        drivers.impacts.sum(axis=1), drivers.mean - drivers.baseline, rtol=1e-9, atol=1e-12
    )
    # Explaining the steps in two parts gives the same as in one go.
    parts = step_drivers(model, rows.iloc[:7]).extend(step_drivers(model, rows.iloc[7:]))
    np.testing.assert_allclose(parts.impacts, drivers.impacts, rtol=1e-12)


def _hand_drivers() -> StepDrivers:
    groups = ("recent sales level", "promotion", "price")
    impacts = np.array([[2.0, 5.0, -1.0], [3.0, 29.0, -2.0], [1.0, 0.0, -40.0]])
    logs = np.array([[0.1, 0.3, -0.1], [0.1, 0.5, -0.1], [0.0, 0.0, -0.9]])
    bias = np.log([10.0, 10.0, 100.0])
    # Make the means consistent with the impacts: mean = baseline + sum of impacts.
    means = np.exp(bias) + impacts.sum(axis=1)
    logs[:, 0] += np.log(means) - bias - logs.sum(axis=1)
    return StepDrivers(groups=groups, bias=bias, log_contributions=logs, impacts=impacts)


def test_explanation_ranks_groups_in_units_and_words() -> None:
    out = explain_steps(
        _hand_drivers(),
        sku="A",
        location="S1",
        model_version=4,
        routed_to="restock_lgbm",
        horizon=2,
        top=2,
        frequency="daily",
    )
    assert [(d.group, d.impact) for d in out.drivers] == [
        ("promotion", 34.0),
        ("recent sales level", 5.0),
    ]
    assert out.drivers[0].text == "promotion +34 units over the next 2 days"
    assert out.drivers[1].text == "recent sales level +5.0 units over the next 2 days"
    assert out.other == pytest.approx(-3.0)
    assert out.baseline == pytest.approx(20.0)
    assert out.expected == pytest.approx(20.0 + 34.0 + 5.0 - 3.0)
    assert out.summary.startswith("expected 56.0 units over the next 2 days against 20.0")


@pytest.mark.parametrize(
    ("horizon", "frequency", "text"),
    [
        (1, "daily", "promotion +5.0 units over the next day"),
        (3, "weekly", "price -43 units over the next 3 weeks"),
        (3, "monthly", "price -43 units over the next 3 months"),
    ],
)
def test_explanation_words(horizon: int, frequency: str, text: str) -> None:
    out = explain_steps(
        _hand_drivers(),
        sku="A",
        location="S1",
        model_version=1,
        routed_to="restock_lgbm",
        horizon=horizon,
        top=1,
        frequency=frequency,
    )
    assert out.drivers[0].text == text


@pytest.mark.parametrize(("horizon", "top"), [(0, 1), (4, 1), (2, 0)])
def test_explanation_refuses_bad_arguments(horizon: int, top: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        explain_steps(
            _hand_drivers(),
            sku="A",
            location="S1",
            model_version=1,
            routed_to="restock_lgbm",
            horizon=horizon,
            top=top,
            frequency="daily",
        )


def test_a_routed_series_says_so_instead_of_drivers() -> None:
    out = routed_explanation(
        sku="A", location="S1", model_version=2, routed_to="croston", horizon=7
    )
    assert out.drivers == () and out.expected is None
    assert "croston baseline" in out.summary


def test_global_importance_sums_gain_shares_by_group(model: DemandModel) -> None:
    groups = global_importance(model)
    table = model.feature_importance().set_index("feature")["share"]
    assert sum(g.share for g in groups) == pytest.approx(1.0)
    assert [g.share for g in groups] == sorted((g.share for g in groups), reverse=True)
    features = [f for g in groups for f in g.features]
    assert sorted(features) == sorted(model.feature_names)
    for g in groups:
        assert g.share == pytest.approx(float(table[list(g.features)].sum()))
        assert all(feature_group(f, model.frequency) == g.group for f in g.features)
