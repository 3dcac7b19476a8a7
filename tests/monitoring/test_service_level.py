"""Service level achieved per segment and week, and breaches after N weeks below target."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from inventory.service_targets import ServiceTarget, ServiceTargets
from monitoring.service_level import service_breaches, service_levels

END = pd.Timestamp("2026-09-30")
TARGETS = ServiceTargets(
    segments={
        "AX": ServiceTarget(cycle_service_level=0.98, fill_rate=0.99),
        "CZ": ServiceTarget(cycle_service_level=0.85),  # no fill rate: judged on CSL
        "*": ServiceTarget(cycle_service_level=0.95, fill_rate=0.97),
    }
)
SEGMENTS = pd.DataFrame({"sku": ["A", "C"], "location": ["S1", "S1"], "segment": ["AX", "CZ"]})


def _panel(a_short_days: list[int], c_stockout_days: list[int], days: int = 30) -> pd.DataFrame:
    """A sells 9 of 10 on `a_short_days` (days back from END); C is out of stock on its days."""
    dates = pd.date_range(end=END, periods=days, freq="D")
    back = (END - dates).days.to_numpy()
    a_units = np.where(np.isin(back, a_short_days), 9.0, 10.0)
    c_out = np.isin(back, c_stockout_days)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "sku": "A",
                    "location": "S1",
                    "date": dates,
                    "units": a_units,
                    "demand": 10.0,
                    "stockout": a_units < 10,
                    "gap": False,
                }
            ),
            pd.DataFrame(
                {
                    "sku": "C",
                    "location": "S1",
                    "date": dates,
                    "units": np.where(c_out, 0.0, 2.0),
                    "demand": 2.0,
                    "stockout": c_out,
                    "gap": False,
                }
            ),
        ],
        ignore_index=True,
    )


def test_blocks_of_seven_days_from_the_newest_date_partial_oldest_dropped() -> None:
    table = service_levels(_panel([], []), SEGMENTS, TARGETS, frequency="daily", last_periods=None)
    a = table[table["segment"] == "AX"]
    assert len(a) == 4  # 30 days: 4 full weeks, the 2 oldest days dropped
    assert a["period_end"].iloc[-1] == dt.date(2026, 9, 30)
    assert a["period_start"].iloc[-1] == dt.date(2026, 9, 24)
    assert (a["fill_rate"] == 1.0).all() and not a["below"].any()


def test_three_weeks_below_target_is_a_breach_two_are_not() -> None:
    # A loses one unit of 10 on one day in each of the last three weeks: fill 69/70 < 99%.
    panel = _panel(a_short_days=[1, 8, 15], c_stockout_days=[2, 9])
    table = service_levels(panel, SEGMENTS, TARGETS, frequency="daily")
    a = table[table["segment"] == "AX"]
    assert a["measure"].unique().tolist() == ["fill_rate"]
    assert a["fill_rate"].iloc[-1] == pytest.approx(69 / 70)
    assert a["below"].tolist() == [False, True, True, True]
    c = table[table["segment"] == "CZ"]
    assert c["measure"].unique().tolist() == ["cycle_service_level"]
    assert c["achieved"].iloc[-1] == pytest.approx(6 / 7)  # 1 stockout day in 7 > 85%
    (breach,) = service_breaches(table, consecutive=3)
    assert breach.segment == "AX" and breach.target == 0.99 and len(breach.achieved) == 3
    assert "3 periods in a row" in breach.message()
    assert service_breaches(table, consecutive=4) == []


def test_weekly_data_uses_one_period_per_block_and_gaps_do_not_count() -> None:
    dates = pd.date_range(end=END, periods=5, freq="7D")
    panel = pd.DataFrame(
        {
            "sku": "A",
            "location": "S1",
            "date": dates,
            "units": [10, 10, 5, 5, 0.0],
            "demand": 10.0,
            "stockout": [False, False, True, True, False],
            "gap": [False, False, False, False, True],
        }
    )
    table = service_levels(panel, SEGMENTS, TARGETS, frequency="weekly")
    assert table["fill_rate"].tolist() == [1.0, 1.0, 0.5, 0.5]  # the gap week is no period
    assert service_breaches(table, consecutive=2)[0].achieved == (0.5, 0.5)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="lacks column"):
        service_levels(pd.DataFrame({"sku": []}), SEGMENTS, TARGETS, frequency="daily")
    with pytest.raises(ValueError, match="consecutive"):
        service_breaches(pd.DataFrame(), consecutive=0)
