"""Scheduled deployments of the flows for one home, served by `restock schedule`.

Deployment parameters must be JSON, so each scheduled flow takes the home's path and reads the
settings (environment included) when it runs, then calls the real flow as a subflow. `serve`
runs them from this process with their cron schedules against the Prefect API in use: the
temporary local server by default, or a `prefect server start` elsewhere when `PREFECT_API_URL`
is set (README, Scheduling). With a server, `prefect worker start` and work pools run them on
other machines instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow

from flows.daily_cycle import daily_cycle
from flows.monitor_and_act import monitor_and_act
from flows.train_models import train_models
from restock.settings import Settings, load_settings

__all__ = ["Scheduled", "deployments", "scheduled"]


def _settings(home: str) -> Settings:
    return load_settings(home=Path(home), show_progress=False)


@flow(name="scheduled_daily_cycle", persist_result=False)
def run_daily_cycle(home: str) -> None:
    """`daily_cycle` on the data already in the home (a loader drops new files there)."""
    daily_cycle(_settings(home))


@flow(name="scheduled_monitor_and_act", persist_result=False)
def run_monitor_and_act(home: str) -> None:
    monitor_and_act(_settings(home))


@flow(name="scheduled_train_models", persist_result=False)
def run_train_models(home: str) -> None:
    train_models(_settings(home))


@dataclass(frozen=True)
class Scheduled:
    name: str
    cron: str
    what: str


def scheduled(settings: Settings) -> list[Scheduled]:
    """What `restock schedule` serves, from `settings.schedules`."""
    crons = settings.schedules
    return [
        Scheduled("daily_cycle", crons.daily_cycle, "ingest -> features -> plan -> monitor"),
        Scheduled("monitor_and_act", crons.monitor_and_act, "drift, live accuracy, alerts"),
        Scheduled("train_models", crons.train_models, "retrain both models through the gate"),
    ]


_FLOWS: dict[str, Any] = {
    "daily_cycle": run_daily_cycle,
    "monitor_and_act": run_monitor_and_act,
    "train_models": run_train_models,
}


def deployments(settings: Settings) -> list[Any]:
    """One Prefect `RunnerDeployment` per schedule, parameterised with the home."""
    home = str(settings.paths.root)
    return [
        _FLOWS[s.name].to_deployment(
            name=f"restock-{s.name}",
            cron=s.cron,
            parameters={"home": home},
            description=s.what,
            tags=["restock"],
        )
        for s in scheduled(settings)
    ]
