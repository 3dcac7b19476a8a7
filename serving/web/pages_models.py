"""The models page: registered models, versions with backtest metrics beside the baselines',
champion and challenger, the alias history, and promote / rollback behind a confirmation step.

Planners and ML engineers read it; only ML engineers (and admin) see and use the buttons. The
moves are `serving.model_admin`'s, the same as `POST /api/models/{name}/promote|rollback`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serving import model_admin
from serving.api_types import ModelName
from serving.deps import StateDep
from serving.roles import Role
from serving.web.access import Engineer, ModelReader, can
from serving.web.csrf import CsrfChecked
from serving.web.errors import PageError
from serving.web.templating import render
from training.registry import RegistryError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_MIN_REASON = 3


@router.get("/models", response_class=HTMLResponse)
def models_page(
    request: Request,
    state: StateDep,
    me: ModelReader,
    done: Annotated[str, Query(max_length=16)] = "",
    name: Annotated[str, Query(max_length=256)] = "",
    version: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    registry = state.registry()
    models = [model_admin.overview(state, registry, n) for n in model_admin.model_names(registry)]
    notice = None
    if done in ("promote", "rollback") and name and version is not None:
        verb = "promoted to" if done == "promote" else "rolled back to"
        notice = f"{name}: champion {verb} version {version}; serving uses it from now on."
    return render(
        request,
        state,
        "models.html",
        principal=me,
        title="Models",
        models=models,
        can_move=can(me, Role.ML_ENGINEER),
        notice=notice,
    )


Action = Literal["promote", "rollback"]


def _confirm_page(
    request: Request,
    state: StateDep,
    me: Engineer,
    name: str,
    action: Action,
    version: int | None,
    *,
    problem: str | None = None,
    reason: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    registry = state.registry()
    found = model_admin.overview(state, registry, name)
    if found.error is not None:
        raise PageError(404, found.error)
    target = None
    if action == "promote":
        target = next((v for v in found.versions if v.info.version == version), None)
        if target is None:
            raise PageError(404, f"{name} has no version {version}; pick one from the models page.")
    return render(
        request,
        state,
        "confirm.html",
        principal=me,
        title=f"Confirm {action}",
        status_code=status_code,
        model=found,
        action=action,
        target=target,
        problem=problem,
        reason=reason,
        min_reason=_MIN_REASON,
    )


@router.get("/models/{name}/confirm", response_class=HTMLResponse)
def confirm_page(
    name: ModelName,
    request: Request,
    state: StateDep,
    me: Engineer,
    action: Action,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """What will change and why it may be wrong, before the alias moves."""
    if action == "promote" and version is None:
        raise PageError(422, "Say which version to promote (pick one on the models page).")
    return _confirm_page(request, state, me, name, action, version)


def _moved(
    request: Request,
    state: StateDep,
    me: Engineer,
    name: str,
    action: Action,
    version: int | None,
    reason: str,
) -> Response:
    reason = reason.strip()
    if len(reason) < _MIN_REASON:
        problem = f"Say why (at least {_MIN_REASON} characters): it goes in the alias history."
        return _confirm_page(
            request, state, me, name, action, version, problem=problem, status_code=422
        )
    try:
        if action == "promote":
            assert version is not None
            change = model_admin.promote_champion(
                state=state, name=name, version=version, actor=me.username, reason=reason
            )
        else:
            change = model_admin.rollback_champion(
                state=state, name=name, actor=me.username, reason=reason
            )
    except RegistryError as e:
        return _confirm_page(
            request, state, me, name, action, version, problem=str(e), reason=reason,
            status_code=409,
        )  # fmt: skip
    query = urlencode({"done": action, "name": change.model, "version": change.champion})
    return RedirectResponse(f"/models?{query}", status_code=303)


@router.post("/models/{name}/promote", response_model=None)
def promote(
    name: ModelName,
    request: Request,
    state: StateDep,
    me: Engineer,
    _: CsrfChecked,
    version: Annotated[int, Form(ge=1)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _moved(request, state, me, name, "promote", version, reason)


@router.post("/models/{name}/rollback", response_model=None)
def rollback(
    name: ModelName,
    request: Request,
    state: StateDep,
    me: Engineer,
    _: CsrfChecked,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _moved(request, state, me, name, "rollback", None, reason)
