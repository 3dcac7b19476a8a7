"""Turning `PageError` and `LoginRequired` into what a browser expects: an HTML error page, or
a redirect to the login page that comes back afterwards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from serving.state import AppState
from serving.web.access import signed_in
from serving.web.errors import LoginRequired, PageError
from serving.web.templating import render

__all__ = ["EXCEPTION_HANDLERS", "invalid_page", "safe_next"]


def safe_next(value: str | None) -> str:
    """A path on this site to return to after login; anything else (another host, a scheme,
    `//evil`) becomes the home page, so the login page is no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = "/login?" + urlencode({"next": safe_next(exc.next_path)})
    return RedirectResponse(target, status_code=303)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    state: AppState = request.app.state.restock
    return render(
        request,
        state,
        "error.html",
        principal=signed_in(request, state),
        title=exc.title,
        status_code=exc.status,
        message=exc.message,
    )


async def invalid_page(request: Request, exc: Exception) -> Response:
    """A page request whose query, path or form fields do not parse: an HTML 422 naming them."""
    errors: list[dict[str, Any]] = list(getattr(exc, "errors", list)())
    fields = ", ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'body', 'path'))}: "
        f"{e.get('msg', 'invalid')}"
        for e in errors
    )
    state: AppState = request.app.state.restock
    return render(
        request,
        state,
        "error.html",
        principal=signed_in(request, state),
        title="Check the address or the form",
        status_code=422,
        message=f"Some values could not be read ({fields}). Go back and correct them.",
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """A page address that matches no route gets an HTML 404; everything else (the JSON API,
    other statuses) keeps FastAPI's JSON answer."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 404 or request.url.path.startswith("/api"):
        return await http_exception_handler(request, exc)
    return await _page_error(
        request, PageError(404, f"There is no page at {request.url.path}; use the navigation.")
    )


EXCEPTION_HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
    LoginRequired: _login_required,
    PageError: _page_error,
    StarletteHTTPException: _http_error,
}
