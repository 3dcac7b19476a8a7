"""Rendering a page: the Jinja2 environment (autoescaped), number filters, and the context every
page shares (who is signed in, their navigation, the CSRF token of its forms).

Responses carry a Content-Security-Policy that allows scripts from this server only (charts
read their data from JSON blocks, never inline code), deny framing, and are not cached.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from serving.roles import Principal
from serving.state import AppState
from serving.web.access import navigation
from serving.web.csrf import CSRF_FIELD, csrf_token, ensure_nonce, set_nonce

__all__ = ["environment", "render"]

TEMPLATES = Path(__file__).parent / "templates"
# Plotly sets element styles from script (allowed by 'unsafe-inline' for styles only).
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _number(value: Any, places: int = 1) -> str:
    if value is None:
        return "—"
    number = float(value)
    if not math.isfinite(number):
        return "—"
    return f"{number:,.{places}f}"


def _money(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def _percent(value: Any, places: int = 0) -> str:
    if value is None or not math.isfinite(float(value)):
        return "—"
    return f"{float(value) * 100:.{places}f}%"


def _signed(value: Any, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value):+,.{places}f}"


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


def _json_script(value: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' unescaped."""
    text = json.dumps(value, default=str, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


@cache
def environment() -> Environment:
    """The page templates' environment, built on first use."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=_number,
        money=_money,
        percent=_percent,
        signed=_signed,
        when=_when,
        words=_words,
        json_script=_json_script,
    )
    return env


def render(
    request: Request,
    state: AppState,
    template: str,
    *,
    principal: Principal | None,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `template` with the shared context; sets the CSRF nonce cookie when new."""
    nonce, new = ensure_nonce(request)
    secret = state.settings.serving.secret_key
    page = environment().get_template(template)
    html = page.render(
        request=request,
        me=principal,
        nav=navigation(principal),
        path=request.url.path,
        title=title,
        csrf_field=CSRF_FIELD,
        csrf=csrf_token(request, nonce, secret),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if new:
        set_nonce(response, nonce, secure=state.settings.serving.production)
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response
