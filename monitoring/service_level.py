"""Service level achieved against target, per segment and period, and sustained breaches.

Achieved, from the cleaned panel (selling locations): **fill rate** = sum(units sold) / sum(demand)
(demand on a stockout period is cleaning's censored estimate, so lost sales count against it);
**cycle service level** = share of observed series-periods without a stockout (one period is
one replenishment cycle when reviewing every period, as the demo does; an approximation
otherwise). Gap periods (no data) are left out of both.

Periods are blocks of `period_days` (7 by default) counted back from the newest date, so the
latest block is always complete; weekly or monthly data use whole data periods per block
(at least one). The oldest block is dropped when it is partial.

A segment is judged on its primary measure: fill rate when its target sets one (what planning
optimises), else the cycle service level. A **breach** is the last `consecutive` blocks all
below target: one bad week is noise, three in a row is a pattern someone must look at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from features.dataset import Frequency
from inventory.service_targets import ServiceTargets

__all__ = ["ServiceBreach", "service_breaches", "service_levels"]

Measure = Literal["fill_rate", "cycle_service_level"]
TABLE_COLUMNS = (
    "segment",
    "period_start",
    "period_end",
    "series",
    "demand",
    "fill_rate",
    "cycle_service_level",
    "target_fill_rate",
    "target_cycle_service_level",
    "measure",
    "achieved",
    "target",
    "below",
)


@dataclass(frozen=True)
class ServiceBreach:
    """A segment below its target for the last `len(achieved)` periods in a row."""

    segment: str
    measure: Measure
    target: float
    achieved: tuple[float, ...]  # oldest first
    period_starts: tuple[dt.date, ...]
    period_end: dt.date

    def message(self) -> str:
        values = ", ".join(f"{v:.1%}" for v in self.achieved)
        name = self.measure.replace("_", " ")
        return (
            f"segment {self.segment}: {name} below its {self.target:.1%} target for "
            f"{len(self.achieved)} periods in a row ({values}, up to {self.period_end}); "
            "check the stockout causes for this segment"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment,
            "measure": self.measure,
            "target": self.target,
            "achieved": list(self.achieved),
            "period_starts": [d.isoformat() for d in self.period_starts],
            "period_end": self.period_end.isoformat(),
        }


def _periods_back(dates: pd.Series, last: pd.Timestamp, frequency: Frequency) -> np.ndarray:
    if frequency is Frequency.MONTHLY:
        months = (last.year - dates.dt.year) * 12 + (last.month - dates.dt.month)
        return months.to_numpy(dtype=np.int64)
    days = (last - dates).dt.days.to_numpy(dtype=np.int64)
    return days // frequency.days


def service_levels(
    panel: pd.DataFrame,
    segments: pd.DataFrame,
    targets: ServiceTargets,
    *,
    frequency: Frequency | str,
    period_days: int = 7,
    last_periods: int | None = 13,
) -> pd.DataFrame:
    """Achieved vs target per segment and period block, oldest block first per segment; only
    the newest `last_periods` blocks (None: all)."""
    freq = Frequency(frequency)
    if period_days < 1:
        raise ValueError(f"period_days must be >= 1; got {period_days}")
    if last_periods is not None and last_periods < 1:
        raise ValueError(f"last_periods must be >= 1 or None; got {last_periods}")
    missing = sorted({"sku", "location", "date", "units", "demand", "stockout"} - set(panel))
    if missing:
        raise ValueError(f"panel lacks column(s) {missing}; pass the cleaned panel")
    if panel.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    freq_length = max(1, round(period_days / freq.days))
    if last_periods is not None:  # cut first: the rest converts keys to text, costly on M5
        newest = pd.Timestamp(panel["date"].max())
        back = _periods_back(pd.to_datetime(panel["date"]), newest, freq) // freq_length
        panel = panel[back < last_periods]
    observed = panel[~panel["gap"].to_numpy(dtype=bool)] if "gap" in panel else panel
    keys = ["sku", "location"]
    observed = observed.astype({"sku": "str", "location": "str"}).merge(
        segments[[*keys, "segment"]].astype("str").drop_duplicates(keys), on=keys, how="left"
    )
    observed["segment"] = observed["segment"].fillna("unknown")
    dates = pd.to_datetime(observed["date"])
    last = dates.max()
    length = freq_length
    block = _periods_back(dates, last, freq) // length
    observed = observed.assign(block=block, date=dates)
    grid = pd.DataFrame({"date": pd.to_datetime(panel["date"]).drop_duplicates()})
    grid["block"] = _periods_back(grid["date"], last, freq) // length
    dates_per_block = grid.groupby("block")["date"].nunique()
    complete = set(dates_per_block[dates_per_block >= length].index)
    rows = []
    for (segment, b), part in observed.groupby(["segment", "block"], sort=True):
        if b not in complete:
            continue
        target = targets.lookup(str(segment))
        units = part["units"].to_numpy(dtype=np.float64)
        demand = part["demand"].to_numpy(dtype=np.float64)
        total = float(demand.sum())
        fill = float(np.minimum(units, demand).sum() / total) if total > 0 else float("nan")
        csl = 1.0 - float(part["stockout"].to_numpy(dtype=bool).mean())
        measure: Measure = "fill_rate" if target.fill_rate is not None else "cycle_service_level"
        goal = target.fill_rate if target.fill_rate is not None else target.cycle_service_level
        achieved = fill if measure == "fill_rate" else csl
        rows.append(
            {
                "segment": str(segment),
                "period_start": part["date"].min().date(),
                "period_end": part["date"].max().date(),
                "series": int(part[keys].drop_duplicates().shape[0]),
                "demand": total,
                "fill_rate": fill,
                "cycle_service_level": csl,
                "target_fill_rate": target.fill_rate,
                "target_cycle_service_level": target.cycle_service_level,
                "measure": measure,
                "achieved": achieved,
                "target": goal,
                # No demand in a period: nothing was missed.
                "below": bool(np.isfinite(achieved) and goal is not None and achieved < goal),
            }
        )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    return table.sort_values(["segment", "period_start"], ignore_index=True)


def service_breaches(table: pd.DataFrame, *, consecutive: int = 3) -> list[ServiceBreach]:
    """Segments whose last `consecutive` periods (of `service_levels`) are all below target."""
    if consecutive < 1:
        raise ValueError(f"consecutive must be >= 1; got {consecutive}")
    breaches = []
    for segment, part in table.groupby("segment", sort=True):
        last = part.sort_values("period_start").tail(consecutive)
        if len(last) < consecutive or not last["below"].all():
            continue
        breaches.append(
            ServiceBreach(
                segment=str(segment),
                measure=last["measure"].iloc[-1],
                target=float(last["target"].iloc[-1]),
                achieved=tuple(float(v) for v in last["achieved"]),
                period_starts=tuple(last["period_start"]),
                period_end=last["period_end"].iloc[-1],
            )
        )
    return breaches
