"""What the on-call monitoring page shows, behind one port that the monitoring package fills.

The page reads a `MonitoringView`: recent alerts (always, from `monitoring.alerts`), and drift
per model, service level achieved vs target per segment, stockouts by root cause and links to
the Evidently HTML reports, each None until a monitoring run has produced them. A monitoring
service plugs in by implementing `MonitoringSource` and being set as
`app.state.restock_monitoring` (or passed to `monitoring_view`); until then `AlertsOnly` answers
with the alerts and "no monitoring run yet" for the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from monitoring.alerts import Alert, Alerts

__all__ = [
    "AlertsOnly",
    "DriftStatus",
    "MonitoringSource",
    "MonitoringView",
    "ReportLink",
    "ServiceLevelRow",
    "StockoutCauseRow",
    "monitoring_view",
]


@dataclass(frozen=True)
class DriftStatus:
    model_name: str
    checked_at: dt.datetime
    drifted: bool
    drift_share: float  # share of columns whose distribution moved
    drifted_columns: tuple[str, ...]
    report: str | None = None  # name of its HTML report under the home's reports folder


@dataclass(frozen=True)
class ServiceLevelRow:
    segment: str
    target: float
    achieved: float | None  # None: no demand in the window

    @property
    def below_target(self) -> bool:
        return self.achieved is not None and self.achieved < self.target


@dataclass(frozen=True)
class StockoutCauseRow:
    segment: str
    cause: str  # forecast error, supply failure, policy/parameter, data/system failure
    stockouts: int


@dataclass(frozen=True)
class ReportLink:
    title: str
    name: str  # file name under the home's reports folder


class MonitoringSource(Protocol):
    """What a monitoring service provides; None: that check has not run yet."""

    def drift(self) -> list[DriftStatus] | None: ...

    def service_levels(self) -> list[ServiceLevelRow] | None: ...

    def stockout_causes(self) -> list[StockoutCauseRow] | None: ...

    def reports(self) -> list[ReportLink]: ...


@dataclass(frozen=True)
class AlertsOnly:
    """The source before a monitoring run exists: no drift, service level or root cause yet;
    Evidently HTML reports already in the home's reports folder are still linked."""

    reports_dir: Path

    def drift(self) -> list[DriftStatus] | None:
        return None

    def service_levels(self) -> list[ServiceLevelRow] | None:
        return None

    def stockout_causes(self) -> list[StockoutCauseRow] | None:
        return None

    def reports(self) -> list[ReportLink]:
        if not self.reports_dir.is_dir():
            return []
        found = sorted(self.reports_dir.glob("*.html"), key=lambda p: p.stat().st_mtime)
        return [ReportLink(title=p.stem.replace("_", " "), name=p.name) for p in found[::-1]]


T = TypeVar("T")


@dataclass(frozen=True)
class MonitoringView:
    alerts: tuple[Alert, ...]  # active, newest first
    drift: tuple[DriftStatus, ...] | None
    service_levels: tuple[ServiceLevelRow, ...] | None
    stockout_causes: tuple[StockoutCauseRow, ...] | None
    reports: tuple[ReportLink, ...]


def _maybe(rows: list[T] | None) -> tuple[T, ...] | None:
    return None if rows is None else tuple(rows)


def monitoring_view(alerts: Alerts, source: MonitoringSource) -> MonitoringView:
    """Everything the monitoring page shows, read now."""
    active = sorted(alerts.active(), key=lambda a: a.id or 0, reverse=True)
    return MonitoringView(
        alerts=tuple(active),
        drift=_maybe(source.drift()),
        service_levels=_maybe(source.service_levels()),
        stockout_causes=_maybe(source.stockout_causes()),
        reports=tuple(source.reports()),
    )
