"""The FastAPI app factory: `create_app(settings)`; `restock serve` runs it under uvicorn.

Nothing happens on import. Start-up builds the services (`serving.state`), loads the champion
models and starts the registry poller that hot-swaps a champion when its alias moves; shutdown
stops the poller. In production mode the app refuses to start with default secrets. The same
app serves the JSON API under `/api` and the web UI's pages (`serving.web`) everywhere else.
A database that stops answering gives 503 with the driver's reason, not 500: the app carries
on and answers again as soon as the database is back (tests/reliability).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from restock.settings import Settings
from serving import web
from serving.api_types import Problem
from serving.prefetch import Prefetcher
from serving.routers import auth, forecasts, health, models, overrides, policy, queue
from serving.security import production_problems
from serving.state import build_state

__all__ = ["DATABASE_DOWN", "UnsafeConfiguration", "create_app"]

# Errors meaning "the database cannot be reached or is too busy now", not "the request is
# wrong": connection refused or dropped, SQLite locked past its timeout, the pool exhausted.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)
RETRY_AFTER_SECONDS = 5


class UnsafeConfiguration(RuntimeError):
    """Production mode with default or weak secrets: fix the settings, then start again."""


def create_app(settings: Settings) -> FastAPI:
    """A configured app; raises `UnsafeConfiguration` before anything starts when unsafe."""
    problems = production_problems(settings.serving)
    if problems:
        raise UnsafeConfiguration(
            "refusing to start in production mode: "
            + "; ".join(problems)
            + " (set RESTOCK_SERVING__SECRET_KEY to a long random value)"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings)
        app.state.restock = state
        state.models.refresh()
        state.models.start_polling()
        ahead = Prefetcher(state.forecasts, limit=settings.serving.prefetch_series)
        ahead.start()
        try:
            yield
        finally:
            ahead.stop()
            state.models.stop()

    app = FastAPI(
        title="restock",
        version="0.1.0",
        description="Forecasts with explanations and the purchase-order approval queue.",
        lifespan=lifespan,
        # What every 422 looks like (the handler below, and the routers' own 422s), instead of
        # FastAPI's default schema that none of them follows.
        responses={422: {"model": Problem, "description": "the request is invalid"}},
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # 422 with the field paths and a readable message, never a 500; a page gets it as HTML.
        if not request.url.path.startswith("/api"):
            return await web.invalid_page(request, exc)
        return JSONResponse(
            status_code=422,
            content={
                "detail": "the request body or query is invalid",
                "errors": [
                    {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in exc.errors()
                ],
            },
        )

    async def _database_down(request: Request, exc: Exception) -> Response:
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        detail = (
            f"the database is unavailable ({reason}); nothing was changed, try again in a few "
            "seconds, and if it persists check that the database server is running"
        )
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": detail}, status_code=503, headers=headers)
        # A page cannot render its template without the signed-in user, read from the database.
        return PlainTextResponse(detail, status_code=503, headers=headers)

    for down in DATABASE_DOWN:
        app.add_exception_handler(down, _database_down)
    for exception, handler in web.EXCEPTION_HANDLERS.items():
        app.add_exception_handler(exception, handler)
    for module in (health, auth, forecasts, models, queue, policy, overrides, web):
        app.include_router(module.router)
    return app
