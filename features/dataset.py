"""The in-memory bundle of canonical tables and the frequency they are observed at."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

import pandas as pd
from pandas.tseries.offsets import BaseOffset

__all__ = ["Dataset", "Frequency", "RawTables", "infer_frequency"]


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


def infer_frequency(dates: pd.Series) -> Frequency:
    """Guess the frequency from the most common gap between distinct dates."""
    distinct = pd.Series(pd.to_datetime(dates.dropna().unique())).sort_values()
    if len(distinct) < 2:
        return Frequency.DAILY
    gap = distinct.diff().dropna().dt.days.mode().iloc[0]
    if gap <= 1:
        return Frequency.DAILY
    if gap <= 8:
        return Frequency.WEEKLY
    return Frequency.MONTHLY


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
