"""The built-in holiday list and calendar tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.calendar_features import holiday_days, us_retail_calendar, us_retail_holidays


@pytest.mark.parametrize(
    ("year", "thanksgiving"),
    [(2011, "2011-11-24"), (2015, "2015-11-26"), (2019, "2019-11-28"), (2020, "2020-11-26")],
)
def test_builtin_holidays(year: int, thanksgiving: str) -> None:
    days = us_retail_holidays(year, year)
    t = np.datetime64(thanksgiving)
    expected = [
        f"{year}-01-01",
        f"{year}-07-04",
        thanksgiving,
        str(t + 1),
        f"{year}-12-24",
        f"{year}-12-25",
        f"{year}-12-31",
    ]
    np.testing.assert_array_equal(days, np.array(expected, dtype="datetime64[D]"))


def test_builtin_calendar_table_between_dates() -> None:
    table = us_retail_calendar(pd.Timestamp("2024-06-01"), pd.Timestamp("2024-11-28"))
    assert list(table["date"].dt.strftime("%m-%d")) == ["07-04", "11-28"]
    assert table["is_holiday"].all()


def test_holiday_days_from_event_names() -> None:
    calendar = pd.DataFrame(
        {
            "date": ["2016-02-07", "2016-02-08", "2016-02-14"],
            "event_name": ["SuperBowl", None, "ValentinesDay"],
        }
    )
    np.testing.assert_array_equal(
        holiday_days(calendar), np.array(["2016-02-07", "2016-02-14"], dtype="datetime64[D]")
    )
    with pytest.raises(ValueError, match="is_holiday"):
        holiday_days(calendar.drop(columns=["event_name"]))
