"""Planner overrides of the demand forecast: make one (with a rationale and an expiry), list,
revoke, and score them against actuals afterwards (was the override right?).

Planners write (admin too); planners, buyers and ML engineers read. Each write and its audit
event commit in one transaction. An override keeps the model's P50 on its periods at creation,
so accuracy compares the planner with the forecast they overrode. `override_beside` puts the
overrides in force next to the model's steps in a forecast answer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from planning.overrides import (
    InvalidOverride,
    Kind,
    Override,
    OverrideConflict,
    OverrideError,
    Overrides,
    UnknownOverride,
    apply_overrides,
    baseline_frame,
    override_accuracy,
)
from serving import override_service
from serving.api_types import RowId
from serving.deps import StateDep, require
from serving.forecasting import BadRequest, NoModel, NoPanel, SeriesForecast, UnknownSeries
from serving.override_service import ENTITY, OverrideDraft, audited
from serving.roles import Principal, Role
from training.quantiles import QUANTILE_COLUMNS

__all__ = ["OverrideView", "OverridesDep", "get_overrides", "override_beside", "router"]

router = APIRouter(prefix="/api/overrides", tags=["overrides"])

Planner = Annotated[Principal, Depends(require(Role.PLANNER))]
Reader = Annotated[Principal, Depends(require(Role.PLANNER, Role.BUYER, Role.ML_ENGINEER))]


def get_overrides(request: Request, state: StateDep) -> Overrides:
    """The app's override repository, on the audit log's engine (one transaction for both)."""
    found = getattr(request.app.state, "restock_overrides", None)
    if not isinstance(found, Overrides):
        found = Overrides(state.audit.engine)
        request.app.state.restock_overrides = found
    return found


OverridesDep = Annotated[Overrides, Depends(get_overrides)]


class OverrideRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    sku: str = Field(min_length=1)
    location: str = Field(min_length=1)
    start: dt.date = Field(description="first forecast period covered (its date)")
    end: dt.date = Field(description="last forecast period covered, inclusive")
    kind: Kind = Field(description="units: P50 per period; percent: change vs the model")
    value: float = Field(allow_inf_nan=False)
    rationale: str = Field(min_length=3, description="why the model is wrong here")
    expires_at: AwareDatetime = Field(description="after this the override stops applying")


class BaselinePoint(BaseModel):
    date: dt.date
    p50: float


class OverrideOut(BaseModel):
    id: int
    sku: str
    location: str
    start: dt.date
    end: dt.date
    kind: Kind
    value: float
    rationale: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    status: str = Field(description="active, expired or revoked, now")
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    model_version: int | None = Field(description="the demand model version overridden")
    baseline: list[BaselinePoint] = Field(description="the model's P50 when overridden")


class OverriddenStep(BaseModel):
    step: int
    date: dt.date
    override_id: int
    p10: float
    p50: float
    p90: float
    p95: float
    p98: float


class OverrideView(BaseModel):
    """The overrides in force on a series and its overridden steps, beside the model's."""

    overrides: list[OverrideOut]
    steps: list[OverriddenStep]


class AccuracyRow(BaseModel):
    override_id: int
    sku: str
    location: str
    kind: Kind
    value: float
    created_by: str
    revoked: bool
    periods: int = Field(description="covered periods with an actual")
    pending: int = Field(description="covered periods still without an actual")
    mae_model: float | None
    mae_override: float | None
    improvement: float | None = Field(description="model MAE - override MAE; > 0: right")
    override_better: bool | None


class AccuracyReport(BaseModel):
    evaluated: int
    override_better: int
    share_better: float | None
    overrides: list[AccuracyRow]


def _out(o: Override, now: dt.datetime | None = None) -> OverrideOut:
    assert o.id is not None and o.created_at is not None  # stored overrides only
    return OverrideOut(
        id=o.id,
        sku=o.sku,
        location=o.location,
        start=o.start,
        end=o.end,
        kind=o.kind,
        value=o.value,
        rationale=o.rationale,
        created_by=o.created_by,
        created_at=o.created_at,
        expires_at=o.expires_at,
        status=o.status(now),
        revoked_at=o.revoked_at,
        revoked_by=o.revoked_by,
        revoke_reason=o.revoke_reason,
        model_version=o.model_version,
        baseline=[BaselinePoint(date=d, p50=v) for d, v in o.baseline],
    )


def _error(exc: Exception) -> HTTPException:
    if isinstance(exc, UnknownOverride | UnknownSeries):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, InvalidOverride | BadRequest):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))
    if isinstance(exc, OverrideConflict):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    if isinstance(exc, NoModel | NoPanel):
        return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))
    raise exc


