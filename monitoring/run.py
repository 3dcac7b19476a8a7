"""One monitoring run over a home: drift, live accuracy, service level, stockout causes, the
decision, its alerts, and a rollback when decided.

`monitor` is what the `monitor_and_act` flow and `restock monitor` call. It acts on a Rollback
itself (moving `champion` back is one registry call, recorded in the alias history) and leaves a
Retrain to the caller, which runs the training flow (and so the promotion gate). Everything it
found is returned as a `MonitoringRun` and written to
`<home>/reports/monitoring/run_<last data date>.json`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from monitoring.decision import Decision, Rollback
from monitoring.home_inputs import champion_view, load_home_data
from monitoring.live import LivePerformance
from monitoring.notify import Notifier, Published, publish
from monitoring.service import (
    DriftChecks,
    DriftUnavailable,
    ServiceReport,
    StockoutCauses,
    apply_rollback,
    check_drift,
    check_service_levels,
    decide_for_champion,
    explain_stockouts,
    monitoring_reports,
    score_forecasts,
)
from restock.settings import Settings
from training.loading import LoadedModel, load_registered
from training.registry import DEMAND_MODEL

__all__ = ["MonitoringRun", "latest_run_summary", "monitor"]

log = logging.getLogger("restock.monitoring")


@dataclass
class MonitoringRun:
    """Everything one run found and did."""

    model_name: str
    model_version: int | None
    decision: Decision
    drift: DriftChecks | None
    live: LivePerformance
    service: ServiceReport
    causes: StockoutCauses
    published: Published
    rolled_back_to: int | None = None
    notes: list[str] = field(default_factory=list)
    summary_path: Path | None = None

    def lines(self) -> list[str]:
        """A short human summary (what `restock monitor` prints)."""
        version = "none" if self.model_version is None else f"v{self.model_version}"
        out = [f"model {self.model_name} champion {version}"]
        if self.drift is not None:
            out += [f"drift  {r.summary()}" for r in self.drift.results]
        for score in self.live.versions.values():
            out.append(
                f"live   v{score.model_version}: {score.n} forecasts scored, "
                f"MASE {score.MASE:.3f}, WAPE {score.WAPE:.1%}, bias {score.bias:+.1%}, "
                "P10-P90 coverage "
                f"{score.coverage80:.1%}, tracking signal {score.tracking_signal:+.1f}"
            )
        out += [f"service {b.message()}" for b in self.service.breaches]
        totals: dict[str, int] = {
            str(k): int(v) for k, v in self.causes.counts.loc["all"].to_dict().items()
        }
        if totals.get("total"):
            causes = ", ".join(f"{c} {n}" for c, n in totals.items() if c != "total")
            out.append(f"stockouts {totals['total']}: {causes}")
        out += [f"note   {n}" for n in self.notes]
        out.append(f"decision {self.decision.action}: {self.decision.reason}")
        if self.rolled_back_to is not None:
            out.append(f"champion rolled back to v{self.rolled_back_to}")
        new = [a.kind for a in self.published.raised]
        if self.published.decision is not None and self.published.decision.resolved_at is None:
            new.append(self.published.decision.kind)
        out.append(
            f"alerts new: {', '.join(new) or 'none'}; still active: "
            f"{len(self.published.already_active)}; resolved: {len(self.published.resolved)}"
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "model_version": self.model_version,
            "decision": self.decision.to_dict(),
            "rolled_back_to": self.rolled_back_to,
            "drift": None if self.drift is None else [r.to_dict() for r in self.drift.results],
            "drift_reports": [] if self.drift is None else [str(p) for p in self.drift.reports],
            "live": self.live.to_dict(),
            "service_levels": _records(self.service.table),
            "service_breaches": [b.to_dict() for b in self.service.breaches],
            "stockout_causes": _records(self.causes.counts.reset_index()),
            "alerts": {
                "raised": [a.id for a in self.published.raised],
                "still_active": [a.id for a in self.published.already_active],
                "resolved": [a.id for a in self.published.resolved],
                "decision": None if self.published.decision is None else self.published.decision.id,
            },
            "notes": self.notes,
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    table = frame.astype(object)
    return [
        {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
        for row in table.to_dict("records")
    ]


def monitor(
    settings: Settings,
    *,
    model_name: str = DEMAND_MODEL,
    champion: LoadedModel | None = None,
    notifier: Notifier | None = None,
    now: dt.datetime | None = None,
    apply: bool = True,
) -> MonitoringRun:
    """Run every check, decide, raise the alerts, roll back when decided (`apply`), and write
    the run summary. `champion` defaults to the registry's; a Retrain is left to the caller."""
    when = now or dt.datetime.now(dt.UTC)
    data = load_home_data(settings)
    notes: list[str] = []
    loaded = champion or load_registered(settings, name=model_name)
    drift = None
    if loaded is None:
        notes.append(f"no champion {model_name}: drift not checked")
    else:
        try:
            drift = check_drift(
                settings,
                champion=champion_view(loaded.python_model),
                model_name=model_name,
                model_version=loaded.version,
                data=data,
            )
        except DriftUnavailable as e:
            notes.append(f"drift not checked: {e}")
    live = score_forecasts(settings, model_name=model_name, data=data)
    if not live.versions:
        notes.append("no logged forecast has an actual yet: live accuracy not scored")
    service = check_service_levels(settings, data=data)
    causes = explain_stockouts(settings, model_name=model_name, data=data)
    decision = decide_for_champion(
        settings,
        model_name=model_name,
        drift=[] if drift is None else drift.results,
        live=live,
        now=when,
    )
    published = publish(
        notifier or Notifier.from_settings(settings),
        model_name=model_name,
        decision=decision,
        breaches=service.breaches,
        now=when,
    )
    run = MonitoringRun(
        model_name=model_name,
        model_version=None if loaded is None else loaded.version,
        decision=decision,
        drift=drift,
        live=live,
        service=service,
        causes=causes,
        published=published,
        notes=notes,
    )
    if isinstance(decision, Rollback) and apply:
        run.rolled_back_to = apply_rollback(settings, decision)
        log.warning("champion of %s rolled back to v%d", model_name, run.rolled_back_to)
    run.summary_path = _write_summary(settings, run, data.panel)
    return run


def _write_summary(settings: Settings, run: MonitoringRun, panel: pd.DataFrame) -> Path:
    last = pd.Timestamp(panel["date"].max()).date()
    folder = monitoring_reports(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run_{last.isoformat()}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(run.to_dict(), indent=2, default=str))
    tmp.replace(path)
    return path


def latest_run_summary(settings: Settings) -> dict[str, Any] | None:
    """The newest `run_<date>.json` written by `monitor` (what the UI page shows), or None."""
    folder = monitoring_reports(settings)
    runs = sorted(folder.glob("run_*.json")) if folder.is_dir() else []
    if not runs:
        return None
    summary: dict[str, Any] = json.loads(runs[-1].read_text())
    return summary
