"""Prediction drift: a real demand model forecasts the reference and current windows from their
origins; a regime change moves the forecasts, seasonality matched by the reference does not."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.dataset import Frequency
from monitoring.drift import detect_drift
from monitoring.drift_inputs import origin_before, predictions_at
from monitoring.reference import Window, choose_reference, latest_window
from restock.settings import MonitoringSettings
from tests.monitoring.panels import END, seasonal_panel
from training.demand import DemandModel

POLICY = MonitoringSettings()
CURRENT = latest_window(END, 28, "daily")
SHIFT_FROM = END - dt.timedelta(days=60)
TRAINED_UNTIL = SHIFT_FROM - dt.timedelta(days=1)


@pytest.fixture(scope="module")
def model() -> DemandModel:
    history = seasonal_panel(days=760, end=TRAINED_UNTIL)
    fast = {"num_leaves": 15, "min_data_in_leaf": 20}
    return DemandModel.fit(history, Frequency.DAILY, params=fast, num_boost_round=20)


@pytest.mark.parametrize(("shift", "drifted"), [(1.0, False), (1.8, True)])
def test_forecasts_drift_only_after_a_regime_change(
    model: DemandModel, shift: float, drifted: bool
) -> None:
    panel = seasonal_panel(days=760 + 60, shift_from=SHIFT_FROM, shift=shift)
    training = Window(panel["date"].min().date(), TRAINED_UNTIL)
    choice = choose_reference(current=CURRENT, training=training, periods=28, frequency="daily")
    assert choice.kind == "seasonal"
    reference = predictions_at(model, panel, origin_before(choice.reference, "daily"))
    current = predictions_at(model, panel, origin_before(choice.current, "daily"))
    assert pd.Timestamp(current["date"].min()).date() == CURRENT.start
    assert len(reference) == len(current) == 30 * 28
    result = detect_drift(
        reference,
        current,
        subject="predictions",
        numerical=list(POLICY.prediction_columns),
        settings=POLICY,
        reference_choice=choice,
        model_name="demand-forecaster",
        model_version=1,
    ).result
    assert result.dataset_drift is drifted, result.summary()


def test_an_origin_without_data_is_a_clear_error(model: DemandModel) -> None:
    panel = seasonal_panel(series=2, days=100)
    with pytest.raises(ValueError, match="no series has data on the forecast origin"):
        predictions_at(model, panel, dt.date(2020, 1, 1))
