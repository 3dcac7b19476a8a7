"""Line flags: forecast change, drift alerts, busiest window of history, and their order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.alerts import Alert
from orders.domain import Flag
from planning.flags import busiest_window, forecast_changed, line_flags, under_drift_alert

KEY = ("SKU1", "S1")


@pytest.mark.parametrize(
    ("expected", "previous", "changed"),
    [
        (115.0, 100.0, False),  # exactly +15% is not more than 15%
        (85.0, 100.0, False),  # exactly -15% neither (85 / 100 - 1 is -0.15000000000000002)
        (23.0, 20.0, False),
        (17.0, 20.0, False),
        (115.1, 100.0, True),  # +15.1%
        (84.9, 100.0, True),  # -15.1%
        (100.0, 100.0, False),
        (0.0, 100.0, True),  # demand vanished
        (0.0, 0.0, False),  # was 0, still 0
        (3.0, 0.0, True),  # was 0, now some
        (50.0, None, False),  # no previous plan for the series
    ],
)
def test_forecast_changed_threshold(expected: float, previous: float | None, changed: bool) -> None:
    before = {} if previous is None else {KEY: previous}
    out = forecast_changed(np.array([expected]), [KEY], before, 0.15)
    assert out.dtype == bool and out.tolist() == [changed]


def test_forecast_changed_reads_each_key() -> None:
    keys = [("A", "S1"), ("A", "S2"), ("B", "S1")]
    previous = {("A", "S1"): 10.0, ("B", "S1"): 10.0, ("Z", "S9"): 1.0}
    out = forecast_changed(np.array([20.0, 20.0, 10.5]), keys, previous, 0.15)
    assert out.tolist() == [True, False, False]


def _alert(kind: str, **scope: str) -> Alert:
    return Alert(kind=kind, severity="warning", message="test", **scope)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("alerts", "flagged"),
    [
        ([], [False, False, False]),
        # Unscoped data drift covers everything.
        ([_alert("data_drift")], [True, True, True]),
        # Only drift kinds count: a rollback or accuracy alert does not flag lines.
        ([_alert("rollback"), _alert("accuracy_decay"), _alert("retrain")], [False] * 3),
        ([_alert("prediction_drift", segment="AX")], [True, False, True]),
        ([_alert("data_drift", sku="A")], [True, True, False]),
        ([_alert("data_drift", sku="A", location="S2")], [False, True, False]),
        ([_alert("data_drift", segment="CZ"), _alert("rollback", sku="B")], [False, True, False]),
    ],
)
def test_under_drift_alert_scope(alerts: list[Alert], flagged: list[bool]) -> None:
    keys = [("A", "S1"), ("A", "S2"), ("B", "S1")]
    segments = ["AX", "CZ", "AX"]
    out = under_drift_alert(alerts, keys, segments)
    assert out.dtype == bool and out.tolist() == flagged


def _panel() -> pd.DataFrame:
    dates = pd.date_range("2026-01-05", periods=6, freq="7D")
    return pd.DataFrame(
        {
            "date": list(dates) * 2,
            "sku": ["A"] * 6 + ["B"] * 6,
            "location": ["S1"] * 12,
            "demand": [1.0, 5.0, 2.0, 8.0, 0.0, 3.0] + [4.0] * 6,
        }
    )


@pytest.mark.parametrize(
    ("sku", "window", "periods_back", "busiest"),
    [
        ("A", 1, 6, 8.0),  # the single best week
        ("A", 2, 6, 10.0),  # 2 + 8
        ("A", 3, 6, 15.0),  # 5 + 2 + 8
        ("A", 10, 6, 19.0),  # longer than history: the whole history
        ("A", 0, 6, 8.0),  # at least one period
        ("A", 2, 3, 8.0),  # last 3 weeks 8, 0, 3: best pair 8 + 0
        ("A", 10, 3, 11.0),
        ("B", 3, 6, 12.0),
        ("C", 2, 6, 0.0),  # no history
    ],
)
def test_busiest_window_by_hand(sku: str, window: int, periods_back: int, busiest: float) -> None:
    keys = pd.DataFrame({"sku": [sku], "location": ["S1"]})
    out = busiest_window(_panel(), keys, np.array([window]), periods_back=periods_back)
    assert out.tolist() == [busiest]


def test_busiest_window_rows_follow_keys() -> None:
    keys = pd.DataFrame({"sku": ["B", "A", "A"], "location": ["S1", "S1", "S9"]})
    out = busiest_window(_panel(), keys, np.array([2, 2, 2]), periods_back=52)
    assert out.tolist() == [8.0, 10.0, 0.0]


def test_busiest_window_without_history_is_zero() -> None:
    keys = pd.DataFrame({"sku": ["A"], "location": ["S1"]})
    assert busiest_window(_panel().iloc[:0], keys, np.array([2]), periods_back=52).tolist() == [0]


def test_line_flags_in_fixed_order() -> None:
    out = line_flags(
        changed=np.array([True, False, True, False]),
        new_item=np.array([False, False, True, False]),
        drift=np.array([True, False, True, False]),
        far_above=np.array([False, False, True, True]),
        shortfall=np.array([True, False, True, False]),
    )
    assert out == [
        (Flag.FORECAST_CHANGE, Flag.DRIFT_ALERT, Flag.ALLOCATION_SHORTFALL),
        (),
        (
            Flag.FORECAST_CHANGE,
            Flag.NEW_ITEM,
            Flag.DRIFT_ALERT,
            Flag.FAR_ABOVE_HISTORY,
            Flag.ALLOCATION_SHORTFALL,
        ),
        (Flag.FAR_ABOVE_HISTORY,),
    ]
