"""Who may call what: every route of the app x every role and an anonymous caller.

`MATRIX` is the documented policy, as data: public routes, routes for any signed-in user, and
the roles each other route lets through (admin passes every role check, `serving.deps.require`).
A route added to the app without a row here fails `test_every_route_is_in_the_matrix`.

Requests are built to change nothing: path parameters name things that do not exist and POST
bodies are empty, so an allowed caller gets 404 / 422 (or 200 for a read), never 401 / 403,
and a refused one gets 401 (anonymous) or 403 (wrong role) before the body is even looked at.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from serving import web
from tests.serving.conftest import auth

pytestmark = [pytest.mark.slow]

Who = frozenset[str] | Literal["public", "signed-in"]

BUYER = frozenset({"buyer", "admin"})
QUEUE_READERS = frozenset({"buyer", "planner", "admin"})
FORECAST_READERS = frozenset({"buyer", "planner", "ml_engineer", "admin"})
ENGINEER = frozenset({"ml_engineer", "admin"})
PLANNER = frozenset({"planner", "admin"})

MATRIX: dict[tuple[str, str], Who] = {
    ("GET", "/health"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("GET", "/redoc"): "public",
    ("POST", "/api/login"): "public",
    ("POST", "/api/logout"): "public",  # an expired session can still sign out
    ("GET", "/api/me"): "signed-in",
    ("GET", "/api/forecasts/importance"): FORECAST_READERS,
    ("GET", "/api/forecasts/{sku}/{location}"): FORECAST_READERS,
    ("POST", "/api/forecasts/batch"): FORECAST_READERS,
    ("GET", "/api/models/{name}/versions"): ENGINEER,
    ("GET", "/api/models/{name}/history"): ENGINEER,
    ("POST", "/api/models/{name}/promote"): ENGINEER,
    ("POST", "/api/models/{name}/rollback"): ENGINEER,
    ("POST", "/api/overrides"): PLANNER,
    ("GET", "/api/overrides"): FORECAST_READERS,
    ("GET", "/api/overrides/accuracy"): FORECAST_READERS,
    ("GET", "/api/overrides/{override_id}"): FORECAST_READERS,
    ("DELETE", "/api/overrides/{override_id}"): PLANNER,
    ("GET", "/api/queue"): QUEUE_READERS,
    ("GET", "/api/queue/export"): QUEUE_READERS,
    ("GET", "/api/queue/orders/{order_id}"): QUEUE_READERS,
    ("POST", "/api/queue/orders/{order_id}/approve"): BUYER,
    ("POST", "/api/queue/orders/{order_id}/reject"): BUYER,
    ("POST", "/api/queue/orders/{order_id}/lines/{line_id}/edit"): BUYER,
    ("POST", "/api/queue/orders/{order_id}/release"): BUYER,
    ("POST", "/api/queue/bulk-approve"): BUYER,
    ("GET", "/api/approval-policy"): QUEUE_READERS,
    ("GET", "/api/approval-policy/history"): QUEUE_READERS,
    ("PUT", "/api/approval-policy"): frozenset({"admin"}),
}
# Names of nothing: an allowed caller gets a 404 or 422 and nothing changes.
PATH_VALUES = {
    "sku": "NO-SUCH-SKU",
    "location": "NO-SUCH-LOCATION",
    "name": "no-such-model",
    "order_id": "987654321",
    "line_id": "987654321",
    "override_id": "987654321",
}
CALLERS = ("anonymous", "buyer", "planner", "ml_engineer", "admin")


def _routes(routes: list[Any]) -> set[tuple[str, str]]:
    """(method, path) of every route, HEAD left out (it mirrors GET)."""
    return {
        (method, str(route.path_format))
        for route in iter_route_contexts(routes)
        for method in route.methods or ()
        if method != "HEAD"
    }


def _app_routes(client: TestClient) -> set[tuple[str, str]]:
    """The API's routes: the web pages read the session cookie only (no bearer token) and have
    their own matrix in tests/web/test_http.py."""
    return _routes(client.app.routes) - _routes(web.router.routes)  # type: ignore[attr-defined]


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    routes = _app_routes(client)
    assert routes - MATRIX.keys() == set(), "document who may call these routes in MATRIX"
    assert MATRIX.keys() - routes == set(), "these MATRIX rows name no route of the app"


def _allowed(who: Who, caller: str) -> bool:
    if who == "public":
        return True
    if who == "signed-in":
        return caller != "anonymous"
    return caller in who


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_role_matrix(
    client: TestClient, tokens: dict[str, str], method: str, path: str, caller: str
) -> None:
    url = path.format(**PATH_VALUES)
    headers = {} if caller == "anonymous" else auth(tokens, caller)
    body: dict[str, str] | None = {} if method == "POST" else None
    answer = client.request(method, url, headers=headers, json=body)
    code = answer.status_code
    if _allowed(MATRIX[(method, path)], caller):
        assert code not in (401, 403) and code < 500, f"{caller} refused: {answer.text}"
    elif caller == "anonymous":
        assert code == 401 and "not signed in" in answer.text
        assert answer.headers["www-authenticate"] == "Bearer"
    else:
        assert code == 403 and f"ann-{caller} needs one of the roles" in answer.text
