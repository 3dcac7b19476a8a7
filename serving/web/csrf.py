"""CSRF protection of every web form: a signed double-submit token bound to the session.

The browser holds a random nonce in the `restock_csrf` cookie (HttpOnly, SameSite=Strict);
each form carries `HMAC(secret_key, nonce | session cookie)`. A POST is accepted only when the
form's token matches the cookies it arrives with. Another site can make the browser send the
cookies but can neither read them nor compute the token without the server's secret, and a
token taken from one login does not work with another (OWASP "signed double-submit cookie").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Request, Response

from serving.deps import SESSION_COOKIE, StateDep
from serving.web.errors import PageError

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CsrfChecked",
    "csrf_token",
    "ensure_nonce",
    "set_nonce",
    "verify",
]

CSRF_COOKIE = "restock_csrf"
CSRF_FIELD = "csrf_token"
_CONTEXT = b"restock.csrf.v1:"


def _token(nonce: str, session: str, secret_key: str) -> str:
    message = _CONTEXT + nonce.encode("utf-8") + b"|" + session.encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def ensure_nonce(request: Request) -> tuple[str, bool]:
    """The request's CSRF nonce and whether it is new (then the response must set it)."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if len(nonce) >= 32:
        return nonce, False
    return secrets.token_urlsafe(32), True


def set_nonce(response: Response, nonce: str, *, secure: bool) -> None:
    response.set_cookie(
        CSRF_COOKIE, nonce, path="/", httponly=True, samesite="strict", secure=secure
    )


def csrf_token(request: Request, nonce: str, secret_key: str) -> str:
    """The token the page's forms carry, for this nonce and the request's session cookie."""
    return _token(nonce, request.cookies.get(SESSION_COOKIE, ""), secret_key)


def verify(request: Request, given: str, secret_key: str) -> bool:
    """Whether a submitted token matches the cookies the request came with."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if not nonce or not given:
        return False
    expected = csrf_token(request, nonce, secret_key)
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _checked(
    request: Request,
    state: StateDep,
    token: Annotated[str, Form(alias=CSRF_FIELD, max_length=256)] = "",
) -> None:
    if not verify(request, token, state.settings.serving.secret_key):
        raise PageError(
            403,
            "This form has expired or did not come from restock: nothing was changed. "
            "Go back, reload the page and submit it again.",
            title="Form expired",
        )


CsrfChecked = Annotated[None, Depends(_checked)]
