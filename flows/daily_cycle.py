"""Prefect flow `daily_cycle`: the day's work in order, each step a flow of its own.

ingest new data -> validate -> features -> forecast and plan POs (the plan logs the forecasts
it used) -> monitor and act (drift, live accuracy, alerts, retrain or rollback). A plan needs a
champion; without one the cycle stops after the features and says what to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow

from features.ingest import IngestReport
from features.pipeline import FeaturesReport
from features.sources import Source
from flows.build_features import build_features
from flows.monitor_and_act import MonitorOutcome, monitor_and_act
from flows.plan_replenishment import plan_replenishment
from planning.plan import PlanResult
from restock.settings import Settings

__all__ = ["CycleOutcome", "daily_cycle"]


@dataclass
class CycleOutcome:
    ingest: IngestReport | None
    features: FeaturesReport
    plan: PlanResult
    monitoring: MonitorOutcome


@flow(name="daily_cycle", persist_result=False)
def daily_cycle(
    settings: Settings,
    source: Source | None = None,
    path: Path | None = None,
    *,
    demo_size: str = "small",
    retrain: bool = True,
) -> CycleOutcome:
    """Run one cycle; `source` None reuses the data already ingested in the home."""
    ingest, features = build_features(settings, source, path, demo_size)
    plan = plan_replenishment(settings, actor="restock daily_cycle")
    watched = monitor_and_act(settings, retrain=retrain)
    return CycleOutcome(ingest=ingest, features=features, plan=plan, monitoring=watched)