def override_beside(fc: SeriesForecast, overrides: Sequence[Override]) -> OverrideView | None:
    """The overrides in force on `fc`'s series and the steps they change (None when none)."""
    mine = [o for o in overrides if (o.sku, o.location) == (fc.sku, fc.location)]
    if not mine:
        return None
    frame = pd.DataFrame(
        [{"sku": fc.sku, "location": fc.location, "date": s.date, **s.quantiles} for s in fc.steps]
    )
    changed = apply_overrides(frame, mine)
    steps = [
        OverriddenStep(
            step=s.step,
            date=s.date,
            override_id=int(row["override_id"]),
            **{c: float(row[c]) for c in QUANTILE_COLUMNS},
        )
        for s, (_, row) in zip(fc.steps, changed.iterrows(), strict=True)
        if not pd.isna(row["override_id"])
    ]
    return OverrideView(overrides=[_out(o) for o in mine], steps=steps)


@router.post("", response_model=OverrideOut, status_code=status.HTTP_201_CREATED)
def create_override(
    body: OverrideRequest, state: StateDep, overrides: OverridesDep, who: Planner
) -> OverrideOut:
    """Override one sku-location's forecast over some periods; audited."""
    try:
        created = override_service.create_override(
            state=state,
            overrides=overrides,
            draft=OverrideDraft(**body.model_dump()),
            actor=who.username,
        )
    except (OverrideError, UnknownSeries, BadRequest, NoModel, NoPanel) as e:
        raise _error(e) from None
    return _out(created)


@router.get("", response_model=list[OverrideOut])
def list_overrides(
    overrides: OverridesDep,
    _: Reader,
    active: Annotated[bool, Query(description="only those in force now")] = False,
    sku: str | None = None,
    location: str | None = None,
) -> list[OverrideOut]:
    """Overrides oldest first: all of them, or only those in force now."""
    now = dt.datetime.now(dt.UTC)
    found = (
        overrides.active(now, sku=sku, location=location)
        if active
        else overrides.list(sku=sku, location=location)
    )
    return [_out(o, now) for o in found]


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]  # a float column of the accuracy table
    return None if math.isnan(number) else number


@router.get("/accuracy", response_model=AccuracyReport)
def accuracy(state: StateDep, overrides: OverridesDep, _: Reader) -> AccuracyReport:
    """Per override, its MAE and the model's on the covered periods that have actuals."""
    made = overrides.list()
    path = state.settings.paths.cleaned / "panel.parquet"
    if not path.is_file():
        raise _error(NoPanel(f"no cleaned panel at {path}; run `restock features` first"))
    skus = sorted({o.sku for o in made})
    actuals = pd.read_parquet(
        path, columns=["sku", "location", "date", "demand"], filters=[("sku", "in", skus or [""])]
    )
    table = override_accuracy(made, baseline_frame(made), actuals)
    rows = [
        AccuracyRow(
            override_id=int(r["override_id"]),
            sku=str(r["sku"]),
            location=str(r["location"]),
            kind=r["kind"],
            value=float(r["value"]),
            created_by=str(r["created_by"]),
            revoked=bool(r["revoked"]),
            periods=int(r["periods"]),
            pending=int(r["pending"]),
            mae_model=_number(r["mae_model"]),
            mae_override=_number(r["mae_override"]),
            improvement=_number(r["improvement"]),
            override_better=r["override_better"],
        )
        for r in table.to_dict("records")
    ]
    evaluated = [r for r in rows if r.periods]
    better = sum(bool(r.override_better) for r in evaluated)
    return AccuracyReport(
        evaluated=len(evaluated),
        override_better=better,
        share_better=better / len(evaluated) if evaluated else None,
        overrides=rows,
    )


@router.get("/{override_id}", response_model=OverrideOut)
def get_override(override_id: RowId, overrides: OverridesDep, _: Reader) -> OverrideOut:
    """One override, revoked or not."""
    try:
        return _out(overrides.get(override_id))
    except OverrideError as e:
        raise _error(e) from None


@router.delete("/{override_id}", response_model=OverrideOut)
def revoke_override(
    override_id: RowId,
    state: StateDep,
    overrides: OverridesDep,
    who: Planner,
    reason: Annotated[str, Query(min_length=3, description="why it no longer applies")],
) -> OverrideOut:
    """Stop an override from applying (kept for audit and accuracy); audited."""
    try:
        with overrides.session() as session, session.begin():
            revoked = overrides.revoke(override_id, by=who.username, reason=reason, session=session)
            state.audit.record(
                actor=who.username,
                action="override.revoke",
                entity_type=ENTITY,
                entity_id=str(override_id),
                before=audited(revoked) | {"revoked_at": None},
                after=audited(revoked),
                reason=reason,
                session=session,
            )
    except OverrideError as e:
        raise _error(e) from None
    return _out(revoked)
