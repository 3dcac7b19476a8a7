"""`/health`: is the app up, which model versions it serves, and is any of them stale."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from serving.deps import StateDep

router = APIRouter(tags=["health"])


class ModelHealth(BaseModel):
    name: str
    version: int | None
    loaded_at: dt.datetime | None
    last_check: dt.datetime | None
    stale: bool
    message: str | None


class Health(BaseModel):
    status: str  # ok | degraded (a model is missing or the registry could not be read)
    models: list[ModelHealth]


@router.get("/health", response_model=Health)
def health(state: StateDep) -> Health:
    """Up, with each model's version; `degraded` when serving an old or no model."""
    rows = []
    for name, status in state.models.status().items():
        rows.append(
            ModelHealth(
                name=name,
                version=status.version,
                loaded_at=status.loaded_at,
                last_check=status.last_check,
                stale=status.stale,
                message=status.last_error or status.hint,
            )
        )
    demand_missing = any(r.version is None for r in rows if r.name == "demand-forecaster")
    degraded = any(r.stale for r in rows) or demand_missing
    return Health(status="degraded" if degraded else "ok", models=rows)
