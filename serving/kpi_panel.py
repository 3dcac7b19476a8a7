"""The KPI panel: inventory value, turns, weeks of supply, fill rate and GMROI per segment, with
a monthly trend, from the home's tables and the pure formulas of `inventory.kpis`.

Inputs: the ingested items (unit cost) and inventory snapshots, the cleaned panel (units sold,
estimated demand, price) and the ABC-XYZ segments of each store series. Over the last year of
the panel (`WINDOW_DAYS`):

- inventory value: on hand at the latest snapshot x unit cost;
- turns: cost of goods sold over the year / average inventory value over the snapshots in the
  year (the latest one when there is only one);
- weeks of supply: units on hand / average weekly demand of the last 13 weeks;
- fill rate: units sold (capped at demand) / estimated demand, stockout days included;
- GMROI: gross margin over the year (units x (price - unit cost)) / average inventory value.

Distribution centres hold stock but sell nothing themselves: their row shows value and weeks of
supply against the demand of the stores they serve; the total row counts their stock too.
Results are cached until one of the input files changes.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from inventory.kpis import fill_rate, gmroi, inventory_turns, weeks_of_supply
from restock.home import HomePaths

__all__ = ["DC_ROW", "TOTAL_ROW", "KpiPanel", "KpiReport", "SegmentKpis", "TrendPoint"]

WINDOW_DAYS = 364
RECENT_DAYS = 91
DC_ROW = "distribution centres"
TOTAL_ROW = "all"


@dataclass(frozen=True)
class SegmentKpis:
    segment: str
    series: int
    inventory_value: float
    turns: float | None
    weeks_of_supply: float | None
    fill_rate: float | None
    gmroi: float | None


@dataclass(frozen=True)
class TrendPoint:
    segment: str
    month: dt.date
    fill_rate: float | None
    cost_of_goods_sold: float


@dataclass(frozen=True)
class KpiReport:
    as_of: dt.date | None  # the latest inventory snapshot
    window_start: dt.date | None
    window_end: dt.date | None
    rows: tuple[SegmentKpis, ...]
    trend: tuple[TrendPoint, ...]
    missing: tuple[str, ...] = ()  # input files not there yet (nothing computed)


def _finite(value: float | np.ndarray) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None


def _inputs(paths: HomePaths) -> dict[str, Path]:
    return {
        "items": paths.ingested / "items.parquet",
        "inventory": paths.ingested / "inventory.parquet",
        "panel": paths.cleaned / "panel.parquet",
        "segments": paths.cleaned / "segments.parquet",
    }


def _strings(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.astype(dict.fromkeys(columns, "str"))


def _kpis(
    segment: str,
    series: int,
    *,
    value: float,
    average_value: float,
    stock: float,
    sales: pd.DataFrame,
    recent: pd.DataFrame,
    years: float,
) -> SegmentKpis:
    cogs = float((sales["units"] * sales["unit_cost"]).sum()) / years
    margin = float((sales["units"] * (sales["price"] - sales["unit_cost"])).sum()) / years
    weeks = max(RECENT_DAYS / 7.0, 1e-9)
    weekly = float(recent["demand"].sum()) / weeks
    demand = float(sales["demand"].sum())
    served = float(np.minimum(sales["units"], sales["demand"]).sum())
    sold = not sales.empty
    return SegmentKpis(
        segment=segment,
        series=series,
        inventory_value=value,
        turns=_finite(inventory_turns(cogs, average_value)) if sold else None,
        weeks_of_supply=_finite(weeks_of_supply(stock, weekly)) if weekly or stock else None,
        fill_rate=_finite(fill_rate([demand], [served])) if sold else None,
        gmroi=_finite(gmroi(margin, average_value)) if sold else None,
    )


def compute(paths: HomePaths) -> KpiReport:
    """The KPI report of a home (uncached; `KpiPanel.report` caches it)."""
    files = _inputs(paths)
    missing = tuple(sorted(name for name, path in files.items() if not path.is_file()))
    if missing:
        return KpiReport(None, None, None, (), (), missing=missing)
    items = _strings(pd.read_parquet(files["items"], columns=["sku", "unit_cost"]), "sku")
    stock = _strings(pd.read_parquet(files["inventory"]), "sku", "location")
    segments = _strings(
        pd.read_parquet(files["segments"], columns=["sku", "location", "segment"]),
        "sku",
        "location",
    )
    columns = ["sku", "location", "date", "units", "demand", "price"]
    panel = _strings(pd.read_parquet(files["panel"], columns=columns), "sku", "location")
    # Gaps and cleaned-away rows carry no sale: they count as nothing sold, nothing asked.
    panel = panel.fillna({"units": 0.0, "demand": 0.0, "price": 0.0})
    end = panel["date"].max()
    start = end - pd.Timedelta(days=WINDOW_DAYS - 1)
    sales = panel[panel["date"] >= start].merge(items, on="sku", how="left")
    sales = sales.merge(segments, on=["sku", "location"], how="left")
    sales["unit_cost"] = sales["unit_cost"].fillna(0.0)
    sales["segment"] = sales["segment"].fillna("unsegmented")
    years = min(1.0, ((end - start).days + 1) / WINDOW_DAYS)
    recent = sales[sales["date"] > end - pd.Timedelta(days=RECENT_DAYS)]

    stock = stock.merge(items, on="sku", how="left").merge(
        segments, on=["sku", "location"], how="left"
    )
    stock["unit_cost"] = stock["unit_cost"].fillna(0.0)
    stock["segment"] = stock["segment"].fillna(DC_ROW)
    stock["value"] = stock["on_hand"] * stock["unit_cost"]
    latest_date = stock["as_of"].max()
    latest = stock[stock["as_of"] == latest_date]
    in_window = stock[stock["as_of"] >= start]
    in_window = in_window if not in_window.empty else latest

    def average_value(rows: pd.DataFrame) -> float:
        return float(rows.groupby("as_of")["value"].sum().mean()) if not rows.empty else 0.0

    rows = []
    names = sorted(set(sales["segment"]) | set(latest["segment"]) - {DC_ROW})
    for name in [*names, DC_ROW]:
        held = latest[latest["segment"] == name]
        if name == DC_ROW:
            if held.empty:
                continue
            # The stores a DC serves: its skus' demand everywhere.
            serves = sales[sales["sku"].isin(held["sku"])]
            sold = sales.iloc[0:0]
            recent_of = recent[recent["sku"].isin(serves["sku"])]
        else:
            sold = sales[sales["segment"] == name]
            recent_of = recent[recent["segment"] == name]
        rows.append(
            _kpis(
                name,
                int(len(held[["sku", "location"]].drop_duplicates()))
                if name == DC_ROW
                else int(sold[["sku", "location"]].drop_duplicates().shape[0]),
                value=float(held["value"].sum()),
                average_value=average_value(in_window[in_window["segment"] == name]),
                stock=float(held["on_hand"].sum()),
                sales=sold,
                recent=recent_of,
                years=years,
            )
        )
    rows.append(
        _kpis(
            TOTAL_ROW,
            int(sales[["sku", "location"]].drop_duplicates().shape[0]),
            value=float(latest["value"].sum()),
            average_value=average_value(in_window),
            stock=float(latest["on_hand"].sum()),
            sales=sales,
            recent=recent,
            years=years,
        )
    )
    return KpiReport(
        as_of=pd.Timestamp(latest_date).date(),
        window_start=pd.Timestamp(start).date(),
        window_end=pd.Timestamp(end).date(),
        rows=tuple(rows),
        trend=_trend(sales),
    )


def _trend(sales: pd.DataFrame) -> tuple[TrendPoint, ...]:
    """Fill rate and cost of goods sold per segment and calendar month of the window."""
    month = sales["date"].dt.to_period("M").dt.to_timestamp()
    frame = sales.assign(
        month=month,
        served=np.minimum(sales["units"], sales["demand"]),
        cogs=sales["units"] * sales["unit_cost"],
    )
    sums = frame.groupby(["segment", "month"], observed=True)[["demand", "served", "cogs"]].sum()
    points = []
    for key, row in sums.iterrows():
        segment, when = cast(tuple[str, pd.Timestamp], key)  # a two-level index
        rate = fill_rate([row["demand"]], [row["served"]])
        points.append(
            TrendPoint(
                segment=str(segment),
                month=pd.Timestamp(when).date(),
                fill_rate=_finite(rate),
                cost_of_goods_sold=float(row["cogs"]),
            )
        )
    return tuple(points)


class KpiPanel:
    """The KPI report of a home, recomputed only when an input file changes."""

    def __init__(self, paths: HomePaths) -> None:
        self._paths = paths
        self._lock = threading.Lock()
        self._cached: tuple[tuple[tuple[str, int, int], ...], KpiReport] | None = None

    def _stamp(self) -> tuple[tuple[str, int, int], ...]:
        stamps = []
        for name, path in sorted(_inputs(self._paths).items()):
            try:
                stat = path.stat()
            except FileNotFoundError:
                stamps.append((name, -1, -1))
            else:
                stamps.append((name, stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def report(self) -> KpiReport:
        with self._lock:
            stamp = self._stamp()
            if self._cached is None or self._cached[0] != stamp:
                self._cached = (stamp, compute(self._paths))
            return self._cached[1]
