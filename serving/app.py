"""The FastAPI app factory: `create_app(settings)`; `restock serve` runs it under uvicorn.

Nothing happens on import. Start-up builds the services (`serving.state`), loads the champion
models and starts the registry poller that hot-swaps a champion when its alias moves; shutdown
stops the poller. In production mode the app refuses to start with default secrets. The same
app serves the JSON API under `/api` and the web UI's pages (`serving.web`) everywhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from restock.settings import Settings
from serving import web
from serving.routers import auth, forecasts, health, models, overrides, policy, queue
from serving.security import production_problems
from serving.state import build_state

__all__ = ["UnsafeConfiguration", "create_app"]


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
        try:
            yield
        finally:
            state.models.stop()

    app = FastAPI(
        title="restock",
        version="0.1.0",
        description="Forecasts with explanations and the purchase-order approval queue.",
        lifespan=lifespan,
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

    for exception, handler in web.EXCEPTION_HANDLERS.items():
        app.add_exception_handler(exception, handler)
    for module in (health, auth, forecasts, models, queue, policy, overrides, web):
        app.include_router(module.router)
    return app
