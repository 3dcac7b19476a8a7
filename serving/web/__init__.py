"""Server-rendered web UI (issue 6): Jinja2 pages on the same services as the JSON API.

`router` holds every page and the static files; `EXCEPTION_HANDLERS` turn page errors into HTML
pages and a missing login into a redirect, and `invalid_page` answers a malformed page request
(a bad query or form field) with an HTML 422. `serving.app.create_app` wires all three.
"""

from __future__ import annotations

from fastapi import APIRouter

from serving.web import (
    pages_auth,
    pages_models,
    pages_monitoring,
    pages_order,
    pages_planner,
    pages_queue,
    static_files,
)
from serving.web.handlers import EXCEPTION_HANDLERS, invalid_page

__all__ = ["EXCEPTION_HANDLERS", "invalid_page", "router"]

router = APIRouter(include_in_schema=False)
for _pages in (
    pages_auth,
    pages_queue,
    pages_order,
    pages_planner,
    pages_models,
    pages_monitoring,
    static_files,
):
    router.include_router(_pages.router)
