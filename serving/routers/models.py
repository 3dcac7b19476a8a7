"""Model admin for ML engineers: versions with metrics, alias history, promote, rollback.

Every move goes through `serving.model_admin` (shared with the models page): the registry
appends to the alias history, the audit log records it, and serving reloads its champions at
once instead of waiting for the poller, so a rollback is effective on the next request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from serving import model_admin
from serving.api_types import DB_INT_MAX, ModelName
from serving.deps import StateDep, require
from serving.roles import Principal, Role
from training.registry import RegistryError, history, versions

router = APIRouter(prefix="/api/models", tags=["models"])

Engineer = Annotated[Principal, Depends(require(Role.ML_ENGINEER))]


class Version(BaseModel):
    version: int
    aliases: list[str]
    created: dt.datetime
    run_id: str | None
    metrics: dict[str, float]
    gate: dict[str, str]


class Move(BaseModel):
    alias: str
    from_version: int | None
    to_version: int
    action: str
    actor: str
    reason: str
    at: dt.datetime


class PromoteRequest(BaseModel):
    version: int = Field(ge=1, le=DB_INT_MAX)
    reason: str = Field(min_length=3, description="why this version should serve")


class RollbackRequest(BaseModel):
    reason: str = Field(min_length=3, description="why the champion goes back")


class AliasChange(BaseModel):
    model: str
    champion: int
    served_version: int | None


def _registry_error(error: RegistryError) -> HTTPException:
    message = str(error)
    missing = "unknown model" in message or "no version" in message
    return HTTPException(
        status.HTTP_404_NOT_FOUND if missing else status.HTTP_409_CONFLICT, message
    )


@router.get("/{name}/versions", response_model=list[Version])
def list_versions(name: ModelName, state: StateDep, _: Engineer) -> list[Version]:
    """Every version, oldest first, with its backtest metrics and gate verdicts."""
    try:
        found = versions(registry=state.registry(), name=name)
    except RegistryError as e:
        raise _registry_error(e) from None
    return [
        Version(
            version=v.version,
            aliases=list(v.aliases),
            created=v.created,
            run_id=v.run_id,
            metrics=v.metrics,
            gate=v.gate,
        )
        for v in found
    ]


@router.get("/{name}/history", response_model=list[Move])
def alias_history(name: ModelName, state: StateDep, _: Engineer) -> list[Move]:
    """Every alias move: who, when, from, to, why (append-only)."""
    try:
        moves = history(registry=state.registry(), name=name)
    except RegistryError as e:
        raise _registry_error(e) from None
    return [
        Move(
            alias=m.alias,
            from_version=m.from_version,
            to_version=m.to_version,
            action=m.action,
            actor=m.actor,
            reason=m.reason,
            at=m.at,
        )
        for m in moves
    ]


def _change(change: model_admin.AliasChange) -> AliasChange:
    return AliasChange(
        model=change.model, champion=change.champion, served_version=change.served_version
    )


@router.post("/{name}/promote", response_model=AliasChange)
def promote_version(
    name: ModelName, body: PromoteRequest, state: StateDep, who: Engineer
) -> AliasChange:
    """Point `champion` at a version; audited, and served from the next request."""
    try:
        done = model_admin.promote_champion(
            state=state, name=name, version=body.version, actor=who.username, reason=body.reason
        )
    except RegistryError as e:
        raise _registry_error(e) from None
    return _change(done)


@router.post("/{name}/rollback", response_model=AliasChange)
def rollback_champion(
    name: ModelName, body: RollbackRequest, state: StateDep, who: Engineer
) -> AliasChange:
    """Move `champion` back to the version before the latest promotion; audited."""
    try:
        done = model_admin.rollback_champion(
            state=state, name=name, actor=who.username, reason=body.reason
        )
    except RegistryError as e:
        raise _registry_error(e) from None
    return _change(done)
