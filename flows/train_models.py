"""Prefect flow `train_models`: features -> demand and lead-time models -> backtest -> register
-> gate -> promote. Each task wraps one training service; the gate, not the flow, decides."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from features.pipeline import FeaturesReport, run_features
from features.storage import ingested_rows
from restock.settings import Settings
from training.outcome import ModelOutcome
from training.train_demand import train_demand
from training.train_leadtime import train_leadtime

__all__ = ["train_models"]

_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="features", **_TASK)  # type: ignore[call-overload]
def features_task(settings: Settings) -> FeaturesReport:
    return run_features(settings)


@task(name="train-demand", **_TASK)  # type: ignore[call-overload]
def demand_task(settings: Settings) -> ModelOutcome:
    return train_demand(settings, progress=settings.show_progress)


@task(name="train-lead-time", **_TASK)  # type: ignore[call-overload]
def leadtime_task(settings: Settings) -> ModelOutcome | None:
    return train_leadtime(settings)


@flow(name="train_models", persist_result=False)
def train_models(
    settings: Settings, *, demand: bool = True, leadtime: bool = True
) -> tuple[ModelOutcome | None, ModelOutcome | None]:
    """Refresh features (reused when unchanged), then train, log, register and gate both models.

    A model is skipped (None) when the home holds no data for it: no sales (a receipts-only
    source such as SCMS) or no receipts (Walmart, car parts).
    """
    rows = ingested_rows(settings.paths)
    demand_outcome = leadtime_outcome = None
    if demand and rows.get("sales", 0) > 0:
        features_task(settings)
        demand_outcome = demand_task(settings)
    if leadtime and rows.get("receipts", 0) > 0:
        leadtime_outcome = leadtime_task(settings)
    return demand_outcome, leadtime_outcome
