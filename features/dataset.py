"""The in-memory bundle of canonical tables and the frequency they are observed at."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

__all__ = ["Dataset", "Frequency", "RawTables", "infer_frequency", "period_start"]


class Frequency(StrEnum):
    """Observation frequency. One code path serves all three; only these numbers differ."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def season_length(self) -> int:
        """Periods in the shortest regular cycle (a week of days, a year of weeks or months)."""
        return {"daily": 7, "weekly": 52, "monthly": 12}[self.value]

    @property
    def periods_per_year(self) -> int:
        return {"daily": 365, "weekly": 52, "monthly": 12}[self.value]

    @property
    def days(self) -> int:
        """Approximate length of one period in days."""
        return {"daily": 1, "weekly": 7, "monthly": 30}[self.value]

    def offset(self, dates: pd.Series | None = None) -> BaseOffset:
        """The pandas offset stepping one period; weekly keeps the data's own weekday anchor."""
        if self is Frequency.DAILY:
            return pd.offsets.Day(1)
        if self is Frequency.MONTHLY:
            return pd.offsets.MonthBegin(1)
        if dates is not None and len(dates):
            return pd.offsets.Week(1, weekday=int(pd.Timestamp(dates.iloc[0]).dayofweek))
        return pd.offsets.Week(1)


def infer_frequency(dates: pd.Series, series: pd.Series | None = None) -> Frequency:
    """Guess the frequency from the most common gap between consecutive dates of a series.

    Gaps are measured within series (`series` labels each row) because two stores reporting
    weekly on different weekdays are one day apart from each other, not from themselves. A
    sample of 200 series is plenty and keeps this cheap on 50M rows. Unreadable dates are
    ignored here; validation quarantines them.
    """
    parsed = dates
    if not pd.api.types.is_datetime64_any_dtype(dates):
        parsed = pd.to_datetime(dates.astype("str"), errors="coerce", format="ISO8601")
    days = parsed.to_numpy().astype("datetime64[D]").astype("float64")
    days[np.isnat(parsed.to_numpy())] = np.nan
    if series is not None:
        codes = pd.factorize(series)[0]
        keep = (codes < 200) & ~np.isnan(days)
        frame = pd.DataFrame({"s": codes[keep], "d": days[keep]}).drop_duplicates()
        frame = frame.sort_values(["s", "d"])
        same = frame["s"].diff().eq(0).to_numpy()
        gaps = frame["d"].diff().to_numpy()[same]
    else:
        distinct = np.unique(days[~np.isnan(days)])
        gaps = np.diff(distinct)
    if len(gaps) == 0:
        return Frequency.DAILY
    values, counts = np.unique(gaps, return_counts=True)
    gap = values[np.argmax(counts)]
    if gap <= 1:
        return Frequency.DAILY
    if gap <= 8:
        return Frequency.WEEKLY
    return Frequency.MONTHLY


def period_start(dates: pd.Series, frequency: Frequency) -> pd.Series:
    """Monthly dates moved to the first of their month (the contract's convention); others as
    they are, because a week's date keeps its source's own weekday."""
    if frequency is not Frequency.MONTHLY or not pd.api.types.is_datetime64_any_dtype(dates):
        return dates
    return dates.dt.to_period("M").dt.start_time.astype(dates.dtype)


@dataclass
class RawTables:
    """What a loader hands to validation: tables by contract name, before any rule is applied.

    Values may still be text; `sources` names the file each table came from so that errors and
    quarantine rows can point at it.
    """

    tables: dict[str, pd.DataFrame]
    sources: dict[str, str] = field(default_factory=dict)
    frequency: Frequency | None = None
    name: str = "dataset"

    def source(self, contract: str) -> str:
        return self.sources.get(contract, f"<{self.name}:{contract}>")


@dataclass
class Dataset:
    """Validated canonical tables. Only `sales` comes from the user necessarily; the others are
    either given or filled with documented defaults (`features.defaults`)."""

    sales: pd.DataFrame
    items: pd.DataFrame
    locations: pd.DataFrame
    inventory: pd.DataFrame
    receipts: pd.DataFrame
    service_policy: pd.DataFrame
    frequency: Frequency
    name: str = "dataset"
    # Optional per-period events (date, is_holiday, ...) from sources that have them.
    calendar: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "sales": self.sales,
            "items": self.items,
            "locations": self.locations,
            "inventory": self.inventory,
            "receipts": self.receipts,
            "service_policy": self.service_policy,
        }

    def with_sales(self, sales: pd.DataFrame) -> Dataset:
        return replace(self, sales=sales)
