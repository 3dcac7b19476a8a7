"""Validate every table of a source, fill documented defaults, and account for every row.

Items and locations are validated first so that sales and inventory rows can be checked against
their keys (`unknown_sku`, `unknown_location`); tables a source does not have are derived from
sales (`features.defaults`) and marked as defaulted in the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import pandas as pd

from features.contracts import CONTRACTS
from features.dataset import Dataset, Frequency, RawTables, infer_frequency, period_start
from features.defaults import default_table
from features.validate import ContractError, ValidationResult, validate_table

__all__ = ["IngestReport", "TableReport", "validate_dataset"]

_ORDER = ("items", "locations", "sales", "inventory", "receipts", "service_policy")


@dataclass
class TableReport:
    table: str
    source: str
    rows_in: int
    valid: int
    quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    defaulted: bool = False
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    name: str
    frequency: str
    tables: list[TableReport]
    first_date: str | None = None
    last_date: str | None = None
    series: int = 0

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables)

    def table(self, name: str) -> TableReport:
        return next(t for t in self.tables if t.table == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestReport:
        tables = [TableReport(**t) for t in data.get("tables", [])]
        return cls(**{**data, "tables": tables})


def _report(result: ValidationResult) -> TableReport:
    return TableReport(
        table=result.contract,
        source=result.source,
        rows_in=result.rows_in,
        valid=len(result.valid),
        quarantined=len(result.quarantine),
        reasons=result.counts,
        ignored_columns=list(result.ignored_columns),
    )


def _validate_calendar(raw: pd.DataFrame | None) -> pd.DataFrame | None:
    if raw is None or raw.empty:
        return None
    calendar = raw.rename(columns={c: str(c).strip().lower() for c in raw.columns}).copy()
    if "date" not in calendar.columns:
        return None
    calendar["date"] = pd.to_datetime(calendar["date"], errors="coerce").dt.normalize()
    calendar = calendar.dropna(subset=["date"]).drop_duplicates("date")
    if "is_holiday" in calendar.columns:
        calendar["is_holiday"] = (
            calendar["is_holiday"].astype("str").str.lower().isin(["true", "1", "yes", "1.0"])
        )
    return calendar.sort_values("date").reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column by its contract name, matching headers loosely as validation does."""
    lookup = {str(c).strip().lower(): c for c in frame.columns}
    return frame[lookup[name]] if name in lookup else pd.Series([], dtype="str")


def _series_labels(frame: pd.DataFrame) -> pd.Series | None:
    """One integer per (sku, location): codes, not joined strings, so 50M rows cost little."""
    sku, location = _column(frame, "sku"), _column(frame, "location")
    if len(sku) != len(frame) or len(location) != len(frame):
        return None
    sku_codes = pd.factorize(sku)[0].astype("int64")
    location_codes = pd.factorize(location)[0].astype("int64")
    return pd.Series(sku_codes * (int(location_codes.max(initial=0)) + 2) + location_codes)


def validate_dataset(
    raw: RawTables, *, today: dt.date
) -> tuple[Dataset, IngestReport, dict[str, pd.DataFrame]]:
    """Validate all tables of `raw`; return the dataset, the report and quarantine by table."""
    valid: dict[str, pd.DataFrame] = {}
    quarantine: dict[str, pd.DataFrame] = {}
    reports: list[TableReport] = []
    known: dict[str, pd.Index] = {}
    has_receipts = "receipts" in raw.tables and len(raw.tables["receipts"]) > 0
    frequency = raw.frequency or Frequency.DAILY
    for name in _ORDER:
        frame = raw.tables.get(name)
        if frame is None:
            continue
        if name == "sales" and len(frame) == 0 and not has_receipts:
            raise ContractError(
                f"{raw.source(name)}: the sales table has no rows; it needs a header row and at "
                "least one row of sku, location, date, units"
            )
        snap = None
        if name == "sales":
            frequency = raw.frequency or infer_frequency(
                _column(frame, "date"), _series_labels(frame)
            )
            snap = partial(period_start, frequency=frequency)
        result = validate_table(
            frame,
            CONTRACTS[name],
            source=raw.source(name),
            today=today,
            known=known,
            snap_dates=snap,
        )
        valid[name], quarantine[name] = result.valid, result.quarantine
        reports.append(_report(result))
        if name in ("items", "locations"):
            key = CONTRACTS[name].key[0]
            known[name] = pd.Index(result.valid[key].astype("str").unique())
    sales = valid["sales"]
    for name in _ORDER:
        if name not in valid:
            valid[name] = default_table(name, sales)
            reports.append(TableReport(name, "<default>", 0, len(valid[name]), 0, defaulted=True))
    dataset = Dataset(
        sales=sales,
        items=valid["items"],
        locations=valid["locations"],
        inventory=valid["inventory"],
        receipts=valid["receipts"],
        service_policy=valid["service_policy"],
        frequency=frequency,
        name=raw.name,
        calendar=_validate_calendar(raw.tables.get("calendar")),
    )
    report = IngestReport(
        name=raw.name,
        frequency=frequency.value,
        tables=sorted(reports, key=lambda t: _ORDER.index(t.table)),
        first_date=str(sales["date"].min().date()) if len(sales) else None,
        last_date=str(sales["date"].max().date()) if len(sales) else None,
        series=int(sales.groupby(["sku", "location"], observed=True).ngroups) if len(sales) else 0,
    )
    return dataset, report, quarantine
