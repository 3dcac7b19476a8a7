"""Segmentation: ABC by value share, XYZ by variability, Syntetos-Boylan intermittency."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from features.dataset import Frequency
from features.segment import SEGMENT_COLUMNS, segment
from restock.settings import SegmentationThresholds, load_settings

DEFAULT = SegmentationThresholds.model_validate({})
STEP = {Frequency.DAILY: "D", Frequency.WEEKLY: "7D", Frequency.MONTHLY: "MS"}


def panel(
    demands: Mapping[str, Sequence[float] | np.ndarray],
    frequency: Frequency = Frequency.WEEKLY,
    *,
    prices: dict[str, float] | None = None,
    end: str = "2024-12-27",
) -> pd.DataFrame:
    """A cleaned-panel stand-in: one series per sku at location 'x', all ending on `end`."""
    frames = []
    for sku, values in demands.items():
        dates = pd.date_range(end=end, periods=len(values), freq=STEP[frequency])
        price = (prices or {}).get(sku, 1.0)
        frames.append(
            pd.DataFrame(
                {"sku": sku, "location": "x", "date": dates, "demand": values, "price": price}
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["demand"] = out["demand"].astype(np.float32)
    out["price"] = out["price"].astype(np.float32)
    return out.astype({"sku": "category", "location": "category"})


def row(result: pd.DataFrame, sku: str) -> pd.Series:
    return result[result["sku"] == sku].iloc[0]


def thresholds(**overrides: float) -> SegmentationThresholds:
    """Defaults with some cut-offs changed (validated like settings read from the environment)."""
    return SegmentationThresholds.model_validate(overrides)


# Values 50, 30, 10, 6, 4 (total 100) given under names that do not sort by value.
VALUES = {"e": 50.0, "a": 30.0, "d": 10.0, "b": 6.0, "c": 4.0}


@pytest.mark.parametrize(
    ("abc_a", "abc_b", "expected"),
    [
        # cum shares .5 .8 .9 .96 1: 'a' ends exactly on .8 -> A; 'b' crosses .95 -> B
        (0.80, 0.95, {"e": "A", "a": "A", "d": "B", "b": "B", "c": "C"}),
        # 'a' crosses .6 (from .5 to .8): the crossing series belongs to the upper class
        (0.60, 0.95, {"e": "A", "a": "A", "d": "B", "b": "B", "c": "C"}),
        # 'e' ends exactly on .5 -> A; 'a' starts at .5 -> B; 'b' starts at .9 -> C
        (0.50, 0.90, {"e": "A", "a": "B", "d": "B", "b": "C", "c": "C"}),
    ],
)
def test_abc_by_cumulative_value_share(
    abc_a: float, abc_b: float, expected: dict[str, str]
) -> None:
    cutoffs = thresholds(abc_a=abc_a, abc_b=abc_b)
    result = segment(panel({k: [v] for k, v in VALUES.items()}), Frequency.WEEKLY, cutoffs)

    assert dict(zip(result["sku"].astype(str), result["abc"], strict=True)) == expected
    shares = result.set_index(result["sku"].astype(str))
    assert shares["value_share"].to_dict() == pytest.approx(
        {"e": 0.5, "a": 0.3, "d": 0.1, "b": 0.06, "c": 0.04}
    )
    assert shares["cum_share"].to_dict() == pytest.approx(
        {"e": 0.5, "a": 0.8, "d": 0.9, "b": 0.96, "c": 1.0}
    )


def test_value_basis_price_then_unit_cost_then_units() -> None:
    data = panel(
        {"priced": [10.0], "costed": [10.0], "bare": [10.0]},
        prices={"priced": 2.0, "costed": np.nan, "bare": np.nan},
    )
    result = segment(data, Frequency.WEEKLY, DEFAULT, unit_cost=pd.Series({"costed": 3.0}))

    assert row(result, "priced")[["value", "value_basis"]].tolist() == [20.0, "price"]
    assert row(result, "costed")[["value", "value_basis"]].tolist() == [30.0, "unit_cost"]
    assert row(result, "bare")[["value", "value_basis"]].tolist() == [10.0, "units"]


def test_all_zero_value_is_all_c() -> None:
    result = segment(panel({"a": [0.0, 0.0], "b": [0.0]}), Frequency.WEEKLY, DEFAULT)
    assert list(result["abc"]) == ["C", "C"]
    assert list(result["value_share"]) == [0.0, 0.0]


LUMPY_MEAN = 11 / 6
PATTERNS = {
    "smooth": [10.0, 12.0, 8.0, 10.0] * 3,
    "intermittent": [0.0, 0.0, 5.0] * 4,
    "erratic": [1.0, 10.0] * 6,
    "lumpy": [0.0, 0.0, 1.0, 0.0, 0.0, 10.0] * 2,
    "no_demand": [0.0] * 12,
}


@pytest.mark.parametrize(
    ("name", "adi", "cv2", "cv", "xyz"),
    [
        ("smooth", 1.0, 0.02, math.sqrt(2) / 10, "X"),  # population var 2 around 10
        ("intermittent", 3.0, 0.0, math.sqrt(2), "Z"),  # var 25/3 - 25/9 = 50/9, mean 5/3
        ("erratic", 1.0, (4.5 / 5.5) ** 2, 4.5 / 5.5, "Y"),
        ("lumpy", 3.0, (4.5 / 5.5) ** 2, math.sqrt(101 / 6 - LUMPY_MEAN**2) / LUMPY_MEAN, "Z"),
        ("no_demand", math.inf, math.nan, math.nan, "Z"),
    ],
)
def test_xyz_and_intermittency_classes(
    name: str, adi: float, cv2: float, cv: float, xyz: str
) -> None:
    result = row(segment(panel(PATTERNS), Frequency.WEEKLY, DEFAULT), name)

    assert result["periods"] == 12
    assert result["adi"] == pytest.approx(adi)
    assert result["cv2"] == pytest.approx(cv2, nan_ok=True)
    assert result["cv"] == pytest.approx(cv, nan_ok=True)
    assert result["xyz"] == xyz
    assert result["intermittency"] == name
    assert result["segment"] == result["abc"] + xyz


def test_daily_cv_is_taken_on_complete_weeks() -> None:
    # 371 days; sales of 70 three days before each week boundary counted back from the last
    # day, so every complete 7-day bucket sums to 70 while single days swing between 0 and 70.
    # The window's 365th day is a 1-day bucket holding 0: kept, it would make the CV > 0.
    age = np.arange(370, -1, -1)
    demand = np.where(age % 7 == 3, 70.0, 0.0)

    result = row(segment(panel({"a": demand}, Frequency.DAILY), Frequency.DAILY, DEFAULT), "a")

    assert result["periods"] == 365
    assert result["cv"] == pytest.approx(0.0, abs=1e-12)
    assert result["xyz"] == "X"
    assert result["mean_demand"] == pytest.approx(52 * 70 / 365)
    assert result["adi"] == pytest.approx(365 / 52)
    assert result["intermittency"] == "intermittent"
    assert np.std(demand[-365:]) / np.mean(demand[-365:]) > 2  # what daily CV would say


@pytest.mark.parametrize(
    ("name", "overrides", "xyz", "intermittency"),
    [
        ("erratic", {}, "Y", "erratic"),
        ("erratic", {"xyz_x": 0.9, "xyz_y": 1.5}, "X", "erratic"),
        ("erratic", {"xyz_x": 0.3, "xyz_y": 0.5}, "Z", "erratic"),
        ("erratic", {"cv2": 0.7}, "Y", "smooth"),
        ("lumpy", {"adi": 3.5}, "Z", "erratic"),
        ("lumpy", {"adi": 3.5, "cv2": 0.7}, "Z", "smooth"),
        ("intermittent", {"adi": 3.0}, "Z", "intermittent"),  # adi == cut-off is not below it
    ],
)
def test_thresholds_change_the_classes(
    name: str, overrides: dict[str, float], xyz: str, intermittency: str
) -> None:
    result = row(segment(panel(PATTERNS), Frequency.WEEKLY, thresholds(**overrides)), name)
    assert (result["xyz"], result["intermittency"]) == (xyz, intermittency)


def test_thresholds_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTOCK_SEGMENTATION__XYZ_X", "0.9")
    monkeypatch.setenv("RESTOCK_SEGMENTATION__XYZ_Y", "1.5")
    cutoffs = load_settings().segmentation
    assert row(segment(panel(PATTERNS), Frequency.WEEKLY, cutoffs), "erratic")["xyz"] == "X"


@pytest.mark.parametrize(
    ("frequency", "length", "window_days", "periods"),
    [
        (Frequency.DAILY, 800, 365, 365),
        (Frequency.DAILY, 800, 730, 730),
        (Frequency.WEEKLY, 100, 365, 52),
        (Frequency.MONTHLY, 36, 365, 12),
        (Frequency.MONTHLY, 36, 730, 24),
    ],
)
def test_window_keeps_only_the_last_year(
    frequency: Frequency, length: int, window_days: int, periods: int
) -> None:
    # 100 per period before the window, 1 inside it: old volume must not count.
    demand = np.where(np.arange(length) >= length - periods, 1.0, 100.0)
    end = "2024-12-01"
    result = row(
        segment(
            panel({"a": demand}, frequency, end=end),
            frequency,
            thresholds(window_days=window_days),
        ),
        "a",
    )
    assert result["periods"] == periods
    assert result["total_demand"] == periods
    assert result["mean_demand"] == 1.0


def test_a_series_that_ended_before_the_window_has_no_demand() -> None:
    live = panel({"live": [1.0] * 400}, Frequency.DAILY, end="2024-12-27")
    gone = panel({"gone": [5.0] * 30}, Frequency.DAILY, end="2023-06-01")
    data = pd.concat([live, gone]).astype({"sku": "category"})

    result = segment(data, Frequency.DAILY, DEFAULT)

    ended = row(result, "gone")
    assert ended["periods"] == 0
    assert ended["value"] == 0
    assert (ended["abc"], ended["xyz"], ended["intermittency"]) == ("C", "Z", "no_demand")
    assert row(result, "live")["abc"] == "A"


def test_one_sorted_row_per_series_with_the_documented_columns() -> None:
    one = panel(PATTERNS)
    data = pd.concat([one, one.assign(location="y")]).astype({"location": "category"})

    result = segment(data.sample(frac=1.0, random_state=0), Frequency.WEEKLY, DEFAULT)

    assert tuple(result.columns) == SEGMENT_COLUMNS
    assert len(result) == 2 * len(PATTERNS)
    keys = list(zip(result["sku"].astype(str), result["location"].astype(str), strict=True))
    assert keys == sorted(keys)
    assert (result["segment"] == result["abc"] + result["xyz"]).all()
