"""Signing a person in and out of the web session: one place for the cookie's name and flags.

The JSON login (`serving.routers.auth`) and the web pages (`serving.web`) both call these, so
the cookie is HttpOnly (no script reads it), SameSite=Lax (other sites cannot post with it) and
Secure in production whichever door the person came through.
"""

from __future__ import annotations

import datetime as dt

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from serving.deps import SESSION_COOKIE
from serving.roles import Principal
from serving.security import issue_session
from serving.state import AppState

__all__ = [
    "TooManyAttempts",
    "check_password",
    "clear_session_cookie",
    "client_address",
    "set_session_cookie",
]


class TooManyAttempts(Exception):
    """Too many failed sign-ins for this username or from this address (answer 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


async def check_password(
    state: AppState, username: str, password: str, *, address: str
) -> Principal | None:
    """The principal for a correct password of an active user, else None; raises
    `TooManyAttempts` once `state.login_throttle` says so, before the password is checked.
    scrypt takes ~0.2 s of CPU, so it runs off the event loop."""
    wait = state.login_throttle.retry_after(username, address)
    if wait is not None:
        raise TooManyAttempts(wait)
    principal = await run_in_threadpool(state.users.authenticate_password, username, password)
    if principal is None:
        state.login_throttle.failed(username, address)
    else:
        state.login_throttle.succeeded(username)
    return principal


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (behind a proxy: the proxy's, unless uvicorn
    runs with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, principal: Principal, state: AppState) -> None:
    """Give the browser a signed session naming `principal` for `serving.session_hours`."""
    serving = state.settings.serving
    lifetime = dt.timedelta(hours=serving.session_hours)
    response.set_cookie(
        SESSION_COOKIE,
        issue_session(principal.username, secret_key=serving.secret_key, lifetime=lifetime),
        max_age=int(lifetime.total_seconds()),
        path="/",
        secure=serving.production,
        httponly=True,
        samesite="lax",
    )
    response.headers["Cache-Control"] = "no-store"


def clear_session_cookie(response: Response, state: AppState) -> None:
    """Remove the session cookie from the browser (a copy stays valid until it expires)."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=state.settings.serving.production,
        httponly=True,
        samesite="lax",
    )
