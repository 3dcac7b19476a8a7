"""Signing in and out in the browser, and the landing page that sends each person to their job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serving.deps import StateDep
from serving.login import (
    TooManyAttempts,
    check_password,
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from serving.routers.auth import BAD_CREDENTIALS
from serving.security import MAX_PASSWORD_LENGTH
from serving.web.access import home_path, signed_in
from serving.web.csrf import CsrfChecked
from serving.web.handlers import safe_next
from serving.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/", response_model=None)
def landing(request: Request, state: StateDep) -> Response:
    """Signed in: your first job's page; otherwise the login page."""
    principal = signed_in(request, state)
    target = "/login" if principal is None else home_path(principal)
    return RedirectResponse(target, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    state: StateDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> HTMLResponse:
    return render(
        request,
        state,
        "login.html",
        principal=signed_in(request, state),
        title="Sign in",
        next_path=safe_next(next_path),
        username="",
        error=None,
    )


@router.post("/login", response_model=None)
async def login_submit(
    request: Request,
    state: StateDep,
    _: CsrfChecked,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    """Check the password; on success set the session cookie and go where the person was
    heading (or their home page), else show the form again with one generic message."""
    principal, code, error = None, 401, BAD_CREDENTIALS
    if username.strip() and password:
        try:
            principal = await check_password(
                state, username.strip(), password, address=client_address(request)
            )
        except TooManyAttempts as e:
            code, error = 429, str(e)
    if principal is None:
        return render(
            request,
            state,
            "login.html",
            principal=None,
            title="Sign in",
            status_code=code,
            next_path=safe_next(next_path),
            username=username,
            error=error,
        )
    target = safe_next(next_path)
    response = RedirectResponse(home_path(principal) if target == "/" else target, 303)
    set_session_cookie(response, principal, state)
    return response


@router.post("/logout", response_model=None)
def logout_submit(state: StateDep, _: CsrfChecked) -> Response:
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, state)
    return response
