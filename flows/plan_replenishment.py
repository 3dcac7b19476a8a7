"""Prefect flow `plan_replenishment`: champion forecasts and lead times, stock and service
targets -> suggested POs in the queue. One task wraps `planning.plan.plan_replenishment`; the
flow runs one plan at a time (two plans for one review date saved at the same instant could
both stay live, see `orders.repository`)."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from planning.plan import PlanResult
from planning.plan import plan_replenishment as make_plan
from restock.settings import Settings

__all__ = ["plan_replenishment"]

_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="plan", **_TASK)  # type: ignore[call-overload]
def plan_task(settings: Settings, actor: str) -> PlanResult:
    return make_plan(settings, actor=actor)


@flow(name="plan_replenishment", persist_result=False)
def plan_replenishment(settings: Settings, *, actor: str = "restock plan") -> PlanResult:
    """Plan at the data's review date and write the POs to the queue."""
    return plan_task(settings, actor)
