"""Drift with real Evidently runs: seasonality matched by the reference is not drift, a regime
change is; verdicts are deterministic, saved as JSON + HTML, and read back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.build import build_features, iter_feature_chunks
from features.default_specs import default_spec
from features.store import FeatureStore, feature_manifest
from monitoring.drift import DriftResult, detect_drift, load_drift_result
from monitoring.drift_inputs import monitored_features, read_window
from monitoring.reference import ReferenceChoice, Window, choose_reference, latest_window
from restock.settings import MonitoringSettings
from tests.monitoring.panels import END, seasonal_panel

SPEC = default_spec("daily")
NUMERICAL, CATEGORICAL = monitored_features(SPEC)
POLICY = MonitoringSettings()
CURRENT = latest_window(END, 28, "daily")
FULL_TRAINING = Window(dt.date(2024, 8, 1), END)


def _window(frame: pd.DataFrame, window: Window) -> pd.DataFrame:
    dates = frame["date"]
    return frame[(dates >= pd.Timestamp(window.start)) & (dates <= pd.Timestamp(window.end))]


def _feature_drift(panel: pd.DataFrame, choice: ReferenceChoice) -> DriftResult:
    features = build_features(panel, SPEC)
    return detect_drift(
        _window(features, choice.reference),
        _window(features, choice.current),
        subject="features",
        numerical=NUMERICAL,
        categorical=CATEGORICAL,
        settings=POLICY,
        reference_choice=choice,
    ).result


def test_monitored_columns_leave_the_calendar_and_series_codes_out() -> None:
    assert NUMERICAL[0] == "demand" and "lag_364" in NUMERICAL and "roll_mean_7" in NUMERICAL
    assert CATEGORICAL == ["on_promo", "promo_lag1", "category_code"]
    for left_out in ("year", "weekofyear", "dayofweek", "sku_code", "location_code"):
        assert left_out not in NUMERICAL + CATEGORICAL


def test_a_stationary_seasonal_series_has_no_drift_against_the_same_weeks_last_year() -> None:
    choice = choose_reference(
        current=CURRENT, training=FULL_TRAINING, periods=28, frequency="daily"
    )
    assert choice.kind == "seasonal"
    result = _feature_drift(seasonal_panel(), choice)
    assert result.judged and not result.dataset_drift
    assert result.share < 0.2, result.summary()
    assert "demand" not in result.drifted_columns


def test_the_same_season_against_another_season_would_be_called_drift() -> None:
    # Why the seasonal reference: a champion trained only up to five months ago is compared with
    # its own last weeks, in another season, and ordinary seasonality shows as drift.
    training = Window(END - dt.timedelta(days=300), END - dt.timedelta(days=150))
    choice = choose_reference(current=CURRENT, training=training, periods=28, frequency="daily")
    assert choice.kind == "training_window"
    result = _feature_drift(seasonal_panel(), choice)
    assert result.dataset_drift and "demand" in result.drifted_columns


def test_an_injected_demand_shift_is_drift_even_against_the_seasonal_reference() -> None:
    panel = seasonal_panel(shift_from=END - dt.timedelta(days=60), shift=1.6)
    choice = choose_reference(
        current=CURRENT, training=FULL_TRAINING, periods=28, frequency="daily"
    )
    result = _feature_drift(panel, choice)
    assert choice.kind == "seasonal"
    assert result.dataset_drift, result.summary()
    assert {"demand", "lag_1", "roll_mean_7"} <= set(result.drifted_columns)
    # Last year's value and the price did not move.
    assert not {"lag_364", "price", "category_code"} & set(result.drifted_columns)


def test_one_shifted_column_drifts_alone_and_sampling_is_deterministic(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 5_000
    reference = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.integers(0, 4, n)}
    )
    current = pd.DataFrame(
        {"a": rng.normal(size=n) + 0.5, "b": rng.normal(size=n), "c": rng.integers(0, 4, n)}
    )
    small = POLICY.model_copy(update={"sample_size": 1_000})
    runs = [
        detect_drift(
            reference,
            current,
            subject="features",
            numerical=["a", "b"],
            categorical=["c"],
            settings=small,
            model_name="demand-forecaster",
            model_version=3,
        )
        for _ in range(2)
    ]
    first, second = (run.result for run in runs)
    assert first.drifted_columns == ("a",) and not first.dataset_drift
    assert first.sampled_reference_rows == 1_000 and first.reference_rows == n
    assert [c.score for c in first.columns] == [c.score for c in second.columns]
    assert {c.column: c.kind for c in first.columns} == {
        "a": "numerical",
        "b": "numerical",
        "c": "categorical",
    }
    json_path, html_path = runs[0].save(tmp_path / "reports")
    assert json_path.name.startswith("drift_features_") and "demand-forecaster-v3" in json_path.name
    assert html_path is not None and html_path.stat().st_size > 10_000
    assert "<html" in html_path.read_text()[:2000].lower()
    saved = json.loads(json_path.read_text())
    assert saved["result"]["drifted_columns"] == ["a"] and "evidently" in saved
    back = load_drift_result(json_path)
    assert back.drifted_columns == ("a",) and back.columns == first.columns


def test_p_value_methods_flag_below_their_threshold() -> None:
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"a": rng.normal(size=600)})
    current = pd.DataFrame({"a": rng.normal(size=600) + 1.0})
    ks = POLICY.model_copy(update={"num_method": "ks", "num_threshold": 0.05})
    result = detect_drift(
        reference, current, subject="predictions", numerical=["a"], settings=ks
    ).result
    (column,) = result.columns
    assert column.drifted and column.score < 0.05 and result.dataset_drift


def test_too_few_rows_or_empty_columns_are_reported_not_judged() -> None:
    tiny = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    report = detect_drift(tiny, tiny, subject="features", numerical=["a"], settings=POLICY)
    assert not report.result.judged and not report.result.dataset_drift
    assert "MIN_ROWS" in report.result.note and report.snapshot is None
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=300), "empty": np.nan})
    result = detect_drift(
        frame, frame, subject="features", numerical=["a", "empty"], settings=POLICY
    ).result
    assert [c.column for c in result.columns] == ["a"]
    assert result.skipped == (("empty", "no values in the reference window"),)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"numerical": ["missing"]}, "lacks column"),
        ({"numerical": []}, "at least one column"),
        ({"categorical": ["a"]}, "both numerical and categorical"),
    ],
)
def test_bad_requests_say_what_is_wrong(change: dict[str, list[str]], message: str) -> None:
    frame = pd.DataFrame({"a": np.arange(200.0)})
    args: dict[str, list[str]] = {"numerical": ["a"], "categorical": []} | change
    with pytest.raises(ValueError, match=message):
        detect_drift(frame, frame, subject="features", settings=POLICY, **args)  # type: ignore[arg-type]


def test_an_unknown_method_names_the_setting() -> None:
    frame = pd.DataFrame({"a": np.random.default_rng(0).normal(size=200)})
    bad = POLICY.model_copy(update={"num_method": "nonsense"})
    with pytest.raises(ValueError, match="RESTOCK_MONITORING__NUM_METHOD"):
        detect_drift(frame, frame, subject="features", numerical=["a"], settings=bad)


def test_read_window_takes_only_the_window_from_a_feature_store_entry(tmp_path: Path) -> None:
    panel = seasonal_panel(series=6, days=400)
    store = FeatureStore(tmp_path / "store")
    chunks = iter_feature_chunks(panel, SPEC, chunk_series=2)
    store.write("k1", chunks, feature_manifest(SPEC, "fingerprint"))
    window = Window(END - dt.timedelta(days=9), END)
    frame = read_window(store, "k1", window, ["demand", "lag_1"])
    assert list(frame.columns) == ["date", "demand", "lag_1"]
    assert len(frame) == 6 * 10
    assert frame["date"].min() == pd.Timestamp(window.start)
    with pytest.raises(ValueError, match="lacks column"):
        read_window(store, "k1", window, ["nope"])
