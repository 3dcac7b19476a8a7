"""The built-in holiday list and calendar tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.calendar_features import (
    CalendarLookup,
    holiday_days,
    us_retail_calendar,
    us_retail_holidays,
)
from features.dataset import Frequency


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


def test_date_parts_equal_pandas_over_four_decades() -> None:
    """The datetime64 arithmetic (fast per request) against pandas' own date properties,
    leap years and ISO week 53 included."""
    first = int(np.datetime64("1995-01-01", "D").astype(np.int64))
    last = int(np.datetime64("2035-12-31", "D").astype(np.int64))
    lookup = CalendarLookup.build(first, last, Frequency.DAILY)
    d = lookup.days
    expected = {
        "dayofweek": d.dayofweek,
        "dayofmonth": d.day,
        "dayofyear": d.dayofyear,
        "month": d.month,
        "quarter": d.quarter,
        "year": d.year,
        "is_weekend": d.dayofweek >= 5,
        "weekofyear": d.isocalendar()["week"],
    }
    for name, values in expected.items():
        got = lookup.features((name,), np.arange(first, last + 1))[name]
        np.testing.assert_array_equal(got, np.asarray(values, dtype=np.float32), err_msg=name)
