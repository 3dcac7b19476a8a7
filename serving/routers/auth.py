"""Web sign-in: `POST /api/login` sets the signed session cookie, `/api/logout` clears it,
`GET /api/me` says who is calling (by cookie or API token).

The cookie holds only the username and its expiry, signed with `serving.secret_key`
(`serving.login.set_session_cookie`); roles are read fresh on every request, so disabling a user
takes effect at once. It is HttpOnly (no script reads it), SameSite=Lax (other sites cannot
post with it) and Secure in production. Sessions are stateless: logout removes the cookie from
the browser, but a copy stays valid until it expires (`serving.session_hours`).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from serving.api_types import Problem
from serving.deps import CurrentPrincipal, StateDep
from serving.login import (
    TooManyAttempts,
    check_password,
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from serving.roles import Principal
from serving.security import MAX_PASSWORD_LENGTH

__all__ = ["LoginRequest", "Me", "router"]

router = APIRouter(prefix="/api", tags=["auth"])

# One message for an unknown user, a wrong password and a disabled account: the answer must
# not tell a guesser which usernames exist.
BAD_CREDENTIALS = "wrong username or password"


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class Me(BaseModel):
    username: str
    roles: list[str]


def _me(principal: Principal) -> Me:
    return Me(username=principal.username, roles=sorted(r.value for r in principal.roles))


_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": LoginRequest.model_json_schema()}
            for media in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}


async def _credentials(request: Request) -> LoginRequest:
    """The username and password from a JSON body or an HTML form; 422 when missing."""
    data: Any
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "the body is not valid JSON", "type": "json_invalid"}]
            ) from None
    else:
        data = dict(await request.form())
    try:
        return LoginRequest.model_validate(data)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors()]
        raise RequestValidationError(errors) from None


@router.post(
    "/login",
    response_model=Me,
    openapi_extra=_LOGIN_BODY,
    responses={429: {"model": Problem, "description": "too many failed sign-ins"}},
)
async def login(request: Request, response: Response, state: StateDep) -> Me:
    """Check the password and set the session cookie; 401 with one generic message otherwise."""
    given = await _credentials(request)
    try:
        principal = await check_password(
            state, given.username, given.password, address=client_address(request)
        )
    except TooManyAttempts as e:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(e),
            headers={"Retry-After": str(e.retry_after)},
        ) from None
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, BAD_CREDENTIALS)
    set_session_cookie(response, principal, state)
    return _me(principal)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(response: Response, state: StateDep) -> None:
    """Remove the session cookie; open to anyone, so an expired session can still sign out."""
    clear_session_cookie(response, state)


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    """Who is calling and with which roles (what the web UI shows and enables)."""
    return _me(principal)
