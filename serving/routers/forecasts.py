"""Forecasts with quantiles per horizon step and the business drivers behind them.

Planners, buyers and ML engineers read forecasts; every answer names the model version that
made it. Explanations default to the next 7 periods: what a buyer acts on, and within the 50 ms
budget (SHAP on all 28 daily steps takes ~60-80 ms).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from serving.deps import StateDep, require
from serving.forecasting import (
    BadRequest,
    NoModel,
    NoPanel,
    SeriesForecast,
    UnknownSeries,
)
from serving.roles import Principal, Role
from serving.routers.overrides import OverridesDep, OverrideView, override_beside

router = APIRouter(prefix="/api/forecasts", tags=["forecasts"])

Reader = Annotated[Principal, Depends(require(Role.PLANNER, Role.BUYER, Role.ML_ENGINEER))]
EXPLAIN_STEPS = 7


class Step(BaseModel):
    step: int
    date: dt.date
    p10: float
    p50: float
    p90: float
    p95: float
    p98: float


class Driver(BaseModel):
    group: str
    impact: float = Field(description="units over the explained steps; + raises demand")
    text: str


class Drivers(BaseModel):
    horizon: int
    expected: float | None
    baseline: float | None
    drivers: list[Driver]
    other: float
    summary: str


class Forecast(BaseModel):
    sku: str
    location: str
    model_version: int
    routed_to: str
    frequency: str
    origin: dt.date
    steps: list[Step]
    explanation: Drivers | None = None
    override: OverrideView | None = Field(
        default=None, description="planner overrides in force and the steps they change"
    )


class SeriesKey(BaseModel):
    sku: str = Field(min_length=1)
    location: str = Field(min_length=1)


class BatchRequest(BaseModel):
    series: list[SeriesKey] = Field(min_length=1, max_length=500)
    horizon: int | None = Field(default=None, ge=1)


class GroupShare(BaseModel):
    group: str
    share: float
    features: list[str]


class Importance(BaseModel):
    model_version: int
    groups: list[GroupShare]


def _error(exc: Exception) -> HTTPException:
    if isinstance(exc, UnknownSeries):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, BadRequest):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))
    if isinstance(exc, NoModel | NoPanel):
        return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))
    raise exc


def _forecast(fc: SeriesForecast) -> Forecast:
    return Forecast(
        sku=fc.sku,
        location=fc.location,
        model_version=fc.model_version,
        routed_to=fc.routed_to,
        frequency=fc.frequency,
        origin=fc.origin,
        steps=[Step(step=s.step, date=s.date, **s.quantiles) for s in fc.steps],
    )


@router.get("/importance", response_model=Importance)
def importance(state: StateDep, _: Reader) -> Importance:
    """What the champion relies on: gain share per driver group."""
    try:
        version, groups = state.forecasts.importance()
    except (NoModel, NoPanel, BadRequest) as e:
        raise _error(e) from None
    return Importance(
        model_version=version,
        groups=[
            GroupShare(group=g.group, share=g.share, features=list(g.features)) for g in groups
        ],
    )


@router.get("/{sku}/{location}", response_model=Forecast)
def forecast(
    sku: str,
    location: str,
    state: StateDep,
    overrides: OverridesDep,
    _: Reader,
    horizon: Annotated[int | None, Query(ge=1, description="periods ahead")] = None,
    explain: Annotated[bool, Query(description="add the top drivers")] = True,
    top: Annotated[int, Query(ge=1, le=7)] = 3,
) -> Forecast:
    """Quantiles per step for one sku-location, and (by default) why."""
    try:
        fc = state.forecasts.forecast(sku, location, horizon=horizon)
        out = _forecast(fc)
        out.override = override_beside(fc, overrides.active(sku=sku, location=location))
        if explain:
            steps = min(EXPLAIN_STEPS, len(out.steps))
            why = state.forecasts.explain(sku, location, horizon=steps, top=top)
            out.explanation = Drivers(
                horizon=why.horizon,
                expected=why.expected,
                baseline=why.baseline,
                drivers=[Driver(group=d.group, impact=d.impact, text=d.text) for d in why.drivers],
                other=why.other,
                summary=why.summary,
            )
    except (UnknownSeries, BadRequest, NoModel, NoPanel) as e:
        raise _error(e) from None
    return out


@router.post("/batch", response_model=list[Forecast])
def forecast_batch(
    body: BatchRequest, state: StateDep, overrides: OverridesDep, _: Reader
) -> list[Forecast]:
    """Quantiles for up to 500 sku-locations in one call (no explanations)."""
    keys = [(k.sku, k.location) for k in body.series]
    try:
        found = state.forecasts.forecast_many(keys, horizon=body.horizon)
    except (UnknownSeries, BadRequest, NoModel, NoPanel) as e:
        raise _error(e) from None
    in_force = overrides.active()
    return [
        _forecast(fc).model_copy(update={"override": override_beside(fc, in_force)}) for fc in found
    ]
