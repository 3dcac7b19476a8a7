"""Services the pages hold for the app's lifetime beside `AppState`, made on first use and kept
on `app.state` (like the API's override repository): the alerts table, the KPI panel's cache,
and the monitoring source (`serving.monitoring_view`), which a monitoring service may replace
by setting `app.state.restock_monitoring`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from monitoring.alerts import Alerts
from serving.deps import StateDep
from serving.kpi_panel import KpiPanel
from serving.monitoring_source import RunSummarySource
from serving.monitoring_view import MonitoringSource

__all__ = ["AlertsDep", "KpiDep", "MonitoringDep"]


def get_alerts(request: Request, state: StateDep) -> Alerts:
    found = getattr(request.app.state, "restock_alerts", None)
    if not isinstance(found, Alerts):
        found = Alerts(state.audit.engine)
        request.app.state.restock_alerts = found
    return found


def get_kpis(request: Request, state: StateDep) -> KpiPanel:
    found = getattr(request.app.state, "restock_kpis", None)
    if not isinstance(found, KpiPanel):
        found = KpiPanel(state.settings.paths)
        request.app.state.restock_kpis = found
    return found


def get_monitoring(request: Request, state: StateDep) -> MonitoringSource:
    found: MonitoringSource | None = getattr(request.app.state, "restock_monitoring", None)
    if found is None:
        found = RunSummarySource(state.settings)
        request.app.state.restock_monitoring = found
    return found


AlertsDep = Annotated[Alerts, Depends(get_alerts)]
KpiDep = Annotated[KpiPanel, Depends(get_kpis)]
MonitoringDep = Annotated[MonitoringSource, Depends(get_monitoring)]
