"""Calendar features (day of week, month, holidays ...) and the built-in holiday list.

Calendar values are known in advance, so they are computed once per day of the panel's date
range and gathered per row. When the data brings no calendar (Walmart and M5 do), a small
built-in US retail list is used; it is deliberately short and documented in `us_retail_holidays`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.dataset import Frequency

__all__ = ["CalendarLookup", "holiday_days", "us_retail_calendar", "us_retail_holidays"]

_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def us_retail_holidays(first_year: int, last_year: int) -> np.ndarray:
    """Built-in holidays (datetime64[D], sorted): Jan 1, Jul 4, Thanksgiving (4th Thursday of
    November), Black Friday, Dec 24, Dec 25 and Dec 31, the days that move US retail demand most."""
    years = np.arange(first_year, last_year + 1) - 1970
    year_start = years.astype("datetime64[Y]").astype("datetime64[D]")
    fixed = [(0, 0), (6, 3), (11, 23), (11, 24), (11, 30)]  # (month index, day index)
    dates = [(year_start.astype("datetime64[M]") + m).astype("datetime64[D]") + d for m, d in fixed]
    nov1 = (year_start.astype("datetime64[M]") + 10).astype("datetime64[D]")
    weekday = (nov1.astype(np.int64) + _EPOCH_WEEKDAY) % 7
    thanksgiving = nov1 + ((3 - weekday) % 7 + 21)
    dates += [thanksgiving, thanksgiving + 1]
    return np.sort(np.concatenate(dates))


def us_retail_calendar(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The built-in holidays between two dates as a calendar table (date, is_holiday)."""
    days = us_retail_holidays(start.year, end.year)
    days = days[(days >= np.datetime64(start.date())) & (days <= np.datetime64(end.date()))]
    return pd.DataFrame({"date": pd.to_datetime(days), "is_holiday": True})


def holiday_days(calendar: pd.DataFrame) -> np.ndarray:
    """Sorted holiday dates (datetime64[D]) of a calendar table (date + is_holiday or
    event_name: a row with an event is a holiday)."""
    if "date" not in calendar.columns:
        raise ValueError("calendar table needs a 'date' column")
    if "is_holiday" in calendar.columns:
        flag = calendar["is_holiday"].fillna(False).astype(bool).to_numpy()
    elif "event_name" in calendar.columns:
        flag = calendar["event_name"].notna().to_numpy()
    else:
        raise ValueError(
            "calendar table needs 'is_holiday' (bool) or 'event_name' next to 'date'; "
            f"got {list(calendar.columns)}"
        )
    dates = pd.to_datetime(calendar["date"]).to_numpy().astype("datetime64[D]")
    return np.unique(dates[flag & ~np.isnat(dates)])


@dataclass(frozen=True)
class CalendarLookup:
    """Calendar feature values for every day from `first_day` (days since 1970-01-01)."""

    first_day: int
    days: pd.DatetimeIndex
    frequency: Frequency
    holidays: np.ndarray  # datetime64[D], sorted

    @classmethod
    def build(
        cls,
        first_day: int,
        last_day: int,
        frequency: Frequency,
        *,
        calendar: pd.DataFrame | None = None,
    ) -> CalendarLookup:
        """Cover days first_day..last_day; holidays from `calendar`, else the built-in list
        (with a year of margin on each side so days to/since a holiday are always defined)."""
        days = pd.DatetimeIndex(np.arange(first_day, last_day + 1).astype("datetime64[D]"))
        if calendar is not None:
            holidays = holiday_days(calendar)
        else:
            holidays = us_retail_holidays(days[0].year - 1, days[-1].year + 1)
        return cls(first_day, days, frequency, holidays)

    def features(self, names: tuple[str, ...], days: np.ndarray) -> dict[str, np.ndarray]:
        """Each named feature (float32) at each day (days since 1970-01-01)."""
        at = days - self.first_day
        return {name: self._values(name).astype(np.float32)[at] for name in names}

    def _values(self, name: str) -> np.ndarray:
        # Plain datetime64 arithmetic, not DatetimeIndex properties: a served forecast builds
        # one series' calendar per request, where pandas' per-property overhead dominated.
        day = self.days.to_numpy().astype("datetime64[D]")
        months = day.astype("datetime64[M]")
        years = day.astype("datetime64[Y]")
        weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        simple = {
            "dayofweek": lambda: weekday,
            "dayofmonth": lambda: (day - months.astype("datetime64[D]")).astype(np.int64) + 1,
            "dayofyear": lambda: (day - years.astype("datetime64[D]")).astype(np.int64) + 1,
            "month": lambda: months.astype(np.int64) % 12 + 1,
            "quarter": lambda: (months.astype(np.int64) % 12) // 3 + 1,
            "year": lambda: years.astype(np.int64) + 1970,
            "is_weekend": lambda: weekday >= 5,
            "weekofyear": lambda: _iso_week(day, weekday),
        }
        if name in simple:
            return np.asarray(simple[name](), dtype=np.float64)
        return self._holiday_values(name)

    def _holiday_values(self, name: str) -> np.ndarray:
        start = self.days.to_numpy().astype("datetime64[D]")
        h = self.holidays
        if name == "is_holiday":
            # A period is a holiday period when a holiday falls in [its date, the next period).
            if self.frequency is Frequency.MONTHLY:
                end = (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
            else:
                end = start + (1 if self.frequency is Frequency.DAILY else 7)
            inside = np.searchsorted(h, end, "left") - np.searchsorted(h, start, "left")
            return (inside > 0).astype(np.float64)
        if name == "days_to_holiday":
            i = np.searchsorted(h, start, "left")
            found = i < len(h)
            gap = (h[np.minimum(i, len(h) - 1)] - start).astype(np.float64) if len(h) else 0.0
            return np.where(found, gap, np.nan)
        if name == "days_since_holiday":
            j = np.searchsorted(h, start, "right") - 1
            found = j >= 0
            gap = (start - h[np.maximum(j, 0)]).astype(np.float64) if len(h) else 0.0
            return np.where(found, gap, np.nan)
        raise ValueError(f"unknown calendar feature '{name}'")


def _iso_week(day: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """ISO 8601 week number: the week (Monday start) holding the Thursday of `day`'s week,
    counted from the first week holding that year's first Thursday."""
    thursday = day + (3 - weekday).astype("timedelta64[D]")
    year_start = thursday.astype("datetime64[Y]").astype("datetime64[D]")
    return (thursday - year_start).astype(np.int64) // 7 + 1
