"""Movable events: Easter dates and seasonal lags aligned on them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from features.dataset import Frequency
from features.events import aligned_lags, easter_sunday
from features.spec import FeatureSpec

EASTERS = {
    1818: "1818-03-22",  # earliest possible
    1943: "1943-04-25",  # latest possible
    2000: "2000-04-23",
    2010: "2010-04-04",
    2011: "2011-04-24",
    2012: "2012-04-08",
    2024: "2024-03-31",
    2025: "2025-04-20",
}


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def test_easter_sunday_matches_known_dates() -> None:
    got = easter_sunday(np.array(list(EASTERS)))
    assert list(got) == [_day(d) for d in EASTERS.values()]


# Walmart weeks (dated Fridays) around Easter 2012 (in the week dated 04-06; Easter 2011 in the
# week dated 04-22, 50 weeks earlier; Easter 2010 in the week dated 04-02, 105 weeks earlier).
@pytest.mark.parametrize(
    ("week", "lag_52", "lag_104"),
    [
        ("2012-03-23", 52, 105),  # 2010's Easter week would be its plain lag 104 + 1
        ("2012-03-30", 50, 105),
        ("2012-04-06", 50, 105),  # Easter week reads last year's and the year before's
        ("2012-04-13", 50, 105),
        ("2012-04-20", 50, 104),  # its plain lag 52 is last year's Easter week: moved too
        ("2012-04-27", 50, 104),
        ("2012-05-04", 52, 104),
        ("2012-09-07", 52, 104),
    ],
)
def test_weekly_lags_around_easter(week: str, lag_52: int, lag_104: int) -> None:
    days = np.array([_day(week)])

    def lag(k: int, back: int) -> int:
        got = aligned_lags(days, k, period_days=7, years_back=back, events=("easter",), window=1)
        return int(got[0])

    assert lag(52, 1) == lag_52
    assert lag(104, 2) == lag_104


def test_a_window_of_zero_moves_only_the_event_periods() -> None:
    days = np.array([_day(w) for w in ("2012-03-30", "2012-04-06", "2012-04-13", "2012-04-20")])
    got = aligned_lags(days, 52, period_days=7, years_back=1, events=("easter",), window=0)
    assert list(got) == [52, 50, 52, 50]


def test_the_builder_reads_aligned_seasonal_lags_and_leaves_others() -> None:
    dates = pd.date_range("2010-02-05", "2012-10-26", freq="7D")
    demand = np.arange(len(dates), dtype=np.float32)  # value = week index: lags are readable
    panel = pd.DataFrame(
        {
            "sku": pd.Categorical(["a"] * len(dates)),
            "location": pd.Categorical(["s"] * len(dates)),
            "date": dates,
            "demand": demand,
            "censored": False,
            "anomaly": False,
        }
    )
    spec = FeatureSpec(
        frequency=Frequency.WEEKLY,
        lags=(1, 52, 104),
        rolling=(),
        pooled=("lag_52",),
        aligned_events=("easter",),
    )
    built = build_features(panel, spec).set_index("date")
    easter_week = built.loc[pd.Timestamp("2012-04-06")]
    assert easter_week["demand"] - easter_week["lag_52"] == 50
    assert easter_week["demand"] - easter_week["lag_104"] == 105
    assert easter_week["demand"] - easter_week["lag_1"] == 1
    assert easter_week["item_lag_52"] == easter_week["lag_52"]  # pooled lags align too
    summer = built.loc[pd.Timestamp("2012-07-06")]
    assert summer["demand"] - summer["lag_52"] == 52
    # An aligned lag before the series' first week reads nothing.
    first_easter = built.loc[pd.Timestamp("2011-04-22")]
    assert np.isnan(first_easter["lag_104"])
    plain = build_features(panel, FeatureSpec(frequency=Frequency.WEEKLY, lags=(52,)))
    assert (plain["demand"] - plain["lag_52"]).dropna().eq(52).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aligned_events": ("diwali",)}, "unknown aligned_events"),
        ({"aligned_events": ("easter",), "frequency": Frequency.MONTHLY}, "daily or weekly"),
        ({"aligned_events": ("easter",), "event_window": -1}, "event_window"),
    ],
)
def test_aligned_events_are_checked(change: dict[str, object], message: str) -> None:
    kwargs: dict[str, object] = {"frequency": Frequency.WEEKLY, "lags": (52,), **change}
    with pytest.raises(ValueError, match=message):
        FeatureSpec(**kwargs)  # type: ignore[arg-type]


def test_aligned_lags_widen_the_history_kept() -> None:
    spec = FeatureSpec(frequency=Frequency.WEEKLY, lags=(1, 52))
    aligned = FeatureSpec(frequency=Frequency.WEEKLY, lags=(1, 52), aligned_events=("easter",))
    assert spec.max_lookback == 52
    assert aligned.max_lookback == 52 + 5 + 1  # 35 days of drift in weeks, plus the window
    assert "event_window" not in spec.to_dict() and "aligned_events" not in spec.to_dict()
    assert FeatureSpec.from_json(aligned.to_json()) == aligned


def test_a_horizon_an_aligned_lag_could_read_past_is_refused() -> None:
    spec = FeatureSpec(
        frequency=Frequency.WEEKLY, lags=(1, 52), aligned_events=("easter",), version=2
    )
    assert spec.shifted(13).lags == (13, 52)  # the default weekly horizon is well inside
    assert spec.shifted(46).lags == (46, 52)
    with pytest.raises(ValueError, match="too long for lags aligned"):
        spec.shifted(47)  # lag 52 may read 6 weeks closer: week 46 after the origin
