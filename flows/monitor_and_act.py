"""Prefect flow `monitor_and_act`: monitor the champion, then act on the decision.

`monitoring.run.monitor` checks drift, live accuracy, service levels and stockout causes,
decides, raises the alerts, and applies a Rollback itself (one recorded alias move). A Retrain
runs the `train_models` flow here, so the new version meets the same promotion gate as any
other: retraining never promotes by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.train_models import train_models
from monitoring.decision import Retrain
from monitoring.run import MonitoringRun, monitor
from restock.settings import Settings
from training.outcome import ModelOutcome

__all__ = ["MonitorOutcome", "monitor_and_act"]

_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@dataclass
class MonitorOutcome:
    """The monitoring run and, when it decided to retrain, what training and the gate did."""

    run: MonitoringRun
    retrained: tuple[ModelOutcome | None, ModelOutcome | None] | None = None


@task(name="monitor", **_TASK)  # type: ignore[call-overload]
def monitor_task(settings: Settings) -> MonitoringRun:
    return monitor(settings)


@flow(name="monitor_and_act", persist_result=False)
def monitor_and_act(settings: Settings, *, retrain: bool = True) -> MonitorOutcome:
    """Monitor once; retrain through the gate when the decision says so (and `retrain`)."""
    run: MonitoringRun = monitor_task(settings)
    outcome = MonitorOutcome(run=run)
    if retrain and isinstance(run.decision, Retrain):
        outcome.retrained = train_models(settings, leadtime=False)
    return outcome
