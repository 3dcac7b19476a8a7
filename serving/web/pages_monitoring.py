"""The on-call pages: the monitoring page (alerts, drift, service level, stockout causes,
Evidently reports) and the KPI panel for planners and the buyers' managers."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from monitoring.service import monitoring_reports
from serving.deps import StateDep
from serving.kpi_panel import DC_ROW, TOTAL_ROW
from serving.monitoring_view import monitoring_view
from serving.web.access import BuyerOrPlanner, Viewer
from serving.web.charts import kpi_trend_chart
from serving.web.errors import PageError
from serving.web.services import AlertsDep, KpiDep, MonitoringDep
from serving.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# A report is a file right in the monitoring reports folder: no folders, dot files, traversal.
_REPORT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.html")


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring_page(
    request: Request, state: StateDep, me: Viewer, alerts: AlertsDep, source: MonitoringDep
) -> HTMLResponse:
    view = monitoring_view(alerts, source)
    return render(request, state, "monitoring.html", principal=me, title="Monitoring", view=view)


@router.get("/monitoring/reports/{name}", response_class=FileResponse)
def monitoring_report(name: str, state: StateDep, me: Viewer) -> FileResponse:
    """An Evidently HTML report from the home's monitoring reports folder."""
    folder = monitoring_reports(state.settings).resolve()
    path = (folder / name).resolve()
    if not _REPORT_NAME.fullmatch(name) or path.parent != folder or not path.is_file():
        raise PageError(404, f"There is no report {name!r}; the monitoring page lists them.")
    # Evidently's reports carry their own scripts: shown as a document, never framed by us.
    return FileResponse(path, media_type="text/html", headers={"Cache-Control": "no-store"})


@router.get("/kpis", response_class=HTMLResponse)
def kpi_page(request: Request, state: StateDep, me: BuyerOrPlanner, kpis: KpiDep) -> HTMLResponse:
    report = kpis.report()
    return render(
        request,
        state,
        "kpis.html",
        principal=me,
        title="KPIs",
        report=report,
        trend_figure=kpi_trend_chart(report.trend) if report.trend else None,
        dc_row=DC_ROW,
        total_row=TOTAL_ROW,
    )
