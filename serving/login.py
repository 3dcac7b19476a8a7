"""Signing a person in and out of the web session: one place for the cookie's name and flags.

The JSON login (`serving.routers.auth`) and the web pages (`serving.web`) both call these, so
the cookie is HttpOnly (no script reads it), SameSite=Lax (other sites cannot post with it) and
Secure in production whichever door the person came through.
"""

from __future__ import annotations

import datetime as dt

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from serving.deps import SESSION_COOKIE
from serving.roles import Principal
from serving.security import issue_session
from serving.state import AppState

__all__ = ["check_password", "clear_session_cookie", "set_session_cookie"]


async def check_password(state: AppState, username: str, password: str) -> Principal | None:
    """The principal for a correct password of an active user, else None; scrypt takes ~0.2 s
    of CPU, so it runs off the event loop."""
    return await run_in_threadpool(state.users.authenticate_password, username, password)


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
