"""FastAPI dependencies, named once: the settings, the services on `app.state`, who is calling.

Callers authenticate with an API token (`Authorization: Bearer rk_...`) or the web session
cookie; `require(*roles)` guards an endpoint. An unauthenticated call gets 401, a caller
without the role 403, so a test can walk the role x endpoint matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from restock.settings import Settings
from serving.roles import Principal, Role
from serving.state import AppState

__all__ = [
    "CurrentPrincipal",
    "SESSION_COOKIE",
    "SettingsDep",
    "StateDep",
    "current_principal",
    "require",
]

SESSION_COOKIE = "restock_session"


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.restock
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_principal(request: Request, state: StateDep) -> Principal:
    """The caller, from a bearer token or the session cookie; 401 when neither is valid."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = state.users.authenticate_token(header[7:].strip())
        if found is not None:
            return found
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked API token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = state.sessions.read(cookie)
        if found is not None:
            return found
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "not signed in: send 'Authorization: Bearer <token>' (restock admin token-issue) or log in",
        headers={"WWW-Authenticate": "Bearer"},
    )


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency letting through callers holding any of `roles` (admin always passes)."""
    allowed = frozenset(roles) | {Role.ADMIN}

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.roles & allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"{principal.username} needs one of the roles: {names}"
            )
        return principal

    return check
