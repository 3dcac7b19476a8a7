"""The monitoring page's data from the latest `monitor` run summary (`monitoring.run`).

Each call reads `<home>/reports/monitoring/run_<date>.json` afresh (a small file), so a run made
by the scheduler or `restock monitor` shows without a restart. Before any run, every section
but the alerts says "no monitoring run yet" (None).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.run import latest_run_summary
from monitoring.service import monitoring_reports
from restock.settings import Settings
from serving.monitoring_view import DriftStatus, ReportLink, ServiceLevelRow, StockoutCauseRow

__all__ = ["RunSummarySource"]

_CAUSES = ("forecast_error", "supply_failure", "policy", "data_failure")


@dataclass
class RunSummarySource:
    """`serving.monitoring_view.MonitoringSource` over the newest run summary of a home."""

    settings: Settings
    # The newest run summary parsed, keyed by (file, mtime): one page reads it once.
    _parsed: dict[tuple[Path, int], tuple[dict[str, Any], dt.datetime]] = field(
        default_factory=dict, repr=False
    )

    @property
    def reports_dir(self) -> Path:
        return monitoring_reports(self.settings)

    def _summary(self) -> tuple[dict[str, Any], dt.datetime] | None:
        runs = sorted(self.reports_dir.glob("run_*.json")) if self.reports_dir.is_dir() else []
        if not runs:
            return None
        stamp = (runs[-1], runs[-1].stat().st_mtime_ns)
        cached = self._parsed.get(stamp)
        if cached is None:
            summary = latest_run_summary(self.settings)
            if summary is None:
                return None
            when = dt.datetime.fromtimestamp(stamp[1] / 1e9, tz=dt.UTC)
            self._parsed.clear()
            self._parsed[stamp] = cached = (summary, when)
        return cached

    def drift(self) -> list[DriftStatus] | None:
        found = self._summary()
        if found is None or found[0].get("drift") is None:
            return None
        summary, when = found
        htmls = [Path(p).name for p in summary.get("drift_reports", []) if p.endswith(".html")]
        out = []
        for result in summary["drift"]:
            subject = str(result.get("subject", ""))
            report = next((h for h in htmls if f"drift_{subject}_" in h), None)
            out.append(
                DriftStatus(
                    model_name=f"{summary['model_name']} v{summary['model_version']} ({subject})",
                    checked_at=when,
                    drifted=bool(result.get("dataset_drift")),
                    drift_share=float(result.get("share", 0.0)),
                    drifted_columns=tuple(str(c) for c in result.get("drifted_columns", [])),
                    report=report,
                )
            )
        return out

    def service_levels(self) -> list[ServiceLevelRow] | None:
        found = self._summary()
        if found is None:
            return None
        latest: dict[str, dict[str, Any]] = {}
        for row in found[0].get("service_levels", []):
            segment = str(row["segment"])
            if segment not in latest or str(row["period_end"]) > str(latest[segment]["period_end"]):
                latest[segment] = row
        return [
            ServiceLevelRow(
                segment=segment,
                target=float(row["target"]),
                achieved=None if row.get("achieved") is None else float(row["achieved"]),
            )
            for segment, row in sorted(latest.items())
        ]

    def stockout_causes(self) -> list[StockoutCauseRow] | None:
        found = self._summary()
        if found is None:
            return None
        return [
            StockoutCauseRow(segment=str(row["segment"]), cause=cause, stockouts=int(row[cause]))
            for row in found[0].get("stockout_causes", [])
            for cause in _CAUSES
            if int(row.get(cause) or 0) > 0
        ]

    def reports(self) -> list[ReportLink]:
        folder = self.reports_dir
        if not folder.is_dir():
            return []
        found = sorted(folder.glob("*.html"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [ReportLink(title=p.stem.replace("_", " "), name=p.name) for p in found]
